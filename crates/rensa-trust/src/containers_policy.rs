//! containers-policy.json (containers-policy.json(5), read by podman, CRI-O, skopeo and buildah):
//! import into a [`Policy`] and export from one, for the subset that maps, so that one policy
//! serves both rensa and the container engines.
//!
//! # What maps
//!
//! | containers-policy.json                              | rensa trust policy                          |
//! |-----------------------------------------------------|---------------------------------------------|
//! | `default`                                           | `default`                                   |
//! | `transports.docker[""]` (the transport default)     | `default` (it overrides the global one)     |
//! | `transports.docker["HOST/PATH"]`, `["HOST"]`        | `match: "HOST/PATH/**"` (the scope and everything below it) |
//! | `transports.docker["*.DOMAIN"]`                     | `match: "*.DOMAIN/**"`                      |
//! | `insecureAcceptAnything`                            | `action: accept`                            |
//! | `reject`                                            | `action: reject`                            |
//! | `sigstoreSigned` with `keyPath` or `keyData`        | `signatures: { keys: [K], threshold: 1 }`   |
//! | `sigstoreSigned` with `keyPaths` or `keyDatas`      | `signatures: { keys: [K1, K2, ...], threshold: 1 }` |
//! | several `sigstoreSigned`, one key each (all must hold) | `signatures: { keys: [K1, ..., Kn], threshold: n }` |
//! | `signedIdentity` `matchRepository`                  | `identity: exact`                           |
//! | `signedIdentity` `matchExact`, `matchRepoDigestOrExact` (also the default) | `identity: exact`, with a note: cosign signatures name the repository only |
//! | `signedIdentity` `remapIdentity {prefix, signedPrefix}` | `identity: { remap: { prefix, signed_prefix } }` |
//!
//! Import is strict where a silent change would weaken or strengthen the policy: `signedBy`
//! (GPG), `fulcio`/`rekorPublicKey*`/`pki`, `exactReference`/`exactRepository` identities,
//! scopes naming a tag or digest, and unknown fields are errors naming the place in the file.
//! What does not concern registry images is skipped and reported in [`Imported::notes`]: other
//! transports (`dir`, `oci`, `docker-daemon`, ...). Keys are named after the `keyPath` file
//! (`cosign.pub` → `cosign`) or `keyData-N`; the same public key always gets one name.
//!
//! Export writes every key as `keyData` (base64 of its PEM), and refuses, saying what cannot be
//! exported: stages, a threshold other than 1 or all of the keys, two names for one key, and
//! scope patterns other than `HOST[/PATH]`, `HOST[/PATH]/**`, `*.DOMAIN/**` and `**`. An exact
//! pattern `HOST/PATH` exports as the scope `HOST/PATH`, which in containers-policy.json also
//! covers repositories below it; [`Exported::notes`] says so.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::key::PublicKey;
use crate::policy::{
    Identity, KeySource, Pattern, Policy, PolicyKey, Requirements, Rule, Scope, SignatureRequirement,
};

/// The result of [`import`]: the policy and what was skipped or approximated.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The trust policy.
    pub policy: Policy,
    /// Notes for the user: skipped transports, approximated identities.
    pub notes: Vec<String>,
}

/// The result of [`export`]: the file and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The containers-policy.json text (pretty-printed, keys sorted, trailing newline).
    pub json: String,
    /// Notes: scopes that became broader, features newer engines need.
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Vec<Value>,
    #[serde(default)]
    transports: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Sigstore {
    key_path: Option<String>,
    key_paths: Option<Vec<String>>,
    key_data: Option<String>,
    key_datas: Option<Vec<String>>,
    signed_identity: Option<Value>,
}

struct Importer<'a> {
    origin: &'a str,
    load_key: &'a mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
    keys: BTreeMap<String, PolicyKey>,
    notes: Vec<String>,
}

fn unsupported(location: &str, message: impl Into<String>) -> Error {
    Error::ContainersPolicyUnsupported {
        location: location.to_owned(),
        message: message.into(),
    }
}

