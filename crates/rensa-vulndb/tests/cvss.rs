//! CVSS scoring against published scores (FIRST specification examples and reference sets, NVD), the
//! vectors in `../shared/data/advisories` with the scores their records state, and a differential run
//! against the Python `cvss` library (Red Hat's, the origin of FIRST's v4.0 calculator) over every v2 and
//! v3.x base vector and a few hundred seeded-random vectors per version with temporal and environmental
//! metrics. Sources: `testdata/cvss/SOURCE.md`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rensa_vulndb::Error;
use rensa_vulndb::severity::{self, Cvss, CvssVersion, Rating};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/cvss")
        .join(name)
}

/// One expectation: a vector and its base, temporal and environmental scores (`None`: not published, or
/// the vector has no such metrics).
struct Expected {
    line: usize,
    vector: String,
    base: f32,
    temporal: Option<f32>,
    environmental: Option<f32>,
}

fn score_column(text: &str, file: &str, line: usize) -> Option<f32> {
    if text == "-" {
        return None;
    }
    Some(
        text.parse()
            .unwrap_or_else(|_| panic!("{file}:{line}: bad score {text:?}")),
    )
}

/// Reads `VECTOR BASE [TEMPORAL ENVIRONMENTAL] [# note]` lines.
fn expectations(file: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(testdata(file)).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert!(
            fields.len() == 2 || fields.len() == 4,
            "{file}:{}: expected 2 or 4 fields",
            i + 1
        );
        out.push(Expected {
            line: i + 1,
            vector: fields[0].to_string(),
            base: score_column(fields[1], file, i + 1).expect("base score"),
            temporal: fields.get(2).and_then(|t| score_column(t, file, i + 1)),
            environmental: fields.get(3).and_then(|t| score_column(t, file, i + 1)),
        });
    }
    out
}

