//! Registry authentication: `WWW-Authenticate` challenges, credentials (given or from a Docker
//! `config.json`), and the token response of a bearer-token server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};

/// A user name and password for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password (or a personal access token).
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The value of an `Authorization: Basic …` header for these credentials.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

/// What a registry asks for in a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// HTTP basic authentication.
    Basic {
        /// The realm, for messages.
        realm: Option<String>,
    },
    /// A bearer token from a token server (the Docker registry token protocol).
    Bearer {
        /// The token server's URL.
        realm: String,
        /// The `service` parameter to pass on.
        service: Option<String>,
        /// The `scope` parameter to pass on (`repository:NAME:pull`).
        scope: Option<String>,
        /// The `error` parameter (`invalid_token`, `insufficient_scope`), when given.
        error: Option<String>,
    },
}

impl Challenge {
    /// Parses a `WWW-Authenticate` value: `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
    ///
    /// Returns `None` for schemes this crate does not speak or a bearer challenge without a realm.
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = match header.find(char::is_whitespace) {
            Some(i) => (&header[..i], &header[i..]),
            None => (header, ""),
        };
        let params = parse_params(rest);
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic {
                realm: params.get("realm").cloned(),
            });
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(Challenge::Bearer {
                realm: params.get("realm").filter(|r| !r.is_empty())?.clone(),
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
                error: params.get("error").cloned(),
            });
        }
        None
    }
}

/// Parses `key=value` or `key="quoted, value"` pairs separated by commas; keys are lowercased.
fn parse_params(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim_end().to_string();
            }
        }
        let key = key.trim().to_ascii_lowercase();
        if !key.is_empty() {
            out.entry(key).or_insert(value);
        }
        if chars.peek().is_none() {
            break;
        }
    }
    out
}

/// The answer of a token server: `token` (or the OAuth2 spelling `access_token`).
#[derive(Debug, serde::Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    #[serde(default)]
    pub token: Option<String>,
    /// The same, as OAuth2 names it.
    #[serde(default)]
    pub access_token: Option<String>,
}

impl TokenResponse {
    /// The token, whichever field holds it.
    pub fn into_token(self) -> Option<String> {
        self.token
            .filter(|t| !t.is_empty())
            .or(self.access_token.filter(|t| !t.is_empty()))
    }
}

/// The credential files searched, in order, as podman/skopeo and Docker do: `$REGISTRY_AUTH_FILE`,
/// `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, then the Docker client's
/// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. All share the `auths` format.
pub fn default_auth_files() -> Vec<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut files = Vec::new();
    files.extend(var("REGISTRY_AUTH_FILE"));
    files.extend(var("XDG_RUNTIME_DIR").map(|d| d.join("containers/auth.json")));
    let home = var("HOME");
    match var("XDG_CONFIG_HOME") {
        Some(c) => files.push(c.join("containers/auth.json")),
        None => files.extend(home.as_ref().map(|h| h.join(".config/containers/auth.json"))),
    }
    match var("DOCKER_CONFIG") {
        Some(d) => files.push(d.join("config.json")),
        None => files.extend(home.as_ref().map(|h| h.join(".docker/config.json"))),
    }
    files
}

#[derive(serde::Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The host part of an `auths` key, which may be written `host`, `https://host/` or `https://host/v1/`.
fn auth_key_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The names a registry host may be filed under in `auths` (Docker Hub has several).
fn host_aliases(registry: &str) -> Vec<&str> {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            vec!["index.docker.io", "docker.io", "registry-1.docker.io"]
        }
        other => vec![other],
    }
}

