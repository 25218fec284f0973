//! The rpm header as stored in every rpm database: a big-endian index of tagged entries over a data store.
//!
//! Layout: `il` (u32, number of index entries), `dl` (u32, size of the data store), `il` entries of 16 bytes
//! (`tag` i32, `type` u32, `offset` i32 into the store, `count` u32), then the store. Every offset and count
//! is checked against the blob before it is used.

use std::fmt;

/// `NAME`.
pub const NAME: u32 = 1000;
/// `VERSION`.
pub const VERSION: u32 = 1001;
/// `RELEASE`.
pub const RELEASE: u32 = 1002;
/// `EPOCH` (int32).
pub const EPOCH: u32 = 1003;
/// `VENDOR`.
pub const VENDOR: u32 = 1011;
/// `LICENSE`.
pub const LICENSE: u32 = 1014;
/// `PACKAGER`.
pub const PACKAGER: u32 = 1015;
/// `ARCH`.
pub const ARCH: u32 = 1022;
/// `OLDFILENAMES` (string array; headers before compressed file lists).
pub const OLDFILENAMES: u32 = 1027;
/// `SOURCERPM`.
pub const SOURCERPM: u32 = 1044;
/// `DIRINDEXES` (int32 array, one per basename).
pub const DIRINDEXES: u32 = 1116;
/// `BASENAMES` (string array).
pub const BASENAMES: u32 = 1117;
/// `DIRNAMES` (string array).
pub const DIRNAMES: u32 = 1118;

/// The most index entries a header may have (rpm's own limit).
const MAX_ENTRIES: u32 = 0xffff;
/// The largest data store accepted (rpm's own limit is 256 MiB).
const MAX_DATA: u32 = 256 << 20;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError(pub String);

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One index entry.
#[derive(Debug, Clone, Copy)]
struct IndexEntry {
    tag: u32,
    kind: u32,
    offset: usize,
    count: usize,
}