impl Importer<'_> {
    /// The name for `public`, adding it under a name derived from `wanted` when new.
    fn add_key(&mut self, public: PublicKey, wanted: &str, source: KeySource) -> String {
        if let Some((name, _)) = self.keys.iter().find(|(_, k)| k.public == public) {
            return name.clone();
        }
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.keys.contains_key(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        self.keys.insert(name.clone(), PolicyKey { public, source });
        name
    }

    fn key_from_path(&mut self, path: &str, at: &str) -> Result<String> {
        let bytes = (self.load_key)(path).map_err(|source| Error::ContainersPolicyKeyRead {
            location: at.to_owned(),
            path: path.to_owned(),
            source,
        })?;
        let public = PublicKey::from_pem(&bytes).map_err(|e| Error::ContainersPolicyKey {
            location: at.to_owned(),
            source: Box::new(e),
        })?;
        let file = path.rsplit('/').next().unwrap_or(path);
        let stem = file.strip_suffix(".pub").unwrap_or(file);
        let stem = if stem.is_empty() { "key" } else { stem };
        Ok(self.add_key(public, stem, KeySource::Path(path.to_owned())))
    }

    fn key_from_data(&mut self, data: &str, at: &str) -> Result<String> {
        let pem = STANDARD
            .decode(data.trim())
            .map_err(|e| unsupported(at, format!("keyData is not base64 of a PEM public key: {e}")))?;
        let public = PublicKey::from_pem(&pem).map_err(|e| Error::ContainersPolicyKey {
            location: at.to_owned(),
            source: Box::new(e),
        })?;
        let n = self.keys.len() + 1;
        Ok(self.add_key(public, &format!("keyData-{n}"), KeySource::Inline))
    }

    fn identity(&mut self, value: Option<&Value>, at: &str) -> Result<Identity> {
        let at = format!("{at}.signedIdentity");
        let Some(value) = value else {
            self.notes.push(format!(
                "{at}: absent, i.e. matchRepoDigestOrExact; imported as matchRepository (cosign signatures name the repository only)"
            ));
            return Ok(Identity::Exact);
        };
        let object = value
            .as_object()
            .ok_or_else(|| unsupported(&at, "must be an object with a `type`"))?;
        let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
        let only = |fields: &[&str]| -> Result<()> {
            match object.keys().find(|k| !fields.contains(&k.as_str())) {
                Some(extra) => Err(unsupported(
                    &at,
                    format!("unknown field `{extra}` for type {kind}"),
                )),
                None => Ok(()),
            }
        };
        match kind {
            "matchRepository" => {
                only(&["type"])?;
                Ok(Identity::Exact)
            }
            "matchExact" | "matchRepoDigestOrExact" => {
                only(&["type"])?;
                self.notes.push(format!(
                    "{at}: {kind} imported as matchRepository (cosign signatures name the repository, not a tag)"
                ));
                Ok(Identity::Exact)
            }
            "remapIdentity" => {
                only(&["type", "prefix", "signedPrefix"])?;
                let field = |name: &str| {
                    object
                        .get(name)
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| unsupported(&at, format!("remapIdentity needs a non-empty `{name}`")))
                };
                Ok(Identity::Remap {
                    prefix: field("prefix")?,
                    signed_prefix: field("signedPrefix")?,
                })
            }
            "exactReference" | "exactRepository" => Err(unsupported(
                &at,
                format!("{kind} is not supported (rensa checks the image's own or a remapped repository)"),
            )),
            other => Err(unsupported(&at, format!("unknown signedIdentity type `{other}`"))),
        }
    }

    /// One scope's requirement list (all must hold) as one rule.
    fn rule(&mut self, list: &[Value], at: &str) -> Result<Rule> {
        if list.is_empty() {
            return Err(unsupported(
                at,
                "an empty requirement list (containers-policy.json refuses it too)",
            ));
        }
        let mut reject = false;
        let mut signed: Vec<(Vec<String>, Identity)> = Vec::new();
        for (i, req) in list.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let object = req
                .as_object()
                .ok_or_else(|| unsupported(&at, "a requirement must be an object with a `type`"))?;
            let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
            match kind {
                "insecureAcceptAnything" | "reject" => {
                    if let Some(extra) = object.keys().find(|k| *k != "type") {
                        return Err(unsupported(
                            &at,
                            format!("unknown field `{extra}` for type {kind}"),
                        ));
                    }
                    reject |= kind == "reject";
                }
                "signedBy" => {
                    return Err(unsupported(
                        &at,
                        "signedBy (GPG keys) is not supported: rensa verifies sigstore (cosign) signatures; use sigstoreSigned",
                    ));
                }
                "sigstoreSigned" => {
                    let mut fields = object.clone();
                    fields.remove("type");
                    for unsupported_field in [
                        "fulcio",
                        "rekorPublicKeyPath",
                        "rekorPublicKeyPaths",
                        "rekorPublicKeyData",
                        "rekorPublicKeyDatas",
                        "pki",
                    ] {
                        if fields.contains_key(unsupported_field) {
                            return Err(unsupported(
                                &at,
                                format!(
                                    "sigstoreSigned with `{unsupported_field}` is not supported (only public keys: keyPath, keyPaths, keyData, keyDatas)"
                                ),
                            ));
                        }
                    }
                    let s: Sigstore = serde_json::from_value(Value::Object(fields))
                        .map_err(|e| unsupported(&at, format!("sigstoreSigned: {e}")))?;
                    let given = [
                        s.key_path.is_some(),
                        s.key_paths.is_some(),
                        s.key_data.is_some(),
                        s.key_datas.is_some(),
                    ];
                    if given.iter().filter(|g| **g).count() != 1 {
                        return Err(unsupported(
                            &at,
                            "sigstoreSigned needs exactly one of keyPath, keyPaths, keyData, keyDatas",
                        ));
                    }
                    let mut names = Vec::new();
                    for p in s.key_path.iter().chain(s.key_paths.iter().flatten()) {
                        names.push(self.key_from_path(p, &at)?);
                    }
                    for d in s.key_data.iter().chain(s.key_datas.iter().flatten()) {
                        names.push(self.key_from_data(d, &at)?);
                    }
                    names.dedup();
                    if names.is_empty() {
                        return Err(unsupported(&at, "sigstoreSigned with an empty key list"));
                    }
                    let identity = self.identity(s.signed_identity.as_ref(), &at)?;
                    signed.push((names, identity));
                }
                other => return Err(unsupported(&at, format!("unknown requirement type `{other}`"))),
            }
        }
        if reject {
            if list.len() > 1 {
                self.notes
                    .push(format!("{at}: contains reject, so the whole scope rejects"));
            }
            return Ok(Rule::Reject);
        }
        if signed.is_empty() {
            return Ok(Rule::Accept);
        }
        let identity = signed[0].1.clone();
        if signed.iter().any(|(_, i)| *i != identity) {
            return Err(unsupported(
                at,
                "sigstoreSigned requirements with different signedIdentity rules",
            ));
        }
        if signed.len() == 1 {
            let (keys, _) = signed.pop().expect("one element");
            return Ok(Rule::Require(Requirements {
                signatures: Some(SignatureRequirement { keys, threshold: 1 }),
                identity,
                stages: Vec::new(),
            }));
        }
        if signed.iter().any(|(keys, _)| keys.len() > 1) {
            return Err(unsupported(
                at,
                "several sigstoreSigned requirements of which one accepts any of several keys cannot be expressed as one k-of-n threshold",
            ));
        }
        let mut keys: Vec<String> = signed.into_iter().map(|(mut k, _)| k.remove(0)).collect();
        let before = keys.len();
        keys.sort();
        keys.dedup();
        if keys.len() != before {
            self.notes
                .push(format!("{at}: the same key is required twice; it counts once"));
        }
        let threshold = keys.len();
        Ok(Rule::Require(Requirements {
            signatures: Some(SignatureRequirement { keys, threshold }),
            identity,
            stages: Vec::new(),
        }))
    }
}

