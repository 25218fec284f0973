//! Fuzzes every package detector: the first byte picks a package-database path, the rest is its content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_oci::{EntryKind, FileTree, LayerIndex, walk::Entry};

const PATHS: &[&str] = &[
    "/etc/os-release",
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/pkg",
    "/lib/apk/db/installed",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages",
    "/var/lib/rpm/Packages.db",
    "/usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
    "/usr/lib/python3/site-packages/x.egg-info/PKG-INFO",
    "/app/node_modules/x/package.json",
    "/app/package-lock.json",
    "/app/yarn.lock",
    "/app/Cargo.lock",
    "/usr/local/bundle/specifications/x-1.0.gemspec",
    "/var/www/vendor/composer/installed.json",
    "/app/app.deps.json",
    "/usr/local/bin/app",
    "/opt/app.jar",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else { return };
    let path = PATHS[sel as usize % PATHS.len()];
    let detectors = rensa_catalog::detector::all();
    let interest = rensa_catalog::CatalogInterest::new(&detectors);
    use rensa_oci::Interest;
    let inspected = if interest.accept(path, &content[..content.len().min(4096)]) {
        interest.inspect(path, content)
    } else {
        Vec::new()
    };
    let entry = Entry {
        path: path.to_string(),
        kind: EntryKind::File,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: content.len() as u64,
        content: Some(content.to_vec()),
        inspected,
    };
    let tree = FileTree::from_layers(vec![LayerIndex { entries: vec![entry], ..Default::default() }]);
    let image = rensa_oci::Image {
        name: "fuzz".into(),
        kind: rensa_oci::SourceKind::Rootfs,
        manifest_digest: None,
        config_digest: None,
        tags: vec![],
        config: Default::default(),
        layers: vec![],
    };
    let _ = rensa_catalog::catalog_tree(&tree, &image, &detectors);
});
