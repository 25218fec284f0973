//! Writing a policy back as YAML (for `containers-policy.json` imports and for review).

use std::fmt::Write as _;

use super::{Identity, KeySource, Policy, Rule, ScanConditions, StageRequirement};

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings always serialize")
}

fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| q(n)).collect();
    format!("[{}]", quoted.join(", "))
}

fn conditions(c: &ScanConditions) -> String {
    let mut parts: Vec<String> = c.max_counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    if let Some(age) = c.database_age {
        parts.push(format!("database_age: {age}"));
    }
    if let Some(v) = c.verdict {
        parts.push(format!("verdict: {}", v.as_str()));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn stage(s: &StageRequirement) -> String {
    let mut out = format!(
        "{{ name: {}, type: {}, keys: {}, threshold: {}",
        q(&s.name),
        s.kind.name(),
        list(&s.keys),
        s.threshold
    );
    if let Some(age) = s.max_age {
        let _ = write!(out, ", max_age: {age}");
    }
    if !s.require.is_empty() {
        let _ = write!(out, ", require: {}", conditions(&s.require));
    }
    out.push_str(" }");
    out
}

/// The lines of a rule body, each starting with `indent`.
fn body(out: &mut String, rule: &Rule, indent: &str) {
    match rule {
        Rule::Reject => {
            let _ = writeln!(out, "{indent}action: reject");
        }
        Rule::Accept => {
            let _ = writeln!(out, "{indent}action: accept");
        }
        Rule::Require(r) => {
            if let Some(s) = &r.signatures {
                let _ = writeln!(
                    out,
                    "{indent}signatures: {{ keys: {}, threshold: {} }}",
                    list(&s.keys),
                    s.threshold
                );
            }
            match &r.identity {
                Identity::Exact => {}
                Identity::Remap {
                    prefix,
                    signed_prefix,
                } => {
                    let _ = writeln!(
                        out,
                        "{indent}identity: {{ remap: {{ prefix: {}, signed_prefix: {} }} }}",
                        q(prefix),
                        q(signed_prefix)
                    );
                }
            }
            if !r.stages.is_empty() {
                let _ = writeln!(out, "{indent}stages:");
                for s in &r.stages {
                    let _ = writeln!(out, "{indent}  - {}", stage(s));
                }
            }
        }
    }
}

impl Policy {
    /// The policy in the YAML format [`Policy::parse`] reads (keys from files keep their
    /// `path`, inline keys are written as `data`). Parsing the text again gives the same policy.
    pub fn to_yaml(&self) -> String {
        let mut out = String::from("version: 1\n");
        if !self.keys.is_empty() {
            out.push_str("keys:\n");
            for (name, key) in &self.keys {
                let source = match &key.source {
                    KeySource::Path(path) => format!("path: {}", q(path)),
                    KeySource::Inline => format!("data: {}", q(&key.public.to_pem())),
                };
                let _ = writeln!(out, "  {}: {{ {source} }}", q(name));
            }
        }
        match &self.default {
            Rule::Reject => out.push_str("default: reject\n"),
            Rule::Accept => out.push_str("default: accept\n"),
            rule => {
                out.push_str("default:\n");
                body(&mut out, rule, "  ");
            }
        }
        if !self.scopes.is_empty() {
            out.push_str("scopes:\n");
            for scope in &self.scopes {
                let _ = writeln!(out, "  - match: {}", q(scope.pattern.as_str()));
                body(&mut out, &scope.rule, "    ");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::key::{KeySpec, PrivateKey};
    use crate::policy::Policy;

    #[test]
    fn written_policies_parse_back_to_the_same_policy() {
        let a = PrivateKey::generate(KeySpec::EcdsaP256)
            .unwrap()
            .public_key()
            .to_pem();
        let b = PrivateKey::generate(KeySpec::Ed25519)
            .unwrap()
            .public_key()
            .to_pem();
        let text = format!(
            r#"version: 1
keys:
  release-a: {{ path: "keys/a.pub" }}
  "odd name": {{ data: {b:?} }}
default:
  signatures: {{ keys: [release-a] }}
scopes:
  - match: "registry.local:5000/prod/*"
    signatures: {{ keys: [release-a, "odd name"], threshold: 2 }}
    identity: {{ remap: {{ prefix: "registry.local:5000/prod", signed_prefix: "build.local/prod" }} }}
    stages:
      - {{ name: ci, type: stage, keys: [release-a], max_age: 1d12h }}
      - name: scan
        type: scan
        keys: ["odd name"]
        require: {{ critical: 0, fixable_high: 1, database_age: 1d, verdict: warn }}
      - {{ name: sbom, type: cyclonedx, keys: [release-a] }}
  - {{ match: "docker.io/**", action: reject }}
  - {{ match: "registry.local:5000/tools/*", action: accept }}
"#
        );
        let mut load = |path: &str| {
            assert_eq!(path, "keys/a.pub");
            Ok(a.clone().into_bytes())
        };
        let first = Policy::parse(&text, "trust.yaml", &mut load).unwrap();
        let yaml = first.to_yaml();
        let mut second =
            Policy::parse(&yaml, "trust.yaml", &mut load).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        for (s, f) in second.scopes.iter_mut().zip(&first.scopes) {
            s.line = f.line;
        }
        assert_eq!(second, first, "{yaml}");
        assert!(yaml.contains("max_age: 1d12h"), "{yaml}");
        assert_eq!(second.to_yaml(), yaml);
    }
}
