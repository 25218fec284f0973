//! Reading advisory sources: format detection over files and directories, and the native distribution
//! and ecosystem feeds ([`debian`], [`alpine`], [`rustsec`]); OSV itself is in [`crate::osv`].
//!
//! [`read_path`] is the one entry point: it takes a file or directory in any supported format and returns
//! an [`ImportBatch`]. Bad records are collected in the batch and skipped; only a path that cannot be read
//! at all, or a corrupt or truncated archive, fails the whole call, so that an import is all or nothing
//! for archives.
//!
//! Detection, in order:
//! - a directory holding `data/DSA/list` or `data/DLA/list` (or `DSA/list`, `DLA/list`): the Debian
//!   security tracker; its DSA and DLA lists are read;
//! - a directory holding `crates/` and `rust/` (or `EXAMPLE_ADVISORY.md`): a RustSec advisory-db checkout;
//!   `crates/` and `rust/` are read;
//! - a directory holding `vuln/npm/index.json` (or `npm/index.json`, or a directory `npm` holding
//!   `index.json`): a Node.js Security WG checkout; its npm advisories are read ([`nodejs`]);
//! - any other directory is walked recursively (sorted, hidden entries and symlinked directories skipped)
//!   and each file is read by its kind below;
//! - `*.zip`: an OSV archive (`all.zip`);
//! - `*.json`: an OSV record or array of records (has `id` and `modified` or `affected`), an Alpine secdb
//!   file (`distroversion` and `packages`), a Node.js Security WG npm advisory (`module_name` and
//!   `vulnerable_versions`), or else the Debian tracker JSON;
//! - `*.yaml`, `*.yml`: an OSV record or an Alpine secdb file; other YAML documents (such as the Go
//!   database's `data/excluded/` reports) are counted in [`ImportBatch::ignored_files`];
//! - `*.md` starting with a ```` ```toml ```` fence, and `*.toml`: a RustSec advisory;
//! - a file named `list` whose first line looks like `[DD Mon YYYY] DSA-…`: a Debian DSA/DLA list.

pub mod alpine;
pub mod debian;
pub mod nodejs;
pub mod rustsec;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::mpsc::SyncSender;

use serde::de::IgnoredAny;

use crate::advisory::Advisory;
use crate::{Error, Result, osv};

/// The outcome of reading one path: the advisories read and everything that was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportBatch {
    /// The advisories, in file order.
    pub advisories: Vec<Advisory>,
    /// Records or files that were skipped: `(location, reason)`, where location names the file and,
    /// where there is one, the record.
    pub errors: Vec<(String, String)>,
    /// Affected entries dropped because their ecosystem is not one rensa knows, counted per ecosystem.
    pub unknown_ecosystems: BTreeMap<String, usize>,
    /// Files of a candidate kind (`.json`, `.yaml`) that hold no advisory format and were passed over.
    pub ignored_files: usize,
    /// The feed: the common `source` of the advisories (`osv`, `rustsec`, …), their common prefix
    /// (`debian` for `debian-dsa` and `debian-dla`), `mixed` when they differ, or the detected format when
    /// there are none.
    pub source: String,
    /// Where a streaming read ([`read_path_streaming`]) sends the advisories as it goes.
    stream: Stream,
}

/// Advisories are sent on in chunks of about this many (or one file's worth, when more).
const CHUNK: usize = 256;

/// The channel of a streaming read, and the distinct sources of what went through it. Not part of what
/// a batch holds: batches compare equal whatever their streams.
#[derive(Debug, Clone, Default)]
struct Stream {
    to: Option<SyncSender<Vec<Advisory>>>,
    sources: BTreeSet<String>,
}

impl PartialEq for Stream {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Stream {}

impl ImportBatch {
    /// An empty batch for `source`.
    pub fn new(source: impl Into<String>) -> Self {
        ImportBatch {
            source: source.into(),
            ..Default::default()
        }
    }

    /// Records a skipped record or file.
    pub fn error(&mut self, location: impl Into<String>, reason: impl Into<String>) {
        self.errors.push((location.into(), reason.into()));
    }

    /// Counts one affected entry of an unknown ecosystem.
    pub fn unknown_ecosystem(&mut self, ecosystem: &str) {
        *self.unknown_ecosystems.entry(ecosystem.to_string()).or_default() += 1;
    }

    /// Whether this batch sends its advisories on as they are read ([`read_path_streaming`]).
    pub(crate) fn is_streaming(&self) -> bool {
        self.stream.to.is_some()
    }

