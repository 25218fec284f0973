//! The OS package detectors (dpkg, apk, rpm) against real databases, with the package managers' own tools
//! as oracles where this machine has them (`dpkg-query`, `rpm`). Fixtures and how they were made:
//! `tests/fixtures/{dpkg,apk,rpm}/SOURCE.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rensa_catalog::detector::apk::Apk;
use rensa_catalog::detector::dpkg::Dpkg;
use rensa_catalog::detector::rpm::{Rpm, ndb};
use rensa_catalog::{Context, Detector, Distro, Error, Package};
use rensa_oci::walk::Entry;
use rensa_oci::{FileTree, LayerIndex};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn file(path: &str, content: impl AsRef<[u8]>) -> Entry {
    Entry::file(path, content)
}

fn dir(path: &str) -> Entry {
    Entry::dir(path)
}

fn link(path: &str, target: &str) -> Entry {
    Entry::symlink(path, target)
}

fn layer(entries: Vec<Entry>) -> LayerIndex {
    LayerIndex {
        entries,
        ..Default::default()
    }
}

/// Every file and directory under `root` as entries at `/…`, with content where `detector` wants it.
fn rootfs_entries(root: &Path, detector: &dyn Detector) -> Vec<Entry> {
    fn walk(root: &Path, at: &Path, detector: &dyn Detector, out: &mut Vec<Entry>) {
        let mut names: Vec<_> = std::fs::read_dir(at)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            let virt = format!("/{}", p.strip_prefix(root).unwrap().display());
            if p.is_dir() {
                out.push(dir(&virt));
                walk(root, &p, detector, out);
            } else {
                let data = std::fs::read(&p).unwrap();
                let mut e = file(&virt, &data);
                if detector.want(&virt, data.len() as u64, 0o644) == rensa_oci::Want::Skip
                    && !rensa_catalog::os::FILES.contains(&virt.as_str())
                {
                    e.content = None;
                }
                out.push(e);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, detector, &mut out);
    out
}

fn detect(detector: &dyn Detector, tree: &FileTree) -> Result<Vec<Package>, Error> {
    let distro = rensa_catalog::os::detect(tree).expect("os detection");
    let ctx = Context {
        distro: distro.as_ref(),
    };
    let mut d = detector.detect(tree, &ctx)?;
    d.packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(d.packages)
}

fn detect_with(detector: &dyn Detector, tree: &FileTree, distro: &Distro) -> Vec<Package> {
    let ctx = Context { distro: Some(distro) };
    let mut d = detector.detect(tree, &ctx).unwrap();
    d.packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    d.packages
}

fn has(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn debian12() -> Distro {
    Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        source: "/etc/os-release".into(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------- dpkg

const DPKG_QUERY_FORMAT: &str =
    "${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n";

fn dpkg_rows(packages: &[Package]) -> Vec<String> {
    let mut v: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                p.name,
                p.version,
                p.arch.as_deref().unwrap_or(""),
                p.source_name.as_deref().unwrap_or(""),
                p.source_version.as_deref().unwrap_or("")
            )
        })
        .collect();
    v.sort();
    v
}

fn dpkg_query(admindir: &Path) -> Vec<String> {
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", admindir.display()))
        .args(["-W", "-f", DPKG_QUERY_FORMAT])
        .output()
        .expect("dpkg-query runs");
    assert!(
        out.status.success(),
        "dpkg-query: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    sorted_lines(&text)
        .into_iter()
        .filter_map(|l| l.strip_prefix("installed\t").map(str::to_string))
        .collect()
}

#[test]
fn dpkg_fixture_equals_dpkg_query() {
    let root = fixtures().join("dpkg/rootfs");
    let tree = FileTree::from_layers(vec![layer(rootfs_entries(&root, &Dpkg))]);
    let packages = detect(&Dpkg, &tree).unwrap();
    let recorded = sorted_lines(&std::fs::read_to_string(fixtures().join("dpkg/expected.tsv")).unwrap());
    assert_eq!(dpkg_rows(&packages), recorded);
    if has("dpkg-query") {
        assert_eq!(dpkg_rows(&packages), dpkg_query(&root.join("var/lib/dpkg")));
    }
    // The removed package (config files only) is not reported.
    assert!(!packages.iter().any(|p| p.name == "cpp"));

    let libc = packages.iter().find(|p| p.name == "libc6").unwrap();
    assert_eq!(libc.version, "2.36-9+deb12u14");
    assert_eq!(
        libc.purl,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"
    );
    assert_eq!(
        libc.supplier.as_deref(),
        Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
    );
    assert!(
        libc.files
            .contains(&"/lib/x86_64-linux-gnu/libc.so.6".to_string()),
        "{:?}",
        &libc.files[..5]
    );
    assert!(
        !libc.files.iter().any(|f| f == "/." || f == "/usr"),
        "directories are not files"
    );
    assert!(
        libc.licenses.is_empty(),
        "libc6's copyright is not machine-readable"
    );
    assert_eq!(libc.layer, Some(0));
    assert_eq!(libc.location, "/var/lib/dpkg/status");

    let zlib = packages.iter().find(|p| p.name == "zlib1g").unwrap();
    assert!(zlib.version.starts_with("1:"), "epoch kept: {}", zlib.version);
    assert!(zlib.purl.starts_with("pkg:deb/debian/zlib1g@1:"), "{}", zlib.purl);
    assert!(zlib.purl.ends_with("upstream=zlib"), "{}", zlib.purl);
    assert_eq!(zlib.licenses, vec!["Zlib".to_string()]);

    let bash = packages.iter().find(|p| p.name == "bash").unwrap();
    assert_eq!(bash.source_name.as_deref(), Some("bash"));
    assert_ne!(
        bash.source_version.as_deref(),
        Some(bash.version.as_str()),
        "binNMU: source version differs"
    );
    assert!(!bash.purl.contains("upstream="), "{}", bash.purl);
    assert!(
        bash.licenses.contains(&"GPL-3+".to_string()),
        "{:?}",
        bash.licenses
    );
    assert!(bash.files.contains(&"/bin/bash".to_string()));
}

/// The whole dpkg database of this (Debian 12) machine, compared with dpkg-query on the same copy.
#[test]
fn dpkg_this_machine_equals_dpkg_query() {
    let status = Path::new("/var/lib/dpkg/status");
    assert!(
        status.exists() && has("dpkg-query"),
        "this test needs a Debian machine with dpkg-query"
    );
    let data = std::fs::read(status).unwrap();
    let admin = tempfile::tempdir().unwrap();
    std::fs::write(admin.path().join("status"), &data).unwrap();
    std::fs::create_dir(admin.path().join("info")).unwrap();
    std::fs::create_dir(admin.path().join("updates")).unwrap();
    let tree = FileTree::from_layers(vec![layer(vec![file("/var/lib/dpkg/status", &data)])]);
    let packages = detect_with(&Dpkg, &tree, &debian12());
    let expected = dpkg_query(admin.path());
    assert!(expected.len() > 50, "a Debian machine has many packages");
    assert_eq!(dpkg_rows(&packages), expected);
}

#[test]
fn dpkg_distroless_status_d() {
    let root = fixtures().join("dpkg/distroless");
    let mut entries = rootfs_entries(&root, &Dpkg);
    entries.push(dir("/etc"));
    entries.push(file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"));
    let tree = FileTree::from_layers(vec![layer(entries)]);
    let packages = detect(&Dpkg, &tree).unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["base-files", "libc6", "ncurses-base"]);
    let libc = &packages[1];
    assert_eq!(libc.location, "/var/lib/dpkg/status.d/libc6");
    assert_eq!(libc.source_name.as_deref(), Some("glibc"));
    assert!(
        libc.files
            .contains(&"/lib/x86_64-linux-gnu/libc.so.6".to_string()),
        "files from libc6.md5sums"
    );
    assert!(libc.purl.contains("distro=debian-12"));
    let tz = &packages[2];
    assert_eq!(tz.arch.as_deref(), Some("all"));
}

fn stanza(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nPriority: optional\nMaintainer: M <m@example.org>\nArchitecture: amd64\nVersion: {version}\nDescription: {name}\n long\n"
    )
}

/// A package's layer is the layer where its own stanza last changed, not the layer of the status file.
#[test]
fn dpkg_layer_attribution() {
    let s0 = [stanza("a", "1"), stanza("b", "1"), stanza("gone", "1")].join("\n");
    let s1 = [
        stanza("a", "1"),
        stanza("b", "1"),
        stanza("gone", "1"),
        stanza("c", "1"),
    ]
    .join("\n");
    // Layer 2: b upgraded, gone removed, a untouched.
    let s2 = [stanza("a", "1"), stanza("b", "2"), stanza("c", "1")].join("\n");
    // Layer 3 rewrites the file with identical content: nothing changes.
    let tree = FileTree::from_layers(vec![
        layer(vec![dir("/var"), file("/var/lib/dpkg/status", &s0)]),
        layer(vec![file("/var/lib/dpkg/status", &s1)]),
        layer(vec![file("/var/lib/dpkg/status", &s2)]),
        layer(vec![file("/var/lib/dpkg/status", &s2)]),
    ]);
    let packages = detect_with(&Dpkg, &tree, &debian12());
    let got: Vec<(&str, &str, Option<usize>)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.layer))
        .collect();
    assert_eq!(
        got,
        vec![("a", "1", Some(0)), ("b", "2", Some(2)), ("c", "1", Some(1))]
    );
}

