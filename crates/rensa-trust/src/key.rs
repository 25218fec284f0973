//! Signing keys in the formats cosign reads and writes.
//!
//! - Private keys: cosign's encrypted key file (`cosign.key`, see [`encrypted`]) around a PKCS#8
//!   DER key, ECDSA P-256 (cosign's default), Ed25519 or RSA.
//! - Public keys: PEM `PUBLIC KEY` (SubjectPublicKeyInfo DER), as in `cosign.pub`.
//! - Signatures: what cosign stores in `dev.cosignproject.cosign/signature` (base64 of these bytes):
//!   ECDSA P-256 over SHA-256 as an ASN.1 DER `ECDSA-Sig-Value`; RSA PKCS#1 v1.5 over SHA-256;
//!   Ed25519 either pure (RFC 8032 Ed25519) or pre-hashed (Ed25519ph over SHA-512), see
//!   [`Ed25519Mode`].

pub mod encrypted;
mod secretbox;

use std::fmt;

use ed25519_dalek::Signer as _;
use p256::ecdsa::signature::Verifier as _;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, ObjectIdentifier};
use rsa::signature::SignatureEncoding as _;
use sha2::{Digest, Sha256, Sha512};
use spki::{DecodePublicKey, EncodePublicKey};
use zeroize::Zeroizing;

pub use encrypted::{EncryptOptions, EncryptedKey, PemLabel, ScryptCost};

use crate::error::{Error, Result};

/// PEM label of a public key file.
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// RFC 8410 PKCS#8 v1 Ed25519 private key up to the 32-byte seed: SEQUENCE { INTEGER 0,
/// SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Smallest RSA modulus accepted, as cosign's key validation requires.
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted.
const RSA_MAX_BITS: usize = 4096;

/// The algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256.
    EcdsaP256,
    /// Ed25519.
    Ed25519,
    /// RSA with PKCS#1 v1.5 signatures over SHA-256.
    Rsa,
}

impl KeyAlgorithm {
    /// A short stable name: `ecdsa-p256`, `ed25519` or `rsa`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Rsa => "rsa",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of key [`PrivateKey::generate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeySpec {
    /// ECDSA P-256, cosign's default.
    #[default]
    EcdsaP256,
    /// Ed25519.
    Ed25519,
    /// RSA with a modulus of this many bits (2048 to 4096).
    Rsa(usize),
}

/// How an Ed25519 key signs; other key types ignore it.
///
/// cosign 2.x signs image signatures with Ed25519ph by default (its `LoadPrivateKey` adds
/// `WithED25519ph`), older cosign and DSSE/in-toto tooling sign with pure Ed25519.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ed25519Mode {
    /// RFC 8032 Ed25519 over the message itself.
    #[default]
    Pure,
    /// RFC 8032 Ed25519ph over the SHA-512 of the message, empty context.
    Prehashed,
}

/// A private signing key.
pub struct PrivateKey {
    inner: PrivateInner,
}

enum PrivateInner {
    EcdsaP256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// A public key that verifies signatures.
#[derive(Clone)]
pub struct PublicKey {
    inner: PublicInner,
    spki_der: Vec<u8>,
}

#[derive(Clone)]
enum PublicInner {
    EcdsaP256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::pkcs1v15::VerifyingKey<Sha256>),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

/// The two files `cosign generate-key-pair` writes: `PREFIX.key` and `PREFIX.pub`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// Text of the encrypted private key file (`PREFIX.key`).
    pub private_pem: String,
    /// Text of the public key file (`PREFIX.pub`).
    pub public_pem: String,
}

/// Generates a key pair and returns the texts of the encrypted private key file and the public
/// key file, as `cosign generate-key-pair` writes them.
pub fn generate_key_files(
    spec: KeySpec,
    password: &[u8],
    options: EncryptOptions,
) -> Result<(PrivateKey, KeyFiles)> {
    let key = PrivateKey::generate(spec)?;
    let files = KeyFiles {
        private_pem: key.to_encrypted_pem(password, options)?,
        public_pem: key.public_key().to_pem(),
    };
    Ok((key, files))
}

