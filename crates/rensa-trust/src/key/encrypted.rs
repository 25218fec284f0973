//! cosign's encrypted private key file: a PEM block whose body is JSON naming the scrypt
//! parameters and salt, the secretbox nonce, and the sealed PKCS#8 DER private key.
//!
//! ```text
//! -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
//! base64({"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
//!         "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64})
//! -----END ENCRYPTED SIGSTORE PRIVATE KEY-----
//! ```
//! The key for the secretbox is scrypt(password, salt, N, r, p) with 32 bytes of output. The JSON
//! is written with the field order above (Go's `encoding/json` on cosign's structs).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::secretbox;
use crate::error::{Error, Result};

/// PEM label cosign has written since v2 (`cosign generate-key-pair`).
pub const SIGSTORE_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label of keys written by cosign v1; still read by cosign and by this crate.
pub const COSIGN_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

const KDF_SCRYPT: &str = "scrypt";
const CIPHER_SECRETBOX: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;

/// Which PEM label an encrypted private key is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PemLabel {
    /// `ENCRYPTED SIGSTORE PRIVATE KEY`, what cosign writes today.
    #[default]
    Sigstore,
    /// `ENCRYPTED COSIGN PRIVATE KEY`, what cosign v1 wrote.
    Cosign,
}

impl PemLabel {
    /// The label text.
    pub fn as_str(self) -> &'static str {
        match self {
            PemLabel::Sigstore => SIGSTORE_LABEL,
            PemLabel::Cosign => COSIGN_LABEL,
        }
    }
}

/// The scrypt cost levels cosign (go-securesystemslib `encrypted`) accepts; r=8 and p=1 always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScryptCost {
    /// N=32768 (2^15): the only level cosign v1 and early v2 releases can read, hence the default.
    #[default]
    Legacy,
    /// N=65536 (2^16): what cosign writes today.
    Standard,
    /// N=131072 (2^17): the OWASP recommendation.
    Owasp,
}

impl ScryptCost {
    /// The cost parameter N.
    pub fn n(self) -> u64 {
        match self {
            ScryptCost::Legacy => 32768,
            ScryptCost::Standard => 65536,
            ScryptCost::Owasp => 131072,
        }
    }

    fn log_n(self) -> u8 {
        match self {
            ScryptCost::Legacy => 15,
            ScryptCost::Standard => 16,
            ScryptCost::Owasp => 17,
        }
    }

    fn from_params(n: u64, r: u64, p: u64) -> Result<Self> {
        let cost = match n {
            32768 => ScryptCost::Legacy,
            65536 => ScryptCost::Standard,
            131072 => ScryptCost::Owasp,
            _ => return Err(Error::UnsupportedScryptParams { n, r, p }),
        };
        if r != 8 || p != 1 {
            return Err(Error::UnsupportedScryptParams { n, r, p });
        }
        Ok(cost)
    }
}

/// How an encrypted private key file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncryptOptions {
    /// The PEM label.
    pub label: PemLabel,
    /// The scrypt cost.
    pub cost: ScryptCost,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn b64(field: &'static str, text: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|source| Error::EncryptedKeyBase64 { field, source })
}

fn derive_key(password: &[u8], salt: &[u8], cost: ScryptCost) -> Result<Zeroizing<[u8; 32]>> {
    let params = scrypt::Params::new(cost.log_n(), 8, 1).map_err(|e| Error::Crypto {
        operation: "scrypt parameter setup",
        source: Box::new(e),
    })?;
    let mut key = Zeroizing::new([0u8; secretbox::KEY_LEN]);
    scrypt::scrypt(password, salt, &params, &mut key[..]).map_err(|e| Error::Crypto {
        operation: "scrypt",
        source: Box::new(e),
    })?;
    Ok(key)
}

/// A parsed (still sealed) encrypted key file. Parsing checks everything that can be checked
/// without the password, cheaply; [`EncryptedKey::decrypt`] then runs scrypt and opens the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// How the file was written: PEM label and scrypt cost.
    pub options: EncryptOptions,
    salt: Vec<u8>,
    nonce: [u8; secretbox::NONCE_LEN],
    sealed: Vec<u8>,
}

impl EncryptedKey {
    /// Parses the PEM text of a cosign encrypted key file (either label).
    pub fn from_pem(text: &[u8]) -> Result<Self> {
        let (label, body) = super::pem_decode(text)?;
        let label = match label.as_str() {
            SIGSTORE_LABEL => PemLabel::Sigstore,
            COSIGN_LABEL => PemLabel::Cosign,
            _ => {
                return Err(Error::PemLabel {
                    found: label,
                    expected: "`ENCRYPTED SIGSTORE PRIVATE KEY` or `ENCRYPTED COSIGN PRIVATE KEY`",
                });
            }
        };
        Self::from_json(label, &body)
    }

