//! The local vulnerability database: import of advisories, lookups by package, status and export.
//!
//! # Layout
//!
//! A database is a directory ([`default_dir`]: `$XDG_CACHE_HOME/rensa/db`, else `~/.cache/rensa/db`)
//! holding one SQLite file, [`FILE_NAME`]. Its tables:
//!
//! - `meta(key, value)`: `format` = [`FORMAT`], the layout and record encoding version; a file of another
//!   format is refused with a message to re-import.
//! - `advisory(rowid, key UNIQUE, source, modified, dict, data)`: one row per
//!   [`Advisory::key`]; `data` is the whole [`Advisory`] encoded with postcard and compressed with zstd,
//!   with the dictionary `dict` when there is one; the other columns repeat what queries and merges need
//!   without decoding.
//! - `dict(id, data)`: zstd dictionaries, one trained on the records of each imported path of at least a
//!   few hundred records (small records compress about twice as well with one: the database for the Go,
//!   PyPA and RustSec databases is 0.28 of their JSON, YAML and Markdown). Dictionaries no record uses
//!   any more are deleted at the end of an import.
//! - `affected(family, package, release, advisory)`, a `WITHOUT ROWID` table whose primary key
//!   `(family, package, release, advisory)` is the lookup index: one row per affected entry, with the
//!   ecosystem split into its family (`Debian`) and the rest (`12`; empty for unscoped ecosystems such
//!   as `PyPI` or a bare `Debian`), which keeps the exact ecosystem and its family without storing the
//!   family twice. `advisory` is the advisory's rowid. [`Database::lookup`] for `Debian:12` is two
//!   searches of this key, for `(Debian, package, '')` and `(Debian, package, 12)`, joined to
//!   `advisory` by rowid; never a scan, so its time does not grow with the database.
//! - `alias(alias, advisory)`, `WITHOUT ROWID`: every identifier of a record (its `id` and each alias),
//!   for [`Database::by_id`].
//! - `source(name, records, newest_modified, imported_at, origin)`: per feed (`osv`, `rustsec`,
//!   `debian-dsa`, …) the record count, the newest `modified` time, when it was last imported and from
//!   where.
//!
//! Package names are stored and looked up normalized ([`normalize_package`]): PyPI names as PEP 503 says
//! (lower case, runs of `-`, `_` and `.` as one `-`); every other ecosystem exactly as written, since
//! their names are case-sensitive or their tools report them exactly.
//!
//! # Import
//!
//! [`import`] reads each path with [`crate::feed::read_path_streaming`] (every format it knows) or, when
//! the file is an SQLite database written by [`Database::export`], reads that database's records, on a
//! thread of its own: records are written as they arrive, a few hundred at a time, so memory does not
//! grow with the feed (the first 4,000 records of a path are held back to train its dictionary). A
//! new database file is `VACUUM`ed before it is linked into place. Everything is written in one
//! SQLite transaction, so an import that fails or is interrupted at any point, including a corrupt archive
//! in the last path, leaves the previous database exactly as it was; a first import builds the file
//! under a temporary name and links it into place only when complete (merging it, like an exported
//! file, into a database that another import created meanwhile).
//!
//! Imports merge: a record replaces the stored one with the same key unless the stored one has a later
//! `modified` time or is identical, so importing the same data again changes nothing and counts do not
//! grow. Records are never removed by an import. An exported file is merged the same way, record by
//! record (not swapped in whole, so that it cannot undo newer local data); its sources keep the later of
//! the file's and the local `imported_at`. Imported into an empty directory it reproduces the exported
//! database, including each source's `imported_at` and origin, so that the age of data moved into an
//! air-gapped network stays visible.
//!
//! # Reading
//!
//! A database is opened read-only with [`Database::open`]; a missing one is [`Error::NoDatabase`]. It is
//! read through a read-only memory map and never written, so no journal or WAL file appears beside it:
//! a database in a read-only directory or committed in a repository can be scanned as it is.
//! [`Database::advisories_for`] runs all of a scan's lookups in one read transaction, and
//! [`Database::status`] reads the per-source counts kept at import instead of counting rows. Readers
//! may run while an import writes: the import keeps its pages in memory until the commit, so readers wait
//! (up to 30 s) only while it commits. If an import was killed while committing, the next open rolls its
//! journal back first.

pub(crate) mod time;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use crate::advisory::Advisory;
use crate::feed::{ImportBatch, display, read_path_streaming};
use crate::{Error, Result};

/// The name of the SQLite file in a database directory.
pub const FILE_NAME: &str = "rensa.db";

/// The layout and record-encoding version, stored in `meta`.
pub const FORMAT: &str = "rensa-vulndb-3";

/// zstd level of the advisory records: small records compress well up to here, and higher levels cost
/// import time for a percent or two.
const ZSTD_LEVEL: i32 = 12;

/// The lookup of [`Database::lookup`]: a search of `affected`'s primary key for one release (or `''`),
/// then rowid lookups of `advisory`. A plain join run once per release, without the temporary tables
/// that an `IN (…)` list, an `IN (SELECT …)` or an `ORDER BY` would build per call; the caller
/// deduplicates and sorts.
/// The rowids of the advisories with an affected entry for one (family, package, release): a search
/// of the `affected` primary key.
const AFFECTED_ROWIDS: &str =
    "SELECT advisory FROM affected WHERE family = ?1 AND package = ?2 AND release = ?3";

