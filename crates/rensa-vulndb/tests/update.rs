//! `rensa db update` against an HTTP server the test runs on 127.0.0.1: archives built from OSV records in
//! `../shared/data/advisories`, conditional requests, a changed archive, retries after `500`, a `404`,
//! and a truncated archive, which must leave the previous database byte for byte as it was.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{Cursor, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rensa_vulndb::Error;
use rensa_vulndb::db::{Database, FILE_NAME};
use rensa_vulndb::update::{Fetch, STATE_FILE, UpdateOptions, UpdateReport, update};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/advisories")
        .join(rel)
}

/// The first `n` files (sorted by name) with extension `ext` directly in `dir`.
fn first_files(dir: &Path, ext: &str, n: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files.truncate(n);
    assert_eq!(files.len(), n, "{} holds too few .{ext} files", dir.display());
    files
}

/// `n` Go vulnerability database records (OSV JSON), skipping the first `skip`.
fn go_records(skip: usize, n: usize) -> Vec<(String, Vec<u8>)> {
    first_files(&shared("govulndb/data/osv"), "json", skip + n)
        .into_iter()
        .skip(skip)
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// `n` PyPA records: the first YAML file of each of the first `n` package directories, as JSON.
fn pypi_records(n: usize) -> Vec<(String, Vec<u8>)> {
    let root = shared("pypa/vulns");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter()
        .take(n)
        .map(|d| {
            let file = &first_files(d, "yaml", 1)[0];
            let text = std::fs::read_to_string(file).unwrap();
            let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            let name = file.with_extension("json");
            let name = name.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::to_vec(&value).unwrap())
        })
        .collect()
}

