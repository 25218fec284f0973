//! File-permission and account rules: `world-writable-path`, `setuid-binary`,
//! `writable-sensitive-file`, `uid0-non-root`, `duplicate-uid`.

use std::collections::BTreeMap;

use rensa_oci::{EntryKind, FileTree, Image};

use crate::config::{Out, read_text};

/// Docker's PATH for a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const SENSITIVE: &[(&str, bool)] = &[
    // (path, must not be world-readable)
    ("/etc/passwd", false),
    ("/etc/group", false),
    ("/etc/shadow", true),
    ("/etc/gshadow", true),
    ("/etc/sudoers", true),
];

pub(crate) fn check(tree: &FileTree, image: &Image, out: &mut Out) {
    path_dirs(tree, image, out);
    setuid(tree, out);
    sensitive(tree, out);
    accounts(tree, out);
}

fn path_dirs(tree: &FileTree, image: &Image, out: &mut Out) {
    let env_path = image
        .config
        .config
        .as_ref()
        .and_then(|c| c.env.as_ref())
        .and_then(|e| e.iter().rev().find_map(|v| v.strip_prefix("PATH=")))
        .map(str::to_string);
    let (path, from) = match env_path {
        Some(p) => (p, "image Env PATH"),
        None => (DEFAULT_PATH.to_string(), "default PATH"),
    };
    let mut seen = std::collections::BTreeSet::new();
    for dir in path.split(':').filter(|d| d.starts_with('/')) {
        let Ok(Some((canon, node))) = tree.resolve(dir) else {
            continue;
        };
        if node.kind != EntryKind::Dir || !seen.insert(canon.clone()) {
            continue;
        }
        let shown = if canon == dir {
            dir.to_string()
        } else {
            format!("{dir} (-> {canon})")
        };
        let mut problems = Vec::new();
        if node.mode & 0o002 != 0 && node.mode & 0o1000 == 0 {
            problems.push(format!(
                "world-writable without the sticky bit (mode {:04o})",
                node.mode & 0o7777
            ));
        }
        if node.uid != 0 {
            problems.push(format!("owned by uid {}", node.uid));
        }
        if node.mode & 0o020 != 0 && node.gid != 0 {
            problems.push(format!("group-writable by gid {}", node.gid));
        }
        if !problems.is_empty() {
            out.finding(
                "world-writable-path",
                format!("{shown} on the {from}: {}", problems.join(", ")),
                Some(&canon),
                Some(node.layer),
            );
        }
    }
}

fn setuid(tree: &FileTree, out: &mut Out) {
    for (path, node) in tree.iter() {
        if node.kind != EntryKind::File || node.mode & 0o6000 == 0 {
            continue;
        }
        let mut bits = Vec::new();
        if node.mode & 0o4000 != 0 {
            bits.push(format!("setuid (uid {})", node.uid));
        }
        if node.mode & 0o2000 != 0 {
            bits.push(format!("setgid (gid {})", node.gid));
        }
        out.finding(
            "setuid-binary",
            format!("{path}: {}, mode {:04o}", bits.join(", "), node.mode & 0o7777),
            Some(path),
            Some(node.layer),
        );
    }
}

fn sensitive(tree: &FileTree, out: &mut Out) {
    for (path, secret) in SENSITIVE {
        let Some(node) = tree.get(path) else { continue };
        if node.kind != EntryKind::File {
            continue;
        }
        let mut problems = Vec::new();
        if node.mode & 0o002 != 0 {
            problems.push("world-writable");
        }
        if node.mode & 0o020 != 0 && node.gid != 0 {
            problems.push("group-writable by a non-root group");
        }
        if node.uid != 0 {
            problems.push("not owned by root");
        }
        if *secret && node.mode & 0o004 != 0 {
            problems.push("world-readable");
        }
        if !problems.is_empty() {
            out.finding(
                "writable-sensitive-file",
                format!(
                    "{path}: mode {:04o} uid {} gid {}: {}",
                    node.mode & 0o7777,
                    node.uid,
                    node.gid,
                    problems.join(", ")
                ),
                Some(path),
                Some(node.layer),
            );
        }
    }
}

fn accounts(tree: &FileTree, out: &mut Out) {
    let Some(f) = read_text(tree, "/etc/passwd", out) else {
        return;
    };
    let mut by_uid: BTreeMap<u64, Vec<(String, usize)>> = BTreeMap::new();
    for (i, line) in f.text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with('+') || line.starts_with('-') {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        let uid = fields.get(2).and_then(|u| u.parse::<u64>().ok());
        match (fields.len() >= 7, uid) {
            (true, Some(uid)) => by_uid
                .entry(uid)
                .or_default()
                .push((fields[0].to_string(), i + 1)),
            _ => out.warn(format!("{}:{}: not a passwd entry; ignored", f.path, i + 1)),
        }
    }
    for (uid, names) in &by_uid {
        if *uid == 0 {
            for (name, line) in names.iter().filter(|(n, _)| n != "root") {
                out.finding(
                    "uid0-non-root",
                    format!("{}:{line}: account {name} has uid 0", f.path),
                    Some(&f.path),
                    Some(f.layer),
                );
            }
        }
        if names.len() > 1 {
            let list: Vec<String> = names.iter().map(|(n, l)| format!("{n} (line {l})")).collect();
            out.finding(
                "duplicate-uid",
                format!("{}: uid {uid} is shared by {}", f.path, list.join(", ")),
                Some(&f.path),
                Some(f.layer),
            );
        }
    }
}
