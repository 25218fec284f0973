//! node-semver ranges (`<1.2.3`, `>=1.0.0 <1.4.2 || >=2.0.0`, `^1.2.3`, `~1.2`, `1.x`, `1.2.3 - 1.4.5`)
//! as sets of SemVer versions.
//!
//! The desugaring follows node-semver 7 in its default (strict, not `loose`) mode: a range is a union
//! (`||`) of comparator sets, a comparator set is the intersection of its whitespace-separated
//! comparators, and whitespace between an operator and its version is dropped (`>= 1.2.3`). Partial
//! versions and x-ranges widen as node-semver widens them (`<=1.2` is `<1.3.0-0`, `>1` is `>=2.0.0`,
//! `1.x` is `>=1.0.0 <2.0.0-0`), carets and tildes as its README says, a hyphen range `a - b` is
//! `>=a <=b` (with a partial `b` widened), and a lower bound of exactly `0.0.0` means "no lower bound"
//! (node-semver turns `>=0.0.0` into `*`). A leading `v` is allowed, build metadata is ignored, and
//! anything node-semver would refuse (leading zeros, `1.x.3`, unknown operators, text) is an error.
//!
//! The result is the set of versions the comparators admit, by SemVer precedence. node-semver's extra
//! rule that a pre-release only satisfies a comparator set naming a pre-release of the same
//! `major.minor.patch` is *not* applied: it is a rule about which pre-releases a dependency resolver
//! may pick, and for vulnerability data the plain interval (which reports such pre-releases) is the
//! safer reading.
//!
//! Sets are unions of half-open intervals `[lo, hi)`. Inclusive upper bounds and exclusive lower bounds
//! use the SemVer successor (see [`Version::successor`]): no version lies between `v` and its
//! successor, so `<=1.2.3` is exactly `<1.2.4-0` and `>1.2.3` exactly `>=1.2.4-0`.

use std::cmp::Ordering;
use std::fmt;

/// Largest number node-semver accepts in a version (`Number.MAX_SAFE_INTEGER`).
const MAX_NUMBER: u64 = (1 << 53) - 1;
/// Longest range text accepted.
const MAX_LEN: usize = 1024;

/// One pre-release identifier: numeric identifiers sort below alphanumeric ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Ident {
    Num(u64),
    Alpha(String),
}

/// A SemVer version (build metadata dropped), ordered by SemVer precedence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Ident>,
}

