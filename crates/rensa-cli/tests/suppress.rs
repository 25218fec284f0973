//! End-to-end suppression in `rensa scan`: a Debian 11 image with libssl1.1 and Jinja2 2.10 against the
//! real DSA and PyPA advisories, with ignore files (reason, expiry, purl), OpenVEX documents, the default
//! `.rensaignore.yaml`, the exit code, and unusable files (exit 2 naming the file, nothing scanned).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rensa_testkit::{self as kit, ImageSpec, file};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories")
}

fn rensa_in(args: &[&str], home: &Path, cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

/// A database of DSA-5343-1 and the PyPA advisories, an image with libssl1.1 1.1.1n-0+deb11u3 and Jinja2
/// 2.10, and a scan function (extra arguments; the working directory is the empty `work` directory).
struct Setup {
    dir: tempfile::TempDir,
    db: PathBuf,
    image: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let out = rensa_in(
            &[
                "db",
                "import",
                "--db",
                db.to_str().unwrap(),
                shared()
                    .join("debian-tracker-2023/data/DSA/list")
                    .to_str()
                    .unwrap(),
                shared().join("pypa").to_str().unwrap(),
            ],
            dir.path(),
            dir.path(),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let layers = vec![kit::gz_layer(&[
            file(
                "etc/os-release",
                "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
            ),
            file(
                "var/lib/dpkg/status",
                "Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\n\
                 Source: openssl\nVersion: 1.1.1n-0+deb11u3\n\n",
            ),
            file(
                "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n",
            ),
        ])];
        kit::oci_layout(&dir.path().join("img"), &ImageSpec::new(layers), "1");
        std::fs::create_dir(dir.path().join("work")).unwrap();
        let image = format!("oci:{}:1", dir.path().join("img").display());
        Setup { dir, db, image }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join("work").join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn scan(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "scan",
            &self.image,
            "--db",
            self.db.to_str().unwrap(),
            "--format",
            "json",
            "--max-db-age-days",
            "1000000",
        ];
        // These tests are about vulnerabilities; `--exit-code` fires on a `block` verdict, so they use a
        // policy that blocks every vulnerability still reported.
        let policy = self.dir.path().join("block-all-vulnerabilities.yaml");
        std::fs::write(&policy, "block:\n  - category: vulnerability\n").unwrap();
        let policy = policy.to_str().unwrap().to_string();
        args.extend_from_slice(&["--scanners", "vuln"]);
        if extra.contains(&"--exit-code") {
            args.extend_from_slice(&["--policy", &policy]);
        }
        args.extend_from_slice(extra);
        rensa_in(&args, self.dir.path(), &self.dir.path().join("work"))
    }
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// `package id` of each reported vulnerability.
fn reported(v: &serde_json::Value) -> Vec<String> {
    v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["package"]["name"].as_str().unwrap(),
                f["id"].as_str().unwrap()
            )
        })
        .collect()
}

/// `package id origin file reason [vex status, justification, expires]` of each suppressed finding.
fn suppressed(v: &serde_json::Value) -> Vec<String> {
    v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let opt = |k: &str| s[k].as_str().unwrap_or("-").to_string();
            format!(
                "{} {} {} {} {:?} {} {} {}",
                s["finding"]["package"]["name"].as_str().unwrap(),
                s["finding"]["id"].as_str().unwrap(),
                s["origin"].as_str().unwrap(),
                Path::new(s["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap(),
                s["reason"].as_str().unwrap(),
                opt("vex_status"),
                opt("justification"),
                opt("expires"),
            )
        })
        .collect()
}