/// A parsed header: the index, checked, over the borrowed data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<IndexEntry>,
    store: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Parses a header blob (without the 8-byte magic of package files).
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        let err = |m: String| HeaderError(m);
        let il = be32(blob, 0).ok_or_else(|| err(format!("header of {} bytes is too short", blob.len())))?;
        let dl = be32(blob, 4).ok_or_else(|| err(format!("header of {} bytes is too short", blob.len())))?;
        if il == 0 || il > MAX_ENTRIES {
            return Err(err(format!("header has an implausible {il} index entries")));
        }
        if dl > MAX_DATA {
            return Err(err(format!("header has an implausible {dl}-byte data store")));
        }
        let store_start = 8 + 16 * il as usize;
        let store_end = store_start + dl as usize;
        let store = blob.get(store_start..store_end).ok_or_else(|| {
            err(format!(
                "header needs {store_end} bytes but the blob has {}",
                blob.len()
            ))
        })?;
        let mut entries = Vec::with_capacity(il as usize);
        for i in 0..il as usize {
            let at = 8 + 16 * i;
            let (Some(tag), Some(kind), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err(err(format!("index entry {i} is truncated")));
            };
            // Offsets are signed in rpm; a negative one (as u32, above i32::MAX) is corrupt.
            if offset > i32::MAX as u32 || offset as usize > store.len() {
                return Err(err(format!(
                    "index entry {i} (tag {tag}) points at {offset}, outside the {dl}-byte store"
                )));
            }
            entries.push(IndexEntry {
                tag,
                kind,
                offset: offset as usize,
                count: count as usize,
            });
        }
        Ok(Header { entries, store })
    }

    fn entry(&self, tag: u32) -> Option<&IndexEntry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// A NUL-terminated string at `offset` of the store.
    fn cstr(&self, offset: usize) -> Result<(&'a str, usize), HeaderError> {
        let rest = self
            .store
            .get(offset..)
            .ok_or_else(|| HeaderError(format!("string at {offset} is outside the store")))?;
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| HeaderError(format!("string at {offset} is not terminated")))?;
        let s = std::str::from_utf8(&rest[..len])
            .map_err(|_| HeaderError(format!("string at {offset} is not UTF-8")))?;
        Ok((s, offset + len + 1))
    }

    /// A string tag (`STRING`, or the first of an `I18NSTRING`/`STRING_ARRAY`); `Ok(None)` when absent.
    pub fn string(&self, tag: u32) -> Result<Option<&'a str>, HeaderError> {
        let Some(e) = self.entry(tag) else { return Ok(None) };
        match e.kind {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY if e.count > 0 => {
                Ok(Some(self.cstr(e.offset)?.0))
            }
            _ => Err(HeaderError(format!(
                "tag {tag} has type {} and count {}, not a string",
                e.kind, e.count
            ))),
        }
    }

    /// A string-array tag; empty when absent.
    pub fn strings(&self, tag: u32) -> Result<Vec<&'a str>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if !matches!(e.kind, TYPE_STRING_ARRAY | TYPE_STRING | TYPE_I18NSTRING) {
            return Err(HeaderError(format!(
                "tag {tag} has type {}, not a string array",
                e.kind
            )));
        }
        // Each string takes at least one byte: a count beyond the store is corrupt.
        if e.count > self.store.len() - e.offset {
            return Err(HeaderError(format!(
                "tag {tag} claims {} strings in a {}-byte store",
                e.count,
                self.store.len()
            )));
        }
        let mut out = Vec::with_capacity(e.count);
        let mut at = e.offset;
        for _ in 0..e.count {
            let (s, next) = self.cstr(at)?;
            out.push(s);
            at = next;
        }
        Ok(out)
    }

    /// An int32-array tag; empty when absent.
    pub fn int32s(&self, tag: u32) -> Result<Vec<u32>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if e.kind != TYPE_INT32 {
            return Err(HeaderError(format!("tag {tag} has type {}, not int32", e.kind)));
        }
        let end = e
            .count
            .checked_mul(4)
            .and_then(|n| n.checked_add(e.offset))
            .filter(|&end| end <= self.store.len());
        let Some(end) = end else {
            return Err(HeaderError(format!(
                "tag {tag} claims {} int32 values past the store",
                e.count
            )));
        };
        Ok(self.store[e.offset..end]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// The first value of an int32 tag.
    pub fn int32(&self, tag: u32) -> Result<Option<u32>, HeaderError> {
        Ok(self.int32s(tag)?.first().copied())
    }

    /// The files of the package: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or the old `OLDFILENAMES`.
    pub fn files(&self) -> Result<Vec<String>, HeaderError> {
        let basenames = self.strings(BASENAMES)?;
        if basenames.is_empty() {
            return Ok(self
                .strings(OLDFILENAMES)?
                .into_iter()
                .map(str::to_string)
                .collect());
        }
        let dirnames = self.strings(DIRNAMES)?;
        let indexes = self.int32s(DIRINDEXES)?;
        if indexes.len() != basenames.len() {
            return Err(HeaderError(format!(
                "{} basenames but {} directory indexes",
                basenames.len(),
                indexes.len()
            )));
        }
        basenames
            .iter()
            .zip(indexes)
            .map(|(b, i)| {
                let d = dirnames.get(i as usize).ok_or_else(|| {
                    HeaderError(format!(
                        "directory index {i} out of {} directories",
                        dirnames.len()
                    ))
                })?;
                Ok(format!("{d}{b}"))
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a header blob from `(tag, type, count, data)` entries.
    pub(crate) fn build(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (tag, kind, count, data) in entries {
            if *kind == TYPE_INT32 {
                while store.len() % 4 != 0 {
                    store.push(0);
                }
            }
            index.extend(tag.to_be_bytes());
            index.extend(kind.to_be_bytes());
            index.extend((store.len() as u32).to_be_bytes());
            index.extend(count.to_be_bytes());
            store.extend(data);
        }
        let mut blob = Vec::new();
        blob.extend((entries.len() as u32).to_be_bytes());
        blob.extend((store.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(store);
        blob
    }

    pub(crate) fn s(v: &str) -> (u32, Vec<u8>) {
        let mut d = v.as_bytes().to_vec();
        d.push(0);
        (1, d)
    }

    pub(crate) fn sample() -> Vec<u8> {
        let strs = |v: &[&str]| -> Vec<u8> { v.iter().flat_map(|x| x.bytes().chain([0])).collect() };
        build(&[
            (NAME, TYPE_STRING, 1, s("bash").1),
            (VERSION, TYPE_STRING, 1, s("5.1.8").1),
            (RELEASE, TYPE_STRING, 1, s("6.el9").1),
            (EPOCH, TYPE_INT32, 1, 1u32.to_be_bytes().to_vec()),
            (ARCH, TYPE_STRING, 1, s("x86_64").1),
            (BASENAMES, TYPE_STRING_ARRAY, 2, strs(&["bash", "sh"])),
            (DIRNAMES, TYPE_STRING_ARRAY, 1, strs(&["/usr/bin/"])),
            (
                DIRINDEXES,
                TYPE_INT32,
                2,
                [0u32.to_be_bytes(), 0u32.to_be_bytes()].concat(),
            ),
        ])
    }

    #[test]
    fn reads_tags() {
        let blob = sample();
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(NAME).unwrap(), Some("bash"));
        assert_eq!(h.string(RELEASE).unwrap(), Some("6.el9"));
        assert_eq!(h.int32(EPOCH).unwrap(), Some(1));
        assert_eq!(h.string(LICENSE).unwrap(), None);
        assert_eq!(h.files().unwrap(), vec!["/usr/bin/bash", "/usr/bin/sh"]);
        assert!(h.string(EPOCH).is_err());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let blob = sample();
        for n in 0..blob.len() {
            let cut = &blob[..n];
            if let Ok(h) = Header::parse(cut) {
                panic!("parsed a header cut at {n}: {h:?}");
            }
        }
    }

    #[test]
    fn hostile_offsets_and_counts() {
        // An index entry pointing past the store.
        let mut blob = sample();
        blob[8 + 8..8 + 12].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        assert!(Header::parse(&blob).is_err());
        // A huge count on a string array.
        let mut blob = sample();
        let i = 5; // BASENAMES
        blob[8 + 16 * i + 12..8 + 16 * i + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        let h = Header::parse(&blob).unwrap();
        assert!(h.files().is_err());
        // A huge count on an int32 array.
        let mut blob = sample();
        let i = 7; // DIRINDEXES
        blob[8 + 16 * i + 12..8 + 16 * i + 16].copy_from_slice(&0x4000_0001u32.to_be_bytes());
        assert!(Header::parse(&blob).unwrap().files().is_err());
        // A directory index out of range.
        let mut blob = sample();
        let n = blob.len();
        blob[n - 4..].copy_from_slice(&9u32.to_be_bytes());
        assert!(Header::parse(&blob).unwrap().files().is_err());
        // Implausible sizes.
        assert!(Header::parse(&[0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Header::parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        assert!(Header::parse(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]).is_err());
        // An unterminated string at the end of the store.
        let blob = build(&[(NAME, TYPE_STRING, 1, b"bash".to_vec())]);
        assert!(Header::parse(&blob).unwrap().string(NAME).is_err());
    }
}
