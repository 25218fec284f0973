//! The `dpkg` detector: Debian and Ubuntu packages from `/var/lib/dpkg/status`, and the one-file-per-package
//! `/var/lib/dpkg/status.d/` of distroless images.
//!
//! Each installed package gives its name, version (with epoch), architecture, source package
//! (`Source: name (version)`, defaulting to the binary's own name and version), maintainer, the files of
//! `/var/lib/dpkg/info/NAME[:ARCH].list` (or `status.d/NAME.md5sums`) and the licences of a machine-readable
//! (DEP-5) `/usr/share/doc/NAME/copyright`. A package's layer is the layer where its stanza last changed.

use std::collections::{BTreeMap, BTreeSet};

use rensa_oci::{EntryKind, FileTree, Node, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// The dpkg status database.
pub const STATUS: &str = "/var/lib/dpkg/status";
/// The distroless status directory (one stanza file per package, plus `NAME.md5sums`).
pub const STATUS_D: &str = "/var/lib/dpkg/status.d";
/// The directory of the per-package file lists.
pub const INFO: &str = "/var/lib/dpkg/info";

/// The largest copyright file read for licences; bigger ones are skipped (keep it cheap).
const MAX_COPYRIGHT: u64 = 256 << 10;

/// Detects dpkg packages.
pub struct Dpkg;

/// One stanza of a deb822 control file: fields in order, names as written, values with continuation lines
/// joined by `\n` (leading blank of each continuation line removed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stanza {
    /// `(field, value)` pairs in file order.
    pub fields: Vec<(String, String)>,
}

impl Stanza {
    /// The value of `field` (matched case-insensitively, as dpkg does).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits a deb822 text into the raw bytes of its stanzas (separated by blank lines).
pub fn split_stanzas(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos < text.len() {
        let end = text[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len());
        let line = &text[pos..end];
        let blank = line.iter().all(|b| b.is_ascii_whitespace());
        if blank {
            if let Some(s) = start.take() {
                out.push(&text[s..pos]);
            }
        } else if start.is_none() {
            start = Some(pos);
        }
        pos = end;
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Parses one stanza. Lines that are neither `Field: value` nor continuations are ignored; comment lines
/// (`#`) are skipped.
pub fn parse_stanza(raw: &[u8]) -> Stanza {
    let text = String::from_utf8_lossy(raw);
    let mut st = Stanza::default();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, v)) = st.fields.last_mut() {
                let cont = &line[1..];
                v.push('\n');
                v.push_str(if cont.trim() == "." { "" } else { cont });
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            if !k.is_empty() && !k.contains(char::is_whitespace) {
                st.fields.push((k.to_string(), v.trim().to_string()));
            }
        }
    }
    st
}

/// Parses a `Source:` field: `name` or `name (version)`.
pub fn parse_source(value: &str) -> (String, Option<String>) {
    let value = value.trim();
    match value.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split_once(')').map(|(v, _)| v).unwrap_or(rest).trim();
            (
                name.trim().to_string(),
                (!version.is_empty()).then(|| version.to_string()),
            )
        }
        None => (value.split_whitespace().next().unwrap_or("").to_string(), None),
    }
}

/// Whether a `Status:` value (`want flag status`) says the package is installed.
pub fn is_installed(status: &str) -> bool {
    status.split_whitespace().nth(2) == Some("installed")
}

/// All versions of a file the walk kept, oldest first: `(layer, content)` of its history, then the final one.
pub(crate) fn versions(node: &Node) -> Vec<(usize, &[u8])> {
    let mut v: Vec<(usize, &[u8])> = node.history.iter().map(|(l, c)| (*l, c.as_slice())).collect();
    if let Some(c) = &node.content {
        v.push((node.layer, c.as_slice()));
    }
    v
}