/// An OSV `all.zip` holding `records`.
fn archive(records: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in records {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// One archive the server offers.
struct Served {
    body: Vec<u8>,
    etag: String,
    last_modified: String,
}

/// A request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    status: u16,
}

#[derive(Default)]
struct ServerState {
    /// By request path (`/Go/all.zip`).
    archives: BTreeMap<String, Served>,
    /// Statuses answered before anything else, one per request.
    failures: VecDeque<u16>,
    log: Vec<Seen>,
}

/// A minimal HTTP/1.1 server on 127.0.0.1: one request per connection, at most [`Server::MAX_REQUESTS`]
/// requests, and never longer than [`Server::LIFETIME`]; it stops when dropped.
struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<ServerState>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    const MAX_REQUESTS: usize = 100;
    const LIFETIME: Duration = Duration::from_secs(120);

    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ServerState::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Self::LIFETIME;
                let mut served = 0;
                while served < Self::MAX_REQUESTS
                    && !stop.load(Ordering::Relaxed)
                    && Instant::now() < deadline
                {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            served += 1;
                            serve(stream, &state);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Server {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn put(&self, ecosystem: &str, body: Vec<u8>, etag: &str, last_modified: &str) {
        self.state.lock().unwrap().archives.insert(
            format!("/{ecosystem}/all.zip"),
            Served {
                body,
                etag: etag.into(),
                last_modified: last_modified.into(),
            },
        );
    }

    fn fail_next(&self, statuses: &[u16]) {
        self.state.lock().unwrap().failures.extend(statuses);
    }

    /// The requests seen so far, and forgets them.
    fn take_log(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request's head (bounded in size and time) and answers it.
fn serve(mut stream: TcpStream, state: &Mutex<ServerState>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 64 << 10 {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_string();
    let mut headers = BTreeMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut state = state.lock().unwrap();
    let if_none_match = headers.get("if-none-match").cloned();
    let if_modified_since = headers.get("if-modified-since").cloned();
    let (status, extra, body): (u16, String, &[u8]) = if let Some(s) = state.failures.pop_front() {
        (s, String::new(), b"")
    } else if let Some(a) = state.archives.get(&path) {
        let validators = format!("ETag: {}\r\nLast-Modified: {}\r\n", a.etag, a.last_modified);
        let fresh = match &if_none_match {
            Some(tag) => tag == &a.etag,
            None => if_modified_since.as_deref() == Some(a.last_modified.as_str()),
        };
        if fresh {
            (304, validators, b"")
        } else {
            (200, validators, &a.body)
        }
    } else {
        (404, String::new(), b"no such file")
    };
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        if status == 304 { 0 } else { body.len() }
    );
    let mut out = reply.into_bytes();
    if status != 304 {
        out.extend_from_slice(body);
    }
    let _ = stream.write_all(&out);
    let _ = stream.flush();
    state.log.push(Seen {
        path,
        if_none_match,
        if_modified_since,
        status,
    });
}

fn options(server: &Server, ecosystems: &[&str]) -> UpdateOptions {
    UpdateOptions {
        source: server.url(),
        ecosystems: ecosystems.iter().map(|e| e.to_string()).collect(),
        timeout: Duration::from_secs(10),
        backoff: Duration::from_millis(20),
        ..UpdateOptions::default()
    }
}

fn run(dir: &Path, options: &UpdateOptions) -> Result<UpdateReport, Error> {
    update(dir, options, &mut |_| {})
}

/// The directory's entries: only the database and the state file may remain after an update.
fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn assert_clean(dir: &Path) {
    let want: BTreeSet<String> = [FILE_NAME, STATE_FILE].iter().map(|s| s.to_string()).collect();
    assert_eq!(entries(dir), want, "temporary files left in {}", dir.display());
}

fn records(dir: &Path) -> u64 {
    Database::open(dir).unwrap().status().unwrap().records
}

const DATE1: &str = "Mon, 02 Nov 2026 10:00:00 GMT";
const DATE2: &str = "Tue, 03 Nov 2026 10:00:00 GMT";

/// A server with Go (5 records) and PyPI (4 records), and a database updated from it once.
fn updated_once() -> (Server, tempfile::TempDir) {
    let server = Server::start();
    server.put("Go", archive(&go_records(0, 5)), "\"go-1\"", DATE1);
    server.put("PyPI", archive(&pypi_records(4)), "\"pypi-1\"", DATE1);
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &options(&server, &["Go", "PyPI"])).unwrap();
    server.take_log();
    (server, dir)
}

#[test]
fn first_update_imports_then_conditional_requests_get_304_and_a_changed_archive_is_reimported() {
    let server = Server::start();
    server.put("Go", archive(&go_records(0, 5)), "\"go-1\"", DATE1);
    server.put("PyPI", archive(&pypi_records(4)), "\"pypi-1\"", DATE1);
    let dir = tempfile::tempdir().unwrap();
    let opts = options(&server, &["Go", "PyPI"]);

    let mut events = 0;
    let report = update(dir.path(), &opts, &mut |_| events += 1).unwrap();
    assert!(events > 0, "no progress reported");
    let import = report.import.expect("archives were imported");
    assert_eq!(import.records, 9);
    assert_eq!(import.paths.iter().map(|p| p.added).collect::<Vec<_>>(), [5, 4]);
    assert!(import.paths.iter().all(|p| p.skipped.is_empty()));
    for (e, name) in report.ecosystems.iter().zip(["Go", "PyPI"]) {
        assert_eq!(e.ecosystem, name);
        assert_eq!(e.url, format!("{}/{name}/all.zip", server.url()));
        assert!(matches!(e.fetch, Fetch::Downloaded { bytes } if bytes > 0));
    }
    let log = server.take_log();
    let paths: Vec<&str> = log.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/Go/all.zip", "/PyPI/all.zip"]);
    assert!(
        log.iter()
            .all(|s| s.if_none_match.is_none() && s.if_modified_since.is_none())
    );
    assert_eq!(records(dir.path()), 9);
    let db = Database::open(dir.path()).unwrap();
    // `db status` names where the records came from: the archives' URLs, not the temporary downloads.
    let origins: Vec<String> = db
        .status()
        .unwrap()
        .sources
        .into_iter()
        .map(|s| s.origin)
        .collect();
    assert_eq!(
        origins,
        [format!("{0}/Go/all.zip, {0}/PyPI/all.zip", server.url())]
    );
    assert_eq!(
        db.by_id("GO-2020-0001").unwrap().len(),
        1,
        "{:?}",
        go_records(0, 1)[0].0
    );
    drop(db);
    assert_clean(dir.path());
    let before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();

    // Unchanged: conditional requests, 304, nothing written.
    let report = run(dir.path(), &opts).unwrap();
    assert!(report.import.is_none());
    assert!(report.ecosystems.iter().all(|e| e.fetch == Fetch::Unchanged));
    let log = server.take_log();
    assert_eq!(log.len(), 2);
    for (seen, etag) in log.iter().zip(["\"go-1\"", "\"pypi-1\""]) {
        assert_eq!(seen.status, 304);
        assert_eq!(seen.if_none_match.as_deref(), Some(etag));
        assert_eq!(seen.if_modified_since.as_deref(), Some(DATE1));
    }
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), before);
    assert_clean(dir.path());

    // Go changed: two more records; only Go is downloaded.
    server.put("Go", archive(&go_records(0, 7)), "\"go-2\"", DATE2);
    let report = run(dir.path(), &opts).unwrap();
    assert!(matches!(report.ecosystems[0].fetch, Fetch::Downloaded { .. }));
    assert_eq!(report.ecosystems[1].fetch, Fetch::Unchanged);
    let import = report.import.unwrap();
    assert_eq!(
        (
            import.paths.len(),
            import.paths[0].added,
            import.paths[0].unchanged
        ),
        (1, 2, 5)
    );
    assert_eq!(import.records, 11);
    assert_eq!(records(dir.path()), 11);
    assert_eq!(
        server.take_log().iter().map(|s| s.status).collect::<Vec<_>>(),
        [200, 304]
    );
    assert_clean(dir.path());

    // The new validators were remembered.
    run(dir.path(), &opts).unwrap();
    let log = server.take_log();
    assert_eq!(log[0].if_none_match.as_deref(), Some("\"go-2\""));
    assert_eq!(log[0].if_modified_since.as_deref(), Some(DATE2));
    assert!(log.iter().all(|s| s.status == 304));
}

#[test]
fn server_errors_are_retried() {
    let server = Server::start();
    server.put("Go", archive(&go_records(10, 3)), "\"go\"", DATE1);
    server.fail_next(&[500, 500]);
    let dir = tempfile::tempdir().unwrap();
    let report = run(dir.path(), &options(&server, &["Go"])).unwrap();
    assert_eq!(report.import.unwrap().records, 3);
    assert_eq!(
        server.take_log().iter().map(|s| s.status).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    assert_clean(dir.path());

    // Three failures exhaust the attempts.
    server.fail_next(&[503, 503, 503]);
    let before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    let err = run(dir.path(), &options(&server, &["Go"])).unwrap_err();
    assert!(matches!(err, Error::HttpStatus { status: 503, .. }), "{err}");
    assert_eq!(server.take_log().len(), 3);
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), before);
}

