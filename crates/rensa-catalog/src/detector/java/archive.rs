//! Walks a Java archive (a zip file) and the archives nested in it, collecting Maven coordinates, within
//! limits on nesting depth, on the bytes any one entry and all entries together may expand to, and on the
//! number of nested archives, so that a zip bomb costs bounded time and memory.

use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};
use zip::ZipArchive;

use super::metadata::{self, Coordinates};

/// The file-name suffixes of Java archives.
pub(crate) const SUFFIXES: &[&str] = &["jar", "war", "ear", "par", "sar", "jpi", "hpi", "kar"];

/// Whether `name` ends with a Java archive suffix (any case). Does not allocate.
pub(crate) fn is_archive_name(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty() && !stem.ends_with('/') && SUFFIXES.iter().any(|s| ext.eq_ignore_ascii_case(s))
        }
        None => false,
    }
}

/// Limits of one archive walk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How deep archives are opened inside archives (1: the archives directly inside the file).
    pub max_depth: usize,
    /// The most bytes one nested archive may expand to.
    pub max_entry: u64,
    /// The most bytes all entries read from one file may expand to.
    pub max_total: u64,
    /// The most bytes a `pom.properties` or manifest may expand to.
    pub max_text: u64,
    /// The most nested archives opened in one file.
    pub max_archives: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_entry: 64 << 20,
            max_total: 256 << 20,
            max_text: 1 << 20,
            max_archives: 10_000,
        }
    }
}

/// Where a package's coordinates came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Evidence {
    /// `META-INF/maven/**/pom.properties`.
    #[serde(rename = "pom.properties")]
    PomProperties,
    /// `META-INF/MANIFEST.MF`.
    #[serde(rename = "MANIFEST.MF")]
    Manifest,
    /// The archive's file name.
    #[serde(rename = "file-name")]
    FileName,
}

impl Evidence {
    /// The name used in the `java-source` property.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Evidence::PomProperties => "pom.properties",
            Evidence::Manifest => "MANIFEST.MF",
            Evidence::FileName => "file-name",
        }
    }
}

/// One package found in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Found {
    /// The groupId (empty when unknown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The artifactId.
    pub artifact: String,
    /// The version.
    pub version: String,
    /// Where the coordinates came from.
    pub source: Evidence,
    /// The path of the nested archive inside the file (`WEB-INF/lib/a.jar`, `a.war!/WEB-INF/lib/b.jar`);
    /// empty for the file itself.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nested: String,
}

/// What a walk found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The packages, the file's own first, then nested ones in archive order.
    pub packages: Vec<Found>,
    /// Entries that were not read (over a limit, corrupt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

struct Walk<'l> {
    limits: &'l Limits,
    budget: u64,
    archives: usize,
    record: Record,
}

/// Walks the archive `data` whose file name is `name`; `None` if it is not a zip file.
pub(crate) fn scan(data: &[u8], name: &str, limits: &Limits) -> Option<Record> {
    let mut walk = Walk {
        limits,
        budget: limits.max_total,
        archives: 0,
        record: Record::default(),
    };
    walk.archive(data, name, "", 0).then_some(walk.record)
}

