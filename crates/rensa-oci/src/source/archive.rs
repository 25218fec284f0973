//! Images inside tar archives: OCI archives and `docker save` archives.
//!
//! The archive is never extracted: its member headers are indexed once, and members are then read in place
//! by seeking to their offset.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::digest::{Digest, VerifyingReader};
use crate::error::{Error, Result};
use crate::image::{Image, ImageSource, Layer, LayerData, Platform, SourceKind};
use crate::source::layout::{self, BlobStore};
use crate::source::{parse_json, read_verified};
use crate::spec::{DockerArchiveEntry, ImageConfig};

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

/// The members of a tar file, by normalized name.
struct TarIndex {
    path: PathBuf,
    location: String,
    members: HashMap<String, Member>,
}

fn normalize_member(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

impl TarIndex {
    fn build(path: &Path) -> Result<Self> {
        let location = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(&location, e))?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let mut members = HashMap::new();
        let entries = archive.entries().map_err(|e| Error::io(&location, e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::malformed(&location, format!("corrupt tar archive: {e}")))?;
            let name = normalize_member(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            let member = if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let base = if kind.is_symlink() {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => format!("{dir}/{target}"),
                        None => target,
                    }
                } else {
                    target
                };
                Member::Link(normalize_member(&base))
            } else if kind.is_file() {
                Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                }
            } else {
                continue;
            };
            members.insert(name, member);
        }
        Ok(TarIndex {
            path: path.to_path_buf(),
            location,
            members,
        })
    }

    fn lookup(&self, name: &str) -> Option<(u64, u64)> {
        let mut name = normalize_member(name);
        for _ in 0..16 {
            match self.members.get(&name)? {
                Member::File { offset, size } => return Some((*offset, *size)),
                Member::Link(target) => name = target.clone(),
            }
        }
        None
    }

    fn open(&self, name: &str) -> Result<Option<(Box<dyn Read + Send + '_>, u64)>> {
        let Some((offset, size)) = self.lookup(name) else {
            return Ok(None);
        };
        let mut f = File::open(&self.path).map_err(|e| Error::io(&self.location, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(&self.location, e))?;
        let r = BufReader::with_capacity(256 << 10, f).take(size);
        Ok(Some((
            Box::new(TruncationCheck {
                inner: r,
                remaining: size,
            }),
            size,
        )))
    }
}

/// Reports a member that ends before its header's size (a truncated archive) as an error.
struct TruncationCheck<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for TruncationCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.remaining > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "archive member is truncated",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

impl BlobStore for TarIndex {
    fn open_file(&self, path: &str) -> Result<Option<(Box<dyn Read + Send + '_>, u64)>> {
        self.open(path)
    }
    fn location(&self) -> &str {
        &self.location
    }
}

/// An OCI image layout packed in a tar file.
pub struct OciArchive {
    index: TarIndex,
    image: Image,
}

impl OciArchive {
    /// Opens an OCI archive and resolves the image by tag and platform.
    pub fn open(path: &Path, tag: Option<&str>, platform: &Platform) -> Result<Self> {
        let index = TarIndex::build(path)?;
        let name = match tag {
            Some(t) => format!("oci-archive:{}:{t}", index.location),
            None => format!("oci-archive:{}", index.location),
        };
        let image = layout::resolve(&index, &name, SourceKind::OciArchive, tag, platform)?;
        Ok(OciArchive { index, image })
    }
}

impl ImageSource for OciArchive {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, i: usize) -> Result<LayerData<'_>> {
        let layer = &self.image.layers[i];
        let digest = layer.digest.as_ref().expect("OCI layers have digests");
        Ok(LayerData::Stream(self.index.open_blob(digest, layer.size)?))
    }
    fn location(&self) -> &str {
        &self.index.location
    }
}

/// A `docker save` archive: classic (`<id>/layer.tar`, `<id>.json`) or the OCI-in-tar form of Docker 25+
/// (`blobs/sha256/…`); both are read through `manifest.json`.
pub struct DockerArchive {
    index: TarIndex,
    image: Image,
    /// Archive member of each layer, and the digest its bytes must have.
    layer_members: Vec<(String, Digest)>,
}

/// The digest a member named `blobs/sha256/HEX` must have.
fn digest_from_member(name: &str) -> Option<Digest> {
    let n = normalize_member(name);
    let rest = n.strip_prefix("blobs/")?;
    let (algo, hex) = rest.split_once('/')?;
    Digest::parse(&format!("{algo}:{hex}")).ok()
}

