//! The image checks as one scanner: [`ImageChecks`] is the walk [`Interest`] that keeps the files the
//! config rules read and runs the secret and malware scanners on every file while its layer streams
//! (results are cached with the layer), and [`ImageChecks::findings`] turns the merged filesystem into
//! findings afterwards, including the two password rules that need both the account database and the
//! remote-login services.
//!
//! Secrets and malware are reported for every file of every layer, including files that a later layer
//! overwrote or deleted: their bytes are still in the image for anyone who pulls it.

use rensa_oci::{FileTree, Image, Interest, Want};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::config::{self, Baseline, RemoteLoginService};
use crate::finding::{Category, Finding};
use crate::malware::{MalwareConfig, MalwareScanner};
use crate::password::{self, Budget};
use crate::secret::{SecretConfig, SecretScanner};

/// The inspection record key of secret hits.
const SECRET_KEY: &str = "check:secret";
/// The inspection record key of malware hits.
const MALWARE_KEY: &str = "check:malware";
/// Bumped whenever what the walk records for a file changes (part of the layer-cache key).
const RECORD_VERSION: u32 = 1;

/// Which scanners run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanners {
    /// Configuration, remote login and passwords.
    pub config: bool,
    /// Embedded secrets.
    pub secret: bool,
    /// Malware.
    pub malware: bool,
}

impl Scanners {
    /// Whether any scanner runs.
    pub fn any(&self) -> bool {
        self.config || self.secret || self.malware
    }
}

/// Everything the checks can be told.
#[derive(Debug, Clone)]
pub struct ChecksOptions {
    /// Which scanners run.
    pub scanners: Scanners,
    /// The password-policy baseline.
    pub baseline: Baseline,
    /// The secret scanner's settings.
    pub secret: SecretConfig,
    /// The malware scanner's settings.
    pub malware: MalwareConfig,
    /// How long to spend guessing each password hash.
    pub password_budget: Budget,
}

impl Default for ChecksOptions {
    fn default() -> Self {
        ChecksOptions {
            scanners: Scanners {
                config: true,
                secret: true,
                malware: true,
            },
            baseline: Baseline::default(),
            secret: SecretConfig::default(),
            malware: MalwareConfig::default(),
            password_budget: Budget::default(),
        }
    }
}

/// A finding recorded during the walk, without its path and layer (those come from the tree).
#[derive(Serialize, Deserialize)]
struct Recorded(Vec<Finding>);

/// The compliance checks of one scan.
pub struct ImageChecks {
    options: ChecksOptions,
    secret: Option<SecretScanner>,
    malware: Option<MalwareScanner>,
    cache_key: String,
}

impl ImageChecks {
    /// Sets up the scanners (compiles the malware rules, reads hash lists); fails on a bad rule file or
    /// list, naming it.
    pub fn new(options: ChecksOptions) -> Result<ImageChecks> {
        // Compiling the secret regexes and the YARA rules takes tens of milliseconds each, before the
        // walk can start: side by side on two cores.
        let (secret, malware) = rayon::join(
            || {
                options
                    .scanners
                    .secret
                    .then(|| SecretScanner::new(&options.secret))
                    .transpose()
            },
            || {
                options
                    .scanners
                    .malware
                    .then(|| MalwareScanner::new(&options.malware))
                    .transpose()
            },
        );
        let (secret, malware) = (secret?, malware?);
        let cache_key = format!(
            "checks-v{RECORD_VERSION}-{}:secret={}:malware={}",
            env!("CARGO_PKG_VERSION"),
            if secret.is_some() {
                format!("{:?}", options.secret)
            } else {
                "off".into()
            },
            malware.as_ref().map_or("off", |m| m.cache_key()),
        );
        Ok(ImageChecks {
            options,
            secret,
            malware,
            cache_key,
        })
    }

    /// The options in use.
    pub fn options(&self) -> &ChecksOptions {
        &self.options
    }

    fn config_wants(&self, path: &str) -> bool {
        self.options.scanners.config && (config::wants(path) || path == "/etc/shells")
    }

