//! The `gem` detector: installed Ruby gems from their specifications.
//!
//! RubyGems writes one Ruby file per installed gem, `…/specifications/NAME-VERSION[-PLATFORM].gemspec`
//! (default gems that ship with Ruby under `…/specifications/default/`). The file is generated code:
//!
//! ```ruby
//! Gem::Specification.new do |s|
//!   s.name = "rack".freeze
//!   s.version = "2.2.22"
//!   s.licenses = ["MIT".freeze]
//! ```
//!
//! The detector reads those assignments without evaluating Ruby: string literals in `"…"`, `'…'` and
//! `%q{…}` forms, with or without `.freeze`, on any block variable. When the assignments are missing it
//! falls back to the `# stub: NAME VERSION PLATFORM` comment line that RubyGems also writes.

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector, kept_files, split_path};
use crate::error::Result;
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;

/// Detects Ruby gems.
pub struct Gem;

/// Whether `path` is an installed gem specification.
pub fn is_specification(path: &str) -> bool {
    let (dir, base) = split_path(path);
    base.ends_with(".gemspec")
        && (dir.ends_with("/specifications") || dir.ends_with("/specifications/default"))
}

/// The facts read from a gemspec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `platform`, when not the default `ruby`.
    pub platform: Option<String>,
    /// `licenses` / `license`.
    pub licenses: Vec<String>,
    /// `authors` / `author`.
    pub authors: Vec<String>,
}

/// Reads one Ruby string literal at the start of `s`; returns it and the rest.
fn ruby_string(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (close, body) = if let Some(r) = s.strip_prefix('"') {
        ('"', r)
    } else if let Some(r) = s.strip_prefix('\'') {
        ('\'', r)
    } else if let Some(r) = s.strip_prefix("%q").or_else(|| s.strip_prefix("%Q")) {
        let mut cs = r.chars();
        let open = cs.next()?;
        let close = match open {
            '{' => '}',
            '(' => ')',
            '[' => ']',
            '<' => '>',
            c if c.is_ascii_punctuation() => c,
            _ => return None,
        };
        (close, cs.as_str())
    } else {
        return None;
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((j, 'u')) if close == '"' => {
                    // `\uXXXX` or `\u{X…}`: RubyGems writes non-ASCII author names this way.
                    let after = &body[j + 1..];
                    let (hex, skip) = match after.strip_prefix('{') {
                        Some(r) => (
                            r.split('}').next().unwrap_or(""),
                            r.find('}').map_or(0, |k| k + 2),
                        ),
                        None => (after.get(..4).unwrap_or(""), 4),
                    };
                    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                        Some(ch)
                            if skip > 0 && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
                        {
                            out.push(ch);
                            for _ in 0..skip {
                                chars.next();
                            }
                        }
                        _ => out.push('u'),
                    }
                }
                Some((_, e)) => out.push(match e {
                    'n' if close == '"' => '\n',
                    't' if close == '"' => '\t',
                    e => e,
                }),
                None => {}
            }
        } else if c == close {
            let rest = &body[i + c.len_utf8()..];
            return Some((out, rest.strip_prefix(".freeze").unwrap_or(rest)));
        } else {
            out.push(c);
        }
    }
    None
}

/// Every string literal in `s` (for arrays such as `["MIT".freeze, "Ruby".freeze]`).
fn ruby_strings(mut s: &str) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(i) = s.find(['"', '\'', '%']) {
        match ruby_string(&s[i..]) {
            Some((v, rest)) => {
                out.push(v);
                s = rest;
            }
            None => s = &s[i + 1..],
        }
    }
    out
}

