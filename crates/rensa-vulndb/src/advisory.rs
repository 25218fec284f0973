//! The normalized advisory model that every reader produces.
//!
//! The model follows the OSV schema closely (ids, aliases, `affected` entries with ranges of events) and
//! adds what distribution feeds carry and OSV does not: a per-package [`Status`] (fixed, unfixed,
//! will-not-fix, not-affected) and the distribution's own severity rating.
//!
//! All types are plain serde types without skipped or flattened fields, so they round-trip through
//! self-describing formats (JSON) and compact positional ones (postcard) alike.

use serde::{Deserialize, Serialize};

/// Longest `details` text kept, in bytes; longer texts are cut at a character boundary and end in `…`.
pub const DETAILS_LIMIT: usize = 4096;

/// One advisory: a vulnerability (or an informational notice) and the packages it affects.
///
/// For OSV and RustSec records and DSA/DLA advisories `id` is unique within its `source`. Distribution
/// feeds that publish per-CVE data (Debian tracker JSON, Alpine secdb) produce one advisory per CVE and
/// package (and, for Alpine, per release), all with the CVE as `id`; [`Advisory::key`] is unique for
/// every reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record's identifier (`GO-2024-1234`, `PYSEC-2020-1`, `RUSTSEC-2021-0001`, `DSA-5380-1`,
    /// `CVE-2023-1393`, …).
    pub id: String,
    /// Other identifiers of the same vulnerability (CVE, GHSA, DSA, …), without `id` itself.
    pub aliases: Vec<String>,
    /// A one-line summary, when the source gives one.
    pub summary: Option<String>,
    /// The longer description, cut to [`DETAILS_LIMIT`] bytes.
    pub details: Option<String>,
    /// When the record was first published (RFC 3339 or `YYYY-MM-DD`, as the source gives it).
    pub published: Option<String>,
    /// When the record was last modified (RFC 3339 or `YYYY-MM-DD`); the zero time some feeds write
    /// (`0001-01-01T00:00:00Z`) is read as absent.
    pub modified: Option<String>,
    /// Set when the record was withdrawn (the time of withdrawal); matchers ignore such records.
    pub withdrawn: Option<String>,
    /// Set for records that are notices rather than vulnerabilities (RustSec `informational`:
    /// `unmaintained`, `unsound`, `notice`).
    pub informational: Option<String>,
    /// Severity vectors of the vulnerability.
    pub severity: Vec<SeverityVector>,
    /// Reference URLs.
    pub references: Vec<String>,
    /// The affected packages.
    pub affected: Vec<Affected>,
    /// The feed the record came from (`osv`, `rustsec`, `alpine-secdb`, `debian-tracker`, `debian-dsa`,
    /// `debian-dla`).
    pub source: String,
}

impl Advisory {
    /// A new advisory with the given id and source and every other field empty.
    pub fn new(id: impl Into<String>, source: impl Into<String>) -> Self {
        Advisory {
            id: id.into(),
            aliases: Vec::new(),
            summary: None,
            details: None,
            published: None,
            modified: None,
            withdrawn: None,
            informational: None,
            severity: Vec::new(),
            references: Vec::new(),
            affected: Vec::new(),
            source: source.into(),
        }
    }

    /// A key that tells the advisories of one import apart: `source/id`, and for the per-CVE
    /// distribution feeds also `/ecosystem/package` of the (single) affected package, plus `/fixed
    /// version` for Alpine, whose secfixes may list one CVE under two versions of a package (a fix and a
    /// later regression fix).
    pub fn key(&self) -> String {
        match (self.source.as_str(), self.affected.first()) {
            ("debian-tracker", Some(a)) => {
                format!("{}/{}/{}/{}", self.source, self.id, a.ecosystem, a.package)
            }
            ("alpine-secdb", Some(a)) => format!(
                "{}/{}/{}/{}/{}",
                self.source,
                self.id,
                a.ecosystem,
                a.package,
                a.fixed_version().unwrap_or("0")
            ),
            _ => format!("{}/{}", self.source, self.id),
        }
    }

    /// Whether the record was withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// All identifiers: `id` first, then the aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Adds an alias unless it equals `id` or is already present.
    pub fn add_alias(&mut self, alias: &str) {
        let alias = alias.trim();
        if !alias.is_empty() && alias != self.id && !self.aliases.iter().any(|a| a == alias) {
            self.aliases.push(alias.to_string());
        }
    }

    /// Sets `details`, cut to [`DETAILS_LIMIT`] bytes; empty text is stored as `None`.
    pub fn set_details(&mut self, text: &str) {
        self.details = truncate(text.trim(), DETAILS_LIMIT);
    }
}

/// `text` cut to at most `limit` bytes at a character boundary (with `…` appended when cut), or `None`
/// when empty.
pub(crate) fn truncate(text: &str, limit: usize) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if text.len() <= limit {
        return Some(text.to_string());
    }
    let mut end = limit.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}…", &text[..end]))
}

