//! The account database of an image: `/etc/passwd`, `/etc/shadow` and `/etc/shells` parsed into
//! [`Account`]s, with every line that does not parse reported as a [`Warning`] (never a panic).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::crypt::CryptHash;

/// The most bytes of one account file that are read; the rest is ignored with a warning.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Shell programs that never give an interactive session, whatever `/etc/shells` says.
const NO_LOGIN_PROGRAMS: &[&str] = &["nologin", "false", "true", "sync", "shutdown", "halt"];

/// Interactive shells that count as login shells even when `/etc/shells` does not list them.
const KNOWN_SHELLS: &[&str] = &[
    "sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "mksh", "pdksh", "ksh93", "csh", "tcsh", "fish",
    "busybox", "yash", "elvish", "nu", "pwsh", "screen", "tmux",
];

/// A problem with one line (or the whole) of an account file; the line is skipped or read in part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// The file, as a path in the image (`/etc/passwd`, `/etc/shadow`, `/etc/shells`).
    pub file: String,
    /// The 1-based line number, if the problem is one line.
    pub line: Option<usize>,
    /// What is wrong and what was done about it.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// What the password field of an account says. Never printed in clear by rensa.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PasswordField {
    /// `""`: no password at all; whether a login is accepted depends on PAM (`nullok`) and the SSH
    /// server (`PermitEmptyPasswords`).
    Empty,
    /// Locked: a `!` or `*` prefix (`!`, `!!`, `*LK*`, `!*`, `!$6$…`). `hash` is the hash that is kept
    /// behind a `!` (unlocking the account restores it), if there is one.
    Locked {
        /// The hash behind the lock marker.
        hash: Option<CryptHash>,
    },
    /// `*`: no password can ever match (a system account).
    NoPassword,
    /// A crypt(3) hash.
    Hash(CryptHash),
    /// `x` in `/etc/passwd` but the account has no line in `/etc/shadow` (or there is no shadow file):
    /// no password can match.
    MissingShadow,
    /// Something that is not a crypt hash any libxcrypt scheme recognises: no password matches it.
    Unknown,
}

impl PasswordField {
    /// Classifies the text of a password field (from shadow, or from passwd when it holds the hash).
    pub fn classify(field: &str) -> PasswordField {
        if field.is_empty() {
            return PasswordField::Empty;
        }
        if field == "*" {
            return PasswordField::NoPassword;
        }
        if let Some(rest) = field.strip_prefix('!') {
            let rest = rest.trim_start_matches('!');
            return PasswordField::Locked {
                hash: CryptHash::parse(rest),
            };
        }
        if field.starts_with('*') {
            return PasswordField::Locked { hash: None };
        }
        match CryptHash::parse(field) {
            Some(hash) => PasswordField::Hash(hash),
            None => PasswordField::Unknown,
        }
    }

    /// The kebab-case name of the classification (`empty`, `locked`, `no-password`, `hash`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            PasswordField::Empty => "empty",
            PasswordField::Locked { .. } => "locked",
            PasswordField::NoPassword => "no-password",
            PasswordField::Hash(_) => "hash",
            PasswordField::MissingShadow => "missing-shadow",
            PasswordField::Unknown => "unknown",
        }
    }
}

/// Where an account's password field was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordSource {
    /// `/etc/shadow` (the passwd field was `x`).
    Shadow,
    /// `/etc/passwd` field 2 itself.
    Passwd,
}

/// The password-aging fields of a shadow line (days; `None` where the field is empty or not a number).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Aging {
    /// Date of the last password change, in days since 1970-01-01 (`0`: must change at next login).
    pub last_change: Option<i64>,
    /// Minimum days between changes.
    pub min_days: Option<i64>,
    /// Maximum days a password is valid.
    pub max_days: Option<i64>,
    /// Days of warning before the password expires.
    pub warn_days: Option<i64>,
    /// Days after expiry during which the password is still accepted (then the account is disabled).
    pub inactive_days: Option<i64>,
    /// Date the account expires, in days since 1970-01-01.
    pub expire_date: Option<i64>,
}

/// One account of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The login name.
    pub name: String,
    /// The numeric user id.
    pub uid: u32,
    /// The numeric primary group id.
    pub gid: u32,
    /// The home directory.
    pub home: String,
    /// The shell (empty means `/bin/sh`).
    pub shell: String,
    /// Whether the shell gives an interactive session (see [`is_login_shell`]).
    pub login_shell: bool,
    /// The password field, classified.
    pub password: PasswordField,
    /// Where the password field came from.
    pub password_source: PasswordSource,
    /// The shadow aging fields, if the account has a shadow line.
    pub aging: Option<Aging>,
    /// The 1-based line in `/etc/passwd`.
    pub passwd_line: usize,
    /// The 1-based line in `/etc/shadow`, if any.
    pub shadow_line: Option<usize>,
}