/// A status file deleted by a later layer leaves no packages.
#[test]
fn dpkg_status_whiteout() {
    let tree = FileTree::from_layers(vec![
        layer(vec![file("/var/lib/dpkg/status", stanza("a", "1"))]),
        LayerIndex {
            whiteouts: vec!["/var/lib/dpkg/status".into()],
            ..Default::default()
        },
    ]);
    assert!(detect_with(&Dpkg, &tree, &debian12()).is_empty());
}

// ----------------------------------------------------------------------------------------------- apk

#[test]
fn apk_fixture() {
    let root = fixtures().join("apk/rootfs");
    let tree = FileTree::from_layers(vec![layer(rootfs_entries(&root, &Apk))]);
    let packages = detect(&Apk, &tree).unwrap();
    let rows: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {} {}",
                p.name,
                p.version,
                p.arch.as_deref().unwrap_or("-"),
                p.source_name.as_deref().unwrap_or("-"),
                p.licenses.join("|")
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            "busybox 1.36.1-r2 x86_64 busybox GPL-2.0-only",
            "busybox-binsh 1.36.1-r2 x86_64 busybox GPL-2.0-only",
            "ca-certificates-bundle 20230506-r0 x86_64 ca-certificates MPL-2.0 AND MIT",
            "libcrypto3 3.1.3-r0 x86_64 openssl Apache-2.0",
            "libssl3 3.1.3-r0 x86_64 openssl Apache-2.0",
            "musl 1.2.4-r2 x86_64 musl MIT",
        ]
    );
    let ssl = packages.iter().find(|p| p.name == "libssl3").unwrap();
    assert_eq!(
        ssl.purl,
        "pkg:apk/alpine/libssl3@3.1.3-r0?arch=x86_64&distro=alpine-3.18.4&upstream=openssl"
    );
    assert_eq!(ssl.files, vec!["/lib/libssl.so.3"]);
    let musl = packages.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!(
        musl.purl,
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4"
    );
    assert_eq!(musl.supplier.as_deref(), Some("Timo Teräs <timo.teras@iki.fi>"));
    let bb = packages.iter().find(|p| p.name == "busybox").unwrap();
    assert_eq!(
        bb.files,
        vec![
            "/bin/busybox",
            "/etc/securetty",
            "/usr/share/udhcpc/default.script"
        ]
    );
    assert!(
        packages
            .iter()
            .all(|p| p.layer == Some(0) && p.location == "/lib/apk/db/installed")
    );
}

