//! Reading the YAML: serde structs with spans, then checks that name `FILE:LINE`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::Spanned;

use super::{
    Duration, Identity, KeySource, Pattern, Policy, PolicyKey, Requirements, Rule, ScanConditions, Scope,
    SignatureRequirement, StageRequirement,
};
use crate::error::{Error, Result};
use crate::key::PublicKey;
use crate::predicate::{PredicateKind, SeverityCounts, Verdict};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<u64>,
    #[serde(default)]
    keys: BTreeMap<String, Spanned<RawKey>>,
    default: Spanned<RawDefault>,
    #[serde(default)]
    scopes: Vec<Spanned<RawScope>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    path: Option<String>,
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(rename = "match")]
    pattern: Spanned<String>,
    action: Option<Spanned<String>>,
    signatures: Option<Spanned<RawSignatures>>,
    identity: Option<Spanned<RawIdentity>>,
    stages: Option<Vec<Spanned<RawStage>>>,
}

/// The body of a rule, shared by scopes and the default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBody {
    action: Option<Spanned<String>>,
    signatures: Option<Spanned<RawSignatures>>,
    identity: Option<Spanned<RawIdentity>>,
    stages: Option<Vec<Spanned<RawStage>>>,
}

/// `default: reject` or `default: { signatures: ... }`.
struct RawDefault(RawBody);

