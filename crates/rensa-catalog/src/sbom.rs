//! The SBOM model: the image, its distribution and its packages, in reproducible order.

use serde::{Deserialize, Serialize};

use rensa_oci::{Image, SourceKind};

use crate::os::Distro;
use crate::package::Package;

/// One layer as the SBOM reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Position, base first.
    pub index: usize,
    /// Blob digest, when there is a blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Diff ID (digest of the uncompressed tar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// Blob size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Media type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
}

/// The image an SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// The reference as given.
    pub name: String,
    /// The kind of source.
    pub kind: SourceKind,
    /// Manifest digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Config digest (the image ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `os/architecture[/variant]` from the config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Creation time from the config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The layers.
    pub layers: Vec<LayerInfo>,
}

impl ImageInfo {
    /// Describes a resolved image.
    pub fn from_image(image: &Image) -> Self {
        let c = &image.config;
        let platform = (!c.os.is_empty()).then(|| match &c.variant {
            Some(v) => format!("{}/{}/{v}", c.os, c.architecture),
            None => format!("{}/{}", c.os, c.architecture),
        });
        ImageInfo {
            name: image.name.clone(),
            kind: image.kind,
            manifest_digest: image.manifest_digest.as_ref().map(|d| d.to_string()),
            config_digest: image.config_digest.as_ref().map(|d| d.to_string()),
            tags: image.tags.clone(),
            platform,
            created: c.created.clone(),
            layers: image
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| LayerInfo {
                    index: i,
                    digest: l.digest.as_ref().map(|d| d.to_string()),
                    diff_id: l.diff_id.as_ref().map(|d| d.to_string()),
                    size: l.size,
                    media_type: l.media_type.clone(),
                })
                .collect(),
        }
    }

    /// The diff ID of layer `index`, if known.
    pub fn diff_id(&self, index: usize) -> Option<&str> {
        self.layers.get(index).and_then(|l| l.diff_id.as_deref())
    }
}

/// A software bill of materials for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    /// The image.
    pub image: ImageInfo,
    /// The distribution, if detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    /// Packages, sorted by ecosystem, name, version and location.
    pub packages: Vec<Package>,
    /// Things the user should know (unreadable files, skipped large files), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
