//! `sshd_config` as OpenSSH's sshd reads it, and the `ssh-*` rules.
//!
//! Reading follows sshd_config(5) of OpenSSH 9.2 (Debian 12, `man 5 sshd_config`): keywords are
//! case-insensitive, arguments are separated by whitespace or one `=`, may be quoted, and `#` starts
//! a comment; for each keyword the first value obtained is used; `Include` (relative paths are
//! relative to `/etc/ssh`, globs expanded in lexical order) is processed at the point where it
//! appears; a `Match` block lasts to the next `Match` or to the end of the file it is in. For the
//! default connection (`sshd -T` without `-C`) only `Match all` blocks apply; for a given connection
//! the first value among the matching blocks overrides the global one. Unset keywords take OpenSSH
//! 9.2's compiled-in defaults (as `sshd -T` prints them on Debian 12).

use crate::config::Baseline;
use crate::config::{Out, TextFile, at, dir_files, glob, read_text};
use rensa_oci::{EntryKind, FileTree};

/// Where sshd reads its configuration.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";
const SSHDIR: &str = "/etc/ssh";
/// sshd's limit on nested `Include`s.
const MAX_INCLUDE_DEPTH: usize = 16;
/// The most included files read in total (a self-including glob would otherwise grow exponentially).
const MAX_INCLUDED_FILES: usize = 256;

/// OpenSSH 9.2's default `Ciphers`.
pub const DEFAULT_CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];
/// OpenSSH 9.2's default `MACs`.
pub const DEFAULT_MACS: &[&str] = &[
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];
/// OpenSSH 9.2's default `KexAlgorithms`.
pub const DEFAULT_KEX: &[&str] = &[
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
];

/// Weak algorithms: those OpenSSH has removed from its defaults (CBC and RC4 ciphers, MD5, RIPEMD-160
/// and truncated SHA-1 MACs, SHA-1 Diffie-Hellman). Patterns use `*`.
const WEAK_CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes*-cbc",
    "rijndael-cbc@lysator.liu.se",
    "arcfour*",
    "blowfish-cbc",
    "cast128-cbc",
    "des-cbc*",
];
const WEAK_MACS: &[&str] = &["hmac-md5*", "hmac-sha1-96*", "hmac-ripemd160*", "umac-32*"];
const WEAK_KEX: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "gss-gex-sha1-*",
    "gss-group1-sha1-*",
    "gss-group14-sha1-*",
];

/// Keywords sshd allows inside a `Match` block that the rules look at.
const MATCH_KEYWORDS: &[&str] = &[
    "permitrootlogin",
    "passwordauthentication",
    "permitemptypasswords",
    "x11forwarding",
    "maxauthtries",
    "kbdinteractiveauthentication",
    "pubkeyauthentication",
    "hostbasedauthentication",
    "allowtcpforwarding",
    "forcecommand",
    "permittunnel",
    "banner",
    "authorizedkeysfile",
    "allowusers",
    "denyusers",
    "allowgroups",
    "denygroups",
    "chrootdirectory",
    "include",
];

/// One line of the configuration (after comments and `Include` are resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The keyword, lower-cased.
    pub keyword: String,
    /// The arguments, unquoted.
    pub args: Vec<String>,
    /// The file it is in.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// The layer that wrote the file.
    pub layer: usize,
    /// The line as written (trimmed).
    pub text: String,
    /// The `Match` block it is in (index into [`SshdConfig::blocks`]), if any.
    pub block: Option<usize>,
}

/// A `Match` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchBlock {
    /// `(criterion lower-cased, pattern list)`; `("all", "")` for `Match all`.
    pub criteria: Vec<(String, String)>,
    /// The file of the `Match` line.
    pub file: String,
    /// Its line number.
    pub line: usize,
    /// The `Match` line as written.
    pub text: String,
}

/// The connection a `Match` block is evaluated for (what `sshd -T -C` takes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// `user=`.
    pub user: Option<String>,
    /// `host=`.
    pub host: Option<String>,
    /// `addr=` (the client address).
    pub addr: Option<String>,
    /// `laddr=`.
    pub laddr: Option<String>,
    /// `lport=`.
    pub lport: Option<u16>,
    /// `rdomain=`.
    pub rdomain: Option<String>,
}

