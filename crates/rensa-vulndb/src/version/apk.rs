//! Alpine (apk-tools) versions: `digits{.digits}[letter]{_suffix[digits]}[-r digits]`.
//!
//! The comparison walks both strings token by token with apk's state machine: numbers after the first
//! compare as fractions when they have leading zeros, a letter may follow a number, suffixes
//! `_alpha < _beta < _pre < _rc` sort before the release and `_cvs < _svn < _git < _hg < _p` after it,
//! and `-rN` is the package revision. When one string runs out of tokens first, the longer one is newer
//! unless its next token is a pre-release suffix. Like `apk version -t`, malformed strings still compare
//! (up to the first token that does not fit the grammar), so only empty or blank strings are refused.

use std::cmp::Ordering;

use super::num::{Num, split_while};
use super::{Scheme, invalid};
use crate::Result;

/// A parsed apk version (the text; comparison runs apk's tokenizer over it).
#[derive(Debug, Clone)]
pub(crate) struct Apk(Box<str>);

/// Accepts any non-blank string, as apk does.
pub(crate) fn parse(text: &str) -> Result<Apk> {
    if text.is_empty()
        || text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(invalid(Scheme::Apk, text, "empty or contains blanks"));
    }
    Ok(Apk(text.into()))
}

/// Token kinds in apk's grammar order; a kind may only be followed by kinds after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Invalid,
    DigitOrZero,
    /// A `.` that is not followed by a digit: an empty number. It continues the grammar like a
    /// number, but when the other version has a different token here it sorts before it (after an
    /// invalid tail), so that `0.8.21.r2 < 0.8.21r2`.
    EmptyDot,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

/// A token value: negative for leading-zero runs and pre-release suffixes, else a number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Negative(i64),
    Number(Num),
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

fn zero() -> Value {
    Value::Number(Num::default())
}

struct Tokens<'a> {
    rest: &'a str,
    kind: Kind,
}

impl Tokens<'_> {
    /// Reads the value of the current token and moves to the next one.
    fn value(&mut self) -> Value {
        if self.rest.is_empty() {
            self.kind = Kind::End;
            return zero();
        }
        let s = self.rest;
        let mut next_kind = None;
        let (value, used) = match self.kind {
            Kind::DigitOrZero if s.starts_with('0') => {
                let (zeros, _) = split_while(s, |c| c == b'0');
                next_kind = Some(Kind::Digit);
                (
                    Value::Negative(-(zeros.len().min(i64::MAX as usize) as i64)),
                    zeros.len(),
                )
            }
            Kind::EmptyDot => (zero(), 0),
            Kind::DigitOrZero | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
                let (digits, _) = split_while(s, |c| c.is_ascii_digit());
                (Value::Number(Num::from_digits(digits)), digits.len())
            }
            Kind::Letter => {
                let c = s.as_bytes()[0];
                (Value::Number(Num::from_digits(&c.to_string())), 1)
            }
            Kind::Suffix => {
                if let Some(i) = PRE_SUFFIXES.iter().position(|p| s.starts_with(p)) {
                    (Value::Negative(i as i64 - 4), PRE_SUFFIXES[i].len())
                } else if let Some(i) = POST_SUFFIXES.iter().position(|p| s.starts_with(p)) {
                    (
                        Value::Number(Num::from_digits(&i.to_string())),
                        POST_SUFFIXES[i].len(),
                    )
                } else {
                    self.kind = Kind::Invalid;
                    return Value::Negative(-1);
                }
            }
            Kind::Invalid | Kind::End => {
                self.kind = Kind::Invalid;
                return Value::Negative(-1);
            }
        };
        self.rest = &s[used..];
        if self.rest.is_empty() {
            self.kind = Kind::End;
        } else if let Some(kind) = next_kind {
            self.kind = kind;
        } else {
            self.advance();
        }
        value
    }

    /// Decides the kind of the next token from the current kind and the next character.
    fn advance(&mut self) {
        let s = self.rest.as_bytes();
        let prev = self.kind;
        let next = match s.first() {
            None => Kind::End,
            Some(c)
                if matches!(prev, Kind::Digit | Kind::DigitOrZero | Kind::EmptyDot)
                    && c.is_ascii_lowercase() =>
            {
                Kind::Letter
            }
            Some(c) if prev == Kind::Letter && c.is_ascii_digit() => Kind::Digit,
            Some(c) if prev == Kind::Suffix && c.is_ascii_digit() => Kind::SuffixNo,
            Some(c) => {
                let kind = match c {
                    b'.' if s.get(1).is_some_and(u8::is_ascii_digit) => Kind::DigitOrZero,
                    b'.' => Kind::EmptyDot,
                    b'_' => Kind::Suffix,
                    b'-' if s.get(1) == Some(&b'r') => {
                        self.rest = &self.rest[1..];
                        Kind::RevisionNo
                    }
                    _ => Kind::Invalid,
                };
                // Skip the separator (which may be the first byte of a multi-byte character).
                let width = self.rest.chars().next().map_or(1, char::len_utf8);
                self.rest = &self.rest[width..];
                kind
            }
        };
        // An empty number stands in the grammar where a number would.
        let grammar = |kind| match kind {
            Kind::EmptyDot => Kind::DigitOrZero,
            kind => kind,
        };
        let (next_g, prev) = (grammar(next), grammar(prev));
        let allowed = next_g >= prev
            || (next_g == Kind::DigitOrZero && prev == Kind::Digit)
            || (next == Kind::Suffix && prev == Kind::SuffixNo)
            || (next == Kind::Digit && prev == Kind::Letter);
        self.kind = if allowed { next } else { Kind::Invalid };
    }
}

