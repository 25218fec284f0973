//! `rensa policy check` with image verification: a trust policy and a maximum image age checked
//! against a real docker-registry (the image's cosign signatures and its config's build time).

#[allow(unused_imports)]
#[path = "../../rensa-oci/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::registry::{Auth, Registry};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/debian-mini")
}

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", home)
        .env("RENSA_PASSWORD", "pw")
        .env("HOME", home)
        .env_remove("REGISTRY_AUTH_FILE")
        .output()
        .expect("run rensa")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The findings of a JSON report as (rule, path, message).
fn findings(out: &Output) -> Vec<(String, String, String)> {
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(out)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn trust_policy_and_image_age_are_checked_against_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let registry = Registry::start(&d.join("registry"), None, Auth::Anonymous);
    let digest = registry.push(&example(), "latest", "demo/app:v1", &[]);
    let image = format!("{}/demo/app:v1", registry.addr);

    let prefix = d.join("release");
    let out = rensa(&["key", "generate", prefix.to_str().unwrap()], d);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(
        d.join("trust.yaml"),
        "version: 1\nkeys:\n  release: { path: release.pub }\ndefault: { signatures: { keys: [release] } }\n",
    )
    .unwrap();
    let deploy_policy = |max_age: &str| {
        let path = d.join(format!("deploy-{max_age}.yaml"));
        std::fs::write(
            &path,
            format!(
                "version: 1\nnetwork: {{require_default_deny: false}}\nimages:\n  trust_policy: trust.yaml\n  max_age: {max_age}\n"
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    let pod = d.join("pod.yaml");
    std::fs::write(
        &pod,
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: shop}}\nspec:\n  containers:\n    - {{name: app, image: \"{image}\"}}\n"),
    )
    .unwrap();
    let check = |policy: &str| {
        rensa(
            &[
                "policy",
                "check",
                pod.to_str().unwrap(),
                "--policy",
                policy,
                "--insecure",
                "--format",
                "json",
            ],
            d,
        )
    };
    let path = "spec.containers[0].image".to_owned();

    // Not signed: denied, naming the digest, the trust policy and what is missing.
    let long = deploy_policy("3650d");
    let out = check(&long);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let trust = d.join("trust.yaml");
    assert_eq!(
        findings(&out),
        vec![(
            "image-not-trusted".to_owned(),
            path.clone(),
            format!(
                "container \"app\" runs {image} ({digest}), which the trust policy {} rejects: signatures: no signatures found; threshold not met: no key signed, 1 required of release",
                trust.display()
            )
        )]
    );

    // Signed by the release key and built within ten years: allowed.
    let out = rensa(
        &[
            "sign",
            &image,
            "--key",
            &format!("{}.key", prefix.display()),
            "--insecure",
        ],
        d,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = check(&long);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(findings(&out), vec![]);

    // The example image was built on 2025-05-16: older than 30 days.
    let out = check(&deploy_policy("30d"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let got = findings(&out);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].0.as_str(), got[0].1.as_str()),
        ("image-too-old", path.as_str())
    );
    let prefix_text = format!("container \"app\" runs {image} ({digest}), built 2025-05-16T00:00:00Z (");
    assert!(got[0].2.starts_with(&prefix_text), "{}", got[0].2);
    assert!(got[0].2.ends_with(" ago); the policy allows 30d"), "{}", got[0].2);

    // A tag the registry does not have, and then no registry at all: fail closed.
    std::fs::write(
        &pod,
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: shop}}\nspec:\n  containers:\n    - {{name: app, image: \"{}/demo/app:missing\"}}\n", registry.addr),
    )
    .unwrap();
    let out = check(&long);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let got = findings(&out);
    assert_eq!(got[0].0, "image-verification-failed", "{got:?}");
    assert!(got[0].2.contains("no such image in the registry"), "{}", got[0].2);
    drop(registry);
    let out = check(&long);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(findings(&out)[0].0, "image-verification-failed");
}

#[test]
fn a_trust_policy_that_cannot_be_read_names_the_deploy_policy_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = d.join("deploy.yaml");
    std::fs::write(&policy, "version: 1\nimages:\n  trust_policy: nowhere.yaml\n").unwrap();
    std::fs::write(
        d.join("pod.yaml"),
        "kind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b}]}\n",
    )
    .unwrap();
    let out = rensa(
        &[
            "policy",
            "check",
            d.join("pod.yaml").to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3: images.trust_policy: ", policy.display())),
        "{err}"
    );
    assert!(err.contains("nowhere.yaml"), "{err}");
}
