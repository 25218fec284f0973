//! The predicate types `rensa attest` writes and `rensa verify` understands.
//!
//! | `--type`          | `predicateType`                              | predicate                          |
//! |-------------------|----------------------------------------------|------------------------------------|
//! | `scan`            | `https://rensa.dev/attestation/scan/v1`      | [`ScanPredicate`]                  |
//! | `stage`           | `https://rensa.dev/attestation/stage/v1`     | [`StagePredicate`]                 |
//! | `cyclonedx`       | `https://cyclonedx.org/bom`                  | the CycloneDX BOM JSON as is       |
//! | `slsaprovenance`  | `https://slsa.dev/provenance/v1`             | SLSA provenance v1 (`buildDefinition`, `runDetails`) |
//!
//! A scan predicate:
//! ```json
//! {"scanned_at":"2026-11-20T10:00:00Z","scanner":{"name":"rensa","version":"0.1.0"},
//!  "database":{"newest_record":"2026-11-20T06:00:00Z","built_at":null},
//!  "vulnerabilities":{"critical":0,"high":1,"medium":3,"low":0,"negligible":0,"unknown":0},
//!  "fixable":{"critical":0,"high":0,"medium":2,"low":0,"negligible":0,"unknown":0},
//!  "findings":[{"id":"CVE-2024-1","package":"openssl","version":"3.0.1","severity":"high","fixed_version":null},
//!              {"id":"remote-login-enabled","severity":"high","path":"/etc/ssh/sshd_config"}],
//!  "verdict":"warn"}
//! ```
//! A stage predicate (`rensa attest --type stage --stage ci`):
//! ```json
//! {"stage":"ci","result":"passed","finished_at":"2026-11-20T09:30:00Z","details":{"pipeline":"1234"}}
//! ```
//!
//! Scan and stage predicates are read strictly: an unknown field is an error, so a reader never
//! silently ignores something a newer writer meant (a new field means a new predicate version).
//!
//! Each predicate carries the time it speaks for ([`signed_time`]); a trust policy's `max_age`
//! is measured from it. It is inside the signed statement, so it is as trustworthy as the key.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// `predicateType` of a rensa scan result.
pub const SCAN_V1: &str = "https://rensa.dev/attestation/scan/v1";
/// `predicateType` of a rensa stage result (CI, staging, ...).
pub const STAGE_V1: &str = "https://rensa.dev/attestation/stage/v1";
/// `predicateType` of a CycloneDX SBOM.
pub const CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// `predicateType` of SLSA provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";

/// A point in time, in whole seconds since the Unix epoch (UTC), read and written as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time (seconds; 0 if the clock is before 1970).
    pub fn now() -> Self {
        Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (fractions are dropped; `t`, `z` and a space
    /// separator are accepted as RFC 3339 allows).
    pub fn parse(text: &str) -> Result<Self> {
        parse_rfc3339(text)
            .map(Timestamp)
            .ok_or_else(|| Error::Timestamp(text.to_owned()))
    }

    /// Seconds since the epoch.
    pub fn seconds(self) -> i64 {
        self.0
    }

    /// The time as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let rem = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut zone = &b[19..];
    if let Some(frac) = zone.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        zone = &frac[n..];
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    match zone {
        [b'Z' | b'z'] => Some(secs),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = oh * 3600 + om * 60;
            Some(if *sign == b'+' {
                secs - offset
            } else {
                secs + offset
            })
        }
        _ => None,
    }
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

/// The built-in predicate types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PredicateKind {
    /// A rensa scan result ([`ScanPredicate`]).
    Scan,
    /// A rensa stage result ([`StagePredicate`]).
    Stage,
    /// A CycloneDX SBOM.
    Cyclonedx,
    /// SLSA provenance v1.
    SlsaProvenance,
}

impl PredicateKind {
    /// All kinds, in the order of their names.
    pub const ALL: [PredicateKind; 4] = [
        PredicateKind::Cyclonedx,
        PredicateKind::Scan,
        PredicateKind::SlsaProvenance,
        PredicateKind::Stage,
    ];

