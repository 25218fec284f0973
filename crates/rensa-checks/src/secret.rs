//! Embedded secrets (`category: "secret"`, rule ids `secret-<kind>`): cloud keys, API tokens, private
//! keys, JWTs, registry credentials and passwords assigned in configuration files.
//!
//! [`SecretScanner`] is a pure scanner over `(path, bytes)`: the image walk hands it each file's content
//! as the layer streams. It is built for speed: one pass of two Aho-Corasick automata over the file finds
//! the rules' keywords (`AKIA`, `ghp_`, `-----BEGIN`, `password`, …); only the rules whose keywords occur
//! run their regex, and only on the lines around the keyword. Files that are not UTF-8 are scanned as
//! bytes; binaries are skipped unless asked for; files over the size limit are skipped and reported as
//! such ([`Skip`]).
//!
//! Values are masked in every hit ([`mask`]): at most the first four characters are kept.

mod allow;
mod rules;

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;

pub use allow::DEFAULT_ALLOW_PATHS;

use crate::error::{Error, Result};
use crate::finding::{Category, Finding};
use crate::rule::Rule;
use allow::PathSet;
use rules::{Check, DETECTORS, Detector, Files};

/// How many bytes of a file [`is_binary`] looks at.
pub const BINARY_PROBE: usize = 8 * 1024;

/// The default for [`SecretConfig::max_file_size`]: 32 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// How far before a keyword (on its line) a rule's regex may start.
const BACK: usize = 256;
/// How far after a keyword (on its line) a rule's regex may end.
const FORWARD: usize = 1024;
/// How far after a `-----BEGIN` line a private key's `-----END` line may be.
const KEY_SPAN: usize = 16 * 1024;

/// Values in distributions' default configuration files that look like credentials but are shipped samples,
/// as (path without the leading `/`, value): Debian's OpenSSL 3 `openssl.cnf` carries a CMP example section
/// with `secret = pass:insta` (the Insta Demo CA's public test password).
const KNOWN_DEFAULTS: &[(&str, &[u8])] = &[("etc/ssl/openssl.cnf", b"pass:insta")];

/// Settings of the secret scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretConfig {
    /// Extra paths not to scan: globs over absolute image paths (`*` within a segment, `**` across, `?`
    /// one character); a pattern covers the path and everything below it.
    pub allow_paths: Vec<String>,
    /// Whether [`DEFAULT_ALLOW_PATHS`] apply as well (default on).
    pub default_allowlist: bool,
    /// Rule ids not to report (each must be a known `secret-*` id).
    pub disabled_rules: Vec<String>,
    /// Whether binary files are scanned too (default off).
    pub scan_binaries: bool,
    /// Files larger than this are skipped with [`Skip::TooLarge`].
    pub max_file_size: u64,
}

impl Default for SecretConfig {
    fn default() -> Self {
        SecretConfig {
            allow_paths: Vec::new(),
            default_allowlist: true,
            disabled_rules: Vec::new(),
            scan_binaries: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Why a file was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The path is on the allowlist.
    Allowlisted,
    /// The file looks binary ([`is_binary`]) and binaries are not scanned.
    Binary,
    /// The file is larger than [`SecretConfig::max_file_size`].
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit.
        max: u64,
    },
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Allowlisted => f.write_str("allowlisted path"),
            Skip::Binary => f.write_str("binary file"),
            Skip::TooLarge { size, max } => {
                write!(
                    f,
                    "file of {size} bytes is larger than the secret scanner's limit of {max} bytes"
                )
            }
        }
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// The 1-based line the secret starts on.
    pub line: usize,
    /// The secret's byte range in the file.
    pub range: Range<usize>,
    /// The rule id (`secret-aws-access-key`).
    pub rule: &'static str,
    /// The secret, masked ([`mask`]); for private keys the PEM label followed by a mask.
    pub masked: String,
}

impl SecretHit {
    /// The rule's metadata.
    pub fn rule(&self) -> &'static Rule {
        rule(self.rule).expect("hits carry known rule ids")
    }

    /// The finding for this hit in the file at `path` of layer `layer`.
    pub fn to_finding(&self, path: &str, layer: Option<usize>) -> Finding {
        let rule = self.rule();
        Finding {
            id: rule.id.to_string(),
            category: Category::Secret,
            severity: rule.severity,
            title: rule.title.to_string(),
            detail: format!(
                "{} at line {}: {}. {}",
                rule.title, self.line, self.masked, rule.rationale
            ),
            remediation: rule.remediation.to_string(),
            path: Some(path.to_string()),
            layer,
            references: rule.references.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// Every secret rule, sorted by id.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    DETECTORS.iter().map(|d| &d.meta)
}

/// The secret rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().find(|r| r.id == id)
}

