//! Fuzzes the deploy gate: the input is manifest text and a deploy policy separated by a NUL byte. The
//! manifests are parsed (YAML or JSON), the policy is parsed (falling back to the restricted level with
//! every option on), and the gate runs over whatever parsed; it must never panic, every finding must name
//! a known rule, and the report must be sorted and serialize.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_policy::deploy::{self, DeployPolicy, Level, objects::parse_manifests, rule};
use rensa_vulndb::suppress::Date;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (manifests, policy_text) = text.split_once('\0').unwrap_or((&text, ""));
    let policy = DeployPolicy::parse(policy_text, "fuzz-policy.yaml").unwrap_or_else(|_| {
        let mut p = DeployPolicy::default();
        p.pod_security.level = Level::Restricted;
        p.pod_security.require_resources = true;
        p.pod_security.require_read_only_root = true;
        p.pod_security.forbid_token_automount = true;
        p
    });
    let Ok(objects) = parse_manifests(manifests, "fuzz.yaml") else {
        return;
    };
    for o in &objects {
        let _ = o.pod_template();
        let _ = o.workload_labels();
    }
    let report = deploy::check(&policy, &objects, Date::parse("2026-11-23").unwrap());
    assert_eq!(report.allowed, report.findings.is_empty());
    for pair in report.findings.windows(2) {
        assert!(
            (&pair[0].object, &pair[0].rule, &pair[0].path)
                < (&pair[1].object, &pair[1].rule, &pair[1].path)
        );
    }
    for f in report.findings.iter().chain(report.excepted.iter().map(|e| &e.finding)) {
        assert!(rule::rule(&f.rule).is_some());
    }
    let _ = serde_json::to_string(&report).unwrap();
});
