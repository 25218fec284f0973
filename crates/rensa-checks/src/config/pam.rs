//! PAM (`/etc/pam.d`) and libpwquality: the password length the password-change stack enforces
//! (`password-min-length`), `nullok` (`insecure-pam-nullok`) and weak pam_unix hashes.
//!
//! The password stack is read from the files distributions route `passwd` through: Debian's
//! `common-password`, Red Hat's `system-auth` and `password-auth`, and `passwd` itself (with its
//! `@include` / `include` / `substack` lines followed one level). The enforced minimum length is the
//! largest of: pam_pwquality / pam_cracklib `minlen=` (else `minlen` in /etc/security/pwquality.conf
//! and pwquality.conf.d/*.conf, last one wins, else libpwquality's default 8 / pam_cracklib's 9),
//! and pam_unix `minlen=` (default 6). Without any PAM password stack, login.defs `PASS_MIN_LEN`
//! (default 5) is used.

use rensa_oci::FileTree;

use crate::config::{Baseline, Out, TextFile, at, dir_files, login_defs, read_text, strip_comment};

const STACK_FILES: &[&str] = &[
    "/etc/pam.d/common-password",
    "/etc/pam.d/system-auth",
    "/etc/pam.d/password-auth",
    "/etc/pam.d/passwd",
];

/// One `password` line of the stack: the module's base name, its arguments and where it is.
struct PamLine {
    module: String,
    args: Vec<String>,
    loc: String,
    path: String,
    layer: usize,
}

fn module_name(m: &str) -> String {
    m.rsplit('/').next().unwrap_or(m).to_string()
}

/// Parses `TYPE CONTROL MODULE ARGS` lines of a pam.d file (a `[...]` control may contain spaces).
fn lines(f: &TextFile, kind: &str) -> Vec<PamLine> {
    let mut v = Vec::new();
    for (i, raw) in f.text.lines().enumerate() {
        let l = strip_comment(raw).trim();
        let l = l.strip_prefix('-').unwrap_or(l);
        let Some(rest) = l.strip_prefix(kind) else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let after_control = if rest.starts_with('[') {
            match rest.find(']') {
                Some(end) => &rest[end + 1..],
                None => continue,
            }
        } else {
            rest.split_once(char::is_whitespace).map_or("", |(_, r)| r)
        };
        let mut words = after_control.split_whitespace();
        let Some(module) = words.next() else { continue };
        v.push(PamLine {
            module: module_name(module),
            args: words.map(str::to_string).collect(),
            loc: at(&f.path, i + 1, raw),
            path: f.path.clone(),
            layer: f.layer,
        });
    }
    v
}

/// Files included by `@include NAME` or `password include|substack NAME`.
fn includes(f: &TextFile) -> Vec<String> {
    let mut v = Vec::new();
    for raw in f.text.lines() {
        let l = strip_comment(raw).trim();
        let words: Vec<&str> = l.split_whitespace().collect();
        match words.as_slice() {
            ["@include", name, ..] => v.push(format!("/etc/pam.d/{name}")),
            ["password", "include" | "substack", name, ..] => v.push(format!("/etc/pam.d/{name}")),
            _ => {}
        }
    }
    v
}

fn stack(tree: &FileTree, out: &mut Out) -> Vec<PamLine> {
    let mut seen = std::collections::BTreeSet::new();
    let mut files: Vec<String> = STACK_FILES.iter().map(|s| s.to_string()).collect();
    let mut v = Vec::new();
    let mut i = 0;
    while i < files.len() {
        let path = files[i].clone();
        i += 1;
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(f) = read_text(tree, &path, out) else {
            continue;
        };
        if i <= STACK_FILES.len() {
            files.extend(includes(&f));
        }
        v.extend(lines(&f, "password"));
    }
    v
}

/// Whether the image has a PAM password stack.
pub(crate) fn password_stack_exists(tree: &FileTree) -> bool {
    STACK_FILES.iter().any(|p| tree.exists(p))
}

