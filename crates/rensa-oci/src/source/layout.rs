//! OCI image layouts, as directories and (through [`BlobStore`]) inside tar archives.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::digest::{Digest, VerifyingReader};
use crate::error::{Error, Result};
use crate::image::{Image, ImageSource, Layer, LayerData, Platform, SourceKind};
use crate::source::{map_blob_error, parse_json, read_verified};
use crate::spec::{Descriptor, ImageConfig, Index, Manifest, media_type};

/// The annotation that names a tag in an OCI layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Somewhere files of an OCI layout can be read from, by path relative to the layout root.
pub(crate) trait BlobStore: Send + Sync {
    /// Opens a file; `Ok(None)` when it does not exist.
    fn open_file(&self, path: &str) -> Result<Option<(Box<dyn Read + Send + '_>, u64)>>;
    /// The location for messages.
    fn location(&self) -> &str;

    /// Opens a blob by digest, verifying it as it is read.
    fn open_blob(&self, digest: &Digest, size: Option<u64>) -> Result<Box<dyn Read + Send + '_>> {
        let path = format!("blobs/{}/{}", digest.algorithm_name(), digest.hex());
        match self.open_file(&path)? {
            Some((r, _)) => Ok(Box::new(VerifyingReader::new(r, digest.clone(), size))),
            None => Err(Error::MissingBlob {
                location: self.location().to_string(),
                digest: digest.to_string(),
            }),
        }
    }

    /// Reads a small JSON blob, verified.
    fn read_blob(&self, digest: &Digest, size: Option<u64>) -> Result<Vec<u8>> {
        let path = format!("blobs/{}/{}", digest.algorithm_name(), digest.hex());
        match self.open_file(&path)? {
            Some((r, _)) => read_verified(r, digest, size, self.location()),
            None => Err(Error::MissingBlob {
                location: self.location().to_string(),
                digest: digest.to_string(),
            }),
        }
    }
}

/// A descriptor's digest, parsed.
pub(crate) fn descriptor_digest(d: &Descriptor, location: &str) -> Result<Digest> {
    Digest::parse(&d.digest).map_err(|_| Error::malformed(location, format!("invalid digest {:?}", d.digest)))
}

fn size_of(d: &Descriptor) -> Option<u64> {
    u64::try_from(d.size).ok().filter(|s| *s > 0)
}

/// Picks the manifest of `platform` from an index's entries.
pub(crate) fn pick_platform<'a>(
    manifests: &'a [Descriptor],
    platform: &Platform,
    location: &str,
) -> Result<&'a Descriptor> {
    let candidates: Vec<&Descriptor> = manifests
        .iter()
        .filter(|d| media_type::is_manifest(&d.media_type) || d.media_type.is_empty())
        .collect();
    let matching: Vec<&Descriptor> = candidates
        .iter()
        .copied()
        .filter(|d| match &d.platform {
            Some(p) => platform.matches(&p.os, &p.architecture, p.variant.as_deref()),
            None => false,
        })
        .collect();
    if let Some(d) = matching.first() {
        return Ok(d);
    }
    // Entries without any platform (single-image indexes) are taken when there is exactly one.
    let unplatformed: Vec<&Descriptor> = candidates
        .iter()
        .copied()
        .filter(|d| d.platform.is_none())
        .collect();
    if unplatformed.len() == 1 && candidates.len() == 1 {
        return Ok(unplatformed[0]);
    }
    let available: Vec<String> = candidates
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .map(|p| match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        })
        .collect();
    Err(Error::NotFound {
        location: location.to_string(),
        reason: format!(
            "no image for platform {platform} (available: {})",
            available.join(", ")
        ),
    })
}

