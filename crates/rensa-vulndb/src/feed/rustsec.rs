//! RustSec advisories: Markdown with TOML front matter in a ```` ```toml ```` fence (the advisory-db
//! layout `crates/<crate>/RUSTSEC-*.md`, `rust/<component>/CVE-*.md`) and plain `.toml` files.
//!
//! `[advisory]` gives `id`, `package`, `date` (→ `published`), `aliases`, `cvss`, `url` and
//! `references`, `withdrawn` and `informational`; the Markdown title (`# …`) becomes `summary` and the
//! text after it `details`. Crates get ecosystem `crates.io`; toolchain advisories under `rust/` get
//! ecosystem `Rust` with the component (`std`, `cargo`, `rustdoc`) as the package.
//!
//! # From `[versions]` to OSV events
//!
//! `patched` and `unaffected` are lists of Cargo version requirements; a version is affected when it
//! matches none of them. Each requirement (comparators joined by `,`) is turned into an interval of
//! SemVer versions:
//!
//! | requirement | interval |
//! |---|---|
//! | `>= 1.2.3` | `[1.2.3, ∞)` |
//! | `> 1.2.3` | `(1.2.3, ∞)` |
//! | `< 1.2.3` | `[0, 1.2.3)` |
//! | `<= 1.2.3` | `[0, 1.2.3]` |
//! | `= 1.2.3` | `[1.2.3, 1.2.3]`; `= 1.2` is `[1.2.0, 1.3.0-0)` |
//! | `^1.2.3` or bare `1.2.3` | `[1.2.3, 2.0.0-0)`; `^0.2.3` → `[0.2.3, 0.3.0-0)`; `^0.0.3` → `[0.0.3, 0.0.4-0)` |
//! | `~1.2.3` | `[1.2.3, 1.3.0-0)` |
//! | `*` | everything |
//!
//! Missing minor or patch numbers are zero in lower bounds and widen upper bounds (`< 1.2` is
//! `[0, 1.2.0)`, `<= 1.2` is `[0, 1.3.0-0)`). Upper bounds derived from `^`, `~` and partial versions end
//! before the pre-releases of the next version (`-0`), as Cargo does not match those. The union of the
//! intervals is complemented, and each affected interval `[a, b)` becomes `introduced a`, `fixed b` in a
//! `SEMVER` range; an inclusive upper end `b` gives `last_affected b`, and an exclusive lower end `a`
//! (after `<= a` or `= a`) starts at the next SemVer version (`1.2.4-0` after `1.2.3`). The lowest version
//! is written `0.0.0-0`, as RustSec's own OSV export does. An advisory without requirements affects every
//! version (`introduced 0.0.0-0`). Pre-release tags inside an interval are compared by SemVer precedence
//! (Cargo's rule that `^1.2.3` skips pre-releases of other versions is not modelled).

use std::cmp::Ordering;
use std::path::Path;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityVector};
use crate::feed::{ImportBatch, one_line};

/// The `source` of advisories read from RustSec.
pub const SOURCE: &str = "rustsec";

#[derive(Deserialize)]
struct Front {
    advisory: RawAdvisory,
    #[serde(default)]
    versions: Option<RawVersions>,
}

