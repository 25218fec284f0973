//! The local vulnerability database: import of the committed subsets and of whole databases from
//! `../shared/data/advisories` (with the readers' batches as the oracle for what the database must hold),
//! lookups checked by hand against the data, idempotency, atomicity, export and import, and size.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rensa_vulndb::Error;
use rensa_vulndb::db::{self, Database, FILE_NAME, import, import_with};
use rensa_vulndb::feed::read_path;

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

fn committed() -> Vec<PathBuf> {
    [
        "osv",
        "rustsec",
        "alpine",
        "debian/tracker.json",
        "debian/security-tracker",
    ]
    .iter()
    .map(|p| testdata(p))
    .collect()
}

/// The ids of the advisories found for a package, sorted.
fn ids(db: &Database, ecosystem: &str, package: &str) -> Vec<String> {
    let mut ids: Vec<String> = db
        .lookup(ecosystem, package)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    ids
}

/// What the readers say the database must hold: per source, the set of keys (a later record with the
/// same key replaces an earlier one, so keys, not records, are counted).
fn oracle(paths: &[PathBuf]) -> BTreeMap<String, BTreeSet<String>> {
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in paths {
        for a in read_path(p).unwrap().advisories {
            want.entry(a.source.clone()).or_default().insert(a.key());
        }
    }
    want
}

fn counts(db: &Database) -> BTreeMap<String, u64> {
    db.status()
        .unwrap()
        .sources
        .into_iter()
        .map(|s| (s.name, s.records))
        .collect()
}

fn assert_holds(db: &Database, want: &BTreeMap<String, BTreeSet<String>>) {
    let want_counts: BTreeMap<String, u64> = want.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect();
    assert_eq!(counts(db), want_counts);
    let total: u64 = want_counts.values().sum();
    assert_eq!(db.status().unwrap().records, total);
}

#[test]
fn committed_subsets_import_and_look_up_by_package() {
    let dir = tempfile::tempdir().unwrap();
    let paths = committed();
    let report = import(dir.path(), &paths).unwrap();
    let want = oracle(&paths);
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        [
            "alpine-secdb",
            "debian-dla",
            "debian-dsa",
            "debian-tracker",
            "osv",
            "rustsec"
        ]
    );
    assert_eq!(want["osv"].len(), 5);
    assert_eq!(want["rustsec"].len(), 4);
    assert_eq!(
        want["alpine-secdb"].len(),
        44 + 5 + 6,
        "curl, db (v3.8) and ansible (v3.9, one of 7 ids malformed)"
    );
    assert_eq!(want["debian-dsa"].len(), 7);
    assert_eq!(want["debian-dla"].len(), 3);

    let db = Database::open(dir.path()).unwrap();
    assert_holds(&db, &want);
    assert_eq!(report.paths.len(), 5);
    assert_eq!(report.paths[0].source, "osv");
    assert_eq!(report.paths[0].read, 5);
    assert_eq!(report.paths[0].added, 5);
    assert_eq!(report.records, db.status().unwrap().records);
    let alpine = &report.paths[2];
    assert_eq!((alpine.source.as_str(), alpine.read), ("alpine-secdb", 55));
    assert_eq!(alpine.skipped.len(), 1);
    assert!(
        alpine.skipped[0].0.ends_with("v3.9-main.yaml: ansible 2.7.3-r0"),
        "{:?}",
        alpine.skipped
    );

    // Checked by hand against the files.
    assert_eq!(ids(&db, "Go", "stdlib"), ["GO-2022-0229"]);
    assert_eq!(ids(&db, "Go", "golang.org/x/crypto"), ["GO-2022-0229"]);
    assert_eq!(ids(&db, "Go", "k8s.io/kubernetes"), ["GO-2022-0617"]);
    assert_eq!(
        ids(&db, "Go", "Stdlib"),
        Vec::<String>::new(),
        "Go names are exact"
    );
    // PyPI names are compared PEP 503-normalized.
    assert_eq!(ids(&db, "PyPI", "Redis"), ["PYSEC-2023-73"]);
    assert_eq!(ids(&db, "PyPI", "Apache_Skywalking"), ["PYSEC-2020-342"]);
    assert_eq!(ids(&db, "PyPI", "rdiffweb"), ["PYSEC-2022-302"]);
    assert_eq!(ids(&db, "crates.io", "tower-http"), ["RUSTSEC-2021-0135"]);
    assert_eq!(ids(&db, "crates.io", "libp2p-core"), ["RUSTSEC-2019-0004"]);
    assert_eq!(ids(&db, "Rust", "std"), ["CVE-2022-21658"]);
    assert_eq!(ids(&db, "npm", "tower-http"), Vec::<String>::new());

    // Alpine: per release.
    let curl = ids(&db, "Alpine:v3.8", "curl");
    assert_eq!(curl.len(), 44);
    assert_eq!(&curl[..3], ["CVE-2014-0138", "CVE-2014-0139", "CVE-2016-5419"]);
    assert_eq!(ids(&db, "Alpine:v3.8", "db").len(), 5);
    assert_eq!(ids(&db, "Alpine:v3.9", "curl"), Vec::<String>::new());
    assert_eq!(
        ids(&db, "Alpine:v3.9", "ansible"),
        [
            "CVE-2018-10875",
            "CVE-2018-16837",
            "CVE-2018-16876",
            "CVE-2019-101562",
            "CVE-2019-10206",
            "CVE-2019-38287"
        ]
    );

    // Debian: the tracker JSON (per CVE) and the DSA/DLA lists, scoped to the release.
    assert_eq!(
        ids(&db, "Debian:9", "prototypejs"),
        ["CVE-2007-2383", "CVE-2008-7220"]
    );
    assert_eq!(ids(&db, "Debian:11", "xorg-server"), ["DSA-5380-1"]);
    assert_eq!(ids(&db, "Debian:12", "xorg-server"), Vec::<String>::new());
    assert_eq!(ids(&db, "Debian", "xorg-server"), Vec::<String>::new());

    // By id or alias.
    let by_alias: Vec<String> = db
        .by_id("CVE-2020-7919")
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(by_alias, ["GO-2022-0229"]);
    let stored = &db.by_id("GO-2022-0229").unwrap()[0];
    let read = read_path(&testdata("osv/govulndb/GO-2022-0229.json")).unwrap();
    assert_eq!(stored, &read.advisories[0], "records round-trip unchanged");
}

