//! Image names (`HOST[:PORT]/REPO`) and the globs scopes match them with.

use std::cmp::Ordering;
use std::fmt;

/// A repository in a registry: `HOST[:PORT]/PATH`, without tag or digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageName {
    /// `HOST[:PORT]` (`docker.io` for Docker Hub).
    pub registry: String,
    /// The repository path (`library/alpine`, `prod/app`).
    pub repository: String,
}

impl ImageName {
    /// Reads `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`, dropping tag and digest. Like docker, a first
    /// component without `.` or `:` that is not `localhost` is a Docker Hub path
    /// (`alpine` → `docker.io/library/alpine`, `index.docker.io/x/y` → `docker.io/x/y`).
    /// `None` when the name is empty or has an empty path component.
    pub fn parse(reference: &str) -> Option<Self> {
        let reference = reference.strip_prefix("docker://").unwrap_or(reference);
        let without_digest = reference.split('@').next().unwrap_or("");
        let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
        let name = match without_digest[last_slash..].find(':') {
            Some(colon) => &without_digest[..last_slash + colon],
            None => without_digest,
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                let host = if first == "index.docker.io" {
                    "docker.io"
                } else {
                    first
                };
                (host.to_owned(), rest.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let valid = !registry.is_empty()
            && !repository.is_empty()
            && repository.split('/').all(|c| !c.is_empty())
            && !name.chars().any(char::is_whitespace);
        valid.then_some(ImageName { registry, repository })
    }

    /// `HOST[:PORT]/PATH`.
    pub fn full(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

/// A scope's glob over `HOST[:PORT]/PATH`: `*` matches within one `/`-separated component, a
/// whole component `**` matches any number of components (also none, so `host/team/**` matches
/// `host/team` itself). A pattern without wildcards matches exactly that repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    text: String,
    segments: Vec<String>,
}

impl Pattern {
    /// Checks and compiles a pattern; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty match pattern".to_owned());
        }
        if let Some(c) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/' | '*')))
        {
            return Err(format!(
                "match pattern `{text}` contains `{c}` (allowed: letters, digits, `.-_:/` and the wildcards `*` and `**`)"
            ));
        }
        let segments: Vec<String> = text.split('/').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("match pattern `{text}` has an empty path component"));
        }
        for s in &segments {
            if s.contains("**") && s != "**" {
                return Err(format!(
                    "match pattern `{text}`: `**` must be a whole path component (`a/**/b`), not part of `{s}`"
                ));
            }
        }
        Ok(Pattern {
            text: text.to_owned(),
            segments,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no wildcard (it names one repository).
    pub fn is_exact(&self) -> bool {
        !self.text.contains('*')
    }

    /// Whether the pattern matches `name` (`HOST[:PORT]/PATH`).
    pub fn matches(&self, name: &str) -> bool {
        let parts: Vec<&str> = name.split('/').collect();
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        match_segments(&segments, &parts)
    }

    /// Orders patterns from most to least specific: exact names first, then by the number of
    /// literal (non-`*`) characters, longest first. Ties keep file order (a stable sort).
    pub fn specificity_cmp(&self, other: &Pattern) -> Ordering {
        let literal = |p: &Pattern| p.text.chars().filter(|c| *c != '*').count();
        other
            .is_exact()
            .cmp(&self.is_exact())
            .then_with(|| literal(other).cmp(&literal(self)))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn match_segments(pattern: &[&str], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => (0..=parts.len()).any(|skip| match_segments(rest, &parts[skip..])),
        Some((first, rest)) => parts
            .split_first()
            .is_some_and(|(part, tail)| match_component(first, part) && match_segments(rest, tail)),
    }
}

/// `*` within one component: any run of characters.
fn match_component(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split('*').collect();
    if pieces.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> String {
        ImageName::parse(s).unwrap().full()
    }

    #[test]
    fn image_names_are_normalized() {
        assert_eq!(name("alpine"), "docker.io/library/alpine");
        assert_eq!(name("alpine:3.19"), "docker.io/library/alpine");
        assert_eq!(name("bitnami/redis@sha256:ab"), "docker.io/bitnami/redis");
        assert_eq!(name("index.docker.io/x/y:1"), "docker.io/x/y");
        assert_eq!(
            name("registry.local:5000/prod/app:v1"),
            "registry.local:5000/prod/app"
        );
        assert_eq!(
            name("docker://127.0.0.1:5000/demo/tiny@sha256:00"),
            "127.0.0.1:5000/demo/tiny"
        );
        assert_eq!(name("localhost/app"), "localhost/app");
        let n = ImageName::parse("registry.local:5000/prod/app").unwrap();
        assert_eq!(
            (n.registry.as_str(), n.repository.as_str()),
            ("registry.local:5000", "prod/app")
        );
        assert_eq!(ImageName::parse(""), None);
        assert_eq!(ImageName::parse("host.io//x"), None);
        assert_eq!(ImageName::parse("host.io/"), None);
    }

    #[test]
    fn globs() {
        let p = |s: &str| Pattern::parse(s).unwrap();
        assert!(p("registry.local:5000/prod/*").matches("registry.local:5000/prod/app"));
        assert!(!p("registry.local:5000/prod/*").matches("registry.local:5000/prod/team/app"));
        assert!(!p("registry.local:5000/prod/*").matches("registry.local:5000/prod"));
        assert!(p("docker.io/**").matches("docker.io/library/alpine"));
        assert!(p("docker.io/**").matches("docker.io"));
        assert!(p("**").matches("a.b/c"));
        assert!(p("*.example.com/**").matches("eu.registry.example.com/a/b"));
        assert!(!p("*.example.com/**").matches("example.com/a"));
        assert!(p("h/a/**/z").matches("h/a/z") && p("h/a/**/z").matches("h/a/b/c/z"));
        assert!(p("h/app-*-dev").matches("h/app-x-dev") && !p("h/app-*-dev").matches("h/app-dev"));
        assert!(p("h/x").matches("h/x") && !p("h/x").matches("h/x/y"));
        for (bad, message) in [
            ("", "empty match pattern"),
            ("h//x", "match pattern `h//x` has an empty path component"),
            ("h/x/", "match pattern `h/x/` has an empty path component"),
            (
                "h/x**",
                "match pattern `h/x**`: `**` must be a whole path component (`a/**/b`), not part of `x**`",
            ),
            (
                "h/[ab]",
                "match pattern `h/[ab]` contains `[` (allowed: letters, digits, `.-_:/` and the wildcards `*` and `**`)",
            ),
        ] {
            assert_eq!(Pattern::parse(bad).unwrap_err(), message);
        }
    }

    #[test]
    fn specificity() {
        let mut v: Vec<Pattern> = ["**", "h/prod/*", "h/**", "h/prod/app", "h/prod/a*"]
            .iter()
            .map(|s| Pattern::parse(s).unwrap())
            .collect();
        v.sort_by(Pattern::specificity_cmp);
        let order: Vec<&str> = v.iter().map(Pattern::as_str).collect();
        assert_eq!(order, ["h/prod/app", "h/prod/a*", "h/prod/*", "h/**", "**"]);
    }
}
