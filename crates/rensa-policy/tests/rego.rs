//! Custom deploy-gate rules in Rego (`custom_rules`), over the manifests in `tests/fixtures/rego/`.

use std::path::{Path, PathBuf};

use rensa_policy::deploy::{self, DeployPolicy, Report, objects::Object, objects::parse_manifests};
use rensa_vulndb::suppress::Date;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rego");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn workloads() -> Vec<Object> {
    let text = std::fs::read_to_string(fixture("workloads.yaml")).unwrap();
    parse_manifests(&text, "workloads.yaml").unwrap()
}

fn today() -> Date {
    Date::parse("2026-11-23").unwrap()
}

fn lines(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| format!("{} {} {} | {}", f.object, f.rule, f.path, f.message))
        .collect()
}

fn policy() -> DeployPolicy {
    DeployPolicy::read(&fixture("policy.yaml")).unwrap()
}

/// A policy with one inline module (lines 4 on of the policy text are the module's lines 1 on).
fn inline(module: &str) -> String {
    let mut text =
        "version: 1\nnetwork:\n  require_default_deny: false\ncustom_rules:\n  - module: |\n".to_string();
    for line in module.lines() {
        text.push_str("      ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn error(text: &str) -> String {
    DeployPolicy::parse(text, "p.yaml").unwrap_err().to_string()
}

const RULES: &str = r#"rules := {"team-label-required": {"title": "t", "severity": "low"}}"#;

#[test]
fn custom_findings_are_exact_and_merged_with_the_built_in_ones() {
    let report = deploy::check(&policy(), &workloads(), today());
    assert_eq!(
        lines(&report),
        [
            "CronJob/shop/report image-latest-tag spec.jobTemplate.spec.template.spec.containers[0].image | container report uses alpine:latest",
            "Deployment/shop/web image-latest-tag spec.template.spec.containers[1].image | container proxy uses nginx:latest",
            "Deployment/shop/web image-latest-tag spec.template.spec.initContainers[0].image | container migrate uses registry.local:5000/shop/migrate",
        ]
    );
    assert!(!report.allowed);
    // The Service is not a kind the gate knows: custom rules do not see it either.
    assert_eq!(report.unknown.len(), 1);
    assert_eq!(report.unknown[0].to_string(), "Service/shop/web");
    // The exception names a custom id.
    assert_eq!(report.excepted.len(), 1);
    let e = &report.excepted[0];
    assert_eq!(
        format!(
            "{} {} {} | {}",
            e.finding.object, e.finding.rule, e.finding.path, e.finding.message
        ),
        "Deployment/legacy/billing team-label-required metadata.labels.team | Deployment billing has no team label"
    );
    assert_eq!(e.expires, "2027-06-30");
    assert_eq!(
        e.exception,
        "legacy applications predate team ownership; tracked in OPS-412"
    );
    // The finding is described by the module's metadata.
    let f = &report.findings[0];
    assert_eq!(f.severity, deploy::Severity::High);
    assert_eq!(f.title, "images must not use the latest tag");
    assert_eq!(
        f.rationale,
        "latest (or no tag) names whatever was pushed last: what runs is not what was reviewed"
    );
    assert_eq!(
        f.remediation,
        "reference the image by a version tag or, better, by digest"
    );
    assert_eq!(f.references, ["NIST SP 800-190 4.1.4"]);
    assert_eq!(f.source.as_ref().unwrap().to_string(), "workloads.yaml:42");
    let t = &e.finding;
    assert_eq!(t.severity, deploy::Severity::Medium);
    assert_eq!(t.rationale, "");
    assert!(t.references.is_empty());
    // JSON output keeps working.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["rule"], "image-latest-tag");
}

#[test]
fn custom_and_built_in_findings_interleave_sorted() {
    // Restricted pod security adds built-in findings on the same objects.
    let text = std::fs::read_to_string(fixture("policy.yaml"))
        .unwrap()
        .replace("network:\n", "pod_security:\n  level: restricted\nnetwork:\n");
    let p = DeployPolicy::parse_in(&text, "policy.yaml", Path::new(FIXTURES)).unwrap();
    let report = deploy::check(&p, &workloads(), today());
    let web: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.object.name == "web")
        .map(|f| format!("{} {}", f.rule, f.path))
        .collect();
    assert_eq!(
        web,
        [
            "image-latest-tag spec.template.spec.containers[1].image",
            "image-latest-tag spec.template.spec.initContainers[0].image",
            "pod-allow-privilege-escalation spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
            "pod-allow-privilege-escalation spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation",
            "pod-allow-privilege-escalation spec.template.spec.containers[2].securityContext.allowPrivilegeEscalation",
            "pod-allow-privilege-escalation spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation",
            "pod-capabilities-drop-all spec.template.spec.containers[0].securityContext.capabilities.drop",
            "pod-capabilities-drop-all spec.template.spec.containers[1].securityContext.capabilities.drop",
            "pod-capabilities-drop-all spec.template.spec.containers[2].securityContext.capabilities.drop",
            "pod-capabilities-drop-all spec.template.spec.initContainers[0].securityContext.capabilities.drop",
            "pod-run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot",
            "pod-run-as-non-root spec.template.spec.containers[1].securityContext.runAsNonRoot",
            "pod-run-as-non-root spec.template.spec.containers[2].securityContext.runAsNonRoot",
            "pod-run-as-non-root spec.template.spec.initContainers[0].securityContext.runAsNonRoot",
            "pod-seccomp spec.template.spec.containers[0].securityContext.seccompProfile.type",
            "pod-seccomp spec.template.spec.containers[1].securityContext.seccompProfile.type",
            "pod-seccomp spec.template.spec.containers[2].securityContext.seccompProfile.type",
            "pod-seccomp spec.template.spec.initContainers[0].securityContext.seccompProfile.type",
        ]
    );
}

#[test]
fn exceptions_cover_custom_ids_and_expire() {
    let text = std::fs::read_to_string(fixture("policy.yaml")).unwrap();
    let text = format!(
        "{text}  - rule: image-latest-tag\n    name: web\n    reason: the proxy image is rebuilt nightly\n    expires: 2026-12-01\n"
    );
    let p = DeployPolicy::parse_in(&text, "policy.yaml", Path::new(FIXTURES)).unwrap();
    let report = deploy::check(&p, &workloads(), today());
    assert_eq!(
        lines(&report),
        [
            "CronJob/shop/report image-latest-tag spec.jobTemplate.spec.template.spec.containers[0].image | container report uses alpine:latest"
        ]
    );
    let excepted: Vec<String> = report
        .excepted
        .iter()
        .map(|e| format!("{} {} {}", e.finding.object, e.finding.rule, e.finding.path))
        .collect();
    assert_eq!(
        excepted,
        [
            "Deployment/legacy/billing team-label-required metadata.labels.team",
            "Deployment/shop/web image-latest-tag spec.template.spec.containers[1].image",
            "Deployment/shop/web image-latest-tag spec.template.spec.initContainers[0].image",
        ]
    );
    // On its expiry day it no longer applies.
    let later = deploy::check(&p, &workloads(), Date::parse("2026-12-01").unwrap());
    assert_eq!(later.findings.len(), 3);
    assert_eq!(
        later.warnings,
        ["policy.yaml:14: the exception for image-latest-tag expired on 2026-12-01: it no longer applies"]
    );
    // An exception for an id nobody declared is refused.
    let typo = format!(
        "{}  - rule: image-latest-tags\n    reason: r\n    expires: 2027-01-01\n",
        std::fs::read_to_string(fixture("policy.yaml")).unwrap()
    );
    assert_eq!(
        DeployPolicy::parse_in(&typo, "policy.yaml", Path::new(FIXTURES))
            .unwrap_err()
            .to_string(),
        "policy.yaml:14: exception for unknown rule \"image-latest-tags\""
    );
}

#[test]
fn compile_errors_name_the_rego_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/broken.rego"),
        "package rensa.custom.broken\n\ndeny contains x if {\n  x := \n}\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\ncustom_rules:\n  - file: rules/broken.rego\n",
    )
    .unwrap();
    let e = DeployPolicy::read(&policy).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:4: expecting `}}` while parsing set",
            dir.path().join("rules/broken.rego").display()
        )
    );
    // A missing file: the policy's line.
    std::fs::write(
        &policy,
        "version: 1\ncustom_rules:\n  - file: rules/missing.rego\n",
    )
    .unwrap();
    let e = DeployPolicy::read(&policy).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "{}:3: custom_rules: cannot read {}: ",
            policy.display(),
            dir.path().join("rules/missing.rego").display()
        )),
        "{e}"
    );
    // Inline: the policy file's line.
    let text = inline("package rensa.custom.x\n\nrules := {}\ndeny contains x if {\n  x := \n}");
    assert_eq!(text.lines().nth(9), Some("        x := "));
    assert_eq!(error(&text), "p.yaml:10: expecting `}` while parsing set");
}