/// The rensa pattern for a docker-transport scope.
fn pattern_for_scope(scope: &str, at: &str) -> Result<Pattern> {
    let last = scope.rsplit('/').next().unwrap_or(scope);
    if scope.contains('@') || (scope.contains('/') && last.contains(':')) {
        return Err(unsupported(
            at,
            "a scope naming a tag or digest is not supported (rensa scopes are repositories, namespaces or registries)",
        ));
    }
    if let Some(domain) = scope.strip_prefix("*.")
        && (domain.contains('*') || domain.contains('/'))
    {
        return Err(unsupported(at, "a wildcard scope must be `*.DOMAIN`"));
    }
    if scope.strip_prefix("*.").unwrap_or(scope).contains('*') {
        return Err(unsupported(
            at,
            "a wildcard is only allowed as a leading `*.` of a host",
        ));
    }
    Pattern::parse(&format!("{scope}/**")).map_err(|m| unsupported(at, m))
}

/// Whether `data` looks like a containers-policy.json (a JSON object with a `default` list) rather
/// than a rensa trust policy.
pub fn looks_like(data: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .is_some_and(|v| v.get("default").is_some_and(serde_json::Value::is_array))
}

/// Imports containers-policy.json. `origin` names the result ([`Policy::origin`]); `load_key`
/// reads a `keyPath` as written in the file.
pub fn import(
    json: &[u8],
    origin: &str,
    load_key: &mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
) -> Result<Imported> {
    let file: File = serde_json::from_slice(json).map_err(Error::ContainersPolicyJson)?;
    let mut importer = Importer {
        origin,
        load_key,
        keys: BTreeMap::new(),
        notes: Vec::new(),
    };
    let mut default = importer.rule(&file.default, "default")?;
    let mut scopes = Vec::new();
    for (transport, entries) in &file.transports {
        if transport != "docker" {
            importer.notes.push(format!(
                "transports.{transport}: skipped (rensa policies govern registry images, the docker transport)"
            ));
            continue;
        }
        for (scope, list) in entries {
            let at = format!("transports.docker[{scope:?}]");
            let rule = importer.rule(list, &at)?;
            if scope.is_empty() {
                importer
                    .notes
                    .push(format!("{at}: the docker transport default replaces `default`"));
                default = rule;
                continue;
            }
            scopes.push(Scope {
                pattern: pattern_for_scope(scope, &at)?,
                rule,
                line: 0,
            });
        }
    }
    Ok(Imported {
        policy: Policy {
            origin: importer.origin.to_owned(),
            keys: importer.keys,
            default,
            scopes,
        },
        notes: importer.notes,
    })
}

