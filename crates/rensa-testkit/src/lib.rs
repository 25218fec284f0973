//! Test support for rensa: builds layers, OCI image layouts, OCI archives and docker-archives from a short
//! description, including hostile ones (entries with `..`, absolute names, bad digests), without any tool.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use sha2::{Digest as _, Sha256};

/// `sha256:HEX` of `data`.
pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// One entry of a layer.
#[derive(Debug, Clone)]
pub enum E {
    /// A regular file with content and mode.
    File(&'static str, Vec<u8>, u32),
    /// A directory.
    Dir(&'static str),
    /// A directory with a mode (sticky, world-writable, …).
    DirMode(&'static str, u32),
    /// A symbolic link (path, target).
    Symlink(&'static str, &'static str),
    /// A hard link (path, target).
    Hardlink(&'static str, &'static str),
    /// A regular file whose stored name is written raw, bypassing the tar crate's checks.
    RawName(&'static str, Vec<u8>),
}

/// A regular file with mode 0644.
pub fn file(path: &'static str, content: impl AsRef<[u8]>) -> E {
    E::File(path, content.as_ref().to_vec(), 0o644)
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h
}

/// An uncompressed layer tar.
pub fn layer(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::File(p, c, mode) => {
                let mut h = header(tar::EntryType::Regular, c.len() as u64, *mode);
                b.append_data(&mut h, p, &c[..]).unwrap();
            }
            E::Dir(p) => {
                let mut h = header(tar::EntryType::Directory, 0, 0o755);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::DirMode(p, mode) => {
                let mut h = header(tar::EntryType::Directory, 0, *mode);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::Symlink(p, t) => {
                let mut h = header(tar::EntryType::Symlink, 0, 0o777);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Hardlink(p, t) => {
                let mut h = header(tar::EntryType::Link, 0, 0o644);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::RawName(name, c) => {
                let mut h = header(tar::EntryType::Regular, c.len() as u64, 0o644);
                let raw = &mut h.as_old_mut().name;
                raw.fill(0);
                raw[..name.len()].copy_from_slice(name.as_bytes());
                h.set_cksum();
                b.append(&h, &c[..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// gzip-compresses data.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// zstd-compresses data.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).unwrap()
}

/// A layer as stored: blob bytes, media type and the diff ID of the uncompressed tar.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The stored bytes.
    pub data: Vec<u8>,
    /// The media type.
    pub media_type: String,
    /// The diff ID.
    pub diff_id: String,
}

/// A gzip layer blob.
pub fn gz_layer(entries: &[E]) -> Blob {
    let tar = layer(entries);
    Blob {
        data: gzip(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        diff_id: sha256(&tar),
    }
}

/// A zstd layer blob.
pub fn zstd_layer(entries: &[E]) -> Blob {
    let tar = layer(entries);
    Blob {
        data: zstd(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+zstd".into(),
        diff_id: sha256(&tar),
    }
}

/// An uncompressed layer blob.
pub fn tar_layer(entries: &[E]) -> Blob {
    let tar = layer(entries);
    let diff_id = sha256(&tar);
    Blob {
        data: tar,
        media_type: "application/vnd.oci.image.layer.v1.tar".into(),
        diff_id,
    }
}

/// An image to write: its layers, config details and architecture.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// The layers, base first.
    pub layers: Vec<Blob>,
    /// The architecture.
    pub arch: &'static str,
    /// Extra `config` fields (User, Env, …).
    pub config: serde_json::Value,
}

impl ImageSpec {
    /// An amd64 image of these layers.
    pub fn new(layers: Vec<Blob>) -> Self {
        ImageSpec {
            layers,
            arch: "amd64",
            config: json!({}),
        }
    }
}

/// Writes a blob into `layout/blobs/sha256/` and returns its descriptor values (digest, size).
pub fn put_blob(layout: &Path, data: &[u8]) -> (String, usize) {
    let d = sha256(data);
    let dir = layout.join("blobs/sha256");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&d[7..]), data).unwrap();
    (d, data.len())
}

/// Writes an image's config, layers and manifest; returns the manifest descriptor JSON (without annotations).
pub fn put_image(layout: &Path, spec: &ImageSpec) -> serde_json::Value {
    let diff_ids: Vec<&str> = spec.layers.iter().map(|l| l.diff_id.as_str()).collect();
    let config = json!({
        "architecture": spec.arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": spec.config, "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let config = serde_json::to_vec(&config).unwrap();
    let (cd, cs) = put_blob(layout, &config);
    let layers: Vec<serde_json::Value> = spec
        .layers
        .iter()
        .map(|l| {
            let (d, s) = put_blob(layout, &l.data);
            json!({"mediaType": l.media_type, "digest": d, "size": s})
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": layers,
    });
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let (md, ms) = put_blob(layout, &manifest);
    json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
           "platform": {"architecture": spec.arch, "os": "linux"}})
}

/// Writes `index.json` and `oci-layout` listing the given descriptors.
pub fn put_index(layout: &Path, manifests: Vec<serde_json::Value>) {
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec_pretty(&index).unwrap(),
    )
    .unwrap();
    std::fs::write(layout.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// Writes a complete single-image OCI layout tagged `tag`.
pub fn oci_layout(layout: &Path, spec: &ImageSpec, tag: &str) {
    let mut desc = put_image(layout, spec);
    desc["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
    put_index(layout, vec![desc]);
}

/// Packs a directory tree (an OCI layout) into a tar file, paths relative to the directory.
pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.follow_symlinks(false);
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

/// Writes a Docker 25+ style `docker save` archive (OCI blobs plus `manifest.json`).
pub fn docker_archive_oci(out: &Path, spec: &ImageSpec, repo_tag: &str) {
    let tmp = out.with_extension("d");
    std::fs::create_dir_all(&tmp).unwrap();
    // Docker stores uncompressed layers.
    let layers: Vec<Blob> = spec
        .layers
        .iter()
        .map(|l| Blob {
            data: l.data.clone(),
            ..l.clone()
        })
        .collect();
    let desc = put_image(
        &tmp,
        &ImageSpec {
            layers: layers.clone(),
            ..spec.clone()
        },
    );
    put_index(&tmp, vec![desc.clone()]);
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            tmp.join("blobs/sha256")
                .join(&desc["digest"].as_str().unwrap()[7..]),
        )
        .unwrap(),
    )
    .unwrap();
    let entry = json!([{
        "Config": format!("blobs/sha256/{}", &manifest["config"]["digest"].as_str().unwrap()[7..]),
        "RepoTags": [repo_tag],
        "Layers": manifest["layers"].as_array().unwrap().iter()
            .map(|l| format!("blobs/sha256/{}", &l["digest"].as_str().unwrap()[7..])).collect::<Vec<_>>(),
    }]);
    std::fs::write(tmp.join("manifest.json"), serde_json::to_vec(&entry).unwrap()).unwrap();
    tar_dir(&tmp, out);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The Python of the test venv with the official validators (`$RENSA_TEST_VENV`, else the workspace's
/// `.cache/test-venv`, as `scripts/setup-test-deps.sh` makes it). Panics (never skips) when it is missing.
pub fn venv_python() -> std::path::PathBuf {
    let venv = std::env::var_os("RENSA_TEST_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/test-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-test-deps.sh (as root) or set RENSA_TEST_VENV to a venv with \
         cyclonedx-python-lib[json-validation], spdx-tools and jsonschema",
        python.display()
    );
    python
}

/// Runs `script` with [`venv_python`], `args` after it and `input` on stdin; returns (success, stdout and
/// stderr).
pub fn run_python<S: AsRef<std::ffi::OsStr>>(script: &str, args: &[S], input: &str) -> (bool, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(venv_python())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A [`run_python`] script: validates the JSON on stdin against the JSON schema at argv[1] (with format
/// checks); prints `valid` or each error (and fails).
pub const JSON_SCHEMA_CHECK: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(json.load(sys.stdin)), key=str)
for e in errors:
    print(list(e.absolute_path), e.message)
if errors:
    sys.exit(1)
print("valid")
"#;

/// The errors of validating the SARIF (or any JSON) `text` against the schema file `schema`, or None when
/// it is valid.
pub fn sarif_errors(schema: &std::path::Path, text: &str) -> Option<String> {
    let (ok, out) = run_python(JSON_SCHEMA_CHECK, &[schema], text);
    (!(ok && out.trim() == "valid")).then_some(out)
}

/// A [`run_python`] script: validates the CycloneDX 1.6 JSON on stdin with cyclonedx-python-lib's strict
/// validator; prints `valid` or the error (and fails).
pub const CYCLONEDX_CHECK: &str = r#"
import sys
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())
if error is not None:
    print(error)
    sys.exit(1)
print("valid")
"#;
