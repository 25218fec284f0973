//! The ignore file: a YAML list of vulnerabilities to leave out of the results, each with a reason and
//! an optional expiry date.
//!
//! ```yaml
//! vulnerabilities:
//!   - id: CVE-2019-10906          # the finding's id or any of its aliases
//!     package: pkg:pypi/jinja2    # optional: a purl (version optional) or a package name
//!     reason: "sandbox not used; templates are trusted"
//!     expires: 2026-12-31         # optional: from this day on the entry no longer applies
//! ```

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::date::Date;
use super::purl::PackageUrl;
use crate::{Error, Result};

/// An ignore file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file, as given.
    pub file: String,
    /// Its entries, in file order.
    pub entries: Vec<IgnoreEntry>,
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The vulnerability id (compared, ignoring ASCII case, with a finding's id and aliases).
    pub id: String,
    /// The package it is limited to, if any.
    pub package: Option<PackageSpec>,
    /// Why it is ignored (never empty).
    pub reason: String,
    /// The first day on which the entry no longer applies.
    pub expires: Option<Date>,
    /// The line of the entry's `id` in the file (1-based; 0 when unknown).
    pub line: u64,
}

/// The package an ignore entry is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageSpec {
    /// A package URL (`pkg:…`); without a version it matches every version.
    Purl(PackageUrl),
    /// A package name, compared with the package's name and source package name (PEP 503-normalized
    /// for PyPI, lower case for NuGet and Composer, exact otherwise).
    Name(String),
}

impl std::fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageSpec::Purl(p) => {
                write!(f, "pkg:{}/", p.kind)?;
                if let Some(ns) = &p.namespace {
                    write!(f, "{ns}/")?;
                }
                f.write_str(&p.name)?;
                if let Some(v) = &p.version {
                    write!(f, "@{v}")?;
                }
                Ok(())
            }
            PackageSpec::Name(n) => f.write_str(n),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    vulnerabilities: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

/// The largest ignore file read (a guard against a wrong path to a huge file).
const MAX_SIZE: u64 = 16 << 20;

/// Reads and checks the ignore file at `path`.
pub fn read(path: &Path) -> Result<IgnoreFile> {
    let text = super::read_text(path, MAX_SIZE)?;
    parse(&text, &path.display().to_string())
}

/// Parses and checks an ignore file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<IgnoreFile> {
    let err = |reason: String| Error::Suppression {
        file: file.to_string(),
        reason,
    };
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Ok(IgnoreFile {
            file: file.to_string(),
            entries: Vec::new(),
        });
    }
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| err(one_line(&e.to_string())))?;
    let mut entries = Vec::with_capacity(raw.vulnerabilities.len());
    for r in raw.vulnerabilities {
        let line = r.id.referenced.line();
        let id = r.id.value.trim().to_string();
        let at = |what: &str| format!("line {line}: {what}");
        if id.is_empty() {
            return Err(err(at("the entry's id is empty")));
        }
        let reason = r.reason.map(|s| s.trim().to_string()).unwrap_or_default();
        if reason.is_empty() {
            return Err(err(at(&format!(
                "the entry for {id} has no reason (every ignore entry needs a non-empty `reason`)"
            ))));
        }
        let package = match r.package.as_deref().map(str::trim) {
            None => None,
            Some("") => return Err(err(at(&format!("the entry for {id} has an empty package")))),
            Some(p) if p.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("pkg:")) => {
                Some(PackageSpec::Purl(PackageUrl::parse(p).ok_or_else(|| {
                    err(at(&format!(
                        "the entry for {id} has an invalid package URL {p:?}"
                    )))
                })?))
            }
            Some(p) => Some(PackageSpec::Name(p.to_string())),
        };
        let expires = match r.expires.as_deref().map(str::trim) {
            None => None,
            Some(d) => Some(Date::parse(d).ok_or_else(|| {
                err(at(&format!(
                    "the entry for {id} has an invalid expiry date {d:?} (expected YYYY-MM-DD)"
                )))
            })?),
        };
        entries.push(IgnoreEntry {
            id,
            package,
            reason,
            expires,
            line,
        });
    }
    Ok(IgnoreFile {
        file: file.to_string(),
        entries,
    })
}

/// The parser's message without the source snippet it draws below (`line L column C: what`).
fn one_line(msg: &str) -> String {
    let first = msg.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(msg);
    let first = first.split(" --> ").next().unwrap_or(first);
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}
