//! Python versions as PEP 440 defines them and `packaging.version.Version` accepts them.
//!
//! `[v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, case-insensitive, with the spellings PEP 440
//! normalises (`alpha`, `beta`, `c`, `pre`, `preview`, `-N` for post-releases, `rev`, `r`, optional
//! `.`, `-` or `_` separators, implicit numbers). Trailing zeros of the release do not matter;
//! dev-releases sort before pre-releases, which sort before the release, which sorts before
//! post-releases; a local label sorts after the same version without one.

use super::num::{Num, split_while};
use super::{Scheme, invalid};
use crate::Result;

/// A pre-release phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Alpha,
    Beta,
    Rc,
}

/// One segment of a local version label: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Text(Box<str>),
    Number(Num),
}

/// A parsed PEP 440 version, with fields in comparison order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pep440 {
    epoch: Num,
    release: Vec<Num>,
    /// `(0, ..)` for a dev-release of the bare version, `(1, phase, n)` for a pre-release, `(2, ..)`
    /// for none.
    pre: (u8, Option<(Phase, Num)>),
    /// `None` sorts before any post-release.
    post: Option<Num>,
    /// `(0, n)` for `.devN`, `(1, 0)` for none.
    dev: (u8, Num),
    /// `None` sorts before any local label.
    local: Option<Vec<Local>>,
}

/// A cursor over the lowercase text.
struct Cursor<'a> {
    s: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.s.strip_prefix(prefix) {
            Some(rest) => {
                self.s = rest;
                true
            }
            None => false,
        }
    }

    fn eat_sep(&mut self) -> bool {
        self.eat(".") || self.eat("-") || self.eat("_")
    }

    fn digits(&mut self) -> Option<&'a str> {
        let (digits, rest) = split_while(self.s, |c| c.is_ascii_digit());
        if digits.is_empty() {
            return None;
        }
        self.s = rest;
        Some(digits)
    }

    /// Tries `[sep]label[sep][N]` for one of `labels`; restores the position when no label matches.
    /// As in packaging's pattern, the separator after the label is consumed even without a number.
    fn labelled(&mut self, labels: &[&'static str]) -> Option<(&'static str, Num)> {
        let start = self.s;
        self.eat_sep();
        if let Some(label) = labels.iter().find(|l| self.s.starts_with(**l)) {
            self.s = &self.s[label.len()..];
            self.eat_sep();
            let n = self.digits().map_or_else(Num::default, Num::from_digits);
            return Some((label, n));
        }
        self.s = start;
        None
    }
}

/// Parses a version the way `packaging.version.Version` does.
pub(crate) fn parse(text: &str) -> Result<Pep440> {
    let err = || invalid(Scheme::Pep440, text, "not a valid PEP 440 version");
    let lower = text.trim().to_ascii_lowercase();
    let mut c = Cursor { s: &lower };
    c.eat("v");
    let mut first = c.digits().ok_or_else(err)?;
    let mut epoch = Num::default();
    if c.eat("!") {
        epoch = Num::from_digits(first);
        first = c.digits().ok_or_else(err)?;
    }
    let mut release = vec![Num::from_digits(first)];
    loop {
        let save = c.s;
        if c.eat(".")
            && let Some(d) = c.digits()
        {
            release.push(Num::from_digits(d));
            continue;
        }
        c.s = save;
        break;
    }
    while release.len() > 1 && release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    // Longest spellings first so that `alpha` is not read as `a` followed by `lpha`.
    let pre = c
        .labelled(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
        .map(|(label, n)| {
            let phase = match label {
                "alpha" | "a" => Phase::Alpha,
                "beta" | "b" => Phase::Beta,
                _ => Phase::Rc,
            };
            (phase, n)
        });
    let save = c.s;
    let post = if c.eat("-")
        && let Some(d) = c.digits()
    {
        Some(Num::from_digits(d))
    } else {
        c.s = save;
        c.labelled(&["post", "rev", "r"]).map(|(_, n)| n)
    };
    let dev = c.labelled(&["dev"]).map(|(_, n)| n);
    let mut local = None;
    if c.eat("+") {
        let mut parts = Vec::new();
        for part in c.s.split(['.', '-', '_']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(err());
            }
            parts.push(if part.bytes().all(|b| b.is_ascii_digit()) {
                Local::Number(Num::from_digits(part))
            } else {
                Local::Text(part.into())
            });
        }
        c.s = "";
        local = Some(parts);
    }
    if !c.s.is_empty() {
        return Err(err());
    }
    let pre = match (&pre, &post, &dev) {
        (None, None, Some(_)) => (0, None),
        (None, _, _) => (2, None),
        (Some(p), _, _) => (1, Some(p.clone())),
    };
    let dev = match dev {
        Some(n) => (0, n),
        None => (1, Num::default()),
    };
    Ok(Pep440 {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
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
    fn phases_in_order() {
        let order = [
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.0.post1+local",
            "1.1.dev0",
            "1!0.1",
        ];
        for pair in order.windows(2) {
            assert_eq!(cmp(pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn normalised_spellings_are_equal() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("v1.0ALPHA", "1.0a0"),
            ("1.0-preview.2", "1.0rc2"),
            ("1.0c1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.r", "1.0.post0"),
            ("1.0_rev_3", "1.0.post3"),
            ("1.0.DEV", "1.0.dev0"),
            ("2.Alpha.", "2a0"),
            ("1.0a.-1", "1.0a0.post1"),
            ("1.0.post-", "1.0.post0"),
            ("0!1.0", "1.0"),
            (" 1.0\n", "1.0"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} {b}");
        }
    }

    #[test]
    fn local_labels() {
        assert_eq!(cmp("1.0+abc", "1.0+1"), Ordering::Less);
        assert_eq!(cmp("1.0+1.a", "1.0+1"), Ordering::Greater);
        assert_eq!(cmp("1.0+a-b", "1.0+a.b"), Ordering::Equal);
    }

    #[test]
    fn rejects_what_packaging_rejects() {
        for bad in [
            "",
            "a",
            "1.",
            "1..0",
            "0.1-bulbasaur",
            "1.0+",
            "1.0+a..b",
            "1!",
            "1.0-",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