#[test]
fn apk_layer_attribution() {
    let db = std::fs::read_to_string(fixtures().join("apk/rootfs/lib/apk/db/installed")).unwrap();
    let extra = "P:curl\nV:8.4.0-r0\nA:x86_64\nL:curl\no:curl\nF:usr/bin\nR:curl\n";
    let layer1 = format!("{}\n\n{extra}\n", db.trim_end());
    let tree = FileTree::from_layers(vec![
        layer(vec![
            file("/lib/apk/db/installed", &db),
            file("/etc/os-release", "ID=alpine\nVERSION_ID=3.18.4\n"),
        ]),
        layer(vec![file("/lib/apk/db/installed", &layer1)]),
    ]);
    let packages = detect(&Apk, &tree).unwrap();
    assert_eq!(packages.len(), 7);
    // The same database under /usr/lib with /lib linked to it is read once, under its real path.
    let linked = FileTree::from_layers(vec![layer(vec![
        dir("/usr/lib"),
        file("/usr/lib/apk/db/installed", &db),
        link("/lib", "usr/lib"),
    ])]);
    let found = detect(&Apk, &linked).unwrap();
    assert_eq!(found.len(), 6);
    assert!(found.iter().all(|p| p.location == "/usr/lib/apk/db/installed"));
    for p in &packages {
        assert_eq!(p.layer, Some(if p.name == "curl" { 1 } else { 0 }), "{}", p.name);
    }
}

