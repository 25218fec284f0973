//! The `composer` detector: PHP packages installed by Composer, from `vendor/composer/installed.json`.
//!
//! Composer 1 writes a JSON array of package objects; Composer 2 writes `{"packages": [...], "dev": bool,
//! "dev-package-names": [...]}`. Each package has `name` (`vendor/project`), `version` (as tagged, e.g.
//! `v5.4.0`), and usually `license` (an array of SPDX identifiers) and `authors`. Packages listed in
//! `dev-package-names` carry the property `dev=true`. (Trivy 0.59 reads only the Composer 2 form.)

use rensa_oci::{FileTree, Want};
use serde_json::Value;

use crate::detector::{Context, Detected, Detector, kept_files};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects Composer packages.
pub struct Composer;

/// The file Composer writes into the vendor directory.
pub const INSTALLED: &str = "/vendor/composer/installed.json";

/// The purl of a Composer package (`vendor/project` → namespace `vendor`).
pub fn purl(name: &str, version: &str) -> String {
    match name.split_once('/') {
        Some((vendor, project)) => Purl::new("composer", project)
            .namespace(vendor)
            .version(version)
            .to_string(),
        None => Purl::new("composer", name).version(version).to_string(),
    }
}

/// Reads an `installed.json` (Composer 1 or 2). Entries without a name or version are reported as warnings.
pub fn parse_installed(path: &str, data: &[u8]) -> (Vec<Package>, Vec<String>) {
    let mut warnings = Vec::new();
    let v: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("{path}: invalid Composer installed.json: {e}")],
            );
        }
    };
    let (list, dev_names): (&[Value], Vec<&str>) = match &v {
        Value::Array(a) => (a, Vec::new()),
        Value::Object(o) => match o.get("packages") {
            Some(Value::Array(a)) => {
                let dev = o
                    .get("dev-package-names")
                    .and_then(Value::as_array)
                    .map(|d| d.iter().filter_map(Value::as_str).collect());
                (a, dev.unwrap_or_default())
            }
            _ => {
                return (
                    Vec::new(),
                    vec![format!(
                        "{path}: invalid Composer installed.json: no \"packages\" array"
                    )],
                );
            }
        },
        _ => {
            return (
                Vec::new(),
                vec![format!(
                    "{path}: invalid Composer installed.json: not an array or object"
                )],
            );
        }
    };
    let mut packages = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let name = e.get("name").and_then(Value::as_str).filter(|s| !s.is_empty());
        let version = e.get("version").and_then(Value::as_str).filter(|s| !s.is_empty());
        let (Some(name), Some(version)) = (name, version) else {
            warnings.push(format!("{path}: package entry {i} has no name and version"));
            continue;
        };
        let mut p = Package::new(Ecosystem::Composer, name, version, path);
        p.purl = purl(name, version);
        p.licenses = match e.get("license") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        };
        let authors: Vec<&str> = e
            .get("authors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        p.supplier = (!authors.is_empty()).then(|| authors.join(", "));
        if dev_names.contains(&name) {
            p.properties.insert("dev".into(), "true".into());
        }
        packages.push(p);
    }
    (packages, warnings)
}

impl Detector for Composer {
    fn name(&self) -> &'static str {
        "composer"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if path.ends_with(INSTALLED) {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, data) in kept_files(tree).filter(|(p, _)| p.ends_with(INSTALLED)) {
            let (p, w) = parse_installed(path, data);
            out.packages.extend(p);
            out.warnings.extend(w);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(
            purl("symfony/console", "v5.4.0"),
            "pkg:composer/symfony/console@v5.4.0"
        );
        assert_eq!(purl("odd", "1.0"), "pkg:composer/odd@1.0");
    }

    #[test]
    fn bad_input() {
        let (p, w) = parse_installed("/v/vendor/composer/installed.json", b"\x00\x01junk");
        assert!(p.is_empty());
        assert!(w[0].starts_with("/v/vendor/composer/installed.json: invalid Composer installed.json"));
        let (_, w) = parse_installed("/x", br#"{"packages": 3}"#);
        assert_eq!(
            w,
            vec!["/x: invalid Composer installed.json: no \"packages\" array"]
        );
        let (p, w) = parse_installed(
            "/x",
            br#"[{"name": "a/b"}, {"name": "c/d", "version": "1.0.0", "license": "MIT"}]"#,
        );
        assert_eq!(w, vec!["/x: package entry 0 has no name and version"]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].licenses, vec!["MIT"]);
    }
}
