//! Measures trust-policy verification with the evidence already fetched (one cosign signature and
//! three stage attestations, ECDSA P-256) on one thread, and key decryption (scrypt) separately.
//! Prints `name value unit` lines for scripts/bench-trust.sh.
//!
//! `cargo run --release -p rensa-trust --example verify-bench [SECONDS]`

use std::time::{Duration, Instant};

use rensa_trust::intoto::{Statement, Subject};
use rensa_trust::key::encrypted::ScryptCost;
use rensa_trust::key::{EncryptOptions, KeySpec, PrivateKey};
use rensa_trust::policy::{Evidence, ImageName, Policy, SignatureBlob};
use rensa_trust::predicate::{PredicateKind, StagePredicate, StageResult, Timestamp};
use rensa_trust::simplesigning::SimpleSigning;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2.0);
    let release = PrivateKey::generate(KeySpec::EcdsaP256)?;
    let stage_keys: Vec<PrivateKey> = (0..3)
        .map(|_| PrivateKey::generate(KeySpec::EcdsaP256))
        .collect::<Result<_, _>>()?;
    let image = ImageName::parse("registry.local:5000/prod/app:v1").expect("valid name");
    let digest = format!("sha256:{}", "ab".repeat(32));
    let now = Timestamp::parse("2026-11-23T12:00:00Z")?;

    let mut keys = vec![("release".to_string(), release.public_key().to_pem())];
    let names = ["ci", "staging", "scan"];
    for (name, key) in names.iter().zip(&stage_keys) {
        keys.push((name.to_string(), key.public_key().to_pem()));
    }
    let mut text = String::from("version: 1\nkeys:\n");
    for (name, _) in &keys {
        text.push_str(&format!("  {name}: {{ path: {name}.pub }}\n"));
    }
    text.push_str("default: reject\nscopes:\n  - match: \"registry.local:5000/prod/*\"\n    signatures: { keys: [release] }\n    stages:\n");
    for name in names {
        text.push_str(&format!(
            "      - {{ name: {name}, type: stage, keys: [{name}], max_age: 7d }}\n"
        ));
    }
    let policy = Policy::parse(&text, "bench.yaml", &mut |path: &str| {
        let name = path.trim_end_matches(".pub");
        Ok(keys
            .iter()
            .find(|(n, _)| n == name)
            .expect("known key")
            .1
            .clone()
            .into_bytes())
    })?;

    let payload = SimpleSigning::new(image.full(), digest.clone())?.to_json();
    let signature = release.sign(&payload)?;
    let mut evidence = Evidence {
        signatures: vec![SignatureBlob { payload, signature }],
        attestations: Vec::new(),
    };
    for (name, key) in names.iter().zip(&stage_keys) {
        let predicate = StagePredicate {
            stage: name.to_string(),
            result: StageResult::Passed,
            finished_at: Timestamp(now.0 - 3600),
            details: None,
        };
        let statement = Statement {
            subject: vec![Subject::sha256(image.full(), "ab".repeat(32))],
            predicate_type: PredicateKind::Stage.uri().to_string(),
            predicate: predicate.to_value(),
        };
        evidence.attestations.push(statement.sign(key, "")?);
    }
    let decision = policy.evaluate(&image, &digest, &evidence, now);
    assert!(decision.allowed, "{decision:?}");

    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        let d = policy.evaluate(&image, &digest, &evidence, now);
        assert!(d.allowed);
        n += 1;
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    println!("policy_evaluations_per_second_one_core {per_sec:.0} /s");

    // From cache: the signature checks remembered (an admission gate seeing the same image again).
    let cache = rensa_trust::policy::VerifyCache::new(4096);
    assert!(
        policy
            .evaluate_cached(&image, &digest, &evidence, now, &cache)
            .allowed
    );
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        let d = policy.evaluate_cached(&image, &digest, &evidence, now, &cache);
        assert!(d.allowed);
        n += 1;
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    println!("cached_policy_evaluations_per_second_one_core {per_sec:.0} /s");

    for (label, cost) in [
        ("scrypt_n32768", ScryptCost::Legacy),
        ("scrypt_n65536", ScryptCost::Standard),
    ] {
        let pem = release.to_encrypted_pem(
            b"pw",
            EncryptOptions {
                cost,
                ..EncryptOptions::default()
            },
        )?;
        let t = Instant::now();
        let reps = 3;
        for _ in 0..reps {
            PrivateKey::from_encrypted_pem(pem.as_bytes(), b"pw")?;
        }
        println!(
            "key_decryption_{label} {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
    }
    Ok(())
}
