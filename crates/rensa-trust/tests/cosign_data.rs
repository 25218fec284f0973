//! Interoperability with real cosign files from ../shared/data/cosign (see its README):
//!
//! - `cosign.key` (label `ENCRYPTED SIGSTORE PRIVATE KEY`, scrypt N=65536, password in
//!   `cosign.password`) and `cosign.pub`; `cosign-legacy-N32768.key` (label `ENCRYPTED COSIGN
//!   PRIVATE KEY`, N=32768, same password) and its `.pub`; `cosign-generated-ed25519-test.key`
//!   (empty password; public key given in the README).
//! - `containers-image-dir-signature-1.bin`: a signature made by cosign itself (containers/image's
//!   test fixture), in the containers/image `sigstore-json` file format, for key
//!   `containers-image-fixture-cosign.pub`.
//! - `sig-manifest.json` / `sig-config.json`: the `sha256-HEX.sig` manifest and config as stored in
//!   a registry; its one layer is `simplesigning-payload.json` (signed with `cosign.key` for the
//!   image whose manifest is `image-manifest.json`) and its signature annotation is
//!   `signature.b64` (= base64 of `signature.der`). `skopeo-dir-signature-1.bin` is the same
//!   signature as skopeo writes it when copying the image to a `dir:`.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rensa_trust::Error;
use rensa_trust::dsse::Envelope;
use rensa_trust::intoto::{PAYLOAD_TYPE, Statement, Subject};
use rensa_trust::key::{
    EncryptOptions, KeyAlgorithm, KeySpec, PemLabel, PrivateKey, PublicKey, ScryptCost, generate_key_files,
};
use rensa_trust::simplesigning::{DirSignature, MEDIA_TYPE, SIGNATURE_ANNOTATION, SimpleSigning};
use sha2::{Digest, Sha256};

const ED25519_SPKI_B64: &str = "MCowBQYDK2VwAyEAFs2AhZmYWkoEsqUf6yotyIwVb5uATpuKK194tq8OkoQ=";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cosign")
}