    /// The findings of every scanner that ran, sorted by category, id and path, and warnings.
    /// `tree` must come from a walk that used this interest (alone or [`rensa_oci::Combined`]).
    pub fn findings(&self, tree: &FileTree, image: &Image) -> (Vec<Finding>, Vec<String>) {
        let mut findings = Vec::new();
        let mut warnings = Vec::new();
        if self.options.scanners.config {
            let (f, w) = config::check(tree, image, &self.options.baseline);
            findings.extend(f);
            warnings.extend(w);
            let services = config::remote_login(tree, image);
            self.password_findings(tree, &services, &mut findings, &mut warnings);
        }
        for (path, node) in tree.iter() {
            self.recorded(
                path,
                node.layer,
                &node.inspected,
                false,
                &mut findings,
                &mut warnings,
            );
        }
        for removed in tree.removed() {
            self.recorded(
                &removed.path,
                removed.layer,
                &removed.inspected,
                true,
                &mut findings,
                &mut warnings,
            );
        }
        if let Some(m) = &self.malware {
            let stats = m.stats();
            if stats.too_large > 0 {
                warnings.push(format!(
                    "malware: {} files larger than {} bytes were not scanned",
                    stats.too_large, self.options.malware.max_file_bytes
                ));
            }
        }
        findings.sort_by(|a, b| {
            (a.category, &a.id, &a.path, a.layer, &a.detail)
                .cmp(&(b.category, &b.id, &b.path, b.layer, &b.detail))
        });
        findings.dedup();
        warnings.sort();
        warnings.dedup();
        (findings, warnings)
    }

    fn recorded(
        &self,
        path: &str,
        layer: usize,
        records: &[(String, Vec<u8>)],
        removed: bool,
        findings: &mut Vec<Finding>,
        warnings: &mut Vec<String>,
    ) {
        for (key, data) in records {
            let wanted = (key == SECRET_KEY && self.secret.is_some())
                || (key == MALWARE_KEY && self.malware.is_some());
            if !wanted {
                continue;
            }
            match serde_json::from_slice::<Recorded>(data) {
                Ok(Recorded(list)) => findings.extend(list.into_iter().filter(|f| !self.host_key_reported(path, removed, f)).map(|mut f| {
                    f.path = Some(path.to_string());
                    f.layer = Some(layer);
                    if removed {
                        f.detail = format!(
                            "{} The file was deleted or replaced by a later layer, but layer {layer} still holds it: \
                             anyone who pulls the image can read it.",
                            f.detail
                        );
                    }
                    f
                })),
                Err(e) => warnings.push(format!("{path}: unreadable check record ({e})")),
            }
        }
    }

    /// Whether `f` is a private-key secret in an SSH host key file that the config rule
    /// `ssh-host-keys-in-image` reports already (live files, config scanner on): one problem, one finding.
    fn host_key_reported(&self, path: &str, removed: bool, f: &Finding) -> bool {
        self.options.scanners.config
            && !removed
            && f.id == "secret-private-key"
            && path
                .strip_prefix("/etc/ssh/ssh_host_")
                .is_some_and(|rest| rest.ends_with("_key") && !rest.contains('/'))
    }

    /// `empty-password` and `remote-login-weak-password`.
    fn password_findings(
        &self,
        tree: &FileTree,
        services: &[RemoteLoginService],
        findings: &mut Vec<Finding>,
        warnings: &mut Vec<String>,
    ) {
        let Some(passwd) = read(tree, "/etc/passwd") else {
            return;
        };
        let shadow = read(tree, "/etc/shadow");
        let shells = read(tree, "/etc/shells");
        let report = password::weak_accounts(passwd, shadow, shells, &self.options.password_budget);
        warnings.extend(report.warnings.iter().map(|w| w.to_string()));
        let layer_of = |p: &str| tree.resolve(p).ok().flatten().map(|(_, n)| n.layer);
        let shadow_layer = layer_of("/etc/shadow").or_else(|| layer_of("/etc/passwd"));
        let enabled: Vec<&RemoteLoginService> = services.iter().filter(|s| s.enabled()).collect();
        let evidence = |s: &RemoteLoginService| format!("{} ({})", s.server, s.enabled_by.join("; "));

        for account in &report.empty {
            let file = match account.shadow_line {
                Some(line) => format!("/etc/shadow line {line}"),
                None => format!("/etc/passwd line {}", account.passwd_line),
            };
            findings.push(rule_finding(
                "empty-password",
                format!(
                    "Account {} (uid {}, shell {}) has an empty password field ({file}).",
                    account.name, account.uid, account.shell
                ),
                Some("/etc/shadow"),
                shadow_layer,
            ));
            // An empty password is a remote login when a server accepts it.
            for s in &enabled {
                if let Some(why) = accepts_empty(s, &account.name) {
                    findings.push(rule_finding(
                        "remote-login-weak-password",
                        format!(
                            "Remote login is enabled by {} and account {} has an empty password, which {why}.",
                            evidence(s),
                            account.name
                        ),
                        Some("/etc/shadow"),
                        shadow_layer,
                    ));
                }
            }
        }
        for cracked in &report.cracked {
            for s in &enabled {
                if let Some(why) = accepts_password(s, &cracked.account.name) {
                    findings.push(rule_finding(
                        "remote-login-weak-password",
                        format!(
                            "Remote login is enabled by {}, {why}, and account {} (uid {}) has a guessable {}.",
                            evidence(s),
                            cracked.account.name,
                            cracked.account.uid,
                            cracked.describe()
                        ),
                        Some("/etc/shadow"),
                        shadow_layer,
                    ));
                }
            }
        }
        for unchecked in &report.unchecked {
            let note = format!(
                "the password of account {} was not fully checked: {}",
                unchecked.account.name,
                unchecked.outcome.describe()
            );
            // Say so in the remote-login finding, where it matters, and as a warning.
            if !enabled.is_empty() {
                for f in findings.iter_mut().filter(|f| f.id == "remote-login-enabled") {
                    f.detail = format!("{}. Note: {note}.", f.detail);
                }
            }
            warnings.push(note);
        }
    }
}

