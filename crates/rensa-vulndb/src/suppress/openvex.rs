//! OpenVEX documents (<https://github.com/openvex/spec>, v0.2.0 and the older form with plain-string
//! vulnerabilities and products): what their statements say about which vulnerability in which product.
//!
//! A document must carry an `@context` starting with `https://openvex.dev/ns`. Every statement needs a
//! vulnerability, one or more products, a known status and a timestamp (its own or the document's);
//! a `not_affected` statement needs a `justification` (one of the five labels) or an
//! `impact_statement`. Anything else is refused with the file and the statement named: a VEX document
//! that cannot be read entirely is not used at all.

use std::path::Path;

use serde_json::Value;

use crate::db::time;
use crate::{Error, Result};

/// A statement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VexStatus {
    /// `not_affected`: suppresses the finding.
    NotAffected,
    /// `affected`: the finding stays.
    Affected,
    /// `fixed`: suppresses the finding.
    Fixed,
    /// `under_investigation`: the finding stays.
    UnderInvestigation,
}

impl VexStatus {
    /// The label as written in OpenVEX.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether a finding this status applies to is taken out of the results.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// The justification labels of the VEX status justifications (CISA, June 2022), as the spec lists them.
pub const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// An OpenVEX document, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    /// The file, as given.
    pub file: String,
    /// The statements, in document order.
    pub statements: Vec<VexStatement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// The statement's position in the document (0-based).
    pub index: usize,
    /// The vulnerability's name.
    pub vulnerability: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// The products the statement is about.
    pub products: Vec<VexProduct>,
    /// The status.
    pub status: VexStatus,
    /// The justification label, if any.
    pub justification: Option<String>,
    /// The impact statement, if any.
    pub impact_statement: Option<String>,
    /// The action statement, if any.
    pub action_statement: Option<String>,
    /// The status notes, if any.
    pub status_notes: Option<String>,
    /// When the statement was made, in seconds since the epoch (its own timestamp, else the document's).
    pub timestamp: i64,
}

/// A product of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexProduct {
    /// Its identifiers: `@id` and `identifiers.purl` (purls, or an image reference).
    pub ids: Vec<String>,
    /// The identifiers of each subcomponent.
    pub subcomponents: Vec<Vec<String>>,
}

/// The largest VEX document read.
const MAX_SIZE: u64 = 64 << 20;

/// Reads and checks the OpenVEX document at `path`.
pub fn read(path: &Path) -> Result<VexDocument> {
    let text = super::read_text(path, MAX_SIZE)?;
    parse(&text, &path.display().to_string())
}