/// For a database made of records, the layer where each record of the final version last changed.
///
/// `split` turns one version of the file into `(key, record bytes)`. A record unchanged from the previous
/// version keeps that version's layer; a new or changed one takes the layer of the version it appears in.
pub(crate) fn record_layers<K: Ord + Clone>(
    node: &Node,
    split: impl Fn(&[u8]) -> Vec<(K, &[u8])>,
) -> BTreeMap<K, usize> {
    let mut prev: BTreeMap<K, (&[u8], usize)> = BTreeMap::new();
    for (layer, content) in versions(node) {
        let mut next = BTreeMap::new();
        for (key, rec) in split(content) {
            let l = match prev.get(&key) {
                Some((old, l)) if *old == rec => *l,
                _ => layer,
            };
            next.insert(key, (rec, l));
        }
        prev = next;
    }
    prev.into_iter().map(|(k, (_, l))| (k, l)).collect()
}

/// The `(Package, Architecture)` key of a raw stanza, for layer attribution.
fn stanza_key(raw: &[u8]) -> Option<(String, String)> {
    let st = parse_stanza(raw);
    Some((
        st.get("Package")?.to_string(),
        st.get("Architecture").unwrap_or("").to_string(),
    ))
}

fn keyed_stanzas(content: &[u8]) -> Vec<((String, String), &[u8])> {
    split_stanzas(content)
        .into_iter()
        .filter_map(|raw| stanza_key(raw).map(|k| (k, raw)))
        .collect()
}

/// Licences from a machine-readable (DEP-5) copyright file: the first line of every `License:` field,
/// deduplicated and sorted. Anything else gives no licences.
pub fn copyright_licenses(text: &[u8]) -> Vec<String> {
    let head = &text[..text.len().min(512)];
    let first = String::from_utf8_lossy(head);
    let first = first.lines().next().unwrap_or("");
    let Some((k, v)) = first.split_once(':') else {
        return Vec::new();
    };
    if !k.trim().eq_ignore_ascii_case("Format") || !(v.contains("copyright-format") || v.contains("dep5")) {
        return Vec::new();
    }
    let mut out = BTreeSet::new();
    for raw in split_stanzas(text) {
        let st = parse_stanza(raw);
        for (k, v) in &st.fields {
            if k.eq_ignore_ascii_case("License") {
                let short = v.lines().next().unwrap_or("").trim();
                if !short.is_empty() && short.len() <= 200 {
                    out.insert(short.to_string());
                }
            }
        }
    }
    out.into_iter().collect()
}

fn text_lines(data: &[u8]) -> impl Iterator<Item = &str> {
    data.split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .map(str::trim_end)
}

/// Whether `path` is a directory in the image (following links, as `/lib` → `usr/lib` in merged-usr images).
fn is_dir(tree: &FileTree, path: &str) -> bool {
    match tree.get(path) {
        Some(n) if n.kind == EntryKind::Dir => true,
        Some(n) if n.kind == EntryKind::File => false,
        _ => matches!(tree.resolve(path), Ok(Some((_, n))) if n.kind == EntryKind::Dir),
    }
}

/// The files listed in a dpkg `.list` file, without directories (as far as the image shows them).
fn list_files(tree: &FileTree, data: &[u8]) -> Vec<String> {
    text_lines(data)
        .filter(|l| l.starts_with('/') && *l != "/.")
        .filter(|l| !is_dir(tree, l))
        .map(str::to_string)
        .collect()
}

/// The files of a distroless `NAME.md5sums` (`HASH  relative/path` lines).
fn md5sums_files(data: &[u8]) -> Vec<String> {
    text_lines(data)
        .filter_map(|l| l.split_once("  ").or_else(|| l.split_once(' ')))
        .map(|(_, p)| {
            p.trim_start_matches(['*', ' '])
                .trim_start_matches("./")
                .trim_start_matches('/')
        })
        .filter(|p| !p.is_empty())
        .map(|p| format!("/{p}"))
        .collect()
}

