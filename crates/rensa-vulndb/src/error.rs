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
    /// There is no vulnerability database in the directory.
    #[error(
        "no vulnerability database in {dir}: run `rensa db update`, or `rensa db import PATH...` with \
         advisories or a file from `rensa db export`"
    )]
    NoDatabase {
        /// The database directory.
        dir: String,
    },
    /// An SQLite operation on the database file failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database file is not a rensa database of this version, or a record in it does not decode.
    #[error("{path}: {reason}")]
    Database {
        /// The database file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An import was stopped before it finished; the database is unchanged.
    #[error("import interrupted; the database is unchanged")]
    Interrupted,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
