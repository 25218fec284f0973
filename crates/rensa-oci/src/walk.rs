//! The streaming layer walk: one pass over a layer's tar stream that records every entry's metadata and
//! keeps the content only of the files an [`Interest`] asks for.
//!
//! Compressed layers are decompressed on a second thread while this one parses the tar, so one big layer
//! uses both cores; several layers are walked in parallel by [`crate::read_tree`]. Nothing is written to
//! disk.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::digest::DigestMismatch;
use crate::error::{Error, Result};
use crate::image::Compression;

/// Limits that protect against hostile or huge images.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes all layers of one image may expand to (decompression-bomb guard).
    pub max_expanded_bytes: u64,
    /// The largest single file whose content is kept or inspected; larger ones are recorded without content.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_expanded_bytes: 32 << 30,
            max_file_bytes: 256 << 20,
        }
    }
}

/// What to keep of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Metadata only.
    Skip,
    /// Keep the whole content.
    Content,
    /// Read the content and hand it to [`Interest::inspect`]; keep only what that returns.
    Inspect,
    /// Keep the whole content and also hand it to [`Interest::inspect`] (the head check
    /// [`Interest::accept`] decides only whether `inspect` is called).
    Both,
}

/// Decides which files' contents a walk keeps. Implemented by the package catalog (and later scanners).
pub trait Interest: Sync {
    /// What to keep of the regular file at `path` (absolute, normalized) of `size` bytes and permission `mode`.
    fn want(&self, path: &str, size: u64, mode: u32) -> Want;
    /// For [`Want::Inspect`]: whether to read the rest of the file, given its first bytes (up to 4 KiB).
    fn accept(&self, _path: &str, _head: &[u8]) -> bool {
        true
    }
    /// For accepted [`Want::Inspect`] files: derive small records `(key, data)` from the content.
    fn inspect(&self, _path: &str, _data: &[u8]) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
    /// A string that changes whenever `want`/`inspect` change behaviour; part of the layer-cache key.
    fn cache_key(&self) -> String;
}

/// Two interests served by one walk (the package catalog and the image checks, say): a file is read when
/// either wants it, its content is kept when either wants it kept, and each interest's
/// [`Interest::inspect`] runs on the files it asked to inspect (and accepted). Records of both are kept
/// in one list, so the two must use distinct record keys.
pub struct Combined<'a> {
    /// The first interest.
    pub first: &'a dyn Interest,
    /// The second interest.
    pub second: &'a dyn Interest,
}

fn inspects(w: Want) -> bool {
    matches!(w, Want::Inspect | Want::Both)
}

impl Interest for Combined<'_> {
    fn want(&self, path: &str, size: u64, mode: u32) -> Want {
        let (a, b) = (
            self.first.want(path, size, mode),
            self.second.want(path, size, mode),
        );
        let keep = matches!(a, Want::Content | Want::Both) || matches!(b, Want::Content | Want::Both);
        match (keep, inspects(a) || inspects(b)) {
            (true, true) => Want::Both,
            (true, false) => Want::Content,
            (false, true) => Want::Inspect,
            (false, false) => Want::Skip,
        }
    }

    fn accept(&self, path: &str, head: &[u8]) -> bool {
        self.first.accept(path, head) || self.second.accept(path, head)
    }

    fn inspect(&self, path: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
        let head = &data[..data.len().min(4096)];
        let mut out = Vec::new();
        for side in [self.first, self.second] {
            // `want` is asked again (it is cheap and pure) so that each side only inspects the files it asked
            // for. The mode is not known here; 0o755 is assumed, as the catalog's own interest does, so a
            // side that wants executables sees every candidate and its `accept` (on the content) decides.
            if inspects(side.want(path, data.len() as u64, 0o755)) && side.accept(path, head) {
                out.extend(side.inspect(path, data));
            }
        }
        out
    }

    fn cache_key(&self) -> String {
        format!("{}+{}", self.first.cache_key(), self.second.cache_key())
    }
}

