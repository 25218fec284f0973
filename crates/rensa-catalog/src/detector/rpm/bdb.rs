//! The Berkeley DB hash database `Packages` of rpm before 4.16 (RHEL/CentOS 7 and 8, older SUSE).
//!
//! Page 0 is the hash metadata page (magic `0x061561`, page size, last page number); the other pages start
//! with a 26-byte header (`next_pgno` at 16, entry count at 20, `hf_offset` at 22, type at 25). Hash pages
//! (type 2 or 13) hold an array of item offsets after the header, key and data items alternating; an item is
//! either inline (`H_KEYDATA`, its length given by the previous item's offset) or a reference (`H_OFFPAGE`:
//! first overflow page and total length) to a chain of overflow pages (type 7), each holding `hf_offset`
//! bytes after its header. Integers are in the byte order of the machine that wrote the file, which the
//! magic number tells. Every page number, offset and length is checked before use.

/// Hash magic number of the metadata page.
const HASH_MAGIC: u32 = 0x0006_1561;
/// Page types.
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
/// Item types.
const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;
/// Size of the generic page header.
const PAGE_HEADER: usize = 26;

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at + 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s = b.get(at..at + 2)?;
        let a = [s[0], s[1]];
        Some(if self.big {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }
}

struct Db<'a> {
    data: &'a [u8],
    order: Order,
    page_size: usize,
    pages: usize,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: u32) -> Result<&'a [u8], String> {
        let n = pgno as usize;
        if n == 0 || n >= self.pages {
            return Err(format!(
                "page number {pgno} is outside the database ({} pages)",
                self.pages
            ));
        }
        Ok(&self.data[n * self.page_size..(n + 1) * self.page_size])
    }

    /// Follows an overflow chain from `pgno`, collecting `total` bytes.
    fn overflow(&self, mut pgno: u32, total: usize) -> Result<Vec<u8>, String> {
        if total > self.data.len() {
            return Err(format!(
                "an overflow item claims {total} bytes, more than the file"
            ));
        }
        let mut out = Vec::with_capacity(total);
        let mut visited = 0usize;
        while pgno != 0 {
            visited += 1;
            if visited > self.pages {
                return Err("overflow page chain loops".to_string());
            }
            let page = self.page(pgno)?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {pgno} in an overflow chain has type {}, not overflow",
                    page[25]
                ));
            }
            let len = self.order.u16(page, 22).unwrap_or(0) as usize;
            let chunk = page.get(PAGE_HEADER..PAGE_HEADER + len).ok_or_else(|| {
                format!(
                    "overflow page {pgno} claims {len} bytes in a {}-byte page",
                    self.page_size
                )
            })?;
            out.extend_from_slice(chunk);
            if out.len() > total {
                return Err(format!(
                    "overflow chain from page {pgno} holds more than the {total} bytes announced"
                ));
            }
            pgno = self.order.u32(page, 16).unwrap_or(0);
        }
        if out.len() != total {
            return Err(format!(
                "overflow chain holds {} bytes, {total} announced",
                out.len()
            ));
        }
        Ok(out)
    }

    /// The item at index `i` of a hash page: its bytes from the type byte on.
    fn item(&self, pgno: u32, page: &'a [u8], i: usize, entries: usize) -> Result<&'a [u8], String> {
        let off = self.order.u16(page, PAGE_HEADER + 2 * i).unwrap_or(0) as usize;
        let end = if i == 0 {
            self.page_size
        } else {
            self.order.u16(page, PAGE_HEADER + 2 * (i - 1)).unwrap_or(0) as usize
        };
        if off < PAGE_HEADER + 2 * entries || off >= end || end > self.page_size {
            return Err(format!(
                "item {i} of page {pgno} has a bad offset {off} (end {end})"
            ));
        }
        Ok(&page[off..end])
    }

    /// The value an item stands for (inline or from overflow pages).
    fn value(&self, pgno: u32, item: &[u8]) -> Result<Vec<u8>, String> {
        match item[0] {
            H_KEYDATA => Ok(item[1..].to_vec()),
            H_OFFPAGE => {
                let (Some(first), Some(total)) = (self.order.u32(item, 4), self.order.u32(item, 8)) else {
                    return Err(format!("off-page item on page {pgno} is truncated"));
                };
                self.overflow(first, total as usize)
            }
            H_DUPLICATE | H_OFFDUP => Err(format!(
                "page {pgno} holds duplicate items, which rpm never writes"
            )),
            t => Err(format!("page {pgno} holds an item of unknown type {t}")),
        }
    }
}

