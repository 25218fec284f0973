//! The example image that ships in the repository (`examples/debian-mini`, see examples/README.md), read by
//! the built `rensa` binary and checked against independent oracles:
//! - the layers are unpacked with the system `tar` (whiteouts applied here, by the OCI rules) and dpkg's own
//!   `dpkg-query --admindir=…` lists the installed packages of the final filesystem;
//! - the image config (written by umoci) gives the layer diff IDs;
//! - the language packages are the ones examples/debian-mini-rootfs/collect.sh and collect-layer3.sh
//!   installed with pip, npm and cargo, minus the one a later layer removed; Python's own
//!   `importlib.metadata` lists the dist-info directories of the unpacked filesystem;
//! - the README's first command, `rensa scan oci:examples/debian-mini:latest --db examples/db`, reports
//!   exactly the findings written down here by hand from the advisory files in examples/advisories, and
//!   changes nothing under examples/;
//! - the committed example database (examples/db/rensa.db) holds what a fresh import of
//!   examples/advisories gives with the current code (else: regenerate with scripts/build-example-db.sh).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn layout() -> PathBuf {
    repo_root().join("examples/debian-mini")
}

/// Runs `rensa sbom oci:examples/debian-mini:latest` with extra arguments; returns stdout (panics on failure).
fn rensa_sbom(extra: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_rensa"))
        .current_dir(repo_root())
        .env("SOURCE_DATE_EPOCH", "1747353600")
        .args(["sbom", "oci:examples/debian-mini:latest"])
        .args(extra)
        .output()
        .expect("run rensa");
    assert!(
        out.status.success(),
        "rensa sbom failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn rensa_json() -> Value {
    serde_json::from_slice(&rensa_sbom(&["--format", "json", "--no-cache"]))
        .expect("rensa's JSON output parses")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn blob(digest: &str) -> PathBuf {
    let (alg, hex) = digest.split_once(':').expect("algorithm:hex digest");
    layout().join("blobs").join(alg).join(hex)
}

/// The manifest of tag `latest` and the config it points to, as umoci wrote them.
fn manifest_and_config() -> (Value, Value) {
    let index = read_json(&layout().join("index.json"));
    let desc = index["manifests"]
        .as_array()
        .expect("index.json manifests")
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "latest")
        .expect("tag latest in index.json");
    let manifest = read_json(&blob(desc["digest"].as_str().expect("manifest digest")));
    let config = read_json(&blob(
        manifest["config"]["digest"].as_str().expect("config digest"),
    ));
    (manifest, config)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Unpacks the image's layers into `root` with the system `tar`, applying whiteouts between layers.
fn unpack_with_tar(root: &Path, scratch: &Path) {
    let (manifest, _) = manifest_and_config();
    let layers = manifest["layers"].as_array().expect("manifest layers");
    assert_eq!(layers.len(), 3, "the example is meant to have three layers");
    std::fs::create_dir_all(root).unwrap();
    for (i, layer) in layers.iter().enumerate() {
        assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
        let dir = scratch.join(format!("layer{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        run(Command::new("tar")
            .arg("-xzf")
            .arg(blob(layer["digest"].as_str().unwrap()))
            .arg("-C")
            .arg(&dir)
            .arg("--no-same-owner"));
        apply_whiteouts(&dir, &dir, root);
        run(Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", dir.display()))
            .arg(root));
    }
}

/// Removes from `root` what the whiteouts in the layer directory `dir` delete, and the markers themselves.
fn apply_whiteouts(layer_root: &Path, dir: &Path, root: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().expect("utf-8 name");
        let path = entry.path();
        let rel = path.strip_prefix(layer_root).unwrap();
        if name == ".wh..wh..opq" {
            panic!("opaque whiteout in {rel:?}: the example has none, extend this oracle if it gets one");
        } else if let Some(target) = name.strip_prefix(".wh.") {
            let victim = root.join(rel.parent().unwrap()).join(target);
            let meta = std::fs::symlink_metadata(&victim)
                .unwrap_or_else(|e| panic!("whiteout {rel:?} hides nothing ({}: {e})", victim.display()));
            if meta.is_dir() {
                std::fs::remove_dir_all(&victim).unwrap();
            } else {
                std::fs::remove_file(&victim).unwrap();
            }
            std::fs::remove_file(&path).unwrap();
        } else if entry.file_type().unwrap().is_dir() {
            apply_whiteouts(layer_root, &path, root);
        }
    }
}

/// (name, version, architecture, source name, source version) of every installed package, per dpkg-query.
type DebRow = (String, String, String, String, String);

fn dpkg_oracle(root: &Path) -> BTreeSet<DebRow> {
    let admindir = root.join("var/lib/dpkg");
    // dpkg-query wants these to exist in an admin directory; an image need not ship them.
    std::fs::create_dir_all(admindir.join("updates")).unwrap();
    std::fs::create_dir_all(admindir.join("info")).unwrap();
    let out = run(Command::new("dpkg-query")
        .arg(format!("--admindir={}", admindir.display()))
        .arg("-W")
        .arg("-f=${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n"));
    let mut set = BTreeSet::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "dpkg-query line {line:?}");
        if f[0] == "installed" {
            assert!(
                set.insert((f[1].into(), f[2].into(), f[3].into(), f[4].into(), f[5].into())),
                "dpkg lists {} twice",
                f[1]
            );
        }
    }
    set
}