/// The kind of a layer entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link with its target as stored.
    Symlink(String),
    /// A hard link to another entry (absolute, normalized path).
    Hardlink(String),
    /// A device, FIFO or socket.
    Other,
}

/// One entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Absolute, normalized path (`/etc/os-release`).
    pub path: String,
    /// The kind.
    pub kind: EntryKind,
    /// Permission and special bits (`0o4755`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes (regular files).
    pub size: u64,
    /// The content, when the interest asked for it.
    pub content: Option<Vec<u8>>,
    /// Records derived by [`Interest::inspect`].
    pub inspected: Vec<(String, Vec<u8>)>,
}

impl Entry {
    fn new(path: &str, kind: EntryKind, mode: u32, content: Option<Vec<u8>>) -> Self {
        let size = content.as_ref().map_or(0, |c| c.len() as u64);
        Entry {
            path: path.to_string(),
            kind,
            mode,
            uid: 0,
            gid: 0,
            size,
            content,
            inspected: Vec::new(),
        }
    }

    /// A root-owned regular file (mode 0644) whose content was kept, as a walk records it.
    pub fn file(path: &str, content: impl AsRef<[u8]>) -> Self {
        Entry::new(path, EntryKind::File, 0o644, Some(content.as_ref().to_vec()))
    }

    /// A root-owned directory (mode 0755).
    pub fn dir(path: &str) -> Self {
        Entry::new(path, EntryKind::Dir, 0o755, None)
    }

    /// A symbolic link to `target` (as stored, relative or absolute).
    pub fn symlink(path: &str, target: &str) -> Self {
        Entry::new(path, EntryKind::Symlink(target.to_string()), 0o777, None)
    }
}

/// Everything a walk learned about one layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerIndex {
    /// Entries in archive order (whiteout markers excluded).
    pub entries: Vec<Entry>,
    /// Paths deleted from lower layers by `.wh.NAME` markers.
    pub whiteouts: Vec<String>,
    /// Directories made opaque by `.wh..wh..opq` markers.
    pub opaque_dirs: Vec<String>,
    /// Bytes of uncompressed tar.
    pub expanded_bytes: u64,
    /// Things worth telling the user (a file too large to inspect, …).
    pub warnings: Vec<String>,
}

/// Normalizes a tar entry name to an absolute path; refuses absolute names and `..`.
pub fn normalize_entry_name(name: &str) -> std::result::Result<String, &'static str> {
    if name.starts_with('/') {
        return Err("absolute path");
    }
    let mut out = String::with_capacity(name.len() + 1);
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("'..' component would escape the image root"),
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Counts expanded bytes of all layers of one image against [`Limits::max_expanded_bytes`].
#[derive(Debug, Default)]
pub struct Budget {
    used: AtomicU64,
}

impl Budget {
    /// Adds `n` bytes; `false` when the limit is now exceeded.
    fn charge(&self, n: u64, limit: u64) -> bool {
        self.used.fetch_add(n, Ordering::Relaxed) + n <= limit
    }
}

/// The payload of the I/O error raised when the expansion budget is exceeded.
#[derive(Debug)]
struct BudgetExceeded;
impl std::fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("expanded size limit exceeded")
    }
}
impl std::error::Error for BudgetExceeded {}

/// Marks an error of the stream below the tar parser (decompression, network, file), so it is not
/// reported as tar corruption.
#[derive(Debug)]
struct Upstream(String);
impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Upstream {}