    fn from_json(label: PemLabel, body: &[u8]) -> Result<Self> {
        let file: KeyFile = serde_json::from_slice(body).map_err(Error::EncryptedKeyJson)?;
        if file.kdf.name != KDF_SCRYPT {
            return Err(Error::UnsupportedKdf(file.kdf.name));
        }
        if file.cipher.name != CIPHER_SECRETBOX {
            return Err(Error::UnsupportedCipher(file.cipher.name));
        }
        let cost = ScryptCost::from_params(file.kdf.params.n, file.kdf.params.r, file.kdf.params.p)?;
        let salt = b64("kdf.salt", &file.kdf.salt)?;
        let nonce = b64("cipher.nonce", &file.cipher.nonce)?;
        let nonce: [u8; secretbox::NONCE_LEN] = nonce
            .as_slice()
            .try_into()
            .map_err(|_| Error::BadNonceLength(nonce.len()))?;
        let sealed = b64("ciphertext", &file.ciphertext)?;
        Ok(EncryptedKey {
            options: EncryptOptions { label, cost },
            salt,
            nonce,
            sealed,
        })
    }

    /// Derives the key from `password` with scrypt and opens the box; returns the PKCS#8 DER
    /// private key. [`Error::WrongPassword`] when the box does not open.
    pub fn decrypt(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let key = derive_key(password, &self.salt, self.options.cost)?;
        secretbox::open(&key, &self.nonce, &self.sealed).ok_or(Error::WrongPassword)
    }
}

/// Seals PKCS#8 DER `der` under `password` and returns the PEM text of the key file.
pub(crate) fn encrypt(der: &[u8], password: &[u8], options: EncryptOptions) -> Result<String> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; secretbox::NONCE_LEN];
    getrandom::fill(&mut salt).map_err(Error::Random)?;
    getrandom::fill(&mut nonce).map_err(Error::Random)?;
    let key = derive_key(password, &salt, options.cost)?;
    let sealed = secretbox::seal(&key, &nonce, der);
    let file = KeyFile {
        kdf: Kdf {
            name: KDF_SCRYPT.to_owned(),
            params: ScryptParams {
                n: options.cost.n(),
                r: 8,
                p: 1,
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: CIPHER_SECRETBOX.to_owned(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(sealed),
    };
    let json = serde_json::to_vec(&file).expect("serializing plain JSON values cannot fail");
    Ok(super::pem_encode(options.label.as_str(), &json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decrypt(body: &[u8], password: &[u8]) -> Result<(Zeroizing<Vec<u8>>, ScryptCost)> {
        let key = EncryptedKey::from_json(PemLabel::Sigstore, body)?;
        Ok((key.decrypt(password)?, key.options.cost))
    }

    fn body(kdf: &str, n: u64, r: u64, p: u64, cipher: &str, nonce: &str) -> Vec<u8> {
        format!(
            r#"{{"kdf":{{"name":"{kdf}","params":{{"N":{n},"r":{r},"p":{p}}},"salt":"AAAA"}},"cipher":{{"name":"{cipher}","nonce":"{nonce}"}},"ciphertext":"AAAA"}}"#
        )
        .into_bytes()
    }

    const NONCE: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn rejects_other_kdf_cipher_and_params_before_any_work() {
        let err = decrypt(&body("pbkdf2", 32768, 8, 1, CIPHER_SECRETBOX, NONCE), b"").unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedKdf(ref k) if k == "pbkdf2"),
            "{err}"
        );
        let err = decrypt(&body(KDF_SCRYPT, 32768, 8, 1, "aes-gcm", NONCE), b"").unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedCipher(ref c) if c == "aes-gcm"),
            "{err}"
        );
        for (n, r, p) in [(16384, 8, 1), (1 << 30, 8, 1), (32768, 16, 1), (65536, 8, 2)] {
            let err = decrypt(&body(KDF_SCRYPT, n, r, p, CIPHER_SECRETBOX, NONCE), b"").unwrap_err();
            assert!(
                matches!(err, Error::UnsupportedScryptParams { n: en, r: er, p: ep } if (en, er, ep) == (n, r, p)),
                "{err}"
            );
        }
        let err = decrypt(&body(KDF_SCRYPT, 32768, 8, 1, CIPHER_SECRETBOX, "AAAA"), b"").unwrap_err();
        assert!(matches!(err, Error::BadNonceLength(3)), "{err}");
        let err = decrypt(&body(KDF_SCRYPT, 32768, 8, 1, CIPHER_SECRETBOX, "%%%"), b"").unwrap_err();
        assert!(
            matches!(
                err,
                Error::EncryptedKeyBase64 {
                    field: "cipher.nonce",
                    ..
                }
            ),
            "{err}"
        );
        let err = decrypt(b"{\"kdf\":1}", b"").unwrap_err();
        assert!(matches!(err, Error::EncryptedKeyJson(_)), "{err}");
    }

    #[test]
    fn written_json_has_cosign_field_order() {
        let pem = encrypt(b"not really a key", b"pw", EncryptOptions::default()).unwrap();
        assert_eq!(
            EncryptedKey::from_pem(pem.as_bytes()).unwrap().options,
            EncryptOptions::default()
        );
        let (label, json) = crate::key::pem_decode(pem.as_bytes()).unwrap();
        assert_eq!(label, SIGSTORE_LABEL);
        let json = String::from_utf8(json).unwrap();
        assert!(
            json.starts_with(r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":""#),
            "{json}"
        );
        assert!(
            json.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#),
            "{json}"
        );
        let (der, cost) = decrypt(json.as_bytes(), b"pw").unwrap();
        assert_eq!(der.as_slice(), b"not really a key");
        assert_eq!(cost, ScryptCost::Legacy);
        assert!(matches!(
            decrypt(json.as_bytes(), b"pW"),
            Err(Error::WrongPassword)
        ));
    }
}
