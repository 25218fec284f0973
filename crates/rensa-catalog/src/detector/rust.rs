//! The `rust` detector: crates locked in `Cargo.lock` files, and crates compiled into binaries built with
//! `cargo auditable` (the `.dep-v0` ELF section).
//!
//! Reported: every crate from a registry (`crates.io` or another) or a git repository, as
//! `pkg:cargo/NAME@VERSION`, with the lock's `source` as the `cargo-source` property and the registry
//! checksum (hex SHA-256 of the `.crate` file) as `checksum`. Path (workspace) crates — no `source` in the
//! lock, `local` in an auditable binary — are the project itself, have no published version anything could
//! match, and are skipped. In an auditable binary, the binary's own crate is reported only when it came
//! from a registry (`cargo install`), with `cargo-root = true`; build-time dependencies (build scripts,
//! proc macros) are reported with `cargo-kind = build`.
//!
//! Only ELF binaries are read (the section also exists in PE and Mach-O builds, which Linux images do not
//! hold).

pub(crate) mod auditable;
pub(crate) mod lockfile;

use rensa_oci::{FileTree, Want};

use crate::detector::golang::elf;
use crate::detector::{Context, Detected, Detector, inspected, split_path};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// The largest `Cargo.lock` read.
const MAX_LOCK_BYTES: u64 = 32 << 20;

/// Detects Rust crates.
pub struct Rust;

impl Detector for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }
    fn want(&self, path: &str, size: u64, mode: u32) -> Want {
        if path.ends_with("/Cargo.lock") && size <= MAX_LOCK_BYTES {
            Want::Content
        } else if mode & 0o111 != 0 {
            Want::Inspect
        } else {
            Want::Skip
        }
    }
    fn accept(&self, _path: &str, head: &[u8]) -> bool {
        head.starts_with(elf::MAGIC)
    }
    fn inspect(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let deps = auditable::read(data)?;
        serde_json::to_vec(&deps).ok()
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, node) in tree.iter() {
            if split_path(path).1 == "Cargo.lock"
                && let Some(content) = &node.content
            {
                match std::str::from_utf8(content)
                    .map_err(|e| e.to_string())
                    .and_then(lockfile::parse)
                {
                    Ok(locked) => out.packages.extend(lock_packages(path, &locked)),
                    Err(e) => out.warnings.push(format!("{path}: malformed Cargo.lock: {e}")),
                }
            }
            if let Some(raw) = inspected(node, self.name()) {
                match serde_json::from_slice::<Vec<auditable::Dep>>(raw) {
                    Ok(deps) => out.packages.extend(binary_packages(path, &deps)),
                    Err(e) => out
                        .warnings
                        .push(format!("{path}: unreadable cargo-auditable record: {e}")),
                }
            }
        }
        Ok(out)
    }
}

fn crate_package(location: &str, name: &str, version: &str, source: &str) -> Package {
    let mut p = Package::new(Ecosystem::Cargo, name, version, location);
    p.purl = Purl::new("cargo", name).version(version).to_string();
    p.properties.insert("cargo-source".into(), source.to_string());
    p
}

/// The packages of a parsed `Cargo.lock` at `location`.
pub(crate) fn lock_packages(location: &str, locked: &[lockfile::Locked]) -> Vec<Package> {
    locked
        .iter()
        .filter_map(|l| {
            let source = l.source.as_deref()?;
            let mut p = crate_package(location, &l.name, &l.version, source);
            if let Some(c) = &l.checksum {
                p.properties.insert("checksum".into(), c.clone());
            }
            Some(p)
        })
        .collect()
}

/// The packages of a cargo-auditable binary at `location`.
pub(crate) fn binary_packages(location: &str, deps: &[auditable::Dep]) -> Vec<Package> {
    deps.iter()
        .filter(|d| d.source != "local" && !d.name.is_empty() && !d.version.is_empty())
        .map(|d| {
            let mut p = crate_package(location, &d.name, &d.version, &d.source);
            if d.root {
                p.properties.insert("cargo-root".into(), "true".into());
            }
            if d.kind != "runtime" {
                p.properties.insert("cargo-kind".into(), d.kind.clone());
            }
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_crates_are_skipped() {
        let locked = lockfile::parse(
            "version = 3\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"g\"\nversion = \"0.2.0\"\n\
             source = \"git+https://example.invalid/g.git#0123abc\"\n",
        )
        .unwrap();
        let pkgs = lock_packages("/src/Cargo.lock", &locked);
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].purl, "pkg:cargo/g@0.2.0");
        assert_eq!(
            pkgs[0].properties["cargo-source"],
            "git+https://example.invalid/g.git#0123abc"
        );
        assert!(!pkgs[0].properties.contains_key("checksum"));
    }

    #[test]
    fn auditable_root_and_build_kinds() {
        let deps = vec![
            auditable::Dep {
                name: "cc".into(),
                version: "1.0.0".into(),
                source: "crates.io".into(),
                kind: "build".into(),
                root: false,
            },
            auditable::Dep {
                name: "rg".into(),
                version: "14.1.0".into(),
                source: "crates.io".into(),
                kind: "runtime".into(),
                root: true,
            },
            auditable::Dep {
                name: "me".into(),
                version: "0.1.0".into(),
                source: "local".into(),
                kind: "runtime".into(),
                root: false,
            },
        ];
        let pkgs = binary_packages("/usr/bin/rg", &deps);
        assert_eq!(pkgs.len(), 2);
        assert_eq!(
            pkgs[0].properties.get("cargo-kind").map(String::as_str),
            Some("build")
        );
        assert_eq!(
            pkgs[1].properties.get("cargo-root").map(String::as_str),
            Some("true")
        );
        assert!(!pkgs[1].properties.contains_key("cargo-kind"));
    }
}
