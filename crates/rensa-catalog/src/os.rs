//! Operating-system detection from `/etc/os-release` and the older release files.

use serde::{Deserialize, Serialize};

use rensa_oci::FileTree;

/// Files the OS detection reads.
pub const FILES: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/lsb-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    "/etc/redhat-release",
    "/etc/centos-release",
    "/etc/fedora-release",
    "/etc/rocky-release",
    "/etc/almalinux-release",
    "/etc/oracle-release",
    "/etc/system-release",
    "/etc/SuSE-release",
    "/etc/photon-release",
    "/etc/arch-release",
];

/// The distribution an image is built on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID` (`debian`, `alpine`, `rhel`, `ubuntu`, …).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.18.4`, `7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
    /// The file the facts were read from.
    pub source: String,
}

impl Distro {
    /// The value of the purl `distro` qualifier: `ID-VERSION_ID` (`debian-12`), or `ID` alone.
    pub fn purl_qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
    /// Whether the distribution is `id` or like it.
    pub fn is_like(&self, id: &str) -> bool {
        self.id == id || self.id_like.iter().any(|l| l == id)
    }
}

/// Parses the `KEY=value` lines of an os-release file (quotes and escapes removed).
pub fn parse_os_release(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v
        };
        let mut unescaped = String::with_capacity(v.len());
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    unescaped.push(n);
                }
            } else {
                unescaped.push(c);
            }
        }
        out.insert(k.trim().to_string(), unescaped);
    }
    out
}

fn text<'a>(tree: &'a FileTree, path: &str) -> Option<&'a str> {
    tree.read(path).and_then(|b| std::str::from_utf8(b).ok())
}

/// Finds the distribution of the image, if any. A release file that is a symlink loop is an error: the
/// image is malformed, and guessing the distribution would give wrong package URLs and matches.
pub fn detect(tree: &FileTree) -> Result<Option<Distro>, rensa_oci::Error> {
    for path in FILES {
        tree.resolve(path)?;
    }
    Ok(detect_distro(tree))
}

fn detect_distro(tree: &FileTree) -> Option<Distro> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(t) = text(tree, path) {
            let kv = parse_os_release(t);
            if let Some(id) = kv.get("ID").filter(|s| !s.is_empty()) {
                let mut d = Distro {
                    id: id.to_ascii_lowercase(),
                    version_id: kv.get("VERSION_ID").cloned().filter(|s| !s.is_empty()),
                    codename: kv.get("VERSION_CODENAME").cloned().filter(|s| !s.is_empty()),
                    pretty_name: kv.get("PRETTY_NAME").cloned(),
                    id_like: kv
                        .get("ID_LIKE")
                        .map(|s| s.split_whitespace().map(str::to_string).collect())
                        .unwrap_or_default(),
                    source: path.to_string(),
                };
                // Debian testing/sid has no VERSION_ID; debian_version says e.g. "trixie/sid".
                if d.version_id.is_none() && d.id == "debian" {
                    d.version_id = debian_version(tree);
                }
                return Some(d);
            }
        }
    }
    if let Some(t) = text(tree, "/etc/lsb-release") {
        let kv = parse_os_release(t);
        if let Some(id) = kv.get("DISTRIB_ID") {
            return Some(Distro {
                id: id.to_ascii_lowercase(),
                version_id: kv.get("DISTRIB_RELEASE").cloned(),
                codename: kv.get("DISTRIB_CODENAME").cloned(),
                pretty_name: kv.get("DISTRIB_DESCRIPTION").cloned(),
                id_like: vec![],
                source: "/etc/lsb-release".into(),
            });
        }
    }
    if let Some(v) = debian_version(tree) {
        return Some(Distro {
            id: "debian".into(),
            version_id: Some(v),
            source: "/etc/debian_version".into(),
            ..Default::default()
        });
    }
    if let Some(t) = text(tree, "/etc/alpine-release") {
        let v = t.trim();
        return Some(Distro {
            id: "alpine".into(),
            version_id: (!v.is_empty()).then(|| v.to_string()),
            source: "/etc/alpine-release".into(),
            ..Default::default()
        });
    }
    for (path, default_id) in [
        ("/etc/centos-release", "centos"),
        ("/etc/rocky-release", "rocky"),
        ("/etc/almalinux-release", "almalinux"),
        ("/etc/oracle-release", "ol"),
        ("/etc/fedora-release", "fedora"),
        ("/etc/redhat-release", "rhel"),
        ("/etc/system-release", "amzn"),
        ("/etc/photon-release", "photon"),
    ] {
        if let Some(t) = text(tree, path) {
            return Some(parse_release_line(t, default_id, path));
        }
    }
    None
}

fn debian_version(tree: &FileTree) -> Option<String> {
    let t = text(tree, "/etc/debian_version")?.trim();
    // "12.4" → "12"; "11.9" → "11"; "bookworm/sid" is kept as is.
    let major = t.split('.').next().unwrap_or(t);
    if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) {
        Some(major.to_string())
    } else if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

/// Parses lines like `CentOS Linux release 7.9.2009 (Core)` or `Red Hat Enterprise Linux Server release 7.9 (Maipo)`.
fn parse_release_line(text: &str, default_id: &str, path: &str) -> Distro {
    let line = text.lines().next().unwrap_or("").trim();
    let lower = line.to_ascii_lowercase();
    let id = if lower.starts_with("centos") {
        "centos"
    } else if lower.starts_with("red hat") {
        "rhel"
    } else if lower.starts_with("fedora") {
        "fedora"
    } else if lower.starts_with("rocky") {
        "rocky"
    } else if lower.starts_with("almalinux") {
        "almalinux"
    } else if lower.starts_with("oracle") {
        "ol"
    } else if lower.starts_with("amazon") {
        "amzn"
    } else {
        default_id
    };
    let version = line
        .split_whitespace()
        .skip_while(|w| *w != "release")
        .nth(1)
        .or_else(|| {
            line.split_whitespace()
                .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(str::to_string);
    Distro {
        id: id.into(),
        version_id: version,
        pretty_name: Some(line.to_string()),
        source: path.into(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_quoting() {
        let kv = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n# c\nX='a b'\n",
        );
        assert_eq!(kv["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(kv["ID"], "debian");
        assert_eq!(kv["X"], "a b");
    }

    #[test]
    fn release_lines() {
        let d = parse_release_line(
            "CentOS Linux release 7.9.2009 (Core)\n",
            "centos",
            "/etc/centos-release",
        );
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        let d = parse_release_line(
            "Red Hat Enterprise Linux Server release 7.9 (Maipo)",
            "rhel",
            "/etc/redhat-release",
        );
        assert_eq!((d.id.as_str(), d.version_id.as_deref()), ("rhel", Some("7.9")));
    }
}
