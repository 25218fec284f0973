//! CVSS v4.0: the macrovector scoring of the FIRST "Common Vulnerability Scoring System Version 4.0:
//! Specification Document" (section 8): a vector falls into a macrovector (EQ1–EQ6), whose score comes
//! from the table published with the specification, and is then lowered by its severity distance from
//! the highest vectors of that macrovector, relative to the next lower macrovectors.
//!
//! The data below (macrovector scores, highest vectors per EQ, maximal severity distances) is the data
//! of the specification's reference calculator (FIRST, `cvss_lookup.js`, `max_composed.js`,
//! `max_severity.js` of the CVSS v4.0 calculator, as published with the v4.0 specification, BSD-2-Clause);
//! it is written down here as Rust data.

use super::metrics::{self, Metric};
use super::{AttackComplexity, AttackVector, Cvss, CvssVersion, Rating};
use crate::Result;

const X: &str = "X";

/// The v4.0 metrics (specification, sections 2–5), base first, in the specification's order.
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
        name: "AT",
        values: &["N", "P"],
        mandatory: true,
    },
    Metric {
        name: "PR",
        values: &["N", "L", "H"],
        mandatory: true,
    },
    Metric {
        name: "UI",
        values: &["N", "P", "A"],
        mandatory: true,
    },
    Metric {
        name: "VC",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "VI",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "VA",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "SC",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "SI",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "SA",
        values: &["H", "L", "N"],
        mandatory: true,
    },
    Metric {
        name: "E",
        values: &[X, "A", "P", "U"],
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
        name: "MAT",
        values: &[X, "N", "P"],
        mandatory: false,
    },
    Metric {
        name: "MPR",
        values: &[X, "N", "L", "H"],
        mandatory: false,
    },
    Metric {
        name: "MUI",
        values: &[X, "N", "P", "A"],
        mandatory: false,
    },
    Metric {
        name: "MVC",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MVI",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MVA",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MSC",
        values: &[X, "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MSI",
        values: &[X, "S", "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "MSA",
        values: &[X, "S", "H", "L", "N"],
        mandatory: false,
    },
    Metric {
        name: "S",
        values: &[X, "N", "P"],
        mandatory: false,
    },
    Metric {
        name: "AU",
        values: &[X, "N", "Y"],
        mandatory: false,
    },
    Metric {
        name: "R",
        values: &[X, "A", "U", "I"],
        mandatory: false,
    },
    Metric {
        name: "V",
        values: &[X, "D", "C"],
        mandatory: false,
    },
    Metric {
        name: "RE",
        values: &[X, "L", "M", "H"],
        mandatory: false,
    },
    Metric {
        name: "U",
        values: &[X, "Clear", "Green", "Amber", "Red"],
        mandatory: false,
    },
];

/// The score of every macrovector (EQ1..EQ6 digits), in tenths. Source: the specification's reference
/// calculator, `cvss_lookup.js` (FIRST CVSS v4.0 calculator).
const MACROVECTOR_SCORES: [(&str, u8); 270] = [
    ("000000", 100),
    ("000001", 99),
    ("000010", 98),
    ("000011", 95),
    ("000020", 95),
    ("000021", 92),
    ("000100", 100),
    ("000101", 96),
    ("000110", 93),
    ("000111", 87),
    ("000120", 91),
    ("000121", 81),
    ("000200", 93),
    ("000201", 90),
    ("000210", 89),
    ("000211", 80),
    ("000220", 81),
    ("000221", 68),
    ("001000", 98),
    ("001001", 95),
    ("001010", 95),
    ("001011", 92),
    ("001020", 90),
    ("001021", 84),
    ("001100", 93),
    ("001101", 92),
    ("001110", 89),
    ("001111", 81),
    ("001120", 81),
    ("001121", 65),
    ("001200", 88),
    ("001201", 80),
    ("001210", 78),
    ("001211", 70),
    ("001220", 69),
    ("001221", 48),
    ("002001", 92),
    ("002011", 82),
    ("002021", 72),
    ("002101", 79),
    ("002111", 69),
    ("002121", 50),
    ("002201", 69),
    ("002211", 55),
    ("002221", 27),
    ("010000", 99),
    ("010001", 97),
    ("010010", 95),
    ("010011", 92),
    ("010020", 92),
    ("010021", 85),
    ("010100", 95),
    ("010101", 91),
    ("010110", 90),
    ("010111", 83),
    ("010120", 84),
    ("010121", 71),
    ("010200", 92),
    ("010201", 81),
    ("010210", 82),
    ("010211", 71),
    ("010220", 72),
    ("010221", 53),
    ("011000", 95),
    ("011001", 93),
    ("011010", 92),
    ("011011", 85),
    ("011020", 85),
    ("011021", 73),
    ("011100", 92),
    ("011101", 82),
    ("011110", 80),
    ("011111", 72),
    ("011120", 70),
    ("011121", 59),
    ("011200", 84),
    ("011201", 70),
    ("011210", 71),
    ("011211", 52),
    ("011220", 50),
    ("011221", 30),
    ("012001", 86),
    ("012011", 75),
    ("012021", 52),
    ("012101", 71),
    ("012111", 52),
    ("012121", 29),
    ("012201", 63),
    ("012211", 29),
    ("012221", 17),
    ("100000", 98),
    ("100001", 95),
    ("100010", 94),
    ("100011", 87),
    ("100020", 91),
    ("100021", 81),
    ("100100", 94),
    ("100101", 89),
    ("100110", 86),
    ("100111", 74),
    ("100120", 77),
    ("100121", 64),
    ("100200", 87),
    ("100201", 75),
    ("100210", 74),
    ("100211", 63),
    ("100220", 63),
    ("100221", 49),
    ("101000", 94),
    ("101001", 89),
    ("101010", 88),
    ("101011", 77),
    ("101020", 76),
    ("101021", 67),
    ("101100", 86),
    ("101101", 76),
    ("101110", 74),
    ("101111", 58),
    ("101120", 59),
    ("101121", 50),
    ("101200", 72),
    ("101201", 57),
    ("101210", 57),
    ("101211", 52),
    ("101220", 52),
    ("101221", 25),
    ("102001", 83),
    ("102011", 70),
    ("102021", 54),
    ("102101", 65),
    ("102111", 58),
    ("102121", 26),
    ("102201", 53),
    ("102211", 21),
    ("102221", 13),
    ("110000", 95),
    ("110001", 90),
    ("110010", 88),
    ("110011", 76),
    ("110020", 76),
    ("110021", 70),
    ("110100", 90),
    ("110101", 77),
    ("110110", 75),
    ("110111", 62),
    ("110120", 61),
    ("110121", 53),
    ("110200", 77),
    ("110201", 66),
    ("110210", 68),
    ("110211", 59),
    ("110220", 52),
    ("110221", 30),
    ("111000", 89),
    ("111001", 78),
    ("111010", 76),
    ("111011", 67),
    ("111020", 62),
    ("111021", 58),
    ("111100", 74),
    ("111101", 59),
    ("111110", 57),
    ("111111", 57),
    ("111120", 47),
    ("111121", 23),
    ("111200", 61),
    ("111201", 52),
    ("111210", 57),
    ("111211", 29),
    ("111220", 24),
    ("111221", 16),
    ("112001", 71),
    ("112011", 59),
    ("112021", 30),
    ("112101", 58),
    ("112111", 26),
    ("112121", 15),
    ("112201", 23),
    ("112211", 13),
    ("112221", 6),
    ("200000", 93),
    ("200001", 87),
    ("200010", 86),
    ("200011", 72),
    ("200020", 75),
    ("200021", 58),
    ("200100", 86),
    ("200101", 74),
    ("200110", 74),
    ("200111", 61),
    ("200120", 56),
    ("200121", 34),
    ("200200", 70),
    ("200201", 54),
    ("200210", 52),
    ("200211", 40),
    ("200220", 40),
    ("200221", 22),
    ("201000", 85),
    ("201001", 75),
    ("201010", 74),
    ("201011", 55),
    ("201020", 62),
    ("201021", 51),
    ("201100", 72),
    ("201101", 57),
    ("201110", 55),
    ("201111", 41),
    ("201120", 46),
    ("201121", 19),
    ("201200", 53),
    ("201201", 36),
    ("201210", 34),
    ("201211", 19),
    ("201220", 19),
    ("201221", 8),
    ("202001", 64),
    ("202011", 51),
    ("202021", 20),
    ("202101", 47),
    ("202111", 21),
    ("202121", 11),
    ("202201", 24),
    ("202211", 9),
    ("202221", 4),
    ("210000", 88),
    ("210001", 75),
    ("210010", 73),
    ("210011", 53),
    ("210020", 60),
    ("210021", 50),
    ("210100", 73),
    ("210101", 55),
    ("210110", 59),
    ("210111", 40),
    ("210120", 41),
    ("210121", 20),
    ("210200", 54),
    ("210201", 43),
    ("210210", 45),
    ("210211", 22),
    ("210220", 20),
    ("210221", 11),
    ("211000", 75),
    ("211001", 55),
    ("211010", 58),
    ("211011", 45),
    ("211020", 40),
    ("211021", 21),
    ("211100", 61),
    ("211101", 51),
    ("211110", 48),
    ("211111", 18),
    ("211120", 20),
    ("211121", 9),
    ("211200", 46),
    ("211201", 18),
    ("211210", 17),
    ("211211", 7),
    ("211220", 8),
    ("211221", 2),
    ("212001", 53),
    ("212011", 24),
    ("212021", 14),
    ("212101", 24),
    ("212111", 12),
    ("212121", 5),
    ("212201", 10),
    ("212211", 3),
    ("212221", 1),
];

/// The highest vectors of each EQ1 level: (AV, PR, UI). Source: `max_composed.js`.
const MAX_EQ1: [&[[&str; 3]]; 3] = [
    &[["N", "N", "N"]],
    &[["A", "N", "N"], ["N", "L", "N"], ["N", "N", "P"]],
    &[["P", "N", "N"], ["A", "L", "P"]],
];
/// The highest vectors of each EQ2 level: (AC, AT).
const MAX_EQ2: [&[[&str; 2]]; 2] = [&[["L", "N"]], &[["H", "N"], ["L", "P"]]];
/// The highest vectors of each joint EQ3/EQ6 level, indexed `[eq3][eq6]`: (VC, VI, VA, CR, IR, AR).
const MAX_EQ3_EQ6: [[&[[&str; 6]]; 2]; 3] = [
    [
        &[["H", "H", "H", "H", "H", "H"]],
        &[["H", "H", "L", "M", "M", "H"], ["H", "H", "H", "M", "M", "M"]],
    ],
    [
        &[["L", "H", "H", "H", "H", "H"], ["H", "L", "H", "H", "H", "H"]],
        &[
            ["L", "H", "L", "H", "M", "H"],
            ["L", "H", "H", "H", "M", "M"],
            ["H", "L", "H", "M", "H", "M"],
            ["H", "L", "L", "M", "H", "H"],
            ["L", "L", "H", "H", "H", "M"],
        ],
    ],
    [&[], &[["L", "L", "L", "H", "H", "H"]]],
];
/// The highest vectors of each EQ4 level: (SC, SI, SA).
const MAX_EQ4: [&[[&str; 3]]; 3] = [&[["H", "S", "S"]], &[["H", "H", "H"]], &[["L", "L", "L"]]];

/// The maximal severity distance within each EQ level, in steps of 0.1. Source: `max_severity.js`.
const MAX_SEVERITY_EQ1: [u8; 3] = [1, 4, 5];
const MAX_SEVERITY_EQ2: [u8; 2] = [1, 2];
const MAX_SEVERITY_EQ3_EQ6: [[u8; 2]; 3] = [[7, 6], [8, 8], [0, 10]];
const MAX_SEVERITY_EQ4: [u8; 3] = [6, 5, 4];

/// The severity level of a metric value (specification, section 8.2): 0.0 is the most severe, each step
/// less severe adds 0.1.
fn level(metric: &str, value: &str) -> f64 {
    match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0.0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 0.1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 0.2,
        ("AV", "P") => 0.3,
        ("VC" | "VI" | "VA", "H") => 0.0,
        ("VC" | "VI" | "VA", "L") => 0.1,
        ("VC" | "VI" | "VA", "N") => 0.2,
        ("SI" | "SA", "S") => 0.0,
        ("SC" | "SI" | "SA", "H") => 0.1,
        ("SC" | "SI" | "SA", "L") => 0.2,
        ("SC" | "SI" | "SA", "N") => 0.3,
        ("CR" | "IR" | "AR", "H") => 0.0,
        ("CR" | "IR" | "AR", "M") => 0.1,
        ("CR" | "IR" | "AR", "L") => 0.2,
        _ => 0.0,
    }
}

