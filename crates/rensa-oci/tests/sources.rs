//! End-to-end tests of the local image sources and the layer walk: tag and platform selection, every
//! layer compression, whiteouts, archives (including a real `skopeo`-made docker-archive), the layer cache,
//! and every kind of bad input.

use std::path::Path;

use rensa_oci::{
    Error, FileTree, ImageRef, Interest, LayerCache, Limits, OpenOptions, Platform, ReadOptions, Want,
};
use rensa_testkit::{self as kit, E, ImageSpec, file};
use serde_json::json;

/// Keeps the content of every file under /etc and /var/lib.
struct Etc;
impl Interest for Etc {
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if path.starts_with("/etc/") || path.starts_with("/var/lib/") {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn cache_key(&self) -> String {
        "etc-v1".into()
    }
}

fn read(reference: &str) -> Result<FileTree, Error> {
    read_with(reference, &OpenOptions::default(), &ReadOptions::default())
}

fn read_with(reference: &str, open: &OpenOptions, opts: &ReadOptions<'_>) -> Result<FileTree, Error> {
    let r = ImageRef::parse(reference)?;
    let src = rensa_oci::open(&r, open)?;
    rensa_oci::read_tree(src.as_ref(), &Etc, opts)
}

fn text(t: &FileTree, p: &str) -> Option<String> {
    t.read(p).map(|b| String::from_utf8_lossy(b).into_owned())
}

fn two_layer_spec() -> ImageSpec {
    two_layer_spec_with(kit::zstd_layer)
}

fn two_layer_spec_with(top_layer: fn(&[E]) -> kit::Blob) -> ImageSpec {
    let base = kit::gz_layer(&[
        E::Dir("etc"),
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        file("etc/deleted", "x"),
        E::Dir("var/lib/dpkg"),
        file("var/lib/dpkg/status", "Package: a\n"),
        E::Dir("opt/old"),
        file("opt/old/f", "1"),
        file("etc/shadow-dir/keep", "k"),
    ]);
    let top = top_layer(&[
        file("etc/.wh.deleted", ""),
        file("var/lib/dpkg/status", "Package: a\n\nPackage: b\n"),
        file("etc/shadow-dir/.wh..wh..opq", ""),
        file("etc/shadow-dir/new", "n"),
        E::Symlink("etc/link", "../etc/os-release"),
        E::Hardlink("etc/hard", "etc/os-release"),
    ]);
    ImageSpec::new(vec![base, top])
}

#[test]
fn oci_layout_with_whiteouts_and_both_compressions() {
    let dir = tempfile::tempdir().unwrap();
    kit::oci_layout(dir.path(), &two_layer_spec(), "v1");
    let t = read(&format!("oci:{}:v1", dir.path().display())).unwrap();
    assert_eq!(
        text(&t, "/etc/os-release").as_deref(),
        Some("ID=debian\nVERSION_ID=\"12\"\n")
    );
    assert_eq!(t.get("/etc/deleted"), None);
    assert_eq!(
        text(&t, "/var/lib/dpkg/status").as_deref(),
        Some("Package: a\n\nPackage: b\n")
    );
    let status = t.get("/var/lib/dpkg/status").unwrap();
    assert_eq!(status.layer, 1);
    assert_eq!(status.history, vec![(0, b"Package: a\n".to_vec())]);
    assert_eq!(t.get("/etc/shadow-dir/keep"), None);
    assert_eq!(text(&t, "/etc/shadow-dir/new").as_deref(), Some("n"));
    assert_eq!(
        text(&t, "/etc/link").as_deref(),
        Some("ID=debian\nVERSION_ID=\"12\"\n")
    );
    assert_eq!(
        text(&t, "/etc/hard").as_deref(),
        Some("ID=debian\nVERSION_ID=\"12\"\n")
    );
    // Content outside the interest is not kept, but the file is known.
    assert_eq!(t.get("/opt/old/f").unwrap().content, None);
    // A bare path to a layout directory is detected.
    let t2 = read(&dir.path().display().to_string()).unwrap();
    assert_eq!(t2.len(), t.len());
}

#[test]
fn tag_selection() {
    let dir = tempfile::tempdir().unwrap();
    let a = kit::put_image(
        dir.path(),
        &ImageSpec::new(vec![kit::tar_layer(&[file("etc/which", "a")])]),
    );
    let b = kit::put_image(
        dir.path(),
        &ImageSpec::new(vec![kit::tar_layer(&[file("etc/which", "b")])]),
    );
    let tag = |mut d: serde_json::Value, t: &str| {
        d["annotations"] = json!({"org.opencontainers.image.ref.name": t});
        d
    };
    kit::put_index(dir.path(), vec![tag(a, "a"), tag(b, "b")]);
    let p = dir.path().display();
    assert_eq!(
        text(&read(&format!("oci:{p}:a")).unwrap(), "/etc/which").as_deref(),
        Some("a")
    );
    assert_eq!(
        text(&read(&format!("oci:{p}:b")).unwrap(), "/etc/which").as_deref(),
        Some("b")
    );
    let err = read(&format!("oci:{p}:c")).unwrap_err().to_string();
    assert!(
        err.contains("no image tagged \"c\"") && err.contains("a, b"),
        "{err}"
    );
    let err = read(&format!("oci:{p}")).unwrap_err().to_string();
    assert!(err.contains("several images; choose one with :TAG"), "{err}");
}

#[test]
fn platform_selection_from_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let amd = kit::put_image(
        dir.path(),
        &ImageSpec::new(vec![kit::gz_layer(&[file("etc/arch", "amd64")])]),
    );
    let mut arm_spec = ImageSpec::new(vec![kit::gz_layer(&[file("etc/arch", "arm64")])]);
    arm_spec.arch = "arm64";
    let mut arm = kit::put_image(dir.path(), &arm_spec);
    arm["platform"]["variant"] = json!("v8");
    // A nested index (as registries serve multi-platform images) tagged in index.json.
    let inner = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm, amd]});
    let inner = serde_json::to_vec(&inner).unwrap();
    let (d, s) = kit::put_blob(dir.path(), &inner);
    kit::put_index(
        dir.path(),
        vec![
            json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": s,
                    "annotations": {"org.opencontainers.image.ref.name": "multi"}}),
        ],
    );
    let r = format!("oci:{}:multi", dir.path().display());
    assert_eq!(text(&read(&r).unwrap(), "/etc/arch").as_deref(), Some("amd64"));
    let arm = OpenOptions {
        platform: Platform::parse("linux/arm64").unwrap(),
        ..Default::default()
    };
    assert_eq!(
        text(
            &read_with(&r, &arm, &ReadOptions::default()).unwrap(),
            "/etc/arch"
        )
        .as_deref(),
        Some("arm64")
    );
    let s390 = OpenOptions {
        platform: Platform::parse("linux/s390x").unwrap(),
        ..Default::default()
    };
    let err = read_with(&r, &s390, &ReadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no image for platform linux/s390x") && err.contains("linux/arm64/v8"),
        "{err}"
    );
}

