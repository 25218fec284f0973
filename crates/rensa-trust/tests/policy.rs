//! The trust policy end to end: keys made with `rensa_trust::key`, real simple-signing signatures
//! and DSSE attestations, every rule of the policy and every attack the policy must refuse, each
//! with the exact reason it gives.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rensa_trust::dsse::Envelope;
use rensa_trust::intoto::{Statement, Subject};
use rensa_trust::key::{KeySpec, PrivateKey};
use rensa_trust::policy::{Decision, Evidence, ImageName, Policy, RequirementResult, SignatureBlob};
use rensa_trust::predicate::{self, Timestamp};
use rensa_trust::simplesigning::SimpleSigning;
use serde_json::{Value, json};

const HEX: &str = "a647a7dbdfb41b0d8e4f658bbc900a35e4eaed2e137c8700b8c14540ee423310";
const OTHER_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const NOW: &str = "2026-11-23T12:00:00Z";

fn digest() -> String {
    format!("sha256:{HEX}")
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

const POLICY: &str = r#"version: 1
keys:
  release-a:  { path: keys/release-a.pub }
  release-a2: { path: keys/release-a.pub }   # the same key under a second name
  release-b:  { path: keys/release-b.pub }
  release-c:  { path: keys/release-c.pub }
  ci:         { path: keys/ci.pub }
  scanner:    { path: keys/scanner.pub }
default: reject
scopes:
  - match: "registry.local:5000/prod/*"
    signatures: { keys: [release-a, release-b, release-c], threshold: 2 }
    identity: exact
    stages:
      - { name: ci, type: stage, keys: [ci], threshold: 1, max_age: 7d }
      - name: scan
        type: scan
        keys: [scanner]
        max_age: 1d
        require: { critical: 0, fixable_high: 0, database_age: 1d, verdict: pass }
  - match: "registry.local:5000/prod/special"
    signatures: { keys: [release-a, release-a2, release-b], threshold: 2 }
  - match: "mirror.local/prod/**"
    signatures: { keys: [release-a] }
    identity: { remap: { prefix: "mirror.local/prod", signed_prefix: "registry.local:5000/prod" } }
  - { match: "docker.io/**", action: reject }
  - { match: "registry.local:5000/tools/*", action: accept }
  - match: "registry.local:5000/review/*"
    stages:
      - { name: review, type: stage, keys: [ci, release-a, release-a2], threshold: 2 }
  - match: "registry.local:5000/sbom/*"
    stages:
      - { name: sbom, type: cyclonedx, keys: [ci], max_age: 1d }
      - { name: provenance, type: slsaprovenance, keys: [ci] }
"#;

struct Keys {
    a: PrivateKey,
    b: PrivateKey,
    c: PrivateKey,
    ci: PrivateKey,
    scanner: PrivateKey,
    stranger: PrivateKey,
}

fn setup() -> &'static (Keys, Policy) {
    static SETUP: OnceLock<(Keys, Policy)> = OnceLock::new();
    SETUP.get_or_init(make)
}

fn make() -> (Keys, Policy) {
    let keys = Keys {
        a: PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        b: PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        c: PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        ci: PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        scanner: PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        stranger: PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
    };
    let files: BTreeMap<&str, String> = [
        ("keys/release-a.pub", &keys.a),
        ("keys/release-b.pub", &keys.b),
        ("keys/release-c.pub", &keys.c),
        ("keys/ci.pub", &keys.ci),
        ("keys/scanner.pub", &keys.scanner),
    ]
    .into_iter()
    .map(|(p, k)| (p, k.public_key().to_pem()))
    .collect();
    let policy = Policy::parse(POLICY, "trust.yaml", &mut |path: &str| {
        files
            .get(path)
            .map(|pem| pem.clone().into_bytes())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, path.to_owned()))
    })
    .unwrap();
    (keys, policy)
}