fn crypto<E: std::error::Error + Send + Sync + 'static>(operation: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::Crypto {
        operation,
        source: Box::new(e),
    }
}

impl PrivateKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate(spec: KeySpec) -> Result<Self> {
        let inner = match spec {
            KeySpec::EcdsaP256 => {
                // Rejection sampling: a random 32-byte string is a valid scalar except with
                // probability about 2^-32.
                loop {
                    let mut bytes = Zeroizing::new([0u8; 32]);
                    getrandom::fill(&mut bytes[..]).map_err(Error::Random)?;
                    if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&bytes[..]) {
                        break PrivateInner::EcdsaP256(key);
                    }
                }
            }
            KeySpec::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut seed[..]).map_err(Error::Random)?;
                PrivateInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            KeySpec::Rsa(bits) => {
                if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                    return Err(Error::UnsupportedRsaSize(bits));
                }
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
                    .map_err(crypto("RSA key generation"))?;
                PrivateInner::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
            }
        };
        Ok(PrivateKey { inner })
    }

    /// Reads a cosign encrypted private key file (either PEM label) with `password` (empty for a
    /// key written without one).
    pub fn from_encrypted_pem(text: &[u8], password: &[u8]) -> Result<Self> {
        Self::from_encrypted_pem_with_info(text, password).map(|(key, _)| key)
    }

    /// As [`PrivateKey::from_encrypted_pem`], and also says how the file was written (label and
    /// scrypt cost), so that a rewrite can keep them.
    pub fn from_encrypted_pem_with_info(text: &[u8], password: &[u8]) -> Result<(Self, EncryptOptions)> {
        let sealed = EncryptedKey::from_pem(text)?;
        let der = sealed.decrypt(password)?;
        Ok((Self::from_pkcs8_der(&der)?, sealed.options))
    }

    /// Writes this key as a cosign encrypted private key file.
    pub fn to_encrypted_pem(&self, password: &[u8], options: EncryptOptions) -> Result<String> {
        let der = self.to_pkcs8_der()?;
        encrypted::encrypt(&der, password, options)
    }

    /// Reads an unencrypted PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(Error::Pkcs8)?;
        let oid = info.algorithm.oid;
        let bad = Error::Pkcs8;
        let inner = if oid == OID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| Error::Pkcs8(e.into()))?;
            if curve != OID_P256 {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "ECDSA on curve {curve} (only P-256 is supported)"
                )));
            }
            PrivateInner::EcdsaP256(p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(bad)?)
        } else if oid == OID_ED25519 {
            PrivateInner::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(bad)?)
        } else if oid == OID_RSA {
            let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(bad)?;
            check_rsa_size(rsa::traits::PublicKeyParts::n(&key).bit_width() as usize)?;
            PrivateInner::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
        } else {
            return Err(Error::UnsupportedAlgorithm(format!("with OID {oid}")));
        };
        Ok(PrivateKey { inner })
    }

    /// The PKCS#8 DER encoding of this key, as Go's `x509.MarshalPKCS8PrivateKey` writes it
    /// (for Ed25519 that is a version 1 document without the public key, which every cosign
    /// and OpenSSL release reads).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match &self.inner {
            PrivateInner::EcdsaP256(k) => k.to_pkcs8_der(),
            PrivateInner::Ed25519(k) => {
                let mut der = Zeroizing::new(Vec::with_capacity(ED25519_PKCS8_V1_PREFIX.len() + 32));
                der.extend_from_slice(&ED25519_PKCS8_V1_PREFIX);
                der.extend_from_slice(k.as_bytes());
                return Ok(der);
            }
            PrivateInner::Rsa(k) => k.to_pkcs8_der(),
        }
        .map_err(Error::Pkcs8)?;
        Ok(doc.to_bytes())
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.inner {
            PrivateInner::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            PrivateInner::Ed25519(_) => KeyAlgorithm::Ed25519,
            PrivateInner::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        let inner = match &self.inner {
            PrivateInner::EcdsaP256(k) => PublicInner::EcdsaP256(*k.verifying_key()),
            PrivateInner::Ed25519(k) => PublicInner::Ed25519(k.verifying_key()),
            PrivateInner::Rsa(k) => {
                let private: &rsa::PrivateKey = AsRef::as_ref(&**k);
                let public = private.to_public_key();
                PublicInner::Rsa(rsa::pkcs1v15::VerifyingKey::new(public))
            }
        };
        PublicKey::from_inner(inner).expect("a key of a supported algorithm encodes as SPKI")
    }

    /// Signs `message` the way cosign does (see the module docs), pure Ed25519 for Ed25519 keys.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_with(message, Ed25519Mode::Pure)
    }

    /// Signs `message`; `mode` chooses between Ed25519 and Ed25519ph for Ed25519 keys.
    pub fn sign_with(&self, message: &[u8], mode: Ed25519Mode) -> Result<Vec<u8>> {
        Ok(match &self.inner {
            PrivateInner::EcdsaP256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
            PrivateInner::Ed25519(k) => match mode {
                Ed25519Mode::Pure => k.sign(message).to_bytes().to_vec(),
                Ed25519Mode::Prehashed => k
                    .sign_prehashed(Sha512::new_with_prefix(message), None)
                    .map_err(crypto("Ed25519ph signing"))?
                    .to_bytes()
                    .to_vec(),
            },
            PrivateInner::Rsa(k) => {
                use rsa::signature::Signer as _;
                let sig: rsa::pkcs1v15::Signature = k.try_sign(message).map_err(crypto("RSA signing"))?;
                sig.to_vec()
            }
        })
    }
}

