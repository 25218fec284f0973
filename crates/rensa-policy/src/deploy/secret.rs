//! Secrets in workload objects: literal `env` values, `command`/`args`, and ConfigMap data.
//!
//! The gate itself flags literal env values whose variable name says it holds a secret (`PASSWORD`,
//! `TOKEN`, `API_KEY`, …). Content rules (cloud keys, private keys, tokens, `password=` settings) come
//! from a [`SecretDetector`] the caller plugs in — the CLI and the server use rensa-checks' secret
//! scanner, the same rules as the image checks — so this crate does not depend on it.

use serde_json::Value;

use super::Violation;
use super::objects::{Object, PodTemplate};
use super::pod::CONTAINER_LISTS;

/// A secret found in a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedSecret {
    /// The detector's rule id (`secret-aws-access-key`).
    pub rule: String,
    /// The secret, masked.
    pub masked: String,
}

/// Finds secrets in text. `name` says what the text is (`env/DB_URL`, `args`, `configmap/app.conf`):
/// a name ending in a configuration-file suffix lets `password=`-style rules apply.
pub trait SecretDetector {
    /// The secrets in `text`.
    fn detect(&self, name: &str, text: &str) -> Vec<DetectedSecret>;
}

/// Words in an env var name that say its value is a secret.
const SECRET_NAME_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Whether an env var named `name` is meant to hold a secret (not a file, path or directory where one is
/// kept: `DB_PASSWORD_FILE` names a mounted Secret, which is the recommended way).
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_WORDS.iter().any(|w| upper.contains(w))
        && !["_FILE", "_PATH", "_DIR", "_REF", "_NAME"]
            .iter()
            .any(|s| upper.ends_with(s))
}

/// Whether `value` is a reference to something else rather than a literal (`$(VAR)` expansion, a
/// `${VAR}` template, a path).
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with("${") && v.ends_with('}'))
        || v.starts_with('/')
}

/// `DetectedSecret`s as one phrase.
fn described(hits: &[DetectedSecret]) -> String {
    hits.iter()
        .map(|h| format!("{} ({})", h.rule, h.masked))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the env values and command lines of every container of the pod template.
pub(crate) fn check_pod(
    t: &PodTemplate<'_>,
    detector: Option<&dyn SecretDetector>,
    out: &mut Vec<Violation>,
) {
    for list in CONTAINER_LISTS {
        let Some(containers) = t.spec.get(*list).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            let at = format!("{}.{list}[{i}]", t.spec_path);
            let who = c.get("name").and_then(Value::as_str).unwrap_or("?");
            for (j, e) in c
                .get("env")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (Some(name), Some(value)) = (
                    e.get("name").and_then(Value::as_str),
                    e.get("value").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                let hits = detector
                    .map(|d| d.detect(&format!("env/{name}.env"), &format!("{name}={value}\n")))
                    .unwrap_or_default();
                let message = if !hits.is_empty() {
                    format!(
                        "container {who:?} sets {name} to a literal secret: {}",
                        described(&hits)
                    )
                } else if secret_name(name) && !is_reference(value) {
                    format!("container {who:?} sets {name} to a literal value; its name says it is a secret")
                } else {
                    continue;
                };
                out.push(Violation {
                    rule: "secret-in-env",
                    path: format!("{at}.env[{j}].value"),
                    message,
                });
            }
            let Some(d) = detector else { continue };
            for field in ["command", "args"] {
                let Some(words) = c.get(field).and_then(Value::as_array) else {
                    continue;
                };
                for (j, w) in words.iter().enumerate() {
                    let Some(w) = w.as_str() else { continue };
                    let hits = d.detect(&format!("{field}.conf"), w);
                    if !hits.is_empty() {
                        out.push(Violation {
                            rule: "secret-in-args",
                            path: format!("{at}.{field}[{j}]"),
                            message: format!(
                                "container {who:?} has a secret in its {field}: {}",
                                described(&hits)
                            ),
                        });
                    }
                }
            }
        }
    }
}