/// The whole configuration sshd would read from the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshdConfig {
    /// Every directive in the order sshd reads them.
    pub directives: Vec<Directive>,
    /// The `Match` blocks.
    pub blocks: Vec<MatchBlock>,
}

/// Where an effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: String,
    /// The line number.
    pub line: usize,
    /// The layer that wrote the file.
    pub layer: usize,
    /// The line as written.
    pub text: String,
}

/// An effective value and its source (`None`: OpenSSH's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value<T> {
    /// The value.
    pub value: T,
    /// The line that set it, or `None` for the compiled-in default.
    pub source: Option<Source>,
}

/// The effective settings the rules look at, for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshdSettings {
    /// `yes`, `prohibit-password` (also written `without-password`), `forced-commands-only` or `no`.
    pub permit_root_login: Value<String>,
    /// `PasswordAuthentication`.
    pub password_authentication: Value<bool>,
    /// `PermitEmptyPasswords`.
    pub permit_empty_passwords: Value<bool>,
    /// `X11Forwarding`.
    pub x11_forwarding: Value<bool>,
    /// `MaxAuthTries`.
    pub max_auth_tries: Value<u32>,
    /// `PermitUserEnvironment` (`no`, `yes` or a pattern list).
    pub permit_user_environment: Value<String>,
    /// `LoginGraceTime` in seconds (0: no limit).
    pub login_grace_time: Value<u32>,
    /// The effective `Ciphers`.
    pub ciphers: Value<Vec<String>>,
    /// The effective `MACs`.
    pub macs: Value<Vec<String>>,
    /// The effective `KexAlgorithms`.
    pub kex_algorithms: Value<Vec<String>>,
}

struct Reader<'a> {
    tree: &'a FileTree,
    out: &'a mut Out,
    cfg: SshdConfig,
    included: usize,
}

impl SshdConfig {
    /// Reads `/etc/ssh/sshd_config` and what it includes; `None` when the image has no sshd_config.
    pub(crate) fn load(tree: &FileTree, out: &mut Out) -> Option<SshdConfig> {
        let file = read_text(tree, SSHD_CONFIG, out)?;
        let mut reader = Reader {
            tree,
            out,
            cfg: SshdConfig::default(),
            included: 0,
        };
        reader.file(&file, None, 0);
        Some(reader.cfg)
    }

    /// Parses a configuration from files given directly (`path` → text); for tests and tools. The
    /// main file is `main`.
    pub fn parse(tree: &FileTree, main: &str) -> (Option<SshdConfig>, Vec<String>) {
        let mut out = Out::default();
        let cfg = read_text(tree, main, &mut out).map(|file| {
            let mut reader = Reader {
                tree,
                out: &mut out,
                cfg: SshdConfig::default(),
                included: 0,
            };
            reader.file(&file, None, 0);
            reader.cfg
        });
        (cfg, out.finish().1)
    }

    fn block_applies(&self, block: usize, conn: Option<&Connection>) -> bool {
        let b = &self.blocks[block];
        match conn {
            None => b.criteria.iter().all(|(k, _)| k == "all"),
            Some(c) => b.criteria.iter().all(|(k, v)| criterion(k, v, c)),
        }
    }

    /// The directive that decides `keyword` (lower case) for a connection (`None`: the default
    /// connection of `sshd -T`).
    pub fn decisive(&self, keyword: &str, conn: Option<&Connection>) -> Option<&Directive> {
        let global = || {
            self.directives
                .iter()
                .find(|d| d.keyword == keyword && d.block.is_none_or(|b| self.block_applies(b, None)))
        };
        match conn {
            None => global(),
            Some(c) => self
                .directives
                .iter()
                .find(|d| d.keyword == keyword && d.block.is_some_and(|b| self.block_applies(b, Some(c))))
                .or_else(global),
        }
    }

