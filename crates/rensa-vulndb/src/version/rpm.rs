//! RPM versions, `[epoch:]version[-release]`, ordered as rpm's `rpm.vercmp` orders them.
//!
//! The epoch is the run of digits before the first `:` (missing means 0); the release is what follows
//! the last `-`. Epochs, versions and releases are compared with `rpmvercmp`: runs of ASCII letters and
//! runs of digits are compared one by one (digits numerically, and a digit run beats a letter run), any
//! other character only separates, `~` sorts before everything (even the end) and `^` after the end but
//! before anything else. A missing release sorts before any release, even an empty one.

use std::cmp::Ordering;

use super::num::cmp_digits;
use super::{Scheme, invalid};
use crate::Result;

/// A parsed rpm EVR.
#[derive(Debug, Clone)]
pub(crate) struct Rpm {
    epoch: Box<str>,
    version: Box<str>,
    release: Option<Box<str>>,
}

/// Splits an EVR; every string except the empty one is accepted, as rpm does.
pub(crate) fn parse(text: &str) -> Result<Rpm> {
    if text.is_empty() {
        return Err(invalid(Scheme::Rpm, text, "version string is empty"));
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = if text[digits..].starts_with(':') {
        (&text[..digits], &text[digits + 1..])
    } else {
        ("", text)
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((version, release)) => (version, Some(release.into())),
        None => (rest, None),
    };
    Ok(Rpm {
        epoch: if epoch.is_empty() { "0" } else { epoch }.into(),
        version: version.into(),
        release,
    })
}

/// rpm's segment-wise comparison of two version (or release) strings.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let separator = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && separator(a[i]) {
            i += 1;
        }
        while j < b.len() && separator(b[j]) {
            j += 1;
        }
        let (x, y) = (a.get(i).copied(), b.get(j).copied());
        if x == Some(b'~') || y == Some(b'~') {
            if x != Some(b'~') {
                return Ordering::Greater;
            }
            if y != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x == Some(b'^') || y == Some(b'^') {
            if x.is_none() {
                return Ordering::Less;
            }
            if y.is_none() {
                return Ordering::Greater;
            }
            if x != Some(b'^') {
                return Ordering::Greater;
            }
            if y != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(x), Some(_)) = (x, y) else {
            break;
        };
        let numeric = x.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let ilen = a[i..].iter().take_while(|c| class(c)).count();
        let jlen = b[j..].iter().take_while(|c| class(c)).count();
        if jlen == 0 {
            // Different kinds of segment: numbers are newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..i + ilen], &b[j..j + jlen]);
        let ord = if numeric {
            // Both are ASCII digit runs, so valid UTF-8.
            cmp_digits(
                std::str::from_utf8(sa).unwrap_or_default(),
                std::str::from_utf8(sb).unwrap_or_default(),
            )
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += ilen;
        j += jlen;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for Rpm {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for Rpm {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Rpm {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Rpm {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn tilde_and_caret() {
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.0^git1~pre"), Ordering::Greater);
    }

    #[test]
    fn digits_beat_letters_and_separators_only_separate() {
        assert_eq!(rpmvercmp("0.string", "0.0"), Ordering::Less);
        assert_eq!(rpmvercmp("2_0", "2.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.0a", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.1.\u{3b1}", "1.1"), Ordering::Equal);
        assert_eq!(rpmvercmp("10.0001", "10.1"), Ordering::Equal);
    }

    #[test]
    fn epoch_and_release() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp(":1", "1"), Ordering::Equal);
        assert_eq!(cmp("x:1", "1"), Ordering::Less);
        assert_eq!(cmp("1", "1-"), Ordering::Less);
        assert_eq!(cmp("1", "1-~"), Ordering::Less);
        assert_eq!(cmp("1-1", "1-1-"), Ordering::Less);
        assert!(parse("").is_err());
    }
}