fn arg(args: &[String], key: &str) -> Option<String> {
    args.iter()
        .find_map(|a| a.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// `minlen` from pwquality.conf and pwquality.conf.d/*.conf (last wins): (value, location).
fn pwquality_conf(tree: &FileTree, out: &mut Out) -> Option<(u32, String, String, usize)> {
    let mut files = vec!["/etc/security/pwquality.conf".to_string()];
    files.extend(
        dir_files(tree, "/etc/security/pwquality.conf.d")
            .into_iter()
            .filter(|p| p.ends_with(".conf")),
    );
    let mut found = None;
    for path in files {
        let Some(f) = read_text(tree, &path, out) else {
            continue;
        };
        for (i, raw) in f.text.lines().enumerate() {
            let l = strip_comment(raw).trim();
            let Some((k, v)) = l.split_once('=') else {
                continue;
            };
            if k.trim() != "minlen" {
                continue;
            }
            match v.trim().parse::<u32>() {
                Ok(n) => {
                    found = Some((n, at(&f.path, i + 1, raw), f.path.clone(), f.layer));
                }
                Err(_) => {
                    let line = i + 1;
                    out.warn(format!("{}:{line}: minlen is not a number; ignored", f.path));
                }
            }
        }
    }
    found
}

/// `password-min-length`, `insecure-pam-nullok` and pam_unix's weak hash options.
pub(crate) fn check(tree: &FileTree, baseline: &Baseline, out: &mut Out) {
    let stack = stack(tree, out);
    // (enforced length, evidence, path, layer) per module.
    let mut enforced: Vec<(u32, String, String, Option<usize>)> = Vec::new();
    for l in &stack {
        let given = arg(&l.args, "minlen");
        let parsed = given.as_deref().map(str::parse::<u32>);
        if let Some(Err(_)) = parsed {
            out.warn(format!("{}: minlen is not a number; ignored", l.loc));
        }
        let given = parsed.and_then(Result::ok);
        match l.module.as_str() {
            "pam_unix.so" => {
                let (n, why) = match given {
                    Some(n) => (n, l.loc.clone()),
                    None => (6, format!("{} (pam_unix's default minlen is 6)", l.loc)),
                };
                enforced.push((n, why, l.path.clone(), Some(l.layer)));
                if l.args.iter().any(|a| a == "md5" || a == "bigcrypt") {
                    out.finding(
                        "password-hash-weak",
                        format!("{}: pam_unix hashes new passwords with MD5/DES", l.loc),
                        Some(&l.path),
                        Some(l.layer),
                    );
                }
            }
            "pam_pwquality.so" | "pam_cracklib.so" => {
                let default = if l.module == "pam_cracklib.so" { 9 } else { 8 };
                let (n, why, path, layer) = match given {
                    Some(n) => (n, l.loc.clone(), l.path.clone(), Some(l.layer)),
                    None => match pwquality_conf(tree, out).filter(|_| l.module == "pam_pwquality.so") {
                        Some((n, loc, path, layer)) => (n, format!("{}; {loc}", l.loc), path, Some(layer)),
                        None => (
                            default,
                            format!("{} (default minlen {default})", l.loc),
                            l.path.clone(),
                            Some(l.layer),
                        ),
                    },
                };
                enforced.push((n, why, path, layer));
            }
            _ => {}
        }
    }
    if enforced.is_empty() {
        // No PAM password stack: shadow-utils' own PASS_MIN_LEN (default 5).
        if let Some(defs) = login_defs::load(tree, &mut Out::default()) {
            let (n, why) = match defs.number("PASS_MIN_LEN") {
                Some((n, loc)) => (n.max(0) as u32, loc),
                None => (5, format!("{}: PASS_MIN_LEN not set (5)", defs.path)),
            };
            enforced.push((n, why, defs.path.clone(), Some(defs.layer)));
        }
    }
    if let Some(best) = enforced.iter().max_by_key(|e| e.0)
        && best.0 < baseline.password_min_length
    {
        let all: Vec<&str> = enforced.iter().map(|e| e.1.as_str()).collect();
        out.finding(
            "password-min-length",
            format!(
                "passwords of {} characters are accepted ({}); baseline: at least {}",
                best.0,
                all.join("; "),
                baseline.password_min_length
            ),
            Some(&best.2),
            best.3,
        );
    }
    // nullok on any pam_unix line of any service.
    for path in dir_files(tree, "/etc/pam.d") {
        let Some(f) = read_text(tree, &path, out) else {
            continue;
        };
        for kind in ["auth", "account", "password", "session"] {
            for l in lines(&f, kind) {
                if l.module == "pam_unix.so" && l.args.iter().any(|a| a == "nullok" || a == "nullok_secure") {
                    out.finding("insecure-pam-nullok", l.loc.clone(), Some(&l.path), Some(l.layer));
                }
            }
        }
    }
}
