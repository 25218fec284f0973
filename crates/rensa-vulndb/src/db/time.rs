//! The few date computations the database needs: parsing the `modified` times advisories carry and
//! writing import times, in UTC, without a calendar dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch of `YYYY-MM-DD` or an RFC 3339 time (`YYYY-MM-DDTHH:MM:SS[.frac]` with
/// `Z` or `±HH:MM`, or no zone meaning UTC); `None` for anything else.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    if rest.len() < 9 || !matches!(rest[0], b'T' | b't' | b' ') || rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&rest[1..3])?, digits(&rest[4..6])?, digits(&rest[7..9])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    secs += h * 3600 + m * 60 + s;
    let mut zone = &rest[9..];
    if let Some(frac) = zone.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        zone = &frac[n..];
    }
    match zone {
        [] | [b'Z' | b'z'] => Some(secs),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let offset = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            Some(if *sign == b'+' {
                secs - offset
            } else {
                secs + offset
            })
        }
        _ => None,
    }
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The current time in seconds since the epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_rfc3339() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2000-03-01"), Some(951_868_800));
        assert_eq!(parse("2024-02-29T12:34:56Z"), Some(1_709_210_096));
        assert_eq!(parse("2024-02-29T12:34:56.123456Z"), Some(1_709_210_096));
        assert_eq!(parse("2024-02-29T14:34:56+02:00"), Some(1_709_210_096));
        assert_eq!(parse("2024-02-29T10:34:56-02:00"), Some(1_709_210_096));
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-01-01T",
            "2024-01-01T25:00:00Z",
            "２０２４-01-01",
            "2024-01-01T00:00:00+0",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for s in [0, 951_868_800, 1_709_210_096, 4_102_444_799] {
            assert_eq!(parse(&format(s)), Some(s));
        }
        assert_eq!(format(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}
