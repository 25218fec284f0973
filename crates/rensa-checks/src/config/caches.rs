//! `package-manager-cache`: downloaded packages and index files left in the image, with their size.

use rensa_oci::{EntryKind, FileTree};

use crate::config::Out;

/// Which files of a cache directory count, by file name.
type Filter = fn(&str) -> bool;

/// (directory, what it is, file name filter).
const CACHES: &[(&str, &str, Filter)] = &[
    ("/var/cache/apt/archives", "apt downloaded packages", |n| {
        n.ends_with(".deb")
    }),
    ("/var/cache/apt", "apt package cache", |n| n.ends_with(".bin")),
    ("/var/lib/apt/lists", "apt package lists", |n| n != "lock"),
    ("/var/cache/apk", "apk cache", |_| true),
    ("/var/cache/yum", "yum cache", |_| true),
    ("/var/cache/dnf", "dnf cache", |_| true),
    ("/var/cache/zypp", "zypper cache", |_| true),
    ("/root/.cache/pip", "pip cache", |_| true),
    ("/root/.npm/_cacache", "npm cache", |_| true),
    ("/usr/local/share/.cache/yarn", "yarn cache", |_| true),
];

pub(crate) fn check(tree: &FileTree, out: &mut Out) {
    for (dir, what, keep) in CACHES {
        let mut files = 0u64;
        let mut bytes = 0u64;
        let mut layer = 0usize;
        for (path, node) in tree.below(dir) {
            if node.kind != EntryKind::File {
                continue;
            }
            let rel = &path[dir.len() + 1..];
            // /var/cache/apt's own check looks only at its top level (archives is separate).
            if *dir == "/var/cache/apt" && rel.contains('/') {
                continue;
            }
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if !keep(name) {
                continue;
            }
            files += 1;
            bytes += node.size;
            layer = layer.max(node.layer);
        }
        if files > 0 && bytes > 0 {
            out.finding(
                "package-manager-cache",
                format!("{dir}: {what}, {files} files, {bytes} bytes"),
                Some(dir),
                Some(layer),
            );
        }
    }
}
