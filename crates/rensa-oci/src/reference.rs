//! Image references in the containers/image transport syntax.
//!
//! `oci:PATH[:TAG]`, `oci-archive:PATH[:TAG]`, `docker-archive:PATH[:NAME:TAG]`, `dir:PATH`,
//! `docker://HOST/REPO[:TAG|@DIGEST]`, a bare `HOST/REPO:TAG`, or a bare path whose kind is detected.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::digest::Digest;
use crate::error::{Error, Result};

/// Where an image is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// An OCI image layout directory, optionally a tag (`org.opencontainers.image.ref.name`).
    OciLayout {
        /// The layout directory.
        path: PathBuf,
        /// The tag to select.
        tag: Option<String>,
    },
    /// A tar file holding an OCI image layout.
    OciArchive {
        /// The archive.
        path: PathBuf,
        /// The tag to select.
        tag: Option<String>,
    },
    /// A `docker save` archive (classic, or the OCI-in-tar form of Docker 25+).
    DockerArchive {
        /// The archive.
        path: PathBuf,
        /// `NAME:TAG` from `RepoTags`, when the archive holds several images.
        name: Option<String>,
    },
    /// An unpacked root filesystem.
    Rootfs {
        /// The directory.
        path: PathBuf,
    },
    /// An image in a registry.
    Registry(RegistryRef),
}

/// A repository in a registry plus a tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// Host and optional port, as used in URLs (`docker.io` is mapped to its API host when pulling).
    pub registry: String,
    /// The repository path (`library/alpine`).
    pub repository: String,
    /// The tag, when given (defaults to `latest` when no digest is given either).
    pub tag: Option<String>,
    /// The digest, when given; wins over the tag.
    pub digest: Option<Digest>,
}

impl RegistryRef {
    /// Parses `HOST/REPO[:TAG][@DIGEST]` with Docker's rules: a first component with a `.` or `:`, or
    /// `localhost`, is a host; otherwise the host is `docker.io` (and one-component names get `library/`).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Reference {
            reference: s.to_string(),
            reason: reason.to_string(),
        };
        if s.is_empty() {
            return Err(bad("empty reference"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (
                r,
                Some(Digest::parse(d).map_err(|_| bad("invalid digest after '@'"))?),
            ),
            None => (s, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
            _ => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(bad("invalid tag"));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, repo)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), repo.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        let repo_ok = !repository.is_empty()
            && repository.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                    })
                    && c.as_bytes()[0].is_ascii_alphanumeric()
            });
        if !repo_ok {
            return Err(bad(
                "invalid repository name (lowercase letters, digits, '.', '_', '-' and '/')",
            ));
        }
        Ok(RegistryRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag or digest to ask the registry for (`latest` when neither was given).
    pub fn reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_string(),
        }
    }
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn split_tag(rest: &str) -> (PathBuf, Option<String>) {
    match rest.split_once(':') {
        Some((p, t)) if !t.is_empty() => (PathBuf::from(p), Some(t.to_string())),
        Some((p, _)) => (PathBuf::from(p), None),
        None => (PathBuf::from(rest), None),
    }
}

impl ImageRef {
    /// Parses a reference; a bare path is looked at on disk to decide what it is.
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("oci:") {
            let (path, tag) = split_tag(rest);
            return Ok(ImageRef::OciLayout { path, tag });
        }
        if let Some(rest) = s.strip_prefix("oci-archive:") {
            let (path, tag) = split_tag(rest);
            return Ok(ImageRef::OciArchive { path, tag });
        }
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (path, name) = match rest.split_once(':') {
                Some((p, n)) if !n.is_empty() => (PathBuf::from(p), Some(n.to_string())),
                _ => (PathBuf::from(rest.trim_end_matches(':')), None),
            };
            return Ok(ImageRef::DockerArchive { path, name });
        }
        if let Some(rest) = s.strip_prefix("dir:") {
            return Ok(ImageRef::Rootfs {
                path: PathBuf::from(rest),
            });
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return Ok(ImageRef::Registry(RegistryRef::parse(rest)?));
        }
        let path = Path::new(s);
        if path.exists() {
            return detect_local(path);
        }
        if s.starts_with(['/', '.']) {
            return Err(Error::io(s, std::io::Error::from(std::io::ErrorKind::NotFound)));
        }
        Ok(ImageRef::Registry(RegistryRef::parse(s)?))
    }
}

