//! End-to-end runs of `rensa db`: import of the committed advisory subsets, `status` in JSON and as a
//! table, export and import into an empty directory, the default directory, and bad input (exit 2, a
//! message naming the file, the database unchanged).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn advisories(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rensa-vulndb/testdata/advisories")
        .join(rel)
}

fn rensa(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("run rensa")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `rensa db status --format json` of `db`, with the fields that depend on the moment and the place
/// (`age_seconds`, `path`, `size_bytes`) removed.
fn status(db: &Path, cache: &Path) -> Value {
    let out = rensa(
        &["db", "status", "--db", db.to_str().unwrap(), "--format", "json"],
        cache,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = v.as_object_mut().unwrap();
    assert_eq!(
        obj["path"].as_str().unwrap(),
        db.join("rensa.db").to_str().unwrap()
    );
    assert_eq!(
        obj["size_bytes"].as_u64().unwrap(),
        std::fs::metadata(db.join("rensa.db")).unwrap().len()
    );
    obj.remove("path");
    obj.remove("size_bytes");
    for s in obj["sources"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("age_seconds");
    }
    v
}

fn import(db: &Path, cache: &Path, paths: &[PathBuf]) -> Output {
    let mut args = vec![
        "db".to_string(),
        "import".into(),
        "--db".into(),
        db.display().to_string(),
    ];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rensa(&args, cache)
}

#[test]
fn import_status_export_and_import_again() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = import(
        &db,
        tmp.path(),
        &[advisories("osv"), advisories("rustsec"), advisories("alpine")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert_eq!(
        lines[1].split_whitespace().take(6).collect::<Vec<_>>(),
        ["osv", "5", "5", "0", "0", "0"]
    );
    assert_eq!(
        lines[2].split_whitespace().take(6).collect::<Vec<_>>(),
        ["rustsec", "4", "4", "0", "0", "0"]
    );
    assert_eq!(
        lines[3].split_whitespace().take(6).collect::<Vec<_>>(),
        ["alpine-secdb", "55", "55", "0", "0", "1"]
    );
    assert_eq!(
        lines[4],
        format!("64 records in {}", db.join("rensa.db").display())
    );
    // The malformed Alpine id is reported with its file.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("v3.9-main.yaml: ansible 2.7.3-r0: not a vulnerability id"),
        "{stderr}"
    );

    let st = status(&db, tmp.path());
    assert_eq!(st["records"], 64);
    let sources = st["sources"].as_array().unwrap();
    let names: Vec<(&str, u64)> = sources
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["records"].as_u64().unwrap()))
        .collect();
    assert_eq!(names, [("alpine-secdb", 55), ("osv", 5), ("rustsec", 4)]);
    // The newest OSV record: PYSEC-2023-73, modified 2023-11-07T20:24:23.946863Z (checked by hand).
    assert_eq!(sources[1]["newest"], "2023-11-07T20:24:23.946863Z");
    assert_eq!(
        sources[1]["origin"],
        std::fs::canonicalize(advisories("osv"))
            .unwrap()
            .display()
            .to_string()
    );

    // Importing again changes nothing.
    let again = import(&db, tmp.path(), &[advisories("osv")]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        text(&again.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>(),
        ["osv", "5", "0", "0", "5"]
    );
    assert_eq!(status(&db, tmp.path())["records"], 64);

    // The table.
    let out = rensa(&["db", "status", "--db", db.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    assert!(
        table.starts_with(&format!("{} (", db.join("rensa.db").display())),
        "{table}"
    );
    assert!(table.contains(", 64 records)\n"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>()
                == ["osv", "5", "2023-11-07T20:24:23.946863Z"]),
        "{table}"
    );

    // Export, then import into an empty directory: the same status.
    let file = tmp.path().join("rensa-export.db");
    let out = rensa(
        &[
            "db",
            "export",
            file.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let copy = tmp.path().join("air-gapped");
    let out = import(&copy, tmp.path(), std::slice::from_ref(&file));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(status(&copy, tmp.path()), status(&db, tmp.path()));
}

#[test]
fn default_directory_is_under_xdg_cache_home() {
    let cache = tempfile::tempdir().unwrap();
    let osv = advisories("osv").display().to_string();
    let out = rensa(&["db", "import", &osv], cache.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(cache.path().join("rensa/db/rensa.db").is_file());
    let out = rensa(&["db", "status", "--format", "json"], cache.path());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 5);
}

#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");

    // No database yet.
    let out = rensa(&["db", "status", "--db", db.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no vulnerability database in")
            && stderr.contains("rensa db update")
            && stderr.contains("rensa db import"),
        "{stderr}"
    );
    let out = rensa(
        &[
            "db",
            "export",
            tmp.path().join("x.db").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.path().join("x.db").exists());

    assert_eq!(
        import(&db, tmp.path(), &[advisories("osv")]).status.code(),
        Some(0)
    );
    let before = std::fs::read(db.join("rensa.db")).unwrap();

    // A corrupt archive after a good path: nothing of either is imported.
    let zip = tmp.path().join("all.zip");
    std::fs::write(&zip, b"PK\x03\x04 a truncated archive").unwrap();
    let out = import(&db, tmp.path(), &[advisories("rustsec"), zip.clone()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(zip.to_str().unwrap()) && stderr.contains("nothing was changed"),
        "{stderr}"
    );

    // A missing path; a file that holds no advisories; a database file of another kind.
    let out = import(&db, tmp.path(), &[tmp.path().join("missing.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.json"));
    let notes = tmp.path().join("notes.json");
    std::fs::write(&notes, r#"{"hello": "world"}"#).unwrap();
    let out = import(&db, tmp.path(), std::slice::from_ref(&notes));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("notes.json"));
    // An export cut short in transfer.
    let export = tmp.path().join("export.db");
    let out = rensa(
        &[
            "db",
            "export",
            export.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::read(&export).unwrap();
    assert!(bytes.len() >= 4 * 4096, "{}", bytes.len());
    std::fs::write(&export, &bytes[..bytes.len() / 2]).unwrap();
    let out = import(&db, tmp.path(), std::slice::from_ref(&export));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!(
            "{}: not an SQLite database, or a damaged or truncated one",
            export.display()
        )),
        "{}",
        text(&out.stderr)
    );

    assert_eq!(std::fs::read(db.join("rensa.db")).unwrap(), before);
    assert_eq!(status(&db, tmp.path())["records"], 5);

    // No paths at all is a usage error.
    let out = rensa(&["db", "import", "--db", db.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}

/// An import killed at any moment leaves a database that opens and holds either everything it held
/// before or everything the import would have added: never a part, never an error.
#[test]
fn an_import_killed_at_any_moment_leaves_the_old_or_the_new_database() {
    let go = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/govulndb/data/osv");
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    assert_eq!(
        import(&full, tmp.path(), &[advisories("osv"), go.clone()])
            .status
            .code(),
        Some(0)
    );
    let all = status(&full, tmp.path())["records"].as_u64().unwrap();
    assert!(all > 4000, "{all}");

    let mut outcomes = BTreeSet::new();
    for delay_ms in [50, 200, 400, 700, 1000, 1500, 2500] {
        let db = tmp.path().join(format!("db-{delay_ms}"));
        assert_eq!(
            import(&db, tmp.path(), &[advisories("osv")]).status.code(),
            Some(0)
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_rensa"))
            .args(["db", "import", "--db", db.to_str().unwrap(), go.to_str().unwrap()])
            .env("XDG_CACHE_HOME", tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let finished = child.wait().unwrap().success();
        // (Killed after its commit, it may still have held everything.)
        let records = status(&db, tmp.path())["records"].as_u64().unwrap();
        assert!(records == 5 || records == all, "{delay_ms} ms: {records} records");
        if finished {
            assert_eq!(records, all, "{delay_ms} ms");
        }
        outcomes.insert(records);
    }
    println!("outcomes: {outcomes:?}");
}

/// CRC-32 (IEEE), bit by bit: enough for the few kilobytes of a test archive.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip archive of `files`, stored without compression.
fn stored_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let (crc, size, name_len) = (crc32(data), data.len() as u32, name.len() as u16);
        // Local header: signature, version, flags, method 0, time, date, crc, sizes, name, extra.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&name_len.to_le_bytes());
        // Extra, comment, disk, internal attributes (2 bytes each), external attributes (4).
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (start, len) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    let n = files.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Serves `/Go/all.zip` (with an ETag) on 127.0.0.1 for at most `requests` requests or 60 s, answering
/// 304 to a matching If-None-Match and 404 to any other path; returns the base URL.
fn serve_go_archive(body: Vec<u8>, requests: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut served = 0;
        while served < requests && std::time::Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            served += 1;
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 << 10 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let (status, body): (&str, &[u8]) = if !head.starts_with("get /go/all.zip ") {
                ("404 Not Found", b"")
            } else if head.contains("\r\nif-none-match: \"v1\"\r\n") {
                ("304 Not Modified", b"")
            } else {
                ("200 OK", &body)
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    url
}

#[test]
fn update_downloads_then_is_up_to_date_and_a_missing_archive_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(advisories("osv/govulndb"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let url = serve_go_archive(stored_zip(&files), 3);
    let update = |ecosystem: &str| {
        rensa(
            &[
                "db",
                "update",
                "--db",
                db.to_str().unwrap(),
                "--source",
                &url,
                "--ecosystem",
                ecosystem,
            ],
            tmp.path(),
        )
    };

    let out = update("Go");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("{} records in", files.len())),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("Go: downloaded"),
        "{}",
        text(&out.stderr)
    );
    let before = std::fs::read(db.join("rensa.db")).unwrap();

    let out = update("Go");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("up to date"), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("Go: unchanged"),
        "{}",
        text(&out.stderr)
    );

    let out = update("Nonesuch");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{url}/Nonesuch/all.zip"))
            && stderr.contains("404")
            && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(db.join("rensa.db")).unwrap(), before);
    let left: BTreeSet<String> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        BTreeSet::from(["rensa.db".to_string(), "update-state.json".to_string()])
    );
}