#[test]
fn status_names_sources_counts_newest_and_origin() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &[testdata("osv")]).unwrap();
    let status = Database::open(dir.path()).unwrap().status().unwrap();
    assert_eq!(status.path, dir.path().join(FILE_NAME));
    assert_eq!(
        status.size_bytes,
        std::fs::metadata(dir.path().join(FILE_NAME)).unwrap().len()
    );
    assert_eq!(status.sources.len(), 1);
    let s = &status.sources[0];
    assert_eq!((s.name.as_str(), s.records), ("osv", 5));
    let newest = read_path(&testdata("osv"))
        .unwrap()
        .advisories
        .into_iter()
        .filter_map(|a| a.modified)
        .max();
    assert!(newest.is_some());
    assert_eq!(s.newest, newest);
    assert!(s.age.unwrap().as_secs() > 86_400, "{:?}", s.age);
    assert_eq!(
        s.origin,
        std::fs::canonicalize(testdata("osv"))
            .unwrap()
            .display()
            .to_string()
    );
    assert_eq!(s.imported_at.len(), "2026-01-01T00:00:00Z".len());
}

#[test]
fn missing_and_foreign_databases_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = Database::open(&dir.path().join("nothing-here")).unwrap_err();
    assert!(matches!(err, Error::NoDatabase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("rensa db update") && msg.contains("rensa db import"),
        "{msg}"
    );

    std::fs::write(dir.path().join(FILE_NAME), b"not sqlite at all, just text").unwrap();
    let err = Database::open(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not an SQLite database, or a damaged or truncated one",
            dir.path().join(FILE_NAME).display()
        )
    );
    // Importing into it is refused the same way, and the file is left alone.
    let err = import(dir.path(), &[testdata("osv")]).unwrap_err();
    assert!(err.to_string().contains("not an SQLite database"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join(FILE_NAME)).unwrap(),
        b"not sqlite at all, just text"
    );
}

