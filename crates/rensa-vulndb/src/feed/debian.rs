//! The Debian security tracker: its JSON export (`security-tracker.debian.org/tracker/data/json`) and
//! the DSA/DLA lists of its repository (`data/DSA/list`, `data/DLA/list`).
//!
//! Release codenames map to OSV ecosystems through [`ecosystem_for`] (`bookworm` → `Debian:12`); entries
//! of other releases (`sid`, `experimental`) are dropped and counted as unknown ecosystems
//! `Debian:<codename>`. Packages are *source* packages.
//!
//! **Tracker JSON** — `{source package: {CVE: {description, releases: {codename: {status, fixed_version,
//! urgency, nodsa, nodsa_reason}}}}}` gives one advisory per source package and CVE that lists a known release (`id` = the CVE,
//! `source` = `debian-tracker`), with one affected entry per release. Statuses map as:
//!
//! | tracker | [`Status`] | range |
//! |---|---|---|
//! | `resolved`, `fixed_version` `0` | `NotAffected` | none |
//! | `resolved`, `fixed_version` V | `Fixed` | `introduced 0, fixed V` |
//! | `not-affected` | `NotAffected` | none |
//! | `open` with `nodsa_reason` `ignored`, a plain `nodsa` (`<no-dsa>`), or urgency `end-of-life` | `WillNotFix` | `introduced 0` |
//! | `open` with `nodsa_reason` `postponed`, other `open`, `undetermined` | `Unfixed` | `introduced 0` |
//!
//! The urgency (without the `*`/`**` marks of unreviewed ratings; not `not yet assigned` or
//! `end-of-life`) becomes `distro_severity`.
//!
//! **DSA/DLA lists** — each `[DD Mon YYYY] DSA-NNNN-N package - description` block gives one advisory
//! (`id` = `DSA-…`/`DLA-…`, `source` = `debian-dsa`/`debian-dla`, `published` = the date as
//! `YYYY-MM-DD`, `summary` = the description) with the CVEs of its `{…}` lines as aliases and one
//! affected entry per `[release] - package version` line: `Fixed` with `introduced 0, fixed version`,
//! or `<not-affected>` → `NotAffected`, `<unfixed>` → `Unfixed`, `<end-of-life>` → `WillNotFix`. An
//! urgency in the line's trailing remark (`(bug #1234; medium)`) becomes `distro_severity`. `NOTE:`
//! lines are ignored; any other line that does not parse is reported and skipped.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, Status};
use crate::feed::ImportBatch;

/// The `source` of advisories read from the tracker JSON.
pub const SOURCE_TRACKER: &str = "debian-tracker";

/// Debian release codenames and the OSV ecosystem of each.
const RELEASES: &[(&str, &str)] = &[
    ("woody", "Debian:3.0"),
    ("sarge", "Debian:3.1"),
    ("etch", "Debian:4"),
    ("lenny", "Debian:5"),
    ("squeeze", "Debian:6"),
    ("wheezy", "Debian:7"),
    ("jessie", "Debian:8"),
    ("stretch", "Debian:9"),
    ("buster", "Debian:10"),
    ("bullseye", "Debian:11"),
    ("bookworm", "Debian:12"),
    ("trixie", "Debian:13"),
    ("forky", "Debian:14"),
    ("duke", "Debian:15"),
];

/// The OSV ecosystem of a Debian release codename (`bookworm` → `Debian:12`); 3.0 and 3.1 keep their
/// minor version, later releases are named by their major version as in OSV.
pub fn ecosystem_for(codename: &str) -> Option<&'static str> {
    RELEASES.iter().find(|(c, _)| *c == codename).map(|(_, e)| *e)
}

fn fixed_range(version: &str) -> Vec<Range> {
    vec![Range {
        kind: RangeKind::Ecosystem,
        repo: None,
        events: vec![Event::Introduced("0".into()), Event::Fixed(version.into())],
    }]
}

fn open_range() -> Vec<Range> {
    vec![Range {
        kind: RangeKind::Ecosystem,
        repo: None,
        events: vec![Event::Introduced("0".into())],
    }]
}

#[derive(Deserialize)]
struct TrackerCve {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    releases: Option<Releases>,
}