#[test]
fn parse_without_a_directory_refuses_files_and_entries_are_checked() {
    assert_eq!(
        error("version: 1\ncustom_rules:\n  - file: rules/x.rego\n"),
        "p.yaml:3: custom_rules: `file: rules/x.rego` needs the policy file's directory: read the policy from a file, or write the module inline (`module: |`)"
    );
    assert_eq!(
        error("version: 1\ncustom_rules:\n  - {}\n"),
        "p.yaml:3: custom_rules: each entry needs exactly one of `file:` and `module:`"
    );
    assert_eq!(
        error("version: 1\ncustom_rules:\n  - file: a.rego\n    module: x\n"),
        "p.yaml:3: custom_rules: each entry needs exactly one of `file:` and `module:`"
    );
    assert!(
        error("version: 1\ncustom_rules:\n  - fiel: a.rego\n").starts_with("p.yaml:3: unknown field `fiel`"),
        "{}",
        error("version: 1\ncustom_rules:\n  - fiel: a.rego\n")
    );
}

#[test]
fn the_module_contract_is_checked_at_load_time() {
    let origin = "p.yaml:6 (inline)";
    let cases = [
        (
            "package team\nrules := {}\ndeny contains 1 if false".to_string(),
            "the module's package is team: custom rules must be in `package rensa.custom.NAME`",
        ),
        (
            format!("package rensa.custom.a.b\n{RULES}\ndeny contains 1 if false"),
            "the module's package is rensa.custom.a.b: custom rules must be in `package rensa.custom.NAME`",
        ),
        (
            "package rensa.custom.t\ndeny contains 1 if false".to_string(),
            "rensa.custom.t defines no `rules` object (the rules' descriptions)",
        ),
        (
            "package rensa.custom.t\nrules := {\"x\": {\"title\": input.kind, \"severity\": \"low\"}}\ndeny contains 1 if false".to_string(),
            "rensa.custom.t.rules must be an object of rule descriptions (it is undefined); it must not depend on input",
        ),
        (
            "package rensa.custom.t\nrules := {}\ndeny contains 1 if false".to_string(),
            "rensa.custom.t.rules declares no rule",
        ),
        (
            format!("package rensa.custom.t\n{RULES}"),
            "rensa.custom.t defines no `deny` rule",
        ),
        (
            "package rensa.custom.t\nrules := {\"Team_Label\": {\"title\": \"t\", \"severity\": \"low\"}}\ndeny contains 1 if false".to_string(),
            "rensa.custom.t.rules: the rule id \"Team_Label\" is not kebab-case ([a-z][a-z0-9]*(-[a-z0-9]+)*)",
        ),
        (
            "package rensa.custom.t\nrules := {\"pod-privileged\": {\"title\": \"t\", \"severity\": \"low\"}}\ndeny contains 1 if false".to_string(),
            "rensa.custom.t.rules: \"pod-privileged\" is a built-in rule id",
        ),
        (
            "package rensa.custom.t\nrules := {\"x\": {\"title\": \"t\", \"severity\": \"urgent\"}}\ndeny contains 1 if false".to_string(),
            "rules[\"x\"].severity \"urgent\" is not low, medium, high or critical",
        ),
        (
            "package rensa.custom.t\nrules := {\"x\": {\"severity\": \"low\"}}\ndeny contains 1 if false".to_string(),
            "rules[\"x\"] needs a \"title\" (a string)",
        ),
        (
            "package rensa.custom.t\nrules := {\"x\": {\"title\": \"t\", \"severity\": \"low\", \"owner\": \"me\"}}\ndeny contains 1 if false".to_string(),
            "rules[\"x\"]: unknown key \"owner\" (expected title, severity, rationale, remediation, references)",
        ),
        (
            "package rensa.custom.t\nrules := {\"x\": {\"title\": \"t\", \"severity\": \"low\", \"references\": \"CIS\"}}\ndeny contains 1 if false".to_string(),
            "rules[\"x\"].references must be an array of strings",
        ),
    ];
    for (module, message) in cases {
        assert_eq!(
            error(&inline(&module)),
            format!("{origin}: {message}"),
            "{module}"
        );
    }
}

