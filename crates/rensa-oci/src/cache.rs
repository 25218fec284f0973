//! A cache of layer indexes, keyed by layer digest and the interest's cache key, in the user's cache
//! directory. A layer seen before is not read again.

use std::path::{Path, PathBuf};

use crate::digest::Digest;
use crate::walk::LayerIndex;

const MAGIC: &[u8] = b"rensa-layer-index-v1\n";

/// A directory of cached layer indexes.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayerCache { dir: dir.into() }
    }

    /// The default location: `$XDG_CACHE_HOME/rensa/layers`, else `~/.cache/rensa/layers`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("rensa").join("layers"))
    }

    fn path(&self, digest: &Digest, key: &str) -> PathBuf {
        // The key is hashed so any interest key gives a safe file name.
        let k = Digest::sha256_of(key.as_bytes());
        self.dir.join(format!(
            "{}-{}-{}",
            digest.algorithm_name(),
            digest.hex(),
            &k.hex()[..16]
        ))
    }

    /// The cached index of a layer, if present and readable; a damaged entry counts as absent.
    pub fn get(&self, digest: &Digest, key: &str) -> Option<LayerIndex> {
        let data = std::fs::read(self.path(digest, key)).ok()?;
        let body = data.strip_prefix(MAGIC)?;
        postcard::from_bytes(body).ok()
    }

    /// Stores a layer's index (atomically: a temporary file renamed into place).
    pub fn put(&self, digest: &Digest, key: &str, index: &LayerIndex) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut data = MAGIC.to_vec();
        data.extend(postcard::to_stdvec(index).map_err(std::io::Error::other)?);
        let path = self.path(digest, key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &data)?;
        std::fs::rename(&tmp, &path)
    }
}
