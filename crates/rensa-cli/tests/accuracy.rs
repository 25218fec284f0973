//! Accuracy on planted packages: real artifacts made by pip, npm, cargo, javac/jar and RubyGems (see
//! testdata/planted/SOURCE.md) are planted into a root filesystem at the paths images keep them (as
//! testdata/planted/plant.txt lists), and
//! `rensa sbom dir:ROOT` must report every planted package with its exact version and nothing else.
//!
//! Each ecosystem also has its own test, so a failure says which detector is wrong.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (ecosystem, name, version) as rensa's JSON spells them.
type Key = (String, String, String);

fn planted_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/planted")
}

/// Copies `src` (a file or a directory tree) to `root`/`dest`.
fn plant(root: &Path, src: &str, dest: &str) {
    let from = planted_dir().join(src);
    let to = root.join(dest.trim_start_matches('/'));
    copy(&from, &to);
}

fn copy(from: &Path, to: &Path) {
    let meta = std::fs::metadata(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), to.display()));
    }
}

/// The packages planted for one ecosystem; where its files go is in testdata/planted/plant.txt.
struct Planting {
    /// The first column of plant.txt.
    group: &'static str,
    ecosystem: &'static str,
    packages: &'static [(&'static str, &'static str)],
}

/// The (source, destination) lines of plant.txt for `group`.
fn files_of(group: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(planted_dir().join("plant.txt")).expect("testdata/planted/plant.txt");
    let files: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [eco, src, dest] => (eco == group).then(|| (src.to_string(), dest.to_string())),
            _ => panic!("plant.txt: bad line {l:?}"),
        })
        .collect();
    assert!(!files.is_empty(), "plant.txt plants nothing for {group}");
    files
}

const PLANTINGS: &[Planting] = &[
    Planting {
        group: "pypi",
        ecosystem: "pypi",
        packages: &[("python-dateutil", "2.9.0.post0"), ("six", "1.17.0")],
    },
    Planting {
        group: "npm",
        ecosystem: "npm",
        packages: &[
            ("@sindresorhus/is", "4.6.0"),
            ("once", "1.4.0"),
            ("wrappy", "1.0.2"),
        ],
    },
    Planting {
        group: "cargo",
        ecosystem: "cargo",
        packages: &[("itoa", "1.0.11"), ("memchr", "2.7.4"), ("smallvec", "1.13.2")],
    },
    Planting {
        group: "auditable",
        ecosystem: "cargo",
        packages: &[("hex", "0.4.3"), ("semver", "1.0.23")],
    },
    Planting {
        group: "maven",
        ecosystem: "maven",
        packages: &[
            ("com.example:bundle", "0.9.0"),
            ("com.example:greeter", "1.2.3"),
            ("com.example.util:json-tiny", "3.1.4"),
        ],
    },
    Planting {
        group: "gem",
        ecosystem: "gem",
        packages: &[("rack", "2.2.22"), ("rack-test", "2.0.2")],
    },
    Planting {
        group: "composer",
        ecosystem: "composer",
        packages: &[("psr/container", "2.0.2"), ("psr/log", "3.0.2")],
    },
];

fn keys(p: &Planting) -> BTreeSet<Key> {
    p.packages
        .iter()
        .map(|(n, v)| (p.ecosystem.to_string(), n.to_string(), v.to_string()))
        .collect()
}

