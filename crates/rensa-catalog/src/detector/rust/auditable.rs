//! The dependency list `cargo auditable` embeds in binaries: an ELF section `.dep-v0` holding
//! zlib-compressed JSON `{"packages":[{"name","version","source","kind","dependencies","root"}]}`.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::detector::golang::elf::Elf;

/// The section name.
pub(crate) const SECTION: &str = ".dep-v0";
/// The most bytes the section may decompress to (cargo-auditable itself caps it at 8 MiB).
pub(crate) const MAX_JSON: u64 = 8 << 20;

/// One package of the embedded list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dep {
    /// The crate name.
    pub name: String,
    /// The exact version.
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry`, or another kind of source.
    pub source: String,
    /// `runtime` (the default) or `build`.
    #[serde(default = "runtime", skip_serializing_if = "is_runtime")]
    pub kind: String,
    /// Whether this is the binary's own package.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
}

fn runtime() -> String {
    "runtime".to_string()
}

fn is_runtime(kind: &String) -> bool {
    kind == "runtime"
}

#[derive(Debug, Deserialize)]
struct Document {
    packages: Vec<Dep>,
}

/// The embedded dependency list of an ELF binary; `None` when there is none or it is malformed.
pub(crate) fn read(data: &[u8]) -> Option<Vec<Dep>> {
    let elf = Elf::parse(data)?;
    let section = elf.section_data(&elf.section(SECTION)?)?;
    let json = inflate(section, MAX_JSON)?;
    serde_json::from_slice::<Document>(&json).ok().map(|d| d.packages)
}

/// Decompresses zlib data, refusing output larger than `max` bytes.
pub(crate) fn inflate(data: &[u8], max: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(max + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= max).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::detector::golang::elf::tests::build_elf64;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_the_section() {
        let json = br#"{"packages":[{"name":"a","version":"1.0.0","source":"crates.io","kind":"build"},{"name":"b","version":"0.1.0","source":"local","dependencies":[0],"root":true}],"format":1}"#;
        let elf = build_elf64(&[(".dep-v0", 0, &zlib(json))]);
        let deps = read(&elf).unwrap();
        assert_eq!(
            deps,
            vec![
                Dep {
                    name: "a".into(),
                    version: "1.0.0".into(),
                    source: "crates.io".into(),
                    kind: "build".into(),
                    root: false
                },
                Dep {
                    name: "b".into(),
                    version: "0.1.0".into(),
                    source: "local".into(),
                    kind: "runtime".into(),
                    root: true
                },
            ]
        );
        for n in 0..elf.len() {
            let _ = read(&elf[..n]);
        }
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let bomb = zlib(&vec![b' '; (MAX_JSON + 10) as usize]);
        assert_eq!(read(&build_elf64(&[(".dep-v0", 0, &bomb)])), None);
        assert_eq!(read(&build_elf64(&[(".dep-v0", 0, b"not zlib")])), None);
        assert_eq!(
            read(&build_elf64(&[(".dep-v0", 0, &zlib(b"{\"packages\":3}"))])),
            None
        );
        assert_eq!(read(&build_elf64(&[(".text", 0, b"x")])), None);
    }
}