fn export_error(location: &str, message: impl Into<String>) -> Error {
    Error::ContainersPolicyExport {
        location: location.to_owned(),
        message: message.into(),
    }
}

fn key_data(policy: &Policy, name: &str, at: &str) -> Result<Value> {
    let key = policy
        .keys
        .get(name)
        .ok_or_else(|| export_error(at, format!("key `{name}` is not defined")))?;
    Ok(Value::String(STANDARD.encode(key.public.to_pem())))
}

fn export_rule(policy: &Policy, rule: &Rule, at: &str, notes: &mut Vec<String>) -> Result<Value> {
    let req = match rule {
        Rule::Reject => return Ok(json!([{"type": "reject"}])),
        Rule::Accept => return Ok(json!([{"type": "insecureAcceptAnything"}])),
        Rule::Require(req) => req,
    };
    if !req.stages.is_empty() {
        let names: Vec<&str> = req.stages.iter().map(|s| s.name.as_str()).collect();
        return Err(export_error(
            at,
            format!(
                "stages ({}) have no equivalent in containers-policy.json",
                names.join(", ")
            ),
        ));
    }
    let sig = req
        .signatures
        .as_ref()
        .ok_or_else(|| export_error(at, "a requirement block without signatures"))?;
    let mut distinct: Vec<&PublicKey> = Vec::new();
    for name in &sig.keys {
        let key = &policy
            .keys
            .get(name)
            .ok_or_else(|| export_error(at, format!("key `{name}` is not defined")))?
            .public;
        if distinct.contains(&key) {
            return Err(export_error(
                at,
                format!("key `{name}` is the same public key as another listed key; list it once"),
            ));
        }
        distinct.push(key);
    }
    let identity = match &req.identity {
        Identity::Exact => json!({"type": "matchRepository"}),
        Identity::Remap {
            prefix,
            signed_prefix,
        } => {
            json!({"type": "remapIdentity", "prefix": prefix, "signedPrefix": signed_prefix})
        }
    };
    let n = sig.keys.len();
    let one = |data: (&str, Value)| {
        let mut m = Map::new();
        m.insert("type".to_owned(), json!("sigstoreSigned"));
        m.insert(data.0.to_owned(), data.1);
        m.insert("signedIdentity".to_owned(), identity.clone());
        Value::Object(m)
    };
    if n == 1 || sig.threshold == n {
        let list = sig
            .keys
            .iter()
            .map(|name| Ok(one(("keyData", key_data(policy, name, at)?))))
            .collect::<Result<Vec<Value>>>()?;
        return Ok(Value::Array(list));
    }
    if sig.threshold == 1 {
        notes.push(format!(
            "{at}: any one of {n} keys is written as keyDatas, which only newer containers/image releases read"
        ));
        let datas = sig
            .keys
            .iter()
            .map(|name| key_data(policy, name, at))
            .collect::<Result<Vec<Value>>>()?;
        return Ok(json!([one(("keyDatas", Value::Array(datas)))]));
    }
    Err(export_error(
        at,
        format!(
            "threshold {} of {n} keys cannot be expressed (containers-policy.json can require one of several keys, or all of them)",
            sig.threshold
        ),
    ))
}

