//! The deploy gate over the realistic manifests in `tests/fixtures/deploy/`, with exact findings.
//! Expected values follow the Pod Security Standards page
//! (<https://kubernetes.io/docs/concepts/security/pod-security-standards/>); no `kubectl` or API server is
//! available offline to act as an oracle.

use std::path::Path;

use rensa_policy::deploy::{self, DeployPolicy, Level, Report, objects::Object, objects::parse_manifests};
use rensa_vulndb::suppress::Date;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/deploy");

fn load(names: &[&str]) -> Vec<Object> {
    let mut objects = Vec::new();
    for name in names {
        let path = Path::new(FIXTURES).join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        objects.extend(parse_manifests(&text, name).unwrap());
    }
    objects
}

fn all() -> Vec<Object> {
    load(&[
        "namespaces.yaml",
        "restricted-deployment.yaml",
        "violations-deployment.yaml",
        "cronjob.yaml",
        "list.json",
    ])
}

fn today() -> Date {
    Date::parse("2026-11-23").unwrap()
}

fn lines(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| format!("{} {} {}", f.object, f.rule, f.path))
        .collect()
}

fn restricted_policy() -> DeployPolicy {
    DeployPolicy::read(&Path::new(FIXTURES).join("policy.yaml")).unwrap()
}

#[test]
fn objects_and_sources() {
    let objects = all();
    let got: Vec<_> = objects
        .iter()
        .map(|o| format!("{} {}", o.reference(), o.source))
        .collect();
    assert_eq!(
        got,
        [
            "Namespace/shop namespaces.yaml:3",
            "NetworkPolicy/shop/default-deny-ingress namespaces.yaml:10",
            "NetworkPolicy/shop/storefront-ingress namespaces.yaml:19",
            "Namespace/legacy namespaces.yaml:37",
            "Deployment/shop/storefront restricted-deployment.yaml:3",
            "Deployment/legacy/admin-console violations-deployment.yaml:2",
            "CronJob/shop/nightly-report cronjob.yaml:2",
            "Pod/shop/debug list.json:1",
            "ConfigMap/shop/settings list.json:1",
            "Service/shop/web list.json:1",
        ]
    );
}

#[test]
fn restricted_policy_exact_findings() {
    let report = deploy::check(&restricted_policy(), &all(), today());
    let sp = "spec.template.spec";
    let c = |s: &str| format!("Deployment/legacy/admin-console {s}");
    let expected: Vec<String> = vec![
        c(&format!("placement-attested-nodes {sp}.nodeSelector")),
        c(&format!("placement-sensitivity {sp}.nodeSelector")),
        c(&format!("pod-allow-privilege-escalation {sp}.containers[0].securityContext.allowPrivilegeEscalation")),
        c(&format!("pod-allow-privilege-escalation {sp}.initContainers[0].securityContext.allowPrivilegeEscalation")),
        c("pod-apparmor spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/console\"]"),
        c(&format!("pod-capabilities-added {sp}.containers[0].securityContext.capabilities.add[0]")),
        c(&format!("pod-capabilities-added {sp}.containers[0].securityContext.capabilities.add[1]")),
        c(&format!("pod-capabilities-added {sp}.containers[0].securityContext.capabilities.add[2]")),
        c(&format!("pod-capabilities-drop-all {sp}.containers[0].securityContext.capabilities.drop")),
        c(&format!("pod-capabilities-drop-all {sp}.initContainers[0].securityContext.capabilities.drop")),
        c(&format!("pod-host-network {sp}.hostNetwork")),
        c(&format!("pod-host-pid {sp}.hostPID")),
        c(&format!("pod-host-port {sp}.containers[0].ports[0].hostPort")),
        c(&format!("pod-privileged {sp}.containers[0].securityContext.privileged")),
        c(&format!("pod-proc-mount {sp}.containers[0].securityContext.procMount")),
        c(&format!("pod-read-only-root-filesystem {sp}.containers[0].securityContext.readOnlyRootFilesystem")),
        c(&format!("pod-read-only-root-filesystem {sp}.initContainers[0].securityContext.readOnlyRootFilesystem")),
        c(&format!("pod-resource-limits {sp}.containers[0].resources.limits.cpu")),
        c(&format!("pod-resource-limits {sp}.containers[0].resources.limits.memory")),
        c(&format!("pod-resource-limits {sp}.initContainers[0].resources.limits.cpu")),
        c(&format!("pod-resource-limits {sp}.initContainers[0].resources.limits.memory")),
        c(&format!("pod-run-as-non-root {sp}.containers[0].securityContext.runAsNonRoot")),
        c(&format!("pod-run-as-non-root {sp}.initContainers[0].securityContext.runAsNonRoot")),
        c(&format!("pod-run-as-user-root {sp}.initContainers[0].securityContext.runAsUser")),
        c(&format!("pod-seccomp {sp}.containers[0].securityContext.seccompProfile.type")),
        c(&format!("pod-seccomp {sp}.initContainers[0].securityContext.seccompProfile.type")),
        c(&format!("pod-selinux {sp}.securityContext.seLinuxOptions.type")),
        c(&format!("pod-sysctls {sp}.securityContext.sysctls[1].name")),
        c(&format!("pod-volume-types {sp}.volumes[1].nfs")),
    ]
    .into_iter()
    .chain(
        [
            "CronJob/shop/nightly-report pod-capabilities-drop-all spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop",
            "CronJob/shop/nightly-report pod-read-only-root-filesystem spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
            "CronJob/shop/nightly-report pod-run-as-non-root spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot",
            "CronJob/shop/nightly-report pod-seccomp spec.jobTemplate.spec.template.spec.containers[0].securityContext.seccompProfile.type",
            "Namespace/legacy network-no-default-deny ",
            "NetworkPolicy/shop/storefront-ingress network-allows-any-source spec.ingress[1].from[0].ipBlock.cidr",
        ]
        .map(String::from),
    )
    .collect();
    let mut got = lines(&report);
    // The debug Pod (from list.json) is checked too; its findings are asserted in `list_json_pod`.
    got.retain(|l| !l.starts_with("Pod/shop/debug "));
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(got, sorted_expected);
    assert!(!report.allowed);
    // The hostPath exception applies (until 2027-03-31); the namespace exception expired.
    assert_eq!(report.excepted.len(), 1);
    assert_eq!(report.excepted[0].finding.rule, "pod-host-path");
    assert_eq!(
        report.excepted[0].finding.path,
        "spec.template.spec.volumes[0].hostPath.path"
    );
    assert_eq!(report.excepted[0].expires, "2027-03-31");
    assert_eq!(
        report.warnings,
        ["policy.yaml:16: the exception for network-no-default-deny expired on 2026-01-01: it no longer applies"
            .replace("policy.yaml", &Path::new(FIXTURES).join("policy.yaml").display().to_string())]
    );
    assert_eq!(
        report.unknown.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["Service/shop/web"]
    );
}

