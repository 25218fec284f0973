//! Severity: CVSS v2, v3.0, v3.1 and v4.0 vectors parsed and scored, and the qualitative [`Rating`] of a
//! finding, including the ratings distributions give their own advisories.
//!
//! [`parse`] detects the version from the vector (`CVSS:4.0/…`, `CVSS:3.1/…`, `CVSS:3.0/…`, or a bare
//! v2 vector such as `AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally wrapped in parentheses as NVD used to
//! print them) and scores it with the formulas of the FIRST specification of that version:
//!
//! - **v2**: base score, and the temporal and environmental scores when those metrics are present.
//! - **v3.0 / v3.1**: base score with the specification's Roundup (v3.1's floating-point-safe
//!   definition, used for v3.0 too since both define Roundup as the smallest one-decimal number not
//!   below its input), and the temporal and environmental scores when those metrics are present
//!   (v3.0 and v3.1 differ in the environmental formula for a changed scope; each version uses its own).
//! - **v4.0**: the macrovector scoring (EQ1–EQ6, the published table of macrovector scores, and the
//!   interpolation by severity distance). Threat (`E`) and environmental metrics take part, so a v4
//!   score is the CVSS-B, -BT, -BE or -BTE score of the vector as written.
//!
//! Parsing is strict: an unknown metric, a repeated metric, a missing mandatory metric, a value the
//! version does not define, or an empty component is an [`Error::InvalidCvss`] naming the problem. Metrics
//! may come in any order after the version prefix.
//!
//! # Rating order
//!
//! A finding's rating is chosen by [`overall`], in this order:
//!
//! 1. **the distribution's own rating**, for a package that comes from a distribution and whose
//!    advisory rates it (Debian security-tracker urgency, Ubuntu priority, Red Hat severity; see
//!    [`Rating::from_debian_urgency`], [`Rating::from_ubuntu_priority`],
//!    [`Rating::from_redhat_severity`]). A rating the distribution has not assigned yet (Debian
//!    "not yet assigned", Ubuntu "untriaged") counts as no rating; Alpine publishes none;
//! 2. otherwise the rating of the **highest-scoring CVSS v3.x or v4.0** vector;
//! 3. otherwise the rating of the **highest-scoring CVSS v2** vector;
//! 4. otherwise `unknown`.
//!
//! CVSS ratings follow the specifications: v3.x and v4.0 map 0.1–3.9 to low, 4.0–6.9 to medium,
//! 7.0–8.9 to high and 9.0–10.0 to critical, and the specification's "None" (0.0) to
//! [`Rating::Negligible`]; v2 uses NVD's bands: 0.0–3.9 low, 4.0–6.9 medium, 7.0–10.0 high.

mod cvss2;
mod cvss3;
mod cvss4;
mod metrics;
mod rating;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use rating::{Rating, UnknownRating};

use crate::{Error, Result};

/// A version of the Common Vulnerability Scoring System.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    /// CVSS v2 (vectors without a prefix).
    #[serde(rename = "2.0")]
    V2,
    /// CVSS v3.0 (`CVSS:3.0/…`).
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1 (`CVSS:3.1/…`).
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0 (`CVSS:4.0/…`).
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// The version as written in vector prefixes and reports: `2.0`, `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an attacker must be to exploit the vulnerability (the base `AV` metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttackVector {
    /// Remotely, over the network (`AV:N`).
    Network,
    /// From an adjacent network (`AV:A`).
    Adjacent,
    /// With local access to the system (`AV:L`).
    Local,
    /// With physical access to the device (`AV:P`; v3 and v4 only).
    Physical,
}

impl AttackVector {
    /// The lowercase name used in reports: `network`, `adjacent`, `local` or `physical`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackVector::Network => "network",
            AttackVector::Adjacent => "adjacent",
            AttackVector::Local => "local",
            AttackVector::Physical => "physical",
        }
    }
}

