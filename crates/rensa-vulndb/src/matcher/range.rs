//! The OSV evaluation of one `affected` entry against an installed version.
//!
//! This follows the evaluation algorithm of the OSV schema: a range's events are sorted by version
//! (an `introduced` of `0` is below every version); walking them in order, an `introduced` at or below
//! the installed version makes it affected, a `fixed` at or below it makes it unaffected again, and a
//! `last_affected` strictly below it makes it unaffected again. When the range has `limit` events, only
//! versions below one of them (or any version, for a limit of `*`) can be affected. A version listed in
//! `versions` is affected whatever the ranges say. `SEMVER` ranges compare in SemVer order (Go's flavour
//! for Go modules), `ECOSYSTEM` ranges in the ecosystem's order; `GIT` ranges name commits and are
//! skipped.

use std::cmp::Ordering;

use crate::advisory::{Affected, Event, Range, RangeKind};
use crate::version::{self, Scheme, Version};

/// The result of evaluating an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The installed version is affected; `fixed` is the lowest `fixed` event above it in the ranges
    /// that affect it (the highest such across ranges), if any.
    Affected {
        /// The version that fixes it.
        fixed: Option<String>,
    },
    /// The installed version is outside every range and not listed.
    Unaffected,
}

/// Evaluates `entry` for the installed version `installed`, comparing in `scheme` (the ecosystem's
/// order). Problems (versions that do not parse) are appended to `warnings`; a range that cannot be
/// evaluated is skipped.
#[cfg(test)]
pub(crate) fn evaluate(
    entry: &Affected,
    scheme: Scheme,
    installed: &str,
    warnings: &mut Vec<String>,
) -> Verdict {
    evaluate_installed(entry, scheme, &Installed::new(installed), warnings)
}

/// A parse of the installed version in one order (the error as text, for warnings).
type Parse = std::rc::Rc<Result<Version, String>>;

/// An installed version and its parses, made once per order and shared by every range it is compared with.
pub(crate) struct Installed<'a> {
    text: &'a str,
    parsed: std::cell::RefCell<Vec<(Scheme, Parse)>>,
}

