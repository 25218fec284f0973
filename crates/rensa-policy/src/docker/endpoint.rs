//! Which Docker Engine API call a request is: the method and `RequestUri` as dockerd reports them,
//! routed the way dockerd routes them (percent-decoded path, cleaned like Go's `path.Clean`, optional
//! `/vX.Y` version prefix, names that may contain `/`).

/// An engine API call the plugin inspects; everything else is [`Endpoint::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /containers/create`.
    ContainerCreate,
    /// `POST /containers/{id}/start`: API versions before 1.24 still take a `HostConfig` body here.
    ContainerStart {
        /// The container id or name.
        container: String,
    },
    /// `POST /containers/{id}/update`.
    ContainerUpdate {
        /// The container id or name.
        container: String,
    },
    /// `POST /containers/{id}/exec` (exec create; `POST /exec/{id}/start` only runs what was created).
    ExecCreate {
        /// The container id or name.
        container: String,
    },
    /// `POST /images/create`: a pull (`fromImage`, `tag`) or an import (`fromSrc`).
    ImageCreate {
        /// `fromImage` joined with `tag` (`REPO:TAG` or `REPO@DIGEST`); `None` for an import.
        image: Option<String>,
    },
    /// A plugin call that installs, changes or enables a plugin.
    Plugin {
        /// `pull`, `create`, `upgrade`, `set` or `enable`.
        operation: &'static str,
        /// The plugin references the call names (the `remote` and the local name).
        names: Vec<String>,
    },
    /// `POST /volumes/create`.
    VolumeCreate,
    /// `POST /services/create` or `POST /services/{id}/update`.
    Service,
    /// Anything else: allowed.
    Other,
}

impl Endpoint {
    /// A short kebab-case name of the call, for the audit log.
    pub fn action(&self) -> &'static str {
        match self {
            Endpoint::ContainerCreate => "container-create",
            Endpoint::ContainerStart { .. } => "container-start",
            Endpoint::ContainerUpdate { .. } => "container-update",
            Endpoint::ExecCreate { .. } => "exec-create",
            Endpoint::ImageCreate { .. } => "image-create",
            Endpoint::Plugin { .. } => "plugin",
            Endpoint::VolumeCreate => "volume-create",
            Endpoint::Service => "service",
            Endpoint::Other => "other",
        }
    }

    /// Whether the call's JSON body must be inspected (a missing body then denies).
    pub fn needs_body(&self) -> bool {
        matches!(
            self,
            Endpoint::ContainerCreate
                | Endpoint::ContainerUpdate { .. }
                | Endpoint::ExecCreate { .. }
                | Endpoint::VolumeCreate
                | Endpoint::Service
        )
    }

    /// Routes `method` and `uri`; the error says why the URI cannot be read (the plugin denies then).
    pub fn parse(method: &str, uri: &str) -> Result<Endpoint, String> {
        if !uri.starts_with('/') {
            return Err(format!("the request URI {uri:?} is not an absolute path"));
        }
        let (raw_path, query) = match uri.split_once('?') {
            Some((p, q)) => (p, q),
            None => (uri, ""),
        };
        let raw_path = raw_path.split('#').next().unwrap_or("");
        let path = percent_decode(raw_path, false)
            .ok_or_else(|| format!("the request path {raw_path:?} is not validly percent-encoded"))?;
        let mut segments: Vec<&str> = Vec::new();
        for s in path.split('/') {
            match s {
                "" | "." => {}
                ".." => {
                    segments.pop();
                }
                s => segments.push(s),
            }
        }
        if segments.first().is_some_and(|s| is_version(s)) {
            segments.remove(0);
        }
        if !method.eq_ignore_ascii_case("POST") {
            return Ok(Endpoint::Other);
        }
        let middle = |s: &[&str]| s[1..s.len() - 1].join("/");
        let endpoint = match segments.as_slice() {
            ["containers", "create"] => Endpoint::ContainerCreate,
            ["containers", .., "exec"] if segments.len() >= 3 => Endpoint::ExecCreate {
                container: middle(&segments),
            },
            ["containers", .., "start"] if segments.len() >= 3 => Endpoint::ContainerStart {
                container: middle(&segments),
            },
            ["containers", .., "update"] if segments.len() >= 3 => Endpoint::ContainerUpdate {
                container: middle(&segments),
            },
            ["images", "create"] => {
                let q = Query::parse(query)?;
                let image = q.first("fromImage").filter(|s| !s.is_empty()).map(|from| {
                    match q.first("tag").filter(|t| !t.is_empty()) {
                        Some(tag) if tag.contains(':') => format!("{from}@{tag}"),
                        Some(tag) => format!("{from}:{tag}"),
                        None => from.to_string(),
                    }
                });
                Endpoint::ImageCreate { image }
            }
            ["plugins", "pull"] | ["plugins", "create"] => {
                let q = Query::parse(query)?;
                let names = ["remote", "name"]
                    .iter()
                    .filter_map(|k| q.first(k))
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                Endpoint::Plugin {
                    operation: if segments[1] == "pull" { "pull" } else { "create" },
                    names,
                }
            }
            ["plugins", .., last @ ("upgrade" | "set" | "enable")] if segments.len() >= 3 => {
                let q = Query::parse(query)?;
                let mut names = vec![middle(&segments)];
                names.extend(q.first("remote").filter(|s| !s.is_empty()).map(str::to_string));
                Endpoint::Plugin {
                    operation: match *last {
                        "upgrade" => "upgrade",
                        "set" => "set",
                        _ => "enable",
                    },
                    names,
                }
            }
            ["volumes", "create"] => Endpoint::VolumeCreate,
            ["services", "create"] => Endpoint::Service,
            ["services", .., "update"] if segments.len() >= 3 => Endpoint::Service,
            _ => Endpoint::Other,
        };
        Ok(endpoint)
    }
}

