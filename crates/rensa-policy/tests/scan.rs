//! The scan verdict: default policy, policy files, exceptions and their expiry, bad files.

use rensa_policy::scan::{Decision, Item, Policy};
use rensa_vulndb::suppress::Date;

fn vuln(id: &str, alias: &str, severity: &str, package: &str, fixed: bool) -> Item {
    Item {
        category: "vulnerability".into(),
        id: id.into(),
        aliases: vec![alias.into()],
        severity: severity.into(),
        package: Some((
            package.into(),
            format!("pkg:deb/debian/{package}@1.0?distro=debian-12"),
        )),
        path: None,
        fixed,
    }
}

fn check(category: &str, id: &str, severity: &str, path: &str) -> Item {
    Item {
        category: category.into(),
        id: id.into(),
        aliases: vec![],
        severity: severity.into(),
        package: None,
        path: Some(path.into()),
        fixed: false,
    }
}

fn items() -> Vec<Item> {
    vec![
        vuln("CVE-2023-4911", "DSA-5514-1", "high", "libc6", true),
        vuln("CVE-2023-0001", "GHSA-xxxx", "medium", "zlib1g", false),
        check("config", "remote-login-enabled", "high", "/usr/sbin/sshd"),
        check("config", "root-user", "medium", ""),
        check("secret", "secret-aws-access-key", "critical", "/app/.env"),
        check("secret", "secret-generic-assignment", "medium", "/app/config.ini"),
        check("malware", "malware", "critical", "/tmp/eicar.com"),
    ]
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn subjects(v: &[rensa_policy::scan::Reason]) -> Vec<String> {
    v.iter().map(|r| r.subject.clone()).collect()
}

#[test]
fn the_default_policy_blocks_the_classic_cases() {
    let v = Policy::default().evaluate(&items(), day("2026-11-23"));
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(
        subjects(&v.reasons),
        [
            "CVE-2023-4911 in libc6",
            "remote-login-enabled at /usr/sbin/sshd",
            "secret-aws-access-key at /app/.env",
            "malware at /tmp/eicar.com",
        ]
    );
    let clean = vec![
        check("config", "root-user", "medium", ""),
        vuln("CVE-1", "X", "low", "a", true),
    ];
    let v = Policy::default().evaluate(&clean, day("2026-11-23"));
    assert_eq!((v.decision, v.reasons.len()), (Decision::Pass, 0));
}

#[test]
fn a_policy_file_with_exceptions_and_expiry() {
    let text = r#"
block:
  - category: vulnerability
    severity: [critical, high, medium]
    fixed: true
  - id: [Remote-Login-Enabled]
  - category: secret
exceptions:
  - id: DSA-5514-1          # an alias covers the finding
    package: libc6
    reason: "not reachable: no setuid binaries"
    expires: 2026-12-31
  - id: secret-generic-assignment
    package: /app/config.ini
    reason: "placeholder value"
    expires: 2026-01-01      # expired
"#;
    let p = Policy::parse(text, "policy.yaml").unwrap();
    let v = p.evaluate(&items(), day("2026-11-23"));
    assert_eq!(v.decision, Decision::Block);
    assert_eq!(
        subjects(&v.reasons),
        [
            "remote-login-enabled at /usr/sbin/sshd",
            "secret-aws-access-key at /app/.env",
            "secret-generic-assignment at /app/config.ini",
        ]
    );
    assert_eq!(v.excepted.len(), 1);
    assert_eq!(v.excepted[0].reason.subject, "CVE-2023-4911 in libc6");
    assert_eq!(v.excepted[0].exception, "not reachable: no setuid binaries");
    assert_eq!(
        v.warnings,
        ["policy exception for secret-generic-assignment expired on 2026-01-01: it no longer applies"]
    );
    // Unfixed medium zlib1g is not blocked (fixed: true); malware is not in this policy.
    assert!(
        !subjects(&v.reasons)
            .iter()
            .any(|s| s.contains("zlib1g") || s.contains("malware"))
    );

    // On the exception's expiry day it stops applying.
    let later = p.evaluate(&items(), day("2026-12-31"));
    assert_eq!(subjects(&later.reasons)[0], "CVE-2023-4911 in libc6");
    assert!(later.excepted.is_empty());

    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["verdict"], "block");
    assert_eq!(json["policy"], "policy.yaml");
}

#[test]
fn bad_policies_are_refused_with_the_file_and_the_place() {
    for (text, needle) in [
        (
            "block:\n  - {}\n",
            "policy.yaml: block rule 1: a rule needs at least one of",
        ),
        (
            "block:\n  - category: vulnerabilty\n",
            "policy.yaml: block rule 1: unknown category \"vulnerabilty\"",
        ),
        (
            "block:\n  - severity: severe\n",
            "policy.yaml: block rule 1: unknown severity \"severe\"",
        ),
        ("block:\n  - sevrity: high\n", "policy.yaml: "),
        (
            "exceptions:\n  - id: CVE-1\n",
            "policy.yaml: exception 1 (CVE-1): an exception needs a reason",
        ),
        (
            "exceptions:\n  - id: CVE-1\n    reason: x\n    expires: 2026-02-30\n",
            "is not a date",
        ),
        ("block: [", "policy.yaml: "),
    ] {
        let e = Policy::parse(text, "policy.yaml").unwrap_err().to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
    let e = Policy::read(std::path::Path::new("/nonexistent/policy.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/nonexistent/policy.yaml: "), "{e}");
}