fn scope_for_pattern(pattern: &Pattern, at: &str, notes: &mut Vec<String>) -> Result<String> {
    let text = pattern.as_str();
    if text == "**" {
        return Ok(String::new());
    }
    if pattern.is_exact() {
        notes.push(format!(
            "{at}: containers-policy.json scope \"{text}\" also covers repositories below {text}/"
        ));
        return Ok(text.to_owned());
    }
    if let Some(base) = text.strip_suffix("/**") {
        let host_wildcard = base.strip_prefix("*.").is_some_and(|d| !d.contains(['*', '/']));
        if !base.contains('*') || host_wildcard {
            return Ok(base.to_owned());
        }
    }
    Err(export_error(
        at,
        "only HOST[/PATH], HOST[/PATH]/**, *.DOMAIN/** and ** patterns have a containers-policy.json scope",
    ))
}

/// Exports `policy` as containers-policy.json (the `docker` transport only).
pub fn export(policy: &Policy) -> Result<Exported> {
    let mut notes = Vec::new();
    let default = export_rule(policy, &policy.default, "default", &mut notes)?;
    let mut docker: BTreeMap<String, (Value, String)> = BTreeMap::new();
    for scope in &policy.scopes {
        let at = format!("scope {:?}", scope.pattern.as_str());
        let key = scope_for_pattern(&scope.pattern, &at, &mut notes)?;
        let rule = export_rule(policy, &scope.rule, &at, &mut notes)?;
        if let Some((_, other)) = docker.get(&key) {
            return Err(export_error(
                &at,
                format!("it becomes containers-policy.json scope {key:?} like {other}"),
            ));
        }
        docker.insert(key, (rule, at));
    }
    let mut file = Map::new();
    file.insert("default".to_owned(), default);
    if !docker.is_empty() {
        let docker: Map<String, Value> = docker.into_iter().map(|(k, (v, _))| (k, v)).collect();
        file.insert("transports".to_owned(), json!({ "docker": docker }));
    }
    let mut json =
        serde_json::to_string_pretty(&Value::Object(file)).expect("serializing JSON values cannot fail");
    json.push('\n');
    Ok(Exported { json, notes })
}