/// Resolves a layout's `index.json` (by tag and platform) into an [`Image`].
pub(crate) fn resolve(
    store: &dyn BlobStore,
    name: &str,
    kind: SourceKind,
    tag: Option<&str>,
    platform: &Platform,
) -> Result<Image> {
    let location = store.location().to_string();
    let (mut r, _) = store.open_file("index.json")?.ok_or_else(|| Error::NotFound {
        location: location.clone(),
        reason: "no index.json: not an OCI image layout".into(),
    })?;
    let mut data = Vec::new();
    (&mut r)
        .take(super::MAX_JSON_BYTES)
        .read_to_end(&mut data)
        .map_err(|e| Error::io(format!("{location}/index.json"), e))?;
    let index: Index = parse_json(&data, &format!("{location}/index.json"))?;
    let mut tags = Vec::new();
    let top: &Descriptor = match tag {
        Some(t) => {
            let found = index.manifests.iter().find(|d| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get(REF_NAME))
                    .is_some_and(|n| n == t)
            });
            tags.push(t.to_string());
            found.ok_or_else(|| {
                let known: Vec<&str> = index
                    .manifests
                    .iter()
                    .filter_map(|d| d.annotations.as_ref()?.get(REF_NAME).map(String::as_str))
                    .collect();
                Error::NotFound {
                    location: location.clone(),
                    reason: format!("no image tagged {t:?} (tags: {})", known.join(", ")),
                }
            })?
        }
        None if index.manifests.len() == 1 => {
            let d = &index.manifests[0];
            if let Some(n) = d.annotations.as_ref().and_then(|a| a.get(REF_NAME)) {
                tags.push(n.clone());
            }
            d
        }
        None if index.manifests.is_empty() => {
            return Err(Error::NotFound {
                location,
                reason: "index.json lists no images".into(),
            });
        }
        None => {
            // Several entries: an index of platforms is resolved by platform; several tags need a choice.
            let tagged: Vec<&str> = index
                .manifests
                .iter()
                .filter_map(|d| d.annotations.as_ref()?.get(REF_NAME).map(String::as_str))
                .collect();
            if tagged.len() > 1 {
                return Err(Error::NotFound {
                    location,
                    reason: format!("several images; choose one with :TAG ({})", tagged.join(", ")),
                });
            }
            pick_platform(&index.manifests, platform, &location)?
        }
    };
    resolve_descriptor(store, name, kind, top, platform, tags, 0)
}

fn resolve_descriptor(
    store: &dyn BlobStore,
    name: &str,
    kind: SourceKind,
    desc: &Descriptor,
    platform: &Platform,
    tags: Vec<String>,
    depth: usize,
) -> Result<Image> {
    let location = store.location().to_string();
    let digest = descriptor_digest(desc, &location)?;
    let data = store.read_blob(&digest, size_of(desc))?;
    let mt = if desc.media_type.is_empty() {
        sniff_media_type(&data)
    } else {
        desc.media_type.clone()
    };
    if media_type::is_index(&mt) {
        if depth > 2 {
            return Err(Error::malformed(&location, "image indexes nested too deeply"));
        }
        let index: Index = parse_json(&data, &format!("{location}: index {digest}"))?;
        let chosen = pick_platform(&index.manifests, platform, &location)?;
        return resolve_descriptor(store, name, kind, chosen, platform, tags, depth + 1);
    }
    if !media_type::is_manifest(&mt) {
        return Err(Error::UnsupportedMediaType {
            location,
            media_type: mt,
        });
    }
    let manifest: Manifest = parse_json(&data, &format!("{location}: manifest {digest}"))?;
    let (config_digest, config) = read_config(store, &manifest, &location)?;
    let layers = manifest_layers(&manifest, &config, &location)?;
    Ok(Image {
        name: name.to_string(),
        kind,
        manifest_digest: Some(digest),
        config_digest: Some(config_digest),
        tags,
        config,
        layers,
    })
}

/// Reads and checks a manifest's config blob.
pub(crate) fn read_config(
    store: &dyn BlobStore,
    manifest: &Manifest,
    location: &str,
) -> Result<(Digest, ImageConfig)> {
    let cfg_digest = descriptor_digest(&manifest.config, location)?;
    let cfg_mt = &manifest.config.media_type;
    if !(cfg_mt.is_empty() || cfg_mt == media_type::OCI_CONFIG || cfg_mt == media_type::DOCKER_CONFIG) {
        return Err(Error::UnsupportedMediaType {
            location: location.to_string(),
            media_type: cfg_mt.clone(),
        });
    }
    let data = store.read_blob(&cfg_digest, size_of(&manifest.config))?;
    let config: ImageConfig = parse_json(&data, &format!("{location}: config {cfg_digest}"))?;
    Ok((cfg_digest, config))
}

