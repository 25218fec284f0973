//! The `rpm` detector: Red Hat, Fedora, SUSE and other rpm-based images, read from the rpm database itself
//! without librpm.
//!
//! Three database formats are read: SQLite `rpmdb.sqlite` ([`sqlite`]), the Berkeley DB hash `Packages` of
//! RHEL/CentOS 7 ([`bdb`]) and SUSE's ndb `Packages.db` ([`ndb`]), in `/var/lib/rpm` or
//! `/usr/lib/sysimage/rpm`. Each holds one header blob per package ([`header`]). A database that exists but
//! cannot be read is an error ([`Error::Database`]): an image whose rpm packages cannot be listed must not
//! look clean.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::collections::{BTreeMap, BTreeSet};

use rensa_oci::{EntryKind, FileTree, Node, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::{Error, Result};
use crate::os::Distro;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

use header::Header;

/// The directories rpm keeps its database in.
pub const DIRS: &[&str] = &["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

/// The database formats, in the order rpm itself prefers them when several are present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// `Packages.db`.
    Ndb,
    /// `Packages` (Berkeley DB hash).
    Bdb,
}

impl Format {
    const ALL: [Format; 3] = [Format::Sqlite, Format::Ndb, Format::Bdb];

    /// The file name of the format's package table.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Sqlite => "rpmdb.sqlite",
            Format::Ndb => "Packages.db",
            Format::Bdb => "Packages",
        }
    }

    /// Reads every `(instance, header blob)` of a database file.
    pub fn read(self, data: &[u8]) -> std::result::Result<Vec<(u32, Vec<u8>)>, String> {
        match self {
            Format::Sqlite => sqlite::read(data),
            Format::Ndb => ndb::read(data),
            Format::Bdb => bdb::read(data),
        }
    }
}

/// Detects rpm packages.
pub struct Rpm;

/// What one header says about its package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `NAME`.
    pub name: String,
    /// `EPOCH`, when set.
    pub epoch: Option<u32>,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `ARCH` (`None` for `gpg-pubkey` and other pseudo-packages).
    pub arch: Option<String>,
    /// `LICENSE`.
    pub license: Option<String>,
    /// `VENDOR`.
    pub vendor: Option<String>,
    /// `SOURCERPM`.
    pub source_rpm: Option<String>,
    /// The file list.
    pub files: Vec<String>,
}

impl Record {
    /// Reads the facts of a header blob.
    pub fn from_blob(blob: &[u8]) -> std::result::Result<Record, header::HeaderError> {
        let h = Header::parse(blob)?;
        let s = |tag| -> std::result::Result<Option<String>, header::HeaderError> {
            Ok(h.string(tag)?
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "(none)")
                .map(str::to_string))
        };
        Ok(Record {
            name: s(header::NAME)?.ok_or_else(|| header::HeaderError("header has no NAME".into()))?,
            epoch: h.int32(header::EPOCH)?,
            version: s(header::VERSION)?.unwrap_or_default(),
            release: s(header::RELEASE)?.unwrap_or_default(),
            arch: s(header::ARCH)?,
            license: s(header::LICENSE)?,
            vendor: s(header::VENDOR)?,
            source_rpm: s(header::SOURCERPM)?,
            files: h.files()?,
        })
    }

    /// `VERSION-RELEASE` (or `VERSION` alone when there is no release).
    pub fn version_release(&self) -> String {
        if self.release.is_empty() {
            self.version.clone()
        } else {
            format!("{}-{}", self.version, self.release)
        }
    }

    /// `[EPOCH:]VERSION-RELEASE`.
    pub fn full_version(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}", self.version_release()),
            None => self.version_release(),
        }
    }
}

/// Splits a source rpm file name `NAME-VERSION-RELEASE.src.rpm` into `(NAME, VERSION-RELEASE)`.
pub fn parse_source_rpm(file: &str) -> Option<(String, String)> {
    let base = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}")))
}

