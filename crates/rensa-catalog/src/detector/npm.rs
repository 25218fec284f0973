//! The `npm` detector: installed Node.js packages and the entries of npm and Yarn lock files.
//!
//! - Installed packages: the `package.json` at the root of each package directory under a `node_modules`
//!   (`…/node_modules/NAME/package.json`, `…/node_modules/@SCOPE/NAME/package.json`); `package.json` files
//!   deeper inside a package, or outside `node_modules` (an application's own manifest), are not packages.
//!   A manifest without `name` and `version` is skipped silently (test fixtures inside packages do that).
//!   An application's own `package.json` is not reported (Trivy does report it): it is not an installed
//!   package, and its name usually belongs to an unrelated registry package, whose advisories would then
//!   match the application by mistake.
//! - `package-lock.json` / `npm-shrinkwrap.json`: v1 (the nested `dependencies` tree; aliases written as
//!   `npm:REAL@VERSION`) and v2/v3 (the `packages` map keyed by `node_modules/…` paths; the root `""`, links
//!   and workspace source folders are not packages). `dev` and `optional` entries carry the properties
//!   `dev=true` / `optional=true`.
//! - `yarn.lock`: the classic v1 format and the YAML-style format of Yarn 2+ (`__metadata`); workspace,
//!   `patch:`, `link:`, `portal:`, `file:` and `exec:` entries are not packages.
//!
//! A lock-file entry whose name and version is also installed under the lock file's own directory (any
//! `node_modules` below it) is not reported again: the installed `package.json` is the better evidence, and
//! this keeps one package from appearing twice. Entries that are only in the lock file (not installed, or
//! installed elsewhere) are reported with the lock file as their location.

use std::collections::{BTreeMap, BTreeSet};

use rensa_oci::{FileTree, Want};
use serde_json::Value;

use crate::detector::{Context, Detected, Detector, kept_files, split_path};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects npm packages.
pub struct Npm;

/// Whether `path` is the manifest at the root of a package directory under `node_modules`.
pub fn is_installed_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some(i) = dir.rfind("/node_modules/") else {
        return false;
    };
    let tail = &dir[i + "/node_modules/".len()..];
    let ok = |n: &str| !n.is_empty() && !n.starts_with('.') && !n.starts_with('@');
    match tail.split_once('/') {
        None => ok(tail),
        Some((scope, name)) => scope.len() > 1 && scope.starts_with('@') && ok(name) && !name.contains('/'),
    }
}

/// The kinds of lock file this detector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lock {
    Npm,
    Yarn,
}

fn lock_kind(path: &str) -> Option<Lock> {
    let (_, base) = split_path(path);
    match base {
        "package-lock.json" | "npm-shrinkwrap.json" => Some(Lock::Npm),
        "yarn.lock" => Some(Lock::Yarn),
        _ => None,
    }
}

/// The purl of an npm package (`@scope/name` → namespace `@scope`).
pub fn purl(name: &str, version: &str) -> String {
    match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => {
            Purl::new("npm", n).namespace(scope).version(version).to_string()
        }
        _ => Purl::new("npm", name).version(version).to_string(),
    }
}

fn package(name: &str, version: &str, location: &str) -> Package {
    let mut p = Package::new(Ecosystem::Npm, name, version, location);
    p.purl = purl(name, version);
    p
}