#[test]
fn not_found_is_not_retried_names_the_url_and_changes_nothing() {
    let (server, dir) = updated_once();
    let db_before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    let state_before = std::fs::read(dir.path().join(STATE_FILE)).unwrap();
    // Go changed too, but with one ecosystem failing nothing is imported.
    server.put("Go", archive(&go_records(0, 8)), "\"go-2\"", DATE2);
    let err = run(dir.path(), &options(&server, &["Go", "Nonesuch"])).unwrap_err();
    let message = err.to_string();
    let url = format!("{}/Nonesuch/all.zip", server.url());
    assert!(message.contains(&url) && message.contains("404"), "{message}");
    assert!(matches!(err, Error::HttpStatus { status: 404, .. }));
    let log = server.take_log();
    assert_eq!(log.iter().map(|s| s.status).collect::<Vec<_>>(), [200, 404]);
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), db_before);
    assert_eq!(std::fs::read(dir.path().join(STATE_FILE)).unwrap(), state_before);
    assert_clean(dir.path());
}

#[test]
fn a_truncated_archive_fails_and_leaves_the_database_byte_identical() {
    let (server, dir) = updated_once();
    let db_before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    let state_before = std::fs::read(dir.path().join(STATE_FILE)).unwrap();
    let whole = archive(&go_records(0, 8));
    server.put("Go", whole[..whole.len() / 2].to_vec(), "\"go-cut\"", DATE2);
    let err = run(dir.path(), &options(&server, &["PyPI", "Go"])).unwrap_err();
    assert!(matches!(err, Error::UpdateImport(_)), "{err}");
    assert!(err.to_string().contains("zip"), "{err}");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), db_before);
    assert_eq!(std::fs::read(dir.path().join(STATE_FILE)).unwrap(), state_before);
    assert_eq!(records(dir.path()), 9);
    assert_clean(dir.path());

    // Garbage that is not a zip at all fails the same way.
    server.put(
        "Go",
        b"<html>not an archive</html>".to_vec(),
        "\"go-html\"",
        DATE2,
    );
    let err = run(dir.path(), &options(&server, &["Go"])).unwrap_err();
    assert!(matches!(err, Error::UpdateImport(_)), "{err}");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), db_before);
    assert_clean(dir.path());
}