fn str_field(p: &Value, key: &str) -> String {
    p[key]
        .as_str()
        .unwrap_or_else(|| panic!("package without {key}: {p}"))
        .to_string()
}

fn packages_of(sbom: &Value, ecosystem: &str) -> Vec<Value> {
    sbom["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .filter(|p| p["ecosystem"] == ecosystem)
        .cloned()
        .collect()
}

#[test]
fn deb_packages_equal_dpkg_query_on_the_final_filesystem() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rootfs");
    unpack_with_tar(&root, tmp.path());
    let oracle = dpkg_oracle(&root);
    assert_eq!(
        oracle.len(),
        17,
        "the example holds 16 base packages and ca-certificates from layer 1"
    );

    let sbom = rensa_json();
    let debs = packages_of(&sbom, "deb");
    let found: Vec<DebRow> = debs
        .iter()
        .map(|p| {
            (
                str_field(p, "name"),
                str_field(p, "version"),
                str_field(p, "arch"),
                p["source_name"]
                    .as_str()
                    .unwrap_or(p["name"].as_str().unwrap())
                    .to_string(),
                p["source_version"]
                    .as_str()
                    .unwrap_or(p["version"].as_str().unwrap())
                    .to_string(),
            )
        })
        .collect();
    let found_set: BTreeSet<DebRow> = found.iter().cloned().collect();
    assert_eq!(
        found.len(),
        found_set.len(),
        "a deb package is reported twice: {found:#?}"
    );
    let missing: Vec<_> = oracle.difference(&found_set).collect();
    let extra: Vec<_> = found_set.difference(&oracle).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing (in dpkg, not rensa): {missing:#?}\nextra: {extra:#?}"
    );

    for p in &debs {
        assert_eq!(p["location"], "/var/lib/dpkg/status", "{p}");
        let purl = str_field(p, "purl");
        assert!(
            purl.starts_with(&format!("pkg:deb/debian/{}@", p["name"].as_str().unwrap())),
            "{purl}"
        );
        assert!(
            purl.contains("distro=debian-12") && purl.contains(&format!("arch={}", str_field(p, "arch"))),
            "{purl}"
        );
    }
}

#[test]
fn packages_are_attributed_to_the_layer_that_put_them_there() {
    let (manifest, config) = manifest_and_config();
    let sbom = rensa_json();

    // The layers as umoci recorded them.
    let diff_ids: Vec<&str> = config["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let layers = sbom["image"]["layers"].as_array().expect("image.layers");
    assert_eq!(layers.len(), diff_ids.len());
    for (i, l) in layers.iter().enumerate() {
        assert_eq!(l["diff_id"], diff_ids[i], "layer {i}");
        assert_eq!(l["digest"], manifest["layers"][i]["digest"], "layer {i}");
    }
    assert_eq!(sbom["distro"]["id"], "debian");
    assert_eq!(sbom["distro"]["version_id"], "12");

    let layer_of: BTreeMap<(String, String), u64> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (str_field(p, "ecosystem"), str_field(p, "name")),
                p["layer"].as_u64().expect("layer index"),
            )
        })
        .collect();
    // Layer 1 ran "apt-get install ca-certificates": only that record is new there; the other 16 stanzas
    // are byte-identical to layer 0's. Layer 2 added the dist-info directories of five pip-installed
    // packages and /srv/worker/Cargo.lock (collect-layer3.sh).
    let layer2: BTreeSet<(&str, &str)> = [
        ("pypi", "Flask"),
        ("pypi", "Werkzeug"),
        ("pypi", "numexpr"),
        ("pypi", "requests"),
        ("pypi", "urllib3"),
        ("cargo", "smallvec"),
    ]
    .into_iter()
    .collect();
    for ((eco, name), layer) in &layer_of {
        let expected = if name == "ca-certificates" {
            1
        } else if layer2.contains(&(eco.as_str(), name.as_str())) {
            2
        } else {
            0
        };
        assert_eq!(*layer, expected, "{eco}/{name}");
    }
    assert_eq!(
        layer_of.values().filter(|l| **l == 2).count(),
        layer2.len(),
        "{layer_of:?}"
    );
}

