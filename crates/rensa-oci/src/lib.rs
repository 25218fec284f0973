//! Container images for rensa: references in the containers/image transport syntax, image sources (OCI
//! layout and archive, docker-archive, root filesystem directory, registry), and a streaming layer walk that
//! produces the image's final filesystem ([`FileTree`]) without writing anything to disk.
//!
//! ```no_run
//! use rensa_oci::{ImageRef, OpenOptions, ReadOptions};
//! # struct All;
//! # impl rensa_oci::Interest for All {
//! #     fn want(&self, _: &str, _: u64, _: u32) -> rensa_oci::Want { rensa_oci::Want::Content }
//! #     fn cache_key(&self) -> String { "all".into() }
//! # }
//! let reference = ImageRef::parse("oci:./image:latest")?;
//! let source = rensa_oci::open(&reference, &OpenOptions::default())?;
//! let tree = rensa_oci::read_tree(source.as_ref(), &All, &ReadOptions::default())?;
//! println!("{:?}", tree.read("/etc/os-release"));
//! # Ok::<(), rensa_oci::Error>(())
//! ```
//!
//! [`Repository`] reads and writes one repository of a registry (manifests by tag or digest, blobs,
//! blob uploads and manifest pushes), for signing and attesting.
//!
//! The package catalog (`rensa-catalog`) decides through an [`Interest`] which files' contents are kept.

pub mod cache;
pub mod digest;
pub mod error;
pub mod image;
pub mod reference;
pub mod source;
pub mod spec;
pub mod tree;
pub mod walk;

use rayon::prelude::*;

pub use cache::LayerCache;
pub use digest::Digest;
pub use error::{Error, Result};
pub use image::{Image, ImageSource, Layer, LayerData, Platform, SourceKind};
pub use reference::{ImageRef, RegistryRef};
pub use source::registry::{RegistryManifest, Repository};
pub use source::{OpenOptions, RegistryOptions, open};
pub use tree::{FileTree, Node, Removed};
pub use walk::{Budget, Combined, EntryKind, Interest, LayerIndex, Limits, Want};

/// Receives progress while layers are read.
pub trait Progress: Sync {
    /// Layer `index` starts; `size` is its blob size when known.
    fn start(&self, _index: usize, _size: Option<u64>) {}
    /// `bytes` more bytes of layer `index` were read.
    fn advance(&self, _index: usize, _bytes: u64) {}
    /// Layer `index` is done (read or taken from the cache).
    fn finish(&self, _index: usize) {}
}

/// How [`read_tree`] reads layers.
#[derive(Default)]
pub struct ReadOptions<'a> {
    /// Size limits.
    pub limits: Limits,
    /// The layer cache, if any.
    pub cache: Option<LayerCache>,
    /// Progress reporting, if any.
    pub progress: Option<&'a dyn Progress>,
}

/// Reads every layer of an image (in parallel, from the cache where possible) and merges them.
pub fn read_tree(
    source: &dyn ImageSource,
    interest: &dyn Interest,
    options: &ReadOptions<'_>,
) -> Result<FileTree> {
    let image = source.image();
    let budget = Budget::default();
    let key = interest.cache_key();
    let indexes: Vec<LayerIndex> = (0..image.layers.len())
        .into_par_iter()
        .map(|i| {
            let layer = &image.layers[i];
            if let (Some(cache), Some(d)) = (&options.cache, &layer.digest)
                && let Some(idx) = cache.get(d, &key)
            {
                if let Some(p) = options.progress {
                    p.finish(i);
                }
                return Ok(idx);
            }
            if let Some(p) = options.progress {
                p.start(i, layer.size);
            }
            let advance = |n: u64| {
                if let Some(p) = options.progress {
                    p.advance(i, n);
                }
            };
            let ctx = walk::WalkContext {
                location: source.location(),
                layer: layer.label(i),
                limits: options.limits,
                budget: &budget,
                progress: Some(&advance),
            };
            let idx = match source.open_layer(i)? {
                LayerData::Stream(r) => walk::index_stream(r, interest, &ctx)?,
                LayerData::Directory(dir) => walk::index_directory(dir, interest, &ctx)?,
            };
            if let (Some(cache), Some(d)) = (&options.cache, &layer.digest) {
                // A cache that cannot be written only costs time next run.
                let _ = cache.put(d, &key, &idx);
            }
            if let Some(p) = options.progress {
                p.finish(i);
            }
            Ok(idx)
        })
        .collect::<Result<_>>()?;
    Ok(FileTree::from_layers(indexes))
}
