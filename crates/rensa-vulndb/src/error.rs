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
    /// `rensa db update` options are unusable (a source that is not an HTTP(S) URL, a bad ecosystem name).
    #[error("invalid update options: {reason}")]
    UpdateOptions {
        /// What is wrong.
        reason: String,
    },
    /// A download answered with a status other than 200 or 304 (after retries for `5xx`).
    #[error("GET {url}: HTTP {status}{}", crate::update::status_hint(*status))]
    HttpStatus {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// No HTTP answer: connection, TLS or timeout, after every attempt.
    #[error("GET {url}: {source} (attempts: {attempts})")]
    Transport {
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: ureq::Error,
    },
    /// A download broke off or could not be stored, after every attempt.
    #[error("GET {url}: downloading failed: {source} (attempts: {attempts})")]
    Download {
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: std::io::Error,
    },
    /// A downloaded archive is larger than the configured limit.
    #[error("GET {url}: the archive is larger than the limit of {limit} bytes")]
    DownloadTooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Importing downloaded archives failed (a corrupt or truncated archive, for one); nothing changed.
    #[error("importing the downloaded archives failed: {0}")]
    UpdateImport(#[source] Box<Error>),
    /// An ignore file or OpenVEX document that is unusable (bad syntax, an unknown key, a missing
    /// reason, a malformed date, a `not_affected` statement without a justification, …).
    #[error("{file}: {reason}")]
    Suppression {
        /// The file.
        file: String,
        /// What is wrong, with the line and column or the entry concerned where known.
        reason: String,
    },
    /// The database was updated, but the update state file could not be written: the next update
    /// downloads everything again.
    #[error("the database was updated, but {path} could not be written: {source}")]
    UpdateState {
        /// The state file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
