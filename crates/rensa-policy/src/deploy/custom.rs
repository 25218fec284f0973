//! Custom deploy-gate rules written in Rego (OPA's policy language, evaluated by the `regorus` crate).
//!
//! The policy file lists modules under `custom_rules` (see [`super::config`]). Each module is one Rego
//! file (Rego v1 syntax) that must:
//!
//! - be `package rensa.custom.NAME` (`NAME` one identifier, unique across the policy's modules);
//! - define `rules`, an object from rule id to its description, evaluated once when the policy is loaded
//!   (so it must not depend on `input`):
//!   `{"ID": {"title": TEXT, "severity": "low"|"medium"|"high"|"critical", "rationale": TEXT,
//!   "remediation": TEXT, "references": [TEXT, …]}}` — `title` and `severity` required, the others
//!   optional, no other keys; ids are kebab-case (`[a-z][a-z0-9]*(-[a-z0-9]+)*`), at least one, and may
//!   collide neither with a built-in id ([`super::rule::RULES`]) nor with another module's;
//! - define `deny`, a set (an array is accepted too) of objects
//!   `{"rule": ID, "msg": TEXT, "path": FIELD.PATH}` (`path` optional, no other keys), `ID` one of the
//!   module's own `rules`. An undefined `deny` denies nothing.
//!
//! `deny` is evaluated for every object of a kind the gate knows ([`Object::is_known`]) with the input
//! document of [`input`]. The gate fails closed: an evaluation error, a `deny` that is not a set or an
//! array, an entry that is not such an object, or an entry naming an id the module did not declare is
//! reported as a finding of the built-in rule `custom-rule-error` on the object, naming the module and
//! what went wrong (it denies like any finding; an exception can cover it like any rule).
//!
//! Loading a module also evaluates `deny` once with an empty input (`{}`), which finishes compiling it
//! (unsafe variables, unknown functions reached that way): an error there refuses the policy. Each
//! evaluation over an object may take at most [`EVAL_TIME_LIMIT`]; past it the evaluation is abandoned
//! and reported as `custom-rule-error`.
//!
//! Modules are compiled separately: one module cannot import another. The builtins are the core ones
//! plus `regex.*` and `glob.match` (regorus without its network, time, crypto and JSON-schema features).

use std::collections::BTreeMap;

use regorus::Value;
use serde::{Serialize, Serializer};

use super::objects::Object;
use super::rule::{self, Severity};
use crate::{Error, Result};

/// How long one module may take over one object before the evaluation is abandoned (and reported as a
/// [`ERROR_RULE`] finding).
pub const EVAL_TIME_LIMIT: std::time::Duration = std::time::Duration::from_millis(250);

/// The built-in rule id of the fail-closed finding for a custom module that could not be evaluated.
pub const ERROR_RULE: &str = "custom-rule-error";

/// The description of one custom rule, from its module's `rules` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomRule {
    /// The kebab-case id.
    pub id: String,
    /// Severity of a violation.
    pub severity: Severity,
    /// One line: what the rule requires.
    pub title: String,
    /// Why it matters (may be empty).
    pub rationale: String,
    /// How to fix a violation (may be empty).
    pub remediation: String,
    /// References (may be empty).
    pub references: Vec<String>,
}

/// One compiled module of custom rules. Cheap to clone (the compiled policy is shared), `Send + Sync`;
/// equality and serialisation use the package, origin and source text.
#[derive(Clone)]
pub struct CustomModule {
    /// The package without `data.` (`rensa.custom.nolatest`).
    pub package: String,
    /// Where it was read from: the `.rego` file (as resolved), or `POLICY:LINE (inline)` for a
    /// `module:` entry.
    pub origin: String,
    /// The Rego source.
    pub source: String,
    /// The rules it declares, sorted by id.
    pub rules: Vec<CustomRule>,
    /// The engine with the module loaded and prepared, and the time limit set: cloned for each
    /// evaluation (the parsed module and analysis are shared).
    engine: regorus::Engine,
    /// `data.rensa.custom.NAME.deny`.
    deny: String,
    /// Where regorus's line numbers are reported: the file and the offset added to them.
    lines: (String, u64),
}

