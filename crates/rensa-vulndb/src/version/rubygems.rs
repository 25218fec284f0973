//! Ruby gem versions, ordered as `Gem::Version#<=>` orders them.
//!
//! A `-` stands for `.pre.`; the version splits into runs of digits (numbers) and runs of letters
//! (strings). Trailing zeros of the numeric head and of the tail are dropped, then segments compare one
//! by one with missing segments as 0: numbers numerically, strings byte-wise, and a string (a
//! pre-release) before any number.

use std::cmp::Ordering;

use super::num::{Num, split_while};
use super::{Scheme, invalid};
use crate::Result;

/// One segment of a gem version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Number(Num),
    Text(Box<str>),
}

/// A parsed gem version: its canonical segments.
#[derive(Debug, Clone)]
pub(crate) struct Gem(Vec<Segment>);

/// Parses a version made of ASCII letters, digits, `.` and `-`, starting with a digit.
pub(crate) fn parse(text: &str) -> Result<Gem> {
    let s = text.trim();
    if !s.starts_with(|c: char| c.is_ascii_digit())
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(invalid(
            Scheme::RubyGems,
            text,
            "expected digits, letters, `.` and `-`, starting with a digit",
        ));
    }
    let mut segments = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (digits, after) = split_while(rest, |b| b.is_ascii_digit());
        if !digits.is_empty() {
            segments.push(Segment::Number(Num::from_digits(digits)));
            rest = after;
            continue;
        }
        let (letters, after) = split_while(rest, |b| b.is_ascii_alphabetic());
        if !letters.is_empty() {
            segments.push(Segment::Text(letters.into()));
            rest = after;
            continue;
        }
        if rest.starts_with('-') {
            segments.push(Segment::Text("pre".into()));
        }
        rest = &rest[1..];
    }
    // Canonical form: drop trailing zeros of the numeric head and of the rest.
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(segments.len());
    let mut tail = segments.split_off(split);
    let is_zero = |s: &Segment| matches!(s, Segment::Number(n) if n.is_zero());
    while segments.last().is_some_and(is_zero) {
        segments.pop();
    }
    while tail.last().is_some_and(is_zero) {
        tail.pop();
    }
    segments.extend(tail);
    Ok(Gem(segments))
}

impl Ord for Gem {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number(Num::default());
        for i in 0..self.0.len().max(other.0.len()) {
            let a = self.0.get(i).unwrap_or(&zero);
            let b = other.0.get(i).unwrap_or(&zero);
            let ord = match (a, b) {
                (Segment::Number(x), Segment::Number(y)) => x.cmp(y),
                (Segment::Text(x), Segment::Text(y)) => x.cmp(y),
                (Segment::Text(_), Segment::Number(_)) => Ordering::Less,
                (Segment::Number(_), Segment::Text(_)) => Ordering::Greater,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Gem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Gem {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Gem {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn prereleases_and_canonical_zeros() {
        assert_eq!(cmp("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.0.a", "1.a"), Ordering::Equal);
        assert_eq!(cmp("1.0-beta", "1.0.pre.beta"), Ordering::Equal);
        assert_eq!(cmp("1.0.b1", "1.0.a2"), Ordering::Greater);
        assert_eq!(cmp("1.10", "1.9"), Ordering::Greater);
        assert!(parse("").is_err());
        assert!(parse("a1").is_err());
        assert!(parse("1.0_1").is_err());
    }
}