#[test]
fn language_packages_honour_the_whiteout() {
    let sbom = rensa_json();
    let mut found: Vec<(String, String, String)> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] != "deb")
        .map(|p| {
            (
                str_field(p, "ecosystem"),
                str_field(p, "name"),
                str_field(p, "version"),
            )
        })
        .collect();
    found.sort();
    // pip installed six 1.17.0 and idna 3.10 in layer 0; layer 1 removed six's dist-info (a `.wh.` entry).
    // npm installed debug 4.4.0, which brought ms 2.1.3. Layer 2 pip-installed five pinned packages and
    // added a Cargo.lock whose one dependency is smallvec 1.6.0 (its root package, `worker`, is the project
    // itself, not a dependency). Each is installed once, so reported once.
    let expected: Vec<(String, String, String)> = [
        ("cargo", "smallvec", "1.6.0"),
        ("npm", "debug", "4.4.0"),
        ("npm", "ms", "2.1.3"),
        ("pypi", "Flask", "2.2.2"),
        ("pypi", "Werkzeug", "2.2.2"),
        ("pypi", "idna", "3.10"),
        ("pypi", "numexpr", "2.8.4"),
        ("pypi", "requests", "2.25.0"),
        ("pypi", "urllib3", "1.26.4"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn output_is_reproducible_and_the_warm_cache_gives_the_same_answer() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().to_str().unwrap();
    let uncached = rensa_sbom(&["--format", "json", "--no-cache"]);
    let cold = rensa_sbom(&["--format", "json", "--cache-dir", dir]);
    let warm = rensa_sbom(&["--format", "json", "--cache-dir", dir]);
    assert!(uncached == cold && cold == warm, "the three runs differ");
    assert!(
        std::fs::read_dir(cache.path()).unwrap().next().is_some(),
        "the cold run wrote nothing to the cache"
    );
}

#[test]
fn the_sbom_table_lists_every_package() {
    let table = String::from_utf8(rensa_sbom(&["--format", "table", "--no-cache"])).expect("utf-8 table");
    let sbom = rensa_json();
    for p in sbom["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().take(2).eq([name, version])),
            "no table row starts with {name} {version}:\n{table}"
        );
    }
}

/// (ecosystem, name, version) of the Python and Cargo packages of the final filesystem, per Python's
/// `importlib.metadata` (the dist-info directories) and `tomllib` (Cargo.lock packages from a registry).
fn python_oracle(root: &Path) -> BTreeSet<(String, String, String)> {
    let script = r#"
import importlib.metadata, sys, tomllib
root = sys.argv[1]
for d in importlib.metadata.distributions(path=[root + "/usr/local/lib/python3.11/dist-packages"]):
    print("pypi", d.metadata["Name"], d.version, sep="\t")
with open(root + "/srv/worker/Cargo.lock", "rb") as f:
    for p in tomllib.load(f)["package"]:
        if "source" in p:
            print("cargo", p["name"], p["version"], sep="\t")
"#;
    let out = run(Command::new("python3").arg("-c").arg(script).arg(root));
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "oracle line {l:?}");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn python_and_cargo_packages_equal_importlib_and_tomllib_on_the_final_filesystem() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rootfs");
    unpack_with_tar(&root, tmp.path());
    let oracle = python_oracle(&root);
    assert_eq!(
        oracle.len(),
        7,
        "idna, five packages from layer 2 and smallvec: {oracle:#?}"
    );
    let sbom = rensa_json();
    let found: BTreeSet<(String, String, String)> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "pypi" || p["ecosystem"] == "cargo")
        .map(|p| {
            (
                str_field(p, "ecosystem"),
                str_field(p, "name"),
                str_field(p, "version"),
            )
        })
        .collect();
    assert_eq!(found, oracle);
}

