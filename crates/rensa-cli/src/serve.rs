//! `rensa serve --config FILE`: the admission webhook (and Docker authorization plugin) server.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use rensa_server::{Options, ServeConfig};

/// `rensa serve`
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The server configuration (YAML: listen, tls, policy, audit_log, ...).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
}

/// Serves until SIGTERM or SIGINT. A bad configuration, policy, certificate or key is an error (exit 2)
/// naming the file and line.
pub(crate) fn run(args: &ServeArgs) -> Result<()> {
    let config = ServeConfig::read(&args.config)?;
    // The image checks' secret rules look at env values, command lines and ConfigMap data; the policy's
    // `secrets.enabled` decides per request whether they run (it can change on reload).
    let scanner = rensa_checks::secret::SecretScanner::new(&rensa_checks::secret::SecretConfig::default())?;
    let options = Options {
        secrets: Some(Arc::new(crate::deploy::Secrets(scanner))),
        ..Options::default()
    };
    rensa_server::run(config, options)?;
    Ok(())
}
