//! End-to-end runs of the `rensa` binary: output on a good image, and for every kind of bad input exit code 2,
//! a message naming the file and the problem, and no output file written.

use std::path::Path;
use std::process::{Command, Output};

use rensa_testkit::{self as kit, E, ImageSpec, file};

fn rensa(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

fn debian_layers() -> Vec<kit::Blob> {
    vec![kit::gz_layer(&[
        file(
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        ),
        file("etc/debian_version", "12.8\n"),
    ])]
}

#[test]
fn json_output_describes_the_image() {
    let dir = tempfile::tempdir().unwrap();
    kit::oci_layout(&dir.path().join("img"), &ImageSpec::new(debian_layers()), "1.0");
    let out = rensa(
        &[
            "sbom",
            &format!("oci:{}:1.0", dir.path().join("img").display()),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["distro"]["id"], "debian");
    assert_eq!(v["distro"]["version_id"], "12");
    assert_eq!(v["distro"]["codename"], "bookworm");
    assert_eq!(v["image"]["platform"], "linux/amd64");
    assert_eq!(v["image"]["tags"][0], "1.0");
    assert_eq!(
        v["image"]["layers"][0]["diff_id"].as_str().unwrap(),
        debian_layers()[0].diff_id
    );
    // The second run (from the layer cache) gives the same bytes.
    let again = rensa(
        &[
            "sbom",
            &format!("oci:{}:1.0", dir.path().join("img").display()),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(again.stdout, out.stdout);
}

/// Runs `rensa sbom REF -o OUT` and checks exit code 2, the message, and that OUT was not written.
fn assert_bad(reference: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.json");
    let mut args = vec![
        "sbom",
        reference,
        "--format",
        "json",
        "-o",
        out_file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = rensa(&args, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{reference}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{reference}: expected {n:?} in {stderr:?}");
    }
    assert!(
        !out_file.exists(),
        "{reference}: output written despite the error"
    );
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != "rensa")
            .count(),
        0
    );
}

fn layout(dir: &Path, blob: kit::Blob) -> String {
    kit::oci_layout(dir, &ImageSpec::new(vec![blob]), "t");
    format!("oci:{}:t", dir.display())
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    let mut trunc = kit::gz_layer(&[file("etc/a", vec![1u8; 200_000])]);
    let n = trunc.data.len() / 2;
    trunc.data.truncate(n);
    assert_bad(&layout(&root.join("trunc"), trunc), &[], &["trunc", "truncated"]);

    let mut tar = kit::layer(&[file("etc/a", "x")]);
    tar[100..108].copy_from_slice(b"zzzzzzzz"); // mode field: not octal
    let corrupt = kit::Blob {
        diff_id: kit::sha256(&tar),
        data: kit::gzip(&tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    assert_bad(
        &layout(&root.join("corrupt"), corrupt),
        &[],
        &["corrupt", "corrupt tar"],
    );

    assert_bad(
        &layout(
            &root.join("dotdot"),
            kit::gz_layer(&[E::RawName("../../x", b"x".to_vec())]),
        ),
        &[],
        &["dotdot", "unsafe entry name \"../../x\""],
    );
    assert_bad(
        &layout(
            &root.join("abs"),
            kit::gz_layer(&[E::RawName("/etc/x", b"x".to_vec())]),
        ),
        &[],
        &["abs", "absolute path"],
    );

    let looped = kit::gz_layer(&[
        E::Symlink("etc/os-release", "/usr/lib/os-release"),
        E::Symlink("usr/lib/os-release", "../../etc/os-release"),
    ]);
    assert_bad(
        &layout(&root.join("loop"), looped),
        &[],
        &["/etc/os-release", "too many levels of symbolic links"],
    );

    let bomb = kit::gz_layer(&[file("etc/bomb", vec![0u8; 32 << 20])]);
    assert_bad(
        &layout(&root.join("bomb"), bomb),
        &["--max-expanded-bytes", "1000000"],
        &["bomb", "limit of 1000000 bytes"],
    );

    // Digest mismatch: a layer blob altered in place.
    let r = layout(&root.join("mismatch"), kit::tar_layer(&[file("etc/a", "hello")]));
    let blobs = root.join("mismatch/blobs/sha256");
    for e in std::fs::read_dir(&blobs).unwrap() {
        let p = e.unwrap().path();
        let mut d = std::fs::read(&p).unwrap();
        if let Some(i) = d.windows(5).position(|w| w == b"hello") {
            d[i] = b'J';
            std::fs::write(&p, d).unwrap();
        }
    }
    assert_bad(&r, &[], &["mismatch", "digest mismatch"]);

    // Missing blob.
    let r = layout(&root.join("missing"), kit::tar_layer(&[file("etc/a", "x")]));
    let layer_blob = kit::sha256(&kit::layer(&[file("etc/a", "x")]));
    std::fs::remove_file(root.join("missing/blobs/sha256").join(&layer_blob[7..])).unwrap();
    assert_bad(&r, &[], &["missing", &layer_blob, "is missing"]);

    // Malformed index.json.
    let r = layout(&root.join("badjson"), kit::tar_layer(&[file("etc/a", "x")]));
    std::fs::write(root.join("badjson/index.json"), "{\"manifests\": [").unwrap();
    assert_bad(&r, &[], &["badjson/index.json", "invalid JSON"]);

    // Unknown manifest media type.
    let r = layout(&root.join("mediatype"), kit::tar_layer(&[file("etc/a", "x")]));
    let idx = std::fs::read_to_string(root.join("mediatype/index.json")).unwrap();
    std::fs::write(
        root.join("mediatype/index.json"),
        idx.replace(
            "application/vnd.oci.image.manifest.v1+json",
            "application/x-unknown",
        ),
    )
    .unwrap();
    assert_bad(
        &r,
        &[],
        &["mediatype", "unsupported media type \"application/x-unknown\""],
    );

    // Not an image at all, and a path that does not exist.
    std::fs::write(root.join("plain.tar"), kit::layer(&[file("hello", "x")])).unwrap();
    assert_bad(
        &root.join("plain.tar").display().to_string(),
        &[],
        &["plain.tar", "not an image"],
    );
    assert_bad("oci:/nonexistent/layout", &[], &["/nonexistent/layout"]);
    assert_bad("INVALID//ref", &[], &["invalid image reference"]);
}

#[test]
fn corrupt_rpm_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=rhel\nVERSION_ID=\"9.4\"\n").unwrap();
    std::fs::write(
        root.join("var/lib/rpm/rpmdb.sqlite"),
        b"SQLite format 3\0this is not a database",
    )
    .unwrap();
    assert_bad(
        &format!("dir:{}", root.display()),
        &[],
        &["/var/lib/rpm/rpmdb.sqlite"],
    );
}
