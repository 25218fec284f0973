//! Accuracy of `rensa scan` on an npm tree against the Node.js Security WG advisories: a real `npm install`
//! of old versions (tests/fixtures/npm-nswg, see its SOURCE.md) scanned after `rensa db import` of
//! ../shared/data/advisories/nodejs-security-wg. The expected findings are written by hand from the
//! advisory files named beside each row, not from rensa's output.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

/// (package, version, id, aliases, fixed version) of one finding.
type Row = (String, String, String, Vec<String>, Option<String>);

fn row(pkg: &str, version: &str, id: &str, aliases: &[&str], fixed: &str) -> Row {
    (
        pkg.into(),
        version.into(),
        id.into(),
        aliases.iter().map(|a| a.to_string()).collect(),
        Some(fixed.into()),
    )
}

#[test]
fn npm_tree_reports_what_the_security_wg_data_says() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npm-nswg/app");
    copy(&fixture, &root.path().join("srv/app"));
    let advisories =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/nodejs-security-wg");
    let db = home.path().join("db");
    let db = db.to_str().unwrap();
    let out = rensa(
        &["db", "import", advisories.to_str().unwrap(), "--db", db],
        home.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let target = format!("dir:{}", root.path().display());
    let out = rensa(&["scan", &target, "--db", db, "--format", "json"], home.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: BTreeSet<Row> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["status"], "fixed", "{f}");
            (
                f["package"]["name"].as_str().unwrap().to_string(),
                f["package"]["version"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
                f["aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                f["fixed_version"].as_str().map(str::to_string),
            )
        })
        .collect();

    let want: BTreeSet<Row> = [
        // npm/367.json: "<5.0.3 >=5.0.0 || < 4.2.1", patched ">=5.0.3 >=4.2.1"; 4.2.1 is not vulnerable.
        row("hoek", "4.2.0", "CVE-2018-3728", &["NSWG-ECO-367"], "4.2.1"),
        // npm/368.json: "<4.17.5" / ">=4.17.5".
        row("lodash", "4.17.4", "CVE-2018-3721", &["NSWG-ECO-368"], "4.17.5"),
        // npm/493.json: "<4.17.11" / ">=4.17.11". (npm/516.json, ">=4.17.15 <4.17.19", does not apply.)
        row("lodash", "4.17.4", "CVE-2018-16487", &["NSWG-ECO-493"], "4.17.11"),
        // npm/23.json: "<=0.3.3" / ">=0.3.4". (npm/22.json "<=0.3.0" and npm/24.json "<=0.3.2" do not apply.)
        row("marked", "0.3.3", "CVE-2015-8854", &["NSWG-ECO-23"], "0.3.4"),
        // npm/101.json: "<=0.3.5" / ">=0.3.6", no CVE.
        row("marked", "0.3.3", "NSWG-ECO-101", &[], "0.3.6"),
        // npm/46.json: "<=0.7.0" / ">0.7.0".
        row("ms", "0.7.0", "CVE-2015-8315", &["NSWG-ECO-46"], "0.7.1"),
        // npm/28.json: "<1.0.0" / ">= 1.x", no CVE.
        row("qs", "0.6.6", "NSWG-ECO-28", &[], "1.0.0"),
        // npm/29.json: "<1.0.0" / ">= 1.x".
        row("qs", "0.6.6", "CVE-2014-7191", &["NSWG-ECO-29"], "1.0.0"),
        // Not affected, at the first patched version: semver 4.3.2 (npm/31.json "<4.3.2"), moment
        // 2.11.2 (npm/55.json "<2.11.2"), negotiator 0.6.1 (npm/106.json "<= 0.6.0").
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);

    // The packages themselves were all found, so the absent findings are real negatives.
    let sbom = rensa(&["sbom", &target, "--format", "json"], home.path());
    let text = String::from_utf8_lossy(&sbom.stdout);
    for p in [
        "\"semver\"",
        "\"moment\"",
        "\"negotiator\"",
        "\"4.3.2\"",
        "\"2.11.2\"",
        "\"0.6.1\"",
    ] {
        assert!(text.contains(p), "{p} missing from the SBOM");
    }
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}