impl Dpkg {
    fn package(&self, st: &Stanza, location: &str, tree: &FileTree, ctx: &Context<'_>) -> Option<Package> {
        let name = st.get("Package")?;
        let version = st.get("Version").filter(|v| !v.is_empty())?;
        let mut p = Package::new(Ecosystem::Deb, name, version, location);
        let arch = st.get("Architecture").filter(|a| !a.is_empty());
        p.arch = arch.map(str::to_string);
        let (source, source_version) = match st.get("Source") {
            Some(s) if !s.trim().is_empty() => parse_source(s),
            _ => (name.to_string(), None),
        };
        let source = if source.is_empty() {
            name.to_string()
        } else {
            source
        };
        p.source_version = Some(source_version.unwrap_or_else(|| version.to_string()));
        p.supplier = st.get("Maintainer").filter(|m| !m.is_empty()).map(str::to_string);
        let namespace = ctx
            .distro
            .map(|d| d.id.as_str())
            .filter(|id| !id.is_empty())
            .unwrap_or("debian");
        let mut purl = Purl::new("deb", name).namespace(namespace).version(version);
        if let Some(a) = arch {
            purl = purl.qualifier("arch", a);
        }
        if let Some(d) = ctx.distro {
            purl = purl.qualifier("distro", d.purl_qualifier());
        }
        if source != name {
            purl = purl.qualifier("upstream", source.as_str());
        }
        p.purl = purl.to_string();
        p.source_name = Some(source);
        let with_arch = arch.map(|a| format!("{INFO}/{name}:{a}.list"));
        let list = with_arch
            .as_deref()
            .and_then(|p| tree.read(p))
            .or_else(|| tree.read(&format!("{INFO}/{name}.list")));
        if let Some(list) = list {
            p.files = list_files(tree, list);
        }
        if let Some(c) = tree.read(&format!("/usr/share/doc/{name}/copyright")) {
            p.licenses = copyright_licenses(c);
        }
        Some(p)
    }
}

