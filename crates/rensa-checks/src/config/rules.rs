//! The rule table of the config checks. Ids are a public contract; severities are defaults.
//!
//! References: CIS Docker Benchmark v1.6.0 (§4 "Container Images and Build File Configuration", §5
//! "Container Runtime"); NIST SP 800-190 "Application Container Security Guide" (§3.1.2 image
//! configuration defects, §3.1.4 embedded clear-text secrets, §4.1.2 and §4.1.4 their
//! countermeasures); ISO/IEC 27001:2022 Annex A (A.5.17 Authentication information, A.8.2 Privileged
//! access rights, A.8.5 Secure authentication, A.8.9 Configuration management, A.8.20 Networks
//! security, A.8.24 Use of cryptography, A.8.3 Information access restriction, A.8.16 Monitoring
//! activities, A.8.19 Installation of software on operational systems, A.8.10 Information deletion).

use crate::finding::{Category, Severity};
use crate::rule::Rule;

const CIS_4_1: &str = "CIS Docker Benchmark v1.6.0 4.1";
const CIS_4_3: &str = "CIS Docker Benchmark v1.6.0 4.3";
const CIS_4_6: &str = "CIS Docker Benchmark v1.6.0 4.6";
const CIS_4_7: &str = "CIS Docker Benchmark v1.6.0 4.7";
const CIS_4_8: &str = "CIS Docker Benchmark v1.6.0 4.8";
const CIS_4_10: &str = "CIS Docker Benchmark v1.6.0 4.10";
const CIS_5_7: &str = "CIS Docker Benchmark v1.6.0 5.7";
const CIS_5_9: &str = "CIS Docker Benchmark v1.6.0 5.9";
const NIST_312: &str = "NIST SP 800-190 3.1.2";
const NIST_314: &str = "NIST SP 800-190 3.1.4";
const NIST_412: &str = "NIST SP 800-190 4.1.2";
const NIST_414: &str = "NIST SP 800-190 4.1.4";
const ISO_517: &str = "ISO/IEC 27001:2022 A.5.17";
const ISO_82: &str = "ISO/IEC 27001:2022 A.8.2";
const ISO_83: &str = "ISO/IEC 27001:2022 A.8.3";
const ISO_85: &str = "ISO/IEC 27001:2022 A.8.5";
const ISO_89: &str = "ISO/IEC 27001:2022 A.8.9";
const ISO_810: &str = "ISO/IEC 27001:2022 A.8.10";
const ISO_816: &str = "ISO/IEC 27001:2022 A.8.16";
const ISO_819: &str = "ISO/IEC 27001:2022 A.8.19";
const ISO_820: &str = "ISO/IEC 27001:2022 A.8.20";
const ISO_824: &str = "ISO/IEC 27001:2022 A.8.24";
const NIST_63B: &str = "NIST SP 800-63B 5.1.1.2";
const SSHD_MAN: &str = "sshd_config(5), OpenSSH 9.2";

const fn def(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    rationale: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
) -> Rule {
    Rule {
        id,
        category: Category::Config,
        severity,
        title,
        rationale,
        remediation,
        references,
    }
}

