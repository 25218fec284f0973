//! securesystemslib public keys, the key format of in-toto 1.x layouts and key files.
//!
//! A key is a JSON object `{"keytype", "scheme", "keyval": {"public"}, "keyid_hash_algorithms"}`
//! (layouts also carry `keyid`, and RSA keys an empty `keyval.private`). Supported:
//!
//! | keytype                         | scheme                | `keyval.public`              | `sig` (hex of)          |
//! |---------------------------------|-----------------------|------------------------------|-------------------------|
//! | `rsa`                           | `rsassa-pss-sha256`   | PEM `PUBLIC KEY` (2048–4096) | RSASSA-PSS, MGF1-SHA256, any salt length |
//! | `rsa`                           | `rsa-pkcs1v15-sha256` | PEM `PUBLIC KEY` (2048–4096) | RSASSA-PKCS1-v1_5       |
//! | `ed25519`                       | `ed25519`             | 64 hex digits                | 64-byte Ed25519 (pure)  |
//! | `ecdsa`, `ecdsa-sha2-nistp256`  | `ecdsa-sha2-nistp256` | PEM `PUBLIC KEY` (P-256)     | ASN.1 DER ECDSA, SHA-256 |
//!
//! GPG keys (in-toto's `--gpg`) are not supported.
//!
//! The keyid is the lower-case hex SHA-256 of the canonical JSON of
//! `{"keyid_hash_algorithms": ["sha256", "sha512"], "keytype", "keyval": {"public"}, "scheme"}`
//! (always those two hash names, whatever the key file says), see [`compute_keyid`].
//!
//! Key files as `in-toto-keygen` 1.3.1 writes them ([`SslibKey::from_key_file`]): RSA public
//! keys as a PEM `PUBLIC KEY` file (`NAME.pub`, read with scheme `rsassa-pss-sha256`, as
//! `in-toto-verify --key-types rsa` does), ed25519 and ecdsa public keys as the JSON object above
//! (`NAME.pub`).

use std::fmt;

use p256::ecdsa::signature::Verifier as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spki::DecodePublicKey;

use super::canonical;
use crate::error::{Error, Result};
use crate::key::{KeyAlgorithm, PublicKey};

/// The hash names securesystemslib 0.26 puts into every keyid computation.
const KEYID_HASH_ALGORITHMS: [&str; 2] = ["sha256", "sha512"];
/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410) before the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
const PEM_BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const PEM_END: &str = "-----END PUBLIC KEY-----";

/// A securesystemslib public key that verifies in-toto signatures.
#[derive(Clone)]
pub struct SslibKey {
    keyid: String,
    keytype: String,
    scheme: String,
    public: PublicKey,
    verifier: Verifier,
}

#[derive(Clone)]
enum Verifier {
    RsaPss(rsa::pss::VerifyingKey<Sha256>),
    RsaPkcs1v15(rsa::pkcs1v15::VerifyingKey<Sha256>),
    Ed25519(ed25519_dalek::VerifyingKey),
    EcdsaP256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for SslibKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslibKey")
            .field("keyid", &self.keyid)
            .field("keytype", &self.keytype)
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFault {
    /// The `sig` field is not hex.
    NotHex,
    /// The bytes cannot be a signature of this scheme (wrong length or encoding).
    Malformed(String),
    /// A well-formed signature that does not verify over the message.
    DoesNotVerify,
}

impl fmt::Display for SignatureFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureFault::NotHex => f.write_str("signature is not hex"),
            SignatureFault::Malformed(detail) => write!(f, "signature is malformed ({detail})"),
            SignatureFault::DoesNotVerify => f.write_str("signature does not verify"),
        }
    }
}

/// The securesystemslib keyid of a public key: lower-case hex SHA-256 of the canonical JSON of
/// `{"keyid_hash_algorithms": ["sha256", "sha512"], "keytype", "keyval": {"public"}, "scheme"}`.
pub fn compute_keyid(keytype: &str, scheme: &str, public: &str) -> String {
    let meta = json!({
        "keytype": keytype,
        "scheme": scheme,
        "keyid_hash_algorithms": KEYID_HASH_ALGORITHMS,
        "keyval": {"public": public},
    });
    let bytes = canonical::encode(&meta).expect("strings only");
    hex::encode(Sha256::digest(&bytes))
}