/// Where a walk's errors should point.
#[derive(Clone)]
pub struct WalkContext<'a> {
    /// The image location.
    pub location: &'a str,
    /// The layer label (digest).
    pub layer: String,
    /// The limits.
    pub limits: Limits,
    /// The shared expansion budget of the image.
    pub budget: &'a Budget,
    /// Called with the number of compressed bytes consumed, for progress bars.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl WalkContext<'_> {
    fn layer_error(&self, reason: impl Into<String>) -> Error {
        Error::Layer {
            location: self.location.to_string(),
            layer: self.layer.clone(),
            reason: reason.into(),
        }
    }

    /// Maps an I/O error raised while reading the layer to the right typed error.
    fn io_error(&self, e: io::Error) -> Error {
        if let Some(inner) = e.get_ref() {
            if let Some(m) = inner.downcast_ref::<DigestMismatch>() {
                return Error::DigestMismatch {
                    location: self.location.to_string(),
                    expected: m.expected.to_string(),
                    actual: m
                        .actual
                        .as_ref()
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| format!("{} bytes", m.size)),
                };
            }
            if inner.downcast_ref::<BudgetExceeded>().is_some() {
                return Error::TooLarge {
                    location: self.location.to_string(),
                    limit: self.limits.max_expanded_bytes,
                };
            }
        }
        match e.kind() {
            io::ErrorKind::UnexpectedEof => self.layer_error(format!("truncated data: {e}")),
            _ => self.layer_error(format!("reading the layer failed: {e}")),
        }
    }
}

/// Counts compressed bytes for progress reporting.
struct ProgressReader<'a, R> {
    inner: R,
    progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress {
            p(n as u64);
        }
        Ok(n)
    }
}

/// Sniffs the compression of a stream from its first bytes.
pub fn sniff_compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

const CHUNK: usize = 256 << 10;

/// Reads chunks sent by the decompression thread.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decompresses `reader` into chunks, charging the expansion budget, until EOF or an error.
fn pump(
    reader: Box<dyn Read + Send + '_>,
    compression: Compression,
    ctx: &WalkContext<'_>,
    tx: mpsc::SyncSender<io::Result<Vec<u8>>>,
) {
    let result = (|| -> io::Result<()> {
        let mut dec: Box<dyn Read + '_> = match compression {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
                CHUNK, reader,
            ))),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(reader)?),
            Compression::None => reader,
        };
        loop {
            let mut chunk = vec![0u8; CHUNK];
            let mut filled = 0;
            while filled < CHUNK {
                let n = dec.read(&mut chunk[filled..])?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                // Drain whatever follows the compressed stream so the digest covers the whole blob.
                return Ok(());
            }
            if !ctx.budget.charge(filled as u64, ctx.limits.max_expanded_bytes) {
                return Err(io::Error::other(BudgetExceeded));
            }
            chunk.truncate(filled);
            if tx.send(Ok(chunk)).is_err() {
                return Ok(());
            }
        }
    })();
    if let Err(e) = result {
        let typed = e
            .get_ref()
            .is_some_and(|r| r.is::<DigestMismatch>() || r.is::<BudgetExceeded>());
        let e = if typed {
            e
        } else {
            io::Error::new(e.kind(), Upstream(e.to_string()))
        };
        let _ = tx.send(Err(e));
    }
}

/// Walks one layer stream (compressed or not) and returns its index.
pub fn index_stream(
    reader: Box<dyn Read + Send + '_>,
    interest: &dyn Interest,
    ctx: &WalkContext<'_>,
) -> Result<LayerIndex> {
    let mut reader = BufReader::with_capacity(
        CHUNK,
        ProgressReader {
            inner: reader,
            progress: ctx.progress,
        },
    );
    let head = reader.fill_buf().map_err(|e| ctx.io_error(e))?;
    let compression = sniff_compression(head);
    let (tx, rx) = mpsc::sync_channel(8);
    std::thread::scope(|s| {
        let pump_ctx = ctx.clone();
        s.spawn(move || pump(Box::new(reader), compression, &pump_ctx, tx));
        let mut chan = ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
            done: false,
        };
        let result = index_tar(&mut chan, interest, ctx);
        // Read to the end so the digest (checked at EOF) covers everything, even after the end-of-archive marker.
        let drained = match &result {
            Ok(_) => io::copy(&mut chan, &mut io::sink()).map(|_| ()),
            Err(_) => Ok(()),
        };
        drop(chan);
        match (result, drained) {
            (Ok(idx), Ok(())) => Ok(idx),
            (Ok(_), Err(e)) => Err(ctx.io_error(e)),
            (Err(e), _) => Err(e),
        }
    })
}