fn sign(key: &PrivateKey, repository: &str, digest: &str) -> SignatureBlob {
    let payload = SimpleSigning::new(repository, digest).unwrap().to_json();
    let signature = key.sign(&payload).unwrap();
    SignatureBlob { payload, signature }
}

fn statement(hex: &str, predicate_type: &str, predicate: Value) -> Statement {
    Statement {
        subject: vec![Subject::sha256("registry.local:5000/prod/app", hex)],
        predicate_type: predicate_type.to_owned(),
        predicate,
    }
}

fn attest(key: &PrivateKey, predicate_type: &str, predicate: Value) -> Envelope {
    statement(HEX, predicate_type, predicate).sign(key, "").unwrap()
}

fn stage(name: &str, result: &str, finished_at: &str) -> Value {
    json!({"stage": name, "result": result, "finished_at": finished_at, "details": {"pipeline": "42"}})
}

fn scan(scanned_at: &str) -> Value {
    json!({
        "scanned_at": scanned_at,
        "scanner": {"name": "rensa", "version": "0.1.0"},
        "database": {"newest_record": "2026-11-23T06:00:00Z", "built_at": "2026-11-23T07:00:00Z"},
        "vulnerabilities": {"critical": 0, "high": 2, "medium": 5, "low": 1, "negligible": 0, "unknown": 0},
        "fixable": {"critical": 0, "high": 0, "medium": 3, "low": 0, "negligible": 0, "unknown": 0},
        "findings": [
            {"id": "CVE-2026-0001", "package": "openssl", "version": "3.0.1", "severity": "high", "fixed_version": null},
            {"id": "remote-login-enabled", "severity": "medium", "path": "/etc/ssh/sshd_config"}
        ],
        "verdict": "pass"
    })
}

/// Everything the prod scope asks for, valid.
fn good_evidence(k: &Keys) -> Evidence {
    Evidence {
        signatures: vec![
            sign(&k.a, "registry.local:5000/prod/app", &digest()),
            sign(&k.c, "registry.local:5000/prod/app", &digest()),
        ],
        attestations: vec![
            attest(
                &k.ci,
                predicate::STAGE_V1,
                stage("ci", "passed", "2026-11-22T12:00:00Z"),
            ),
            attest(&k.scanner, predicate::SCAN_V1, scan("2026-11-23T10:00:00Z")),
        ],
    }
}

fn evaluate(policy: &Policy, image: &str, evidence: &Evidence) -> Decision {
    policy.evaluate(&ImageName::parse(image).unwrap(), &digest(), evidence, ts(NOW))
}

fn requirement<'a>(d: &'a Decision, name: &str) -> &'a RequirementResult {
    d.requirements
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no requirement {name} in {d:#?}"))
}

const PROD_APP: &str = "registry.local:5000/prod/app:v1";
const THRESHOLD_ABC: &str = "release-a, release-b, release-c";

#[test]
fn everything_in_order_is_allowed_and_says_who_signed() {
    let (k, policy) = setup();
    let d = evaluate(policy, PROD_APP, &good_evidence(k));
    assert!(d.allowed, "{d:#?}");
    assert_eq!(d.scope, "registry.local:5000/prod/*");
    assert_eq!(d.image, "registry.local:5000/prod/app");
    let names: Vec<&str> = d.requirements.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["signatures", "stage ci", "stage scan"]);
    let sig = requirement(&d, "signatures");
    assert_eq!(sig.signed_by, ["release-a", "release-c"]);
    assert_eq!(sig.summary, "2 of 3 distinct keys required: 2 of 3 signed");
    assert!(sig.reasons.is_empty());
    assert_eq!(requirement(&d, "stage ci").signed_by, ["ci"]);
    assert_eq!(
        requirement(&d, "stage scan").summary,
        "scan attestation (https://rensa.dev/attestation/scan/v1) by 1 of 1 distinct key, max_age 1d: 1 of 1 attested"
    );
    // Evidence that does not concern a requirement (another image's signature, an attestation by
    // a stranger) does not spoil a passing decision.
    let mut more = good_evidence(k);
    more.signatures
        .push(sign(&k.stranger, "registry.local:5000/prod/app", &digest()));
    more.signatures
        .push(sign(&k.b, "registry.local:5000/prod/other", &digest()));
    more.attestations
        .push(attest(&k.stranger, predicate::SCAN_V1, json!({})));
    assert!(evaluate(policy, PROD_APP, &more).allowed);
}

