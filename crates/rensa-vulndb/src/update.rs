//! `rensa db update`: download OSV's per-ecosystem `all.zip` archives and import them.
//!
//! The archives are fetched from `<source>/<Ecosystem>/all.zip` ([`DEFAULT_SOURCE`] is the layout of
//! OSV's public bucket; a local mirror may be plain HTTP). Each request is conditional on the `ETag` and
//! `Last-Modified` remembered from the last successful update, kept per URL in [`STATE_FILE`] next to the
//! database; a `304 Not Modified` skips the ecosystem. Archives that changed are streamed to temporary
//! files in the database directory (at most [`UpdateOptions::max_bytes`] each), and all of them are then
//! imported with [`db::import_with`] in one transaction: a failed download, an HTTP error or a corrupt
//! archive leaves the previous database exactly as it was, and the temporary files are removed in every
//! case. The state file is written only after the import has committed.
//!
//! Connection failures, timeouts, interrupted bodies and `5xx` answers are retried
//! ([`UpdateOptions::attempts`] in all, with a growing pause); any other status is an error at once.
//!
//! This is the only part of rensa that reaches the network.

use crate::Error;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::Agent;
use ureq::http::StatusCode;

use crate::db::{self, ImportReport};

/// OSV's public bucket; archives are at `<DEFAULT_SOURCE>/<Ecosystem>/all.zip`.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The ecosystems updated when none are named.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Alpine",
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "RubyGems",
    "Packagist",
    "NuGet",
];

/// The file in the database directory that remembers each archive's `ETag` and `Last-Modified`.
pub const STATE_FILE: &str = "update-state.json";

/// Prefix of the temporary download files in the database directory.
const TEMP_PREFIX: &str = ".update-";

/// How much of a download is written between two progress reports.
const CHUNK: usize = 256 << 10;

/// What [`update`] fetches and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOptions {
    /// The base URL (`http://` or `https://`), without the trailing `/<Ecosystem>/all.zip`.
    pub source: String,
    /// OSV ecosystem names, as in the bucket's directory names (`PyPI`, `crates.io`, …).
    pub ecosystems: Vec<String>,
    /// Timeout of each connect, response and read (not of a whole download).
    pub timeout: Duration,
    /// Largest archive accepted.
    pub max_bytes: u64,
    /// Attempts per archive for retryable failures (at least one is made).
    pub attempts: u32,
    /// Pause after the first failed attempt; it doubles after each further one.
    pub backoff: Duration,
}

impl Default for UpdateOptions {
    /// [`DEFAULT_SOURCE`], [`DEFAULT_ECOSYSTEMS`], a 30 s timeout, 4 GiB per archive, 3 attempts, 1 s
    /// backoff.
    fn default() -> Self {
        UpdateOptions {
            source: DEFAULT_SOURCE.to_string(),
            ecosystems: DEFAULT_ECOSYSTEMS.iter().map(|e| e.to_string()).collect(),
            timeout: Duration::from_secs(30),
            max_bytes: 4 << 30,
            attempts: 3,
            backoff: Duration::from_secs(1),
        }
    }
}

/// Progress of an [`update`], reported through its callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A download of `ecosystem`'s archive began (again, after a retry); `total` is its announced size.
    Start {
        /// The ecosystem.
        ecosystem: &'a str,
        /// The `Content-Length`, when the server sent one.
        total: Option<u64>,
    },
    /// Bytes of the current download received so far.
    Received {
        /// The ecosystem.
        ecosystem: &'a str,
        /// Bytes received.
        bytes: u64,
    },
    /// Records written so far by the import of all downloaded archives.
    Imported {
        /// Records written.
        records: usize,
    },
}

/// What happened to one ecosystem's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// The server answered `304 Not Modified`; nothing was downloaded.
    Unchanged,
    /// The archive was downloaded and imported.
    Downloaded {
        /// Its size in bytes.
        bytes: u64,
    },
}

/// The outcome for one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemReport {
    /// The ecosystem.
    pub ecosystem: String,
    /// The archive's URL.
    pub url: String,
    /// Whether it changed.
    pub fetch: Fetch,
}

/// What [`update`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    /// One entry per ecosystem, in the order given.
    pub ecosystems: Vec<EcosystemReport>,
    /// The import of the downloaded archives; `None` when every archive was unchanged.
    pub import: Option<ImportReport>,
}

pub(crate) fn status_hint(status: u16) -> &'static str {
    match status {
        404 => " (no archive at this URL: is the ecosystem name spelled as OSV spells it?)",
        403 => " (access denied)",
        429 => " (too many requests; try again later)",
        500..=599 => " (server error)",
        _ => "",
    }
}

/// The validators remembered for one archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

/// The contents of [`STATE_FILE`]: validators per archive URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    archives: BTreeMap<String, Validators>,
}

