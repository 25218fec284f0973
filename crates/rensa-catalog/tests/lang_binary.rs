//! The binary and archive language detectors (rust, golang, java) end to end: real fixtures planted at
//! realistic paths of a root filesystem, walked with the catalog's own interest, then catalogued. Oracles:
//! `go version -m` output committed next to the Go binary, the `Cargo.lock` the Rust binary was built from,
//! and the archives' own metadata for Java. Fixtures and how they were made: `tests/fixtures/*/SOURCE.md`.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rensa_catalog::{CatalogInterest, Ecosystem, Package, Sbom};
use rensa_oci::source::rootfs::Rootfs;
use rensa_oci::walk::{WalkContext, index_directory};
use rensa_oci::{Budget, FileTree, ImageSource, Limits};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies fixture `from` (relative to the fixtures directory) to `to` inside `root` with permission `mode`.
fn plant(root: &Path, from: &str, to: &str, mode: u32) {
    let dest = root.join(to.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(fixtures().join(from), &dest).unwrap();
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Walks `root` as one layer through the catalog's interest and catalogues the result.
fn catalog(root: &Path) -> Sbom {
    let detectors = rensa_catalog::detector::all();
    let interest = CatalogInterest::new(&detectors);
    let budget = Budget::default();
    let ctx = WalkContext {
        location: "test",
        layer: "layer 0".into(),
        limits: Limits::default(),
        budget: &budget,
        progress: None,
    };
    let index = index_directory(root, &interest, &ctx).unwrap();
    let tree = FileTree::from_layers(vec![index]);
    let image = Rootfs::open(root).unwrap().image().clone();
    rensa_catalog::catalog_tree(&tree, &image, &detectors).unwrap()
}

/// `(ecosystem, name, version, purl, location)` of every package, in the SBOM's order.
fn summary(packages: &[Package]) -> Vec<(Ecosystem, String, String, String, String)> {
    packages
        .iter()
        .map(|p| {
            (
                p.ecosystem,
                p.name.clone(),
                p.version.clone(),
                p.purl.clone(),
                p.location.clone(),
            )
        })
        .collect()
}

fn props<'a>(packages: &'a [Package], name: &str, location: &str) -> &'a BTreeMap<String, String> {
    &packages
        .iter()
        .find(|p| p.name == name && p.location == location)
        .unwrap_or_else(|| panic!("{name} at {location}"))
        .properties
}

/// The Go packages `go version -m` printed: `(module path, version, sum)` of each dependency (a module
/// replacement's path and version when it has a version, the dependency itself for a directory
/// replacement), then `stdlib` with the toolchain version.
fn go_oracle(file: &str) -> (String, Vec<(String, String, String)>) {
    let text = std::fs::read_to_string(fixtures().join("golang").join(file)).unwrap();
    let mut lines = text.lines();
    let go = lines
        .next()
        .unwrap()
        .split_once(": ")
        .unwrap()
        .1
        .trim()
        .to_string();
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.trim_start_matches('\t').split('\t').collect())
        .collect();
    let mut deps = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row[0] != "dep" {
            continue;
        }
        let field = |r: &Vec<&str>, i: usize| r.get(i).copied().unwrap_or("").to_string();
        match rows.get(i + 1) {
            Some(next) if next[0] == "=>" && !matches!(field(next, 2).as_str(), "" | "(devel)") => {
                deps.push((field(next, 1), field(next, 2), field(next, 3)))
            }
            _ => deps.push((field(row, 1), field(row, 2), field(row, 3))),
        }
    }
    (go, deps)
}