#[derive(Deserialize)]
struct RawAdvisory {
    id: String,
    package: String,
    #[serde(default)]
    date: Option<toml::Value>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    withdrawn: Option<toml::Value>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// The V1 format kept versions in `[advisory]`.
    #[serde(default)]
    patched_versions: Option<Vec<String>>,
    #[serde(default)]
    unaffected_versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Reads one advisory (`.md` with a TOML fence, or `.toml`); `path` decides the ecosystem (`rust/` →
/// `Rust`) and `location` names the file in messages.
pub fn read_advisory(text: &str, location: &str, path: &Path, batch: &mut ImportBatch) {
    match parse(text, path) {
        Ok(a) => batch.advisories.push(a),
        Err(reason) => batch.error(location, reason),
    }
}

fn parse(text: &str, path: &Path) -> Result<Advisory, String> {
    let trimmed = text.trim_start();
    let (toml_text, markdown) = match trimmed.strip_prefix("```toml") {
        Some(rest) => {
            let end = rest.find("\n```").ok_or("the ```toml block is not closed")?;
            (&rest[..end], rest[end + 4..].trim_start_matches('`'))
        }
        None => (trimmed, ""),
    };
    let front: Front = toml::from_str(toml_text).map_err(|e| one_line(&e.to_string()))?;
    let raw = front.advisory;
    if raw.id.trim().is_empty() || raw.package.trim().is_empty() {
        return Err("empty id or package".into());
    }
    let mut a = Advisory::new(raw.id.trim(), SOURCE);
    for alias in &raw.aliases {
        a.add_alias(alias);
    }
    a.published = raw.date.map(toml_string);
    a.withdrawn = raw.withdrawn.map(toml_string);
    a.informational = raw.informational.map(|i| i.trim().to_string());
    if let Some(cvss) = raw.cvss.filter(|c| !c.trim().is_empty()) {
        a.severity.push(SeverityVector::cvss(&cvss));
    }
    a.references = raw.url.into_iter().chain(raw.references).collect();
    let (title, body) = split_markdown(markdown);
    a.summary = raw
        .title
        .or(title)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    a.set_details(raw.description.as_deref().unwrap_or(body));

    let (patched, unaffected) = match front.versions {
        Some(v) => (v.patched, v.unaffected),
        None => (
            raw.patched_versions.unwrap_or_default(),
            raw.unaffected_versions.unwrap_or_default(),
        ),
    };
    let mut intervals = Vec::new();
    for req in patched.iter().chain(&unaffected) {
        intervals
            .push(parse_requirement(req).map_err(|e| format!("{}: version requirement {req:?}: {e}", a.id))?);
    }
    // `rust/<component>/CVE-….md`: a toolchain advisory.
    let toolchain = path.parent().and_then(Path::parent).and_then(Path::file_name) == Some("rust".as_ref());
    let ecosystem = if toolchain { "Rust" } else { "crates.io" };
    let mut affected = Affected::new(ecosystem, raw.package.trim());
    if !toolchain {
        affected.purl = Some(format!("pkg:cargo/{}", raw.package.trim()));
    }
    affected.ranges.push(Range {
        kind: RangeKind::Semver,
        repo: None,
        events: affected_events(intervals),
    });
    a.affected.push(affected);
    Ok(a)
}

fn toml_string(v: toml::Value) -> String {
    match v {
        toml::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Splits the Markdown after the front matter into its `# title` and the rest.
fn split_markdown(md: &str) -> (Option<String>, &str) {
    let md = md.trim_start();
    match md.strip_prefix("# ") {
        Some(rest) => {
            let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
            (Some(title.trim().to_string()), body.trim())
        }
        None => (None, md.trim()),
    }
}

/// A SemVer version: numbers and pre-release identifiers (build metadata is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
}

impl Version {
    const MIN: Version = Version {
        major: 0,
        minor: 0,
        patch: 0,
        pre: Vec::new(),
    };

    fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
        }
    }

    /// `1.3.0` → `1.3.0-0`: the lowest pre-release of the version.
    fn lowest_pre(mut self) -> Self {
        self.pre = vec!["0".into()];
        self
    }

    /// The next version in SemVer precedence: `1.2.3` → `1.2.4-0`, `1.2.3-rc.1` → `1.2.3-rc.1.0`.
    fn successor(&self) -> Self {
        let mut next = self.clone();
        if next.pre.is_empty() {
            next.patch = next.patch.saturating_add(1);
        }
        next.pre.push("0".into());
        next
    }

    fn lowest() -> Self {
        Version::MIN.lowest_pre()
    }

    fn to_osv(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre.join("."));
        }
        s
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version as written in a requirement: missing parts are `None`.
struct Partial {
    major: u64,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Vec<String>,
}

impl Partial {
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let text = text.split_once('+').map_or(text, |(v, _)| v);
        let (nums, pre) = text.split_once('-').map_or((text, None), |(n, p)| (n, Some(p)));
        let mut parts = nums.split('.');
        let num = |p: Option<&str>| -> Result<Option<u64>, String> {
            match p {
                None | Some("*" | "x" | "X") => Ok(None),
                Some(p) => p.parse().map(Some).map_err(|_| format!("bad number {p:?}")),
            }
        };
        let major = num(parts.next())?.ok_or("no major version")?;
        let minor = num(parts.next())?;
        let patch = if minor.is_some() { num(parts.next())? } else { None };
        if parts.next().is_some() {
            return Err("more than three numbers".into());
        }
        let pre: Vec<String> = match pre {
            Some(p) if p.is_empty() || p.split('.').any(str::is_empty) => {
                return Err("empty pre-release".into());
            }
            Some(p) => p.split('.').map(str::to_string).collect(),
            None => Vec::new(),
        };
        if !pre.is_empty() && patch.is_none() {
            return Err("a pre-release needs major.minor.patch".into());
        }
        Ok(Partial {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// The lowest version the partial version stands for (`1.2` → `1.2.0`).
    fn floor(&self) -> Version {
        Version {
            major: self.major,
            minor: self.minor.unwrap_or(0),
            patch: self.patch.unwrap_or(0),
            pre: self.pre.clone(),
        }
    }

    /// The first version above everything the partial version stands for (`1.2` → `1.3.0-0`), or, for a
    /// full version, the version itself as an inclusive bound (`None`).
    fn ceiling(&self) -> Option<Version> {
        match (self.minor, self.patch) {
            (None, _) => Some(Version::new(self.major.saturating_add(1), 0, 0).lowest_pre()),
            (Some(m), None) => Some(Version::new(self.major, m.saturating_add(1), 0).lowest_pre()),
            _ => None,
        }
    }
}

/// A bound of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Inclusive(Version),
    Exclusive(Version),
}

/// An interval of versions: `lower` to `upper`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    lower: Bound,
    upper: Bound,
}

/// Parses one requirement (`">= 1.2.3, < 1.3.0"`) into the interval of versions it matches.
fn parse_requirement(req: &str) -> Result<Interval, String> {
    let mut interval = Interval {
        lower: Bound::Unbounded,
        upper: Bound::Unbounded,
    };
    for comparator in req.split(',') {
        let c = comparator.trim();
        if c.is_empty() {
            return Err("empty comparator".into());
        }
        if c == "*" {
            continue;
        }
        let (op, v) = [">=", "<=", ">", "<", "=", "^", "~"]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|rest| (*op, rest)))
            .unwrap_or(("^", c));
        let p = Partial::parse(v.trim())?;
        let floor = p.floor();
        let (lower, upper) = match op {
            ">=" => (Bound::Inclusive(floor), Bound::Unbounded),
            ">" => match p.ceiling() {
                Some(c) => (Bound::Inclusive(c), Bound::Unbounded),
                None => (Bound::Exclusive(floor), Bound::Unbounded),
            },
            "<" => (Bound::Unbounded, Bound::Exclusive(floor)),
            "<=" => match p.ceiling() {
                Some(c) => (Bound::Unbounded, Bound::Exclusive(c)),
                None => (Bound::Unbounded, Bound::Inclusive(floor)),
            },
            "=" => match p.ceiling() {
                Some(c) => (Bound::Inclusive(floor), Bound::Exclusive(c)),
                None => (Bound::Inclusive(floor.clone()), Bound::Inclusive(floor)),
            },
            "~" => {
                let upper = match p.minor {
                    None => Version::new(p.major.saturating_add(1), 0, 0),
                    Some(m) => Version::new(p.major, m.saturating_add(1), 0),
                };
                (Bound::Inclusive(floor), Bound::Exclusive(upper.lowest_pre()))
            }
            _ => {
                // Caret: the leftmost non-zero number given may not change.
                let upper = match (p.major, p.minor, p.patch) {
                    (0, Some(0), Some(patch)) => Version::new(0, 0, patch.saturating_add(1)),
                    (0, Some(0), None) => Version::new(0, 1, 0),
                    (0, Some(minor), _) => Version::new(0, minor.saturating_add(1), 0),
                    (major, _, _) => Version::new(major.saturating_add(1), 0, 0),
                };
                (Bound::Inclusive(floor), Bound::Exclusive(upper.lowest_pre()))
            }
        };
        interval.lower = max_lower(interval.lower, lower);
        interval.upper = min_upper(interval.upper, upper);
    }
    Ok(interval)
}

