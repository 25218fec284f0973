//! The deploy gate: whether Kubernetes workloads may run, decided from their manifests.
//!
//! The same check serves CI (`rensa policy check`), the admission webhook and the Docker authorization
//! plugin. It reads manifests ([`objects::parse_manifests`]: multi-document YAML, JSON, `List`s), applies a
//! [`DeployPolicy`] ([`config`]) and reports [`Finding`]s with a stable rule id ([`rule::RULES`]), the
//! object, the field path and how to fix it:
//!
//! - [`pod`]: Pod Security Standards baseline or restricted (CIS Kubernetes 5.2.x) over the pod template
//!   of Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and CronJob, every container list;
//! - [`network`]: a default-deny ingress NetworkPolicy per namespace with workloads, no allow-any ingress;
//! - [`placement`]: sensitivity levels, attested nodes and allowed regions through node selection;
//! - [`custom`] rules written in Rego by the operator, over the same objects;
//! - [`exception`]s by rule and namespace, name or labels, each with a reason and an expiry.
//!
//! ```
//! use rensa_policy::deploy::{self, objects::parse_manifests, Date, DeployPolicy};
//!
//! let objects = parse_manifests("kind: Pod\nmetadata: {name: web}\nspec:\n  hostPID: true\n  containers: [{name: app, image: nginx}]\n", "pod.yaml")?;
//! let report = deploy::check(&DeployPolicy::default(), &objects, Date::parse("2026-11-23").unwrap());
//! assert!(!report.allowed);
//! assert_eq!(report.findings[0].rule, "network-no-default-deny");
//! assert_eq!(report.findings[1].rule, "pod-host-pid");
//! assert_eq!(report.findings[1].path, "spec.hostPID");
//! # Ok::<(), rensa_policy::Error>(())
//! ```

pub mod config;
pub mod custom;
pub mod exception;
pub mod image;
pub mod network;
pub mod objects;
pub mod placement;
pub mod pod;
pub mod rule;
pub mod secret;
pub mod verify;

use std::collections::BTreeMap;

use serde::Serialize;

pub use config::{DeployPolicy, Level};
use objects::{Object, ObjectRef, Source};
/// The calendar day exceptions expire on (re-exported from rensa-vulndb).
pub use rensa_vulndb::suppress::Date;
pub use rule::{RULES, Rule, Severity};

/// A rule broken at a field, before it is attached to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) rule: &'static str,
    pub(crate) path: String,
    pub(crate) message: String,
}

/// One violation of the deploy policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The object (`Deployment/shop/web`; `Namespace/shop` for namespace-wide findings).
    pub object: ObjectRef,
    /// The stable rule id.
    pub rule: String,
    /// The field path (`spec.template.spec.containers[0].securityContext.privileged`); for a field that
    /// must be set, where it belongs; empty for namespace-wide findings.
    pub path: String,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, concretely.
    pub message: String,
    /// The rule's title.
    pub title: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    /// References (CIS Kubernetes, Pod Security Standards, NIST SP 800-190).
    pub references: Vec<String>,
    /// Where the object was read from (absent for namespace-wide findings without a Namespace object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// A finding that an exception lets through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excepted {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The exception's reason.
    pub exception: String,
    /// The exception's expiry (`YYYY-MM-DD`).
    pub expires: String,
}

/// The outcome of the deploy gate over a set of objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The policy used.
    pub policy: String,
    /// True when there are no (unexcepted) findings.
    pub allowed: bool,
    /// The findings that deny, sorted by object, rule and path.
    pub findings: Vec<Finding>,
    /// Findings covered by an exception, in the same order.
    pub excepted: Vec<Excepted>,
    /// Expired exceptions (they apply to nothing).
    pub warnings: Vec<String>,
    /// Objects of kinds the gate does not understand: the caller decides whether they are allowed.
    pub unknown: Vec<ObjectRef>,
}

fn finding(object: ObjectRef, source: Option<Source>, v: Violation) -> Finding {
    // Built-in checks only report ids from RULES (a unit test keeps it so); should one slip through, the
    // finding still denies, described as a rule error rather than panicking inside the admission path.
    let rule = rule::rule(v.rule)
        .or_else(|| rule::rule(custom::ERROR_RULE))
        .expect("custom-rule-error is in RULES");
    Finding {
        object,
        rule: v.rule.to_string(),
        path: v.path,
        severity: rule.severity,
        message: v.message,
        title: rule.title.to_string(),
        rationale: rule.rationale.to_string(),
        remediation: rule.remediation.to_string(),
        references: rule.references.iter().map(|r| r.to_string()).collect(),
        source,
    }
}

fn custom_finding(module: &custom::CustomModule, object: &Object, v: custom::CustomViolation) -> Finding {
    let (severity, title, rationale, remediation, references) = match module.rule(&v.rule) {
        Some(r) => (
            r.severity,
            r.title.clone(),
            r.rationale.clone(),
            r.remediation.clone(),
            r.references.clone(),
        ),
        None => {
            let r = rule::rule(custom::ERROR_RULE).expect("custom-rule-error is in RULES");
            (
                r.severity,
                r.title.to_string(),
                r.rationale.to_string(),
                r.remediation.to_string(),
                r.references.iter().map(|s| s.to_string()).collect(),
            )
        }
    };
    Finding {
        object: object.reference(),
        rule: v.rule,
        path: v.path,
        severity,
        message: v.message,
        title,
        rationale,
        remediation,
        references,
        source: Some(object.source.clone()),
    }
}

