//! The Docker authorization plugin (`dockerd --authorization-plugin=NAME`) on a unix socket:
//! `POST /Plugin.Activate` answers `{"Implements":["authz"]}`; `POST /AuthZPlugin.AuthZReq` and
//! `POST /AuthZPlugin.AuthZRes` answer `{"Allow":…,"Msg":…,"Err":""}`. Every decision is audited
//! (kind `docker-authz`). A body that is not a JSON object is denied (fail closed).

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::Instant;

use rensa_policy::deploy::DeployPolicy;
use rensa_policy::deploy::verify::ImageVerifier;
use rensa_policy::docker::{self, PluginCall};

use crate::audit::AuditRecord;
use crate::metrics::Outcome;
use crate::{Error, Result};

/// Which plugin call is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `/AuthZPlugin.AuthZReq`: before the engine acts.
    Request,
    /// `/AuthZPlugin.AuthZRes`: before the engine's answer is returned.
    Response,
}

impl Call {
    fn plugin_call(self) -> PluginCall {
        match self {
            Call::Request => PluginCall::Request,
            Call::Response => PluginCall::Response,
        }
    }

    /// The plugin endpoint's name (`AuthZPlugin.AuthZReq`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Call::Request => "AuthZPlugin.AuthZReq",
            Call::Response => "AuthZPlugin.AuthZRes",
        }
    }
}

/// The JSON answer to `/Plugin.Activate`.
pub fn activate() -> Vec<u8> {
    docker::ACTIVATE_RESPONSE.to_vec()
}

/// Decides one AuthZReq or AuthZRes call with [`rensa_policy::docker`] (images verified with
/// `images` when the policy asks for it): the answer's body, the outcome and the audit line. A body
/// that cannot be decoded is denied (fail closed).
pub fn authorize(
    policy: &DeployPolicy,
    images: Option<&dyn ImageVerifier>,
    call: Call,
    body: &[u8],
) -> (Vec<u8>, Outcome, AuditRecord) {
    let start = Instant::now();
    let (answer, decision) = docker::answer_with(policy, call.plugin_call(), body, images);
    let decision = decision.unwrap_or_else(|| docker::AuthzDecision::bad_request("no decision"));
    let record = AuditRecord {
        kind: "docker-authz".into(),
        endpoint: call.endpoint().into(),
        user: decision.user.clone(),
        operation: decision.method.clone(),
        object: decision.uri.clone(),
        verdict: if decision.allow { "allow" } else { "deny" }.into(),
        rules: decision.rules.clone(),
        reasons: if decision.msg.is_empty() {
            Vec::new()
        } else {
            vec![decision.msg.clone()]
        },
        latency_ms: start.elapsed().as_secs_f64() * 1000.0,
        ..AuditRecord::default()
    };
    let outcome = if decision.allow {
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

    use serde_json::{Value, json};

    #[test]
    fn allow_path_and_malformed_request() {
        let policy = DeployPolicy::default();
        let body = br#"{"User":"alice","RequestMethod":"POST","RequestUri":"/v1.41/containers/create","RequestBody":"eyJJbWFnZSI6ImJ1c3lib3gifQ=="}"#;
        let (answer, outcome, record) = authorize(&policy, None, Call::Request, body);
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap(),
            json!({"Allow": true, "Msg": "", "Err": ""})
        );
        assert_eq!(outcome, Outcome::Allow);
        assert_eq!(record.object, "/v1.41/containers/create");
        assert_eq!(record.user, "alice");
        assert_eq!(record.operation, "POST");
        let (answer, outcome, record) = authorize(&policy, None, Call::Response, b"nope");
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
