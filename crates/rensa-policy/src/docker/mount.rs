//! Host paths in bind mounts: lexical normalisation and the sensitive-path test.
//!
//! A bind is sensitive when its host path is a sensitive path, lies below one (`/etc/ssl` is below
//! `/etc`) or contains one (`/var` contains `/var/run/docker.sock`; `/` contains everything). The root
//! `/` only matches itself as "below": everything is below `/`. Paths are compared after lexical
//! normalisation (`//`, `.`, `..`, trailing `/`); symbolic links on the host cannot be seen from the
//! request and are not resolved.

/// The host paths that are always sensitive (the policy's `docker.sensitive_paths` adds more).
pub const BUILTIN_SENSITIVE_PATHS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/root",
    "/run/containerd",
    "/run/crio",
    "/run/docker",
    "/run/docker.sock",
    "/run/podman",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/run/containerd",
    "/var/run/crio",
    "/var/run/docker",
    "/var/run/docker.sock",
    "/var/run/podman",
];

/// Normalises an absolute path lexically: `//` and `.` components are dropped, `..` removes the
/// component before it (at the root it stays at the root, as the kernel does), no trailing `/`.
/// `None` when the path is not absolute or contains a NUL byte.
pub fn normalize(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Whether `path` is `base` or below it (both normalised).
pub fn at_or_below(path: &str, base: &str) -> bool {
    base == "/" || path == base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
}

/// The sensitive paths (built-in and `extra`, normalised) a bind of host path `path` exposes: those it
/// equals, lies below (except `/`) or contains. Empty when `path` is at or below an `allowed` path.
/// `None` when `path` is not an absolute path.
pub fn exposed(path: &str, extra: &[String], allowed: &[String]) -> Option<Vec<String>> {
    let path = normalize(path)?;
    if allowed.iter().any(|a| at_or_below(&path, a)) {
        return Some(Vec::new());
    }
    let mut hits: Vec<String> = BUILTIN_SENSITIVE_PATHS
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
        .filter(|s| {
            let below = s != "/" && at_or_below(&path, s);
            let contains = at_or_below(s, &path);
            below || contains
        })
        .collect();
    hits.sort();
    hits.dedup();
    Some(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize("/").as_deref(), Some("/"));
        assert_eq!(normalize("//etc//ssl/").as_deref(), Some("/etc/ssl"));
        assert_eq!(normalize("/tmp/../etc/./x").as_deref(), Some("/etc/x"));
        assert_eq!(normalize("/../../etc").as_deref(), Some("/etc"));
        assert_eq!(normalize("/tmp/..").as_deref(), Some("/"));
        assert_eq!(normalize("etc"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("/etc\0"), None);
    }

    fn hits(path: &str) -> Vec<String> {
        exposed(path, &["/srv/secrets".to_string()], &["/var/log/app".to_string()]).unwrap()
    }

    #[test]
    fn equal_below_above() {
        assert_eq!(
            hits("/"),
            BUILTIN_SENSITIVE_PATHS
                .iter()
                .map(|s| s.to_string())
                .chain(["/srv/secrets".to_string()])
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(hits("/etc"), ["/etc"]);
        assert_eq!(hits("/etc/ssl/"), ["/etc"]);
        assert_eq!(hits("/tmp/../etc"), ["/etc"]);
        assert_eq!(
            hits("/var"),
            [
                "/var/lib/containerd",
                "/var/lib/docker",
                "/var/lib/kubelet",
                "/var/run/containerd",
                "/var/run/crio",
                "/var/run/docker",
                "/var/run/docker.sock",
                "/var/run/podman"
            ]
        );
        assert_eq!(
            hits("/var/run/"),
            [
                "/var/run/containerd",
                "/var/run/crio",
                "/var/run/docker",
                "/var/run/docker.sock",
                "/var/run/podman"
            ]
        );
        assert_eq!(hits("/var/run/docker.sock"), ["/var/run/docker.sock"]);
        assert_eq!(hits("/srv"), ["/srv/secrets"]);
        assert_eq!(hits("/srv/secrets/db"), ["/srv/secrets"]);
        assert!(hits("/srv/www").is_empty());
        assert!(hits("/home/dev/project").is_empty());
        assert!(hits("/var/log").is_empty());
        assert!(hits("/etcetera").is_empty());
        assert!(hits("/var/run/docker.sockx").is_empty());
        // allowed paths win at or below them, not above them
        assert!(hits("/var/log/app/x").is_empty());
        assert!(hits("/var/log/app").is_empty());
        assert_eq!(exposed("relative", &[], &[]), None);
    }
}
