//! The error type of this crate.

/// Everything that can go wrong while opening an image or walking its layers.
///
/// Every variant names the place (file, blob or registry) and what is wrong, so that the caller can
/// print it as is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or opening a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document (manifest, index, config) did not parse.
    #[error("{location}: invalid JSON: {source}")]
    Json {
        /// Where the document came from.
        location: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// An image reference that does not follow the transport syntax.
    #[error("invalid image reference {reference:?}: {reason}")]
    Reference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A digest string that is not `ALGORITHM:HEX` with a supported algorithm.
    #[error("invalid digest {0:?}")]
    InvalidDigest(String),
    /// A blob named by a manifest is not in the image.
    #[error("{location}: blob {digest} is missing")]
    MissingBlob {
        /// The image location.
        location: String,
        /// The blob's digest.
        digest: String,
    },
    /// The content of a blob does not hash to its digest.
    #[error("{location}: digest mismatch for blob {expected}: content hashes to {actual}")]
    DigestMismatch {
        /// The image location.
        location: String,
        /// The digest the manifest names.
        expected: String,
        /// The digest of what was read.
        actual: String,
    },
    /// A manifest or layer media type this crate does not understand.
    #[error("{location}: unsupported media type {media_type:?}")]
    UnsupportedMediaType {
        /// The image location.
        location: String,
        /// The media type.
        media_type: String,
    },
    /// The source holds no image matching the request (tag, platform).
    #[error("{location}: {reason}")]
    NotFound {
        /// The image location.
        location: String,
        /// What was looked for.
        reason: String,
    },
    /// The image's structure is wrong (manifest, config or archive).
    #[error("{location}: {reason}")]
    Malformed {
        /// The image location.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A layer is corrupt: a truncated or invalid compressed stream, or a bad tar header.
    #[error("{location}: layer {layer}: {reason}")]
    Layer {
        /// The image location.
        location: String,
        /// The layer's digest (or index).
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// A layer entry whose name would escape the root: absolute or with `..` components.
    #[error("{location}: layer {layer}: unsafe entry name {name:?}: {reason}")]
    UnsafePath {
        /// The image location.
        location: String,
        /// The layer's digest (or index).
        layer: String,
        /// The entry name as stored.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The layers expand to more than the configured limit (a decompression bomb, or a huge image).
    #[error(
        "{location}: layers expand to more than the limit of {limit} bytes (decompression bomb?); raise it with --max-expanded-bytes"
    )]
    TooLarge {
        /// The image location.
        location: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Symbolic links that point at each other in a cycle, or too many links in a row.
    #[error("{path}: too many levels of symbolic links (loop?)")]
    SymlinkLoop {
        /// The path being resolved.
        path: String,
    },
    /// A registry request failed.
    #[error("registry {registry}: {reason}")]
    Registry {
        /// The registry host.
        registry: String,
        /// What happened.
        reason: String,
    },
    /// A registry answered a manifest request with bytes that do not hash to the digest asked for (or to
    /// the digest it stated in `Docker-Content-Digest`).
    #[error(
        "manifest {manifest}: the registry returned a manifest whose digest does not match: expected {expected}, content hashes to {actual}"
    )]
    ManifestDigestMismatch {
        /// The manifest as asked for: `REGISTRY/REPO:TAG` or `REGISTRY/REPO@DIGEST`.
        manifest: String,
        /// The digest asked for (or stated by the registry).
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error with the path it concerns.
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }
    /// A malformed-structure error.
    pub fn malformed(location: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::Malformed {
            location: location.to_string(),
            reason: reason.into(),
        }
    }
}
