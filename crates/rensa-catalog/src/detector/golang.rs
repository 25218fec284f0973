//! The `golang` detector: Go modules compiled into executables, read from the build information the Go
//! linker embeds (what `go version -m` prints).
//!
//! Every executable ELF file is inspected while its layer streams by; the record kept is the toolchain
//! version and the modinfo text. Reported packages:
//! - each `dep` module as `pkg:golang/PATH@VERSION`, with its `h1:` sum as the `checksum` property. A
//!   dependency replaced by another module (`=> path version`) is reported as the replacement, which is
//!   the code that was built. A dependency replaced by a local directory (`=> ./dir`, no version) keeps
//!   its own path and required version and gets a `go-replace` property naming the directory.
//! - the main module only when it has a real version (`go install mod@version`), with `go-main-module`;
//!   a `(devel)` main module has no version anything could match and is skipped (Trivy reports it with
//!   an empty version).
//! - the toolchain as `stdlib`, version `go1.x.y`, purl `pkg:golang/stdlib@1.x.y` (as Syft does; Trivy
//!   spells the version `v1.x.y`).
//!
//! Every package carries the toolchain version as `go-version`. Only ELF executables are read; PE and
//! Mach-O binaries do not occur in Linux images.

pub(crate) mod buildinfo;
pub(crate) mod elf;

use rensa_oci::{FileTree, Want};
use serde::{Deserialize, Serialize};

use crate::detector::{Context, Detected, Detector, inspected_files};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects Go modules in Go executables.
pub struct Golang;

/// The record kept for a Go executable.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    go: String,
    modinfo: String,
}

impl Detector for Golang {
    fn name(&self) -> &'static str {
        "golang"
    }
    fn want(&self, _path: &str, _size: u64, mode: u32) -> Want {
        if mode & 0o111 != 0 {
            Want::Inspect
        } else {
            Want::Skip
        }
    }
    fn accept(&self, _path: &str, head: &[u8]) -> bool {
        head.starts_with(elf::MAGIC)
    }
    fn inspect(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let info = buildinfo::read(data)?;
        serde_json::to_vec(&Record {
            go: info.go_version,
            modinfo: info.modinfo,
        })
        .ok()
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, raw) in inspected_files(tree, self.name()) {
            match serde_json::from_slice::<Record>(raw) {
                Ok(r) => out.packages.extend(packages(path, &r.go, &r.modinfo)),
                Err(e) => out
                    .warnings
                    .push(format!("{path}: unreadable Go build information record: {e}")),
            }
        }
        Ok(out)
    }
}

/// The purl of a Go module path (the last path element is the name, the rest the namespace).
fn module_purl(path: &str, version: &str) -> String {
    let (ns, name) = match path.rsplit_once('/') {
        Some((ns, name)) => (ns, name),
        None => ("", path),
    };
    Purl::new("golang", name)
        .namespace(ns)
        .version(version)
        .to_string()
}

/// The packages of one Go executable at `location`, given its toolchain version and modinfo text.
pub(crate) fn packages(location: &str, go_version: &str, modinfo: &str) -> Vec<Package> {
    let info = buildinfo::parse_modinfo(modinfo);
    let go = go_version.split_whitespace().next().unwrap_or(go_version);
    let mut out = Vec::new();
    let mut add = |path: &str, version: &str, sum: &str, extra: Option<(&str, &str)>| {
        if path.is_empty() || version.is_empty() {
            return;
        }
        let mut p = Package::new(Ecosystem::Golang, path, version, location);
        p.purl = module_purl(path, version);
        p.properties.insert("go-version".into(), go.to_string());
        if !sum.is_empty() {
            p.properties.insert("checksum".into(), sum.to_string());
        }
        if let Some((k, v)) = extra {
            p.properties.insert(k.into(), v.into());
        }
        out.push(p);
    };
    if let Some(main) = &info.main
        && main.version != "(devel)"
    {
        add(
            &main.path,
            &main.version,
            &main.sum,
            Some(("go-main-module", "true")),
        );
    }
    for dep in &info.deps {
        match dep.replace.as_deref() {
            Some(r) if !r.version.is_empty() && r.version != "(devel)" => {
                add(&r.path, &r.version, &r.sum, None)
            }
            Some(r) => add(&dep.path, &dep.version, &dep.sum, Some(("go-replace", &r.path))),
            None => add(&dep.path, &dep.version, &dep.sum, None),
        }
    }
    if let Some(v) = go.strip_prefix("go") {
        let mut p = Package::new(Ecosystem::Golang, "stdlib", go, location);
        p.purl = Purl::new("golang", "stdlib").version(v).to_string();
        p.properties.insert("go-version".into(), go.to_string());
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_from_modinfo() {
        let modinfo = "path\tex.com/app/cmd\nmod\tex.com/app\tv1.0.0\th1:m=\ndep\tgithub.com/A/b\tv1.2.3\th1:abc=\n\
                       dep\tgithub.com/c/d\tv0.1.0\n=>\tgithub.com/e/d\tv0.1.1\th1:def=\n\
                       dep\tex.com/local\tv0.0.1\n=>\t../local\t(devel)\t\n";
        let pkgs = packages("/bin/app", "go1.22.3 X:boringcrypto", modinfo);
        let got: Vec<(&str, &str, &str)> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ex.com/app", "v1.0.0", "pkg:golang/ex.com/app@v1.0.0"),
                ("github.com/A/b", "v1.2.3", "pkg:golang/github.com/A/b@v1.2.3"),
                ("github.com/e/d", "v0.1.1", "pkg:golang/github.com/e/d@v0.1.1"),
                ("ex.com/local", "v0.0.1", "pkg:golang/ex.com/local@v0.0.1"),
                ("stdlib", "go1.22.3", "pkg:golang/stdlib@1.22.3"),
            ]
        );
        assert_eq!(
            pkgs[0].properties.get("go-main-module").map(String::as_str),
            Some("true")
        );
        assert_eq!(
            pkgs[1].properties.get("checksum").map(String::as_str),
            Some("h1:abc=")
        );
        assert_eq!(
            pkgs[2].properties.get("checksum").map(String::as_str),
            Some("h1:def=")
        );
        assert_eq!(
            pkgs[3].properties.get("go-replace").map(String::as_str),
            Some("../local")
        );
        assert!(
            pkgs.iter()
                .all(|p| p.properties["go-version"] == "go1.22.3" && p.location == "/bin/app")
        );
    }

    #[test]
    fn devel_main_module_is_skipped() {
        let pkgs = packages("/app", "go1.19.8", "path\tx\nmod\tx\t(devel)\t\n");
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, "stdlib");
    }
}
