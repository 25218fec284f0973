//! OSV records (<https://ossf.github.io/osv-schema/>) in JSON and YAML, and OSV `all.zip` archives.
//!
//! Each record is converted into an [`Advisory`] with `source = "osv"`. A record that does not parse, or
//! whose ranges or events are malformed, is reported in the batch and skipped. Affected entries of
//! ecosystems that rensa does not know ([`is_known_ecosystem`]) are dropped and counted; a record left
//! with no affected entries by that is skipped too. Affected entries without a `package` (allowed by the
//! schema for git-only ranges) are dropped. Per-package `severity` is merged into the record's severity.

mod archive;

pub use archive::{ZipLimits, read_zip};

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityVector};
use crate::feed::{ImportBatch, one_line};

/// The ecosystem names of the OSV schema (the part before any `:`), plus `Rust` for the Rust toolchain
/// advisories of RustSec.
const KNOWN_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Echo",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "RubyGems",
    "Rust",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// Whether rensa knows `ecosystem` (`Debian:12` → `Debian`; names are case-sensitive, as in OSV).
pub fn is_known_ecosystem(ecosystem: &str) -> bool {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    KNOWN_ECOSYSTEMS.contains(&base)
}

/// Reads one OSV JSON record from `text`; `location` names the file in messages.
pub fn read_json(text: &str, location: &str, batch: &mut ImportBatch) {
    match serde_json::from_str::<RawRecord>(text) {
        Ok(raw) => convert_into(raw, location, batch),
        Err(e) => batch.error(with_id(location, id_of_json(text)), e.to_string()),
    }
}

/// Reads a JSON array of OSV records; each bad element is reported (as `location[index]`) and skipped.
pub fn read_json_array(text: &str, location: &str, batch: &mut ImportBatch) {
    let items: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(items) => items,
        Err(e) => {
            batch.error(location, format!("not a JSON array: {e}"));
            return;
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        let location = format!("{location}[{i}]");
        let id = item.get("id").and_then(|v| v.as_str()).map(str::to_string);
        match serde_json::from_value::<RawRecord>(item) {
            Ok(raw) => convert_into(raw, &location, batch),
            Err(e) => batch.error(with_id(&location, id), e.to_string()),
        }
    }
}

/// Reads one OSV YAML record (the format of the PyPA advisory database).
pub fn read_yaml(text: &str, location: &str, batch: &mut ImportBatch) {
    match serde_saphyr::from_str::<RawRecord>(text) {
        Ok(raw) => convert_into(raw, location, batch),
        Err(e) => {
            let id = serde_saphyr::from_str::<IdOnly>(text).ok().and_then(|r| r.id);
            batch.error(with_id(location, id), one_line(&e.to_string()))
        }
    }
}

fn convert_into(raw: RawRecord, location: &str, batch: &mut ImportBatch) {
    let id = raw.id.clone();
    match convert(raw, batch) {
        Ok(Some(advisory)) => batch.advisories.push(advisory),
        Ok(None) => {}
        Err(reason) => batch.error(with_id(location, Some(id)), reason),
    }
}

fn with_id(location: &str, id: Option<String>) -> String {
    match id {
        Some(id) => format!("{location}: {id}"),
        None => location.to_string(),
    }
}

fn id_of_json(text: &str) -> Option<String> {
    serde_json::from_str::<IdOnly>(text).ok().and_then(|r| r.id)
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<String>,
}

/// An OSV record as written; fields rensa does not use are ignored.
#[derive(Deserialize)]
struct RawRecord {
    id: String,
    modified: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    references: Option<Vec<RawReference>>,
    #[serde(default)]
    database_specific: Option<RawDatabaseSpecific>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawDatabaseSpecific {
    #[serde(default)]
    informational: Option<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    events: Vec<BTreeMap<String, String>>,
}

/// Converts a parsed record; `Ok(None)` when every affected entry was of an unknown ecosystem.
fn convert(raw: RawRecord, batch: &mut ImportBatch) -> Result<Option<Advisory>, String> {
    if raw.id.trim().is_empty() {
        return Err("empty id".into());
    }
    let mut a = Advisory::new(raw.id.trim(), "osv");
    for alias in raw.aliases.unwrap_or_default() {
        a.add_alias(&alias);
    }
    a.summary = raw
        .summary
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    a.set_details(raw.details.as_deref().unwrap_or(""));
    a.published = raw.published.and_then(real_time);
    a.modified = real_time(raw.modified);
    a.withdrawn = raw.withdrawn.filter(|w| !w.trim().is_empty());
    a.informational = raw.database_specific.and_then(|d| d.informational);
    for s in raw.severity.unwrap_or_default() {
        push_severity(&mut a, s);
    }
    a.references = raw
        .references
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.url)
        .collect();
    let raw_affected = raw.affected.unwrap_or_default();
    let had_affected = !raw_affected.is_empty();
    for (i, ra) in raw_affected.into_iter().enumerate() {
        let Some(pkg) = ra.package else { continue };
        if !is_known_ecosystem(&pkg.ecosystem) {
            batch.unknown_ecosystem(&pkg.ecosystem);
            continue;
        }
        if pkg.name.trim().is_empty() {
            return Err(format!("affected[{i}]: empty package name"));
        }
        let mut affected = Affected::new(pkg.ecosystem, pkg.name.trim());
        affected.purl = pkg.purl;
        for (j, rr) in ra.ranges.unwrap_or_default().into_iter().enumerate() {
            affected
                .ranges
                .push(convert_range(rr).map_err(|e| format!("affected[{i}].ranges[{j}]: {e}"))?);
        }
        affected.versions = ra.versions.unwrap_or_default();
        for s in ra.severity.unwrap_or_default() {
            push_severity(&mut a, s);
        }
        a.affected.push(affected);
    }
    if had_affected && a.affected.is_empty() {
        return Ok(None);
    }
    Ok(Some(a))
}

