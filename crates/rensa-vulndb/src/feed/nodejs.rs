//! The Node.js Security Working Group's advisories (<https://github.com/nodejs/security-wg>, directory
//! `vuln/`): one JSON file per npm advisory in `vuln/npm/<n>.json`, the historical nsp / `npm audit`
//! data (frozen since early 2023).
//!
//! Each npm advisory becomes one [`Advisory`] with id `NSWG-ECO-<n>` (the name the working group's
//! `vuln/README.md` gives ecosystem advisories), its `cves` as aliases, source `nodejs-security-wg`,
//! `title` as summary, `overview` as details, `publish_date` (else `created_at`) as published,
//! `updated_at` as modified, the `cvss_vector` as a CVSS severity (a bare `cvss_score` without a vector
//! is not kept), the `references` after a link to the record itself, and one affected package in
//! ecosystem `npm` named by `module_name`.
//!
//! `vuln/core/` (Node.js itself) and `vuln/deps/` (assessments of Node.js's bundled dependencies) are
//! not read: no catalogued package is the Node.js runtime. Their files, and the aggregate
//! `vuln/npm/index.json`, are counted in [`ImportBatch::ignored_files`].
//!
//! # From `vulnerable_versions` and `patched_versions` to OSV events
//!
//! Both fields are node-semver ranges ([`range`]). As nsp and `npm audit` read them, a version is
//! affected when it satisfies `vulnerable_versions` and does not satisfy `patched_versions` (a missing
//! or empty `patched_versions`, or one that admits nothing such as `<0.0.0`, means no fix is known). The
//! affected set is computed as intervals, and each interval `[lo, hi)` becomes a `SEMVER` range's
//! events:
//!
//! - `introduced lo`, or `introduced 0` without a lower bound or when `lo` is `0.0.0` (which happens when
//!   `patched_versions` is `<0.0.0`, node-semver's "nothing" that still admits `0.0.0-alpha`). A strict lower bound `>v` starts at the
//!   SemVer successor of `v`: `>1.2.3` is `introduced 1.2.4-0` (nothing sorts between `1.2.3` and
//!   `1.2.4-0`), `>1.2.3-rc.1` is `introduced 1.2.3-rc.1.0`;
//! - the upper end, with `P` the lowest patched version at or above `hi`:
//!   - `fixed P` when no release (non-pre-release) version lies between `hi` and `P` — the usual
//!     `<=1.5.1` / `>=1.5.2` pair gives `fixed 1.5.2`; `<=0.7.0` / `>0.7.0` gives `fixed 0.7.1` rather
//!     than the successor `0.7.1-0`. The pre-releases of `P` in that gap (`1.5.2-beta`)
//!     are then reported as affected although neither range names them: the one deliberate widening;
//!   - otherwise, when some patched version lies above but release versions lie in between (they are
//!     neither vulnerable nor patched), the interval's own end: `fixed` at the first release after it
//!     (`<=1.0.0` / `>=2.0.0` → `fixed 1.0.1`, which also counts `1.0.1-…` pre-releases in; `<1.6.0`
//!     → `fixed 1.6.0`), so that release versions are exactly what the ranges say and the finding still
//!     shows a version without the vulnerability (not necessarily the patched one the advisory
//!     recommends). An end after an explicit pre-release stays exact (`fixed 2.0.0-rc.3`,
//!     `last_affected 2.0.0-rc.2`);
//!   - with no patched version above: `last_affected v` for an inclusive end `<=v`, else `limit hi`
//!     (the versions from `hi` on are not affected, but no fix is known: `<99.999.9999` with no patch).
//!
//! Likewise a gap between two affected intervals that holds no release version (`1.0.x || 1.1.x` leaves
//! out only the pre-releases of 1.1.0) is closed, so that the fix reported is not such a pre-release.
//!
//! A range that does not parse, or an advisory whose affected set is empty, is reported in
//! [`ImportBatch::errors`] and skipped.

pub mod range;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Result;
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityVector};
use crate::feed::{ImportBatch, display, io_error, one_line};
use range::{Interval, Version, VersionSet};

/// The `source` of advisories read from the Node.js Security WG data.
pub const SOURCE: &str = "nodejs-security-wg";

