//! Where cosign keeps signatures and attestations in a registry, and the manifests that hold them.
//!
//! For an image `REPO@sha256:HEX`, cosign stores
//! - signatures under the tag `sha256-HEX.sig`: an OCI image manifest with one layer per signature;
//!   the layer (media type [`SIGNATURE_LAYER_MEDIA_TYPE`]) is the signed simple-signing payload and its
//!   annotation [`SIGNATURE_ANNOTATION`] the base64 signature;
//! - attestations under `sha256-HEX.att`: one layer per attestation, the DSSE envelope itself (media
//!   type [`DSSE_LAYER_MEDIA_TYPE`]), annotated with its `predicateType` (and an empty signature
//!   annotation, as cosign writes it).
//!
//! The manifest's config is the minimal image config cosign writes (`rootfs.diff_ids` listing the
//! layers). New signatures are appended: [`append`] never drops or reorders what is there, and adding a
//! layer that is already present changes nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
pub use crate::simplesigning::{MEDIA_TYPE as SIGNATURE_LAYER_MEDIA_TYPE, SIGNATURE_ANNOTATION};

/// The media type of an attestation layer: a DSSE envelope.
pub const DSSE_LAYER_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The annotation naming an attestation layer's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// The media type of the manifests cosign writes.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of their config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";

/// Which attachment of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// Signatures: tag suffix `.sig`.
    Signatures,
    /// Attestations: tag suffix `.att`.
    Attestations,
}

impl Attachment {
    /// The tag suffix (`sig` or `att`).
    pub fn suffix(self) -> &'static str {
        match self {
            Attachment::Signatures => "sig",
            Attachment::Attestations => "att",
        }
    }

    /// The tag for the image with manifest digest `digest` (`sha256:HEX` → `sha256-HEX.sig`).
    pub fn tag(self, digest: &str) -> Result<String> {
        crate::simplesigning::check_digest(digest)?;
        Ok(format!("{}.{}", digest.replacen(':', "-", 1), self.suffix()))
    }
}

/// One layer of a signature or attestation manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// The layer's media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// `sha256:HEX` of its content.
    pub digest: String,
    /// Its annotations (the signature, the predicate type).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Layer {
    /// A signature layer: `payload` signed with `signature` (raw bytes; stored base64).
    pub fn signature(payload: &[u8], signature: &[u8]) -> Layer {
        use base64::Engine as _;
        Layer {
            media_type: SIGNATURE_LAYER_MEDIA_TYPE.to_owned(),
            size: payload.len() as u64,
            digest: sha256_digest(payload),
            annotations: BTreeMap::from([(
                SIGNATURE_ANNOTATION.to_owned(),
                base64::engine::general_purpose::STANDARD.encode(signature),
            )]),
        }
    }

    /// An attestation layer for the DSSE envelope `envelope` (its JSON bytes) of `predicate_type`.
    pub fn attestation(envelope: &[u8], predicate_type: &str) -> Layer {
        Layer {
            media_type: DSSE_LAYER_MEDIA_TYPE.to_owned(),
            size: envelope.len() as u64,
            digest: sha256_digest(envelope),
            annotations: BTreeMap::from([
                (SIGNATURE_ANNOTATION.to_owned(), String::new()),
                (PREDICATE_TYPE_ANNOTATION.to_owned(), predicate_type.to_owned()),
            ]),
        }
    }

    /// The decoded signature annotation of a signature layer.
    pub fn signature_bytes(&self) -> Result<Vec<u8>> {
        use base64::Engine as _;
        let text = self.annotations.get(SIGNATURE_ANNOTATION).ok_or_else(|| {
            Error::CosignManifest(format!(
                "layer {} has no {SIGNATURE_ANNOTATION} annotation",
                self.digest
            ))
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| {
                Error::CosignManifest(format!(
                    "layer {}: signature annotation is not base64: {e}",
                    self.digest
                ))
            })
    }
}

/// `sha256:HEX` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

#[derive(Serialize, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType")]
    media_type: String,
    size: u64,
    digest: String,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Layer>,
}

#[derive(Serialize)]
struct History {
    created: &'static str,
}

#[derive(Serialize)]
struct RootFs<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<&'a str>,
}

#[derive(Serialize)]
struct Config<'a> {
    architecture: &'static str,
    created: &'static str,
    history: Vec<History>,
    os: &'static str,
    rootfs: RootFs<'a>,
    config: BTreeMap<String, String>,
}

/// The layers of a signature or attestation manifest (as cosign, skopeo or rensa wrote it).
pub fn layers(manifest: &[u8]) -> Result<Vec<Layer>> {
    let m: Manifest = serde_json::from_slice(manifest)
        .map_err(|e| Error::CosignManifest(format!("not an image manifest: {e}")))?;
    if m.schema_version != 2 {
        return Err(Error::CosignManifest(format!(
            "schemaVersion {} (expected 2)",
            m.schema_version
        )));
    }
    Ok(m.layers)
}