/// The crates of the committed `Cargo.lock` that come from a registry or git: `(name, version)`.
fn cargo_oracle() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(fixtures().join("rust/Cargo.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&text).unwrap();
    let mut out: Vec<(String, String)> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("source").is_some())
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Checks the Go packages found in the binary at `location` against the `go version -m` output `oracle`.
fn check_go(sbom: &Sbom, location: &str, oracle: &str) {
    assert!(sbom.warnings.is_empty(), "{:?}", sbom.warnings);
    let (go, deps) = go_oracle(oracle);
    assert_eq!(go, "go1.19.8");
    assert_eq!(deps.len(), 2, "the oracle lists two dependencies: {deps:?}");
    let mut expected: Vec<(Ecosystem, String, String, String, String)> = deps
        .iter()
        .map(|(path, version, _)| {
            (
                Ecosystem::Golang,
                path.clone(),
                version.clone(),
                format!("pkg:golang/{path}@{version}"),
                location.to_string(),
            )
        })
        .collect();
    expected.push((
        Ecosystem::Golang,
        "stdlib".into(),
        go.clone(),
        "pkg:golang/stdlib@1.19.8".into(),
        location.into(),
    ));
    expected.sort();
    assert_eq!(summary(&sbom.packages), expected);

    for (path, _, sum) in &deps {
        let p = props(&sbom.packages, path, location);
        assert_eq!(p.get("checksum").map(String::as_str).unwrap_or(""), sum);
        assert_eq!(p["go-version"], go);
    }
    assert_eq!(
        props(&sbom.packages, "example.invalid/rensa/greet", location)["go-replace"],
        "./greet"
    );
    assert_eq!(
        props(&sbom.packages, "github.com/google/uuid", location)["checksum"],
        "h1:2Ajak/s9ond9xWZtWglNUouVyMHz28G7Z8R0e18RxNs="
    );
    assert!(sbom.packages.iter().all(|p| p.layer == Some(0)));
}

#[test]
fn go_binary_matches_go_version_m() {
    let root = tempfile::tempdir().unwrap();
    plant(root.path(), "golang/goapp", "/usr/local/bin/goapp", 0o755);
    // The same binary without execute permission is not read.
    plant(root.path(), "golang/goapp", "/srv/data/goapp.bin", 0o644);
    check_go(
        &catalog(root.path()),
        "/usr/local/bin/goapp",
        "goapp.version-m.txt",
    );
}

/// A 32-bit big-endian (MIPS) build of the same program: the other ELF class and byte order.
#[test]
fn go_mips_binary_matches_go_version_m() {
    let root = tempfile::tempdir().unwrap();
    let gz = std::fs::read(fixtures().join("golang/goapp-mips.gz")).unwrap();
    let mut binary = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut binary).unwrap();
    assert_eq!(&binary[4..6], &[1, 2], "ELFCLASS32, ELFDATA2MSB");
    let dest = root.path().join("usr/bin/goapp-mips");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, &binary).unwrap();
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755)).unwrap();
    check_go(
        &catalog(root.path()),
        "/usr/bin/goapp-mips",
        "goapp-mips.version-m.txt",
    );
}

#[test]
fn cargo_lock_and_auditable_binary_match_the_lock_file() {
    let root = tempfile::tempdir().unwrap();
    plant(root.path(), "rust/rustapp", "/usr/local/bin/rustapp", 0o755);
    plant(root.path(), "rust/Cargo.lock", "/src/rustapp/Cargo.lock", 0o644);
    let sbom = catalog(root.path());
    assert!(sbom.warnings.is_empty(), "{:?}", sbom.warnings);

    let crates = cargo_oracle();
    assert_eq!(
        crates,
        vec![
            ("hex".to_string(), "0.4.3".to_string()),
            ("itoa".to_string(), "1.0.11".to_string())
        ]
    );
    let mut expected = Vec::new();
    for location in ["/src/rustapp/Cargo.lock", "/usr/local/bin/rustapp"] {
        for (name, version) in &crates {
            expected.push((
                Ecosystem::Cargo,
                name.clone(),
                version.clone(),
                format!("pkg:cargo/{name}@{version}"),
                location.to_string(),
            ));
        }
    }
    expected.sort();
    assert_eq!(summary(&sbom.packages), expected);

    let lock = props(&sbom.packages, "itoa", "/src/rustapp/Cargo.lock");
    assert_eq!(
        lock["checksum"],
        "49f1f14873335454500d59611f1cf4a4b0f786f9ac11f4312a78e4cf2566695b"
    );
    assert_eq!(
        lock["cargo-source"],
        "registry+https://github.com/rust-lang/crates.io-index"
    );
    let bin = props(&sbom.packages, "itoa", "/usr/local/bin/rustapp");
    assert_eq!(bin["cargo-source"], "crates.io");
    assert!(!bin.contains_key("cargo-root") && !bin.contains_key("cargo-kind"));
}