/// The ecosystem the advisories are about (OSV's name for npm).
const ECOSYSTEM: &str = "npm";

/// Largest advisory file read, in bytes.
const MAX_FILE: u64 = 4 << 20;

#[derive(Deserialize)]
struct RawAdvisory {
    #[serde(default)]
    id: Option<serde_json::Value>,
    module_name: String,
    #[serde(default)]
    cves: Option<Vec<String>>,
    vulnerable_versions: Option<String>,
    #[serde(default)]
    patched_versions: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    overview: Option<String>,
    #[serde(default)]
    references: Option<Vec<String>>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    publish_date: Option<String>,
    #[serde(default)]
    cvss_vector: Option<String>,
}

/// Whether a parsed JSON object has the keys of a security-wg npm advisory (`module_name` and
/// `vulnerable_versions`).
pub fn is_advisory(keys: &dyn Fn(&str) -> bool) -> bool {
    keys("module_name") && keys("vulnerable_versions")
}

/// The `vuln/npm` directory of a security-wg checkout at `dir`: `dir` may be the checkout, its `vuln/`
/// directory, or `vuln/npm` itself (a directory named `npm` holding `index.json`).
pub fn npm_dir(dir: &Path) -> Option<PathBuf> {
    [dir.join("vuln").join("npm"), dir.join("npm"), dir.to_path_buf()]
        .into_iter()
        .find(|d| d.file_name() == Some("npm".as_ref()) && d.join("index.json").is_file())
}

/// Reads the npm advisories of a checkout whose `vuln/npm` directory is `npm` (see [`npm_dir`]), in
/// advisory-number order; `index.json`, other files and the sibling `core/` and `deps/` files are
/// counted as ignored.
pub fn read_checkout(npm: &Path, batch: &mut ImportBatch) -> Result<()> {
    let mut numbered = Vec::new();
    for path in list(npm)? {
        let n = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u64>().ok());
        match n {
            Some(n) => numbered.push((n, path)),
            None => batch.ignored_files += 1,
        }
    }
    numbered.sort();
    for (_, path) in numbered {
        let location = display(&path);
        let len = std::fs::metadata(&path).map_err(|e| io_error(&path, e))?.len();
        if len > MAX_FILE {
            batch.error(location, format!("larger than {MAX_FILE} bytes"));
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
        match String::from_utf8(bytes) {
            Ok(text) => read_advisory(&text, &location, Some(&path), batch),
            Err(_) => batch.error(location, "not UTF-8 text"),
        }
    }
    if let Some(vuln) = npm.parent() {
        for sub in ["core", "deps"] {
            if vuln.join(sub).is_dir() {
                batch.ignored_files += list(&vuln.join(sub))?.len();
            }
        }
    }
    Ok(())
}

/// The regular, non-hidden files directly in `dir`, sorted.
fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with('.') && path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Reads one npm advisory (`vuln/npm/<n>.json`). The number comes from the record's `id`, else from
/// the file name of `path`; `location` names the file in messages.
pub fn read_advisory(text: &str, location: &str, path: Option<&Path>, batch: &mut ImportBatch) {
    match parse(text, path) {
        Ok(a) => batch.advisories.push(a),
        Err(reason) => batch.error(location, reason),
    }
}

