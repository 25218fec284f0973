//! The "simple signing" payload cosign signs for a container image, and the containers/image
//! `sigstore-json` file that carries payload and signature outside a registry.
//!
//! cosign writes the payload with Go's `encoding/json`, which gives this exact byte layout
//! (no whitespace; `optional` is `null` when there are no annotations, otherwise an object with
//! sorted keys):
//! ```text
//! {"critical":{"identity":{"docker-reference":"HOST/REPO"},"image":{"docker-manifest-digest":"sha256:HEX"},"type":"cosign container image signature"},"optional":null}
//! ```
//! The identity is the repository without tag or digest. In a registry the payload is the one
//! layer of the `sha256-HEX.sig` manifest, media type [`MEDIA_TYPE`], and the base64 signature
//! sits in the layer annotation [`SIGNATURE_ANNOTATION`].

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::key::PublicKey;

/// The `critical.type` of a cosign image signature.
pub const SIGNATURE_TYPE: &str = "cosign container image signature";
/// Media type of the payload layer in a `.sig` manifest.
pub const MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// First bytes of a containers/image `sigstore-json` signature file (`signature-N` in a `dir:`
/// copy made by skopeo or podman): a zero byte, the format name and a newline.
pub const DIR_SIGNATURE_PREFIX: &[u8] = b"\0sigstore-json\n";

/// A cosign simple-signing payload.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    /// `critical.identity.docker-reference`: the repository, without tag or digest.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`: `sha256:` and 64 lower-case hex digits.
    pub manifest_digest: String,
    /// `optional`: annotations (`cosign sign -a k=v`), `None` when absent or `null`.
    pub optional: Option<BTreeMap<String, Value>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    critical: Critical,
    #[serde(default)]
    optional: Option<BTreeMap<String, Value>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// Checks that `digest` is `sha256:` followed by 64 lower-case hex digits.
pub fn check_digest(digest: &str) -> Result<()> {
    let ok = digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(Error::BadDigest(digest.to_owned()))
    }
}

impl SimpleSigning {
    /// A payload for `docker_reference` (repository without tag) at `manifest_digest`.
    pub fn new(docker_reference: impl Into<String>, manifest_digest: impl Into<String>) -> Result<Self> {
        let manifest_digest = manifest_digest.into();
        check_digest(&manifest_digest)?;
        Ok(SimpleSigning {
            docker_reference: docker_reference.into(),
            manifest_digest,
            optional: None,
        })
    }

    /// The payload bytes, laid out exactly as cosign writes them.
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            critical: Critical {
                identity: Identity {
                    docker_reference: self.docker_reference.clone(),
                },
                image: Image {
                    docker_manifest_digest: self.manifest_digest.clone(),
                },
                kind: SIGNATURE_TYPE.to_owned(),
            },
            optional: self.optional.clone(),
        };
        serde_json::to_vec(&wire).expect("serializing plain JSON values cannot fail")
    }

    /// Parses payload bytes strictly: no unknown fields in `critical`, the cosign type, a
    /// well-formed digest.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let wire: Wire = serde_json::from_slice(bytes).map_err(Error::SimpleSigningJson)?;
        if wire.critical.kind != SIGNATURE_TYPE {
            return Err(Error::SimpleSigningType(wire.critical.kind));
        }
        check_digest(&wire.critical.image.docker_manifest_digest)?;
        Ok(SimpleSigning {
            docker_reference: wire.critical.identity.docker_reference,
            manifest_digest: wire.critical.image.docker_manifest_digest,
            optional: wire.optional,
        })
    }

    /// Verifies `signature` (raw bytes, not base64) over `payload` with `key`, then parses the
    /// payload. The signature is checked first, so an unsigned payload is never interpreted.
    pub fn verify(key: &PublicKey, payload: &[u8], signature: &[u8]) -> Result<Self> {
        key.verify(payload, signature)?;
        Self::from_json(payload)
    }
}