impl std::fmt::Debug for CustomModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomModule")
            .field("package", &self.package)
            .field("origin", &self.origin)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CustomModule {
    fn eq(&self, other: &Self) -> bool {
        self.package == other.package && self.origin == other.origin && self.source == other.source
    }
}

impl Eq for CustomModule {}

impl Serialize for CustomModule {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            package: &'a str,
            origin: &'a str,
            rules: &'a [CustomRule],
            source: &'a str,
        }
        Shown {
            package: &self.package,
            origin: &self.origin,
            rules: &self.rules,
            source: &self.source,
        }
        .serialize(s)
    }
}

/// A violation reported by a custom module on one object, before it becomes a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CustomViolation {
    /// The rule id: one the module declared, or [`ERROR_RULE`].
    pub rule: String,
    /// The field path (`path` of the deny entry; empty when absent).
    pub path: String,
    /// The message.
    pub message: String,
}

/// Whether `id` is a kebab-case rule id: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub fn is_rule_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The line (in `origin`) and the message of a regorus error, which reads
/// `--> ORIGIN:LINE:COL`, a source excerpt, then `error: MESSAGE` (or just a message).
fn described(origin: &str, e: &dyn std::fmt::Display) -> (Option<u64>, String) {
    let text = e.to_string();
    let line = text.lines().find_map(|l| {
        let at = l.trim().strip_prefix("-->")?.trim();
        let rest = at.strip_prefix(origin)?.strip_prefix(':')?;
        rest.split(':').next()?.parse::<u64>().ok()
    });
    let message = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("unknown error")
        .trim()
        .to_string();
    (line, message)
}

/// `FILE:LINE: message` from a regorus error about `origin`, the line reported in `file` after adding
/// `offset` (a module written inline in the policy file is reported at its line there); `ORIGIN: message`
/// when regorus names no line.
fn located(origin: &str, file: &str, offset: u64, e: &dyn std::fmt::Display) -> Error {
    match described(origin, e) {
        (Some(line), message) => Error::Invalid {
            location: format!("{file}:{}", line + offset),
            message,
        },
        (None, message) => Error::Invalid {
            location: origin.to_string(),
            message,
        },
    }
}

fn invalid(origin: &str, message: String) -> Error {
    Error::Invalid {
        location: origin.to_string(),
        message,
    }
}

fn text_field(origin: &str, id: &str, fields: &regorus::Value, key: &str, required: bool) -> Result<String> {
    match &fields[key] {
        Value::String(s) => Ok(s.to_string()),
        Value::Undefined if !required => Ok(String::new()),
        Value::Undefined => Err(invalid(
            origin,
            format!("rules[{id:?}] needs a {key:?} (a string)"),
        )),
        _ => Err(invalid(origin, format!("rules[{id:?}].{key} must be a string"))),
    }
}