fn check_file(file: &str, version: &[CvssVersion], minimum: usize) {
    let expected = expectations(file);
    assert!(
        expected.len() >= minimum,
        "{file}: only {} vectors",
        expected.len()
    );
    let mut failures = Vec::new();
    for e in &expected {
        match severity::parse(&e.vector) {
            Ok(c) => {
                let got = (
                    c.base_score,
                    e.temporal.and(c.temporal_score),
                    e.environmental.and(c.environmental_score),
                );
                let want = (e.base, e.temporal, e.environmental);
                if got != want || !version.contains(&c.version) || c.severity != rating_of(c.version, e.base)
                {
                    failures.push(format!(
                        "{file}:{}: {} gave {got:?} {:?}, expected {want:?}",
                        e.line, e.vector, c.severity
                    ));
                }
            }
            Err(err) => failures.push(format!("{file}:{}: {err}", e.line)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}

/// The rating bands, restated independently of the crate: v2 per NVD, v3/v4 per the specifications.
fn rating_of(version: CvssVersion, score: f32) -> Rating {
    let tenths = (score * 10.0).round() as i32;
    match (version, tenths) {
        (CvssVersion::V2, 0..=39) => Rating::Low,
        (CvssVersion::V2, 40..=69) => Rating::Medium,
        (CvssVersion::V2, _) => Rating::High,
        (_, 0) => Rating::Negligible,
        (_, 1..=39) => Rating::Low,
        (_, 40..=69) => Rating::Medium,
        (_, 70..=89) => Rating::High,
        _ => Rating::Critical,
    }
}

#[test]
fn v2_published_scores() {
    check_file("v2.txt", &[CvssVersion::V2], 15);
}

#[test]
fn v3_published_scores() {
    check_file("v3.txt", &[CvssVersion::V3_0, CvssVersion::V3_1], 30);
}

#[test]
fn v4_first_reference_scores() {
    check_file("v4.txt", &[CvssVersion::V4_0], 20);
}

/// Records in the advisories whose stated score disagrees with the vector they state: (vector, stated
/// score, correct score). All are hand-entered `cvss_score` fields of nodejs-security-wg records (the
/// same vector is stated with different scores in different records, e.g. 7.5, 8.3 and 8.6 for
/// `S:C/C:H/I:N/A:N`); the correct score is what the v3.0 equations give and what the Python `cvss`
/// oracle gives too (the differential test scores every advisory vector).
const STATED_SCORE_WRONG: &[(&str, f32, f32)] = &[
    ("CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L", 2.5, 1.8), // npm/367.json
    ("CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:N/A:N", 6.0, 4.2), // npm/467.json
    ("CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N", 7.0, 5.7), // npm/493.json
    ("CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.1, 5.1), // npm/494.json
    ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N", 8.6, 7.7), // npm/381.json
    ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N", 9.8, 7.7), // npm/366.json
    ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.8, 8.1), // npm/365.json
    ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L", 7.4, 6.3), // npm/516.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 7.5, 8.6), // npm/485.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.3, 8.6), // npm/373.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 9.3, 7.5), // npm/363.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 6.1, 5.3), // npm/468.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 9.3, 7.5), // npm/364.json
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:N/A:N", 9.5, 7.4), // npm/420.json
];

/// Vectors in the advisories that are not valid CVSS (the oracle rejects them too).
const MALFORMED: &[(&str, &str)] = &[(
    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U", // npm/504.json: "U" is not an impact value
    "invalid value \"U\" for metric I (expected one of H, L, N)",
)];

#[test]
fn advisory_vectors_parse_and_match_their_stated_scores() {
    let text = std::fs::read_to_string(testdata("advisories.tsv")).unwrap();
    let (mut parsed, mut compared, mut failures) = (0, 0, Vec::new());
    let (mut rejected, mut corrected) = (0, 0);
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "advisories.tsv:{}", i + 1);
        let (vector, stated, source) = (fields[0], fields[1], fields[2]);
        let expected_error = MALFORMED
            .iter()
            .find(|(v, _)| *v == vector)
            .map(|(_, reason)| *reason);
        let cvss = match (severity::parse(vector), expected_error) {
            (Ok(c), None) => c,
            (Err(Error::InvalidCvss { reason, .. }), Some(expected)) if reason == expected => {
                rejected += 1;
                continue;
            }
            (Ok(_), Some(expected)) => {
                failures.push(format!("{source}: {vector} accepted, expected: {expected}"));
                continue;
            }
            (Err(e), _) => {
                failures.push(format!("{source}: {e}"));
                continue;
            }
        };
        parsed += 1;
        if stated == "-" {
            continue;
        }
        let stated: f32 = stated.parse().unwrap();
        compared += 1;
        let known = STATED_SCORE_WRONG
            .iter()
            .find(|(v, s, _)| *v == vector && *s == stated);
        corrected += usize::from(known.is_some());
        let want = known.map_or(stated, |(_, _, correct)| *correct);
        if cvss.base_score != want {
            failures.push(format!(
                "{source}: {vector} scored {}, record states {stated}",
                cvss.base_score
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every exception is still needed: the lists cannot go stale.
    assert_eq!((rejected, corrected), (MALFORMED.len(), STATED_SCORE_WRONG.len()));
    assert!(parsed >= 300, "only {parsed} advisory vectors");
    assert!(compared >= 150, "only {compared} stated scores");
}

/// Hostile input: random bytes, truncations and mutations of valid vectors never panic, and every
/// rejection is an `InvalidCvss` error.
#[test]
fn hostile_input_never_panics() {
    let seeds = [
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L/MS:C/MA:N",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MSI:S/U:Red",
    ];
    let mut rng = Rng(0x5eed_cafe);
    let alphabet = b"CVSS:/.0123456789AVNLHPUXSMIRE()\0\xff \t";
    let mut checked = 0;
    for seed in seeds {
        for i in 0..=seed.len() {
            for cut in [&seed[..i], &seed[i..]] {
                check_no_panic(cut);
                checked += 1;
            }
        }
        for _ in 0..2_000 {
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                match rng.below(3) {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
                    _ => {
                        let from = rng.below(bytes.len());
                        let piece: Vec<u8> = bytes[from..(from + 5).min(bytes.len())].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            check_no_panic(&String::from_utf8_lossy(&bytes));
            checked += 1;
        }
    }
    check_no_panic(&"CVSS:3.1/AV:N".repeat(10_000));
    check_no_panic(&"/".repeat(100_000));
    check_no_panic("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/ü:é");
    assert!(checked > 8_000);
}

fn check_no_panic(vector: &str) {
    match std::panic::catch_unwind(|| severity::parse(vector)) {
        Ok(Ok(c)) => assert!(
            (0.0..=10.0).contains(&c.base_score),
            "{vector:?}: {}",
            c.base_score
        ),
        Ok(Err(Error::InvalidCvss { reason, .. })) => assert!(!reason.is_empty()),
        Ok(Err(other)) => panic!("{vector:?}: unexpected error {other}"),
        Err(_) => panic!("parse panicked on {vector:?}"),
    }
}

/// splitmix64: a small seeded generator, so the differential vectors are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.below(values.len())]
    }
}

type MetricValues = (&'static str, &'static [&'static str]);

const V2_BASE: &[MetricValues] = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
];
const V2_OPTIONAL: &[MetricValues] = &[
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];
const V3_BASE: &[MetricValues] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];
const V3_OPTIONAL: &[MetricValues] = &[
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];
const V4_BASE: &[MetricValues] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];
const V4_OPTIONAL: &[MetricValues] = &[
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// Every combination of the base metrics, in order.
fn all_base(prefix: &str, base: &[MetricValues]) -> Vec<String> {
    let mut vectors = vec![String::from(prefix)];
    for (name, values) in base {
        vectors = vectors
            .iter()
            .flat_map(|v| {
                values.iter().map(move |value| {
                    if v.is_empty() {
                        format!("{name}:{value}")
                    } else {
                        format!("{v}/{name}:{value}")
                    }
                })
            })
            .collect();
    }
    vectors
}

/// A random vector: every base metric, each optional metric with probability 1/2.
fn random_vector(rng: &mut Rng, prefix: &str, base: &[MetricValues], optional: &[MetricValues]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !prefix.is_empty() {
        parts.push(prefix.trim_end_matches('/').to_string());
    }
    for (name, values) in base {
        parts.push(format!("{name}:{}", rng.pick(values)));
    }
    for (name, values) in optional {
        if rng.below(2) == 0 {
            parts.push(format!("{name}:{}", rng.pick(values)));
        }
    }
    parts.join("/")
}

fn python() -> PathBuf {
    let path = match std::env::var_os("RENSA_TEST_VENV") {
        Some(venv) => PathBuf::from(venv).join("bin/python"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/test-venv/bin/python"),
    };
    assert!(
        path.exists(),
        "the CVSS oracle needs Python with the `cvss` package at {} (run scripts/setup-test-deps.sh, or set RENSA_TEST_VENV)",
        path.display()
    );
    path
}

/// Scores each vector (one a line on stdin) with the `cvss` library; prints base, temporal and
/// environmental score and the base severity, or `ERR message`.
const ORACLE: &str = r#"
import sys
from cvss import CVSS2, CVSS3, CVSS4
for line in sys.stdin:
    v = line.strip()
    try:
        if v.startswith("CVSS:4.0/"):
            c = CVSS4(v)
            print("%.1f - - %s" % (float(c.base_score), c.severity))
        elif v.startswith("CVSS:3."):
            c = CVSS3(v)
            b, t, e = c.scores()
            print("%.1f %.1f %.1f %s" % (float(b), float(t), float(e), c.severities()[0]))
        else:
            c = CVSS2(v.strip("()"))
            b, t, e = c.scores()
            print("%.1f %s %s -" % (float(b), "-" if t is None else "%.1f" % float(t), "-" if e is None else "%.1f" % float(e)))
    except Exception as exc:
        print("ERR %s: %s" % (type(exc).__name__, str(exc).replace("\n", " ")))
"#;

#[test]
fn differential_against_python_cvss() {
    let mut rng = Rng(20_261_123);
    let mut vectors: Vec<String> = Vec::new();
    vectors.extend(all_base("", V2_BASE));
    vectors.extend(all_base("CVSS:3.0", V3_BASE));
    vectors.extend(all_base("CVSS:3.1", V3_BASE));
    for _ in 0..400 {
        vectors.push(random_vector(&mut rng, "", V2_BASE, V2_OPTIONAL));
        vectors.push(random_vector(&mut rng, "CVSS:3.0/", V3_BASE, V3_OPTIONAL));
        vectors.push(random_vector(&mut rng, "CVSS:3.1/", V3_BASE, V3_OPTIONAL));
    }
    for _ in 0..1_000 {
        vectors.push(random_vector(&mut rng, "CVSS:4.0/", V4_BASE, V4_OPTIONAL));
    }
    // Every vector of the test data too.
    for file in ["v2.txt", "v3.txt", "v4.txt"] {
        vectors.extend(expectations(file).into_iter().map(|e| e.vector));
    }
    let advisories = std::fs::read_to_string(testdata("advisories.tsv")).unwrap();
    vectors.extend(
        advisories
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').next().unwrap().to_string()),
    );

    let mut child = Command::new(python())
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python oracle");
    let input = vectors.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let answers: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        answers.len(),
        vectors.len(),
        "oracle answered {} of {}",
        answers.len(),
        vectors.len()
    );

    let mut failures = Vec::new();
    let mut counts = [0usize; 4];
    for (vector, answer) in vectors.iter().zip(&answers) {
        let fields: Vec<&str> = answer.split(' ').collect();
        let ours = match severity::parse(vector) {
            // Both reject it (a malformed vector from the advisories): agreement.
            Err(_) if answer.starts_with("ERR") => continue,
            Ok(c) if answer.starts_with("ERR") => {
                failures.push(format!(
                    "{vector}: we score it {}, the oracle rejects it: {answer}",
                    describe(&c)
                ));
                continue;
            }
            Ok(c) => c,
            Err(e) => {
                failures.push(format!(
                    "{vector}: we reject it ({e}), the oracle scores it {answer}"
                ));
                continue;
            }
        };
        counts[ours.version as usize] += 1;
        let theirs = |i: usize| (fields[i] != "-").then(|| fields[i].parse::<f32>().unwrap());
        let mut mismatch = ours.base_score != theirs(0).unwrap();
        // The oracle always reports temporal and environmental scores; compare ours where we give them.
        if let (Some(t), Some(o)) = (ours.temporal_score, theirs(1)) {
            mismatch |= t != o;
        }
        if let (Some(e), Some(o)) = (ours.environmental_score, theirs(2)) {
            mismatch |= e != o;
        }
        if ours.version != CvssVersion::V2 {
            let expected_rating = match fields[3] {
                "None" => Rating::Negligible,
                name => name.parse().unwrap(),
            };
            mismatch |= ours.severity != expected_rating;
        }
        if mismatch {
            failures.push(format!("{vector}: ours {} — oracle {answer}", describe(&ours)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ from the oracle:\n{}",
        failures.len(),
        vectors.len(),
        failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    // v2: 729 base + 400 random; v3.0 and v3.1: 2,592 base + 400 random each; v4.0: 1,000 random.
    assert!(
        counts.iter().all(|&n| n >= 1_000),
        "per-version counts {counts:?}"
    );
}

fn describe(c: &Cvss) -> String {
    format!(
        "{} {:?} {:?} {}",
        c.base_score, c.temporal_score, c.environmental_score, c.severity
    )
}
