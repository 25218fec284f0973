//! Suppressions: entries of an ignore file (each with a reason and an optional expiry) and OpenVEX
//! statements that take findings out of a scan's results. A suppressed finding is not dropped silently:
//! it is kept, with where the suppression came from and why, so reports can show it (SARIF
//! `suppressions`, CycloneDX `analysis`, the json `suppressed` array).
//!
//! [`ignore::read`] and [`openvex::read`] read and check the files (anything unusable is an
//! [`Error::Suppression`] naming the file: a file that cannot be read entirely
//! is never used in part); [`apply`] splits findings into kept and suppressed and says which ignore
//! entries expired or matched nothing.
//!
//! Rules of [`apply`]:
//! - An ignore entry applies to a finding when its `id` equals (ignoring ASCII case) the finding's id or
//!   one of its aliases, and its `package`, if any, matches the finding's package (a purl by the rules in
//!   [`purl`], a name by [`ignore::PackageSpec::Name`]). An entry whose `expires` day has come (today ≥
//!   expires) applies to nothing.
//! - An OpenVEX statement applies to a finding when its vulnerability name or one of its aliases equals
//!   the finding's id or one of its aliases, and one of its products matches: a package purl matching the
//!   finding's package; the scanned image (its reference as given, or a `pkg:oci/…@DIGEST` purl with its
//!   manifest or config digest) without subcomponents, which covers every package; the image, or a
//!   package of the image, with subcomponents, which covers the packages the subcomponents match. Of the
//!   statements that apply, the one with the latest timestamp decides (on equal times, the later file,
//!   then the later statement): `not_affected` and `fixed` suppress, `affected` and
//!   `under_investigation` keep the finding.
//! - The ignore file goes first: a finding both ignored and covered by VEX is reported as ignored.

pub mod date;
pub mod ignore;
pub mod openvex;
pub mod purl;

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::matcher::{Finding, FindingPackage};
use crate::{Error, Result};
pub use date::Date;
use ignore::{IgnoreEntry, IgnoreFile, PackageSpec};
use openvex::{VexDocument, VexStatement};
use purl::PackageUrl;

/// Where a suppression comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// An entry of an ignore file (`--ignore-file`).
    IgnoreFile,
    /// An OpenVEX statement (`--vex`) with status `not_affected` or `fixed`.
    Openvex,
}

/// A finding taken out of the results, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The finding as the matcher reported it.
    pub finding: Finding,
    /// Ignore file or OpenVEX.
    pub origin: Origin,
    /// The file the suppression was read from.
    pub file: String,
    /// For OpenVEX: the statement's status (`not_affected`, `fixed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_status: Option<String>,
    /// For OpenVEX: the justification (`vulnerable_code_not_present`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The reason given: the ignore entry's `reason`; for OpenVEX the `impact_statement`, else the
    /// `status_notes`, else the justification, else the status.
    pub reason: String,
    /// For an ignore entry: the day (YYYY-MM-DD) from which on it no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// What was scanned, for matching VEX products that name the image rather than a package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The image reference as the user gave it.
    pub image: String,
    /// The image's manifest and config digests (`sha256:…`).
    pub digests: Vec<String>,
    /// The purls of the image's packages.
    pub packages: Vec<PackageUrl>,
}

impl Subject {
    /// The subject of a scan of `sbom`.
    pub fn of(sbom: &rensa_catalog::Sbom) -> Subject {
        let image = &sbom.image;
        Subject {
            image: image.name.clone(),
            digests: image
                .manifest_digest
                .iter()
                .chain(image.config_digest.iter())
                .cloned()
                .collect(),
            packages: sbom
                .packages
                .iter()
                .filter_map(|p| PackageUrl::parse(&p.purl))
                .collect(),
        }
    }
}

/// Something about the suppression files the user should know.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Notice {
    /// An ignore entry whose expiry day has come: it suppresses nothing any more.
    Expired {
        /// The ignore file.
        file: String,
        /// The entry's line.
        line: u64,
        /// The entry's id.
        id: String,
        /// Its expiry day.
        expires: Date,
    },
    /// An ignore entry (not expired) that matched no finding.
    Unused {
        /// The ignore file.
        file: String,
        /// The entry's line.
        line: u64,
        /// The entry's id.
        id: String,
    },
}

impl Notice {
    /// A stable kebab-case code: `ignore-expired` or `ignore-unused`.
    pub fn code(&self) -> &'static str {
        match self {
            Notice::Expired { .. } => "ignore-expired",
            Notice::Unused { .. } => "ignore-unused",
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Expired {
                file,
                line,
                id,
                expires,
            } => write!(
                f,
                "ignore entry for {id} in {file} (line {line}) expired on {expires}; it no longer suppresses anything"
            ),
            Notice::Unused { file, line, id } => write!(
                f,
                "ignore entry for {id} in {file} (line {line}) matched no finding; remove it if it is no longer needed"
            ),
        }
    }
}

/// Findings split by [`apply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Findings that stay in the results, in input order.
    pub kept: Vec<Finding>,
    /// Findings taken out, in input order.
    pub suppressed: Vec<Suppressed>,
    /// Expired and unused ignore entries, sorted.
    pub notices: Vec<Notice>,
}

/// Reads a whole text file of at most `limit` bytes.
fn read_text(path: &Path, limit: u64) -> Result<String> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(Error::Suppression {
            file: path.display().to_string(),
            reason: format!("larger than {limit} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| Error::Suppression {
        file: path.display().to_string(),
        reason: "not UTF-8 text".into(),
    })
}