impl Version {
    fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
        }
    }

    /// `1.3.0` → `1.3.0-0`, the lowest pre-release of a version.
    fn lowest_pre(mut self) -> Self {
        self.pre = vec![Ident::Num(0)];
        self
    }

    /// Whether the version has a pre-release tag.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// The version without its pre-release tag (`1.2.3-rc.1` → `1.2.3`).
    pub fn release(&self) -> Version {
        Version::new(self.major, self.minor, self.patch)
    }

    /// The smallest version above this one: `1.2.3` → `1.2.4-0`, `1.2.3-rc.1` → `1.2.3-rc.1.0`.
    pub fn successor(&self) -> Version {
        let mut next = self.clone();
        if next.pre.is_empty() {
            next.patch += 1;
        }
        next.pre.push(Ident::Num(0));
        next
    }

    /// The version whose [successor](Self::successor) this is, if there is one (`1.2.4-0` → `1.2.3`).
    pub fn predecessor(&self) -> Option<Version> {
        match self.pre.as_slice() {
            [Ident::Num(0)] if self.patch > 0 => Some(Version::new(self.major, self.minor, self.patch - 1)),
            [rest @ .., Ident::Num(0)] if !rest.is_empty() => Some(Version {
                pre: rest.to_vec(),
                ..self.clone()
            }),
            _ => None,
        }
    }

    /// Parses a full version (`1.2.3`, `v1.2.3-rc.1+build`).
    pub fn parse(text: &str) -> Result<Version, String> {
        let p = Partial::parse(text)?;
        match (p.minor, p.patch) {
            (Some(minor), Some(patch)) => Ok(Version {
                major: p.major.ok_or("not a full version")?,
                minor,
                patch,
                pre: p.pre,
            }),
            _ => Err(format!("{text:?} is not a full version")),
        }
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
                // Identifier by identifier; a shorter list that is a prefix sorts first.
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Ident::Num(n) => write!(f, "{n}")?,
                Ident::Alpha(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

/// A version as written in a range: `None` for a missing or wildcard (`x`, `X`, `*`) number.
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Vec<Ident>,
}

impl Partial {
    fn parse(text: &str) -> Result<Partial, String> {
        let bad = |why: &str| format!("{text:?}: {why}");
        let body = text.strip_prefix('v').unwrap_or(text);
        let (body, build) = match body.split_once('+') {
            Some((b, build)) => (b, Some(build)),
            None => (body, None),
        };
        if let Some(build) = build {
            let ok = build
                .split('.')
                .all(|i| !i.is_empty() && i.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
            if !ok {
                return Err(bad("bad build metadata"));
            }
        }
        // The pre-release starts at the first `-` after the numbers.
        let nums_end = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '*') || c == '-')
            .unwrap_or(body.len());
        let (nums, rest) = body.split_at(nums_end);
        let pre = match rest.strip_prefix('-') {
            Some(pre) => parse_pre(pre).map_err(|e| bad(&e))?,
            None if rest.is_empty() => Vec::new(),
            None => return Err(bad("unexpected characters")),
        };
        let mut parts = nums.split('.');
        let mut numbers = [None; 3];
        let mut wild = false;
        for (i, slot) in numbers.iter_mut().enumerate() {
            let Some(part) = parts.next() else {
                if i == 0 {
                    return Err(bad("no version"));
                }
                break;
            };
            match part {
                "x" | "X" | "*" => wild = true,
                _ if wild => return Err(bad("a number after a wildcard")),
                _ => *slot = Some(parse_number(part).map_err(|e| bad(&e))?),
            }
        }
        if parts.next().is_some() {
            return Err(bad("more than three numbers"));
        }
        let [major, minor, patch] = numbers;
        if (!pre.is_empty() || build.is_some()) && patch.is_none() {
            return Err(bad("a pre-release or build needs major.minor.patch"));
        }
        Ok(Partial {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// The version with missing numbers as zero.
    fn floor(&self) -> Version {
        Version {
            major: self.major.unwrap_or(0),
            minor: self.minor.unwrap_or(0),
            patch: self.patch.unwrap_or(0),
            pre: self.pre.clone(),
        }
    }
}

fn parse_number(part: &str) -> Result<u64, String> {
    if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("bad number {part:?}"));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!("leading zero in {part:?}"));
    }
    match part.parse::<u64>() {
        Ok(n) if n <= MAX_NUMBER => Ok(n),
        _ => Err(format!("number {part:?} too large")),
    }
}

fn parse_pre(pre: &str) -> Result<Vec<Ident>, String> {
    pre.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                Err(format!("bad pre-release identifier {id:?}"))
            } else if id.bytes().all(|c| c.is_ascii_digit()) {
                parse_number(id).map(Ident::Num)
            } else {
                Ok(Ident::Alpha(id.to_string()))
            }
        })
        .collect()
}

/// The versions `[lo, hi)`; `None` is unbounded on that side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// The lowest version in the interval, or `None` for no lower bound.
    pub lo: Option<Version>,
    /// The first version above the interval, or `None` for no upper bound.
    pub hi: Option<Version>,
}

impl Interval {
    const ALL: Interval = Interval { lo: None, hi: None };

    fn is_empty(&self) -> bool {
        matches!((&self.lo, &self.hi), (Some(lo), Some(hi)) if lo >= hi)
    }

    fn intersect(&self, other: &Interval) -> Interval {
        let lo = match (&self.lo, &other.lo) {
            (Some(a), Some(b)) => Some(a.max(b).clone()),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        let hi = match (&self.hi, &other.hi) {
            (Some(a), Some(b)) => Some(a.min(b).clone()),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        Interval { lo, hi }
    }

    /// Whether `v` is in the interval.
    pub fn contains(&self, v: &Version) -> bool {
        self.lo.as_ref().is_none_or(|lo| lo <= v) && self.hi.as_ref().is_none_or(|hi| v < hi)
    }
}

/// A set of versions: sorted, disjoint, non-adjacent, non-empty intervals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionSet {
    intervals: Vec<Interval>,
}

impl VersionSet {
    /// The empty set.
    pub fn empty() -> Self {
        VersionSet::default()
    }

    /// Every version.
    pub fn all() -> Self {
        VersionSet {
            intervals: vec![Interval::ALL],
        }
    }

