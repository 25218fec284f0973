//! CVSS v3.0 and v3.1: the base, temporal and environmental equations of the FIRST specification
//! documents (v3.1 section 7 and Appendix A; v3.0 section 8), with the metric weights of their section
//! 7.4 / 8.4.

use super::metrics::{self, Metric};
use super::{AttackComplexity, AttackVector, Cvss, CvssVersion, Rating};
use crate::Result;

const X: &str = "X";

/// The v3 metrics (specification, section 2–4), base first.
const TABLE: &[Metric] = &[
    Metric {
        name: "AV",
        values: &["N", "A", "L", "P"],
        mandatory: true,
    },
    Metric {
        name: "AC",
        values: &["L", "H"],
        mandatory: true,
    },
    Metric {
        name: "PR",
        values: &["N", "L", "H"],
        mandatory: true,
    },
    Metric {
        name: "UI",
        values: &["N", "R"],
        mandatory: true,
    },
    Metric {
        name: "S",
        values: &["U", "C"],
        mandatory: true,
    },
    Metric {
        name: "C",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "I",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "A",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "E",
        values: &[X, "H", "F", "P", "U"],
        mandatory: false,
    },
    Metric {
        name: "RL",
        values: &[X, "U", "W", "T", "O"],
        mandatory: false,
    },
    Metric {
        name: "RC",
        values: &[X, "C", "R", "U"],
        mandatory: false,
    },
    Metric {
        name: "CR",
        values: &[X, "H", "M", "L"],
        mandatory: false,
    },
    Metric {
        name: "IR",
        values: &[X, "H", "M", "L"],
        mandatory: false,
    },
    Metric {
        name: "AR",
        values: &[X, "H", "M", "L"],
        mandatory: false,
    },
    Metric {
        name: "MAV",
        values: &[X, "N", "A", "L", "P"],
        mandatory: false,
    },
    Metric {
        name: "MAC",
        values: &[X, "L", "H"],
        mandatory: false,
    },
    Metric {
        name: "MPR",
        values: &[X, "N", "L", "H"],
        mandatory: false,
    },
    Metric {
        name: "MUI",
        values: &[X, "N", "R"],
        mandatory: false,
    },
    Metric {
        name: "MS",
        values: &[X, "U", "C"],
        mandatory: false,
    },
    Metric {
        name: "MC",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MI",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MA",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
];

/// The weight of `value` for metric `metric` (a base metric name; modified metrics use the same
/// weights). `scope_changed` matters for `PR` only.
fn weight(metric: &str, value: &str, scope_changed: bool) -> f64 {
    match (metric, value) {
        ("AV", "N") => 0.85,
        ("AV", "A") => 0.62,
        ("AV", "L") => 0.55,
        ("AV", "P") => 0.2,
        ("AC", "L") => 0.77,
        ("AC", "H") => 0.44,
        ("PR", "N") => 0.85,
        ("PR", "L") if scope_changed => 0.68,
        ("PR", "L") => 0.62,
        ("PR", "H") if scope_changed => 0.5,
        ("PR", "H") => 0.27,
        ("UI", "N") => 0.85,
        ("UI", "R") => 0.62,
        ("C" | "I" | "A", "H") => 0.56,
        ("C" | "I" | "A", "L") => 0.22,
        ("C" | "I" | "A", "N") => 0.0,
        ("E", "F") => 0.97,
        ("E", "P") => 0.94,
        ("E", "U") => 0.91,
        ("RL", "W") => 0.97,
        ("RL", "T") => 0.96,
        ("RL", "O") => 0.95,
        ("RC", "R") => 0.96,
        ("RC", "U") => 0.92,
        ("CR" | "IR" | "AR", "H") => 1.5,
        ("CR" | "IR" | "AR", "L") => 0.5,
        // E:H, RL:U, RC:C, CR:M and every X.
        _ => 1.0,
    }
}

/// Roundup as defined in Appendix A of the v3.1 specification: the smallest number, to one decimal place,
/// that is equal to or higher than its input, computed so that binary floating-point error cannot push
/// an exact result up by 0.1.
pub(crate) fn roundup(input: f64) -> f64 {
    let int_input = (input * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) as f64 + 1.0) / 10.0
    }
}

