//! The `apk` detector: Alpine (and Wolfi/Chainguard) packages from `/lib/apk/db/installed` (or
//! `/usr/lib/apk/db/installed`).
//!
//! The database is a list of records separated by blank lines, one `K:value` line per field: `P` name,
//! `V` version, `A` architecture, `o` origin (the source package), `L` licence, `m` maintainer, and the files
//! as `F:dir` lines each followed by the `R:file` lines inside that directory. A package's layer is the layer
//! where its record last changed.

use rensa_oci::{EntryKind, FileTree, Node, Want};

use crate::detector::dpkg::record_layers;
use crate::detector::{Context, Detected, Detector};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// The installed-packages database.
pub const INSTALLED: &str = "/lib/apk/db/installed";
/// Where images with a merged `/usr` (and apk-tools 3) keep it.
pub const USR_INSTALLED: &str = "/usr/lib/apk/db/installed";

/// Detects apk packages.
pub struct Apk;

/// One record of the installed database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `P`.
    pub name: String,
    /// `V`.
    pub version: String,
    /// `A`.
    pub arch: Option<String>,
    /// `o`.
    pub origin: Option<String>,
    /// `L`.
    pub license: Option<String>,
    /// `m`.
    pub maintainer: Option<String>,
    /// The files (`F` directory joined with each following `R` file), absolute.
    pub files: Vec<String>,
}

/// Splits the database into the raw bytes of its records (separated by blank lines).
pub fn split_records(text: &[u8]) -> Vec<&[u8]> {
    crate::detector::dpkg::split_stanzas(text)
}

/// Parses one record. Unknown fields and malformed lines are ignored.
pub fn parse_record(raw: &[u8]) -> Record {
    let mut r = Record::default();
    let mut dir = String::new();
    for line in raw.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let opt = || (!v.is_empty()).then(|| v.to_string());
        match k {
            "P" => r.name = v.to_string(),
            "V" => r.version = v.to_string(),
            "A" => r.arch = opt(),
            "o" => r.origin = opt(),
            "L" => r.license = opt(),
            "m" => r.maintainer = opt(),
            "F" => dir = v.trim_matches('/').to_string(),
            "R" if !v.is_empty() && !v.contains('/') => {
                r.files.push(if dir.is_empty() {
                    format!("/{v}")
                } else {
                    format!("/{dir}/{v}")
                });
            }
            _ => {}
        }
    }
    r
}

fn keyed_records(content: &[u8]) -> Vec<(String, &[u8])> {
    split_records(content)
        .into_iter()
        .filter_map(|raw| {
            let r = parse_record(raw);
            (!r.name.is_empty()).then_some((r.name, raw))
        })
        .collect()
}

impl Detector for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if path == INSTALLED || path == USR_INSTALLED {
            Want::Content
        } else {
            Want::Skip
        }
    }

    fn detect(&self, tree: &FileTree, ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        let mut seen = Vec::new();
        for path in [INSTALLED, USR_INSTALLED] {
            // /lib may link to usr/lib: read each database once, under its real path.
            let Ok(Some((location, node))) = tree.resolve(path) else {
                continue;
            };
            if node.kind != EntryKind::File || seen.contains(&location) {
                continue;
            }
            self.read_db(&location, node, ctx, &mut out);
            seen.push(location);
        }
        Ok(out)
    }
}

impl Apk {
    fn read_db(&self, location: &str, node: &Node, ctx: &Context<'_>, out: &mut Detected) {
        let Some(content) = &node.content else {
            out.warnings.push(format!(
                "{location}: content not available; apk packages not read"
            ));
            return;
        };
        let layers = record_layers(node, keyed_records);
        let namespace = ctx
            .distro
            .map(|d| d.id.as_str())
            .filter(|id| !id.is_empty())
            .unwrap_or("alpine");
        for raw in split_records(content) {
            let r = parse_record(raw);
            if r.name.is_empty() || r.version.is_empty() {
                let name = if r.name.is_empty() {
                    "no name"
                } else {
                    r.name.as_str()
                };
                out.warnings
                    .push(format!("{location}: record without P or V skipped ({name})"));
                continue;
            }
            let mut p = Package::new(Ecosystem::Apk, &r.name, &r.version, location);
            let mut purl = Purl::new("apk", &r.name).namespace(namespace).version(&r.version);
            if let Some(a) = &r.arch {
                purl = purl.qualifier("arch", a.as_str());
            }
            if let Some(d) = ctx.distro {
                purl = purl.qualifier("distro", d.purl_qualifier());
            }
            let source = r.origin.clone().unwrap_or_else(|| r.name.clone());
            if source != r.name {
                purl = purl.qualifier("upstream", source.as_str());
            }
            p.purl = purl.to_string();
            p.arch = r.arch;
            p.licenses = r.license.into_iter().collect();
            p.source_name = Some(source);
            p.source_version = Some(r.version.clone());
            p.supplier = r.maintainer;
            p.files = r.files;
            p.layer = layers.get(&r.name).copied().or(Some(node.layer));
            out.packages.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fields_and_files() {
        let raw = b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\nm:Timo Teras <timo.teras@iki.fi>\nF:lib\nR:libc.musl-x86_64.so.1\nR:ld-musl-x86_64.so.1\nZ:Q1xyz=\nF:usr/lib/\nR:x\nR:bad/name\nnonsense\n";
        let r = parse_record(raw);
        assert_eq!(r.name, "musl");
        assert_eq!(r.version, "1.2.4-r2");
        assert_eq!(r.arch.as_deref(), Some("x86_64"));
        assert_eq!(r.license.as_deref(), Some("MIT"));
        assert_eq!(r.maintainer.as_deref(), Some("Timo Teras <timo.teras@iki.fi>"));
        assert_eq!(
            r.files,
            vec![
                "/lib/libc.musl-x86_64.so.1",
                "/lib/ld-musl-x86_64.so.1",
                "/usr/lib/x"
            ]
        );
    }

    #[test]
    fn records_split() {
        let db = b"P:a\nV:1\n\nP:b\nV:2\n\n";
        let keys: Vec<String> = keyed_records(db).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["a", "b"]);
        assert_eq!(parse_record(b"R:file-before-F\n").files, vec!["/file-before-F"]);
    }
}
