//! Reading every supported advisory format: exact facts for records of the committed subsets in
//! `testdata/advisories`, whole-database passes over `../shared/data/advisories`, and hostile input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rensa_vulndb::advisory::{Advisory, Event, RangeKind, Status};
use rensa_vulndb::feed::{ImportBatch, read_path};
use rensa_vulndb::osv::{ZipLimits, read_zip};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/advisories")
        .join(rel)
}

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/advisories")
        .join(rel)
}

fn find<'a>(batch: &'a ImportBatch, id: &str) -> &'a Advisory {
    batch
        .advisories
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("{id} not read"))
}

fn ev(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Introduced(v) => format!("introduced {v}"),
            Event::Fixed(v) => format!("fixed {v}"),
            Event::LastAffected(v) => format!("last_affected {v}"),
            Event::Limit(v) => format!("limit {v}"),
        })
        .collect()
}

#[test]
fn osv_json_and_yaml_directory() {
    let b = read_path(&testdata("osv")).unwrap();
    assert_eq!(b.errors, []);
    assert_eq!(b.advisories.len(), 5);
    assert_eq!(b.source, "osv");

    let go = find(&b, "GO-2022-0229");
    assert_eq!(go.aliases, ["CVE-2020-7919", "GHSA-cjjc-xp8v-855w"]);
    assert_eq!(go.modified, None, "the Go database's zero time is absent");
    assert_eq!(go.published.as_deref(), Some("2022-07-06T18:23:48Z"));
    assert_eq!(go.references.len(), 5);
    assert_eq!(go.affected.len(), 2);
    assert_eq!(
        (go.affected[0].ecosystem.as_str(), go.affected[0].package.as_str()),
        ("Go", "stdlib")
    );
    assert_eq!(go.affected[0].ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        ev(&go.affected[0].ranges[0].events),
        [
            "introduced 0",
            "fixed 1.12.16",
            "introduced 1.13.0-0",
            "fixed 1.13.7"
        ]
    );
    assert_eq!(go.affected[1].package, "golang.org/x/crypto");
    assert_eq!(
        go.affected[1].fixed_version(),
        Some("0.0.0-20200124225646-8b5121be2f68")
    );
    assert_eq!(go.affected[0].status, None);

    let withdrawn = find(&b, "GO-2022-0617");
    assert_eq!(withdrawn.withdrawn.as_deref(), Some("2024-08-21T16:25:56Z"));
    assert!(withdrawn.is_withdrawn());
    assert_eq!(withdrawn.published, None);

    let redis = find(&b, "PYSEC-2023-73");
    assert_eq!(redis.withdrawn.as_deref(), Some("2023-06-06T10:37:00Z"));
    assert_eq!(redis.aliases, ["CVE-2023-31655"]);
    let r = &redis.affected[0];
    assert_eq!((r.ecosystem.as_str(), r.package.as_str()), ("PyPI", "redis"));
    assert_eq!(r.purl.as_deref(), Some("pkg:pypi/redis"));
    assert_eq!(r.versions.len(), 114);
    assert_eq!(r.versions[2], "1.34", "a quoted YAML version stays a string");
    assert_eq!(r.versions.last().map(String::as_str), Some("5.0.0rc1"));

    let rdiff = find(&b, "PYSEC-2022-302");
    let ranges = &rdiff.affected[0].ranges;
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[0].kind, RangeKind::Git);
    assert_eq!(
        ranges[0].repo.as_deref(),
        Some("https://github.com/ikus060/rdiffweb")
    );
    assert_eq!(
        ev(&ranges[0].events),
        ["introduced 0", "fixed 323383d1db656f1b1291be529947bd943a6b0e99"]
    );
    assert_eq!(ranges[1].kind, RangeKind::Ecosystem);
    assert_eq!(ev(&ranges[1].events), ["introduced 0", "fixed 2.4.10"]);

    let sky = find(&b, "PYSEC-2020-342");
    assert_eq!(sky.severity.len(), 1);
    assert_eq!(sky.severity[0].kind, "CVSS_V3");
    assert_eq!(
        sky.severity[0].vector,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    );
    assert_eq!(sky.affected[0].versions.len(), 10);
    assert!(
        sky.details
            .as_deref()
            .unwrap()
            .starts_with("**Resolved** Only when using H2/MySQL/TiDB")
    );
}