/// `releases` is an object, or an empty array in entries without release data.
#[derive(Deserialize)]
#[serde(untagged)]
enum Releases {
    Map(BTreeMap<String, TrackerRelease>),
    Empty(#[allow(dead_code)] Vec<serde::de::IgnoredAny>),
}

#[derive(Deserialize)]
struct TrackerRelease {
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// Reads the tracker JSON; `location` names the file in messages.
pub fn read_tracker_json(text: &str, location: &str, batch: &mut ImportBatch) {
    // The typed parse is the fast path; only when it fails is the file parsed again entry by entry, so
    // that one bad entry is reported and the rest still read.
    let data: Vec<(String, String, Result<TrackerCve, String>)> = match serde_json::from_str::<
        BTreeMap<String, BTreeMap<String, TrackerCve>>,
    >(text)
    {
        Ok(d) => d
            .into_iter()
            .flat_map(|(p, cves)| cves.into_iter().map(move |(c, e)| (p.clone(), c, Ok(e))))
            .collect(),
        Err(_) => match serde_json::from_str::<BTreeMap<String, BTreeMap<String, serde_json::Value>>>(text) {
            Ok(d) => d
                .into_iter()
                .flat_map(|(p, cves)| {
                    cves.into_iter().map(move |(c, v)| {
                        (p.clone(), c, serde_json::from_value(v).map_err(|e| e.to_string()))
                    })
                })
                .collect(),
            Err(e) => {
                batch.error(location, format!("not a Debian security tracker JSON file: {e}"));
                return;
            }
        },
    };
    for (package, cve, entry) in data {
        {
            let here = format!("{location}: {package} {cve}");
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    batch.error(here, e);
                    continue;
                }
            };
            let mut a = Advisory::new(cve.as_str(), SOURCE_TRACKER);
            a.set_details(entry.description.as_deref().unwrap_or(""));
            let releases = match entry.releases {
                Some(Releases::Map(m)) => m,
                _ => BTreeMap::new(),
            };
            for (codename, rel) in releases {
                let Some(ecosystem) = ecosystem_for(&codename) else {
                    batch.unknown_ecosystem(&format!("Debian:{codename}"));
                    continue;
                };
                let mut affected = Affected::new(ecosystem, package.as_str());
                let urgency = rel.urgency.as_deref().unwrap_or("").trim_end_matches('*').trim();
                let eol = urgency == "end-of-life";
                if !matches!(urgency, "" | "not yet assigned" | "end-of-life") {
                    affected.distro_severity = Some(urgency.to_string());
                }
                let fixed = rel
                    .fixed_version
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty());
                let (status, ranges) = match (rel.status.as_str(), fixed) {
                    ("resolved", Some("0")) | ("not-affected" | "not_affected", _) => {
                        (Status::NotAffected, vec![])
                    }
                    ("resolved", Some(v)) => (Status::Fixed, fixed_range(v)),
                    ("resolved", None) => {
                        batch.error(
                            format!("{here} {codename}"),
                            "status resolved without a fixed_version",
                        );
                        continue;
                    }
                    ("open", _) => {
                        let reason = rel.nodsa_reason.as_deref().unwrap_or("");
                        let will_not_fix =
                            eol || reason == "ignored" || (rel.nodsa.is_some() && reason != "postponed");
                        (
                            if will_not_fix {
                                Status::WillNotFix
                            } else {
                                Status::Unfixed
                            },
                            open_range(),
                        )
                    }
                    ("undetermined", _) => (Status::Unfixed, open_range()),
                    (other, _) => {
                        batch.error(format!("{here} {codename}"), format!("unknown status {other:?}"));
                        continue;
                    }
                };
                affected.status = Some(status);
                affected.ranges = ranges;
                a.affected.push(affected);
            }
            // An entry without any release rensa knows says nothing it could match.
            if !a.affected.is_empty() {
                batch.advisories.push(a);
            }
        }
    }
}

/// Whether `text` starts like a DSA/DLA list (`[DD Mon YYYY] DSA-…`).
pub fn looks_like_list(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| parse_header(l).is_some())
}

struct Header<'a> {
    date: String,
    id: &'a str,
    summary: &'a str,
}

