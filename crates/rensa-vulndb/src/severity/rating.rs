//! The qualitative rating of a finding, and the ratings distributions publish mapped onto it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How severe a finding is. Ordered by severity: `Critical > High > Medium > Low > Negligible > Unknown`
/// (so `max` picks the most severe, and `rating >= Rating::High` is a threshold test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// CVSS 9.0–10.0 (v3/v4); Ubuntu "critical"; Red Hat "Critical".
    Critical,
    /// CVSS 7.0–8.9 (v3/v4), 7.0–10.0 (v2); Debian and Ubuntu "high"; Red Hat "Important".
    High,
    /// CVSS 4.0–6.9; Debian and Ubuntu "medium"; Red Hat "Moderate".
    Medium,
    /// CVSS 0.1–3.9 (v3/v4), 0.0–3.9 (v2); Debian and Ubuntu "low"; Red Hat "Low".
    Low,
    /// CVSS "None" (0.0, v3/v4); Debian "unimportant"; Ubuntu "negligible".
    Negligible,
    /// No rating known (Debian "not yet assigned", Ubuntu "untriaged", no CVSS).
    Unknown,
}

impl Rating {
    /// Every rating, most severe first.
    pub const ALL: [Rating; 6] = [
        Rating::Critical,
        Rating::High,
        Rating::Medium,
        Rating::Low,
        Rating::Negligible,
        Rating::Unknown,
    ];

    /// The lowercase name: `critical`, `high`, `medium`, `low`, `negligible` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Critical => "critical",
            Rating::High => "high",
            Rating::Medium => "medium",
            Rating::Low => "low",
            Rating::Negligible => "negligible",
            Rating::Unknown => "unknown",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Rating::Unknown => 0,
            Rating::Negligible => 1,
            Rating::Low => 2,
            Rating::Medium => 3,
            Rating::High => 4,
            Rating::Critical => 5,
        }
    }

    /// The qualitative severity of a CVSS v3.x or v4.0 score (v3.1 specification, section 5; v4.0
    /// specification, section 6): 0.0 → negligible ("None"), 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high,
    /// 9.0–10.0 critical. A score that is not a number in 0–10 is unknown.
    pub fn from_score(score: f32) -> Rating {
        match score {
            s if !(0.0..=10.0).contains(&s) => Rating::Unknown,
            s if s < 0.05 => Rating::Negligible,
            s if s < 3.95 => Rating::Low,
            s if s < 6.95 => Rating::Medium,
            s if s < 8.95 => Rating::High,
            _ => Rating::Critical,
        }
    }

    /// A Debian security-tracker urgency: `unimportant` → negligible; `low`, `medium`, `high` (also with
    /// the tracker's `*`/`**` markers for a guessed urgency) → low, medium, high; `not yet assigned`,
    /// `end-of-life` (the package is no longer supported, not a severity) and anything else → unknown.
    pub fn from_debian_urgency(urgency: &str) -> Rating {
        match urgency
            .trim()
            .trim_end_matches('*')
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "unimportant" => Rating::Negligible,
            "low" => Rating::Low,
            "medium" => Rating::Medium,
            "high" => Rating::High,
            _ => Rating::Unknown,
        }
    }

    /// An Ubuntu CVE-tracker priority: `negligible`, `low`, `medium`, `high`, `critical` map to the
    /// rating of the same name; `untriaged` and anything else → unknown.
    pub fn from_ubuntu_priority(priority: &str) -> Rating {
        match priority.trim().to_ascii_lowercase().as_str() {
            "negligible" => Rating::Negligible,
            "low" => Rating::Low,
            "medium" => Rating::Medium,
            "high" => Rating::High,
            "critical" => Rating::Critical,
            _ => Rating::Unknown,
        }
    }

    /// A Red Hat severity (impact): `Low`, `Moderate`, `Important`, `Critical` → low, medium, high,
    /// critical (any case); anything else → unknown.
    pub fn from_redhat_severity(severity: &str) -> Rating {
        match severity.trim().to_ascii_lowercase().as_str() {
            "low" => Rating::Low,
            "moderate" => Rating::Medium,
            "important" => Rating::High,
            "critical" => Rating::Critical,
            _ => Rating::Unknown,
        }
    }
}

