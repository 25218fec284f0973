//! `Cargo.lock`, versions 1 to 4: `[[package]]` tables with `name`, `version`, `source` and (v2+)
//! `checksum`; version 1 keeps checksums in `[metadata]` under `"checksum NAME VERSION (SOURCE)"` keys.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Locked {
    /// The crate name.
    pub name: String,
    /// The exact version.
    pub version: String,
    /// `registry+URL`, `sparse+URL`, `git+URL#REV`; absent for path (workspace) packages.
    #[serde(default)]
    pub source: Option<String>,
    /// The SHA-256 of the `.crate` file (registry packages).
    #[serde(default)]
    pub checksum: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<Locked>,
    #[serde(default)]
    metadata: BTreeMap<String, toml::Value>,
}

/// Parses a `Cargo.lock`; the error text says what is malformed.
pub(crate) fn parse(text: &str) -> Result<Vec<Locked>, String> {
    let lock: Lockfile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut packages = lock.package;
    for p in &mut packages {
        if p.checksum.is_none()
            && let Some(source) = &p.source
        {
            let key = format!("checksum {} {} ({source})", p.name, p.version);
            p.checksum = lock
                .metadata
                .get(&key)
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_with_metadata_checksums() {
        let text = r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.40"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.40 (registry+https://github.com/rust-lang/crates.io-index)" = "6fd41f331ac7c5b8ac259b8bf82c75c0fb2e469bbf37d2becbba9a6a2221965b"
"#;
        let p = parse(text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].source, None);
        assert_eq!(
            p[1].checksum.as_deref(),
            Some("6fd41f331ac7c5b8ac259b8bf82c75c0fb2e469bbf37d2becbba9a6a2221965b")
        );
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(parse("[[package]]\nname = 3\n").is_err());
        assert!(parse("not toml [").is_err());
        assert_eq!(parse("version = 4\n").unwrap(), vec![]);
    }
}