    /// The intervals, in ascending order.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Whether the set holds no version.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: &Version) -> bool {
        self.intervals.iter().any(|i| i.contains(v))
    }

    fn from_intervals(mut list: Vec<Interval>) -> Self {
        list.retain(|i| !i.is_empty());
        // `None` (no lower bound) sorts first.
        list.sort_by(|a, b| a.lo.cmp(&b.lo));
        let mut out: Vec<Interval> = Vec::with_capacity(list.len());
        for next in list {
            if let Some(last) = out.last_mut() {
                let touches = match (&last.hi, &next.lo) {
                    (None, _) => true,
                    (Some(_), None) => true,
                    (Some(hi), Some(lo)) => lo <= hi,
                };
                if touches {
                    last.hi = match (&last.hi, &next.hi) {
                        (Some(a), Some(b)) => Some(a.max(b).clone()),
                        _ => None,
                    };
                    continue;
                }
            }
            out.push(next);
        }
        VersionSet { intervals: out }
    }

    /// The versions in both sets.
    pub fn intersect(&self, other: &VersionSet) -> VersionSet {
        let list = self
            .intervals
            .iter()
            .flat_map(|a| other.intervals.iter().map(move |b| a.intersect(b)))
            .collect();
        VersionSet::from_intervals(list)
    }

    /// The versions not in the set.
    pub fn complement(&self) -> VersionSet {
        let mut list = Vec::new();
        let mut from: Option<Option<Version>> = Some(None);
        for i in &self.intervals {
            if let (Some(lo), Some(start)) = (&i.lo, from.take()) {
                list.push(Interval {
                    lo: start,
                    hi: Some(lo.clone()),
                });
            }
            from = i.hi.clone().map(Some);
        }
        if let Some(start) = from {
            list.push(Interval { lo: start, hi: None });
        }
        VersionSet::from_intervals(list)
    }

    /// The versions in this set and not in `other`.
    pub fn minus(&self, other: &VersionSet) -> VersionSet {
        self.intersect(&other.complement())
    }
}

/// Parses a node-semver range into the set of versions it admits (see the module docs).
pub fn parse(range: &str) -> Result<VersionSet, String> {
    if range.len() > MAX_LEN {
        return Err(format!("range longer than {MAX_LEN} bytes"));
    }
    let mut list = Vec::new();
    for set in range.split("||") {
        list.push(parse_set(set.trim())?);
    }
    Ok(VersionSet::from_intervals(list))
}

/// One comparator set: the intersection of its comparators.
fn parse_set(set: &str) -> Result<Interval, String> {
    let words: Vec<&str> = set.split_whitespace().collect();
    // `1.2.3 - 2.3.4`
    if let [from, "-", to] = words.as_slice() {
        let from = Partial::parse(from)?;
        let to = Partial::parse(to)?;
        let lo = from.major.map(|_| from.floor());
        let hi = match (to.major, to.minor, to.patch) {
            (None, _, _) => None,
            (Some(m), None, _) => Some(Version::new(m + 1, 0, 0).lowest_pre()),
            (Some(m), Some(n), None) => Some(Version::new(m, n + 1, 0).lowest_pre()),
            _ => Some(to.floor().successor()),
        };
        return Ok(normalize(Interval { lo, hi }));
    }
    // Operators written apart from their version (`>= 1.2.3`, `~ 1.2`) are joined to it.
    let mut comparators = Vec::new();
    let mut pending: Option<&str> = None;
    for word in words {
        if is_operator(word) {
            if let Some(op) = pending {
                return Err(format!("operator {op:?} without a version"));
            }
            pending = Some(word);
        } else {
            comparators.push(match pending.take() {
                Some(op) => format!("{op}{word}"),
                None => word.to_string(),
            });
        }
    }
    if let Some(op) = pending {
        return Err(format!("operator {op:?} without a version"));
    }
    let mut acc = Interval::ALL;
    for c in &comparators {
        acc = acc.intersect(&comparator(c)?);
    }
    Ok(acc)
}

fn is_operator(word: &str) -> bool {
    matches!(word, "<" | "<=" | ">" | ">=" | "=" | "~" | "~>" | "^")
}