/// How hard exploitation is beyond the attacker's control (the base `AC` metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttackComplexity {
    /// `AC:L`.
    Low,
    /// `AC:M` (v2 only).
    Medium,
    /// `AC:H`.
    High,
}

impl AttackComplexity {
    /// The lowercase name used in reports: `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackComplexity::Low => "low",
            AttackComplexity::Medium => "medium",
            AttackComplexity::High => "high",
        }
    }
}

/// A parsed and scored CVSS vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// The CVSS version, detected from the vector.
    pub version: CvssVersion,
    /// The vector as given (surrounding whitespace and a v2 `(…)` wrapper removed).
    pub vector: String,
    /// The base score, one decimal, 0.0–10.0. For v4.0 this is the score of the whole vector as written
    /// (threat and environmental metrics included), as v4.0 has no separate temporal step.
    pub base_score: f32,
    /// The v2/v3 temporal score, when the vector has temporal metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_score: Option<f32>,
    /// The v2/v3 environmental score, when the vector has environmental metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environmental_score: Option<f32>,
    /// The qualitative rating of [`Cvss::base_score`] under this version's bands.
    pub severity: Rating,
    /// The base attack vector.
    pub attack_vector: AttackVector,
    /// The base attack complexity.
    pub attack_complexity: AttackComplexity,
}

impl Cvss {
    /// Whether this is a v3.x or v4.0 vector (preferred over v2 by [`overall`]).
    pub fn is_v3_or_later(&self) -> bool {
        self.version != CvssVersion::V2
    }
}

impl std::str::FromStr for Cvss {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        parse(s)
    }
}

/// The longest vector kept verbatim in an error message.
const MAX_ERROR_VECTOR: usize = 200;

/// An [`Error::InvalidCvss`] for `vector` (shortened when very long) with `reason`.
pub(crate) fn invalid(vector: &str, reason: impl Into<String>) -> Error {
    let vector = if vector.len() > MAX_ERROR_VECTOR {
        let mut end = MAX_ERROR_VECTOR;
        while !vector.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &vector[..end])
    } else {
        vector.to_string()
    };
    Error::InvalidCvss {
        vector,
        reason: reason.into(),
    }
}

/// Parses and scores a CVSS vector, detecting its version from the prefix (`CVSS:4.0/`, `CVSS:3.1/`,
/// `CVSS:3.0/`; none for v2, where a `(…)` wrapper is tolerated).
///
/// ```
/// let cvss = rensa_vulndb::severity::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
/// assert_eq!(cvss.base_score, 9.8);
/// assert_eq!(cvss.severity, rensa_vulndb::severity::Rating::Critical);
/// ```
pub fn parse(vector: &str) -> Result<Cvss> {
    let trimmed = vector.trim();
    if trimmed.is_empty() {
        return Err(invalid(vector, "empty vector"));
    }
    if let Some(rest) = trimmed.strip_prefix("CVSS:") {
        let (version, body) = match rest.split_once('/') {
            Some((v, body)) => (v, body),
            None => (rest, ""),
        };
        match version {
            "4.0" => cvss4::parse(trimmed, body),
            "3.1" => cvss3::parse(trimmed, body, CvssVersion::V3_1),
            "3.0" => cvss3::parse(trimmed, body, CvssVersion::V3_0),
            other => Err(invalid(vector, format!("unsupported CVSS version {other:?}"))),
        }
    } else {
        let body = match trimmed.strip_prefix('(') {
            Some(inner) => inner
                .strip_suffix(')')
                .ok_or_else(|| invalid(vector, "unbalanced parenthesis"))?,
            None => trimmed,
        };
        if body.starts_with("CVSS:") {
            return Err(invalid(
                vector,
                "a versioned vector cannot be wrapped in parentheses",
            ));
        }
        cvss2::parse(body)
    }
}

/// Rounds half up to one decimal, with a small allowance for binary floating-point error (so that a
/// value whose exact decimal result ends in 5 at the second decimal rounds up, as the specifications'
/// decimal arithmetic does).
pub(crate) fn round1(x: f64) -> f64 {
    ((x + 1e-9) * 10.0).round() / 10.0
}