/// One advisory by rowid: a search of the `advisory` table's integer key.
const ADVISORY_BY_ROWID: &str = "SELECT key, dict, data FROM advisory WHERE rowid = ?1";

/// The settings of a reading connection (opened read-only): a read-only memory map of the file (up to
/// 1 GiB), and a page cache large enough to keep every page a scan touches.
const READ_PRAGMAS: &str = "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;";

/// How long to wait for another process's lock on the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Batches of fewer records are compressed without a dictionary.
const DICT_MIN_RECORDS: usize = 200;

/// Records sampled to train a dictionary.
const DICT_SAMPLES: usize = 4000;

/// Largest dictionary trained.
const DICT_MAX_BYTES: usize = 64 << 10;

/// Largest decoded advisory record accepted from a database file (a guard against hostile files).
const MAX_RECORD_BYTES: usize = 8 << 20;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS advisory (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    modified TEXT,
    dict INTEGER,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS dict (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS affected (
    family TEXT NOT NULL,
    package TEXT NOT NULL,
    release TEXT NOT NULL,
    advisory INTEGER NOT NULL,
    PRIMARY KEY (family, package, release, advisory)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alias (
    alias TEXT NOT NULL,
    advisory INTEGER NOT NULL,
    PRIMARY KEY (alias, advisory)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS source (
    name TEXT PRIMARY KEY,
    records INTEGER NOT NULL,
    newest_modified TEXT,
    imported_at TEXT NOT NULL,
    origin TEXT NOT NULL
) WITHOUT ROWID;
";

/// The default database directory: `$XDG_CACHE_HOME/rensa/db`, else `$HOME/.cache/rensa/db`; `None`
/// when neither variable is set to an absolute path.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".cache")))
        .map(|c| c.join("rensa").join("db"))
}

/// The family of an ecosystem: the part before the first `:` (`Debian:12` → `Debian`).
pub fn family(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// A package name as the database stores and looks it up, normalized exactly as the matcher compares
/// names: PEP 503 for PyPI (`Foo_Bar.baz` → `foo-bar-baz`), lower case for NuGet and Packagist (their
/// names are case-insensitive), unchanged (trimmed) for every other ecosystem.
pub fn normalize_package<'a>(ecosystem: &str, name: &'a str) -> Cow<'a, str> {
    Cow::Owned(crate::matcher::ecosystem::normalize_advisory_name(
        family(ecosystem),
        name,
    ))
}

/// The release part of an ecosystem (`Debian:12` → `12`, `Ubuntu:Pro:22.04` → `Pro:22.04`, `PyPI` → ``).
fn release(ecosystem: &str) -> &str {
    ecosystem.split_once(':').map_or("", |(_, r)| r)
}

/// An open (read-only) database.
pub struct Database {
    conn: Connection,
    path: PathBuf,
    decoder: Decoder,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("path", &self.path).finish()
    }
}

/// What [`Database::status`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The SQLite file.
    pub path: PathBuf,
    /// Its size on disk.
    pub size_bytes: u64,
    /// All records (of every source).
    pub records: u64,
    /// The sources, sorted by name.
    pub sources: Vec<SourceStatus>,
}

/// One source in [`Status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    /// The feed (`osv`, `rustsec`, `debian-dsa`, …).
    pub name: String,
    /// How many records it holds.
    pub records: u64,
    /// The newest `modified` time among its records, as the records give it.
    pub newest: Option<String>,
    /// How long ago `newest` was, when it parses and is in the past.
    pub age: Option<Duration>,
    /// When it was last imported (RFC 3339, UTC).
    pub imported_at: String,
    /// The path(s) it was last imported from (absolute, comma-separated).
    pub origin: String,
}

impl Database {
    /// Opens the database in `dir` read-only.
    ///
    /// A directory without a database file is [`Error::NoDatabase`]; a file that is not a rensa database
    /// of this [`FORMAT`] is [`Error::Database`].
    pub fn open(dir: &Path) -> Result<Database> {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return Err(Error::NoDatabase { dir: display(dir) });
        }
        recover(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql(&path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql(&path, e))?;
        // Pages are read through a shared read-only mapping rather than copied in with a system call
        // each; the connection never writes, so nothing (journal, WAL) is created beside the file.
        conn.execute_batch(READ_PRAGMAS).map_err(|e| sql(&path, e))?;
        check_format(&conn, &path)?;
        Ok(Database {
            conn,
            path,
            decoder: Decoder::default(),
        })
    }

    /// The SQLite file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every advisory with an affected entry for `package` in `ecosystem` or, for a scoped ecosystem
    /// such as `Debian:12`, in its unscoped family (`Debian`); sorted by key, each once. The package name
    /// is normalized with [`normalize_package`]. Withdrawn records are included; the matcher decides
    /// what applies.
    pub fn lookup(&self, ecosystem: &str, package: &str) -> Result<Vec<Advisory>> {
        let mut rowids = BTreeSet::new();
        self.affected_rowids(ecosystem, package, &mut rowids)?;
        self.advisories_by_rowid(&rowids)
    }