/// What to upload for a new signature or attestation: the config blob, then the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// The config blob the manifest names.
    pub config: Vec<u8>,
    /// The manifest (media type [`MANIFEST_MEDIA_TYPE`]).
    pub manifest: Vec<u8>,
}

/// The manifest holding the layers of `existing` (the current manifest under the tag, if any) plus
/// `layer`; `None` when `existing` already holds exactly that layer (nothing to write).
pub fn append(existing: Option<&[u8]>, layer: Layer) -> Result<Option<Updated>> {
    let mut all = match existing {
        Some(m) => layers(m)?,
        None => Vec::new(),
    };
    if all.contains(&layer) {
        return Ok(None);
    }
    all.push(layer);
    let config = serde_json::to_vec(&Config {
        architecture: "",
        created: "0001-01-01T00:00:00Z",
        history: all
            .iter()
            .map(|_| History {
                created: "0001-01-01T00:00:00Z",
            })
            .collect(),
        os: "",
        rootfs: RootFs {
            kind: "layers",
            diff_ids: all.iter().map(|l| l.digest.as_str()).collect(),
        },
        config: BTreeMap::new(),
    })
    .expect("plain values serialize");
    let manifest = serde_json::to_vec(&Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        config: Descriptor {
            media_type: CONFIG_MEDIA_TYPE.to_owned(),
            size: config.len() as u64,
            digest: sha256_digest(&config),
        },
        layers: all,
    })
    .expect("plain values serialize");
    Ok(Some(Updated { config, manifest }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/cosign")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn tags() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            Attachment::Signatures.tag(&d).unwrap(),
            format!("sha256-{}.sig", "ab".repeat(32))
        );
        assert_eq!(
            Attachment::Attestations.tag(&d).unwrap(),
            format!("sha256-{}.att", "ab".repeat(32))
        );
        assert!(Attachment::Signatures.tag("sha256:zz").is_err());
    }

    /// The manifest and config cosign wrote for one signature are reproduced byte for byte.
    #[test]
    fn one_signature_is_what_cosign_writes() {
        let payload = shared("simplesigning-payload.json");
        let signature = shared("signature.der");
        let updated = append(None, Layer::signature(&payload, &signature))
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(updated.config).unwrap(),
            String::from_utf8(shared("sig-config.json")).unwrap()
        );
        assert_eq!(
            String::from_utf8(updated.manifest).unwrap(),
            String::from_utf8(shared("sig-manifest.json")).unwrap()
        );
    }

    #[test]
    fn appending_keeps_what_is_there_and_is_idempotent() {
        // skopeo's copy (other field order, other config) is read, and its layer kept as it is.
        let copied = shared("sig-manifest.skopeo-copied.json");
        let existing = layers(&copied).unwrap();
        assert_eq!(existing.len(), 1);
        let same = Layer::signature(&shared("simplesigning-payload.json"), &shared("signature.der"));
        assert_eq!(existing[0], same);
        assert_eq!(append(Some(&copied), same).unwrap(), None);

        let other = Layer::signature(b"{}", b"sig");
        let updated = append(Some(&copied), other.clone()).unwrap().unwrap();
        let now = layers(&updated.manifest).unwrap();
        assert_eq!(now, vec![existing[0].clone(), other]);
        let config: serde_json::Value = serde_json::from_slice(&updated.config).unwrap();
        assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
        assert_eq!(config["history"].as_array().unwrap().len(), 2);
        assert_eq!(now[1].signature_bytes().unwrap(), b"sig");
    }

    #[test]
    fn attestation_layers() {
        let l = Layer::attestation(
            b"{\"payloadType\":\"x\"}",
            "https://rensa.dev/attestation/stage/v1",
        );
        assert_eq!(l.media_type, DSSE_LAYER_MEDIA_TYPE);
        assert_eq!(
            l.annotations[PREDICATE_TYPE_ANNOTATION],
            "https://rensa.dev/attestation/stage/v1"
        );
        assert_eq!(l.annotations[SIGNATURE_ANNOTATION], "");
    }

    #[test]
    fn bad_manifests() {
        assert!(matches!(layers(b"{"), Err(Error::CosignManifest(_))));
        assert!(matches!(
            layers(br#"{"schemaVersion":1,"config":{"mediaType":"x","size":1,"digest":"d"}}"#),
            Err(Error::CosignManifest(_))
        ));
        let mut l = Layer::signature(b"p", b"s");
        l.annotations.insert(SIGNATURE_ANNOTATION.into(), "***".into());
        assert!(matches!(l.signature_bytes(), Err(Error::CosignManifest(_))));
    }
}
