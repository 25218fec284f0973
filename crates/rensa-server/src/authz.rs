//! The Docker authorization plugin (`dockerd --authorization-plugin=NAME`) on a unix socket:
//! `POST /Plugin.Activate` answers `{"Implements":["authz"]}`; `POST /AuthZPlugin.AuthZReq` and
//! `POST /AuthZPlugin.AuthZRes` answer `{"Allow":…,"Msg":…,"Err":""}`. Every decision is audited
//! (kind `docker-authz`). A body that is not a JSON object is denied (fail closed).

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::Instant;

use rensa_policy::deploy::DeployPolicy;
use serde_json::{Value, json};

use crate::audit::AuditRecord;
use crate::metrics::Outcome;
use crate::{Error, Result};

/// A Docker authorization decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the engine may go on.
    pub allow: bool,
    /// The message the Docker client shows.
    pub msg: String,
    /// The rule ids that decided.
    pub rules: Vec<String>,
}

/// Which plugin call is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `/AuthZPlugin.AuthZReq`: before the engine acts.
    Request,
    /// `/AuthZPlugin.AuthZRes`: before the engine's answer is returned.
    Response,
}

/// The decision on one plugin call (`body` is the JSON object Docker sent).
fn decide(policy: &DeployPolicy, call: Call, body: &[u8]) -> Verdict {
    // INTEGRATION: rensa_policy::docker — `AuthzRequest::from_json(body)` (an error: deny with it),
    // then `authorize_request(policy, &request)` for Call::Request or `authorize_response(..)` for
    // Call::Response, turned into a Verdict from `AuthzDecision { allow, msg, rules }`.
    // Until then every well-formed request is allowed.
    let _ = (policy, call, body);
    Verdict {
        allow: true,
        msg: String::new(),
        rules: Vec::new(),
    }
}

/// The JSON answer to `/Plugin.Activate`.
pub fn activate() -> Vec<u8> {
    br#"{"Implements":["authz"]}"#.to_vec()
}

/// Decides one AuthZReq or AuthZRes call: the answer's body, the outcome and the audit line.
pub fn authorize(policy: &DeployPolicy, call: Call, body: &[u8]) -> (Vec<u8>, Outcome, AuditRecord) {
    let start = Instant::now();
    let parsed: Option<serde_json::Map<String, Value>> = match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    let text = |key: &str| {
        parsed
            .as_ref()
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let verdict = match &parsed {
        Some(_) => decide(policy, call, body),
        None => Verdict {
            allow: false,
            msg: "rensa: the authorization request is not a JSON object, so it is denied".into(),
            rules: Vec::new(),
        },
    };
    let answer = serde_json::to_vec(&json!({
        "Allow": verdict.allow,
        "Msg": verdict.msg,
        "Err": "",
    }))
    .unwrap_or_default();
    let record = AuditRecord {
        kind: "docker-authz".into(),
        endpoint: match call {
            Call::Request => "AuthZPlugin.AuthZReq",
            Call::Response => "AuthZPlugin.AuthZRes",
        }
        .into(),
        user: text("User"),
        operation: text("RequestMethod"),
        object: text("RequestUri"),
        verdict: if verdict.allow { "allow" } else { "deny" }.into(),
        rules: verdict.rules.clone(),
        reasons: if verdict.msg.is_empty() {
            Vec::new()
        } else {
            vec![verdict.msg.clone()]
        },
        latency_ms: start.elapsed().as_secs_f64() * 1000.0,
        ..AuditRecord::default()
    };
    let outcome = if verdict.allow {
        Outcome::Allow
    } else {
        Outcome::Deny
    };
    (answer, outcome, record)
}

/// Prepares the socket path: creates its directory, removes a stale socket file, and refuses when
/// another process listens on it or the path is not a socket.
pub fn prepare_socket(path: &Path) -> Result<()> {
    let refuse = |message: String| Error::Listen {
        address: path.display().to_string(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| refuse(format!("cannot create its directory: {e}")))?;
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(refuse(e.to_string())),
        Ok(meta) if !meta.file_type().is_socket() => {
            Err(refuse("the path exists and is not a socket (not removed)".into()))
        }
        Ok(_) => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(refuse("another process is listening on it".into()));
            }
            std::fs::remove_file(path).map_err(|e| refuse(format!("cannot remove the stale socket: {e}")))
        }
    }
}

/// Restricts the socket to its owner (mode 0600).
pub fn restrict_socket(path: &Path) -> Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        error: source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_path_and_malformed_request() {
        let policy = DeployPolicy::default();
        let body = br#"{"User":"alice","RequestMethod":"POST","RequestUri":"/v1.41/containers/create","RequestBody":"e30="}"#;
        let (answer, outcome, record) = authorize(&policy, Call::Request, body);
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap(),
            json!({"Allow": true, "Msg": "", "Err": ""})
        );
        assert_eq!(outcome, Outcome::Allow);
        assert_eq!(record.object, "/v1.41/containers/create");
        assert_eq!(record.user, "alice");
        assert_eq!(record.operation, "POST");
        let (answer, outcome, record) = authorize(&policy, Call::Response, b"nope");
        assert_eq!(outcome, Outcome::Deny);
        assert_eq!(record.verdict, "deny");
        let v: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(v["Allow"], false);
    }

    #[test]
    fn socket_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(
            prepare_socket(&file)
                .unwrap_err()
                .to_string()
                .ends_with("the path exists and is not a socket (not removed)")
        );
        let sock = dir.path().join("sub/rensa.sock");
        prepare_socket(&sock).unwrap();
        let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert!(
            prepare_socket(&sock)
                .unwrap_err()
                .to_string()
                .ends_with("another process is listening on it")
        );
        drop(listener);
        prepare_socket(&sock).unwrap();
        assert!(!sock.exists());
    }
}
