//! Configuration checks: remote login, the password policy, `sshd_config`, the image configuration,
//! sudo, file permissions and leftovers of the build (package-manager caches, SSH host keys).
//!
//! [`check`] runs every rule of [`rules()`] (except the two password-cracking rules, which live in
//! [`crate::password`]) against the merged [`FileTree`] and the image's configuration and returns the
//! findings, sorted, plus warnings about files it could not read cleanly (a malformed line, a file over
//! the size cap). [`wants`] names the files whose content the rules need; the image walk keeps those.
//! [`remote_login`] is the remote-login detection the password rules build on.
//!
//! Thresholds that are a matter of policy (password lengths and ages, how long `LoginGraceTime` may be)
//! come from a [`Baseline`], which can be loaded from a JSON file.

pub mod image;
pub mod login_defs;
mod pam;
pub mod perms;
pub mod rules;
pub mod services;
pub mod sshd;
mod sudo;

mod caches;
mod glob;

use std::path::Path;

use rensa_oci::{EntryKind, FileTree, Image};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::rule::Rule;

pub use rules::rules;
pub use services::{RemoteLoginService, remote_login};

/// The largest file a config rule reads (bytes); larger files are read up to this size, with a warning.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Policy thresholds of the password and SSH rules. Every field has a documented default; a JSON file
/// may give any subset (`{"password_max_age": 365}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Baseline {
    /// The shortest password length the system may accept. Default 8: NIST SP 800-63B §5.1.1.2
    /// ("Verifiers SHALL require subscriber-chosen memorized secrets to be at least 8 characters").
    pub password_min_length: u32,
    /// The longest a password may stay valid, in days (`PASS_MAX_DAYS`). Default 90: PCI DSS v3.2.1
    /// requirement 8.2.4 (change passwords at least every 90 days); CIS Distribution Independent Linux
    /// v2.0.0 §5.4.1.1 accepts up to 365.
    pub password_max_age: u32,
    /// The fewest days between password changes (`PASS_MIN_DAYS`). Default 1: CIS Debian Linux 12
    /// Benchmark §5.4.1.2 ("1 or more"), DISA STIG (24 hours minimum lifetime).
    pub password_min_age: u32,
    /// The fewest days of warning before a password expires (`PASS_WARN_AGE`). Default 7: CIS
    /// Distribution Independent Linux v2.0.0 §5.4.1.3 ("7 or more").
    pub password_warn_age: u32,
    /// The most authentication attempts sshd may allow per connection (`MaxAuthTries`). Default 4:
    /// CIS Distribution Independent Linux v2.0.0 §5.2.7 ("4 or less").
    pub ssh_max_auth_tries: u32,
    /// The longest `LoginGraceTime` in seconds. Default 60: CIS Distribution Independent Linux v2.0.0
    /// §5.2.17 ("one minute or less").
    pub ssh_login_grace_time: u32,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            password_min_length: 8,
            password_max_age: 90,
            password_min_age: 1,
            password_warn_age: 7,
            ssh_max_auth_tries: 4,
            ssh_login_grace_time: 60,
        }
    }
}

impl Baseline {
    /// Loads a baseline from a JSON file; missing fields keep their defaults, unknown fields are an error.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            Error::Invalid { message, .. } => Error::Invalid {
                location: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses a baseline from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::Invalid {
            location: format!("baseline:{}:{}", e.line(), e.column()),
            message: e.to_string(),
        })
    }
}

/// Whether the config rules need the content of the regular file at `path` (absolute, normalized).
/// The walk keeps these (up to [`MAX_FILE_BYTES`] is read); everything else the rules need is metadata.
pub fn wants(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/etc/login.defs",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/sudoers",
        "/etc/inetd.conf",
        "/etc/xinetd.conf",
        "/etc/supervisord.conf",
        "/etc/supervisor/supervisord.conf",
        "/etc/security/pwquality.conf",
    ];
    const DIRS: &[&str] = &[
        "/etc/pam.d/",
        "/etc/security/pwquality.conf.d/",
        "/etc/sudoers.d/",
        "/etc/xinetd.d/",
        "/etc/supervisor/conf.d/",
        "/etc/supervisord.d/",
    ];
    if EXACT.contains(&path) || DIRS.iter().any(|d| direct_child(path, d)) {
        return true;
    }
    if let Some(rest) = path.strip_prefix("/etc/ssh/") {
        // sshd_config and what it includes; never the private host keys or the large moduli file.
        return !rest.contains("_key") && rest != "moduli" && !rest.starts_with("ssh_config");
    }
    // runit and s6 service scripts.
    for base in [
        "/etc/service/",
        "/etc/sv/",
        "/etc/services.d/",
        "/etc/s6-overlay/s6-rc.d/",
    ] {
        if let Some(rest) = path.strip_prefix(base) {
            let parts: Vec<&str> = rest.split('/').collect();
            return parts.len() == 2 && parts[1] == "run";
        }
    }
    false
}

