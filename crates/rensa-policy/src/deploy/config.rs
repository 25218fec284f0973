//! The deploy policy file.
//!
//! ```yaml
//! version: 1
//! pod_security:
//!   level: restricted               # baseline (default) | restricted
//!   allowed_capabilities: [NET_ADMIN]   # added to what the level allows
//!   allowed_host_paths: [/var/log]  # hostPath volumes at these paths (or below them) are allowed
//!   require_resources: true         # pod-resource-limits
//!   require_read_only_root: true    # pod-read-only-root-filesystem
//!   forbid_token_automount: true    # pod-service-account-token
//! network:
//!   require_default_deny: true      # network-no-default-deny (default true)
//! placement:
//!   enabled: true                   # placement-* rules (default true)
//! custom_rules:                     # custom rules in Rego (see deploy::custom for the contract)
//!   - file: rules/team-label.rego     # relative to the policy file's directory
//!   - module: |                       # or the module inline
//!       package rensa.custom.nolatest
//!       ...
//! exceptions:
//!   - rule: pod-host-path           # required: a rule id (built-in or declared by a custom module)
//!     namespace: monitoring         # optional: limits the exception
//!     name: node-exporter           # optional: the object's name
//!     labels: {app: node-exporter}  # optional: all of these labels
//!     reason: "reads /proc of the host by design"   # required
//!     expires: 2027-01-31           # required: from this day on it no longer applies
//! ```
//!
//! Unknown keys, unknown rule ids, missing reasons or expiries and malformed dates are refused with
//! `FILE:LINE: message`, so a typo never silently lets a workload through. A custom module that does not
//! compile is refused with the `.rego` file and line (for an inline module, the policy file's line).
//! `file:` entries are resolved against the policy file's directory by [`DeployPolicy::read`] and
//! [`DeployPolicy::parse_in`]; [`DeployPolicy::parse`] has no directory and refuses them.

use std::collections::BTreeMap;
use std::path::Path;

use super::custom::CustomModule;

use rensa_vulndb::suppress::Date;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::rule;
use crate::{Error, Result};

/// The Pod Security Standards level to enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Prevents known privilege escalations.
    #[default]
    Baseline,
    /// Current pod hardening best practice (includes baseline).
    Restricted,
}

/// `pod_security` settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodSecurity {
    /// The level.
    #[serde(default)]
    pub level: Level,
    /// Capabilities allowed in `capabilities.add` on top of what the level allows (upper case, no `CAP_`).
    #[serde(default)]
    pub allowed_capabilities: Vec<String>,
    /// hostPath volumes allowed: a path equal to or below one of these.
    #[serde(default)]
    pub allowed_host_paths: Vec<String>,
    /// Require CPU and memory limits on every container.
    #[serde(default)]
    pub require_resources: bool,
    /// Require `readOnlyRootFilesystem: true` on every container.
    #[serde(default)]
    pub require_read_only_root: bool,
    /// Require `automountServiceAccountToken: false` on every pod.
    #[serde(default)]
    pub forbid_token_automount: bool,
}

/// `network` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Require a default-deny ingress policy in every namespace with workloads.
    #[serde(default = "yes")]
    pub require_default_deny: bool,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            require_default_deny: true,
        }
    }
}

/// `secrets` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Look for secrets in env values, command lines and ConfigMaps.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl Default for Secrets {
    fn default() -> Self {
        Secrets { enabled: true }
    }
}

/// `placement` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// Check the `rensa.dev/sensitivity` and `rensa.dev/allowed-regions` placement rules.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl Default for Placement {
    fn default() -> Self {
        Placement { enabled: true }
    }
}

fn date_text<S: serde::Serializer>(date: &Date, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(date)
}

fn yes() -> bool {
    true
}

/// An exception: findings it matches are reported as excepted and do not deny.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// The rule id it covers.
    pub rule: String,
    /// Only objects in this namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Only objects with this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only objects (or pod templates) carrying all of these labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Why.
    pub reason: String,
    /// From this day on it no longer applies.
    #[serde(serialize_with = "date_text")]
    pub expires: Date,
    /// The line in the policy file (0 for exceptions built in code).
    pub line: u64,
}

