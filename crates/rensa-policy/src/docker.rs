//! The Docker authorization plugin's decisions: whether dockerd may carry out an engine API call.
//!
//! dockerd started with `--authorization-plugin=NAME` asks the plugin on `/run/docker/plugins/NAME.sock`
//! about every API call, twice: `/AuthZPlugin.AuthZReq` before it acts (with the request) and
//! `/AuthZPlugin.AuthZRes` after (with the response too). This module is the pure decision logic the
//! server calls: decode the plugin request ([`AuthzRequest::from_json`]), decide ([`authorize_request`],
//! [`authorize_response`]) with the [`DeployPolicy`]'s `docker` and `images` sections, and encode the
//! answer ([`AuthzDecision::to_json`]). The decision carries the rule ids and reasons for the audit log.
//!
//! What is checked (everything else is allowed):
//! - container create: `--privileged`, host namespaces (`--pid/--ipc/--network/--uts/--userns=host`),
//!   `--cap-add` beyond Docker's default set and `docker.allowed_capabilities`, bind mounts (`-v`,
//!   `--mount type=bind`, inline local volumes with `device=`) of sensitive host paths
//!   ([`mount::BUILTIN_SENSITIVE_PATHS`] and `docker.sensitive_paths`), shared propagation, host devices,
//!   seccomp/AppArmor/SELinux turned off, unmasked `/proc` paths, and the image against `images.allowed`
//!   and `images.require_digest`;
//! - exec create (`docker exec`): per `docker.exec` and `docker.exec_allowed_users`;
//! - container start with a body (API < 1.24 takes a `HostConfig` there: the same checks as create),
//!   container update (devices), volume create (local driver `device=`), swarm service create/update
//!   (the task's container spec: image, mounts, capabilities, SELinux/seccomp/AppArmor, host network,
//!   plugin), image pulls (`images.allowed`, `images.require_digest`), plugin pull/create/upgrade/set/enable
//!   (`docker.allowed_plugins`).
//!
//! It fails closed: a request it cannot decode, or an inspected call whose body is missing (dockerd
//! sends no body over 1 MiB or of a non-JSON type), not JSON or of the wrong shape, is denied with
//! `docker-bad-request`.
//!
//! ```
//! use rensa_policy::deploy::DeployPolicy;
//! use rensa_policy::docker::{AuthzRequest, authorize_request};
//!
//! // {"HostConfig":{"Privileged":true},"Image":"busybox"}
//! let body = br#"{"RequestMethod":"POST","RequestUri":"/v1.41/containers/create",
//!   "RequestBody":"eyJIb3N0Q29uZmlnIjp7IlByaXZpbGVnZWQiOnRydWV9LCJJbWFnZSI6ImJ1c3lib3gifQ=="}"#;
//! let req = AuthzRequest::from_json(body)?;
//! let decision = authorize_request(&DeployPolicy::default(), &req);
//! assert!(!decision.allow);
//! assert_eq!(decision.rules, ["docker-privileged"]);
//! assert_eq!(
//!     decision.msg,
//!     "rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged"
//! );
//! assert_eq!(decision.to_json(), br#"{"Allow":false,"Msg":"rensa: denied (docker-privileged): privileged containers are not allowed; run without --privileged","Err":""}"#);
//! # Ok::<(), rensa_policy::Error>(())
//! ```

mod body;
pub mod endpoint;
pub mod mount;
pub mod rule;

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::deploy::DeployPolicy;
use crate::deploy::rule::Severity;
use crate::{Error, Result};
pub use body::{DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DOCKER_DEFAULT_CAPABILITIES};
pub use endpoint::Endpoint;

/// The answer to `/Plugin.Activate`: this plugin implements the `authz` interface.
pub const ACTIVATE_RESPONSE: &[u8] = br#"{"Implements":["authz"]}"#;

/// The content type of every plugin answer.
pub const CONTENT_TYPE: &str = "application/vnd.docker.plugins.v1.2+json";

/// One call dockerd makes on the plugin socket (the HTTP path it posts to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginCall {
    /// `/Plugin.Activate`: answer [`ACTIVATE_RESPONSE`].
    Activate,
    /// `/AuthZPlugin.AuthZReq`: before dockerd acts ([`authorize_request`]).
    Request,
    /// `/AuthZPlugin.AuthZRes`: after dockerd acted ([`authorize_response`]).
    Response,
}

impl PluginCall {
    /// The call posted to `path` (`None` for other paths: answer 404).
    pub fn from_path(path: &str) -> Option<PluginCall> {
        match path {
            "/Plugin.Activate" => Some(PluginCall::Activate),
            "/AuthZPlugin.AuthZReq" => Some(PluginCall::Request),
            "/AuthZPlugin.AuthZRes" => Some(PluginCall::Response),
            _ => None,
        }
    }
}

