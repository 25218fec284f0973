//! rensa's own Kubernetes manifests (deploy/kubernetes) pass rensa's own strictest deploy policy,
//! and deploy/certs.sh makes a serving certificate that chains to its CA and names the Service.

use std::path::{Path, PathBuf};
use std::process::Command;

use rensa_policy::deploy::objects::parse_manifests;
use rensa_policy::deploy::{self, Date, DeployPolicy};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

#[test]
fn the_webhook_deployment_passes_the_restricted_policy() {
    let mut objects = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(deploy_dir().join("kubernetes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        objects.extend(parse_manifests(&text, &f.display().to_string()).unwrap());
    }
    let policy = DeployPolicy::parse(
        "version: 1\npod_security:\n  level: restricted\n  require_resources: true\n  require_read_only_root: true\n  forbid_token_automount: true\nimages:\n  allowed: [\"registry.local:5000/**\"]\n",
        "strict.yaml",
    )
    .unwrap();
    let report = deploy::check(&policy, &objects, Date::parse("2026-11-23").unwrap());
    assert!(report.allowed, "{:#?}", report.findings);
    assert_eq!(report.findings, vec![]);
    let mut unknown: Vec<String> = report.unknown.iter().map(|r| r.kind.clone()).collect();
    unknown.dedup();
    assert_eq!(
        unknown,
        [
            "MutatingWebhookConfiguration",
            "Service",
            "ServiceAccount",
            "ValidatingWebhookConfiguration"
        ]
    );
    // The ConfigMap embeds a valid deploy policy.
    let config = objects.iter().find(|o| o.kind == "ConfigMap").unwrap();
    let text = config.value["data"]["policy.yaml"].as_str().unwrap();
    let embedded = DeployPolicy::parse(text, "policy.yaml").unwrap();
    assert_eq!(embedded.pod_security.level, deploy::Level::Restricted);
}

#[test]
fn certs_script_makes_a_chaining_certificate_for_the_service() {
    if Command::new("openssl").arg("version").output().is_err() {
        panic!("openssl is needed (scripts/setup-test-deps.sh installs it)");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(deploy_dir().join("certs.sh"))
        .arg(dir.path())
        .arg("gate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let verify = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(dir.path().join("ca.crt"))
        .arg(dir.path().join("tls.crt"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let san = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(dir.path().join("tls.crt"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&san.stdout).contains("DNS:rensa.gate.svc, DNS:rensa.gate.svc.cluster.local"),
        "{}",
        String::from_utf8_lossy(&san.stdout)
    );
    let webhooks = std::fs::read_to_string(dir.path().join("50-webhooks.yaml")).unwrap();
    let ca = std::fs::read(dir.path().join("ca.crt")).unwrap();
    use base64::Engine as _;
    let bundle = base64::engine::general_purpose::STANDARD.encode(ca);
    assert_eq!(webhooks.matches(&format!("caBundle: {bundle}")).count(), 3);
    assert!(!webhooks.contains("CA_BUNDLE"));
    assert!(webhooks.contains("namespace: gate"));
}
