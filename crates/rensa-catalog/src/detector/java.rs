//! The `java` detector: Java archives (`.jar`, `.war`, `.ear`, `.par`, `.sar`, `.jpi`, `.hpi`, `.kar`) and
//! the archives nested in them (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, jars in jars).
//!
//! Each archive is walked while its layer streams by (`archive::scan`, bounded in depth, expanded bytes
//! and number of nested archives); only the coordinates found are kept. An archive's identity comes from,
//! in order: every `META-INF/maven/**/pom.properties` in it (a shaded jar yields one package per
//! embedded project); else its `META-INF/MANIFEST.MF` (see `metadata::from_manifest`); else its file name
//! (`artifact-1.2.3.jar`). Archives with none of these are not reported, but their nested archives are.
//!
//! Packages are named `group:artifact` (just `artifact` when no group is known), with purl
//! `pkg:maven/group/artifact@version`. `location` is the archive's path in the image; a package from a
//! nested archive also gets `java-archive` = `/outer.war!/WEB-INF/lib/inner.jar`. `java-source` says which
//! evidence identified it (`pom.properties`, `MANIFEST.MF`, `file-name`). Licences are not recorded in
//! these files and are left empty.

pub(crate) mod archive;
pub(crate) mod metadata;

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector, inspected_files};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects Java archives.
pub struct Java;

impl Detector for Java {
    fn name(&self) -> &'static str {
        "java"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if archive::is_archive_name(path) {
            Want::Inspect
        } else {
            Want::Skip
        }
    }
    fn accept(&self, _path: &str, head: &[u8]) -> bool {
        // A zip file, or an executable jar with a launch script in front of the zip data.
        head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"#!")
    }
    fn inspect(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let record = archive::scan(data, path, &archive::Limits::default())?;
        if record.packages.is_empty() && record.warnings.is_empty() {
            return None;
        }
        serde_json::to_vec(&record).ok()
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, raw) in inspected_files(tree, self.name()) {
            match serde_json::from_slice::<archive::Record>(raw) {
                Ok(r) => {
                    out.packages.extend(r.packages.iter().map(|f| package(path, f)));
                    out.warnings
                        .extend(r.warnings.iter().map(|w| format!("{path}!/{w}")));
                }
                Err(e) => out
                    .warnings
                    .push(format!("{path}: unreadable Java archive record: {e}")),
            }
        }
        Ok(out)
    }
}

/// The package for coordinates found in the archive at `location`.
fn package(location: &str, f: &archive::Found) -> Package {
    let name = if f.group.is_empty() {
        f.artifact.clone()
    } else {
        format!("{}:{}", f.group, f.artifact)
    };
    let mut p = Package::new(Ecosystem::Maven, name, &f.version, location);
    p.purl = Purl::new("maven", &f.artifact)
        .namespace(&f.group)
        .version(&f.version)
        .to_string();
    p.properties
        .insert("java-source".into(), f.source.as_str().into());
    if !f.nested.is_empty() {
        p.properties
            .insert("java-archive".into(), format!("{location}!/{}", f.nested));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::archive::tests::zip_of;
    use super::*;

    #[test]
    fn inspect_and_package() {
        let jar = zip_of(&[(
            "META-INF/maven/org.a/b/pom.properties",
            b"groupId=org.a\nartifactId=b\nversion=1.0\n",
        )]);
        let war = zip_of(&[("WEB-INF/lib/b-1.0.jar", &jar)]);
        assert!(Java.accept("/x.war", &war[..16]));
        assert_eq!(Java.want("/srv/x.war", 10, 0o644), Want::Inspect);
        assert_eq!(Java.want("/srv/x.txt", 10, 0o755), Want::Skip);
        let raw = Java.inspect("/srv/x.war", &war).unwrap();
        let r: archive::Record = serde_json::from_slice(&raw).unwrap();
        let p = package("/srv/x.war", &r.packages[0]);
        assert_eq!((p.name.as_str(), p.version.as_str()), ("org.a:b", "1.0"));
        assert_eq!(p.purl, "pkg:maven/org.a/b@1.0");
        assert_eq!(p.properties["java-archive"], "/srv/x.war!/WEB-INF/lib/b-1.0.jar");
        assert_eq!(p.properties["java-source"], "pom.properties");
        assert_eq!(
            Java.inspect("/srv/y.jar", b"#!/bin/sh\nexec java -jar $0\n"),
            None
        );
    }
}
