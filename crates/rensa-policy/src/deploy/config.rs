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
//! images:
//!   allowed: [registry.local:5000/**]   # repository globs
//!   require_digest: true            # image-not-pinned
//!   trust_policy: trust.yaml        # `rensa verify`'s policy (or a containers-policy.json), relative
//!                                   # to this file: image-not-trusted (needs the registry)
//!   max_age: 90d                    # image-too-old: the image config's `created` within 90 days
//!   cache_ttl: 5m                   # how long a verified digest (and a tag's digest) is remembered
//! docker:                           # the Docker authorization plugin (crate::docker)
//!   enabled: true                   # default true; false allows every engine request
//!   sensitive_paths: [/srv/secrets] # added to the built-in ones (crate::docker::mount::BUILTIN_SENSITIVE_PATHS)
//!   allowed_bind_paths: [/var/log/app]   # binds at or below these are allowed even if sensitive
//!   allowed_capabilities: [NET_ADMIN]    # --cap-add allowed beyond Docker's default set
//!   allowed_devices: [/dev/fuse]    # --device host paths allowed; `gpus` allows --gpus
//!   exec: deny                      # deny (default) | non-root | unprivileged
//!   exec_allowed_users: [alice]     # API users (TLS client certificates) who may exec anything
//!   allowed_plugins: ["docker.io/vieux/sshfs"]   # plugin globs (like images.allowed)
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
    /// Docker authorization-plugin settings.
    pub docker: Docker,
    /// Custom rules in Rego, in the order the policy lists them.
    pub custom_rules: Vec<CustomModule>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

/// Which `docker exec` calls the Docker authorization plugin lets through (besides those of
/// [`Docker::exec_allowed_users`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DockerExec {
    /// No exec (CIS Docker 5.22/5.23 taken strictly): containers are changed by redeploying them.
    #[default]
    Deny,
    /// Exec that is not `--privileged` and names a non-root user (`--user 1000`, `--user app`); an
    /// exec without `--user` runs as the image's user, which may be root, so it is denied.
    NonRoot,
    /// Exec that is not `--privileged`, as any user.
    Unprivileged,
}

/// `docker` settings: the Docker authorization plugin ([`crate::docker`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Docker {
    /// Check engine requests (false: the plugin allows everything).
    pub enabled: bool,
    /// Host paths that must not be bind-mounted, in addition to the built-in ones; normalised absolute paths.
    pub sensitive_paths: Vec<String>,
    /// Host paths that may be bind-mounted (at or below them) even when they are or contain a sensitive path.
    pub allowed_bind_paths: Vec<String>,
    /// Capabilities `--cap-add` may add beyond Docker's default set (upper case, no `CAP_`).
    pub allowed_capabilities: Vec<String>,
    /// Host device paths `--device` may pass (`gpus` allows `--gpus` device requests).
    pub allowed_devices: Vec<String>,
    /// Which `docker exec` calls pass.
    pub exec: DockerExec,
    /// API users (the `User` dockerd reports: the TLS client certificate's common name) who may exec anything.
    pub exec_allowed_users: Vec<String>,
    /// Plugins (`HOST/PATH` globs like `images.allowed`) that may be pulled, upgraded, configured or enabled.
    #[serde(serialize_with = "patterns_as_text")]
    pub allowed_plugins: Vec<rensa_trust::policy::Pattern>,
}

impl Default for Docker {
    /// Enabled, nothing extra allowed, exec denied.
    fn default() -> Self {
        Docker {
            enabled: true,
            sensitive_paths: Vec::new(),
            allowed_bind_paths: Vec::new(),
            allowed_capabilities: Vec::new(),
            allowed_devices: Vec::new(),
            exec: DockerExec::Deny,
            exec_allowed_users: Vec::new(),
            allowed_plugins: Vec::new(),
        }
    }
}

/// Where images may come from, how they must be referenced and what must vouch for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Images {
    /// Repository globs (`registry.local:5000/**`, `docker.io/library/*`; `*` within one path
    /// component, a whole `**` component any number of them) an image must match; empty: any.
    #[serde(serialize_with = "patterns_as_text")]
    pub allowed: Vec<rensa_trust::policy::Pattern>,
    /// Every image must be referenced by digest (`@sha256:…`).
    pub require_digest: bool,
    /// The trust policy every image must satisfy (checked against the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<TrustPolicy>,
    /// The oldest build time allowed (the image config's `created`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<rensa_trust::policy::Duration>,
    /// How long a verification result (by digest) and a tag's digest are remembered.
    pub cache_ttl: rensa_trust::policy::Duration,
}