#[test]
fn reimport_is_idempotent_and_later_modified_wins() {
    let dir = tempfile::tempdir().unwrap();
    let paths = committed();
    import(dir.path(), &paths).unwrap();
    let before = Database::open(dir.path()).unwrap().status().unwrap();
    let again = import(dir.path(), &paths).unwrap();
    for p in &again.paths {
        assert_eq!((p.added, p.replaced, p.unchanged), (0, 0, p.read), "{p:?}");
    }
    let after = Database::open(dir.path()).unwrap().status().unwrap();
    assert_eq!(after.records, before.records);
    assert_eq!(
        after
            .sources
            .iter()
            .map(|s| (&s.name, s.records, &s.newest))
            .collect::<Vec<_>>(),
        before
            .sources
            .iter()
            .map(|s| (&s.name, s.records, &s.newest))
            .collect::<Vec<_>>()
    );

    // The same record in three versions.
    let feeds = tempfile::tempdir().unwrap();
    let record = |modified: &str, summary: &str, package: &str| {
        format!(
            r#"{{"id":"TEST-1","modified":"{modified}","summary":"{summary}",
               "affected":[{{"package":{{"ecosystem":"npm","name":"{package}"}},
               "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.0.0"}}]}}]}}]}}"#
        )
    };
    let write = |name: &str, text: String| {
        let p = feeds.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let mid = write("mid.json", record("2024-06-01T00:00:00Z", "mid", "left-pad"));
    let old = write("old.json", record("2024-01-01T00:00:00Z", "old", "old-pad"));
    let new = write("new.json", record("2024-12-01T00:00:00Z", "new", "right-pad"));
    let summary = || {
        Database::open(dir.path()).unwrap().by_id("TEST-1").unwrap()[0]
            .summary
            .clone()
            .unwrap()
    };
    let r = import(dir.path(), &[mid]).unwrap();
    assert_eq!(r.paths[0].added, 1);
    let r = import(dir.path(), std::slice::from_ref(&old)).unwrap();
    assert_eq!((r.paths[0].replaced, r.paths[0].unchanged), (0, 1));
    assert_eq!(summary(), "mid");
    let r = import(dir.path(), &[new]).unwrap();
    assert_eq!((r.paths[0].replaced, r.paths[0].unchanged), (1, 0));
    assert_eq!(summary(), "new");
    assert_eq!(r.records, before.records + 1);
    // The replaced record's index entries went with it.
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(ids(&db, "npm", "left-pad"), Vec::<String>::new());
    assert_eq!(ids(&db, "npm", "right-pad"), ["TEST-1"]);
}

#[test]
fn failed_or_interrupted_imports_leave_the_database_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &[testdata("osv")]).unwrap();
    let file = dir.path().join(FILE_NAME);
    let bytes = std::fs::read(&file).unwrap();

    // Interrupted in the middle of writing the second path.
    let mut seen = 0;
    let err = import_with(dir.path(), &[testdata("rustsec"), testdata("alpine")], &mut |n| {
        seen = n;
        if n == 20 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap_err();
    assert!(matches!(err, Error::Interrupted), "{err:?}");
    assert_eq!(seen, 20);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "the file is byte for byte the same"
    );
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(counts(&db), BTreeMap::from([("osv".to_string(), 5)]));
    assert_eq!(ids(&db, "crates.io", "tower-http"), Vec::<String>::new());
    assert_eq!(ids(&db, "PyPI", "redis"), ["PYSEC-2023-73"]);

    // A corrupt archive after a good path fails the whole import.
    let bad = tempfile::tempdir().unwrap();
    let zip = bad.path().join("all.zip");
    let good = std::fs::read(shared("format-samples").join("none.zip")).unwrap_or_default();
    let mut f = std::fs::File::create(&zip).unwrap();
    f.write_all(b"PK\x03\x04 this is not really a zip archive")
        .unwrap();
    f.write_all(&good).unwrap();
    drop(f);
    let err = import(dir.path(), &[testdata("rustsec"), zip.clone()]).unwrap_err();
    assert!(err.to_string().contains("all.zip"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes);

    // A path that does not exist, or holds nothing importable.
    let err = import(dir.path(), &[testdata("rustsec"), bad.path().join("missing")]).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    let err = import(dir.path(), &[empty.path().to_path_buf()]).unwrap_err();
    assert!(err.to_string().contains("holds no advisories"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes);

    // A first import that fails leaves no database behind.
    let fresh = tempfile::tempdir().unwrap();
    let err = import(fresh.path(), &[testdata("osv"), zip]).unwrap_err();
    assert!(err.to_string().contains("all.zip"), "{err}");
    assert!(matches!(
        Database::open(fresh.path()).unwrap_err(),
        Error::NoDatabase { .. }
    ));
    assert_eq!(std::fs::read_dir(fresh.path()).unwrap().count(), 0);
}

#[test]
fn malformed_records_are_reported_and_skipped() {
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(
        feeds.path().join("good.json"),
        r#"{"id":"TEST-2","modified":"2024-01-01T00:00:00Z","affected":[
            {"package":{"ecosystem":"PyPI","name":"Some_Pkg"},"versions":["1.0"]},
            {"package":{"ecosystem":"NoSuchEcosystem","name":"x"},"versions":["1.0"]}]}"#,
    )
    .unwrap();
    std::fs::write(
        feeds.path().join("bad.json"),
        r#"{"id":"TEST-3","modified":"2024-01-01T00:00:00Z","affected":[{"package":"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = import(dir.path(), &[feeds.path().to_path_buf()]).unwrap();
    let p = &report.paths[0];
    assert_eq!((p.read, p.added), (1, 1));
    assert_eq!(p.skipped.len(), 1);
    assert!(p.skipped[0].0.ends_with("bad.json"), "{:?}", p.skipped);
    assert_eq!(
        p.unknown_ecosystems,
        BTreeMap::from([("NoSuchEcosystem".to_string(), 1)])
    );
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(ids(&db, "PyPI", "some.pkg"), ["TEST-2"]);
}

#[test]
fn export_then_import_into_an_empty_directory_reproduces_the_database() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &committed()).unwrap();
    let db = Database::open(dir.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("rensa-export.db");
    db.export(&file).unwrap();
    // Exporting again replaces the file.
    db.export(&file).unwrap();

    let copy = tempfile::tempdir().unwrap();
    let report = import(copy.path(), std::slice::from_ref(&file)).unwrap();
    assert_eq!(report.paths[0].source, "database");
    let db2 = Database::open(copy.path()).unwrap();
    let (mut a, mut b) = (db.status().unwrap(), db2.status().unwrap());
    assert_eq!(b.records, a.records);
    for s in a.sources.iter_mut().chain(b.sources.iter_mut()) {
        s.age = None;
    }
    assert_eq!(
        b.sources, a.sources,
        "names, counts, newest, import times and origins"
    );
    for (eco, pkg) in [
        ("Go", "stdlib"),
        ("Alpine:v3.8", "curl"),
        ("Debian:9", "prototypejs"),
        ("crates.io", "badge"),
    ] {
        assert_eq!(db2.lookup(eco, pkg).unwrap(), db.lookup(eco, pkg).unwrap());
    }
    // Merged into a database that already holds some of it: nothing grows.
    let part = tempfile::tempdir().unwrap();
    import(part.path(), &[testdata("osv")]).unwrap();
    let r = import(part.path(), &[file]).unwrap();
    assert_eq!(r.paths[0].unchanged, 5);
    assert_eq!(r.records, a.records);
}

