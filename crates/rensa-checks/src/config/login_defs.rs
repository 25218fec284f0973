//! `/etc/login.defs` (shadow-utils): password ageing defaults, the default umask and the hash method,
//! and the shadow hashes themselves for `password-hash-weak`.
//!
//! `useradd` copies PASS_MAX_DAYS / PASS_MIN_DAYS / PASS_WARN_AGE into each new account's shadow
//! entry, so login.defs is the baseline every account of the image starts from. As in shadow-utils,
//! the last occurrence of a key wins and an absent key has shadow's built-in default (no expiry, no
//! minimum, no warning, umask 022, DES unless MD5_CRYPT_ENAB).

use std::collections::BTreeMap;

use rensa_oci::FileTree;

use crate::config::{Baseline, Out, at, pam, read_text, strip_comment};

/// Where shadow-utils reads its defaults.
pub const LOGIN_DEFS: &str = "/etc/login.defs";

/// The settings of a login.defs file: key → (value, line, line text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginDefs {
    /// The file.
    pub path: String,
    /// The layer that wrote it.
    pub layer: usize,
    /// Key → (value, 1-based line, line as written); the last occurrence of a key wins.
    pub values: BTreeMap<String, (String, usize, String)>,
}

impl LoginDefs {
    /// Parses login.defs text (`KEY VALUE` lines, `#` comments).
    pub fn parse(path: &str, layer: usize, text: &str) -> LoginDefs {
        let mut values = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let l = strip_comment(line).trim();
            let mut parts = l.splitn(2, char::is_whitespace);
            let (Some(k), v) = (parts.next(), parts.next()) else {
                continue;
            };
            if k.is_empty() {
                continue;
            }
            let v = v.unwrap_or("").trim().trim_matches('"').to_string();
            values.insert(k.to_string(), (v, i + 1, line.trim().to_string()));
        }
        LoginDefs {
            path: path.to_string(),
            layer,
            values,
        }
    }

    /// A numeric value (`-1` for "none"), with its location text.
    pub fn number(&self, key: &str) -> Option<(i64, String)> {
        let (v, line, text) = self.values.get(key)?;
        let n = v.parse::<i64>().ok()?;
        Some((n, at(&self.path, *line, text)))
    }
}

pub(crate) fn load(tree: &FileTree, out: &mut Out) -> Option<LoginDefs> {
    let f = read_text(tree, LOGIN_DEFS, out)?;
    let defs = LoginDefs::parse(&f.path, f.layer, &f.text);
    for key in ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE", "PASS_MIN_LEN"] {
        if let Some((v, line, _)) = defs.values.get(key)
            && v.parse::<i64>().is_err()
        {
            out.warn(format!(
                "{}:{line}: {key} '{v}' is not a number; ignored",
                defs.path
            ));
        }
    }
    Some(defs)
}