fn entry_error(ctx: &WalkContext<'_>, e: io::Error) -> Error {
    // The tar crate reports I/O errors of the underlying stream wrapped; unwrap ours.
    if e.get_ref()
        .is_some_and(|r| r.is::<DigestMismatch>() || r.is::<BudgetExceeded>())
        || e.kind() == io::ErrorKind::UnexpectedEof
    {
        return ctx.io_error(e);
    }
    ctx.layer_error(format!("corrupt tar: {e}"))
}

/// Files of at most this size are inspected on a thread of their own, beside the tar reader; larger ones
/// inline (so the queue holds at most [`INSPECT_QUEUE`] such files).
const OFFLOAD_MAX: u64 = 8 << 20;
/// How many files may wait for the inspection thread.
const INSPECT_QUEUE: usize = 8;

/// A file handed to the inspection thread: its entry index, path and content.
type InspectJob = (usize, String, Vec<u8>);

/// Parses an uncompressed tar stream into a [`LayerIndex`]. [`Interest::inspect`] runs on a second
/// thread for all but very large files, so inspection (secret and malware scanning, say) overlaps
/// reading and decompression instead of adding to it; the records land on the same entries, so the
/// result does not depend on timing.
pub fn index_tar(
    reader: &mut dyn Read,
    interest: &dyn Interest,
    ctx: &WalkContext<'_>,
) -> Result<LayerIndex> {
    let (jobs, queue) = mpsc::sync_channel::<InspectJob>(INSPECT_QUEUE);
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let mut done = Vec::new();
            for (i, path, data) in queue {
                let records = interest.inspect(&path, &data);
                if !records.is_empty() {
                    done.push((i, records));
                }
            }
            done
        });
        let result = walk_tar(reader, interest, ctx, &jobs);
        drop(jobs);
        let done = match worker.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let mut idx = result?;
        for (i, records) in done {
            idx.entries[i].inspected = records;
        }
        Ok(idx)
    })
}

