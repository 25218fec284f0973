//! Reloading the certificate, key and policy when their files change.
//!
//! Every `reload_interval` the files are read and hashed (SHA-256). When the certificate or key changed,
//! the new pair is checked (PEM, key matches certificate) and used for new handshakes; a bad pair is
//! refused and the old one kept. When the policy (or a file it names: the trust policy, `.rego`
//! files) changed it is parsed; a bad policy is refused and the
//! last good one kept. Each attempt is counted (`rensa_*_reloads_total{result}`), a refusal is written to
//! standard error (one line) and, for the policy, to the audit log (kind `policy-reload`). A change is
//! attempted once: a refused file is tried again only when its content changes again.

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rensa_policy::deploy::DeployPolicy;
use sha2::{Digest as _, Sha256};

use crate::audit::AuditRecord;
use crate::server::State;

/// What was last seen of a set of files: the hash of their contents, or the read error.
pub type Fingerprint = Result<[u8; 32], String>;

/// Hashes the contents of `paths` together.
pub fn fingerprint<P: AsRef<Path>>(paths: &[P]) -> Fingerprint {
    let mut hasher = Sha256::new();
    for path in paths {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        hasher.update((data.len() as u64).to_le_bytes());
        hasher.update(&data);
    }
    Ok(hasher.finalize().into())
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The last fingerprints attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Certificate and key.
    pub tls: Fingerprint,
    /// Policy.
    pub policy: Fingerprint,
}

/// The policy file and the files it names (trust policy, `.rego` files): a change to any reloads it.
pub(crate) fn policy_files<'a>(file: &'a Path, policy: &'a DeployPolicy) -> Vec<std::path::PathBuf> {
    let mut files = vec![file.to_path_buf()];
    files.extend(policy.files());
    files
}

/// Checks the files once and reloads what changed.
pub(crate) fn check(state: &Arc<State>, seen: &mut Seen) {
    let config = &state.config;
    let tls = fingerprint(&[&config.tls.cert, &config.tls.key]);
    if tls != seen.tls {
        seen.tls = tls.clone();
        let loaded = match tls {
            Err(e) => Err(e),
            Ok(_) => crate::tls::load(&config.tls.cert, &config.tls.key).map_err(|e| e.to_string()),
        };
        match loaded {
            Ok(key) => {
                state.certs.set(key);
                state.metrics.certificate_reload(true);
                eprintln!(
                    "rensa serve: certificate reloaded from {}",
                    config.tls.cert.display()
                );
            }
            Err(e) => {
                state.metrics.certificate_reload(false);
                eprintln!(
                    "rensa serve: certificate reload refused, the previous certificate stays in use: {e}"
                );
            }
        }
    }
    let policy = fingerprint(&policy_files(&config.policy, &state.policy()));
    if policy != seen.policy {
        seen.policy = policy.clone();
        let loaded = match policy {
            Err(e) => Err(e),
            Ok(_) => DeployPolicy::read(&config.policy).map_err(|e| e.to_string()),
        };
        let file = config.policy.display().to_string();
        let record = |verdict: &str, reasons: Vec<String>| AuditRecord {
            kind: "policy-reload".into(),
            endpoint: "reload".into(),
            operation: "RELOAD".into(),
            object: file.clone(),
            verdict: verdict.into(),
            reasons,
            ..AuditRecord::default()
        };
        match loaded {
            Ok(p) => {
                state.set_policy(p);
                state.metrics.policy_reload(true);
                state.metrics.policy_loaded(unix_now());
                state.audit.write(record("applied", Vec::new()));
                eprintln!("rensa serve: policy reloaded from {file}");
            }
            Err(e) => {
                state.metrics.policy_reload(false);
                eprintln!("rensa serve: policy reload refused, the last good policy stays in force: {e}");
                state.audit.write(record("rejected", vec![e]));
            }
        }
    }
}