/// Whether a file whose first bytes are `head` is binary: a NUL byte in the first [`BINARY_PROBE`]
/// bytes, or more than 30% of them not decoding as UTF-8 (Latin-1 text stays text).
pub fn is_binary(head: &[u8]) -> bool {
    let head = &head[..head.len().min(BINARY_PROBE)];
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let mut bad = 0usize;
    let mut rest = head;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => {
                let valid = e.valid_up_to();
                match e.error_len() {
                    Some(n) => {
                        bad += n;
                        rest = &rest[valid + n..];
                    }
                    // A sequence cut off at the end of the probe is not a decoding failure.
                    None => break,
                }
            }
        }
    }
    bad * 10 > head.len() * 3
}

/// Masks a secret: keeps the first `min(4, len / 4)` characters and replaces the rest with `*` (at most
/// 40 of them). Non-printable or non-ASCII kept characters become `?`.
pub fn mask(value: &[u8]) -> String {
    let keep = (value.len() / 4).min(4);
    let mut out: String = value[..keep]
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect();
    out.extend(std::iter::repeat_n('*', (value.len() - keep).min(40)));
    out
}

/// A compiled detector.
#[derive(Debug)]
struct Compiled {
    detector: &'static Detector,
    regex: Regex,
    enabled: bool,
}

/// The secret scanner: compiled rules, prefilter and allowlist. Cheap to share between threads.
#[derive(Debug)]
pub struct SecretScanner {
    compiled: Vec<Compiled>,
    /// All keywords of three bytes or more (leftmost-first, so the search keeps its SIMD prefilter).
    keywords: AhoCorasick,
    /// For each keyword of `keywords`, the detectors (indices into `compiled`) to run around it.
    keyword_rules: Vec<Vec<usize>>,
    /// Keywords of one or two bytes (`SK`), searched with `memmem` so they do not slow the automaton.
    short: Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>,
    allow: PathSet,
    scan_binaries: bool,
    max_file_size: u64,
}