fn check_rsa_size(bits: usize) -> Result<()> {
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(Error::UnsupportedRsaSize(bits))
    }
}

impl PublicKey {
    fn from_inner(inner: PublicInner) -> Result<Self> {
        let doc = match &inner {
            PublicInner::EcdsaP256(k) => k.to_public_key_der(),
            PublicInner::Ed25519(k) => k.to_public_key_der(),
            PublicInner::Rsa(k) => k.to_public_key_der(),
        }
        .map_err(Error::Spki)?;
        Ok(PublicKey {
            inner,
            spki_der: doc.as_bytes().to_vec(),
        })
    }

    /// Reads a PEM `PUBLIC KEY` file (as `cosign.pub`).
    pub fn from_pem(text: &[u8]) -> Result<Self> {
        let (label, der) = pem_decode(text)?;
        if label != PUBLIC_KEY_LABEL {
            return Err(Error::PemLabel {
                found: label,
                expected: "`PUBLIC KEY`",
            });
        }
        Self::from_spki_der(&der)
    }

    /// Reads a SubjectPublicKeyInfo DER public key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(Error::Spki)?;
        let oid = info.algorithm.oid;
        let bad = Error::Spki;
        let inner = if oid == OID_EC_PUBLIC_KEY {
            let curve = info.algorithm.parameters_oid().map_err(Error::Spki)?;
            if curve != OID_P256 {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "ECDSA on curve {curve} (only P-256 is supported)"
                )));
            }
            PublicInner::EcdsaP256(p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(bad)?)
        } else if oid == OID_ED25519 {
            PublicInner::Ed25519(ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(bad)?)
        } else if oid == OID_RSA {
            let key = rsa::PublicKey::from_public_key_der(der).map_err(bad)?;
            check_rsa_size(rsa::traits::PublicKeyParts::n(&key).bit_width() as usize)?;
            PublicInner::Rsa(rsa::pkcs1v15::VerifyingKey::new(key))
        } else {
            return Err(Error::UnsupportedAlgorithm(format!("with OID {oid}")));
        };
        Self::from_inner(inner)
    }

    /// The SubjectPublicKeyInfo DER encoding (re-encoded from the key, uncompressed EC points).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The PEM `PUBLIC KEY` text, as cosign writes `cosign.pub`.
    pub fn to_pem(&self) -> String {
        pem_encode(PUBLIC_KEY_LABEL, &self.spki_der)
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.inner {
            PublicInner::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            PublicInner::Ed25519(_) => KeyAlgorithm::Ed25519,
            PublicInner::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// A stable identifier for reports: lower-case hex SHA-256 of the SubjectPublicKeyInfo DER.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.spki_der))
    }

    /// Verifies `signature` over `message`. ECDSA signatures are ASN.1 DER, RSA signatures
    /// PKCS#1 v1.5 with SHA-256; Ed25519 signatures are accepted in either [`Ed25519Mode`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let bad = || Error::BadSignature {
            key_id: self.fingerprint(),
        };
        match &self.inner {
            PublicInner::EcdsaP256(k) => {
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|e| Error::MalformedSignature {
                        algorithm: "ECDSA P-256",
                        detail: format!("not an ASN.1 DER ECDSA-Sig-Value ({e})"),
                    })?;
                k.verify(message, &sig).map_err(|_| bad())
            }
            PublicInner::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| {
                    Error::MalformedSignature {
                        algorithm: "Ed25519",
                        detail: format!("expected 64 bytes, found {}", signature.len()),
                    }
                })?;
                if k.verify_strict(message, &sig).is_ok()
                    || k.verify_prehashed_strict(Sha512::new_with_prefix(message), None, &sig)
                        .is_ok()
                {
                    Ok(())
                } else {
                    Err(bad())
                }
            }
            PublicInner::Rsa(k) => {
                let sig =
                    rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| Error::MalformedSignature {
                        algorithm: "RSA",
                        detail: format!(
                            "{} bytes is not a signature length this key accepts",
                            signature.len()
                        ),
                    })?;
                rsa::signature::Verifier::verify(k, message, &sig).map_err(|_| bad())
            }
        }
    }
}

