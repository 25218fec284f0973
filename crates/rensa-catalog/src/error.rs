//! The error type of this crate.

/// What can go wrong while cataloguing an image or writing an SBOM.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the image failed.
    #[error(transparent)]
    Image(#[from] rensa_oci::Error),
    /// A package database that must be readable is corrupt or unreadable (an rpm database, for example).
    #[error("{path}: {reason}")]
    Database {
        /// The database file inside the image.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An SBOM document given as input is malformed.
    #[error("{path}: {reason}")]
    Sbom {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing output failed.
    #[error("writing output: {0}")]
    Write(#[from] std::io::Error),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
