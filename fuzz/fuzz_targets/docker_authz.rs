//! Fuzzes the Docker authorization plugin: the input is the JSON body dockerd posts to
//! `/AuthZPlugin.AuthZReq`. It is decoded with `AuthzRequest::from_json` and decided with the default
//! policy and a permissive one; the decision must never panic, a denial must name known rules and say it
//! is rensa's, and the wire answer must be JSON with the same verdict. Bodies that do not decode are
//! also tried as the engine request's own body (base64-wrapped) against the inspected endpoints.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use rensa_policy::deploy::DeployPolicy;
use rensa_policy::docker::{self, AuthzDecision, AuthzRequest, PluginCall, rule};

fn check(d: &AuthzDecision) {
    assert_eq!(d.allow, d.rules.is_empty());
    assert_eq!(d.allow, d.msg.is_empty());
    if !d.allow {
        assert!(d.msg.starts_with("rensa: denied ("));
    }
    for pair in d.rules.windows(2) {
        assert!(pair[0] < pair[1]);
    }
    for r in &d.rules {
        assert!(rule::rule(r).is_some(), "{r}");
    }
    let wire: serde_json::Value = serde_json::from_slice(&d.to_json()).unwrap();
    assert_eq!(wire["Allow"], serde_json::Value::Bool(d.allow));
}

fuzz_target!(|data: &[u8]| {
    let strict = DeployPolicy::default();
    let loose = DeployPolicy::parse(
        "version: 1\ndocker:\n  exec: non-root\n  allowed_bind_paths: [/srv]\n  allowed_plugins: [\"docker.io/**\"]\nimages:\n  allowed: [\"docker.io/**\"]\n  require_digest: true\n",
        "fuzz-policy.yaml",
    )
    .unwrap();
    match AuthzRequest::from_json(data) {
        Ok(req) => {
            for p in [&strict, &loose] {
                check(&docker::authorize_request(p, &req));
                check(&docker::authorize_response(p, &req));
            }
        }
        Err(_) => {
            let (_, d) = docker::answer(&strict, PluginCall::Request, data);
            assert!(!d.unwrap().allow);
            let body = base64::engine::general_purpose::STANDARD.encode(data);
            for uri in [
                "/v1.41/containers/create",
                "/v1.41/containers/x/exec",
                "/v1.41/containers/x/update",
                "/v1.41/volumes/create",
                "/v1.41/services/create",
            ] {
                let wrapped = format!(
                    r#"{{"RequestMethod":"POST","RequestUri":"{uri}","RequestBody":"{body}"}}"#
                );
                let req = AuthzRequest::from_json(wrapped.as_bytes()).unwrap();
                for p in [&strict, &loose] {
                    check(&docker::authorize_request(p, &req));
                }
            }
        }
    }
});