fn push_severity(a: &mut Advisory, s: RawSeverity) {
    let v = SeverityVector {
        kind: s.kind,
        vector: s.score,
    };
    if !a.severity.contains(&v) {
        a.severity.push(v);
    }
}

fn convert_range(rr: RawRange) -> Result<Range, String> {
    let kind = match rr.kind.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        other => return Err(format!("unknown range type {other:?}")),
    };
    let mut events = Vec::with_capacity(rr.events.len());
    for (k, map) in rr.events.into_iter().enumerate() {
        let mut entries = map.into_iter();
        let (Some((key, version)), None) = (entries.next(), entries.next()) else {
            return Err(format!("events[{k}]: an event must have exactly one field"));
        };
        events.push(match key.as_str() {
            "introduced" => Event::Introduced(version),
            "fixed" => Event::Fixed(version),
            "last_affected" => Event::LastAffected(version),
            "limit" => Event::Limit(version),
            other => return Err(format!("events[{k}]: unknown event {other:?}")),
        });
    }
    if events.is_empty() {
        return Err("a range without events".into());
    }
    Ok(Range {
        kind,
        repo: rr.repo,
        events,
    })
}

/// `None` for empty times and the zero time (`0001-01-01…`) that the Go database writes.
fn real_time(t: String) -> Option<String> {
    let t = t.trim();
    (!t.is_empty() && !t.starts_with("0001-01-01")).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str = r#"{"schema_version":"1.3.1","id":"GO-2099-0001","modified":"0001-01-01T00:00:00Z",
      "published":"2099-01-02T00:00:00Z","aliases":["CVE-2099-1","GHSA-aaaa-bbbb-cccc"],
      "summary":"A bug","details":"Longer","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected":[{"package":{"name":"example.com/m","ecosystem":"Go"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"},{"introduced":"2.0.0"},{"last_affected":"2.1.0"}]}],
        "ecosystem_specific":{"imports":[{"path":"example.com/m","symbols":["F"]}]}},
        {"package":{"name":"x","ecosystem":"NotAnEcosystem"}}],
      "references":[{"type":"FIX","url":"https://example.com/fix"}],
      "database_specific":{"url":"https://pkg.go.dev/vuln/GO-2099-0001"}}"#;

    #[test]
    fn json_record_converts() {
        let mut b = ImportBatch::default();
        read_json(GO, "go.json", &mut b);
        assert_eq!(b.errors, []);
        assert_eq!(b.unknown_ecosystems.get("NotAnEcosystem"), Some(&1));
        let a = &b.advisories[0];
        assert_eq!(a.id, "GO-2099-0001");
        assert_eq!(a.aliases, ["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"]);
        assert_eq!(a.modified, None);
        assert_eq!(a.published.as_deref(), Some("2099-01-02T00:00:00Z"));
        assert_eq!(a.severity[0].kind, "CVSS_V3");
        assert_eq!(a.references, ["https://example.com/fix"]);
        assert_eq!(a.affected.len(), 1);
        assert_eq!(a.affected[0].package, "example.com/m");
        assert_eq!(
            a.affected[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("1.2.3".into()),
                Event::Introduced("2.0.0".into()),
                Event::LastAffected("2.1.0".into())
            ]
        );
    }

    #[test]
    fn bad_records_are_reported_with_their_id() {
        let mut b = ImportBatch::default();
        read_json(
            r#"{"id":"X-1","modified":"2020-01-01T00:00:00Z","affected":5}"#,
            "f.json",
            &mut b,
        );
        read_json(
            r#"{"id":"X-2","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"npm"},"ranges":[{"type":"WEIRD","events":[{"introduced":"0"}]}]}]}"#,
            "g.json",
            &mut b,
        );
        read_json(
            r#"{"id":"X-3","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"name":"a","ecosystem":"npm"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#,
            "h.json",
            &mut b,
        );
        read_json(r#"{"id":"X-4","#, "i.json", &mut b);
        assert_eq!(b.advisories, []);
        let locations: Vec<_> = b.errors.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(locations, ["f.json: X-1", "g.json: X-2", "h.json: X-3", "i.json"]);
        assert!(
            b.errors[0].1.contains("invalid type: integer `5`"),
            "{}",
            b.errors[0].1
        );
        assert_eq!(
            b.errors[1].1,
            r#"affected[0].ranges[0]: unknown range type "WEIRD""#
        );
        assert_eq!(
            b.errors[2].1,
            "affected[0].ranges[0]: events[0]: an event must have exactly one field"
        );
    }

    #[test]
    fn yaml_versions_stay_strings() {
        let yaml = "id: PYSEC-1\nmodified: 2021-01-01T00:00:00Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: p\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - 1.10\n";
        let mut b = ImportBatch::default();
        read_yaml(yaml, "p.yaml", &mut b);
        assert_eq!(b.errors, []);
        let a = &b.advisories[0].affected[0];
        assert_eq!(a.versions, ["1.0", "1.10"]);
        assert_eq!(
            a.ranges[0].events,
            [Event::Introduced("0".into()), Event::Fixed("1.10".into())]
        );
    }
}
