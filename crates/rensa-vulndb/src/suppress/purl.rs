//! Reading package URLs and matching a purl given by a user (an ignore entry, a VEX product) against a
//! package's purl.
//!
//! Matching rules: the types must be equal; the namespaces equal (case-insensitively for `deb`, `apk`,
//! `rpm`, `composer` and `nuget`); the names equal after the ecosystem's name normalization (PEP 503 for
//! PyPI, lower case for NuGet and Composer, exact otherwise); the version, when the pattern has one, equal
//! to the package's. A qualifier (`?arch=…`) counts only when both purls have it, and then its values must
//! be equal. Subpaths are ignored.

use std::collections::BTreeMap;

/// A parsed package URL, with every component percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageUrl {
    /// The type (`deb`, `pypi`, `oci`, …), lower case.
    pub kind: String,
    /// The namespace (`debian`, a Maven group), if any.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The version, if any.
    pub version: Option<String>,
    /// The qualifiers, keys in lower case.
    pub qualifiers: BTreeMap<String, String>,
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl PackageUrl {
    /// Parses `pkg:TYPE/[NAMESPACE/]NAME[@VERSION][?QUALIFIERS][#SUBPATH]`; `None` when it is not one.
    pub fn parse(text: &str) -> Option<PackageUrl> {
        let (scheme, rest) = text.trim().split_once(':')?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return None;
        }
        let rest = rest.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (kind, path) = rest.split_once('/')?;
        if kind.is_empty()
            || !kind
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
        {
            return None;
        }
        let path = path.trim_end_matches('/');
        let (namespace, name_version) = match path.rsplit_once('/') {
            Some((ns, nv)) => (Some(ns), nv),
            None => (None, path),
        };
        let (name, version) = match name_version.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (name_version, None),
        };
        let name = decode(name)?;
        if name.is_empty() {
            return None;
        }
        let namespace = match namespace {
            Some(ns) => {
                let parts = ns
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .map(decode)
                    .collect::<Option<Vec<_>>>()?;
                (!parts.is_empty()).then(|| parts.join("/"))
            }
            None => None,
        };
        let version = match version {
            Some(v) => Some(decode(v)?).filter(|v| !v.is_empty()),
            None => None,
        };
        let mut qualifiers = BTreeMap::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=')?;
            let v = decode(v)?;
            if !v.is_empty() {
                qualifiers.insert(k.to_ascii_lowercase(), v);
            }
        }
        Some(PackageUrl {
            kind: kind.to_ascii_lowercase(),
            namespace,
            name,
            version,
            qualifiers,
        })
    }

    /// Whether `self`, a pattern, matches the package purl `pkg` (see the [module docs](self)).
    pub fn matches(&self, pkg: &PackageUrl) -> bool {
        if self.kind != pkg.kind || !names_equal(&self.kind, &self.name, &pkg.name) {
            return false;
        }
        let ns_equal = match (&self.namespace, &pkg.namespace) {
            (None, None) => true,
            (Some(a), Some(b)) if case_insensitive_namespace(&self.kind) => a.eq_ignore_ascii_case(b),
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if !ns_equal {
            return false;
        }
        if let Some(v) = &self.version
            && pkg.version.as_ref() != Some(v)
        {
            return false;
        }
        self.qualifiers
            .iter()
            .all(|(k, v)| pkg.qualifiers.get(k).is_none_or(|w| w == v))
    }
}

fn case_insensitive_namespace(kind: &str) -> bool {
    matches!(kind, "deb" | "apk" | "rpm" | "composer" | "nuget")
}

/// The family name the advisory-name normalization knows for a purl type, if it normalizes it.
fn family(kind: &str) -> Option<&'static str> {
    match kind {
        "pypi" => Some("PyPI"),
        "nuget" => Some("NuGet"),
        "composer" => Some("Packagist"),
        _ => None,
    }
}

/// Whether two package names of the purl type `kind` are the same package.
pub(crate) fn names_equal(kind: &str, a: &str, b: &str) -> bool {
    match family(kind) {
        Some(f) => {
            crate::matcher::ecosystem::normalize_advisory_name(f, a)
                == crate::matcher::ecosystem::normalize_advisory_name(f, b)
        }
        None => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PackageUrl {
        PackageUrl::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_the_spec_examples() {
        let d = p("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie");
        assert_eq!(d.kind, "deb");
        assert_eq!(d.namespace.as_deref(), Some("debian"));
        assert_eq!(d.name, "curl");
        assert_eq!(d.version.as_deref(), Some("7.50.3-1"));
        assert_eq!(d.qualifiers.get("arch").map(String::as_str), Some("i386"));
        let n = p("pkg:npm/%40angular/animation@12.3.1");
        assert_eq!(n.namespace.as_deref(), Some("@angular"));
        let o = p("pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=docker.io/library/debian&arch=amd64");
        assert_eq!(o.version.as_deref(), Some("sha256:244fd47e07d10"));
        let m = p("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1#sub/path");
        assert_eq!(m.namespace.as_deref(), Some("org.apache.xmlgraphics"));
        assert_eq!(m.name, "batik-anim");
        assert_eq!(
            p("pkg:golang/github.com/gorilla/context").namespace.as_deref(),
            Some("github.com/gorilla")
        );
        for bad in ["", "pkg:", "pkg:deb", "http://x/y", "pkg:deb/x%zz", "pkg:de b/x"] {
            assert_eq!(PackageUrl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn matching_rules() {
        let pkg = p("pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11");
        assert!(p("pkg:deb/debian/libssl1.1").matches(&pkg));
        assert!(p("pkg:deb/Debian/libssl1.1@1.1.1n-0+deb11u3").matches(&pkg));
        assert!(p("pkg:deb/debian/libssl1.1?arch=amd64").matches(&pkg));
        assert!(p("pkg:deb/debian/libssl1.1?foo=bar").matches(&pkg));
        assert!(!p("pkg:deb/debian/libssl1.1?arch=arm64").matches(&pkg));
        assert!(!p("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u4").matches(&pkg));
        assert!(!p("pkg:deb/ubuntu/libssl1.1").matches(&pkg));
        assert!(!p("pkg:deb/libssl1.1").matches(&pkg));
        assert!(!p("pkg:rpm/debian/libssl1.1").matches(&pkg));
        assert!(!p("pkg:deb/debian/libssl3").matches(&pkg));
        let py = p("pkg:pypi/jinja2@2.10");
        assert!(p("pkg:pypi/Jinja2").matches(&py));
        assert!(p("pkg:PYPI/jinja_2").matches(&p("pkg:pypi/jinja-2@1")));
        assert!(!p("pkg:npm/Foo").matches(&p("pkg:npm/foo@1")));
    }
}