impl<'de> Deserialize<'de> for RawDefault {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDefault;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`reject`, `accept` or a requirement block")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<RawDefault, E> {
                Ok(RawDefault(RawBody {
                    action: Some(Spanned::new(
                        v.to_owned(),
                        serde_saphyr::Location::UNKNOWN,
                        serde_saphyr::Location::UNKNOWN,
                    )),
                    ..RawBody::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<RawDefault, A::Error> {
                RawBody::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDefault)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignatures {
    keys: Vec<Spanned<String>>,
    threshold: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawIdentity {
    Exact,
    Remap(RawRemap),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemap {
    prefix: String,
    signed_prefix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    keys: Vec<Spanned<String>>,
    threshold: Option<Spanned<u64>>,
    max_age: Option<Spanned<String>>,
    require: Option<Spanned<RawRequire>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequire {
    critical: Option<u64>,
    high: Option<u64>,
    medium: Option<u64>,
    low: Option<u64>,
    negligible: Option<u64>,
    unknown: Option<u64>,
    fixable_critical: Option<u64>,
    fixable_high: Option<u64>,
    fixable_medium: Option<u64>,
    fixable_low: Option<u64>,
    fixable_negligible: Option<u64>,
    fixable_unknown: Option<u64>,
    database_age: Option<Spanned<String>>,
    verdict: Option<Spanned<String>>,
}

struct Ctx<'a> {
    origin: &'a str,
    keys: &'a BTreeMap<String, PolicyKey>,
}

impl Ctx<'_> {
    fn invalid(&self, line: u64, message: impl Into<String>) -> Error {
        Error::PolicyInvalid {
            origin: self.origin.to_owned(),
            line,
            message: message.into(),
        }
    }

    fn key_names(&self, names: &[Spanned<String>], whose: &str) -> Result<Vec<String>> {
        if names.is_empty() {
            let line = 0;
            return Err(self.invalid(line, format!("{whose}: `keys` is empty")));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for n in names {
            if !self.keys.contains_key(&n.value) {
                let known: Vec<&str> = self.keys.keys().map(String::as_str).collect();
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                return Err(self.invalid(
                    n.referenced.line(),
                    format!("{whose}: unknown key `{}` (keys defined: {known})", n.value),
                ));
            }
            if !seen.insert(n.value.as_str()) {
                return Err(self.invalid(
                    n.referenced.line(),
                    format!("{whose}: key `{}` is listed twice", n.value),
                ));
            }
            out.push(n.value.clone());
        }
        Ok(out)
    }

    fn threshold(
        &self,
        threshold: &Option<Spanned<u64>>,
        keys: usize,
        whose: &str,
        line: u64,
    ) -> Result<usize> {
        let Some(t) = threshold else {
            return Ok(1);
        };
        if t.value == 0 || t.value > keys as u64 {
            return Err(self.invalid(
                t.referenced.line().max(line),
                format!(
                    "{whose}: threshold {} must be between 1 and the number of keys ({keys})",
                    t.value
                ),
            ));
        }
        Ok(t.value as usize)
    }

    fn duration(&self, text: &Spanned<String>, what: &str) -> Result<Duration> {
        Duration::parse(&text.value).map_err(|m| self.invalid(text.referenced.line(), format!("{what}: {m}")))
    }

    fn body(&self, body: RawBody, line: u64, whose: &str) -> Result<Rule> {
        if let Some(action) = body.action {
            let line = if action.referenced.line() == 0 {
                line
            } else {
                action.referenced.line()
            };
            if body.signatures.is_some() || body.identity.is_some() || body.stages.is_some() {
                return Err(self.invalid(
                    line,
                    format!("{whose}: `action` cannot be combined with signatures, identity or stages"),
                ));
            }
            return match action.value.as_str() {
                "reject" => Ok(Rule::Reject),
                "accept" => Ok(Rule::Accept),
                other => Err(self.invalid(
                    line,
                    format!("{whose}: unknown action `{other}` (expected reject or accept)"),
                )),
            };
        }
        let stages_given = body.stages.as_ref().is_some_and(|s| !s.is_empty());
        if body.signatures.is_none() && !stages_given {
            return Err(self.invalid(
                line,
                format!("{whose}: needs `action: reject`, `action: accept`, or `signatures` and/or `stages`"),
            ));
        }
        let signatures = match body.signatures {
            None => None,
            Some(s) => {
                let line = s.referenced.line();
                let what = format!("{whose} signatures");
                let keys = self
                    .key_names(&s.value.keys, &what)
                    .map_err(|e| with_line(e, line))?;
                let threshold = self.threshold(&s.value.threshold, keys.len(), &what, line)?;
                Some(SignatureRequirement { keys, threshold })
            }
        };
        let identity = match body.identity {
            None => Identity::Exact,
            Some(i) => match i.value {
                RawIdentity::Exact => Identity::Exact,
                RawIdentity::Remap(r) => {
                    for (field, value) in [("prefix", &r.prefix), ("signed_prefix", &r.signed_prefix)] {
                        if value.is_empty() || value.ends_with('/') || value.contains(char::is_whitespace) {
                            return Err(self.invalid(
                                i.referenced.line(),
                                format!(
                                    "{whose}: remap {field} `{value}` must be HOST[:PORT][/PATH] without a trailing `/`"
                                ),
                            ));
                        }
                    }
                    Identity::Remap {
                        prefix: r.prefix,
                        signed_prefix: r.signed_prefix,
                    }
                }
            },
        };
        if signatures.is_none() && identity != Identity::Exact {
            return Err(self.invalid(
                line,
                format!("{whose}: `identity` applies to signatures, but none are required"),
            ));
        }
        let mut stages: Vec<StageRequirement> = Vec::new();
        for s in body.stages.unwrap_or_default() {
            let line = s.referenced.line();
            let raw = s.value;
            let name = raw.name.value.clone();
            let what = format!("{whose} stage `{name}`");
            if name.is_empty() {
                return Err(self.invalid(
                    raw.name.referenced.line(),
                    format!("{whose}: a stage needs a name"),
                ));
            }
            if stages.iter().any(|s| s.name == name) {
                return Err(self.invalid(
                    raw.name.referenced.line(),
                    format!("{whose}: stage `{name}` is defined twice"),
                ));
            }
            let kind = PredicateKind::from_name(&raw.kind.value).ok_or_else(|| {
                self.invalid(
                    raw.kind.referenced.line(),
                    format!(
                        "{what}: unknown type `{}` (known: stage, scan, cyclonedx, slsaprovenance)",
                        raw.kind.value
                    ),
                )
            })?;
            let keys = self.key_names(&raw.keys, &what).map_err(|e| with_line(e, line))?;
            let threshold = self.threshold(&raw.threshold, keys.len(), &what, line)?;
            let max_age = match &raw.max_age {
                Some(m) => Some(self.duration(m, &format!("{what} max_age"))?),
                None => None,
            };
            let require = match raw.require {
                None => ScanConditions::default(),
                Some(r) if kind != PredicateKind::Scan => {
                    return Err(self.invalid(
                        r.referenced.line(),
                        format!("{what}: `require` is only for stages of type scan, not {kind}"),
                    ));
                }
                Some(r) => self.conditions(r.value, &what)?,
            };
            stages.push(StageRequirement {
                name,
                kind,
                keys,
                threshold,
                max_age,
                require,
            });
        }
        Ok(Rule::Require(Requirements {
            signatures,
            identity,
            stages,
        }))
    }

    fn conditions(&self, r: RawRequire, what: &str) -> Result<ScanConditions> {
        let mut max_counts = BTreeMap::new();
        let counts = [
            r.critical,
            r.high,
            r.medium,
            r.low,
            r.negligible,
            r.unknown,
            r.fixable_critical,
            r.fixable_high,
            r.fixable_medium,
            r.fixable_low,
            r.fixable_negligible,
            r.fixable_unknown,
        ];
        let names = SeverityCounts::SEVERITIES
            .iter()
            .map(|s| s.to_string())
            .chain(SeverityCounts::SEVERITIES.iter().map(|s| format!("fixable_{s}")));
        for (name, value) in names.zip(counts) {
            if let Some(v) = value {
                max_counts.insert(name, v);
            }
        }
        let database_age = match &r.database_age {
            Some(d) => Some(self.duration(d, &format!("{what} database_age"))?),
            None => None,
        };
        let verdict = match &r.verdict {
            None => None,
            Some(v) => Some(match v.value.as_str() {
                "pass" => Verdict::Pass,
                "warn" => Verdict::Warn,
                "block" => Verdict::Block,
                other => {
                    return Err(self.invalid(
                        v.referenced.line(),
                        format!("{what}: unknown verdict `{other}` (expected pass, warn or block)"),
                    ));
                }
            }),
        };
        Ok(ScanConditions {
            max_counts,
            database_age,
            verdict,
        })
    }
}

/// Gives an error without a line (0) the line of the enclosing item.
fn with_line(e: Error, line: u64) -> Error {
    match e {
        Error::PolicyInvalid {
            origin,
            line: 0,
            message,
        } => Error::PolicyInvalid {
            origin,
            line,
            message,
        },
        other => other,
    }
}

/// The parser's message without the position (the error names it already) and in this file's words.
fn clean_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or("");
    let first = match first.rfind(" at line ") {
        Some(at) if first[at..].contains(", column ") => &first[..at],
        _ => first,
    };
    match first.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest);
            format!("`{key}` is defined twice")
        }
        None => first.to_owned(),
    }
}

pub(super) fn parse(
    text: &str,
    origin: &str,
    load_key: &mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
) -> Result<Policy> {
    let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|source| {
        let line = source.location().map_or(0, |l| l.line());
        let message = clean_message(&source.without_snippet().to_string());
        Error::PolicyYaml {
            origin: origin.to_owned(),
            line,
            message,
            source: Box::new(source),
        }
    })?;
    let invalid = |line: u64, message: String| Error::PolicyInvalid {
        origin: origin.to_owned(),
        line,
        message,
    };
    if raw.version.value != 1 {
        return Err(invalid(
            raw.version.referenced.line(),
            format!(
                "unsupported version {} (this rensa reads version 1)",
                raw.version.value
            ),
        ));
    }
    let mut keys = BTreeMap::new();
    for (name, k) in raw.keys {
        let line = k.referenced.line();
        if name.is_empty() {
            return Err(invalid(line, "a key needs a non-empty name".to_owned()));
        }
        let key_error = |source: Error| Error::PolicyKey {
            origin: origin.to_owned(),
            line,
            name: name.clone(),
            source: Box::new(source),
        };
        let (public, source) = match (k.value.path, k.value.data) {
            (Some(path), None) => {
                let bytes = load_key(&path).map_err(|source| Error::PolicyKeyRead {
                    origin: origin.to_owned(),
                    line,
                    name: name.clone(),
                    path: path.clone(),
                    source,
                })?;
                (
                    PublicKey::from_pem(&bytes).map_err(key_error)?,
                    KeySource::Path(path),
                )
            }
            (None, Some(data)) => (
                PublicKey::from_pem(data.as_bytes()).map_err(key_error)?,
                KeySource::Inline,
            ),
            _ => {
                return Err(invalid(
                    line,
                    format!("key `{name}` needs exactly one of `path` or `data`"),
                ));
            }
        };
        keys.insert(name, PolicyKey { public, source });
    }
    let ctx = Ctx { origin, keys: &keys };
    let default_line = raw.default.referenced.line();
    let default = ctx.body(raw.default.value.0, default_line, "default")?;
    let mut scopes = Vec::new();
    for s in raw.scopes {
        let line = s.referenced.line();
        let raw_scope = s.value;
        let pattern = Pattern::parse(&raw_scope.pattern.value)
            .map_err(|m| invalid(raw_scope.pattern.referenced.line(), m))?;
        if let Some(previous) = scopes.iter().find(|p: &&Scope| p.pattern == pattern) {
            return Err(invalid(
                raw_scope.pattern.referenced.line(),
                format!("scope `{pattern}` is already defined at line {}", previous.line),
            ));
        }
        let body = RawBody {
            action: raw_scope.action,
            signatures: raw_scope.signatures,
            identity: raw_scope.identity,
            stages: raw_scope.stages,
        };
        let rule = ctx.body(body, line, &format!("scope `{pattern}`"))?;
        scopes.push(Scope { pattern, rule, line });
    }
    Ok(Policy {
        origin: origin.to_owned(),
        keys,
        default,
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{KeySpec, PrivateKey};

    fn pem() -> String {
        PrivateKey::generate(KeySpec::Ed25519)
            .unwrap()
            .public_key()
            .to_pem()
    }

    fn parse_with(text: &str, files: &[(&str, String)]) -> Result<Policy> {
        let files: BTreeMap<String, String> = files.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        parse(text, "trust.yaml", &mut |path: &str| {
            files
                .get(path)
                .map(|s| s.clone().into_bytes())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"))
        })
    }

    fn err(text: &str) -> String {
        parse_with(text, &[("a.pub", pem()), ("b.pub", pem())])
            .unwrap_err()
            .to_string()
    }

    const GOOD: &str = r#"version: 1
keys:
  release-a: { path: a.pub }
  release-b: { path: b.pub }
  ci: { data: "PEM" }
default: reject
scopes:
  - match: "registry.local:5000/prod/*"
    signatures: { keys: [release-a, release-b], threshold: 2 }
    identity: { remap: { prefix: "registry.local:5000/prod", signed_prefix: "build.local:5000/prod" } }
    stages:
      - { name: ci, type: stage, keys: [ci], max_age: 7d }
      - name: scan
        type: scan
        keys: [ci, release-a]
        threshold: 2
        max_age: 1d
        require: { critical: 0, fixable_high: 0, database_age: 1d, verdict: warn }
  - { match: "docker.io/**", action: reject }
  - match: "registry.local:5000/tools/*"
    action: accept
"#;

    #[test]
    fn parses_the_documented_example() {
        let ci = pem();
        let text = GOOD.replace("\"PEM\"", &format!("{ci:?}"));
        let p = parse_with(&text, &[("a.pub", pem()), ("b.pub", pem())]).unwrap();
        assert_eq!(p.origin, "trust.yaml");
        assert_eq!(p.keys.len(), 3);
        assert_eq!(p.keys["release-a"].source, KeySource::Path("a.pub".into()));
        assert_eq!(p.keys["ci"].source, KeySource::Inline);
        assert_eq!(p.keys["ci"].public.to_pem(), ci);
        assert_eq!(p.default, Rule::Reject);
        assert_eq!(p.scopes.len(), 3);
        assert_eq!(
            (p.scopes[0].line, p.scopes[1].line, p.scopes[2].line),
            (8, 19, 20)
        );
        let Rule::Require(r) = &p.scopes[0].rule else {
            panic!()
        };
        assert_eq!(
            r.signatures,
            Some(SignatureRequirement {
                keys: vec!["release-a".into(), "release-b".into()],
                threshold: 2
            })
        );
        assert_eq!(
            r.identity,
            Identity::Remap {
                prefix: "registry.local:5000/prod".into(),
                signed_prefix: "build.local:5000/prod".into()
            }
        );
        assert_eq!(r.stages[0].threshold, 1);
        assert_eq!(r.stages[0].max_age, Some(Duration(7 * 86_400)));
        assert_eq!(r.stages[0].kind, PredicateKind::Stage);
        let scan = &r.stages[1];
        assert_eq!((scan.kind, scan.threshold), (PredicateKind::Scan, 2));
        assert_eq!(
            scan.require.max_counts,
            BTreeMap::from([("critical".to_owned(), 0), ("fixable_high".to_owned(), 0)])
        );
        assert_eq!(scan.require.database_age, Some(Duration(86_400)));
        assert_eq!(scan.require.verdict, Some(Verdict::Warn));
        assert_eq!(p.scopes[1].rule, Rule::Reject);
        assert_eq!(p.scopes[2].rule, Rule::Accept);
        let default_block = "version: 1\nkeys: { a: { path: a.pub } }\ndefault:\n  signatures: { keys: [a] }\n  identity: exact\n";
        let p = parse_with(default_block, &[("a.pub", pem())]).unwrap();
        assert!(matches!(
            p.default,
            Rule::Require(Requirements {
                identity: Identity::Exact,
                ..
            })
        ));
    }

    #[test]
    fn errors_name_file_and_line() {
        let head =
            "version: 1\nkeys:\n  a: { path: a.pub }\n  b: { path: b.pub }\ndefault: reject\nscopes:\n";
        let cases: &[(&str, &str)] = &[
            (
                "  - match: h/x\n    actoin: reject\n",
                "trust.yaml:8: unknown field `actoin`, expected one of match, action, signatures, identity, stages",
            ),
            (
                "  - match: h/x\n    signatures: { keys: [a, c] }\n",
                "trust.yaml:8: scope `h/x` signatures: unknown key `c` (keys defined: a, b)",
            ),
            (
                "  - match: h/x\n    signatures: { keys: [a, a] }\n",
                "trust.yaml:8: scope `h/x` signatures: key `a` is listed twice",
            ),
            (
                "  - match: h/x\n    signatures:\n      keys: []\n",
                "trust.yaml:9: scope `h/x` signatures: `keys` is empty",
            ),
            (
                "  - match: h/x\n    signatures: { keys: [a, b], threshold: 3 }\n",
                "trust.yaml:8: scope `h/x` signatures: threshold 3 must be between 1 and the number of keys (2)",
            ),
            (
                "  - match: h/x\n    signatures:\n      keys: [a, b]\n      threshold: 0\n",
                "trust.yaml:10: scope `h/x` signatures: threshold 0 must be between 1 and the number of keys (2)",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: ci, type: stage, keys: [a], max_age: 1w }\n",
                "trust.yaml:9: scope `h/x` stage `ci` max_age: `1w` is not a duration (write e.g. 30s, 15m, 12h, 7d or 1d12h)",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: ci, type: sbom, keys: [a] }\n",
                "trust.yaml:9: scope `h/x` stage `ci`: unknown type `sbom` (known: stage, scan, cyclonedx, slsaprovenance)",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: ci, type: stage, keys: [a], require: { critical: 0 } }\n",
                "trust.yaml:9: scope `h/x` stage `ci`: `require` is only for stages of type scan, not stage",
            ),
            (
                "  - match: h/x\n    stages:\n      - name: s\n        type: scan\n        keys: [a]\n        require: { critical: 0, severe: 1 }\n",
                "trust.yaml:12: unknown field `severe`, expected one of critical, high, medium, low, negligible, unknown, fixable_critical, fixable_high, fixable_medium, fixable_low, fixable_negligible, fixable_unknown, database_age, verdict",
            ),
            (
                "  - match: h/x\n    stages:\n      - name: s\n        type: scan\n        keys: [a]\n        require: { verdict: ok }\n",
                "trust.yaml:12: scope `h/x` stage `s`: unknown verdict `ok` (expected pass, warn or block)",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: s, type: scan, keys: [a] }\n      - { name: s, type: stage, keys: [a] }\n",
                "trust.yaml:10: scope `h/x`: stage `s` is defined twice",
            ),
            (
                "  - match: \"h//x\"\n    action: reject\n",
                "trust.yaml:7: match pattern `h//x` has an empty path component",
            ),
            (
                "  - match: h/x\n    action: reject\n  - match: h/x\n    action: accept\n",
                "trust.yaml:9: scope `h/x` is already defined at line 7",
            ),
            (
                "  - match: h/x\n    action: allow\n",
                "trust.yaml:8: scope `h/x`: unknown action `allow` (expected reject or accept)",
            ),
            (
                "  - match: h/x\n    action: reject\n    signatures: { keys: [a] }\n",
                "trust.yaml:8: scope `h/x`: `action` cannot be combined with signatures, identity or stages",
            ),
            (
                "  - match: h/x\n",
                "trust.yaml:7: scope `h/x`: needs `action: reject`, `action: accept`, or `signatures` and/or `stages`",
            ),
            (
                "  - match: h/x\n    identity: same\n    signatures: { keys: [a] }\n",
                "trust.yaml:8: unknown variant `same`, expected one of exact, remap",
            ),
            (
                "  - match: h/x\n    identity: { remap: { prefix: \"h/\", signed_prefix: g } }\n    signatures: { keys: [a] }\n",
                "trust.yaml:8: scope `h/x`: remap prefix `h/` must be HOST[:PORT][/PATH] without a trailing `/`",
            ),
            (
                "  - match: h/x\n    identity: { remap: { prefix: h, signed_prefix: g } }\n    stages:\n      - { name: s, type: stage, keys: [a] }\n",
                "trust.yaml:7: scope `h/x`: `identity` applies to signatures, but none are required",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: s, type: stage, keys: [a, b], threshold: 3 }\n",
                "trust.yaml:9: scope `h/x` stage `s`: threshold 3 must be between 1 and the number of keys (2)",
            ),
            (
                "  - match: h/x\n    stages:\n      - { name: s, type: stage, keys: [a, x] }\n",
                "trust.yaml:9: scope `h/x` stage `s`: unknown key `x` (keys defined: a, b)",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(tail, expected)| {
                let got = err(&format!("{head}{tail}"));
                (got != *expected).then(|| format!("{tail}\n  got:      {got}\n  expected: {expected}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(
            err("version: 2\ndefault: reject\n"),
            "trust.yaml:1: unsupported version 2 (this rensa reads version 1)"
        );
        assert_eq!(err("version: 1\n"), "trust.yaml:1: missing field `default`");
        assert_eq!(
            err("version: 1\ndefault: [1]\n"),
            "trust.yaml:2: invalid type: sequence, expected `reject`, `accept` or a requirement block"
        );
        assert_eq!(
            err("version: 1\nkeys:\n  a: { path: a.pub }\n  a: { path: b.pub }\ndefault: reject\n"),
            "trust.yaml:4: `a` is defined twice"
        );
        assert_eq!(
            err("version: 1\nkeys:\n  a: { path: missing.pub }\ndefault: reject\n"),
            "trust.yaml:3: key `a`: cannot read missing.pub: No such file or directory"
        );
        let e = err("version: 1\nkeys:\n  a: { data: \"not a key\" }\ndefault: reject\n");
        assert!(
            e.starts_with("trust.yaml:3: key `a`: not a valid PEM file: "),
            "{e}"
        );
        assert_eq!(
            err("version: 1\nkeys:\n  a: { path: a.pub, data: x }\ndefault: reject\n"),
            "trust.yaml:3: key `a` needs exactly one of `path` or `data`"
        );
        assert_eq!(
            err("version: 1\ndefault: { signatures: { keys: [a] } }\n"),
            "trust.yaml:2: default signatures: unknown key `a` (keys defined: none)"
        );
        assert_eq!(
            err(
                "version: 1\ndefault: accept\nscopes:\n  - match: h/x\n    identity: exact\n    stages: []\n"
            ),
            "trust.yaml:4: scope `h/x`: needs `action: reject`, `action: accept`, or `signatures` and/or `stages`"
        );
        let e = parse_with(
            "version: 1\nkeys:\n  a: { path: missing.pub }\ndefault: reject\n",
            &[],
        )
        .unwrap_err();
        assert!(matches!(e, Error::PolicyKeyRead { ref name, line: 3, .. } if name == "a"));
        assert!(std::error::Error::source(&e).is_some());
        let e = parse_with("version: 1\ndefault: nope: [\n", &[]).unwrap_err();
        assert!(matches!(e, Error::PolicyYaml { line: 2, .. }), "{e}");
    }
}