/// The licences of a `package.json`: `license` as a string or `{type}`, or the legacy `licenses` array.
fn manifest_licenses(v: &Value) -> Vec<String> {
    let one = |l: &Value| match l {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Object(o) => o
            .get("type")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        _ => None,
    };
    if let Some(l) = v.get("license").and_then(one) {
        return vec![l];
    }
    match v.get("licenses") {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(l) => one(l).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The author's name of a `package.json` (`"Name <mail> (url)"` or `{name}`).
fn manifest_author(v: &Value) -> Option<String> {
    let s = match v.get("author")? {
        Value::String(s) => s.split(['<', '(']).next().unwrap_or("").trim().to_string(),
        Value::Object(o) => o.get("name")?.as_str()?.trim().to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Reads an installed `package.json`; `Ok(None)` when it names no package.
pub fn parse_manifest(path: &str, data: &[u8]) -> std::result::Result<Option<Package>, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("{path}: invalid package.json: {e}"))?;
    let (Some(name), Some(version)) = (
        v.get("name").and_then(Value::as_str),
        v.get("version").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    if name.is_empty() || version.is_empty() {
        return Ok(None);
    }
    let mut p = package(name, version, path);
    p.licenses = manifest_licenses(&v);
    p.supplier = manifest_author(&v);
    Ok(Some(p))
}

/// One lock-file entry before merging.
#[derive(Debug, Clone, Default)]
struct Entry {
    license: Option<String>,
    dev: bool,
    optional: bool,
}

/// Collects lock entries by `(name, version)`; a package is dev/optional only if every occurrence is.
#[derive(Debug, Default)]
struct Entries(BTreeMap<(String, String), Entry>);

impl Entries {
    fn add(&mut self, name: &str, version: &str, e: Entry) {
        match self.0.get_mut(&(name.to_string(), version.to_string())) {
            Some(old) => {
                old.dev &= e.dev;
                old.optional &= e.optional;
                if old.license.is_none() {
                    old.license = e.license;
                }
            }
            None => {
                self.0.insert((name.to_string(), version.to_string()), e);
            }
        }
    }
    fn into_packages(self, location: &str) -> Vec<Package> {
        self.0
            .into_iter()
            .map(|((name, version), e)| {
                let mut p = package(&name, &version, location);
                p.licenses = e.license.into_iter().collect();
                if e.dev {
                    p.properties.insert("dev".into(), "true".into());
                }
                if e.optional {
                    p.properties.insert("optional".into(), "true".into());
                }
                p
            })
            .collect()
    }
}

fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// A registry version from a v1 lock entry: `1.2.3`, or `npm:REAL@1.2.3` for an alias (giving the real
/// name). Git, file and tarball URLs are not registry versions.
fn v1_version<'a>(key: &'a str, version: &'a str) -> Option<(&'a str, &'a str)> {
    if let Some(alias) = version.strip_prefix("npm:") {
        let at = alias.get(1..)?.rfind('@')? + 1;
        return Some((&alias[..at], &alias[at + 1..]));
    }
    if version.is_empty() || version.contains(':') || version.contains('/') {
        return None;
    }
    Some((key, version))
}

fn walk_v1(deps: &serde_json::Map<String, Value>, out: &mut Entries) {
    for (key, v) in deps {
        if let Some((name, version)) = v
            .get("version")
            .and_then(Value::as_str)
            .and_then(|ver| v1_version(key, ver))
        {
            let dev = flag(v, "dev");
            out.add(
                name,
                version,
                Entry {
                    license: None,
                    dev,
                    optional: flag(v, "optional"),
                },
            );
        }
        if let Some(Value::Object(nested)) = v.get("dependencies") {
            walk_v1(nested, out);
        }
    }
}

/// Reads a `package-lock.json` / `npm-shrinkwrap.json` (v1, v2 or v3).
pub fn parse_package_lock(path: &str, data: &[u8]) -> std::result::Result<Vec<Package>, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("{path}: invalid npm lock file: {e}"))?;
    let mut entries = Entries::default();
    if let Some(Value::Object(packages)) = v.get("packages") {
        for (key, e) in packages {
            let Some(i) = key.rfind("node_modules/") else {
                continue; // the root "" and workspace source folders
            };
            if flag(e, "link") {
                continue;
            }
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&key[i + "node_modules/".len()..]);
            let Some(version) = e.get("version").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
                continue;
            };
            let license = e.get("license").and_then(Value::as_str).map(str::to_string);
            let optional = flag(e, "optional");
            entries.add(
                name,
                version,
                Entry {
                    license,
                    dev: flag(e, "dev"),
                    optional,
                },
            );
        }
    } else if let Some(Value::Object(deps)) = v.get("dependencies") {
        walk_v1(deps, &mut entries);
    } else if !v.is_object() {
        return Err(format!("{path}: invalid npm lock file: not a JSON object"));
    }
    Ok(entries.into_packages(path))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(s)
}

/// The package name of a Yarn descriptor or resolution (`@scope/name@range` → `@scope/name`).
fn descriptor_name(d: &str) -> &str {
    match d.get(1..).and_then(|r| r.find('@')) {
        Some(i) => &d[..i + 1],
        None => d,
    }
}