    /// Adds the rowids of the advisories filed under `package` in `ecosystem` (and in its unscoped
    /// family) to `rowids`.
    fn affected_rowids(&self, ecosystem: &str, package: &str, rowids: &mut BTreeSet<i64>) -> Result<()> {
        let fam = family(ecosystem);
        let name = normalize_package(ecosystem, package);
        let mut stmt = self
            .conn
            .prepare_cached(AFFECTED_ROWIDS)
            .map_err(|e| sql(&self.path, e))?;
        let rel = release(ecosystem);
        let releases: &[&str] = if rel.is_empty() { &[""] } else { &["", rel] };
        for rel in releases {
            let mut rows = stmt
                .query(params![fam, name.as_ref(), rel])
                .map_err(|e| sql(&self.path, e))?;
            while let Some(row) = rows.next().map_err(|e| sql(&self.path, e))? {
                rowids.insert(row.get(0).map_err(|e| sql(&self.path, e))?);
            }
        }
        Ok(())
    }

    /// The advisories of `rowids`, read in rowid order (the order of the file, so a scan's reads move
    /// forward through it instead of jumping between packages' records), returned sorted by key.
    fn advisories_by_rowid(&self, rowids: &BTreeSet<i64>) -> Result<Vec<Advisory>> {
        let mut stmt = self
            .conn
            .prepare_cached(ADVISORY_BY_ROWID)
            .map_err(|e| sql(&self.path, e))?;
        let mut found = Vec::with_capacity(rowids.len());
        for rowid in rowids {
            let mut rows = stmt.query([rowid]).map_err(|e| sql(&self.path, e))?;
            // A rowid from the index always has its row: both are written in one transaction.
            let Some(row) = rows.next().map_err(|e| sql(&self.path, e))? else {
                continue;
            };
            let (key, dict, data) = (|| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get_ref(2)?.as_blob()?,
                ))
            })()
            .map_err(|e| sql(&self.path, e))?;
            found.push((key, self.decoder.decode(&self.conn, &self.path, dict, data)?));
        }
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(found.into_iter().map(|(_, a)| a).collect())
    }

    /// Every advisory the database holds for `packages` (each looked up by its OSV ecosystem, scoped to
    /// `distro`, under every name it may be filed under: the source package for distro packages, and
    /// for rpm also the binary name), each once, sorted by key. Packages of ecosystems without
    /// advisories are skipped. This is what [`crate::matcher::match_packages`] needs for a scan.
    ///
    /// All index searches come first, then the records are read in file order: with a large database
    /// the records of one package lie far apart, and reading them package by package touched pages all
    /// over the file.
    pub fn advisories_for(
        &self,
        packages: &[rensa_catalog::Package],
        distro: Option<&rensa_catalog::Distro>,
    ) -> Result<Vec<Advisory>> {
        // One read transaction for all lookups: the shared lock is taken (and the file's change
        // counter checked) once, not once per statement, and every lookup sees the same snapshot.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sql(&self.path, e))?;
        let mut rowids = BTreeSet::new();
        for pkg in packages {
            let Some((exact, _family)) = crate::matcher::osv_ecosystem(pkg, distro) else {
                continue;
            };
            let mut names = vec![crate::matcher::lookup_name(pkg)];
            if pkg.ecosystem == rensa_catalog::Ecosystem::Rpm {
                names.push(pkg.name.clone());
                names.extend(pkg.source_name.clone());
            }
            names.sort();
            names.dedup();
            for name in names {
                self.affected_rowids(&exact, &name, &mut rowids)?;
            }
        }
        let out = self.advisories_by_rowid(&rowids)?;
        tx.commit().map_err(|e| sql(&self.path, e))?;
        Ok(out)
    }

    /// Every advisory whose id or one of whose aliases is `id`, sorted by key.
    pub fn by_id(&self, id: &str) -> Result<Vec<Advisory>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT dict, data FROM advisory WHERE rowid IN (SELECT advisory FROM alias WHERE alias = ?1)
                 ORDER BY key",
            )
            .map_err(|e| sql(&self.path, e))?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(|e| sql(&self.path, e))?;
        self.decode_rows(rows)
    }

    fn decode_rows(
        &self,
        rows: impl Iterator<Item = rusqlite::Result<(Option<i64>, Vec<u8>)>>,
    ) -> Result<Vec<Advisory>> {
        rows.map(|row| {
            let (dict, data) = row.map_err(|e| sql(&self.path, e))?;
            self.decoder.decode(&self.conn, &self.path, dict, &data)
        })
        .collect()
    }

    /// The sources, their record counts and ages, and the file's size.
    pub fn status(&self) -> Result<Status> {
        let now = time::now();
        let mut stmt = self
            .conn
            .prepare("SELECT name, records, newest_modified, imported_at, origin FROM source ORDER BY name")
            .map_err(|e| sql(&self.path, e))?;
        let sources = stmt
            .query_map([], |r| {
                let newest: Option<String> = r.get(2)?;
                let age = newest
                    .as_deref()
                    .and_then(time::parse)
                    .filter(|t| *t <= now)
                    .map(|t| Duration::from_secs((now - t) as u64));
                Ok(SourceStatus {
                    name: r.get(0)?,
                    records: r.get::<_, i64>(1)? as u64,
                    newest,
                    age,
                    imported_at: r.get(3)?,
                    origin: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| sql(&self.path, e))?;
        // Every record belongs to one source, and each source's count is kept at import: no count of
        // the whole table, whose time would grow with the database.
        let records: i64 = sources.iter().map(|s| s.records as i64).sum();
        let size_bytes = std::fs::metadata(&self.path)
            .map_err(|source| Error::Io {
                path: display(&self.path),
                source,
            })?
            .len();
        Ok(Status {
            path: self.path.clone(),
            size_bytes,
            records: records as u64,
            sources,
        })
    }

    /// Writes a consistent, compacted copy of the database to `file` (replacing it atomically), for
    /// [`import`] elsewhere.
    pub fn export(&self, file: &Path) -> Result<()> {
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let guard = RemoveOnDrop(tmp.clone());
        let tmp_str = tmp.to_str().ok_or_else(|| Error::Database {
            path: display(file),
            reason: "the export path is not valid UTF-8".into(),
        })?;
        self.conn
            .execute("VACUUM INTO ?1", [tmp_str])
            .map_err(|e| sql(file, e))?;
        std::fs::rename(&tmp, file).map_err(|source| Error::Io {
            path: display(file),
            source,
        })?;
        std::mem::forget(guard);
        Ok(())
    }
}

/// What [`import`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// One entry per path, in the order given.
    pub paths: Vec<PathReport>,
    /// Records in the database afterwards.
    pub records: u64,
}

/// What was imported from one path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathReport {
    /// The path as given.
    pub path: PathBuf,
    /// The feed it held (the batch's `source`: `osv`, `rustsec`, `debian`, …, or `database` for an
    /// exported database).
    pub source: String,
    /// Records read.
    pub read: usize,
    /// Records new to the database.
    pub added: usize,
    /// Stored records replaced by these.
    pub replaced: usize,
    /// Records identical to the stored ones, or older than them, and left as they were.
    pub unchanged: usize,
    /// Malformed records or files skipped: `(location, reason)`.
    pub skipped: Vec<(String, String)>,
    /// Affected entries of unknown ecosystems, per ecosystem.
    pub unknown_ecosystems: BTreeMap<String, usize>,
    /// Files of no advisory format that were passed over.
    pub ignored_files: usize,
}

