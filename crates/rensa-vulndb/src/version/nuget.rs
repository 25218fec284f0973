//! NuGet versions: SemVer 2.0.0 plus legacy four-part versions (`1.0.0.1`), as NuGet orders them.
//!
//! Up to four numeric parts (missing parts are 0, leading zeros allowed); a pre-release sorts before its
//! release; pre-release labels compare case-insensitively, numeric labels numerically and before
//! alphanumeric ones; build metadata is ignored.

use super::num::Num;
use super::{Scheme, invalid};
use crate::Result;

/// One pre-release label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Number(Num),
    /// Uppercased, so that ordinal comparison ignores case.
    Text(Box<str>),
}

/// A parsed NuGet version, with fields in comparison order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Nuget {
    parts: [Num; 4],
    /// `(0, labels)` for a pre-release, `(1, [])` for a release.
    pre: (u8, Vec<Label>),
}

fn labels(text: &str) -> Option<Vec<Label>> {
    text.split('.')
        .map(|label| {
            if label.is_empty() || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                None
            } else if label.bytes().all(|b| b.is_ascii_digit()) {
                Some(Label::Number(Num::from_digits(label)))
            } else {
                Some(Label::Text(label.to_ascii_uppercase().into()))
            }
        })
        .collect()
}

/// Parses `N[.N[.N[.N]]][-LABELS][+METADATA]`.
pub(crate) fn parse(text: &str) -> Result<Nuget> {
    let err = |reason: &str| invalid(Scheme::Nuget, text, reason);
    let s = text.trim();
    let (rest, metadata) = match s.split_once('+') {
        Some((rest, metadata)) => (rest, Some(metadata)),
        None => (s, None),
    };
    if metadata.is_some_and(|m| labels(m).is_none()) {
        return Err(err("invalid build metadata"));
    }
    let (numbers, pre) = match rest.split_once('-') {
        Some((numbers, pre)) => (numbers, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 4
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err("expected one to four decimal numbers separated by dots"));
    }
    let part = |i: usize| parts.get(i).map_or_else(Num::default, |p| Num::from_digits(p));
    let pre = match pre {
        Some(pre) => (0, labels(pre).ok_or_else(|| err("invalid pre-release label"))?),
        None => (1, Vec::new()),
    };
    Ok(Nuget {
        parts: [part(0), part(1), part(2), part(3)],
        pre,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn legacy_parts_case_and_metadata() {
        assert_eq!(cmp("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.0.0-Beta", "1.0.0-beta+x"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-2", "1.0.0-10"), Ordering::Less);
        assert_eq!(cmp("1.0.0-10", "1.0.0-a"), Ordering::Less);
        assert_eq!(cmp("1.0.0-a", "1.0.0-a.1"), Ordering::Less);
        assert!(parse("1.2.3.4.5").is_err());
        assert!(parse("1.0-").is_err());
        assert!(parse("1.0+").is_err());
    }
}
