//! The scan verdict: does an image pass or is it blocked, and why.
//!
//! # Policy file (YAML)
//!
//! ```yaml
//! block:                          # a finding blocks when it matches any of these rules
//!   - category: vulnerability     # vulnerability | config | secret | malware (optional)
//!     severity: [critical, high]  # optional: any of these severities
//!     fixed: true                 # optional (vulnerabilities): only those with a fix available
//!   - id: [remote-login-enabled, remote-login-weak-password]   # optional: rule ids, CVE/GHSA ids, aliases
//! exceptions:                     # a finding an exception covers never blocks
//!   - id: CVE-2023-4911           # required: the finding's id or one of its aliases
//!     package: libc6              # optional: package name or purl prefix (vulnerabilities) / path (others)
//!     reason: "not reachable: no setuid binaries in the image"   # required
//!     expires: 2026-12-31         # optional: from this day on the exception no longer applies
//! ```
//!
//! Within a rule, every key given must match (and a list matches any of its values); a rule with no keys
//! is refused, as are unknown keys, an exception without a reason and malformed dates, so a typo never
//! silently passes an image. An expired exception is reported as a warning and applies to nothing.
//!
//! # Default policy ([`Policy::default`])
//!
//! The three classic reasons to block an image, plus the two that no team ships knowingly:
//! vulnerabilities rated critical or high; `remote-login-enabled`; `remote-login-weak-password`;
//! any malware finding; secrets rated critical (cloud keys, private keys).

use std::path::Path;

use rensa_vulndb::suppress::Date;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The categories of findings a policy can name.
pub const CATEGORIES: &[&str] = &["vulnerability", "config", "secret", "malware"];
/// The severities a policy can name (vulnerability ratings and check severities together).
pub const SEVERITIES: &[&str] = &[
    "critical",
    "high",
    "medium",
    "low",
    "negligible",
    "info",
    "unknown",
];

/// One finding, as the policy sees it: vulnerabilities and check findings alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `vulnerability`, `config`, `secret` or `malware`.
    pub category: String,
    /// The id (CVE…, or a rule id such as `remote-login-enabled`).
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// The lower-case severity.
    pub severity: String,
    /// For vulnerabilities: the package name and its purl.
    pub package: Option<(String, String)>,
    /// For check findings: the file.
    pub path: Option<String>,
    /// For vulnerabilities: whether a fix is available.
    pub fixed: bool,
}

impl Item {
    fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// `id` (and `package` or `path`), for messages.
    pub fn describe(&self) -> String {
        match (&self.package, &self.path) {
            (Some((name, _)), _) => format!("{} in {name}", self.id),
            (None, Some(path)) => format!("{} at {path}", self.id),
            (None, None) => self.id.clone(),
        }
    }
}

/// A list in the policy file that may also be written as one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    block: Vec<RawRule>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    category: Option<OneOrMany>,
    severity: Option<OneOrMany>,
    id: Option<OneOrMany>,
    fixed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    id: String,
    package: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

/// A blocking rule: a finding matches when it matches every key that is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Categories (any of), or all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// Severities (any of), or all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<String>,
    /// Ids or aliases (any of, ASCII case ignored), or all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id: Vec<String>,
    /// Only vulnerabilities with (true) or without (false) a fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<bool>,
}

impl Rule {
    fn matches(&self, item: &Item) -> bool {
        (self.category.is_empty() || self.category.contains(&item.category))
            && (self.severity.is_empty() || self.severity.contains(&item.severity))
            && (self.id.is_empty()
                || self
                    .id
                    .iter()
                    .any(|r| item.ids().any(|i| i.eq_ignore_ascii_case(r))))
            && self
                .fixed
                .is_none_or(|f| item.category == "vulnerability" && item.fixed == f)
    }

    /// A one-line description (`category=vulnerability severity=critical,high`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (key, values) in [
            ("category", &self.category),
            ("severity", &self.severity),
            ("id", &self.id),
        ] {
            if !values.is_empty() {
                parts.push(format!("{key}={}", values.join(",")));
            }
        }
        if let Some(f) = self.fixed {
            parts.push(format!("fixed={f}"));
        }
        parts.join(" ")
    }
}

/// An exception: findings it covers never block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// The id or alias it covers.
    pub id: String,
    /// Package name, purl prefix, or file path it is limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Why.
    pub reason: String,
    /// From this day on it no longer applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip)]
    expires_on: Option<Date>,
}

impl Exception {
    fn covers(&self, item: &Item) -> bool {
        item.ids().any(|i| i.eq_ignore_ascii_case(&self.id))
            && self
                .package
                .as_deref()
                .is_none_or(|p| match (&item.package, &item.path) {
                    (Some((name, purl)), _) => name == p || purl == p || purl.starts_with(&format!("{p}@")),
                    (None, Some(path)) => path == p,
                    (None, None) => false,
                })
    }
}

/// A deployment policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Where it came from (`built-in default` or the file).
    pub source: String,
    /// Blocking rules.
    pub block: Vec<Rule>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

