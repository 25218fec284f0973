// PHP web shells: code that runs what an HTTP request sends.

rule PHP_Webshell_Request_Eval
{
    meta:
        description = "PHP web shell: request parameters passed to eval/assert or a command function"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        severity = "critical"
    strings:
        $php = "<?"
        $eval = /\b(eval|assert)\s*\(\s*([A-Za-z0-9_]+\s*\(\s*){0,4}\$_(POST|GET|REQUEST|COOKIE)\s*\[/
        $exec = /\b(system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[/
    condition:
        $php and ($eval or $exec)
}
