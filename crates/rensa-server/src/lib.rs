//! rensa's server: the Kubernetes admission webhook over HTTPS and the Docker authorization plugin.
//!
//! [`Server::start`] serves, from a [`ServeConfig`] (`rensa serve --config FILE`):
//!
//! - `POST /validate`: AdmissionReview v1 in, AdmissionReview v1 out, decided by the deploy gate
//!   ([`rensa_policy::deploy`]) — see [`admission`];
//! - `POST /mutate`: container images referenced by tag are pinned to their digest with a JSON patch
//!   ([`mutate`]);
//! - `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text format, [`metrics`]);
//! - optionally, a Docker authorization plugin on a unix socket ([`authz`]).
//!
//! Security decisions fail closed: an internal error denies with the reason, unless the operator made
//! the namespace fail-open. Every decision is written to the audit log as one JSON line ([`audit`]).
//! Certificate, key and policy files are checked for changes and reloaded; a bad new file is refused and
//! the last good one kept ([`reload`]).

pub mod admission;
pub mod audit;
pub mod authz;
pub mod config;
pub mod metrics;
pub mod mutate;
pub mod reload;
pub mod server;
pub mod time;
pub mod tls;

pub use config::ServeConfig;
pub use mutate::{CachedResolver, DigestResolver, RegistryResolver};
pub use server::{Handle, Options, Server, run};

use std::path::PathBuf;

/// What can go wrong starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written (the cause is in the message, not repeated as a source).
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
    /// The configuration is not valid; `location` is `FILE:LINE` (or `FILE`).
    #[error("{location}: {message}")]
    Config {
        /// Where.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The deploy policy could not be read or is not valid.
    #[error(transparent)]
    Policy(#[from] rensa_policy::Error),
    /// The certificate or key is not usable.
    #[error("{location}: {message}")]
    Tls {
        /// The certificate or key file (or both, `CERT + KEY`).
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A listening address or socket could not be bound.
    #[error("cannot listen on {address}: {message}")]
    Listen {
        /// The address or socket path.
        address: String,
        /// Why.
        message: String,
    },
    /// A digest lookup failed.
    #[error("cannot resolve the digest of {image}: {message}")]
    Resolve {
        /// The image reference.
        image: String,
        /// Why.
        message: String,
    },
    /// The async runtime could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// The result type of rensa-server.
pub type Result<T, E = Error> = std::result::Result<T, E>;