/// Imports advisories from `paths` into the database in `dir`, creating it when missing; see the module
/// docs for what is read and how records merge. Nothing is written unless every path is read.
pub fn import(dir: &Path, paths: &[PathBuf]) -> Result<ImportReport> {
    import_with(dir, paths, &mut |_| ControlFlow::Continue(()))
}

/// [`import`] with a callback after each record written (its argument is the number written so far in
/// this import); returning `ControlFlow::Break` stops the import with [`Error::Interrupted`] and leaves
/// the database unchanged.
pub fn import_with(
    dir: &Path,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
) -> Result<ImportReport> {
    import_labeled(dir, paths, &[], progress)
}

/// [`import_with`] where `origins[i]` (when given) is what `db status` records as the origin of
/// `paths[i]` instead of the file's path: the URL an archive was downloaded from, for example.
pub fn import_labeled(
    dir: &Path,
    paths: &[PathBuf],
    origins: &[String],
    progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
) -> Result<ImportReport> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: display(dir),
        source,
    })?;
    let target = dir.join(FILE_NAME);
    remove_abandoned(dir);
    let fresh = !target.exists();
    let (path, guard) = if fresh {
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{FILE_NAME}.new-{}-{serial}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        (tmp.clone(), Some(RemoveOnDrop(tmp)))
    } else {
        (target.clone(), None)
    };
    let mut conn = Connection::open(&path).map_err(|e| sql(&target, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql(&target, e))?;
    // Pages stay in memory until the commit, so readers are locked out only while it writes.
    conn.execute_batch("PRAGMA cache_size = -262144")
        .map_err(|e| sql(&target, e))?;
    if !fresh {
        check_format(&conn, &target)?;
    }
    let mut report = {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| sql(&target, e))?;
        let report = write_all(&tx, &target, paths, origins, progress)?;
        tx.commit().map_err(|e| sql(&target, e))?;
        report
    };
    if fresh {
        // Rows and index entries written in arrival order leave pages part-filled; a new file is
        // rebuilt packed (about a tenth smaller) before it is linked into place.
        conn.execute_batch("VACUUM").map_err(|e| sql(&target, e))?;
    } else {
        compact_if_sparse(&conn, &target)?;
    }
    drop(conn);
    if let Some(guard) = guard {
        // A link, unlike a rename, does not replace a database another import created meanwhile; then
        // this one is merged into it like an exported file.
        match std::fs::hard_link(&path, &target) {
            Ok(()) => drop(guard),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let merged = import_with(dir, std::slice::from_ref(&path), &mut |_| {
                    ControlFlow::Continue(())
                })?;
                report.records = merged.records;
                drop(guard);
            }
            // File systems without hard links.
            Err(_) => {
                std::fs::rename(&path, &target).map_err(|source| Error::Io {
                    path: display(&target),
                    source,
                })?;
                std::mem::forget(guard);
            }
        }
    }
    Ok(report)
}