/// Parses `[29 Mar 2023] DSA-5380-1 xorg-server - security update`.
fn parse_header(line: &str) -> Option<Header<'_>> {
    let rest = line.strip_prefix('[')?;
    let (date, rest) = rest.split_once(']')?;
    let date = parse_date(date)?;
    let rest = rest.trim_start();
    let (id, summary) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let prefix = id.split('-').next()?;
    if !matches!(prefix, "DSA" | "DLA" | "DTSA") || !id[prefix.len()..].starts_with('-') {
        return None;
    }
    let number = &id[prefix.len() + 1..];
    if number.is_empty()
        || !number
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some(Header {
        date,
        id,
        summary: summary.trim(),
    })
}

/// `29 Mar 2023` → `2023-03-29`.
fn parse_date(text: &str) -> Option<String> {
    let mut parts = text.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let day: u8 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)?
        + 1;
    let year: u16 = year.parse().ok().filter(|y| (1990..=2999).contains(y))?;
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

/// Reads a DSA, DLA (or DTSA) list; `location` names the file in messages.
pub fn read_list(text: &str, location: &str, batch: &mut ImportBatch) {
    let mut current: Option<Advisory> = None;
    for (n, line) in text.lines().enumerate() {
        let here = format!("{location}:{}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('[') {
            if let Some(a) = current.take() {
                batch.advisories.push(a);
            }
            match parse_header(line) {
                Some(h) => {
                    let source = match h.id.split('-').next() {
                        Some("DLA") => "debian-dla",
                        Some("DTSA") => "debian-dtsa",
                        _ => "debian-dsa",
                    };
                    let mut a = Advisory::new(h.id, source);
                    a.published = Some(h.date);
                    let summary = h.summary.split_once(" - ").map_or(h.summary, |(_, d)| d).trim();
                    a.summary = (!summary.is_empty()).then(|| summary.to_string());
                    current = Some(a);
                }
                None => batch.error(here, format!("not an advisory header: {line:?}")),
            }
            continue;
        }
        let body = line.trim();
        if body.starts_with("NOTE:") {
            continue;
        }
        let Some(a) = current.as_mut() else {
            batch.error(here, "a line outside any advisory");
            continue;
        };
        if let Some(ids) = body.strip_prefix('{') {
            let Some(ids) = ids.strip_suffix('}') else {
                batch.error(here, format!("unterminated id list in {}", a.id));
                continue;
            };
            for id in ids.split_whitespace() {
                a.add_alias(id);
            }
        } else if body.starts_with('[') {
            match parse_release_line(body) {
                Ok((codename, affected)) => match ecosystem_for(codename) {
                    Some(_) => a.affected.push(affected),
                    None => batch.unknown_ecosystem(&format!("Debian:{codename}")),
                },
                Err(reason) => batch.error(here, format!("{}: {reason}", a.id)),
            }
        } else {
            batch.error(here, format!("{}: unexpected line {body:?}", a.id));
        }
    }
    if let Some(a) = current {
        batch.advisories.push(a);
    }
}