#[test]
fn json_for_machines() {
    let (k, policy) = setup();
    let mut evidence = good_evidence(k);
    evidence.signatures.pop();
    let d = evaluate(policy, PROD_APP, &evidence);
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["policy"], "trust.yaml");
    assert_eq!(v["image"], "registry.local:5000/prod/app");
    assert_eq!(v["scope"], "registry.local:5000/prod/*");
    assert_eq!(v["digest"], digest());
    assert_eq!(v["requirements"][0]["name"], "signatures");
    assert_eq!(v["requirements"][0]["passed"], false);
    assert_eq!(v["requirements"][0]["signed_by"], json!(["release-a"]));
    assert_eq!(
        v["requirements"][0]["reasons"],
        json!([format!(
            "threshold not met: 1 distinct key signed (release-a), 2 required of {THRESHOLD_ABC}"
        )])
    );
    assert_eq!(v["requirements"][1]["passed"], true);
}

fn signature_reasons(evidence: &Evidence) -> Vec<String> {
    signature_reasons_with(&setup().1, PROD_APP, evidence)
}

fn signature_reasons_with(policy: &Policy, image: &str, evidence: &Evidence) -> Vec<String> {
    let d = evaluate(policy, image, evidence);
    assert!(!d.allowed, "{d:#?}");
    let r = requirement(&d, "signatures");
    assert!(!r.passed);
    r.reasons.clone()
}

#[test]
fn attack_wrong_key() {
    let (k, policy) = setup();
    let mut evidence = good_evidence(k);
    evidence.signatures = vec![
        sign(&k.stranger, "registry.local:5000/prod/app", &digest()),
        sign(&k.ci, "registry.local:5000/prod/app", &digest()),
    ];
    assert_eq!(
        signature_reasons_with(policy, PROD_APP, &evidence),
        [
            format!("no signature verifies with keys {THRESHOLD_ABC} (2 signatures checked)"),
            format!("threshold not met: no key signed, 2 required of {THRESHOLD_ABC}"),
        ]
    );
    // One good signature and one by a stranger.
    evidence
        .signatures
        .push(sign(&k.b, "registry.local:5000/prod/app", &digest()));
    assert_eq!(
        signature_reasons_with(policy, PROD_APP, &evidence),
        [
            format!("2 of 3 signatures verify with none of keys {THRESHOLD_ABC}"),
            format!("threshold not met: 1 distinct key signed (release-b), 2 required of {THRESHOLD_ABC}"),
        ]
    );
}

#[test]
fn attack_payload_edited() {
    let (k, _) = setup();
    let mut evidence = good_evidence(k);
    // The attacker points a valid signature at another image by editing the payload.
    let edited = String::from_utf8(evidence.signatures[0].payload.clone())
        .unwrap()
        .replace("prod/app", "prod/evil");
    evidence.signatures[0].payload = edited.into_bytes();
    assert_eq!(
        signature_reasons(&evidence),
        [
            format!("1 of 2 signatures verify with none of keys {THRESHOLD_ABC}"),
            format!("threshold not met: 1 distinct key signed (release-c), 2 required of {THRESHOLD_ABC}"),
        ]
    );
    // A flipped signature byte is the same: it verifies with nothing.
    let mut evidence = good_evidence(k);
    let last = evidence.signatures[1].signature.len() - 1;
    evidence.signatures[1].signature[last] ^= 1;
    assert_eq!(
        signature_reasons(&evidence),
        [
            format!("1 of 2 signatures verify with none of keys {THRESHOLD_ABC}"),
            format!("threshold not met: 1 distinct key signed (release-a), 2 required of {THRESHOLD_ABC}"),
        ]
    );
}

