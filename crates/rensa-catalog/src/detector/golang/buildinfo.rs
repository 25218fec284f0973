//! The build information the Go linker embeds in executables (`go version -m` prints it), and the module
//! list (`modinfo`) inside it.
//!
//! Format facts: a 32-byte header starting with the 14-byte magic `\xff Go buildinf:` sits at a 16-byte
//! aligned offset at the start of the `.go.buildinfo` section (or of the data segment in older binaries).
//! Byte 14 is the pointer size, byte 15 holds flags: bit 0 big-endian, bit 1 "inline strings" (Go ≥ 1.18),
//! in which case the Go version and modinfo follow the header as two uvarint-length-prefixed strings.
//! Older binaries instead store at offset 16 two pointers to Go string headers (data pointer, length),
//! which are followed through the file's virtual address mapping. The modinfo string is wrapped in 16
//! bytes of sentinel on each side.

use super::elf::{Elf, Reader};

/// The magic that starts the build information header.
pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const HEADER: usize = 32;
const ALIGN: usize = 16;
/// How far into the data segment the header is searched for.
const SEARCH: u64 = 64 << 10;
/// The longest version or modinfo string accepted.
const MAX_STRING: u64 = 4 << 20;

/// The build information of one Go executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildInfo {
    /// The toolchain version (`go1.19.8`, possibly followed by ` X:experiment`).
    pub go_version: String,
    /// The module information text (may be empty: built without module support).
    pub modinfo: String,
}

/// Reads the build information from an ELF executable; `None` if it is not a Go binary or is malformed.
pub(crate) fn read(data: &[u8]) -> Option<BuildInfo> {
    let elf = Elf::parse(data)?;
    let block = match elf.section(".go.buildinfo") {
        Some(s) => elf.section_data(&s)?,
        None => elf.read_at(elf.data_segment_start()?, SEARCH)?,
    };
    let start = find_header(block)?;
    let block = &block[start..];
    let header = block.get(..HEADER)?;
    let ptr_size = header[14];
    let flags = header[15];
    let big_endian = flags & 1 != 0;
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = &block[HEADER..];
        let (version, rest) = varint_string(rest)?;
        let (modinfo, _) = varint_string(rest)?;
        (version.to_vec(), modinfo.to_vec())
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return None;
        }
        let r = Reader::new(header, big_endian);
        let version_ptr = r.word(16, ptr_size)?;
        let modinfo_ptr = r.word(16 + u64::from(ptr_size), ptr_size)?;
        (
            go_string(&elf, version_ptr, ptr_size, big_endian)?,
            go_string(&elf, modinfo_ptr, ptr_size, big_endian)?,
        )
    };
    let go_version = String::from_utf8(version).ok()?;
    if go_version.is_empty() {
        return None;
    }
    Some(BuildInfo {
        go_version,
        modinfo: strip_sentinels(&modinfo),
    })
}

/// The offset of the 16-byte aligned header magic in `block`.
fn find_header(block: &[u8]) -> Option<usize> {
    (0..block.len())
        .step_by(ALIGN)
        .find(|&i| block[i..].starts_with(MAGIC) && block.len() - i >= HEADER)
}

/// A uvarint (LEB128, at most 10 bytes) and the rest of the input.
pub(crate) fn uvarint(data: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in data.iter().enumerate().take(10) {
        let bits = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return None;
        }
        value |= bits << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &data[i + 1..]));
        }
    }
    None
}

/// A uvarint-length-prefixed string and the rest of the input.
fn varint_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = uvarint(data)?;
    if len > MAX_STRING {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    Some((rest.get(..len)?, &rest[len..]))
}

