//! The `python` detector: installed Python distributions, wherever they are in the image.
//!
//! Three layouts carry the core metadata (an RFC 822-style header block, see the PyPA "Core metadata
//! specifications"):
//! - `NAME-VER.dist-info/METADATA` (wheels, pip, modern installers), whose sibling `RECORD` lists the
//!   installed files as CSV relative to the directory holding the `.dist-info`;
//! - `NAME-VER.egg-info/PKG-INFO` (setuptools), whose sibling `installed-files.txt` lists files relative to
//!   the `.egg-info` directory, and `NAME-VER.egg/EGG-INFO/PKG-INFO` (unzipped eggs);
//! - a plain file `NAME-VER.egg-info` holding the same headers (distutils, many Debian packages).
//!
//! The purl name is normalized as PEP 503 says (lowercase, runs of `-`, `_`, `.` become one `-`); the
//! package name stays as the metadata spells it. Licences come from `License-Expression`, else from a
//! one-line `License` field, else from `Classifier: License :: …` lines (their last segment).

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector, kept_files, split_path};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects Python packages.
pub struct Python;

/// The fields of a core-metadata header block that the detector uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `Name`.
    pub name: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `License-Expression` (metadata 2.4).
    pub license_expression: Option<String>,
    /// `License`, continuation lines joined with `\n`.
    pub license: Option<String>,
    /// The last segment of each `Classifier: License :: …`.
    pub license_classifiers: Vec<String>,
    /// `Author`, else `Author-email`.
    pub author: Option<String>,
    /// `Maintainer`, else `Maintainer-email`.
    pub maintainer: Option<String>,
}

impl Metadata {
    /// The licences to report: the expression, else a meaningful one-line `License`, else the classifiers.
    pub fn licenses(&self) -> Vec<String> {
        if let Some(e) = &self.license_expression {
            return vec![e.clone()];
        }
        if let Some(l) = &self.license {
            let l = l.trim();
            if !l.is_empty() && !l.contains('\n') && !l.eq_ignore_ascii_case("UNKNOWN") && l.len() <= 200 {
                return vec![l.to_string()];
            }
        }
        self.license_classifiers.clone()
    }
}