static RULES: &[Rule] = &[
    def(
        "duplicate-uid",
        Severity::Medium,
        "Two accounts share a user id",
        "Accounts with the same uid are the same user to the kernel: files, processes and audit records cannot tell them apart",
        "Give every account in /etc/passwd its own uid",
        &[NIST_312, NIST_412, "ISO/IEC 27001:2022 A.5.16", ISO_89],
    ),
    def(
        "empty-password",
        Severity::Critical,
        "An account has an empty password",
        "An account whose shadow password field is empty can log in without any password wherever password login is allowed",
        "Lock the account (`passwd -l NAME`) or set a strong password; remove `nullok` from PAM",
        &[NIST_312, NIST_412, ISO_517, ISO_85],
    ),
    def(
        "exposed-remote-login-port",
        Severity::Medium,
        "The image exposes a remote-login port",
        "Exposing SSH (22), telnet (23), rexec (512), rlogin (513) or rsh (514) invites remote shell access to every container of the image",
        "Remove the port from EXPOSE; use `docker exec` / `kubectl exec` for interactive access",
        &[CIS_5_9, NIST_312, NIST_412, ISO_820],
    ),
    def(
        "insecure-pam-nullok",
        Severity::Medium,
        "PAM accepts empty passwords (pam_unix nullok)",
        "With `nullok`, pam_unix lets an account with an empty password field authenticate without a password",
        "Remove `nullok` from the pam_unix lines of /etc/pam.d",
        &[NIST_312, NIST_412, ISO_517, ISO_85],
    ),
    def(
        "no-healthcheck",
        Severity::Low,
        "The image has no HEALTHCHECK",
        "Without a health check the engine cannot tell a hung container from a working one and will not restart or replace it",
        "Add a HEALTHCHECK instruction that probes the service (or `HEALTHCHECK NONE` deliberately in a base image)",
        &[CIS_4_6, NIST_312, ISO_816],
    ),
    def(
        "package-manager-cache",
        Severity::Low,
        "Package-manager caches are left in the image",
        "Downloaded packages and index files enlarge every pull, and stale indexes invite installing outdated packages at run time",
        "Clean the cache in the same RUN step that installs (`apt-get clean && rm -rf /var/lib/apt/lists/*`, `apk --no-cache`, `pip --no-cache-dir`, `npm cache clean --force`, `dnf clean all`)",
        &[CIS_4_7, NIST_312, NIST_412, ISO_89, ISO_819],
    ),
    def(
        "password-hash-weak",
        Severity::High,
        "Passwords are hashed with a weak algorithm",
        "MD5-crypt and DES-crypt hashes are cracked at billions of guesses per second; DES also uses only the first 8 characters",
        "Set ENCRYPT_METHOD SHA512 or YESCRYPT in /etc/login.defs, use `yescrypt`/`sha512` on pam_unix, and reset the affected passwords",
        &[NIST_312, NIST_412, ISO_517, ISO_824],
    ),
    def(
        "password-max-age",
        Severity::Low,
        "Passwords do not expire within the baseline",
        "New accounts get their maximum password age from PASS_MAX_DAYS in /etc/login.defs; a long or unlimited age keeps a leaked password usable",
        "Set PASS_MAX_DAYS in /etc/login.defs to the baseline (and `chage -M` existing accounts)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.4.1.1",
            "PCI DSS v3.2.1 8.2.4",
            NIST_312,
            ISO_517,
        ],
    ),
    def(
        "password-min-age",
        Severity::Low,
        "Passwords can be changed again at once",
        "Without a minimum age (PASS_MIN_DAYS) a user can cycle through passwords to get back to the old one, defeating password history",
        "Set PASS_MIN_DAYS in /etc/login.defs to the baseline (and `chage -m` existing accounts)",
        &["CIS Debian Linux 12 Benchmark v1.1.0 5.4.1.2", NIST_312, ISO_517],
    ),
    def(
        "password-min-length",
        Severity::Medium,
        "The minimum password length is below the baseline",
        "Short passwords fall to online and offline guessing; the length the password-change path enforces is set by pam_pwquality/pam_cracklib `minlen`, pam_unix `minlen` (default 6) or PASS_MIN_LEN",
        "Set `minlen` in /etc/security/pwquality.conf (with pam_pwquality in common-password) or on pam_unix to at least the baseline",
        &[NIST_63B, NIST_312, ISO_517, ISO_85],
    ),
    def(
        "password-warn-age",
        Severity::Low,
        "Users are warned too late before their password expires",
        "PASS_WARN_AGE sets how many days before expiry users are warned; too short a warning leads to lockouts and rushed, weak passwords",
        "Set PASS_WARN_AGE in /etc/login.defs to the baseline (and `chage -W` existing accounts)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.4.1.3",
            NIST_312,
            ISO_517,
        ],
    ),
    def(
        "remote-login-enabled",
        Severity::High,
        "A remote-login server is installed and configured to start",
        "A container should run one service and be entered with `docker exec`; a login server adds keys and passwords to manage, an attack surface and a way around the orchestrator's access control",
        "Remove the server package (openssh-server, dropbear, telnetd, rsh-server) from the image, or at least its start-up (entrypoint, init links, inetd lines)",
        &[CIS_5_7, CIS_4_3, NIST_312, NIST_412, ISO_820, ISO_85],
    ),
    def(
        "remote-login-weak-password",
        Severity::Critical,
        "A remote-login account has a weak password",
        "An account that the remote-login server accepts has a password found in a common-password list",
        "Lock the account or set a strong password; disable password authentication for remote login",
        &[NIST_312, NIST_412, ISO_517, ISO_85],
    ),
    def(
        "root-user",
        Severity::Medium,
        "Containers of the image run as root",
        "Without USER, a container runs as root (uid 0); a compromise of the process is a compromise of root in the container and a short step from the host",
        "Create an unprivileged user in the image and add `USER name` (or `USER uid:gid`) to the Dockerfile",
        &[CIS_4_1, NIST_312, NIST_412, ISO_82],
    ),
    def(
        "secret-in-env",
        Severity::High,
        "A secret is stored in the image's environment",
        "ENV values are stored in the image config: anyone who can pull the image can read them (`docker inspect`), and every container inherits them",
        "Pass secrets at run time (orchestrator secrets, mounted files) instead of ENV; rotate the exposed secret",
        &[CIS_4_10, NIST_314, NIST_414, ISO_517],
    ),
    def(
        "setuid-binary",
        Severity::Info,
        "Setuid/setgid files in the image",
        "Setuid and setgid programs run with their owner's or group's privileges; each is a path to privilege escalation if it is vulnerable",
        "Remove the setuid/setgid bits that the containers do not need (`chmod a-s FILE`), or run with `--security-opt no-new-privileges`",
        &[CIS_4_8, NIST_312, NIST_412, ISO_82],
    ),
    def(
        "ssh-empty-passwords",
        Severity::High,
        "sshd accepts empty passwords",
        "With PermitEmptyPasswords yes, sshd lets accounts with an empty password log in over the network without any secret",
        "Set `PermitEmptyPasswords no` (the default) and remove it from Match blocks",
        &[CIS_5_7, NIST_312, NIST_412, ISO_85, SSHD_MAN],
    ),
    def(
        "ssh-host-keys-in-image",
        Severity::High,
        "SSH host private keys are baked into the image",
        "Every container of the image, and everyone who can pull it, has the same host private key: servers can be impersonated and their traffic intercepted",
        "Delete /etc/ssh/ssh_host_*_key* in the image build and generate host keys when a container starts (`ssh-keygen -A`)",
        &[NIST_314, NIST_414, ISO_517, ISO_824],
    ),
    def(
        "ssh-login-grace-time",
        Severity::Low,
        "sshd's LoginGraceTime is longer than the baseline",
        "A long LoginGraceTime lets unauthenticated connections hold server resources, easing denial of service and brute force",
        "Set `LoginGraceTime` to the baseline or less (for example `LoginGraceTime 60`)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.2.17",
            NIST_312,
            ISO_85,
            SSHD_MAN,
        ],
    ),
    def(
        "ssh-max-auth-tries",
        Severity::Low,
        "sshd allows more authentication attempts than the baseline",
        "Each connection may try MaxAuthTries passwords or keys; a high value speeds up brute force",
        "Set `MaxAuthTries` to the baseline or less (for example `MaxAuthTries 4`)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.2.7",
            NIST_312,
            ISO_85,
            SSHD_MAN,
        ],
    ),
    def(
        "ssh-password-auth",
        Severity::Medium,
        "sshd accepts password authentication",
        "Password authentication over SSH exposes every account's password to network brute force; keys or certificates cannot be guessed",
        "Set `PasswordAuthentication no` (and `KbdInteractiveAuthentication no`) and use public keys",
        &[NIST_312, NIST_412, ISO_85, SSHD_MAN],
    ),
    def(
        "ssh-permit-user-environment",
        Severity::Medium,
        "sshd lets users set environment variables for their session",
        "With PermitUserEnvironment, ~/.ssh/environment and `environment=` key options can set LD_PRELOAD and similar variables to bypass restrictions",
        "Set `PermitUserEnvironment no` (the default)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.2.12",
            NIST_312,
            ISO_89,
            SSHD_MAN,
        ],
    ),
    def(
        "ssh-protocol-weak",
        Severity::Medium,
        "sshd enables weak ciphers, MACs or key exchange",
        "CBC-mode and RC4 ciphers, MD5/SHA-1-96/RIPEMD MACs and SHA-1 Diffie-Hellman key exchange have known attacks; OpenSSH no longer enables them by default",
        "Remove the weak algorithms from Ciphers, MACs and KexAlgorithms (or delete those lines to use OpenSSH's defaults)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.2.13",
            NIST_312,
            ISO_824,
            SSHD_MAN,
        ],
    ),
    def(
        "ssh-root-login",
        Severity::High,
        "sshd lets root log in with a password",
        "PermitRootLogin yes lets anyone who guesses root's password take over the container over the network",
        "Set `PermitRootLogin no` (or `prohibit-password`, the default) and remove looser values from Match blocks",
        &[CIS_5_7, NIST_312, NIST_412, ISO_82, ISO_85, SSHD_MAN],
    ),
    def(
        "ssh-x11-forwarding",
        Severity::Low,
        "sshd allows X11 forwarding",
        "X11 forwarding exposes the client's display to the server side and widens the attack surface of a server that has no use for it",
        "Set `X11Forwarding no` (the OpenSSH default; Debian's packaged sshd_config sets yes)",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.2.6",
            NIST_312,
            ISO_89,
            SSHD_MAN,
        ],
    ),
    def(
        "sudo-nopasswd",
        Severity::Medium,
        "sudo grants commands without a password",
        "A NOPASSWD rule turns any code execution as that user into root without knowing a secret",
        "Remove NOPASSWD from /etc/sudoers and /etc/sudoers.d, or remove sudo from the image",
        &[NIST_312, NIST_412, ISO_82],
    ),
    def(
        "uid0-non-root",
        Severity::High,
        "An account other than root has user id 0",
        "Any account with uid 0 is root; an extra one is a hidden superuser, typical of a backdoor",
        "Remove the account or give it an unprivileged uid",
        &[NIST_312, NIST_412, ISO_82],
    ),
    def(
        "umask-permissive",
        Severity::Low,
        "The default umask lets other users read new files",
        "UMASK in /etc/login.defs sets the permissions of users' new files and home directories; 022 makes them readable by every account",
        "Set `UMASK 027` (or 077) in /etc/login.defs",
        &[
            "CIS Distribution Independent Linux v2.0.0 5.4.4",
            NIST_312,
            ISO_83,
        ],
    ),
    def(
        "world-writable-path",
        Severity::High,
        "A directory on PATH can be written by non-root users",
        "Anyone who can write to a directory on PATH can plant a program that root or the service runs instead of the real one",
        "Make the directory owned by root and not group/world-writable (`chown root:root DIR && chmod 755 DIR`), or remove it from PATH",
        &[NIST_312, NIST_412, ISO_83, ISO_89],
    ),
    def(
        "writable-sensitive-file",
        Severity::High,
        "An account or sudo file has unsafe permissions",
        "A world-writable /etc/passwd, /etc/group, /etc/shadow or sudoers file lets any user make themselves root; a world-readable /etc/shadow exposes every password hash",
        "`chmod 644 /etc/passwd /etc/group`, `chmod 640 /etc/shadow` (root:shadow), `chmod 440 /etc/sudoers`",
        &[
            "CIS Distribution Independent Linux v2.0.0 6.1.2",
            NIST_312,
            ISO_83,
            ISO_810,
        ],
    ),
];

/// Every config rule, sorted by id (including `remote-login-weak-password` and `empty-password`,
/// which [`crate::password`] reports).
pub fn rules() -> &'static [Rule] {
    RULES
}

/// The config rule with `id`, if there is one.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The rule with `id`: only called with the ids of this table (`every_reported_id_is_in_the_table`
/// checks the call sites).
pub(crate) fn rule(id: &str) -> &'static Rule {
    rule_by_id(id).expect("config rule ids are constants of this table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sorted_unique_kebab() {
        let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(ids.len() >= 26, "{} rules", ids.len());
        for r in rules() {
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
            assert!(!r.references.is_empty() && !r.title.is_empty(), "{}", r.id);
        }
    }
}