#[test]
fn java_archives_and_nested_archives() {
    let root = tempfile::tempdir().unwrap();
    plant(root.path(), "java/shop.war", "/opt/app/shop.war", 0o644);
    plant(
        root.path(),
        "java/hello-1.2.3.jar",
        "/opt/app/lib/hello-1.2.3.jar",
        0o644,
    );
    plant(root.path(), "java/store-2.0.ear", "/srv/store-2.0.ear", 0o644);
    let sbom = catalog(root.path());
    assert!(sbom.warnings.is_empty(), "{:?}", sbom.warnings);

    let m = |name: &str, version: &str, purl: &str, location: &str| {
        (
            Ecosystem::Maven,
            name.to_string(),
            version.to_string(),
            purl.to_string(),
            location.to_string(),
        )
    };
    let expected = vec![
        m(
            "aopalliance",
            "1.0",
            "pkg:maven/aopalliance@1.0",
            "/opt/app/shop.war",
        ),
        m(
            "aopalliance",
            "1.0",
            "pkg:maven/aopalliance@1.0",
            "/srv/store-2.0.ear",
        ),
        m(
            "atinject-jsr330-api",
            "1.0.0",
            "pkg:maven/atinject-jsr330-api@1.0.0",
            "/srv/store-2.0.ear",
        ),
        m(
            "commons-cli:commons-cli",
            "1.5.0",
            "pkg:maven/commons-cli/commons-cli@1.5.0",
            "/opt/app/shop.war",
        ),
        m(
            "commons-cli:commons-cli",
            "1.5.0",
            "pkg:maven/commons-cli/commons-cli@1.5.0",
            "/srv/store-2.0.ear",
        ),
        m(
            "org.example.rensa:hello",
            "1.2.3",
            "pkg:maven/org.example.rensa/hello@1.2.3",
            "/opt/app/lib/hello-1.2.3.jar",
        ),
        m(
            "org.example.rensa:hello",
            "1.2.3",
            "pkg:maven/org.example.rensa/hello@1.2.3",
            "/opt/app/shop.war",
        ),
        m(
            "org.example.rensa:hello",
            "1.2.3",
            "pkg:maven/org.example.rensa/hello@1.2.3",
            "/srv/store-2.0.ear",
        ),
        m("store", "2.0", "pkg:maven/store@2.0", "/srv/store-2.0.ear"),
    ];
    assert_eq!(summary(&sbom.packages), expected);

    let archive = |name: &str, location: &str| {
        let p = props(&sbom.packages, name, location);
        (
            p.get("java-archive").cloned().unwrap_or_default(),
            p["java-source"].clone(),
        )
    };
    assert_eq!(
        archive("commons-cli:commons-cli", "/srv/store-2.0.ear"),
        (
            "/srv/store-2.0.ear!/shop.war!/WEB-INF/lib/commons-cli-1.5.0.jar".into(),
            "pom.properties".into()
        )
    );
    assert_eq!(
        archive("atinject-jsr330-api", "/srv/store-2.0.ear"),
        (
            "/srv/store-2.0.ear!/lib/atinject-jsr330-api-1.0.jar".into(),
            "MANIFEST.MF".into()
        )
    );
    assert_eq!(
        archive("aopalliance", "/opt/app/shop.war"),
        (
            "/opt/app/shop.war!/WEB-INF/lib/aopalliance-1.0.jar".into(),
            "file-name".into()
        )
    );
    assert_eq!(
        archive("store", "/srv/store-2.0.ear"),
        (String::new(), "file-name".into())
    );
    assert_eq!(
        archive("org.example.rensa:hello", "/opt/app/lib/hello-1.2.3.jar"),
        (String::new(), "pom.properties".into())
    );
}