    /// In a streaming read, sends the advisories read so far on once there are [`CHUNK`] of them (or
    /// any, with `all`). Fails with [`Error::Interrupted`] when the receiver has gone (it stopped on an
    /// error of its own, which is the one to report).
    pub(crate) fn flush(&mut self, all: bool) -> Result<()> {
        let Some(to) = &self.stream.to else {
            return Ok(());
        };
        if self.advisories.is_empty() || (!all && self.advisories.len() < CHUNK) {
            return Ok(());
        }
        for a in &self.advisories {
            if !self.stream.sources.contains(&a.source) {
                self.stream.sources.insert(a.source.clone());
            }
        }
        to.send(std::mem::take(&mut self.advisories))
            .map_err(|_| Error::Interrupted)
    }

    /// Moves everything in `other` into this batch.
    pub fn append(&mut self, other: ImportBatch) {
        self.advisories.extend(other.advisories);
        self.errors.extend(other.errors);
        for (k, n) in other.unknown_ecosystems {
            *self.unknown_ecosystems.entry(k).or_default() += n;
        }
        self.ignored_files += other.ignored_files;
    }

    /// Sets `source` from the advisories (those held and those sent on): their common source, `mixed`,
    /// or `fallback` when empty.
    fn settle_source(&mut self, fallback: &str) {
        let mut sources: BTreeSet<&str> = self.stream.sources.iter().map(String::as_str).collect();
        sources.extend(self.advisories.iter().map(|a| a.source.as_str()));
        let mut iter = sources.iter();
        self.source = match (iter.next(), sources.len()) {
            (None, _) => fallback.to_string(),
            (Some(only), 1) => only.to_string(),
            // `debian-dsa` and `debian-dla` → `debian`.
            (Some(first), _) => {
                let prefix = first.split('-').next().unwrap_or(first);
                if sources.iter().all(|s| s.split('-').next() == Some(prefix)) {
                    prefix.to_string()
                } else {
                    "mixed".to_string()
                }
            }
        };
    }
}

/// Reads advisories from a file or directory in any supported format (see the module docs).
///
/// Fails only when `path` cannot be read or an archive is corrupt, truncated or over its limits; bad
/// records are reported in [`ImportBatch::errors`] and skipped.
pub fn read_path(path: &Path) -> Result<ImportBatch> {
    read_into(path, ImportBatch::default())
}

/// [`read_path`] that sends the advisories to `to` in chunks as they are read, in file order, instead of
/// holding them all: memory stays bounded by the channel's capacity and the largest file (or archive
/// entry). The batch returned holds everything else (skipped records, counts, the feed's `source`) and
/// no advisories. Fails like [`read_path`], and with [`Error::Interrupted`] when the receiver hangs up;
/// what was sent before a failure must then be discarded by the receiver.
pub fn read_path_streaming(path: &Path, to: SyncSender<Vec<Advisory>>) -> Result<ImportBatch> {
    let batch = ImportBatch {
        stream: Stream {
            to: Some(to),
            sources: BTreeSet::new(),
        },
        ..Default::default()
    };
    let mut batch = read_into(path, batch)?;
    batch.stream.to = None;
    Ok(batch)
}

fn read_into(path: &Path, mut batch: ImportBatch) -> Result<ImportBatch> {
    let meta = std::fs::metadata(path).map_err(|source| io_error(path, source))?;
    let fallback;
    if meta.is_dir() {
        if let Some(lists) = debian_lists(path) {
            for list in lists {
                let text = read_text(&list)?;
                debian::read_list(&text, &display(&list), &mut batch);
                batch.flush(false)?;
            }
            fallback = "debian";
        } else if path.join("crates").is_dir()
            && (path.join("rust").is_dir() || path.join("EXAMPLE_ADVISORY.md").is_file())
        {
            for sub in ["crates", "rust"] {
                if path.join(sub).is_dir() {
                    walk(&path.join(sub), &mut batch)?;
                }
            }
            fallback = "rustsec";
        } else if let Some(npm) = nodejs::npm_dir(path) {
            nodejs::read_checkout(&npm, &mut batch)?;
            fallback = nodejs::SOURCE;
        } else {
            walk(path, &mut batch)?;
            fallback = "osv";
        }
    } else {
        read_file(path, true, &mut batch)?;
        fallback = "osv";
    }
    batch.flush(true)?;
    batch.settle_source(fallback);
    Ok(batch)
}

/// The DSA and DLA lists of a Debian security-tracker checkout at `dir`, if it is one.
fn debian_lists(dir: &Path) -> Option<Vec<std::path::PathBuf>> {
    for base in [dir.join("data"), dir.to_path_buf()] {
        let lists: Vec<_> = ["DSA", "DLA"]
            .iter()
            .map(|k| base.join(k).join("list"))
            .filter(|p| p.is_file())
            .collect();
        if !lists.is_empty() {
            return Some(lists);
        }
    }
    None
}

/// Reads every file under `dir`, in sorted order.
fn walk(dir: &Path, batch: &mut ImportBatch) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| io_error(dir, source))?
        .collect::<std::io::Result<_>>()
        .map_err(|source| io_error(dir, source))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ty = entry.file_type().map_err(|source| io_error(&path, source))?;
        if ty.is_dir() {
            walk(&path, batch)?;
        } else if ty.is_file() || (ty.is_symlink() && path.is_file()) {
            read_file(&path, false, batch)?;
            batch.flush(false)?;
        }
    }
    Ok(())
}

