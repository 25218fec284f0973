//! AdmissionReview v1: reading the request, deciding with the deploy gate, writing the response.
//!
//! - `DELETE` and `CONNECT` are allowed without a check.
//! - The object's namespace is `request.namespace` when the object names none.
//! - The namespace-wide `network-no-default-deny` rule cannot be judged from one object and is off at
//!   admission (`rensa policy check` over a whole namespace's manifests judges it); NetworkPolicy objects
//!   still get `network-allows-any-source`.
//! - Objects of kinds the gate does not know are allowed with a warning or denied (rule id
//!   `unknown-kind`), as configured.
//! - An internal error once the uid is known denies with the reason (rule id `internal-error`), unless
//!   the namespace is fail-open: then it allows with a warning.

use std::collections::BTreeSet;

use base64::Engine as _;
use rensa_policy::deploy::objects::{Object, Source};
use rensa_policy::deploy::secret::SecretDetector;
use rensa_policy::deploy::{self, Date, DeployPolicy, Report};
use serde_json::{Value, json};

use crate::config::UnknownKinds;

/// The rule id of denials for kinds the gate does not know (with `unknown_kinds: deny`).
pub const UNKNOWN_KIND: &str = "unknown-kind";
/// The rule id of denials because the server could not decide (fail closed).
pub const INTERNAL_ERROR: &str = "internal-error";

/// The parts of an AdmissionReview request the gate uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// `request.uid`.
    pub uid: String,
    /// `request.operation` (`CREATE`, `UPDATE`, `DELETE`, `CONNECT`).
    pub operation: String,
    /// `request.namespace` (empty for cluster-scoped objects).
    pub namespace: String,
    /// `request.name` (may be empty: `generateName`).
    pub name: String,
    /// `request.kind.kind`.
    pub kind: String,
    /// `request.userInfo.username`.
    pub user: String,
    /// `request.userInfo.groups`.
    pub groups: Vec<String>,
    /// `request.dryRun`.
    pub dry_run: bool,
    /// `request.object` (`Null` when absent).
    pub object: Value,
}

/// Reads an AdmissionReview v1; the error is the message of an HTTP 400 answer.
pub fn parse_review(body: &[u8]) -> Result<Review, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Value::Object(mut review) = value else {
        return Err("the body is not a JSON object".into());
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let api_version = text(review.get("apiVersion"));
    if api_version != "admission.k8s.io/v1" {
        return Err(format!(
            "apiVersion is {api_version:?}, expected \"admission.k8s.io/v1\""
        ));
    }
    let kind = text(review.get("kind"));
    if kind != "AdmissionReview" {
        return Err(format!("kind is {kind:?}, expected \"AdmissionReview\""));
    }
    let Some(Value::Object(mut request)) = review.remove("request") else {
        return Err("the AdmissionReview has no request".into());
    };
    let uid = text(request.get("uid"));
    if uid.is_empty() {
        return Err("the AdmissionReview request has no uid".into());
    }
    let user_info = request.get("userInfo");
    Ok(Review {
        operation: text(request.get("operation")),
        namespace: text(request.get("namespace")),
        name: text(request.get("name")),
        kind: text(request.get("kind").and_then(|k| k.get("kind"))),
        user: text(user_info.and_then(|u| u.get("username"))),
        groups: user_info
            .and_then(|u| u.get("groups"))
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        dry_run: request.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
        object: request.remove("object").unwrap_or(Value::Null),
        uid,
    })
}

impl Review {
    /// `Kind/namespace/name` from the request (before the object is read).
    pub fn reference(&self) -> String {
        let kind = if self.kind.is_empty() { "?" } else { &self.kind };
        if self.namespace.is_empty() {
            format!("{kind}/{}", self.name)
        } else {
            format!("{kind}/{}/{}", self.namespace, self.name)
        }
    }

    /// Whether the operation is checked (`DELETE` and `CONNECT` are not).
    pub fn is_checked(&self) -> bool {
        !matches!(self.operation.as_str(), "DELETE" | "CONNECT")
    }

