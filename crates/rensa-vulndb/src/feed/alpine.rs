//! Alpine secdb files (`main.json`/`community.json` at secdb.alpinelinux.org, and the older YAML of
//! alpine-secdb): `distroversion: v3.18` and `packages[].pkg { name, secfixes: { "1.2.3-r0": [CVE…] } }`.
//!
//! Each id under a secfixes version becomes one advisory per CVE, package and release, with
//! `id` = the first identifier of the line (`CVE-2024-22195 GHSA-h5c8-rqwp-cp95` gives the GHSA as an
//! alias; trailing remarks such as `(+ regression fix)` are dropped), ecosystem `Alpine:<distroversion>`,
//! the package name, and status [`Status::Fixed`] with an `ECOSYSTEM` range `introduced 0, fixed <version>`.
//! The secfixes key `0` means the release never shipped a vulnerable package: status
//! [`Status::NotAffected`] and no range. An id listed twice under the same version of a package is read
//! once; one listed under two versions (a fix and a later regression fix) gives two advisories, told
//! apart by [`Advisory::key`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, Status};
use crate::feed::{ImportBatch, one_line};

/// The `source` of advisories read from Alpine secdb.
pub const SOURCE: &str = "alpine-secdb";

#[derive(Deserialize)]
struct SecDb {
    distroversion: String,
    #[serde(default)]
    packages: Option<Vec<PackageEntry>>,
}

#[derive(Deserialize)]
struct PackageEntry {
    pkg: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    secfixes: Option<BTreeMap<String, Option<Vec<String>>>>,
}

/// Reads one secdb file (JSON when `json`, else YAML); `location` names it in messages.
///
/// A file whose top level does not parse is reported whole. Ids that are not identifiers (an empty line,
/// text without a `-`) are reported per package and skipped.
pub fn read_secdb(text: &str, location: &str, json: bool, batch: &mut ImportBatch) {
    let db: SecDb = match if json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str(text).map_err(|e| one_line(&e.to_string()))
    } {
        Ok(db) => db,
        Err(e) => {
            batch.error(location, e);
            return;
        }
    };
    let release = db.distroversion.trim();
    let release = if release.starts_with('v') {
        release.to_string()
    } else {
        format!("v{release}")
    };
    let ecosystem = format!("Alpine:{release}");
    for entry in db.packages.unwrap_or_default() {
        let name = entry.pkg.name.trim();
        let mut seen = std::collections::BTreeSet::new();
        for (version, ids) in entry.pkg.secfixes.unwrap_or_default() {
            let version = version.trim();
            for line in ids.unwrap_or_default() {
                let mut tokens = line.split_whitespace().take_while(|t| !t.starts_with('('));
                let Some(id) = tokens.next().filter(|t| t.contains('-')) else {
                    batch.error(
                        format!("{location}: {name} {version}"),
                        format!("not a vulnerability id: {line:?}"),
                    );
                    continue;
                };
                if !seen.insert((id.to_string(), version.to_string())) {
                    continue;
                }
                let mut a = Advisory::new(id, SOURCE);
                for alias in tokens {
                    a.add_alias(alias);
                }
                let mut affected = Affected::new(ecosystem.clone(), name);
                if version == "0" {
                    affected.status = Some(Status::NotAffected);
                } else {
                    affected.status = Some(Status::Fixed);
                    affected.ranges.push(Range {
                        kind: RangeKind::Ecosystem,
                        repo: None,
                        events: vec![Event::Introduced("0".into()), Event::Fixed(version.to_string())],
                    });
                }
                a.affected.push(affected);
                batch.advisories.push(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_secdb_with_multi_id_lines() {
        let json = r#"{"distroversion":"v3.12","reponame":"main","packages":[{"pkg":{"name":"ansible",
          "secfixes":{"2.9.3-r0":["CVE-2019-14904","CVE-2024-22195 GHSA-h5c8-rqwp-cp95","CVE-2017-2616 (+ regression fix)"],
          "0":["CVE-2000-1"]}}}]}"#;
        let mut b = ImportBatch::default();
        read_secdb(json, "main.json", true, &mut b);
        assert_eq!(b.errors, []);
        let ids: Vec<_> = b.advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            ["CVE-2000-1", "CVE-2019-14904", "CVE-2024-22195", "CVE-2017-2616"]
        );
        assert_eq!(b.advisories[2].aliases, ["GHSA-h5c8-rqwp-cp95"]);
        assert_eq!(b.advisories[3].aliases, Vec::<String>::new());
        assert_eq!(b.advisories[0].affected[0].status, Some(Status::NotAffected));
        assert_eq!(b.advisories[0].affected[0].ranges, []);
        let fixed = &b.advisories[1].affected[0];
        assert_eq!(
            (fixed.ecosystem.as_str(), fixed.package.as_str()),
            ("Alpine:v3.12", "ansible")
        );
        assert_eq!(fixed.fixed_version(), Some("2.9.3-r0"));
        assert_eq!(fixed.status, Some(Status::Fixed));
    }
}