fn key_error(key: &str, detail: impl Into<String>) -> Error {
    Error::InTotoKey {
        key: key.to_owned(),
        detail: detail.into(),
        source: None,
    }
}

impl SslibKey {
    /// Reads a public key file as `in-toto-keygen` writes it: a PEM `PUBLIC KEY` file is an RSA
    /// key with scheme `rsassa-pss-sha256`; anything else must be a securesystemslib JSON key
    /// (ed25519 or ecdsa `.pub` files). The keyid is computed as securesystemslib does.
    /// A file holding a private key is refused.
    pub fn from_key_file(bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|_| key_error("file", "is not UTF-8 text"))?;
        if text.trim_start().starts_with("-----BEGIN") {
            let begin = text.find(PEM_BEGIN).ok_or_else(|| {
                key_error(
                    "file",
                    format!("is PEM but has no `{PEM_BEGIN}` line (only public keys are read)"),
                )
            })?;
            let end = text[begin..]
                .find(PEM_END)
                .ok_or_else(|| key_error("file", format!("has no `{PEM_END}` line")))?;
            // securesystemslib keeps exactly the text from BEGIN to the end of END.
            let public = &text[begin..begin + end + PEM_END.len()];
            let scheme = "rsassa-pss-sha256";
            let keyid = compute_keyid("rsa", scheme, public);
            return Self::build(keyid, "rsa", scheme, public);
        }
        let value: Value = serde_json::from_str(text).map_err(|e| Error::InTotoKey {
            key: "file".to_owned(),
            detail: "is neither a PEM public key nor securesystemslib key JSON".to_owned(),
            source: Some(Box::new(Error::InTotoMetadata {
                what: "key file".to_owned(),
                detail: e.to_string(),
                source: Some(e),
            })),
        })?;
        Self::from_json(&value, None)
    }

    /// Reads a securesystemslib key object. With `keyid` (a layout's `keys` entry) that is the
    /// key's id, and a `keyid` member inside the object must agree with it; without, the keyid
    /// is computed ([`compute_keyid`]).
    pub fn from_json(value: &Value, keyid: Option<&str>) -> Result<Self> {
        let name = keyid.unwrap_or("file");
        let obj = value
            .as_object()
            .ok_or_else(|| key_error(name, "is not a JSON object"))?;
        let field = |k: &str| -> Result<&str> {
            obj.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| key_error(name, format!("has no string `{k}`")))
        };
        let keytype = field("keytype")?;
        let scheme = field("scheme")?;
        let keyval = obj
            .get("keyval")
            .and_then(Value::as_object)
            .ok_or_else(|| key_error(name, "has no `keyval` object"))?;
        let public = keyval
            .get("public")
            .and_then(Value::as_str)
            .ok_or_else(|| key_error(name, "has no string `keyval.public`"))?;
        match keyval.get("private") {
            None => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(_) => {
                return Err(key_error(
                    name,
                    "holds a private key (give the public key file, NAME.pub)",
                ));
            }
        }
        let keyid = match keyid {
            Some(id) => {
                if let Some(inner) = obj.get("keyid")
                    && inner.as_str() != Some(id)
                {
                    return Err(key_error(
                        name,
                        format!("is listed under keyid {id} but its `keyid` member is {inner}"),
                    ));
                }
                id.to_owned()
            }
            None => compute_keyid(keytype, scheme, public),
        };
        Self::build(keyid, keytype, scheme, public)
    }

    fn build(keyid: String, keytype: &str, scheme: &str, public: &str) -> Result<Self> {
        let wrap = |source: Error| Error::InTotoKey {
            key: keyid.clone(),
            detail: format!("`keyval.public` is not a usable {keytype} public key"),
            source: Some(Box::new(source)),
        };
        let (public_key, verifier) = match (keytype, scheme) {
            ("rsa", "rsassa-pss-sha256" | "rsa-pkcs1v15-sha256") => {
                let key = PublicKey::from_pem(public.as_bytes()).map_err(wrap)?;
                if key.algorithm() != KeyAlgorithm::Rsa {
                    return Err(key_error(
                        &keyid,
                        format!("keytype rsa but the PEM holds an {} key", key.algorithm()),
                    ));
                }
                let rsa_key =
                    rsa::PublicKey::from_public_key_der(key.spki_der()).map_err(|e| wrap(Error::Spki(e)))?;
                let verifier = if scheme == "rsassa-pss-sha256" {
                    Verifier::RsaPss(rsa::pss::VerifyingKey::new_with_auto_salt_len(rsa_key))
                } else {
                    Verifier::RsaPkcs1v15(rsa::pkcs1v15::VerifyingKey::new(rsa_key))
                };
                (key, verifier)
            }
            ("ed25519", "ed25519") => {
                let raw = hex::decode(public)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| key_error(&keyid, "ed25519 `keyval.public` is not 64 hex digits"))?;
                let mut der = ED25519_SPKI_PREFIX.to_vec();
                der.extend_from_slice(&raw);
                let key = PublicKey::from_spki_der(&der).map_err(wrap)?;
                let verifier = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|e| {
                    wrap(Error::Crypto {
                        operation: "reading an Ed25519 public key",
                        source: Box::new(e),
                    })
                })?;
                (key, Verifier::Ed25519(verifier))
            }
            ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
                let key = PublicKey::from_pem(public.as_bytes()).map_err(wrap)?;
                if key.algorithm() != KeyAlgorithm::EcdsaP256 {
                    return Err(key_error(
                        &keyid,
                        format!(
                            "scheme ecdsa-sha2-nistp256 but the PEM holds an {} key",
                            key.algorithm()
                        ),
                    ));
                }
                let verifier = p256::ecdsa::VerifyingKey::from_public_key_der(key.spki_der())
                    .map_err(|e| wrap(Error::Spki(e)))?;
                (key, Verifier::EcdsaP256(verifier))
            }
            _ => {
                return Err(key_error(
                    &keyid,
                    format!(
                        "unsupported keytype `{keytype}` with scheme `{scheme}` (supported: rsa with \
                         rsassa-pss-sha256 or rsa-pkcs1v15-sha256, ed25519, ecdsa-sha2-nistp256)"
                    ),
                ));
            }
        };
        Ok(SslibKey {
            keyid,
            keytype: keytype.to_owned(),
            scheme: scheme.to_owned(),
            public: public_key,
            verifier,
        })
    }

    /// The keyid (lower-case hex for computed ids; as listed for layout keys).
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// The securesystemslib key type (`rsa`, `ed25519`, `ecdsa`, ...).
    pub fn keytype(&self) -> &str {
        &self.keytype
    }

    /// The signature scheme (`rsassa-pss-sha256`, `ed25519`, `ecdsa-sha2-nistp256`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The key as a [`PublicKey`]; two keys are the same functionary exactly when these are equal
    /// (same SubjectPublicKeyInfo), whatever keyids they are listed under.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Verifies the hex signature `sig_hex` over `message` with this key's scheme.
    pub fn verify(&self, message: &[u8], sig_hex: &str) -> Result<(), SignatureFault> {
        let sig = hex::decode(sig_hex).map_err(|_| SignatureFault::NotHex)?;
        let malformed = |d: String| SignatureFault::Malformed(d);
        let ok = match &self.verifier {
            Verifier::RsaPss(k) => {
                let s = rsa::pss::Signature::try_from(sig.as_slice())
                    .map_err(|_| malformed(format!("{} bytes for an RSA key", sig.len())))?;
                rsa::signature::Verifier::verify(k, message, &s).is_ok()
            }
            Verifier::RsaPkcs1v15(k) => {
                let s = rsa::pkcs1v15::Signature::try_from(sig.as_slice())
                    .map_err(|_| malformed(format!("{} bytes for an RSA key", sig.len())))?;
                rsa::signature::Verifier::verify(k, message, &s).is_ok()
            }
            Verifier::Ed25519(k) => {
                let s = ed25519_dalek::Signature::from_slice(&sig)
                    .map_err(|_| malformed(format!("{} bytes, Ed25519 needs 64", sig.len())))?;
                k.verify_strict(message, &s).is_ok()
            }
            Verifier::EcdsaP256(k) => {
                let s = p256::ecdsa::Signature::from_der(&sig)
                    .map_err(|_| malformed("not an ASN.1 DER ECDSA signature".to_owned()))?;
                k.verify(message, &s).is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(SignatureFault::DoesNotVerify)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ed25519 `.pub` file and the keyid in-toto 1.3.1 computed for it.
    const ED25519_PUB: &str = r#"{"keytype": "ed25519", "scheme": "ed25519", "keyid_hash_algorithms": ["sha256", "sha512"], "keyval": {"public": "28f3ad1b72f76b3d461e5eaba61b45cebd9187efc0499375f6e88a6f83594787"}}"#;
    const ED25519_KEYID: &str = "9833295fc34e35b71a604692a60a2a1796388ea5345b169cb341ad515b2ae71f";

    /// An RSA `.pub` file from `in-toto-keygen -t rsa -b 2048` and its keyid.
    const RSA_PUB: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwtkm2piQLOcFwgpKjAwb
oCvsrMmze6pupuf92J9vczqk31daZgqilVhd77MRr+5aVV6YMT3+K9uhE1jSPuaL
tq/+QhV0o2lTUG4NPrifZCHcXKt0TOa7RyhOCVYd6NkQAJROocaNosJnUp8j8Oez
mY+aEz5xXGays2ArMflXGpIy9VwscBowCXTESxUpFBJMqEgkfBGVmT680Bhmp41f
dfPQe5CX3q8MflRyOP6fv+Me5v6W3BGDQ7NFSpoSBR77ZhhbHsn3eyhNF9bjvvxd
80KDbzLY0D85y1uXwgKsbg2VRrlLSK/BF8u4qCPOShA9pbrnKRKCzkYykbiDuEqQ
wwIDAQAB
-----END PUBLIC KEY-----
";
    const RSA_KEYID: &str = "a2b221726071d451768ecf0ab05c558a9ec55d52c659ba0e3d5421eef97b2071";

    #[test]
    fn keyids_match_in_toto() {
        let ed = SslibKey::from_key_file(ED25519_PUB.as_bytes()).unwrap();
        assert_eq!(ed.keyid(), ED25519_KEYID);
        assert_eq!((ed.keytype(), ed.scheme()), ("ed25519", "ed25519"));
        let rsa = SslibKey::from_key_file(RSA_PUB.as_bytes()).unwrap();
        assert_eq!(rsa.keyid(), RSA_KEYID);
        assert_eq!(rsa.scheme(), "rsassa-pss-sha256");
    }

    #[test]
    fn private_and_unsupported_keys_are_refused() {
        let private = ED25519_PUB.replace(r#""public""#, r#""private": "00", "public""#);
        let err = SslibKey::from_key_file(private.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        let gpg = ED25519_PUB.replace(r#""keytype": "ed25519""#, r#""keytype": "dsa""#);
        let err = SslibKey::from_key_file(gpg.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("unsupported keytype `dsa`"), "{err}");
        let value: Value = serde_json::from_str(ED25519_PUB).unwrap();
        let mut listed = value.clone();
        listed["keyid"] = json!("ffff");
        let err = SslibKey::from_json(&listed, Some(ED25519_KEYID)).unwrap_err();
        assert!(err.to_string().contains("`keyid` member"), "{err}");
        assert!(SslibKey::from_json(&value, Some("anything")).is_ok());
    }

    #[test]
    fn ed25519_and_ecdsa_signatures() {
        use crate::key::{KeySpec, PrivateKey};
        for spec in [KeySpec::Ed25519, KeySpec::EcdsaP256] {
            let private = PrivateKey::generate(spec).unwrap();
            let value = match spec {
                KeySpec::Ed25519 => json!({"keytype": "ed25519", "scheme": "ed25519",
                    "keyval": {"public": hex::encode(&private.public_key().spki_der()[12..])}}),
                _ => json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
                    "keyval": {"public": private.public_key().to_pem()}}),
            };
            let key = SslibKey::from_json(&value, None).unwrap();
            assert_eq!(key.public_key(), &private.public_key());
            let sig = hex::encode(private.sign(b"m").unwrap());
            key.verify(b"m", &sig).unwrap();
            assert_eq!(key.verify(b"n", &sig), Err(SignatureFault::DoesNotVerify));
            assert_eq!(key.verify(b"m", "zz"), Err(SignatureFault::NotHex));
            assert!(matches!(
                key.verify(b"m", "00"),
                Err(SignatureFault::Malformed(_))
            ));
        }
    }
}