/// The bytes of the Go string whose header (data pointer, length) is at virtual address `addr`.
fn go_string(elf: &Elf<'_>, addr: u64, ptr_size: u8, big_endian: bool) -> Option<Vec<u8>> {
    let header = elf.read_at(addr, 2 * u64::from(ptr_size))?;
    let r = Reader::new(header, big_endian);
    let data_ptr = r.word(0, ptr_size)?;
    let len = r.word(u64::from(ptr_size), ptr_size)?;
    if len == 0 {
        return Some(Vec::new());
    }
    if len > MAX_STRING {
        return None;
    }
    let bytes = elf.read_at(data_ptr, len)?;
    (bytes.len() as u64 == len).then(|| bytes.to_vec())
}

/// Removes the 16-byte sentinels around the modinfo text (empty if they are not there).
fn strip_sentinels(modinfo: &[u8]) -> String {
    let n = modinfo.len();
    if n >= 33 && modinfo[n - 17] == b'\n' {
        String::from_utf8_lossy(&modinfo[16..n - 16]).into_owned()
    } else {
        String::new()
    }
}

/// A module as the modinfo text records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Module {
    /// The module path.
    pub path: String,
    /// The version (`v1.2.3`, `(devel)`, or empty for a directory replacement).
    pub version: String,
    /// The `h1:` checksum, when recorded.
    pub sum: String,
    /// The replacement (`=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// The parsed modinfo text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ModInfo {
    /// The main package's import path (`path` line).
    pub path: String,
    /// The main module (`mod` line).
    pub main: Option<Module>,
    /// The dependencies (`dep` lines), in recorded order.
    pub deps: Vec<Module>,
}