fn id_matches(id: &str, finding: &Finding) -> bool {
    finding.id.eq_ignore_ascii_case(id) || finding.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
}

fn name_matches(name: &str, pkg: &FindingPackage, purl: Option<&PackageUrl>) -> bool {
    let kind = purl.map_or("", |p| p.kind.as_str());
    std::iter::once(&pkg.name)
        .chain(pkg.source_name.iter())
        .any(|n| purl::names_equal(kind, name, n))
}

fn entry_matches(entry: &IgnoreEntry, finding: &Finding, purl: Option<&PackageUrl>) -> bool {
    id_matches(&entry.id, finding)
        && match &entry.package {
            None => true,
            Some(PackageSpec::Purl(p)) => purl.is_some_and(|q| p.matches(q)),
            Some(PackageSpec::Name(n)) => name_matches(n, &finding.package, purl),
        }
}

/// Whether a product or subcomponent identifier names the scanned image.
fn is_image(id: &str, subject: &Subject) -> bool {
    match PackageUrl::parse(id) {
        Some(p) => {
            p.kind == "oci"
                && p.version
                    .as_ref()
                    .is_some_and(|v| subject.digests.iter().any(|d| d == v))
        }
        None => !subject.image.is_empty() && id == subject.image,
    }
}

fn id_matches_package(id: &str, purl: Option<&PackageUrl>) -> bool {
    match (PackageUrl::parse(id), purl) {
        (Some(p), Some(q)) => p.kind != "oci" && p.matches(q),
        _ => false,
    }
}

fn statement_applies(
    s: &VexStatement,
    finding: &Finding,
    purl: Option<&PackageUrl>,
    subject: &Subject,
) -> bool {
    let vuln = std::iter::once(&s.vulnerability)
        .chain(s.aliases.iter())
        .any(|v| id_matches(v, finding));
    vuln && s.products.iter().any(|p| {
        if p.ids.iter().any(|id| id_matches_package(id, purl)) {
            return true;
        }
        let image = p.ids.iter().any(|id| is_image(id, subject));
        if image && p.subcomponents.is_empty() {
            return true;
        }
        let in_image = image
            || p.ids.iter().any(|id| {
                PackageUrl::parse(id)
                    .is_some_and(|q| q.kind != "oci" && subject.packages.iter().any(|k| q.matches(k)))
            });
        in_image
            && p.subcomponents
                .iter()
                .any(|ids| ids.iter().any(|id| id_matches_package(id, purl)))
    })
}

/// Splits `findings` into kept and suppressed by the ignore files and OpenVEX documents (see the
/// [module docs](self) for the rules); `today` decides which ignore entries have expired.
pub fn apply(
    findings: Vec<Finding>,
    subject: &Subject,
    ignores: &[IgnoreFile],
    vex: &[VexDocument],
    today: Date,
) -> Outcome {
    let mut used = vec![Vec::new(); ignores.len()];
    for (u, f) in used.iter_mut().zip(ignores) {
        *u = vec![false; f.entries.len()];
    }
    let mut out = Outcome::default();
    for finding in findings {
        let purl = PackageUrl::parse(&finding.package.purl);
        let purl = purl.as_ref();
        // Every live entry that matches is marked used, so only truly stale entries are reported.
        let mut by_entry: Option<(&IgnoreFile, &IgnoreEntry)> = None;
        for (fi, file) in ignores.iter().enumerate() {
            for (ei, entry) in file.entries.iter().enumerate() {
                let live = entry.expires.is_none_or(|e| today < e);
                if live && entry_matches(entry, &finding, purl) {
                    used[fi][ei] = true;
                    by_entry.get_or_insert((file, entry));
                }
            }
        }
        if let Some((file, entry)) = by_entry {
            out.suppressed.push(Suppressed {
                finding,
                origin: Origin::IgnoreFile,
                file: file.file.clone(),
                vex_status: None,
                justification: None,
                reason: entry.reason.clone(),
                expires: entry.expires.map(|d| d.to_string()),
            });
            continue;
        }
        let mut latest: Option<(&VexDocument, &VexStatement)> = None;
        for doc in vex {
            for s in &doc.statements {
                if statement_applies(s, &finding, purl, subject)
                    && latest.is_none_or(|(_, l)| s.timestamp >= l.timestamp)
                {
                    latest = Some((doc, s));
                }
            }
        }
        match latest {
            Some((doc, s)) if s.status.suppresses() => {
                let reason = s
                    .impact_statement
                    .clone()
                    .or_else(|| s.status_notes.clone())
                    .or_else(|| s.justification.clone())
                    .unwrap_or_else(|| s.status.as_str().to_string());
                out.suppressed.push(Suppressed {
                    finding,
                    origin: Origin::Openvex,
                    file: doc.file.clone(),
                    vex_status: Some(s.status.as_str().to_string()),
                    justification: s.justification.clone(),
                    reason,
                    expires: None,
                });
            }
            _ => out.kept.push(finding),
        }
    }
    for (fi, file) in ignores.iter().enumerate() {
        for (ei, entry) in file.entries.iter().enumerate() {
            match entry.expires {
                Some(expires) if today >= expires => out.notices.push(Notice::Expired {
                    file: file.file.clone(),
                    line: entry.line,
                    id: entry.id.clone(),
                    expires,
                }),
                _ if !used[fi][ei] => out.notices.push(Notice::Unused {
                    file: file.file.clone(),
                    line: entry.line,
                    id: entry.id.clone(),
                }),
                _ => {}
            }
        }
    }
    out.notices.sort();
    out.notices.dedup();
    out
}