/// Decides what a bare local path holds.
fn detect_local(path: &Path) -> Result<ImageRef> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if meta.is_dir() {
        if path.join("index.json").is_file() && path.join("oci-layout").is_file() {
            return Ok(ImageRef::OciLayout {
                path: path.to_path_buf(),
                tag: None,
            });
        }
        if path.join("index.json").is_file() {
            return Ok(ImageRef::OciLayout {
                path: path.to_path_buf(),
                tag: None,
            });
        }
        return Ok(ImageRef::Rootfs {
            path: path.to_path_buf(),
        });
    }
    // A tar file: look at its member names (headers only, data is skipped).
    let file = fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let mut magic = [0u8; 4];
    let n = (&file)
        .take(4)
        .read(&mut magic)
        .map_err(|e| Error::io(path.display(), e))?;
    if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        return Err(Error::malformed(
            path.display(),
            "compressed archives are not image archives; decompress it first (docker save and oci-archive are plain tar)",
        ));
    }
    let file = fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let mut archive = tar::Archive::new(file);
    let mut has_manifest = false;
    let mut has_index = false;
    let entries = archive.entries().map_err(|e| Error::io(path.display(), e))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| Error::malformed(path.display(), format!("not a valid tar archive: {e}")))?;
        let name = entry.path_bytes();
        let name = String::from_utf8_lossy(&name);
        match name.trim_start_matches("./") {
            "manifest.json" => has_manifest = true,
            "index.json" => has_index = true,
            _ => {}
        }
    }
    if has_manifest {
        Ok(ImageRef::DockerArchive {
            path: path.to_path_buf(),
            name: None,
        })
    } else if has_index {
        Ok(ImageRef::OciArchive {
            path: path.to_path_buf(),
            tag: None,
        })
    } else {
        Err(Error::malformed(
            path.display(),
            "not an image: a tar file without manifest.json (docker-archive) or index.json (oci-archive)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        assert_eq!(
            ImageRef::parse("oci:/tmp/x:v1").unwrap(),
            ImageRef::OciLayout {
                path: "/tmp/x".into(),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            ImageRef::parse("oci-archive:a.tar").unwrap(),
            ImageRef::OciArchive {
                path: "a.tar".into(),
                tag: None
            }
        );
        assert_eq!(
            ImageRef::parse("docker-archive:a.tar:busybox:latest").unwrap(),
            ImageRef::DockerArchive {
                path: "a.tar".into(),
                name: Some("busybox:latest".into())
            }
        );
        assert_eq!(
            ImageRef::parse("dir:/r").unwrap(),
            ImageRef::Rootfs { path: "/r".into() }
        );
    }

    #[test]
    fn registry_refs() {
        let r = RegistryRef::parse("alpine").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.reference()),
            ("docker.io", "library/alpine", "latest".into())
        );
        let r = RegistryRef::parse("127.0.0.1:5000/team/app:1.2").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "team/app", Some("1.2"))
        );
        let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let r = RegistryRef::parse(&format!("localhost:5000/app@{d}")).unwrap();
        assert_eq!(r.reference(), d);
        let r = ImageRef::parse("docker://quay.io/org/img:tag").unwrap();
        assert!(matches!(r, ImageRef::Registry(RegistryRef { ref registry, .. }) if registry == "quay.io"));
        assert!(RegistryRef::parse("Host/UPPER:tag").is_err());
        assert!(RegistryRef::parse("h.io/repo:-bad").is_err());
    }
}
