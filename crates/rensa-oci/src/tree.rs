//! The final filesystem of an image: layers merged with whiteouts applied.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::walk::{EntryKind, LayerIndex};

/// The most symbolic links followed while resolving one path.
pub const MAX_SYMLINKS: usize = 40;

/// A file of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The kind (hard links are resolved to what they point at).
    pub kind: EntryKind,
    /// Permission and special bits.
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes.
    pub size: u64,
    /// The layer (index into the image's layers) that last wrote this path.
    pub layer: usize,
    /// The content, when a walk kept it.
    pub content: Option<Vec<u8>>,
    /// Records derived by inspection.
    pub inspected: Vec<(String, Vec<u8>)>,
    /// Earlier kept contents of this path in lower layers, oldest first: `(layer, content)`.
    pub history: Vec<(usize, Vec<u8>)>,
}

/// The inspection records of a file that a later layer overwrote or deleted. The file is gone from the
/// merged filesystem but its bytes are still in the image (anyone with the image can read its layers), so
/// scanners that look for secrets or malware report it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The path it had.
    pub path: String,
    /// The layer that wrote it.
    pub layer: usize,
    /// Its inspection records.
    pub inspected: Vec<(String, Vec<u8>)>,
}

/// The merged filesystem: every path of the final image, with content for the files that were kept.
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    nodes: BTreeMap<String, Node>,
    warnings: Vec<String>,
    removed: Vec<Removed>,
}

fn child_prefix(dir: &str) -> String {
    if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    }
}

impl FileTree {
    /// Merges layer indexes, base first, applying whiteouts and opaque directories of each layer to the
    /// layers below it.
    pub fn from_layers(layers: Vec<LayerIndex>) -> Self {
        let mut tree = FileTree::default();
        for (i, layer) in layers.into_iter().enumerate() {
            tree.apply(i, layer);
        }
        tree
    }

