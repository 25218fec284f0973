//! Image rules: where a workload's images come from (`images.allowed`) and whether they are pinned
//! by digest (`images.require_digest`).

use rensa_trust::policy::ImageName;

use super::Violation;
use super::config::Images;
use super::objects::PodTemplate;
use super::pod::CONTAINER_LISTS;

/// Whether `image` names a digest (`…@sha256:` and 64 hex digits).
pub(crate) fn pinned(image: &str) -> bool {
    image.rsplit_once('@').is_some_and(|(_, d)| {
        d.strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// Checks the `image` of every container of the pod template.
pub(crate) fn check(t: &PodTemplate<'_>, cfg: &Images, out: &mut Vec<Violation>) {
    if cfg.allowed.is_empty() && !cfg.require_digest {
        return;
    }
    for list in CONTAINER_LISTS {
        let Some(containers) = t.spec.get(*list).and_then(|v| v.as_array()) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            let path = format!("{}.{list}[{i}].image", t.spec_path);
            let who = c.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let Some(image) = c.get("image").and_then(|v| v.as_str()) else {
                if !cfg.allowed.is_empty() {
                    out.push(Violation {
                        rule: "image-registry-not-allowed",
                        path,
                        message: format!("container {who:?} names no image"),
                    });
                }
                continue;
            };
            if !cfg.allowed.is_empty() {
                match ImageName::parse(image) {
                    Some(name) if cfg.allowed.iter().any(|p| p.matches(&name.full())) => {}
                    Some(name) => out.push(Violation {
                        rule: "image-registry-not-allowed",
                        path: path.clone(),
                        message: format!(
                            "container {who:?} runs {image} from {}, which no allowed pattern matches ({})",
                            name.full(),
                            cfg.allowed
                                .iter()
                                .map(|p| p.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }),
                    None => out.push(Violation {
                        rule: "image-registry-not-allowed",
                        path: path.clone(),
                        message: format!("container {who:?} runs {image:?}, which is not an image reference"),
                    }),
                }
            }
            if cfg.require_digest && !pinned(image) {
                out.push(Violation {
                    rule: "image-not-pinned",
                    path,
                    message: format!("container {who:?} runs {image} by tag, not by digest"),
                });
            }
        }
    }
}

/// Checks every container image of the pod template with `verifier`: the trust policy
/// (`image-not-trusted`), the maximum age (`image-too-old`), and whether verification worked at all
/// (`image-verification-failed`: the gate fails closed). Without a verifier while the policy needs
/// one, every image fails verification.
pub(crate) fn check_verified(
    t: &PodTemplate<'_>,
    cfg: &Images,
    verifier: Option<&dyn super::verify::ImageVerifier>,
    now: rensa_trust::predicate::Timestamp,
    out: &mut Vec<Violation>,
) {
    use super::verify::Problem;
    if !cfg.needs_registry() {
        return;
    }
    for list in CONTAINER_LISTS {
        let Some(containers) = t.spec.get(*list).and_then(|v| v.as_array()) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            let Some(image) = c.get("image").and_then(|v| v.as_str()) else {
                continue;
            };
            let who = c.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            for (problem, message) in super::verify::judge(image, cfg, verifier, now) {
                let (rule, message) = match problem {
                    Problem::Failed => (
                        "image-verification-failed",
                        format!("container {who:?}: {message}"),
                    ),
                    Problem::NotTrusted => ("image-not-trusted", format!("container {who:?} runs {message}")),
                    Problem::TooOld => ("image-too-old", format!("container {who:?} runs {message}")),
                };
                out.push(Violation {
                    rule,
                    path: format!("{}.{list}[{i}].image", t.spec_path),
                    message,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::config::DeployPolicy;
    use crate::deploy::objects::parse_manifests;

    fn run(policy: &str, containers: &str) -> Vec<(&'static str, String, String)> {
        let policy = DeployPolicy::parse(policy, "p.yaml").unwrap();
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: shop}}\nspec:\n  template:\n    spec:\n{containers}"
        );
        let objects = parse_manifests(&text, "d.yaml").unwrap();
        let t = objects[0].pod_template().unwrap();
        let mut out = Vec::new();
        check(&t, &policy.images, &mut out);
        out.into_iter().map(|v| (v.rule, v.path, v.message)).collect()
    }

    const DIGEST: &str = "sha256:cb5bbf76cc15631cb91abece256846bdc01a3bf4cb2453cc6fc0a62bec4db62e";

    #[test]
    fn allowed_registries_and_digests() {
        let policy = "version: 1\nimages:\n  allowed: [\"registry.local:5000/**\", \"docker.io/library/*\"]\n  require_digest: true\n";
        let containers = format!(
            "      initContainers: [{{name: init, image: busybox}}]\n      containers:\n        - {{name: app, image: \"registry.local:5000/shop/web@{DIGEST}\"}}\n        - {{name: side, image: \"quay.io/evil/miner:latest\"}}\n        - {{name: none}}\n"
        );
        let got = run(policy, &containers);
        assert_eq!(
            got,
            vec![
                (
                    "image-not-pinned",
                    "spec.template.spec.initContainers[0].image".to_string(),
                    "container \"init\" runs busybox by tag, not by digest".to_string()
                ),
                (
                    "image-registry-not-allowed",
                    "spec.template.spec.containers[1].image".to_string(),
                    "container \"side\" runs quay.io/evil/miner:latest from quay.io/evil/miner, which no allowed pattern matches (registry.local:5000/**, docker.io/library/*)".to_string()
                ),
                (
                    "image-not-pinned",
                    "spec.template.spec.containers[1].image".to_string(),
                    "container \"side\" runs quay.io/evil/miner:latest by tag, not by digest".to_string()
                ),
                (
                    "image-registry-not-allowed",
                    "spec.template.spec.containers[2].image".to_string(),
                    "container \"none\" names no image".to_string()
                ),
            ]
        );
    }

    #[test]
    fn nothing_configured_checks_nothing() {
        assert!(
            run(
                "version: 1\n",
                "      containers: [{name: a, image: \"quay.io/x:1\"}]\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn pinned_needs_a_full_sha256() {
        assert!(pinned(&format!("a/b@{DIGEST}")));
        assert!(pinned(&format!("a/b:1@{DIGEST}")));
        assert!(!pinned("a/b@sha256:abc"));
        assert!(!pinned("a/b:1"));
    }

    #[test]
    fn verification_without_a_verifier_fails_closed() {
        let policy = DeployPolicy::parse("version: 1\nimages:\n  max_age: 30d\n", "p.yaml").unwrap();
        let text = "kind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: r.io/a:1}]\n";
        let objects = parse_manifests(text, "d.yaml").unwrap();
        let t = objects[0].pod_template().unwrap();
        let mut out = Vec::new();
        check_verified(
            &t,
            &policy.images,
            None,
            rensa_trust::predicate::Timestamp(0),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "image-verification-failed");
        assert_eq!(
            out[0].message,
            "container \"app\": cannot verify r.io/a:1: no image verifier is configured (the registry is not reachable from here)"
        );
        assert_eq!(
            DeployPolicy::parse("version: 1\nimages:\n  max_age: 30days\n", "p.yaml")
                .unwrap_err()
                .to_string(),
            "p.yaml:3: images.max_age: `30days` is not a duration (write e.g. 30s, 15m, 12h, 7d or 1d12h)"
        );
    }

    #[test]
    fn bad_globs_name_their_line() {
        let e = DeployPolicy::parse("version: 1\nimages:\n  allowed:\n    - \"\"\n", "p.yaml").unwrap_err();
        assert!(e.to_string().starts_with("p.yaml:4: images.allowed: "), "{e}");
    }
}