impl DockerArchive {
    /// Opens a docker-archive; `name` picks an image by `RepoTags` when the archive holds several.
    pub fn open(path: &Path, name: Option<&str>) -> Result<Self> {
        let index = TarIndex::build(path)?;
        let location = index.location.clone();
        let (mut r, _) = index
            .open("manifest.json")?
            .ok_or_else(|| Error::malformed(&location, "no manifest.json: not a docker-archive"))?;
        let mut data = Vec::new();
        (&mut r)
            .take(super::MAX_JSON_BYTES)
            .read_to_end(&mut data)
            .map_err(|e| Error::io(format!("{location}: manifest.json"), e))?;
        drop(r);
        let entries: Vec<DockerArchiveEntry> = parse_json(&data, &format!("{location}: manifest.json"))?;
        let entry = match name {
            Some(n) => {
                let wanted = if n.contains(':') {
                    n.to_string()
                } else {
                    format!("{n}:latest")
                };
                entries
                    .iter()
                    .find(|e| {
                        e.repo_tags.as_ref().is_some_and(|t| {
                            t.iter()
                                .any(|t| *t == wanted || t.ends_with(&format!("/{wanted}")))
                        })
                    })
                    .ok_or_else(|| Error::NotFound {
                        location: location.clone(),
                        reason: format!("no image named {n:?} in the archive"),
                    })?
            }
            None if entries.len() == 1 => &entries[0],
            None if entries.is_empty() => {
                return Err(Error::NotFound {
                    location,
                    reason: "manifest.json lists no images".into(),
                });
            }
            None => {
                let names: Vec<String> = entries
                    .iter()
                    .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
                    .collect();
                return Err(Error::NotFound {
                    location,
                    reason: format!(
                        "the archive holds {} images; choose one with docker-archive:PATH:NAME:TAG ({})",
                        entries.len(),
                        names.join(", ")
                    ),
                });
            }
        };

        // The config: by its blob digest (Docker 25+), else by the hex in its classic name.
        let (config_digest, config_data) = {
            let digest = digest_from_member(&entry.config).or_else(|| {
                let base = entry.config.trim_end_matches(".json");
                Digest::parse(&format!("sha256:{base}")).ok()
            });
            let (r, size) = index.open(&entry.config)?.ok_or_else(|| Error::MissingBlob {
                location: location.clone(),
                digest: entry.config.clone(),
            })?;
            match digest {
                Some(d) => {
                    let data = read_verified(r, &d, Some(size), &location)?;
                    (d, data)
                }
                None => {
                    let mut data = Vec::new();
                    r.take(super::MAX_JSON_BYTES)
                        .read_to_end(&mut data)
                        .map_err(|e| Error::io(format!("{location}: {}", entry.config), e))?;
                    (Digest::sha256_of(&data), data)
                }
            }
        };
        let config: ImageConfig = parse_json(&config_data, &format!("{location}: {}", entry.config))?;
        let diff_ids = &config.rootfs.diff_ids;
        if diff_ids.len() != entry.layers.len() {
            return Err(Error::malformed(
                &location,
                format!(
                    "manifest.json lists {} layers but the config lists {} diff_ids",
                    entry.layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        let mut layers = Vec::new();
        let mut layer_members = Vec::new();
        for (member, diff) in entry.layers.iter().zip(diff_ids) {
            let diff_id = Digest::parse(diff)
                .map_err(|_| Error::malformed(&location, format!("invalid diff_id {diff:?}")))?;
            let size = index
                .lookup(member)
                .map(|(_, s)| s)
                .ok_or_else(|| Error::MissingBlob {
                    location: location.clone(),
                    digest: member.clone(),
                })?;
            // Docker 25+ names blobs by digest; classic layers are uncompressed, so their digest is the diff_id.
            let blob_digest = digest_from_member(member).unwrap_or_else(|| diff_id.clone());
            layers.push(Layer {
                digest: Some(blob_digest.clone()),
                diff_id: Some(diff_id),
                media_type: String::new(),
                size: Some(size),
            });
            layer_members.push((member.clone(), blob_digest));
        }
        let image = Image {
            name: format!("docker-archive:{location}"),
            kind: SourceKind::DockerArchive,
            manifest_digest: None,
            config_digest: Some(config_digest),
            tags: entry.repo_tags.clone().unwrap_or_default(),
            config,
            layers,
        };
        Ok(DockerArchive {
            index,
            image,
            layer_members,
        })
    }
}

impl ImageSource for DockerArchive {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, i: usize) -> Result<LayerData<'_>> {
        let (member, digest) = &self.layer_members[i];
        let (r, size) = self.index.open(member)?.ok_or_else(|| Error::MissingBlob {
            location: self.index.location.clone(),
            digest: member.clone(),
        })?;
        Ok(LayerData::Stream(Box::new(VerifyingReader::new(
            r,
            digest.clone(),
            Some(size),
        ))))
    }
    fn location(&self) -> &str {
        &self.index.location
    }
}
