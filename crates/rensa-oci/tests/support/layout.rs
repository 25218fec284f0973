//! OCI image layouts written blob by blob, so that every digest is known to the test before anything is
//! pushed.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rensa_oci::Digest;
use serde_json::{Value, json};

/// A blob: its bytes and digest.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The content.
    pub data: Vec<u8>,
    /// `sha256:…` of the content.
    pub digest: String,
}

impl Blob {
    /// A blob of `data`.
    pub fn new(data: Vec<u8>) -> Self {
        let digest = Digest::sha256_of(&data).to_string();
        Blob { data, digest }
    }

    /// A descriptor of this blob.
    pub fn descriptor(&self, media_type: &str) -> Value {
        json!({"mediaType": media_type, "digest": self.digest, "size": self.data.len()})
    }
}

/// One image: its manifest, config and gzip layers with their diff IDs.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    /// The manifest.
    pub manifest: Blob,
    /// The config.
    pub config: Blob,
    /// The gzip layer blobs, base first.
    pub layers: Vec<Blob>,
    /// The digests of the uncompressed layers.
    pub diff_ids: Vec<String>,
    /// The platform, `os/arch[/variant]`.
    pub platform: (String, String, Option<String>),
}

impl BuiltImage {
    /// The manifest's descriptor, with the platform when `with_platform`.
    pub fn descriptor(&self, with_platform: bool) -> Value {
        let mut d = self
            .manifest
            .descriptor("application/vnd.oci.image.manifest.v1+json");
        if with_platform {
            let (os, arch, variant) = &self.platform;
            let mut p = json!({"os": os, "architecture": arch});
            if let Some(v) = variant {
                p["variant"] = json!(v);
            }
            d["platform"] = p;
        }
        d
    }
}

/// A layer tar of regular files (mode 0644, fixed times), with a directory entry for each parent.
pub fn layer_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (path, content) in files {
        let mut parent = Path::new(path).parent();
        let mut chain = Vec::new();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            chain.push(p.to_path_buf());
            parent = p.parent();
        }
        for dir in chain.into_iter().rev() {
            if dirs.insert(dir.clone()) {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_mtime(1_700_000_000);
                b.append_data(&mut h, format!("{}/", dir.display()), &[][..])
                    .unwrap();
            }
        }
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(content.len() as u64);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, path, *content).unwrap();
    }
    b.into_inner().unwrap()
}

/// Gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// An OCI image layout directory under construction.
pub struct Layout {
    /// The directory.
    pub dir: PathBuf,
    entries: Vec<Value>,
}

impl Layout {
    /// Starts a layout in `dir`.
    pub fn new(dir: &Path) -> Self {
        super::write(&dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#);
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        Layout {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
        }
    }

    /// Stores a blob.
    pub fn put(&self, data: Vec<u8>) -> Blob {
        let blob = Blob::new(data);
        let hex = blob.digest.strip_prefix("sha256:").unwrap();
        std::fs::write(self.dir.join("blobs/sha256").join(hex), &blob.data).unwrap();
        blob
    }

    /// Stores an image of gzip layers (each a list of files) for `os/arch[/variant]`.
    pub fn image(&self, platform: &str, layers: &[&[(&str, &[u8])]]) -> BuiltImage {
        let mut parts = platform.split('/');
        let os = parts.next().unwrap().to_string();
        let arch = parts.next().unwrap().to_string();
        let variant = parts.next().map(str::to_string);
        let mut blobs = Vec::new();
        let mut diff_ids = Vec::new();
        for files in layers {
            let tar = layer_tar(files);
            diff_ids.push(Digest::sha256_of(&tar).to_string());
            blobs.push(self.put(gzip(&tar)));
        }
        let mut config = json!({
            "architecture": arch,
            "os": os,
            "config": {"Env": ["PATH=/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "rensa registry test"}],
        });
        if let Some(v) = &variant {
            config["variant"] = json!(v);
        }
        let config = self.put(serde_json::to_vec(&config).unwrap());
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config.descriptor("application/vnd.oci.image.config.v1+json"),
            "layers": blobs.iter().map(|b| b.descriptor("application/vnd.oci.image.layer.v1.tar+gzip")).collect::<Vec<_>>(),
        });
        let manifest = self.put(serde_json::to_vec(&manifest).unwrap());
        BuiltImage {
            manifest,
            config,
            layers: blobs,
            diff_ids,
            platform: (os, arch, variant),
        }
    }

    /// Stores an image index of `images` (with their platforms).
    pub fn index(&self, images: &[&BuiltImage]) -> Blob {
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": images.iter().map(|i| i.descriptor(true)).collect::<Vec<_>>(),
        });
        self.put(serde_json::to_vec(&index).unwrap())
    }

    /// Names `descriptor` by `tag` in `index.json`.
    pub fn tag(&mut self, tag: &str, mut descriptor: Value) {
        descriptor["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
        self.entries.push(descriptor);
        let index = json!({"schemaVersion": 2, "manifests": self.entries});
        std::fs::write(self.dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    }
}
