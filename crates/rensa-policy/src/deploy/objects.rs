//! Reading Kubernetes manifests: multi-document YAML, JSON (one value or a stream of values), and `List`
//! objects, into [`Object`]s that remember where they came from.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

/// The kinds whose pod template the gate checks, with the JSON path of the pod spec.
pub const WORKLOAD_KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec.template.spec"),
    ("ReplicaSet", "spec.template.spec"),
    ("StatefulSet", "spec.template.spec"),
    ("DaemonSet", "spec.template.spec"),
    ("Job", "spec.template.spec"),
    ("CronJob", "spec.jobTemplate.spec.template.spec"),
];

/// Every kind the gate understands: the workloads, `Namespace`, `NetworkPolicy` and `ConfigMap`.
pub fn is_known_kind(kind: &str) -> bool {
    matches!(kind, "Namespace" | "NetworkPolicy" | "ConfigMap")
        || WORKLOAD_KINDS.iter().any(|(k, _)| *k == kind)
}

/// Where an object was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Source {
    /// The file name given to [`parse_manifests`] (`-` for standard input).
    pub file: String,
    /// The document's index in the file, from 0 (empty YAML documents are not counted).
    pub document: usize,
    /// The 1-based line where the document (or, for JSON, the value) starts, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => write!(f, "{} (document {})", self.file, self.document),
        }
    }
}

