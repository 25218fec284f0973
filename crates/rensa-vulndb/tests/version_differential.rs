//! Randomized differential tests of the version order against the real tools: `dpkg --compare-versions`,
//! rpm's `rpm.vercmp` (through `rpm --eval` and its Lua interpreter) and Python's `packaging.version`.
//!
//! The generators are seeded and deterministic, and they build realistic but tricky versions (epochs,
//! `~`, `^`, `+`, letters against digits, leading zeros, pre/post/dev releases, local labels). Each oracle
//! runs once for the whole batch. A missing oracle is a failure that says how to install it.

use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rensa_vulndb::version::{Scheme, compare};

const PAIRS: usize = 400;
const SETUP: &str = "run scripts/setup-test-deps.sh to install the test oracles";

/// xorshift64*: small, deterministic and good enough to pick version pieces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A second version that shares a prefix with `a` most of the time, so that comparisons reach the
/// interesting tails instead of stopping at the first number.
fn pair(rng: &mut Rng, generate: impl Fn(&mut Rng) -> String) -> (String, String) {
    let a = generate(rng);
    let b = match rng.below(4) {
        0 => generate(rng),
        1 => a.clone(),
        _ => {
            let c = generate(rng);
            let cut = a
                .char_indices()
                .map(|(i, _)| i)
                .nth(rng.below(a.chars().count().max(1)))
                .unwrap_or(0);
            let tail: String = c.chars().skip(rng.below(c.chars().count().max(1))).collect();
            format!("{}{}", &a[..cut], tail)
        }
    };
    (a, b)
}

fn op(ordering: Ordering) -> &'static str {
    match ordering {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

fn run(command: &mut Command, what: &str, input: Option<&str>) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}); {SETUP}"));
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(input) = input {
        stdin.write_all(input.as_bytes()).expect("write oracle input");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("oracle output");
    assert!(
        out.status.success(),
        "{what} failed: {}\n{SETUP}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 oracle output")
}

/// Compares rensa's answers with the oracle's, reporting every disagreement at once.
fn check(scheme: Scheme, pairs: &[(String, String)], oracle: &[String]) {
    assert_eq!(oracle.len(), pairs.len(), "one oracle answer per pair");
    let mut failures = Vec::new();
    for ((a, b), want) in pairs.iter().zip(oracle) {
        let got = match compare(scheme, a, b) {
            Ok(ordering) => op(ordering).to_owned(),
            Err(_) => "invalid".to_owned(),
        };
        if &got != want {
            failures.push(format!("{a:?} vs {b:?}: oracle {want}, rensa {got}"));
        }
    }
    let count = |answer: &str| oracle.iter().filter(|o| *o == answer).count();
    eprintln!(
        "{scheme}: {} pairs, oracle says < {}, = {}, > {}, invalid {}",
        pairs.len(),
        count("<"),
        count("="),
        count(">"),
        count("invalid")
    );
    assert!(
        failures.is_empty(),
        "{scheme}: {} of {} pairs disagree with the oracle:\n{}",
        failures.len(),
        pairs.len(),
        failures.join("\n")
    );
}

fn dpkg_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(15) {
        s.push_str(rng.pick(&["0:", "1:", "2:", "10:", "01:"]));
    }
    s.push_str(rng.pick(&["0", "1", "2", "9", "10", "01", "2023"]));
    for _ in 0..rng.below(5) {
        s.push_str(rng.pick(&[
            ".",
            ".",
            "0",
            "1",
            "9",
            "10",
            "00",
            "~",
            "~rc",
            "~~",
            "+",
            "+dfsg",
            "a",
            "b",
            "z",
            "A",
            "~beta",
            "+git20230101",
            ".",
            "p",
            "-",
        ]));
        if s.ends_with('-') {
            s.push_str(rng.pick(&["1", "0", "2", "a"]));
        }
        if s.ends_with('.') || s.ends_with('+') {
            s.push_str(rng.pick(&["1", "0", "2", "", "a"]));
        }
    }
    if rng.chance(70) {
        s.push('-');
        s.push_str(rng.pick(&["0", "1", "2", "10", "1ubuntu1", "a", "0.1"]));
        for _ in 0..rng.below(3) {
            s.push_str(rng.pick(&[
                "~deb12u1",
                "+deb11u2",
                "~bpo11+1",
                "build1",
                ".1",
                "ubuntu0.22.04.1",
                "~",
                "+b1",
                "0",
            ]));
        }
    }
    s
}

#[test]
fn dpkg_agrees_with_dpkg_compare_versions() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pairs: Vec<_> = (0..PAIRS).map(|_| pair(&mut rng, dpkg_version)).collect();
    // dpkg exits 0 for true, 1 for false and 2 for a version it refuses.
    let mut script = String::from(
        "c() {\n\
         \x20 dpkg --compare-versions -- \"$1\" lt \"$2\" 2>/dev/null; r=$?\n\
         \x20 if [ $r = 0 ]; then echo '<'; elif [ $r != 1 ]; then echo invalid;\n\
         \x20 elif dpkg --compare-versions -- \"$1\" eq \"$2\"; then echo '='; else echo '>'; fi\n\
         }\n",
    );
    for (a, b) in &pairs {
        script.push_str(&format!("c '{a}' '{b}'\n"));
    }
    let out = run(
        Command::new("sh").arg("-s"),
        "dpkg --compare-versions",
        Some(&script),
    );
    let answers: Vec<String> = out.lines().map(str::to_owned).collect();
    check(Scheme::Dpkg, &pairs, &answers);
}