fn walk_tar(
    reader: &mut dyn Read,
    interest: &dyn Interest,
    ctx: &WalkContext<'_>,
    jobs: &mpsc::SyncSender<InspectJob>,
) -> Result<LayerIndex> {
    let mut archive = tar::Archive::new(reader);
    let mut idx = LayerIndex::default();
    let entries = archive.entries().map_err(|e| entry_error(ctx, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| entry_error(ctx, e))?;
        let header = entry.header();
        let etype = header.entry_type();
        if etype.is_pax_global_extensions()
            || etype.is_pax_local_extensions()
            || etype.is_gnu_longname()
            || etype.is_gnu_longlink()
        {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = normalize_entry_name(&raw).map_err(|reason| Error::UnsafePath {
            location: ctx.location.to_string(),
            layer: ctx.layer.clone(),
            name: raw.clone(),
            reason,
        })?;
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = entry.size();
        idx.expanded_bytes += size;

        // Whiteouts.
        let (parent, base) = match path.rsplit_once('/') {
            Some(("", b)) => ("/", b),
            Some((p, b)) => (p, b),
            None => ("/", path.as_str()),
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                idx.opaque_dirs.push(parent.to_string());
            } else if !hidden.starts_with(".wh.") && !hidden.is_empty() {
                let target = if parent == "/" {
                    format!("/{hidden}")
                } else {
                    format!("{parent}/{hidden}")
                };
                idx.whiteouts.push(target);
            }
            continue;
        }

        let kind = if etype.is_dir() {
            EntryKind::Dir
        } else if etype.is_symlink() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            EntryKind::Symlink(target)
        } else if etype.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let target = normalize_entry_name(&target).map_err(|reason| Error::UnsafePath {
                location: ctx.location.to_string(),
                layer: ctx.layer.clone(),
                name: target.clone(),
                reason,
            })?;
            EntryKind::Hardlink(target)
        } else if etype.is_file() || etype.is_contiguous() || etype == tar::EntryType::GNUSparse {
            EntryKind::File
        } else {
            EntryKind::Other
        };

        let mut content = None;
        let mut inspected = Vec::new();
        if kind == EntryKind::File {
            match interest.want(&path, size, mode) {
                Want::Skip => {}
                _ if size > ctx.limits.max_file_bytes => {
                    idx.warnings.push(format!(
                        "{path}: {size} bytes, larger than the inspection limit; not read"
                    ));
                }
                Want::Content => {
                    let mut buf = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut buf).map_err(|e| entry_error(ctx, e))?;
                    content = Some(buf);
                }
                Want::Both => {
                    let mut buf = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut buf).map_err(|e| entry_error(ctx, e))?;
                    if interest.accept(&path, &buf[..buf.len().min(4096)]) {
                        inspected = interest.inspect(&path, &buf);
                    }
                    content = Some(buf);
                }
                Want::Inspect => {
                    let head_len = size.min(4096) as usize;
                    let mut buf = vec![0u8; head_len];
                    entry.read_exact(&mut buf).map_err(|e| entry_error(ctx, e))?;
                    if interest.accept(&path, &buf) {
                        buf.reserve(size as usize - head_len);
                        entry.read_to_end(&mut buf).map_err(|e| entry_error(ctx, e))?;
                        if size <= OFFLOAD_MAX {
                            // A send fails only if the inspection thread is gone (it panicked): then the
                            // file is inspected here, and the panic surfaces when the thread is joined.
                            if let Err(mpsc::SendError((_, p, b))) =
                                jobs.send((idx.entries.len(), path.clone(), buf))
                            {
                                inspected = interest.inspect(&p, &b);
                            }
                        } else {
                            inspected = interest.inspect(&path, &buf);
                        }
                    }
                }
            }
        }
        idx.entries.push(Entry {
            path,
            kind,
            mode,
            uid,
            gid,
            size,
            content,
            inspected,
        });
    }
    Ok(idx)
}