/// Decodes one PEM block; text before the BEGIN line and after the END line is ignored, as Go's
/// `encoding/pem` does.
pub(crate) fn pem_decode(text: &[u8]) -> Result<(String, Vec<u8>)> {
    let start = find(text, b"-----BEGIN ").unwrap_or(0);
    let block = &text[start..];
    let block = match find(block, b"-----END ") {
        Some(end) => match find(&block[end + 9..], b"-----") {
            Some(close) => &block[..end + 9 + close + 5],
            None => block,
        },
        None => block,
    };
    let (label, der) = pem_rfc7468::decode_vec(block.trim_ascii()).map_err(Error::Pem)?;
    Ok((label.to_owned(), der))
}

/// Encodes one PEM block the way Go's `pem.EncodeToMemory` does: 64-column base64, LF endings.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .expect("PEM labels used here are valid")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_type_signs_and_verifies() {
        for spec in [KeySpec::EcdsaP256, KeySpec::Ed25519, KeySpec::Rsa(2048)] {
            let key = PrivateKey::generate(spec).unwrap();
            let public = key.public_key();
            let sig = key.sign(b"payload").unwrap();
            public.verify(b"payload", &sig).unwrap();
            let err = public.verify(b"payload!", &sig).unwrap_err();
            assert!(matches!(err, Error::BadSignature { .. }), "{spec:?}: {err}");
            let der = key.to_pkcs8_der().unwrap();
            let again = PrivateKey::from_pkcs8_der(&der).unwrap();
            assert_eq!(again.public_key(), public);
            let pem = public.to_pem();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            assert_eq!(PublicKey::from_pem(pem.as_bytes()).unwrap(), public);
            assert_eq!(public.fingerprint().len(), 64);
        }
    }

    /// Go's `ecdsa.VerifyASN1` accepts both S and n - S, and cosign signatures carry either.
    #[test]
    fn ecdsa_signatures_with_high_s_verify() {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let der = key.sign(b"m").unwrap();
        let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
        let negated = -*sig.s().as_ref();
        let flipped = p256::ecdsa::Signature::from_scalars(sig.r().to_bytes(), negated.to_bytes()).unwrap();
        assert_ne!(flipped, sig);
        key.public_key()
            .verify(b"m", flipped.to_der().as_bytes())
            .unwrap();
        key.public_key().verify(b"m", &der).unwrap();
    }

    #[test]
    fn ed25519_pkcs8_is_version_1_like_go_writes() {
        let key = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        assert_eq!(der.len(), 48);
        assert_eq!(der[..16], ED25519_PKCS8_V1_PREFIX);
        assert_eq!(
            PrivateKey::from_pkcs8_der(&der).unwrap().public_key(),
            key.public_key()
        );
    }

    #[test]
    fn ed25519_prehashed_signatures_verify_too() {
        let key = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let pure = key.sign_with(b"m", Ed25519Mode::Pure).unwrap();
        let ph = key.sign_with(b"m", Ed25519Mode::Prehashed).unwrap();
        assert_ne!(pure, ph);
        key.public_key().verify(b"m", &pure).unwrap();
        key.public_key().verify(b"m", &ph).unwrap();
        assert!(key.public_key().verify(b"n", &ph).is_err());
    }

    #[test]
    fn malformed_signatures_are_reported_as_such() {
        let ec = PrivateKey::generate(KeySpec::EcdsaP256).unwrap().public_key();
        assert!(matches!(
            ec.verify(b"m", &[0x30, 0x02, 0x01]),
            Err(Error::MalformedSignature {
                algorithm: "ECDSA P-256",
                ..
            })
        ));
        let ed = PrivateKey::generate(KeySpec::Ed25519).unwrap().public_key();
        assert!(matches!(
            ed.verify(b"m", &[0u8; 63]),
            Err(Error::MalformedSignature {
                algorithm: "Ed25519",
                ..
            })
        ));
    }

    /// Keys made with `openssl genpkey` of algorithms cosign does not use for key files.
    #[test]
    fn unsupported_public_keys_are_named() {
        let rsa1024 = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC6XF3H87bmJU9+bGcpMUKsk4Si
XEFCqpK8lvmO7NSuzqJpNx/vcz+1IOful2vqWz/ZBMPR+DMcQKM9in/baBPzHSut
uPCqNyGLRsna0MhR/jjViTmPI4zbpoYMNkIywcKxlVjFjfEf20vQnSTqqui00W1K
GswfD7sk9NILbuA36QIDAQAB
-----END PUBLIC KEY-----
";
        let p384 = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEs5iUI+StE+u0AvPV6HA4D5KYC3JeR54B
yoiuQk9jQbiyHMOG0CJJnNljkGrPGQ9oCAXGDZWgmbQBb7Zywt9QwdMT6zlFmyko
hev40iJ9tKH0oZczCzJWKwXkU+0rn4Q2
-----END PUBLIC KEY-----
";
        let ed448 = "-----BEGIN PUBLIC KEY-----
MEMwBQYDK2VxAzoAnJWsIFBpgQfiBoeeQlCaE/FembhWrwDmhEiHRhAjvrI3jzFX
Ada0+730kotnTrRvEyArri8A/REA
-----END PUBLIC KEY-----
";
        let err = PublicKey::from_pem(rsa1024.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::UnsupportedRsaSize(1024)), "{err}");
        let err = PublicKey::from_pem(p384.as_bytes()).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedAlgorithm(ref m) if m.contains("1.3.132.0.34")),
            "{err}"
        );
        let err = PublicKey::from_pem(ed448.as_bytes()).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedAlgorithm(ref m) if m.contains("1.3.101.113")),
            "{err}"
        );
    }

    #[test]
    fn rsa_sizes_outside_cosign_limits_are_refused() {
        assert!(matches!(
            PrivateKey::generate(KeySpec::Rsa(1024)),
            Err(Error::UnsupportedRsaSize(1024))
        ));
    }

    #[test]
    fn pem_reader_ignores_surrounding_text_and_checks_label() {
        let key = PrivateKey::generate(KeySpec::Ed25519).unwrap().public_key();
        let text = format!("comment line\n{}trailing\n", key.to_pem());
        assert_eq!(PublicKey::from_pem(text.as_bytes()).unwrap(), key);
        let other = pem_encode("CERTIFICATE", key.spki_der());
        assert!(matches!(
            PublicKey::from_pem(other.as_bytes()),
            Err(Error::PemLabel { ref found, .. }) if found == "CERTIFICATE"
        ));
        assert!(matches!(PublicKey::from_pem(b"garbage"), Err(Error::Pem(_))));
    }
}