fn rpm_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(15) {
        s.push_str(rng.pick(&["0:", "1:", "2:", "01:", ":"]));
    }
    for _ in 0..1 + rng.below(6) {
        s.push_str(rng.pick(&[
            "0", "1", "2", "10", "007", "a", "b", "rc", "git", ".", ".", "_", "+", "~", "~rc1", "^", "^git1",
            "el8", "module", "-", "fc39", "A", "Z", "\u{3b1}", "a:b",
        ]));
    }
    s
}

#[test]
fn rpm_agrees_with_rpm_vercmp() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let pairs: Vec<_> = (0..PAIRS)
        .map(|_| pair(&mut rng, rpm_version))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .collect();
    // One Lua chunk reads every pair from stdin (separated by \x1f) and prints rpm.vercmp's answers.
    let lua = "%{lua: for line in io.stdin:lines() do \
               local a, b = line:match('^(.*)\\031(.*)$') \
               print(rpm.vercmp(a, b) .. '\\n') end}";
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\u{1f}{b}\n")).collect();
    let out = run(
        Command::new("rpm").arg("--eval").arg(lua),
        "rpm --eval (rpm.vercmp)",
        Some(&input),
    );
    let answers: Vec<String> = out
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l.trim() {
            "-1" => "<".to_owned(),
            "0" => "=".to_owned(),
            "1" => ">".to_owned(),
            other => format!("unexpected rpm output {other:?}"),
        })
        .collect();
    check(Scheme::Rpm, &pairs, &answers);
}

fn pep440_version(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(5) {
        s.push(' ');
    }
    if rng.chance(10) {
        s.push_str(rng.pick(&["v", "V"]));
    }
    if rng.chance(15) {
        s.push_str(rng.pick(&["0!", "1!", "2!", "01!"]));
    }
    s.push_str(rng.pick(&["0", "1", "2", "10", "01", "2024"]));
    for _ in 0..rng.below(4) {
        s.push('.');
        s.push_str(rng.pick(&["0", "1", "2", "10", "00", "09"]));
    }
    if rng.chance(40) {
        s.push_str(rng.pick(&["", ".", "-", "_"]));
        s.push_str(rng.pick(&[
            "a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "RC", "Alpha",
        ]));
        s.push_str(rng.pick(&["", ".", "-", "_", ""]));
        s.push_str(rng.pick(&["", "0", "1", "2", "10"]));
    }
    if rng.chance(30) {
        s.push_str(rng.pick(&[
            ".post", "post", "-post", "-", "_rev", ".r", "r", "-POST", ".post.",
        ]));
        s.push_str(rng.pick(&["", "0", "1", "2", "10"]));
    }
    if rng.chance(30) {
        s.push_str(rng.pick(&[".dev", "dev", "-dev", "_dev", ".DEV", ".dev."]));
        s.push_str(rng.pick(&["", "0", "1", "2", "10"]));
    }
    if rng.chance(20) {
        s.push('+');
        for i in 0..1 + rng.below(3) {
            if i > 0 {
                s.push_str(rng.pick(&[".", "-", "_"]));
            }
            s.push_str(rng.pick(&["1", "2", "10", "abc", "Ubuntu", "cpu", "x1", "0", "", "a.b"]));
        }
    }
    if rng.chance(4) {
        s.push_str(rng.pick(&["x", "..", "-", "+", "!", "-foo"]));
    }
    if rng.chance(5) {
        s.push('\t');
    }
    s
}

fn python() -> PathBuf {
    if let Some(venv) = std::env::var_os("RENSA_TEST_VENV") {
        return PathBuf::from(venv).join("bin/python");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/test-venv/bin/python")
}

#[test]
fn pep440_agrees_with_python_packaging() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let pairs: Vec<_> = (0..PAIRS)
        .map(|_| pair(&mut rng, pep440_version))
        .filter(|(a, b)| {
            !a.contains('\n') && !b.contains('\n') && !a.contains('\u{1f}') && !b.contains('\u{1f}')
        })
        .collect();
    let python = python();
    assert!(python.exists(), "{} is missing; {SETUP}", python.display());
    let script = "import sys\n\
        from packaging.version import Version, InvalidVersion\n\
        def v(s):\n    try:\n        return Version(s)\n    except InvalidVersion:\n        return None\n\
        for line in sys.stdin.read().split('\\n')[:-1]:\n\
        \x20   a, b = line.split('\\x1f')\n\
        \x20   va, vb = v(a), v(b)\n\
        \x20   print('invalid' if va is None or vb is None else '<' if va < vb else '>' if va > vb else '=')\n";
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\u{1f}{b}\n")).collect();
    let out = run(
        Command::new(&python).arg("-c").arg(script),
        "python packaging",
        Some(&input),
    );
    let answers: Vec<String> = out.lines().map(str::to_owned).collect();
    let valid = answers.iter().filter(|a| *a != "invalid").count();
    assert!(
        valid > PAIRS / 2,
        "the generator should mostly make valid versions ({valid})"
    );
    check(Scheme::Pep440, &pairs, &answers);
}