fn max_lower(a: Bound, b: Bound) -> Bound {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        _ => {
            if lower_key(&a) >= lower_key(&b) {
                a
            } else {
                b
            }
        }
    }
}

fn min_upper(a: Bound, b: Bound) -> Bound {
    if a == Bound::Unbounded {
        return b;
    }
    if b == Bound::Unbounded {
        return a;
    }
    if upper_key(&a) <= upper_key(&b) { a } else { b }
}

/// Orders lower bounds: at the same version an exclusive bound starts later.
fn lower_key(b: &Bound) -> (Option<&Version>, bool) {
    match b {
        Bound::Unbounded => (None, false),
        Bound::Inclusive(v) => (Some(v), false),
        Bound::Exclusive(v) => (Some(v), true),
    }
}

/// Orders finite upper bounds: at the same version an inclusive bound ends later.
fn upper_key(b: &Bound) -> (Option<&Version>, bool) {
    match b {
        Bound::Unbounded => (None, true),
        Bound::Inclusive(v) => (Some(v), true),
        Bound::Exclusive(v) => (Some(v), false),
    }
}

/// Whether an interval holds no version.
fn is_empty(i: &Interval) -> bool {
    match (&i.lower, &i.upper) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Inclusive(l), Bound::Inclusive(u)) => l > u,
        (Bound::Inclusive(l), Bound::Exclusive(u))
        | (Bound::Exclusive(l), Bound::Inclusive(u))
        | (Bound::Exclusive(l), Bound::Exclusive(u)) => l >= u,
    }
}