/// Whether `service` lets `account` log in with an empty password, and why (None: it does not).
fn accepts_empty(service: &RemoteLoginService, account: &str) -> Option<String> {
    match &service.sshd {
        Some(s) => {
            let root_ok = account != "root" || s.permit_root_login.value == "yes";
            (s.permit_empty_passwords.value && s.password_authentication.value && root_ok)
                .then(|| "sshd accepts (PermitEmptyPasswords yes, PasswordAuthentication yes)".to_string())
        }
        // OpenSSH without a config file: the compiled-in default PermitEmptyPasswords no.
        None if service.server.contains("OpenSSH") => None,
        // telnet and the r-services hand the password check to login(1)/PAM, where Debian's common-auth
        // has `nullok`.
        None => Some(format!(
            "{} passes to login(1), which accepts it with PAM nullok",
            service.server
        )),
    }
}

/// Whether `service` lets `account` log in with a password, and why (None: it does not).
fn accepts_password(service: &RemoteLoginService, account: &str) -> Option<String> {
    match &service.sshd {
        Some(s) => {
            if !s.password_authentication.value {
                return None;
            }
            if account == "root" && s.permit_root_login.value != "yes" {
                return None;
            }
            Some("sshd accepts passwords (PasswordAuthentication yes)".to_string())
        }
        None if service.server.contains("OpenSSH") => {
            // Defaults of OpenSSH: passwords yes, root only with keys.
            (account != "root").then(|| "sshd accepts passwords (the default)".to_string())
        }
        None => Some(format!("{} accepts passwords", service.server)),
    }
}

fn read<'a>(tree: &'a FileTree, path: &str) -> Option<&'a [u8]> {
    let (resolved, _) = tree.resolve(path).ok().flatten()?;
    tree.read(&resolved)
}

fn rule_finding(id: &str, detail: String, path: Option<&str>, layer: Option<usize>) -> Finding {
    let rule = config::rules::rule_by_id(id).expect("a config rule id");
    Finding {
        id: rule.id.to_string(),
        category: Category::Config,
        severity: rule.severity,
        title: rule.title.to_string(),
        detail: format!("{detail} {}", rule.rationale),
        remediation: rule.remediation.to_string(),
        path: path.map(str::to_string),
        layer,
        references: rule.references.iter().map(|r| r.to_string()).collect(),
    }
}

impl Interest for ImageChecks {
    fn want(&self, path: &str, size: u64, _mode: u32) -> Want {
        let keep = self.config_wants(path);
        let secret = self
            .secret
            .as_ref()
            .is_some_and(|s| s.skip_path(path, size).is_none());
        let malware = self.malware.is_some() && size > 0 && size <= self.options.malware.max_file_bytes;
        match (keep, secret || malware) {
            (true, true) => Want::Both,
            (true, false) => Want::Content,
            (false, true) => Want::Inspect,
            (false, false) => Want::Skip,
        }
    }

    fn accept(&self, _path: &str, head: &[u8]) -> bool {
        self.malware.is_some()
            || self
                .secret
                .as_ref()
                .is_some_and(|s| s.skip_content(head).is_none())
    }

    fn inspect(&self, path: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        if let Some(s) = &self.secret
            && let Ok(hits) = s.scan_file(path, data)
            && !hits.is_empty()
        {
            let list: Vec<Finding> = hits.iter().map(|h| h.to_finding(path, None)).collect();
            out.push((
                SECRET_KEY.to_string(),
                serde_json::to_vec(&Recorded(list)).unwrap_or_default(),
            ));
        }
        if let Some(m) = &self.malware {
            let hits = m.scan(path, data);
            if !hits.is_empty() {
                let list: Vec<Finding> = hits.iter().map(|h| h.to_finding(path, None)).collect();
                out.push((
                    MALWARE_KEY.to_string(),
                    serde_json::to_vec(&Recorded(list)).unwrap_or_default(),
                ));
            }
        }
        out
    }

    fn cache_key(&self) -> String {
        self.cache_key.clone()
    }
}