    /// The object as the deploy gate reads it, with the request's namespace and kind filled in where
    /// the object has none. Takes the object out of the review.
    pub fn take_object(&mut self) -> Result<Object, String> {
        let mut value = std::mem::take(&mut self.object);
        let Value::Object(map) = &mut value else {
            return Err(format!(
                "the {} request carries no object",
                if self.operation.is_empty() {
                    "admission"
                } else {
                    &self.operation
                }
            ));
        };
        if !map.get("kind").is_some_and(Value::is_string) && !self.kind.is_empty() {
            map.insert("kind".into(), Value::String(self.kind.clone()));
        }
        let is_namespace = map.get("kind").and_then(Value::as_str) == Some("Namespace");
        if !is_namespace && !self.namespace.is_empty() {
            let metadata = map
                .entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(m) = metadata
                && m.get("namespace")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            {
                m.insert("namespace".into(), Value::String(self.namespace.clone()));
            }
        }
        let source = Source {
            file: format!("admission {}", self.uid),
            document: 0,
            line: None,
        };
        Object::from_value(value, source).map_err(|e| e.to_string())
    }
}

/// What the server answers and logs for one review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// `Kind/namespace/name`.
    pub object: String,
    /// The verdict.
    pub allowed: bool,
    /// The status code and message of a denial.
    pub status: Option<(u16, String)>,
    /// AdmissionReview warnings (excepted findings, expired exceptions, unknown kinds, fail-open).
    pub warnings: Vec<String>,
    /// Rule ids that denied (or, when allowed, were excepted).
    pub rules: Vec<String>,
    /// Reasons for the audit log.
    pub reasons: Vec<String>,
    /// A JSON patch (`/mutate`).
    pub patch: Option<Vec<Value>>,
}

impl Decision {
    /// An allow without findings.
    pub fn allow(object: String) -> Decision {
        Decision {
            object,
            allowed: true,
            ..Decision::default()
        }
    }
}

/// What a decision depends on besides the review.
pub struct Context<'a> {
    /// The policy in force (with `network.require_default_deny` off, see [`admission_policy`]).
    pub policy: &'a DeployPolicy,
    /// Secret detection in env values, command lines and ConfigMaps.
    pub secrets: Option<&'a dyn SecretDetector>,
    /// What to do with unknown kinds.
    pub unknown_kinds: UnknownKinds,
    /// Namespaces where internal errors allow.
    pub fail_open: &'a BTreeSet<String>,
    /// Today, for exception expiry.
    pub today: Date,
    /// The image verifier, when the policy verifies images against their registry.
    pub images: Option<&'a dyn rensa_policy::deploy::verify::ImageVerifier>,
}

/// The policy as admission applies it: `network-no-default-deny` off (it needs a whole namespace).
pub fn admission_policy(mut policy: DeployPolicy) -> DeployPolicy {
    policy.network.require_default_deny = false;
    policy
}

/// The namespace an error is judged in for fail-open: the request's, else the object's.
fn namespace_of(review: &Review, object: Option<&Object>) -> String {
    if !review.namespace.is_empty() {
        return review.namespace.clone();
    }
    object.map(|o| o.namespace.clone()).unwrap_or_default()
}

/// The decision when the server cannot decide: deny with the reason, or allow with a warning in a
/// fail-open namespace.
pub fn internal_error(
    object: String,
    namespace: &str,
    fail_open: &BTreeSet<String>,
    reason: String,
) -> Decision {
    if fail_open.contains(namespace) {
        Decision {
            object,
            allowed: true,
            warnings: vec![format!(
                "rensa could not decide and namespace {namespace} is fail-open, so it is allowed: {reason}"
            )],
            rules: vec![INTERNAL_ERROR.into()],
            reasons: vec![reason],
            ..Decision::default()
        }
    } else {
        Decision {
            status: Some((
                500,
                format!("rensa could not decide, so it denies (fail closed): {reason}"),
            )),
            object,
            allowed: false,
            rules: vec![INTERNAL_ERROR.into()],
            reasons: vec![reason],
            ..Decision::default()
        }
    }
}

/// `/validate`: the deploy gate's decision on the review's object.
pub fn validate(review: &mut Review, ctx: &Context<'_>) -> Decision {
    if !review.is_checked() {
        return Decision::allow(review.reference());
    }
    let object = match review.take_object() {
        Ok(o) => o,
        Err(reason) => {
            return internal_error(
                review.reference(),
                &namespace_of(review, None),
                ctx.fail_open,
                reason,
            );
        }
    };
    let reference = object.reference().to_string();
    let objects = [object];
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        deploy::check_in(
            ctx.policy,
            &objects,
            &deploy::Context {
                today: ctx.today,
                now: rensa_trust::predicate::Timestamp::now(),
                secrets: ctx.secrets,
                images: ctx.images,
            },
        )
    }));
    match checked {
        Ok(report) => decide(reference, &report, ctx.unknown_kinds),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            internal_error(
                reference,
                &namespace_of(review, Some(&objects[0])),
                ctx.fail_open,
                format!("the deploy check failed: {what}"),
            )
        }
    }
}

