//! Maven versions, ordered as Maven 3.8's `ComparableVersion` orders them.
//!
//! The lowercased version is split at `.`, at `-` (which also opens a nested list) and at every change
//! between digits and letters (which opens a nested list too); a qualifier after `.` that is followed by
//! a digit or ends the version also opens a nested list, so `1.0.x1 = 1.0-x1`. Numbers compare numerically; the known
//! qualifiers order `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`,
//! and unknown qualifiers come after `sp` in lexical order; `a1`, `b1` and `m1` abbreviate alpha, beta
//! and milestone when a digit follows. Trailing zeros, empty qualifiers and empty lists are dropped, so
//! `1 = 1.0 = 1.0.0 = 1-0 = 1.ga`. Comparing a number with a qualifier or a list: number > list >
//! qualifier.

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, invalid};
use crate::Result;

/// One item of a parsed Maven version.
#[derive(Debug, Clone)]
enum Item {
    Int(Num),
    /// A qualifier in its comparable form: the index of a known qualifier, or `7-` and the text.
    Str(Box<str>),
    List(Vec<Item>),
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub(crate) struct Maven(Vec<Item>);

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// The comparable form of the release qualifier `""`.
const RELEASE: &str = "5";

fn qualifier(text: &str, followed_by_digit: bool) -> Item {
    let mut value = text;
    if followed_by_digit && value.len() == 1 {
        value = match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        };
    }
    value = match value {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    let comparable = match QUALIFIERS.iter().position(|q| *q == value) {
        Some(i) => i.to_string(),
        None => format!("{}-{value}", QUALIFIERS.len()),
    };
    Item::Str(comparable.into())
}

fn item(is_digit: bool, text: &str) -> Item {
    if is_digit {
        Item::Int(Num::from_digits(text))
    } else {
        qualifier(text, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(s) => &**s == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }
}

/// Drops trailing null items, looking through trailing lists, as `ListItem.normalize` does.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// Parses any string (Maven accepts every string as a version), except the empty one.
pub(crate) fn parse(text: &str) -> Result<Maven> {
    if text.trim().is_empty() {
        return Err(invalid(Scheme::Maven, text, "version string is empty"));
    }
    let version = text.to_lowercase();
    // Each `-` or digit/letter change opens a list nested in the current one; `levels` holds the
    // items of each open list, outermost first.
    let mut levels: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, c) in version.char_indices() {
        let list = levels.len() - 1;
        if c == '.' || c == '-' {
            levels[list].push(if i == start {
                Item::Int(Num::default())
            } else {
                item(is_digit, &version[start..i])
            });
            start = i + 1;
            if c == '-' {
                levels.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                // A qualifier after `.` is treated like one after `-` (`1.0.0.X1 < 1.0.0-X2`).
                let mut list = list;
                if !levels[list].is_empty() {
                    levels.push(Vec::new());
                    list += 1;
                }
                levels[list].push(qualifier(&version[start..i], true));
                start = i;
                levels.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                levels[list].push(item(true, &version[start..i]));
                start = i;
                levels.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if version.len() > start {
        if !is_digit && levels.last().is_some_and(|l| !l.is_empty()) {
            levels.push(Vec::new());
        }
        let list = levels.len() - 1;
        levels[list].push(item(is_digit, &version[start..]));
    }
    let mut child: Option<Vec<Item>> = None;
    while let Some(mut level) = levels.pop() {
        if let Some(child) = child.take() {
            level.push(Item::List(child));
        }
        normalize(&mut level);
        child = Some(level);
    }
    Ok(Maven(child.unwrap_or_default()))
}

/// `Item.compareTo`, where `None` is Java's `null` (a missing item).
fn cmp_item(a: Option<&Item>, b: Option<&Item>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(b)) => cmp_item(Some(b), None).reverse(),
        (Some(Item::Int(n)), None) => {
            if n.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Some(Item::Str(s)), None) => (**s).cmp(RELEASE),
        (Some(Item::List(items)), None) => cmp_item(items.first(), None),
        (Some(Item::Int(x)), Some(Item::Int(y))) => x.cmp(y),
        (Some(Item::Int(_)), Some(_)) => Ordering::Greater,
        (Some(Item::Str(x)), Some(Item::Str(y))) => x.cmp(y),
        (Some(Item::Str(_)), Some(_)) => Ordering::Less,
        (Some(Item::List(_)), Some(Item::Int(_))) => Ordering::Less,
        (Some(Item::List(_)), Some(Item::Str(_))) => Ordering::Greater,
        (Some(Item::List(x)), Some(Item::List(y))) => cmp_lists(x, y),
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let ord = cmp_item(a.get(i), b.get(i));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl Ord for Maven {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

impl PartialOrd for Maven {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Maven {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Maven {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn qualifier_order() {
        let order = [
            "1-alpha",
            "1-alpha2",
            "1-b1",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for pair in order.windows(2) {
            assert_eq!(cmp(pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn equivalent_spellings() {
        for (a, b) in [
            ("1", "1.0.0"),
            ("1-ga", "1"),
            ("1cr1", "1-rc-1"),
            ("1.0.0-final", "1"),
            ("1A1", "1-alpha-1"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} {b}");
        }
        assert!(parse("").is_err());
    }
}
