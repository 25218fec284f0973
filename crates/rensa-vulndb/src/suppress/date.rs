//! Calendar days (`YYYY-MM-DD`, UTC) for ignore-entry expiry, without a calendar dependency.

use std::fmt;

use crate::db::time;

/// A calendar day, as days since 1970-01-01 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// Parses exactly `YYYY-MM-DD` (a real day: `2026-02-30` is refused); `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10
            || !b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
        {
            return None;
        }
        let secs = time::parse(text)?;
        let date = Date(secs.div_euclid(86_400));
        // `time::parse` accepts any day 1..=31; a day that does not exist does not survive the round trip.
        (date.to_string() == text).then_some(date)
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date(time::now().div_euclid(86_400))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&time::format(self.0 * 86_400)[..10])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_days_only() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert!(Date::parse("2024-03-01").unwrap() > d);
        assert_eq!(Date::parse("1970-01-01"), Some(Date(0)));
        for bad in [
            "2023-02-29",
            "2024-02-30",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "2024-01-01T00:00:00Z",
            "20240101",
            "",
            "tomorrow",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }
}