fn lookup(macrovector: [u8; 6]) -> Option<f64> {
    MACROVECTOR_SCORES
        .iter()
        .find(|(key, _)| key.bytes().zip(macrovector).all(|(k, d)| k == b'0' + d))
        .map(|(_, tenths)| f64::from(*tenths) / 10.0)
}

/// Parses and scores a v4.0 vector; `body` is what follows the `CVSS:4.0/` prefix.
pub(super) fn parse(vector: &str, body: &str) -> Result<Cvss> {
    let found = metrics::parse(vector, body, TABLE)?;
    let v = |name: &str| metrics::value(TABLE, &found, name, X);
    // The effective value of a metric (the reference calculator's `m`): threat and requirement metrics
    // default to their highest value, a modified metric overrides its base metric.
    let m = |name: &'static str| -> &'static str {
        let own = v(name);
        match (name, own) {
            ("E", X) => return "A",
            ("CR" | "IR" | "AR", X) => return "H",
            ("E" | "CR" | "IR" | "AR", _) => return own,
            _ => {}
        }
        match v(&format!("M{name}")) {
            X => own,
            modified => modified,
        }
    };

    let score = score(&m);
    Ok(Cvss {
        version: CvssVersion::V4_0,
        vector: vector.to_string(),
        base_score: score,
        temporal_score: None,
        environmental_score: None,
        severity: Rating::from_score(score),
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

/// The macrovector of the effective metric values `m` (specification, section 8.1, Table 24–29).
fn macrovector(m: &dyn Fn(&'static str) -> &'static str) -> [u8; 6] {
    let (av, pr, ui) = (m("AV"), m("PR"), m("UI"));
    let eq1 = if av == "N" && pr == "N" && ui == "N" {
        0
    } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
        1
    } else {
        2
    };
    let eq2 = if m("AC") == "L" && m("AT") == "N" { 0 } else { 1 };
    let (vc, vi, va) = (m("VC"), m("VI"), m("VA"));
    let eq3 = if vc == "H" && vi == "H" {
        0
    } else if vc == "H" || vi == "H" || va == "H" {
        1
    } else {
        2
    };
    let eq4 = if m("SI") == "S" || m("SA") == "S" {
        0
    } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
        1
    } else {
        2
    };
    let eq5 = match m("E") {
        "A" => 0,
        "P" => 1,
        _ => 2,
    };
    let eq6 =
        if (m("CR") == "H" && vc == "H") || (m("IR") == "H" && vi == "H") || (m("AR") == "H" && va == "H") {
            0
        } else {
            1
        };
    [eq1, eq2, eq3, eq4, eq5, eq6]
}

/// The severity distances of the effective values from the first of `maxes` that no effective value
/// exceeds in severity (the last when none qualifies), per metric of `names`.
///
/// The reference calculator searches the product of all EQs' highest vectors for the first one that no
/// metric exceeds; as the condition holds per EQ independently, taking the first qualifying vector of each
/// EQ gives the same vector.
fn distances<const N: usize>(
    m: &dyn Fn(&'static str) -> &'static str,
    names: [&'static str; N],
    maxes: &[[&str; N]],
) -> [f64; N] {
    let mut result = [0.0; N];
    for max in maxes {
        for (i, name) in names.iter().enumerate() {
            result[i] = level(name, m(name)) - level(name, max[i]);
        }
        if result.iter().all(|d| *d >= 0.0) {
            break;
        }
    }
    result
}

/// The score of the effective values `m` (specification, section 8.2).
fn score(m: &dyn Fn(&'static str) -> &'static str) -> f32 {
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|name| m(name) == "N")
    {
        return 0.0;
    }
    let mv = macrovector(m);
    let [eq1, eq2, eq3, eq4, _, eq6] = mv.map(usize::from);
    let Some(value) = lookup(mv) else {
        // Unreachable for the macrovectors `macrovector` returns; kept as a total function.
        return 0.0;
    };
    let lower = |i: usize| {
        let mut next = mv;
        next[i] += 1;
        lookup(next)
    };
    let lower_eq3_eq6 = match (eq3, eq6) {
        (0, 0) => match (lower(5), lower(2)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        (_, 1) if eq3 < 2 => lower(2),
        (_, 0) => lower(5),
        _ => {
            let mut next = mv;
            next[2] += 1;
            next[5] += 1;
            lookup(next)
        }
    };

    let [av, pr, ui] = distances(m, ["AV", "PR", "UI"], MAX_EQ1[eq1]);
    let [ac, at] = distances(m, ["AC", "AT"], MAX_EQ2[eq2]);
    let [vc, vi, va, cr, ir, ar] = distances(m, ["VC", "VI", "VA", "CR", "IR", "AR"], MAX_EQ3_EQ6[eq3][eq6]);
    let [sc, si, sa] = distances(m, ["SC", "SI", "SA"], MAX_EQ4[eq4]);

    let step = 0.1;
    let parts = [
        (lower(0), av + pr + ui, f64::from(MAX_SEVERITY_EQ1[eq1]) * step),
        (lower(1), ac + at, f64::from(MAX_SEVERITY_EQ2[eq2]) * step),
        (
            lower_eq3_eq6,
            vc + vi + va + cr + ir + ar,
            f64::from(MAX_SEVERITY_EQ3_EQ6[eq3][eq6]) * step,
        ),
        (lower(3), sc + si + sa, f64::from(MAX_SEVERITY_EQ4[eq4]) * step),
        // EQ5 counts as a lower macrovector but contributes no distance (specification, section 8.2).
        (lower(4), 0.0, 1.0),
    ];
    let mut existing = 0u32;
    let mut total = 0.0;
    for (next, current, max_severity) in parts {
        let Some(next) = next else { continue };
        let available = value - next;
        if available >= 0.0 {
            existing += 1;
            if max_severity > 0.0 {
                total += available * (current / max_severity);
            }
        }
    }
    let mean = if existing == 0 {
        0.0
    } else {
        total / f64::from(existing)
    };
    let score = (value - mean).clamp(0.0, 10.0);
    (((score + 1e-6) * 10.0).round() / 10.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_consistent() {
        // 3 × 2 × 3 × 3 × 3 × 2 combinations, less EQ3 = 2 with EQ6 = 0 (3 × 2 × 3 × 3), which cannot occur.
        let mut count = 0;
        for eq1 in 0..3 {
            for eq2 in 0..2 {
                for eq3 in 0..3 {
                    for eq4 in 0..3 {
                        for eq5 in 0..3 {
                            for eq6 in 0..2 {
                                let present = lookup([eq1, eq2, eq3, eq4, eq5, eq6]).is_some();
                                assert_eq!(
                                    present,
                                    !(eq3 == 2 && eq6 == 0),
                                    "{eq1}{eq2}{eq3}{eq4}{eq5}{eq6}"
                                );
                                count += usize::from(present);
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(count, MACROVECTOR_SCORES.len());
        assert_eq!(lookup([0; 6]), Some(10.0));
        assert_eq!(lookup([2, 1, 2, 2, 2, 1]), Some(0.1));
    }

    #[test]
    fn strict() {
        for (v, reason) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
                "missing mandatory metric SA",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H",
                "missing mandatory metrics AT, SC, SI, SA",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
                "invalid value \"S\" for metric SI (expected one of H, L, N)",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "invalid value \"R\" for metric UI (expected one of N, P, A)",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:U",
                "invalid value \"U\" for metric S (expected one of X, N, P)",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MS:U",
                "unknown metric \"MS\"",
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:A",
                "duplicate metric E",
            ),
        ] {
            match super::super::parse(v) {
                Err(crate::Error::InvalidCvss { reason: r, .. }) => assert_eq!(r, reason, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