/// The layers of a manifest, checked against the config's diff IDs.
pub(crate) fn manifest_layers(
    manifest: &Manifest,
    config: &ImageConfig,
    location: &str,
) -> Result<Vec<Layer>> {
    let diff_ids = &config.rootfs.diff_ids;
    if !diff_ids.is_empty() && diff_ids.len() != manifest.layers.len() {
        return Err(Error::malformed(
            location,
            format!(
                "manifest has {} layers but the config lists {} diff_ids",
                manifest.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    manifest
        .layers
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if !media_type::is_layer(&d.media_type) {
                return Err(Error::UnsupportedMediaType {
                    location: location.to_string(),
                    media_type: d.media_type.clone(),
                });
            }
            let diff_id = match diff_ids.get(i) {
                Some(s) => Some(
                    Digest::parse(s)
                        .map_err(|_| Error::malformed(location, format!("invalid diff_id {s:?}")))?,
                ),
                None => None,
            };
            Ok(Layer {
                digest: Some(descriptor_digest(d, location)?),
                diff_id,
                media_type: d.media_type.clone(),
                size: size_of(d),
            })
        })
        .collect()
}

/// Guesses the media type of a manifest-like document that does not state one.
fn sniff_media_type(data: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
        config: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Probe>(data) {
        Ok(Probe {
            media_type: Some(mt), ..
        }) => mt,
        Ok(Probe {
            manifests: Some(_), ..
        }) => media_type::OCI_INDEX.to_string(),
        Ok(Probe { config: Some(_), .. }) => media_type::OCI_MANIFEST.to_string(),
        _ => String::new(),
    }
}

/// An OCI image layout directory.
pub struct OciLayout {
    store: DirStore,
    image: Image,
}

struct DirStore {
    root: PathBuf,
    location: String,
}

impl BlobStore for DirStore {
    fn open_file(&self, path: &str) -> Result<Option<(Box<dyn Read + Send + '_>, u64)>> {
        open_in_dir(&self.root, path)
    }
    fn location(&self) -> &str {
        &self.location
    }
}

/// Opens `root/path` without following a symlink at the last component out of the layout.
fn open_in_dir(root: &Path, path: &str) -> Result<Option<(Box<dyn Read + Send + 'static>, u64)>> {
    let full = root.join(path);
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(full.display(), e)),
    };
    if !meta.is_file() {
        return Err(Error::malformed(full.display(), "not a regular file"));
    }
    let f = File::open(&full).map_err(|e| Error::io(full.display(), e))?;
    Ok(Some((
        Box::new(std::io::BufReader::with_capacity(256 << 10, f)),
        meta.len(),
    )))
}

impl OciLayout {
    /// Opens a layout directory and resolves the image by tag and platform.
    pub fn open(root: &Path, tag: Option<&str>, platform: &Platform) -> Result<Self> {
        let location = root.display().to_string();
        if !root.is_dir() {
            return Err(Error::io(
                &location,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        let name = match tag {
            Some(t) => format!("oci:{location}:{t}"),
            None => format!("oci:{location}"),
        };
        let store = DirStore {
            root: root.to_path_buf(),
            location,
        };
        let image = resolve(&store, &name, SourceKind::OciLayout, tag, platform)?;
        Ok(OciLayout { store, image })
    }
}

impl ImageSource for OciLayout {
    fn image(&self) -> &Image {
        &self.image
    }
    fn open_layer(&self, index: usize) -> Result<LayerData<'_>> {
        let layer = &self.image.layers[index];
        let digest = layer.digest.as_ref().expect("layout layers have digests");
        Ok(LayerData::Stream(self.store.open_blob(digest, layer.size)?))
    }
    fn location(&self) -> &str {
        &self.store.location
    }
}

/// Maps a read error of a layer stream to a typed error (digest mismatch or I/O).
pub fn layer_read_error(e: std::io::Error, location: &str, digest: &Digest) -> Error {
    map_blob_error(e, location, digest)
}