impl State {
    /// The state in `dir`; a missing or unreadable file is an empty state (everything is downloaded),
    /// and a validator that could not be sent as a header value is dropped.
    fn load(dir: &Path) -> State {
        let mut state: State = std::fs::read(dir.join(STATE_FILE))
            .ok()
            .and_then(|data| serde_json::from_slice(&data).ok())
            .unwrap_or_default();
        let usable = |v: &Option<String>| {
            v.as_ref()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| (0x20..0x7f).contains(&b)))
                .cloned()
        };
        for v in state.archives.values_mut() {
            *v = Validators {
                etag: usable(&v.etag),
                last_modified: usable(&v.last_modified),
            };
        }
        state
    }

    /// Writes the state atomically (a temporary file renamed into place).
    fn save(&self, dir: &Path) -> std::io::Result<()> {
        let mut data = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        data.push(b'\n');
        let tmp = dir.join(format!("{TEMP_PREFIX}{}-state.json", std::process::id()));
        let guard = RemoveOnDrop(tmp.clone());
        std::fs::write(&tmp, &data)?;
        std::fs::rename(&tmp, dir.join(STATE_FILE))?;
        std::mem::forget(guard);
        Ok(())
    }
}

/// Downloads the archives `options` name into the database in `dir` and imports those that changed; see
/// the module docs. `progress` is called during downloads and the import.
pub fn update(
    dir: &Path,
    options: &UpdateOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<UpdateReport, Error> {
    let base = check_options(options)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    remove_abandoned(dir);
    let agent = agent(options.timeout);
    // Without a database the validators are meaningless: a 304 would leave nothing to scan.
    let mut state = if dir.join(db::FILE_NAME).exists() {
        State::load(dir)
    } else {
        State::default()
    };
    let mut reports = Vec::new();
    // The downloaded archives with their validators; the guards remove the files when dropped.
    let mut downloads: Vec<(RemoveOnDrop, String, Validators)> = Vec::new();
    for ecosystem in &options.ecosystems {
        let url = format!("{base}/{}/all.zip", encode_segment(ecosystem));
        let known = state.archives.get(&url).cloned().unwrap_or_default();
        let fetch = match fetch(&agent, options, dir, ecosystem, &url, &known, progress)? {
            None => Fetch::Unchanged,
            Some((file, bytes, validators)) => {
                downloads.push((file, url.clone(), validators));
                Fetch::Downloaded { bytes }
            }
        };
        reports.push(EcosystemReport {
            ecosystem: ecosystem.clone(),
            url,
            fetch,
        });
    }
    if downloads.is_empty() {
        return Ok(UpdateReport {
            ecosystems: reports,
            import: None,
        });
    }
    let paths: Vec<PathBuf> = downloads.iter().map(|(f, _, _)| f.0.clone()).collect();
    let origins: Vec<String> = downloads.iter().map(|(_, url, _)| url.clone()).collect();
    let import = db::import_labeled(dir, &paths, &origins, &mut |records| {
        progress(Progress::Imported { records });
        ControlFlow::Continue(())
    })
    .map_err(|e| Error::UpdateImport(Box::new(e)))?;
    for (_, url, validators) in &downloads {
        if validators == &Validators::default() {
            state.archives.remove(url);
        } else {
            state.archives.insert(url.clone(), validators.clone());
        }
    }
    drop(downloads);
    state.save(dir).map_err(|source| Error::UpdateState {
        path: dir.join(STATE_FILE).display().to_string(),
        source,
    })?;
    Ok(UpdateReport {
        ecosystems: reports,
        import: Some(import),
    })
}

/// The base URL without trailing slashes, after checking the options.
fn check_options(options: &UpdateOptions) -> Result<&str, Error> {
    let bad = |reason: String| Error::UpdateOptions { reason };
    let base = options.source.trim_end_matches('/');
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .ok_or_else(|| {
            bad(format!(
                "source {:?} is not an http:// or https:// URL",
                options.source
            ))
        })?;
    if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(format!("source {:?} is not a usable URL", options.source)));
    }
    if options.ecosystems.is_empty() {
        return Err(bad("no ecosystems to update".into()));
    }
    for e in &options.ecosystems {
        if e.is_empty() || e == "." || e == ".." || e.chars().any(|c| c == '/' || c.is_control()) {
            return Err(bad(format!("{e:?} is not an ecosystem name")));
        }
    }
    Ok(base)
}

fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(format!("rensa/{}", env!("CARGO_PKG_VERSION")))
        .timeout_resolve(Some(timeout))
        .timeout_connect(Some(timeout))
        .timeout_send_request(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_per_read(Some(timeout))
        .build()
        .into()
}

/// Percent-encodes an ecosystem name for one URL path segment (OSV's names are mostly safe already).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A retryable failure of one attempt.
enum Retry {
    Transport(ureq::Error),
    Body(std::io::Error),
    Status(u16),
}