// ----------------------------------------------------------------------------------------------- rpm

/// The rpm fixtures hold the same four headers (three packages and a gpg-pubkey) in every format.
fn rpm_rows(packages: &[Package]) -> Vec<String> {
    let mut v: Vec<String> = packages
        .iter()
        .map(|p| {
            let version = if p.version.contains(':') {
                p.version.clone()
            } else {
                format!("0:{}", p.version)
            };
            let srpm = match (&p.source_name, &p.source_version) {
                (Some(n), Some(v)) => format!("{n}-{v}.src.rpm"),
                _ => "(none)".into(),
            };
            format!(
                "{}\t{version}\t{}\t{srpm}",
                p.name,
                p.arch.as_deref().unwrap_or("(none)")
            )
        })
        .collect();
    v.sort();
    v
}

fn rpm_expected() -> Vec<String> {
    let text = std::fs::read_to_string(fixtures().join("rpm/expected.tsv")).unwrap();
    sorted_lines(&text)
        .into_iter()
        .filter(|l| !l.starts_with("gpg-pubkey\t"))
        .collect()
}

fn rpm_tree(db_path: &str, fixture: &str) -> FileTree {
    let data = std::fs::read(fixtures().join("rpm").join(fixture)).unwrap();
    FileTree::from_layers(vec![layer(vec![
        file(
            "/etc/os-release",
            "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n",
        ),
        file(db_path, data),
    ])])
}

#[test]
fn rpm_every_format_equals_rpm() {
    let expected = rpm_expected();
    assert_eq!(expected.len(), 3);
    for (path, fixture) in [
        ("/var/lib/rpm/rpmdb.sqlite", "sqlite/rpmdb.sqlite"),
        ("/usr/lib/sysimage/rpm/rpmdb.sqlite", "sqlite/rpmdb.sqlite"),
        ("/var/lib/rpm/Packages", "bdb/Packages"),
        ("/var/lib/rpm/Packages", "bdb-512/Packages"),
        ("/usr/lib/sysimage/rpm/Packages.db", "ndb/Packages.db"),
        ("/var/lib/rpm/Packages.db", "ndb/Packages.db"),
    ] {
        let packages = detect(&Rpm, &rpm_tree(path, fixture)).unwrap();
        assert_eq!(rpm_rows(&packages), expected, "{fixture} at {path}");
        assert!(
            packages.iter().all(|p| p.location == path && p.layer == Some(0)),
            "{fixture}"
        );

        let libfoo = packages.iter().find(|p| p.name == "libfoo").unwrap();
        assert_eq!(libfoo.version, "2:2.5-3.el9");
        assert_eq!(
            libfoo.purl,
            "pkg:rpm/rocky/libfoo@2.5-3.el9?arch=noarch&distro=rocky-9.3&epoch=2&upstream=foo-2.5-3.el9.src.rpm"
        );
        assert_eq!(libfoo.licenses, vec!["LGPL-2.1-or-later"]);
        assert_eq!(libfoo.files, vec!["/usr/share/foo/libfoo.data"]);
        assert_eq!(libfoo.supplier.as_deref(), Some("Rensa Test"));
        let foo = packages.iter().find(|p| p.name == "foo").unwrap();
        assert_eq!(foo.licenses, vec!["GPL-2.0-or-later AND LGPL-2.1-or-later"]);
        assert_eq!(foo.files, vec!["/usr/bin/foo", "/usr/share/foo/foo.conf"]);
        let hello = packages.iter().find(|p| p.name == "hello-tool").unwrap();
        assert_eq!(
            hello.purl,
            "pkg:rpm/rocky/hello-tool@1.0-1?arch=noarch&distro=rocky-9.3"
        );
        assert_eq!(
            hello.files,
            vec!["/usr/bin/hello-tool", "/usr/share/doc/hello-tool/README"]
        );
    }
}