fn warnings(v: &serde_json::Value) -> Vec<String> {
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

const ALL: [&str; 7] = [
    "Jinja2 CVE-2019-10906",
    "Jinja2 CVE-2020-28493",
    "libssl1.1 CVE-2022-2097",
    "libssl1.1 CVE-2022-4304",
    "libssl1.1 CVE-2022-4450",
    "libssl1.1 CVE-2023-0286",
    "libssl1.1 CVE-2023-0215",
];

const IGNORE: &str = "\
vulnerabilities:
  - id: PYSEC-2019-217              # alias of CVE-2019-10906
    package: pkg:pypi/jinja2
    reason: sandbox not used; templates are trusted
    expires: 2999-12-31
  - id: CVE-2020-28493
    reason: accepted for the last release
    expires: 2000-01-01             # expired: reported again, with a warning
  - id: DSA-5343-1                  # every CVE of the DSA, for the amd64 package only
    package: pkg:deb/debian/libssl1.1?arch=amd64
    reason: rebuilt next sprint
  - id: CVE-1999-0001
    reason: stale
";

#[test]
fn ignore_file_suppresses_before_the_exit_code() {
    let s = Setup::new();
    // Baseline: every finding is reported; expected from the data as in tests/scan.rs.
    let base = s.scan(&[]);
    let mut all: Vec<String> = ALL.iter().map(|x| x.to_string()).collect();
    all.sort();
    assert_eq!(reported(&json(&base)), all);
    assert_eq!(json(&base)["suppressed"], serde_json::json!([]));

    let path = s.write("ignore.yaml", IGNORE);
    let out = s.scan(&["--ignore-file", &path, "--exit-code", "3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(reported(&v), ["Jinja2 CVE-2020-28493"]);
    let libssl = |id: &str| format!("libssl1.1 {id} ignore-file ignore.yaml \"rebuilt next sprint\" - - -");
    assert_eq!(
        suppressed(&v),
        [
            "Jinja2 CVE-2019-10906 ignore-file ignore.yaml \"sandbox not used; templates are trusted\" - - 2999-12-31".to_string(),
            libssl("CVE-2022-2097"),
            libssl("CVE-2022-4304"),
            libssl("CVE-2022-4450"),
            libssl("CVE-2023-0215"),
            libssl("CVE-2023-0286"),
        ]
    );
    // The whole finding is kept in the suppressed entry.
    assert_eq!(v["suppressed"][0]["finding"]["fixed_version"], "2.10.1");
    assert_eq!(
        warnings(&v),
        [
            format!(
                "ignore entry for CVE-2020-28493 in {path} (line 6) expired on 2000-01-01; it no longer suppresses anything"
            ),
            format!(
                "ignore entry for CVE-1999-0001 in {path} (line 12) matched no finding; remove it if it is no longer needed"
            ),
        ]
    );
    // In json format the warnings also go to standard error.
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired on 2000-01-01"));

    // The severity filter applies after suppression: what is left is not "low", so nothing is reported
    // and the exit code is 0.
    let out = s.scan(&["--ignore-file", &path, "--exit-code", "3", "--severity", "low"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(reported(&json(&out)), Vec::<String>::new());
    assert_eq!(suppressed(&json(&out)).len(), 6);
}

#[test]
fn openvex_with_the_image_as_product() {
    let s = Setup::new();
    // Statements about the scanned image (its reference as given) with libssl1.1 as subcomponent, and
    // about the Jinja2 package itself; for CVE-2023-0286 a newer `affected` statement overrides the
    // `not_affected` one.
    let libssl = |cve: &str, status: &str, time: &str| {
        serde_json::json!({
            "vulnerability": {"name": cve},
            "timestamp": time,
            "products": [{"@id": s.image, "subcomponents": [{"@id": "pkg:deb/debian/libssl1.1"}]}],
            "status": status,
            "justification": "vulnerable_code_not_in_execute_path",
            "action_statement": "update libssl1.1",
        })
    };
    let mut statements: Vec<_> = [
        "CVE-2022-2097",
        "CVE-2022-4304",
        "CVE-2022-4450",
        "CVE-2023-0215",
        "CVE-2023-0286",
    ]
    .iter()
    .map(|c| libssl(c, "not_affected", "2024-01-01T00:00:00Z"))
    .collect();
    statements.push(libssl("CVE-2023-0286", "affected", "2024-02-01T00:00:00+01:00"));
    statements.push(serde_json::json!({
        "vulnerability": {"name": "GHSA-462w-v97r-4m45", "aliases": ["CVE-2019-10906"]},
        "products": [{"@id": "pkg:pypi/jinja2@2.10"}],
        "status": "fixed",
        "status_notes": "backported the sandbox fix",
    }));
    let doc = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://openvex.dev/docs/example/rensa-test",
        "author": "rensa tests",
        "timestamp": "2024-03-01T00:00:00Z",
        "version": 1,
        "statements": statements,
    });
    let path = s.write("app.openvex.json", &doc.to_string());
    let out = s.scan(&["--vex", &path, "--exit-code", "3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(reported(&v), ["Jinja2 CVE-2020-28493", "libssl1.1 CVE-2023-0286"]);
    let na = |id: &str| {
        format!(
            "libssl1.1 {id} openvex app.openvex.json \"vulnerable_code_not_in_execute_path\" not_affected vulnerable_code_not_in_execute_path -"
        )
    };
    assert_eq!(
        suppressed(&v),
        [
            "Jinja2 CVE-2019-10906 openvex app.openvex.json \"backported the sandbox fix\" fixed - -"
                .to_string(),
            na("CVE-2022-2097"),
            na("CVE-2022-4304"),
            na("CVE-2022-4450"),
            na("CVE-2023-0215"),
        ]
    );

    // With an ignore file for the rest, nothing is left: --exit-code does not fire.
    let ignore = s.write(
        "rest.yaml",
        "vulnerabilities:\n  - id: CVE-2020-28493\n    reason: r\n  - id: CVE-2023-0286\n    package: libssl1.1\n    reason: r\n",
    );
    let out = s.scan(&["--vex", &path, "--ignore-file", &ignore, "--exit-code", "3"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(reported(&v), Vec::<String>::new());
    assert_eq!(suppressed(&v).len(), 7);
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn default_ignore_file_in_the_current_directory() {
    let s = Setup::new();
    s.write(
        ".rensaignore.yaml",
        "vulnerabilities:\n  - id: CVE-2019-10906\n    reason: trusted templates\n",
    );
    let v = json(&s.scan(&[]));
    assert_eq!(reported(&v).len(), 6);
    assert_eq!(
        suppressed(&v),
        ["Jinja2 CVE-2019-10906 ignore-file .rensaignore.yaml \"trusted templates\" - - -"]
    );
    assert_eq!(
        warnings(&v),
        [
            "using the ignore file .rensaignore.yaml of the current directory (give --ignore-file to choose another)"
        ]
    );
    // An explicit --ignore-file replaces it.
    let other = s.write("other.yaml", "");
    let v = json(&s.scan(&["--ignore-file", &other]));
    assert_eq!(reported(&v).len(), 7);
    assert_eq!(warnings(&v), Vec::<String>::new());
}

#[test]
fn unusable_files_stop_the_scan() {
    let s = Setup::new();
    let vex_ok = |stmt: &str| {
        format!(
            r#"{{"@context":"https://openvex.dev/ns/v0.2.0","timestamp":"2024-01-01T00:00:00Z","statements":[{stmt}]}}"#
        )
    };
    let cases: Vec<(&str, &str, String, String)> = vec![
        (
            "--ignore-file",
            "unknown-key.yaml",
            "vulnerabilities:\n  - id: CVE-2019-10906\n    reason: r\n    expired_at: 2030-01-01\n".into(),
            "line 4 column 5: unknown field `expired_at`, expected one of id, package, reason, expires".into(),
        ),
        (
            "--ignore-file",
            "no-reason.yaml",
            "vulnerabilities:\n  - id: CVE-2019-10906\n".into(),
            "line 2: the entry for CVE-2019-10906 has no reason (every ignore entry needs a non-empty `reason`)".into(),
        ),
        (
            "--ignore-file",
            "bad-date.yaml",
            "vulnerabilities:\n  - id: CVE-2019-10906\n    reason: r\n    expires: 31.12.2030\n".into(),
            "line 2: the entry for CVE-2019-10906 has an invalid expiry date \"31.12.2030\" (expected YYYY-MM-DD)".into(),
        ),
        (
            "--vex",
            "no-justification.json",
            vex_ok(
                r#"{"vulnerability":{"name":"CVE-2019-10906"},"products":[{"@id":"pkg:pypi/jinja2"}],"status":"not_affected"}"#,
            ),
            "statement 1: CVE-2019-10906 is not_affected without a justification or an impact_statement (the spec requires one)"
                .into(),
        ),
        (
            "--vex",
            "cyclonedx.json",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#.into(),
            "not an OpenVEX document (no @context https://openvex.dev/ns…)".into(),
        ),
        (
            "--vex",
            "truncated.json",
            "{\"@context\": \"https://openvex.dev/ns\"".into(),
            "not valid JSON: EOF while parsing an object at line 1 column 37".into(),
        ),
    ];
    for (flag, name, text, want) in cases {
        let path = s.write(name, &text);
        let out = s.scan(&[flag, &path, "--exit-code", "3"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err, format!("rensa: error: {path}: {want}\n"), "{name}");
        assert!(out.stdout.is_empty(), "{name}: a report was written");
    }
    let missing = s.dir.path().join("work/missing.yaml").display().to_string();
    let out = s.scan(&["--ignore-file", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with(&format!("rensa: error: {missing}: ")));
}