#[test]
fn restricted_deployment_passes_restricted() {
    let objects = load(&["namespaces.yaml", "restricted-deployment.yaml"]);
    let mut policy = restricted_policy();
    policy.exceptions.clear();
    let report = deploy::check(&policy, &objects, today());
    assert_eq!(
        lines(&report),
        [
            "NetworkPolicy/shop/storefront-ingress network-allows-any-source spec.ingress[1].from[0].ipBlock.cidr"
        ]
    );
}

#[test]
fn baseline_default_policy() {
    let report = deploy::check(&DeployPolicy::default(), &all(), today());
    assert_eq!(DeployPolicy::default().pod_security.level, Level::Baseline);
    let got = lines(&report);
    let sp = "spec.template.spec";
    let c = |s: &str| format!("Deployment/legacy/admin-console {s}");
    let expected = [
        c(&format!("placement-attested-nodes {sp}.nodeSelector")),
        c(&format!("placement-sensitivity {sp}.nodeSelector")),
        c("pod-apparmor spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/console\"]"),
        // SYS_ADMIN and NET_RAW are outside the baseline list; CHOWN (add[1]) is in it.
        c(&format!("pod-capabilities-added {sp}.containers[0].securityContext.capabilities.add[0]")),
        c(&format!("pod-capabilities-added {sp}.containers[0].securityContext.capabilities.add[2]")),
        c(&format!("pod-host-network {sp}.hostNetwork")),
        c(&format!("pod-host-path {sp}.volumes[0].hostPath.path")),
        c(&format!("pod-host-pid {sp}.hostPID")),
        c(&format!("pod-host-port {sp}.containers[0].ports[0].hostPort")),
        c(&format!("pod-privileged {sp}.containers[0].securityContext.privileged")),
        c(&format!("pod-proc-mount {sp}.containers[0].securityContext.procMount")),
        c(&format!("pod-seccomp {sp}.containers[0].securityContext.seccompProfile.type")),
        c(&format!("pod-selinux {sp}.securityContext.seLinuxOptions.type")),
        c(&format!("pod-sysctls {sp}.securityContext.sysctls[1].name")),
        "Namespace/legacy network-no-default-deny ".to_string(),
        "NetworkPolicy/shop/storefront-ingress network-allows-any-source spec.ingress[1].from[0].ipBlock.cidr".to_string(),
        "Pod/shop/debug pod-capabilities-added spec.ephemeralContainers[0].securityContext.capabilities.add[0]".to_string(),
    ];
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(got, expected);
    // Every finding carries the rule's metadata.
    let f = &report.findings[0];
    assert!(!f.title.is_empty() && !f.rationale.is_empty() && !f.remediation.is_empty());
    assert!(!f.references.is_empty());
    assert_eq!(f.source.as_ref().unwrap().file, "violations-deployment.yaml");
}

