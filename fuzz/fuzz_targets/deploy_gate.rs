//! Fuzzes the deploy gate: the input is manifest text and a deploy policy separated by a NUL byte. The
//! manifests are parsed (YAML or JSON), the policy is parsed (falling back to the restricted level with
//! every option on and two custom Rego modules), and the gate runs over whatever parsed; it must never
//! panic, every finding must name a known rule (built-in or declared by a custom module), and the report
//! must be sorted and serialize.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_policy::deploy::{self, DeployPolicy, Level, objects::parse_manifests, rule};
use rensa_vulndb::suppress::Date;

/// Custom rules that walk the pod template and the labels of whatever the fuzzer produced.
const CUSTOM: &str = r#"version: 1
custom_rules:
  - module: |
      package rensa.custom.nolatest
      rules := {"image-latest-tag": {"title": "no latest", "severity": "high"}}
      deny contains {"rule": "image-latest-tag", "msg": sprintf("%v", [c.image]), "path": sprintf("%s.%s[%d].image", [input.pod.spec_path, list, i])} if {
        some list in ["initContainers", "containers", "ephemeralContainers"]
        some i, c in input.pod.spec[list]
        endswith(c.image, ":latest")
      }
  - module: |
      package rensa.custom.team
      rules := {"team-label-required": {"title": "team label", "severity": "medium"}}
      deny contains {"rule": "team-label-required", "msg": sprintf("%s %s", [input.kind, input.name])} if {
        input.pod != null
        not input.labels.team
      }
      deny contains {"rule": "undeclared", "msg": "x"} if input.annotations.fail
"#;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (manifests, policy_text) = text.split_once('\0').unwrap_or((&text, ""));
    let policy = DeployPolicy::parse(policy_text, "fuzz-policy.yaml").unwrap_or_else(|_| {
        let mut p = DeployPolicy::parse(CUSTOM, "fuzz-custom.yaml").expect("the custom rules compile");
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
            (&pair[0].object, &pair[0].rule, &pair[0].path, &pair[0].message)
                < (&pair[1].object, &pair[1].rule, &pair[1].path, &pair[1].message)
        );
    }
    for f in report.findings.iter().chain(report.excepted.iter().map(|e| &e.finding)) {
        assert!(
            rule::rule(&f.rule).is_some() || policy.custom_rules.iter().any(|m| m.rule(&f.rule).is_some()),
            "{}",
            f.rule
        );
    }
    let _ = serde_json::to_string(&report).unwrap();
});
