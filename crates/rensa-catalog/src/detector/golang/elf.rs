//! A minimal, read-only ELF reader: the section and program header tables of ELF32/ELF64 files of either
//! byte order, named sections, and reads at virtual addresses. Used by the Go and Rust binary detectors.
//!
//! Every offset and size read from the file is checked against the file's length; a malformed file gives
//! `None`, never a panic.

/// `\x7fELF`.
pub(crate) const MAGIC: &[u8; 4] = b"\x7fELF";

const SHT_NOBITS: u32 = 8;
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
/// The most section or program headers read (more than any real file has).
const MAX_HEADERS: u64 = 1 << 16;

/// One section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Section {
    name: u32,
    kind: u32,
    /// The virtual address when loaded (0 if not loaded).
    pub addr: u64,
    /// The offset of the section's bytes in the file.
    pub offset: u64,
    /// The size in bytes.
    pub size: u64,
}

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

/// A parsed ELF file borrowing its bytes.
#[derive(Debug)]
pub(crate) struct Elf<'a> {
    data: &'a [u8],
    /// Whether the file is big-endian.
    pub big_endian: bool,
    sections: Vec<Section>,
    segments: Vec<Segment>,
    shstr: Option<Section>,
}

/// Bounds-checked little/big-endian reads from a byte slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub(crate) fn new(data: &'a [u8], big_endian: bool) -> Self {
        Reader { data, big_endian }
    }
    /// `len` bytes at `off`.
    pub(crate) fn bytes(&self, off: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }
    fn array<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        self.bytes(off, N as u64)?.try_into().ok()
    }
    /// A 16-bit integer at `off`.
    pub(crate) fn u16(&self, off: u64) -> Option<u16> {
        let b = self.array::<2>(off)?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    /// A 32-bit integer at `off`.
    pub(crate) fn u32(&self, off: u64) -> Option<u32> {
        let b = self.array::<4>(off)?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    /// A 64-bit integer at `off`.
    pub(crate) fn u64(&self, off: u64) -> Option<u64> {
        let b = self.array::<8>(off)?;
        Some(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// A pointer-sized (4 or 8 bytes) integer at `off`.
    pub(crate) fn word(&self, off: u64, size: u8) -> Option<u64> {
        match size {
            4 => self.u32(off).map(u64::from),
            8 => self.u64(off),
            _ => None,
        }
    }
}

impl<'a> Elf<'a> {
    /// Parses the headers of an ELF file; `None` if `data` is not a well-formed ELF file.
    pub(crate) fn parse(data: &'a [u8]) -> Option<Self> {
        if !data.starts_with(MAGIC) {
            return None;
        }
        let is64 = match data.get(4)? {
            1 => false,
            2 => true,
            _ => return None,
        };
        let big_endian = match data.get(5)? {
            1 => false,
            2 => true,
            _ => return None,
        };
        let r = Reader::new(data, big_endian);
        let w = if is64 { 8 } else { 4 };
        // Offsets of e_phoff; the rest of the header follows from the word size.
        let phoff = r.word(if is64 { 0x20 } else { 0x1c }, w)?;
        let shoff = r.word(if is64 { 0x28 } else { 0x20 }, w)?;
        let base = if is64 { 0x36 } else { 0x2a };
        let phentsize = u64::from(r.u16(base)?);
        let phnum = u64::from(r.u16(base + 2)?);
        let shentsize = u64::from(r.u16(base + 4)?);
        let mut shnum = u64::from(r.u16(base + 6)?);
        let mut shstrndx = u64::from(r.u16(base + 8)?);

        let (sh_min, ph_min) = if is64 { (64, 56) } else { (40, 32) };
        let mut sections = Vec::new();
        if shoff != 0 && shentsize >= sh_min {
            let first = Self::section_at(&r, is64, shoff);
            // Extended numbering: the real count and string table index live in section 0.
            if shnum == 0 {
                shnum = first.map(|s| s.size).unwrap_or(0);
            }
            if shstrndx == 0xffff {
                let link_off = shoff.checked_add(if is64 { 40 } else { 24 })?;
                shstrndx = u64::from(r.u32(link_off)?);
            }
            for i in 0..shnum.min(MAX_HEADERS) {
                let off = shoff.checked_add(i.checked_mul(shentsize)?)?;
                match Self::section_at(&r, is64, off) {
                    Some(s) => sections.push(s),
                    None => break,
                }
            }
        }
        let mut segments = Vec::new();
        if phoff != 0 && phentsize >= ph_min {
            for i in 0..phnum.min(MAX_HEADERS) {
                let off = phoff.checked_add(i.checked_mul(phentsize)?)?;
                let seg = if is64 {
                    (|| {
                        Some(Segment {
                            kind: r.u32(off)?,
                            flags: r.u32(off.checked_add(4)?)?,
                            offset: r.u64(off.checked_add(8)?)?,
                            vaddr: r.u64(off.checked_add(16)?)?,
                            filesz: r.u64(off.checked_add(32)?)?,
                        })
                    })()
                } else {
                    (|| {
                        Some(Segment {
                            kind: r.u32(off)?,
                            offset: u64::from(r.u32(off.checked_add(4)?)?),
                            vaddr: u64::from(r.u32(off.checked_add(8)?)?),
                            filesz: u64::from(r.u32(off.checked_add(16)?)?),
                            flags: r.u32(off.checked_add(24)?)?,
                        })
                    })()
                };
                match seg {
                    Some(s) => segments.push(s),
                    None => break,
                }
            }
        }
        let shstr = usize::try_from(shstrndx)
            .ok()
            .and_then(|i| sections.get(i))
            .copied();
        Some(Elf {
            data,
            big_endian,
            sections,
            segments,
            shstr,
        })
    }

    fn section_at(r: &Reader<'_>, is64: bool, off: u64) -> Option<Section> {
        if is64 {
            Some(Section {
                name: r.u32(off)?,
                kind: r.u32(off.checked_add(4)?)?,
                addr: r.u64(off.checked_add(16)?)?,
                offset: r.u64(off.checked_add(24)?)?,
                size: r.u64(off.checked_add(32)?)?,
            })
        } else {
            Some(Section {
                name: r.u32(off)?,
                kind: r.u32(off.checked_add(4)?)?,
                addr: u64::from(r.u32(off.checked_add(12)?)?),
                offset: u64::from(r.u32(off.checked_add(16)?)?),
                size: u64::from(r.u32(off.checked_add(20)?)?),
            })
        }
    }

    /// A reader over the whole file in the file's byte order.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.data, self.big_endian)
    }

    /// The name of a section, from the section-name string table.
    fn section_name(&self, s: &Section) -> Option<&'a [u8]> {
        let table = self.section_data(&self.shstr?)?;
        let rest = table.get(usize::try_from(s.name).ok()?..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(&rest[..end])
    }

    /// The first section called `name`.
    pub(crate) fn section(&self, name: &str) -> Option<Section> {
        self.sections
            .iter()
            .find(|s| self.section_name(s) == Some(name.as_bytes()))
            .copied()
    }

    /// The bytes of a section in the file (`None` for sections without file content or out of bounds).
    pub(crate) fn section_data(&self, s: &Section) -> Option<&'a [u8]> {
        if s.kind == SHT_NOBITS {
            return None;
        }
        self.reader().bytes(s.offset, s.size)
    }

    /// The start address of the first writable, non-executable loaded segment.
    pub(crate) fn data_segment_start(&self) -> Option<u64> {
        self.segments
            .iter()
            .find(|p| p.kind == PT_LOAD && p.flags & (PF_X | PF_W) == PF_W)
            .map(|p| p.vaddr)
    }

    /// Up to `len` bytes of file content mapped at virtual address `addr` (fewer if the mapping ends sooner;
    /// `None` if nothing in the file is mapped there).
    pub(crate) fn read_at(&self, addr: u64, len: u64) -> Option<&'a [u8]> {
        let ranges = self
            .segments
            .iter()
            .filter(|p| p.kind == PT_LOAD)
            .map(|p| (p.vaddr, p.offset, p.filesz))
            .chain(
                self.sections
                    .iter()
                    .filter(|s| s.kind != SHT_NOBITS && s.addr != 0)
                    .map(|s| (s.addr, s.offset, s.size)),
            );
        for (start, offset, size) in ranges {
            if addr >= start && addr - start < size {
                let skip = addr - start;
                let n = len.min(size - skip);
                let file_off = offset.checked_add(skip)?;
                // A mapping that points past the end of the file is clipped to what is there.
                let avail = (self.data.len() as u64).saturating_sub(file_off);
                return self.reader().bytes(file_off, n.min(avail));
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a small little-endian ELF64 file with the given `(name, addr, content)` sections, and one
    /// writable PT_LOAD segment covering each section with a nonzero address.
    pub(crate) fn build_elf64(sections: &[(&str, u64, &[u8])]) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[..4].copy_from_slice(MAGIC);
        out[4] = 2;
        out[5] = 1;
        out[6] = 1;
        // Section contents, then the name table, then program and section headers.
        let mut placed = Vec::new();
        for (_, addr, content) in sections {
            let off = out.len() as u64;
            out.extend_from_slice(content);
            placed.push((off, *addr, content.len() as u64));
        }
        let mut names = vec![0u8];
        let mut name_offs = Vec::new();
        for (name, _, _) in sections {
            name_offs.push(names.len() as u32);
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        let shstrtab_name = names.len() as u32;
        names.extend_from_slice(b".shstrtab\0");
        let names_off = out.len() as u64;
        out.extend_from_slice(&names);
        let loads: Vec<_> = placed.iter().filter(|p| p.1 != 0).collect();
        let phoff = out.len() as u64;
        for (off, addr, size) in &loads {
            let mut ph = [0u8; 56];
            ph[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
            ph[4..8].copy_from_slice(&PF_W.to_le_bytes());
            ph[8..16].copy_from_slice(&off.to_le_bytes());
            ph[16..24].copy_from_slice(&addr.to_le_bytes());
            ph[32..40].copy_from_slice(&size.to_le_bytes());
            ph[40..48].copy_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&ph);
        }
        let shoff = out.len() as u64;
        out.extend_from_slice(&[0u8; 64]);
        let sh = |name: u32, kind: u32, addr: u64, off: u64, size: u64| {
            let mut h = [0u8; 64];
            h[0..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[16..24].copy_from_slice(&addr.to_le_bytes());
            h[24..32].copy_from_slice(&off.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            h
        };
        for (i, (off, addr, size)) in placed.iter().enumerate() {
            out.extend_from_slice(&sh(name_offs[i], 1, *addr, *off, *size));
        }
        out.extend_from_slice(&sh(shstrtab_name, 3, 0, names_off, names.len() as u64));
        let shnum = sections.len() as u16 + 2;
        out[0x20..0x28].copy_from_slice(&phoff.to_le_bytes());
        out[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        out[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        out[0x38..0x3a].copy_from_slice(&(loads.len() as u16).to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&shnum.to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&(shnum - 1).to_le_bytes());
        out
    }

    #[test]
    fn sections_and_addresses() {
        let elf = build_elf64(&[(".data", 0x1000, b"hello world"), (".note", 0, b"xyz")]);
        let e = Elf::parse(&elf).unwrap();
        assert!(!e.big_endian);
        let s = e.section(".data").unwrap();
        assert_eq!(e.section_data(&s), Some(&b"hello world"[..]));
        assert_eq!(e.section_data(&e.section(".note").unwrap()), Some(&b"xyz"[..]));
        assert!(e.section(".missing").is_none());
        assert_eq!(e.read_at(0x1006, 100), Some(&b"world"[..]));
        assert_eq!(e.read_at(0x2000, 1), None);
        assert_eq!(e.data_segment_start(), Some(0x1000));
    }

    #[test]
    fn truncated_and_garbage_never_panic() {
        let elf = build_elf64(&[(".data", 0x1000, b"hello world")]);
        for n in 0..elf.len() {
            if let Some(e) = Elf::parse(&elf[..n]) {
                let _ = e.section(".data").and_then(|s| e.section_data(&s));
                let _ = e.read_at(0x1000, 5);
            }
        }
        // Every byte of the header flipped in turn.
        for i in 0..elf.len() {
            let mut bad = elf.clone();
            bad[i] ^= 0xff;
            if let Some(e) = Elf::parse(&bad) {
                let _ = e.section(".data").and_then(|s| e.section_data(&s));
                let _ = e.read_at(0x1000, u64::MAX);
            }
        }
        assert!(Elf::parse(b"\x7fELF").is_none());
        assert!(Elf::parse(b"MZ garbage").is_none());
    }

    #[test]
    fn huge_offsets_are_refused() {
        let mut elf = build_elf64(&[(".data", 0x1000, b"hello")]);
        // Section header offset beyond the file; and a huge entry count.
        elf[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        elf[0x3c..0x3e].copy_from_slice(&u16::MAX.to_le_bytes());
        let e = Elf::parse(&elf).unwrap();
        assert!(e.section(".data").is_none());
    }
}
