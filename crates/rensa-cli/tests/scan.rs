//! End-to-end `rensa scan`: a Debian 11 image with an OS package and a Python package against real DSA and
//! PyPA advisories, the same findings when scanning the image's CycloneDX or SPDX SBOM, the filters and the
//! exit code, and the behaviour without a database.

use std::path::Path;
use std::process::{Command, Output};

use rensa_testkit::{self as kit, ImageSpec, file};

fn shared() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories")
}

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

const STATUS: &str = "Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\n\
Source: openssl\nVersion: 1.1.1n-0+deb11u3\n\n";

fn image(dir: &Path) -> String {
    let layers = vec![kit::gz_layer(&[
        file(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
        ),
        file("var/lib/dpkg/status", STATUS),
        file(
            "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n",
        ),
    ])];
    kit::oci_layout(&dir.join("img"), &ImageSpec::new(layers), "1");
    format!("oci:{}:1", dir.join("img").display())
}

/// (package, id, status, fixed version, aliases) of one finding.
type Row = (String, String, String, Option<String>, Vec<String>);

fn vulns(out: &Output) -> Vec<Row> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"]["name"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["fixed_version"].as_str().map(str::to_string),
                f["aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn image_and_its_sboms_give_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let dsa = shared().join("debian-tracker-2023/data/DSA/list");
    let imported = rensa(
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            dsa.to_str().unwrap(),
            shared().join("pypa").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let img = image(dir.path());
    let scan = |target: &str, extra: &[&str]| {
        let mut args = vec!["scan", target, "--db", db.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        rensa(&args, dir.path())
    };

    // Expected from the data: DSA-5343-1 fixes five CVEs in openssl 1.1.1n-0+deb11u4 for bullseye, and
    // libssl1.1 is built from openssl; PYSEC-2019-217 (CVE-2019-10906) is fixed in Jinja2 2.10.1 and
    // PYSEC-2021-66 (CVE-2020-28493) in 2.11.3.
    // The PyPA records' aliases (vulns/jinja2/*.yaml) are merged into one finding per CVE.
    let fixed = |pkg: &str, id: &str, v: &str, aliases: &[&str]| {
        let aliases = aliases.iter().map(|a| a.to_string()).collect();
        (
            pkg.to_string(),
            id.to_string(),
            "fixed".to_string(),
            Some(v.to_string()),
            aliases,
        )
    };
    let dsa = ["DSA-5343-1"];
    let expected = vec![
        fixed(
            "Jinja2",
            "CVE-2019-10906",
            "2.10.1",
            &["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
        ),
        fixed(
            "Jinja2",
            "CVE-2020-28493",
            "2.11.3",
            &[
                "GHSA-g3rq-g295-4j3m",
                "PYSEC-2021-66",
                "SNYK-PYTHON-JINJA2-1012994",
            ],
        ),
        fixed("libssl1.1", "CVE-2022-2097", "1.1.1n-0+deb11u4", &dsa),
        fixed("libssl1.1", "CVE-2022-4304", "1.1.1n-0+deb11u4", &dsa),
        fixed("libssl1.1", "CVE-2022-4450", "1.1.1n-0+deb11u4", &dsa),
        fixed("libssl1.1", "CVE-2023-0215", "1.1.1n-0+deb11u4", &dsa),
        fixed("libssl1.1", "CVE-2023-0286", "1.1.1n-0+deb11u4", &dsa),
    ];
    let from_image = vulns(&scan(&img, &[]));
    assert_eq!(from_image, expected);

    for format in ["cyclonedx", "spdx"] {
        let sbom_file = dir.path().join(format!("sbom.{format}.json"));
        let out = rensa(
            &[
                "sbom",
                &img,
                "--format",
                format,
                "-o",
                sbom_file.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let from_sbom = vulns(&scan(&format!("sbom:{}", sbom_file.display()), &[]));
        assert_eq!(from_sbom, expected, "scanning the {format} SBOM");
    }

    // Filters and the exit code: `--exit-code` fires on a `block` verdict. These DSA records carry no
    // rating (severity unknown), which the default policy (critical and high) lets pass; a policy that
    // blocks every vulnerability blocks.
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "block:\n  - category: vulnerability\n").unwrap();
    let policy = policy.to_str().unwrap();
    let default = scan(&img, &["--exit-code", "5"]);
    assert_eq!(default.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&default.stdout).unwrap();
    assert_eq!(v["verdict"], "pass");
    let blocked = scan(&img, &["--exit-code", "5", "--policy", policy]);
    assert_eq!(blocked.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&blocked.stdout).unwrap();
    assert_eq!(v["verdict"], "block");
    assert_eq!(v["policy"]["reasons"].as_array().unwrap().len(), expected.len());
    // With --policy and no --exit-code, a block exits 1.
    assert_eq!(scan(&img, &["--policy", policy]).status.code(), Some(1));
    let none = scan(
        &img,
        &[
            "--exit-code",
            "5",
            "--policy",
            policy,
            "--severity",
            "critical,high",
        ],
    );
    assert_eq!(none.status.code(), Some(0));
    assert!(vulns(&none).is_empty());
    assert_eq!(vulns(&scan(&img, &["--ignore-unfixed"])), expected);
}

#[test]
fn without_a_database_packages_are_still_listed() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let out = rensa(
        &[
            "scan",
            &img,
            "--db",
            dir.path().join("none").to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["packages"].as_array().unwrap().len(), 2);
    assert_eq!(v["vulnerabilities"].as_array().unwrap().len(), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no vulnerability database") && stderr.contains("rensa db import"),
        "{stderr}"
    );
    let bad = rensa(&["scan", &img, "--scanners", "vuln,antivirus"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scanner \"antivirus\""));
}

#[test]
fn unusable_policy_baseline_or_budget_fails_closed_before_any_report() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let typo = write("policy.yaml", "block:\n  - category: vulnerabilty\n");
    let no_reason = write("except.yaml", "exceptions:\n  - id: CVE-1\n");
    let baseline = write("baseline.json", "{\"password_min_lenght\": 12}");
    let missing = dir.path().join("missing.yaml");
    let missing = missing.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["--policy", typo.as_str()],
            "unknown category \"vulnerabilty\"",
        ),
        (
            vec!["--policy", no_reason.as_str()],
            "an exception needs a reason",
        ),
        (vec!["--policy", missing], "missing.yaml"),
        (vec!["--baseline", baseline.as_str()], "baseline.json"),
        (vec!["--password-budget=-1"], "--password-budget must be"),
        (vec!["--password-budget=NaN"], "--password-budget must be"),
    ] {
        let mut all = vec!["scan", img.as_str(), "--format", "json"];
        all.extend(args.iter().copied());
        let out = rensa(&all, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: a report was written");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