    /// The effective settings for a connection (`None`: the default connection of `sshd -T`).
    pub fn effective(&self, conn: Option<&Connection>) -> SshdSettings {
        let d = |k: &str| self.decisive(k, conn);
        SshdSettings {
            permit_root_login: value(d("permitrootlogin"), "prohibit-password".to_string(), |a| {
                root_login(a)
            }),
            password_authentication: value(d("passwordauthentication"), true, yes_no),
            permit_empty_passwords: value(d("permitemptypasswords"), false, yes_no),
            x11_forwarding: value(d("x11forwarding"), false, yes_no),
            max_auth_tries: value(d("maxauthtries"), 6, |a| a.parse().ok()),
            permit_user_environment: value(d("permituserenvironment"), "no".to_string(), |a| {
                match a.to_ascii_lowercase().as_str() {
                    "yes" => Some("yes".to_string()),
                    "no" => Some("no".to_string()),
                    _ => Some(a.to_string()),
                }
            }),
            login_grace_time: value(d("logingracetime"), 120, seconds),
            ciphers: algorithms(d("ciphers"), DEFAULT_CIPHERS),
            macs: algorithms(d("macs"), DEFAULT_MACS),
            kex_algorithms: algorithms(d("kexalgorithms"), DEFAULT_KEX),
        }
    }
}

fn source(d: &Directive) -> Source {
    Source {
        file: d.file.clone(),
        line: d.line,
        layer: d.layer,
        text: d.text.clone(),
    }
}

fn value<T>(d: Option<&Directive>, default: T, parse: impl Fn(&str) -> Option<T>) -> Value<T> {
    match d.and_then(|d| d.args.first().and_then(|a| parse(a)).map(|v| (v, d))) {
        Some((v, d)) => Value {
            value: v,
            source: Some(source(d)),
        },
        None => Value {
            value: default,
            source: None,
        },
    }
}

fn yes_no(a: &str) -> Option<bool> {
    match a.to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn root_login(a: &str) -> Option<String> {
    match a.to_ascii_lowercase().as_str() {
        "yes" => Some("yes".into()),
        "no" => Some("no".into()),
        "prohibit-password" | "without-password" => Some("prohibit-password".into()),
        "forced-commands-only" => Some("forced-commands-only".into()),
        _ => None,
    }
}

/// sshd's time format: `90`, `1m30s`, `2h`, `1w` (s, m, h, d, w; case-insensitive).
pub fn seconds(a: &str) -> Option<u32> {
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in a.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        let n: u64 = num.parse().ok()?;
        total = total.checked_add(n.checked_mul(mult)?)?;
        num.clear();
    }
    if !num.is_empty() {
        total = total.checked_add(num.parse().ok()?)?;
    } else if a.is_empty() {
        return None;
    }
    u32::try_from(total).ok()
}

fn algorithms(d: Option<&Directive>, default: &[&str]) -> Value<Vec<String>> {
    let default_list = || default.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let Some(d) = d else {
        return Value {
            value: default_list(),
            source: None,
        };
    };
    let spec = d.args.first().map(String::as_str).unwrap_or("");
    let items = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut list: Vec<String> = match spec.chars().next() {
        Some('+') => {
            let mut l = default_list();
            l.extend(items(&spec[1..]));
            l
        }
        Some('^') => {
            let mut l = items(&spec[1..]);
            l.extend(default_list());
            l
        }
        Some('-') => {
            let remove = items(&spec[1..]);
            default_list()
                .into_iter()
                .filter(|a| !remove.iter().any(|p| glob::matches(p, a, false)))
                .collect()
        }
        _ => items(spec),
    };
    let mut seen = std::collections::BTreeSet::new();
    list.retain(|a| seen.insert(a.clone()));
    Value {
        value: list,
        source: Some(source(d)),
    }
}

