//! End-to-end `rensa key generate`, `sign`, `attest`, `scan --attest`, `verify` and `policy convert`
//! against real `docker-registry` processes on 127.0.0.1, with the example image pushed by skopeo and
//! copied with its signatures by skopeo (`use-sigstore-attachments`).

#[allow(unused_imports)]
#[path = "../../rensa-oci/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::registry::{Auth, Registry};

const PASSWORD: &str = "correct horse";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/debian-mini")
}

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", home)
        .env("RENSA_PASSWORD", PASSWORD)
        .env("HOME", home)
        .env_remove("REGISTRY_AUTH_FILE")
        .output()
        .expect("run rensa")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a verification that must fail with exit 1 and returns its stdout.
fn denied(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn keygen(dir: &Path, name: &str) -> (String, String) {
    let prefix = dir.join(name);
    ok(&rensa(&["key", "generate", prefix.to_str().unwrap()], dir));
    (
        format!("{}.key", prefix.display()),
        format!("{}.pub", prefix.display()),
    )
}

struct Setup {
    dir: tempfile::TempDir,
    registry: Registry,
    /// `127.0.0.1:PORT/demo/app:v1`
    image: String,
    digest: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(&dir.path().join("registry"), None, Auth::Anonymous);
    let digest = registry.push(&example(), "latest", "demo/app:v1", &[]);
    let image = format!("{}/demo/app:v1", registry.addr);
    Setup {
        dir,
        registry,
        image,
        digest,
    }
}

fn write_policy(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn key_generate_writes_cosign_files_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "release");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"),
        "{text}"
    );
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The written key decrypts with the password (the library reads it back).
    rensa_trust_check(&text, &std::fs::read_to_string(&public).unwrap());

    let again = rensa(
        &["key", "generate", dir.path().join("release").to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    for kind in ["ed25519", "rsa"] {
        let prefix = dir.path().join(kind);
        ok(&rensa(
            &["key", "generate", prefix.to_str().unwrap(), "--type", kind],
            dir.path(),
        ));
    }
}

/// The key file decrypts to the public key beside it, by the password given in RENSA_PASSWORD.
fn rensa_trust_check(private: &str, public: &str) {
    let key =
        rensa_trust::key::PrivateKey::from_encrypted_pem(private.as_bytes(), PASSWORD.as_bytes()).unwrap();
    assert_eq!(key.public_key().to_pem(), public);
}

#[test]
fn sign_verify_thresholds_stages_and_attacks() {
    let s = setup();
    let dir = s.dir.path();
    let (a_key, a_pub) = keygen(dir, "a");
    let (b_key, b_pub) = keygen(dir, "b");
    let (_, c_pub) = keygen(dir, "c");
    let (ci_key, ci_pub) = keygen(dir, "ci");
    let (scanner_key, scanner_pub) = keygen(dir, "scanner");
    let reg = ["--insecure"];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(reg);
        rensa(&all, dir)
    };

    // Nothing signed yet.
    let out = denied(&run(&["verify", &s.image, "--key", &a_pub]));
    assert!(out.contains("NOT TRUSTED"), "{out}");
    assert!(out.contains("- no signatures found"), "{out}");

    // One signature by a: --key a passes, --key b fails naming why.
    let signed = run(&["sign", &s.image, "--key", &a_key, "-a", "pipeline=42"]);
    ok(&signed);
    let out = ok(&run(&["verify", &s.image, "--key", &a_pub]));
    assert!(
        out.contains(&format!("{}/demo/app@{}: TRUSTED", s.registry.addr, s.digest)),
        "{out}"
    );
    assert!(out.contains("signed by: key"), "{out}");
    let out = denied(&run(&["verify", &s.image, "--key", &b_pub]));
    assert!(
        out.contains("- no signature verifies with keys key (1 signature checked)"),
        "{out}"
    );

    // The signature manifest is cosign's layout: tag sha256-HEX.sig, one simple-signing layer.
    let sig_tag = format!("{}.sig", s.digest.replace(':', "-"));
    let manifest = fetch(&format!(
        "http://{}/v2/demo/app/manifests/{sig_tag}",
        s.registry.addr
    ));
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(
        layers[0]["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    assert!(layers[0]["annotations"]["dev.cosignproject.cosign/signature"].is_string());
    let payload = fetch(&format!(
        "http://{}/v2/demo/app/blobs/{}",
        s.registry.addr,
        layers[0]["digest"].as_str().unwrap()
    ));
    assert_eq!(
        payload["critical"]["identity"]["docker-reference"],
        format!("{}/demo/app", s.registry.addr)
    );
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        s.digest.as_str()
    );
    assert_eq!(payload["optional"]["pipeline"], "42");

    // 2 of 3 distinct keys: a alone is not enough; a second signature by a still counts once; b makes it.
    let policy = |threshold: u32, extra: &str| {
        format!(
            "version: 1\nkeys:\n  a: {{ path: a.pub }}\n  b: {{ path: b.pub }}\n  c: {{ path: c.pub }}\n  \
             ci: {{ path: ci.pub }}\n  scanner: {{ path: scanner.pub }}\ndefault: reject\nscopes:\n  \
             - match: \"{}/demo/*\"\n    signatures: {{ keys: [a, b, c], threshold: {threshold} }}\n{extra}",
            s.registry.addr
        )
    };
    let _ = (&c_pub, &ci_pub, &scanner_pub);
    let two = write_policy(dir, "two.yaml", &policy(2, ""));
    let out = denied(&run(&["verify", &s.image, "--policy", &two]));
    assert!(
        out.contains("- threshold not met: 1 distinct key signed (a), 2 required of a, b, c"),
        "{out}"
    );
    ok(&run(&["sign", &s.image, "--key", &a_key]));
    let out = denied(&run(&["verify", &s.image, "--policy", &two]));
    assert!(out.contains("- key a signed 2 times, counted once"), "{out}");
    ok(&run(&["sign", &s.image, "--key", &b_key]));
    let out = ok(&run(&["verify", &s.image, "--policy", &two]));
    assert!(out.contains("signed by: a, b"), "{out}");

    // Stages: a CI stage attestation and the scan's own attestation, with conditions.
    let stages = |require: &str| {
        policy(
            2,
            &format!(
                "    stages:\n      - {{ name: ci, type: stage, keys: [ci], max_age: 1d }}\n      \
                 - {{ name: scan, type: scan, keys: [scanner], max_age: 1d, require: {{ {require} }} }}\n"
            ),
        )
    };
    let staged = write_policy(dir, "stages.yaml", &stages("verdict: block"));
    let out = denied(&run(&["verify", &s.image, "--policy", &staged]));
    assert!(out.contains("[FAIL] stage ci"), "{out}");
    ok(&run(&[
        "attest", &s.image, "--key", &ci_key, "--type", "stage", "--stage", "ci",
    ]));
    let report = dir.join("scan.json");
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/db");
    ok(&run(&[
        "scan",
        &s.image,
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        "--attest",
        "--key",
        &scanner_key,
        "--no-cache",
    ]));
    let out = ok(&run(&["verify", &s.image, "--policy", &staged]));
    assert!(out.contains("[pass] stage ci"), "{out}");
    assert!(out.contains("[pass] stage scan"), "{out}");

    // The scan's findings decide `critical: 0`: the attested counts are the report's.
    let scanned: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let high = scanned["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["severity"] == "high")
        .count();
    assert!(high > 0, "the example image has high-severity vulnerabilities");
    let strict = write_policy(dir, "strict.yaml", &stages("high: 0"));
    let out = denied(&run(&["verify", &s.image, "--policy", &strict]));
    assert!(
        out.contains(&format!(
            "- attestation 2 by scanner: scan predicate: high = {high}, required ≤ 0"
        )),
        "{out}"
    );

    // JSON for machines.
    let json = ok(&run(&[
        "verify", &s.image, "--policy", &staged, "--format", "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["image"]["digest"], s.digest.as_str());
    assert_eq!(v["image"]["requirements"].as_array().unwrap().len(), 3);

    // The tag moves to another image: its digest has no signatures, so the tag no longer verifies.
    let other = dir.join("other");
    rensa_testkit::oci_layout(
        &other,
        &rensa_testkit::ImageSpec::new(vec![rensa_testkit::gz_layer(&[rensa_testkit::file(
            "etc/motd", "hi\n",
        )])]),
        "latest",
    );
    let moved = s.registry.push(&other, "latest", "demo/app:v1", &[]);
    assert_ne!(moved, s.digest);
    let out = denied(&run(&["verify", &s.image, "--key", &a_pub]));
    assert!(out.contains("- no signatures found"), "{out}");
    // ... while the signed digest still verifies by digest.
    ok(&run(&[
        "verify",
        &format!("{}/demo/app@{}", s.registry.addr, s.digest),
        "--key",
        &a_pub,
    ]));
}

/// GET a JSON document from the registry.
fn fetch(url: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args([
            "-sf",
            "-H",
            "Accept: application/vnd.oci.image.manifest.v1+json",
            url,
        ])
        .output()
        .expect("curl");
    assert!(out.status.success(), "GET {url} failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bad_keys_and_passwords_exit_2_naming_the_problem() {
    let s = setup();
    let dir = s.dir.path();
    let (a_key, _) = keygen(dir, "a");
    let wrong = Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(["sign", &s.image, "--key", &a_key, "--insecure"])
        .env("RENSA_PASSWORD", "not it")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("password"), "{err}");

    let garbage = dir.join("garbage.key");
    std::fs::write(&garbage, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n").unwrap();
    let out = rensa(
        &["sign", &s.image, "--key", garbage.to_str().unwrap(), "--insecure"],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("garbage.key"));

    // Nothing was written to the registry by the failed attempts.
    let out = rensa(
        &[
            "verify",
            &s.image,
            "--key",
            &format!("{}/a.pub", dir.display()),
            "--insecure",
        ],
        dir,
    );
    assert!(denied(&out).contains("- no signatures found"));
}

#[test]
fn skopeo_copy_keeps_signatures_verifiable_with_a_remap() {
    let s = setup();
    let dir = s.dir.path();
    let (a_key, a_pub) = keygen(dir, "a");
    ok(&rensa(&["sign", &s.image, "--key", &a_key, "--insecure"], dir));

    let second = Registry::start(&dir.join("registry2"), None, Auth::Anonymous);
    let regd = dir.join("registries.d");
    std::fs::create_dir_all(&regd).unwrap();
    std::fs::write(
        regd.join("default.yaml"),
        "default-docker:\n  use-sigstore-attachments: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("skopeo-policy.json"),
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .unwrap();
    let copied = format!("{}/mirror/app:v1", second.addr);
    support::run(
        Command::new("skopeo")
            .env("HOME", dir)
            .arg("--policy")
            .arg(dir.join("skopeo-policy.json"))
            .arg("--registries.d")
            .arg(&regd)
            .args([
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .arg(format!("docker://{}", s.image))
            .arg(format!("docker://{copied}")),
    );

    // The copied signature names the original repository: exact identity refuses it...
    let out = denied(&rensa(&["verify", &copied, "--key", &a_pub, "--insecure"], dir));
    assert!(
        out.contains(&format!(
            "- signature by key names repository {}/demo/app, expected {}/mirror/app",
            s.registry.addr, second.addr
        )),
        "{out}"
    );
    // ... and a remap from the mirror to the original accepts it.
    let remap = write_policy(
        dir,
        "remap.yaml",
        &format!(
            "version: 1\nkeys: {{ a: {{ path: a.pub }} }}\ndefault: reject\nscopes:\n  - match: \"{m}/mirror/*\"\n    \
             signatures: {{ keys: [a] }}\n    identity: {{ remap: {{ prefix: \"{m}/mirror\", signed_prefix: \"{o}/demo\" }} }}\n",
            m = second.addr,
            o = s.registry.addr
        ),
    );
    let out = ok(&rensa(
        &["verify", &copied, "--policy", &remap, "--insecure"],
        dir,
    ));
    assert!(out.contains("TRUSTED"), "{out}");
}

#[test]
fn containers_policy_json_converts_and_verifies() {
    let s = setup();
    let dir = s.dir.path();
    let (a_key, _) = keygen(dir, "a");
    ok(&rensa(&["sign", &s.image, "--key", &a_key, "--insecure"], dir));
    let containers = write_policy(
        dir,
        "policy.json",
        &format!(
            r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"{}/demo":[{{"type":"sigstoreSigned","keyPath":"a.pub","signedIdentity":{{"type":"matchRepository"}}}}]}}}}}}"#,
            s.registry.addr
        ),
    );
    let out = ok(&rensa(
        &["verify", &s.image, "--policy", &containers, "--insecure"],
        dir,
    ));
    assert!(out.contains("TRUSTED"), "{out}");

    // Converted to rensa's YAML and back.
    let yaml = ok(&rensa(&["policy", "convert", &containers], dir));
    assert!(yaml.contains("sigstore") || yaml.contains("signatures"), "{yaml}");
    let yaml_path = write_policy(dir, "converted.yaml", &yaml);
    let out = ok(&rensa(
        &["verify", &s.image, "--policy", &yaml_path, "--insecure"],
        dir,
    ));
    assert!(out.contains("TRUSTED"), "{out}");
    let back = ok(&rensa(&["policy", "convert", &yaml_path], dir));
    let v: serde_json::Value = serde_json::from_str(&back).unwrap();
    assert_eq!(v["default"][0]["type"], "reject");
    assert_eq!(
        v["transports"]["docker"][format!("{}/demo", s.registry.addr)][0]["type"],
        "sigstoreSigned"
    );
}