impl SecretScanner {
    /// Compiles the rules and the allowlist. Fails on an unknown disabled rule id or a bad path pattern.
    pub fn new(config: &SecretConfig) -> Result<SecretScanner> {
        for id in &config.disabled_rules {
            if rule(id).is_none() {
                return Err(Error::Invalid {
                    location: "secret rules".into(),
                    message: format!("unknown secret rule id {id:?} in the disabled rules"),
                });
            }
        }
        let mut compiled = Vec::with_capacity(DETECTORS.len());
        // (keyword as searched, detector)
        let mut pairs: Vec<(String, usize)> = Vec::new();
        for (i, detector) in DETECTORS.iter().enumerate() {
            let regex = Regex::new(&format!("(?-u){}", detector.pattern)).map_err(|e| Error::Invalid {
                location: detector.meta.id.into(),
                message: format!("bad pattern: {e}"),
            })?;
            let enabled = !config.disabled_rules.iter().any(|id| id == detector.meta.id);
            compiled.push(Compiled {
                detector,
                regex,
                enabled,
            });
            if enabled {
                for &kw in detector.keywords {
                    for variant in case_variants(kw, detector.ignore_case) {
                        pairs.push((variant, i));
                    }
                }
            }
        }
        let (keyword_list, keyword_rules, short) = plan_keywords(pairs);
        let keywords = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keyword_list)
            .map_err(|e| Error::Invalid {
                location: "secret rules".into(),
                message: format!("keywords: {e}"),
            })?;
        let mut allow_globs: Vec<String> = config.allow_paths.clone();
        if config.default_allowlist {
            allow_globs.extend(DEFAULT_ALLOW_PATHS.iter().map(|s| s.to_string()));
        }
        let allow = PathSet::new(&allow_globs)?;
        Ok(SecretScanner {
            compiled,
            keywords,
            keyword_rules,
            short,
            allow,
            scan_binaries: config.scan_binaries,
            max_file_size: config.max_file_size,
        })
    }

    /// Whether the file at `path` of `size` bytes is to be read at all (for the image walk's `want`):
    /// `None` to read it, or why not.
    pub fn skip_path(&self, path: &str, size: u64) -> Option<Skip> {
        if self.allow.matches(path) {
            Some(Skip::Allowlisted)
        } else if size > self.max_file_size {
            Some(Skip::TooLarge {
                size,
                max: self.max_file_size,
            })
        } else {
            None
        }
    }

    /// Whether a file whose first bytes are `head` is to be scanned (for the image walk's `accept`):
    /// `None` to scan it, or [`Skip::Binary`].
    pub fn skip_content(&self, head: &[u8]) -> Option<Skip> {
        (!self.scan_binaries && is_binary(head)).then_some(Skip::Binary)
    }

    /// Scans one file, applying the allowlist, the size limit and the binary check first.
    pub fn scan_file(&self, path: &str, data: &[u8]) -> Result<Vec<SecretHit>, Skip> {
        if let Some(skip) = self
            .skip_path(path, data.len() as u64)
            .or_else(|| self.skip_content(data))
        {
            return Err(skip);
        }
        Ok(self.scan_unchecked(path, data))
    }

    /// The secrets in the file at `path` with content `data`, sorted by position; empty when the file is
    /// skipped (see [`SecretScanner::scan_file`] for the reason).
    pub fn scan(&self, path: &str, data: &[u8]) -> Vec<SecretHit> {
        self.scan_file(path, data).unwrap_or_default()
    }

    /// Scans `data` with every rule that applies to `path`, without the allowlist, size and binary checks.
    pub fn scan_unchecked(&self, path: &str, data: &[u8]) -> Vec<SecretHit> {
        let base = path.rsplit('/').next().unwrap_or(path);
        let config = is_config_path(path);
        let applies: Vec<bool> = self
            .compiled
            .iter()
            .map(|c| {
                c.enabled
                    && match c.detector.files {
                        Files::Any => true,
                        Files::Config => config,
                        Files::Named(names) => names.contains(&base),
                        Files::Suffix(ends) => ends.iter().any(|e| path.ends_with(e)),
                    }
            })
            .collect();
        // Windows to run each detector's regex on, merged per detector.
        let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); self.compiled.len()];
        let mut add = |rules: &[usize], at: usize| {
            for &i in rules {
                if !applies[i] {
                    continue;
                }
                let multiline = self.compiled[i].detector.multiline;
                let w = window(data, at, multiline);
                let list = &mut windows[i];
                match list.last_mut() {
                    Some(last) if last.start <= w.start && w.start <= last.end => {
                        last.end = last.end.max(w.end)
                    }
                    _ => list.push(w),
                }
            }
        };
        for m in self.keywords.find_iter(data) {
            add(&self.keyword_rules[m.pattern().as_usize()], m.start());
        }
        for (finder, rules) in &self.short {
            for at in finder.find_iter(data) {
                add(rules, at);
            }
        }
        let mut hits: Vec<(Range<usize>, usize, String)> = Vec::new();
        for (i, list) in windows.iter().enumerate() {
            let c = &self.compiled[i];
            for w in list {
                for caps in c.regex.captures_iter(&data[w.clone()]) {
                    let Some(s) = caps.name("s") else { continue };
                    let range = w.start + s.start()..w.start + s.end();
                    if let Some((range, masked)) = confirm(c.detector.check, data, range) {
                        hits.push((range, i, masked));
                    }
                }
            }
        }
        // Sample values that distributions ship in their default configuration files.
        hits.retain(|(r, _, _)| {
            !KNOWN_DEFAULTS
                .iter()
                .any(|(p, v)| path.trim_start_matches('/') == *p && &data[r.clone()] == *v)
        });
        // A rule that knows the credential's format wins over one that only knows its context.
        let specific: Vec<Range<usize>> = hits
            .iter()
            .filter(|(_, i, _)| !self.compiled[*i].detector.contextual)
            .map(|(r, _, _)| r.clone())
            .collect();
        hits.retain(|(r, i, _)| {
            !self.compiled[*i].detector.contextual
                || !specific.iter().any(|s| s.start < r.end && r.start < s.end)
        });
        hits.sort_by_key(|h| (h.0.start, h.1, h.0.end));
        hits.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut line = 1;
        let mut counted = 0;
        hits.into_iter()
            .map(|(range, i, masked)| {
                line += memchr::memchr_iter(b'\n', &data[counted..range.start]).count();
                counted = range.start;
                SecretHit {
                    line,
                    range,
                    rule: self.compiled[i].detector.meta.id,
                    masked,
                }
            })
            .collect()
    }
}

