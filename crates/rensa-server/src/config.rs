//! The server's configuration file (`rensa serve --config FILE`).
//!
//! ```yaml
//! version: 1
//! listen: 0.0.0.0:8443            # port 0 picks a free port
//! tls: {cert: tls.crt, key: tls.key}
//! policy: policy.yaml             # the deploy policy (`rensa policy check`'s format)
//! audit_log: audit.jsonl          # JSON lines, appended; "-" = standard output (default)
//! fail_open_namespaces: [sandbox] # internal errors allow here (with a warning) instead of deny
//! unknown_kinds: allow            # allow (with a warning, default) | deny
//! max_request_bytes: 3145728      # larger bodies get 413 (default 3 MiB)
//! max_connections: 1024           # open HTTPS connections; more wait to be accepted (default 1024)
//! request_timeout: 10s            # TLS handshake, headers and body must arrive within this (default 10s)
//! reload_interval: 2s             # how often cert, key and policy are checked for changes (default 2s)
//! mutate: {pin_digests: true, cache_ttl: 5m}   # /mutate pins tags to digests (default off)
//! registry:                       # for digest lookups
//!   insecure: [127.0.0.1:5000]    # registries spoken to over plain HTTP
//!   ca_file: ca.pem               # extra CA certificates (PEM)
//!   auth_file: auth.json          # credentials (containers auth.json / Docker config.json format)
//!   timeout: 5s                   # per registry request (default 5s)
//! docker_authz: {socket: /run/docker/plugins/rensa.sock}   # optional
//! ```
//!
//! Relative paths are relative to the configuration file's directory. Unknown keys are refused, and
//! every error names the file and line (`FILE:LINE: message`).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::{Error, Result};

/// What to do with objects of kinds the deploy gate does not understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownKinds {
    /// Allow them, with an AdmissionReview warning.
    #[default]
    Allow,
    /// Deny them.
    Deny,
}

/// Where audit lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// Standard output (`-`).
    Stdout,
    /// A file, appended to.
    File(PathBuf),
}

/// The TLS certificate chain and private key files (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, server certificate first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// `/mutate` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutateConfig {
    /// Pin images referenced by tag to their digest.
    pub pin_digests: bool,
    /// How long a resolved digest is reused.
    pub cache_ttl: Duration,
}

/// How digests are looked up in registries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// Registries (`HOST[:PORT]`) spoken to over plain HTTP.
    pub insecure: BTreeSet<String>,
    /// Extra CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// The credential file; `None` searches the usual places.
    pub auth_file: Option<PathBuf>,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl RegistryConfig {
    /// How to reach `registry` (`HOST[:PORT]`): plain HTTP when it is listed as insecure.
    pub fn options_for(&self, registry: &str) -> rensa_oci::RegistryOptions {
        rensa_oci::RegistryOptions {
            insecure: self.insecure.contains(registry),
            ca_file: self.ca_file.clone(),
            username: None,
            password: None,
            timeout_secs: self.timeout.as_secs().max(1),
            auth_file: self.auth_file.clone(),
        }
    }
}

/// The Docker authorization plugin endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerAuthzConfig {
    /// The unix socket (`/run/docker/plugins/NAME.sock`).
    pub socket: PathBuf,
}

/// The server's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// The configuration file (for messages).
    pub source: PathBuf,
    /// The HTTPS address.
    pub listen: SocketAddr,
    /// Certificate and key.
    pub tls: TlsFiles,
    /// The deploy policy file.
    pub policy: PathBuf,
    /// Where audit lines go.
    pub audit_log: AuditTarget,
    /// Namespaces where internal errors allow (with a warning) instead of deny.
    pub fail_open_namespaces: BTreeSet<String>,
    /// Unknown kinds: allow with a warning, or deny.
    pub unknown_kinds: UnknownKinds,
    /// Larger request bodies are refused with 413.
    pub max_request_bytes: u64,
    /// At most this many HTTPS connections are open at once; more wait to be accepted.
    pub max_connections: usize,
    /// The TLS handshake, the request headers and the body must each arrive within this.
    pub request_timeout: Duration,
    /// How often certificate, key and policy files are checked for changes.
    pub reload_interval: Duration,
    /// `/mutate` settings.
    pub mutate: MutateConfig,
    /// Registry access for digest lookups.
    pub registry: RegistryConfig,
    /// The Docker authorization plugin, when enabled.
    pub docker_authz: Option<DockerAuthzConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: Spanned<u32>,
    listen: Spanned<String>,
    tls: RawTls,
    policy: String,
    #[serde(default)]
    audit_log: Option<String>,
    #[serde(default)]
    fail_open_namespaces: Vec<String>,
    #[serde(default)]
    unknown_kinds: UnknownKinds,
    #[serde(default)]
    max_request_bytes: Option<Spanned<u64>>,
    #[serde(default)]
    max_connections: Option<Spanned<u64>>,
    #[serde(default)]
    request_timeout: Option<Spanned<String>>,
    #[serde(default)]
    reload_interval: Option<Spanned<String>>,
    #[serde(default)]
    mutate: RawMutate,
    #[serde(default)]
    registry: RawRegistry,
    #[serde(default)]
    docker_authz: Option<RawAuthz>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: String,
    key: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMutate {
    #[serde(default)]
    pin_digests: bool,
    #[serde(default)]
    cache_ttl: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    #[serde(default)]
    insecure: Vec<String>,
    #[serde(default)]
    ca_file: Option<String>,
    #[serde(default)]
    auth_file: Option<String>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthz {
    socket: String,
}

/// Parses `10s`, `500ms`, `2m`, `1h` (a whole number and a unit).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(n.checked_mul(3600)?)),
        _ => None,
    }
}