/// Reads every `(instance number, header blob)` of a Berkeley DB hash `Packages` file.
pub fn read(data: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    if data.len() < 512 {
        return Err(format!("{} bytes: too short for a Berkeley DB file", data.len()));
    }
    let order = match (
        Order { big: false }.u32(data, 12),
        Order { big: true }.u32(data, 12),
    ) {
        (Some(HASH_MAGIC), _) => Order { big: false },
        (_, Some(HASH_MAGIC)) => Order { big: true },
        _ => {
            let m = Order { big: false }.u32(data, 12).unwrap_or(0);
            return Err(format!("not a Berkeley DB hash database (magic {m:#x})"));
        }
    };
    let page_size = order.u32(data, 20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("implausible page size {page_size}"));
    }
    if data[24] != 0 {
        return Err("the database is encrypted".to_string());
    }
    if data[25] != P_HASHMETA {
        return Err(format!("page 0 has type {}, not hash metadata", data[25]));
    }
    let last = order.u32(data, 32).unwrap_or(0) as usize;
    let pages = data.len() / page_size;
    if last >= pages {
        return Err(format!(
            "truncated: the last page is {last} but the file holds {pages} pages of {page_size} bytes"
        ));
    }
    let db = Db {
        data,
        order,
        page_size,
        pages: last + 1,
    };
    let mut out = Vec::new();
    for pgno in 1..=last as u32 {
        let page = db.page(pgno)?;
        if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
            continue;
        }
        let entries = order.u16(page, 20).unwrap_or(0) as usize;
        if PAGE_HEADER + 2 * entries > page_size {
            return Err(format!("page {pgno} claims {entries} entries"));
        }
        if !entries.is_multiple_of(2) {
            return Err(format!("page {pgno} has an odd number of items ({entries})"));
        }
        for i in (0..entries).step_by(2) {
            let key = db.item(pgno, page, i, entries)?;
            let value = db.item(pgno, page, i + 1, entries)?;
            let key = db.value(pgno, key)?;
            let Ok(key) = <[u8; 4]>::try_from(key.as_slice()) else {
                return Err(format!(
                    "page {pgno} has a {}-byte key, not a 4-byte instance number",
                    key.len()
                ));
            };
            let instance = if order.big {
                u32::from_be_bytes(key)
            } else {
                u32::from_le_bytes(key)
            };
            // Instance 0 is rpm's own bookkeeping record, not a package.
            if instance == 0 {
                continue;
            }
            out.push((instance, db.value(pgno, value)?));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage() {
        assert!(read(b"").unwrap_err().contains("too short"));
        assert!(read(&[0u8; 4096]).unwrap_err().contains("magic"));
        let mut meta = vec![0u8; 4096];
        meta[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        meta[20..24].copy_from_slice(&4096u32.to_le_bytes());
        meta[25] = P_HASHMETA;
        meta[32..36].copy_from_slice(&3u32.to_le_bytes());
        assert!(read(&meta).unwrap_err().contains("truncated"));
        meta[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(read(&meta).unwrap_err().contains("page size"));
    }

    /// A one-bucket database whose single item points at an overflow chain that loops.
    #[test]
    fn overflow_loops_and_bad_offsets() {
        let ps = 512;
        let mut db = vec![0u8; ps * 3];
        db[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        db[20..24].copy_from_slice(&(ps as u32).to_le_bytes());
        db[25] = P_HASHMETA;
        db[32..36].copy_from_slice(&2u32.to_le_bytes());
        // Page 1: hash page with key 1 (inline) and an off-page value starting at page 2.
        let p = ps;
        db[p + 25] = P_HASH;
        db[p + 20..p + 22].copy_from_slice(&2u16.to_le_bytes());
        let key_off = ps - 5;
        let val_off = key_off - 12;
        db[p + 26..p + 28].copy_from_slice(&(key_off as u16).to_le_bytes());
        db[p + 28..p + 30].copy_from_slice(&(val_off as u16).to_le_bytes());
        db[p + key_off] = H_KEYDATA;
        db[p + key_off + 1..p + key_off + 5].copy_from_slice(&1u32.to_le_bytes());
        db[p + val_off] = H_OFFPAGE;
        db[p + val_off + 4..p + val_off + 8].copy_from_slice(&2u32.to_le_bytes());
        db[p + val_off + 8..p + val_off + 12].copy_from_slice(&100u32.to_le_bytes());
        // Page 2: overflow page of 10 bytes pointing at itself.
        let q = 2 * ps;
        db[q + 25] = P_OVERFLOW;
        db[q + 16..q + 20].copy_from_slice(&2u32.to_le_bytes());
        db[q + 22..q + 24].copy_from_slice(&10u16.to_le_bytes());
        assert!(read(&db).unwrap_err().contains("loops"));
        // Chain ends early: fewer bytes than announced.
        db[q + 16..q + 20].copy_from_slice(&0u32.to_le_bytes());
        assert!(read(&db).unwrap_err().contains("100 announced"));
        db[p + val_off + 8..p + val_off + 12].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(read(&db).unwrap(), vec![(1, vec![0u8; 10])]);
        // Overflow pointing outside the file.
        db[p + val_off + 4..p + val_off + 8].copy_from_slice(&77u32.to_le_bytes());
        assert!(read(&db).unwrap_err().contains("outside"));
        // An item offset inside the offset array.
        db[p + 28..p + 30].copy_from_slice(&3u16.to_le_bytes());
        assert!(read(&db).unwrap_err().contains("bad offset"));
    }
}