impl Walk<'_> {
    /// Reads entry `i`, expanding at most `cap` bytes (and what is left of the total budget).
    fn read(&mut self, zip: &mut ZipArchive<Cursor<&[u8]>>, i: usize, cap: u64) -> Result<Vec<u8>, String> {
        let mut f = zip.by_index(i).map_err(|e| e.to_string())?;
        let cap = cap.min(self.budget);
        if f.size() > cap {
            return Err(format!("expands to {} bytes, over the limit of {cap}", f.size()));
        }
        let mut out = Vec::with_capacity(f.size() as usize);
        let read = (&mut f).take(cap + 1).read_to_end(&mut out);
        self.budget = self.budget.saturating_sub(out.len() as u64);
        read.map_err(|e| e.to_string())?;
        if out.len() as u64 > cap {
            return Err(format!("expands beyond the limit of {cap} bytes"));
        }
        Ok(out)
    }

    fn found(&mut self, c: Coordinates, source: Evidence, nested: &str) {
        self.record.packages.push(Found {
            group: c.group,
            artifact: c.artifact,
            version: c.version,
            source,
            nested: nested.to_string(),
        });
    }

    fn warn(&mut self, nested: &str, entry: &str, what: impl std::fmt::Display) {
        let at = if nested.is_empty() {
            entry.to_string()
        } else {
            format!("{nested}!/{entry}")
        };
        self.record.warnings.push(format!("{at}: {what}"));
    }

    /// Walks one archive; `false` if it is not a zip file.
    fn archive(&mut self, data: &[u8], name: &str, nested: &str, depth: usize) -> bool {
        let Ok(mut zip) = ZipArchive::new(Cursor::new(data)) else {
            return false;
        };
        let names: Vec<(usize, String)> = (0..zip.len())
            .filter_map(|i| Some((i, zip.name_for_index(i)?.ok()?.into_owned())))
            .collect();

        let mut own = false;
        for (i, entry) in &names {
            if entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.properties") {
                match self.read(&mut zip, *i, self.limits.max_text) {
                    Ok(text) => {
                        if let Some(c) = metadata::pom_properties(entry, &String::from_utf8_lossy(&text)) {
                            self.found(c, Evidence::PomProperties, nested);
                            own = true;
                        }
                    }
                    Err(e) => self.warn(nested, entry, e),
                }
            }
        }
        if !own
            && let Some((i, entry)) = names
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case("META-INF/MANIFEST.MF"))
        {
            match self.read(&mut zip, *i, self.limits.max_text) {
                Ok(text) => {
                    let fields = metadata::manifest(&String::from_utf8_lossy(&text));
                    if let Some(c) = metadata::from_manifest(&fields, name) {
                        self.found(c, Evidence::Manifest, nested);
                        own = true;
                    }
                }
                Err(e) => self.warn(nested, entry, e),
            }
        }
        if !own {
            let (artifact, version) = metadata::file_name(name);
            if !version.is_empty() {
                let c = Coordinates {
                    group: String::new(),
                    artifact: artifact.to_string(),
                    version: version.to_string(),
                };
                self.found(c, Evidence::FileName, nested);
            }
        }

        for (i, entry) in &names {
            if !is_archive_name(entry) {
                continue;
            }
            if depth >= self.limits.max_depth {
                self.warn(
                    nested,
                    entry,
                    format!(
                        "archive nested deeper than {} levels; not read",
                        self.limits.max_depth
                    ),
                );
                continue;
            }
            if self.archives >= self.limits.max_archives {
                self.warn(
                    nested,
                    entry,
                    format!("more than {} nested archives; not read", self.limits.max_archives),
                );
                return true;
            }
            self.archives += 1;
            let inner = if nested.is_empty() {
                entry.clone()
            } else {
                format!("{nested}!/{entry}")
            };
            match self.read(&mut zip, *i, self.limits.max_entry) {
                Ok(bytes) => {
                    if !self.archive(&bytes, entry, &inner, depth + 1) {
                        self.warn(nested, entry, "not a readable zip archive");
                    }
                }
                Err(e) => self.warn(nested, entry, e),
            }
        }
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// A zip file of `(name, content)` entries, deflated.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(content).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn suffixes() {
        assert!(is_archive_name("/a/b.JAR"));
        assert!(is_archive_name("x.hpi"));
        assert!(!is_archive_name("/a/.jar"));
        assert!(!is_archive_name("/a/jar"));
        assert!(!is_archive_name("/a/b.jar.sha1"));
    }

    #[test]
    fn nested_and_fallbacks() {
        let inner = zip_of(&[(
            "META-INF/maven/g/a/pom.properties",
            b"groupId=g\nartifactId=a\nversion=1\n",
        )]);
        let manifest_only = zip_of(&[(
            "META-INF/MANIFEST.MF",
            b"Implementation-Version: 3\nImplementation-Vendor-Id: v\n",
        )]);
        let bare = zip_of(&[("x.txt", b"x")]);
        let war = zip_of(&[
            ("WEB-INF/lib/a-1.jar", &inner),
            ("WEB-INF/lib/m-3.jar", &manifest_only),
            ("WEB-INF/lib/bare-0.9.jar", &bare),
            ("WEB-INF/lib/broken.jar", b"not a zip"),
        ]);
        let ear = zip_of(&[("shop.war", &war)]);
        let r = scan(&ear, "/opt/x/site-2.ear", &Limits::default()).unwrap();
        let got: Vec<(&str, &str, &str, Evidence, &str)> = r
            .packages
            .iter()
            .map(|f| {
                (
                    f.group.as_str(),
                    f.artifact.as_str(),
                    f.version.as_str(),
                    f.source,
                    f.nested.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "site", "2", Evidence::FileName, ""),
                (
                    "g",
                    "a",
                    "1",
                    Evidence::PomProperties,
                    "shop.war!/WEB-INF/lib/a-1.jar"
                ),
                ("v", "m", "3", Evidence::Manifest, "shop.war!/WEB-INF/lib/m-3.jar"),
                (
                    "",
                    "bare",
                    "0.9",
                    Evidence::FileName,
                    "shop.war!/WEB-INF/lib/bare-0.9.jar"
                ),
            ]
        );
        assert_eq!(
            r.warnings,
            vec!["shop.war!/WEB-INF/lib/broken.jar: not a readable zip archive".to_string()]
        );
        assert_eq!(scan(b"PK\x03\x04 garbage", "x.jar", &Limits::default()), None);
    }

    #[test]
    fn depth_and_bombs_are_bounded() {
        // Ten levels of jars in jars: only the first `max_depth` are opened.
        let mut z = zip_of(&[("META-INF/maven/g/deep/pom.properties", b"version=10\n")]);
        for level in (1..10).rev() {
            let pom = format!("version={level}\n");
            let name = format!("META-INF/maven/g/l{level}/pom.properties");
            z = zip_of(&[(name.as_str(), pom.as_bytes()), ("lib/inner.jar", &z)]);
        }
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let r = scan(&z, "top.jar", &limits).unwrap();
        assert_eq!(r.packages.len(), 4);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("nested deeper than 3"), "{:?}", r.warnings);

        // A nested entry expanding past the per-entry limit is refused without being kept.
        let big = vec![0u8; 4 << 20];
        let bomb = zip_of(&[("lib/zeros.jar", &big)]);
        assert!(bomb.len() < 64 << 10);
        let limits = Limits {
            max_entry: 1 << 20,
            ..Limits::default()
        };
        let r = scan(&bomb, "bomb.jar", &limits).unwrap();
        assert!(r.packages.is_empty());
        assert!(r.warnings[0].contains("over the limit"), "{:?}", r.warnings);

        // Many entries each under the per-entry limit exhaust the total budget.
        let one = vec![0u8; 1 << 20];
        let names: Vec<String> = (0..8).map(|i| format!("lib/z{i}.jar")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), one.as_slice())).collect();
        let many = zip_of(&entries);
        let limits = Limits {
            max_entry: 2 << 20,
            max_total: 3 << 20,
            ..Limits::default()
        };
        let r = scan(&many, "many.jar", &limits).unwrap();
        assert_eq!(
            r.warnings.iter().filter(|w| w.contains("limit")).count(),
            5,
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn an_entry_lying_about_its_size_is_still_bounded() {
        let zeros = vec![0u8; 4 << 20];
        let mut z = zip_of(&[("lib/z.jar", &zeros)]);
        // Claim 100 bytes uncompressed in the local (offset 22) and central (offset 24) headers.
        let find = |z: &[u8], sig: &[u8]| z.windows(4).position(|w| w == sig).unwrap();
        let local = find(&z, b"PK\x03\x04");
        z[local + 22..local + 26].copy_from_slice(&100u32.to_le_bytes());
        let central = find(&z, b"PK\x01\x02");
        z[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());
        let limits = Limits {
            max_entry: 1 << 20,
            ..Limits::default()
        };
        let r = scan(&z, "liar.jar", &limits).unwrap();
        assert!(r.packages.is_empty());
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].starts_with("lib/z.jar: "), "{:?}", r.warnings);
    }

    #[test]
    fn truncated_and_corrupted_archives_never_panic() {
        let inner = zip_of(&[(
            "META-INF/maven/g/a/pom.properties",
            b"groupId=g\nartifactId=a\nversion=1\n",
        )]);
        let outer = zip_of(&[
            ("lib/a-1.jar", &inner),
            ("META-INF/MANIFEST.MF", b"Bundle-Version: 1\n"),
        ]);
        for n in 0..outer.len() {
            let _ = scan(&outer[..n], "o.jar", &Limits::default());
        }
        for i in 0..outer.len() {
            let mut bad = outer.clone();
            bad[i] ^= 0x5a;
            let _ = scan(&bad, "o.jar", &Limits::default());
        }
    }
}