/// The accounts of an image and the warnings met while reading them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountDb {
    /// The accounts, in `/etc/passwd` order (the first of duplicate names wins, as in glibc).
    pub accounts: Vec<Account>,
    /// Lines that could not be read, sorted by file and line.
    pub warnings: Vec<Warning>,
}

/// Whether `shell` gives an interactive login. The rule:
/// 1. an empty shell means `/bin/sh` (passwd(5)): a login shell;
/// 2. a shell whose file name is `nologin`, `false`, `true`, `sync`, `shutdown` or `halt`, or
///    `/dev/null`, is never a login shell, even if `/etc/shells` lists it;
/// 3. a shell listed in `/etc/shells` (when its content is given) is a login shell;
/// 4. a well-known interactive shell (`sh`, `bash`, `dash`, `ash`, `zsh`, `ksh`, `csh`, `tcsh`, `fish`,
///    `busybox`, …) is a login shell;
/// 5. any other program is a login shell only when `/etc/shells` is not given (sshd runs whatever
///    program is there; without `/etc/shells` rensa cannot tell, and errs on the side of reporting).
pub fn is_login_shell(shell: &str, shells: Option<&BTreeSet<String>>) -> bool {
    let shell = shell.trim();
    if shell.is_empty() {
        return true;
    }
    if shell == "/dev/null" {
        return false;
    }
    let base = shell.rsplit('/').next().unwrap_or(shell);
    if NO_LOGIN_PROGRAMS.contains(&base) {
        return false;
    }
    match shells {
        Some(list) if list.contains(shell) => true,
        _ if KNOWN_SHELLS.contains(&base) => true,
        Some(_) => false,
        None => true,
    }
}

/// Parses `/etc/shells`: one absolute path a line, `#` comments.
pub fn parse_shells(content: &[u8], warnings: &mut Vec<Warning>) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for (n, line) in lines("/etc/shells", content, warnings) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with('/') {
            warnings.push(warn(
                "/etc/shells",
                Some(n),
                format!("not an absolute path: {line:?}; ignored"),
            ));
            continue;
        }
        set.insert(line.to_string());
    }
    set
}

impl AccountDb {
    /// Reads the account files. `shadow` is `None` when the image has no `/etc/shadow` (then the hash, if
    /// any, is in field 2 of passwd); `shells` is the content of `/etc/shells`, if the image has one.
    /// Never fails: bad lines become [`Warning`]s.
    pub fn parse(passwd: &[u8], shadow: Option<&[u8]>, shells: Option<&[u8]>) -> AccountDb {
        let mut warnings = Vec::new();
        let shells = shells.map(|s| parse_shells(s, &mut warnings));
        let shadow_entries = shadow.map(|s| parse_shadow(s, &mut warnings)).unwrap_or_default();

        let mut accounts: Vec<Account> = Vec::new();
        let mut seen = BTreeSet::new();
        for (n, line) in lines("/etc/passwd", passwd, &mut warnings) {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('+') || line.starts_with('-') {
                warnings.push(warn("/etc/passwd", Some(n), "NIS compat entry ignored".into()));
                continue;
            }
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() != 7 {
                warnings.push(warn(
                    "/etc/passwd",
                    Some(n),
                    format!(
                        "expected 7 ':'-separated fields, found {}; line skipped",
                        fields.len()
                    ),
                ));
                continue;
            }
            let name = fields[0];
            if name.is_empty() {
                warnings.push(warn(
                    "/etc/passwd",
                    Some(n),
                    "empty account name; line skipped".into(),
                ));
                continue;
            }
            let (Ok(uid), Ok(gid)) = (fields[2].parse::<u32>(), fields[3].parse::<u32>()) else {
                warnings.push(warn(
                    "/etc/passwd",
                    Some(n),
                    format!(
                        "account {name:?}: uid {:?} or gid {:?} is not a number; line skipped",
                        fields[2], fields[3]
                    ),
                ));
                continue;
            };
            if !seen.insert(name.to_string()) {
                warnings.push(warn(
                    "/etc/passwd",
                    Some(n),
                    format!("duplicate account {name:?}; the first entry is used"),
                ));
                continue;
            }
            let (password, password_source, aging, shadow_line) = if fields[1] == "x" {
                match shadow_entries.get(name) {
                    Some(e) => (
                        PasswordField::classify(&e.password),
                        PasswordSource::Shadow,
                        Some(e.aging),
                        Some(e.line),
                    ),
                    None => (PasswordField::MissingShadow, PasswordSource::Shadow, None, None),
                }
            } else {
                (
                    PasswordField::classify(fields[1]),
                    PasswordSource::Passwd,
                    None,
                    None,
                )
            };
            accounts.push(Account {
                name: name.to_string(),
                uid,
                gid,
                home: fields[5].to_string(),
                shell: fields[6].to_string(),
                login_shell: is_login_shell(fields[6], shells.as_ref()),
                password,
                password_source,
                aging,
                passwd_line: n,
                shadow_line,
            });
        }
        for e in shadow_entries.values() {
            if !seen.contains(&e.name) {
                warnings.push(warn(
                    "/etc/shadow",
                    Some(e.line),
                    format!("account {:?} has no /etc/passwd entry; ignored", e.name),
                ));
            }
        }
        warnings.sort();
        warnings.dedup();
        AccountDb { accounts, warnings }
    }