#[test]
fn attack_signature_for_another_digest_or_repository() {
    let (k, _) = setup();
    let mut evidence = good_evidence(k);
    evidence.signatures = vec![
        sign(
            &k.a,
            "registry.local:5000/prod/app",
            &format!("sha256:{OTHER_HEX}"),
        ),
        sign(&k.b, "registry.local:5000/prod/other", &digest()),
        sign(&k.c, "registry.local:5000/prod/app", &digest()),
    ];
    assert_eq!(
        signature_reasons(&evidence),
        [
            format!("signature by release-a is for sha256:{OTHER_HEX}, not sha256:{HEX}"),
            "signature by release-b names repository registry.local:5000/prod/other, expected registry.local:5000/prod/app"
                .to_owned(),
            format!("threshold not met: 1 distinct key signed (release-c), 2 required of {THRESHOLD_ABC}"),
        ]
    );
}

#[test]
fn attack_same_key_counted_twice() {
    let (k, policy) = setup();
    let mut evidence = good_evidence(k);
    evidence.signatures = vec![
        sign(&k.a, "registry.local:5000/prod/app", &digest()),
        sign(&k.a, "registry.local:5000/prod/app", &digest()),
    ];
    assert_eq!(
        signature_reasons(&evidence),
        [
            "key release-a signed 2 times, counted once".to_owned(),
            format!("threshold not met: 1 distinct key signed (release-a), 2 required of {THRESHOLD_ABC}"),
        ]
    );
    // Two names for one public key count once too.
    let evidence = Evidence {
        signatures: vec![sign(&k.a, "registry.local:5000/prod/special", &digest())],
        attestations: vec![],
    };
    let d = evaluate(policy, "registry.local:5000/prod/special", &evidence);
    assert_eq!(
        d.scope, "registry.local:5000/prod/special",
        "the exact scope wins over prod/*"
    );
    let r = requirement(&d, "signatures");
    assert!(!r.passed);
    assert_eq!(r.signed_by, ["release-a", "release-a2"]);
    assert_eq!(r.summary, "2 of 2 distinct keys required: 1 of 2 signed");
    assert_eq!(
        r.reasons,
        [
            "keys release-a and release-a2 are the same public key, counted once",
            "threshold not met: 1 distinct key signed (release-a), 2 required of release-a, release-a2, release-b",
        ]
    );
    let mut both = evidence.clone();
    both.signatures
        .push(sign(&k.b, "registry.local:5000/prod/special", &digest()));
    assert!(evaluate(policy, "registry.local:5000/prod/special", &both).allowed);
}

fn stage_reasons(evidence: &Evidence, stage: &str) -> Vec<String> {
    let d = evaluate(&setup().1, PROD_APP, evidence);
    assert!(!d.allowed);
    assert!(requirement(&d, "signatures").passed);
    let r = requirement(&d, stage);
    assert!(!r.passed);
    r.reasons.clone()
}

#[test]
fn attack_attestation_older_than_max_age() {
    let (k, _) = setup();
    let mut evidence = good_evidence(k);
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, scan("2026-11-20T10:00:00Z"));
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "attestation 2 by scanner is 3d 2h old, max_age 1d",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
    evidence.attestations[0] = attest(
        &k.ci,
        predicate::STAGE_V1,
        stage("ci", "passed", "2026-11-16T11:59:59Z"),
    );
    assert_eq!(
        stage_reasons(&evidence, "stage ci"),
        [
            "attestation 1 by ci is 7d 1s old, max_age 7d",
            "threshold not met: no key signed, 1 required of ci",
        ]
    );
    // Exactly max_age old is still fine; from the future (beyond 5 minutes of skew) is not.
    let mut evidence = good_evidence(k);
    evidence.attestations[0] = attest(
        &k.ci,
        predicate::STAGE_V1,
        stage("ci", "passed", "2026-11-16T12:00:00Z"),
    );
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, scan("2026-11-23T12:05:00Z"));
    let (_, policy) = setup();
    assert!(evaluate(policy, PROD_APP, &evidence).allowed);
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, scan("2026-11-23T13:00:00Z"));
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "attestation 2 by scanner: scanned_at 2026-11-23T13:00:00Z is 1h in the future (now 2026-11-23T12:00:00Z)",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
}

