//! Fuzzes the DSSE envelope reader and verification, the in-toto statement reader, and the
//! simple-signing payload readers (cosign payload and containers/image sigstore-json file).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rensa_trust::dsse::Envelope;
use rensa_trust::intoto::{PAYLOAD_TYPE, Statement};
use rensa_trust::key::{KeySpec, PrivateKey, PublicKey};
use rensa_trust::simplesigning::{DirSignature, SimpleSigning};

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(KeySpec::EcdsaP256).expect("key generation").public_key())
}

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::from_json(data) {
        let again = Envelope::from_json(&envelope.to_json()).expect("own output parses");
        assert_eq!(again, envelope);
        let _ = envelope.verify(key(), PAYLOAD_TYPE);
        let _ = Statement::verify(&envelope, key());
        let _ = Statement::from_json(&envelope.payload);
    }
    if let Ok(statement) = Statement::from_json(data) {
        assert_eq!(Statement::from_json(&statement.to_json()).ok(), Some(statement));
    }
    if let Ok(payload) = SimpleSigning::from_json(data) {
        assert_eq!(SimpleSigning::from_json(&payload.to_json()).ok(), Some(payload));
    }
    if let Ok(sig) = DirSignature::parse(data) {
        let _ = sig.verify(key());
    }
});