/// The purl namespace: the distribution's vendor, from the detected OS or else the package's `VENDOR`.
pub fn namespace(distro: Option<&Distro>, vendor: Option<&str>) -> Option<&'static str> {
    if let Some(d) = distro {
        let ns = match d.id.as_str() {
            "rhel" | "redhat" => Some("redhat"),
            "centos" => Some("centos"),
            "fedora" => Some("fedora"),
            "rocky" => Some("rocky"),
            "almalinux" => Some("almalinux"),
            "ol" | "oracle" => Some("oracle"),
            "amzn" => Some("amazon"),
            "photon" => Some("photon"),
            "mariner" | "azurelinux" => Some("mariner"),
            "sles" | "sled" | "sles_sap" | "suse" => Some("suse"),
            id if id.starts_with("opensuse") => Some("opensuse"),
            _ => None,
        };
        if ns.is_some() {
            return ns;
        }
    }
    let v = vendor?.to_ascii_lowercase();
    [
        ("red hat", "redhat"),
        ("centos", "centos"),
        ("fedora", "fedora"),
        ("opensuse", "opensuse"),
        ("suse", "suse"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("oracle", "oracle"),
        ("amazon", "amazon"),
        ("vmware", "photon"),
        ("microsoft", "mariner"),
    ]
    .into_iter()
    .find(|(k, _)| v.contains(k))
    .map(|(_, ns)| ns)
}

/// Builds the package of a record read from `location`.
fn package(r: Record, location: &str, ctx: &Context<'_>) -> Package {
    let mut p = Package::new(Ecosystem::Rpm, &r.name, r.full_version(), location);
    let mut purl = Purl::new("rpm", &r.name).version(r.version_release());
    if let Some(ns) = namespace(ctx.distro, r.vendor.as_deref()) {
        purl = purl.namespace(ns);
    }
    if let Some(a) = &r.arch {
        purl = purl.qualifier("arch", a.as_str());
    }
    if let Some(e) = r.epoch {
        purl = purl.qualifier("epoch", e.to_string());
    }
    if let Some(d) = ctx.distro {
        purl = purl.qualifier("distro", d.purl_qualifier());
    }
    if let Some((name, version)) = r.source_rpm.as_deref().and_then(parse_source_rpm) {
        if name != r.name {
            purl = purl.qualifier("upstream", r.source_rpm.as_deref().unwrap_or_default());
        }
        p.source_name = Some(name);
        p.source_version = Some(version);
    }
    p.purl = purl.to_string();
    p.arch = r.arch;
    p.licenses = r.license.into_iter().collect();
    p.supplier = r.vendor;
    p.files = r.files;
    p
}

/// A cheap identity of a header blob for comparing database versions: its length and hash.
fn blob_id(blob: &[u8]) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    blob.hash(&mut h);
    (blob.len(), h.finish())
}

/// The layer of each blob of the final database (by [`blob_id`]): the earliest layer from which the same
/// header bytes were present in every later kept version of the file. Versions that do not parse count as
/// empty. Empty when the file has no earlier versions (every package then takes the file's layer).
fn blob_layers(node: &Node, format: Format, last: &[(u32, Vec<u8>)]) -> BTreeMap<(usize, u64), usize> {
    if node.history.is_empty() {
        return BTreeMap::new();
    }
    let mut layers: BTreeMap<(usize, u64), usize> =
        last.iter().map(|(_, b)| (blob_id(b), node.layer)).collect();
    // Walk back from the newest earlier version while blobs stay present.
    let mut alive: BTreeSet<(usize, u64)> = layers.keys().copied().collect();
    for (layer, content) in node.history.iter().rev() {
        if alive.is_empty() {
            break;
        }
        let earlier: BTreeSet<(usize, u64)> = format
            .read(content)
            .unwrap_or_default()
            .iter()
            .map(|(_, b)| blob_id(b))
            .collect();
        alive.retain(|b| earlier.contains(b));
        for b in &alive {
            layers.insert(*b, *layer);
        }
    }
    layers
}