#[test]
fn attack_dsse_envelope_with_wrong_payload_type() {
    let (k, _) = setup();
    let mut evidence = good_evidence(k);
    let json = statement(HEX, predicate::SCAN_V1, scan("2026-11-23T10:00:00Z")).to_json();
    evidence.attestations[1] = Envelope::sign("application/json", json.clone(), &k.scanner, "").unwrap();
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "attestation 2 by scanner: DSSE payload type is `application/json`, expected `application/vnd.in-toto+json`",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
    // Relabelling a signed envelope breaks its signature (the type is in the PAE): it verifies
    // with no stage key at all.
    let mut relabelled = evidence.attestations[1].clone();
    relabelled.payload_type = rensa_trust::intoto::PAYLOAD_TYPE.to_owned();
    evidence.attestations = vec![evidence.attestations[0].clone(), relabelled];
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "no attestation verifies with keys scanner (2 attestations checked)",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
}

#[test]
fn attestations_must_name_the_digest_type_and_stage() {
    let (k, _) = setup();
    let mut evidence = good_evidence(k);
    evidence.attestations = vec![
        statement(
            OTHER_HEX,
            predicate::STAGE_V1,
            stage("ci", "passed", "2026-11-22T12:00:00Z"),
        )
        .sign(&k.ci, "")
        .unwrap(),
        attest(&k.ci, predicate::SCAN_V1, scan("2026-11-23T10:00:00Z")),
        attest(
            &k.ci,
            predicate::STAGE_V1,
            stage("build", "passed", "2026-11-22T12:00:00Z"),
        ),
        attest(
            &k.ci,
            predicate::STAGE_V1,
            stage("ci", "failed", "2026-11-22T12:00:00Z"),
        ),
        attest(
            &k.ci,
            predicate::STAGE_V1,
            json!({"stage": "ci", "result": "passed"}),
        ),
        attest(&k.scanner, predicate::SCAN_V1, scan("2026-11-23T10:00:00Z")),
    ];
    let reasons = stage_reasons(&evidence, "stage ci");
    assert_eq!(
        reasons,
        [
            format!("attestation 1 by ci: subject is sha256:{OTHER_HEX}, not sha256:{HEX}"),
            "attestation 2 by ci: predicate type is `https://rensa.dev/attestation/scan/v1`, expected `https://rensa.dev/attestation/stage/v1`".to_owned(),
            "attestation 3 by ci: stage is `build`, expected `ci`".to_owned(),
            "attestation 4 by ci: stage ci failed".to_owned(),
            "attestation 5 by ci: https://rensa.dev/attestation/stage/v1 predicate is invalid: missing field `finished_at`".to_owned(),
            "threshold not met: no key signed, 1 required of ci".to_owned(),
        ]
    );
    let (_, policy) = setup();
    let d = evaluate(
        policy,
        PROD_APP,
        &Evidence {
            signatures: good_evidence(k).signatures,
            attestations: vec![],
        },
    );
    assert_eq!(
        requirement(&d, "stage ci").reasons,
        [
            "no attestations found",
            "threshold not met: no key signed, 1 required of ci"
        ]
    );
    assert_eq!(
        requirement(&d, "stage scan").reasons,
        [
            "no attestations found",
            "threshold not met: no key signed, 1 required of scanner"
        ]
    );
}