/// Reads one file by its kind. `explicit` is set when the user named the file itself: then a file of no
/// known kind is an error rather than passed over.
fn read_file(path: &Path, explicit: bool, batch: &mut ImportBatch) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let location = display(path);
    match ext.as_str() {
        "zip" => {
            let file = std::fs::File::open(path).map_err(|source| io_error(path, source))?;
            osv::read_zip(file, &location, &osv::ZipLimits::default(), batch)?;
        }
        "json" | "yaml" | "yml" => {
            let Some(text) = read_text_or_report(path, batch) else {
                return Ok(());
            };
            read_document(&text, &location, ext == "json", explicit, batch);
        }
        "md" | "toml" => {
            let Some(text) = read_text_or_report(path, batch) else {
                return Ok(());
            };
            if ext == "toml" || text.trim_start().starts_with("```toml") {
                rustsec::read_advisory(&text, &location, path, batch);
            } else if explicit {
                batch.error(location, "a Markdown file without a ```toml front-matter block");
            }
        }
        _ if name == "list" => {
            let Some(text) = read_text_or_report(path, batch) else {
                return Ok(());
            };
            if debian::looks_like_list(&text) {
                debian::read_list(&text, &location, batch);
            } else if explicit {
                batch.error(location, "not a Debian DSA/DLA list");
            }
        }
        _ if explicit => {
            let text = read_text(path)?;
            let trimmed = text.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') && !debian::looks_like_list(&text) {
                read_document(&text, &location, true, true, batch);
            } else if debian::looks_like_list(&text) {
                debian::read_list(&text, &location, batch);
            } else if trimmed.starts_with("```toml") {
                rustsec::read_advisory(&text, &location, path, batch);
            } else {
                read_document(&text, &location, false, true, batch);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads one JSON or YAML document of unknown kind.
fn read_document(text: &str, location: &str, json: bool, explicit: bool, batch: &mut ImportBatch) {
    if json && text.trim_start().starts_with('[') {
        osv::read_json_array(text, location, batch);
        return;
    }
    let keys: BTreeMap<String, IgnoredAny> = match if json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    } {
        Ok(keys) => keys,
        Err(e) => {
            batch.error(
                location,
                format!("invalid {}: {}", if json { "JSON" } else { "YAML" }, one_line(&e)),
            );
            return;
        }
    };
    let has = |k: &str| keys.contains_key(k);
    if has("id") && (has("modified") || has("affected")) {
        if json {
            osv::read_json(text, location, batch);
        } else {
            osv::read_yaml(text, location, batch);
        }
    } else if json && nodejs::is_advisory(&has) {
        nodejs::read_advisory(text, location, Some(Path::new(location)), batch);
    } else if has("distroversion") && has("packages") {
        alpine::read_secdb(text, location, json, batch);
    } else if json && !keys.is_empty() && !has("id") {
        debian::read_tracker_json(text, location, batch);
    } else if explicit {
        batch.error(
            location,
            "neither an OSV record nor an Alpine secdb or Debian tracker file",
        );
    } else {
        batch.ignored_files += 1;
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| io_error(path, source))?;
    String::from_utf8(bytes).map_err(|_| Error::Feed {
        location: display(path),
        reason: "not UTF-8 text".into(),
    })
}

fn read_text_or_report(path: &Path, batch: &mut ImportBatch) -> Option<String> {
    match read_text(path) {
        Ok(t) => Some(t),
        Err(e) => {
            batch.error(display(path), e.to_string());
            None
        }
    }
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: display(path),
        source,
    }
}

pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// An error message on one line, without the source snippets that YAML and TOML errors render
/// (`--> <input>:6:11`, `6 |     name: [unclosed`, `^`).
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| {
            let snippet = l.starts_with('|')
                || l.starts_with("-->")
                || l.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                    .trim_start()
                    .starts_with('|');
            !l.is_empty() && !snippet
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join(" ")
}
