//! Deployment policy for rensa. [`scan`] decides from the findings of `rensa scan` (vulnerabilities,
//! configuration, secrets, malware) whether an image may ship: a policy file lists which findings block
//! (by id, category and severity) and which exceptions apply (each with a reason and an expiry). The
//! admission-time rules over Kubernetes objects and Docker engine requests will join this crate.
//! [`deploy`] is the deploy gate over Kubernetes manifests: pod security (Pod Security Standards baseline or
//! restricted), network policies, placement on nodes, with exceptions that carry a reason and an expiry.
//! [`docker`] is the Docker authorization plugin's decision logic over engine API calls (container
//! create, exec, volumes, plugins, services, pulls), configured by the deploy policy's `docker` section.

pub mod deploy;
pub mod docker;
pub mod scan;

/// What can go wrong reading a policy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The policy file is not valid; `location` is `FILE` or `FILE: rule N`.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A Docker authorization-plugin request that cannot be decoded.
    #[error("docker authorization request: {message}")]
    DockerRequest {
        /// What is wrong.
        message: String,
    },
}

/// The result type of rensa-policy.
pub type Result<T, E = Error> = std::result::Result<T, E>;