    /// The kind for a `--type` / policy `type:` name: `scan`, `stage`, `cyclonedx`,
    /// `slsaprovenance` (or `slsa-provenance`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "scan" => PredicateKind::Scan,
            "stage" => PredicateKind::Stage,
            "cyclonedx" => PredicateKind::Cyclonedx,
            "slsaprovenance" | "slsa-provenance" => PredicateKind::SlsaProvenance,
            _ => return None,
        })
    }

    /// The kind whose `predicateType` is `uri`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.uri() == uri)
    }

    /// The canonical name (`scan`, `stage`, `cyclonedx`, `slsaprovenance`).
    pub fn name(self) -> &'static str {
        match self {
            PredicateKind::Scan => "scan",
            PredicateKind::Stage => "stage",
            PredicateKind::Cyclonedx => "cyclonedx",
            PredicateKind::SlsaProvenance => "slsaprovenance",
        }
    }

    /// The `predicateType` URI.
    pub fn uri(self) -> &'static str {
        match self {
            PredicateKind::Scan => SCAN_V1,
            PredicateKind::Stage => STAGE_V1,
            PredicateKind::Cyclonedx => CYCLONEDX,
            PredicateKind::SlsaProvenance => SLSA_PROVENANCE_V1,
        }
    }

    /// Checks that `predicate` has the shape this kind requires (before `rensa attest` signs it,
    /// and before `rensa verify` reads it): scan and stage predicates must deserialize into
    /// [`ScanPredicate`] / [`StagePredicate`]; a CycloneDX BOM must be an object with
    /// `bomFormat: "CycloneDX"`; SLSA provenance must have `buildDefinition` and `runDetails`
    /// objects.
    pub fn validate(self, predicate: &Value) -> Result<()> {
        let invalid = |message: String, source: Option<serde_json::Error>| Error::Predicate {
            predicate_type: self.uri().to_owned(),
            message,
            source,
        };
        match self {
            PredicateKind::Scan => ScanPredicate::from_value(predicate).map(drop),
            PredicateKind::Stage => StagePredicate::from_value(predicate).map(drop),
            PredicateKind::Cyclonedx => match predicate.get("bomFormat") {
                Some(Value::String(f)) if f == "CycloneDX" => Ok(()),
                Some(other) => Err(invalid(
                    format!("bomFormat is {other}, expected \"CycloneDX\""),
                    None,
                )),
                None => Err(invalid("not a CycloneDX BOM (no bomFormat)".to_owned(), None)),
            },
            PredicateKind::SlsaProvenance => {
                for field in ["buildDefinition", "runDetails"] {
                    if !predicate.get(field).is_some_and(Value::is_object) {
                        return Err(invalid(
                            format!("required field `{field}` is missing or not an object"),
                            None,
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for PredicateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scanner that produced a scan result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scanner {
    /// Its name (`rensa`).
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The vulnerability database a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// The modification time of the newest record in the database, if known.
    pub newest_record: Option<Timestamp>,
    /// When the database was built or imported, if known.
    pub built_at: Option<Timestamp>,
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityCounts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Negligible.
    pub negligible: u64,
    /// Without a rating.
    pub unknown: u64,
}

impl SeverityCounts {
    /// The severity names, most severe first.
    pub const SEVERITIES: [&'static str; 6] = ["critical", "high", "medium", "low", "negligible", "unknown"];

    /// The count for a severity name, `None` for an unknown name.
    pub fn get(&self, severity: &str) -> Option<u64> {
        Some(match severity {
            "critical" => self.critical,
            "high" => self.high,
            "medium" => self.medium,
            "low" => self.low,
            "negligible" => self.negligible,
            "unknown" => self.unknown,
            _ => return None,
        })
    }
}

/// One finding of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Finding {
    /// A vulnerability in a package.
    Vulnerability {
        /// CVE, GHSA, ... id.
        id: String,
        /// The package name.
        package: String,
        /// The installed version.
        version: String,
        /// The lower-case severity.
        severity: String,
        /// The first fixed version, if there is one.
        fixed_version: Option<String>,
    },
    /// An image-check finding (configuration, secret, malware).
    Check {
        /// The rule id (`remote-login-enabled`).
        id: String,
        /// The lower-case severity.
        severity: String,
        /// The file it was found in.
        path: String,
    },
}

/// The overall verdict of a scan, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing blocks the image.
    Pass,
    /// Findings worth a look, none blocking.
    Warn,
    /// The scan policy blocks the image.
    Block,
}

impl Verdict {
    /// `pass`, `warn` or `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

/// The predicate of [`SCAN_V1`]: what `rensa scan` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanPredicate {
    /// When the scan ran.
    pub scanned_at: Timestamp,
    /// Who scanned.
    pub scanner: Scanner,
    /// The vulnerability database used.
    pub database: Database,
    /// Vulnerabilities by severity.
    pub vulnerabilities: SeverityCounts,
    /// Vulnerabilities with a fix available, by severity.
    pub fixable: SeverityCounts,
    /// The findings.
    pub findings: Vec<Finding>,
    /// The verdict of the scan policy.
    pub verdict: Verdict,
}

impl ScanPredicate {
    /// Reads a scan predicate from JSON.
    pub fn from_value(value: &Value) -> Result<Self> {
        serde_json::from_value(value.clone()).map_err(|e| Error::Predicate {
            predicate_type: SCAN_V1.to_owned(),
            message: e.to_string(),
            source: Some(e),
        })
    }

    /// The predicate as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("serializing plain values cannot fail")
    }

    /// How old the database was when the scan ran: `scanned_at` minus `newest_record` (or
    /// `built_at` when the newest record is unknown); `None` when neither is known.
    pub fn database_age(&self) -> Option<i64> {
        let reference = self.database.newest_record.or(self.database.built_at)?;
        Some(self.scanned_at.0 - reference.0)
    }
}

/// The result of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageResult {
    /// The stage passed.
    Passed,
    /// The stage failed.
    Failed,
}

/// The predicate of [`STAGE_V1`]: a CI or staging stage's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePredicate {
    /// The stage name (`ci`, `staging`, ...).
    pub stage: String,
    /// Passed or failed.
    pub result: StageResult,
    /// When the stage finished.
    pub finished_at: Timestamp,
    /// Free-form details (pipeline id, URLs, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

impl StagePredicate {
    /// Reads a stage predicate from JSON.
    pub fn from_value(value: &Value) -> Result<Self> {
        serde_json::from_value(value.clone()).map_err(|e| Error::Predicate {
            predicate_type: STAGE_V1.to_owned(),
            message: e.to_string(),
            source: Some(e),
        })
    }

    /// The predicate as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("serializing plain values cannot fail")
    }
}

/// Where a predicate of this type keeps its time, for messages (`scanned_at`, ...).
pub fn signed_time_field(predicate_type: &str) -> Option<&'static str> {
    Some(match PredicateKind::from_uri(predicate_type)? {
        PredicateKind::Scan => "scanned_at",
        PredicateKind::Stage => "finished_at",
        PredicateKind::Cyclonedx => "metadata.timestamp",
        PredicateKind::SlsaProvenance => "runDetails.metadata.finishedOn (or startedOn)",
    })
}

/// The time a predicate speaks for, from which a policy's `max_age` is measured: `scanned_at`
/// (scan), `finished_at` (stage), `metadata.timestamp` (CycloneDX),
/// `runDetails.metadata.finishedOn`, else `startedOn` (SLSA provenance). `None` for other
/// predicate types and when the field is absent or not RFC 3339.
pub fn signed_time(predicate_type: &str, predicate: &Value) -> Option<Timestamp> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).and_then(|t| Timestamp::parse(t).ok());
    match PredicateKind::from_uri(predicate_type)? {
        PredicateKind::Scan => text(predicate.get("scanned_at")),
        PredicateKind::Stage => text(predicate.get("finished_at")),
        PredicateKind::Cyclonedx => text(predicate.pointer("/metadata/timestamp")),
        PredicateKind::SlsaProvenance => text(predicate.pointer("/runDetails/metadata/finishedOn"))
            .or_else(|| text(predicate.pointer("/runDetails/metadata/startedOn"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_parse_and_format() {
        let t = Timestamp::parse("2026-11-23T15:59:35Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T15:59:35Z");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z").unwrap(), Timestamp(0));
        assert_eq!(
            Timestamp::parse("1970-01-01T01:00:00+01:00").unwrap(),
            Timestamp(0)
        );
        assert_eq!(
            Timestamp::parse("1969-12-31t23:30:00.123-00:30").unwrap(),
            Timestamp(0)
        );
        assert_eq!(
            Timestamp::parse("2024-02-29T00:00:00Z").unwrap().to_rfc3339(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(Timestamp(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
        for bad in [
            "2026-11-23",
            "2026-11-23T15:59:35",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T10:00:00.Z",
            "2026-11-23T10:00:00+0100",
            "2026-11-23T10:00:00+24:00",
            "２026-11-23T10:00:00Z",
        ] {
            assert!(
                matches!(Timestamp::parse(bad), Err(Error::Timestamp(ref t)) if t == bad),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_by_name_and_uri() {
        assert_eq!(
            PredicateKind::from_name("slsa-provenance"),
            Some(PredicateKind::SlsaProvenance)
        );
        assert_eq!(
            PredicateKind::from_name("slsaprovenance"),
            Some(PredicateKind::SlsaProvenance)
        );
        assert_eq!(PredicateKind::from_name("sbom"), None);
        for k in PredicateKind::ALL {
            assert_eq!(PredicateKind::from_name(k.name()), Some(k));
            assert_eq!(PredicateKind::from_uri(k.uri()), Some(k));
        }
    }

    fn scan() -> Value {
        json!({
            "scanned_at": "2026-11-20T10:00:00Z",
            "scanner": {"name": "rensa", "version": "0.1.0"},
            "database": {"newest_record": "2026-11-19T10:00:00+02:00", "built_at": null},
            "vulnerabilities": {"critical": 0, "high": 1, "medium": 3, "low": 0, "negligible": 0, "unknown": 0},
            "fixable": {"critical": 0, "high": 0, "medium": 2, "low": 0, "negligible": 0, "unknown": 0},
            "findings": [
                {"id": "CVE-2024-1", "package": "openssl", "version": "3.0.1", "severity": "high", "fixed_version": null},
                {"id": "remote-login-enabled", "severity": "high", "path": "/etc/ssh/sshd_config"}
            ],
            "verdict": "warn"
        })
    }

    #[test]
    fn scan_predicate_round_trips_and_is_strict() {
        let p = ScanPredicate::from_value(&scan()).unwrap();
        assert_eq!(p.verdict, Verdict::Warn);
        assert_eq!(p.vulnerabilities.get("high"), Some(1));
        assert_eq!(p.database_age(), Some(86_400 + 7200));
        assert!(matches!(p.findings[1], Finding::Check { .. }));
        assert_eq!(ScanPredicate::from_value(&p.to_value()).unwrap(), p);
        assert_eq!(p.to_value()["database"]["newest_record"], "2026-11-19T08:00:00Z");
        PredicateKind::Scan.validate(&scan()).unwrap();
        let mut bad = scan();
        bad["verdict"] = json!("ok");
        assert!(matches!(
            PredicateKind::Scan.validate(&bad),
            Err(Error::Predicate { ref predicate_type, source: Some(_), .. }) if predicate_type == SCAN_V1
        ));
        let mut extra = scan();
        extra["vulnerabilities"]["severe"] = json!(1);
        assert!(ScanPredicate::from_value(&extra).is_err());
        assert_eq!(
            signed_time(SCAN_V1, &scan()),
            Some(Timestamp::parse("2026-11-20T10:00:00Z").unwrap())
        );
    }

    #[test]
    fn stage_predicate() {
        let v = json!({"stage": "ci", "result": "passed", "finished_at": "2026-11-20T09:30:00Z"});
        let p = StagePredicate::from_value(&v).unwrap();
        assert_eq!((p.stage.as_str(), p.result), ("ci", StageResult::Passed));
        assert_eq!(p.to_value(), v);
        assert!(
            StagePredicate::from_value(
                &json!({"stage": "ci", "result": "ok", "finished_at": "2026-11-20T09:30:00Z"})
            )
            .is_err()
        );
        assert_eq!(signed_time(STAGE_V1, &v), Some(p.finished_at));
        assert_eq!(signed_time("https://example.com/other", &v), None);
    }

    #[test]
    fn cyclonedx_and_slsa() {
        let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"timestamp": "2026-11-20T10:00:00Z"}});
        PredicateKind::Cyclonedx.validate(&bom).unwrap();
        assert_eq!(
            signed_time(CYCLONEDX, &bom).unwrap().to_rfc3339(),
            "2026-11-20T10:00:00Z"
        );
        assert!(
            PredicateKind::Cyclonedx
                .validate(&json!({"spdxVersion": "SPDX-2.3"}))
                .is_err()
        );
        let slsa = json!({"buildDefinition": {"buildType": "x"}, "runDetails": {"metadata": {"startedOn": "2026-11-20T09:00:00Z"}}});
        PredicateKind::SlsaProvenance.validate(&slsa).unwrap();
        assert_eq!(
            signed_time(SLSA_PROVENANCE_V1, &slsa).unwrap().to_rfc3339(),
            "2026-11-20T09:00:00Z"
        );
        let mut finished = slsa.clone();
        finished["runDetails"]["metadata"]["finishedOn"] = json!("2026-11-20T09:10:00Z");
        assert_eq!(
            signed_time(SLSA_PROVENANCE_V1, &finished).unwrap().to_rfc3339(),
            "2026-11-20T09:10:00Z"
        );
        let err = PredicateKind::SlsaProvenance
            .validate(&json!({"buildDefinition": {}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://slsa.dev/provenance/v1 predicate is invalid: required field `runDetails` is missing or not an object"
        );
    }
}
