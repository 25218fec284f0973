//! Network: a default-deny ingress NetworkPolicy in every namespace that has workloads
//! (`network-no-default-deny`), and no ingress rule that admits every source (`network-allows-any-source`).
//! Both look only at the objects given (a set of manifests), not at a live cluster.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Violation;
use super::objects::{Object, ObjectRef};

/// Whether a NetworkPolicy is a default-deny ingress policy: it selects every pod (`podSelector: {}`),
/// its `policyTypes` include Ingress (or are absent, which implies Ingress) and it has no ingress rules.
pub fn is_default_deny_ingress(policy: &Object) -> bool {
    let spec = &policy.value["spec"];
    let selector = &spec["podSelector"];
    let selects_all = selector.is_null()
        || selector.as_object().is_some_and(|m| {
            m.values().all(|v| match v {
                Value::Null => true,
                Value::Object(o) => o.is_empty(),
                Value::Array(a) => a.is_empty(),
                _ => false,
            })
        });
    let ingress_type = match spec["policyTypes"].as_array() {
        None => true,
        Some(types) => types.iter().any(|t| t.as_str() == Some("Ingress")),
    };
    let no_rules = spec["ingress"].as_array().is_none_or(Vec::is_empty);
    selects_all && ingress_type && no_rules
}

/// Ingress rules of one NetworkPolicy that admit any source.
pub(crate) fn any_source(policy: &Object, out: &mut Vec<Violation>) {
    for (i, rule) in policy.value["spec"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let from = &rule["from"];
        if from.as_array().is_none_or(Vec::is_empty) {
            out.push(Violation {
                rule: "network-allows-any-source",
                path: format!("spec.ingress[{i}].from"),
                message: format!(
                    "ingress rule {i} of NetworkPolicy {:?} has no `from` peers: it admits every source",
                    policy.name
                ),
            });
            continue;
        }
        for (j, peer) in from.as_array().into_iter().flatten().enumerate() {
            let cidr = peer["ipBlock"]["cidr"].as_str().unwrap_or("");
            if matches!(cidr.trim(), "0.0.0.0/0" | "::/0") {
                out.push(Violation {
                    rule: "network-allows-any-source",
                    path: format!("spec.ingress[{i}].from[{j}].ipBlock.cidr"),
                    message: format!(
                        "ingress rule {i} of NetworkPolicy {:?} admits every address ({cidr})",
                        policy.name
                    ),
                });
            }
        }
    }
}

/// Namespaces that have workloads but no default-deny ingress policy among `objects`, each with the
/// reference the finding is reported on (the `Namespace` object) and a violation.
pub(crate) fn missing_default_deny(objects: &[Object]) -> Vec<(ObjectRef, Violation)> {
    let mut workloads: BTreeMap<&str, usize> = BTreeMap::new();
    let mut protected: BTreeSet<&str> = BTreeSet::new();
    for o in objects {
        if o.pod_template().is_some() {
            *workloads.entry(o.namespace.as_str()).or_default() += 1;
        } else if o.kind == "NetworkPolicy" && is_default_deny_ingress(o) {
            protected.insert(o.namespace.as_str());
        }
    }
    workloads
        .into_iter()
        .filter(|(ns, _)| !protected.contains(ns))
        .map(|(ns, n)| {
            (
                ObjectRef {
                    kind: "Namespace".into(),
                    namespace: String::new(),
                    name: ns.to_string(),
                },
                Violation {
                    rule: "network-no-default-deny",
                    path: String::new(),
                    message: format!(
                        "namespace {ns:?} has {n} workload(s) but no NetworkPolicy that denies all ingress by default"
                    ),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::objects::parse_manifests;
    use super::*;

    fn objects(text: &str) -> Vec<Object> {
        parse_manifests(text, "t.yaml").unwrap()
    }

    #[test]
    fn default_deny_shapes() {
        let deny = "kind: NetworkPolicy\nmetadata: {name: d, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
        assert!(is_default_deny_ingress(&objects(deny)[0]));
        let implied = "kind: NetworkPolicy\nmetadata: {name: d}\nspec:\n  podSelector: {}\n";
        assert!(is_default_deny_ingress(&objects(implied)[0]));
        let egress_only =
            "kind: NetworkPolicy\nmetadata: {name: d}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n";
        assert!(!is_default_deny_ingress(&objects(egress_only)[0]));
        let some_pods = "kind: NetworkPolicy\nmetadata: {name: d}\nspec:\n  podSelector: {matchLabels: {app: x}}\n  policyTypes: [Ingress]\n";
        assert!(!is_default_deny_ingress(&objects(some_pods)[0]));
        let allow_all =
            "kind: NetworkPolicy\nmetadata: {name: d}\nspec:\n  podSelector: {}\n  ingress: [{}]\n";
        assert!(!is_default_deny_ingress(&objects(allow_all)[0]));
    }

    #[test]
    fn namespaces_without_default_deny() {
        let text = "kind: Pod\nmetadata: {name: p, namespace: a}\n---\nkind: Pod\nmetadata: {name: q, namespace: b}\n---\nkind: NetworkPolicy\nmetadata: {name: d, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
        let missing = missing_default_deny(&objects(text));
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0.to_string(), "Namespace/b");
        assert_eq!(missing[0].1.rule, "network-no-default-deny");
    }

    #[test]
    fn any_source_paths() {
        let text = "kind: NetworkPolicy\nmetadata: {name: open}\nspec:\n  podSelector: {}\n  ingress:\n    - {}\n    - from: [{podSelector: {matchLabels: {app: a}}}, {ipBlock: {cidr: 0.0.0.0/0}}]\n    - from: [{ipBlock: {cidr: 10.0.0.0/8}}]\n";
        let mut out = Vec::new();
        any_source(&objects(text)[0], &mut out);
        let paths: Vec<_> = out.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(
            paths,
            ["spec.ingress[0].from", "spec.ingress[1].from[1].ipBlock.cidr"]
        );
    }
}
