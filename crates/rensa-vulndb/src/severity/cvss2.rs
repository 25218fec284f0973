//! CVSS v2: the base, temporal and environmental equations of "A Complete Guide to the Common
//! Vulnerability Scoring System Version 2.0" (FIRST, 2007), section 3.2.

use super::metrics::{self, Metric};
use super::{AttackComplexity, AttackVector, Cvss, CvssVersion, Rating, round1};
use crate::Result;

const ND: &str = "ND";

/// The v2 metrics (guide, section 2), base first.
const TABLE: &[Metric] = &[
    Metric {
        name: "AV",
        values: &["L", "A", "N"],
        mandatory: true,
    },
    Metric {
        name: "AC",
        values: &["H", "M", "L"],
        mandatory: true,
    },
    Metric {
        name: "Au",
        values: &["M", "S", "N"],
        mandatory: true,
    },
    Metric {
        name: "C",
        values: &["N", "P", "C"],
        mandatory: true,
    },
    Metric {
        name: "I",
        values: &["N", "P", "C"],
        mandatory: true,
    },
    Metric {
        name: "A",
        values: &["N", "P", "C"],
        mandatory: true,
    },
    Metric {
        name: "E",
        values: &["U", "POC", "F", "H", ND],
        mandatory: false,
    },
    Metric {
        name: "RL",
        values: &["OF", "TF", "W", "U", ND],
        mandatory: false,
    },
    Metric {
        name: "RC",
        values: &["UC", "UR", "C", ND],
        mandatory: false,
    },
    Metric {
        name: "CDP",
        values: &["N", "L", "LM", "MH", "H", ND],
        mandatory: false,
    },
    Metric {
        name: "TD",
        values: &["N", "L", "M", "H", ND],
        mandatory: false,
    },
    Metric {
        name: "CR",
        values: &["L", "M", "H", ND],
        mandatory: false,
    },
    Metric {
        name: "IR",
        values: &["L", "M", "H", ND],
        mandatory: false,
    },
    Metric {
        name: "AR",
        values: &["L", "M", "H", ND],
        mandatory: false,
    },
];

fn weight(metric: &str, value: &str) -> f64 {
    match (metric, value) {
        ("AV", "L") => 0.395,
        ("AV", "A") => 0.646,
        ("AV", "N") => 1.0,
        ("AC", "H") => 0.35,
        ("AC", "M") => 0.61,
        ("AC", "L") => 0.71,
        ("Au", "M") => 0.45,
        ("Au", "S") => 0.56,
        ("Au", "N") => 0.704,
        ("C" | "I" | "A", "N") => 0.0,
        ("C" | "I" | "A", "P") => 0.275,
        ("C" | "I" | "A", "C") => 0.660,
        ("E", "U") => 0.85,
        ("E", "POC") => 0.9,
        ("E", "F") => 0.95,
        ("RL", "OF") => 0.87,
        ("RL", "TF") => 0.90,
        ("RL", "W") => 0.95,
        ("RC", "UC") => 0.90,
        ("RC", "UR") => 0.95,
        ("CDP", "L") => 0.1,
        ("CDP", "LM") => 0.3,
        ("CDP", "MH") => 0.4,
        ("CDP", "H") => 0.5,
        ("CDP", _) => 0.0,
        ("TD", "N") => 0.0,
        ("TD", "L") => 0.25,
        ("TD", "M") => 0.75,
        ("CR" | "IR" | "AR", "L") => 0.5,
        ("CR" | "IR" | "AR", "H") => 1.51,
        // E:H, RL:U, RC:C, TD:H, CR:M and every ND.
        _ => 1.0,
    }
}