/// The forms a keyword is searched in: as written, and for case-insensitive rules also in lower case, upper
/// case and with a capital first letter.
fn case_variants(keyword: &str, ignore_case: bool) -> Vec<String> {
    let mut out = vec![keyword.to_string()];
    if ignore_case {
        let mut capital = keyword.to_string();
        capital[..1].make_ascii_uppercase();
        out.extend([
            keyword.to_ascii_lowercase(),
            keyword.to_ascii_uppercase(),
            capital,
        ]);
    }
    out.sort();
    out.dedup();
    out
}

/// Turns (keyword, detector) pairs into the automaton's keyword list with the detectors to run for each,
/// and the short keywords. A leftmost-first search reports one keyword where several overlap
/// (`aws_secret` hides `secret`), so each keyword triggers the detectors of every keyword it overlaps; a
/// keyword that contains another is dropped (the shorter one finds it) and its detectors move to it.
#[allow(clippy::type_complexity)]
fn plan_keywords(
    pairs: Vec<(String, usize)>,
) -> (
    Vec<String>,
    Vec<Vec<usize>>,
    Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>,
) {
    let mut words: Vec<(String, Vec<usize>)> = Vec::new();
    for (word, detector) in pairs {
        match words.iter_mut().find(|(w, _)| *w == word) {
            Some((_, list)) => list.push(detector),
            None => words.push((word, vec![detector])),
        }
    }
    let (short, long): (Vec<_>, Vec<_>) = words.into_iter().partition(|(w, _)| w.len() < 3);
    // Keywords that contain no other keyword.
    let kept: Vec<String> = long
        .iter()
        .filter(|(w, _)| !long.iter().any(|(o, _)| o != w && w.contains(o.as_str())))
        .map(|(w, _)| w.clone())
        .collect();
    let overlaps = |a: &str, b: &str| {
        a.contains(b)
            || b.contains(a)
            || (1..a.len()).any(|k| b.starts_with(&a[k..]) || a.starts_with(&b[b.len().saturating_sub(k)..]))
    };
    let rules = kept
        .iter()
        .map(|k| {
            let mut list: Vec<usize> = long
                .iter()
                .filter(|(w, _)| overlaps(k, w))
                .flat_map(|(_, d)| d.iter().copied())
                .collect();
            list.sort();
            list.dedup();
            list
        })
        .collect();
    let short = short
        .into_iter()
        .map(|(w, mut d)| {
            d.sort();
            d.dedup();
            (memchr::memmem::Finder::new(w.as_bytes()).into_owned(), d)
        })
        .collect();
    (kept, rules, short)
}

/// The part of `data` around a keyword at `at` that a regex runs on: its line, cut to [`BACK`] bytes
/// before and [`FORWARD`] after; multi-line rules get [`KEY_SPAN`] bytes after regardless of lines.
fn window(data: &[u8], at: usize, multiline: bool) -> Range<usize> {
    let floor = at.saturating_sub(BACK);
    let start = memchr::memrchr(b'\n', &data[floor..at]).map_or(floor, |p| floor + p + 1);
    let end = if multiline {
        (at + KEY_SPAN).min(data.len())
    } else {
        let ceil = (at + FORWARD).min(data.len());
        memchr::memchr(b'\n', &data[at..ceil]).map_or(ceil, |p| at + p)
    };
    start..end
}

/// Whether `path` is a configuration file, where `password=`-style assignments are reported: by
/// extension (`.conf`, `.cfg`, `.cnf`, `.ini`, `.env`, `.properties`, `.yaml`, `.yml`, `.toml`,
/// `.json`, `.xml`), by name (`.env*`, `.netrc`, `credentials`, `environment`) or anywhere under `/etc/`
/// without an extension.
pub fn is_config_path(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with(".env") || matches!(base, ".netrc" | "credentials" | "environment" | "config") {
        return true;
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => matches!(
            ext.to_ascii_lowercase().as_str(),
            "conf" | "cfg" | "cnf" | "ini" | "env" | "properties" | "yaml" | "yml" | "toml" | "json" | "xml"
        ),
        _ => path.starts_with("/etc/") || path.starts_with("etc/"),
    }
}