#[test]
fn rustsec_repository() {
    let b = read_path(&testdata("rustsec")).unwrap();
    assert_eq!(b.errors, []);
    assert_eq!(b.advisories.len(), 4);
    assert_eq!(b.source, "rustsec");

    // patched = ["^0.7.1", ">= 0.8.1"], unaffected = ["< 0.3"]
    let p2p = find(&b, "RUSTSEC-2019-0004");
    assert_eq!(p2p.aliases, ["CVE-2019-15545", "GHSA-4q4x-67hx-5mpg"]);
    assert_eq!(p2p.published.as_deref(), Some("2019-05-15"));
    assert_eq!(p2p.severity[0].kind, "CVSS_V3");
    let a = &p2p.affected[0];
    assert_eq!(
        (a.ecosystem.as_str(), a.package.as_str()),
        ("crates.io", "libp2p-core")
    );
    assert_eq!(a.ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        ev(&a.ranges[0].events),
        [
            "introduced 0.3.0",
            "fixed 0.7.1",
            "introduced 0.8.0-0",
            "fixed 0.8.1"
        ]
    );

    // patched = [">= 0.2.1", ">= 0.1.3, < 0.2.0"], withdrawn.
    let tower = find(&b, "RUSTSEC-2021-0135");
    assert_eq!(tower.withdrawn.as_deref(), Some("2022-08-14"));
    assert_eq!(
        ev(&tower.affected[0].ranges[0].events),
        [
            "introduced 0.0.0-0",
            "fixed 0.1.3",
            "introduced 0.2.0",
            "fixed 0.2.1"
        ]
    );
    assert_eq!(
        tower.references,
        ["https://github.com/tower-rs/tower-http/pull/204"]
    );

    let badge = find(&b, "RUSTSEC-2022-0057");
    assert_eq!(badge.informational.as_deref(), Some("unmaintained"));
    assert_eq!(badge.summary.as_deref(), Some("badge is Unmaintained"));

    let std = find(&b, "CVE-2022-21658");
    assert_eq!(
        (
            std.affected[0].ecosystem.as_str(),
            std.affected[0].package.as_str()
        ),
        ("Rust", "std")
    );
    assert_eq!(
        ev(&std.affected[0].ranges[0].events),
        ["introduced 0.0.0-0", "fixed 1.58.1"]
    );
    assert_eq!(
        std.severity[0].vector,
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:L/A:H"
    );
}

