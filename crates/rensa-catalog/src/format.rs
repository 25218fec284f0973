//! SBOM output formats. Every writer produces the same bytes for the same [`Sbom`] and options.

pub mod cyclonedx;
pub mod json;
pub mod read;
pub mod spdx;
pub mod table;

use std::io::Write;

use crate::sbom::Sbom;

/// The formats `rensa sbom` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    CycloneDx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// rensa's own JSON (the [`Sbom`] model).
    Json,
    /// A table for people.
    Table,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cyclonedx" => Ok(Format::CycloneDx),
            "spdx" | "spdx-json" => Ok(Format::Spdx),
            "json" => Ok(Format::Json),
            "table" => Ok(Format::Table),
            _ => Err(format!("unknown format {s:?} (cyclonedx, spdx, json, table)")),
        }
    }
}

/// Settings shared by the writers.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// The document timestamp (RFC 3339, UTC). Taken from `SOURCE_DATE_EPOCH` by the CLI when set.
    pub timestamp: String,
    /// The tool version to record.
    pub tool_version: String,
}

/// Writes `sbom` in `format`.
pub fn write(
    sbom: &Sbom,
    format: Format,
    options: &WriteOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::CycloneDx => cyclonedx::write(sbom, options, out),
        Format::Spdx => spdx::write(sbom, options, out),
        Format::Json => json::write(sbom, out),
        Format::Table => table::write(sbom, out),
    }
}

/// Formats seconds since the Unix epoch as an RFC 3339 UTC timestamp (`1970-01-01T00:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