/// A containers/image `sigstore-json` signature file, as skopeo or podman write it into a `dir:`
/// copy (`signature-1`, ...): [`DIR_SIGNATURE_PREFIX`] then JSON with `mimeType`, the base64
/// `payload` and the layer `annotations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSignature {
    /// The payload's media type, [`MEDIA_TYPE`] for cosign signatures.
    pub mime_type: String,
    /// The payload bytes (decoded from base64).
    pub payload: Vec<u8>,
    /// The layer annotations; the signature is under [`SIGNATURE_ANNOTATION`].
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirWire {
    mime_type: String,
    payload: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

impl DirSignature {
    /// Parses a `sigstore-json` signature file.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let json = bytes.strip_prefix(DIR_SIGNATURE_PREFIX).ok_or_else(|| {
            Error::DirSignature("does not start with a zero byte and `sigstore-json`".to_owned())
        })?;
        let wire: DirWire = serde_json::from_slice(json).map_err(Error::SimpleSigningJson)?;
        let payload = STANDARD
            .decode(&wire.payload)
            .map_err(|e| Error::DirSignature(format!("payload is not valid base64: {e}")))?;
        Ok(DirSignature {
            mime_type: wire.mime_type,
            payload,
            annotations: wire.annotations,
        })
    }

    /// The raw signature bytes from the [`SIGNATURE_ANNOTATION`] annotation.
    pub fn signature(&self) -> Result<Vec<u8>> {
        let b64 = self
            .annotations
            .get(SIGNATURE_ANNOTATION)
            .ok_or_else(|| Error::DirSignature(format!("no `{SIGNATURE_ANNOTATION}` annotation")))?;
        STANDARD
            .decode(b64)
            .map_err(|e| Error::DirSignature(format!("signature annotation is not valid base64: {e}")))
    }

    /// Verifies the signature with `key` and returns the parsed payload.
    pub fn verify(&self, key: &PublicKey) -> Result<SimpleSigning> {
        if self.mime_type != MEDIA_TYPE {
            return Err(Error::DirSignature(format!(
                "media type `{}` is not `{MEDIA_TYPE}`",
                self.mime_type
            )));
        }
        SimpleSigning::verify(key, &self.payload, &self.signature()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:a647a7dbdfb41b0d8e4f658bbc900a35e4eaed2e137c8700b8c14540ee423310";

    #[test]
    fn layout_without_annotations_is_cosigns() {
        let p = SimpleSigning::new("127.0.0.1:5000/demo/tiny", DIGEST).unwrap();
        assert_eq!(
            String::from_utf8(p.to_json()).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"127.0.0.1:5000/demo/tiny"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        assert_eq!(SimpleSigning::from_json(&p.to_json()).unwrap(), p);
    }

    #[test]
    fn strict_parse() {
        let good = SimpleSigning::new("r", DIGEST).unwrap().to_json();
        let text = String::from_utf8(good).unwrap();
        let other_type = text.replace(SIGNATURE_TYPE, "atomic container signature");
        assert!(matches!(
            SimpleSigning::from_json(other_type.as_bytes()),
            Err(Error::SimpleSigningType(t)) if t == "atomic container signature"
        ));
        for bad in ["sha256:A647", "sha512:a647", "sha256:zz", &DIGEST.to_uppercase()] {
            let t = text.replace(DIGEST, bad);
            assert!(
                matches!(SimpleSigning::from_json(t.as_bytes()), Err(Error::BadDigest(_))),
                "{bad}"
            );
        }
        let extra = text.replace(r#""type""#, r#""extra":1,"type""#);
        assert!(matches!(
            SimpleSigning::from_json(extra.as_bytes()),
            Err(Error::SimpleSigningJson(_))
        ));
        assert!(matches!(
            SimpleSigning::from_json(b"{}"),
            Err(Error::SimpleSigningJson(_))
        ));
        assert!(matches!(
            SimpleSigning::new("r", "sha256:00"),
            Err(Error::BadDigest(_))
        ));
    }
}
