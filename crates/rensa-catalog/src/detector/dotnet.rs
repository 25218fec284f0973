//! The `dotnet` detector: NuGet packages of .NET applications, from their `*.deps.json`.
//!
//! `dotnet publish` writes `APP.deps.json` next to the application. Its `libraries` object is keyed by
//! `Name/Version`; entries of `"type": "package"` are NuGet packages, while `project` (the application and
//! its project references), `reference` and `runtimepack` entries are not. The package's `sha512` is kept
//! as the `checksum` property.
//!
//! Only packages that put something into the application are reported: the package's entry in the target
//! named by `runtimeTarget.name` must have `runtime`, `native`, `runtimeTargets` or `resources` assets.
//! Build-time packages (analyzers, compilers, SourceLink) and meta-packages that only pull in other packages
//! are listed in `libraries` too but ship nothing (Trivy filters the same way). When the runtime target or
//! the package's entry in it is missing, the package is reported, so nothing is dropped on a guess.

use rensa_oci::{FileTree, Want};
use serde_json::Value;

use crate::detector::{Context, Detected, Detector, kept_files};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects .NET (NuGet) packages.
pub struct Dotnet;

/// The purl of a NuGet package.
pub fn purl(name: &str, version: &str) -> String {
    Purl::new("nuget", name).version(version).to_string()
}

/// Whether a package's entry in the runtime target puts files into the application.
fn ships_assets(entry: &Value) -> bool {
    ["runtime", "native", "runtimeTargets", "resources"]
        .iter()
        .any(|k| match entry.get(k) {
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        })
}

/// Reads the NuGet packages of a `*.deps.json` that ship assets into the application.
pub fn parse_deps(path: &str, data: &[u8]) -> std::result::Result<Vec<Package>, String> {
    let v: Value =
        serde_json::from_slice(data).map_err(|e| format!("{path}: invalid .NET deps.json: {e}"))?;
    let Some(libraries) = v.get("libraries") else {
        return if v.is_object() {
            Ok(Vec::new())
        } else {
            Err(format!("{path}: invalid .NET deps.json: not a JSON object"))
        };
    };
    let Some(libraries) = libraries.as_object() else {
        return Err(format!(
            "{path}: invalid .NET deps.json: \"libraries\" is not an object"
        ));
    };
    let target = v
        .get("runtimeTarget")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        .and_then(|name| v.get("targets")?.get(name)?.as_object());
    let mut out = Vec::new();
    for (key, lib) in libraries {
        if lib.get("type").and_then(Value::as_str) != Some("package") {
            continue;
        }
        if let Some(entry) = target.and_then(|t| t.get(key))
            && !ships_assets(entry)
        {
            continue;
        }
        let Some((name, version)) = key
            .rsplit_once('/')
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        else {
            continue;
        };
        let mut p = Package::new(Ecosystem::Nuget, name, version, path);
        p.purl = purl(name, version);
        if let Some(sha) = lib
            .get("sha512")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            p.properties.insert("checksum".into(), sha.to_string());
        }
        out.push(p);
    }
    // serde_json's map order depends on a cargo feature another crate of the build may turn on; sort.
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(out)
}

impl Detector for Dotnet {
    fn name(&self) -> &'static str {
        "dotnet"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if path.ends_with(".deps.json") {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, data) in kept_files(tree).filter(|(p, _)| p.ends_with(".deps.json")) {
            match parse_deps(path, data) {
                Ok(p) => out.packages.extend(p),
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
    fn libraries_of_type_package_only() {
        let json = br#"{"libraries": {
            "app/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
            "Newtonsoft.Json/13.0.3": {"type": "package", "serviceable": true, "sha512": "sha512-abc"},
            "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack"},
            "broken": {"type": "package"}
        }}"#;
        let p = parse_deps("/app/app.deps.json", json).unwrap();
        assert_eq!(p.len(), 1, "no runtime target: every package is kept");
        let json = br#"{
          "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
          "targets": {".NETCoreApp,Version=v8.0/linux-x64": {
            "Newtonsoft.Json/13.0.3": {"runtime": {"lib/net6.0/Newtonsoft.Json.dll": {}}},
            "SQLitePCLRaw.lib.e_sqlite3/2.1.6": {"runtimeTargets": {"runtimes/linux-x64/native/libe_sqlite3.so": {"rid": "linux-x64", "assetType": "native"}}},
            "StyleCop.Analyzers/1.1.118": {},
            "NETStandard.Library/2.0.3": {"dependencies": {"Microsoft.NETCore.Platforms": "1.1.0"}}
          }},
          "libraries": {
            "Newtonsoft.Json/13.0.3": {"type": "package", "sha512": "sha512-abc"},
            "SQLitePCLRaw.lib.e_sqlite3/2.1.6": {"type": "package"},
            "StyleCop.Analyzers/1.1.118": {"type": "package"},
            "NETStandard.Library/2.0.3": {"type": "package"},
            "NotInTarget/1.0.0": {"type": "package"}
          }
        }"#;
        let names: Vec<String> = parse_deps("/a.deps.json", json)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            names,
            vec!["Newtonsoft.Json", "NotInTarget", "SQLitePCLRaw.lib.e_sqlite3"]
        );
        let json = br#"{"libraries": {
            "Newtonsoft.Json/13.0.3": {"type": "package", "serviceable": true, "sha512": "sha512-abc"}
        }}"#;
        let p = parse_deps("/app/app.deps.json", json).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].purl, "pkg:nuget/Newtonsoft.Json@13.0.3");
        assert_eq!(p[0].properties["checksum"], "sha512-abc");
    }

    #[test]
    fn bad_input() {
        assert!(
            parse_deps("/a.deps.json", b"\x7fELF")
                .unwrap_err()
                .starts_with("/a.deps.json: invalid .NET deps.json")
        );
        assert!(parse_deps("/a.deps.json", br#"{"libraries": []}"#).is_err());
        assert!(parse_deps("/a.deps.json", b"[]").is_err());
        assert_eq!(parse_deps("/a.deps.json", b"{}").unwrap(), vec![]);
    }
}