impl<'a> Installed<'a> {
    /// The installed version `text`, not parsed yet.
    pub(crate) fn new(text: &'a str) -> Self {
        Installed {
            text,
            parsed: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn parse(&self, scheme: Scheme) -> Parse {
        if let Some((_, p)) = self.parsed.borrow().iter().find(|(s, _)| *s == scheme) {
            return p.clone();
        }
        let p = std::rc::Rc::new(version::parse(scheme, self.text).map_err(|e| e.to_string()));
        self.parsed.borrow_mut().push((scheme, p.clone()));
        p
    }
}

/// [`evaluate`] with the installed version's parses shared across calls.
pub(crate) fn evaluate_installed(
    entry: &Affected,
    scheme: Scheme,
    installed: &Installed<'_>,
    warnings: &mut Vec<String>,
) -> Verdict {
    let parsed = installed;
    let installed = installed.text;
    let listed = entry.versions.iter().any(|v| {
        v.trim() == installed.trim() || matches!(version::compare(scheme, v, installed), Ok(Ordering::Equal))
    });
    let mut affected = listed;
    let mut fixed: Option<Version> = None;
    for range in &entry.ranges {
        let range_scheme = match range.kind {
            RangeKind::Git => continue,
            RangeKind::Ecosystem => scheme,
            RangeKind::Semver if scheme == Scheme::Go => Scheme::Go,
            RangeKind::Semver => Scheme::Semver,
        };
        let current = parsed.parse(range_scheme);
        let current = match current.as_ref() {
            Ok(v) => v,
            // `introduced 0` alone affects every version, whether it parses or not.
            Err(_) if from_start_only(range) => {
                affected = true;
                continue;
            }
            Err(e) => {
                warnings.push(format!("installed version cannot be compared: {e}"));
                continue;
            }
        };
        match in_range(range, range_scheme, current) {
            Ok(RangeVerdict {
                affected: true,
                fixed: f,
            }) => {
                affected = true;
                if let Some(f) = f
                    && fixed.as_ref().is_none_or(|old| f > *old)
                {
                    fixed = Some(f);
                }
            }
            Ok(_) => {}
            Err(e) => warnings.push(format!("range skipped: {e}")),
        }
    }
    if affected {
        Verdict::Affected {
            fixed: fixed.map(|v| v.as_str().to_string()),
        }
    } else {
        Verdict::Unaffected
    }
}

/// Whether the range is `introduced 0` with no other event (all versions affected).
fn from_start_only(range: &Range) -> bool {
    !range.events.is_empty()
        && range
            .events
            .iter()
            .all(|e| matches!(e, Event::Introduced(v) if v.trim() == "0"))
}

struct RangeVerdict {
    affected: bool,
    fixed: Option<Version>,
}

/// Where an event sorts: `introduced 0` first, then by version; at equal versions `introduced` before
/// `last_affected` before `fixed` before `limit`.
enum Point {
    Zero,
    At(Version),
    Unlimited,
}

fn kind_rank(e: &Event) -> u8 {
    match e {
        Event::Introduced(_) => 0,
        Event::LastAffected(_) => 1,
        Event::Fixed(_) => 2,
        Event::Limit(_) => 3,
    }
}

/// The most events a range may have (the sort below is quadratic; real ranges have a handful).
const MAX_EVENTS: usize = 4096;

/// A stable sort that stays well-defined (and never panics) when `cmp` is not a total order.
fn insertion_sort_by<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && cmp(&items[j - 1], &items[j]) == Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn in_range(range: &Range, scheme: Scheme, v: &Version) -> Result<RangeVerdict, crate::Error> {
    if range.events.len() > MAX_EVENTS {
        return Err(crate::Error::Feed {
            location: "affected range".into(),
            reason: format!(
                "{} events, more than the {MAX_EVENTS} a range may have",
                range.events.len()
            ),
        });
    }
    let mut events = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let text = e.version().trim();
        let point = match e {
            Event::Introduced(_) if text == "0" => Point::Zero,
            Event::Limit(_) if text == "*" => Point::Unlimited,
            _ => Point::At(version::parse(scheme, text)?),
        };
        events.push((point, e));
    }
    // Maven's and Composer's orders are not transitive for some odd versions (as the tools themselves
    // behave), and the standard sort may panic on such an order; an insertion sort never does, and a
    // range has few events.
    insertion_sort_by(&mut events, |(a, ea), (b, eb)| {
        let by_point = match (a, b) {
            (Point::Zero, Point::Zero) | (Point::Unlimited, Point::Unlimited) => Ordering::Equal,
            (Point::Zero, _) | (_, Point::Unlimited) => Ordering::Less,
            (_, Point::Zero) | (Point::Unlimited, _) => Ordering::Greater,
            (Point::At(x), Point::At(y)) => x.cmp(y),
        };
        by_point.then(kind_rank(ea).cmp(&kind_rank(eb)))
    });
    let mut limits = events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Limit(_)))
        .peekable();
    if limits.peek().is_some()
        && !limits.any(|(p, _)| match p {
            Point::At(limit) => v < limit,
            _ => true,
        })
    {
        return Ok(RangeVerdict {
            affected: false,
            fixed: None,
        });
    }
    let mut affected = false;
    for (point, e) in &events {
        match (e, point) {
            (Event::Introduced(_), Point::Zero) => affected = true,
            (Event::Introduced(_), Point::At(at)) if v >= at => affected = true,
            (Event::Fixed(_), Point::At(at)) if v >= at => affected = false,
            (Event::LastAffected(_), Point::At(at)) if v > at => affected = false,
            _ => {}
        }
    }
    let fixed = if affected {
        events.iter().find_map(|(point, e)| match (e, point) {
            (Event::Fixed(_), Point::At(at)) if at > v => Some(at.clone()),
            _ => None,
        })
    } else {
        None
    };
    Ok(RangeVerdict { affected, fixed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: RangeKind, events: Vec<Event>) -> Affected {
        let mut a = Affected::new("PyPI", "x");
        a.ranges.push(Range {
            kind,
            repo: None,
            events,
        });
        a
    }

    fn check(a: &Affected, v: &str) -> Verdict {
        let mut w = Vec::new();
        let verdict = evaluate(a, Scheme::Pep440, v, &mut w);
        assert!(w.is_empty(), "{w:?}");
        verdict
    }

    #[test]
    fn introduced_fixed() {
        let a = entry(
            RangeKind::Ecosystem,
            vec![Event::Introduced("1.0".into()), Event::Fixed("1.5".into())],
        );
        assert_eq!(check(&a, "0.9"), Verdict::Unaffected);
        assert_eq!(
            check(&a, "1.0"),
            Verdict::Affected {
                fixed: Some("1.5".into())
            }
        );
        assert_eq!(check(&a, "1.5"), Verdict::Unaffected);
    }

    #[test]
    fn git_ranges_are_skipped_and_bad_versions_warn() {
        let a = entry(RangeKind::Git, vec![Event::Introduced("0".into())]);
        assert_eq!(check(&a, "1.0"), Verdict::Unaffected);
        let a = entry(
            RangeKind::Ecosystem,
            vec![Event::Introduced("not a version".into())],
        );
        let mut w = Vec::new();
        assert_eq!(evaluate(&a, Scheme::Pep440, "1.0", &mut w), Verdict::Unaffected);
        assert_eq!(w.len(), 1);
        let open = entry(RangeKind::Ecosystem, vec![Event::Introduced("0".into())]);
        let mut w = Vec::new();
        assert_eq!(
            evaluate(&open, Scheme::Dpkg, "not a version", &mut w),
            Verdict::Affected { fixed: None }
        );
        assert!(w.is_empty());
    }
}

#[cfg(test)]
mod sort_tests {
    use super::*;
    use crate::advisory::RangeKind;

    /// Maven 3.8 itself orders `1 < 1.b.`, `1.b. < 1beta2` and `1beta2 < 1`: a cycle. Evaluating a range
    /// over such versions must give an answer, not a panic.
    #[test]
    fn intransitive_versions_do_not_panic() {
        let mut events = Vec::new();
        for _ in 0..30 {
            for v in ["1", "1.b.", "1beta2"] {
                events.push(Event::Introduced(v.into()));
                events.push(Event::Fixed(v.into()));
            }
        }
        let range = Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
        };
        let v = version::parse(Scheme::Maven, "1.b.").unwrap();
        assert!(in_range(&range, Scheme::Maven, &v).is_ok());
        let huge = Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: vec![Event::Fixed("1".into()); MAX_EVENTS + 1],
        };
        assert!(in_range(&huge, Scheme::Maven, &v).is_err());
    }
}