/// The OSV events of the versions outside every interval of `unaffected`.
fn affected_events(unaffected: Vec<Interval>) -> Vec<Event> {
    let mut intervals: Vec<Interval> = unaffected.into_iter().filter(|i| !is_empty(i)).collect();
    intervals.sort_by(|a, b| lower_key(&a.lower).cmp(&lower_key(&b.lower)));
    let mut events = Vec::new();
    // `cursor` is where the affected stretch currently being built starts; `None` once an unaffected
    // interval reaches to infinity.
    let mut cursor = Some(Bound::Unbounded);
    for i in intervals {
        let Some(start) = cursor.clone() else { break };
        // The affected stretch from `start` ends where `i` begins, if `i` begins after `start`.
        let gap = match (&start, &i.lower) {
            (_, Bound::Unbounded) => false,
            (Bound::Unbounded, _) => true,
            (Bound::Inclusive(s), Bound::Inclusive(l)) => s < l,
            (Bound::Inclusive(s), Bound::Exclusive(l)) => s <= l,
            (Bound::Exclusive(s), Bound::Inclusive(l)) => s.successor() < *l,
            (Bound::Exclusive(s), Bound::Exclusive(l)) => s < l,
        };
        if gap {
            events.push(Event::Introduced(start_version(&start)));
            events.push(match &i.lower {
                Bound::Inclusive(l) => Event::Fixed(l.to_osv()),
                Bound::Exclusive(l) => Event::LastAffected(l.to_osv()),
                Bound::Unbounded => Event::Fixed(Version::lowest().to_osv()),
            });
        }
        // The next affected stretch starts after `i`, unless an earlier interval reaches further.
        let after = match i.upper {
            Bound::Unbounded => None,
            Bound::Inclusive(u) => Some(Bound::Exclusive(u)),
            Bound::Exclusive(u) => Some(Bound::Inclusive(u)),
        };
        cursor = match (start, after) {
            (_, None) => None,
            (Bound::Unbounded, Some(a)) => Some(a),
            (_, Some(a)) if gap => Some(a),
            (s, Some(a)) => Some(if lower_key(&a) >= lower_key(&s) { a } else { s }),
        };
    }
    if let Some(start) = cursor {
        events.push(Event::Introduced(start_version(&start)));
    }
    events
}