fn parse(text: &str, path: Option<&Path>) -> std::result::Result<Advisory, String> {
    let raw: RawAdvisory =
        serde_json::from_str(text).map_err(|e| format!("invalid advisory: {}", one_line(&e.to_string())))?;
    let number = match &raw.id {
        Some(serde_json::Value::Number(n)) => n.as_u64().ok_or(format!("bad id {n}"))?,
        Some(serde_json::Value::String(s)) => s.trim().parse().map_err(|_| format!("bad id {s:?}"))?,
        Some(other) => return Err(format!("bad id {other}")),
        None => path
            .and_then(Path::file_stem)
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
            .ok_or("no id, and the file name is not a number")?,
    };
    let id = format!("NSWG-ECO-{number}");
    let module = raw.module_name.trim();
    if module.is_empty() || module.chars().any(char::is_whitespace) {
        return Err(format!("{id}: bad module_name {:?}", raw.module_name));
    }
    let vulnerable = raw
        .vulnerable_versions
        .as_deref()
        .ok_or(format!("{id}: no vulnerable_versions"))?;
    let vuln_set =
        range::parse(vulnerable).map_err(|e| format!("{id}: vulnerable_versions {vulnerable:?}: {e}"))?;
    let patched_set = match raw.patched_versions.as_deref().map(str::trim) {
        None | Some("") => VersionSet::empty(),
        Some(p) => range::parse(p).map_err(|e| format!("{id}: patched_versions {p:?}: {e}"))?,
    };
    let affected_set = vuln_set.minus(&patched_set);
    if affected_set.is_empty() {
        return Err(format!(
            "{id}: no version is affected (vulnerable_versions {vulnerable:?}, patched_versions {:?})",
            raw.patched_versions.as_deref().unwrap_or("")
        ));
    }

    let mut a = Advisory::new(id, SOURCE);
    for cve in raw.cves.iter().flatten() {
        a.add_alias(cve);
    }
    a.summary = raw.title.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    a.set_details(raw.overview.as_deref().unwrap_or(""));
    let date = |d: Option<String>| d.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    a.published = date(raw.publish_date).or(date(raw.created_at));
    a.modified = date(raw.updated_at);
    if let Some(v) = raw
        .cvss_vector
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        a.severity.push(SeverityVector::cvss(v));
    }
    a.references.push(format!(
        "https://github.com/nodejs/security-wg/blob/main/vuln/npm/{number}.json"
    ));
    for r in raw.references.into_iter().flatten() {
        let r = r.trim();
        if !r.is_empty() && !a.references.iter().any(|x| x == r) {
            a.references.push(r.to_string());
        }
    }
    let mut affected = Affected::new(ECOSYSTEM, module);
    affected.purl = Some(purl(module));
    affected.ranges.push(Range {
        kind: RangeKind::Semver,
        repo: None,
        events: events(&affected_set, &patched_set),
    });
    a.affected.push(affected);
    Ok(a)
}

/// `pkg:npm/name`, with the `@` of a scope percent-encoded (`pkg:npm/%40scope/name`).
fn purl(module: &str) -> String {
    match module.strip_prefix('@') {
        Some(rest) => format!("pkg:npm/%40{rest}"),
        None => format!("pkg:npm/{module}"),
    }
}

/// The OSV events of the affected set, given the patched set (see the module docs).
pub fn events(affected: &VersionSet, patched: &VersionSet) -> Vec<Event> {
    let mut events = Vec::new();
    // Close gaps that hold no release version (`1.0.x || 1.1.x` leaves out only `1.1.0-…`).
    let mut intervals: Vec<Interval> = Vec::new();
    for next in affected.intervals() {
        if let Some(last) = intervals.last_mut() {
            let hi = last
                .hi
                .as_ref()
                .expect("only the last interval is unbounded above");
            if next.lo.as_ref().is_some_and(|lo| *lo <= hi.release()) {
                last.hi = next.hi.clone();
                continue;
            }
        }
        intervals.push(next.clone());
    }
    for (i, interval) in intervals.iter().enumerate() {
        // From `0.0.0` is from the start: `<0.0.0` ("no patch") admits only pre-releases of 0.0.0.
        let lo = interval
            .lo
            .as_ref()
            .filter(|lo| **lo != Version::parse("0.0.0").expect("valid"));
        events.push(Event::Introduced(lo.map_or("0".to_string(), Version::to_string)));
        let Some(hi) = &interval.hi else {
            continue;
        };
        let next_lo = intervals.get(i + 1).and_then(|n| n.lo.as_ref());
        // `>0.7.0` starts at 0.7.1-0; its fix is reported as 0.7.1 when that is patched too.
        let first_patched = first_at_or_above(patched, hi).map(|p| {
            let release = p.release();
            if p.to_string().ends_with("-0") && patched.contains(&release) {
                release
            } else {
                p
            }
        });
        // The lowest release version at or above `hi`.
        let release = if hi.is_prerelease() {
            hi.release()
        } else {
            hi.clone()
        };
        let event = match first_patched {
            Some(p) if release >= p && next_lo.is_none_or(|n| p <= *n) => Event::Fixed(p.to_string()),
            // `<=1.0.0` or `<1.1` (ending at `1.0.1-0`, `1.1.0-0`) with a patch further up: the first
            // release after the interval.
            _ => match (&first_patched, hi.predecessor()) {
                (Some(_), _) if hi.to_string().ends_with("-0") => Event::Fixed(hi.release().to_string()),
                (Some(_), None) => Event::Fixed(hi.to_string()),
                (_, Some(last)) => Event::LastAffected(last.to_string()),
                (None, None) => Event::Limit(hi.to_string()),
            },
        };
        events.push(event);
    }
    events
}

