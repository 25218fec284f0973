//! The one error type of rensa-checks.

use std::path::PathBuf;

/// What can go wrong while setting up or running the checks. Problems in the image's own files
/// (a malformed `sshd_config` line, a shadow entry that does not parse) are not errors: they are
/// reported as findings or warnings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file the user gave (rules, allowlist, baseline, policy) could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file the user gave is not valid: `location` names the file and, where known, the line.
    #[error("{location}: {message}")]
    Invalid {
        /// `FILE` or `FILE:LINE[:COLUMN]`, or a rule name.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// The result type of rensa-checks.
pub type Result<T, E = Error> = std::result::Result<T, E>;