/// Parses the header block of a `METADATA` / `PKG-INFO` file (everything up to the first blank line).
/// Unknown fields and lines without a colon are ignored.
pub fn parse_metadata(text: &str) -> Metadata {
    let mut m = Metadata::default();
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                let cont = line.trim_start();
                let cont = cont.strip_prefix('|').unwrap_or(cont).trim();
                v.push('\n');
                v.push_str(cont);
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim(), v.trim().to_string()));
        }
    }
    let mut author_email = None;
    let mut maintainer_email = None;
    for (k, v) in fields {
        let v = v.trim_end_matches('\n').to_string();
        let set = |slot: &mut Option<String>| {
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v.clone());
            }
        };
        match k.to_ascii_lowercase().as_str() {
            "name" => set(&mut m.name),
            "version" => set(&mut m.version),
            "license-expression" => set(&mut m.license_expression),
            "license" => set(&mut m.license),
            "author" => set(&mut m.author),
            "author-email" => set(&mut author_email),
            "maintainer" => set(&mut m.maintainer),
            "maintainer-email" => set(&mut maintainer_email),
            "classifier" => {
                let parts: Vec<&str> = v.split("::").map(str::trim).collect();
                if parts.len() > 1 && parts[0] == "License" {
                    let last = parts[parts.len() - 1];
                    // `License :: OSI Approved` alone names no licence.
                    if !(last.is_empty() || parts.len() == 2 && last == "OSI Approved") {
                        m.license_classifiers.push(last.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if m.author.is_none() {
        m.author = author_email;
    }
    if m.maintainer.is_none() {
        m.maintainer = maintainer_email;
    }
    m
}

/// Normalizes a distribution name as PEP 503 does: lowercase, each run of `-`, `_` and `.` becomes `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The purl of a Python distribution.
pub fn purl(name: &str, version: &str) -> String {
    Purl::new("pypi", &normalize_name(name))
        .version(version)
        .to_string()
}

/// Joins `rel` to the absolute directory `base` and normalizes `.` and `..` (clamped at `/`).
fn join_normalized(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let start = if rel.starts_with('/') { "" } else { base };
    for c in start.split('/').chain(rel.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The first field of a `RECORD` CSV line (handles the quoted form `"a,b",hash,size`).
fn record_path(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        let p = line.split(',').next().unwrap_or("");
        (!p.is_empty()).then(|| p.to_string())
    }
}

/// The files listed by a `RECORD` (`base`: the directory holding the `.dist-info`), absolute and sorted.
pub fn record_files(base: &str, record: &str) -> Vec<String> {
    let mut files: Vec<String> = record
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .filter_map(record_path)
        .map(|p| join_normalized(base, &p))
        .collect();
    files.sort();
    files.dedup();
    files
}

/// The files listed by an `installed-files.txt` (`egg_info`: the `.egg-info` directory), absolute and sorted.
fn installed_files(egg_info: &str, list: &str) -> Vec<String> {
    let mut files: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|p| join_normalized(egg_info, p))
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Which metadata layout a path is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `*.dist-info/METADATA`.
    DistInfo,
    /// `*.egg-info/PKG-INFO` or `*.egg/EGG-INFO/PKG-INFO`.
    EggInfoDir,
    /// A plain `*.egg-info` file.
    EggInfoFile,
}

fn kind(path: &str) -> Option<Kind> {
    if path.ends_with(".dist-info/METADATA") {
        Some(Kind::DistInfo)
    } else if path.ends_with(".egg-info/PKG-INFO") || path.ends_with(".egg/EGG-INFO/PKG-INFO") {
        Some(Kind::EggInfoDir)
    } else if path.ends_with(".egg-info") {
        Some(Kind::EggInfoFile)
    } else {
        None
    }
}

/// Whether `data` looks like binary rather than text.
fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(8192)].contains(&0)
}

impl Python {
    fn package(
        &self,
        tree: &FileTree,
        path: &str,
        kind: Kind,
        data: &[u8],
        warnings: &mut Vec<String>,
    ) -> std::result::Result<Package, String> {
        if is_binary(data) {
            return Err(format!("{path}: not a Python metadata file (binary content)"));
        }
        let text = String::from_utf8_lossy(data);
        let meta = parse_metadata(&text);
        let (Some(name), Some(version)) = (meta.name.clone(), meta.version.clone()) else {
            return Err(format!(
                "{path}: Python package metadata without Name and Version"
            ));
        };
        let mut p = Package::new(Ecosystem::Pypi, name.clone(), version.clone(), path);
        p.purl = purl(&name, &version);
        p.licenses = meta.licenses();
        p.supplier = meta.maintainer.clone().or(meta.author.clone());
        let (dir, _) = split_path(path);
        match kind {
            Kind::DistInfo => {
                let record_path = format!("{dir}/RECORD");
                match tree.read(&record_path) {
                    Some(record) if is_binary(record) => warnings.push(format!(
                        "{record_path}: not a RECORD file (binary content); files not listed"
                    )),
                    Some(record) => {
                        p.files = record_files(split_path(dir).0, &String::from_utf8_lossy(record))
                    }
                    None => {}
                }
            }
            Kind::EggInfoDir => {
                if let Some(list) = tree.read(&format!("{dir}/installed-files.txt")) {
                    p.files = installed_files(dir, &String::from_utf8_lossy(list));
                }
            }
            Kind::EggInfoFile => {}
        }
        Ok(p)
    }
}

impl Detector for Python {
    fn name(&self) -> &'static str {
        "python"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if kind(path).is_some()
            || path.ends_with(".dist-info/RECORD")
            || path.ends_with(".egg-info/installed-files.txt")
        {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, data) in kept_files(tree) {
            let Some(kind) = kind(path) else {
                continue;
            };
            match self.package(tree, path, kind, data, &mut out.warnings) {
                Ok(p) => out.packages.push(p),
                Err(w) => out.warnings.push(w),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("typing_extensions"), "typing-extensions");
        assert_eq!(normalize_name("jaraco.classes"), "jaraco-classes");
        assert_eq!(normalize_name("Foo.._-Bar"), "foo-bar");
        assert_eq!(purl("zope.interface", "6.0"), "pkg:pypi/zope-interface@6.0");
        assert_eq!(purl("torch", "2.1.0+cpu"), "pkg:pypi/torch@2.1.0%2Bcpu");
    }

    #[test]
    fn licence_precedence() {
        let m = parse_metadata(
            "Metadata-Version: 2.4\nName: a\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: MIT\n\
             Classifier: License :: OSI Approved :: MIT License\n\nLicense: body is ignored\n",
        );
        assert_eq!(m.licenses(), vec!["MIT OR Apache-2.0"]);
        let m = parse_metadata(
            "Name: a\nVersion: 1\nLicense: BSD-3-Clause\nClassifier: License :: OSI Approved :: BSD License\n",
        );
        assert_eq!(m.licenses(), vec!["BSD-3-Clause"]);
        // A whole licence text in `License` (continuation lines) falls back to the classifiers.
        let m = parse_metadata(
            "Name: a\nVersion: 1\nLicense: Copyright (c) 2001 Someone\n        Permission is hereby granted\n        \
             to anyone\nClassifier: License :: OSI Approved\nClassifier: License :: OSI Approved :: MIT License\n\
             Classifier: License :: Other/Proprietary License\n",
        );
        assert_eq!(
            m.license.as_deref(),
            Some("Copyright (c) 2001 Someone\nPermission is hereby granted\nto anyone")
        );
        assert_eq!(m.licenses(), vec!["MIT License", "Other/Proprietary License"]);
        let m = parse_metadata("Name: a\nVersion: 1\nLicense: UNKNOWN\n");
        assert!(m.licenses().is_empty());
    }

    #[test]
    fn record_paths() {
        let rec = "six.py,sha256=x,34549\n\"we,ird.py\",,\n../../../bin/tool,sha256=y,10\nsix-1.16.0.dist-info/RECORD,,\n";
        assert_eq!(
            record_files("/usr/lib/python3.11/site-packages", rec),
            vec![
                "/usr/bin/tool",
                "/usr/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
                "/usr/lib/python3.11/site-packages/six.py",
                "/usr/lib/python3.11/site-packages/we,ird.py",
            ]
        );
        // `..` never climbs above the root.
        assert_eq!(join_normalized("/a", "../../../../etc/passwd"), "/etc/passwd");
    }

    #[test]
    fn installed_files_are_relative_to_the_egg_info() {
        // As `setup.py install --record`-style legacy pip installs write it.
        let list =
            "../six.py\n../__pycache__/six.cpython-39.pyc\nPKG-INFO\n\ntop_level.txt\n../../../../bin/x\n";
        assert_eq!(
            installed_files("/usr/lib/python3.9/site-packages/six-1.16.0-py3.9.egg-info", list),
            vec![
                "/usr/bin/x",
                "/usr/lib/python3.9/site-packages/__pycache__/six.cpython-39.pyc",
                "/usr/lib/python3.9/site-packages/six-1.16.0-py3.9.egg-info/PKG-INFO",
                "/usr/lib/python3.9/site-packages/six-1.16.0-py3.9.egg-info/top_level.txt",
                "/usr/lib/python3.9/site-packages/six.py",
            ]
        );
    }

    #[test]
    fn wants_by_path() {
        let p = Python;
        for yes in [
            "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
            "/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
            "/opt/x/six.egg-info/PKG-INFO",
            "/opt/x/six.egg-info/installed-files.txt",
            "/opt/x/six-1.0-py3.9.egg/EGG-INFO/PKG-INFO",
        ] {
            assert_eq!(p.want(yes, 10, 0o644), Want::Content, "{yes}");
        }
        for no in [
            "/usr/lib/python3/dist-packages/six.py",
            "/x/PKG-INFO",
            "/x.dist-info/WHEEL",
            "/METADATA",
        ] {
            assert_eq!(p.want(no, 10, 0o644), Want::Skip, "{no}");
        }
    }
}