#[test]
fn scan_conditions() {
    let (k, _) = setup();
    let mut bad = scan("2026-11-23T10:00:00Z");
    bad["vulnerabilities"]["critical"] = json!(2);
    bad["fixable"]["high"] = json!(1);
    bad["database"]["newest_record"] = json!("2026-11-21T08:00:00Z");
    bad["verdict"] = json!("block");
    let mut evidence = good_evidence(k);
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, bad.clone());
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "attestation 2 by scanner: scan predicate: critical = 2, required ≤ 0",
            "attestation 2 by scanner: scan predicate: fixable_high = 1, required ≤ 0",
            "attestation 2 by scanner: scan predicate: database age 2d 2h at scan time, required ≤ 1d",
            "attestation 2 by scanner: scan predicate: verdict = block, required pass",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
    // Without a newest record the build time counts; without either the age is unknown.
    bad = scan("2026-11-23T10:00:00Z");
    bad["database"] = json!({"newest_record": null, "built_at": null});
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, bad);
    assert_eq!(
        stage_reasons(&evidence, "stage scan")[0],
        "attestation 2 by scanner: scan predicate: database age unknown (no newest_record or built_at), required ≤ 1d"
    );
    let mut built = scan("2026-11-23T10:00:00Z");
    built["database"] = json!({"newest_record": null, "built_at": "2026-11-22T10:00:00Z"});
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, built);
    let (_, policy) = setup();
    assert!(evaluate(policy, PROD_APP, &evidence).allowed);
    // An age and a condition both fail: both are reported.
    let mut old_and_critical = scan("2026-11-21T12:00:00Z");
    old_and_critical["vulnerabilities"]["critical"] = json!(1);
    old_and_critical["database"]["newest_record"] = json!("2026-11-21T11:00:00Z");
    evidence.attestations[1] = attest(&k.scanner, predicate::SCAN_V1, old_and_critical);
    assert_eq!(
        stage_reasons(&evidence, "stage scan"),
        [
            "attestation 2 by scanner is 2d old, max_age 1d",
            "attestation 2 by scanner: scan predicate: critical = 1, required ≤ 0",
            "threshold not met: no key signed, 1 required of scanner",
        ]
    );
    // A malformed scan predicate.
    evidence.attestations[1] = attest(
        &k.scanner,
        predicate::SCAN_V1,
        json!({"scanned_at": "2026-11-23T10:00:00Z"}),
    );
    assert_eq!(
        stage_reasons(&evidence, "stage scan")[0],
        "attestation 2 by scanner: https://rensa.dev/attestation/scan/v1 predicate is invalid: missing field `scanner`"
    );
}

#[test]
fn stage_thresholds_count_distinct_keys() {
    let (k, policy) = setup();
    let review = || stage("review", "passed", "2026-11-23T11:00:00Z");
    let image = "registry.local:5000/review/app";
    // One key attesting twice, and under two names, is one key.
    let evidence = Evidence {
        signatures: vec![],
        attestations: vec![
            attest(&k.a, predicate::STAGE_V1, review()),
            attest(&k.a, predicate::STAGE_V1, review()),
        ],
    };
    let d = evaluate(policy, image, &evidence);
    assert_eq!(d.scope, "registry.local:5000/review/*");
    let r = requirement(&d, "stage review");
    assert!(!r.passed);
    assert_eq!(r.signed_by, ["release-a", "release-a2"]);
    assert_eq!(
        r.reasons,
        [
            "keys release-a and release-a2 are the same public key, counted once",
            "threshold not met: 1 distinct key signed (release-a), 2 required of ci, release-a, release-a2",
        ]
    );
    // One envelope signed by two keys satisfies a threshold of two.
    let mut env = attest(&k.a, predicate::STAGE_V1, review());
    env.add_signature(&k.ci, "").unwrap();
    let d = evaluate(
        policy,
        image,
        &Evidence {
            signatures: vec![],
            attestations: vec![env],
        },
    );
    assert!(d.allowed, "{d:#?}");
    assert_eq!(
        requirement(&d, "stage review").signed_by,
        ["ci", "release-a", "release-a2"]
    );
    // An envelope by a stranger does not count at all.
    let d = evaluate(
        policy,
        image,
        &Evidence {
            signatures: vec![],
            attestations: vec![attest(&k.stranger, predicate::STAGE_V1, review())],
        },
    );
    assert_eq!(
        requirement(&d, "stage review").reasons,
        [
            "no attestation verifies with keys ci, release-a, release-a2 (1 attestation checked)",
            "threshold not met: no key signed, 2 required of ci, release-a, release-a2",
        ]
    );
}