#[test]
fn rule_ids_may_not_collide_between_modules() {
    let mut text = inline(&format!(
        "package rensa.custom.one\n{RULES}\ndeny contains 1 if false"
    ));
    text.push_str(&format!(
        "  - module: |\n      package rensa.custom.two\n      {RULES}\n      deny contains 1 if false\n"
    ));
    assert_eq!(
        error(&text),
        "p.yaml:9: custom_rules: the rule id \"team-label-required\" is declared by both rensa.custom.one and rensa.custom.two"
    );
    let mut text = inline(&format!(
        "package rensa.custom.one\n{RULES}\ndeny contains 1 if false"
    ));
    text.push_str(
        "  - module: |\n      package rensa.custom.one\n      rules := {\"other\": {\"title\": \"t\", \"severity\": \"low\"}}\n      deny contains 1 if false\n",
    );
    assert_eq!(
        error(&text),
        "p.yaml:9: custom_rules: p.yaml:6 (inline) and p.yaml:10 (inline) are both package rensa.custom.one"
    );
}

fn check_inline(deny: &str) -> Vec<String> {
    let p = DeployPolicy::parse(
        &inline(&format!("package rensa.custom.t\n{RULES}\n{deny}")),
        "p.yaml",
    )
    .unwrap();
    let objects = parse_manifests(
        "kind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: app:1}]\n---\nkind: Service\nmetadata: {name: web, namespace: shop}\n",
        "m.yaml",
    )
    .unwrap();
    lines(&deploy::check(&p, &objects, today()))
}