impl Ord for Rating {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Rating {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Rating`] from a name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRating(pub String);

impl fmt::Display for UnknownRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity {:?} (expected critical, high, medium, low, negligible or unknown)",
            self.0
        )
    }
}

impl std::error::Error for UnknownRating {}

impl FromStr for Rating {
    type Err = UnknownRating;

    /// Parses one of the lowercase names (any case), as `--severity` lists use them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Rating::ALL
            .into_iter()
            .find(|r| r.as_str() == lower)
            .ok_or_else(|| UnknownRating(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_by_severity() {
        let mut all = Rating::ALL;
        all.sort();
        assert_eq!(
            all,
            [
                Rating::Unknown,
                Rating::Negligible,
                Rating::Low,
                Rating::Medium,
                Rating::High,
                Rating::Critical
            ]
        );
        assert!(Rating::Critical > Rating::High);
        assert_eq!(
            [Rating::Low, Rating::High, Rating::Unknown].into_iter().max(),
            Some(Rating::High)
        );
    }

    #[test]
    fn serde_and_names_are_lowercase() {
        for r in Rating::ALL {
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Rating>(&format!("\"{r}\"")).unwrap(), r);
            assert_eq!(r.as_str().to_uppercase().parse::<Rating>(), Ok(r));
        }
        assert_eq!("severe".parse::<Rating>(), Err(UnknownRating("severe".into())));
    }

    #[test]
    fn score_bands() {
        for (score, rating) in [
            (0.0, Rating::Negligible),
            (0.1, Rating::Low),
            (3.9, Rating::Low),
            (4.0, Rating::Medium),
            (6.9, Rating::Medium),
            (7.0, Rating::High),
            (8.9, Rating::High),
            (9.0, Rating::Critical),
            (10.0, Rating::Critical),
            (10.1, Rating::Unknown),
            (-1.0, Rating::Unknown),
            (f32::NAN, Rating::Unknown),
        ] {
            assert_eq!(Rating::from_score(score), rating, "{score}");
        }
    }

    #[test]
    fn debian_urgency() {
        for (urgency, rating) in [
            ("unimportant", Rating::Negligible),
            ("low", Rating::Low),
            ("low*", Rating::Low),
            ("low**", Rating::Low),
            ("medium", Rating::Medium),
            ("medium**", Rating::Medium),
            ("high", Rating::High),
            ("high*", Rating::High),
            ("not yet assigned", Rating::Unknown),
            ("end-of-life", Rating::Unknown),
            ("", Rating::Unknown),
            ("**", Rating::Unknown),
        ] {
            assert_eq!(Rating::from_debian_urgency(urgency), rating, "{urgency}");
        }
    }

    #[test]
    fn ubuntu_priority() {
        for (priority, rating) in [
            ("negligible", Rating::Negligible),
            ("low", Rating::Low),
            ("medium", Rating::Medium),
            ("high", Rating::High),
            ("critical", Rating::Critical),
            ("untriaged", Rating::Unknown),
        ] {
            assert_eq!(Rating::from_ubuntu_priority(priority), rating, "{priority}");
        }
    }

    #[test]
    fn redhat_severity() {
        for (severity, rating) in [
            ("Low", Rating::Low),
            ("Moderate", Rating::Medium),
            ("Important", Rating::High),
            ("Critical", Rating::Critical),
            ("important", Rating::High),
            ("None", Rating::Unknown),
        ] {
            assert_eq!(Rating::from_redhat_severity(severity), rating, "{severity}");
        }
    }
}
