//! `/mutate` against a real `docker-registry` on 127.0.0.1 with the example image pushed by skopeo:
//! tags pinned to the digests the registry reports, lookups failing closed (or open in a fail-open
//! namespace).

mod common;

use std::path::Path;

use base64::Engine as _;
use common::support::registry::{Auth, Registry};
use common::*;
use serde_json::{Value, json};

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/debian-mini")
}

fn patch_of(response: &Value) -> Value {
    assert_eq!(response["patchType"], "JSONPatch", "{response}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(response["patch"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn tags_are_pinned_to_registry_digests() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let digest = registry.push(&example(), "latest", "demo/app:v1", &[]);
    let tools = registry.push(&example(), "latest", "demo/tools:2.0", &[]);
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    let addr = &registry.addr.clone();
    let f = start(
        "version: 1\n",
        &format!(
            "mutate: {{pin_digests: true, cache_ttl: 1m}}\nregistry: {{insecure: [\"{addr}\"], timeout: 5s}}\n"
        ),
        options(),
    );

    let mut deployment = workload("Deployment", "shop", "web");
    let spec = spec_mut(&mut deployment);
    spec["initContainers"] = json!([{"name": "init", "image": format!("{addr}/demo/tools:2.0")}]);
    spec["containers"] = json!([
        {"name": "app", "image": format!("{addr}/demo/app:v1")},
        {"name": "pinned", "image": format!("{addr}/demo/app@{digest}")},
        {"name": "again", "image": format!("{addr}/demo/app:v1")},
    ]);
    let r = f.review("/mutate", &review("m1", "CREATE", "shop", deployment.clone()));
    assert_eq!(r["allowed"], true);
    let base = "/spec/template/spec";
    assert_eq!(
        patch_of(&r),
        json!([
            {"op": "replace", "path": format!("{base}/initContainers/0/image"), "value": format!("{addr}/demo/tools:2.0@{tools}")},
            {"op": "replace", "path": format!("{base}/containers/0/image"), "value": format!("{addr}/demo/app:v1@{digest}")},
            {"op": "replace", "path": format!("{base}/containers/2/image"), "value": format!("{addr}/demo/app:v1@{digest}")},
        ])
    );

    // A CronJob's template too; an object with every image pinned gets no patch.
    let mut cron = workload("CronJob", "shop", "nightly");
    spec_mut(&mut cron)["containers"][0]["image"] = json!(format!("{addr}/demo/app:v1"));
    let r = f.review("/mutate", &review("m2", "CREATE", "shop", cron));
    assert_eq!(
        patch_of(&r),
        json!([{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec/containers/0/image",
                "value": format!("{addr}/demo/app:v1@{digest}")}])
    );
    let pinned = workload("Pod", "shop", "p");
    assert_eq!(
        f.review("/mutate", &review("m3", "CREATE", "shop", pinned)),
        json!({"uid": "m3", "allowed": true})
    );

    // A tag the registry does not have: denied with the reason, unless the namespace is fail-open.
    let mut missing = workload("Pod", "shop", "m");
    spec_mut(&mut missing)["containers"][0]["image"] = json!(format!("{addr}/demo/app:nope"));
    let reason = format!("cannot resolve the digest of {addr}/demo/app:nope: the registry has no such tag");
    assert_eq!(
        f.review("/mutate", &review("m4", "CREATE", "shop", missing.clone())),
        json!({"uid": "m4", "allowed": false, "status": {"code": 500, "reason": "InternalError",
               "message": format!("rensa could not decide, so it denies (fail closed): {reason}")}})
    );
    missing["metadata"]["namespace"] = json!("sandbox");
    assert_eq!(
        f.review("/mutate", &review("m5", "CREATE", "sandbox", missing)),
        json!({"uid": "m5", "allowed": true, "warnings": [
            format!("rensa could not decide and namespace sandbox is fail-open, so it is allowed: {reason}")]})
    );

    // The first lookup is cached: the registry gone, the same tag still resolves.
    drop(registry);
    let r = f.review("/mutate", &review("m6", "CREATE", "shop", deployment));
    assert_eq!(patch_of(&r).as_array().unwrap().len(), 3);

    let lines = f.audit();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["endpoint"], "mutate");
    assert_eq!(lines[0]["verdict"], "allow");
    assert_eq!(
        lines[0]["reasons"][1],
        format!("{base}/containers/0/image = {addr}/demo/app:v1@{digest}")
    );
    assert_eq!(lines[3]["verdict"], "deny");
    assert_eq!(lines[3]["rules"], json!(["internal-error"]));
    assert_eq!(lines[3]["reasons"], json!([reason]));
    assert_eq!(
        f.metric("rensa_admission_requests_total{endpoint=\"mutate\",verdict=\"allow\"}"),
        5.0
    );
    assert_eq!(
        f.metric("rensa_admission_requests_total{endpoint=\"mutate\",verdict=\"deny\"}"),
        1.0
    );
}