/// One entry of a `yarn.lock` while it is read.
#[derive(Debug, Default)]
struct YarnEntry {
    /// The descriptor list before the colon (`"a@^1", "a@^1.2"`).
    header: String,
    version: Option<String>,
    /// Yarn 2+: `name@npm:1.2.3`, `name@workspace:.`, …
    resolution: Option<String>,
    /// Yarn 2+: `hard` or `soft` (workspaces, links).
    link_type: Option<String>,
}

impl YarnEntry {
    /// The package `(name, version)` this entry stands for, if it is a package.
    fn package(self, berry: bool) -> Option<(String, String)> {
        let version = self.version?;
        if self.header == "__metadata"
            || self.link_type.as_deref() == Some("soft")
            || version.ends_with("-use.local")
        {
            return None;
        }
        let first = unquote(self.header.split(", ").next().unwrap_or(""));
        let name = if berry {
            let res = self.resolution.as_deref().unwrap_or(first);
            let name = descriptor_name(res);
            let protocol = res[name.len()..].trim_start_matches('@');
            if ["workspace:", "patch:", "link:", "portal:", "file:", "exec:"]
                .iter()
                .any(|p| protocol.starts_with(p))
            {
                return None;
            }
            name
        } else {
            let name = descriptor_name(first);
            let range = first[name.len()..].trim_start_matches('@');
            match range.strip_prefix("npm:") {
                Some(alias) => descriptor_name(alias),
                None if ["file:", "link:"].iter().any(|p| range.starts_with(p)) => return None,
                None => name,
            }
        };
        (!name.is_empty()).then(|| (name.to_string(), version))
    }
}

/// Reads a `yarn.lock`, classic (v1) or Yarn 2+.
pub fn parse_yarn_lock(path: &str, data: &[u8]) -> std::result::Result<Vec<Package>, String> {
    if data.contains(&0) {
        return Err(format!("{path}: not a yarn.lock (binary content)"));
    }
    let text = String::from_utf8_lossy(data);
    let berry = text.lines().any(|l| l.trim_end() == "__metadata:");
    let mut entries = Entries::default();
    let mut cur: Option<YarnEntry> = None;
    let mut flush = |cur: Option<YarnEntry>| {
        if let Some((name, version)) = cur.and_then(|e| e.package(berry)) {
            entries.add(&name, &version, Entry::default());
        }
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(cur.take());
            if let Some(h) = line.strip_suffix(':') {
                cur = Some(YarnEntry {
                    header: h.trim().to_string(),
                    ..Default::default()
                });
            }
            continue;
        }
        let Some(c) = cur.as_mut() else { continue };
        // Only the entry's own fields (indented by two spaces), not nested maps.
        if line.starts_with("   ") {
            continue;
        }
        let field = line.trim();
        let (k, v) = if berry {
            field.split_once(": ")
        } else {
            field.split_once(' ')
        }
        .unwrap_or((field, ""));
        let v = unquote(v).to_string();
        match k.trim_end_matches(':') {
            "version" if !v.is_empty() => c.version = Some(v),
            "resolution" => c.resolution = Some(v),
            "linkType" => c.link_type = Some(v),
            _ => {}
        }
    }
    flush(cur.take());
    Ok(entries.into_packages(path))
}

/// The directory a `node_modules` path belongs to (the part before its first `/node_modules/`).
fn project_root(path: &str) -> &str {
    match path.find("/node_modules/") {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => split_path(path).0,
    }
}