/// Looks up the credentials for `registry` in the `auths` of a Docker `config.json`.
///
/// A missing file gives `Ok(None)`; an unreadable or malformed one, or an entry whose `auth` is not
/// base64 of `user:password`, is an error naming the file. Credential helpers (`credsStore`,
/// `credHelpers`) are not run.
pub fn docker_config_credentials(path: &Path, registry: &str) -> Result<Option<Credentials>> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    let location = path.display().to_string();
    let config: DockerConfig = crate::source::parse_json(&data, &location)?;
    let aliases = host_aliases(registry);
    // An exact host match wins over a match written with a scheme or path; a BTreeMap keeps this stable.
    let entry = config
        .auths
        .iter()
        .filter(|(k, _)| aliases.contains(&auth_key_host(k)))
        .min_by_key(|(k, _)| (!aliases.contains(&k.as_str()), k.len()));
    let Some((key, entry)) = entry else {
        return Ok(None);
    };
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let bad = || {
            Error::malformed(
                &location,
                format!("auths[{key:?}].auth is not base64 of user:password"),
            )
        };
        let decoded = STANDARD.decode(auth.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let (user, pass) = text.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credentials {
            username: user.to_string(),
            password: pass.to_string(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        })),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge() {
        let c = Challenge::parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
                error: None,
            })
        );
        let c = Challenge::parse(
            r#"bearer realm="http://h/t", scope="repository:a:pull,push", error="insufficient_scope""#,
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "http://h/t".into(),
                service: None,
                scope: Some("repository:a:pull,push".into()),
                error: Some("insufficient_scope".into()),
            })
        );
        assert_eq!(Challenge::parse("Bearer service=x"), None);
    }

    #[test]
    fn basic_and_unknown_challenges() {
        assert_eq!(
            Challenge::parse(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic {
                realm: Some("Registry Realm".into())
            })
        );
        assert_eq!(Challenge::parse("Basic"), Some(Challenge::Basic { realm: None }));
        assert_eq!(Challenge::parse("Negotiate abc"), None);
        assert_eq!(Challenge::parse(""), None);
    }

    #[test]
    fn params_with_escapes_and_tokens() {
        let p = parse_params(r#" realm="a \"b\", c" , service=plain ,flag"#);
        assert_eq!(p.get("realm").map(String::as_str), Some(r#"a "b", c"#));
        assert_eq!(p.get("service").map(String::as_str), Some("plain"));
        assert_eq!(p.get("flag").map(String::as_str), Some(""));
    }

    #[test]
    fn basic_header() {
        let c = Credentials {
            username: "alice".into(),
            password: "s3cret".into(),
        };
        assert_eq!(c.basic_header(), "Basic YWxpY2U6czNjcmV0");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn token_response() {
        let t: TokenResponse = serde_json::from_str(r#"{"token":"abc","expires_in":60}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("abc"));
        let t: TokenResponse = serde_json::from_str(r#"{"token":"","access_token":"xyz"}"#).unwrap();
        assert_eq!(t.into_token().as_deref(), Some("xyz"));
        let t: TokenResponse = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(t.into_token(), None);
    }

    #[test]
    fn docker_config_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        assert_eq!(docker_config_credentials(&path, "h:5000").unwrap(), None);
        std::fs::write(
            &path,
            r#"{"auths":{
                "https://index.docker.io/v1/":{"auth":"aHViOnB3"},
                "https://reg.example:5000":{"auth":"c2NoZW1lOnB3"},
                "reg.example:5000":{"auth":"YWxpY2U6Yjp3aXRoOmNvbG9ucw=="},
                "other.example":{"username":"bob","password":"pw2"},
                "empty.example":{}
            },"credsStore":"desktop"}"#,
        )
        .unwrap();
        let get = |r: &str| {
            docker_config_credentials(&path, r)
                .unwrap()
                .map(|c| (c.username, c.password))
        };
        assert_eq!(
            get("reg.example:5000"),
            Some(("alice".into(), "b:with:colons".into()))
        );
        assert_eq!(get("docker.io"), Some(("hub".into(), "pw".into())));
        assert_eq!(get("registry-1.docker.io"), Some(("hub".into(), "pw".into())));
        assert_eq!(get("other.example"), Some(("bob".into(), "pw2".into())));
        assert_eq!(get("empty.example"), None);
        assert_eq!(get("reg.example"), None);
        std::fs::write(&path, r#"{"auths":{"h":{"auth":"!!"}}}"#).unwrap();
        let err = docker_config_credentials(&path, "h").unwrap_err().to_string();
        assert!(err.contains("config.json") && err.contains("not base64"), "{err}");
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            docker_config_credentials(&path, "h"),
            Err(Error::Json { .. })
        ));
    }
}
