//! The output formats of `rensa scan` on real data: a Debian 11 image with libssl1.1 and Jinja2 2.10
//! (installed twice) scanned against the real DSA list and PyPA advisories. The SARIF log must validate
//! against the OASIS SARIF 2.1.0 schema (Python `jsonschema`), the CycloneDX document with
//! cyclonedx-python-lib's strict 1.6 validator, and all four formats must name the same
//! (package, vulnerability) pairs and the same image findings (config, secret, malware), and carry the
//! default policy's verdict. The committed snapshots of the hand-built report (which also has
//! suppressed and not-affected entries, check findings and a verdict with an exception) are validated
//! the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rensa_testkit::{self as kit, ImageSpec, file};
use serde_json::Value;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> PathBuf {
    manifest_dir().join("../../../shared/data/advisories")
}

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

fn sarif_errors(text: &str) -> Option<String> {
    let schema = manifest_dir().join("tests/fixtures/report/sarif-schema-2.1.0.json");
    kit::sarif_errors(&schema, text)
}

fn cyclonedx_errors(text: &str) -> Option<String> {
    let (ok, out) = kit::run_python(kit::CYCLONEDX_CHECK, &[] as &[&str], text);
    (!(ok && out.trim() == "valid")).then_some(out)
}

const STATUS: &str = "Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\n\
Source: openssl\nVersion: 1.1.1n-0+deb11u3\n\n";

const JINJA: &str = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n";

fn image(dir: &Path) -> String {
    let layers = vec![
        kit::gz_layer(&[
            file(
                "etc/os-release",
                "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
            ),
            file("var/lib/dpkg/status", STATUS),
            file(
                "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
                JINJA,
            ),
        ]),
        kit::gz_layer(&[file(
            "usr/local/lib/python3.9/site-packages/Jinja2-2.10.dist-info/METADATA",
            JINJA,
        )]),
    ];
    kit::oci_layout(&dir.join("img"), &ImageSpec::new(layers), "1");
    format!("oci:{}:1", dir.join("img").display())
}

type Pairs = BTreeSet<(String, String)>;

/// The image findings of the test image under the default scanners, (rule id, path or ""): its config
/// sets neither a USER nor a HEALTHCHECK; it holds no secrets and no malware.
const FINDINGS: &[(&str, &str)] = &[("no-healthcheck", ""), ("root-user", "")];

/// (id, path) of the json output's image findings.
fn findings_of_json(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The SARIF fingerprints (`ID|PATH|LAYER`) the json output's image findings must have, in the SARIF
/// results' order (by rule id, then fingerprint).
fn finding_fingerprints(v: &Value) -> Vec<String> {
    let mut out: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let layer = f["layer"].as_u64().map(|l| l.to_string()).unwrap_or_default();
            let id = f["id"].as_str().unwrap().to_string();
            let print = format!("{id}|{}|{layer}", f["path"].as_str().unwrap_or(""));
            (id, print)
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, p)| p).collect()
}

fn pairs_of_json(v: &Value) -> Pairs {
    v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"]["name"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The SARIF results of vulnerabilities (not of image findings).
fn vulnerability_results(v: &Value) -> Vec<&Value> {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["partialFingerprints"]["rensa/vulnerability/v1"].is_string())
        .collect()
}

/// (package, id) of the unsuppressed SARIF vulnerability results; the package is read back from the
/// logical location (the purl) through the json output's purl → name table.
fn pairs_of_sarif(v: &Value, names: &std::collections::BTreeMap<String, String>) -> Pairs {
    vulnerability_results(v)
        .into_iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            let purl = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap();
            (names[purl].clone(), r["ruleId"].as_str().unwrap().to_string())
        })
        .collect()
}