/// Everything [`import_with`] writes, inside the transaction.
fn write_all(
    tx: &Transaction<'_>,
    db: &Path,
    paths: &[PathBuf],
    origins: &[String],
    progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
) -> Result<ImportReport> {
    tx.execute_batch(SCHEMA).map_err(|e| sql(db, e))?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?1)",
        [FORMAT],
    )
    .map_err(|e| sql(db, e))?;
    let now = time::format(time::now());
    let mut written = 0usize;
    let mut report = ImportReport::default();
    // Per source touched: (imported_at, origin).
    let mut touched: BTreeMap<String, (String, String)> = BTreeMap::new();
    let decoder = Decoder::default();
    for (i, path) in paths.iter().enumerate() {
        let mut entry = PathReport {
            path: path.clone(),
            ..Default::default()
        };
        // The records of this path's advisories, by source.
        let mut here_sources = BTreeSet::new();
        let mut read = 0usize;
        // The path is read on its own thread and its records written here as they arrive, so that
        // memory holds a few chunks, not the whole feed.
        let (batch, sources) = std::thread::scope(|scope| {
            let (to, from) = std::sync::mpsc::sync_channel::<Vec<Advisory>>(4);
            let reader = scope.spawn(move || {
                if is_sqlite(path) {
                    read_database(path, to)
                } else {
                    read_path_streaming(path, to).map(|b| (b, Vec::new()))
                }
            });
            let mut write = |advisory: &Advisory, encoder: &mut Encoder| -> Result<()> {
                match upsert(tx, db, encoder, &decoder, advisory)? {
                    Upsert::Added => entry.added += 1,
                    Upsert::Replaced => entry.replaced += 1,
                    Upsert::Unchanged => entry.unchanged += 1,
                }
                written += 1;
                if progress(written).is_break() {
                    return Err(Error::Interrupted);
                }
                Ok(())
            };
            let wrote = (|| -> Result<()> {
                let mut encoder = Encoder::default();
                // The first records are held back to train the path's dictionary.
                let mut held = Vec::new();
                for chunk in &from {
                    for advisory in chunk {
                        read += 1;
                        if !here_sources.contains(&advisory.source) {
                            here_sources.insert(advisory.source.clone());
                        }
                        if encoder.has_samples() {
                            write(&advisory, &mut encoder)?;
                            continue;
                        }
                        held.push(advisory);
                        if held.len() == DICT_SAMPLES {
                            encoder.sample(db, &held)?;
                            for a in held.drain(..) {
                                write(&a, &mut encoder)?;
                            }
                        }
                    }
                }
                if !encoder.has_samples() {
                    encoder.sample(db, &held)?;
                    for a in &held {
                        write(a, &mut encoder)?;
                    }
                }
                Ok(())
            })();
            // On a write error the reader finds the channel closed and stops.
            drop(from);
            let outcome = reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            wrote?;
            outcome
        })?;
        if read == 0 {
            let why = match batch.errors.first() {
                Some((location, reason)) => format!(
                    "no advisories could be read ({} skipped; first: {location}: {reason})",
                    batch.errors.len()
                ),
                None => "holds no advisories in a format rensa reads (OSV JSON/YAML/zip, Debian \
                         tracker, Alpine secdb, RustSec, or a `rensa db export` file)"
                    .into(),
            };
            return Err(Error::Feed {
                location: origins.get(i).cloned().unwrap_or_else(|| display(path)),
                reason: why,
            });
        }
        entry.source = batch.source;
        entry.read = read;
        entry.skipped = batch.errors;
        entry.unknown_ecosystems = batch.unknown_ecosystems;
        entry.ignored_files = batch.ignored_files;
        if let Some(origin) = origins.get(i) {
            // Locations inside a downloaded file name where it came from, not the temporary file.
            let local = display(path);
            for (location, _) in &mut entry.skipped {
                if let Some(rest) = location.strip_prefix(&local) {
                    *location = format!("{origin}{rest}");
                }
            }
        }
        // An exported database carries its sources' import times and origins: a source keeps the later
        // of the file's and the database's own, since the records merged are the later ones too.
        let mut carried = BTreeMap::new();
        for (name, imported_at, origin) in sources {
            let stored: Option<(String, String)> = tx
                .query_row(
                    "SELECT imported_at, origin FROM source WHERE name = ?1",
                    [&name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| sql(db, e))?;
            let best = match stored {
                Some(s) if time::parse(&s.0) >= time::parse(&imported_at) => s,
                _ => (imported_at, origin),
            };
            carried.insert(name, best);
        }
        let here = match origins.get(i) {
            Some(origin) => origin.clone(),
            None => display(&std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())),
        };
        for source in here_sources {
            if let Some(best) = carried.get(&source) {
                // A source imported directly in this same run keeps this run's time.
                touched.entry(source).or_insert_with(|| best.clone());
                continue;
            }
            let slot = touched
                .entry(source)
                .or_insert_with(|| (now.clone(), String::new()));
            if slot.0 != now {
                // Carried from an exported database earlier in this run; now imported directly.
                *slot = (now.clone(), String::new());
            }
            let origin = &mut slot.1;
            if !origin.split('\n').any(|o| o == here) {
                if !origin.is_empty() {
                    origin.push('\n');
                }
                origin.push_str(&here);
            }
        }
        report.paths.push(entry);
    }
    for (name, (imported_at, origin)) in &touched {
        tx.execute(
            "INSERT OR REPLACE INTO source (name, records, newest_modified, imported_at, origin)
             SELECT ?1, count(*), max(modified), ?2, ?3 FROM advisory WHERE source = ?1",
            params![name, imported_at, origin.replace('\n', ", ")],
        )
        .map_err(|e| sql(db, e))?;
    }
    // Dictionaries no record uses any more (all their records were replaced).
    tx.execute(
        "DELETE FROM dict WHERE id NOT IN (SELECT DISTINCT dict FROM advisory WHERE dict IS NOT NULL)",
        [],
    )
    .map_err(|e| sql(db, e))?;
    report.records = tx
        .query_row("SELECT count(*) FROM advisory", [], |r| r.get::<_, i64>(0))
        .map_err(|e| sql(db, e))? as u64;
    Ok(report)
}