/// The lowest version of `set` at or above `v`.
fn first_at_or_above(set: &VersionSet, v: &Version) -> Option<Version> {
    set.intervals().iter().find_map(|i| {
        if i.contains(v) {
            Some(v.clone())
        } else {
            i.lo.as_ref().filter(|lo| *lo > v).cloned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(vulnerable: &str, patched: &str) -> Vec<String> {
        let v = range::parse(vulnerable).unwrap();
        let p = if patched.is_empty() {
            VersionSet::empty()
        } else {
            range::parse(patched).unwrap()
        };
        events(&v.minus(&p), &p)
            .iter()
            .map(|e| {
                let kind = match e {
                    Event::Introduced(_) => "introduced",
                    Event::Fixed(_) => "fixed",
                    Event::LastAffected(_) => "last_affected",
                    Event::Limit(_) => "limit",
                };
                format!("{kind} {}", e.version())
            })
            .collect()
    }

    /// One case per distinct shape of `vulnerable_versions` / `patched_versions` pairs in the shared
    /// security-wg data (numbers from the file named in the comment).
    #[test]
    fn shapes_of_the_shared_data_become_exact_events() {
        let cases: &[(&str, &str, &[&str])] = &[
            // npm/1.json
            ("<=1.5.1", ">=1.5.2", &["introduced 0", "fixed 1.5.2"]),
            // npm/100.json-like: `<` and `>=` at the same version.
            ("<2.1.0", ">=2.1.0", &["introduced 0", "fixed 2.1.0"]),
            // no fix: `<0.0.0` admits nothing.
            ("<=2.0.3", "<0.0.0", &["introduced 0", "last_affected 2.0.3"]),
            ("*", "<0.0.0", &["introduced 0"]),
            ("<99.999.9999", "<0.0.0", &["introduced 0", "limit 99.999.9999"]),
            ("<= 0.2.4", "", &["introduced 0", "last_affected 0.2.4"]),
            // gap with release versions between vulnerable and patched.
            ("<=1.0.0", ">=2.0.0", &["introduced 0", "fixed 1.0.1"]),
            (
                "<=2.0.0-rc.2",
                ">=2.1.0",
                &["introduced 0", "last_affected 2.0.0-rc.2"],
            ),
            ("<2.0.0-rc.3", ">=2.1.0", &["introduced 0", "fixed 2.0.0-rc.3"]),
            ("<1.6.0", ">=2.0.0", &["introduced 0", "fixed 1.6.0"]),
            // spaced operators
            ("<= 1.2.2", ">= 1.2.3", &["introduced 0", "fixed 1.2.3"]),
            // npm/46.json (ms)
            ("<=0.7.0", ">0.7.0", &["introduced 0", "fixed 0.7.1"]),
            ("<  2.0.0", "> 2.0.0", &["introduced 0", "fixed 2.0.0"]),
            // lower bounds
            (">=1.0.0 <=1.2.4", ">=1.2.5", &["introduced 1.0.0", "fixed 1.2.5"]),
            (">=2.0.0", "<0.0.0", &["introduced 2.0.0"]),
            (
                ">1.2.3 <=1.4.0",
                ">=1.4.1",
                &["introduced 1.2.4-0", "fixed 1.4.1"],
            ),
            // unions
            (
                "<1.4.2 || >=2.0.0 <2.1.1",
                ">=1.4.2 <2.0.0 || >=2.1.1",
                &["introduced 0", "fixed 1.4.2", "introduced 2.0.0", "fixed 2.1.1"],
            ),
            (
                ">=1.0.0 <=1.0.5 || >=2.0.0 <=2.0.2",
                ">=1.0.6 <2.0.0 || >=2.0.3",
                &[
                    "introduced 1.0.0",
                    "fixed 1.0.6",
                    "introduced 2.0.0",
                    "fixed 2.0.3",
                ],
            ),
            (
                "<2.6.4 || <2.5.3 >=1.0.0",
                ">=2.6.4",
                &["introduced 0", "fixed 2.6.4"],
            ),
            // the gap of 1.1.0 pre-releases between the two is closed.
            ("1.0.x || 1.1.x", ">=1.2.0", &["introduced 1.0.0", "fixed 1.2.0"]),
            (
                "<=2.1.3 || 3.0.0",
                ">=2.1.4 <3.0.0 || >=3.0.1",
                &["introduced 0", "fixed 2.1.4", "introduced 3.0.0", "fixed 3.0.1"],
            ),
            // carets and tildes in patched
            // 3.10.0 and later 3.x are below 4.0.0 and not patched.
            (
                "<4.0.0",
                "~3.9.9 || >=4.0.0",
                &[
                    "introduced 0",
                    "fixed 3.9.9",
                    "introduced 3.10.0-0",
                    "fixed 4.0.0",
                ],
            ),
            (
                "<1.0.0 || >=2.0.0 <2.1.0",
                "^1.0.0 || >=2.1.0",
                &["introduced 0", "fixed 1.0.0", "introduced 2.0.0", "fixed 2.1.0"],
            ),
            // pre-releases
            ("<=1.0.0-rc.5", ">=1.0.0", &["introduced 0", "fixed 1.0.0"]),
            (
                "=2.0.0-beta.1",
                ">=2.0.0-beta.2",
                &["introduced 2.0.0-beta.1", "fixed 2.0.0-beta.2"],
            ),
            (
                "<=v4.0.0-rc.1",
                ">=v4.0.0-rc.2",
                &["introduced 0", "fixed 4.0.0-rc.2"],
            ),
            (
                "1.2.0-beta.1 || 1.2.0-beta.2",
                ">=1.2.0",
                // only pre-releases lie between the two: the gap is closed.
                &["introduced 1.2.0-beta.1", "fixed 1.2.0"],
            ),
            // partial versions
            ("<= 1.1", ">= 1.2", &["introduced 0", "fixed 1.2.0"]),
            (
                "<1.4 || >= 2 <2.3",
                ">=1.4 <2 || >=2.3",
                &["introduced 0", "fixed 1.4.0", "introduced 2.0.0", "fixed 2.3.0"],
            ),
        ];
        for (v, p, want) in cases {
            assert_eq!(ev(v, p), *want, "vulnerable {v:?}, patched {p:?}");
        }
    }

    /// Real pairs of the shared data (file named first), events derived by hand.
    #[test]
    fn real_pairs_from_the_shared_data() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            (
                "npm/8.json",
                "<3.11 || >= 4 <4.5",
                ">=3.11 <4 || >=4.5",
                &["introduced 0", "fixed 3.11.0", "introduced 4.0.0", "fixed 4.5.0"],
            ),
            (
                "npm/11.json",
                "2.0.x || 2.1.x",
                ">= 2.2.x",
                &["introduced 2.0.0", "fixed 2.2.0"],
            ),
            (
                "npm/13.json",
                "<= 2.4.3",
                "> 2.4.3",
                &["introduced 0", "fixed 2.4.4"],
            ),
            (
                "npm/33.json",
                "<=2.0.0-rc7",
                ">=2.0.0-rc8",
                &["introduced 0", "fixed 2.0.0-rc8"],
            ),
            (
                "npm/35.json",
                "<1.6.5 || >=1.7.0 <1.7.2",
                "~1.6.5 || >=1.7.2",
                &["introduced 0", "fixed 1.6.5", "introduced 1.7.0", "fixed 1.7.2"],
            ),
            (
                "npm/66.json",
                "<=v2.0.0-alpha7",
                ">=v2.0.0-alpha8",
                &["introduced 0", "fixed 2.0.0-alpha8"],
            ),
            // 4.0.0 is neither vulnerable (not > 4.0.0) nor patched (not < 4.0.0).
            (
                "npm/75.json",
                "<3.4.6 || > 4.0.0 <4.0.5",
                ">=3.4.6 < 4.0.0|| >=4.0.5",
                &["introduced 0", "fixed 3.4.6", "introduced 4.0.1-0", "fixed 4.0.5"],
            ),
            // 2.4.3 – 2.4.x are neither; 3.0.0 is patched (`<= 3.0.0`), 3.0.1 is not.
            (
                "npm/92.json",
                "<= 2.4.2 || >= 3.0.0 <=3.0.1",
                ">=2.5.0 <= 3.0.0 || >=3.1.0",
                &["introduced 0", "fixed 2.4.3", "introduced 3.0.1-0", "fixed 3.0.2"],
            ),
            (
                "npm/107.json",
                "<= 1.0",
                ">= 1.1",
                &["introduced 0", "fixed 1.1.0"],
            ),
            (
                "npm/137.json",
                "2.1.0-M1 || 2.1.0-M2",
                "",
                &["introduced 2.1.0-M1", "last_affected 2.1.0-M2"],
            ),
            (
                "npm/151.json",
                ">= 1.0.0 < 1.4.6 || 2.0.0",
                ">= 1.4.6 < 2.0.0 || >= 2.0.1",
                &[
                    "introduced 1.0.0",
                    "fixed 1.4.6",
                    "introduced 2.0.0",
                    "fixed 2.0.1",
                ],
            ),
            (
                "npm/332.json",
                ">=3.0.0 <=3.9.1 || =3.10.2",
                "=3.10.1 || >=3.10.3",
                &[
                    "introduced 3.0.0",
                    "fixed 3.9.2",
                    "introduced 3.10.2",
                    "fixed 3.10.3",
                ],
            ),
            (
                "npm/367.json",
                "<5.0.3 >=5.0.0 || < 4.2.1",
                ">=5.0.3 >=4.2.1",
                &["introduced 0", "fixed 4.2.1", "introduced 5.0.0", "fixed 5.0.3"],
            ),
            (
                "npm/391.json",
                "<=0.9.4 || 1.0.0",
                ">=1.0.1 || >=0.9.5 <1.0.0",
                &["introduced 0", "fixed 0.9.5", "introduced 1.0.0", "fixed 1.0.1"],
            ),
            (
                "npm/450.json",
                "<=3.7.1 || >= 3.7.3",
                "",
                &["introduced 0", "last_affected 3.7.1", "introduced 3.7.3"],
            ),
            (
                "npm/466.json",
                ">=1.7.0 <1.7.16 || >=1.8.0 <1.8.8 || >=2.0.0 <2.0.8 || >=3.0.0-beta.1 <3.0.0-beta.7",
                ">=3.0.0-beta.7 || >=2.0.8 <3.0.0-beta.1 || >=1.8.8 <2.0.0 || >=1.7.16 <1.8.0",
                &[
                    "introduced 1.7.0",
                    "fixed 1.7.16",
                    "introduced 1.8.0",
                    "fixed 1.8.8",
                    "introduced 2.0.0",
                    "fixed 2.0.8",
                    "introduced 3.0.0-beta.1",
                    "fixed 3.0.0-beta.7",
                ],
            ),
            ("npm/477.json", "*", "", &["introduced 0"]),
            // `^1.1.7` covers 1.1.7 – 1.x; below 1.1.7 and 2.0.0 are affected.
            (
                "npm/490.json",
                "<2.0.1 || <1.1.7",
                "^1.1.7 || >= 2.0.1",
                &["introduced 0", "fixed 1.1.7", "introduced 2.0.0-0", "fixed 2.0.1"],
            ),
            (
                "npm/495.json",
                "<2.0.18 || <3.0.16 || <3.1.6 || <4.0.8 || <5.0.0-beta.5",
                "^2.0.18 || ^3.0.16 || ^3.1.6 || ^4.0.8 || ^5.0.0-beta.5",
                &[
                    "introduced 0",
                    "fixed 2.0.18",
                    "introduced 3.0.0-0",
                    "fixed 3.0.16",
                    "introduced 4.0.0-0",
                    "fixed 4.0.8",
                    "introduced 5.0.0-0",
                    "fixed 5.0.0-beta.5",
                ],
            ),
        ];
        for (file, v, p, want) in cases {
            assert_eq!(ev(v, p), *want, "{file}: vulnerable {v:?}, patched {p:?}");
        }
    }

    #[test]
    fn advisory_fields() {
        let text = r#"{"id": 7, "module_name": "@scope/pkg", "cves": ["CVE-2020-1", "CVE-2020-2"],
            "vulnerable_versions": "<=1.5.1", "patched_versions": ">=1.5.2", "title": " T ",
            "overview": "O", "references": ["https://x"], "created_at": "2015-10-17",
            "updated_at": "2016-04-28", "publish_date": "2014-09-27",
            "cvss_vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", "cvss_score": 6.5}"#;
        let mut batch = ImportBatch::default();
        read_advisory(text, "x.json", None, &mut batch);
        assert_eq!(batch.errors, []);
        let a = &batch.advisories[0];
        assert_eq!(a.id, "NSWG-ECO-7");
        assert_eq!(a.aliases, ["CVE-2020-1", "CVE-2020-2"]);
        assert_eq!(a.source, SOURCE);
        assert_eq!(a.summary.as_deref(), Some("T"));
        assert_eq!(a.details.as_deref(), Some("O"));
        assert_eq!(a.published.as_deref(), Some("2014-09-27"));
        assert_eq!(a.modified.as_deref(), Some("2016-04-28"));
        assert_eq!(
            a.severity,
            [SeverityVector::cvss(
                "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"
            )]
        );
        assert_eq!(
            a.references,
            [
                "https://github.com/nodejs/security-wg/blob/main/vuln/npm/7.json",
                "https://x"
            ]
        );
        assert_eq!(a.affected[0].ecosystem, "npm");
        assert_eq!(a.affected[0].package, "@scope/pkg");
        assert_eq!(a.affected[0].purl.as_deref(), Some("pkg:npm/%40scope/pkg"));
        assert_eq!(a.affected[0].fixed_version(), Some("1.5.2"));
    }

    #[test]
    fn bad_records_are_reported_not_read() {
        let cases = [
            (
                r#"{"id": 1, "module_name": "a", "vulnerable_versions": "latest"}"#,
                "vulnerable_versions",
            ),
            (
                r#"{"id": 1, "module_name": "a", "vulnerable_versions": "<1.0.0", "patched_versions": "~>"}"#,
                "patched_versions",
            ),
            (
                r#"{"id": 1, "module_name": "a", "vulnerable_versions": "<1.0.0", "patched_versions": "*"}"#,
                "no version is affected",
            ),
            (r#"{"id": 1, "module_name": "a"}"#, "no vulnerable_versions"),
            (
                r#"{"id": -1, "module_name": "a", "vulnerable_versions": "*"}"#,
                "bad id",
            ),
            (r#"{"module_name": "a", "vulnerable_versions": "*"}"#, "no id"),
            (
                r#"{"id": 1, "module_name": " ", "vulnerable_versions": "*"}"#,
                "module_name",
            ),
            (
                r#"{"id": 1, "module_name": 5, "vulnerable_versions": "*"}"#,
                "invalid advisory",
            ),
            ("[1, 2", "invalid advisory"),
        ];
        for (text, want) in cases {
            let mut batch = ImportBatch::default();
            read_advisory(text, "f.json", None, &mut batch);
            assert!(batch.advisories.is_empty(), "{text}");
            assert_eq!(batch.errors.len(), 1, "{text}");
            assert_eq!(batch.errors[0].0, "f.json");
            assert!(
                batch.errors[0].1.contains(want),
                "{text}: {:?}",
                batch.errors[0].1
            );
        }
        // The number may come from the file name.
        let mut batch = ImportBatch::default();
        let text = r#"{"module_name": "a", "vulnerable_versions": "*"}"#;
        read_advisory(text, "f.json", Some(Path::new("vuln/npm/42.json")), &mut batch);
        assert_eq!(batch.advisories[0].id, "NSWG-ECO-42");
    }
}
