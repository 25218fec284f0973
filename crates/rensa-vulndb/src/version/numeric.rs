//! Purely numeric versions: CRAN (`1.2-3`, components separated by `.` or `-`) and Hackage (PVP,
//! `1.2.3.4`). Components compare numerically one by one; when one version is a prefix of the other,
//! the longer one is newer (`1.0 < 1.0.0`), as R's `package_version` and Haskell's `Data.Version` do.

use super::num::Num;
use super::{Scheme, invalid};
use crate::Result;

/// Which separators are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// CRAN: `.` and `-`.
    Cran,
    /// Hackage: `.` only.
    Hackage,
}

/// A parsed numeric version: its components.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Numeric(Vec<Num>);

/// Parses non-empty runs of decimal digits separated by the flavour's separators.
pub(crate) fn parse(text: &str, flavour: Flavour) -> Result<Numeric> {
    let (scheme, separators): (Scheme, &[char]) = match flavour {
        Flavour::Cran => (Scheme::Cran, &['.', '-']),
        Flavour::Hackage => (Scheme::Hackage, &['.']),
    };
    let parts = text
        .trim()
        .split(separators)
        .map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())).then(|| Num::from_digits(part))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| invalid(scheme, text, "expected decimal numbers separated by dots"))?;
    Ok(Numeric(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn components_compare_numerically_and_longer_wins() {
        let cran = |s| parse(s, Flavour::Cran).unwrap();
        assert_eq!(cran("0.9").cmp(&cran("0.75")), Ordering::Less);
        assert_eq!(cran("1.8").cmp(&cran("1.8.0")), Ordering::Less);
        assert_eq!(cran("0.1-4").cmp(&cran("0.1.4")), Ordering::Equal);
        let hackage = |s| parse(s, Flavour::Hackage).unwrap();
        assert_eq!(hackage("1.0.0").cmp(&hackage("1.0")), Ordering::Greater);
        assert!(parse("1.0-2", Flavour::Hackage).is_err());
        assert!(parse("1..0", Flavour::Cran).is_err());
        assert!(parse("", Flavour::Cran).is_err());
    }
}