/// An authorization request as dockerd sends it (`authorization.Request`), with the base64 bodies decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthzRequest {
    /// The authenticated API user: the common name of the TLS client certificate; empty on the unix
    /// socket and on TCP without client-certificate authentication.
    pub user: String,
    /// How the user was authenticated (`TLS`), empty when not.
    pub user_authn_method: String,
    /// The HTTP method (`POST`).
    pub request_method: String,
    /// The request URI, with API version prefix and query (`/v1.41/containers/create?name=web`).
    pub request_uri: String,
    /// The request headers dockerd forwards.
    pub request_headers: BTreeMap<String, String>,
    /// The request body; `None` when dockerd sent none (no body, over 1 MiB, or not JSON).
    pub request_body: Option<Vec<u8>>,
    /// The DER client certificates of a TLS connection.
    pub request_peer_certificates: Vec<Vec<u8>>,
    /// The response status code (AuthZRes only; 0 when absent).
    pub response_status_code: i64,
    /// The response headers (AuthZRes only).
    pub response_headers: BTreeMap<String, String>,
    /// The response body (AuthZRes only; `None` when absent).
    pub response_body: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct RawRequest {
    #[serde(rename = "User", default)]
    user: Option<String>,
    #[serde(rename = "UserAuthNMethod", default)]
    user_authn_method: Option<String>,
    #[serde(rename = "RequestMethod", default)]
    request_method: Option<String>,
    #[serde(rename = "RequestUri", default)]
    request_uri: Option<String>,
    #[serde(rename = "RequestHeaders", default)]
    request_headers: Option<BTreeMap<String, String>>,
    #[serde(rename = "RequestBody", default)]
    request_body: Option<String>,
    #[serde(rename = "RequestPeerCertificates", default)]
    request_peer_certificates: Option<Vec<String>>,
    #[serde(rename = "ResponseStatusCode", default)]
    response_status_code: Option<i64>,
    #[serde(rename = "ResponseHeaders", default)]
    response_headers: Option<BTreeMap<String, String>>,
    #[serde(rename = "ResponseBody", default)]
    response_body: Option<String>,
}

fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| Error::DockerRequest {
            message: format!("{field} is not base64: {e}"),
        })
}

impl AuthzRequest {
    /// Decodes the JSON body of an `AuthZReq` or `AuthZRes` call. Unknown fields are ignored; a body
    /// that is not a JSON object of the expected types, or bodies that are not base64, are errors.
    pub fn from_json(body: &[u8]) -> Result<AuthzRequest> {
        // serde would also read a struct from a JSON array: only an object is a request.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Error::DockerRequest {
                message: "not a JSON authorization request: the body is not a JSON object".into(),
            });
        }
        let raw: RawRequest = serde_json::from_slice(body).map_err(|e| Error::DockerRequest {
            message: format!("not a JSON authorization request: {e}"),
        })?;
        let request_body = raw
            .request_body
            .map(|b| decode_base64("RequestBody", &b))
            .transpose()?;
        let response_body = raw
            .response_body
            .map(|b| decode_base64("ResponseBody", &b))
            .transpose()?;
        let request_peer_certificates = raw
            .request_peer_certificates
            .unwrap_or_default()
            .iter()
            .map(|c| decode_base64("RequestPeerCertificates", c))
            .collect::<Result<Vec<_>>>()?;
        Ok(AuthzRequest {
            user: raw.user.unwrap_or_default(),
            user_authn_method: raw.user_authn_method.unwrap_or_default(),
            request_method: raw.request_method.unwrap_or_default(),
            request_uri: raw.request_uri.unwrap_or_default(),
            request_headers: raw.request_headers.unwrap_or_default(),
            request_body,
            request_peer_certificates,
            response_status_code: raw.response_status_code.unwrap_or(0),
            response_headers: raw.response_headers.unwrap_or_default(),
            response_body,
        })
    }
}

/// One rule a request broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DockerFinding {
    /// The stable rule id ([`rule::RULES`]).
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, concretely.
    pub message: String,
    /// The rule's title.
    pub title: String,
    /// Why it matters.
    pub rationale: String,
    /// What to do instead.
    pub remediation: String,
}