fn start_version(b: &Bound) -> String {
    match b {
        Bound::Unbounded => Version::lowest().to_osv(),
        Bound::Inclusive(v) => v.to_osv(),
        Bound::Exclusive(v) => v.successor().to_osv(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(reqs: &[&str]) -> Vec<String> {
        let intervals = reqs.iter().map(|r| parse_requirement(r).unwrap()).collect();
        affected_events(intervals)
            .into_iter()
            .map(|e| match e {
                Event::Introduced(v) => format!("introduced {v}"),
                Event::Fixed(v) => format!("fixed {v}"),
                Event::LastAffected(v) => format!("last_affected {v}"),
                Event::Limit(v) => format!("limit {v}"),
            })
            .collect()
    }

    #[test]
    fn requirements_become_events() {
        assert_eq!(events(&[">= 1.2.3"]), ["introduced 0.0.0-0", "fixed 1.2.3"]);
        assert_eq!(events(&[]), ["introduced 0.0.0-0"]);
        assert_eq!(events(&["< 0.5.0"]), ["introduced 0.5.0"]);
        assert_eq!(
            events(&[">= 1.2.3, < 1.3.0", ">= 1.3.4"]),
            [
                "introduced 0.0.0-0",
                "fixed 1.2.3",
                "introduced 1.3.0",
                "fixed 1.3.4"
            ]
        );
        assert_eq!(
            events(&["^0.2.5", ">= 0.3.1", "<= 0.1.2"]),
            [
                "introduced 0.1.3-0",
                "fixed 0.2.5",
                "introduced 0.3.0-0",
                "fixed 0.3.1"
            ]
        );
        assert_eq!(
            events(&["> 1.0.0"]),
            ["introduced 0.0.0-0", "last_affected 1.0.0"]
        );
        assert_eq!(
            events(&["=1.0.0"]),
            ["introduced 0.0.0-0", "fixed 1.0.0", "introduced 1.0.1-0"]
        );
        assert_eq!(
            events(&["1.2.3"]),
            ["introduced 0.0.0-0", "fixed 1.2.3", "introduced 2.0.0-0"]
        );
        assert_eq!(
            events(&["~1.2.3", ">= 1.4"]),
            [
                "introduced 0.0.0-0",
                "fixed 1.2.3",
                "introduced 1.3.0-0",
                "fixed 1.4.0"
            ]
        );
        // Overlapping and nested requirements.
        assert_eq!(
            events(&[">= 1.0.0", "^1.5.0"]),
            ["introduced 0.0.0-0", "fixed 1.0.0"]
        );
        assert_eq!(events(&["< 2.0.0", "^1.5.0"]), ["introduced 2.0.0"]);
        assert_eq!(events(&["*"]), Vec::<String>::new());
        assert_eq!(events(&["<= 1.2"]), ["introduced 1.3.0-0"]);
        assert_eq!(
            events(&[">= 2.0.0-alpha.1"]),
            ["introduced 0.0.0-0", "fixed 2.0.0-alpha.1"]
        );
    }

    #[test]
    fn bad_requirements_are_errors() {
        assert!(parse_requirement(">= 1.x.3y").is_err());
        assert!(parse_requirement(">= ").is_err());
        assert!(parse_requirement(">= 1.2.3.4").is_err());
        assert!(parse_requirement(">= 1.2.3,").is_err());
        // Numbers at the top of the range do not overflow.
        let max = u64::MAX;
        for req in [
            format!("<= {max}"),
            format!("^0.0.{max}"),
            format!("~{max}"),
            format!("> 1.{max}"),
        ] {
            affected_events(vec![parse_requirement(&req).unwrap()]);
        }
        assert!(
            Version::new(1, 0, 0)
                > Version {
                    pre: vec!["rc".into(), "1".into()],
                    ..Version::new(1, 0, 0)
                }
        );
    }

    #[test]
    fn markdown_advisory() {
        let md = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"foo-bar\"\ndate = 2099-01-31\naliases = [\"CVE-2099-1\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\nurl = \"https://example.com\"\n\n[versions]\npatched = [\">= 1.2.3\"]\n```\n\n# Title here\n\nBody text.\n";
        let a = parse(md, Path::new("crates/foo-bar/RUSTSEC-2099-0001.md")).unwrap();
        assert_eq!(a.id, "RUSTSEC-2099-0001");
        assert_eq!(a.published.as_deref(), Some("2099-01-31"));
        assert_eq!(a.summary.as_deref(), Some("Title here"));
        assert_eq!(a.details.as_deref(), Some("Body text."));
        assert_eq!(a.severity[0].kind, "CVSS_V3");
        assert_eq!(a.affected[0].ecosystem, "crates.io");
        assert_eq!(a.affected[0].purl.as_deref(), Some("pkg:cargo/foo-bar"));
        assert!(parse("```toml\n[advisory]\nid = 1\n```\n", Path::new("x.md")).is_err());
        assert!(
            parse("```toml\n[advisory]\n", Path::new("x.md"))
                .unwrap_err()
                .contains("not closed")
        );
    }
}