/// sshd's `match_pattern_list`: comma-separated patterns with `*`/`?`, `!` negates; a negated match
/// wins.
fn pattern_list(s: &str, list: &str, fold: bool) -> bool {
    let s = if fold {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    };
    let mut matched = false;
    for p in list.split(',') {
        let (neg, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p),
        };
        let p = if fold {
            p.to_ascii_lowercase()
        } else {
            p.to_string()
        };
        if glob::matches(&p, &s, false) {
            if neg {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// sshd's `addr_match_list`: patterns are addresses with `*`/`?` or CIDR blocks; `!` negates.
fn address_list(addr: &str, list: &str) -> bool {
    let ip: Option<std::net::IpAddr> = addr.parse().ok();
    let mut matched = false;
    for p in list.split(',') {
        let (neg, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p),
        };
        let hit = if let Some((net, bits)) = p.split_once('/') {
            match (ip, net.parse::<std::net::IpAddr>(), bits.parse::<u32>()) {
                (Some(a), Ok(n), Ok(b)) => in_cidr(a, n, b),
                _ => false,
            }
        } else {
            glob::matches(p, addr, false)
        };
        if hit {
            if neg {
                return false;
            }
            matched = true;
        }
    }
    matched
}

fn in_cidr(a: std::net::IpAddr, n: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr;
    match (a, n) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn criterion(key: &str, list: &str, c: &Connection) -> bool {
    match key {
        "all" => true,
        "user" => c.user.as_deref().is_some_and(|u| pattern_list(u, list, false)),
        "host" => c.host.as_deref().is_some_and(|h| pattern_list(h, list, true)),
        "address" => c.addr.as_deref().is_some_and(|a| address_list(a, list)),
        "localaddress" => c.laddr.as_deref().is_some_and(|a| address_list(a, list)),
        "localport" => c
            .lport
            .is_some_and(|p| list.split(',').any(|x| x.parse::<u16>().ok() == Some(p))),
        "rdomain" => c.rdomain.as_deref().is_some_and(|r| pattern_list(r, list, false)),
        // Group needs the image's group database at connection time; treated as not matching.
        _ => false,
    }
}

/// Splits a line into words as sshd does: whitespace separates, `"`/`'` quote, `\` escapes a
/// quote, backslash or space, and a word starting with `#` ends the line. The keyword may also end at
/// one `=`. `Err` on an unterminated quote.
fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let line = line.trim_start();
    // The keyword ends at whitespace or '='.
    let kw_end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = &line[..kw_end];
    let mut rest = line[kw_end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let mut words = vec![keyword.to_string()];
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => {
                    quote = Some(c);
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    chars.next();
                }
                (_, '\\') => {
                    chars.next();
                    match chars.peek() {
                        Some(&n) if matches!(n, '"' | '\'' | '\\' | ' ') => {
                            word.push(n);
                            chars.next();
                        }
                        _ => word.push('\\'),
                    }
                }
                _ => {
                    word.push(c);
                    chars.next();
                }
            }
        }
        if quote.is_some() {
            return Err("unterminated quoted argument");
        }
        words.push(word);
    }
    Ok(words)
}

