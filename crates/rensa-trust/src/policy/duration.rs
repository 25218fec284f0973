//! Durations as a policy writes them: `30s`, `15m`, `12h`, `7d`, or combined `1d12h`.

use std::fmt;

use serde::{Serialize, Serializer};

/// A span of time in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// Parses one or more `NUMBER UNIT` pairs (units `d`, `h`, `m`, `s`, each at most once, in
    /// that order), e.g. `7d`, `1d12h`, `90s`. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a duration (write e.g. 30s, 15m, 12h, 7d or 1d12h)");
        if text.is_empty() {
            return Err(bad());
        }
        let mut total: i64 = 0;
        let mut number = String::new();
        let mut last_unit = 0usize;
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let (rank, scale) = match c {
                'd' => (1, 86_400),
                'h' => (2, 3600),
                'm' => (3, 60),
                's' => (4, 1),
                _ => return Err(bad()),
            };
            if number.is_empty() || rank <= last_unit {
                return Err(bad());
            }
            let n: i64 = number.parse().map_err(|_| bad())?;
            total = n
                .checked_mul(scale)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
            number.clear();
            last_unit = rank;
        }
        if !number.is_empty() {
            return Err(bad());
        }
        Ok(Duration(total))
    }

    /// Seconds.
    pub fn seconds(self) -> i64 {
        self.0
    }
}

/// Formats seconds as `3d 2h 5m 1s`, leaving out zero units (`0s` for zero; negative spans get
/// a leading `-`).
pub fn format_seconds(secs: i64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let sign = if secs < 0 { "-" } else { "" };
    let mut rest = secs.unsigned_abs();
    let mut parts = Vec::new();
    for (unit, scale) in [("d", 86_400u64), ("h", 3600), ("m", 60), ("s", 1)] {
        if rest >= scale {
            parts.push(format!("{}{unit}", rest / scale));
            rest %= scale;
        }
    }
    format!("{sign}{}", parts.join(" "))
}

impl fmt::Display for Duration {
    /// Compact, as a policy writes it: `1d12h`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_seconds(self.0).replace(' ', ""))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        for (text, secs) in [
            ("30s", 30),
            ("15m", 900),
            ("12h", 43_200),
            ("7d", 604_800),
            ("1d12h", 129_600),
            ("0s", 0),
        ] {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.seconds(), secs, "{text}");
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(Duration::parse("90s").unwrap().to_string(), "1m30s");
        for bad in [
            "",
            "7",
            "d",
            "1w",
            "1h1d",
            "1d1d",
            " 1d",
            "1.5h",
            "99999999999999999999d",
            "-1d",
        ] {
            assert_eq!(
                Duration::parse(bad).unwrap_err(),
                format!("`{bad}` is not a duration (write e.g. 30s, 15m, 12h, 7d or 1d12h)")
            );
        }
        assert_eq!(format_seconds(3 * 86_400 + 2 * 3600), "3d 2h");
        assert_eq!(format_seconds(86_400 + 5), "1d 5s");
        assert_eq!(format_seconds(-600), "-10m");
    }
}