/// `v1.41`, `v1`: dockerd's `/v{version:[0-9.]+}` prefix.
fn is_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// Decodes `%XX` escapes (and `+` as a space in query components); `None` for a bad escape or
/// invalid UTF-8.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A decoded query string (Go's `url.ParseQuery`: `&`-separated, `key=value`, first value wins in `Get`).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Result<Query, String> {
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent_decode(s, true)
                    .ok_or_else(|| format!("the query {query:?} is not validly percent-encoded"))
            };
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Query(pairs))
    }

    fn first(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(method: &str, uri: &str) -> Endpoint {
        Endpoint::parse(method, uri).unwrap()
    }

    #[test]
    fn versions_queries_and_encoding() {
        assert_eq!(ep("POST", "/v1.41/containers/create"), Endpoint::ContainerCreate);
        assert_eq!(
            ep("POST", "/containers/create?name=az1"),
            Endpoint::ContainerCreate
        );
        assert_eq!(ep("post", "/v1.24/containers/create"), Endpoint::ContainerCreate);
        assert_eq!(
            ep("POST", "//v1.41//containers/./create/"),
            Endpoint::ContainerCreate
        );
        assert_eq!(
            ep("POST", "/v1.41/x/../containers/%63reate"),
            Endpoint::ContainerCreate
        );
        assert_eq!(ep("GET", "/v1.41/containers/create"), Endpoint::Other);
        assert_eq!(
            ep("POST", "/v1.41/containers/az1/exec"),
            Endpoint::ExecCreate {
                container: "az1".into()
            }
        );
        assert_eq!(
            ep("POST", "/v1.41/containers/c6023ac9bef5/exec?x=1"),
            Endpoint::ExecCreate {
                container: "c6023ac9bef5".into()
            }
        );
        assert_eq!(
            ep("POST", "/v1.41/containers/a%2Fb/exec"),
            Endpoint::ExecCreate {
                container: "a/b".into()
            }
        );
        assert_eq!(
            ep("POST", "/containers/web/update"),
            Endpoint::ContainerUpdate {
                container: "web".into()
            }
        );
        assert_eq!(ep("POST", "/v1.41/exec/f3b7/start"), Endpoint::Other);
        assert_eq!(
            ep("POST", "/v1.23/containers/web/start"),
            Endpoint::ContainerStart {
                container: "web".into()
            }
        );
        assert_eq!(ep("HEAD", "/_ping"), Endpoint::Other);
        assert_eq!(ep("POST", "/v1.41/containers/exec"), Endpoint::Other);
        assert!(Endpoint::parse("POST", "/v1.41/containers/%zz/exec").is_err());
        assert!(Endpoint::parse("POST", "/v1.41/containers/%ff/exec").is_err());
        assert!(Endpoint::parse("POST", "containers/create").is_err());
    }

    #[test]
    fn image_pulls() {
        assert_eq!(
            ep("POST", "/v1.41/images/create?fromImage=busybox&tag=latest"),
            Endpoint::ImageCreate {
                image: Some("busybox:latest".into())
            }
        );
        assert_eq!(
            ep(
                "POST",
                "/images/create?tag=sha256%3Aabc&fromImage=quay.io%2Fx%2Fy"
            ),
            Endpoint::ImageCreate {
                image: Some("quay.io/x/y@sha256:abc".into())
            }
        );
        assert_eq!(
            ep("POST", "/images/create?fromImage=alpine"),
            Endpoint::ImageCreate {
                image: Some("alpine".into())
            }
        );
        assert_eq!(
            ep("POST", "/images/create?fromSrc=-&repo=rtest&tag=latest"),
            Endpoint::ImageCreate { image: None }
        );
        assert!(Endpoint::parse("POST", "/images/create?fromImage=%").is_err());
    }

    #[test]
    fn plugins() {
        assert_eq!(
            ep(
                "POST",
                "/v1.41/plugins/pull?remote=vieux%2Fsshfs%3Alatest&name=sshfs"
            ),
            Endpoint::Plugin {
                operation: "pull",
                names: vec!["vieux/sshfs:latest".into(), "sshfs".into()]
            }
        );
        assert_eq!(
            ep("POST", "/v1.41/plugins/vieux/sshfs:latest/set"),
            Endpoint::Plugin {
                operation: "set",
                names: vec!["vieux/sshfs:latest".into()]
            }
        );
        assert_eq!(
            ep("POST", "/plugins/sshfs/upgrade?remote=evil%2Fsshfs"),
            Endpoint::Plugin {
                operation: "upgrade",
                names: vec!["sshfs".into(), "evil/sshfs".into()]
            }
        );
        assert_eq!(
            ep("POST", "/plugins/sshfs/enable?timeout=0"),
            Endpoint::Plugin {
                operation: "enable",
                names: vec!["sshfs".into()]
            }
        );
        assert_eq!(ep("POST", "/plugins/sshfs/disable"), Endpoint::Other);
        assert_eq!(ep("DELETE", "/plugins/sshfs"), Endpoint::Other);
        assert_eq!(ep("POST", "/v1.41/volumes/create"), Endpoint::VolumeCreate);
        assert_eq!(ep("POST", "/v1.41/services/create"), Endpoint::Service);
        assert_eq!(
            ep("POST", "/v1.41/services/abc/update?version=3"),
            Endpoint::Service
        );
    }
}
