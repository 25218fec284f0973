//! SemVer 2.0.0 and the ecosystems that use it: npm and crates.io (loose `v`/`=` prefix), Go (`v`
//! prefix, `+incompatible`, pseudo-versions), Hex and Pub.
//!
//! Precedence is SemVer's: major, minor and patch numerically; a pre-release sorts before its release;
//! pre-release identifiers compare numerically when both are numeric, as ASCII otherwise, numeric before
//! alphanumeric, and a shorter list of equal identifiers first. Build metadata is ignored, except in Pub,
//! which orders a version with build metadata after the same version without it and compares build
//! identifiers like pre-release identifiers. Go pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`) are pre-releases whose fixed-width timestamp orders them
//! after their base version and before the next release, which is exactly Go's rule. Numbers of any
//! length are accepted; a missing minor or patch counts as 0 (`1.2` is `1.2.0`), as npm's loose mode
//! and Go's shorthand do.

use super::num::Num;
use super::{Scheme, invalid};
use crate::Result;

/// Which ecosystem's spelling rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// npm, crates.io: optional `v` or `=` prefix.
    Semver,
    /// Go modules: optional `v` prefix.
    Go,
    /// Hex: no prefix.
    Hex,
    /// Pub: optional `v` prefix, ordered build metadata.
    Pub,
}

impl Flavour {
    fn scheme(self) -> Scheme {
        match self {
            Flavour::Semver => Scheme::Semver,
            Flavour::Go => Scheme::Go,
            Flavour::Hex => Scheme::Hex,
            Flavour::Pub => Scheme::Pub,
        }
    }
}

/// One dot-separated identifier of a pre-release or build label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    Number(Num),
    Text(Box<str>),
}

/// A parsed SemVer version, with fields in comparison order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Semver {
    core: [Num; 3],
    /// `(0, ids)` for a pre-release, `(1, [])` for a release.
    pre: (u8, Vec<Ident>),
    /// Build identifiers when they take part in the order (Pub); `None` before `Some`.
    build: Option<Vec<Ident>>,
}

fn identifiers(label: &str) -> Option<Vec<Ident>> {
    label
        .split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                None
            } else if id.bytes().all(|b| b.is_ascii_digit()) {
                Some(Ident::Number(Num::from_digits(id)))
            } else {
                Some(Ident::Text(id.into()))
            }
        })
        .collect()
}

/// Parses `MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]` with the prefix rules of `flavour`.
pub(crate) fn parse(text: &str, flavour: Flavour) -> Result<Semver> {
    let err = |reason: &str| invalid(flavour.scheme(), text, reason);
    let mut s = text.trim();
    s = match flavour {
        Flavour::Semver => {
            let t = s.strip_prefix('=').map_or(s, str::trim_start);
            t.strip_prefix(['v', 'V']).unwrap_or(t)
        }
        Flavour::Go | Flavour::Pub => s.strip_prefix('v').unwrap_or(s),
        Flavour::Hex => s,
    };
    let (rest, build) = match s.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err("expected MAJOR.MINOR.PATCH of decimal numbers"));
    }
    let number = |i: usize| parts.get(i).map_or_else(Num::default, |p| Num::from_digits(p));
    let pre = match pre {
        Some(label) => (
            0,
            identifiers(label).ok_or_else(|| err("invalid pre-release identifier"))?,
        ),
        None => (1, Vec::new()),
    };
    let build = match build {
        Some(label) => {
            let ids = identifiers(label).ok_or_else(|| err("invalid build identifier"))?;
            (flavour == Flavour::Pub).then_some(ids)
        }
        None => None,
    };
    Ok(Semver {
        core: [number(0), number(1), number(2)],
        pre,
        build,
    })
}

impl Semver {
    /// Whether this is a pre-release.
    #[cfg(test)]
    fn is_prerelease(&self) -> bool {
        self.pre.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn cmp(flavour: Flavour, a: &str, b: &str) -> Ordering {
        parse(a, flavour).unwrap().cmp(&parse(b, flavour).unwrap())
    }

    #[test]
    fn semver_spec_precedence_example() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in order.windows(2) {
            assert_eq!(cmp(Flavour::Semver, pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn npm_loose_prefixes_and_ignored_build() {
        assert_eq!(cmp(Flavour::Semver, "=v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp(Flavour::Semver, "v1.2.3+a", "1.2.3+b"), Ordering::Equal);
        assert_eq!(cmp(Flavour::Semver, "1.2", "1.2.0"), Ordering::Equal);
        assert!(parse("1.2.3.4", Flavour::Semver).is_err());
        assert!(parse("1.2.3-", Flavour::Semver).is_err());
        assert!(parse("1.2.3-a..b", Flavour::Semver).is_err());
        assert!(parse("v1.2.3", Flavour::Hex).is_err());
    }

    #[test]
    fn go_pseudo_versions_sit_between_releases() {
        let order = [
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-aaaaaaaaaaaa",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4-pre",
            "v1.2.4-pre.0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0+incompatible",
        ];
        for pair in order.windows(2) {
            assert_eq!(cmp(Flavour::Go, pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
        assert!(
            parse("v0.0.0-20191109021931-daa7c04131f5", Flavour::Go)
                .unwrap()
                .is_prerelease()
        );
        assert_eq!(cmp(Flavour::Go, "v2.0.0+incompatible", "2.0.0"), Ordering::Equal);
    }

    #[test]
    fn pub_orders_build_metadata() {
        assert_eq!(cmp(Flavour::Pub, "1.0.0", "1.0.0+1"), Ordering::Less);
        assert_eq!(cmp(Flavour::Pub, "1.0.0-pre+1", "1.0.0"), Ordering::Less);
        assert_eq!(cmp(Flavour::Pub, "1.0.0+1", "1.0.0+a"), Ordering::Less);
        assert_eq!(cmp(Flavour::Pub, "1.0.0+2", "1.0.0+10"), Ordering::Less);
    }
}
