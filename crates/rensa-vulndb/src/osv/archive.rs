//! OSV `all.zip` archives: one JSON record per entry, read with bounds on entry count and inflated size.

use std::io::{Read, Seek};

use crate::feed::ImportBatch;
use crate::{Error, Result};

/// Bounds on what an archive may hold, so that a zip bomb fails instead of exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries in one archive.
    pub max_entries: usize,
    /// Most bytes one entry may inflate to.
    pub max_entry_size: u64,
    /// Most bytes all entries together may inflate to.
    pub max_total_size: u64,
}

impl Default for ZipLimits {
    /// 1,000,000 entries, 16 MiB per entry and 8 GiB in all: well above OSV's largest ecosystem archive.
    fn default() -> Self {
        ZipLimits {
            max_entries: 1_000_000,
            max_entry_size: 16 << 20,
            max_total_size: 8 << 30,
        }
    }
}

/// Reads every `*.json` entry of an OSV archive into `batch`; `location` names the archive in messages.
///
/// A bad record is reported as `location!entry` and skipped. A corrupt or truncated archive, a checksum
/// mismatch, or an archive over `limits` fails the whole read, so that nothing of it is imported: `batch`
/// is then left as it was, except that a streaming batch ([`crate::feed::read_path_streaming`]) has
/// sent records on already (and its receiver discards them).
pub fn read_zip<R: Read + Seek>(
    reader: R,
    location: &str,
    limits: &ZipLimits,
    batch: &mut ImportBatch,
) -> Result<()> {
    let fail = |reason: String| Error::Feed {
        location: location.to_string(),
        reason,
    };
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| fail(format!("not a readable zip archive (corrupt or truncated?): {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(fail(format!(
            "{} entries, more than the limit of {}",
            zip.len(),
            limits.max_entries
        )));
    }
    let mut own = ImportBatch::default();
    let mut total = 0u64;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| fail(format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        buf.clear();
        let read = (&mut entry)
            .take(limits.max_entry_size + 1)
            .read_to_end(&mut buf)
            .map_err(|e| fail(format!("{name}: cannot inflate (corrupt archive?): {e}")))?;
        if read as u64 > limits.max_entry_size {
            return Err(fail(format!(
                "{name}: inflates to more than the limit of {} bytes (zip bomb?)",
                limits.max_entry_size
            )));
        }
        total += read as u64;
        if total > limits.max_total_size {
            return Err(fail(format!(
                "entries inflate to more than the limit of {} bytes in all (zip bomb?)",
                limits.max_total_size
            )));
        }
        if !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let entry_location = format!("{location}!{name}");
        match std::str::from_utf8(&buf) {
            Ok(text) => super::read_json(text, &entry_location, &mut own),
            Err(_) => own.error(entry_location, "not UTF-8 text"),
        }
        if batch.is_streaming() {
            batch.advisories.append(&mut own.advisories);
            batch.flush(false)?;
        }
    }
    batch.append(own);
    Ok(())
}