#[test]
fn alpine_secdb_yaml_and_json() {
    let b = read_path(&testdata("alpine")).unwrap();
    assert_eq!(b.source, "alpine-secdb");
    // v3.8-main.json: curl 44 ids, db 5 ids; v3.9-main.yaml: ansible 7 ids, one of them malformed.
    assert_eq!(b.advisories.len(), 44 + 5 + 6);
    assert_eq!(b.errors.len(), 1);
    assert!(
        b.errors[0].0.ends_with("v3.9-main.yaml: ansible 2.7.3-r0"),
        "{:?}",
        b.errors
    );
    assert_eq!(b.errors[0].1, r#"not a vulnerability id: "CVE 2018-16859""#);

    let db: Vec<_> = b
        .advisories
        .iter()
        .filter(|a| a.affected[0].package == "db")
        .collect();
    assert_eq!(
        db.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [
            "CVE-2016-0682",
            "CVE-2016-0689",
            "CVE-2016-0692",
            "CVE-2016-0694",
            "CVE-2016-3418"
        ]
    );
    assert!(
        db.iter()
            .all(|a| a.affected[0].status == Some(Status::NotAffected) && a.affected[0].ranges.is_empty())
    );
    assert_eq!(db[0].affected[0].ecosystem, "Alpine:v3.8");

    let ansible = b
        .advisories
        .iter()
        .find(|a| a.id == "CVE-2018-16876" && a.affected[0].package == "ansible")
        .unwrap();
    let af = &ansible.affected[0];
    assert_eq!(af.ecosystem, "Alpine:v3.9");
    assert_eq!(af.status, Some(Status::Fixed));
    assert_eq!(af.ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(ev(&af.ranges[0].events), ["introduced 0", "fixed 2.7.5-r0"]);
    assert_eq!(
        ansible.key(),
        "alpine-secdb/CVE-2018-16876/Alpine:v3.9/ansible/2.7.5-r0"
    );
}

#[test]
fn debian_tracker_json() {
    let b = read_path(&testdata("debian/tracker.json")).unwrap();
    assert_eq!(b.errors, []);
    assert_eq!(b.source, "debian-tracker");
    // 6 source packages, 7 CVE entries; chromium-browser's CVE-2022-0358 lists no release and is left
    // out; every other entry lists sid, which has no ecosystem.
    assert_eq!(b.advisories.len(), 6);
    assert_eq!(b.unknown_ecosystems.get("Debian:sid"), Some(&6));

    let chromium = b.advisories.iter().find(|a| a.id == "CVE-2022-0456").unwrap();
    let st: Vec<_> = chromium
        .affected
        .iter()
        .map(|a| {
            (
                a.ecosystem.as_str(),
                a.status.unwrap(),
                a.fixed_version(),
                a.distro_severity.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        st,
        [
            ("Debian:12", Status::Fixed, Some("98.0.4758.80-1"), None),
            ("Debian:11", Status::Fixed, Some("98.0.4758.80-1~deb11u1"), None),
            ("Debian:10", Status::WillNotFix, None, None),
            ("Debian:9", Status::WillNotFix, None, None),
        ]
    );
    assert!(chromium.affected.iter().all(|a| a.package == "chromium"));

    let proto = b.advisories.iter().find(|a| a.id == "CVE-2007-2383").unwrap();
    assert_eq!(proto.affected.len(), 3);
    assert!(
        proto
            .affected
            .iter()
            .all(|a| a.status == Some(Status::NotAffected) && a.ranges.is_empty())
    );
    assert_eq!(proto.affected[0].distro_severity.as_deref(), Some("unimportant"));

    let high = b.advisories.iter().find(|a| a.id == "CVE-2008-7220").unwrap();
    assert_eq!(high.affected[0].ecosystem, "Debian:10");
    assert_eq!(high.affected[0].distro_severity.as_deref(), Some("high"));
    assert_eq!(high.affected[0].fixed_version(), Some("1.6.0.2-1"));

    assert!(b.advisories.iter().all(|a| a.id != "CVE-2022-0358"));
    let keys: std::collections::BTreeSet<_> = b.advisories.iter().map(Advisory::key).collect();
    assert_eq!(keys.len(), 6);
    assert!(
        keys.contains("debian-tracker/CVE-2022-0456/Debian:12/chromium"),
        "{keys:?}"
    );
}

#[test]
fn single_files_and_missing_paths() {
    let b = read_path(&testdata("debian/security-tracker/data/DSA/list")).unwrap();
    assert_eq!((b.advisories.len(), b.source.as_str()), (7, "debian-dsa"));
    let b = read_path(&testdata("rustsec/crates/libp2p-core/RUSTSEC-2019-0004.md")).unwrap();
    assert_eq!((b.advisories.len(), b.source.as_str()), (1, "rustsec"));
    let b = read_path(&testdata("osv/pypa/redis/PYSEC-2023-73.yaml")).unwrap();
    assert_eq!(b.advisories[0].id, "PYSEC-2023-73");
    let b = read_path(&testdata("SOURCE.md")).unwrap();
    assert_eq!(b.advisories, []);
    assert_eq!(
        b.errors.len(),
        1,
        "a file named explicitly that holds no advisory is reported"
    );
    let err = read_path(&testdata("no/such/file.json")).unwrap_err().to_string();
    assert!(err.contains("no/such/file.json"), "{err}");
}

#[test]
fn debian_dsa_dla_lists() {
    let b = read_path(&testdata("debian/security-tracker")).unwrap();
    assert_eq!(b.errors, []);
    assert_eq!(b.source, "debian");
    assert_eq!(b.advisories.len(), 7 + 3);

    let xorg = find(&b, "DSA-5380-1");
    assert_eq!(xorg.source, "debian-dsa");
    assert_eq!(xorg.published.as_deref(), Some("2023-03-29"));
    assert_eq!(xorg.aliases, ["CVE-2023-1393"]);
    assert_eq!(xorg.summary.as_deref(), Some("security update"));
    let a = &xorg.affected[0];
    assert_eq!(
        (a.ecosystem.as_str(), a.package.as_str()),
        ("Debian:11", "xorg-server")
    );
    assert_eq!(a.status, Some(Status::Fixed));
    assert_eq!(
        ev(&a.ranges[0].events),
        ["introduced 0", "fixed 2:1.20.11-1+deb11u6"]
    );

    let xen = find(&b, "DSA-5378-1");
    assert_eq!(xen.aliases.len(), 5);

    let vbox = find(&b, "DSA-3699-1");
    assert_eq!(vbox.aliases, Vec::<String>::new());
    assert_eq!(vbox.affected[0].ecosystem, "Debian:8");
    assert_eq!(vbox.affected[0].status, Some(Status::WillNotFix));

    let mantis = find(&b, "DSA-944-1");
    assert_eq!(mantis.aliases.len(), 9);
    assert_eq!(mantis.affected[0].ecosystem, "Debian:3.0");
    assert_eq!(mantis.affected[0].status, Some(Status::NotAffected));
    assert_eq!(mantis.affected[1].ecosystem, "Debian:3.1");
    assert_eq!(mantis.affected[1].fixed_version(), Some("0.19.2-5sarge1"));

    let awstats = find(&b, "DSA-892-1");
    assert_eq!(awstats.affected[0].distro_severity.as_deref(), Some("medium"));
    assert_eq!(awstats.affected[1].status, Some(Status::NotAffected));

    let php = find(&b, "DSA-880-1");
    assert_eq!(php.affected[0].status, Some(Status::Unfixed));
    assert_eq!(ev(&php.affected[0].ranges[0].events), ["introduced 0"]);

    let fw = find(&b, "DLA-3380-1");
    assert_eq!(fw.source, "debian-dla");
    assert_eq!(fw.aliases.len(), 11);
    assert_eq!(fw.affected[0].ecosystem, "Debian:10");
    assert_eq!(
        fw.affected[0].fixed_version(),
        Some("20190114+really20220913-0+deb10u1")
    );
}

/// Builds a zip archive in memory from `(name, bytes)` entries.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn osv_all_zip() {
    let go1 = std::fs::read(testdata("osv/govulndb/GO-2022-0229.json")).unwrap();
    let go2 = std::fs::read(testdata("osv/govulndb/GO-2022-0617.json")).unwrap();
    let bytes = zip_of(&[
        ("GO-2022-0229.json", &go1),
        ("GO-2022-0617.json", &go2),
        (
            "BAD-1.json",
            br#"{"id":"BAD-1","modified":"2020-01-01T00:00:00Z","aliases":"CVE-1"}"#,
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.zip");
    std::fs::write(&path, &bytes).unwrap();
    let b = read_path(&path).unwrap();
    assert_eq!(
        b.advisories.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["GO-2022-0229", "GO-2022-0617"]
    );
    assert_eq!(b.errors.len(), 1);
    assert!(
        b.errors[0].0.ends_with("all.zip!BAD-1.json: BAD-1"),
        "{:?}",
        b.errors
    );
    assert!(
        b.errors[0]
            .1
            .starts_with("invalid type: string \"CVE-1\", expected a sequence"),
        "{:?}",
        b.errors
    );

    // Truncated and corrupted archives fail as a whole, naming the file.
    let truncated = dir.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_path(&truncated).unwrap_err().to_string();
    assert!(
        err.contains("truncated.zip") && err.contains("not a readable zip archive"),
        "{err}"
    );

    let mut corrupt = bytes.clone();
    // Flip bytes inside the first entry's compressed data (after its 30-byte local header and name).
    for b in &mut corrupt[60..90] {
        *b ^= 0x5a;
    }
    let path = dir.path().join("corrupt.zip");
    std::fs::write(&path, &corrupt).unwrap();
    let err = read_path(&path).unwrap_err().to_string();
    assert!(
        err.contains("corrupt.zip") && err.contains("GO-2022-0229.json"),
        "{err}"
    );

    let garbage = dir.path().join("garbage.zip");
    std::fs::write(&garbage, b"PK\x03\x04 this is not an archive").unwrap();
    assert!(read_path(&garbage).is_err());
}

#[test]
fn zip_bombs_are_refused() {
    // 20 MiB of zeros deflate to about 20 KiB.
    let zeros = vec![0u8; 20 << 20];
    let bomb = zip_of(&[("GO-1.json", &zeros)]);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let mut b = ImportBatch::default();
    let err = read_zip(
        std::io::Cursor::new(&bomb),
        "bomb.zip",
        &ZipLimits::default(),
        &mut b,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "bomb.zip: GO-1.json: inflates to more than the limit of 16777216 bytes (zip bomb?)"
    );
    assert_eq!(b, ImportBatch::default(), "nothing of a refused archive is kept");

    // Many entries, and many small entries adding up.
    let small = zip_of(&[("a.json", b"{}"), ("b.json", b"{}"), ("c.json", b"{}")]);
    let limits = ZipLimits {
        max_entries: 2,
        ..ZipLimits::default()
    };
    let err = read_zip(std::io::Cursor::new(&small), "many.zip", &limits, &mut b).unwrap_err();
    assert_eq!(err.to_string(), "many.zip: 3 entries, more than the limit of 2");
    let limits = ZipLimits {
        max_total_size: 5,
        ..ZipLimits::default()
    };
    let err = read_zip(std::io::Cursor::new(&small), "sum.zip", &limits, &mut b).unwrap_err();
    assert!(
        err.to_string().contains("more than the limit of 5 bytes in all"),
        "{err}"
    );
}

#[test]
fn malformed_records_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    std::fs::copy(
        testdata("osv/govulndb/GO-2022-0229.json"),
        dir.path().join("a-good.json"),
    )
    .unwrap();
    write("b-bad.json", r#"{"id": "GO-BAD", "modified": "#);
    write(
        "c-wrong-type.json",
        r#"{"id":"GO-TYPE","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"name":"x","ecosystem":"Go"},"versions":"1.0"}]}"#,
    );
    write(
        "d-unknown.json",
        r#"{"id":"X-1","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"name":"x","ecosystem":"Nonesuch"}},{"package":{"name":"y","ecosystem":"Nonesuch:1"}}]}"#,
    );
    write(
        "e-mixed.json",
        r#"{"id":"X-2","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"name":"x","ecosystem":"Nonesuch"}},{"package":{"name":"y","ecosystem":"npm"}}]}"#,
    );
    write(
        "f-truncated.yaml",
        "id: PYSEC-T\nmodified: 2021-01-01T00:00:00Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: [unclosed\n",
    );
    write(
        "g-array.json",
        r#"[{"id":"A-1","modified":"2020-01-01T00:00:00Z"},{"id":"A-2"},7]"#,
    );
    write(
        "h-not-advisory.yaml",
        "id: GO-2022-1020\nexcluded: EFFECTIVELY_PRIVATE\n",
    );
    write("i-binary.json", "\u{0}\u{1}garbage");
    write("README.md", "# not an advisory\n");
    write(
        "sub/j-bad-rustsec.toml",
        "[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\n[versions]\npatched = [\">= 1.2.3q\"]\n",
    );
    write("sub/k-bad-secdb.yaml", "distroversion: v3.18\npackages: 7\n");

    let b = read_path(dir.path()).unwrap();
    let ids: Vec<_> = b.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["GO-2022-0229", "X-2", "A-1"]);
    assert_eq!(b.advisories[1].affected.len(), 1);
    assert_eq!(b.unknown_ecosystems.get("Nonesuch"), Some(&2));
    assert_eq!(b.unknown_ecosystems.get("Nonesuch:1"), Some(&1));
    assert_eq!(b.ignored_files, 1);
    let names: Vec<String> = b
        .errors
        .iter()
        .map(|(loc, _)| {
            loc.strip_prefix(&format!("{}/", dir.path().display()))
                .unwrap_or(loc)
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "b-bad.json",
            "c-wrong-type.json: GO-TYPE",
            "f-truncated.yaml",
            "g-array.json[1]: A-2",
            "g-array.json[2]",
            "i-binary.json",
            "sub/j-bad-rustsec.toml",
            "sub/k-bad-secdb.yaml",
        ],
        "{:#?}",
        b.errors
    );
    assert!(
        b.errors[1]
            .1
            .contains("invalid type: string \"1.0\", expected a sequence"),
        "{:?}",
        b.errors[1]
    );
    assert!(
        b.errors[3].1.contains("missing field `modified`"),
        "{:?}",
        b.errors[3]
    );
    assert!(
        b.errors[6].1.contains(r#"version requirement ">= 1.2.3q""#),
        "{:?}",
        b.errors[6]
    );
}

/// Whole databases from `../shared/data/advisories`. Expected numbers come from counting the files
/// independently (shell commands in the comments), not from this reader.
#[test]
fn whole_databases() {
    let start = Instant::now();

    // find govulndb/data/osv -name '*.json' | wc -l → 4291; find govulndb/data/excluded -name '*.yaml' | wc -l → 842
    // grep -l '"withdrawn"' govulndb/data/osv/*.json | wc -l → 17
    let go = read_path(&shared("govulndb")).unwrap();
    assert_eq!(
        (go.advisories.len(), go.errors.len(), go.ignored_files),
        (4291, 0, 842),
        "{:?}",
        go.errors
    );
    assert_eq!(go.advisories.iter().filter(|a| a.is_withdrawn()).count(), 17);
    assert!(
        go.advisories
            .iter()
            .flat_map(|a| &a.affected)
            .all(|a| a.ecosystem == "Go")
    );

    // find pypa/vulns -name '*.yaml' | wc -l → 2661; grep -rl '^withdrawn' pypa/vulns | wc -l → 10
    let py = read_path(&shared("pypa")).unwrap();
    assert_eq!(
        (py.advisories.len(), py.errors.len()),
        (2661, 0),
        "{:?}",
        py.errors
    );
    assert_eq!(py.advisories.iter().filter(|a| a.is_withdrawn()).count(), 10);

    // find rustsec/crates rustsec/rust -name '*.md' | wc -l → 1225 (20 of them under rust/)
    // grep -rh '^informational' rustsec/crates rustsec/rust | wc -l → 476; grep -rh '^withdrawn' … | wc -l → 13
    let rs = read_path(&shared("rustsec")).unwrap();
    assert_eq!(
        (rs.advisories.len(), rs.errors.len()),
        (1225, 0),
        "{:?}",
        rs.errors
    );
    assert_eq!(
        rs.advisories.iter().filter(|a| a.informational.is_some()).count(),
        476
    );
    assert_eq!(rs.advisories.iter().filter(|a| a.is_withdrawn()).count(), 13);
    assert_eq!(
        rs.advisories
            .iter()
            .filter(|a| a.affected[0].ecosystem == "Rust")
            .count(),
        20
    );

    // PyYAML: the secfixes lists of all 18 files hold 12028 ids, 11998 distinct (release, package, id,
    // version) (30 repeats within a package's list); one is malformed ("CVE 2018-16859" in
    // v3.9/main.yaml); 5 ids sit under the key "0" (v3.8 db).
    let al = read_path(&shared("alpine-secdb-legacy")).unwrap();
    assert_eq!(
        (al.advisories.len(), al.errors.len()),
        (11997, 1),
        "{:?}",
        al.errors
    );
    let not_affected = al
        .advisories
        .iter()
        .filter(|a| a.affected[0].status == Some(Status::NotAffected))
        .count();
    assert_eq!(not_affected, 5);

    // grep -c '^\[' data/DSA/list data/DLA/list → 5406 + 3534 headers; release lines
    // grep -cE '^\s+\[[a-z]+\] - ' → 10523, of which 55 '<not-affected>'.
    let de = read_path(&shared("debian-tracker-2023")).unwrap();
    assert_eq!(
        (de.advisories.len(), de.errors.len()),
        (5406 + 3534, 0),
        "{:?}",
        de.errors
    );
    let affected: Vec<_> = de.advisories.iter().flat_map(|a| &a.affected).collect();
    assert_eq!(affected.len(), 10523);
    assert_eq!(
        affected
            .iter()
            .filter(|a| a.status == Some(Status::NotAffected))
            .count(),
        55
    );
    assert_eq!(
        de.advisories.iter().filter(|a| a.source == "debian-dla").count(),
        3534
    );

    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    eprintln!("whole databases read in {elapsed:?}");
}