/// What must not change under a directory: each entry's relative path and its kind with content (file
/// bytes, symlink target; directories as such).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (char, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (char, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(base).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.insert(rel, ('d', Vec::new()));
                walk(base, &path, out);
            } else if meta.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, ('l', target.into_os_string().into_encoded_bytes()));
            } else {
                out.insert(rel, ('f', std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

const STALE: &str = "examples/db/rensa.db does not match examples/advisories with this build of rensa: \
                     regenerate it with scripts/build-example-db.sh";

/// One finding of the example scan: package, version, the vulnerability id the report shows, severity,
/// status, fixed version ("" when there is none), and the advisory record it comes from.
struct Expected {
    package: &'static str,
    version: &'static str,
    id: &'static str,
    severity: &'static str,
    status: &'static str,
    fixed: &'static str,
    record: &'static str,
}

/// The findings of the README's first command, written by hand from the advisory files (not from rensa's
/// output). The report names a vulnerability by its CVE alias; `record` is the file's own id.
/// Severities are the CVSS v3.1 base-score ratings of the records' vectors (computed with the spec's
/// formulas; the Python `cvss` package agrees); a record without a `severity` is "unknown".
/// Every other record in examples/advisories misses the installed versions: fixed earlier, e.g. urllib3
/// PYSEC-2021-59 (introduced 1.26.0, fixed 1.26.4 — the installed version is the fix), idna PYSEC-2024-60
/// (fixed 3.7 < 3.10), smallvec's four older advisories (patched `>= 0.6.10`/`>= 0.6.13`/`>= 0.6.3`), or for
/// packages the image does not hold (pip, jinja2, aiohttp, time).
const EXPECTED: &[Expected] = &[
    // pypa/vulns/flask/PYSEC-2023-62.yaml: ECOSYSTEM introduced 0, fixed 2.2.5; no severity.
    Expected {
        package: "Flask",
        version: "2.2.2",
        id: "CVE-2023-30861",
        severity: "unknown",
        status: "fixed",
        fixed: "2.2.5",
        record: "PYSEC-2023-62",
    },
    // pypa/vulns/werkzeug/PYSEC-2023-57.yaml: introduced 0, fixed 2.2.3; no severity.
    Expected {
        package: "Werkzeug",
        version: "2.2.2",
        id: "CVE-2023-23934",
        severity: "unknown",
        status: "fixed",
        fixed: "2.2.3",
        record: "PYSEC-2023-57",
    },
    // pypa/vulns/werkzeug/PYSEC-2023-58.yaml: introduced 0, fixed 2.2.3; no severity.
    Expected {
        package: "Werkzeug",
        version: "2.2.2",
        id: "CVE-2023-25577",
        severity: "unknown",
        status: "fixed",
        fixed: "2.2.3",
        record: "PYSEC-2023-58",
    },
    // pypa/vulns/werkzeug/PYSEC-2023-221.yaml: introduced 0, fixed 2.3.8 (and 3.0.0–3.0.1);
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H = 7.5, high.
    Expected {
        package: "Werkzeug",
        version: "2.2.2",
        id: "CVE-2023-46136",
        severity: "high",
        status: "fixed",
        fixed: "2.3.8",
        record: "PYSEC-2023-221",
    },
    // pypa/vulns/numexpr/PYSEC-2023-163.yaml: introduced 0 and no fix event;
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8, critical.
    Expected {
        package: "numexpr",
        version: "2.8.4",
        id: "CVE-2023-39631",
        severity: "critical",
        status: "unfixed",
        fixed: "",
        record: "PYSEC-2023-163",
    },
    // pypa/vulns/requests/PYSEC-2023-74.yaml: introduced 2.3.0, fixed 2.31.0; no severity.
    Expected {
        package: "requests",
        version: "2.25.0",
        id: "CVE-2023-32681",
        severity: "unknown",
        status: "fixed",
        fixed: "2.31.0",
        record: "PYSEC-2023-74",
    },
    // rustsec/crates/smallvec/RUSTSEC-2021-0003.md: patched ">= 0.6.14, < 1.0.0", ">= 1.6.1";
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8, critical.
    Expected {
        package: "smallvec",
        version: "1.6.0",
        id: "CVE-2021-25900",
        severity: "critical",
        status: "fixed",
        fixed: "1.6.1",
        record: "RUSTSEC-2021-0003",
    },
    // pypa/vulns/urllib3/PYSEC-2021-108.yaml: introduced 0, fixed 1.26.5; no severity.
    Expected {
        package: "urllib3",
        version: "1.26.4",
        id: "CVE-2021-33503",
        severity: "unknown",
        status: "fixed",
        fixed: "1.26.5",
        record: "PYSEC-2021-108",
    },
    // pypa/vulns/urllib3/PYSEC-2023-192.yaml: introduced 0, fixed 1.26.17 (and 2.0.0–2.0.6);
    // CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N = 8.1, high.
    Expected {
        package: "urllib3",
        version: "1.26.4",
        id: "CVE-2023-43804",
        severity: "high",
        status: "fixed",
        fixed: "1.26.17",
        record: "PYSEC-2023-192",
    },
    // pypa/vulns/urllib3/PYSEC-2023-212.yaml: introduced 0, fixed 1.26.18 (and 2.0.0–2.0.7);
    // CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N = 4.2, medium.
    Expected {
        package: "urllib3",
        version: "1.26.4",
        id: "CVE-2023-45803",
        severity: "medium",
        status: "fixed",
        fixed: "1.26.18",
        record: "PYSEC-2023-212",
    },
];

/// The whitespace-separated words of a line, without trailing commas.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().map(|w| w.trim_end_matches(',')).collect()
}

/// Whether `words` holds `a` directly followed by `b`.
fn adjacent(words: &[&str], a: &str, b: &str) -> bool {
    words.windows(2).any(|w| w[0] == a && w[1] == b)
}

/// Checks that a `rensa scan` table shows the finding `e`: one line names its id, severity, status and fixed
/// version, and the package it belongs to ("NAME VERSION") is named on that line or on the nearest line
/// above it that names a package. The check holds for a flat table (one row per finding) and for one
/// grouped by package.
fn assert_table_shows(table: &str, e: &Expected) {
    let lines: Vec<&str> = table.lines().collect();
    let row = lines
        .iter()
        .position(|l| {
            let w = words(l);
            w.contains(&e.id)
                && w.contains(&e.severity)
                && w.contains(&e.status)
                && (e.fixed.is_empty() || w.contains(&e.fixed))
        })
        .unwrap_or_else(|| {
            panic!(
                "no line shows {} {} {} {}:\n{table}",
                e.id, e.severity, e.status, e.fixed
            )
        });
    let owner = lines[..=row]
        .iter()
        .rev()
        .find_map(|l| {
            let w = words(l);
            EXPECTED
                .iter()
                .find(|x| adjacent(&w, x.package, x.version))
                .map(|x| (x.package, x.version))
        })
        .unwrap_or_else(|| panic!("{} is shown under no package:\n{table}", e.id));
    assert_eq!(
        owner,
        (e.package, e.version),
        "{} is shown under the wrong package:\n{table}",
        e.id
    );
}

#[test]
fn the_readme_scan_reports_the_known_vulnerabilities_and_changes_nothing() {
    let examples = repo_root().join("examples");
    let before = snapshot(&examples);
    let cache = tempfile::tempdir().unwrap();
    // Exactly the README's first command (`cargo run --release -p rensa-cli -- …`), with the layer cache
    // kept out of the user's home.
    let readme = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rensa"))
            .current_dir(repo_root())
            .env("XDG_CACHE_HOME", cache.path())
            .args(["scan", "oci:examples/debian-mini:latest", "--db", "examples/db"])
            .args(extra)
            .output()
            .expect("run rensa");
        assert!(
            out.status.success(),
            "rensa scan failed ({}): {}\n(if the database format changed: {STALE})",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    };
    let table = readme(&[]);
    for e in EXPECTED {
        assert_table_shows(&table, e);
    }
    // No other vulnerability: every CVE id in the table is one of the expected findings'.
    let shown: BTreeSet<&str> = table
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("CVE-"))
        .collect();
    let want: BTreeSet<&str> = EXPECTED.iter().map(|e| e.id).collect();
    assert_eq!(shown, want, "table:\n{table}");
    assert!(
        table.contains("26 packages") && table.contains("10 vulnerabilities"),
        "{table}"
    );
    // The records are from 2024 and earlier: the default --max-db-age-days 7 makes rensa say so.
    assert!(
        table.contains("holds no record newer than"),
        "no database-age warning:\n{table}"
    );

    // The same run as JSON: each finding comes from the advisory file named above.
    let json: Value = serde_json::from_str(&readme(&["--format", "json"])).expect("JSON report");
    let vulns = json["vulnerabilities"].as_array().expect("vulnerabilities");
    let found: BTreeSet<[String; 6]> = vulns
        .iter()
        .map(|v| {
            [
                v["package"]["name"].as_str().unwrap_or("?").to_string(),
                v["package"]["version"].as_str().unwrap_or("?").to_string(),
                v["id"].as_str().unwrap_or("?").to_string(),
                v["severity"].as_str().unwrap_or("?").to_string(),
                v["status"].as_str().unwrap_or("?").to_string(),
                v["fixed_version"].as_str().unwrap_or("").to_string(),
            ]
        })
        .collect();
    let expected: BTreeSet<[String; 6]> = EXPECTED
        .iter()
        .map(|e| [e.package, e.version, e.id, e.severity, e.status, e.fixed].map(String::from))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(vulns.len(), EXPECTED.len(), "a finding is reported twice");
    for e in EXPECTED {
        let v = vulns
            .iter()
            .find(|v| v["id"] == e.id && v["package"]["name"] == e.package)
            .unwrap_or_else(|| panic!("no {} for {} in the JSON report", e.id, e.package));
        assert!(
            v["aliases"].as_array().unwrap().iter().any(|a| a == e.record),
            "{} does not name {}: {v}",
            e.id,
            e.record
        );
        assert_eq!(v["layer"], 2, "{} {}", e.package, e.id);
    }

    let after = snapshot(&examples);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(changed.is_empty(), "the scan changed examples/: {changed:?}");
}

#[test]
fn the_committed_example_database_matches_a_fresh_import() {
    use rensa_vulndb::db::Database;

    let committed = repo_root().join("examples/db");
    let names: Vec<String> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        ["rensa.db"],
        "examples/db must hold only the database file"
    );

    // Compare a copy, so that nothing here can touch the committed file.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("committed");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(committed.join("rensa.db"), copy.join("rensa.db")).unwrap();
    let fresh = tmp.path().join("fresh");
    run(Command::new(env!("CARGO_BIN_EXE_rensa"))
        .current_dir(repo_root())
        .args(["db", "import", "examples/advisories", "--db"])
        .arg(&fresh));

    let old = Database::open(&copy).unwrap_or_else(|e| panic!("{STALE}: {e}"));
    let new = Database::open(&fresh).expect("fresh import opens");
    // Sources, record counts and newest records; import times and origins differ by nature.
    let summary = |db: &Database| {
        let st = db.status().unwrap();
        let sources: Vec<(String, u64, Option<String>)> = st
            .sources
            .into_iter()
            .map(|s| (s.name, s.records, s.newest))
            .collect();
        (st.records, sources)
    };
    assert_eq!(summary(&old), summary(&new), "{STALE}");
    assert_eq!(summary(&new).0, 37, "records in examples/advisories");

    // Every record, by the id its file is named after, decodes to the same advisory.
    let mut ids = Vec::new();
    let mut dirs = vec![repo_root().join("examples/advisories")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if path.is_dir() {
                dirs.push(path);
            } else if let Some(id) = name
                .strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".md").filter(|n| n.starts_with("RUSTSEC-")))
            {
                ids.push(id.to_string());
            }
        }
    }
    ids.sort();
    assert_eq!(ids.len(), 37, "advisory files in examples/advisories: {ids:?}");
    for id in &ids {
        let want = new.by_id(id).unwrap();
        assert_eq!(want.len(), 1, "{id} is stored once");
        assert_eq!(old.by_id(id).unwrap(), want, "{id}: {STALE}");
    }
    // The withdrawn record is stored, marked withdrawn (matchers ignore such records).
    let withdrawn: Vec<&String> = ids
        .iter()
        .filter(|id| new.by_id(id).unwrap()[0].is_withdrawn())
        .collect();
    assert_eq!(withdrawn, ["PYSEC-2022-43059"]);
}
