//! Package URLs (<https://github.com/package-url/purl-spec>).

use std::collections::BTreeMap;

/// A package URL under construction.
#[derive(Debug, Clone)]
pub struct Purl {
    kind: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

/// Percent-encodes a purl component: everything but unreserved characters (and `:` per the spec's
/// recommendation for readability in versions).
fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Purl {
    /// `pkg:TYPE/NAME`.
    pub fn new(kind: &str, name: &str) -> Self {
        Purl {
            kind: kind.to_string(),
            namespace: None,
            name: name.to_string(),
            version: None,
            qualifiers: BTreeMap::new(),
            subpath: None,
        }
    }
    /// Sets the namespace (may contain `/` separators).
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        let ns = ns.into();
        self.namespace = if ns.is_empty() { None } else { Some(ns) };
        self
    }
    /// Sets the version.
    pub fn version(mut self, v: impl Into<String>) -> Self {
        self.version = Some(v.into());
        self
    }
    /// Adds a qualifier (empty values are dropped, as the spec requires).
    pub fn qualifier(mut self, k: &str, v: impl Into<String>) -> Self {
        let v = v.into();
        if !v.is_empty() {
            self.qualifiers.insert(k.to_string(), v);
        }
        self
    }
    /// Sets the subpath.
    pub fn subpath(mut self, s: impl Into<String>) -> Self {
        self.subpath = Some(s.into());
        self
    }
}

impl std::fmt::Display for Purl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pkg:{}/", self.kind)?;
        if let Some(ns) = &self.namespace {
            let parts: Vec<String> = ns
                .split('/')
                .filter(|p| !p.is_empty())
                .map(|p| encode(p, b""))
                .collect();
            write!(f, "{}/", parts.join("/"))?;
        }
        f.write_str(&encode(&self.name, b""))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v, b":"))?;
        }
        if !self.qualifiers.is_empty() {
            let q: Vec<String> = self
                .qualifiers
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v, b":/")))
                .collect();
            write!(f, "?{}", q.join("&"))?;
        }
        if let Some(s) = &self.subpath {
            write!(f, "#{}", encode(s, b"/"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_spec() {
        let p = Purl::new("deb", "curl")
            .namespace("debian")
            .version("7.50.3-1")
            .qualifier("arch", "i386")
            .qualifier("distro", "jessie");
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        let p = Purl::new("npm", "angular").namespace("@angular").version("1.2.3");
        assert_eq!(p.to_string(), "pkg:npm/%40angular/angular@1.2.3");
        let p = Purl::new("rpm", "curl")
            .namespace("fedora")
            .version("7.50.3-1.fc25")
            .qualifier("arch", "i386")
            .qualifier("epoch", "1");
        assert_eq!(
            p.to_string(),
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&epoch=1"
        );
        let p = Purl::new("deb", "libc6")
            .namespace("debian")
            .version("1:2.36-9+deb12u4");
        assert_eq!(p.to_string(), "pkg:deb/debian/libc6@1:2.36-9%2Bdeb12u4");
    }
}