/// A jar whose entries all point at the same 60 MiB of compressed zeros (an overlapping zip bomb): the
/// walk stops at the total expansion limit, warns, and finds nothing.
#[test]
fn zip_bomb_is_bounded() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("lib/z0.jar", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..60 {
        w.write_all(&zeros).unwrap();
    }
    for i in 1..64 {
        w.shallow_copy_file("lib/z0.jar", &format!("lib/z{i}.jar"))
            .unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());

    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("opt/bomb/bomb.jar");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, &bomb).unwrap();
    let sbom = catalog(root.path());
    assert!(sbom.packages.is_empty(), "{:?}", sbom.packages);
    let over: Vec<&String> = sbom
        .warnings
        .iter()
        .filter(|w| w.contains("over the limit"))
        .collect();
    // 256 MiB of budget admits four 60 MiB entries; the other sixty are refused unread.
    assert_eq!(over.len(), 60, "{:?}", sbom.warnings);
    assert!(over[0].starts_with("/opt/bomb/bomb.jar!/lib/z"), "{}", over[0]);
}

/// Damaged inputs at realistic paths: warnings or nothing, never a panic or a spurious package.
#[test]
fn damaged_inputs_are_reported_not_fatal() {
    let root = tempfile::tempdir().unwrap();
    let put = |path: &str, data: &[u8], mode: u32| {
        let dest = root.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(&dest, data).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let go = std::fs::read(fixtures().join("golang/goapp")).unwrap();
    let rust = std::fs::read(fixtures().join("rust/rustapp")).unwrap();
    let war = std::fs::read(fixtures().join("java/shop.war")).unwrap();
    put("/usr/bin/go-head", &go[..4096], 0o755);
    put("/usr/bin/rust-head", &rust[..rust.len() / 2], 0o755);
    put("/opt/app/truncated.war", &war[..war.len() / 2], 0o644);
    put("/src/bad/Cargo.lock", b"[[package]]\nname = 3\n", 0o644);
    let sbom = catalog(root.path());
    assert!(sbom.packages.is_empty(), "{:?}", summary(&sbom.packages));
    assert_eq!(sbom.warnings.len(), 1, "{:?}", sbom.warnings);
    assert!(
        sbom.warnings[0].starts_with("/src/bad/Cargo.lock: malformed Cargo.lock: "),
        "{:?}",
        sbom.warnings
    );
}

/// Every byte of the ELF header, program and section header tables and the build-information /
/// `.dep-v0` payload of the real binaries, and every byte of a real jar, flipped in turn: the detectors'
/// inspection returns something or nothing, never panics.
#[test]
fn mutated_real_artifacts_never_panic() {
    use rensa_catalog::Detector;
    use rensa_catalog::detector::{golang::Golang, java::Java, rust::Rust};

    let mut go = std::fs::read(fixtures().join("golang/goapp")).unwrap();
    // Headers (up to the end of the section header table) and the `.go.buildinfo` section.
    let ranges = [0..456 + 14 * 64, 0x131000..0x1311a0];
    for r in ranges {
        for i in r {
            go[i] ^= 0xff;
            let _ = Golang.inspect("/app", &go);
            go[i] ^= 0xff;
        }
    }
    assert!(Golang.inspect("/app", &go).is_some());

    let mut rust = std::fs::read(fixtures().join("rust/rustapp")).unwrap();
    let n = rust.len();
    for i in (0..4096)
        .chain(0x460e2..0x460e2 + 0x86)
        .chain(n.saturating_sub(4096)..n)
    {
        rust[i] ^= 0xff;
        let _ = Rust.inspect("/app", &rust);
        rust[i] ^= 0xff;
    }
    assert!(Rust.inspect("/app", &rust).is_some());

    let mut jar = std::fs::read(fixtures().join("java/hello-1.2.3.jar")).unwrap();
    for i in 0..jar.len() {
        jar[i] ^= 0xff;
        let _ = Java.inspect("/app.jar", &jar);
        jar[i] ^= 0xff;
    }
    assert!(Java.inspect("/app.jar", &jar).is_some());
}