/// Walks an unpacked root filesystem as one layer. Symbolic links are recorded, never followed.
pub fn index_directory(root: &Path, interest: &dyn Interest, ctx: &WalkContext<'_>) -> Result<LayerIndex> {
    use std::os::unix::fs::MetadataExt;
    let mut idx = LayerIndex::default();
    let mut stack = vec![(root.to_path_buf(), "/".to_string())];
    while let Some((dir, vpath)) = stack.pop() {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(dir.display(), e))?
            .map(|r| r.map(|d| d.file_name()))
            .collect::<io::Result<_>>()
            .map_err(|e| Error::io(dir.display(), e))?;
        names.sort();
        for name in names {
            let full = dir.join(&name);
            let name = name.to_string_lossy();
            let path = if vpath == "/" {
                format!("/{name}")
            } else {
                format!("{vpath}/{name}")
            };
            let meta = std::fs::symlink_metadata(&full).map_err(|e| Error::io(full.display(), e))?;
            let ft = meta.file_type();
            let mode = meta.mode() & 0o7777;
            let kind = if ft.is_dir() {
                stack.push((full.clone(), path.clone()));
                EntryKind::Dir
            } else if ft.is_symlink() {
                let t = std::fs::read_link(&full).map_err(|e| Error::io(full.display(), e))?;
                EntryKind::Symlink(t.to_string_lossy().into_owned())
            } else if ft.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            let size = if ft.is_file() { meta.len() } else { 0 };
            let mut content = None;
            let mut inspected = Vec::new();
            if kind == EntryKind::File {
                let want = interest.want(&path, size, mode);
                if want != Want::Skip && size > ctx.limits.max_file_bytes {
                    idx.warnings.push(format!(
                        "{path}: {size} bytes, larger than the inspection limit; not read"
                    ));
                } else if want != Want::Skip {
                    if !ctx.budget.charge(size, ctx.limits.max_expanded_bytes) {
                        return Err(Error::TooLarge {
                            location: ctx.location.to_string(),
                            limit: ctx.limits.max_expanded_bytes,
                        });
                    }
                    match std::fs::read(&full) {
                        Ok(data) => {
                            if want != Want::Content && interest.accept(&path, &data[..data.len().min(4096)])
                            {
                                inspected = interest.inspect(&path, &data);
                            }
                            if want != Want::Inspect {
                                content = Some(data);
                            }
                        }
                        // Unreadable files (permissions) are recorded without content.
                        Err(e) => idx.warnings.push(format!("{path}: {e}")),
                    }
                }
            }
            idx.entries.push(Entry {
                path,
                kind,
                mode,
                uid: meta.uid() as u64,
                gid: meta.gid() as u64,
                size,
                content,
                inspected,
            });
        }
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps `/etc/*` and inspects `*.txt` (recording the length), as two independent interests would.
    struct Keep;
    struct Count;
    impl Interest for Keep {
        fn want(&self, path: &str, _: u64, _: u32) -> Want {
            if path.starts_with("/etc/") {
                Want::Content
            } else {
                Want::Skip
            }
        }
        fn cache_key(&self) -> String {
            "keep".into()
        }
    }
    impl Interest for Count {
        fn want(&self, path: &str, _: u64, _: u32) -> Want {
            if path.ends_with(".txt") {
                Want::Inspect
            } else {
                Want::Skip
            }
        }
        fn accept(&self, _: &str, head: &[u8]) -> bool {
            !head.starts_with(b"skip")
        }
        fn inspect(&self, _: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
            vec![("count".into(), data.len().to_string().into_bytes())]
        }
        fn cache_key(&self) -> String {
            "count".into()
        }
    }

    #[test]
    fn combined_interests_share_one_walk() {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in [
            ("etc/a.txt", "kept and counted"),
            ("etc/b", "kept"),
            ("srv/c.txt", "counted"),
            ("srv/d.txt", "skip me"),
            ("srv/e", "neither"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut h, name, data.as_bytes()).unwrap();
        }
        let bytes = builder.into_inner().unwrap();
        let budget = Budget::default();
        let ctx = WalkContext {
            location: "test",
            layer: "0".into(),
            limits: Limits::default(),
            budget: &budget,
            progress: None,
        };
        let both = Combined {
            first: &Keep,
            second: &Count,
        };
        assert_eq!(both.cache_key(), "keep+count");
        let idx = index_stream(Box::new(std::io::Cursor::new(bytes)), &both, &ctx).unwrap();
        type Row<'a> = (&'a str, Option<&'a [u8]>, Vec<&'a [u8]>);
        let got: Vec<Row> = idx
            .entries
            .iter()
            .map(|e| {
                (
                    e.path.as_str(),
                    e.content.as_deref(),
                    e.inspected.iter().map(|(_, v)| v.as_slice()).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/etc/a.txt",
                    Some(b"kept and counted".as_slice()),
                    vec![b"16".as_slice()]
                ),
                ("/etc/b", Some(b"kept".as_slice()), vec![]),
                ("/srv/c.txt", None, vec![b"7".as_slice()]),
                ("/srv/d.txt", None, vec![]),
                ("/srv/e", None, vec![]),
            ]
        );
    }

    #[test]
    fn names() {
        assert_eq!(normalize_entry_name("./etc/passwd").unwrap(), "/etc/passwd");
        assert_eq!(normalize_entry_name("usr/bin/").unwrap(), "/usr/bin");
        assert_eq!(normalize_entry_name("./").unwrap(), "/");
        assert!(normalize_entry_name("/etc/passwd").is_err());
        assert!(normalize_entry_name("a/../../etc").is_err());
    }
}
