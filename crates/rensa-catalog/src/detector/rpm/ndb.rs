//! SUSE's ndb `Packages.db`: rpm's own blob store (rpm ≥ 4.15 with `_db_backend ndb`).
//!
//! All integers are little-endian. A 32-byte header (`RpmP`, version 0, generation, number of slot pages,
//! next package index) shares the first 4096-byte page with the slots; every slot is 16 bytes (`Slot`,
//! package index, offset and count of 16-byte blocks; offset 0 means free). A blob occupies its blocks as a
//! 16-byte head (`BlbS`, package index, timestamp, length), the header data, zero padding and a 12-byte tail
//! (adler32 of everything before it, length, `BlbE`).

const PAGE: usize = 4096;
const SLOT: usize = 16;
const BLK: usize = 16;
const HEAD: usize = 16;
const TAIL: usize = 12;

fn le32(b: &[u8], at: usize) -> u32 {
    // Callers check bounds first; a short read yields 0, which every check rejects.
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Reads every `(package index, header blob)` of an ndb `Packages.db`.
pub fn read(data: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    if data.len() < 32 {
        return Err(format!("{} bytes: too short for an ndb database", data.len()));
    }
    if &data[0..4] != b"RpmP" {
        return Err("not an ndb database (no RpmP magic)".to_string());
    }
    let version = le32(data, 4);
    if version != 0 {
        return Err(format!("unsupported ndb version {version}"));
    }
    let npages = le32(data, 12) as usize;
    if npages == 0 || npages.checked_mul(PAGE).is_none_or(|n| n > data.len()) {
        return Err(format!(
            "truncated: {npages} slot pages announced in {} bytes",
            data.len()
        ));
    }
    let blocks = data.len() / BLK;
    let first_blob_block = npages * PAGE / BLK;
    let mut out = Vec::new();
    for slot in 2..npages * PAGE / SLOT {
        let s = &data[slot * SLOT..(slot + 1) * SLOT];
        if &s[0..4] != b"Slot" {
            return Err(format!("slot {slot} has no Slot magic"));
        }
        let (pkgidx, blkoff, blkcnt) = (le32(s, 4), le32(s, 8) as usize, le32(s, 12) as usize);
        if blkoff == 0 {
            continue;
        }
        if pkgidx == 0 || blkcnt == 0 || blkoff < first_blob_block || blkoff.saturating_add(blkcnt) > blocks {
            return Err(format!(
                "slot {slot} (package {pkgidx}) points at blocks {blkoff}+{blkcnt}, outside the blob area"
            ));
        }
        let blob = &data[blkoff * BLK..(blkoff + blkcnt) * BLK];
        if blob.len() < HEAD + TAIL || &blob[0..4] != b"BlbS" || le32(blob, 4) != pkgidx {
            return Err(format!(
                "blob of package {pkgidx} at block {blkoff} has a bad head"
            ));
        }
        let len = le32(blob, 12) as usize;
        if (HEAD + len + TAIL).div_ceil(BLK) != blkcnt {
            return Err(format!(
                "blob of package {pkgidx} claims {len} bytes in {blkcnt} blocks"
            ));
        }
        let tail = &blob[blob.len() - TAIL..];
        if &tail[8..12] != b"BlbE" || le32(tail, 4) as usize != len {
            return Err(format!("blob of package {pkgidx} has a bad tail"));
        }
        let sum = adler32(&blob[..blob.len() - TAIL]);
        if le32(tail, 0) != sum {
            return Err(format!("blob of package {pkgidx} fails its adler32 check"));
        }
        out.push((pkgidx, blob[HEAD..HEAD + len].to_vec()));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    fn db_with(blob: &[u8]) -> Vec<u8> {
        let mut d = vec![0u8; PAGE];
        d[0..4].copy_from_slice(b"RpmP");
        d[12..16].copy_from_slice(&1u32.to_le_bytes());
        for s in 2..PAGE / SLOT {
            d[s * SLOT..s * SLOT + 4].copy_from_slice(b"Slot");
        }
        let blkcnt = (HEAD + blob.len() + TAIL).div_ceil(BLK);
        d[2 * SLOT + 4..2 * SLOT + 8].copy_from_slice(&7u32.to_le_bytes());
        d[2 * SLOT + 8..2 * SLOT + 12].copy_from_slice(&((PAGE / BLK) as u32).to_le_bytes());
        d[2 * SLOT + 12..2 * SLOT + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
        let mut b = Vec::new();
        b.extend(b"BlbS");
        b.extend(7u32.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend((blob.len() as u32).to_le_bytes());
        b.extend(blob);
        b.resize(blkcnt * BLK - TAIL, 0);
        let sum = adler32(&b);
        b.extend(sum.to_le_bytes());
        b.extend((blob.len() as u32).to_le_bytes());
        b.extend(b"BlbE");
        d.extend(b);
        d
    }

    #[test]
    fn reads_and_checks_blobs() {
        let d = db_with(b"hello header");
        assert_eq!(read(&d).unwrap(), vec![(7, b"hello header".to_vec())]);
        let mut bad = d.clone();
        bad[PAGE + HEAD] ^= 1;
        assert!(read(&bad).unwrap_err().contains("adler32"));
        assert!(read(&d[..d.len() - 1]).unwrap_err().contains("outside"));
        let mut bad = d.clone();
        bad[2 * SLOT + 12..2 * SLOT + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&bad).is_err());
        let mut bad = d.clone();
        bad[5 * SLOT] = b'X';
        assert!(read(&bad).unwrap_err().contains("Slot magic"));
        assert!(read(&d[..100]).unwrap_err().contains("truncated"));
        assert!(
            read(b"RpmQ                                ")
                .unwrap_err()
                .contains("magic")
        );
    }
}