/// Parses and scores a v2 vector body (no wrapper). Also used for the whole vector in errors.
pub(super) fn parse(body: &str) -> Result<Cvss> {
    let found = metrics::parse(body, body, TABLE)?;
    let v = |name: &str| metrics::value(TABLE, &found, name, ND);
    let w = |name: &str| weight(name, v(name));
    let present = |names: &[&str]| names.iter().any(|n| v(n) != ND);

    let exploitability = 20.0 * w("AV") * w("AC") * w("Au");
    let base_with = |impact: f64| {
        let f = if impact == 0.0 { 0.0 } else { 1.176 };
        round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f)
    };
    let impact = 10.41 * (1.0 - (1.0 - w("C")) * (1.0 - w("I")) * (1.0 - w("A")));
    let base = base_with(impact);
    let temporal_of = |base: f64| round1(base * w("E") * w("RL") * w("RC"));

    let temporal = present(&["E", "RL", "RC"]).then(|| temporal_of(base));
    let environmental = present(&["CDP", "TD", "CR", "IR", "AR"]).then(|| {
        let adjusted_impact = (10.41
            * (1.0 - (1.0 - w("C") * w("CR")) * (1.0 - w("I") * w("IR")) * (1.0 - w("A") * w("AR"))))
        .min(10.0);
        let adjusted_temporal = temporal_of(base_with(adjusted_impact));
        round1((adjusted_temporal + (10.0 - adjusted_temporal) * w("CDP")) * w("TD"))
    });

    let base = base as f32;
    let severity = match base {
        s if s < 4.0 => Rating::Low,
        s if s < 7.0 => Rating::Medium,
        _ => Rating::High,
    };
    Ok(Cvss {
        version: CvssVersion::V2,
        vector: body.to_string(),
        base_score: base,
        temporal_score: temporal.map(|s| s as f32),
        environmental_score: environmental.map(|s| s as f32),
        severity,
        attack_vector: match v("AV") {
            "N" => AttackVector::Network,
            "A" => AttackVector::Adjacent,
            _ => AttackVector::Local,
        },
        attack_complexity: match v("AC") {
            "L" => AttackComplexity::Low,
            "M" => AttackComplexity::Medium,
            _ => AttackComplexity::High,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_examples() {
        // "A Complete Guide to CVSS v2", section 3.3: CVE-2002-0392, CVE-2003-0818, CVE-2003-0062.
        let c = parse("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H").unwrap();
        assert_eq!(
            (c.base_score, c.temporal_score, c.environmental_score),
            (7.8, Some(6.4), Some(9.2))
        );
        let c = parse("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L").unwrap();
        assert_eq!(
            (c.base_score, c.temporal_score, c.environmental_score),
            (10.0, Some(8.3), Some(9.0))
        );
        let c = parse("AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M").unwrap();
        assert_eq!(
            (c.base_score, c.temporal_score, c.environmental_score),
            (6.2, Some(4.9), Some(7.5))
        );
    }

    #[test]
    fn bands() {
        assert_eq!(parse("AV:N/AC:L/Au:N/C:N/I:N/A:N").unwrap().base_score, 0.0);
        assert_eq!(parse("AV:N/AC:L/Au:N/C:N/I:N/A:N").unwrap().severity, Rating::Low);
        assert_eq!(
            parse("AV:N/AC:M/Au:N/C:N/I:P/A:N").unwrap().severity,
            Rating::Medium
        ); // 4.3
        assert_eq!(
            parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap().severity,
            Rating::High
        ); // 7.5
    }

    #[test]
    fn strict() {
        for (v, reason) in [
            ("AV:N/AC:L/Au:N/C:P/I:P", "missing mandatory metric A"),
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P/A:P", "duplicate metric A"),
            (
                "AV:N/AC:L/Au:N/C:P/I:P/A:X",
                "invalid value \"X\" for metric A (expected one of N, P, C)",
            ),
            ("AV:N/AC:L/AU:N/C:P/I:P/A:P", "unknown metric \"AU\""),
            (
                "AV:N/AC:L/Au:N/C:P/I:P/A:P/",
                "empty metric (doubled or trailing '/')",
            ),
            ("AV:N/AC:L/Au:N/C:P/I:P/A", "metric \"A\" has no value"),
            (
                "AV:P/AC:L/Au:N/C:P/I:P/A:P",
                "invalid value \"P\" for metric AV (expected one of L, A, N)",
            ),
        ] {
            match parse(v) {
                Err(crate::Error::InvalidCvss { reason: r, .. }) => assert_eq!(r, reason, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