impl Detector for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn want(&self, path: &str, size: u64, _mode: u32) -> Want {
        if path == STATUS {
            return Want::Content;
        }
        if let Some(rest) = path.strip_prefix("/var/lib/dpkg/") {
            if let Some(name) = rest.strip_prefix("status.d/") {
                return if name.contains('/') {
                    Want::Skip
                } else {
                    Want::Content
                };
            }
            if let Some(name) = rest.strip_prefix("info/") {
                return if !name.contains('/') && name.ends_with(".list") {
                    Want::Content
                } else {
                    Want::Skip
                };
            }
            return Want::Skip;
        }
        if let Some(rest) = path.strip_prefix("/usr/share/doc/")
            && let Some((pkg, "copyright")) = rest.split_once('/')
            && !pkg.is_empty()
            && size <= MAX_COPYRIGHT
        {
            return Want::Content;
        }
        Want::Skip
    }

    fn detect(&self, tree: &FileTree, ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        if let Some(node) = tree.get(STATUS).filter(|n| n.kind == EntryKind::File) {
            match &node.content {
                Some(content) => {
                    let layers = record_layers(node, keyed_stanzas);
                    for raw in split_stanzas(content) {
                        let st = parse_stanza(raw);
                        if !st.get("Status").is_some_and(is_installed) {
                            continue;
                        }
                        match self.package(&st, STATUS, tree, ctx) {
                            Some(mut p) => {
                                let key = (p.name.clone(), p.arch.clone().unwrap_or_default());
                                p.layer = layers.get(&key).copied().or(Some(node.layer));
                                out.packages.push(p);
                            }
                            None => out.warnings.push(format!(
                                "{STATUS}: installed stanza without Package or Version skipped ({})",
                                st.get("Package").unwrap_or("no name")
                            )),
                        }
                    }
                }
                None => out
                    .warnings
                    .push(format!("{STATUS}: content not available; dpkg packages not read")),
            }
        }
        for (path, node) in tree.below(STATUS_D) {
            let (_, base) = crate::detector::split_path(path);
            if node.kind != EntryKind::File
                || base.ends_with(".md5sums")
                || base.starts_with('.')
                || path[STATUS_D.len() + 1..].contains('/')
            {
                continue;
            }
            let Some(content) = &node.content else { continue };
            let layers = record_layers(node, keyed_stanzas);
            for raw in split_stanzas(content) {
                let st = parse_stanza(raw);
                // Distroless stanzas are installed packages; a Status field, when present, must agree.
                if st.get("Status").is_some_and(|s| !is_installed(s)) {
                    continue;
                }
                let Some(mut p) = self.package(&st, path, tree, ctx) else {
                    out.warnings
                        .push(format!("{path}: stanza without Package or Version skipped"));
                    continue;
                };
                if p.files.is_empty() {
                    let sums = tree
                        .read(&format!("{STATUS_D}/{}.md5sums", p.name))
                        .or_else(|| tree.read(&format!("{STATUS_D}/{base}.md5sums")));
                    if let Some(sums) = sums {
                        p.files = md5sums_files(sums);
                    }
                }
                let key = (p.name.clone(), p.arch.clone().unwrap_or_default());
                p.layer = layers.get(&key).copied().or(Some(node.layer));
                out.packages.push(p);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_continuations() {
        let text = b"Package: a\nStatus: install ok installed\nDescription: short\n long line\n .\n more\n\n\n\nPackage: b\nversion: 1\n";
        let raws = split_stanzas(text);
        assert_eq!(raws.len(), 2);
        let a = parse_stanza(raws[0]);
        assert_eq!(a.get("package"), Some("a"));
        assert_eq!(a.get("Description"), Some("short\nlong line\n\nmore"));
        let b = parse_stanza(raws[1]);
        assert_eq!(b.get("Version"), Some("1"));
        assert!(split_stanzas(b"\n \n").is_empty());
    }

    #[test]
    fn source_field() {
        assert_eq!(parse_source("glibc"), ("glibc".into(), None));
        assert_eq!(
            parse_source("glibc (2.36-9+deb12u4)"),
            ("glibc".into(), Some("2.36-9+deb12u4".into()))
        );
        assert_eq!(
            parse_source(" openssl  (3.0.11-1~deb12u2) "),
            ("openssl".into(), Some("3.0.11-1~deb12u2".into()))
        );
        assert_eq!(parse_source("x (1:2.0"), ("x".into(), Some("1:2.0".into())));
        assert_eq!(parse_source("x ()"), ("x".into(), None));
    }

    #[test]
    fn status_values() {
        assert!(is_installed("install ok installed"));
        assert!(is_installed("hold ok installed"));
        assert!(!is_installed("deinstall ok config-files"));
        assert!(!is_installed("install ok half-installed"));
        assert!(!is_installed("install"));
    }

    #[test]
    fn dep5_licences() {
        let dep5 = b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\nFiles: *\nCopyright: me\nLicense: GPL-2+\n text\n\nFiles: debian/*\nLicense: BSD-3-clause\n\nLicense: GPL-2+\n full text\n";
        assert_eq!(
            copyright_licenses(dep5),
            vec!["BSD-3-clause".to_string(), "GPL-2+".to_string()]
        );
        assert!(copyright_licenses(b"This is the Debian prepackaged version.\nLicense: GPL\n").is_empty());
        assert!(copyright_licenses(b"").is_empty());
    }

    #[test]
    fn md5sums() {
        let f = md5sums_files(b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/x\n0123  ./etc/y\n\nbad\n");
        assert_eq!(f, vec!["/usr/bin/x".to_string(), "/etc/y".to_string()]);
    }

    #[test]
    fn wants() {
        let d = Dpkg;
        assert_eq!(d.want(STATUS, 10, 0o644), Want::Content);
        assert_eq!(d.want("/var/lib/dpkg/status-old", 10, 0o644), Want::Skip);
        assert_eq!(d.want("/var/lib/dpkg/status.d/libc6", 10, 0o644), Want::Content);
        assert_eq!(
            d.want("/var/lib/dpkg/info/libc6:amd64.list", 10, 0o644),
            Want::Content
        );
        assert_eq!(
            d.want("/var/lib/dpkg/info/libc6:amd64.md5sums", 10, 0o644),
            Want::Skip
        );
        assert_eq!(d.want("/usr/share/doc/libc6/copyright", 10, 0o644), Want::Content);
        assert_eq!(
            d.want("/usr/share/doc/libc6/copyright", 1 << 30, 0o644),
            Want::Skip
        );
        assert_eq!(d.want("/usr/share/doc/libc6/x/copyright", 10, 0o644), Want::Skip);
    }
}
