//! Whole-catalog behaviour across detectors: OS-owned files are not reported again as language packages,
//! also when the OS database records them through a linked directory (merged /usr).

use std::path::Path;

use rensa_catalog::{CatalogInterest, Ecosystem, detector};
use rensa_oci::walk::{Budget, Limits, WalkContext, index_directory};
use rensa_oci::{FileTree, Image, SourceKind};

fn write(root: &Path, path: &str, content: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn catalog(root: &Path) -> rensa_catalog::Sbom {
    let detectors = detector::all();
    let interest = CatalogInterest::new(&detectors);
    let budget = Budget::default();
    let ctx = WalkContext {
        location: "test",
        layer: "0".into(),
        limits: Limits::default(),
        budget: &budget,
        progress: None,
    };
    let tree = FileTree::from_layers(vec![index_directory(root, &interest, &ctx).unwrap()]);
    let image = Image {
        name: "test".into(),
        kind: SourceKind::Rootfs,
        manifest_digest: None,
        config_digest: None,
        tags: vec![],
        config: Default::default(),
        layers: vec![],
    };
    rensa_catalog::catalog_tree(&tree, &image, &detectors).unwrap()
}

const STATUS: &str = "Package: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\nSource: six\n\n";
const METADATA: &str = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n";

#[test]
fn os_owned_python_metadata_is_not_reported_twice() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    write(root, "/var/lib/dpkg/status", STATUS);
    // dpkg recorded the file under /lib; on merged-/usr it lives under /usr/lib.
    write(
        root,
        "/var/lib/dpkg/info/python3-six.list",
        "/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n",
    );
    write(
        root,
        "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
        METADATA,
    );
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    // The same distribution installed by pip elsewhere is not owned by dpkg and is reported.
    write(
        root,
        "/usr/local/lib/python3.11/dist-packages/six-1.16.0.dist-info/METADATA",
        METADATA,
    );
    let sbom = catalog(root);
    let got: Vec<(Ecosystem, &str, &str, &str)> = sbom
        .packages
        .iter()
        .map(|p| {
            (
                p.ecosystem,
                p.name.as_str(),
                p.version.as_str(),
                p.location.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Ecosystem::Deb, "python3-six", "1.16.0-4", "/var/lib/dpkg/status"),
            (
                Ecosystem::Pypi,
                "six",
                "1.16.0",
                "/usr/local/lib/python3.11/dist-packages/six-1.16.0.dist-info/METADATA"
            ),
        ]
    );
}