impl Detector for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if is_installed_manifest(path) || lock_kind(path).is_some() {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        let mut installed: BTreeSet<(String, String, String)> = BTreeSet::new();
        let mut locks = Vec::new();
        for (path, data) in kept_files(tree) {
            if is_installed_manifest(path) {
                match parse_manifest(path, data) {
                    Ok(Some(p)) => {
                        installed.insert((project_root(path).to_string(), p.name.clone(), p.version.clone()));
                        out.packages.push(p);
                    }
                    Ok(None) => {}
                    Err(w) => out.warnings.push(w),
                }
            } else if let Some(kind) = lock_kind(path) {
                locks.push((path, kind, data));
            }
        }
        for (path, kind, data) in locks {
            let parsed = match kind {
                Lock::Npm => parse_package_lock(path, data),
                Lock::Yarn => parse_yarn_lock(path, data),
            };
            match parsed {
                Ok(packages) => {
                    let root = split_path(path).0.to_string();
                    out.packages.extend(
                        packages.into_iter().filter(|p| {
                            !installed.contains(&(root.clone(), p.name.clone(), p.version.clone()))
                        }),
                    );
                }
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
    fn installed_manifests() {
        for yes in [
            "/app/node_modules/debug/package.json",
            "/app/node_modules/@types/node/package.json",
            "/app/node_modules/debug/node_modules/ms/package.json",
            "/node_modules/a/package.json",
            "/app/node_modules/.pnpm/ms@2.1.2/node_modules/ms/package.json",
        ] {
            assert!(is_installed_manifest(yes), "{yes}");
        }
        for no in [
            "/app/package.json",
            "/app/node_modules/debug/src/package.json",
            "/app/node_modules/@types/package.json",
            "/app/node_modules/@/x/package.json",
            "/app/node_modules/.cache/package.json",
            "/app/node_modules/@types/node/ts4.8/package.json",
            "/app/node_modules/package.json",
        ] {
            assert!(!is_installed_manifest(no), "{no}");
        }
        assert_eq!(
            Npm.want("/app/node_modules/.package-lock.json", 1, 0o644),
            Want::Skip
        );
        assert_eq!(Npm.want("/app/package-lock.json", 1, 0o644), Want::Content);
        assert_eq!(Npm.want("/app/yarn.lock", 1, 0o644), Want::Content);
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl("@tootallnate/once", "2.0.0"),
            "pkg:npm/%40tootallnate/once@2.0.0"
        );
        assert_eq!(purl("debug", "4.3.4"), "pkg:npm/debug@4.3.4");
    }

    #[test]
    fn manifest_licence_forms() {
        let lic = |s: &str| manifest_licenses(&serde_json::from_str(s).unwrap());
        assert_eq!(lic(r#"{"license":"MIT"}"#), vec!["MIT"]);
        assert_eq!(lic(r#"{"license":{"type":"ISC","url":"x"}}"#), vec!["ISC"]);
        assert_eq!(
            lic(r#"{"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#),
            vec!["MIT", "Apache-2.0"]
        );
        assert!(lic(r#"{"license":""}"#).is_empty());
        let a = |s: &str| manifest_author(&serde_json::from_str(s).unwrap());
        assert_eq!(
            a(r#"{"author":"TJ Holowaychuk <tj@vision-media.ca>"}"#).as_deref(),
            Some("TJ Holowaychuk")
        );
        assert_eq!(
            a(r#"{"author":{"name":"Jon","email":"x"}}"#).as_deref(),
            Some("Jon")
        );
    }

    #[test]
    fn yarn_descriptors() {
        assert_eq!(descriptor_name("@babel/core@^7.0.0"), "@babel/core");
        assert_eq!(descriptor_name("lodash@npm:^4"), "lodash");
        assert_eq!(
            v1_version("alias", "npm:@scope/real@1.0.0"),
            Some(("@scope/real", "1.0.0"))
        );
        assert_eq!(v1_version("x", "github:user/x#abc"), None);
        assert_eq!(v1_version("x", "1.0.0"), Some(("x", "1.0.0")));
        assert_eq!(v1_version("x", "npm:é"), None);
    }

    #[test]
    fn hostile_input_gives_warnings() {
        assert!(
            parse_package_lock("/a/package-lock.json", b"{not json")
                .unwrap_err()
                .starts_with("/a/package-lock.json: ")
        );
        assert!(parse_package_lock("/a/package-lock.json", b"[1,2]").is_err());
        assert!(
            parse_yarn_lock("/a/yarn.lock", b"\x00\x01\x02")
                .unwrap_err()
                .starts_with("/a/yarn.lock: ")
        );
        assert!(parse_manifest("/n/node_modules/x/package.json", b"\xff\xfe").is_err());
        assert_eq!(
            parse_manifest("/n/node_modules/x/package.json", br#"{"name":"x"}"#),
            Ok(None)
        );
        // Truncated or odd yarn files never panic.
        for junk in [
            "é@npm:é\n  version \"1\"\n",
            "a@",
            "\"@\":\n  version",
            "@:\n  version \"1\"\n",
            ":\n",
            "x@npm:\n  version \"\"\n",
        ] {
            let _ = parse_yarn_lock("/y/yarn.lock", junk.as_bytes());
        }
    }
}
