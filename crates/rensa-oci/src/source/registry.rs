//! Images in a registry (Registry HTTP API v2 / OCI distribution).
//!
//! Opening an image fetches its manifest (resolving an index or manifest list by platform) and config,
//! checking each against its digest; layers are streamed from the registry when the walk asks for them,
//! through a [`VerifyingReader`] that fails at the end of a blob whose content does not match its digest.
//! Authentication follows the registry's `WWW-Authenticate` challenge: basic, or a bearer token from the
//! token server it names (see [`auth`]).
//!
//! [`Repository`] is the client underneath: it reads manifests and blobs of one repository and writes
//! them (blob uploads, manifest pushes) for signing and attesting.

pub mod auth;
mod client;
mod repository;

use std::io::Read;
use std::path::PathBuf;

use crate::digest::{Digest, VerifyingReader};
use crate::error::{Error, Result};
use crate::image::{Image, ImageSource, LayerData, SourceKind};
use crate::reference::RegistryRef;
use crate::source::layout::{descriptor_digest, manifest_layers, pick_platform};
use crate::source::{OpenOptions, parse_json, read_verified};
use crate::spec::{ImageConfig, Index, Manifest, media_type};

pub use self::client::{DEFAULT_TIMEOUT_SECS, api_host};
pub use self::repository::{RegistryManifest, Repository};

use self::repository::Lookup;

/// The manifest media types asked for, in the `Accept` header of manifest requests.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// How deep indexes may nest (an index of indexes of manifests is already unusual).
const MAX_INDEX_DEPTH: usize = 3;

/// How to connect to registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Use plain HTTP instead of HTTPS.
    pub insecure: bool,
    /// Extra CA certificates (PEM) to trust.
    pub ca_file: Option<std::path::PathBuf>,
    /// User name for basic or token auth.
    pub username: Option<String>,
    /// Password for basic or token auth.
    pub password: Option<String>,
    /// Per-request timeout in seconds (0 = default).
    pub timeout_secs: u64,
    /// The credential file (`auths` format) to use when no user name is given (`None`: search
    /// `$REGISTRY_AUTH_FILE`, containers `auth.json`, then Docker's `config.json`).
    pub auth_file: Option<PathBuf>,
}

/// An image pulled (manifest and config) from a registry; layers are streamed on demand.
pub struct RegistrySource {
    image: Image,
    repository: Repository,
}

impl RegistrySource {
    /// Resolves a registry reference (tag or digest, platform) to an image.
    pub fn open(reference: &RegistryRef, options: &OpenOptions) -> Result<Self> {
        let repository = Repository::open(reference, &options.registry)?;
        let location = repository.location().to_string();
        let mut source = RegistrySource {
            image: placeholder(reference),
            repository,
        };
        let mut fetched = source.fetch_manifest(&reference.reference())?;
        let mut depth = 0;
        while media_type::is_index(&fetched.media_type) {
            depth += 1;
            if depth > MAX_INDEX_DEPTH {
                return Err(Error::malformed(&location, "image indexes nested too deeply"));
            }
            let what = format!("{}: index {}", location, fetched.digest);
            let index: Index = parse_json(&fetched.data, &what)?;
            let chosen = pick_platform(&index.manifests, &options.platform, &location)?;
            let digest = descriptor_digest(chosen, &location)?;
            fetched = source.fetch_manifest(&digest.to_string())?;
        }
        if !media_type::is_manifest(&fetched.media_type) {
            return Err(Error::UnsupportedMediaType {
                location: location.clone(),
                media_type: fetched.media_type,
            });
        }
        let what = format!("{}: manifest {}", location, fetched.digest);
        let manifest: Manifest = parse_json(&fetched.data, &what)?;
        let config_digest = descriptor_digest(&manifest.config, &location)?;
        let config_mt = &manifest.config.media_type;
        if !(config_mt.is_empty()
            || config_mt == media_type::OCI_CONFIG
            || config_mt == media_type::DOCKER_CONFIG)
        {
            return Err(Error::UnsupportedMediaType {
                location: location.clone(),
                media_type: config_mt.clone(),
            });
        }
        let size = u64::try_from(manifest.config.size).ok().filter(|s| *s > 0);
        let reader = source.open_blob(&config_digest, "config")?;
        let data = read_verified(reader, &config_digest, size, &location)?;
        let config: ImageConfig = parse_json(&data, &format!("{}: config {config_digest}", location))?;
        let layers = manifest_layers(&manifest, &config, &location)?;
        source.image = Image {
            manifest_digest: Some(fetched.digest),
            config_digest: Some(config_digest),
            config,
            layers,
            ..source.image
        };
        Ok(source)
    }

