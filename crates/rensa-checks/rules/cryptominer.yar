// Cryptocurrency miners, the most common payload of malicious container images.

rule XMRig_Miner_Binary
{
    meta:
        description = "XMRig cryptocurrency miner (ELF binary with XMRig's built-in donation pool host names)"
        reference = "https://github.com/xmrig/xmrig/blob/master/src/net/strategies/DonateStrategy.cpp"
        severity = "critical"
    strings:
        $donate_v2 = "donate.v2.xmrig.com"
        $donate_ssl = "donate.ssl.xmrig.com"
    condition:
        uint32(0) == 0x464C457F and any of them
}

rule XMRig_Miner_Config
{
    meta:
        description = "XMRig miner configuration (\"donate-level\" setting and a \"pools\" list)"
        reference = "https://xmrig.com/docs/miner/config"
        severity = "critical"
    strings:
        $donate = /"donate-level"\s*:\s*[0-9]/
        $pools = /"pools"\s*:\s*\[/
    condition:
        filesize < 1MB and $donate and $pools
}

rule Stratum_Miner_Command
{
    meta:
        description = "Miner started against a stratum mining pool, with a Monero wallet address in the same file"
        reference = "https://attack.mitre.org/techniques/T1496/"
        severity = "critical"
    strings:
        $pool = /stratum\+(tcp|ssl|tls):\/\/[A-Za-z0-9.\-]+:[0-9]{2,5}/
        // A Monero address (95 base58 characters starting with 4, or 8 for a subaddress) given as the
        // miner's user (`-u`, `--user=`, `"user": "..."`) or assigned to a wallet variable. The keyword
        // is required: an address regex alone has no literal for yara-x to anchor on and made this rule
        // cost more than all the others together (it checked every "4x" in every file). (One regex with
        // a bounded gap from the pool to the wallet is not matched by yara-x 1.22, so two strings.)
        $wallet = /(-u|--user|user"|[Ww]allet|WALLET)[\s="':]{0,4}[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
    condition:
        $pool and $wallet
}
