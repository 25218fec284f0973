//! Rules on the image configuration: `root-user`, `exposed-remote-login-port`, `no-healthcheck`,
//! `secret-in-env`.

use rensa_oci::Image;

use crate::config::Out;

/// Remote-login ports: ssh 22, telnet 23, rexec 512, rlogin 513, rsh 514.
const LOGIN_PORTS: &[(u16, &str)] = &[
    (22, "ssh"),
    (23, "telnet"),
    (512, "rexec"),
    (513, "rlogin"),
    (514, "rsh"),
];

/// Names (upper-cased) that mark an environment variable as a secret, matched as the whole name or
/// as a `_`-separated suffix (`DB_PASSWORD`, `GITHUB_TOKEN`); the longer ones also as a plain suffix
/// (`MYSQLPASSWORD`).
const SECRET_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "SECRET_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
    "AUTH_KEY",
];

/// Values that are placeholders, not secrets.
fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with('/')
        || matches!(
            l.as_str(),
            "changeme" | "none" | "null" | "true" | "false" | "xxx" | "secret" | "password" | "<secret>"
        )
        || l.ends_with("_file")
}

/// Whether an environment variable name looks like it holds a secret (`*_FILE`, `*_PATH`, `*_DIR`
/// name where a secret is, not the secret, and `PWD` alone is the working directory).
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if n == "PWD" || n == "OLDPWD" || ["_FILE", "_PATH", "_DIR"].iter().any(|s| n.ends_with(s)) {
        return false;
    }
    SECRET_NAMES
        .iter()
        .any(|s| n == *s || n.ends_with(&format!("_{s}")) || (s.len() >= 6 && n.ends_with(s)))
}

/// Whether a value itself looks like a well-known credential (AWS access key id, GitHub token,
/// private key, URL with a password).
pub fn secret_value(v: &str) -> Option<&'static str> {
    let is_upper_alnum = |s: &str| s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if v.len() == 20 && (v.starts_with("AKIA") || v.starts_with("ASIA")) && is_upper_alnum(v) {
        return Some("an AWS access key id");
    }
    for p in ["ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "xoxb-", "xoxp-"] {
        if v.starts_with(p) && v.len() >= p.len() + 20 {
            return Some("an access token");
        }
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if let Some((scheme, rest)) = v.split_once("://")
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+')
        && let Some((userinfo, _)) = rest.split(['/', '?', '#']).next().unwrap_or("").rsplit_once('@')
        && userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty())
    {
        return Some("a URL with a password");
    }
    None
}

/// Masks a secret: its length and at most its first two characters.
pub fn mask(v: &str) -> String {
    let shown: String = if v.chars().count() >= 12 {
        v.chars().take(2).collect()
    } else {
        String::new()
    };
    format!("{shown}*** ({} characters)", v.chars().count())
}

pub(crate) fn check(image: &Image, out: &mut Out) {
    let cfg = image.config.config.clone().unwrap_or_default();
    // root-user: User empty, root, 0, with any group.
    let user = cfg.user.clone().unwrap_or_default();
    let name = user.split(':').next().unwrap_or("").trim();
    if name.is_empty() || name == "root" || name == "0" {
        let what = if user.trim().is_empty() {
            "image config: User not set (containers run as root)".to_string()
        } else {
            format!("image config: User {user:?} (root)")
        };
        out.finding("root-user", what, None, None);
    }
    // exposed-remote-login-port.
    let mut ports: Vec<String> = Vec::new();
    for key in cfg.exposed_ports.iter().flat_map(|m| m.keys()) {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let Ok(p) = port.parse::<u16>() else {
            out.warn(format!(
                "image config: ExposedPorts '{key}' is not a port; ignored"
            ));
            continue;
        };
        if proto.eq_ignore_ascii_case("tcp")
            && let Some((_, svc)) = LOGIN_PORTS.iter().find(|(n, _)| *n == p)
        {
            ports.push(format!("{key} ({svc})"));
        }
    }
    if !ports.is_empty() {
        out.finding(
            "exposed-remote-login-port",
            format!("image config: ExposedPorts {}", ports.join(", ")),
            None,
            None,
        );
    }
    // no-healthcheck: absent, or `Test: ["NONE"]` (HEALTHCHECK NONE).
    let hc = cfg.healthcheck.as_ref();
    let none = hc
        .and_then(|h| h.get("Test"))
        .and_then(|t| t.as_array())
        .and_then(|a| a.first())
        .and_then(|s| s.as_str())
        == Some("NONE");
    let empty = hc.is_none_or(|h| {
        h.get("Test")
            .and_then(|t| t.as_array())
            .is_none_or(|a| a.is_empty())
    });
    if empty || none {
        let what = if none {
            "image config: HEALTHCHECK NONE"
        } else {
            "image config: no Healthcheck"
        };
        out.finding("no-healthcheck", what.to_string(), None, None);
    }
    // secret-in-env.
    for entry in cfg.env.iter().flatten() {
        let Some((k, v)) = entry.split_once('=') else {
            continue;
        };
        let by_value = secret_value(v);
        if by_value.is_some() || (secret_name(k) && !placeholder(v)) {
            let why = by_value.map_or_else(
                || "name looks like a secret".to_string(),
                |w| format!("value looks like {w}"),
            );
            out.finding(
                "secret-in-env",
                format!("image config: Env {k}={} ({why})", mask(v)),
                None,
                None,
            );
        }
    }
}