/// Parses a gemspec as RubyGems writes it for installed gems.
pub fn parse_gemspec(text: &str) -> Spec {
    let var = text
        .find("Gem::Specification.new do |")
        .and_then(|i| {
            let rest = &text[i + "Gem::Specification.new do |".len()..];
            rest.find('|').map(|j| rest[..j].trim())
        })
        .filter(|v| !v.is_empty())
        .unwrap_or("s");
    let mut spec = Spec::default();
    let mut stub = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(s) = line.strip_prefix("# stub:") {
            stub.get_or_insert(s.trim());
            continue;
        }
        let Some(rest) = line.strip_prefix(var).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let Some((field, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value.trim_start();
        // `s.metadata = {...} if s.respond_to? ...`: only plain assignments matter here.
        match field.trim() {
            "name" => spec.name = spec.name.take().or(ruby_string(value).map(|v| v.0)),
            "version" => {
                let v = value.strip_prefix("Gem::Version.new(").unwrap_or(value);
                spec.version = spec.version.take().or(ruby_string(v).map(|v| v.0));
            }
            "platform" => spec.platform = ruby_string(value).map(|v| v.0).filter(|p| p != "ruby"),
            "licenses" | "license" => spec.licenses.extend(ruby_strings(value)),
            "authors" | "author" => spec.authors.extend(ruby_strings(value)),
            _ => {}
        }
    }
    if let Some(stub) = stub {
        let mut words = stub.split_whitespace();
        if spec.name.is_none() {
            spec.name = words.next().map(str::to_string);
        } else {
            words.next();
        }
        if spec.version.is_none() {
            spec.version = words.next().map(str::to_string);
        } else {
            words.next();
        }
        if spec.platform.is_none() {
            spec.platform = words.next().filter(|p| *p != "ruby").map(str::to_string);
        }
    }
    spec.licenses.retain(|l| !l.trim().is_empty());
    spec.authors.retain(|a| !a.trim().is_empty());
    spec
}

/// The purl of a gem (`?platform=` for platform-specific gems).
pub fn purl(name: &str, version: &str, platform: Option<&str>) -> String {
    let mut p = Purl::new("gem", name).version(version);
    if let Some(pl) = platform {
        p = p.qualifier("platform", pl);
    }
    p.to_string()
}

impl Detector for Gem {
    fn name(&self) -> &'static str {
        "gem"
    }
    fn want(&self, path: &str, _size: u64, _mode: u32) -> Want {
        if is_specification(path) {
            Want::Content
        } else {
            Want::Skip
        }
    }
    fn detect(&self, tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        let mut out = Detected::default();
        for (path, data) in kept_files(tree).filter(|(p, _)| is_specification(p)) {
            if data[..data.len().min(8192)].contains(&0) {
                out.warnings
                    .push(format!("{path}: not a gem specification (binary content)"));
                continue;
            }
            let spec = parse_gemspec(&String::from_utf8_lossy(data));
            let (Some(name), Some(version)) = (spec.name, spec.version) else {
                out.warnings
                    .push(format!("{path}: gem specification without name and version"));
                continue;
            };
            let mut p = Package::new(Ecosystem::Gem, &name, &version, path);
            p.purl = purl(&name, &version, spec.platform.as_deref());
            p.licenses = spec.licenses;
            p.supplier = (!spec.authors.is_empty()).then(|| spec.authors.join(", "));
            if let Some(pl) = spec.platform {
                p.properties.insert("platform".into(), pl);
            }
            out.packages.push(p);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_specification(
            "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"
        ));
        assert!(is_specification(
            "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"
        ));
        assert!(!is_specification("/app/myapp.gemspec"));
        assert!(!is_specification(
            "/usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/rake.gemspec"
        ));
        assert_eq!(
            split_path("/usr/lib/ruby/gems/3.1.0/specifications/x.gemspec").1,
            "x.gemspec"
        );
    }

    #[test]
    fn string_forms() {
        assert_eq!(ruby_string("\"rack\".freeze"), Some(("rack".into(), "")));
        assert_eq!(ruby_string("'a\\'b'"), Some(("a'b".into(), "")));
        assert_eq!(ruby_string("%q{json}"), Some(("json".into(), "")));
        assert_eq!(
            ruby_string("%q<minitest>.freeze, x"),
            Some(("minitest".into(), ", x"))
        );
        assert_eq!(ruby_string("\"unterminated"), None);
        assert_eq!(
            ruby_string(r#""Andr\u00E9 Arko".freeze"#),
            Some(("André Arko".into(), ""))
        );
        assert_eq!(ruby_string(r#""\u{1F600}x""#), Some(("\u{1F600}x".into(), "")));
        assert_eq!(ruby_string(r#""\uZZ""#), Some(("uZZ".into(), "")));
        assert_eq!(ruby_string(r#""\u{""#), Some(("u{".into(), "")));
        assert_eq!(
            ruby_strings("[\"MIT\".freeze, \"Ruby\".freeze]"),
            vec!["MIT", "Ruby"]
        );
    }

    #[test]
    fn older_and_odd_forms() {
        let spec = parse_gemspec(
            "Gem::Specification.new do |spec|\n  spec.name = %q{builder}\n  spec.version = Gem::Version.new(\"3.2.4\")\n  \
             spec.license = 'MIT'\n  spec.platform = \"x86_64-linux\"\nend\n",
        );
        assert_eq!(spec.name.as_deref(), Some("builder"));
        assert_eq!(spec.version.as_deref(), Some("3.2.4"));
        assert_eq!(spec.licenses, vec!["MIT"]);
        assert_eq!(
            purl("builder", "3.2.4", spec.platform.as_deref()),
            "pkg:gem/builder@3.2.4?platform=x86_64-linux"
        );
        let stub = parse_gemspec("# stub: nokogiri 1.15.4 x86_64-linux lib\n");
        assert_eq!(stub.name.as_deref(), Some("nokogiri"));
        assert_eq!(stub.version.as_deref(), Some("1.15.4"));
        assert_eq!(stub.platform.as_deref(), Some("x86_64-linux"));
        // Never panics on junk.
        for junk in [
            "s.name = %q",
            "s.name = %qé",
            "Gem::Specification.new do |",
            "s.version = \"\\",
            "é.name = 'x'",
        ] {
            let _ = parse_gemspec(junk);
        }
    }
}