/// Checks `objects` against `policy` as of `today` (for exception expiry), with the built-in secret
/// checks only (env var names); [`check_with`] takes a content detector too.
pub fn check(policy: &DeployPolicy, objects: &[Object], today: Date) -> Report {
    check_with(policy, objects, today, None)
}

/// [`check`] with `secrets` looking for secrets in env values, command lines and ConfigMap data.
/// Image verification (`images.trust_policy`, `images.max_age`) needs [`check_in`] with a verifier:
/// here such a policy denies every image with `image-verification-failed`.
pub fn check_with(
    policy: &DeployPolicy,
    objects: &[Object],
    today: Date,
    secrets: Option<&dyn secret::SecretDetector>,
) -> Report {
    check_in(
        policy,
        objects,
        &Context {
            today,
            now: rensa_trust::predicate::Timestamp::now(),
            secrets,
            images: None,
        },
    )
}

/// What a check runs with besides the policy and the objects.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The day exceptions are judged against.
    pub today: Date,
    /// The time image ages are judged against.
    pub now: rensa_trust::predicate::Timestamp,
    /// A detector of secret values in env, command lines and ConfigMaps.
    pub secrets: Option<&'a dyn secret::SecretDetector>,
    /// The image verifier (registry access) for `images.trust_policy` and `images.max_age`.
    pub images: Option<&'a dyn verify::ImageVerifier>,
}

/// Checks `objects` against `policy` with everything in `ctx`.
pub fn check_in(policy: &DeployPolicy, objects: &[Object], ctx: &Context<'_>) -> Report {
    let (today, secrets) = (ctx.today, ctx.secrets);
    let mut all: Vec<(Finding, BTreeMap<String, String>)> = Vec::new();
    let mut custom: Vec<(Finding, BTreeMap<String, String>)> = Vec::new();
    let mut unknown = Vec::new();
    for object in objects {
        if !object.is_known() {
            unknown.push(object.reference());
            continue;
        }
        let mut violations = Vec::new();
        if let Some(t) = object.pod_template() {
            pod::check(&t, &policy.pod_security, &mut violations);
            image::check(&t, &policy.images, &mut violations);
            image::check_verified(&t, &policy.images, ctx.images, ctx.now, &mut violations);
            if policy.secrets.enabled {
                secret::check_pod(&t, secrets, &mut violations);
            }
            if policy.placement.enabled {
                placement::check(object, &mut violations);
            }
        } else if object.kind == "NetworkPolicy" {
            network::any_source(object, &mut violations);
        } else if object.kind == "ConfigMap" && policy.secrets.enabled {
            secret::check_configmap(object, secrets, &mut violations);
        }
        let labels = object.workload_labels();
        for v in violations {
            all.push((
                finding(object.reference(), Some(object.source.clone()), v),
                labels.clone(),
            ));
        }
        if !policy.custom_rules.is_empty() {
            let input = custom::input_value(object);
            for module in &policy.custom_rules {
                for v in module.evaluate_input(&input) {
                    let f = custom_finding(module, object, v);
                    custom.push((f, labels.clone()));
                }
            }
        }
    }
    if policy.network.require_default_deny {
        for (reference, v) in network::missing_default_deny(objects) {
            let namespace = objects
                .iter()
                .find(|o| o.kind == "Namespace" && o.name == reference.name);
            let labels = namespace.map(|o| o.labels.clone()).unwrap_or_default();
            let source = namespace.map(|o| o.source.clone());
            all.push((finding(reference, source, v), labels));
        }
    }
    all.sort_by(|(a, _), (b, _)| (&a.object, &a.rule, &a.path).cmp(&(&b.object, &b.rule, &b.path)));
    all.dedup_by(|(a, _), (b, _)| a.object == b.object && a.rule == b.rule && a.path == b.path);
    // Custom findings are not merged by (object, rule, path): a module may report several messages at
    // one path. Their ids never collide with built-in ones, so the order only interleaves.
    all.extend(custom);
    all.sort_by(|(a, _), (b, _)| {
        (&a.object, &a.rule, &a.path, &a.message).cmp(&(&b.object, &b.rule, &b.path, &b.message))
    });

    let mut warnings = Vec::new();
    let live: Vec<_> = policy
        .exceptions
        .iter()
        .filter(|e| {
            let expired = e.expired(today);
            if expired {
                let at = if e.line > 0 {
                    format!("{}:{}", policy.source, e.line)
                } else {
                    policy.source.clone()
                };
                warnings.push(format!(
                    "{at}: the exception for {} expired on {}: it no longer applies",
                    e.rule, e.expires
                ));
            }
            !expired
        })
        .collect();
    let mut findings = Vec::new();
    let mut excepted = Vec::new();
    for (f, labels) in all {
        match live.iter().find(|e| e.covers(&f.rule, &f.object, &labels)) {
            Some(e) => excepted.push(Excepted {
                finding: f,
                exception: e.reason.clone(),
                expires: e.expires.to_string(),
            }),
            None => findings.push(f),
        }
    }
    unknown.sort();
    unknown.dedup();
    Report {
        policy: policy.source.clone(),
        allowed: findings.is_empty(),
        findings,
        excepted,
        warnings,
        unknown,
    }
}