    fn remove_below(&mut self, dir: &str) {
        let prefix = child_prefix(dir);
        let keys: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.remove(&k);
        }
    }

    /// Removes one path, keeping its inspection records in [`FileTree::removed`].
    fn remove(&mut self, path: &str) -> Option<Node> {
        let mut node = self.nodes.remove(path)?;
        if !node.inspected.is_empty() && node.kind == EntryKind::File {
            self.removed.push(Removed {
                path: path.to_string(),
                layer: node.layer,
                inspected: std::mem::take(&mut node.inspected),
            });
        }
        Some(node)
    }

    fn apply(&mut self, layer: usize, index: LayerIndex) {
        for dir in &index.opaque_dirs {
            self.remove_below(dir);
        }
        for path in &index.whiteouts {
            self.remove(path);
            self.remove_below(path);
        }
        self.warnings.extend(index.warnings);
        for entry in index.entries {
            let mut node = Node {
                kind: entry.kind,
                mode: entry.mode,
                uid: entry.uid,
                gid: entry.gid,
                size: entry.size,
                layer,
                content: entry.content,
                inspected: entry.inspected,
                history: Vec::new(),
            };
            if let EntryKind::Hardlink(target) = &node.kind {
                match self.nodes.get(target) {
                    Some(t) if t.kind == EntryKind::File => {
                        node.kind = EntryKind::File;
                        node.size = t.size;
                        if node.content.is_none() {
                            node.content = t.content.clone();
                        }
                        if node.inspected.is_empty() {
                            node.inspected = t.inspected.clone();
                        }
                    }
                    _ => {
                        self.warnings
                            .push(format!("{}: hard link to missing {target}", entry.path));
                    }
                }
            }
            match self.nodes.get_mut(&entry.path) {
                Some(old) if old.kind == EntryKind::Dir && node.kind == EntryKind::Dir => {
                    // A directory re-stated by a later layer keeps its children.
                    old.mode = node.mode;
                    old.uid = node.uid;
                    old.gid = node.gid;
                    old.layer = layer;
                    continue;
                }
                Some(old) if old.kind == EntryKind::Dir => self.remove_below(&entry.path),
                Some(old) => {
                    node.history = std::mem::take(&mut old.history);
                    if let Some(c) = old.content.take() {
                        node.history.push((old.layer, c));
                    }
                    if !old.inspected.is_empty() && old.kind == EntryKind::File {
                        self.removed.push(Removed {
                            path: entry.path.clone(),
                            layer: old.layer,
                            inspected: std::mem::take(&mut old.inspected),
                        });
                    }
                }
                None => {}
            }
            self.nodes.insert(entry.path, node);
        }
    }

    /// Inspection records of files that a later layer overwrote or deleted, in the order they went.
    pub fn removed(&self) -> &[Removed] {
        &self.removed
    }

    /// The node at `path` exactly (no link is followed).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// All nodes in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All nodes below directory `dir` (at any depth), in path order.
    pub fn below<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Node)> + 'a {
        let prefix = child_prefix(dir);
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Warnings gathered while merging and walking.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Resolves `path` inside the image, following symbolic links in every component (including the last),
    /// with `..` and absolute targets clamped at the image root: nothing outside the image is ever reached.
    /// Returns the canonical path and its node, `Ok(None)` when it does not exist, or an error on a loop.
    pub fn resolve(&self, path: &str) -> Result<Option<(String, &Node)>> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_string)
            .collect();
        let mut current = String::from("/");
        let mut node: Option<&Node> = self.nodes.get("/");
        let mut links = 0;
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "." => continue,
                ".." => {
                    if let Some((parent, _)) = current.rsplit_once('/') {
                        current = if parent.is_empty() {
                            "/".to_string()
                        } else {
                            parent.to_string()
                        };
                    }
                    node = self.nodes.get(&current);
                    continue;
                }
                _ => {}
            }
            let candidate = if current == "/" {
                format!("/{comp}")
            } else {
                format!("{current}/{comp}")
            };
            let Some(n) = self.nodes.get(&candidate) else {
                // Tar streams may omit parent directories: a missing directory is implied by its children.
                if pending.is_empty() {
                    return Ok(None);
                }
                current = candidate;
                node = None;
                continue;
            };
            if let EntryKind::Symlink(target) = &n.kind {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(Error::SymlinkLoop {
                        path: path.to_string(),
                    });
                }
                if target.starts_with('/') {
                    current = "/".to_string();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|c| !c.is_empty())
                        .rev()
                        .map(str::to_string),
                );
                node = self.nodes.get(&current);
                continue;
            }
            current = candidate;
            node = Some(n);
            if !pending.is_empty() && n.kind != EntryKind::Dir {
                return Ok(None);
            }
        }
        Ok(node.map(|n| (current, n)))
    }

    /// The content of the regular file at `path` (following links inside the image), when it was kept.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        match self.resolve(path) {
            Ok(Some((_, n))) if n.kind == EntryKind::File => n.content.as_deref(),
            _ => None,
        }
    }

    /// Whether a regular file or directory exists at `path` (following links).
    pub fn exists(&self, path: &str) -> bool {
        matches!(self.resolve(path), Ok(Some(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::Entry;

    fn file(path: &str, content: &str) -> Entry {
        Entry::file(path, content)
    }
    fn dir(path: &str) -> Entry {
        Entry::dir(path)
    }
    fn link(path: &str, target: &str) -> Entry {
        Entry::symlink(path, target)
    }

    fn inspected(path: &str, record: &str) -> Entry {
        let mut e = Entry::file(path, "");
        e.content = None;
        e.inspected = vec![("check".into(), record.as_bytes().to_vec())];
        e
    }

    #[test]
    fn inspection_records_of_overwritten_and_deleted_files_are_kept() {
        let l0 = LayerIndex {
            entries: vec![
                dir("/app"),
                inspected("/app/key", "secret-0"),
                inspected("/app/env", "env-0"),
                dir("/app/sub"),
                inspected("/app/sub/x", "x-0"),
                file("/app/plain", "no records"),
            ],
            ..Default::default()
        };
        let l1 = LayerIndex {
            entries: vec![inspected("/app/env", "env-1"), dir("/app/sub")],
            whiteouts: vec!["/app/key".into(), "/app/plain".into()],
            opaque_dirs: vec!["/app/sub".into()],
            ..Default::default()
        };
        let tree = FileTree::from_layers(vec![l0, l1]);
        let removed: Vec<(&str, usize, &[u8])> = tree
            .removed()
            .iter()
            .map(|r| (r.path.as_str(), r.layer, r.inspected[0].1.as_slice()))
            .collect();
        assert_eq!(
            removed,
            [
                ("/app/sub/x", 0, b"x-0".as_slice()),
                ("/app/key", 0, b"secret-0".as_slice()),
                ("/app/env", 0, b"env-0".as_slice()),
            ]
        );
        assert_eq!(tree.get("/app/env").unwrap().inspected[0].1, b"env-1");
    }

    #[test]
    fn whiteouts_and_history() {
        let l0 = LayerIndex {
            entries: vec![
                dir("/etc"),
                file("/etc/a", "1"),
                file("/etc/b", "b"),
                dir("/opt"),
                file("/opt/x/y", "y"),
            ],
            ..Default::default()
        };
        let l1 = LayerIndex {
            entries: vec![file("/etc/a", "2"), file("/opt/z", "z")],
            whiteouts: vec!["/etc/b".into()],
            opaque_dirs: vec!["/opt".into()],
            ..Default::default()
        };
        let t = FileTree::from_layers(vec![l0, l1]);
        assert_eq!(t.read("/etc/a"), Some(&b"2"[..]));
        assert_eq!(t.get("/etc/a").unwrap().history, vec![(0, b"1".to_vec())]);
        assert_eq!(t.get("/etc/a").unwrap().layer, 1);
        assert!(t.get("/etc/b").is_none());
        assert!(t.get("/opt/x/y").is_none());
        assert_eq!(t.read("/opt/z"), Some(&b"z"[..]));
    }

    #[test]
    fn symlinks_stay_inside() {
        let l0 = LayerIndex {
            entries: vec![
                dir("/etc"),
                file("/etc/os-release", "ID=x"),
                link("/usr/lib/os-release", "../../etc/os-release"),
                link("/escape", "../../../../etc/os-release"),
                link("/abs", "/etc"),
                link("/loop1", "/loop2"),
                link("/loop2", "loop1"),
            ],
            ..Default::default()
        };
        let t = FileTree::from_layers(vec![l0]);
        assert_eq!(t.read("/usr/lib/os-release"), Some(&b"ID=x"[..]));
        assert_eq!(t.read("/escape"), Some(&b"ID=x"[..]));
        assert_eq!(t.read("/abs/os-release"), Some(&b"ID=x"[..]));
        assert!(matches!(t.resolve("/loop1"), Err(Error::SymlinkLoop { .. })));
        assert_eq!(t.resolve("/etc/os-release/x").unwrap(), None);
    }
}
