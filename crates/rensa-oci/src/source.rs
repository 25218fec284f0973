//! Image sources: where an image's manifest, config and layers come from.
//!
//! Every source resolves the user's reference to one [`Image`] when it is opened (tag and platform
//! selection, manifest and config checks) and then hands out layer streams that verify their digest.

pub mod archive;
pub mod layout;
pub mod registry;
pub mod rootfs;

use std::io::Read;

use crate::digest::{Digest, VerifyingReader};
use crate::error::{Error, Result};
use crate::image::{ImageSource, Platform};
use crate::reference::ImageRef;

pub use registry::RegistryOptions;

/// The largest JSON document (manifest, index, config) a source reads; larger ones are refused.
pub const MAX_JSON_BYTES: u64 = 16 << 20;

/// How to open an image.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The platform to pick from a multi-platform image.
    pub platform: Platform,
    /// Registry connection settings.
    pub registry: RegistryOptions,
}

/// Opens the image a reference names.
pub fn open(reference: &ImageRef, options: &OpenOptions) -> Result<Box<dyn ImageSource>> {
    Ok(match reference {
        ImageRef::OciLayout { path, tag } => {
            Box::new(layout::OciLayout::open(path, tag.as_deref(), &options.platform)?)
        }
        ImageRef::OciArchive { path, tag } => Box::new(archive::OciArchive::open(
            path,
            tag.as_deref(),
            &options.platform,
        )?),
        ImageRef::DockerArchive { path, name } => {
            Box::new(archive::DockerArchive::open(path, name.as_deref())?)
        }
        ImageRef::Rootfs { path } => Box::new(rootfs::Rootfs::open(path)?),
        ImageRef::Registry(r) => Box::new(registry::RegistrySource::open(r, options)?),
    })
}

/// Reads a whole JSON blob (bounded by [`MAX_JSON_BYTES`]), checking its digest.
pub(crate) fn read_verified(
    reader: impl Read,
    digest: &Digest,
    size: Option<u64>,
    location: &str,
) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut limited = VerifyingReader::new(reader, digest.clone(), size).take(MAX_JSON_BYTES + 1);
    limited
        .read_to_end(&mut buf)
        .map_err(|e| map_blob_error(e, location, digest))?;
    if buf.len() as u64 > MAX_JSON_BYTES {
        return Err(Error::malformed(
            location,
            format!("blob {digest} is larger than {MAX_JSON_BYTES} bytes"),
        ));
    }
    Ok(buf)
}

/// Turns an I/O error from a [`VerifyingReader`] into a typed error.
pub(crate) fn map_blob_error(e: std::io::Error, location: &str, digest: &Digest) -> Error {
    if let Some(m) = e
        .get_ref()
        .and_then(|r| r.downcast_ref::<crate::digest::DigestMismatch>())
    {
        return Error::DigestMismatch {
            location: location.to_string(),
            expected: m.expected.to_string(),
            actual: m
                .actual
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(|| format!("{} bytes", m.size)),
        };
    }
    Error::io(format!("{location}: blob {digest}"), e)
}

/// Parses JSON from a blob with an error naming where it came from.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(data: &[u8], location: &str) -> Result<T> {
    serde_json::from_slice(data).map_err(|source| Error::Json {
        location: location.to_string(),
        source,
    })
}
