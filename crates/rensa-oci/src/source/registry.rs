//! Images in a registry (Registry HTTP API v2 / OCI distribution).

use crate::error::{Error, Result};
use crate::image::{Image, ImageSource, LayerData};
use crate::reference::RegistryRef;
use crate::source::OpenOptions;

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
}

/// An image pulled (manifest and config) from a registry; layers are streamed on demand.
pub struct RegistrySource {
    image: Image,
    location: String,
}

impl RegistrySource {
    /// Resolves a registry reference (tag or digest, platform) to an image.
    pub fn open(reference: &RegistryRef, _options: &OpenOptions) -> Result<Self> {
        Err(Error::Registry { registry: reference.registry.clone(), reason: "registry pulls are not implemented yet".into() })
    }
}

impl ImageSource for RegistrySource {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, _index: usize) -> Result<LayerData<'_>> {
        Err(Error::Registry { registry: self.location.clone(), reason: "not implemented".into() })
    }
    fn location(&self) -> &str {
        &self.location
    }
}
