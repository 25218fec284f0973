//! Placement: workloads that declare a sensitivity level or allowed regions must be constrained, through
//! `nodeSelector` or required node affinity, to nodes that fit (NIST SP 800-190 §3.3.4 and §4.4: never mix
//! sensitivity levels on one host kernel).
//!
//! A workload is constrained on a node label when its `nodeSelector` requires an acceptable value, or when
//! every term of `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`
//! (the terms are alternatives) has an `In` expression on the label whose values are all acceptable.

use super::Violation;
use super::objects::{Object, PodTemplate};

/// The workload label naming its sensitivity level (and the node label of the same name).
pub const SENSITIVITY_LABEL: &str = "rensa.dev/sensitivity";
/// The workload label or annotation listing the allowed regions, comma-separated. Label values cannot hold
/// commas, so a list of more than one region must be given as an annotation.
pub const ALLOWED_REGIONS_LABEL: &str = "rensa.dev/allowed-regions";
/// The node label of attested nodes (value `"true"`).
pub const ATTESTED_LABEL: &str = "rensa.dev/attested";
/// The well-known node label of the region.
pub const REGION_LABEL: &str = "topology.kubernetes.io/region";

/// Why a workload is not constrained on a node label: the path to fix and what was found.
fn constrained(
    t: &PodTemplate<'_>,
    key: &str,
    acceptable: &dyn Fn(&str) -> bool,
) -> Result<(), (String, String)> {
    let sp = t.spec_path;
    if let Some(v) = t.spec["nodeSelector"][key].as_str() {
        return if acceptable(v) {
            Ok(())
        } else {
            Err((
                format!("{sp}.nodeSelector[\"{key}\"]"),
                format!("nodeSelector requires {key}={v}"),
            ))
        };
    }
    let terms_path = format!(
        "{sp}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
    );
    let terms = t.spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"]
        .as_array();
    let Some(terms) = terms.filter(|t| !t.is_empty()) else {
        return Err((
            format!("{sp}.nodeSelector"),
            format!("neither nodeSelector nor required node affinity constrains {key}"),
        ));
    };
    for (i, term) in terms.iter().enumerate() {
        let ok = term["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| {
                e["key"].as_str() == Some(key)
                    && e["operator"].as_str() == Some("In")
                    && e["values"].as_array().is_some_and(|vs| {
                        !vs.is_empty() && vs.iter().all(|v| v.as_str().is_some_and(acceptable))
                    })
            });
        if !ok {
            return Err((
                format!("{terms_path}[{i}]"),
                format!("required node affinity term {i} does not limit {key} to acceptable values"),
            ));
        }
    }
    Ok(())
}

/// Checks one workload's placement.
pub(crate) fn check(object: &Object, out: &mut Vec<Violation>) {
    let Some(t) = object.pod_template() else {
        return;
    };
    let labels = object.workload_labels();
    let annotations = object.workload_annotations();
    if let Some(level) = labels.get(SENSITIVITY_LABEL) {
        if let Err((path, found)) = constrained(&t, SENSITIVITY_LABEL, &|v| v == level) {
            out.push(Violation {
                rule: "placement-sensitivity",
                path,
                message: format!(
                    "the workload is labelled {SENSITIVITY_LABEL}={level} but may run on nodes of another level: {found}"
                ),
            });
        }
        if let Err((path, found)) = constrained(&t, ATTESTED_LABEL, &|v| v == "true") {
            out.push(Violation {
                rule: "placement-attested-nodes",
                path,
                message: format!(
                    "the workload is sensitive ({SENSITIVITY_LABEL}={level}) but does not require {ATTESTED_LABEL}=true nodes: {found}"
                ),
            });
        }
    }
    let regions = labels
        .get(ALLOWED_REGIONS_LABEL)
        .or_else(|| annotations.get(ALLOWED_REGIONS_LABEL));
    if let Some(regions) = regions {
        let allowed: Vec<&str> = regions
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        if let Err((path, found)) = constrained(&t, REGION_LABEL, &|v| allowed.contains(&v)) {
            out.push(Violation {
                rule: "placement-allowed-regions",
                path,
                message: format!(
                    "the workload may only run in {} but is not constrained to those regions: {found}",
                    allowed.join(", ")
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::objects::parse_manifests;
    use super::*;

    fn violations(text: &str) -> Vec<(String, String)> {
        let objects = parse_manifests(text, "t.yaml").unwrap();
        let mut out = Vec::new();
        check(&objects[0], &mut out);
        out.into_iter().map(|v| (v.rule.to_string(), v.path)).collect()
    }

    const HEAD: &str = "kind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    metadata:\n      labels: {rensa.dev/sensitivity: high}\n      annotations: {rensa.dev/allowed-regions: 'eu-west,eu-central'}\n    spec:\n";

    #[test]
    fn unconstrained_sensitive_workload() {
        let v = violations(&format!("{HEAD}      containers: [{{name: a}}]\n"));
        let n = "spec.template.spec.nodeSelector".to_string();
        assert_eq!(
            v,
            [
                ("placement-sensitivity".into(), n.clone()),
                ("placement-attested-nodes".into(), n.clone()),
                ("placement-allowed-regions".into(), n),
            ]
        );
    }

    #[test]
    fn node_selector_constrains() {
        let text = format!(
            "{HEAD}      nodeSelector: {{rensa.dev/sensitivity: high, rensa.dev/attested: 'true', topology.kubernetes.io/region: eu-west}}\n"
        );
        assert_eq!(violations(&text), []);
        let text = format!(
            "{HEAD}      nodeSelector: {{rensa.dev/sensitivity: low, rensa.dev/attested: 'true', topology.kubernetes.io/region: us-east}}\n"
        );
        assert_eq!(
            violations(&text),
            [
                (
                    "placement-sensitivity".to_string(),
                    "spec.template.spec.nodeSelector[\"rensa.dev/sensitivity\"]".to_string()
                ),
                (
                    "placement-allowed-regions".to_string(),
                    "spec.template.spec.nodeSelector[\"topology.kubernetes.io/region\"]".to_string()
                ),
            ]
        );
    }

    #[test]
    fn affinity_terms_must_all_constrain() {
        let text = format!(
            "{HEAD}      nodeSelector: {{rensa.dev/sensitivity: high, rensa.dev/attested: 'true'}}\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              - matchExpressions: [{{key: topology.kubernetes.io/region, operator: In, values: [eu-west, eu-central]}}]\n              - matchExpressions: [{{key: topology.kubernetes.io/region, operator: In, values: [eu-west, us-east]}}]\n"
        );
        assert_eq!(
            violations(&text),
            [(
                "placement-allowed-regions".to_string(),
                "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[1]".to_string()
            )]
        );
    }
}