impl Default for Policy {
    fn default() -> Self {
        let rule = |category: &[&str], severity: &[&str], id: &[&str]| Rule {
            category: category.iter().map(|s| s.to_string()).collect(),
            severity: severity.iter().map(|s| s.to_string()).collect(),
            id: id.iter().map(|s| s.to_string()).collect(),
            fixed: None,
        };
        Policy {
            source: "built-in default".into(),
            block: vec![
                rule(&["vulnerability"], &["critical", "high"], &[]),
                rule(
                    &["config"],
                    &[],
                    &["remote-login-enabled", "remote-login-weak-password"],
                ),
                rule(&["malware"], &[], &[]),
                rule(&["secret"], &["critical"], &[]),
            ],
            exceptions: Vec::new(),
        }
    }
}

impl Policy {
    /// Reads a policy file.
    pub fn read(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Policy::parse(&text, &path.display().to_string())
    }

    /// Parses a policy; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Policy> {
        let invalid = |location: String, message: String| Error::Invalid { location, message };
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| {
            invalid(
                file.to_string(),
                e.to_string().lines().next().unwrap_or("").to_string(),
            )
        })?;
        let mut block = Vec::new();
        for (n, r) in raw.block.into_iter().enumerate() {
            let at = format!("{file}: block rule {}", n + 1);
            let rule = Rule {
                category: r.category.map(OneOrMany::into_vec).unwrap_or_default(),
                severity: r.severity.map(OneOrMany::into_vec).unwrap_or_default(),
                id: r.id.map(OneOrMany::into_vec).unwrap_or_default(),
                fixed: r.fixed,
            };
            if rule.category.is_empty()
                && rule.severity.is_empty()
                && rule.id.is_empty()
                && rule.fixed.is_none()
            {
                return Err(invalid(
                    at,
                    "a rule needs at least one of category, severity, id, fixed".into(),
                ));
            }
            if let Some(c) = rule.category.iter().find(|c| !CATEGORIES.contains(&c.as_str())) {
                return Err(invalid(
                    at,
                    format!("unknown category {c:?} (known: {})", CATEGORIES.join(", ")),
                ));
            }
            if let Some(s) = rule.severity.iter().find(|s| !SEVERITIES.contains(&s.as_str())) {
                return Err(invalid(
                    at,
                    format!("unknown severity {s:?} (known: {})", SEVERITIES.join(", ")),
                ));
            }
            block.push(rule);
        }
        let mut exceptions = Vec::new();
        for (n, e) in raw.exceptions.into_iter().enumerate() {
            let at = format!("{file}: exception {} ({})", n + 1, e.id);
            let reason = e
                .reason
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| invalid(at.clone(), "an exception needs a reason".into()))?;
            let expires_on = match &e.expires {
                None => None,
                Some(d) => Some(Date::parse(d).ok_or_else(|| {
                    invalid(at.clone(), format!("expires {d:?} is not a date (YYYY-MM-DD)"))
                })?),
            };
            exceptions.push(Exception {
                id: e.id,
                package: e.package,
                reason,
                expires: e.expires,
                expires_on,
            });
        }
        Ok(Policy {
            source: file.to_string(),
            block,
            exceptions,
        })
    }

    /// Decides on `items` as of `today`.
    pub fn evaluate(&self, items: &[Item], today: Date) -> Verdict {
        let mut verdict = Verdict {
            decision: Decision::Pass,
            policy: self.source.clone(),
            reasons: Vec::new(),
            excepted: Vec::new(),
            warnings: Vec::new(),
        };
        let live: Vec<&Exception> = self
            .exceptions
            .iter()
            .filter(|e| {
                let expired = e.expires_on.is_some_and(|d| today >= d);
                if expired {
                    verdict.warnings.push(format!(
                        "policy exception for {} expired on {}: it no longer applies",
                        e.id,
                        e.expires.as_deref().unwrap_or("")
                    ));
                }
                !expired
            })
            .collect();
        for item in items {
            let Some(rule) = self.block.iter().find(|r| r.matches(item)) else {
                continue;
            };
            let reason = Reason {
                id: item.id.clone(),
                category: item.category.clone(),
                severity: item.severity.clone(),
                subject: item.describe(),
                rule: rule.describe(),
            };
            match live.iter().find(|e| e.covers(item)) {
                Some(e) => verdict.excepted.push(Excepted {
                    reason,
                    exception: e.reason.clone(),
                    expires: e.expires.clone(),
                }),
                None => verdict.reasons.push(reason),
            }
        }
        if !verdict.reasons.is_empty() {
            verdict.decision = Decision::Block;
        }
        verdict
    }
}

/// Pass or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Nothing blocks the image.
    Pass,
    /// At least one finding blocks it.
    Block,
}

/// Why a finding blocks (or would have, without its exception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The finding's id.
    pub id: String,
    /// Its category.
    pub category: String,
    /// Its severity.
    pub severity: String,
    /// `ID in PACKAGE` or `ID at PATH`.
    pub subject: String,
    /// The rule it matched.
    pub rule: String,
}

/// A blocking finding that an exception let through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excepted {
    /// The finding and the rule.
    #[serde(flatten)]
    pub reason: Reason,
    /// The exception's reason.
    pub exception: String,
    /// When the exception expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The outcome of a policy over one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `pass` or `block`.
    #[serde(rename = "verdict")]
    pub decision: Decision,
    /// The policy used.
    pub policy: String,
    /// The findings that block the image.
    pub reasons: Vec<Reason>,
    /// Findings that would block but are excepted.
    pub excepted: Vec<Excepted>,
    /// Expired exceptions.
    pub warnings: Vec<String>,
}