/// Plants `plantings` into a fresh root, runs rensa on it and returns every reported package with its location.
fn catalog(plantings: &[&Planting]) -> Vec<(Key, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rootfs");
    std::fs::create_dir_all(&root).unwrap();
    for p in plantings {
        for (src, dest) in files_of(p.group) {
            plant(&root, &src, &dest);
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rensa"))
        .arg("sbom")
        .arg(format!("dir:{}", root.display()))
        .args(["--format", "json", "--no-cache"])
        .output()
        .expect("run rensa");
    assert!(
        out.status.success(),
        "rensa sbom failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let sbom: Value = serde_json::from_slice(&out.stdout).expect("rensa's JSON parses");
    sbom["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .map(|p| {
            let s = |k: &str| {
                p[k].as_str()
                    .unwrap_or_else(|| panic!("package without {k}: {p}"))
                    .to_string()
            };
            ((s("ecosystem"), s("name"), s("version")), s("location"))
        })
        .collect()
}

/// Asserts that exactly `expected` was found, each package once.
fn assert_exactly(found: &[(Key, String)], expected: &BTreeSet<Key>) {
    let set: BTreeSet<Key> = found.iter().map(|(k, _)| k.clone()).collect();
    let missing: Vec<&Key> = expected.difference(&set).collect();
    let spurious: Vec<(&Key, &String)> = found
        .iter()
        .filter(|(k, _)| !expected.contains(k))
        .map(|(k, l)| (k, l))
        .collect();
    assert!(
        missing.is_empty() && spurious.is_empty(),
        "planted but not found: {missing:#?}\nfound but not planted (with location): {spurious:#?}"
    );
    let mut seen = BTreeSet::new();
    let dupes: Vec<&(Key, String)> = found.iter().filter(|(k, _)| !seen.insert(k.clone())).collect();
    assert!(
        dupes.is_empty(),
        "reported more than once (each was installed once): {dupes:#?}\nall: {found:#?}"
    );
}

fn check_one(group: &str) {
    let p = PLANTINGS.iter().find(|p| p.group == group).expect("a planting");
    assert_exactly(&catalog(&[p]), &keys(p));
}

#[test]
fn python_dist_info() {
    check_one("pypi");
}

#[test]
fn npm_tree_with_lockfile() {
    check_one("npm");
}

#[test]
fn cargo_lock() {
    check_one("cargo");
}

#[test]
fn cargo_auditable_binary() {
    check_one("auditable");
}

#[test]
fn jars_with_pom_properties_and_a_nested_jar() {
    check_one("maven");
}

#[test]
fn gemspecs() {
    check_one("gem");
}

#[test]
fn composer_installed_json() {
    check_one("composer");
}

#[test]
fn everything_planted_together_is_found_and_nothing_else() {
    let all: Vec<&Planting> = PLANTINGS.iter().collect();
    let expected: BTreeSet<Key> = PLANTINGS.iter().flat_map(keys).collect();
    assert_eq!(expected.len(), 17);
    assert_exactly(&catalog(&all), &expected);
}

/// The planted files are what SOURCE.md says: the versions the tools recorded are the expected ones, read
/// here straight from the files (so a re-run of make.sh that changes a version fails loudly, not silently).
#[test]
fn the_planted_files_hold_the_expected_versions() {
    let d = planted_dir();
    let read = |p: &str| std::fs::read_to_string(d.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    for (dir, name, version) in [
        (
            "python_dateutil-2.9.0.post0.dist-info",
            "python-dateutil",
            "2.9.0.post0",
        ),
        ("six-1.17.0.dist-info", "six", "1.17.0"),
    ] {
        let meta = read(&format!("python/{dir}/METADATA"));
        assert!(meta.lines().any(|l| l == format!("Name: {name}")), "{dir}");
        assert!(meta.lines().any(|l| l == format!("Version: {version}")), "{dir}");
    }
    let lock: Value = serde_json::from_str(&read("npm/app/package-lock.json")).unwrap();
    let npm: BTreeSet<(String, String)> = lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            (
                k.trim_start_matches("node_modules/").to_string(),
                v["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected_npm = PLANTINGS.iter().find(|p| p.group == "npm").unwrap().packages;
    assert_eq!(
        npm,
        expected_npm
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    );
    let cargo = read("cargo/Cargo.lock");
    for (n, v) in PLANTINGS.iter().find(|p| p.group == "cargo").unwrap().packages {
        assert!(
            cargo.contains(&format!(
                "name = \"{n}\"\nversion = \"{v}\"\nsource = \"registry+"
            )),
            "{n} {v}"
        );
    }
    for (file, version) in [
        ("rack-2.2.22.gemspec", "2.2.22"),
        ("rack-test-2.0.2.gemspec", "2.0.2"),
    ] {
        assert!(
            read(&format!("gem/specifications/{file}")).contains(&format!("s.version = \"{version}\"")),
            "{file}"
        );
    }
}