/// Turns a report on one object into a decision.
pub fn decide(object: String, report: &Report, unknown_kinds: UnknownKinds) -> Decision {
    let mut warnings: Vec<String> = report
        .excepted
        .iter()
        .map(|e| {
            format!(
                "{} at {} is excepted until {}: {}",
                e.finding.rule, e.finding.path, e.expires, e.exception
            )
        })
        .collect();
    warnings.extend(report.warnings.iter().cloned());
    if !report.unknown.is_empty() {
        let kinds: Vec<_> = report.unknown.iter().map(|u| u.kind.as_str()).collect();
        if unknown_kinds == UnknownKinds::Deny {
            let reason = format!(
                "kind {} is not known to the deploy gate (unknown_kinds: deny)",
                kinds.join(", ")
            );
            return Decision {
                status: Some((403, format!("{object} denied: [{UNKNOWN_KIND}]; {reason}"))),
                object,
                allowed: false,
                warnings,
                rules: vec![UNKNOWN_KIND.into()],
                reasons: vec![reason],
                patch: None,
            };
        }
        warnings.push(format!(
            "kind {} is not checked by the rensa deploy gate",
            kinds.join(", ")
        ));
    }
    if report.findings.is_empty() {
        let mut rules: Vec<String> = report.excepted.iter().map(|e| e.finding.rule.clone()).collect();
        rules.dedup();
        return Decision {
            object,
            allowed: true,
            status: None,
            reasons: warnings.clone(),
            warnings,
            rules,
            patch: None,
        };
    }
    let mut rules: Vec<String> = report.findings.iter().map(|f| f.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    let reasons: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            if f.path.is_empty() {
                format!("{}: {}", f.rule, f.message)
            } else {
                format!("{} at {}: {}", f.rule, f.path, f.message)
            }
        })
        .collect();
    let message = format!("{object} denied: [{}]; {}", rules.join(", "), reasons.join("; "));
    Decision {
        object,
        allowed: false,
        status: Some((403, message)),
        warnings,
        rules,
        reasons,
        patch: None,
    }
}

/// The AdmissionReview v1 response for `uid`.
pub fn response(uid: &str, decision: &Decision) -> Vec<u8> {
    let mut response = serde_json::Map::new();
    response.insert("uid".into(), json!(uid));
    response.insert("allowed".into(), json!(decision.allowed));
    if let Some((code, message)) = &decision.status {
        response.insert(
            "status".into(),
            json!({"code": code, "message": message, "reason": if *code == 403 { "Forbidden" } else { "InternalError" }}),
        );
    }
    if !decision.warnings.is_empty() {
        response.insert("warnings".into(), json!(decision.warnings));
    }
    if let Some(patch) = &decision.patch
        && decision.allowed
        && !patch.is_empty()
    {
        let bytes = serde_json::to_vec(patch).unwrap_or_default();
        response.insert("patchType".into(), json!("JSONPatch"));
        response.insert(
            "patch".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
        );
    }
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": response,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_reviews() {
        let e = |b: &str| parse_review(b.as_bytes()).unwrap_err();
        assert!(e("{").starts_with("the body is not JSON: "));
        assert_eq!(e("[]"), "the body is not a JSON object");
        assert_eq!(
            e(r#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#),
            "apiVersion is \"admission.k8s.io/v1beta1\", expected \"admission.k8s.io/v1\""
        );
        assert_eq!(
            e(r#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#),
            "kind is \"Pod\", expected \"AdmissionReview\""
        );
        assert_eq!(
            e(r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#),
            "the AdmissionReview has no request"
        );
        assert_eq!(
            e(r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}"#),
            "the AdmissionReview request has no uid"
        );
    }

    #[test]
    fn namespace_and_kind_from_the_request() {
        let mut r = parse_review(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","operation":"CREATE","namespace":"shop","kind":{"kind":"Pod"},"userInfo":{"username":"alice","groups":["dev"]},"object":{"metadata":{"generateName":"web-"},"spec":{}}}}"#).unwrap();
        assert_eq!(r.user, "alice");
        assert_eq!(r.groups, ["dev"]);
        let o = r.take_object().unwrap();
        assert_eq!(o.reference().to_string(), "Pod/shop/web-");
    }
}