    /// Fetches a manifest or index by tag or digest, checking its digest (see [`Repository::manifest`]);
    /// a 404 is an error.
    fn fetch_manifest(&self, reference: &str) -> Result<RegistryManifest> {
        match self.repository.lookup_manifest(reference)? {
            Lookup::Found(m) => Ok(m),
            Lookup::NotFound(e) => Err(e),
        }
    }

    /// Opens a blob for reading; `what` names it for messages. The caller verifies the content.
    fn open_blob(&self, digest: &Digest, what: &str) -> Result<Box<dyn Read + Send + 'static>> {
        let (response, _) = self.repository.blob_response(digest, &format!("{what} blob"))?;
        Ok(self.repository.blob_reader(response))
    }
}

/// A blob body whose transport errors (timeouts, dropped connections) name the registry.
struct BlobReader<R> {
    inner: R,
    registry: String,
    timeout_secs: u64,
}

impl<R: Read> Read for BlobReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                || e.get_ref()
                    .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                    .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)));
            let message = if timed_out {
                format!(
                    "registry {}: no data for {} s (timed out)",
                    self.registry, self.timeout_secs
                )
            } else {
                format!("registry {}: {e}", self.registry)
            };
            std::io::Error::new(e.kind(), message)
        })
    }
}

/// The image before its manifest is read: name and tag only.
fn placeholder(reference: &RegistryRef) -> Image {
    Image {
        name: reference.to_string(),
        kind: SourceKind::Registry,
        manifest_digest: None,
        config_digest: None,
        tags: reference.tag.iter().cloned().collect(),
        config: ImageConfig::default(),
        layers: Vec::new(),
    }
}

/// The media type of a manifest-like document: its own `mediaType`, else a known `Content-Type`, else
/// a guess from its shape (`manifests` → index, `config` → manifest).
fn manifest_media_type(data: &[u8], content_type: &str) -> String {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        config: Option<serde_json::Value>,
    }
    let probe = serde_json::from_slice::<Probe>(data).ok();
    if let Some(mt) = probe
        .as_ref()
        .and_then(|p| p.media_type.clone())
        .filter(|m| !m.is_empty())
    {
        return mt;
    }
    let content_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type::is_index(content_type) || media_type::is_manifest(content_type) {
        return content_type.to_string();
    }
    match probe {
        Some(Probe {
            manifests: Some(_), ..
        }) => media_type::OCI_INDEX.to_string(),
        Some(Probe { config: Some(_), .. }) => media_type::OCI_MANIFEST.to_string(),
        _ => content_type.to_string(),
    }
}

impl ImageSource for RegistrySource {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, index: usize) -> Result<LayerData<'_>> {
        let layer = self.image.layers.get(index).ok_or_else(|| {
            Error::malformed(
                self.repository.location(),
                format!("no layer {index} (the image has {})", self.image.layers.len()),
            )
        })?;
        let digest = layer.digest.as_ref().ok_or_else(|| {
            Error::malformed(self.repository.location(), format!("layer {index} has no digest"))
        })?;
        let reader = self.open_blob(digest, "layer")?;
        Ok(LayerData::Stream(Box::new(VerifyingReader::new(
            reader,
            digest.clone(),
            layer.size,
        ))))
    }
    fn location(&self) -> &str {
        self.repository.location()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_sources() {
        let oci =
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{}}"#;
        assert_eq!(
            manifest_media_type(oci, "application/json"),
            media_type::OCI_MANIFEST
        );
        let bare_index = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(
            manifest_media_type(bare_index, media_type::DOCKER_LIST),
            media_type::DOCKER_LIST
        );
        assert_eq!(
            manifest_media_type(bare_index, "application/json"),
            media_type::OCI_INDEX
        );
        let bare_manifest = br#"{"schemaVersion":2,"config":{},"layers":[]}"#;
        assert_eq!(manifest_media_type(bare_manifest, ""), media_type::OCI_MANIFEST);
        let schema1 = br#"{"schemaVersion":1,"fsLayers":[]}"#;
        assert_eq!(
            manifest_media_type(
                schema1,
                "application/vnd.docker.distribution.manifest.v1+prettyjws"
            ),
            "application/vnd.docker.distribution.manifest.v1+prettyjws"
        );
    }
}
