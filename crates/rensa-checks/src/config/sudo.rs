//! `sudo-nopasswd`: NOPASSWD in /etc/sudoers and the files it includes.
//!
//! Follows sudoers(5): `#include FILE` / `@include FILE` and `#includedir DIR` / `@includedir DIR`
//! (files of DIR in lexical order, skipping names that end in `~` or contain a `.`), line
//! continuations with `\`, and `#` comments (a `#include`/`#includedir` is a directive, not a comment).

use rensa_oci::FileTree;

use crate::config::{Out, at, dir_files, read_text};

const MAX_DEPTH: usize = 8;

pub(crate) fn check(tree: &FileTree, out: &mut Out) {
    let mut seen = std::collections::BTreeSet::new();
    file(tree, "/etc/sudoers", 0, &mut seen, out);
}

fn file(
    tree: &FileTree,
    path: &str,
    depth: usize,
    seen: &mut std::collections::BTreeSet<String>,
    out: &mut Out,
) {
    if depth > MAX_DEPTH || !seen.insert(path.to_string()) {
        return;
    }
    let Some(f) = read_text(tree, path, out) else {
        return;
    };
    let dir = f.path.rsplit_once('/').map_or("/etc", |(d, _)| d).to_string();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in f.text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = std::mem::take(&mut logical);
        let l = line.trim();
        let words: Vec<&str> = l.split_whitespace().collect();
        match words.as_slice() {
            ["#includedir" | "@includedir", d, ..] => {
                let d = if d.starts_with('/') {
                    d.to_string()
                } else {
                    format!("{dir}/{d}")
                };
                for p in dir_files(tree, &d) {
                    let base = p.rsplit('/').next().unwrap_or("");
                    if !base.ends_with('~') && !base.contains('.') {
                        file(tree, &p, depth + 1, seen, out);
                    }
                }
                continue;
            }
            ["#include" | "@include", p, ..] => {
                let p = if p.starts_with('/') {
                    p.to_string()
                } else {
                    format!("{dir}/{p}")
                };
                file(tree, &p, depth + 1, seen, out);
                continue;
            }
            _ => {}
        }
        let code = crate::config::strip_comment(l).trim();
        if code.is_empty() || code.starts_with("Defaults") {
            continue;
        }
        if code
            .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
            .any(|w| w == "NOPASSWD:" || w.starts_with("NOPASSWD:"))
        {
            out.finding(
                "sudo-nopasswd",
                at(&f.path, start, code),
                Some(&f.path),
                Some(f.layer),
            );
        }
    }
}