impl Reader<'_> {
    fn file(&mut self, file: &TextFile, block: Option<usize>, depth: usize) {
        let mut block = block;
        for (i, raw) in file.text.lines().enumerate() {
            let lineno = i + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let words = match split(trimmed) {
                Ok(w) => w,
                Err(e) => {
                    self.out
                        .warn(format!("{}:{lineno}: {e}; line ignored", file.path));
                    continue;
                }
            };
            let keyword = words[0].to_ascii_lowercase();
            if keyword.is_empty() {
                self.out
                    .warn(format!("{}:{lineno}: no keyword; line ignored", file.path));
                continue;
            }
            let args: Vec<String> = words[1..].to_vec();
            match keyword.as_str() {
                "match" => {
                    match match_criteria(&args) {
                        Ok(criteria) => {
                            self.cfg.blocks.push(MatchBlock {
                                criteria,
                                file: file.path.clone(),
                                line: lineno,
                                text: trimmed.to_string(),
                            });
                            block = Some(self.cfg.blocks.len() - 1);
                        }
                        Err(e) => {
                            self.out.warn(format!(
                                "{}:{lineno}: bad Match condition ({e}); sshd would refuse this file",
                                file.path
                            ));
                            // A block that never applies.
                            self.cfg.blocks.push(MatchBlock {
                                criteria: vec![("invalid".into(), String::new())],
                                file: file.path.clone(),
                                line: lineno,
                                text: trimmed.to_string(),
                            });
                            block = Some(self.cfg.blocks.len() - 1);
                        }
                    }
                    continue;
                }
                "include" => {
                    if args.is_empty() {
                        self.out.warn(format!(
                            "{}:{lineno}: Include without a file; line ignored",
                            file.path
                        ));
                    }
                    if depth + 1 > MAX_INCLUDE_DEPTH {
                        self.out.warn(format!(
                            "{}:{lineno}: Include nested deeper than {MAX_INCLUDE_DEPTH}; ignored",
                            file.path
                        ));
                        continue;
                    }
                    for arg in &args {
                        for path in self.expand(arg) {
                            self.included += 1;
                            if self.included > MAX_INCLUDED_FILES {
                                self.out.warn(format!(
                                    "{}:{lineno}: more than {MAX_INCLUDED_FILES} included files; the rest are ignored",
                                    file.path
                                ));
                                break;
                            }
                            if let Some(inc) = read_text(self.tree, &path, self.out) {
                                self.file(&inc, block, depth + 1);
                            }
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if block.is_some() && !MATCH_KEYWORDS.contains(&keyword.as_str()) && is_known(&keyword) {
                self.out.warn(format!(
                    "{}:{lineno}: {} is not allowed in a Match block; sshd would refuse this file",
                    file.path, words[0]
                ));
                continue;
            }
            if let Some(problem) = check_args(&keyword, &args) {
                self.out.warn(format!(
                    "{}:{lineno}: {problem}; sshd would refuse this file; line ignored",
                    file.path
                ));
                continue;
            }
            self.cfg.directives.push(Directive {
                keyword,
                args,
                file: file.path.clone(),
                line: lineno,
                layer: file.layer,
                text: trimmed.to_string(),
                block,
            });
        }
    }

    /// Expands an `Include` argument to files, in lexical order.
    fn expand(&mut self, arg: &str) -> Vec<String> {
        let path = if arg.starts_with('/') {
            arg.to_string()
        } else {
            format!("{SSHDIR}/{arg}")
        };
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (if d.is_empty() { "/" } else { d }, n),
            None => return Vec::new(),
        };
        if glob::has_wildcard(dir) {
            self.out.warn(format!(
                "{SSHD_CONFIG}: Include {arg}: wildcards in directory names are not followed"
            ));
            return Vec::new();
        }
        if !glob::has_wildcard(name) {
            return vec![path];
        }
        let mut files: Vec<String> = dir_files(self.tree, dir)
            .into_iter()
            .filter(|p| {
                let base = p.rsplit('/').next().unwrap_or("");
                glob::matches(name, base, true)
                    && self
                        .tree
                        .resolve(p)
                        .ok()
                        .flatten()
                        .is_some_and(|(_, n)| n.kind == EntryKind::File)
            })
            .collect();
        // Keep the path under the directory as written (the glob order is by name).
        let prefix = if dir == "/" {
            String::from("/")
        } else {
            format!("{dir}/")
        };
        for f in &mut files {
            if let Some(base) = f.rsplit('/').next() {
                *f = format!("{prefix}{base}");
            }
        }
        files.sort();
        files
    }
}

fn is_known(keyword: &str) -> bool {
    matches!(
        keyword,
        "ciphers"
            | "macs"
            | "kexalgorithms"
            | "logingracetime"
            | "protocol"
            | "port"
            | "listenaddress"
            | "hostkey"
            | "usepam"
            | "subsystem"
            | "acceptenv"
            | "printmotd"
            | "permituserenvironment"
    )
}

fn match_criteria(args: &[String]) -> Result<Vec<(String, String)>, String> {
    if args.is_empty() {
        return Err("no criteria".into());
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let key = args[i].to_ascii_lowercase();
        if key == "all" {
            if args.len() != 1 {
                return Err("'all' must be the only criterion".into());
            }
            out.push(("all".to_string(), String::new()));
            i += 1;
            continue;
        }
        if !matches!(
            key.as_str(),
            "user" | "group" | "host" | "address" | "localaddress" | "localport" | "rdomain"
        ) {
            return Err(format!("unsupported criterion '{}'", args[i]));
        }
        let Some(v) = args.get(i + 1) else {
            return Err(format!("'{}' without a value", args[i]));
        };
        out.push((key, v.clone()));
        i += 2;
    }
    Ok(out)
}

/// A reason sshd would reject the arguments of a keyword the rules read, or `None`.
fn check_args(keyword: &str, args: &[String]) -> Option<String> {
    let first = args.first().map(String::as_str);
    let bad = |what: &str| Some(format!("{keyword}: {what}"));
    match keyword {
        "permitrootlogin" => match first.and_then(root_login) {
            Some(_) => None,
            None => bad("expected yes, prohibit-password, forced-commands-only or no"),
        },
        "passwordauthentication" | "permitemptypasswords" | "x11forwarding" => match first.and_then(yes_no) {
            Some(_) => None,
            None => bad("expected yes or no"),
        },
        "maxauthtries" => match first.and_then(|a| a.parse::<u32>().ok()) {
            Some(_) => None,
            None => bad("expected a number"),
        },
        "logingracetime" => match first.and_then(seconds) {
            Some(_) => None,
            None => bad("expected a time"),
        },
        "ciphers" | "macs" | "kexalgorithms" | "permituserenvironment" => match first {
            Some(a) if !a.is_empty() => None,
            _ => bad("missing argument"),
        },
        _ => None,
    }
}

fn weak(list: &[String], patterns: &[&str]) -> Vec<String> {
    list.iter()
        .filter(|a| patterns.iter().any(|p| glob::matches(p, a, false)))
        .cloned()
        .collect()
}

fn describe(v: &Option<Source>, default: &str) -> (String, Option<String>, Option<usize>) {
    match v {
        Some(s) => (at(&s.file, s.line, &s.text), Some(s.file.clone()), Some(s.layer)),
        None => (
            format!("{SSHD_CONFIG}: not set, OpenSSH 9.2's default is {default}"),
            Some(SSHD_CONFIG.to_string()),
            None,
        ),
    }
}

/// The `ssh-*` rules on the effective configuration of the default connection, plus one finding per
/// `Match` block that loosens a setting the global configuration gets right.
pub(crate) fn check(cfg: &SshdConfig, baseline: &Baseline, out: &mut Out) {
    let global = cfg.effective(None);
    type Test = fn(&SshdSettings, &Baseline) -> bool;
    let tests: [(&str, &str, Test, &str); 6] = [
        (
            "ssh-root-login",
            "permitrootlogin",
            |s, _| s.permit_root_login.value == "yes",
            "prohibit-password",
        ),
        (
            "ssh-password-auth",
            "passwordauthentication",
            |s, _| s.password_authentication.value,
            "yes",
        ),
        (
            "ssh-empty-passwords",
            "permitemptypasswords",
            |s, _| s.permit_empty_passwords.value,
            "no",
        ),
        (
            "ssh-x11-forwarding",
            "x11forwarding",
            |s, _| s.x11_forwarding.value,
            "no",
        ),
        (
            "ssh-max-auth-tries",
            "maxauthtries",
            |s, b| s.max_auth_tries.value > b.ssh_max_auth_tries,
            "6",
        ),
        (
            "ssh-permit-user-environment",
            "permituserenvironment",
            |s, _| s.permit_user_environment.value != "no",
            "no",
        ),
    ];
    for (id, keyword, bad, default) in tests {
        let src = match keyword {
            "permitrootlogin" => &global.permit_root_login.source,
            "passwordauthentication" => &global.password_authentication.source,
            "permitemptypasswords" => &global.permit_empty_passwords.source,
            "x11forwarding" => &global.x11_forwarding.source,
            "maxauthtries" => &global.max_auth_tries.source,
            _ => &global.permit_user_environment.source,
        };
        if bad(&global, baseline) {
            let (detail, path, layer) = describe(src, default);
            let extra = if id == "ssh-max-auth-tries" {
                format!(" (baseline: at most {})", baseline.ssh_max_auth_tries)
            } else {
                String::new()
            };
            out.finding(id, format!("{detail}{extra}"), path.as_deref(), layer);
            continue;
        }
        // Match blocks that loosen it: the block's own first value, evaluated as if it applied.
        for (bi, block) in cfg.blocks.iter().enumerate() {
            if block.criteria.iter().all(|(k, _)| k == "all") {
                continue; // Already part of the global evaluation.
            }
            let Some(d) = cfg
                .directives
                .iter()
                .find(|d| d.block == Some(bi) && d.keyword == keyword)
            else {
                continue;
            };
            let only = SshdConfig {
                directives: vec![Directive {
                    block: None,
                    ..d.clone()
                }],
                blocks: Vec::new(),
            };
            if bad(&only.effective(None), baseline) {
                out.finding(
                    id,
                    format!(
                        "{} (in {})",
                        at(&d.file, d.line, &d.text),
                        at(&block.file, block.line, &block.text)
                    ),
                    Some(&d.file),
                    Some(d.layer),
                );
            }
        }
    }
    if global.login_grace_time.value == 0 || global.login_grace_time.value > baseline.ssh_login_grace_time {
        let (detail, path, layer) = describe(&global.login_grace_time.source, "120 seconds");
        out.finding(
            "ssh-login-grace-time",
            format!(
                "{detail} ({} seconds; baseline: at most {})",
                global.login_grace_time.value, baseline.ssh_login_grace_time
            ),
            path.as_deref(),
            layer,
        );
    }
    let mut weak_found = Vec::new();
    let mut where_ = Vec::new();
    for (name, v, patterns) in [
        ("Ciphers", &global.ciphers, WEAK_CIPHERS),
        ("MACs", &global.macs, WEAK_MACS),
        ("KexAlgorithms", &global.kex_algorithms, WEAK_KEX),
    ] {
        let w = weak(&v.value, patterns);
        if !w.is_empty() {
            weak_found.push(format!("{name}: {}", w.join(",")));
            if let Some(s) = &v.source {
                where_.push(s.clone());
            }
        }
    }
    // `Protocol 1` no longer does anything (sshd -T ignores the keyword), so it is a warning only.
    if let Some(p) = cfg
        .directives
        .iter()
        .find(|d| d.keyword == "protocol" && d.block.is_none())
        && p.args.iter().any(|a| a.split(',').any(|x| x.trim() == "1"))
    {
        out.warn(format!(
            "{}:{}: Protocol 1 is ignored by OpenSSH 7.4 and later (SSH-1 support was removed)",
            p.file, p.line
        ));
    }
    if !weak_found.is_empty() {
        let first = where_.first();
        let lines: Vec<String> = where_.iter().map(|s| at(&s.file, s.line, &s.text)).collect();
        out.finding(
            "ssh-protocol-weak",
            format!("{}; weak: {}", lines.join("; "), weak_found.join("; ")),
            first.map(|s| s.file.as_str()),
            first.map(|s| s.layer),
        );
    }
}

/// `ssh-host-keys-in-image`: private host keys `/etc/ssh/ssh_host_*_key` (one finding listing them).
pub(crate) fn check_host_keys(tree: &FileTree, out: &mut Out) {
    let keys: Vec<(String, usize)> = dir_files(tree, SSHDIR)
        .into_iter()
        .filter(|p| {
            let base = p.rsplit('/').next().unwrap_or("");
            base.starts_with("ssh_host_") && base.ends_with("_key")
        })
        .filter_map(|p| {
            let node = tree.get(&p)?;
            (node.kind == EntryKind::File).then(|| (p.clone(), node.layer))
        })
        .collect();
    if let Some((first, layer)) = keys.first() {
        let names: Vec<&str> = keys.iter().map(|(p, _)| p.as_str()).collect();
        out.finding(
            "ssh-host-keys-in-image",
            format!("private host keys present: {}", names.join(", ")),
            Some(first),
            Some(*layer),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split("PermitRootLogin=yes").unwrap(), ["PermitRootLogin", "yes"]);
        assert_eq!(
            split("PermitRootLogin = yes # c").unwrap(),
            ["PermitRootLogin", "yes"]
        );
        assert_eq!(
            split("Banner \"/etc/my banner\"").unwrap(),
            ["Banner", "/etc/my banner"]
        );
        assert!(split("Banner \"open").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(seconds("90"), Some(90));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("2M"), Some(120));
        assert_eq!(seconds("x"), None);
        assert_eq!(seconds(""), None);
    }

    #[test]
    fn addresses() {
        assert!(address_list("10.1.2.3", "10.0.0.0/8"));
        assert!(!address_list("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16"));
        assert!(address_list("192.168.1.5", "192.168.1.*"));
        assert!(pattern_list("bob", "b*", false));
        assert!(!pattern_list("bob", "*,!bob", false));
    }
}