/// Checks the data of a ConfigMap (each key as a file of that name).
pub(crate) fn check_configmap(
    object: &Object,
    detector: Option<&dyn SecretDetector>,
    out: &mut Vec<Violation>,
) {
    let Some(data) = object.value.get("data").and_then(Value::as_object) else {
        return;
    };
    for (key, value) in data {
        let Some(text) = value.as_str() else { continue };
        let mut hits = detector
            .map(|d| d.detect(&format!("configmap/{key}"), text))
            .unwrap_or_default();
        if hits.is_empty() && secret_name(key) && !text.trim().is_empty() && !text.contains('\n') {
            hits.push(DetectedSecret {
                rule: "secret-name".into(),
                masked: "the key's name says it is a secret".into(),
            });
        }
        if !hits.is_empty() {
            out.push(Violation {
                rule: "secret-in-configmap",
                path: format!("data[{}]", serde_json::to_string(key).unwrap_or_default()),
                message: format!(
                    "ConfigMap {:?} holds a secret under {key:?}: {}",
                    object.name,
                    described(&hits)
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::config::DeployPolicy;
    use crate::deploy::objects::parse_manifests;
    use crate::deploy::{Date, check_with};

    /// A detector that knows one fake token shape, to see the plumbing.
    struct Fake;
    impl SecretDetector for Fake {
        fn detect(&self, name: &str, text: &str) -> Vec<DetectedSecret> {
            let mut hits = Vec::new();
            if text.contains("ghp_") {
                hits.push(DetectedSecret {
                    rule: "secret-github-token".into(),
                    masked: "ghp_****".into(),
                });
            }
            if name.ends_with(".conf") && text.contains("password=") {
                hits.push(DetectedSecret {
                    rule: "secret-password-assignment".into(),
                    masked: "****".into(),
                });
            }
            hits
        }
    }

    const MANIFEST: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n    - name: app\n      image: x\n      env:\n        - {name: DB_PASSWORD, value: hunter2}\n        - {name: GH, value: ghp_abcdef}\n        - {name: MODE, value: prod}\n        - {name: API_TOKEN, valueFrom: {secretKeyRef: {name: s, key: k}}}\n      args: [\"--db\", \"password=x\"]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata:\n  app.conf: \"password=swordfish\\n\"\n  SECRET_KEY: abc\n  mode: prod\n";

    fn rules(detector: Option<&dyn SecretDetector>, policy: &str) -> Vec<(String, String, String)> {
        let objects = parse_manifests(MANIFEST, "m.yaml").unwrap();
        let policy = DeployPolicy::parse(policy, "p.yaml").unwrap();
        let report = check_with(&policy, &objects, Date::parse("2026-11-23").unwrap(), detector);
        report
            .findings
            .into_iter()
            .filter(|f| f.rule.starts_with("secret-"))
            .map(|f| (f.rule, f.path, f.message))
            .collect()
    }

    #[test]
    fn env_args_and_configmaps_with_a_detector() {
        let got = rules(Some(&Fake), "version: 1\n");
        let want = [
            (
                "secret-in-configmap",
                "data[\"SECRET_KEY\"]",
                "ConfigMap \"settings\" holds a secret under \"SECRET_KEY\": secret-name (the key's name says it is a secret)",
            ),
            (
                "secret-in-configmap",
                "data[\"app.conf\"]",
                "ConfigMap \"settings\" holds a secret under \"app.conf\": secret-password-assignment (****)",
            ),
            (
                "secret-in-args",
                "spec.containers[0].args[1]",
                "container \"app\" has a secret in its args: secret-password-assignment (****)",
            ),
            (
                "secret-in-env",
                "spec.containers[0].env[0].value",
                "container \"app\" sets DB_PASSWORD to a literal value; its name says it is a secret",
            ),
            (
                "secret-in-env",
                "spec.containers[0].env[1].value",
                "container \"app\" sets GH to a literal secret: secret-github-token (ghp_****)",
            ),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn without_a_detector_names_still_count_and_the_switch_turns_it_off() {
        let got: Vec<String> = rules(None, "version: 1\n")
            .into_iter()
            .map(|(_, p, _)| p)
            .collect();
        assert_eq!(got, ["data[\"SECRET_KEY\"]", "spec.containers[0].env[0].value"]);
        assert!(rules(Some(&Fake), "version: 1\nsecrets: {enabled: false}\n").is_empty());
    }

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "github_token",
            "AWS_SECRET_ACCESS_KEY",
            "ApiKey",
            "X_PRIVATE_KEY",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in ["MODE", "PORT", "DB_PASSWORD_FILE", "TOKEN_PATH", "SECRET_NAME"] {
            assert!(!secret_name(n), "{n}");
        }
        for v in ["$(OTHER)", "${DB_PASS}", "/run/secrets/db"] {
            assert!(is_reference(v), "{v}");
        }
        assert!(!is_reference("hunter2"));
    }
}