enum Upsert {
    Added,
    Replaced,
    Unchanged,
}

/// Writes one advisory unless the stored one with the same key is the same or newer.
fn upsert(
    tx: &Transaction<'_>,
    db: &Path,
    encoder: &mut Encoder,
    decoder: &Decoder,
    advisory: &Advisory,
) -> Result<Upsert> {
    let key = advisory.key();
    type Stored = (i64, Option<String>, Option<i64>, Vec<u8>);
    let stored: Option<Stored> = tx
        .prepare_cached("SELECT rowid, modified, dict, data FROM advisory WHERE key = ?1")
        .and_then(|mut s| {
            s.query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
        })
        .map_err(|e| sql(db, e))?;
    let outcome = match stored {
        None => {
            let (dict, data) = encoder.encode(tx, db, advisory)?;
            tx.prepare_cached(
                "INSERT INTO advisory (key, source, modified, dict, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(params![key, advisory.source, advisory.modified, dict, data]))
            .map_err(|e| sql(db, e))?;
            let rowid = tx.last_insert_rowid();
            index(tx, db, rowid, advisory)?;
            Upsert::Added
        }
        Some((rowid, modified, old_dict, old)) => {
            if is_newer(modified.as_deref(), advisory.modified.as_deref()) {
                return Ok(Upsert::Unchanged);
            }
            let previous = decoder.decode(tx, db, old_dict, &old)?;
            if previous == *advisory {
                return Ok(Upsert::Unchanged);
            }
            unindex(tx, db, rowid, &previous)?;
            let (dict, data) = encoder.encode(tx, db, advisory)?;
            tx.prepare_cached(
                "UPDATE advisory SET source = ?2, modified = ?3, dict = ?4, data = ?5 WHERE rowid = ?1",
            )
            .and_then(|mut s| s.execute(params![rowid, advisory.source, advisory.modified, dict, data]))
            .map_err(|e| sql(db, e))?;
            index(tx, db, rowid, advisory)?;
            Upsert::Replaced
        }
    };
    Ok(outcome)
}

/// Whether the stored `modified` time is strictly later than the incoming one (both present).
fn is_newer(stored: Option<&str>, incoming: Option<&str>) -> bool {
    match (stored, incoming) {
        (Some(s), Some(i)) => match (time::parse(s), time::parse(i)) {
            (Some(s), Some(i)) => s > i,
            _ => s > i,
        },
        _ => false,
    }
}

/// The `affected` and `alias` rows of an advisory.
/// An `affected` row: family, normalized package, release.
type AffectedRow<'a> = (&'a str, Cow<'a, str>, &'a str);

/// A source row of an exported database: name, imported_at, origin.
type SourceRow = (String, String, String);

fn index_rows(advisory: &Advisory) -> (Vec<AffectedRow<'_>>, Vec<&str>) {
    let affected = advisory
        .affected
        .iter()
        .map(|a| {
            (
                family(&a.ecosystem),
                normalize_package(&a.ecosystem, &a.package),
                release(&a.ecosystem),
            )
        })
        .collect();
    (affected, advisory.ids().collect())
}

fn index(tx: &Transaction<'_>, db: &Path, rowid: i64, advisory: &Advisory) -> Result<()> {
    let (affected, ids) = index_rows(advisory);
    let mut ins = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO affected (family, package, release, advisory) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(|e| sql(db, e))?;
    for (fam, pkg, rel) in affected {
        ins.execute(params![fam, pkg.as_ref(), rel, rowid])
            .map_err(|e| sql(db, e))?;
    }
    let mut ins = tx
        .prepare_cached("INSERT OR IGNORE INTO alias (alias, advisory) VALUES (?1, ?2)")
        .map_err(|e| sql(db, e))?;
    for id in ids {
        ins.execute(params![id, rowid]).map_err(|e| sql(db, e))?;
    }
    Ok(())
}

fn unindex(tx: &Transaction<'_>, db: &Path, rowid: i64, advisory: &Advisory) -> Result<()> {
    let (affected, ids) = index_rows(advisory);
    let mut del = tx
        .prepare_cached(
            "DELETE FROM affected WHERE family = ?1 AND package = ?2 AND release = ?3 AND advisory = ?4",
        )
        .map_err(|e| sql(db, e))?;
    for (fam, pkg, rel) in affected {
        del.execute(params![fam, pkg.as_ref(), rel, rowid])
            .map_err(|e| sql(db, e))?;
    }
    let mut del = tx
        .prepare_cached("DELETE FROM alias WHERE alias = ?1 AND advisory = ?2")
        .map_err(|e| sql(db, e))?;
    for id in ids {
        del.execute(params![id, rowid]).map_err(|e| sql(db, e))?;
    }
    Ok(())
}