/// Parses `[bullseye] - xorg-server 2:1.20.11-1+deb11u6 (bug #1; medium)`.
fn parse_release_line(body: &str) -> Result<(&str, Affected), String> {
    let (codename, rest) = body[1..]
        .split_once(']')
        .ok_or("no closing ] after the release")?;
    let rest = rest
        .trim_start()
        .strip_prefix('-')
        .ok_or("no - after the release")?
        .trim_start();
    let (package, rest) = rest
        .split_once(char::is_whitespace)
        .ok_or("no version after the package")?;
    let rest = rest.trim_start();
    let (version, remark) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let ecosystem = ecosystem_for(codename).unwrap_or_default();
    let mut affected = Affected::new(ecosystem, package);
    match version {
        "<not-affected>" => affected.status = Some(Status::NotAffected),
        "<unfixed>" => {
            affected.status = Some(Status::Unfixed);
            affected.ranges = open_range();
        }
        "<end-of-life>" | "<ignored>" | "<no-dsa>" => {
            affected.status = Some(Status::WillNotFix);
            affected.ranges = open_range();
        }
        v if v.starts_with('<') => return Err(format!("unknown tag {v}")),
        "" => return Err("no version after the package".into()),
        v => {
            affected.status = Some(Status::Fixed);
            affected.ranges = fixed_range(v);
        }
    }
    let remark = remark.trim().trim_start_matches('(').trim_end_matches(')');
    affected.distro_severity = remark
        .split(';')
        .map(str::trim)
        .find(|w| matches!(*w, "unimportant" | "low" | "medium" | "high" | "critical"))
        .map(str::to_string);
    Ok((codename, affected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_blocks_become_advisories() {
        let text = "[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n\
            [14 Feb 2007] DSA-1260 imagemagick\n\t[sarge] - imagemagick 6:6.0.6.2-2.9 (bug #1; medium)\n\t[woody] - mantis <not-affected> (Vulnerable code not present)\n\tNOTE: whatever\n\
            [1 Jan 2000] DSA-1-1 x - y\n\t[sid] - x 1.0\n\t[bullseye] - x <mystery>\n\tgarbage\n";
        let mut b = ImportBatch::default();
        read_list(text, "list", &mut b);
        assert_eq!(b.advisories.len(), 3);
        let a = &b.advisories[0];
        assert_eq!((a.id.as_str(), a.source.as_str()), ("DSA-5380-1", "debian-dsa"));
        assert_eq!(a.published.as_deref(), Some("2023-03-29"));
        assert_eq!(a.summary.as_deref(), Some("security update"));
        assert_eq!(a.aliases, ["CVE-2023-1393"]);
        assert_eq!(a.affected[0].ecosystem, "Debian:11");
        assert_eq!(a.affected[0].fixed_version(), Some("2:1.20.11-1+deb11u6"));
        let old = &b.advisories[1];
        assert_eq!(old.summary.as_deref(), Some("imagemagick"));
        assert_eq!(old.affected[0].distro_severity.as_deref(), Some("medium"));
        assert_eq!(old.affected[1].status, Some(Status::NotAffected));
        assert_eq!(old.affected[1].ecosystem, "Debian:3.0");
        assert_eq!(b.unknown_ecosystems.get("Debian:sid"), Some(&1));
        assert_eq!(b.errors.len(), 2, "{:?}", b.errors);
        assert_eq!(b.errors[0].0, "list:10");
        assert_eq!(b.errors[1].0, "list:11");
    }

    #[test]
    fn tracker_statuses() {
        let json = r#"{"p":{"CVE-1":{"description":"d","releases":{
            "bookworm":{"status":"resolved","fixed_version":"1.0-1","urgency":"low**"},
            "bullseye":{"status":"resolved","fixed_version":"0","urgency":"unimportant"},
            "buster":{"status":"open","urgency":"end-of-life"},
            "trixie":{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"},
            "stretch":{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"ignored"},
            "jessie":{"status":"open","urgency":"not yet assigned","nodsa":"Minor issue","nodsa_reason":""},
            "wheezy":{"status":"undetermined"},
            "sid":{"status":"open"}}}},
          "q":{"CVE-2":{"releases":[]}}}"#;
        let mut b = ImportBatch::default();
        read_tracker_json(json, "t.json", &mut b);
        assert_eq!(b.errors, []);
        assert_eq!(b.advisories.len(), 1, "CVE-2 has no releases");
        let st: Vec<_> = b.advisories[0]
            .affected
            .iter()
            .map(|a| (a.ecosystem.as_str(), a.status.unwrap()))
            .collect();
        assert_eq!(
            st,
            [
                ("Debian:12", Status::Fixed),
                ("Debian:11", Status::NotAffected),
                ("Debian:10", Status::WillNotFix),
                ("Debian:8", Status::WillNotFix),
                ("Debian:9", Status::WillNotFix),
                ("Debian:13", Status::Unfixed),
                ("Debian:7", Status::Unfixed),
            ]
        );
        assert_eq!(
            b.advisories[0].affected[0].distro_severity.as_deref(),
            Some("low")
        );
        assert_eq!(b.advisories[0].affected[3].distro_severity, None);
        assert_eq!(b.unknown_ecosystems.get("Debian:sid"), Some(&1));
    }
}