/// Ageing, umask and hash-method rules.
pub(crate) fn check(tree: &FileTree, baseline: &Baseline, out: &mut Out) {
    let Some(defs) = load(tree, out) else {
        return;
    };
    let path = defs.path.clone();
    let layer = Some(defs.layer);
    // PASS_MAX_DAYS: absent or negative means passwords never expire.
    let max = defs.number("PASS_MAX_DAYS");
    let too_long = match &max {
        Some((n, _)) => *n < 0 || *n > i64::from(baseline.password_max_age),
        None => true,
    };
    if too_long {
        let what = match &max {
            Some((n, loc)) if *n < 0 || *n >= 99999 => format!("{loc} (passwords never expire)"),
            Some((n, loc)) => format!("{loc} ({n} days)"),
            None => format!("{path}: PASS_MAX_DAYS not set (passwords never expire)"),
        };
        out.finding(
            "password-max-age",
            format!("{what}; baseline: at most {} days", baseline.password_max_age),
            Some(&path),
            layer,
        );
    }
    let min = defs.number("PASS_MIN_DAYS");
    if min.as_ref().map_or(0, |(n, _)| *n) < i64::from(baseline.password_min_age) {
        let what = match &min {
            Some((_, loc)) => loc.clone(),
            None => format!("{path}: PASS_MIN_DAYS not set (0)"),
        };
        out.finding(
            "password-min-age",
            format!("{what}; baseline: at least {} days", baseline.password_min_age),
            Some(&path),
            layer,
        );
    }
    let warn = defs.number("PASS_WARN_AGE");
    if warn.as_ref().map_or(-1, |(n, _)| *n) < i64::from(baseline.password_warn_age) {
        let what = match &warn {
            Some((_, loc)) => loc.clone(),
            None => format!("{path}: PASS_WARN_AGE not set (no warning)"),
        };
        out.finding(
            "password-warn-age",
            format!("{what}; baseline: at least {} days", baseline.password_warn_age),
            Some(&path),
            layer,
        );
    }
    // UMASK: permissive unless group write and all "other" bits are masked (027 or stricter).
    let umask = defs.values.get("UMASK");
    let (mask, what) = match umask {
        Some((v, line, text)) => match u32::from_str_radix(v.trim_start_matches("0o"), 8) {
            Ok(m) => (m, at(&path, *line, text)),
            Err(_) => {
                out.warn(format!("{path}:{line}: UMASK '{v}' is not octal; ignored"));
                (0o022, format!("{path}: UMASK not valid (022 used)"))
            }
        },
        None => (0o022, format!("{path}: UMASK not set (022)")),
    };
    if mask & 0o027 != 0o027 {
        out.finding(
            "umask-permissive",
            format!("{what}; new files are readable by other users (want 027 or 077)"),
            Some(&path),
            layer,
        );
    }
    // ENCRYPT_METHOD (or the older MD5_CRYPT_ENAB).
    let method = defs.values.get("ENCRYPT_METHOD");
    match method {
        Some((v, line, text)) if matches!(v.to_ascii_uppercase().as_str(), "MD5" | "DES") => {
            out.finding(
                "password-hash-weak",
                format!("{}: new passwords are hashed with {v}", at(&path, *line, text)),
                Some(&path),
                layer,
            );
        }
        None => {
            let md5 = defs.values.get("MD5_CRYPT_ENAB");
            let what = match md5 {
                Some((v, line, text)) if v.eq_ignore_ascii_case("yes") => Some(format!(
                    "{}: new passwords are hashed with MD5",
                    at(&path, *line, text)
                )),
                _ if pam::password_stack_exists(tree) => None,
                _ => Some(format!(
                    "{path}: neither ENCRYPT_METHOD nor MD5_CRYPT_ENAB set: shadow-utils hashes with DES"
                )),
            };
            if let Some(w) = what {
                out.finding("password-hash-weak", w, Some(&path), layer);
            }
        }
        _ => {}
    }
}

/// `password-hash-weak` from /etc/shadow: accounts whose hash is MD5-crypt (`$1$`) or DES
/// (13 characters of `[./0-9A-Za-z]`). One finding listing the accounts.
pub(crate) fn check_shadow(tree: &FileTree, out: &mut Out) {
    let Some(f) = read_text(tree, "/etc/shadow", out) else {
        return;
    };
    let mut weak = Vec::new();
    for (i, line) in f.text.lines().enumerate() {
        let fields: Vec<&str> = line.split(':').collect();
        if line.trim().is_empty() {
            continue;
        }
        if fields.len() < 2 {
            out.warn(format!("{}:{}: not a shadow entry; ignored", f.path, i + 1));
            continue;
        }
        // The hash behind any lock marker, classified as the password checks classify it.
        let hash = fields[1].trim_start_matches('!');
        match crate::password::CryptHash::parse(hash).map(|h| h.scheme()) {
            Some(crate::password::Scheme::Md5Crypt) => {
                weak.push(format!("{} (line {}, MD5-crypt)", fields[0], i + 1));
            }
            Some(crate::password::Scheme::Des) => {
                weak.push(format!("{} (line {}, DES-crypt)", fields[0], i + 1));
            }
            _ => {}
        }
    }
    if !weak.is_empty() {
        out.finding(
            "password-hash-weak",
            format!("{}: weak hashes for {}", f.path, weak.join(", ")),
            Some(&f.path),
            Some(f.layer),
        );
    }
}