/// Removes the temporary files of first imports that were killed (`.rensa.db.new-PID-N`, with their
/// journals) when their process is gone; where `/proc` does not tell, nothing is removed.
fn remove_abandoned(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{FILE_NAME}.new-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
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

/// Rolls back what an import killed in the middle of writing left behind (a hot journal), which a
/// read-only connection cannot do. SQLite treats the journal as hot only when no process is writing, so
/// a running import is not disturbed. Without write access the read-only open reports the problem.
fn recover(db: &Path) -> Result<()> {
    let mut journal = db.as_os_str().to_owned();
    journal.push("-journal");
    let journal = PathBuf::from(journal);
    if std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if let Ok(conn) = Connection::open_with_flags(db, flags) {
            conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql(db, e))?;
            // The first read rolls a hot journal back.
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
                .map_err(|e| sql(db, e))?;
        }
    }
    Ok(())
}

/// Rebuilds the file when more than a quarter of its pages are free (after many replacements).
fn compact_if_sparse(conn: &Connection, db: &Path) -> Result<()> {
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(|e| sql(db, e))?;
    let free: i64 = conn
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .map_err(|e| sql(db, e))?;
    if free * 4 > pages {
        conn.execute_batch("VACUUM").map_err(|e| sql(db, e))?;
    }
    Ok(())
}

/// Whether `path` is a file starting with the SQLite header.
fn is_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

/// Reads every record of an exported database, sending them to `to` in chunks, and returns its
/// sources' `(name, imported_at, origin)`.
fn read_database(path: &Path, to: SyncSender<Vec<Advisory>>) -> Result<(ImportBatch, Vec<SourceRow>)> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql(path, e))?;
    check_format(&conn, path)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| sql(path, e))?;
    if check != "ok" {
        return Err(Error::Database {
            path: display(path),
            reason: format!("the database file is damaged: {check}"),
        });
    }
    let decoder = Decoder::default();
    let mut stmt = conn
        .prepare("SELECT dict, data FROM advisory ORDER BY rowid")
        .map_err(|e| sql(path, e))?;
    let mut rows = stmt.query([]).map_err(|e| sql(path, e))?;
    let mut chunk = Vec::new();
    while let Some(row) = rows.next().map_err(|e| sql(path, e))? {
        let dict = row.get(0).map_err(|e| sql(path, e))?;
        let data = row
            .get_ref(1)
            .and_then(|v| Ok(v.as_blob()?))
            .map_err(|e| sql(path, e))?;
        chunk.push(decoder.decode(&conn, path, dict, data)?);
        if chunk.len() == 256 {
            to.send(std::mem::take(&mut chunk))
                .map_err(|_| Error::Interrupted)?;
        }
    }
    if !chunk.is_empty() {
        to.send(chunk).map_err(|_| Error::Interrupted)?;
    }
    let mut stmt = conn
        .prepare("SELECT name, imported_at, origin FROM source")
        .map_err(|e| sql(path, e))?;
    let sources = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| sql(path, e))?;
    Ok((ImportBatch::new("database"), sources))
}

/// Refuses a file that is not a rensa database of this [`FORMAT`].
fn check_format(conn: &Connection, path: &Path) -> Result<()> {
    let format: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
        .optional()
        .or_else(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.starts_with("no such table") => Ok(None),
            e => Err(e),
        })
        .map_err(|e| sql(path, e))?;
    match format.as_deref() {
        Some(FORMAT) => Ok(()),
        Some(other) => Err(Error::Database {
            path: display(path),
            reason: format!(
                "a rensa database of format {other:?}, not {FORMAT:?}: import the advisories again \
                 into an empty directory"
            ),
        }),
        None => Err(Error::Database {
            path: display(path),
            reason: "not a rensa vulnerability database".into(),
        }),
    }
}

/// The postcard encoding of an advisory.
fn raw(advisory: &Advisory, db: &Path) -> Result<Vec<u8>> {
    postcard::to_stdvec(advisory).map_err(|e| Error::Database {
        path: display(db),
        reason: format!("cannot encode {}: {e}", advisory.key()),
    })
}

fn zstd_error(db: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: display(db),
        source,
    }
}

/// Compresses the records of one import path, with a zstd dictionary trained on the first
/// [`DICT_SAMPLES`] of them when there are at least [`DICT_MIN_RECORDS`] (small records compress about
/// twice as well with one). The dictionary is trained and stored in `dict` when the first record is
/// written, so that a path whose records are all unchanged adds none.
#[derive(Default)]
struct Encoder {
    samples: Option<Vec<Vec<u8>>>,
    ready: Option<(Option<i64>, zstd::bulk::Compressor<'static>)>,
}

impl Encoder {
    /// Whether [`Encoder::sample`] was called.
    fn has_samples(&self) -> bool {
        self.samples.is_some()
    }

    /// Sets the records the dictionary is trained on.
    fn sample(&mut self, db: &Path, advisories: &[Advisory]) -> Result<()> {
        self.samples = Some(advisories.iter().map(|a| raw(a, db)).collect::<Result<_>>()?);
        Ok(())
    }