fn direct_child(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// Runs every config rule on an image and returns the findings (sorted by rule id, path and detail)
/// and warnings (sorted, deduplicated). The two password-cracking rules (`remote-login-weak-password`,
/// `empty-password`) are not run here.
pub fn check(tree: &FileTree, image: &Image, baseline: &Baseline) -> (Vec<Finding>, Vec<String>) {
    let mut out = Out::default();
    let sshd = sshd::SshdConfig::load(tree, &mut out);
    services::check(tree, image, sshd.as_ref(), &mut out);
    if let Some(cfg) = &sshd {
        sshd::check(cfg, baseline, &mut out);
    }
    sshd::check_host_keys(tree, &mut out);
    login_defs::check(tree, baseline, &mut out);
    login_defs::check_shadow(tree, &mut out);
    pam::check(tree, baseline, &mut out);
    image::check(image, &mut out);
    sudo::check(tree, &mut out);
    perms::check(tree, image, &mut out);
    caches::check(tree, &mut out);
    out.finish()
}

/// Collects findings and warnings while the rules run.
#[derive(Debug, Default)]
pub(crate) struct Out {
    findings: Vec<Finding>,
    warnings: Vec<String>,
}

impl Out {
    /// Adds a finding of `rule` with its default severity.
    pub(crate) fn finding(&mut self, id: &str, detail: String, path: Option<&str>, layer: Option<usize>) {
        let rule = rules::rule(id);
        self.finding_with(rule, rule.severity, detail, path, layer);
    }

    /// Adds a finding of `rule` with an explicit severity.
    pub(crate) fn finding_with(
        &mut self,
        rule: &Rule,
        severity: Severity,
        detail: String,
        path: Option<&str>,
        layer: Option<usize>,
    ) {
        self.findings.push(Finding {
            id: rule.id.to_string(),
            category: Category::Config,
            severity,
            title: rule.title.to_string(),
            detail: format!("{detail}. {}", rule.rationale),
            remediation: rule.remediation.to_string(),
            path: path.map(str::to_string),
            layer,
            references: rule.references.iter().map(|r| r.to_string()).collect(),
        });
    }

    /// Adds a warning.
    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    fn finish(mut self) -> (Vec<Finding>, Vec<String>) {
        self.findings.sort();
        self.findings.dedup();
        self.warnings.sort();
        self.warnings.dedup();
        (self.findings, self.warnings)
    }
}

/// A text file of the image: its canonical path, the layer that wrote it and its (lossily decoded,
/// size-capped) text.
#[derive(Debug, Clone)]
pub(crate) struct TextFile {
    pub(crate) path: String,
    pub(crate) layer: usize,
    pub(crate) text: String,
}

/// Reads a kept text file, following links inside the image. Files over [`MAX_FILE_BYTES`] are cut
/// there and non-UTF-8 bytes are replaced, each with a warning.
pub(crate) fn read_text(tree: &FileTree, path: &str, out: &mut Out) -> Option<TextFile> {
    let (canon, node) = match tree.resolve(path) {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => {
            out.warn(format!("{path}: {e}"));
            return None;
        }
    };
    if node.kind != EntryKind::File {
        return None;
    }
    let Some(bytes) = node.content.as_deref() else {
        out.warn(format!("{canon}: content not kept by the walk; not checked"));
        return None;
    };
    let bytes = if bytes.len() > MAX_FILE_BYTES {
        out.warn(format!(
            "{canon}: {} bytes, only the first {MAX_FILE_BYTES} are checked",
            bytes.len()
        ));
        // Cut at the last complete line.
        let cut = &bytes[..MAX_FILE_BYTES];
        let end = cut
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(MAX_FILE_BYTES, |i| i + 1);
        &cut[..end]
    } else {
        bytes
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            out.warn(format!("{canon}: not valid UTF-8; invalid bytes replaced"));
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    Some(TextFile {
        path: canon,
        layer: node.layer,
        text,
    })
}

/// The regular files directly in directory `dir` (following a link to the directory), sorted by name.
pub(crate) fn dir_files(tree: &FileTree, dir: &str) -> Vec<String> {
    // Tar streams may omit directory entries: a directory that does not resolve is taken literally.
    let canon = match tree.resolve(dir) {
        Ok(Some((canon, node))) if node.kind == EntryKind::Dir => canon,
        Ok(Some(_)) => return Vec::new(),
        _ => dir.to_string(),
    };
    let prefix = if canon == "/" {
        "/".to_string()
    } else {
        format!("{canon}/")
    };
    tree.below(&canon)
        .filter(|(p, n)| !p[prefix.len()..].contains('/') && n.kind != EntryKind::Dir)
        .map(|(p, _)| p.to_string())
        .collect()
}

/// Strips a `#` comment that starts a line or follows whitespace.
pub(crate) fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// `file:line: text` for a finding's detail.
pub(crate) fn at(file: &str, line: usize, text: &str) -> String {
    format!("{file}:{line}: {}", text.trim())
}
