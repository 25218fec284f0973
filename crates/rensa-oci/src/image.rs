//! A resolved image: its config and its layers, and the trait every image source implements.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::Result;
use crate::spec::ImageConfig;

/// The platform to pick from a multi-platform image (`linux/amd64` by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// Operating system.
    pub os: String,
    /// CPU architecture.
    pub architecture: String,
    /// Variant, such as `v8` for `arm64`.
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.split('/');
        let os = it.next().filter(|s| !s.is_empty())?.to_string();
        let architecture = it.next().filter(|s| !s.is_empty())?.to_string();
        let variant = it.next().map(str::to_string);
        if it.next().is_some() {
            return None;
        }
        Some(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// Whether an index entry's platform matches (a missing variant in the request matches any).
    pub fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.architecture == architecture
            && match (&self.variant, variant) {
                (None, _) => true,
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// How a layer's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// One layer of a resolved image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// The digest of the blob as stored (compressed); `None` for a root filesystem directory.
    pub digest: Option<Digest>,
    /// The digest of the uncompressed tar, from the image config.
    pub diff_id: Option<Digest>,
    /// The media type as stated by the manifest (empty for docker-archive layers).
    pub media_type: String,
    /// The blob size in bytes, when known.
    pub size: Option<u64>,
}

impl Layer {
    /// A short name for messages: the blob digest, else the diff ID, else `layer N`.
    pub fn label(&self, index: usize) -> String {
        match (&self.digest, &self.diff_id) {
            (Some(d), _) => d.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) => format!("layer {index}"),
        }
    }
}

/// What kind of source an image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// OCI image layout directory.
    OciLayout,
    /// OCI archive.
    OciArchive,
    /// `docker save` archive.
    DockerArchive,
    /// Root filesystem directory.
    Rootfs,
    /// Registry.
    Registry,
}

/// An image whose manifest and config have been read and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// The reference as the user gave it.
    pub name: String,
    /// The kind of source.
    pub kind: SourceKind,
    /// The digest of the manifest, where there is one.
    pub manifest_digest: Option<Digest>,
    /// The digest of the config blob, where there is one.
    pub config_digest: Option<Digest>,
    /// Tags the source names the image by (`RepoTags`, `ref.name`, registry tag).
    pub tags: Vec<String>,
    /// The image configuration (empty for a root filesystem).
    pub config: ImageConfig,
    /// The layers, base first.
    pub layers: Vec<Layer>,
}

/// The bytes of one layer, as a source provides them.
pub enum LayerData<'a> {
    /// A tar stream, possibly compressed; the reader checks the blob digest and fails at the end on a mismatch.
    Stream(Box<dyn Read + Send + 'a>),
    /// An unpacked directory tree (root filesystem sources).
    Directory(&'a Path),
}

/// A place an image can be read from.
pub trait ImageSource: Send + Sync {
    /// The resolved image.
    fn image(&self) -> &Image;
    /// Opens layer `index` (an index into [`Image::layers`]).
    fn open_layer(&self, index: usize) -> Result<LayerData<'_>>;
    /// Where the image is, for messages (a path or `registry/repo`).
    fn location(&self) -> &str;
}