/// Runs `check` on a candidate; returns the reported range and masked value, or `None` for a decoy.
fn confirm(check: Check, data: &[u8], range: Range<usize>) -> Option<(Range<usize>, String)> {
    let value = &data[range.clone()];
    match check {
        Check::Token => (!is_placeholder(value)).then(|| (range.clone(), mask(value))),
        Check::Value => (!is_placeholder(value) && !is_template(value)).then(|| (range.clone(), mask(value))),
        Check::Jwt => {
            let header = value.split(|&b| b == b'.').next()?;
            let json = base64_decode(header)?;
            let has = |k: &[u8]| json.windows(k.len()).any(|w| w == k);
            (json.starts_with(b"{") && (has(b"\"alg\"") || has(b"\"typ\"")) && !is_placeholder(value))
                .then(|| (range.clone(), mask(value)))
        }
        Check::DockerAuth => {
            // The key is the quoted string before the value's own opening quote.
            let quoted_key = data[..range.start.saturating_sub(1)]
                .iter()
                .rposition(|&b| b == b'"')
                .and_then(|close| {
                    let open = data[..close].iter().rposition(|&b| b == b'"')?;
                    Some(data[open + 1..close].to_ascii_lowercase())
                });
            // Not `"auth": "…"` itself: tokens are taken as they are.
            if quoted_key.as_deref() == Some(b"auth") {
                let decoded = base64_decode(value)?;
                let colon = decoded.iter().position(|&b| b == b':')?;
                let password = &decoded[colon + 1..];
                if colon == 0 || password.is_empty() || is_placeholder(password) {
                    return None;
                }
            } else if is_placeholder(value) {
                return None;
            }
            Some((range.clone(), mask(value)))
        }
        Check::GcpServiceAccount => {
            let has_key = memchr::memmem::find(data, b"\"private_key\"").is_some();
            has_key.then(|| (range.clone(), "service_account (key file)".to_string()))
        }
        Check::PrivateKey => {
            // `range` is the label (`RSA PRIVATE KEY`); the key runs from after the header to `-----END`.
            let body_start = range.end + "-----".len();
            let span_end = (body_start + KEY_SPAN).min(data.len());
            let end_at = memchr::memmem::find(&data[body_start..span_end], b"-----END")? + body_start;
            let body = &data[body_start..end_at];
            let base64 = body
                .iter()
                .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count();
            // (Key bodies are not checked for filler: OpenSSH keys hold long runs of `A`.)
            if base64 < 64 {
                return None;
            }
            let close = memchr::memmem::find(&data[end_at + 8..span_end], b"-----")
                .map_or(end_at + 8, |p| end_at + 8 + p + 5);
            let label = String::from_utf8_lossy(value);
            Some((
                range.start - "-----BEGIN ".len()..close,
                format!("-----BEGIN {label}----- ****"),
            ))
        }
    }
}

/// Values no one uses as a real secret: documentation examples (`EXAMPLE`, AWS's published
/// `AKIAIOSFODNN7EXAMPLE`), filler (`xxxxxxxx`, `********`, `00000000`: a run of 8 identical characters).
fn is_placeholder(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    if memchr::memmem::find(&lower, b"example").is_some() {
        return true;
    }
    value.windows(8).any(|w| w.iter().all(|&b| b == w[0]))
}

/// Values of `password=`-style settings that are not the secret itself: variables and templates
/// (`$VAR`, `${VAR}`, `%(var)s`, `{{ var }}`, `<your-password>`), paths, empty or filler words.
fn is_template(value: &[u8]) -> bool {
    let first = value.first().copied().unwrap_or(b'$');
    if matches!(
        first,
        b'$' | b'%' | b'<' | b'{' | b'[' | b'(' | b'@' | b'!' | b'/' | b'~' | b'&' | b'*'
    ) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    let has = |s: &[u8]| memchr::memmem::find(&lower, s).is_some();
    if has(b"${")
        || has(b"{{")
        || has(b"<")
        || has(b"(")
        || has(b"your")
        || has(b"placeholder")
        || has(b"redacted")
    {
        return true;
    }
    matches!(
        lower.as_slice(),
        b"password"
            | b"passwd"
            | b"secret"
            | b"changeme"
            | b"change_me"
            | b"none"
            | b"null"
            | b"undefined"
            | b"false"
            | b"disabled"
            | b"required"
            | b"optional"
            | b"string"
            | b"prompt"
    ) || lower
        .iter()
        .all(|&b| matches!(b, b'x' | b'*' | b'.' | b'-' | b'_'))
}