    /// The account called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

/// One parsed shadow line.
struct ShadowEntry {
    name: String,
    password: String,
    aging: Aging,
    line: usize,
}

fn parse_shadow(content: &[u8], warnings: &mut Vec<Warning>) -> BTreeMap<String, ShadowEntry> {
    let mut out: BTreeMap<String, ShadowEntry> = BTreeMap::new();
    for (n, line) in lines("/etc/shadow", content, warnings) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('+') || line.starts_with('-') {
            warnings.push(warn("/etc/shadow", Some(n), "NIS compat entry ignored".into()));
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 2 || fields.len() > 9 || fields[0].is_empty() {
            warnings.push(warn(
                "/etc/shadow",
                Some(n),
                format!(
                    "expected 9 ':'-separated fields, found {}; line skipped",
                    fields.len()
                ),
            ));
            continue;
        }
        // Read what there is of a short line (its password field matters), but say so.
        if fields.len() != 9 {
            warnings.push(warn(
                "/etc/shadow",
                Some(n),
                format!(
                    "expected 9 ':'-separated fields, found {}; the missing aging fields are taken as empty",
                    fields.len()
                ),
            ));
        }
        let name = fields[0];
        if out.contains_key(name) {
            warnings.push(warn(
                "/etc/shadow",
                Some(n),
                format!("duplicate account {name:?}; the first entry is used"),
            ));
            continue;
        }
        let mut number = |i: usize, what: &str| -> Option<i64> {
            let text = fields.get(i).copied().unwrap_or("").trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    warnings.push(warn(
                        "/etc/shadow",
                        Some(n),
                        format!("account {name:?}: {what} {text:?} is not a number; taken as empty"),
                    ));
                    None
                }
            }
        };
        let aging = Aging {
            last_change: number(2, "last change"),
            min_days: number(3, "minimum days"),
            max_days: number(4, "maximum days"),
            warn_days: number(5, "warning days"),
            inactive_days: number(6, "inactive days"),
            expire_date: number(7, "expire date"),
        };
        let entry = ShadowEntry {
            name: name.to_string(),
            password: fields[1].to_string(),
            aging,
            line: n,
        };
        out.insert(name.to_string(), entry);
    }
    out
}

/// The UTF-8 lines of `content` with their 1-based numbers; lines that are not UTF-8 and bytes past
/// [`MAX_FILE_BYTES`] become warnings.
fn lines<'a>(file: &str, content: &'a [u8], warnings: &mut Vec<Warning>) -> Vec<(usize, &'a str)> {
    let mut content = content;
    if content.len() > MAX_FILE_BYTES {
        warnings.push(warn(
            file,
            None,
            format!(
                "{} bytes; only the first {MAX_FILE_BYTES} bytes are read",
                content.len()
            ),
        ));
        content = &content[..MAX_FILE_BYTES];
        // Drop the cut last line.
        if let Some(end) = content.iter().rposition(|&b| b == b'\n') {
            content = &content[..end];
        }
    }
    let mut out = Vec::new();
    for (i, raw) in content.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match std::str::from_utf8(raw) {
            Ok(line) => out.push((i + 1, line)),
            Err(_) => warnings.push(warn(file, Some(i + 1), "not valid UTF-8; line skipped".into())),
        }
    }
    out
}

fn warn(file: &str, line: Option<usize>, message: String) -> Warning {
    Warning {
        file: file.to_string(),
        line,
        message,
    }
}
