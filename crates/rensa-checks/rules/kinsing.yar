// Kinsing, a campaign against exposed Docker APIs and container workloads that installs its miner as
// /tmp/kdevtmpfsi (named to pass for the kernel thread kdevtmpfs) beside its own binary /tmp/kinsing.

rule Kinsing_Indicators
{
    meta:
        description = "Kinsing malware: its miner kdevtmpfsi or its /tmp/kinsing binary"
        reference = "https://blog.aquasec.com/threat-alert-kinsing-malware-container-vulnerability"
        severity = "critical"
    strings:
        $miner = "kdevtmpfsi"
        $binary = "/tmp/kinsing"
    condition:
        any of them
}