fn read(name: &str) -> Vec<u8> {
    let path = data_dir().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn password() -> Vec<u8> {
    read("cosign.password").trim_ascii().to_vec()
}

fn public(name: &str) -> PublicKey {
    PublicKey::from_pem(&read(name)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn cosign_keys_decrypt_to_their_published_public_keys() {
    let (key, info) = PrivateKey::from_encrypted_pem_with_info(&read("cosign.key"), &password()).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256);
    assert_eq!(
        info,
        EncryptOptions {
            label: PemLabel::Sigstore,
            cost: ScryptCost::Standard
        }
    );
    assert_eq!(key.public_key(), public("cosign.pub"));

    let (key, info) =
        PrivateKey::from_encrypted_pem_with_info(&read("cosign-legacy-N32768.key"), &password()).unwrap();
    assert_eq!(
        info,
        EncryptOptions {
            label: PemLabel::Cosign,
            cost: ScryptCost::Legacy
        }
    );
    assert_eq!(key.public_key(), public("cosign-legacy-N32768.pub"));

    let key = PrivateKey::from_encrypted_pem(&read("cosign-generated-ed25519-test.key"), b"").unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Ed25519);
    assert_eq!(
        key.public_key().spki_der(),
        STANDARD.decode(ED25519_SPKI_B64).unwrap()
    );
}

#[test]
fn public_keys_are_written_byte_for_byte_as_cosign_writes_them() {
    for name in [
        "cosign.pub",
        "cosign-legacy-N32768.pub",
        "containers-image-fixture-cosign.pub",
    ] {
        let text = String::from_utf8(read(name)).unwrap();
        assert_eq!(public(name).to_pem(), text, "{name}");
    }
    let key = public("cosign.pub");
    assert_eq!(key.fingerprint(), sha256_hex(key.spki_der()));
    // Files edited on Windows keep working.
    let crlf = String::from_utf8(read("cosign.pub"))
        .unwrap()
        .replace('\n', "\r\n");
    assert_eq!(PublicKey::from_pem(crlf.as_bytes()).unwrap(), key);
    let crlf = String::from_utf8(read("cosign.key"))
        .unwrap()
        .replace('\n', "\r\n");
    assert_eq!(
        PrivateKey::from_encrypted_pem(crlf.as_bytes(), &password())
            .unwrap()
            .public_key(),
        key
    );
}

#[test]
fn real_cosign_signature_verifies_and_payload_layout_matches() {
    let sig = DirSignature::parse(&read("containers-image-dir-signature-1.bin")).unwrap();
    assert_eq!(sig.mime_type, MEDIA_TYPE);
    let payload = sig
        .verify(&public("containers-image-fixture-cosign.pub"))
        .unwrap();
    assert_eq!(
        payload.docker_reference,
        "192.168.64.2:5000/cosign-signed-single-sample"
    );
    assert_eq!(
        payload.manifest_digest,
        "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"
    );
    assert_eq!(payload.optional, None);
    // What we build for the same image is byte-identical to what cosign signed.
    let rebuilt = SimpleSigning::new(&payload.docker_reference, &payload.manifest_digest).unwrap();
    assert_eq!(rebuilt.to_json(), sig.payload);
}

#[test]
fn registry_signature_files_fit_together_and_verify() {
    let manifest: serde_json::Value = serde_json::from_slice(&read("sig-manifest.json")).unwrap();
    let payload = read("simplesigning-payload.json");
    let layer = &manifest["layers"][0];
    assert_eq!(layer["mediaType"], MEDIA_TYPE);
    assert_eq!(layer["digest"], format!("sha256:{}", sha256_hex(&payload)));
    assert_eq!(
        manifest["config"]["digest"],
        format!("sha256:{}", sha256_hex(&read("sig-config.json")))
    );
    let annotation = layer["annotations"][SIGNATURE_ANNOTATION].as_str().unwrap();
    assert_eq!(
        annotation,
        String::from_utf8(read("signature.b64")).unwrap().trim()
    );
    let der = read("signature.der");
    assert_eq!(STANDARD.decode(annotation).unwrap(), der);

    let parsed = SimpleSigning::verify(&public("cosign.pub"), &payload, &der).unwrap();
    assert_eq!(parsed.docker_reference, "127.0.0.1:5000/demo/tiny");
    assert_eq!(
        parsed.manifest_digest,
        format!("sha256:{}", sha256_hex(&read("image-manifest.json")))
    );
    // With the same optional annotations our payload is byte-identical.
    assert_eq!(parsed.to_json(), payload);

    // skopeo's dir: copy carries the same payload and signature.
    let skopeo = DirSignature::parse(&read("skopeo-dir-signature-1.bin")).unwrap();
    assert_eq!(skopeo.payload, payload);
    assert_eq!(skopeo.signature().unwrap(), der);
    assert_eq!(skopeo.verify(&public("cosign.pub")).unwrap(), parsed);
}

#[test]
fn edited_payload_and_wrong_key_fail_verification() {
    let payload = read("simplesigning-payload.json");
    let der = read("signature.der");
    let edited = String::from_utf8(payload.clone())
        .unwrap()
        .replace("demo/tiny", "demo/tinx");
    let err = SimpleSigning::verify(&public("cosign.pub"), edited.as_bytes(), &der).unwrap_err();
    assert!(matches!(err, Error::BadSignature { .. }), "{err}");
    let err = SimpleSigning::verify(&public("cosign-legacy-N32768.pub"), &payload, &der).unwrap_err();
    assert!(
        matches!(err, Error::BadSignature { ref key_id } if *key_id == public("cosign-legacy-N32768.pub").fingerprint()),
        "{err}"
    );
    // The atomic/GPG payload is not a cosign one.
    let err = SimpleSigning::from_json(&read("gpg-simple-signing-payload.json")).unwrap_err();
    assert!(
        matches!(err, Error::SimpleSigningType(ref t) if t == "atomic container signature"),
        "{err}"
    );
}

#[test]
fn bad_key_files_fail_with_specific_errors() {
    let key = read("cosign.key");
    let err = PrivateKey::from_encrypted_pem(&key, b"wrongpass").unwrap_err();
    assert!(matches!(err, Error::WrongPassword), "{err}");
    let err = PrivateKey::from_encrypted_pem(&read("cosign-generated-ed25519-test.key"), b"x").unwrap_err();
    assert!(matches!(err, Error::WrongPassword), "{err}");

    let truncated = &key[..key.len() / 2];
    let err = PrivateKey::from_encrypted_pem(truncated, &password()).unwrap_err();
    assert!(matches!(err, Error::Pem(_)), "{err}");
    let err = PrivateKey::from_encrypted_pem(b"\x00\x01garbage\xff", &password()).unwrap_err();
    assert!(matches!(err, Error::Pem(_)), "{err}");
    let err = PrivateKey::from_encrypted_pem(&read("cosign.pub"), &password()).unwrap_err();
    assert!(
        matches!(err, Error::PemLabel { ref found, .. } if found == "PUBLIC KEY"),
        "{err}"
    );

    // Valid PEM around a body that is not the key JSON, and around JSON with other parameters.
    let (_, body) = pem_body(&key);
    let wrap = |json: &[u8]| pem_rfc7468_like("ENCRYPTED SIGSTORE PRIVATE KEY", json);
    let err = PrivateKey::from_encrypted_pem(wrap(b"not json").as_bytes(), &password()).unwrap_err();
    assert!(matches!(err, Error::EncryptedKeyJson(_)), "{err}");
    let text = String::from_utf8(body).unwrap();
    let n16384 = text.replace(r#""N":65536"#, r#""N":16384"#);
    let err = PrivateKey::from_encrypted_pem(wrap(n16384.as_bytes()).as_bytes(), &password()).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedScryptParams { n: 16384, r: 8, p: 1 }),
        "{err}"
    );
    let argon = text.replace(r#""name":"scrypt""#, r#""name":"argon2id""#);
    let err = PrivateKey::from_encrypted_pem(wrap(argon.as_bytes()).as_bytes(), &password()).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedKdf(ref k) if k == "argon2id"),
        "{err}"
    );
    let aes = text.replace(r#""name":"nacl/secretbox""#, r#""name":"aes-256-gcm""#);
    let err = PrivateKey::from_encrypted_pem(wrap(aes.as_bytes()).as_bytes(), &password()).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedCipher(ref c) if c == "aes-256-gcm"),
        "{err}"
    );
}

