//! A small deterministic stand-in for the fuzz targets (which need cargo-fuzz and nightly):
//! every reader gets thousands of truncated and bit-flipped versions of the real cosign files
//! and of documents this crate writes, must not panic, and must read back what it writes.

use std::fs;
use std::path::Path;

use rensa_trust::dsse::Envelope;
use rensa_trust::intoto::{Statement, Subject};
use rensa_trust::key::{EncryptedKey, KeySpec, PrivateKey, PublicKey};
use rensa_trust::simplesigning::{DirSignature, SimpleSigning};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut XorShift, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    match rng.below(4) {
        0 => out.truncate(rng.below(input.len() + 1)),
        1 => {
            for _ in 0..=rng.below(4) {
                if !out.is_empty() {
                    let i = rng.below(out.len());
                    out[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let i = rng.below(out.len() + 1);
            let alphabet = b"{}[]\":,=-\n\0A0/+";
            let b = alphabet[rng.below(alphabet.len())];
            out.insert(i, b);
        }
        _ => {
            if !out.is_empty() {
                let i = rng.below(out.len());
                out.remove(i);
            }
        }
    }
    out
}

fn exercise(data: &[u8], key: &PublicKey) {
    let _ = EncryptedKey::from_pem(data);
    let _ = PrivateKey::from_pkcs8_der(data);
    if let Ok(k) = PublicKey::from_pem(data) {
        assert_eq!(PublicKey::from_pem(k.to_pem().as_bytes()).unwrap(), k);
    }
    let _ = PublicKey::from_spki_der(data);
    let _ = key.verify(&data[..data.len() / 2], &data[data.len() / 2..]);
    if let Ok(env) = Envelope::from_json(data) {
        assert_eq!(Envelope::from_json(&env.to_json()).unwrap(), env);
        let _ = Statement::verify(&env, key);
    }
    if let Ok(s) = Statement::from_json(data) {
        assert_eq!(Statement::from_json(&s.to_json()).unwrap(), s);
    }
    if let Ok(p) = SimpleSigning::from_json(data) {
        assert_eq!(SimpleSigning::from_json(&p.to_json()).unwrap(), p);
    }
    if let Ok(sig) = DirSignature::parse(data) {
        let _ = sig.verify(key);
    }
}

#[test]
fn mutated_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cosign");
    let mut seeds: Vec<Vec<u8>> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    let signer = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let statement = Statement {
        subject: vec![Subject::sha256("r", "0".repeat(64))],
        predicate_type: "t".to_owned(),
        predicate: serde_json::json!({"a": [1, 2.5, null, "x"]}),
    };
    seeds.push(statement.sign(&signer, "k").unwrap().to_json());
    seeds.push(statement.to_json());
    seeds.push(signer.to_pkcs8_der().unwrap().to_vec());
    seeds.push(signer.public_key().spki_der().to_vec());
    let key = PublicKey::from_pem(&fs::read(dir.join("cosign.pub")).unwrap()).unwrap();

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for seed in &seeds {
        exercise(seed, &key);
        let mut current = seed.clone();
        for round in 0..2000 {
            current = if round % 8 == 0 {
                mutate(&mut rng, seed)
            } else {
                mutate(&mut rng, &current)
            };
            exercise(&current, &key);
        }
    }
}