#[test]
fn undeclared_ids_and_malformed_entries_fail_closed() {
    assert_eq!(
        check_inline(r#"deny contains {"rule": "team-lable-required", "msg": "no team"} if true"#),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny entry names the undeclared rule \"team-lable-required\" (message: no team)"
        ]
    );
    assert_eq!(
        check_inline(r#"deny contains {"rule": "team-label-required"} if true"#),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny entry {\"rule\":\"team-label-required\"} needs \"msg\" (a string)"
        ]
    );
    assert_eq!(
        check_inline(r#"deny contains "no team label" if true"#),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny entry \"no team label\" is not an object {\"rule\", \"msg\", \"path\"}"
        ]
    );
    assert_eq!(
        check_inline(r#"deny contains {"rule": "team-label-required", "msg": "m", "line": 3} if true"#),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny entry {\"line\":3,\"msg\":\"m\",\"rule\":\"team-label-required\"}: unknown key \"line\" (expected rule, msg, path)"
        ]
    );
    assert_eq!(
        check_inline(r#"deny := "everything""#),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny must be a set of {\"rule\", \"msg\", \"path\"} objects, not \"everything\""
        ]
    );
    // A good entry next to a bad one: both are reported.
    assert_eq!(
        check_inline(
            "deny contains {\"rule\": \"team-label-required\", \"msg\": \"no team\", \"path\": \"metadata.labels\"} if true\ndeny contains {\"rule\": \"nope\", \"msg\": \"x\"} if true"
        ),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): deny entry names the undeclared rule \"nope\" (message: x)",
            "Deployment/shop/web team-label-required metadata.labels | no team",
        ]
    );
    // An array is accepted; an undefined deny denies nothing.
    assert_eq!(
        check_inline(
            r#"deny := [{"rule": "team-label-required", "msg": "a"}, {"rule": "team-label-required", "msg": "b"}]"#
        ),
        [
            "Deployment/shop/web team-label-required  | a",
            "Deployment/shop/web team-label-required  | b",
        ]
    );
    assert!(check_inline("deny := x if { x := input.nothing }").is_empty());
}