/// The deploy-gate policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployPolicy {
    /// Where it came from (`built-in default` or the file name).
    pub source: String,
    /// Pod security settings.
    pub pod_security: PodSecurity,
    /// Network settings.
    pub network: Network,
    /// Placement settings.
    pub placement: Placement,
    /// Image settings.
    pub images: Images,
    /// Secret settings.
    pub secrets: Secrets,
    /// Custom rules in Rego, in the order the policy lists them.
    pub custom_rules: Vec<CustomModule>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

/// Where images may come from and how they must be referenced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Images {
    /// Repository globs (`registry.local:5000/**`, `docker.io/library/*`; `*` within one path
    /// component, a whole `**` component any number of them) an image must match; empty: any.
    #[serde(serialize_with = "patterns_as_text")]
    pub allowed: Vec<rensa_trust::policy::Pattern>,
    /// Every image must be referenced by digest (`@sha256:…`).
    pub require_digest: bool,
}

impl Default for DeployPolicy {
    /// Baseline pod security, default-deny network check and placement rules on, no exceptions.
    fn default() -> Self {
        DeployPolicy {
            source: "built-in default".into(),
            pod_security: PodSecurity::default(),
            network: Network::default(),
            placement: Placement::default(),
            images: Images::default(),
            secrets: Secrets::default(),
            custom_rules: Vec::new(),
            exceptions: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<u32>,
    #[serde(default)]
    pod_security: RawPodSecurity,
    #[serde(default)]
    network: Network,
    #[serde(default)]
    placement: Placement,
    #[serde(default)]
    images: RawImages,
    #[serde(default)]
    secrets: Secrets,
    #[serde(default)]
    custom_rules: Vec<Spanned<RawCustomRule>>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomRule {
    file: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
}

fn patterns_as_text<S: serde::Serializer>(
    patterns: &[rensa_trust::policy::Pattern],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(patterns.iter().map(|p| p.as_str()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawImages {
    #[serde(default)]
    allowed: Vec<Spanned<String>>,
    #[serde(default)]
    require_digest: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPodSecurity {
    #[serde(default)]
    level: Level,
    #[serde(default)]
    allowed_capabilities: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_host_paths: Vec<Spanned<String>>,
    #[serde(default)]
    require_resources: bool,
    #[serde(default)]
    require_read_only_root: bool,
    #[serde(default)]
    forbid_token_automount: bool,
}

/// The Linux capabilities (as of Linux 6.x), without `CAP_`: a policy naming another is refused.
pub const LINUX_CAPABILITIES: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: Spanned<String>,
    namespace: Option<String>,
    name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    reason: Option<String>,
    expires: Option<Spanned<String>>,
}

impl DeployPolicy {
    /// Reads a policy file.
    pub fn read(path: &Path) -> Result<DeployPolicy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        DeployPolicy::parse_with(&text, &path.display().to_string(), Some(dir))
    }

    /// Parses a policy; `file` names it in errors (`FILE:LINE: message`). Without a directory to resolve
    /// them against, `custom_rules` entries with `file:` are refused (use [`DeployPolicy::read`] or
    /// [`DeployPolicy::parse_in`]); inline `module:` entries are fine.
    pub fn parse(text: &str, file: &str) -> Result<DeployPolicy> {
        DeployPolicy::parse_with(text, file, None)
    }

    /// [`DeployPolicy::parse`] resolving relative `custom_rules` `file:` entries against `dir`.
    pub fn parse_in(text: &str, file: &str, dir: &Path) -> Result<DeployPolicy> {
        DeployPolicy::parse_with(text, file, Some(dir))
    }

    fn parse_with(text: &str, file: &str, dir: Option<&Path>) -> Result<DeployPolicy> {
        let at = |line: u64, message: String| Error::Invalid {
            location: if line > 0 {
                format!("{file}:{line}")
            } else {
                file.to_string()
            },
            message,
        };
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| {
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
        let raw_pod = raw.pod_security;
        let mut allowed_capabilities = Vec::new();
        for cap in raw_pod.allowed_capabilities {
            let name = normalize_capability(&cap.value);
            if !LINUX_CAPABILITIES.contains(&name.as_str()) {
                return Err(at(
                    cap.referenced.line(),
                    format!("allowed_capabilities: {:?} is not a Linux capability", cap.value),
                ));
            }
            allowed_capabilities.push(name);
        }
        let mut allowed_host_paths = Vec::new();
        for path in raw_pod.allowed_host_paths {
            if !path.value.starts_with('/') || path.value.split('/').any(|s| s == "..") {
                return Err(at(
                    path.referenced.line(),
                    format!("allowed_host_paths: {:?} is not an absolute path", path.value),
                ));
            }
            allowed_host_paths.push(path.value);
        }
        let pod_security = PodSecurity {
            level: raw_pod.level,
            allowed_capabilities,
            allowed_host_paths,
            require_resources: raw_pod.require_resources,
            require_read_only_root: raw_pod.require_read_only_root,
            forbid_token_automount: raw_pod.forbid_token_automount,
        };
        let mut allowed_images = Vec::new();
        for glob in raw.images.allowed {
            let pattern = rensa_trust::policy::Pattern::parse(&glob.value)
                .map_err(|m| at(glob.referenced.line(), format!("images.allowed: {m}")))?;
            allowed_images.push(pattern);
        }
        let images = Images {
            allowed: allowed_images,
            require_digest: raw.images.require_digest,
        };
        let mut custom_rules: Vec<CustomModule> = Vec::new();
        for entry in raw.custom_rules {
            let line = entry.referenced.line();
            let module = match (entry.value.file, entry.value.module) {
                (Some(path), None) => {
                    let Some(dir) = dir else {
                        return Err(at(
                            path.referenced.line(),
                            format!(
                                "custom_rules: `file: {}` needs the policy file's directory: read the policy from a file, or write the module inline (`module: |`)",
                                path.value
                            ),
                        ));
                    };
                    let resolved = dir.join(&path.value);
                    let origin = resolved.display().to_string();
                    let source = std::fs::read_to_string(&resolved).map_err(|e| {
                        at(
                            path.referenced.line(),
                            format!("custom_rules: cannot read {origin}: {e}"),
                        )
                    })?;
                    CustomModule::compile(&origin, &source)?
                }
                (None, Some(source)) => {
                    // The span starts at the module's first line (for a block scalar, the line after `|`).
                    let start = source.referenced.line().max(1);
                    let origin = format!("{file}:{start} (inline)");
                    CustomModule::compile_at(&origin, &source.value, file, start - 1)?
                }
                _ => {
                    return Err(at(
                        line,
                        "custom_rules: each entry needs exactly one of `file:` and `module:`".into(),
                    ));
                }
            };
            if let Some(other) = custom_rules.iter().find(|m| m.package == module.package) {
                return Err(at(
                    line,
                    format!(
                        "custom_rules: {} and {} are both package {}",
                        other.origin, module.origin, module.package
                    ),
                ));
            }
            for r in &module.rules {
                if let Some(other) = custom_rules.iter().find(|m| m.rule(&r.id).is_some()) {
                    return Err(at(
                        line,
                        format!(
                            "custom_rules: the rule id {:?} is declared by both {} and {}",
                            r.id, other.package, module.package
                        ),
                    ));
                }
            }
            custom_rules.push(module);
        }
        let mut exceptions = Vec::new();
        for e in raw.exceptions {
            let line = e.referenced.line();
            let e = e.value;
            let id = e.rule.value;
            if rule::rule(&id).is_none() && !custom_rules.iter().any(|m| m.rule(&id).is_some()) {
                return Err(at(
                    e.rule.referenced.line(),
                    format!("exception for unknown rule {id:?}"),
                ));
            }
            let reason = e
                .reason
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| at(line, format!("the exception for {id} needs a reason")))?;
            let expires = e.expires.ok_or_else(|| {
                at(
                    line,
                    format!("the exception for {id} needs an expiry (expires: YYYY-MM-DD)"),
                )
            })?;
            let date = Date::parse(&expires.value).ok_or_else(|| {
                at(
                    expires.referenced.line(),
                    format!("expires {:?} is not a date (YYYY-MM-DD)", expires.value),
                )
            })?;
            exceptions.push(Exception {
                rule: id,
                namespace: e.namespace,
                name: e.name,
                labels: e.labels,
                reason,
                expires: date,
                line,
            });
        }
        Ok(DeployPolicy {
            source: file.to_string(),
            pod_security,
            network: raw.network,
            placement: raw.placement,
            images,
            secrets: raw.secrets,
            custom_rules,
            exceptions,
        })
    }
}

/// `cap_sys_admin` → `SYS_ADMIN`.
pub(crate) fn normalize_capability(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_policy() {
        let text = "version: 1\npod_security:\n  level: restricted\n  allowed_capabilities: [cap_net_admin]\n  allowed_host_paths: [/var/log]\n  require_resources: true\nnetwork:\n  require_default_deny: false\nplacement:\n  enabled: false\nexceptions:\n  - rule: pod-host-path\n    namespace: monitoring\n    labels: {app: exporter}\n    reason: reads host logs\n    expires: 2027-01-31\n";
        let p = DeployPolicy::parse(text, "p.yaml").unwrap();
        assert_eq!(p.pod_security.level, Level::Restricted);
        assert_eq!(p.pod_security.allowed_capabilities, ["NET_ADMIN"]);
        assert!(p.pod_security.require_resources);
        assert!(!p.pod_security.require_read_only_root);
        assert!(!p.network.require_default_deny);
        assert!(!p.placement.enabled);
        assert_eq!(p.exceptions.len(), 1);
        assert_eq!(p.exceptions[0].line, 12);
        assert_eq!(p.exceptions[0].expires.to_string(), "2027-01-31");
        assert_eq!(p.exceptions[0].labels["app"], "exporter");
    }

    #[test]
    fn defaults() {
        let p = DeployPolicy::parse("version: 1\n", "p.yaml").unwrap();
        assert_eq!(
            DeployPolicy {
                source: "built-in default".into(),
                ..p
            },
            DeployPolicy::default()
        );
        assert_eq!(DeployPolicy::default().pod_security.level, Level::Baseline);
    }

    fn error(text: &str) -> String {
        DeployPolicy::parse(text, "p.yaml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_line() {
        assert!(
            error("version: 1\npod_security:\n  levle: restricted\n").starts_with("p.yaml:3: "),
            "{}",
            error("version: 1\npod_security:\n  levle: restricted\n")
        );
        assert!(error("version: 1\npod_security:\n  level: strict\n").starts_with("p.yaml:3: "));
        assert_eq!(
            error("version: 2\n"),
            "p.yaml:1: unsupported version 2 (expected 1)"
        );
        assert_eq!(
            error("version: 1\nexceptions:\n  - rule: pod-privileged\n    expires: 2027-01-01\n"),
            "p.yaml:3: the exception for pod-privileged needs a reason"
        );
        assert_eq!(
            error("version: 1\nexceptions:\n  - rule: pod-privileged\n    reason: x\n"),
            "p.yaml:3: the exception for pod-privileged needs an expiry (expires: YYYY-MM-DD)"
        );
        assert_eq!(
            error(
                "version: 1\nexceptions:\n  - rule: pod-privileged\n    reason: x\n    expires: 2027-02-30\n"
            ),
            "p.yaml:5: expires \"2027-02-30\" is not a date (YYYY-MM-DD)"
        );
        assert_eq!(
            error(
                "version: 1\nexceptions:\n  - reason: x\n    expires: 2027-01-01\n    rule: pod-priviliged\n"
            ),
            "p.yaml:5: exception for unknown rule \"pod-priviliged\""
        );
    }
}