impl Detector for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        let (dir, base) = crate::detector::split_path(path);
        if DIRS.contains(&dir) && Format::ALL.iter().any(|f| f.file_name() == base) {
            Want::Content
        } else {
            Want::Skip
        }
    }

    fn detect(&self, tree: &FileTree, ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        let mut seen = BTreeSet::new();
        for dir in DIRS {
            // The first format present wins, as rpm reads only its configured backend.
            let mut chosen = None;
            for format in Format::ALL {
                let path = format!("{dir}/{}", format.file_name());
                let resolved = match tree.resolve(&path) {
                    Ok(Some((canonical, node))) if node.kind == EntryKind::File => (canonical, node),
                    Ok(_) => continue,
                    Err(e) => {
                        return Err(Error::Database {
                            path,
                            reason: e.to_string(),
                        });
                    }
                };
                if chosen.is_some() {
                    out.warnings.push(format!(
                        "{}: ignored; the rpm database in {dir} is {}",
                        resolved.0,
                        chosen.unwrap_or("")
                    ));
                    continue;
                }
                chosen = Some(format.file_name());
                // /var/lib/rpm is often a link to /usr/lib/sysimage/rpm: read each file once.
                if !seen.insert(resolved.0.clone()) {
                    continue;
                }
                let (location, node) = resolved;
                let Some(content) = &node.content else {
                    return Err(Error::Database {
                        path: location,
                        reason: "the database could not be read from the image".into(),
                    });
                };
                if content.is_empty() {
                    out.warnings
                        .push(format!("{location}: empty rpm database; no rpm packages"));
                    continue;
                }
                let blobs = format.read(content).map_err(|reason| Error::Database {
                    path: location.clone(),
                    reason,
                })?;
                if format == Format::Sqlite {
                    let wal = format!("{location}-wal");
                    if tree.get(&wal).is_some_and(|n| n.size > 0) {
                        out.warnings.push(format!(
                            "{wal}: write-ahead log not applied; recent rpm transactions may be missing"
                        ));
                    }
                }
                let layers = blob_layers(node, format, &blobs);
                for (instance, blob) in &blobs {
                    let record = Record::from_blob(blob).map_err(|e| Error::Database {
                        path: location.clone(),
                        reason: format!("package header {instance}: {e}"),
                    })?;
                    if record.name == "gpg-pubkey" {
                        continue;
                    }
                    let mut p = package(record, &location, ctx);
                    p.layer = layers.get(&blob_id(blob)).copied().or(Some(node.layer));
                    out.packages.push(p);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            parse_source_rpm("bash-5.1.8-6.el9.src.rpm"),
            Some(("bash".into(), "5.1.8-6.el9".into()))
        );
        assert_eq!(
            parse_source_rpm("python-3.9-libs-3.9.16-1.el9.src.rpm"),
            Some(("python-3.9-libs".into(), "3.9.16-1.el9".into()))
        );
        assert_eq!(
            parse_source_rpm("x-1-2.nosrc.rpm"),
            Some(("x".into(), "1-2".into()))
        );
        assert_eq!(parse_source_rpm("bash-5.1.8.src.rpm"), None);
        assert_eq!(parse_source_rpm("(none)"), None);
        assert_eq!(parse_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn versions_and_namespace() {
        let mut r = Record {
            name: "bash".into(),
            version: "5.1.8".into(),
            release: "6.el9".into(),
            ..Default::default()
        };
        assert_eq!(r.full_version(), "5.1.8-6.el9");
        r.epoch = Some(0);
        assert_eq!(r.full_version(), "0:5.1.8-6.el9");
        let d = Distro {
            id: "rhel".into(),
            version_id: Some("9.3".into()),
            ..Default::default()
        };
        assert_eq!(namespace(Some(&d), None), Some("redhat"));
        assert_eq!(namespace(None, Some("Red Hat, Inc.")), Some("redhat"));
        assert_eq!(
            namespace(None, Some("SUSE LLC <https://www.suse.com/>")),
            Some("suse")
        );
        assert_eq!(namespace(None, Some("someone")), None);
    }

    #[test]
    fn record_from_blob() {
        let blob = header::tests::sample();
        let r = Record::from_blob(&blob).unwrap();
        assert_eq!(r.full_version(), "1:5.1.8-6.el9");
        assert_eq!(r.arch.as_deref(), Some("x86_64"));
        assert_eq!(r.files, vec!["/usr/bin/bash", "/usr/bin/sh"]);
        let ctx = Context { distro: None };
        let p = package(r, "/var/lib/rpm/rpmdb.sqlite", &ctx);
        assert_eq!(p.purl, "pkg:rpm/bash@5.1.8-6.el9?arch=x86_64&epoch=1");
    }

    #[test]
    fn wants() {
        assert_eq!(Rpm.want("/var/lib/rpm/rpmdb.sqlite", 1, 0o644), Want::Content);
        assert_eq!(
            Rpm.want("/usr/lib/sysimage/rpm/Packages.db", 1, 0o644),
            Want::Content
        );
        assert_eq!(Rpm.want("/var/lib/rpm/Packages", 1, 0o644), Want::Content);
        assert_eq!(Rpm.want("/var/lib/rpm/Name", 1, 0o644), Want::Skip);
        assert_eq!(Rpm.want("/opt/var/lib/rpm/Packages", 1, 0o644), Want::Skip);
    }
}