/// node-semver reads a lower bound of `0.0.0` as no lower bound at all (`>=0.0.0` is `*`).
fn normalize(mut i: Interval) -> Interval {
    if i.lo.as_ref() == Some(&Version::new(0, 0, 0)) {
        i.lo = None;
    }
    i
}

/// The interval one comparator (`>=1.2.3`, `^1.2`, `1.x`, `*`) admits.
fn comparator(c: &str) -> Result<Interval, String> {
    let (interval, exact) = desugar(c)?;
    // `=0.0.0` stays exact; every other bound of `0.0.0` comes from a `>=0.0.0`.
    Ok(if exact { interval } else { normalize(interval) })
}

/// The interval of one comparator, and whether it is an exact version (`1.2.3`, `=1.2.3`).
fn desugar(c: &str) -> Result<(Interval, bool), String> {
    let (op, rest) = ["~>", ">=", "<=", ">", "<", "=", "~", "^"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("", c));
    let p = Partial::parse(rest).map_err(|e| format!("comparator {c:?}: {e}"))?;
    // `<0.0.0-0`: below the lowest version there is.
    let empty = || Interval {
        lo: Some(Version::new(0, 0, 0).lowest_pre()),
        hi: Some(Version::new(0, 0, 0).lowest_pre()),
    };
    let between = |lo: Version, hi: Version| Interval {
        lo: Some(lo),
        hi: Some(hi),
    };
    let Some(major) = p.major else {
        // `*`, `x`: everything, except that `<*` and `>*` admit nothing.
        return Ok((
            if op == "<" || op == ">" {
                empty()
            } else {
                Interval::ALL
            },
            false,
        ));
    };
    let floor = p.floor();
    let next_major = Version::new(major + 1, 0, 0).lowest_pre();
    if matches!(op, "" | "=") && p.patch.is_some() {
        return Ok((between(floor.clone(), floor.successor()), true));
    }
    let interval = match op {
        "^" => {
            let hi = match (major, p.minor, p.patch) {
                (_, None, _) => next_major,
                (0, Some(minor), None) => Version::new(0, minor + 1, 0).lowest_pre(),
                (0, Some(0), Some(patch)) => Version::new(0, 0, patch + 1).lowest_pre(),
                (0, Some(minor), Some(_)) => Version::new(0, minor + 1, 0).lowest_pre(),
                _ => next_major,
            };
            between(floor, hi)
        }
        "~" | "~>" => {
            let hi = match p.minor {
                None => next_major,
                Some(minor) => Version::new(major, minor + 1, 0).lowest_pre(),
            };
            between(floor, hi)
        }
        _ => {
            // The first version above everything the partial version stands for, if it is partial.
            let ceiling = match (p.minor, p.patch) {
                (None, _) => Some(next_major),
                (Some(minor), None) => Some(Version::new(major, minor + 1, 0).lowest_pre()),
                _ => None,
            };
            match (op, ceiling) {
                (">=", _) => Interval {
                    lo: Some(floor),
                    hi: None,
                },
                // `>1.2` is `>=1.3.0`, without the pre-releases of 1.3.0.
                (">", Some(c)) => Interval {
                    lo: Some(c.release()),
                    hi: None,
                },
                (">", None) => Interval {
                    lo: Some(floor.successor()),
                    hi: None,
                },
                ("<", Some(_)) => Interval {
                    lo: None,
                    hi: Some(floor.release().lowest_pre()),
                },
                ("<", None) => Interval {
                    lo: None,
                    hi: Some(floor),
                },
                ("<=", Some(c)) => Interval {
                    lo: None,
                    hi: Some(c),
                },
                ("<=", None) => Interval {
                    lo: None,
                    hi: Some(floor.successor()),
                },
                (_, Some(c)) => between(floor, c),
                (_, None) => between(floor.clone(), floor.successor()),
            }
        }
    };
    Ok((interval, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set as `[lo, hi)` strings, `-` for unbounded.
    fn show(range: &str) -> Vec<String> {
        let set = parse(range).unwrap_or_else(|e| panic!("{range:?}: {e}"));
        set.intervals()
            .iter()
            .map(|i| {
                let b = |v: &Option<Version>| v.as_ref().map_or("-".to_string(), Version::to_string);
                format!("[{}, {})", b(&i.lo), b(&i.hi))
            })
            .collect()
    }

    #[test]
    fn comparators_desugar_as_node_semver_does() {
        let cases: &[(&str, &[&str])] = &[
            ("<1.2.3", &["[-, 1.2.3)"]),
            ("<=1.5.1", &["[-, 1.5.2-0)"]),
            ("<= 1.5.1", &["[-, 1.5.2-0)"]),
            ("<  2.0.0", &["[-, 2.0.0)"]),
            (">1.2.3", &["[1.2.4-0, -)"]),
            ("> 1.2.3", &["[1.2.4-0, -)"]),
            (">=1.2.3", &["[1.2.3, -)"]),
            (">= 1.2.3", &["[1.2.3, -)"]),
            ("=1.2.3", &["[1.2.3, 1.2.4-0)"]),
            ("1.2.3", &["[1.2.3, 1.2.4-0)"]),
            ("v1.2.3", &["[1.2.3, 1.2.4-0)"]),
            ("=1.2.3-beta.2", &["[1.2.3-beta.2, 1.2.3-beta.2.0)"]),
            ("<=1.0.0-rc.1", &["[-, 1.0.0-rc.1.0)"]),
            ("<=v4.0.0-rc.1", &["[-, 4.0.0-rc.1.0)"]),
            (">=v1.0.0-beta.2", &["[1.0.0-beta.2, -)"]),
            ("1.2.3+build.5", &["[1.2.3, 1.2.4-0)"]),
            // Partial versions and x-ranges.
            ("1.x", &["[1.0.0, 2.0.0-0)"]),
            ("1.2.x", &["[1.2.0, 1.3.0-0)"]),
            ("1.2", &["[1.2.0, 1.3.0-0)"]),
            ("=1.2", &["[1.2.0, 1.3.0-0)"]),
            ("*", &["[-, -)"]),
            ("x", &["[-, -)"]),
            ("", &["[-, -)"]),
            (">= 2.x", &["[2.0.0, -)"]),
            (">= 1.2", &["[1.2.0, -)"]),
            (">= 0.3.x", &["[0.3.0, -)"]),
            (">1", &["[2.0.0, -)"]),
            (">1.2", &["[1.3.0, -)"]),
            ("<1.2", &["[-, 1.2.0-0)"]),
            ("<1", &["[-, 1.0.0-0)"]),
            ("<=1.2", &["[-, 1.3.0-0)"]),
            ("<= 0.2", &["[-, 0.3.0-0)"]),
            ("<*", &[]),
            (">x", &[]),
            // `>=0.0.0` is `*`.
            (">=0.0.0", &["[-, -)"]),
            (">=0.0.0 <1.0.0", &["[-, 1.0.0)"]),
            // Carets.
            ("^1.2.3", &["[1.2.3, 2.0.0-0)"]),
            ("^ 1.2.3", &["[1.2.3, 2.0.0-0)"]),
            ("^0.2.3", &["[0.2.3, 0.3.0-0)"]),
            ("^0.0.3", &["[0.0.3, 0.0.4-0)"]),
            ("^1.2.3-beta.2", &["[1.2.3-beta.2, 2.0.0-0)"]),
            ("^1.2.x", &["[1.2.0, 2.0.0-0)"]),
            ("^0.0.x", &["[-, 0.1.0-0)"]),
            ("^0.0", &["[-, 0.1.0-0)"]),
            ("^1.x", &["[1.0.0, 2.0.0-0)"]),
            ("^0.x", &["[-, 1.0.0-0)"]),
            ("^*", &["[-, -)"]),
            // Tildes.
            ("~1.2.3", &["[1.2.3, 1.3.0-0)"]),
            ("~>1.2.3", &["[1.2.3, 1.3.0-0)"]),
            ("~1.2", &["[1.2.0, 1.3.0-0)"]),
            ("~1", &["[1.0.0, 2.0.0-0)"]),
            ("~0.2.3", &["[0.2.3, 0.3.0-0)"]),
            ("~1.2.3-beta.2", &["[1.2.3-beta.2, 1.3.0-0)"]),
            // Hyphen ranges.
            ("1.2.3 - 2.3.4", &["[1.2.3, 2.3.5-0)"]),
            ("1.2 - 2.3.4", &["[1.2.0, 2.3.5-0)"]),
            ("1.2.3 - 2.3", &["[1.2.3, 2.4.0-0)"]),
            ("1.2.3 - 2", &["[1.2.3, 3.0.0-0)"]),
            ("* - 2", &["[-, 3.0.0-0)"]),
            // Sets and unions.
            (
                ">=1.0.0 <1.4.2 || >=2.0.0 <2.1.1",
                &["[1.0.0, 1.4.2)", "[2.0.0, 2.1.1)"],
            ),
            (
                ">=2.0.0 <2.1.1||>=1.0.0 <1.4.2",
                &["[1.0.0, 1.4.2)", "[2.0.0, 2.1.1)"],
            ),
            ("<1.0.0 || >=1.0.0 <2.0.0", &["[-, 2.0.0)"]),
            ("<2.0.0 || < 1.5.0 > 1.0.0", &["[-, 2.0.0)"]),
            ("<1.2.0 >=1.3.0 || < 0.5.0", &["[-, 0.5.0)"]),
            ("0.0.0", &["[0.0.0, 0.0.1-0)"]),
            ("0.0.0 - 1.0.0", &["[-, 1.0.1-0)"]),
            (">=1.2.3 >=1.4.0", &["[1.4.0, -)"]),
            ("<=1.0.0 || 1.3.0", &["[-, 1.0.1-0)", "[1.3.0, 1.3.1-0)"]),
            ("1.0.x || 1.1.x", &["[1.0.0, 1.1.0-0)", "[1.1.0, 1.2.0-0)"]),
            ("<1.2 || >= 2 <2.3", &["[-, 1.2.0-0)", "[2.0.0, 2.3.0-0)"]),
            ("1.2.3 ||", &["[-, -)"]),
            // Empty intersections vanish.
            (">=2.0.0 <1.0.0", &[]),
            (">1.2.3 <1.2.4-0", &[]),
        ];
        for (range, want) in cases {
            assert_eq!(show(range), *want, "{range:?}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for range in [
            "latest",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.x.3",
            "1.2-beta",
            "1.2.3-",
            "1.2.3-beta..1",
            "1.2.3-01",
            ">=",
            ">= || 1.0.0",
            "1.2.3 - ",
            "<>1.2.3",
            "=>1.2.3",
            "!1.2.3",
            "1.2.3 && 2.0.0",
            "9007199254740992.0.0",
            "1.2.3+",
            "vv1.2.3",
        ] {
            assert!(parse(range).is_err(), "{range:?} parsed as {:?}", parse(range));
        }
        assert!(parse(&"1".repeat(2000)).is_err());
    }

    #[test]
    fn successor_and_predecessor_are_inverse() {
        for v in ["1.2.3", "0.0.0", "1.2.3-rc.1", "1.0.0-0", "2.0.0-alpha"] {
            let v = Version::parse(v).unwrap();
            let s = v.successor();
            assert!(s > v);
            assert_eq!(s.predecessor(), Some(v.clone()), "{v}");
        }
        assert_eq!(
            Version::parse("1.2.4").unwrap().successor().to_string(),
            "1.2.5-0"
        );
        assert_eq!(Version::parse("1.3.0-0").unwrap().predecessor(), None);
        assert_eq!(Version::parse("1.3.0").unwrap().predecessor(), None);
    }

    #[test]
    fn precedence_follows_semver() {
        let order = [
            "1.0.0-0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1-0",
            "1.0.1",
        ];
        for w in order.windows(2) {
            assert!(
                Version::parse(w[0]).unwrap() < Version::parse(w[1]).unwrap(),
                "{w:?}"
            );
        }
    }

    #[test]
    fn set_algebra() {
        let vuln = parse("<=2.0.0").unwrap();
        let patched = parse(">=1.5.0 <1.6.0 || >=2.0.0").unwrap();
        let affected = vuln.minus(&patched);
        let shown: Vec<String> = affected
            .intervals()
            .iter()
            .map(|i| {
                format!(
                    "{:?}-{:?}",
                    i.lo.as_ref().map(|v| v.to_string()),
                    i.hi.as_ref().map(|v| v.to_string())
                )
            })
            .collect();
        assert_eq!(shown, [r#"None-Some("1.5.0")"#, r#"Some("1.6.0")-Some("2.0.0")"#]);
        assert_eq!(VersionSet::all().complement(), VersionSet::empty());
        assert_eq!(VersionSet::empty().complement(), VersionSet::all());
        assert_eq!(patched.complement().complement(), patched);
    }
}