/// Parses modinfo text: tab-separated `path`, `mod`, `dep` and `=>` lines (others are ignored).
pub(crate) fn parse_modinfo(text: &str) -> ModInfo {
    fn module(fields: &[&str]) -> Module {
        Module {
            path: fields.first().unwrap_or(&"").to_string(),
            version: fields.get(1).unwrap_or(&"").to_string(),
            sum: fields.get(2).unwrap_or(&"").to_string(),
            replace: None,
        }
    }
    let mut info = ModInfo::default();
    // Whether the last module line was `mod` (true) or `dep` (false), for `=>`.
    let mut last_main = None;
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["path", p, ..] => info.path = p.to_string(),
            ["mod", rest @ ..] => {
                info.main = Some(module(rest));
                last_main = Some(true);
            }
            ["dep", rest @ ..] => {
                info.deps.push(module(rest));
                last_main = Some(false);
            }
            ["=>", rest @ ..] => {
                let target = match last_main {
                    Some(true) => info.main.as_mut(),
                    Some(false) => info.deps.last_mut(),
                    None => None,
                };
                if let Some(m) = target {
                    m.replace = Some(Box::new(module(rest)));
                }
                last_main = None;
            }
            _ => {}
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::super::elf::tests::build_elf64;
    use super::*;

    const START: &[u8; 16] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
    const END: &[u8; 16] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";
    const MODINFO: &str = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/a/b\tv1.2.3\th1:abc=\n\
                           dep\tgithub.com/c/d\tv0.1.0\n=>\tgithub.com/e/d\tv0.1.1\th1:def=\nbuild\tGOOS=linux\n";

    fn wrapped() -> Vec<u8> {
        [&START[..], MODINFO.as_bytes(), &END[..]].concat()
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    #[test]
    fn inline_format() {
        let mut section = MAGIC.to_vec();
        section.extend_from_slice(&[8, 2]);
        section.resize(32, 0);
        varint(8, &mut section);
        section.extend_from_slice(b"go1.21.5");
        let m = wrapped();
        varint(m.len(), &mut section);
        section.extend_from_slice(&m);
        let elf = build_elf64(&[(".go.buildinfo", 0x5000, &section)]);
        let info = read(&elf).unwrap();
        assert_eq!(info.go_version, "go1.21.5");
        assert_eq!(info.modinfo, MODINFO);
        // Every truncation is refused or read, never a panic.
        for n in 0..elf.len() {
            let _ = read(&elf[..n]);
        }
    }

    #[test]
    fn pointer_format_follows_addresses() {
        // .go.buildinfo at 0x5000 points at string headers in .data at 0x6000, whose data is at 0x7000.
        let version = b"go1.16.15";
        let m = wrapped();
        let mut rodata = version.to_vec();
        rodata.extend_from_slice(&m);
        let mut data = Vec::new();
        for (ptr, len) in [
            (0x7000u64, version.len() as u64),
            (0x7000 + version.len() as u64, m.len() as u64),
        ] {
            data.extend_from_slice(&ptr.to_le_bytes());
            data.extend_from_slice(&len.to_le_bytes());
        }
        let mut section = MAGIC.to_vec();
        section.extend_from_slice(&[8, 0]);
        section.extend_from_slice(&0x6000u64.to_le_bytes());
        section.extend_from_slice(&0x6010u64.to_le_bytes());
        let elf = build_elf64(&[
            (".go.buildinfo", 0x5000, &section),
            (".data", 0x6000, &data),
            (".rodata", 0x7000, &rodata),
        ]);
        let info = read(&elf).unwrap();
        assert_eq!(info.go_version, "go1.16.15");
        assert_eq!(info.modinfo, MODINFO);
        // Pointers into nowhere are refused.
        let mut bad = section.clone();
        bad[16..24].copy_from_slice(&0xdead_0000u64.to_le_bytes());
        let elf = build_elf64(&[
            (".go.buildinfo", 0x5000, &bad),
            (".data", 0x6000, &data),
            (".rodata", 0x7000, &rodata),
        ]);
        assert_eq!(read(&elf), None);
    }

    #[test]
    fn magic_in_the_data_segment_of_a_binary_without_the_section() {
        let mut section = vec![0u8; 48];
        section.extend_from_slice(MAGIC);
        section.extend_from_slice(&[8, 2]);
        section.resize(48 + 32, 0);
        varint(6, &mut section);
        section.extend_from_slice(b"go1.12");
        varint(0, &mut section);
        let elf = build_elf64(&[(".data", 0x5000, &section)]);
        let info = read(&elf).unwrap();
        assert_eq!(info.go_version, "go1.12");
        assert_eq!(info.modinfo, "");
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(read(b""), None);
        assert_eq!(read(&[0xffu8; 1000]), None);
        let mut section = MAGIC.to_vec();
        section.extend_from_slice(&[8, 2]);
        section.resize(32, 0);
        section.extend_from_slice(&[0xff; 11]); // an overlong varint
        assert_eq!(read(&build_elf64(&[(".go.buildinfo", 0x5000, &section)])), None);
        let mut section = MAGIC.to_vec();
        section.extend_from_slice(&[8, 2]);
        section.resize(32, 0);
        section.extend_from_slice(&[0xff, 0xff, 0xff, 0x0f]); // a length beyond the data
        assert_eq!(read(&build_elf64(&[(".go.buildinfo", 0x5000, &section)])), None);
        assert_eq!(uvarint(&[0xff; 10]), None);
        assert_eq!(uvarint(&[0x96, 0x01]), Some((150, &[][..])));
    }

    #[test]
    fn modinfo_lines() {
        let info = parse_modinfo(MODINFO);
        assert_eq!(info.path, "example.com/app");
        assert_eq!(info.main.as_ref().unwrap().version, "(devel)");
        assert_eq!(info.deps.len(), 2);
        assert_eq!(
            info.deps[0],
            Module {
                path: "github.com/a/b".into(),
                version: "v1.2.3".into(),
                sum: "h1:abc=".into(),
                replace: None
            }
        );
        let r = info.deps[1].replace.as_ref().unwrap();
        assert_eq!(
            (r.path.as_str(), r.version.as_str(), r.sum.as_str()),
            ("github.com/e/d", "v0.1.1", "h1:def=")
        );
        assert_eq!(parse_modinfo("garbage\n\t\t\n=>\tx\n"), ModInfo::default());
    }
}
