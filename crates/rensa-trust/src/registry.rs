//! Reading what vouches for an image from its registry (cargo feature `registry`): the manifest
//! digest a reference resolves to, the cosign signatures (`sha256-HEX.sig`) and attestations
//! (`sha256-HEX.att`) stored beside it as unverified [`Evidence`], and the image's build time from
//! its config. [`Policy::evaluate`](crate::policy::Policy::evaluate) then decides.
//!
//! Layers that cannot be read are reported as warnings and never count as evidence; registry and
//! network errors are errors, so a caller that must decide fails closed.

use rensa_oci::{Digest, RegistryManifest, RegistryOptions, RegistryRef, Repository};

use crate::cosign::{self, Attachment};
use crate::dsse::Envelope;
use crate::policy::{Evidence, ImageName, SignatureBlob};
use crate::predicate::Timestamp;
use crate::{Error, Result};

/// The largest signature or attestation layer read (bytes).
pub const MAX_ATTACHMENT_BYTES: u64 = 16 << 20;
/// The largest image config read for its build time (bytes).
pub const MAX_CONFIG_BYTES: u64 = 8 << 20;

/// An image in a registry, resolved to its manifest digest.
pub struct Resolved {
    /// The repository client.
    pub repo: Repository,
    /// `HOST[:PORT]/REPO`: the identity signatures name.
    pub name: ImageName,
    /// `sha256:HEX` of the manifest (or index) the reference names.
    pub digest: String,
    /// The manifest (or index) itself.
    pub manifest: RegistryManifest,
}

/// Resolves `image` (`[docker://]HOST/REPO[:TAG][@DIGEST]`; no tag and no digest means `latest`).
pub fn resolve(image: &str, options: &RegistryOptions) -> Result<Resolved> {
    let text = image.strip_prefix("docker://").unwrap_or(image);
    let bad = |message: &str| Error::Image {
        image: image.to_owned(),
        message: message.to_owned(),
    };
    let reference = RegistryRef::parse(text).map_err(|_| bad("not a registry reference"))?;
    let name = ImageName::parse(text).ok_or_else(|| bad("not a registry reference"))?;
    let repo = Repository::open(&reference, options)?;
    let wanted = match (&reference.digest, &reference.tag) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.clone(),
        (None, None) => "latest".to_owned(),
    };
    let manifest = repo
        .manifest(&wanted)?
        .ok_or_else(|| bad("no such image in the registry"))?;
    Ok(Resolved {
        repo,
        name,
        digest: manifest.digest.to_string(),
        manifest,
    })
}

/// Every signature and attestation stored for the image, unverified, with warnings for layers that
/// could not be read.
pub fn evidence(r: &Resolved) -> Result<(Evidence, Vec<String>)> {
    let mut evidence = Evidence::default();
    let mut warnings = Vec::new();
    for kind in [Attachment::Signatures, Attachment::Attestations] {
        let tag = kind.tag(&r.digest)?;
        let Some(manifest) = r.repo.manifest(&tag)? else {
            continue;
        };
        let layers = match cosign::layers(&manifest.data) {
            Ok(l) => l,
            Err(e) => {
                warnings.push(format!("{tag}: {e}"));
                continue;
            }
        };
        for layer in layers {
            let digest = match layer.digest.parse::<Digest>() {
                Ok(d) => d,
                Err(e) => {
                    warnings.push(format!("{tag}: layer {}: {e}", layer.digest));
                    continue;
                }
            };
            let content = r.repo.blob(&digest, MAX_ATTACHMENT_BYTES)?;
            match kind {
                Attachment::Signatures if layer.media_type == cosign::SIGNATURE_LAYER_MEDIA_TYPE => {
                    match layer.signature_bytes() {
                        Ok(signature) => evidence.signatures.push(SignatureBlob {
                            payload: content,
                            signature,
                        }),
                        Err(e) => warnings.push(format!("{tag}: {e}")),
                    }
                }
                Attachment::Attestations if layer.media_type == cosign::DSSE_LAYER_MEDIA_TYPE => {
                    match Envelope::from_json(&content) {
                        Ok(env) => evidence.attestations.push(env),
                        Err(e) => warnings.push(format!("{tag}: layer {}: {e}", layer.digest)),
                    }
                }
                _ => warnings.push(format!(
                    "{tag}: layer {} has media type {} (skipped)",
                    layer.digest, layer.media_type
                )),
            }
        }
    }
    Ok((evidence, warnings))
}

/// The image's build time: the `created` field of its config. For an index, the config of the
/// first `linux/amd64` manifest (else the first manifest) is read. `None` when the config has no
/// (or no readable) `created`.
pub fn created(r: &Resolved) -> Result<Option<Timestamp>> {
    let bad = |message: String| Error::Image {
        image: format!("{}@{}", r.name.full(), r.digest),
        message,
    };
    let parse = |data: &[u8]| -> Result<serde_json::Value> {
        serde_json::from_slice(data).map_err(|e| bad(format!("manifest is not JSON: {e}")))
    };
    let mut manifest = parse(&r.manifest.data)?;
    if let Some(list) = manifest.get("manifests").and_then(|m| m.as_array()) {
        let is_amd64 = |m: &&serde_json::Value| {
            let p = m.get("platform");
            p.and_then(|p| p.get("os")).and_then(|v| v.as_str()) == Some("linux")
                && p.and_then(|p| p.get("architecture")).and_then(|v| v.as_str()) == Some("amd64")
        };
        let chosen = list
            .iter()
            .find(is_amd64)
            .or(list.first())
            .ok_or_else(|| bad("the index lists no manifests".into()))?;
        let digest = chosen
            .get("digest")
            .and_then(|d| d.as_str())
            .ok_or_else(|| bad("an index entry has no digest".into()))?;
        let child = r.repo.manifest(digest)?.ok_or_else(|| {
            bad(format!(
                "the index names {digest}, which the registry does not have"
            ))
        })?;
        manifest = parse(&child.data)?;
    }
    let config = manifest
        .get("config")
        .and_then(|c| c.get("digest"))
        .and_then(|d| d.as_str())
        .ok_or_else(|| bad("the manifest names no config".into()))?;
    let config: Digest = config
        .parse()
        .map_err(|e| bad(format!("config digest {config}: {e}")))?;
    let data = r.repo.blob(&config, MAX_CONFIG_BYTES)?;
    let value: serde_json::Value =
        serde_json::from_slice(&data).map_err(|e| bad(format!("image config is not JSON: {e}")))?;
    Ok(value
        .get("created")
        .and_then(|c| c.as_str())
        .and_then(|c| Timestamp::parse(c).ok()))
}