/// Names an object in findings: `Kind/namespace/name` (`Kind/name` for cluster-scoped kinds).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// The kind (`Deployment`).
    pub kind: String,
    /// The namespace; empty for cluster-scoped kinds (`Namespace`).
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One Kubernetes object from a manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Object {
    /// `kind`.
    pub kind: String,
    /// `apiVersion` (empty when missing).
    pub api_version: String,
    /// `metadata.namespace`, `default` when missing; empty for `Namespace` objects.
    pub namespace: String,
    /// `metadata.name` (or `metadata.generateName` when there is no name).
    pub name: String,
    /// `metadata.labels` (values that are not strings are skipped).
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations` (values that are not strings are skipped).
    pub annotations: BTreeMap<String, String>,
    /// Where it was read from.
    pub source: Source,
    /// The whole object.
    pub value: Value,
}

/// A pod template inside a workload: its spec and metadata with their JSON paths.
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    /// The path of the pod spec (`spec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`).
    pub spec_path: &'static str,
    /// The pod spec (an empty object's worth of `Null` when missing).
    pub spec: &'a Value,
    /// The path of the pod's metadata (`metadata`, `spec.template.metadata`, …).
    pub metadata_path: &'static str,
    /// The pod's metadata (`Null` when missing).
    pub metadata: &'a Value,
}

static NULL: Value = Value::Null;

impl Object {
    /// The reference used in findings.
    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// One object from a JSON value (an admission request's object), read as [`parse_manifests`] reads
    /// each document; a `List` or anything but exactly one object is [`Error::Invalid`].
    pub fn from_value(value: Value, source: Source) -> Result<Object> {
        let mut out = Vec::new();
        collect(value, &source, &mut out)?;
        if out.len() != 1 {
            return Err(Error::Invalid {
                location: source.to_string(),
                message: format!("expected one Kubernetes object, found {}", out.len()),
            });
        }
        Ok(out.remove(0))
    }

    /// Whether the gate understands this kind (see [`is_known_kind`]).
    pub fn is_known(&self) -> bool {
        is_known_kind(&self.kind)
    }

    /// The pod template of a workload kind; `None` for other kinds.
    pub fn pod_template(&self) -> Option<PodTemplate<'_>> {
        let (spec_path, metadata_path) = match self.kind.as_str() {
            "Pod" => ("spec", "metadata"),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => {
                ("spec.template.spec", "spec.template.metadata")
            }
            "CronJob" => (
                "spec.jobTemplate.spec.template.spec",
                "spec.jobTemplate.spec.template.metadata",
            ),
            _ => return None,
        };
        Some(PodTemplate {
            spec_path,
            spec: lookup(&self.value, spec_path),
            metadata_path,
            metadata: lookup(&self.value, metadata_path),
        })
    }

    /// Labels of the workload and of its pod template together (the template's win).
    pub fn workload_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        if let Some(t) = self.pod_template() {
            labels.extend(string_map(t.metadata.get("labels")));
        }
        labels
    }

    /// Annotations of the workload and of its pod template together (the template's win).
    pub fn workload_annotations(&self) -> BTreeMap<String, String> {
        let mut annotations = self.annotations.clone();
        if let Some(t) = self.pod_template() {
            annotations.extend(string_map(t.metadata.get("annotations")));
        }
        annotations
    }
}

/// Follows a dotted path of object keys; `Null` when any step is missing.
pub(crate) fn lookup<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&NULL)
}

/// A map of strings (labels, annotations, nodeSelector); other values are skipped.
pub(crate) fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses manifest text: JSON when the first non-blank character is `{` or `[` (one value or several in
/// a row), YAML (any number of `---`-separated documents) otherwise. `List` objects and top-level JSON
/// arrays are expanded into their items. `file` names the input in [`Source`] and in errors, which are
/// [`Error::Invalid`] with a `FILE:LINE` location.
pub fn parse_manifests(text: &str, file: &str) -> Result<Vec<Object>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut documents: Vec<(Value, Option<u64>)> = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        loop {
            let start = stream.byte_offset();
            match stream.next() {
                None => break,
                Some(Ok(v)) => {
                    let skipped = text[start..].find(|c: char| !c.is_whitespace()).unwrap_or(0);
                    let line = text[..start + skipped].matches('\n').count() as u64 + 1;
                    documents.push((v, Some(line)));
                }
                Some(Err(e)) => {
                    return Err(Error::Invalid {
                        location: format!("{file}:{}", e.line()),
                        message: format!("not valid JSON: {e}"),
                    });
                }
            }
        }
    } else {
        let docs: Vec<serde_saphyr::Spanned<Value>> =
            serde_saphyr::from_multiple(text).map_err(|e| Error::Invalid {
                location: match e.location() {
                    Some(l) => format!("{file}:{}", l.line()),
                    None => file.to_string(),
                },
                message: format!(
                    "not valid YAML: {}",
                    e.without_snippet().to_string().lines().next().unwrap_or("")
                ),
            })?;
        documents.extend(
            docs.into_iter()
                .map(|d| (d.value, Some(d.referenced.line()).filter(|l| *l > 0))),
        );
    }
    let mut objects = Vec::new();
    for (index, (value, line)) in documents.into_iter().enumerate() {
        let source = Source {
            file: file.to_string(),
            document: index,
            line,
        };
        collect(value, &source, &mut objects)?;
    }
    Ok(objects)
}

fn collect(value: Value, source: &Source, out: &mut Vec<Object>) -> Result<()> {
    let invalid = |message: String| Error::Invalid {
        location: source.to_string(),
        message,
    };
    match value {
        Value::Null => Ok(()),
        Value::Array(items) => items.into_iter().try_for_each(|v| collect(v, source, out)),
        Value::Object(ref map) => {
            let kind = map
                .get("kind")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    invalid(format!(
                        "document {} has no kind: not a Kubernetes object",
                        source.document
                    ))
                })?
                .to_string();
            if kind.ends_with("List") && map.get("items").is_some_and(Value::is_array) {
                let Value::Object(mut map) = value else {
                    unreachable!("matched as an object above")
                };
                return collect(map.remove("items").unwrap_or_default(), source, out);
            }
            let metadata = map.get("metadata");
            let text = |key: &str| {
                metadata
                    .and_then(|m| m.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let namespace = if kind == "Namespace" {
                String::new()
            } else {
                text("namespace")
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "default".into())
            };
            out.push(Object {
                api_version: map
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                name: text("name").or_else(|| text("generateName")).unwrap_or_default(),
                labels: string_map(metadata.and_then(|m| m.get("labels"))),
                annotations: string_map(metadata.and_then(|m| m.get("annotations"))),
                namespace,
                kind,
                source: source.clone(),
                value,
            });
            Ok(())
        }
        other => Err(invalid(format!(
            "document {} is a {}, not a Kubernetes object",
            source.document,
            match other {
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                _ => "string",
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_with_lines_and_defaults() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n# comment\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec: {}\n";
        let objects = parse_manifests(text, "m.yaml").unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].kind, "Namespace");
        assert_eq!(objects[0].namespace, "");
        assert_eq!(objects[0].source.line, Some(1));
        assert_eq!(objects[1].namespace, "default");
        assert_eq!(objects[1].labels["app"], "web");
        assert_eq!(objects[1].source.document, 1);
        assert_eq!(objects[1].source.line, Some(8));
        assert_eq!(objects[1].pod_template().unwrap().spec_path, "spec");
    }

    #[test]
    fn json_stream_and_list_expansion() {
        let text = "{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"namespace\":\"x\"}},{\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"}}]}\n\n{\"kind\":\"CronJob\",\"metadata\":{\"name\":\"c\"}}";
        let objects = parse_manifests(text, "m.json").unwrap();
        let names: Vec<_> = objects.iter().map(|o| o.reference().to_string()).collect();
        assert_eq!(names, ["Pod/x/a", "Widget/default/w", "CronJob/default/c"]);
        assert!(!objects[1].is_known());
        assert_eq!(objects[2].source.line, Some(3));
        assert_eq!(
            objects[2].pod_template().unwrap().spec_path,
            "spec.jobTemplate.spec.template.spec"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_manifests("kind: Pod\nmetadata:\n  name: a\n  labels: [x\n", "bad.yaml").unwrap_err();
        assert!(e.to_string().starts_with("bad.yaml:4: not valid YAML: "), "{e}");
        let e = parse_manifests("kind: Pod\n---\nkind: Pod\nkind: Job\n", "dup.yaml").unwrap_err();
        assert!(e.to_string().starts_with("dup.yaml:4: "), "{e}");
        let bom = parse_manifests("\u{feff}{\"kind\": \"Pod\"}", "bom.json").unwrap();
        assert_eq!(bom[0].kind, "Pod");
        let e = parse_manifests("{\"kind\": \"Pod\",\n \"x\": }", "bad.json").unwrap_err();
        assert!(e.to_string().starts_with("bad.json:2: "), "{e}");
        let e = parse_manifests("a: 1\n", "nokind.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "nokind.yaml:1: document 0 has no kind: not a Kubernetes object"
        );
    }
}