impl ServeConfig {
    /// Reads a configuration file.
    pub fn read(path: &Path) -> Result<ServeConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        ServeConfig::parse(&text, path)
    }

    /// Parses a configuration; `path` names it in errors and relative paths are resolved against its
    /// directory.
    pub fn parse(text: &str, path: &Path) -> Result<ServeConfig> {
        let file = path.display().to_string();
        let at = |line: u64, message: String| Error::Config {
            location: if line > 0 {
                format!("{file}:{line}")
            } else {
                file.clone()
            },
            message,
        };
        let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| {
            at(
                e.location().map_or(0, |l| l.line()),
                e.without_snippet()
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
            )
        })?;
        if raw.version.value != 1 {
            return Err(at(
                raw.version.referenced.line(),
                format!("unsupported version {} (expected 1)", raw.version.value),
            ));
        }
        let listen: SocketAddr = raw.listen.value.parse().map_err(|_| {
            at(
                raw.listen.referenced.line(),
                format!(
                    "listen: {:?} is not an address (IP:PORT, such as 0.0.0.0:8443)",
                    raw.listen.value
                ),
            )
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &str| {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            }
        };
        let duration = |value: Option<Spanned<String>>, key: &str, default: Duration| match value {
            None => Ok(default),
            Some(v) => match parse_duration(&v.value) {
                Some(d) if !d.is_zero() => Ok(d),
                _ => Err(at(
                    v.referenced.line(),
                    format!(
                        "{key}: {:?} is not a duration (a positive number with ms, s, m or h: 10s)",
                        v.value
                    ),
                )),
            },
        };
        let max_request_bytes = match raw.max_request_bytes {
            None => 3 * 1024 * 1024,
            Some(v) if v.value == 0 => {
                return Err(at(
                    v.referenced.line(),
                    "max_request_bytes: must be more than 0".into(),
                ));
            }
            Some(v) => v.value,
        };
        let max_connections = match raw.max_connections {
            None => 1024,
            Some(v) if v.value == 0 || v.value > 1_000_000 => {
                return Err(at(
                    v.referenced.line(),
                    "max_connections: must be between 1 and 1000000".into(),
                ));
            }
            Some(v) => v.value as usize,
        };
        Ok(ServeConfig {
            source: path.to_path_buf(),
            listen,
            tls: TlsFiles {
                cert: resolve(&raw.tls.cert),
                key: resolve(&raw.tls.key),
            },
            policy: resolve(&raw.policy),
            audit_log: match raw.audit_log.as_deref() {
                None | Some("-") => AuditTarget::Stdout,
                Some(p) => AuditTarget::File(resolve(p)),
            },
            fail_open_namespaces: raw.fail_open_namespaces.into_iter().collect(),
            unknown_kinds: raw.unknown_kinds,
            max_request_bytes,
            max_connections,
            request_timeout: duration(raw.request_timeout, "request_timeout", Duration::from_secs(10))?,
            reload_interval: duration(raw.reload_interval, "reload_interval", Duration::from_secs(2))?,
            mutate: MutateConfig {
                pin_digests: raw.mutate.pin_digests,
                cache_ttl: duration(raw.mutate.cache_ttl, "cache_ttl", Duration::from_secs(300))?,
            },
            registry: RegistryConfig {
                insecure: raw.registry.insecure.into_iter().collect(),
                ca_file: raw.registry.ca_file.as_deref().map(resolve),
                auth_file: raw.registry.auth_file.as_deref().map(resolve),
                timeout: duration(raw.registry.timeout, "timeout", Duration::from_secs(5))?,
            },
            docker_authz: raw.docker_authz.map(|a| DockerAuthzConfig {
                socket: resolve(&a.socket),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        ServeConfig::parse(text, Path::new("/etc/rensa/serve.yaml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn full_config_with_relative_paths() {
        let text = "version: 1\nlisten: 127.0.0.1:0\ntls: {cert: tls.crt, key: /abs/tls.key}\npolicy: policy.yaml\naudit_log: audit.jsonl\nfail_open_namespaces: [sandbox]\nunknown_kinds: deny\nmax_request_bytes: 1000\nrequest_timeout: 500ms\nreload_interval: 1s\nmutate: {pin_digests: true, cache_ttl: 2m}\nregistry: {insecure: [127.0.0.1:5000], timeout: 3s}\ndocker_authz: {socket: rensa.sock}\n";
        let c = ServeConfig::parse(text, Path::new("/etc/rensa/serve.yaml")).unwrap();
        assert_eq!(c.listen, "127.0.0.1:0".parse().unwrap());
        assert_eq!(c.tls.cert, Path::new("/etc/rensa/tls.crt"));
        assert_eq!(c.tls.key, Path::new("/abs/tls.key"));
        assert_eq!(c.policy, Path::new("/etc/rensa/policy.yaml"));
        assert_eq!(c.audit_log, AuditTarget::File("/etc/rensa/audit.jsonl".into()));
        assert!(c.fail_open_namespaces.contains("sandbox"));
        assert_eq!(c.unknown_kinds, UnknownKinds::Deny);
        assert_eq!(c.max_request_bytes, 1000);
        assert_eq!(c.request_timeout, Duration::from_millis(500));
        assert_eq!(c.reload_interval, Duration::from_secs(1));
        assert!(c.mutate.pin_digests);
        assert_eq!(c.mutate.cache_ttl, Duration::from_secs(120));
        assert!(c.registry.insecure.contains("127.0.0.1:5000"));
        assert_eq!(c.registry.timeout, Duration::from_secs(3));
        assert_eq!(c.docker_authz.unwrap().socket, Path::new("/etc/rensa/rensa.sock"));
    }

    #[test]
    fn defaults() {
        let c = ServeConfig::parse(
            "version: 1\nlisten: 0.0.0.0:8443\ntls: {cert: c, key: k}\npolicy: p.yaml\n",
            Path::new("s.yaml"),
        )
        .unwrap();
        assert_eq!(c.audit_log, AuditTarget::Stdout);
        assert_eq!(c.unknown_kinds, UnknownKinds::Allow);
        assert_eq!(c.max_request_bytes, 3 * 1024 * 1024);
        assert_eq!(c.max_connections, 1024);
        assert_eq!(c.request_timeout, Duration::from_secs(10));
        assert_eq!(c.reload_interval, Duration::from_secs(2));
        assert!(!c.mutate.pin_digests);
        assert!(c.docker_authz.is_none());
    }

    #[test]
    fn errors_name_file_and_line() {
        let base = "version: 1\nlisten: 0.0.0.0:8443\ntls: {cert: c, key: k}\npolicy: p.yaml\n";
        let e = error(&format!("{base}fail_open: [x]\n"));
        assert!(e.starts_with("/etc/rensa/serve.yaml:5: "), "{e}");
        assert!(e.contains("fail_open"), "{e}");
        assert_eq!(
            error(&format!("{base}request_timeout: soon\n")),
            "/etc/rensa/serve.yaml:5: request_timeout: \"soon\" is not a duration (a positive number with ms, s, m or h: 10s)"
        );
        assert_eq!(
            error("version: 1\nlisten: localhost\ntls: {cert: c, key: k}\npolicy: p.yaml\n"),
            "/etc/rensa/serve.yaml:2: listen: \"localhost\" is not an address (IP:PORT, such as 0.0.0.0:8443)"
        );
        assert_eq!(
            error("version: 2\nlisten: 0.0.0.0:1\ntls: {cert: c, key: k}\npolicy: p.yaml\n"),
            "/etc/rensa/serve.yaml:1: unsupported version 2 (expected 1)"
        );
        let e = error(&format!("{base}unknown_kinds: maybe\n"));
        assert!(e.starts_with("/etc/rensa/serve.yaml:5: "), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("3m"), Some(Duration::from_secs(180)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("5 days"), None);
    }
}