/// The plugin's decision on one call, with what it was and why (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthzDecision {
    /// Whether dockerd may go on.
    pub allow: bool,
    /// The message dockerd shows the client on a denial (`rensa: denied (RULES): …`); empty when allowed.
    pub msg: String,
    /// The ids of the rules broken, sorted, without duplicates.
    pub rules: Vec<String>,
    /// The rules broken, in the order of `rules`, with their messages.
    pub findings: Vec<DockerFinding>,
    /// What the call is ([`Endpoint::action`]: `container-create`, `exec-create`, …, `other`; `response`
    /// for AuthZRes; `unknown` when the URI could not be read).
    pub action: String,
    /// The API user (empty without TLS client authentication).
    pub user: String,
    /// The HTTP method of the engine call.
    pub method: String,
    /// The URI of the engine call.
    pub uri: String,
}

#[derive(Serialize)]
struct WireAnswer<'a> {
    #[serde(rename = "Allow")]
    allow: bool,
    #[serde(rename = "Msg")]
    msg: &'a str,
    #[serde(rename = "Err")]
    err: &'a str,
}

impl AuthzDecision {
    /// The answer dockerd expects: `{"Allow":true|false,"Msg":"…","Err":""}`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&WireAnswer {
            allow: self.allow,
            msg: &self.msg,
            err: "",
        })
        .expect("a struct of a bool and strings serializes")
    }

    /// The denial of a plugin call that could not be decoded at all (`from_json` failed): `reason` says why.
    pub fn bad_request(reason: &str) -> AuthzDecision {
        decide(
            "unknown",
            &AuthzRequest::default(),
            vec![body::Hit {
                rule: "docker-bad-request",
                message: format!("the authorization request cannot be read: {reason}"),
            }],
        )
    }
}

fn decide(action: &str, req: &AuthzRequest, mut hits: Vec<body::Hit>) -> AuthzDecision {
    hits.sort_by(|a, b| a.rule.cmp(b.rule));
    hits.dedup();
    let findings: Vec<DockerFinding> = hits
        .into_iter()
        .map(|h| {
            let r = rule::rule(h.rule).unwrap_or_else(|| panic!("rule {} is not in RULES", h.rule));
            DockerFinding {
                rule: h.rule.to_string(),
                severity: r.severity,
                message: h.message,
                title: r.title.to_string(),
                rationale: r.rationale.to_string(),
                remediation: r.remediation.to_string(),
            }
        })
        .collect();
    let mut rules: Vec<String> = findings.iter().map(|f| f.rule.clone()).collect();
    rules.dedup();
    let msg = if findings.is_empty() {
        String::new()
    } else {
        // One remediation per rule: several findings of a rule share it.
        let mut parts = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            let last_of_rule = findings.get(i + 1).is_none_or(|n| n.rule != f.rule);
            if last_of_rule {
                parts.push(format!("{}; {}", f.message, f.remediation));
            } else {
                parts.push(f.message.clone());
            }
        }
        format!("rensa: denied ({}): {}", rules.join(", "), parts.join(" | "))
    };
    AuthzDecision {
        allow: findings.is_empty(),
        msg,
        rules,
        findings,
        action: action.to_string(),
        user: req.user.clone(),
        method: req.request_method.clone(),
        uri: req.request_uri.clone(),
    }
}

/// Decides an `AuthZReq` call: whether dockerd may carry out `req`. Never panics on any input; denies
/// with `docker-bad-request` when the call cannot be read. With `docker.enabled: false` everything passes.
pub fn authorize_request(policy: &DeployPolicy, req: &AuthzRequest) -> AuthzDecision {
    authorize_request_with(policy, req, None)
}