#[test]
fn mutation_off_allows_without_a_patch() {
    let f = start("version: 1\n", "", options());
    let mut pod = workload("Pod", "shop", "p");
    spec_mut(&mut pod)["containers"][0]["image"] = json!("127.0.0.1:1/demo/app:v1");
    assert_eq!(
        f.review("/mutate", &review("x", "CREATE", "shop", pod)),
        json!({"uid": "x", "allowed": true})
    );
}

/// The message of a denied review, and its rule ids (from `Kind/ns/name denied: [ids]; …`).
fn denial(r: &Value) -> String {
    assert_eq!(r["allowed"], false, "{r}");
    r["status"]["message"].as_str().unwrap().to_owned()
}

#[test]
fn images_are_verified_at_admission_and_pinned_to_the_verified_digest() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let digest = registry.push(&example(), "latest", "demo/app:v1", &[]);
    let addr = registry.addr.clone();
    // A trust policy that wants a signature by a key nobody used, and images at most 30 days old (the
    // example image was built on 2025-05-16).
    let (_, files) = rensa_trust::key::generate_key_files(
        rensa_trust::key::KeySpec::EcdsaP256,
        b"pw",
        rensa_trust::key::EncryptOptions::default(),
    )
    .unwrap();
    std::fs::write(dir.path().join("release.pub"), files.public_pem).unwrap();
    let trust = dir.path().join("trust.yaml");
    std::fs::write(
        &trust,
        "version: 1\nkeys: {release: {path: release.pub}}\ndefault: {signatures: {keys: [release]}}\n",
    )
    .unwrap();
    let policy = format!(
        "version: 1\nimages:\n  trust_policy: {}\n  max_age: 30d\n  cache_ttl: 10m\n",
        trust.display()
    );
    let f = start(
        &policy,
        &format!("mutate: {{pin_digests: true}}\nregistry: {{insecure: [\"{addr}\"], timeout: 5s}}\n"),
        options(),
    );
    let mut pod = workload("Pod", "shop", "web");
    spec_mut(&mut pod)["containers"][0]["image"] = json!(format!("{addr}/demo/app:v1"));
    let message = denial(&f.review("/validate", &review("v1", "CREATE", "shop", pod.clone())));
    assert!(
        message.starts_with("Pod/shop/web denied: [image-not-trusted, image-too-old]"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "container \"web\" runs {addr}/demo/app:v1 ({digest}), which the trust policy {} rejects: signatures: no signatures found",
            trust.display()
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "container \"web\" runs {addr}/demo/app:v1 ({digest}), built 2025-05-16T00:00:00Z ("
        )),
        "{message}"
    );
    // /mutate pins the tag to the digest the verifier checked.
    let r = f.review("/mutate", &review("m1", "CREATE", "shop", pod));
    assert_eq!(
        patch_of(&r),
        json!([{"op": "replace", "path": "/spec/containers/0/image",
                "value": format!("{addr}/demo/app:v1@{digest}")}])
    );
    // A tag the registry does not have cannot be verified: denied (fail closed).
    let mut missing = workload("Pod", "shop", "gone");
    spec_mut(&mut missing)["containers"][0]["image"] = json!(format!("{addr}/demo/app:nope"));
    let message = denial(&f.review("/validate", &review("v2", "CREATE", "shop", missing)));
    assert!(
        message.starts_with("Pod/shop/gone denied: [image-verification-failed]"),
        "{message}"
    );
    assert!(message.contains("no such image in the registry"), "{message}");
    // Results are cached by digest: with the registry gone, the verified image still gets the same
    // answer (from the cache) and the unknown one still fails closed.
    drop(registry);
    let mut again = workload("Pod", "shop", "web");
    spec_mut(&mut again)["containers"][0]["image"] = json!(format!("{addr}/demo/app:v1"));
    let message = denial(&f.review("/validate", &review("v3", "CREATE", "shop", again)));
    assert!(
        message.starts_with("Pod/shop/web denied: [image-not-trusted, image-too-old]"),
        "{message}"
    );
}
