//! Path allowlists: globs over absolute image paths.
//!
//! `*` matches within one path segment, `**` across segments, `?` one character; everything else is
//! literal. A pattern matches a path and everything below it, so `/usr/share/doc` covers
//! `/usr/share/doc/openssl/README`.

use regex::RegexSet;

use crate::error::{Error, Result};

/// The allowlist used unless [`super::SecretConfig::default_allowlist`] is turned off: documentation,
/// manuals, translations and the test suites that distributions and language runtimes ship (they hold
/// sample keys by design, such as CPython's `test/certdata`).
pub const DEFAULT_ALLOW_PATHS: &[&str] = &[
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/locale",
    "/usr/share/i18n",
    "/usr/share/help",
    "/usr/share/gtk-doc",
    "/usr/include",
    "/usr/lib/python3*/test",
    "/usr/local/lib/python3*/test",
    "/usr/lib/python3/dist-packages/**/tests",
    "/usr/local/lib/python3*/site-packages/**/tests",
    "/usr/lib/go-*/src/**/testdata",
    "/usr/lib/go-*/src/**/*_test.go",
    "/usr/share/go-*/src/**/testdata",
    "/usr/share/go-*/src/**/*_test.go",
    "/usr/local/go/src/**/testdata",
    "/usr/local/go/src/**/*_test.go",
    "/usr/share/perl/*/unicore",
    "/usr/lib/ruby/gems/*/gems/*/test",
    "/usr/lib/node_modules/**/test",
];

/// A compiled set of path globs.
#[derive(Debug, Clone)]
pub(crate) struct PathSet {
    set: RegexSet,
}

impl PathSet {
    /// Compiles `globs`; `origin` names where they come from for error messages.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<PathSet> {
        let mut regexes = Vec::with_capacity(globs.len());
        for glob in globs {
            let glob = glob.as_ref();
            if glob.trim().is_empty() {
                return Err(Error::Invalid {
                    location: "secret allowlist".into(),
                    message: "empty path pattern".into(),
                });
            }
            regexes.push(glob_to_regex(glob));
        }
        let set = RegexSet::new(&regexes).map_err(|e| Error::Invalid {
            location: "secret allowlist".into(),
            message: format!("bad path pattern: {e}"),
        })?;
        Ok(PathSet { set })
    }

    /// Whether `path` (made absolute) is covered by one of the globs.
    pub fn matches(&self, path: &str) -> bool {
        if path.starts_with('/') {
            self.set.is_match(path)
        } else {
            self.set.is_match(&format!("/{path}"))
        }
    }
}

/// Translates a glob into an anchored regex that also matches everything below the path.
fn glob_to_regex(glob: &str) -> String {
    let glob = glob.trim().trim_end_matches('/');
    let mut out = String::from("^");
    if !glob.starts_with('/') && !glob.starts_with("**") {
        out.push('/');
    }
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` matches zero or more whole segments.
                if chars.peek() == Some(&'/') {
                    chars.next();
                    out.push_str("(?:[^/]*/)*");
                } else {
                    out.push_str(".*");
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str("(?:/.*)?$");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_paths_and_below() {
        let set = PathSet::new(&[
            "/usr/share/doc",
            "/usr/lib/python3*/test",
            "**/fixtures/*.pem",
            "opt/x/",
        ])
        .unwrap();
        assert!(set.matches("/usr/share/doc"));
        assert!(set.matches("/usr/share/doc/openssl/README"));
        assert!(!set.matches("/usr/share/docs/x"));
        assert!(set.matches("/usr/lib/python3.11/test/certdata/key.pem"));
        assert!(!set.matches("/usr/lib/python3/dist-packages/x/test.py"));
        assert!(set.matches("/srv/app/fixtures/a.pem"));
        assert!(set.matches("/fixtures/a.pem"));
        assert!(!set.matches("/srv/app/fixtures/sub/a.pem"));
        assert!(set.matches("opt/x/y"));
        assert!(!set.matches("/opt/xy"));
    }

    #[test]
    fn default_allowlist_compiles() {
        let set = PathSet::new(DEFAULT_ALLOW_PATHS).unwrap();
        assert!(set.matches("/usr/lib/python3/dist-packages/cryptography/hazmat/tests/keys/rsa.pem"));
        assert!(!set.matches("/etc/ssl/private/server.key"));
    }

    #[test]
    fn empty_pattern_is_an_error() {
        assert!(PathSet::new(&[" "]).is_err());
    }
}