#[test]
fn evaluation_errors_fail_closed() {
    // Two values for one complete rule: regorus reports a conflict at evaluation time.
    let deny = "v := 1 if input.kind\nv := 2 if input.kind\ndeny contains {\"rule\": \"team-label-required\", \"msg\": \"m\"} if v == 1";
    assert_eq!(
        check_inline(deny),
        [
            "Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): evaluation failed at p.yaml:9: rule conflicts with rule at p.yaml:6 (inline):3:1"
        ]
    );
    // An exception for custom-rule-error lets it through (the operator's explicit choice).
    let mut text = inline(&format!("package rensa.custom.t\n{RULES}\n{deny}"));
    text.push_str("exceptions:\n  - rule: custom-rule-error\n    namespace: shop\n    reason: rule under repair\n    expires: 2027-01-01\n");
    let p = DeployPolicy::parse(&text, "p.yaml").unwrap();
    let objects = parse_manifests(
        "kind: Pod\nmetadata: {name: x, namespace: shop}\nspec:\n  containers: [{name: app, image: app:1}]\n",
        "m.yaml",
    )
    .unwrap();
    let report = deploy::check(&p, &objects, today());
    assert!(report.allowed);
    assert_eq!(report.excepted[0].finding.rule, "custom-rule-error");
    assert_eq!(report.excepted[0].finding.severity, deploy::Severity::High);
}

#[test]
fn a_module_that_runs_too_long_fails_closed() {
    // 25 million iterations: far beyond the 250 ms a module may take over one object.
    let deny = "deny contains {\"rule\": \"team-label-required\", \"msg\": \"m\"} if {\n  input.kind == \"Deployment\"\n  some i in numbers.range(1, 5000)\n  some j in numbers.range(1, 5000)\n  i * j == -1\n}";
    let start = std::time::Instant::now();
    let got = check_inline(deny);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("Deployment/shop/web custom-rule-error  | custom rules rensa.custom.t (p.yaml:6 (inline)): evaluation failed"),
        "{got:?}"
    );
    assert!(got[0].contains("time limit"), "{got:?}");
    // Slow regardless of the input: refused when the policy is loaded.
    let text = inline(&format!(
        "package rensa.custom.t\n{RULES}\n{}",
        deny.replace("  input.kind == \"Deployment\"\n", "")
    ));
    let e = error(&text);
    assert!(
        e.starts_with("p.yaml:6 (inline): execution exceeded time limit"),
        "{e}"
    );
}

#[test]
fn unsafe_variables_are_refused_at_load_time() {
    let text = inline(&format!(
        "package rensa.custom.t\n{RULES}\ndeny contains x if {{ x := y }}"
    ));
    assert_eq!(
        error(&text),
        "p.yaml:8: var y is unsafe (path [\"rensa\", \"custom\", \"t\", \"y\"], scopes [{}])"
    );
}