/// Parses and checks an OpenVEX document's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<VexDocument> {
    let err = |reason: String| Error::Suppression {
        file: file.to_string(),
        reason,
    };
    let doc: Value = serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    let Some(doc) = doc.as_object() else {
        return Err(err("not an OpenVEX document (not a JSON object)".into()));
    };
    let is_openvex = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.starts_with("https://openvex.dev/ns"))
    };
    let context_ok = match doc.get("@context") {
        Some(Value::Array(a)) => a.iter().any(is_openvex),
        Some(v) => is_openvex(v),
        None => false,
    };
    if !context_ok {
        return Err(err(
            "not an OpenVEX document (no @context https://openvex.dev/ns…)".into(),
        ));
    }
    let doc_time = match doc.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            timestamp(v)
                .ok_or_else(|| err(format!("the document's timestamp {v} is not an RFC 3339 time")))?,
        ),
    };
    let statements = match doc.get("statements") {
        Some(Value::Array(a)) => a,
        _ => return Err(err("the document has no `statements` array".into())),
    };
    let mut out = Vec::with_capacity(statements.len());
    for (index, s) in statements.iter().enumerate() {
        let serr = |what: String| err(format!("statement {}: {what}", index + 1));
        let Some(s) = s.as_object() else {
            return Err(serr("not an object".into()));
        };
        let (vulnerability, aliases) = match s.get("vulnerability") {
            Some(Value::String(n)) => (n.trim().to_string(), Vec::new()),
            Some(Value::Object(v)) => {
                let name = v.get("name").and_then(Value::as_str).unwrap_or("").trim();
                let aliases = match v.get("aliases") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|x| x.as_str().map(|s| s.trim().to_string()))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| serr("vulnerability.aliases must be strings".into()))?,
                    Some(_) => return Err(serr("vulnerability.aliases is not an array".into())),
                };
                (name.to_string(), aliases)
            }
            _ => return Err(serr("no vulnerability (a name or an object with `name`)".into())),
        };
        if vulnerability.is_empty() {
            return Err(serr("the vulnerability has no name".into()));
        }
        let status = match s.get("status").and_then(Value::as_str) {
            Some("not_affected") => VexStatus::NotAffected,
            Some("affected") => VexStatus::Affected,
            Some("fixed") => VexStatus::Fixed,
            Some("under_investigation") => VexStatus::UnderInvestigation,
            Some(other) => {
                return Err(serr(format!(
                    "unknown status {other:?} (expected not_affected, affected, fixed or under_investigation)"
                )));
            }
            None => return Err(serr("no status".into())),
        };
        let text_field = |key: &str| -> Result<Option<String>> {
            match s.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(t)) => Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty())),
                Some(_) => Err(serr(format!("{key} is not a string"))),
            }
        };
        let justification = text_field("justification")?;
        if let Some(j) = &justification
            && !JUSTIFICATIONS.contains(&j.as_str())
        {
            return Err(serr(format!(
                "unknown justification {j:?} (expected one of {})",
                JUSTIFICATIONS.join(", ")
            )));
        }
        let impact_statement = text_field("impact_statement")?;
        if status == VexStatus::NotAffected && justification.is_none() && impact_statement.is_none() {
            return Err(serr(format!(
                "{vulnerability} is not_affected without a justification or an impact_statement (the spec requires one)"
            )));
        }
        let time = match s.get("timestamp") {
            None | Some(Value::Null) => doc_time,
            Some(v) => {
                Some(timestamp(v).ok_or_else(|| serr(format!("the timestamp {v} is not an RFC 3339 time")))?)
            }
        };
        let Some(time) = time else {
            return Err(serr(
                "no timestamp (neither the statement nor the document has one)".into(),
            ));
        };
        // The older form lists subcomponents on the statement; they apply to each of its products.
        let shared_subs = components(s.get("subcomponents"))
            .ok_or_else(|| serr("subcomponents is not a list of strings or objects".into()))?;
        let mut products = Vec::new();
        let list = match s.get("products") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => return Err(serr("no products".into())),
        };
        for (i, p) in list.iter().enumerate() {
            let ids = component_ids(p)
                .ok_or_else(|| serr(format!("product {} is not a string or an object", i + 1)))?;
            let mut subcomponents = match p.get("subcomponents") {
                None => Vec::new(),
                Some(v) => components(Some(v)).ok_or_else(|| {
                    serr(format!(
                        "product {}: subcomponents is not a list of strings or objects",
                        i + 1
                    ))
                })?,
            };
            subcomponents.extend(shared_subs.iter().cloned());
            products.push(VexProduct { ids, subcomponents });
        }
        out.push(VexStatement {
            index,
            vulnerability,
            aliases,
            products,
            status,
            justification,
            impact_statement,
            action_statement: text_field("action_statement")?,
            status_notes: text_field("status_notes")?,
            timestamp: time,
        });
    }
    Ok(VexDocument {
        file: file.to_string(),
        statements: out,
    })
}

fn timestamp(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    // A bare date is not a timestamp in OpenVEX; `time::parse` also takes those, so insist on a time.
    (s.trim().len() > 10).then(|| time::parse(s)).flatten()
}

/// The identifiers of a component: a plain string, or an object's `@id` and `identifiers.purl`.
fn component_ids(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.trim().to_string()]),
        Value::Object(o) => {
            let mut ids = Vec::new();
            if let Some(id) = o.get("@id").and_then(Value::as_str) {
                ids.push(id.trim().to_string());
            }
            if let Some(purl) = o
                .get("identifiers")
                .and_then(|i| i.get("purl"))
                .and_then(Value::as_str)
            {
                ids.push(purl.trim().to_string());
            }
            ids.retain(|s| !s.is_empty());
            ids.dedup();
            Some(ids)
        }
        _ => None,
    }
}

fn components(v: Option<&Value>) -> Option<Vec<Vec<String>>> {
    match v {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(component_ids).collect(),
        Some(_) => None,
    }
}