impl Images {
    /// Whether checking the images needs the registry (a trust policy or a maximum age).
    pub fn needs_registry(&self) -> bool {
        self.trust_policy.is_some() || self.max_age.is_some()
    }
}

impl Default for Images {
    /// Any image, by tag or digest, no trust policy, no maximum age; results cached for 5 minutes.
    fn default() -> Self {
        Images {
            allowed: Vec::new(),
            require_digest: false,
            trust_policy: None,
            max_age: None,
            cache_ttl: rensa_trust::policy::Duration(300),
        }
    }
}

/// A trust policy named by the deploy policy, read when the deploy policy is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustPolicy {
    /// The file, as resolved (relative to the deploy policy's directory).
    pub path: std::path::PathBuf,
    /// The policy.
    #[serde(skip)]
    pub policy: std::sync::Arc<rensa_trust::policy::Policy>,
    /// Notes from importing a containers-policy.json.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Eq for TrustPolicy {}

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
            docker: Docker::default(),
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
    docker: Option<RawDocker>,
    #[serde(default)]
    custom_rules: Vec<Spanned<RawCustomRule>>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocker {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    sensitive_paths: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_bind_paths: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_capabilities: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_devices: Vec<Spanned<String>>,
    #[serde(default)]
    exec: DockerExec,
    #[serde(default)]
    exec_allowed_users: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_plugins: Vec<Spanned<String>>,
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
    trust_policy: Option<Spanned<String>>,
    max_age: Option<Spanned<String>>,
    cache_ttl: Option<Spanned<String>>,
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

    /// The other files this policy was read from: the trust policy and the custom rules' `.rego`
    /// files (a server watches them with the policy file to reload on change).
    pub fn files(&self) -> Vec<std::path::PathBuf> {
        let mut files: Vec<std::path::PathBuf> =
            self.images.trust_policy.iter().map(|t| t.path.clone()).collect();
        files.extend(
            self.custom_rules
                .iter()
                .filter(|m| !m.origin.ends_with(" (inline)"))
                .map(|m| std::path::PathBuf::from(&m.origin)),
        );
        files
    }

    /// [`DeployPolicy::parse`] resolving relative `custom_rules` `file:` entries and
    /// `images.trust_policy` against `dir`.
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
        let duration = |d: Option<Spanned<String>>, key: &str| -> Result<_> {
            d.map(|d| {
                rensa_trust::policy::Duration::parse(&d.value)
                    .map_err(|m| at(d.referenced.line(), format!("images.{key}: {m}")))
            })
            .transpose()
        };
        let trust_policy = match raw.images.trust_policy {
            None => None,
            Some(p) => {
                // Like custom rules' files: relative to the policy's directory (the current
                // directory for a policy parsed without one).
                let path = dir.unwrap_or(Path::new("")).join(&p.value);
                let (policy, notes) = rensa_trust::policy::Policy::read(&path)
                    .map_err(|e| at(p.referenced.line(), format!("images.trust_policy: {e}")))?;
                Some(TrustPolicy {
                    path,
                    policy: std::sync::Arc::new(policy),
                    notes,
                })
            }
        };
        let images = Images {
            allowed: allowed_images,
            require_digest: raw.images.require_digest,
            trust_policy,
            max_age: duration(raw.images.max_age, "max_age")?,
            cache_ttl: duration(raw.images.cache_ttl, "cache_ttl")?.unwrap_or(Images::default().cache_ttl),
        };
        let docker = match raw.docker {
            None => Docker::default(),
            Some(d) => parse_docker(d, &at)?,
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
            docker,
            custom_rules,
            exceptions,
        })
    }
}

