//! Fuzzes the key readers of rensa-trust: cosign's encrypted private key file up to (not
//! including) scrypt, PKCS#8 DER private keys, PEM and DER public keys, and signature checks
//! with every key type against whatever bytes come in.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rensa_trust::key::{EncryptedKey, KeySpec, PrivateKey, PublicKey};

fn keys() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [KeySpec::EcdsaP256, KeySpec::Ed25519, KeySpec::Rsa(2048)]
            .into_iter()
            .map(|spec| PrivateKey::generate(spec).expect("key generation").public_key())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    // Parsing only: decrypting would run scrypt (N >= 2^15) on every input.
    let _ = EncryptedKey::from_pem(data);
    let _ = PrivateKey::from_pkcs8_der(data);
    if let Ok(key) = PublicKey::from_pem(data) {
        let _ = key.to_pem();
        let _ = key.fingerprint();
    }
    if let Ok(key) = PublicKey::from_spki_der(data) {
        assert_eq!(PublicKey::from_spki_der(key.spki_der()).as_ref().ok(), Some(&key));
    }
    let split = data.len() / 2;
    let (message, signature) = data.split_at(split);
    for key in keys() {
        let _ = key.verify(message, signature);
    }
});
