//! Debian package versions, `[epoch:]upstream[-revision]`, ordered as Debian Policy 5.6.12 says.

use std::cmp::Ordering;

use super::num::{Num, cmp_digits, split_while};
use super::{Scheme, invalid};
use crate::Result;

/// A parsed dpkg version; an absent revision compares like `0`, as in dpkg.
#[derive(Debug, Clone)]
pub(crate) struct Dpkg {
    epoch: Num,
    upstream: Box<str>,
    revision: Box<str>,
}

/// Parses a version the way `dpkg --compare-versions` accepts it: surrounding whitespace is ignored;
/// errors are the ones dpkg refuses (not its warnings).
pub(crate) fn parse(text: &str) -> Result<Dpkg> {
    let err = |reason: &str| invalid(Scheme::Dpkg, text, reason);
    let s = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return Err(err("version string is empty"));
    }
    if s.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(err("version string has embedded spaces"));
    }
    let (epoch, rest) = match s.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() {
                return Err(err("epoch in version is empty"));
            }
            if !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("epoch in version is not number"));
            }
            if cmp_digits(epoch, "2147483647") == Ordering::Greater {
                return Err(err("epoch in version is too big"));
            }
            if rest.is_empty() {
                return Err(err("nothing after colon in version number"));
            }
            (Num::from_digits(epoch), rest)
        }
        None => (Num::default(), s),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((upstream, revision)) => {
            if revision.is_empty() {
                return Err(err("revision number is empty"));
            }
            (upstream, revision)
        }
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err(err("version number is empty"));
    }
    Ok(Dpkg {
        epoch,
        upstream: upstream.into(),
        revision: revision.into(),
    })
}

/// The sort weight of a non-digit character: `~` before the end of the string, letters before others.
fn weight(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Debian's `verrevcmp`: alternate non-digit parts (compared by [`weight`]) and digit parts (numeric).
fn verrevcmp(mut a: &str, mut b: &str) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        let (an, ar) = split_while(a, |c| !c.is_ascii_digit());
        let (bn, br) = split_while(b, |c| !c.is_ascii_digit());
        let (ab, bb) = (an.as_bytes(), bn.as_bytes());
        for i in 0..ab.len().max(bb.len()) {
            let ord = weight(ab.get(i).copied()).cmp(&weight(bb.get(i).copied()));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let (ad, ar) = split_while(ar, |c| c.is_ascii_digit());
        let (bd, br) = split_while(br, |c| c.is_ascii_digit());
        let ord = cmp_digits(ad, bd);
        if ord != Ordering::Equal {
            return ord;
        }
        a = ar;
        b = br;
    }
    Ordering::Equal
}

impl Ord for Dpkg {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for Dpkg {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Dpkg {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dpkg {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0~rc1-1", "1.0~rc1-1~bpo1"), Ordering::Greater);
    }

    #[test]
    fn letters_sort_before_other_characters() {
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1.0+", "1.0."), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
    }

    #[test]
    fn epoch_and_revision() {
        assert_eq!(cmp("1:0.1", "9.9"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("1.0-1-1", "1.0-1-2"), Ordering::Less);
        assert_eq!(cmp("1.0-010", "1.0-9"), Ordering::Greater);
    }

    #[test]
    fn dpkg_errors_are_errors() {
        for bad in [
            "",
            "  ",
            "a b",
            ":1",
            "x:1",
            "1:",
            "1.0-",
            "-1",
            "1:-1",
            "99999999999:1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse(" 1.0 ").is_ok());
    }
}