#[test]
fn the_input_document() {
    // The module denies with the input it saw, serialised, so the document is asserted exactly.
    let deny = r#"deny contains {"rule": "team-label-required", "msg": json.marshal(input_seen)} if true
input_seen := {k: v | some k, v in input; k != "object"}
"#;
    let p = DeployPolicy::parse(
        &inline(&format!("package rensa.custom.t\n{RULES}\n{deny}")),
        "p.yaml",
    )
    .unwrap();
    let objects = parse_manifests(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: r, namespace: ops, labels: {team: t}, annotations: {a: b}}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {tier: web}}\n        spec:\n          containers: [{name: c, image: i}]\n---\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n",
        "m.yaml",
    )
    .unwrap();
    let report = deploy::check(&p, &objects, today());
    let seen: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| serde_json::from_str(&f.message).unwrap())
        .collect();
    assert_eq!(
        seen,
        [
            serde_json::json!({"kind": "ConfigMap", "apiVersion": "", "namespace": "default", "name": "cm",
                "labels": {}, "annotations": {}, "pod": null}),
            serde_json::json!({"kind": "CronJob", "apiVersion": "batch/v1", "namespace": "ops", "name": "r",
                "labels": {"team": "t"}, "annotations": {"a": "b"},
                "pod": {"path": "spec.jobTemplate.spec.template",
                        "spec_path": "spec.jobTemplate.spec.template.spec",
                        "metadata_path": "spec.jobTemplate.spec.template.metadata",
                        "metadata": {"labels": {"tier": "web"}},
                        "spec": {"containers": [{"name": "c", "image": "i"}]}}}),
        ]
    );
    // `object` is the whole object.
    let input = deploy::custom::input(&objects[0]);
    assert_eq!(input["object"], objects[0].value);
    let pod = parse_manifests(
        "kind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
        "m.yaml",
    )
    .unwrap();
    let input = deploy::custom::input(&pod[0]);
    assert_eq!(input["pod"]["path"], "");
    assert_eq!(input["pod"]["spec_path"], "spec");
    assert_eq!(input["pod"]["metadata_path"], "metadata");
}

#[test]
fn the_policy_stays_shareable() {
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug + PartialEq + Eq>() {}
    shareable::<DeployPolicy>();
    let p = policy();
    assert_eq!(p.custom_rules.len(), 2);
    assert_eq!(p.custom_rules[0].package, "rensa.custom.nolatest");
    assert_eq!(
        p.custom_rules[0].origin,
        fixture("rules/nolatest.rego").display().to_string()
    );
    assert_eq!(p.custom_rules[1].rules[0].id, "team-label-required");
    assert_eq!(p.clone(), p);
    assert_ne!(p, DeployPolicy::default());
    // Evaluation takes &self: threads share one policy.
    let p = std::sync::Arc::new(p);
    let objects = std::sync::Arc::new(workloads());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (p, objects) = (p.clone(), objects.clone());
            std::thread::spawn(move || deploy::check(&p, &objects, today()).findings.len())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 3);
    }
    let json = serde_json::to_value(&*p).unwrap();
    assert_eq!(json["custom_rules"][1]["package"], "rensa.custom.team");
    assert!(
        json["custom_rules"][1]["source"]
            .as_str()
            .unwrap()
            .contains("package rensa.custom.team")
    );
}

/// The cost of the custom rules per object: `cargo test -p rensa-policy --release --test rego -- --ignored --nocapture`.
#[test]
#[ignore]
fn cost_per_object() {
    let p = policy();
    let objects: Vec<Object> = workloads()
        .into_iter()
        .filter(|o| o.name == "web" && o.kind == "Deployment")
        .collect();
    assert_eq!(objects.len(), 1);
    let builtin = DeployPolicy {
        custom_rules: Vec::new(),
        ..p.clone()
    };
    let n = 20_000;
    let time = |policy: &DeployPolicy| {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(deploy::check(policy, &objects, today()));
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    };
    time(&p);
    let with = time(&p);
    let without = time(&builtin);
    println!(
        "3-container Deployment: {with:.1} µs per check with 2 custom modules, {without:.1} µs without: {:.1} µs for the custom rules",
        with - without
    );
}

#[test]
#[ignore]
fn cost_breakdown() {
    let p = policy();
    let objects: Vec<Object> = workloads()
        .into_iter()
        .filter(|o| o.name == "web" && o.kind == "Deployment")
        .collect();
    let n = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(deploy::custom::input(&objects[0]));
    }
    println!(
        "input json: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(regorus::Value::from(deploy::custom::input(&objects[0])));
    }
    println!(
        "input regorus: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    for m in &p.custom_rules {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(m.evaluate(&objects[0]));
        }
        println!(
            "{}: {:.1} µs",
            m.package,
            start.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }
}