#[test]
fn list_json_pod() {
    let report = deploy::check(&restricted_policy(), &load(&["list.json"]), today());
    let pod: Vec<_> = lines(&report)
        .into_iter()
        .filter(|l| l.starts_with("Pod/shop/debug "))
        .collect();
    let mut expected: Vec<String> = Vec::new();
    for (list, resources) in [("containers", true), ("ephemeralContainers", false)] {
        let p = format!("Pod/shop/debug {{}} spec.{list}[0]");
        let at = |rule: &str, field: &str| p.replace("{}", rule) + field;
        expected.extend([
            at(
                "pod-allow-privilege-escalation",
                ".securityContext.allowPrivilegeEscalation",
            ),
            at("pod-capabilities-drop-all", ".securityContext.capabilities.drop"),
            at(
                "pod-read-only-root-filesystem",
                ".securityContext.readOnlyRootFilesystem",
            ),
            at("pod-run-as-non-root", ".securityContext.runAsNonRoot"),
            at("pod-seccomp", ".securityContext.seccompProfile.type"),
        ]);
        if resources {
            expected.push(at("pod-resource-limits", ".resources.limits.cpu"));
            expected.push(at("pod-resource-limits", ".resources.limits.memory"));
        } else {
            expected.push(at(
                "pod-capabilities-added",
                ".securityContext.capabilities.add[0]",
            ));
        }
    }
    expected.sort();
    assert_eq!(pod, expected);
}

#[test]
fn exception_by_name_and_label() {
    let text = "version: 1\nexceptions:\n  - rule: pod-privileged\n    name: admin-console\n    reason: being replaced\n    expires: 2027-01-01\n  - rule: pod-host-pid\n    labels: {app: other}\n    reason: does not match\n    expires: 2027-01-01\n";
    let policy = DeployPolicy::parse(text, "p.yaml").unwrap();
    let report = deploy::check(&policy, &load(&["violations-deployment.yaml"]), today());
    let excepted: Vec<_> = report.excepted.iter().map(|e| e.finding.rule.as_str()).collect();
    assert_eq!(excepted, ["pod-privileged"]);
    assert!(lines(&report).iter().any(|l| l.contains("pod-host-pid")));
    // On the expiry day itself the exception no longer applies.
    let report = deploy::check(
        &policy,
        &load(&["violations-deployment.yaml"]),
        Date::parse("2027-01-01").unwrap(),
    );
    assert!(report.excepted.is_empty());
    assert_eq!(report.warnings.len(), 2);
}

#[test]
fn disabled_network_and_placement() {
    let policy = DeployPolicy::parse(
        "version: 1\nnetwork: {require_default_deny: false}\nplacement: {enabled: false}\n",
        "p.yaml",
    )
    .unwrap();
    let report = deploy::check(
        &policy,
        &load(&["cronjob.yaml", "restricted-deployment.yaml"]),
        today(),
    );
    assert!(report.allowed, "{:?}", lines(&report));
}

#[test]
fn report_serializes_sorted() {
    let report = deploy::check(&restricted_policy(), &all(), today());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["allowed"], false);
    assert_eq!(json["findings"][0]["rule"], "pod-capabilities-drop-all");
    assert_eq!(json["findings"][0]["severity"], "medium");
    assert_eq!(json["findings"][0]["object"]["kind"], "CronJob");
}

/// The body of the `deploy_gate` fuzz target (kept in step with it), run over every fixture and a few
/// mangled inputs.
fn fuzz_body(data: &[u8]) {
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
            (&pair[0].object, &pair[0].rule, &pair[0].path) < (&pair[1].object, &pair[1].rule, &pair[1].path)
        );
    }
    for f in report
        .findings
        .iter()
        .chain(report.excepted.iter().map(|e| &e.finding))
    {
        assert!(rensa_policy::deploy::rule::rule(&f.rule).is_some());
    }
    let _ = serde_json::to_string(&report).unwrap();
}

#[test]
fn fuzz_target_body_on_fixtures() {
    let policy = std::fs::read(Path::new(FIXTURES).join("policy.yaml")).unwrap();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let manifest = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in [manifest.len(), manifest.len() / 2, manifest.len() / 3] {
            let mut data = manifest[..cut].to_vec();
            fuzz_body(&data);
            data.push(0);
            data.extend_from_slice(&policy);
            fuzz_body(&data);
        }
    }
    fuzz_body(b"");
    fuzz_body(b"\0");
    fuzz_body(b"[1, 2]\0version: 1");
}