fn parse_rule(origin: &str, id: &str, fields: &Value) -> Result<CustomRule> {
    let Value::Object(map) = fields else {
        return Err(invalid(origin, format!("rules[{id:?}] must be an object")));
    };
    for key in map.keys() {
        let known = matches!(key, Value::String(k) if matches!(&**k, "title" | "severity" | "rationale" | "remediation" | "references"));
        if !known {
            return Err(invalid(
                origin,
                format!(
                    "rules[{id:?}]: unknown key {key} (expected title, severity, rationale, remediation, references)"
                ),
            ));
        }
    }
    let title = text_field(origin, id, fields, "title", true)?;
    let severity = match text_field(origin, id, fields, "severity", true)?.as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => {
            return Err(invalid(
                origin,
                format!("rules[{id:?}].severity {other:?} is not low, medium, high or critical"),
            ));
        }
    };
    let mut references = Vec::new();
    match &fields["references"] {
        Value::Undefined => {}
        Value::Array(items) => {
            for item in items.iter() {
                match item {
                    Value::String(s) => references.push(s.to_string()),
                    _ => {
                        return Err(invalid(
                            origin,
                            format!("rules[{id:?}].references must be strings"),
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(invalid(
                origin,
                format!("rules[{id:?}].references must be an array of strings"),
            ));
        }
    }
    Ok(CustomRule {
        id: id.to_string(),
        severity,
        title,
        rationale: text_field(origin, id, fields, "rationale", false)?,
        remediation: text_field(origin, id, fields, "remediation", false)?,
        references,
    })
}

impl CustomModule {
    /// Compiles a module read from the file `origin`, checks the package name and evaluates its `rules`
    /// metadata. Errors are `FILE:LINE: message` where regorus names a line, else `FILE: message`.
    pub fn compile(origin: &str, source: &str) -> Result<CustomModule> {
        Self::compile_at(origin, source, origin, 0)
    }

    /// [`CustomModule::compile`] for a module written inside another file: `origin` names it, and a
    /// line `N` of the module is reported as line `N + offset` of `file`.
    pub fn compile_at(origin: &str, source: &str, file: &str, offset: u64) -> Result<CustomModule> {
        let mut engine = regorus::Engine::new();
        // Also bounds the load-time evaluations of `rules` and `deny`.
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: EVAL_TIME_LIMIT,
            check_interval: std::num::NonZeroU32::new(64).expect("non-zero"),
        });
        let package = engine
            .add_policy(origin.to_string(), source.to_string())
            .map_err(|e| located(origin, file, offset, &e))?;
        let package = package.strip_prefix("data.").unwrap_or(&package).to_string();
        let name = package.strip_prefix("rensa.custom.").unwrap_or("");
        if name.is_empty() || name.contains('.') || name.contains('[') {
            return Err(invalid(
                origin,
                format!(
                    "the module's package is {package}: custom rules must be in `package rensa.custom.NAME`"
                ),
            ));
        }
        let has_rules = engine
            .has_declared_rule_rooted_at(origin, "rules")
            .map_err(|e| located(origin, file, offset, &e))?;
        if !has_rules {
            return Err(invalid(
                origin,
                format!("{package} defines no `rules` object (the rules' descriptions)"),
            ));
        }
        let metadata = engine
            .eval_rule(format!("data.{package}.rules"))
            .map_err(|e| located(origin, file, offset, &e))?;
        let Value::Object(declared) = &metadata else {
            return Err(invalid(
                origin,
                format!(
                    "{package}.rules must be an object of rule descriptions (it is {}); it must not depend on input",
                    if metadata == Value::Undefined {
                        "undefined".to_string()
                    } else {
                        metadata.to_string()
                    }
                ),
            ));
        };
        if declared.is_empty() {
            return Err(invalid(origin, format!("{package}.rules declares no rule")));
        }
        let mut rules = Vec::new();
        for (id, fields) in declared.iter() {
            let Value::String(id) = id else {
                return Err(invalid(
                    origin,
                    format!("{package}.rules: the rule id {id} is not a string"),
                ));
            };
            if !is_rule_id(id) {
                return Err(invalid(
                    origin,
                    format!(
                        "{package}.rules: the rule id {id:?} is not kebab-case ([a-z][a-z0-9]*(-[a-z0-9]+)*)"
                    ),
                ));
            }
            if rule::rule(id).is_some() {
                return Err(invalid(
                    origin,
                    format!("{package}.rules: {id:?} is a built-in rule id"),
                ));
            }
            rules.push(parse_rule(origin, id, fields)?);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let has_deny = engine
            .has_declared_rule_rooted_at(origin, "deny")
            .map_err(|e| located(origin, file, offset, &e))?;
        if !has_deny {
            return Err(invalid(origin, format!("{package} defines no `deny` rule")));
        }
        let deny = format!("data.{package}.deny");
        // Prepares the engine (analysis, scheduling) once, so clones start ready.
        engine.set_input(Value::new_object());
        engine
            .eval_rule(deny.clone())
            .map_err(|e| located(origin, file, offset, &e))?;
        Ok(CustomModule {
            package,
            origin: origin.to_string(),
            source: source.to_string(),
            rules,
            engine,
            deny,
            lines: (file.to_string(), offset),
        })
    }

    /// The description of a rule this module declares.
    pub fn rule(&self, id: &str) -> Option<&CustomRule> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    /// Evaluates `deny` for `object` (over its [`input`] document); never fails: what goes wrong is
    /// reported as an [`ERROR_RULE`] violation naming the module. Sorted and without duplicates.
    pub fn evaluate(&self, object: &Object) -> Vec<CustomViolation> {
        self.evaluate_input(&input_value(object))
    }

    /// [`CustomModule::evaluate`] over an input document already converted (once per object, for all
    /// modules).
    pub(crate) fn evaluate_input(&self, input: &Value) -> Vec<CustomViolation> {
        let mut out = Vec::new();
        let error = |message: String| CustomViolation {
            rule: ERROR_RULE.to_string(),
            path: String::new(),
            message: format!("custom rules {} ({}): {message}", self.package, self.origin),
        };
        let mut engine = self.engine.clone();
        engine.set_input(input.clone());
        let result = match engine.eval_rule(self.deny.clone()) {
            Ok(v) => v,
            Err(e) => {
                let message = match described(&self.origin, &e) {
                    (Some(line), message) => {
                        format!(
                            "evaluation failed at {}:{}: {message}",
                            self.lines.0,
                            line + self.lines.1
                        )
                    }
                    (None, message) => format!("evaluation failed: {message}"),
                };
                return vec![error(message)];
            }
        };
        let entries: Vec<&Value> = match &result {
            Value::Undefined => Vec::new(),
            Value::Set(s) => s.iter().collect(),
            Value::Array(a) => a.iter().collect(),
            other => {
                return vec![error(format!(
                    "deny must be a set of {{\"rule\", \"msg\", \"path\"}} objects, not {}",
                    short(other)
                ))];
            }
        };
        for entry in entries {
            match self.entry(entry) {
                Ok(v) => out.push(v),
                Err(message) => out.push(error(message)),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn entry(&self, entry: &Value) -> std::result::Result<CustomViolation, String> {
        let Value::Object(map) = entry else {
            return Err(format!(
                "deny entry {} is not an object {{\"rule\", \"msg\", \"path\"}}",
                short(entry)
            ));
        };
        for key in map.keys() {
            if !matches!(key, Value::String(k) if matches!(&**k, "rule" | "msg" | "path")) {
                return Err(format!(
                    "deny entry {}: unknown key {key} (expected rule, msg, path)",
                    short(entry)
                ));
            }
        }
        let Value::String(rule) = &entry["rule"] else {
            return Err(format!("deny entry {} needs \"rule\" (a string)", short(entry)));
        };
        let Value::String(msg) = &entry["msg"] else {
            return Err(format!("deny entry {} needs \"msg\" (a string)", short(entry)));
        };
        let path = match &entry["path"] {
            Value::Undefined => String::new(),
            Value::String(p) => p.to_string(),
            _ => {
                return Err(format!("deny entry {}: \"path\" must be a string", short(entry)));
            }
        };
        if self.rule(rule).is_none() {
            return Err(format!(
                "deny entry names the undeclared rule {:?} (message: {msg})",
                &**rule
            ));
        }
        Ok(CustomViolation {
            rule: rule.to_string(),
            path,
            message: msg.to_string(),
        })
    }
}

/// A value in an error message, cut to 200 characters.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// The input document custom rules see for `object`:
///
/// ```json
/// {"kind": "Deployment", "apiVersion": "apps/v1", "namespace": "shop", "name": "web",
///  "labels": {…}, "annotations": {…},
///  "object": {the whole object},
///  "pod": {"path": "spec.template", "spec_path": "spec.template.spec",
///          "metadata_path": "spec.template.metadata", "spec": {…}, "metadata": {…}}}
/// ```
///
/// `namespace` is `default` when the manifest names none (empty for a `Namespace`); `labels` and
/// `annotations` are the object's own (string values only); `pod` is `null` for kinds without a pod
/// template, and its `path` is the template's path (empty for a `Pod`, `spec.jobTemplate.spec.template`
/// for a `CronJob`); a missing `spec` or `metadata` is `null`.
pub fn input(object: &Object) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("kind".into(), object.kind.clone().into());
    doc.insert("apiVersion".into(), object.api_version.clone().into());
    doc.insert("namespace".into(), object.namespace.clone().into());
    doc.insert("name".into(), object.name.clone().into());
    doc.insert("labels".into(), string_map(&object.labels));
    doc.insert("annotations".into(), string_map(&object.annotations));
    doc.insert("object".into(), object.value.clone());
    let pod = match object.pod_template() {
        Some(t) => {
            let path = t
                .spec_path
                .strip_suffix("spec")
                .unwrap_or("")
                .trim_end_matches('.');
            serde_json::json!({
                "path": path,
                "spec_path": t.spec_path,
                "metadata_path": t.metadata_path,
                "spec": t.spec,
                "metadata": t.metadata,
            })
        }
        None => serde_json::Value::Null,
    };
    doc.insert("pod".into(), pod);
    serde_json::Value::Object(doc)
}

/// [`input`] built directly as a regorus value: the object is converted once and `pod.spec` and
/// `pod.metadata` share its parts (the same document, at half the cost).
pub(crate) fn input_value(object: &Object) -> Value {
    use serde::Deserialize as _;
    let whole = Value::deserialize(&object.value).unwrap_or_else(|_| Value::from(object.value.clone()));
    let text = |s: &str| Value::from(s);
    let strings = |map: &BTreeMap<String, String>| {
        Value::from(
            map.iter()
                .map(|(k, v)| (text(k), text(v)))
                .collect::<BTreeMap<Value, Value>>(),
        )
    };
    let at = |path: &str| {
        let mut v = &whole;
        for part in path.split('.') {
            v = &v[part];
        }
        match v {
            Value::Undefined => Value::Null,
            v => v.clone(),
        }
    };
    let pod = match object.pod_template() {
        Some(t) => {
            let path = t
                .spec_path
                .strip_suffix("spec")
                .unwrap_or("")
                .trim_end_matches('.');
            Value::from(BTreeMap::from([
                (text("path"), text(path)),
                (text("spec_path"), text(t.spec_path)),
                (text("metadata_path"), text(t.metadata_path)),
                (text("spec"), at(t.spec_path)),
                (text("metadata"), at(t.metadata_path)),
            ]))
        }
        None => Value::Null,
    };
    Value::from(BTreeMap::from([
        (text("kind"), text(&object.kind)),
        (text("apiVersion"), text(&object.api_version)),
        (text("namespace"), text(&object.namespace)),
        (text("name"), text(&object.name)),
        (text("labels"), strings(&object.labels)),
        (text("annotations"), strings(&object.annotations)),
        (text("pod"), pod),
        (text("object"), whole.clone()),
    ]))
}

fn string_map(map: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        for ok in ["a", "team-label", "no-latest-2"] {
            assert!(is_rule_id(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "2a", "a_b", "a.b"] {
            assert!(!is_rule_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_shared_input_value_is_the_documented_input() {
        let objects = crate::deploy::objects::parse_manifests(
            "kind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec: {containers: [{name: c, image: i}]}\n---\nkind: CronJob\napiVersion: batch/v1\nmetadata: {name: c, namespace: n, annotations: {x: y}}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {l: v}}, spec: {containers: []}}}}}\n---\nkind: Deployment\nmetadata: {name: d}\n---\nkind: Namespace\nmetadata: {name: n}\n---\nkind: ConfigMap\nmetadata: {name: m}\ndata: {k: \"1\"}\n",
            "m.yaml",
        )
        .unwrap();
        assert_eq!(objects.len(), 5);
        for o in &objects {
            assert_eq!(input_value(o), Value::from(input(o)), "{}", o.reference());
        }
        assert_eq!(input_value(&objects[2])["pod"]["spec"], Value::Null);
    }

    #[test]
    fn module_is_send_sync() {
        fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
        check::<CustomModule>();
    }
}