/// One archive: `None` when unchanged, else the downloaded file, its size and its new validators.
fn fetch(
    agent: &Agent,
    options: &UpdateOptions,
    dir: &Path,
    ecosystem: &str,
    url: &str,
    known: &Validators,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Option<(RemoveOnDrop, u64, Validators)>, Error> {
    let attempts = options.attempts.max(1);
    let mut pause = options.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let failure = match attempt_fetch(agent, options, dir, ecosystem, url, known, progress)? {
            Ok(done) => return Ok(done),
            Err(failure) => failure,
        };
        if attempt >= attempts {
            return Err(match failure {
                Retry::Transport(source) => Error::Transport {
                    url: url.to_string(),
                    attempts,
                    source,
                },
                Retry::Body(source) => Error::Download {
                    url: url.to_string(),
                    attempts,
                    source,
                },
                Retry::Status(status) => Error::HttpStatus {
                    url: url.to_string(),
                    status,
                },
            });
        }
        std::thread::sleep(pause);
        pause = pause.saturating_mul(2);
    }
}

/// One attempt: the outer error is final, the inner one may be retried.
#[allow(clippy::type_complexity)]
fn attempt_fetch(
    agent: &Agent,
    options: &UpdateOptions,
    dir: &Path,
    ecosystem: &str,
    url: &str,
    known: &Validators,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Result<Option<(RemoveOnDrop, u64, Validators)>, Retry>, Error> {
    let mut request = agent.get(url);
    if let Some(etag) = &known.etag {
        request = request.header("If-None-Match", etag);
    }
    if let Some(date) = &known.last_modified {
        request = request.header("If-Modified-Since", date);
    }
    let response = match request.call() {
        Ok(r) => r,
        Err(e) if retryable(&e) => return Ok(Err(Retry::Transport(e))),
        Err(source) => {
            return Err(Error::Transport {
                url: url.to_string(),
                attempts: 1,
                source,
            });
        }
    };
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Ok(None));
    }
    if status.is_server_error() {
        return Ok(Err(Retry::Status(status.as_u16())));
    }
    if status != StatusCode::OK {
        return Err(Error::HttpStatus {
            url: url.to_string(),
            status: status.as_u16(),
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let total = response.body().content_length();
    if total.is_some_and(|n| n > options.max_bytes) {
        return Err(Error::DownloadTooLarge {
            url: url.to_string(),
            limit: options.max_bytes,
        });
    }
    progress(Progress::Start { ecosystem, total });
    let (file, guard) = temp_file(dir, ecosystem)?;
    let mut out = std::io::BufWriter::with_capacity(CHUNK, file);
    let mut body = response.into_body().into_reader().take(options.max_bytes + 1);
    let mut buf = vec![0u8; 64 << 10];
    let mut received = 0u64;
    let mut since_report = 0usize;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Ok(Err(Retry::Body(e))),
        };
        received += n as u64;
        if received > options.max_bytes {
            return Err(Error::DownloadTooLarge {
                url: url.to_string(),
                limit: options.max_bytes,
            });
        }
        out.write_all(&buf[..n]).map_err(|source| Error::Io {
            path: guard.0.display().to_string(),
            source,
        })?;
        since_report += n;
        if since_report >= CHUNK {
            since_report = 0;
            progress(Progress::Received {
                ecosystem,
                bytes: received,
            });
        }
    }
    out.flush().map_err(|source| Error::Io {
        path: guard.0.display().to_string(),
        source,
    })?;
    progress(Progress::Received {
        ecosystem,
        bytes: received,
    });
    Ok(Ok(Some((guard, received, validators))))
}

/// Failures worth another attempt: no connection, a timeout, a broken connection.
fn retryable(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// A new temporary `.zip` file in `dir` (the extension is how the import recognizes an OSV archive).
fn temp_file(dir: &Path, ecosystem: &str) -> Result<(std::fs::File, RemoveOnDrop), Error> {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let safe: String = ecosystem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!(
        "{TEMP_PREFIX}{}-{}-{safe}.zip",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
    Ok((file, RemoveOnDrop(path)))
}

/// Removes the temporary files of updates whose process is gone (killed before it could clean up);
/// where `/proc` is missing, nothing is removed.
fn remove_abandoned(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Removes a temporary file when dropped, unless forgotten.
#[derive(Debug)]
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_names_are_encoded_for_a_path_segment() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Debian:12"), "Debian:12");
        assert_eq!(encode_segment("Red Hat"), "Red%20Hat");
    }

    #[test]
    fn options_are_checked() {
        let mut o = UpdateOptions::default();
        assert_eq!(check_options(&o).unwrap(), DEFAULT_SOURCE);
        o.source = "ftp://x".into();
        assert!(check_options(&o).is_err());
        o.source = "http://127.0.0.1:1/".into();
        assert_eq!(check_options(&o).unwrap(), "http://127.0.0.1:1");
        o.ecosystems = vec!["../x".into()];
        assert!(check_options(&o).is_err());
        o.ecosystems.clear();
        assert!(check_options(&o).is_err());
    }
}