/// (package, id) of the CycloneDX vulnerabilities without an analysis (image findings, whose source is
/// rensa, left out), the package found through the `affects` refs.
fn pairs_of_cyclonedx(v: &Value) -> Pairs {
    let components = v["components"].as_array().unwrap();
    let name_of = |r: &str| {
        components
            .iter()
            .find(|c| c["bom-ref"] == r)
            .unwrap_or_else(|| panic!("affects ref {r} is no component"))["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut out = Pairs::new();
    for vuln in v["vulnerabilities"].as_array().unwrap() {
        if vuln.get("analysis").is_some() || vuln["source"]["name"] == "rensa" {
            continue;
        }
        for a in vuln["affects"].as_array().unwrap() {
            out.insert((
                name_of(a["ref"].as_str().unwrap()),
                vuln["id"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// The headings of the table's sections of image findings.
const SECTIONS: [&str; 3] = ["Configuration", "Secrets", "Malware"];

/// (package, id) of the table: a package block starts with an unindented `NAME VERSION …` line; its
/// rows are indented by four spaces, the id in the second column. The image findings, the verdict and
/// the warnings follow the package blocks.
fn pairs_of_table(text: &str) -> Pairs {
    let mut out = Pairs::new();
    let mut package: Option<String> = None;
    let mut in_blocks = false;
    for line in text.lines() {
        if line.is_empty() {
            in_blocks = true;
            package = None;
            continue;
        }
        if line.starts_with("warning: ") || line.starts_with("verdict: ") || SECTIONS.contains(&line) {
            break; // image findings, the verdict and the warnings follow the package blocks
        }
        if !in_blocks {
            continue;
        }
        if !line.starts_with(' ') {
            package = Some(line.split_whitespace().next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("    ")
            && !rest.starts_with("SEVERITY")
        {
            let id = rest.split_whitespace().nth(1).unwrap();
            out.insert((
                package.clone().expect("row outside a package block"),
                id.to_string(),
            ));
        }
    }
    out
}

#[test]
fn every_format_names_the_same_findings_and_validates() {
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
    let scan = |format: &str| {
        let out = rensa(
            &["scan", &img, "--db", db.to_str().unwrap(), "--format", format],
            dir.path(),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };

    // Expected from the data (as in tests/scan.rs): DSA-5343-1 fixes five CVEs in openssl for bullseye;
    // PYSEC-2019-217 (CVE-2019-10906) and PYSEC-2021-66 (CVE-2020-28493) affect Jinja2 2.10.
    let expected: Pairs = [
        ("Jinja2", "CVE-2019-10906"),
        ("Jinja2", "CVE-2020-28493"),
        ("libssl1.1", "CVE-2022-2097"),
        ("libssl1.1", "CVE-2022-4304"),
        ("libssl1.1", "CVE-2022-4450"),
        ("libssl1.1", "CVE-2023-0215"),
        ("libssl1.1", "CVE-2023-0286"),
    ]
    .iter()
    .map(|(p, i)| (p.to_string(), i.to_string()))
    .collect();

    let json: Value = serde_json::from_str(&scan("json")).unwrap();
    assert_eq!(pairs_of_json(&json), expected);
    let findings: Vec<(String, String)> = FINDINGS
        .iter()
        .map(|(i, p)| (i.to_string(), p.to_string()))
        .collect();
    assert_eq!(findings_of_json(&json), findings);
    let severities: BTreeSet<&str> = json["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    // The DSA list and the PyPA advisories rate nothing, and the default policy blocks neither
    // `root-user` nor `no-healthcheck`: the image passes.
    assert_eq!(severities, BTreeSet::from(["unknown"]));
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["policy"]["source"], "built-in default");
    assert_eq!(json["policy"]["reasons"], serde_json::json!([]));
    let names: std::collections::BTreeMap<String, String> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purl"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    let table = scan("table");
    assert_eq!(pairs_of_table(&table), expected, "{table}");
    for (id, path) in FINDINGS {
        let place = if path.is_empty() { "-" } else { path };
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("  ") && l.contains(&format!("  {id}  {place}"))),
            "{id} {path}: {table}"
        );
    }
    assert!(
        table.contains("\nverdict: pass (policy: built-in default)\n"),
        "{table}"
    );
    assert!(table.lines().all(|l| l.chars().count() <= 120), "{table}");

    let sarif_text = scan("sarif");
    if let Some(e) = sarif_errors(&sarif_text) {
        panic!("SARIF 2.1.0 validation failed:\n{e}\n{sarif_text}");
    }
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    assert_eq!(pairs_of_sarif(&sarif, &names), expected);
    let results = vulnerability_results(&sarif);
    assert_eq!(results.len(), expected.len(), "one result per package and id");
    // Jinja2 is installed twice: its results point at both METADATA files.
    let jinja = results.iter().find(|r| r["ruleId"] == "CVE-2019-10906").unwrap();
    let uris: Vec<&str> = jinja["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
            "usr/local/lib/python3.9/site-packages/Jinja2-2.10.dist-info/METADATA",
        ]
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule_ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut expected_ids: BTreeSet<&str> = expected.iter().map(|(_, i)| i.as_str()).collect();
    expected_ids.extend(FINDINGS.iter().map(|(id, _)| *id));
    assert_eq!(rule_ids, expected_ids);
    let sarif_findings: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["partialFingerprints"]["rensa/finding/v1"].as_str())
        .map(str::to_string)
        .collect();
    assert_eq!(sarif_findings, finding_fingerprints(&json));
    assert_eq!(sarif["runs"][0]["properties"]["rensa-verdict"], "pass");
    assert_eq!(sarif["runs"][0]["properties"]["rensa-policy"], "built-in default");

    let cdx_text = scan("cyclonedx");
    if let Some(e) = cyclonedx_errors(&cdx_text) {
        panic!("CycloneDX 1.6 validation failed:\n{e}");
    }
    let cdx: Value = serde_json::from_str(&cdx_text).unwrap();
    assert_eq!(pairs_of_cyclonedx(&cdx), expected);
    let image_ref = &cdx["metadata"]["component"]["bom-ref"];
    let cdx_findings: Vec<&str> = cdx["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["source"]["name"] == "rensa")
        .inspect(|v| assert_eq!(v["affects"][0]["ref"], *image_ref, "{v}"))
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = FINDINGS.iter().map(|(i, _)| *i).collect();
    assert_eq!(cdx_findings, ids);
    let entry = cdx["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "CVE-2019-10906")
        .unwrap();
    assert_eq!(entry["affects"].as_array().unwrap().len(), 2, "{entry}");
    assert_eq!(entry["recommendation"], "Upgrade Jinja2 to 2.10.1");

    // The components are those of `rensa sbom --format cyclonedx`.
    let sbom = rensa(&["sbom", &img, "--format", "cyclonedx"], dir.path());
    assert!(sbom.status.success());
    let sbom: Value = serde_json::from_slice(&sbom.stdout).unwrap();
    assert_eq!(cdx["components"], sbom["components"]);

    // The output is reproducible.
    assert_eq!(scan("sarif"), sarif_text);
    assert_eq!(scan("cyclonedx"), cdx_text);
}

/// The content of a committed insta snapshot (after its header).
fn snapshot(name: &str) -> String {
    let path = manifest_dir().join("src/report/snapshots").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("\n---\n"))
        .unwrap_or_else(|| panic!("{}: no snapshot header", path.display()))
        .1;
    body.to_string()
}

#[test]
fn the_snapshots_validate() {
    let sarif = snapshot("rensa__report__sarif__tests__sarif.snap");
    if let Some(e) = sarif_errors(&sarif) {
        panic!("SARIF snapshot does not validate:\n{e}");
    }
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let suppressed: Vec<&Value> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "CVE-2024-22195");
    let checks: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["partialFingerprints"]["rensa/finding/v1"].as_str())
        .collect();
    assert_eq!(
        checks,
        [
            "remote-login-enabled|/etc/ssh/sshd_config|0",
            "root-user||",
            "secret-aws-access-key|/app/config/settings.py|0"
        ]
    );
    assert_eq!(v["runs"][0]["properties"]["rensa-verdict"], "block");

    let cdx = snapshot("rensa__report__cyclonedx__tests__cyclonedx.snap");
    if let Some(e) = cyclonedx_errors(&cdx) {
        panic!("CycloneDX snapshot does not validate:\n{e}");
    }
    let v: Value = serde_json::from_str(&cdx).unwrap();
    let states: Vec<(&str, &str)> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| Some((x["id"].as_str()?, x.get("analysis")?["state"].as_str()?)))
        .collect();
    assert_eq!(
        states,
        [
            ("CVE-2024-22195", "not_affected"),
            ("CVE-2023-0464", "not_affected")
        ]
    );
    let checks: Vec<&str> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["source"]["name"] == "rensa")
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        ["remote-login-enabled", "root-user", "secret-aws-access-key"]
    );
    let verdict = v["metadata"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "rensa:verdict")
        .unwrap();
    assert_eq!(verdict["value"], "block");
}

#[test]
fn the_validators_reject_broken_documents() {
    // Proof that the validators run: a copy of the SARIF snapshot with a level SARIF does not define and
    // a result without its message, and a CycloneDX snapshot with a rating method CycloneDX does not
    // define, must fail.
    let sarif = snapshot("rensa__report__sarif__tests__sarif.snap");
    let mut v: Value = serde_json::from_str(&sarif).unwrap();
    v["runs"][0]["results"][0]["level"] = "critical".into();
    let e = sarif_errors(&v.to_string()).expect("an invalid level must fail");
    assert!(e.contains("'critical' is not one of"), "{e}");
    let mut v: Value = serde_json::from_str(&sarif).unwrap();
    v["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let e = sarif_errors(&v.to_string()).expect("a result without message must fail");
    assert!(e.contains("'message' is a required property"), "{e}");

    let cdx = snapshot("rensa__report__cyclonedx__tests__cyclonedx.snap");
    let mut v: Value = serde_json::from_str(&cdx).unwrap();
    v["vulnerabilities"][0]["ratings"][0]["method"] = "CVSSv5".into();
    assert!(cyclonedx_errors(&v.to_string()).is_some());
}

#[test]
fn a_blocking_verdict_with_an_exception_in_every_format() {
    // A policy that blocks every config finding and excepts `no-healthcheck`: `root-user` blocks.
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "block:\n  - category: config\nexceptions:\n  - id: no-healthcheck\n    reason: \"the orchestrator probes it\"\n",
    )
    .unwrap();
    let scan = |format: &str| {
        let out = rensa(
            &[
                "scan",
                &img,
                "--scanners",
                "config",
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                format,
            ],
            dir.path(),
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let source = policy.display().to_string();
    let reason = "root-user (config, medium): matched category=config";
    let excepted =
        "no-healthcheck (config, low): matched category=config; exception: the orchestrator probes it";

    let json: Value = serde_json::from_str(&scan("json")).unwrap();
    assert_eq!(json["verdict"], "block");
    assert_eq!(json["policy"]["source"], source.as_str());
    let ids = |key: &str| -> Vec<String> {
        json["policy"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("reasons"), ["root-user"]);
    assert_eq!(ids("excepted"), ["no-healthcheck"]);

    let table = scan("table");
    let verdict = table
        .split_once("\nverdict: ")
        .unwrap_or_else(|| panic!("no verdict: {table}"))
        .1;
    let expected = format!("BLOCK (policy: {source})\n  - {reason}\n  - excepted: {excepted}\n");
    assert_eq!(verdict, expected);

    let sarif_text = scan("sarif");
    if let Some(e) = sarif_errors(&sarif_text) {
        panic!("SARIF 2.1.0 validation failed:\n{e}\n{sarif_text}");
    }
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let props = &sarif["runs"][0]["properties"];
    assert_eq!(props["rensa-verdict"], "block");
    assert_eq!(props["rensa-policy"], source.as_str());
    assert_eq!(props["rensa-blocking"][0]["id"], "root-user");
    assert_eq!(
        props["rensa-excepted"][0]["exception"],
        "the orchestrator probes it"
    );

    let cdx_text = scan("cyclonedx");
    if let Some(e) = cyclonedx_errors(&cdx_text) {
        panic!("CycloneDX 1.6 validation failed:\n{e}");
    }
    let cdx: Value = serde_json::from_str(&cdx_text).unwrap();
    let meta: Vec<(&str, &str)> = cdx["metadata"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .filter(|(n, _)| n.starts_with("rensa:verdict") || *n == "rensa:policy")
        .collect();
    assert_eq!(
        meta,
        [
            ("rensa:verdict", "block"),
            ("rensa:policy", source.as_str()),
            ("rensa:verdict:reason", reason),
            ("rensa:verdict:excepted", excepted),
        ]
    );
}
