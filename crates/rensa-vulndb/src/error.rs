//! The error type of this crate.

/// What can go wrong while reading vulnerability data or comparing versions.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A version string that the ecosystem's rules cannot parse.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    InvalidVersion {
        /// The version scheme (`dpkg`, `pep440`, …).
        scheme: &'static str,
        /// The version as given.
        version: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A CVSS vector that does not parse.
    #[error("invalid CVSS vector {vector:?}: {reason}")]
    InvalidCvss {
        /// The vector as given.
        vector: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An advisory record or feed file that does not parse.
    #[error("{location}: {reason}")]
    Feed {
        /// The file (and record) concerned.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
