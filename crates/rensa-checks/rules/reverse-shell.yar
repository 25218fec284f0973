// Reverse-shell one-liners in scripts: a shell whose input and output are a network connection to the
// attacker. Patterns from the common one-liners (bash /dev/tcp, netcat -e, mkfifo + nc, Python socket
// with dup2 and a spawned shell).

rule Reverse_Shell_Bash_Dev_Tcp
{
    meta:
        description = "Reverse shell: interactive shell redirected to bash's /dev/tcp or /dev/udp"
        reference = "https://attack.mitre.org/techniques/T1059/004/"
        severity = "critical"
    strings:
        $interactive = /sh\s+-i\s*[0-9]?[<>]+&?\s*\/dev\/(tcp|udp)\/[A-Za-z0-9.\-]+\/[0-9]{1,5}/
        $exec_fd = /exec\s+[0-9]+<>\s*\/dev\/(tcp|udp)\/[A-Za-z0-9.\-]+\/[0-9]{1,5}/
        $shell_fd = /sh\s+<&\s*[0-9]+\s*>&\s*[0-9]+/
    condition:
        $interactive or ($exec_fd and $shell_fd)
}

rule Reverse_Shell_Netcat
{
    meta:
        description = "Reverse shell: netcat executing a shell (-e/-c), or a shell piped through a fifo into netcat"
        reference = "https://attack.mitre.org/techniques/T1059/004/"
        severity = "critical"
    strings:
        $nc_exec = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s+([^|;&\n]{0,80}\s)?-[ce]\s*\/bin\/(ba|da|z)?sh\b/
        $fifo = /mkfifo\s+[^\s;]+\s*;\s*cat\s+[^\s|]+\s*\|\s*\/bin\/(ba|da|z)?sh\s+-i[^\n]{0,40}\|\s*(nc|ncat|netcat|telnet)\s/
    condition:
        any of them
}

rule Reverse_Shell_Python
{
    meta:
        description = "Reverse shell: Python socket connected out, duplicated onto stdin/stdout and a shell spawned"
        reference = "https://attack.mitre.org/techniques/T1059/006/"
        severity = "critical"
    strings:
        $connect = ".connect(("
        $dup2 = /os\.dup2\(\s*[A-Za-z_][A-Za-z0-9_]*\.fileno\(\)\s*,\s*[012]\s*\)/
        $shell = /(pty\.spawn|subprocess\.call|subprocess\.Popen|os\.system)\(\s*\[?\s*["']\/bin\/(ba|da|z)?sh/
    condition:
        $connect and $dup2 and $shell
}