#[test]
fn sbom_and_provenance_stages() {
    let (k, policy) = setup();
    let image = "registry.local:5000/sbom/app";
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"timestamp": "2026-11-23T09:00:00Z"}, "components": []});
    let slsa = json!({"buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {}},
                      "runDetails": {"builder": {"id": "https://ci.example"}}});
    let evidence = Evidence {
        signatures: vec![],
        attestations: vec![
            attest(&k.ci, predicate::CYCLONEDX, bom.clone()),
            attest(&k.ci, predicate::SLSA_PROVENANCE_V1, slsa),
        ],
    };
    let d = evaluate(policy, image, &evidence);
    assert!(d.allowed, "{d:#?}");
    // Without a time, max_age cannot hold; provenance has no max_age and needs none.
    let mut no_time = bom;
    no_time["metadata"] = json!({});
    let evidence = Evidence {
        signatures: vec![],
        attestations: vec![
            attest(&k.ci, predicate::CYCLONEDX, no_time),
            attest(
                &k.ci,
                predicate::SLSA_PROVENANCE_V1,
                json!({"buildDefinition": {}}),
            ),
        ],
    };
    let d = evaluate(policy, image, &evidence);
    assert_eq!(
        requirement(&d, "stage sbom").reasons,
        [
            "attestation 1 by ci: no signed time (metadata.timestamp), max_age cannot be checked",
            "attestation 2 by ci: predicate type is `https://slsa.dev/provenance/v1`, expected `https://cyclonedx.org/bom`",
            "threshold not met: no key signed, 1 required of ci",
        ]
    );
    assert_eq!(
        requirement(&d, "stage provenance").reasons[1],
        "attestation 2 by ci: https://slsa.dev/provenance/v1 predicate is invalid: required field `runDetails` is missing or not an object"
    );
}

#[test]
fn scopes_reject_accept_default_and_remap() {
    let (k, policy) = setup();
    let none = Evidence::default();
    let d = evaluate(policy, "alpine:3.19", &none);
    assert!(!d.allowed);
    assert_eq!(d.scope, "docker.io/**");
    assert_eq!(d.image, "docker.io/library/alpine");
    assert_eq!(
        d.requirements,
        [RequirementResult {
            name: "reject".into(),
            passed: false,
            summary: "docker.io/library/alpine is rejected by scope `docker.io/**` (trust.yaml:26)".into(),
            signed_by: vec![],
            reasons: vec!["scope `docker.io/**` (trust.yaml:26) rejects every image".into()],
        }]
    );
    let d = evaluate(policy, "registry.local:5000/tools/jq", &none);
    assert!(d.allowed);
    assert_eq!(
        (d.scope.as_str(), d.requirements[0].name.as_str()),
        ("registry.local:5000/tools/*", "accept")
    );
    let d = evaluate(policy, "registry.local:5000/tools/nested/jq", &none);
    assert!(!d.allowed);
    assert_eq!(d.scope, "default");
    assert_eq!(
        d.requirements[0].reasons,
        ["the default (no scope matches) rejects every image"]
    );

    // A signature copied from the build registry keeps the original repository: remap accepts
    // it for the mirror; a signature naming the mirror itself is refused.
    let original = Evidence {
        signatures: vec![sign(&k.a, "registry.local:5000/prod/team/app", &digest())],
        attestations: vec![],
    };
    let d = evaluate(policy, "mirror.local/prod/team/app:v1", &original);
    assert!(d.allowed, "{d:#?}");
    assert_eq!(d.scope, "mirror.local/prod/**");
    let mirror_named = Evidence {
        signatures: vec![sign(&k.a, "mirror.local/prod/team/app", &digest())],
        attestations: vec![],
    };
    assert_eq!(
        signature_reasons_with(policy, "mirror.local/prod/team/app", &mirror_named),
        [
            "signature by release-a names repository mirror.local/prod/team/app, expected registry.local:5000/prod/team/app (remapped from mirror.local/prod/team/app)",
            "threshold not met: no key signed, 1 required of release-a",
        ]
    );
    // Under `identity: exact` the copied signature is for another repository.
    let copied = Evidence {
        signatures: vec![
            sign(&k.a, "build.local/prod/app", &digest()),
            sign(&k.b, "build.local/prod/app", &digest()),
        ],
        attestations: good_evidence(k).attestations,
    };
    assert_eq!(
        signature_reasons(&copied),
        [
            "signature by release-a names repository build.local/prod/app, expected registry.local:5000/prod/app",
            "signature by release-b names repository build.local/prod/app, expected registry.local:5000/prod/app",
            &format!("threshold not met: no key signed, 2 required of {THRESHOLD_ABC}"),
        ]
    );
}