/// Bytes of the files under `dir` that the readers take (`.json`, `.yaml`, `.yml`, `.toml`, `.md`).
fn source_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            total += source_bytes(&path);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml" | "toml" | "md")
        ) {
            total += entry.metadata().unwrap().len();
        }
    }
    total
}

#[test]
fn whole_databases_import_completely_and_compactly() {
    let sized = [
        shared("govulndb/data/osv"),
        shared("pypa/vulns"),
        shared("rustsec"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    import(dir.path(), &sized).unwrap();
    let took = start.elapsed();
    let db = Database::open(dir.path()).unwrap();
    let want = oracle(&sized);
    assert_holds(&db, &want);
    let json = source_bytes(&sized[0]) + source_bytes(&sized[1]) + source_bytes(&sized[2]);
    let size = db.status().unwrap().size_bytes;
    let ratio = size as f64 / json as f64;
    println!(
        "govulndb + pypa + rustsec: {} records, source {json} bytes, database {size} bytes, ratio {ratio:.3}, import {took:?}",
        db.status().unwrap().records
    );
    assert!(size * 3 <= json, "database {size} bytes > 1/3 of {json}");

    // Hand-checked: pypa/vulns/pyyaml holds PYSEC-2018-49, PYSEC-2020-176 and PYSEC-2021-142.
    let pyyaml = ids(&db, "PyPI", "PyYAML");
    assert_eq!(
        pyyaml,
        std::fs::read_dir(shared("pypa/vulns/pyyaml"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().replace(".yaml", ""))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );

    // The distribution feeds as well, into the same database.
    let distro = [shared("alpine-secdb-legacy"), shared("debian-tracker-2023")];
    import(dir.path(), &distro).unwrap();
    let mut all = want;
    for (k, v) in oracle(&distro) {
        all.entry(k).or_default().extend(v);
    }
    let db = Database::open(dir.path()).unwrap();
    assert_holds(&db, &all);
}

#[test]
fn default_dir_follows_xdg() {
    // Read-only check of the rule, without changing the environment of other tests.
    let expected = match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        Some(x) if x.is_absolute() => Some(x.join("rensa/db")),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_absolute())
            .map(|h| h.join(".cache/rensa/db")),
    };
    assert_eq!(db::default_dir(), expected);
}

#[test]
fn hostile_exported_files_fail_cleanly_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &[testdata("osv")]).unwrap();
    let file = dir.path().join(FILE_NAME);
    let before = std::fs::read(&file).unwrap();
    let out = tempfile::tempdir().unwrap();
    let export = out.path().join("export.db");
    Database::open(dir.path()).unwrap().export(&export).unwrap();

    let cases: [(&str, &str, Vec<u8>); 4] = [
        (
            "garbage record",
            "UPDATE advisory SET data = ?1 WHERE rowid = 1",
            b"\x00\x11\x22\x33 not zstd".to_vec(),
        ),
        (
            // 64 MiB of zeros in a few kilobytes: over the per-record limit.
            "decompression bomb",
            "UPDATE advisory SET data = ?1, dict = NULL WHERE rowid = 1",
            zstd::bulk::compress(&vec![0u8; 64 << 20], 3).unwrap(),
        ),
        (
            "valid zstd, not an advisory",
            "UPDATE advisory SET data = ?1, dict = NULL WHERE rowid = 1",
            zstd::bulk::compress(&[0xffu8; 40], 3).unwrap(),
        ),
        (
            "another format",
            "UPDATE meta SET value = 'rensa-vulndb-999' WHERE key = 'format' AND ?1 IS NOT NULL",
            Vec::new(),
        ),
    ];
    for (what, sql, blob) in cases {
        let bad = out.path().join(format!("{}.db", what.replace(' ', "-")));
        std::fs::copy(&export, &bad).unwrap();
        let conn = rusqlite::Connection::open(&bad).unwrap();
        conn.execute(sql, [&blob]).unwrap();
        drop(conn);
        let err = import(dir.path(), &[testdata("rustsec"), bad.clone()]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&bad.display().to_string()), "{what}: {msg}");
        assert!(matches!(err, Error::Database { .. }), "{what}: {err:?}");
        assert_eq!(std::fs::read(&file).unwrap(), before, "{what}");
    }
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(counts(&db), BTreeMap::from([("osv".to_string(), 5)]));
}