#[test]
fn an_archive_over_the_size_limit_is_refused() {
    let (server, dir) = updated_once();
    let db_before = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
    server.put("Go", archive(&go_records(0, 8)), "\"go-2\"", DATE2);
    let opts = UpdateOptions {
        max_bytes: 100,
        ..options(&server, &["Go"])
    };
    let err = run(dir.path(), &opts).unwrap_err();
    assert!(matches!(err, Error::DownloadTooLarge { limit: 100, .. }), "{err}");
    assert_eq!(std::fs::read(dir.path().join(FILE_NAME)).unwrap(), db_before);
    assert_clean(dir.path());
}

#[test]
fn without_a_database_the_remembered_validators_are_not_sent() {
    let (server, dir) = updated_once();
    std::fs::remove_file(dir.path().join(FILE_NAME)).unwrap();
    let report = run(dir.path(), &options(&server, &["Go", "PyPI"])).unwrap();
    assert_eq!(report.import.unwrap().records, 9);
    assert!(
        server
            .take_log()
            .iter()
            .all(|s| s.status == 200 && s.if_none_match.is_none())
    );
}

#[test]
fn temporary_files_of_a_dead_update_are_removed_and_a_damaged_state_file_is_ignored() {
    let (server, dir) = updated_once();
    // No process has this id (above any pid_max); a file of this process's own id is kept.
    let dead = dir.path().join(".update-999999999-0-Go.zip");
    std::fs::write(&dead, b"partial").unwrap();
    std::fs::write(dir.path().join(STATE_FILE), b"{\"archives\": {\"x\": 1").unwrap();
    let report = run(dir.path(), &options(&server, &["Go"])).unwrap();
    // Without usable validators the archive is downloaded again; the records are unchanged.
    assert_eq!(report.import.unwrap().paths[0].unchanged, 5);
    assert!(server.take_log()[0].if_none_match.is_none());
    assert_clean(dir.path());

    // A validator that cannot be a header value is dropped, not sent.
    let state = format!(
        "{{\"archives\": {{\"{}/Go/all.zip\": {{\"etag\": \"a\\r\\nX-Evil: 1\"}}}}}}",
        server.url()
    );
    std::fs::write(dir.path().join(STATE_FILE), state).unwrap();
    run(dir.path(), &options(&server, &["Go"])).unwrap();
    let log = server.take_log();
    assert_eq!((log[0].status, log[0].if_none_match.is_none()), (200, true));
}

#[test]
fn a_refused_connection_is_a_transport_error() {
    // A port that was just free: nothing listens there.
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = UpdateOptions {
        source: format!("http://{addr}"),
        ecosystems: vec!["Go".into()],
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        ..UpdateOptions::default()
    };
    let err = run(dir.path(), &opts).unwrap_err();
    assert!(matches!(err, Error::Transport { attempts: 3, .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("http://{addr}/Go/all.zip")),
        "{err}"
    );
    assert!(entries(dir.path()).is_empty());
}