/// A severity vector as the source states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityVector {
    /// The OSV severity type: `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ….
    pub kind: String,
    /// The vector (`CVSS:3.1/AV:N/…`) or rating.
    pub vector: String,
}

impl SeverityVector {
    /// A CVSS vector with its kind derived from its prefix (`CVSS:4.0/` → `CVSS_V4`, `CVSS:3.x/` →
    /// `CVSS_V3`, anything else → `CVSS_V2`).
    pub fn cvss(vector: &str) -> Self {
        let vector = vector.trim();
        let kind = if vector.starts_with("CVSS:4") {
            "CVSS_V4"
        } else if vector.starts_with("CVSS:3") {
            "CVSS_V3"
        } else {
            "CVSS_V2"
        };
        SeverityVector {
            kind: kind.into(),
            vector: vector.into(),
        }
    }
}

/// One affected package in one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The ecosystem exactly as OSV names it: `Debian:12`, `Alpine:v3.18`, `PyPI`, `crates.io`, `Go`, ….
    pub ecosystem: String,
    /// The package name in that ecosystem (for distributions the *source* package).
    pub package: String,
    /// The package URL, when the source gives one.
    pub purl: Option<String>,
    /// Affected version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// The distribution's verdict for this package; `None` for OSV and RustSec records, whose ranges say
    /// everything.
    pub status: Option<Status>,
    /// The distribution's own severity rating (Debian urgency such as `low` or `unimportant`).
    pub distro_severity: Option<String>,
}

impl Affected {
    /// A new entry for `package` in `ecosystem` with no ranges, versions or status.
    pub fn new(ecosystem: impl Into<String>, package: impl Into<String>) -> Self {
        Affected {
            ecosystem: ecosystem.into(),
            package: package.into(),
            purl: None,
            ranges: Vec::new(),
            versions: Vec::new(),
            status: None,
            distro_severity: None,
        }
    }

    /// The first `fixed` event of any range, if there is one.
    pub fn fixed_version(&self) -> Option<&str> {
        self.ranges.iter().flat_map(|r| &r.events).find_map(|e| match e {
            Event::Fixed(v) => Some(v.as_str()),
            _ => None,
        })
    }
}

/// What a distribution says about a package's exposure to one vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fixed; the range's `fixed` event holds the first fixed version.
    Fixed,
    /// Affected, and a fix is expected but not yet available (also used for "undetermined" and
    /// "postponed" entries).
    Unfixed,
    /// Affected, and the distribution has decided not to fix it in this release (Debian `<ignored>`,
    /// `<no-dsa>`, `<end-of-life>`).
    WillNotFix,
    /// The release's package is not affected (Debian `<not-affected>` or fixed version `0`, Alpine
    /// secfixes key `0`).
    NotAffected,
}

/// A range of affected versions, as a sequence of OSV events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// How the versions of the events are ordered.
    pub kind: RangeKind,
    /// The repository of a `GIT` range.
    pub repo: Option<String>,
    /// The events, in the order the source lists them.
    pub events: Vec<Event>,
}

/// How the versions in a [`Range`] are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// Semantic Versioning 2.0 order.
    Semver,
    /// The ecosystem's own version order.
    Ecosystem,
    /// Git commits (not comparable without the repository; matchers skip these).
    Git,
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from this one (inclusive) are affected; `0` means from the beginning.
    Introduced(String),
    /// Versions from this one (inclusive) are no longer affected.
    Fixed(String),
    /// The last affected version (inclusive).
    LastAffected(String),
    /// An upper limit (exclusive) on the range, used with git ranges.
    Limit(String),
}

impl Event {
    /// The version or commit of the event.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_like_osv() {
        let r = Range {
            kind: RangeKind::Semver,
            repo: None,
            events: vec![Event::Introduced("0".into()), Event::LastAffected("1.2".into())],
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"SEMVER","repo":null,"events":[{"introduced":"0"},{"last_affected":"1.2"}]}"#
        );
        assert_eq!(serde_json::from_str::<Range>(&json).unwrap(), r);
        assert_eq!(
            serde_json::to_string(&Status::WillNotFix).unwrap(),
            r#""will_not_fix""#
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(3000);
        let cut = truncate(&long, DETAILS_LIMIT).unwrap();
        assert!(cut.len() <= DETAILS_LIMIT, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("", 10), None);
        assert_eq!(truncate("abc", 10).as_deref(), Some("abc"));
    }

    #[test]
    fn aliases_are_deduplicated() {
        let mut a = Advisory::new("CVE-1", "osv");
        a.add_alias("CVE-1");
        a.add_alias("GHSA-x");
        a.add_alias(" GHSA-x ");
        assert_eq!(a.aliases, ["GHSA-x"]);
        assert_eq!(a.ids().collect::<Vec<_>>(), ["CVE-1", "GHSA-x"]);
        assert_eq!(SeverityVector::cvss("CVSS:4.0/AV:N").kind, "CVSS_V4");
        assert_eq!(SeverityVector::cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P").kind, "CVSS_V2");
    }
}