#[test]
fn oci_archive_and_docker_archive_oci_form() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    kit::oci_layout(&layout, &two_layer_spec(), "v1");
    let archive = dir.path().join("image.tar");
    kit::tar_dir(&layout, &archive);
    let t = read(&format!("oci-archive:{}:v1", archive.display())).unwrap();
    assert_eq!(
        text(&t, "/var/lib/dpkg/status").as_deref(),
        Some("Package: a\n\nPackage: b\n")
    );
    // Bare path detection: a tar with index.json and no manifest.json is an OCI archive.
    assert!(matches!(
        ImageRef::parse(&archive.display().to_string()).unwrap(),
        ImageRef::OciArchive { .. }
    ));

    let docker = dir.path().join("docker.tar");
    kit::docker_archive_oci(&docker, &two_layer_spec(), "example/app:1.0");
    assert!(matches!(
        ImageRef::parse(&docker.display().to_string()).unwrap(),
        ImageRef::DockerArchive { .. }
    ));
    let t = read(&format!("docker-archive:{}", docker.display())).unwrap();
    assert_eq!(text(&t, "/etc/shadow-dir/new").as_deref(), Some("n"));
    let src = rensa_oci::open(
        &ImageRef::parse(&docker.display().to_string()).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(src.image().tags, vec!["example/app:1.0".to_string()]);
    assert_eq!(src.image().layers.len(), 2);
}

fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A classic `docker save` archive written by the real skopeo must read the same as the OCI layout it came from.
#[test]
fn docker_archive_made_by_skopeo() {
    assert!(
        have("skopeo"),
        "skopeo is missing: run scripts/setup-test-deps.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    // Docker images cannot hold zstd layers, so both are gzip here.
    kit::oci_layout(&layout, &two_layer_spec_with(kit::gz_layer), "v1");
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
    let out = dir.path().join("saved.tar");
    let st = std::process::Command::new("skopeo")
        .args(["--policy", policy.to_str().unwrap(), "copy", "--quiet"])
        .arg(format!("oci:{}:v1", layout.display()))
        .arg(format!("docker-archive:{}:example/app:v1", out.display()))
        .status()
        .unwrap();
    assert!(st.success());
    let from_layout = read(&format!("oci:{}:v1", layout.display())).unwrap();
    let from_archive = read(&out.display().to_string()).unwrap();
    let files = |t: &FileTree| -> Vec<(String, Option<Vec<u8>>)> {
        t.iter()
            .map(|(p, n)| (p.to_string(), n.content.clone()))
            .collect()
    };
    assert_eq!(files(&from_archive), files(&from_layout));
    let src = rensa_oci::open(
        &ImageRef::parse(&out.display().to_string()).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    // skopeo records the fully qualified name.
    assert_eq!(src.image().tags, vec!["docker.io/example/app:v1".to_string()]);
}

#[test]
fn rootfs_directory_never_follows_links() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=alpine\n").unwrap();
    std::fs::write(dir.path().join("secret"), "outside").unwrap();
    std::os::unix::fs::symlink("../../secret", root.join("etc/escape")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret"), root.join("etc/abs")).unwrap();
    let t = read(&format!("dir:{}", root.display())).unwrap();
    assert_eq!(text(&t, "/etc/os-release").as_deref(), Some("ID=alpine\n"));
    assert_eq!(t.read("/etc/escape"), None);
    assert_eq!(t.read("/etc/abs"), None);
}

#[test]
fn layer_cache_is_used_on_the_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    kit::oci_layout(&layout, &two_layer_spec(), "v1");
    let cache = dir.path().join("cache");
    let opts = ReadOptions {
        cache: Some(LayerCache::new(&cache)),
        ..Default::default()
    };
    let r = format!("oci:{}:v1", layout.display());
    let first = read_with(&r, &OpenOptions::default(), &opts).unwrap();
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);
    // With the layer blobs gone, only the cache can answer.
    let manifest = ImageRef::parse(&r).unwrap();
    let src = rensa_oci::open(&manifest, &OpenOptions::default()).unwrap();
    for l in &src.image().layers {
        std::fs::remove_file(layout.join("blobs/sha256").join(l.digest.as_ref().unwrap().hex())).unwrap();
    }
    let second = read_with(&r, &OpenOptions::default(), &opts).unwrap();
    assert_eq!(
        text(&second, "/var/lib/dpkg/status"),
        text(&first, "/var/lib/dpkg/status")
    );
    assert!(matches!(read(&r), Err(Error::MissingBlob { .. })));
}

// ---- bad input ----

fn layout_with_blob(dir: &Path, blob: kit::Blob) -> String {
    kit::oci_layout(dir, &ImageSpec::new(vec![blob]), "t");
    format!("oci:{}:t", dir.display())
}

