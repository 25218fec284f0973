//! Fuzzes the scan policy reader (YAML: block rules and exceptions) and the verdict on a fixed set of
//! findings for whatever it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_policy::scan::{Item, Policy};
use rensa_vulndb::suppress::Date;

fn item(category: &str, id: &str, severity: &str, package: Option<(&str, &str)>, fixed: bool) -> Item {
    Item {
        category: category.into(),
        id: id.into(),
        aliases: vec!["GHSA-xxxx-yyyy-zzzz".into()],
        severity: severity.into(),
        package: package.map(|(n, p)| (n.into(), p.into())),
        path: Some("/etc/ssh/sshd_config".into()),
        fixed,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = Policy::parse(text, "fuzz.yaml") else { return };
    let items = [
        item("vulnerability", "CVE-2024-0001", "critical", Some(("openssl", "pkg:deb/debian/openssl@3.0.11")), true),
        item("config", "remote-login-enabled", "high", None, false),
        item("secret", "secret-aws-access-key", "critical", None, false),
        item("malware", "malware-eicar", "critical", None, false),
    ];
    let today = Date::parse("2026-01-01").expect("a date");
    let _ = policy.evaluate(&items, today);
});