/// apk's comparison of two version strings.
fn compare(a: &str, b: &str) -> Ordering {
    let mut ta = Tokens {
        rest: a,
        kind: Kind::Digit,
    };
    let mut tb = Tokens {
        rest: b,
        kind: Kind::Digit,
    };
    let (mut av, mut bv) = (zero(), zero());
    while ta.kind == tb.kind && ta.kind != Kind::End && ta.kind != Kind::Invalid && av == bv {
        av = ta.value();
        bv = tb.value();
    }
    match av.cmp(&bv) {
        Ordering::Equal => {}
        ord => return ord,
    }
    if ta.kind == tb.kind {
        return Ordering::Equal;
    }
    // A pre-release suffix sorts before anything else; peek at its value without moving on, so that
    // the kinds below stay the ones found at this position (which keeps the order transitive).
    let pre_release = |t: &Tokens<'_>| {
        t.kind == Kind::Suffix
            && Tokens {
                rest: t.rest,
                kind: t.kind,
            }
            .value()
                < zero()
    };
    if pre_release(&ta) {
        return Ordering::Less;
    }
    if pre_release(&tb) {
        return Ordering::Greater;
    }
    rank(tb.kind).cmp(&rank(ta.kind))
}

/// The rank used when the two versions have different kinds of token at the same place: a higher rank
/// sorts first (an invalid tail, then an empty number, then the end of the version, ...).
fn rank(kind: Kind) -> u8 {
    match kind {
        Kind::Invalid => 9,
        Kind::EmptyDot => 8,
        Kind::DigitOrZero => 1,
        Kind::Digit => 2,
        Kind::Letter => 3,
        Kind::Suffix => 4,
        Kind::SuffixNo => 5,
        Kind::RevisionNo => 6,
        Kind::End => 7,
    }
}

impl Ord for Apk {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for Apk {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Apk {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Apk {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_letters_and_revisions() {
        assert_eq!(compare("1.2_rc1", "1.2"), Ordering::Less);
        assert_eq!(compare("1.2_p1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.2_alpha", "1.2_beta"), Ordering::Less);
        assert_eq!(compare("1.2a", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.2-r1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.2-r10", "1.2-r9"), Ordering::Greater);
        assert_eq!(compare("1.13.2-r0", "1.13.2_alpha"), Ordering::Greater);
    }

    #[test]
    fn leading_zeros_compare_as_fractions() {
        assert_eq!(compare("1.02", "1.1"), Ordering::Less);
        assert_eq!(compare("1.01", "1.001"), Ordering::Greater);
        assert_eq!(compare("006", "1.0.0"), Ordering::Greater);
    }

    #[test]
    fn blank_is_invalid() {
        assert!(parse("").is_err());
        assert!(parse("1 .0").is_err());
    }
}