    fn encode(
        &mut self,
        tx: &Transaction<'_>,
        db: &Path,
        advisory: &Advisory,
    ) -> Result<(Option<i64>, Vec<u8>)> {
        let (dict, compressor) = match &mut self.ready {
            Some(ready) => ready,
            None => {
                let samples = self.samples.take().unwrap_or_default();
                self.ready.insert(train(tx, db, &samples)?)
            }
        };
        let data = compressor
            .compress(&raw(advisory, db)?)
            .map_err(|e| zstd_error(db, e))?;
        Ok((*dict, data))
    }
}

/// A compressor for records like `samples`: with a new dictionary (and its id) when there are enough.
fn train(
    tx: &Transaction<'_>,
    db: &Path,
    samples: &[Vec<u8>],
) -> Result<(Option<i64>, zstd::bulk::Compressor<'static>)> {
    if samples.len() >= DICT_MIN_RECORDS {
        let total: usize = samples.iter().map(Vec::len).sum();
        // Training fails on too little or too uniform data; then records are compressed alone.
        if let Ok(dict) = zstd::dict::from_samples(samples, (total / 16).clamp(4096, DICT_MAX_BYTES)) {
            tx.execute("INSERT INTO dict (data) VALUES (?1)", [&dict])
                .map_err(|e| sql(db, e))?;
            let compressor =
                zstd::bulk::Compressor::with_dictionary(ZSTD_LEVEL, &dict).map_err(|e| zstd_error(db, e))?;
            return Ok((Some(tx.last_insert_rowid()), compressor));
        }
    }
    let compressor = zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(|e| zstd_error(db, e))?;
    Ok((None, compressor))
}

/// Decompresses and decodes records, loading each dictionary once.
#[derive(Default)]
struct Decoder {
    dicts: RefCell<HashMap<Option<i64>, zstd::bulk::Decompressor<'static>>>,
}

impl Decoder {
    fn decode(&self, conn: &Connection, db: &Path, dict: Option<i64>, data: &[u8]) -> Result<Advisory> {
        let bad = |reason: String| Error::Database {
            path: display(db),
            reason,
        };
        let mut dicts = self.dicts.borrow_mut();
        let decompressor = match dicts.entry(dict) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let d = match dict {
                    None => zstd::bulk::Decompressor::new(),
                    Some(id) => {
                        let bytes: Vec<u8> = conn
                            .query_row("SELECT data FROM dict WHERE id = ?1", [id], |r| r.get(0))
                            .optional()
                            .map_err(|e| sql(db, e))?
                            .ok_or_else(|| bad(format!("a record refers to a missing dictionary {id}")))?;
                        zstd::bulk::Decompressor::with_dictionary(&bytes)
                    }
                }
                .map_err(|e| bad(format!("a damaged dictionary: {e}")))?;
                e.insert(d)
            }
        };
        let raw = decompressor
            .decompress(data, MAX_RECORD_BYTES)
            .map_err(|e| bad(format!("a damaged record: {e}")))?;
        postcard::from_bytes(&raw).map_err(|e| bad(format!("a record that does not decode: {e}")))
    }
}

fn sql(path: &Path, source: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &source
        && matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
        )
    {
        return Error::Database {
            path: display(path),
            reason: "not an SQLite database, or a damaged or truncated one".into(),
        };
    }
    Error::Sqlite {
        path: display(path),
        source,
    }
}

/// Removes a temporary file unless forgotten.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_normalize_per_pep_503() {
        assert_eq!(normalize_package("PyPI", "Foo_Bar.baz--Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize_package("PyPI", "Django"), "django");
        assert_eq!(normalize_package("npm", "Foo_Bar"), "Foo_Bar");
        assert_eq!(normalize_package("Debian:12", "libFoo"), "libFoo");
    }

    #[test]
    fn ecosystems_split_into_family_and_release() {
        assert_eq!((family("Debian:12"), release("Debian:12")), ("Debian", "12"));
        assert_eq!(
            (family("Ubuntu:Pro:22.04"), release("Ubuntu:Pro:22.04")),
            ("Ubuntu", "Pro:22.04")
        );
        assert_eq!((family("PyPI"), release("PyPI")), ("PyPI", ""));
    }

    #[test]
    fn lookups_search_indexes_and_never_scan() {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("a.json");
        std::fs::write(
            &feed,
            r#"{"id":"T-1","modified":"2024-01-01T00:00:00Z","affected":[
                {"package":{"ecosystem":"Debian:12","name":"openssl"},"versions":["1"]}]}"#,
        )
        .unwrap();
        import(dir.path(), &[feed]).unwrap();
        let db = Database::open(dir.path()).unwrap();
        let plan_of = |query: &str, params: &[&dyn rusqlite::ToSql]| -> Vec<String> {
            db.conn
                .prepare(&format!("EXPLAIN QUERY PLAN {query}"))
                .unwrap()
                .query_map(params, |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let mut plan = plan_of(AFFECTED_ROWIDS, params!["Debian", "openssl", "12"]);
        assert!(
            plan.iter()
                .any(|l| l.starts_with("SEARCH affected USING PRIMARY KEY (family=? AND package=?")),
            "{plan:?}"
        );
        plan.extend(plan_of(ADVISORY_BY_ROWID, params![1]));
        assert!(
            plan.iter()
                .any(|l| l.starts_with("SEARCH advisory USING INTEGER PRIMARY KEY (rowid=?)")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:?}");
        assert_eq!(db.lookup("Debian:12", "openssl").unwrap().len(), 1);
        assert_eq!(db.lookup("Debian:11", "openssl").unwrap().len(), 0);
    }

    #[test]
    fn later_modified_wins() {
        assert!(is_newer(Some("2024-01-02T00:00:00Z"), Some("2024-01-01")));
        assert!(!is_newer(Some("2024-01-01"), Some("2024-01-01T00:00:00Z")));
        assert!(!is_newer(None, Some("2024-01-01")));
        assert!(!is_newer(Some("2024-01-01"), None));
    }
}