fn parse_docker(d: RawDocker, at: &dyn Fn(u64, String) -> Error) -> Result<Docker> {
    let paths = |list: Vec<Spanned<String>>, key: &str| -> Result<Vec<String>> {
        let mut out = Vec::new();
        for p in list {
            match crate::docker::mount::normalize(&p.value) {
                Some(n) => out.push(n),
                None => {
                    return Err(at(
                        p.referenced.line(),
                        format!("docker.{key}: {:?} is not an absolute path", p.value),
                    ));
                }
            }
        }
        Ok(out)
    };
    let sensitive_paths = paths(d.sensitive_paths, "sensitive_paths")?;
    let allowed_bind_paths = paths(d.allowed_bind_paths, "allowed_bind_paths")?;
    let mut allowed_capabilities = Vec::new();
    for cap in d.allowed_capabilities {
        let name = normalize_capability(&cap.value);
        if !LINUX_CAPABILITIES.contains(&name.as_str()) {
            return Err(at(
                cap.referenced.line(),
                format!(
                    "docker.allowed_capabilities: {:?} is not a Linux capability",
                    cap.value
                ),
            ));
        }
        allowed_capabilities.push(name);
    }
    let mut allowed_devices = Vec::new();
    for dev in d.allowed_devices {
        if dev.value == "gpus" {
            allowed_devices.push(dev.value);
            continue;
        }
        match crate::docker::mount::normalize(&dev.value) {
            Some(n) => allowed_devices.push(n),
            None => {
                return Err(at(
                    dev.referenced.line(),
                    format!(
                        "docker.allowed_devices: {:?} is neither an absolute path nor `gpus`",
                        dev.value
                    ),
                ));
            }
        }
    }
    let mut exec_allowed_users = Vec::new();
    for user in d.exec_allowed_users {
        if user.value.trim().is_empty() {
            return Err(at(
                user.referenced.line(),
                "docker.exec_allowed_users: an empty user name would match every request without TLS client authentication".to_string(),
            ));
        }
        exec_allowed_users.push(user.value);
    }
    let mut allowed_plugins = Vec::new();
    for glob in d.allowed_plugins {
        let pattern = rensa_trust::policy::Pattern::parse(&glob.value)
            .map_err(|m| at(glob.referenced.line(), format!("docker.allowed_plugins: {m}")))?;
        allowed_plugins.push(pattern);
    }
    Ok(Docker {
        enabled: d.enabled,
        sensitive_paths,
        allowed_bind_paths,
        allowed_capabilities,
        allowed_devices,
        exec: d.exec,
        exec_allowed_users,
        allowed_plugins,
    })
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

    #[test]
    fn docker_section() {
        let text = "version: 1\ndocker:\n  sensitive_paths: [/srv//secrets/]\n  allowed_bind_paths: [/var/log/app]\n  allowed_capabilities: [cap_net_admin]\n  allowed_devices: [/dev/fuse, gpus]\n  exec: non-root\n  exec_allowed_users: [alice]\n  allowed_plugins: [docker.io/vieux/sshfs]\n";
        let d = DeployPolicy::parse(text, "p.yaml").unwrap().docker;
        assert!(d.enabled);
        assert_eq!(d.sensitive_paths, ["/srv/secrets"]);
        assert_eq!(d.allowed_bind_paths, ["/var/log/app"]);
        assert_eq!(d.allowed_capabilities, ["NET_ADMIN"]);
        assert_eq!(d.allowed_devices, ["/dev/fuse", "gpus"]);
        assert_eq!(d.exec, DockerExec::NonRoot);
        assert_eq!(d.exec_allowed_users, ["alice"]);
        assert_eq!(d.allowed_plugins[0].as_str(), "docker.io/vieux/sshfs");
        let off = DeployPolicy::parse("version: 1\ndocker: {enabled: false}\n", "p.yaml").unwrap();
        assert!(!off.docker.enabled);
        assert_eq!(
            error("version: 1\ndocker:\n  exec: sometimes\n")
                .split(':')
                .take(2)
                .collect::<Vec<_>>(),
            ["p.yaml", "3"]
        );
        assert_eq!(
            error("version: 1\ndocker:\n  enabled: true\n  sensitive_path: [/x]\n")
                .split(':')
                .take(2)
                .collect::<Vec<_>>(),
            ["p.yaml", "4"]
        );
        assert_eq!(
            error("version: 1\ndocker:\n  allowed_bind_paths:\n    - /ok\n    - relative/path\n"),
            "p.yaml:5: docker.allowed_bind_paths: \"relative/path\" is not an absolute path"
        );
        assert_eq!(
            error("version: 1\ndocker:\n  allowed_capabilities: [SYS_GOD]\n"),
            "p.yaml:3: docker.allowed_capabilities: \"SYS_GOD\" is not a Linux capability"
        );
        assert_eq!(
            error("version: 1\ndocker:\n  exec_allowed_users: [\"\"]\n"),
            "p.yaml:3: docker.exec_allowed_users: an empty user name would match every request without TLS client authentication"
        );
        assert_eq!(
            error("version: 1\ndocker:\n  allowed_devices: [fuse]\n"),
            "p.yaml:3: docker.allowed_devices: \"fuse\" is neither an absolute path nor `gpus`"
        );
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