fn rpm_query(dbpath: &Path, backend: &str) -> Vec<String> {
    let out = Command::new("rpm")
        .arg("--dbpath")
        .arg(dbpath)
        .args(["--define", &format!("_db_backend {backend}"), "-qa", "--qf"])
        .arg("%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n")
        .output()
        .expect("rpm runs");
    assert!(
        out.status.success(),
        "rpm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sorted_lines(&String::from_utf8(out.stdout).unwrap())
        .into_iter()
        .filter(|l| !l.starts_with("gpg-pubkey\t"))
        .collect()
}

/// rpm itself reads the SQLite fixture and (with its read-only bdb_ro backend) the Berkeley DB fixtures.
#[test]
fn rpm_live_oracle() {
    assert!(has("rpm"), "rpm is missing: run scripts/setup-test-deps.sh");
    for (fixture, file_name, backend) in [
        ("sqlite/rpmdb.sqlite", "rpmdb.sqlite", "sqlite"),
        ("bdb/Packages", "Packages", "bdb_ro"),
        ("bdb-512/Packages", "Packages", "bdb_ro"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(fixtures().join("rpm").join(fixture), tmp.path().join(file_name)).unwrap();
        let ours = rpm_rows(&detect(&Rpm, &rpm_tree(&format!("/var/lib/rpm/{file_name}"), fixture)).unwrap());
        assert_eq!(ours, rpm_query(tmp.path(), backend), "{fixture}");
    }
}

/// Fedora keeps the database in /usr/lib/sysimage/rpm and links /var/lib/rpm to it: read once.
#[test]
fn rpm_linked_directory_read_once() {
    let data = std::fs::read(fixtures().join("rpm/sqlite/rpmdb.sqlite")).unwrap();
    let tree = FileTree::from_layers(vec![layer(vec![
        dir("/usr/lib/sysimage/rpm"),
        file("/usr/lib/sysimage/rpm/rpmdb.sqlite", data),
        dir("/var/lib"),
        link("/var/lib/rpm", "../../usr/lib/sysimage/rpm"),
    ])]);
    let packages = detect(&Rpm, &tree).unwrap();
    assert_eq!(rpm_rows(&packages), rpm_expected());
    assert!(
        packages
            .iter()
            .all(|p| p.location == "/usr/lib/sysimage/rpm/rpmdb.sqlite")
    );
}

fn expect_database_error(path: &str, data: Vec<u8>, needle: &str) {
    let tree = FileTree::from_layers(vec![layer(vec![file(path, data)])]);
    match detect(&Rpm, &tree) {
        Err(Error::Database { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains(needle), "{path}: {reason:?} lacks {needle:?}");
            // The message names the file and the problem.
            let msg = Error::Database {
                path: p,
                reason: reason.clone(),
            }
            .to_string();
            assert!(msg.starts_with(path) && msg.len() > path.len() + 5, "{msg}");
        }
        other => panic!("{path}: expected Error::Database, got {other:?}"),
    }
}

#[test]
fn rpm_corrupt_databases_are_errors() {
    let sqlite = std::fs::read(fixtures().join("rpm/sqlite/rpmdb.sqlite")).unwrap();
    let bdb = std::fs::read(fixtures().join("rpm/bdb/Packages")).unwrap();
    let ndb = std::fs::read(fixtures().join("rpm/ndb/Packages.db")).unwrap();

    expect_database_error(
        "/var/lib/rpm/rpmdb.sqlite",
        b"not a database at all".to_vec(),
        "not an SQLite",
    );
    expect_database_error(
        "/var/lib/rpm/rpmdb.sqlite",
        sqlite[..sqlite.len() / 3].to_vec(),
        "",
    );
    expect_database_error("/var/lib/rpm/Packages", vec![0u8; 8192], "magic");
    expect_database_error(
        "/var/lib/rpm/Packages",
        bdb[..bdb.len() - 4096].to_vec(),
        "truncated",
    );
    expect_database_error(
        "/var/lib/rpm/Packages.db",
        ndb[..ndb.len() - 16].to_vec(),
        "outside",
    );
    let mut flipped = ndb.clone();
    let n = flipped.len();
    flipped[n - 100] ^= 0x55;
    expect_database_error("/var/lib/rpm/Packages.db", flipped, "adler32");
    // A header blob whose index points outside its data store, inside an otherwise valid database.
    let mut blobs = ndb::read(&ndb).unwrap();
    blobs[0].1[8 + 8..8 + 12].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    expect_database_error("/var/lib/rpm/Packages.db", write_ndb(&blobs), "package header");
    // A database that is present but whose content the walk did not keep is unreadable, not empty.
    let mut e = file("/var/lib/rpm/rpmdb.sqlite", b"");
    e.content = None;
    e.size = 1 << 40;
    let tree = FileTree::from_layers(vec![layer(vec![e])]);
    assert!(matches!(detect(&Rpm, &tree), Err(Error::Database { .. })));
}

/// Writes an ndb `Packages.db` (the layout of rpm's lib/backend/ndb/rpmpkg.c).
fn write_ndb(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u64, 0u64);
        for &x in data {
            a = (a + x as u64) % 65521;
            b = (b + a) % 65521;
        }
        ((b << 16) | a) as u32
    }
    let mut page = vec![0u8; 4096];
    page[0..4].copy_from_slice(b"RpmP");
    page[12..16].copy_from_slice(&1u32.to_le_bytes());
    for s in 2..256 {
        page[s * 16..s * 16 + 4].copy_from_slice(b"Slot");
    }
    let mut data = Vec::new();
    for (i, (idx, blob)) in blobs.iter().enumerate() {
        let blkcnt = (16 + blob.len() + 12).div_ceil(16);
        let blkoff = 256 + data.len() / 16;
        let s = (2 + i) * 16;
        page[s + 4..s + 8].copy_from_slice(&idx.to_le_bytes());
        page[s + 8..s + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
        page[s + 12..s + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
        let mut b = Vec::new();
        b.extend(b"BlbS");
        b.extend(idx.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend((blob.len() as u32).to_le_bytes());
        b.extend(blob);
        b.resize(blkcnt * 16 - 12, 0);
        let sum = adler32(&b);
        b.extend(sum.to_le_bytes());
        b.extend((blob.len() as u32).to_le_bytes());
        b.extend(b"BlbE");
        data.extend(b);
    }
    page.extend(data);
    page
}

/// A package installed in layer 1 takes layer 1; the packages whose headers are unchanged keep layer 0.
#[test]
fn rpm_layer_attribution() {
    let ndb_data = std::fs::read(fixtures().join("rpm/ndb/Packages.db")).unwrap();
    let blobs = ndb::read(&ndb_data).unwrap();
    let hello = blobs
        .iter()
        .position(|(_, b)| rensa_catalog::detector::rpm::Record::from_blob(b).unwrap().name == "hello-tool")
        .unwrap();
    let mut base = blobs.clone();
    let added = base.remove(hello);
    let path = "/var/lib/rpm/Packages.db";
    let tree = FileTree::from_layers(vec![
        layer(vec![file(path, write_ndb(&base))]),
        layer(vec![file("/etc/hostname", "x")]),
        layer(vec![file(path, write_ndb(&[base.clone(), vec![added]].concat()))]),
    ]);
    let packages = detect(&Rpm, &tree).unwrap();
    let got: Vec<(&str, Option<usize>)> = packages.iter().map(|p| (p.name.as_str(), p.layer)).collect();
    assert_eq!(
        got,
        vec![("foo", Some(0)), ("hello-tool", Some(2)), ("libfoo", Some(0))]
    );
}

/// The files of OS packages suppress language packages found at those paths.
#[test]
fn os_package_files_are_owned() {
    let root = fixtures().join("dpkg/rootfs");
    let tree = FileTree::from_layers(vec![layer(rootfs_entries(&root, &Dpkg))]);
    let packages = detect(&Dpkg, &tree).unwrap();
    let owned: usize = packages.iter().map(|p| p.files.len()).sum();
    assert!(owned > 100, "file lists are read ({owned})");
}

/// In merged-usr images `/lib` links to `usr/lib`: directories reached through the link are not files.
#[test]
fn dpkg_list_directories_through_links() {
    let list =
        "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n/usr\n/usr/share/doc/libc6/gone\n";
    let tree = FileTree::from_layers(vec![layer(vec![
        dir("/usr"),
        dir("/usr/lib"),
        dir("/usr/lib/x86_64-linux-gnu"),
        file("/usr/lib/x86_64-linux-gnu/libc.so.6", "elf"),
        link("/lib", "usr/lib"),
        file("/var/lib/dpkg/status", stanza("libc6", "2.36-9")),
        file("/var/lib/dpkg/info/libc6:amd64.list", list),
    ])]);
    let packages = detect_with(&Dpkg, &tree, &debian12());
    assert_eq!(
        packages[0].files,
        vec!["/lib/x86_64-linux-gnu/libc.so.6", "/usr/share/doc/libc6/gone"]
    );
}

/// Thousands of damaged databases (bytes flipped, cut short): every one gives packages or an error, never a
/// panic. Header blobs are also damaged inside intact ndb files, so the header parser itself is exercised.
#[test]
fn damaged_databases_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let damage = |data: &[u8], next: &mut dyn FnMut() -> u64| -> Vec<u8> {
        let mut d = data.to_vec();
        for _ in 0..1 + next() % 8 {
            if d.is_empty() {
                break;
            }
            let at = (next() % d.len() as u64) as usize;
            d[at] ^= 1 << (next() % 8);
        }
        if next().is_multiple_of(4) {
            d.truncate((next() % (d.len() as u64 + 1)) as usize);
        }
        d
    };
    let ndb_data = std::fs::read(fixtures().join("rpm/ndb/Packages.db")).unwrap();
    let blobs = ndb::read(&ndb_data).unwrap();
    let cases: Vec<(&str, Vec<u8>, &dyn Detector, usize)> = vec![
        (
            "/var/lib/rpm/Packages",
            std::fs::read(fixtures().join("rpm/bdb/Packages")).unwrap(),
            &Rpm,
            400,
        ),
        (
            "/var/lib/rpm/Packages",
            std::fs::read(fixtures().join("rpm/bdb-512/Packages")).unwrap(),
            &Rpm,
            400,
        ),
        ("/var/lib/rpm/Packages.db", ndb_data.clone(), &Rpm, 200),
        (
            "/var/lib/rpm/rpmdb.sqlite",
            std::fs::read(fixtures().join("rpm/sqlite/rpmdb.sqlite")).unwrap(),
            &Rpm,
            60,
        ),
        (
            "/var/lib/dpkg/status",
            std::fs::read(fixtures().join("dpkg/rootfs/var/lib/dpkg/status")).unwrap(),
            &Dpkg,
            200,
        ),
        (
            "/lib/apk/db/installed",
            std::fs::read(fixtures().join("apk/rootfs/lib/apk/db/installed")).unwrap(),
            &Apk,
            200,
        ),
    ];
    for (path, data, detector, rounds) in cases {
        for _ in 0..rounds {
            let tree = FileTree::from_layers(vec![
                layer(vec![file(path, damage(&data, &mut next))]),
                layer(vec![file(path, damage(&data, &mut next))]),
            ]);
            let _ = detector.detect(&tree, &Context { distro: None });
        }
    }
    for _ in 0..1000 {
        let damaged: Vec<(u32, Vec<u8>)> = blobs.iter().map(|(i, b)| (*i, damage(b, &mut next))).collect();
        let tree = FileTree::from_layers(vec![layer(vec![file(
            "/var/lib/rpm/Packages.db",
            write_ndb(&damaged),
        )])]);
        let _ = Rpm.detect(&tree, &Context { distro: None });
    }
}