/// The rating of a finding: the distribution's own rating first, then the highest CVSS v3.x/v4.0, then
/// the highest CVSS v2 (the order documented in the [module docs](self)).
///
/// `distro` is the rating a distribution's advisory gives the package (`None` for packages not from a
/// distribution, or when the advisory has none); [`Rating::Unknown`] counts as none.
pub fn overall(distro: Option<Rating>, cvss: &[Cvss]) -> Rating {
    if let Some(rating) = distro.filter(|r| *r != Rating::Unknown) {
        return rating;
    }
    let highest = |modern: bool| {
        cvss.iter()
            .filter(|c| c.is_v3_or_later() == modern && c.base_score.is_finite())
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
            .map(|c| c.severity)
    };
    highest(true)
        .or_else(|| highest(false))
        .unwrap_or(Rating::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(v: &str) -> f32 {
        parse(v).unwrap_or_else(|e| panic!("{v}: {e}")).base_score
    }

    #[test]
    fn detects_versions() {
        assert_eq!(
            parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap().version,
            CvssVersion::V2
        );
        assert_eq!(parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").unwrap().base_score, 7.5);
        assert_eq!(
            parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .unwrap()
                .version,
            CvssVersion::V3_0
        );
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            9.3
        );
    }

    #[test]
    fn exposes_attack_vector_and_complexity() {
        let c = parse("CVSS:3.1/AV:P/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            (c.attack_vector, c.attack_complexity),
            (AttackVector::Physical, AttackComplexity::High)
        );
        let c = parse("AV:A/AC:M/Au:S/C:N/I:N/A:C").unwrap();
        assert_eq!(
            (c.attack_vector, c.attack_complexity),
            (AttackVector::Adjacent, AttackComplexity::Medium)
        );
        let c = parse("CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(
            (c.attack_vector, c.attack_complexity),
            (AttackVector::Local, AttackComplexity::High)
        );
    }

    #[test]
    fn rejects_bad_prefixes() {
        for v in [
            "",
            "   ",
            "CVSS:",
            "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1",
            "(CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)",
            "(AV:N/AC:L/Au:N/C:P/I:P/A:P",
        ] {
            assert!(
                matches!(parse(v), Err(Error::InvalidCvss { .. })),
                "{v:?} accepted"
            );
        }
    }

    #[test]
    fn error_names_the_problem() {
        let e = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid CVSS vector \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L\": duplicate metric AV"
        );
        let long = format!("CVSS:3.1/{}", "X".repeat(10_000));
        let Error::InvalidCvss { vector, .. } = parse(&long).unwrap_err() else {
            panic!()
        };
        assert!(vector.len() < 300);
    }

    #[test]
    fn overall_prefers_distro_then_modern_cvss_then_v2() {
        let v2_high = parse("AV:N/AC:L/Au:N/C:C/I:C/A:C").unwrap(); // 10.0 high
        let v3_medium = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N").unwrap(); // 5.3
        let v4_critical = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        let all = [v2_high.clone(), v3_medium.clone(), v4_critical.clone()];
        assert_eq!(overall(Some(Rating::Low), &all), Rating::Low);
        assert_eq!(overall(Some(Rating::Negligible), &all), Rating::Negligible);
        assert_eq!(overall(Some(Rating::Unknown), &all), Rating::Critical);
        assert_eq!(overall(None, &all), Rating::Critical);
        assert_eq!(
            overall(None, &[v2_high.clone(), v3_medium.clone()]),
            Rating::Medium
        );
        assert_eq!(overall(None, &[v2_high]), Rating::High);
        assert_eq!(overall(None, &[]), Rating::Unknown);
        assert_eq!(overall(Some(Rating::Unknown), &[]), Rating::Unknown);
    }

    #[test]
    fn serializes_for_reports() {
        let c = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","base_score":9.8,"severity":"critical","attack_vector":"network","attack_complexity":"low"}"#
        );
    }
}