/// Parses and scores a v3 vector; `body` is what follows the `CVSS:3.x/` prefix.
pub(super) fn parse(vector: &str, body: &str, version: CvssVersion) -> Result<Cvss> {
    let found = metrics::parse(vector, body, TABLE)?;
    let v = |name: &str| metrics::value(TABLE, &found, name, X);
    // A modified metric falls back to its base metric when absent or X.
    let m = |name: &str| match v(&format!("M{name}")) {
        X => v(name),
        modified => modified,
    };
    let present = |names: &[&str]| names.iter().any(|n| v(n) != X);

    // Base (section 7.1).
    let changed = v("S") == "C";
    let iss = 1.0
        - (1.0 - weight("C", v("C"), false))
            * (1.0 - weight("I", v("I"), false))
            * (1.0 - weight("A", v("A"), false));
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22
        * weight("AV", v("AV"), changed)
        * weight("AC", v("AC"), changed)
        * weight("PR", v("PR"), changed)
        * weight("UI", v("UI"), changed);
    let base = if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    };

    // Temporal (section 7.2).
    let temporal_factor =
        weight("E", v("E"), false) * weight("RL", v("RL"), false) * weight("RC", v("RC"), false);
    let temporal = present(&["E", "RL", "RC"]).then(|| roundup(base * temporal_factor));

    // Environmental (section 7.3).
    let environmental = present(&[
        "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
    ])
    .then(|| {
        let m_changed = m("S") == "C";
        let miss = (1.0
            - (1.0 - weight("C", m("C"), false) * weight("CR", v("CR"), false))
                * (1.0 - weight("I", m("I"), false) * weight("IR", v("IR"), false))
                * (1.0 - weight("A", m("A"), false) * weight("AR", v("AR"), false)))
        .min(0.915);
        let modified_impact = match (m_changed, version) {
            (false, _) => 6.42 * miss,
            (true, CvssVersion::V3_0) => 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15),
            (true, _) => 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13),
        };
        let modified_exploitability = 8.22
            * weight("AV", m("AV"), m_changed)
            * weight("AC", m("AC"), m_changed)
            * weight("PR", m("PR"), m_changed)
            * weight("UI", m("UI"), m_changed);
        if modified_impact <= 0.0 {
            0.0
        } else {
            let scale = if m_changed { 1.08 } else { 1.0 };
            roundup(
                roundup((scale * (modified_impact + modified_exploitability)).min(10.0)) * temporal_factor,
            )
        }
    });

    Ok(Cvss {
        version,
        vector: vector.to_string(),
        base_score: base as f32,
        temporal_score: temporal.map(|s| s as f32),
        environmental_score: environmental.map(|s| s as f32),
        severity: Rating::from_score(base as f32),
        attack_vector: match v("AV") {
            "N" => AttackVector::Network,
            "A" => AttackVector::Adjacent,
            "L" => AttackVector::Local,
            _ => AttackVector::Physical,
        },
        attack_complexity: match v("AC") {
            "L" => AttackComplexity::Low,
            _ => AttackComplexity::High,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundup_is_floating_point_safe() {
        // Appendix A of the v3.1 specification: 4.000000000000001 rounds to 4.0, 4.02 to 4.1.
        assert_eq!(roundup(4.000_000_000_000_001), 4.0);
        assert_eq!(roundup(4.02), 4.1);
        assert_eq!(roundup(4.0), 4.0);
        assert_eq!(roundup(0.0), 0.0);
        assert_eq!(roundup(10.0), 10.0);
    }

    #[test]
    fn temporal_and_environmental() {
        let c = super::super::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C").unwrap();
        assert_eq!(
            (c.base_score, c.temporal_score, c.environmental_score),
            (9.8, Some(8.8), None)
        );
        let c = super::super::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L/MS:C").unwrap();
        assert_eq!(
            (c.base_score, c.temporal_score, c.environmental_score),
            (9.8, None, Some(9.4))
        );
        let c = super::super::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/CR:X").unwrap();
        assert_eq!((c.temporal_score, c.environmental_score), (None, None));
    }

    #[test]
    fn strict() {
        for (v, reason) in [
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
                "missing mandatory metric S",
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
                "missing mandatory metric A",
            ),
            ("CVSS:3.1/", "no metrics"),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:A",
                "invalid value \"A\" for metric E (expected one of X, H, F, P, U)",
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N",
                "unknown metric \"AT\"",
            ),
            (
                "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X",
                "invalid value \"X\" for metric A (expected one of H, L, N)",
            ),
            (
                "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "invalid value \"n\" for metric AV (expected one of N, A, L, P)",
            ),
        ] {
            match super::super::parse(v) {
                Err(crate::Error::InvalidCvss { reason: r, .. }) => assert_eq!(r, reason, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