#[test]
fn no_signatures_and_bad_digests() {
    let (k, policy) = setup();
    let mut evidence = good_evidence(k);
    evidence.signatures.clear();
    assert_eq!(
        signature_reasons(&evidence),
        [
            "no signatures found".to_owned(),
            format!("threshold not met: no key signed, 2 required of {THRESHOLD_ABC}")
        ]
    );
    let d = policy.evaluate(
        &ImageName::parse(PROD_APP).unwrap(),
        "sha256:ABC",
        &good_evidence(k),
        ts(NOW),
    );
    assert!(!d.allowed);
    assert_eq!(d.requirements[0].name, "digest");
    assert_eq!(
        d.requirements[0].reasons,
        ["malformed manifest digest `sha256:ABC` (expected sha256: and 64 lower-case hex digits)"]
    );
    // A payload that verifies but is not a cosign payload.
    let payload = br#"{"critical":{}}"#.to_vec();
    let signature = k.a.sign(&payload).unwrap();
    evidence.signatures = vec![SignatureBlob { payload, signature }];
    let reasons = signature_reasons(&evidence);
    assert!(
        reasons[0].starts_with(
            "signature by release-a has an unusable payload: simple-signing payload is malformed: "
        ),
        "{reasons:?}"
    );
}

/// The cache remembers checks, never changes a decision: the good evidence and each attack give the
/// same decision with a cold cache, a warm one, and none.
#[test]
fn cached_evaluation_decides_the_same() {
    let (k, policy) = setup();
    let image = ImageName::parse(PROD_APP).unwrap();
    let cache = rensa_trust::policy::VerifyCache::new(1024);
    let good = good_evidence(k);
    let mut edited = good_evidence(k);
    edited.signatures[0].payload[10] ^= 1;
    let mut swapped = good_evidence(k);
    swapped.signatures[0].signature = good.signatures[1].signature.clone();
    for evidence in [&good, &edited, &swapped, &good] {
        let plain = policy.evaluate(&image, &digest(), evidence, ts(NOW));
        for _ in 0..2 {
            assert_eq!(
                policy.evaluate_cached(&image, &digest(), evidence, ts(NOW), &cache),
                plain
            );
        }
    }
    assert!(!cache.is_empty());
    assert!(
        !policy
            .evaluate_cached(&image, &digest(), &edited, ts(NOW), &cache)
            .allowed
    );
    // A full cache starts over instead of growing.
    let tiny = rensa_trust::policy::VerifyCache::new(1);
    assert!(
        policy
            .evaluate_cached(&image, &digest(), &good, ts(NOW), &tiny)
            .allowed
    );
    assert_eq!(tiny.len(), 1);
}