#[test]
fn two_first_imports_at_once_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let inner_dir = dir.path().to_path_buf();
    // While the first import into the empty directory is writing, a second one completes.
    let report = import_with(dir.path(), &[testdata("osv")], &mut |n| {
        if n == 1 {
            import(&inner_dir, &[testdata("rustsec")]).unwrap();
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(report.records, 9);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(
        counts(&db),
        BTreeMap::from([("osv".to_string(), 5), ("rustsec".to_string(), 4)])
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, [FILE_NAME], "no temporary files are left");

    // What a killed first import leaves behind goes with the next import; a live one's stays.
    let dead = dir.path().join(format!(".{FILE_NAME}.new-999999999-0"));
    let dead_journal = dir.path().join(format!(".{FILE_NAME}.new-999999999-0-journal"));
    let live = dir
        .path()
        .join(format!(".{FILE_NAME}.new-{}-99", std::process::id()));
    for p in [&dead, &dead_journal, &live] {
        std::fs::write(p, b"partial").unwrap();
    }
    import(dir.path(), &[testdata("osv")]).unwrap();
    assert!(!dead.exists() && !dead_journal.exists());
    assert!(live.exists());
}

/// Reading never writes: a database in a read-only directory (or committed in a repository) opens and
/// answers lookups, status and `by_id` without any file (journal, WAL, shm) appearing beside it, and
/// the file's bytes stay the same.
#[test]
fn reading_writes_nothing_beside_the_database() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &committed()).unwrap();
    let file = dir.path().join(FILE_NAME);
    let before = std::fs::read(&file).unwrap();
    let listing = |d: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(dir.path()), [FILE_NAME]);
    // Without write permission (effective for a user other than root).
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let db = Database::open(dir.path()).unwrap();
    let found = db.lookup("Go", "k8s.io/kubernetes").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "GO-2022-0617");
    assert!(db.status().unwrap().records > 0);
    assert_eq!(db.by_id(&found[0].id).unwrap()[0].id, found[0].id);
    drop(db);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(listing(dir.path()), [FILE_NAME]);
    assert!(std::fs::read(&file).unwrap() == before, "the file changed");
}