/// Decodes the fixture's PEM body (test helper; the library's own reader is under test elsewhere).
fn pem_body(text: &[u8]) -> (String, Vec<u8>) {
    let text = std::str::from_utf8(text).unwrap();
    let mut lines = text.lines();
    let label = lines
        .next()
        .unwrap()
        .trim_start_matches("-----BEGIN ")
        .trim_end_matches("-----");
    let b64: String = lines.take_while(|l| !l.starts_with("-----END")).collect();
    (label.to_owned(), STANDARD.decode(b64).unwrap())
}

fn pem_rfc7468_like(label: &str, body: &[u8]) -> String {
    let b64 = STANDARD.encode(body);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[test]
fn dsse_attestation_with_a_cosign_key() {
    let key = PrivateKey::from_encrypted_pem(&read("cosign.key"), &password()).unwrap();
    let digest = sha256_hex(&read("image-manifest.json"));
    let statement = Statement {
        subject: vec![Subject::sha256("127.0.0.1:5000/demo/tiny", &digest)],
        predicate_type: "https://cosign.sigstore.dev/attestation/v1".to_owned(),
        predicate: serde_json::json!({"Data": "hello", "Timestamp": "2026-11-23T00:00:00Z"}),
    };
    let json = statement.sign(&key, "").unwrap().to_json();
    let envelope = Envelope::from_json(&json).unwrap();
    assert_eq!(
        Statement::verify(&envelope, &public("cosign.pub")).unwrap(),
        statement
    );

    let err = envelope
        .verify(
            &public("cosign.pub"),
            "application/vnd.dev.cosign.simplesigning.v1+json",
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::DssePayloadType { ref found, .. } if found == PAYLOAD_TYPE),
        "{err}"
    );
    let err = Statement::verify(&envelope, &public("cosign-legacy-N32768.pub")).unwrap_err();
    assert!(
        matches!(err, Error::DsseNoValidSignature { tried: 1, .. }),
        "{err}"
    );

    let text = String::from_utf8(json).unwrap();
    let wrong_type = text.replace(PAYLOAD_TYPE, "application/json");
    let err = Statement::verify(
        &Envelope::from_json(wrong_type.as_bytes()).unwrap(),
        &public("cosign.pub"),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::DssePayloadType { ref found, .. } if found == "application/json"),
        "{err}"
    );
    let malformed = text.replace(r#""signatures":["#, r#""signatures":{"#);
    assert!(matches!(
        Envelope::from_json(malformed.as_bytes()),
        Err(Error::DsseJson(_))
    ));
    let truncated = &text[..text.len() - 10];
    assert!(matches!(
        Envelope::from_json(truncated.as_bytes()),
        Err(Error::DsseJson(_))
    ));
    let bad_b64 = text.replacen(r#""payload":""#, r#""payload":"*"#, 1);
    assert!(matches!(
        Envelope::from_json(bad_b64.as_bytes()),
        Err(Error::DsseBase64 { ref field, .. }) if field == "payload"
    ));
}

#[test]
fn generate_write_read_sign_verify_for_every_key_type() {
    let cases = [
        (KeySpec::EcdsaP256, EncryptOptions::default()),
        (
            KeySpec::Ed25519,
            EncryptOptions {
                label: PemLabel::Cosign,
                cost: ScryptCost::Standard,
            },
        ),
        (
            KeySpec::Rsa(2048),
            EncryptOptions {
                label: PemLabel::Sigstore,
                cost: ScryptCost::Owasp,
            },
        ),
    ];
    for (spec, options) in cases {
        let (_key, files) = generate_key_files(spec, b"s3cret", options).unwrap();
        let label = options.label.as_str();
        assert!(
            files
                .private_pem
                .starts_with(&format!("-----BEGIN {label}-----\n")),
            "{spec:?}"
        );
        assert!(
            files.private_pem.ends_with(&format!("-----END {label}-----\n")),
            "{spec:?}"
        );
        assert!(
            files
                .private_pem
                .lines()
                .all(|l| l.len() <= 64 || l.starts_with("-----"))
        );
        assert!(files.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));

        let (key, info) =
            PrivateKey::from_encrypted_pem_with_info(files.private_pem.as_bytes(), b"s3cret").unwrap();
        assert_eq!(info, options);
        let public = PublicKey::from_pem(files.public_pem.as_bytes()).unwrap();
        assert_eq!(key.public_key(), public);

        let payload = SimpleSigning::new("127.0.0.1:5000/demo/tiny", format!("sha256:{}", "0".repeat(64)))
            .unwrap()
            .to_json();
        let sig = key.sign(&payload).unwrap();
        SimpleSigning::verify(&public, &payload, &sig).unwrap();
        let err = PrivateKey::from_encrypted_pem(files.private_pem.as_bytes(), b"s3cret!").unwrap_err();
        assert!(matches!(err, Error::WrongPassword), "{spec:?}: {err}");
    }
}