#[test]
fn truncated_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let mut blob = kit::gz_layer(&[file("etc/a", vec![7u8; 100_000])]);
    let n = blob.data.len();
    blob.data.truncate(n / 2);
    let r = layout_with_blob(dir.path(), blob);
    let err = read(&r).unwrap_err();
    assert!(matches!(err, Error::Layer { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn corrupt_tar_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = kit::layer(&[file("etc/a", "hello"), file("etc/b", "world")]);
    tar[148..156].copy_from_slice(b"garbage!"); // checksum field of the first header
    let blob = kit::Blob {
        diff_id: kit::sha256(&tar),
        data: kit::gzip(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    let err = read(&layout_with_blob(dir.path(), blob)).unwrap_err();
    assert!(
        matches!(err, Error::Layer { .. }) && err.to_string().contains("corrupt tar"),
        "{err}"
    );
}

#[test]
fn blob_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout_with_blob(dir.path(), kit::tar_layer(&[file("etc/a", "hello")]));
    // Tamper with the layer blob in place (same size).
    let src = rensa_oci::open(&ImageRef::parse(&r).unwrap(), &OpenOptions::default()).unwrap();
    let path = dir
        .path()
        .join("blobs/sha256")
        .join(src.image().layers[0].digest.as_ref().unwrap().hex());
    let mut data = std::fs::read(&path).unwrap();
    let i = data.windows(5).position(|w| w == b"hello").unwrap();
    data[i] = b'j';
    std::fs::write(&path, data).unwrap();
    let err = read(&r).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
}

#[test]
fn missing_blob_and_unknown_media_type() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout_with_blob(dir.path(), kit::tar_layer(&[file("etc/a", "x")]));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let mdigest = index["manifests"][0]["digest"].as_str().unwrap().to_string();
    let mpath = dir.path().join("blobs/sha256").join(&mdigest[7..]);
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    // Unknown layer media type.
    let mut m2 = manifest.clone();
    m2["layers"][0]["mediaType"] = json!("application/vnd.example.weird");
    let d2 = kit::put_blob(dir.path(), &serde_json::to_vec(&m2).unwrap());
    kit::put_index(
        dir.path(),
        vec![
            json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d2.0, "size": d2.1,
        "annotations": {"org.opencontainers.image.ref.name": "t"}}),
        ],
    );
    let err = read(&r).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedMediaType { ref media_type, .. } if media_type == "application/vnd.example.weird"),
        "{err:?}"
    );
    // Unknown manifest media type.
    kit::put_index(
        dir.path(),
        vec![
            json!({"mediaType": "application/vnd.example.manifest", "digest": mdigest, "size": 1,
        "annotations": {"org.opencontainers.image.ref.name": "t"}}),
        ],
    );
    assert!(matches!(
        read(&r),
        Err(Error::UnsupportedMediaType { .. }) | Err(Error::DigestMismatch { .. })
    ));
    // Missing layer blob.
    kit::put_index(
        dir.path(),
        vec![
            json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
        "size": std::fs::metadata(&mpath).unwrap().len(), "annotations": {"org.opencontainers.image.ref.name": "t"}}),
        ],
    );
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    std::fs::remove_file(dir.path().join("blobs/sha256").join(&layer[7..])).unwrap();
    let err = read(&r).unwrap_err();
    assert!(
        matches!(err, Error::MissingBlob { .. }) && err.to_string().contains(layer),
        "{err}"
    );
}

#[test]
fn hostile_entry_names() {
    for (name, why) in [
        ("../../etc/passwd", "'..'"),
        ("/etc/passwd", "absolute"),
        ("etc/../../x", "'..'"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let r = layout_with_blob(dir.path(), kit::gz_layer(&[E::RawName(name, b"x".to_vec())]));
        let err = read(&r).unwrap_err();
        assert!(matches!(err, Error::UnsafePath { .. }), "{name}: {err:?}");
        assert!(
            err.to_string().contains(name) && err.to_string().contains(why),
            "{err}"
        );
    }
}

#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let r = layout_with_blob(
        dir.path(),
        kit::gz_layer(&[E::Symlink("etc/a", "b"), E::Symlink("etc/b", "/etc/a")]),
    );
    let t = read(&r).unwrap();
    assert!(matches!(t.resolve("/etc/a"), Err(Error::SymlinkLoop { .. })));
    assert_eq!(t.read("/etc/a"), None);
}

#[test]
fn decompression_bomb_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros compress to about 64 KiB.
    let blob = kit::gz_layer(&[file("etc/bomb", vec![0u8; 64 << 20])]);
    assert!(blob.data.len() < 200_000);
    let r = layout_with_blob(dir.path(), blob);
    let opts = ReadOptions {
        limits: Limits {
            max_expanded_bytes: 8 << 20,
            ..Limits::default()
        },
        ..Default::default()
    };
    let err = read_with(&r, &OpenOptions::default(), &opts).unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit, .. } if limit == 8 << 20),
        "{err:?}"
    );
}
