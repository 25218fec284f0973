// The EICAR anti-malware test file, exactly as its specification defines it: a file that starts with the
// 68-byte EICAR string, optionally followed by whitespace (space, tab, LF, CR, CTRL-Z) with the whole file
// at most 128 bytes long. The string inside a larger file is, by that definition, not the test file and
// does not match. (The backslash below is escaped, so this file does not itself carry the test string.)
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-malware test file"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
        severity = "high"
    strings:
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $eicar at 0 and filesize <= 128 and
        (filesize == 68 or
         for all i in (68..filesize - 1) : (
             uint8(i) == 0x20 or uint8(i) == 0x09 or uint8(i) == 0x0A or
             uint8(i) == 0x0D or uint8(i) == 0x1A))
}
