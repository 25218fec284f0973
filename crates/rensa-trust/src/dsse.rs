//! DSSE (Dead Simple Signing Envelope) v1: the envelope cosign and in-toto use for attestations.
//!
//! ```text
//! {"payloadType":"application/vnd.in-toto+json","payload":BASE64,"signatures":[{"keyid":"","sig":BASE64}]}
//! ```
//! Signatures are over the pre-authentication encoding [`pae`], never over the payload alone.
//! Envelopes are written with standard padded base64; standard and URL-safe, padded or not, are
//! read, as the DSSE specification allows.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::key::{PrivateKey, PublicKey};

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

fn decode_b64(field: impl FnOnce() -> String, text: &str) -> Result<Vec<u8>> {
    STANDARD_LENIENT
        .decode(text)
        .or_else(|first| URL_SAFE_LENIENT.decode(text).map_err(|_| first))
        .map_err(|source| Error::DsseBase64 {
            field: field(),
            source,
        })
}

/// The DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The optional, unauthenticated key hint (`""` when absent).
    pub keyid: String,
    /// The raw signature bytes over [`pae`].
    pub sig: Vec<u8>,
}

/// A DSSE envelope with its payload and signatures decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The type of the payload, e.g. [`crate::intoto::PAYLOAD_TYPE`].
    pub payload_type: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The signatures.
    pub signatures: Vec<Signature>,
}

/// What [`Envelope::verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The payload that the signature covers.
    pub payload: &'a [u8],
    /// Index in [`Envelope::signatures`] of the first signature that verified.
    pub signature_index: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Serialize, Deserialize)]
struct WireSignature {
    #[serde(default)]
    keyid: String,
    sig: String,
}

impl Envelope {
    /// Signs `payload` of type `payload_type` with `key`; `keyid` is the unauthenticated key hint
    /// (cosign writes `""`).
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &PrivateKey, keyid: &str) -> Result<Self> {
        let mut envelope = Envelope {
            payload_type: payload_type.to_owned(),
            payload,
            signatures: Vec::new(),
        };
        envelope.add_signature(key, keyid)?;
        Ok(envelope)
    }

    /// Adds one more signature (for multi-signer envelopes).
    pub fn add_signature(&mut self, key: &PrivateKey, keyid: &str) -> Result<()> {
        let sig = key.sign(&pae(&self.payload_type, &self.payload))?;
        self.signatures.push(Signature {
            keyid: keyid.to_owned(),
            sig,
        });
        Ok(())
    }

    /// Parses envelope JSON; reports bad JSON and bad base64 (naming the field) separately.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let wire: Wire = serde_json::from_slice(bytes).map_err(Error::DsseJson)?;
        let payload = decode_b64(|| "payload".to_owned(), &wire.payload)?;
        let signatures = wire
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(Signature {
                    sig: decode_b64(|| format!("signatures[{i}].sig"), &s.sig)?,
                    keyid: s.keyid,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Envelope {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// The envelope JSON (standard padded base64, fields in the order of the specification).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            payload_type: self.payload_type.clone(),
            payload: STANDARD.encode(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        };
        serde_json::to_vec(&wire).expect("serializing plain JSON values cannot fail")
    }

    /// Checks that the payload type is `expected_payload_type` and that at least one signature
    /// verifies with `key` over [`pae`]. Only then may the payload be trusted.
    pub fn verify<'a>(&'a self, key: &PublicKey, expected_payload_type: &str) -> Result<Verified<'a>> {
        if self.payload_type != expected_payload_type {
            return Err(Error::DssePayloadType {
                found: self.payload_type.clone(),
                expected: expected_payload_type.to_owned(),
            });
        }
        if self.signatures.is_empty() {
            return Err(Error::DsseNoSignatures);
        }
        let message = pae(&self.payload_type, &self.payload);
        for (index, signature) in self.signatures.iter().enumerate() {
            if key.verify(&message, &signature.sig).is_ok() {
                return Ok(Verified {
                    payload: &self.payload,
                    signature_index: index,
                });
            }
        }
        Err(Error::DsseNoValidSignature {
            key_id: key.fingerprint(),
            tried: self.signatures.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeySpec;

    /// The example from the DSSE specification's protocol document.
    #[test]
    fn pae_matches_the_specification_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_serialize_parse_verify() {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let env = Envelope::sign("text/plain", b"hi".to_vec(), &key, "k1").unwrap();
        let json = env.to_json();
        assert!(String::from_utf8_lossy(&json).starts_with(
            r#"{"payloadType":"text/plain","payload":"aGk=","signatures":[{"keyid":"k1","sig":""#
        ));
        let back = Envelope::from_json(&json).unwrap();
        assert_eq!(back, env);
        let v = back.verify(&key.public_key(), "text/plain").unwrap();
        assert_eq!((v.payload, v.signature_index), (&b"hi"[..], 0));
    }

    #[test]
    fn verification_failures_are_specific() {
        let key = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let other = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let mut env = Envelope::sign("a/b", b"x".to_vec(), &key, "").unwrap();
        assert!(matches!(
            env.verify(&key.public_key(), "c/d"),
            Err(Error::DssePayloadType { ref found, ref expected }) if found == "a/b" && expected == "c/d"
        ));
        assert!(matches!(
            env.verify(&other.public_key(), "a/b"),
            Err(Error::DsseNoValidSignature { tried: 1, .. })
        ));
        env.add_signature(&other, "").unwrap();
        assert_eq!(env.verify(&other.public_key(), "a/b").unwrap().signature_index, 1);
        env.payload = b"y".to_vec();
        assert!(matches!(
            env.verify(&key.public_key(), "a/b"),
            Err(Error::DsseNoValidSignature { tried: 2, .. })
        ));
        env.signatures.clear();
        assert!(matches!(
            env.verify(&key.public_key(), "a/b"),
            Err(Error::DsseNoSignatures)
        ));
    }

    #[test]
    fn malformed_envelopes_are_reported_precisely() {
        assert!(matches!(Envelope::from_json(b"{"), Err(Error::DsseJson(_))));
        assert!(matches!(
            Envelope::from_json(br#"{"payload":"aGk=","signatures":[]}"#),
            Err(Error::DsseJson(_))
        ));
        let bad_payload = br#"{"payloadType":"t","payload":"a$k=","signatures":[]}"#;
        assert!(matches!(
            Envelope::from_json(bad_payload),
            Err(Error::DsseBase64 { ref field, .. }) if field == "payload"
        ));
        let bad_sig =
            br#"{"payloadType":"t","payload":"aGk","signatures":[{"sig":"AAAA"},{"keyid":"x","sig":"!!"}]}"#;
        assert!(matches!(
            Envelope::from_json(bad_sig),
            Err(Error::DsseBase64 { ref field, .. }) if field == "signatures[1].sig"
        ));
        let url_safe = br#"{"payloadType":"t","payload":"-_8","signatures":[]}"#;
        assert_eq!(Envelope::from_json(url_safe).unwrap().payload, vec![0xfb, 0xff]);
    }
}