/// [`authorize_request`] with an image verifier for `images.trust_policy` and `images.max_age`
/// (container and service create): `docker-image-not-trusted`, `docker-image-too-old`, and
/// `docker-image-verification-failed` when verification fails or no verifier is given.
pub fn authorize_request_with(
    policy: &DeployPolicy,
    req: &AuthzRequest,
    verifier: Option<&dyn crate::deploy::verify::ImageVerifier>,
) -> AuthzDecision {
    let cfg = &policy.docker;
    let verified = body::ImageRules {
        cfg: &policy.images,
        verifier,
        verify: true,
        now: rensa_trust::predicate::Timestamp::now(),
    };
    let unverified = body::ImageRules {
        verify: false,
        ..verified
    };
    let endpoint = match endpoint::Endpoint::parse(&req.request_method, &req.request_uri) {
        Ok(e) => e,
        Err(reason) if cfg.enabled => {
            return decide(
                "unknown",
                req,
                vec![body::Hit {
                    rule: "docker-bad-request",
                    message: reason,
                }],
            );
        }
        Err(_) => return decide("unknown", req, Vec::new()),
    };
    let action = endpoint.action();
    if !cfg.enabled {
        return decide(action, req, Vec::new());
    }
    let call = format!("{} {}", req.request_method, req.request_uri);
    let is_start = matches!(endpoint, Endpoint::ContainerStart { .. });
    let parsed = if endpoint.needs_body() {
        match &req.request_body {
            None => Err(format!(
                "{call} has no request body (dockerd omits bodies over 1 MiB and non-JSON ones)"
            )),
            Some(b) => serde_json::from_slice::<serde_json::Value>(b)
                .map(Some)
                .map_err(|e| format!("the body of {call} is not JSON: {e}")),
        }
    } else if is_start {
        start_body(req, &call)
    } else {
        Ok(None)
    };
    let value = match parsed {
        Ok(v) => v.unwrap_or(serde_json::Value::Null),
        Err(message) => {
            return decide(
                action,
                req,
                vec![body::Hit {
                    rule: "docker-bad-request",
                    message,
                }],
            );
        }
    };
    let mut hits = Vec::new();
    let checked = match &endpoint {
        Endpoint::ContainerCreate => body::container_create(&value, cfg, &verified, &mut hits),
        Endpoint::ContainerStart { .. } => body::container_start(&value, cfg, &mut hits),
        Endpoint::ContainerUpdate { .. } => body::container_update(&value, cfg, &mut hits),
        Endpoint::ExecCreate { container } => body::exec_create(&value, container, &req.user, cfg, &mut hits),
        Endpoint::VolumeCreate => body::volume_create(&value, cfg, &mut hits),
        Endpoint::Service => body::service(&value, cfg, &verified, &mut hits),
        Endpoint::ImageCreate { image: Some(image) } => {
            body::image(image, &unverified, &mut hits);
            Ok(())
        }
        Endpoint::ImageCreate { image: None } => Ok(()),
        Endpoint::Plugin { operation, names } => {
            body::plugins(operation, names, cfg, &mut hits);
            Ok(())
        }
        Endpoint::Other => Ok(()),
    };
    if let Err(reason) = checked {
        hits = vec![body::Hit {
            rule: "docker-bad-request",
            message: format!("the body of {call} cannot be checked: {reason}"),
        }];
    }
    decide(action, req, hits)
}

/// A request header, by case-insensitive name.
fn header<'a>(req: &'a AuthzRequest, name: &str) -> Option<&'a str> {
    req.request_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The body of a container start. dockerd (API < 1.24) applies a JSON body over 7 bytes as the
/// container's HostConfig; it forwards JSON bodies up to 1 MiB. A JSON start whose body was not
/// forwarded (over 1 MiB, or chunked: no Content-Length) cannot be checked.
fn start_body(req: &AuthzRequest, call: &str) -> std::result::Result<Option<serde_json::Value>, String> {
    match &req.request_body {
        Some(b) if !b.iter().all(u8::is_ascii_whitespace) => serde_json::from_slice(b)
            .map(Some)
            .map_err(|e| format!("the body of {call} is not JSON: {e}")),
        Some(_) => Ok(None),
        None => {
            let json = header(req, "Content-Type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            let length = header(req, "Content-Length").and_then(|l| l.trim().parse::<u64>().ok());
            if json && length.is_none_or(|l| l > 7) {
                Err(format!(
                    "{call} carries a JSON body (a HostConfig before API 1.24) that dockerd did not forward (over 1 MiB or without a length)"
                ))
            } else {
                Ok(None)
            }
        }
    }
}

/// Decides an `AuthZRes` call. dockerd has already acted; the plugin has nothing to check in
/// responses and allows them (a denial would only hide the result from the client).
pub fn authorize_response(_policy: &DeployPolicy, req: &AuthzRequest) -> AuthzDecision {
    decide("response", req, Vec::new())
}

/// The whole plugin protocol over one call: `body` posted to `call`, the answer's JSON bytes and, for
/// AuthZReq/AuthZRes, the decision to audit. A body that cannot be decoded is denied (fail closed).
pub fn answer(policy: &DeployPolicy, call: PluginCall, body: &[u8]) -> (Vec<u8>, Option<AuthzDecision>) {
    answer_with(policy, call, body, None)
}

/// [`answer`] with an image verifier (see [`authorize_request_with`]).
pub fn answer_with(
    policy: &DeployPolicy,
    call: PluginCall,
    body: &[u8],
    verifier: Option<&dyn crate::deploy::verify::ImageVerifier>,
) -> (Vec<u8>, Option<AuthzDecision>) {
    if call == PluginCall::Activate {
        return (ACTIVATE_RESPONSE.to_vec(), None);
    }
    let decision = match AuthzRequest::from_json(body) {
        Ok(req) if call == PluginCall::Request => authorize_request_with(policy, &req, verifier),
        Ok(req) => authorize_response(policy, &req),
        Err(e) => AuthzDecision::bad_request(&e.to_string()),
    };
    (decision.to_json(), Some(decision))
}
