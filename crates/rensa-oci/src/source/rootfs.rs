//! An unpacked root filesystem, read as a single layer.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::image::{Image, ImageSource, Layer, LayerData, SourceKind};
use crate::spec::ImageConfig;

/// A directory holding a root filesystem.
pub struct Rootfs {
    root: PathBuf,
    location: String,
    image: Image,
}

impl Rootfs {
    /// Opens a root filesystem directory.
    pub fn open(root: &Path) -> Result<Self> {
        let location = root.display().to_string();
        let meta = std::fs::metadata(root).map_err(|e| Error::io(&location, e))?;
        if !meta.is_dir() {
            return Err(Error::malformed(&location, "not a directory"));
        }
        let image = Image {
            name: format!("dir:{location}"),
            kind: SourceKind::Rootfs,
            manifest_digest: None,
            config_digest: None,
            tags: Vec::new(),
            config: ImageConfig::default(),
            layers: vec![Layer {
                digest: None,
                diff_id: None,
                media_type: String::new(),
                size: None,
            }],
        };
        Ok(Rootfs {
            root: root.to_path_buf(),
            location,
            image,
        })
    }
}

impl ImageSource for Rootfs {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, _index: usize) -> Result<LayerData<'_>> {
        Ok(LayerData::Directory(&self.root))
    }
    fn location(&self) -> &str {
        &self.location
    }
}
