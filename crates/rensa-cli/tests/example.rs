//! The example image that ships in the repository (`examples/debian-mini`, see examples/README.md), read by
//! the built `rensa` binary and checked against independent oracles:
//! - the layers are unpacked with the system `tar` (whiteouts applied here, by the OCI rules) and dpkg's own
//!   `dpkg-query --admindir=…` lists the installed packages of the final filesystem;
//! - the image config (written by umoci) gives the layer diff IDs;
//! - the language packages are the ones examples/debian-mini-rootfs/collect.sh installed with pip and npm,
//!   minus the one a later layer removed.

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
    assert!(
        layers.len() >= 2,
        "the example is meant to have at least two layers"
    );
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
    // are byte-identical to layer 0's.
    for ((eco, name), layer) in &layer_of {
        let expected = if name == "ca-certificates" { 1 } else { 0 };
        assert_eq!(*layer, expected, "{eco}/{name}");
    }
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
    // npm installed debug 4.4.0, which brought ms 2.1.3. Each is installed once, so reported once.
    let expected: Vec<(String, String, String)> = [
        ("npm", "debug", "4.4.0"),
        ("npm", "ms", "2.1.3"),
        ("pypi", "idna", "3.10"),
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
fn the_readme_command_prints_a_table_of_every_package() {
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
