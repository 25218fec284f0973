//! Composer (Packagist) versions, ordered as PHP's `version_compare` orders them once surrounding
//! blanks and a leading `v` or `V` are removed. Like PHP, words are case-sensitive: only the listed
//! spellings are special (`RC` and `rc`, but `ALPHA` is an unknown word).
//!
//! The version splits into runs of digits, runs of letters and `#`; every other character separates.
//! Numbers compare numerically; words by their special form `dev < alpha = a < beta = b < rc <
//! # < pl = p` (a word counts as the first form it starts with; other words sort before `dev`); a
//! number counts as `#` against a word. When one version runs out, the other is newer if its next part
//! is a number, else its remaining words decide against `#` (so `1.0 < 1.0.0`, `1.0rc1 < 1.0`,
//! `1.0 < 1.0pl1`). Like `version_compare` this is not transitive for `#` (`1.2.3.# = 1.2.3` and
//! `1.2.3.# = 1.2.3.1`), which only affects versions that contain `#`.

use std::cmp::Ordering;

use super::num::{Num, split_while};
use super::{Scheme, invalid};
use crate::Result;

/// One part of a Composer version.
#[derive(Debug, Clone)]
enum Part {
    Number(Num),
    /// The rank of the word's special form.
    Word(i8),
}

/// A parsed Composer version.
#[derive(Debug, Clone)]
pub(crate) struct Composer(Vec<Part>);

/// Special forms in PHP's order of lookup, with their ranks.
const FORMS: [(&str, i8); 11] = [
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
    ("", -6),
];
/// The rank of a number when compared with a word.
const NUMBER_RANK: i8 = 4;

fn word_rank(word: &str) -> i8 {
    FORMS
        .iter()
        .find(|(form, _)| word.starts_with(form))
        .map_or(-6, |(_, rank)| *rank)
}

/// Parses any non-blank version.
pub(crate) fn parse(text: &str) -> Result<Composer> {
    let trimmed = text.trim();
    let s = trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed);
    let mut parts = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (digits, after) = split_while(rest, |b| b.is_ascii_digit());
        if !digits.is_empty() {
            parts.push(Part::Number(Num::from_digits(digits)));
            rest = after;
            continue;
        }
        let (word, after) = split_while(rest, |b| b.is_ascii_alphabetic() || b >= 0x80);
        if !word.is_empty() {
            parts.push(Part::Word(word_rank(word)));
            rest = after;
            continue;
        }
        if rest.starts_with('#') {
            parts.push(Part::Word(NUMBER_RANK));
        }
        rest = &rest[1..];
    }
    if parts.is_empty() {
        return Err(invalid(Scheme::Composer, text, "no numbers or words"));
    }
    Ok(Composer(parts))
}

/// `version_compare` of the remaining parts of the longer version against the end of the shorter.
fn remaining(parts: &[Part]) -> Ordering {
    for part in parts {
        match part {
            Part::Number(_) => return Ordering::Greater,
            Part::Word(rank) => match rank.cmp(&NUMBER_RANK) {
                Ordering::Equal => continue,
                ord => return ord,
            },
        }
    }
    Ordering::Equal
}

impl Ord for Composer {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        for (x, y) in a.iter().zip(b) {
            let ord = match (x, y) {
                (Part::Number(x), Part::Number(y)) => x.cmp(y),
                (Part::Word(x), Part::Word(y)) => x.cmp(y),
                (Part::Number(_), Part::Word(y)) => NUMBER_RANK.cmp(y),
                (Part::Word(x), Part::Number(_)) => x.cmp(&NUMBER_RANK),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let common = a.len().min(b.len());
        remaining(&a[common..]).then_with(|| remaining(&b[common..]).reverse())
    }
}

impl PartialOrd for Composer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Composer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Composer {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn special_forms() {
        let order = [
            "1.0-dev",
            "1.0alpha1",
            "1.0-beta.2",
            "1.0RC1",
            "1.0",
            "1.0pl1",
            "1.1",
        ];
        for pair in order.windows(2) {
            assert_eq!(cmp(pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0pl1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.0a1", "1.0alpha1"), Ordering::Equal);
        assert_eq!(cmp("1.0-b2", "1.0beta2"), Ordering::Equal);
        assert_eq!(cmp("v1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-foo", "1.0-dev"), Ordering::Less);
        assert_eq!(cmp("1.0-ALPHA", "1.0-BETA"), Ordering::Equal);
        assert!(parse(" ").is_err());
        assert!(parse("...").is_err());
    }
}