/// Decodes standard or URL-safe base64, padded or not; `None` if it is not base64.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let text = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in text {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_at_most_four_characters() {
        assert_eq!(mask(b"AKIAZ3MSJV4WWNKWW5FG"), "AKIA****************");
        assert_eq!(mask(b"hunter22"), "hu******");
        assert_eq!(mask(b"abc"), "***");
        assert_eq!(mask(&[0xff; 20]), "????****************");
        assert_eq!(mask(&[b'a'; 100]).len(), 44);
    }

    #[test]
    fn binary_heuristic() {
        assert!(is_binary(b"ELF\x02\x01\x00\x00"));
        assert!(!is_binary(b"plain text\n"));
        assert!(!is_binary("caf\u{e9} na\u{ef}ve\n".as_bytes()));
        // Latin-1 text: a few bytes that are not UTF-8.
        assert!(!is_binary(
            b"caf\xe9 cr\xe8me br\xfbl\xe9e, a longer sentence of text\n"
        ));
        assert!(is_binary(&[0xff, 0xfe, 0x80, 0x81, 0x90, b'a']));
        assert!(!is_binary(b""));
    }

    #[test]
    fn base64_decodes_both_alphabets() {
        assert_eq!(base64_decode(b"dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(
            base64_decode(b"eyJhbGciOiJIUzI1NiJ9").unwrap(),
            br#"{"alg":"HS256"}"#
        );
        assert_eq!(base64_decode(b"Pz8-Pw").unwrap(), b"??>?");
        assert!(base64_decode(b"not base64!").is_none());
    }

    #[test]
    fn rules_are_sorted_unique_and_documented() {
        let ids: Vec<&str> = rules().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for r in rules() {
            assert!(r.id.starts_with("secret-"));
            assert_eq!(r.category, Category::Secret);
            assert!(r.references.len() >= 4, "{}", r.id);
        }
        assert!(SecretScanner::new(&SecretConfig::default()).is_ok());
    }

    #[test]
    fn unknown_disabled_rule_is_an_error() {
        let config = SecretConfig {
            disabled_rules: vec!["secret-nope".into()],
            ..SecretConfig::default()
        };
        let err = SecretScanner::new(&config).unwrap_err();
        assert!(err.to_string().contains("secret-nope"), "{err}");
    }

    #[test]
    fn keywords_in_common_cases_and_overlaps() {
        let scanner = SecretScanner::new(&SecretConfig::default()).unwrap();
        for text in [
            "DB_PASSWORD=Tr0ub4dor-3x",
            "dbPassword: Tr0ub4dor-3x",
            "Password = Tr0ub4dor-3x",
            "apiKey: 9f8e7d6c5b4a",
        ] {
            let hits = scanner.scan("/srv/app.yaml", text.as_bytes());
            assert_eq!(
                hits.iter().map(|h| h.rule).collect::<Vec<_>>(),
                ["secret-generic-assignment"],
                "{text}"
            );
        }
        // `SECRET` (keyword of two rules) inside `AWS_SECRET_ACCESS_KEY`.
        let text = "AWS_SECRET_ACCESS_KEY=Hx2Pq8ZbY3nL9rT6vW1kS4dF7gJ0mC5aE2xR8uQz\n";
        let hits = scanner.scan("/srv/app.env", text.as_bytes());
        assert_eq!(
            hits.iter().map(|h| h.rule).collect::<Vec<_>>(),
            ["secret-aws-secret-key"]
        );
        let (words, rules, short) = plan_keywords(vec![
            ("aws_secret".into(), 0),
            ("secret".into(), 1),
            ("SK".into(), 2),
        ]);
        assert_eq!(words, ["secret"]);
        assert_eq!(rules, [vec![0, 1]]);
        assert_eq!(short.len(), 1);
    }

    #[test]
    fn config_paths() {
        assert!(is_config_path("/etc/app/app.conf"));
        assert!(is_config_path("/srv/.env.production"));
        assert!(is_config_path("/etc/environment"));
        assert!(is_config_path("/opt/app/settings.YAML"));
        assert!(!is_config_path("/usr/lib/python3/dist-packages/x.py"));
        assert!(!is_config_path("/opt/app/.yaml"));
    }
}
