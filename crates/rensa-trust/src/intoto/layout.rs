//! in-toto 1.x supply-chain layouts and link metadata (the classic, non-DSSE format of the
//! reference implementation 1.3.1), and their verification.
//!
//! Both are `{"signed": {...}, "signatures": [{"keyid": HEX, "sig": HEX}]}`; each signature is
//! over the securesystemslib canonical JSON of `signed` ([`canonical`]) with a securesystemslib
//! key ([`sslib_key`]). A layout (`_type: layout`) lists the functionaries' keys, the steps
//! (who may perform each, how many distinct functionaries must agree, which artifacts each may
//! read and write) and an expiry; a link (`_type: link`) records one functionary's run of one
//! step (materials, products, byproducts, command, environment), stored as
//! `STEP.KEYID8.link` where `KEYID8` is the first 8 characters of the functionary's keyid.
//!
//! [`verify`] follows the verification workflow of the in-toto specification (v0.9 / 1.0,
//! section 5) and `in-toto-verify`:
//!
//! 1. every given layout key has a valid signature on the layout;
//! 2. the layout has not expired (`expires < now` fails; `expires` is `YYYY-MM-DDTHH:MM:SSZ`);
//! 3. for each step, the link `STEP.KEYID8.link` of each authorized keyid is looked up in the
//!    given files; it counts only if it is signed by the key the layout lists under that keyid,
//!    is a link for that step, and its key is not the key of a link already counted (the same
//!    key listed under two keyids is one functionary);
//! 4. each step needs `threshold` such links, and they must agree on materials and products;
//! 5. the artifact rules of every step run over its materials and products ([`rule`]);
//! 6. inspections are not run: a layout that has any fails with
//!    [`Failure::InspectionsUnsupported`].
//!
//! Deliberate differences from in-toto 1.3.1, all stricter: the signature covers the `signed`
//! object exactly as it is in the file (in-toto re-serializes its model, dropping unknown
//! fields); a link whose `name` is not the step's is not counted; links of one step must agree
//! on artifacts even with threshold 1 (in-toto then uses the first); distinct functionaries are
//! distinct keys, not distinct keyids (in-toto 1.3.1 counts one key listed under two keyids
//! twice); a threshold below 1 is a malformed layout. Not supported: sublayouts, GPG keys,
//! parameter substitution, running inspections.
//!
//! Nothing here reads files: the caller reads the layout, keys and link directory and hands in
//! bytes (links as a map from file name to contents; list the directory rather than build paths
//! from the layout's step names and keyids).
//!
//! ```no_run
//! # fn read(_: &str) -> Vec<u8> { Vec::new() }
//! use std::collections::BTreeMap;
//! use rensa_trust::intoto::layout::{SignedLayout, SslibKey, verify};
//!
//! let layout = SignedLayout::from_json(&read("root.layout"))?;
//! let key = SslibKey::from_key_file(&read("owner.pub"))?;
//! let links = BTreeMap::from([("build.0123abcd.link".to_owned(), read("links/build.0123abcd.link"))]);
//! let report = verify(&layout, &[key], &links, std::time::SystemTime::now())?;
//! match report.failure() {
//!     None => println!("passed: {:?}", report.steps.iter().map(|s| &s.functionaries).collect::<Vec<_>>()),
//!     Some(reason) => println!("failed: {reason}"),
//! }
//! # Ok::<(), rensa_trust::Error>(())
//! ```

pub mod canonical;
pub mod fnmatch;
pub mod rule;
pub mod sslib_key;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

pub use rule::{ArtifactKind, ArtifactRule, Artifacts, RuleViolation};
pub use sslib_key::{SignatureFault, SslibKey, compute_keyid};

use crate::error::{Error, Result};

/// One signature of a metadata file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaSignature {
    /// The keyid the signature claims.
    pub keyid: String,
    /// Hex of the signature bytes (`None` for entries without a `sig` string, as GPG ones).
    pub sig: Option<String>,
}

/// Why a metadata file's signature by a given key was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// No signature entry claims the key's keyid.
    Missing,
    /// The entry claiming the keyid is not usable or does not verify.
    Fault(SignatureFault),
}

/// A layout with its signatures, as read from a `.layout` file.
#[derive(Debug, Clone)]
pub struct SignedLayout {
    /// The layout.
    pub layout: Layout,
    /// The signatures, in file order.
    pub signatures: Vec<MetaSignature>,
    signable: Vec<u8>,
}

/// The `signed` part of a layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Expiry, `YYYY-MM-DDTHH:MM:SSZ`.
    pub expires: String,
    /// Expiry in seconds since the Unix epoch.
    pub expires_unix: i64,
    /// The functionaries' keys by keyid.
    pub keys: BTreeMap<String, SslibKey>,
    /// The steps, in layout order.
    pub steps: Vec<Step>,
    /// Names of the inspections (which rensa does not run).
    pub inspections: Vec<String>,
    /// The `readme` text.
    pub readme: String,
}

/// One step of a layout.
#[derive(Debug, Clone)]
pub struct Step {
    /// Unique name; links for it are `NAME.KEYID8.link`.
    pub name: String,
    /// How many distinct authorized functionaries must have performed it.
    pub threshold: usize,
    /// Keyids authorized to perform it.
    pub pubkeys: Vec<String>,
    /// Rules for the materials.
    pub expected_materials: Vec<ArtifactRule>,
    /// Rules for the products.
    pub expected_products: Vec<ArtifactRule>,
    /// The command the step is expected to run (a mismatch is only reported).
    pub expected_command: Vec<String>,
}

/// The `signed` part of a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The step this link is for.
    pub name: String,
    /// Artifacts read.
    pub materials: Artifacts,
    /// Artifacts written.
    pub products: Artifacts,
    /// Other recorded data (`stdout`, `stderr`, `return-value`), kept as JSON.
    pub byproducts: Map<String, Value>,
    /// The command that ran.
    pub command: Vec<String>,
    /// Recorded environment, kept as JSON.
    pub environment: Map<String, Value>,
}

/// A link with its signatures, as read from a `.link` file.
#[derive(Debug, Clone)]
pub struct SignedLink {
    /// The link.
    pub link: Link,
    /// The signatures, in file order.
    pub signatures: Vec<MetaSignature>,
    signable: Vec<u8>,
}

fn meta_error(what: &str, detail: impl Into<String>) -> Error {
    Error::InTotoMetadata {
        what: what.to_owned(),
        detail: detail.into(),
        source: None,
    }
}

/// A metadata file split into `signed` (as JSON), its canonical bytes, and the signatures.
struct Envelope {
    signed: Map<String, Value>,
    signable: Vec<u8>,
    signatures: Vec<MetaSignature>,
}

fn read_envelope(what: &str, bytes: &[u8]) -> Result<Envelope> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::InTotoMetadata {
        what: what.to_owned(),
        detail: e.to_string(),
        source: Some(e),
    })?;
    let Value::Object(mut top) = value else {
        return Err(meta_error(what, "is not a JSON object"));
    };
    let signed = match top.remove("signed") {
        Some(Value::Object(signed)) => signed,
        _ => return Err(meta_error(what, "has no `signed` object")),
    };
    let Some(Value::Array(sigs)) = top.remove("signatures") else {
        return Err(meta_error(what, "has no `signatures` list"));
    };
    let mut signatures = Vec::with_capacity(sigs.len());
    for (i, sig) in sigs.iter().enumerate() {
        let keyid = sig
            .get("keyid")
            .and_then(Value::as_str)
            .ok_or_else(|| meta_error(what, format!("signatures[{i}] has no string `keyid`")))?;
        signatures.push(MetaSignature {
            keyid: keyid.to_owned(),
            sig: sig.get("sig").and_then(Value::as_str).map(str::to_owned),
        });
    }
    let signed_value = Value::Object(signed);
    let signable = canonical::encode(&signed_value)
        .map_err(|e| meta_error(what, format!("`signed` has no canonical form: {e}")))?;
    let Value::Object(signed) = signed_value else {
        unreachable!()
    };
    Ok(Envelope {
        signed,
        signable,
        signatures,
    })
}

/// Checks the first signature claiming `key`'s keyid, as in-toto does.
fn check_signature(
    signatures: &[MetaSignature],
    signable: &[u8],
    key: &SslibKey,
) -> Result<(), SignatureProblem> {
    let entry = signatures
        .iter()
        .find(|s| s.keyid == key.keyid())
        .ok_or(SignatureProblem::Missing)?;
    let sig = entry
        .sig
        .as_deref()
        .ok_or(SignatureProblem::Fault(SignatureFault::Malformed(
            "no `sig` string".to_owned(),
        )))?;
    key.verify(signable, sig).map_err(SignatureProblem::Fault)
}

fn get_str<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| meta_error(what, format!("has no string `{key}`")))
}

fn string_list(value: Option<&Value>, what: &str, field: &str) -> Result<Vec<String>> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| meta_error(what, format!("`{field}` holds a non-string")))
            })
            .collect(),
        Some(_) => Err(meta_error(what, format!("`{field}` is not a list"))),
    }
}

fn object(value: Option<&Value>, what: &str, field: &str) -> Result<Map<String, Value>> {
    match value {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(meta_error(what, format!("`{field}` is not an object"))),
    }
}

fn artifacts(value: Option<&Value>, what: &str, field: &str) -> Result<Artifacts> {
    let mut out = Artifacts::new();
    for (path, hashes) in object(value, what, field)? {
        let Value::Object(hashes) = hashes else {
            return Err(meta_error(
                what,
                format!("`{field}` entry {path:?} is not a hash object"),
            ));
        };
        let mut digests = BTreeMap::new();
        for (alg, digest) in hashes {
            match digest.as_str() {
                Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    digests.insert(alg, d.to_owned());
                }
                _ => {
                    return Err(meta_error(
                        what,
                        format!("`{field}` entry {path:?} has a {alg} digest that is not hex"),
                    ));
                }
            }
        }
        out.insert(path, digests);
    }
    Ok(out)
}

/// Seconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SSZ`, the only form in-toto accepts.
fn parse_expires(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > days_in_month[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || sec > 59
    {
        return None;
    }
    // Days from civil (proleptic Gregorian), after H. Hinnant's algorithm.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Keyids are hex (securesystemslib `KEYID_SCHEMA`); they also name link files.
fn check_keyid(keyid: &str, what: &str) -> Result<()> {
    if !keyid.is_empty() && keyid.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(meta_error(what, format!("keyid {keyid:?} is not hex")))
    }
}

fn parse_rules(value: Option<&Value>, what: &str, field: &str) -> Result<Vec<ArtifactRule>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let Value::Array(rules) = value else {
        return Err(meta_error(what, format!("`{field}` is not a list")));
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let words = string_list(Some(r), what, &format!("{field}[{i}]"))?;
            ArtifactRule::parse(&words).map_err(|e| meta_error(what, format!("{field}[{i}]: {e}")))
        })
        .collect()
}

impl SignedLayout {
    /// Parses a layout file and checks its structure (types, unique step names, thresholds of
    /// at least 1, rules, supported keys). Signatures are not checked here.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let what = "layout";
        let Envelope {
            signed,
            signable,
            signatures,
        } = read_envelope(what, bytes)?;
        let kind = get_str(&signed, "_type", what)?;
        if kind != "layout" {
            return Err(meta_error(what, format!("has _type `{kind}`, expected `layout`")));
        }
        let expires = get_str(&signed, "expires", what)?.to_owned();
        let expires_unix = parse_expires(&expires)
            .ok_or_else(|| meta_error(what, format!("expires `{expires}` is not YYYY-MM-DDTHH:MM:SSZ")))?;
        let mut keys = BTreeMap::new();
        for (keyid, key) in object(signed.get("keys"), what, "keys")? {
            check_keyid(&keyid, what)?;
            let parsed = SslibKey::from_json(&key, Some(&keyid))?;
            keys.insert(keyid, parsed);
        }
        let mut names = BTreeSet::new();
        let mut steps = Vec::new();
        let step_values = match signed.get("steps") {
            None => &Vec::new(),
            Some(Value::Array(s)) => s,
            Some(_) => return Err(meta_error(what, "`steps` is not a list")),
        };
        for (i, sv) in step_values.iter().enumerate() {
            let Value::Object(s) = sv else {
                return Err(meta_error(what, format!("steps[{i}] is not an object")));
            };
            let swhat = format!("layout step {i}");
            let name = get_str(s, "name", &swhat)?.to_owned();
            let swhat = format!("layout step `{name}`");
            if let Some(t) = s.get("_type")
                && t.as_str() != Some("step")
            {
                return Err(meta_error(&swhat, format!("has _type {t}, expected `step`")));
            }
            let threshold = match s.get("threshold") {
                None => 1,
                Some(t) => t
                    .as_u64()
                    .filter(|&t| t >= 1)
                    .and_then(|t| usize::try_from(t).ok())
                    .ok_or_else(|| {
                        meta_error(&swhat, format!("threshold {t} is not an integer of at least 1"))
                    })?,
            };
            let step = Step {
                threshold,
                pubkeys: string_list(s.get("pubkeys"), &swhat, "pubkeys")?
                    .into_iter()
                    .map(|k| check_keyid(&k, &swhat).map(|()| k))
                    .collect::<Result<_>>()?,
                expected_materials: parse_rules(s.get("expected_materials"), &swhat, "expected_materials")?,
                expected_products: parse_rules(s.get("expected_products"), &swhat, "expected_products")?,
                expected_command: string_list(s.get("expected_command"), &swhat, "expected_command")?,
                name,
            };
            if !names.insert(step.name.clone()) {
                return Err(meta_error(what, format!("has two steps named `{}`", step.name)));
            }
            steps.push(step);
        }
        let mut inspections = Vec::new();
        match signed.get("inspect") {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let name = item
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| meta_error(what, format!("inspect[{i}] has no string `name`")))?;
                    if !names.insert(name.to_owned()) {
                        return Err(meta_error(
                            what,
                            format!("has two steps or inspections named `{name}`"),
                        ));
                    }
                    inspections.push(name.to_owned());
                }
            }
            Some(_) => return Err(meta_error(what, "`inspect` is not a list")),
        }
        let readme = match signed.get("readme") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(meta_error(what, "`readme` is not a string")),
        };
        Ok(SignedLayout {
            layout: Layout {
                expires,
                expires_unix,
                keys,
                steps,
                inspections,
                readme,
            },
            signatures,
            signable,
        })
    }

    /// Checks the layout's signature by `key` (the first signature claiming its keyid).
    pub fn check_signature(&self, key: &SslibKey) -> Result<(), SignatureProblem> {
        check_signature(&self.signatures, &self.signable, key)
    }

    /// The canonical JSON bytes the signatures are over.
    pub fn signable_bytes(&self) -> &[u8] {
        &self.signable
    }
}

impl SignedLink {
    /// Parses a link file (`_type` must be `link`). Signatures are not checked here.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let what = "link";
        let Envelope {
            signed,
            signable,
            signatures,
        } = read_envelope(what, bytes)?;
        let kind = get_str(&signed, "_type", what)?;
        if kind != "link" {
            return Err(meta_error(
                what,
                format!("has _type `{kind}`, expected `link` (sublayouts are not supported)"),
            ));
        }
        let link = Link {
            name: get_str(&signed, "name", what)?.to_owned(),
            materials: artifacts(signed.get("materials"), what, "materials")?,
            products: artifacts(signed.get("products"), what, "products")?,
            byproducts: object(signed.get("byproducts"), what, "byproducts")?,
            command: string_list(signed.get("command"), what, "command")?,
            environment: object(signed.get("environment"), what, "environment")?,
        };
        Ok(SignedLink {
            link,
            signatures,
            signable,
        })
    }

    /// Checks the link's signature by `key` (the first signature claiming its keyid).
    pub fn check_signature(&self, key: &SslibKey) -> Result<(), SignatureProblem> {
        check_signature(&self.signatures, &self.signable, key)
    }
}

/// The file name in-toto gives the link of `step` by `keyid`: `STEP.KEYID8.link`.
pub fn link_file_name(step: &str, keyid: &str) -> String {
    let prefix: String = keyid.chars().take(8).collect();
    format!("{step}.{prefix}.link")
}

/// Why a link file was not counted for its step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkFault {
    /// The keyid is authorized for the step but the layout has no key under it.
    UnknownKey,
    /// The file is not link metadata.
    Malformed(String),
    /// No signature in the file claims the functionary's keyid.
    NoSignature,
    /// The signature claiming the keyid does not verify or is unusable.
    Signature(SignatureFault),
    /// The link records another step.
    WrongStep(String),
    /// The same key as an already counted link (listed under another keyid).
    SameKeyAs(String),
}

/// A link file that was found for an authorized keyid but not counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLink {
    /// The file name.
    pub file: String,
    /// The authorized keyid it was looked up for.
    pub keyid: String,
    /// Why it was not counted.
    pub fault: LinkFault,
}

impl fmt::Display for RejectedLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, keyid) = (&self.file, &self.keyid);
        match &self.fault {
            LinkFault::UnknownKey => write!(f, "link {file}: the layout has no key {keyid}"),
            LinkFault::Malformed(detail) => write!(f, "link {file} is malformed: {detail}"),
            LinkFault::NoSignature => write!(f, "link {file} has no signature by key {keyid}"),
            LinkFault::Signature(SignatureFault::DoesNotVerify) => {
                write!(f, "link {file} signature does not verify with key {keyid}")
            }
            LinkFault::Signature(fault) => write!(f, "link {file} signature by key {keyid}: {fault}"),
            LinkFault::WrongStep(name) => write!(f, "link {file} is a link for step `{name}`"),
            LinkFault::SameKeyAs(other) => write!(
                f,
                "link {file} is signed with the same key as the counted link of {other} (one functionary)"
            ),
        }
    }
}

/// Why verification failed. `Display` gives the reason in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// A layout key has no valid signature on the layout.
    LayoutSignature {
        /// The layout key.
        keyid: String,
        /// What is wrong with its signature.
        problem: SignatureProblem,
    },
    /// The layout's expiry is before the verification time.
    LayoutExpired {
        /// The layout's `expires`.
        expires: String,
    },
    /// Fewer distinct authorized functionaries than the threshold have valid links.
    Threshold {
        /// The step.
        step: String,
        /// Distinct functionaries whose links were counted.
        found: usize,
        /// The step's threshold.
        threshold: usize,
        /// Links that were found but not counted.
        rejected: Vec<RejectedLink>,
    },
    /// Counted links of one step record different materials or products.
    LinksDisagree {
        /// The step.
        step: String,
        /// Which artifacts differ.
        kind: ArtifactKind,
        /// The first counted link.
        first: String,
        /// A link that differs from it.
        other: String,
    },
    /// An artifact rule failed.
    Rule {
        /// The step.
        step: String,
        /// Whether it is a material or a product rule.
        kind: ArtifactKind,
        /// The rule and the artifacts that broke it.
        violation: RuleViolation,
    },
    /// The layout has inspections, which rensa does not run.
    InspectionsUnsupported {
        /// Their names.
        names: Vec<String>,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::LayoutSignature { keyid, problem } => match problem {
                SignatureProblem::Missing => write!(f, "layout has no signature by key {keyid}"),
                SignatureProblem::Fault(SignatureFault::DoesNotVerify) => {
                    write!(f, "layout signature does not verify with key {keyid}")
                }
                SignatureProblem::Fault(fault) => write!(f, "layout signature by key {keyid}: {fault}"),
            },
            Failure::LayoutExpired { expires } => write!(f, "layout expired at {expires}"),
            Failure::Threshold {
                step,
                found,
                threshold,
                rejected,
            } => {
                let noun = if *found == 1 {
                    "functionary"
                } else {
                    "functionaries"
                };
                write!(
                    f,
                    "step {step}: {found} distinct authorized {noun} of threshold {threshold}"
                )?;
                for (i, r) in rejected.iter().enumerate() {
                    f.write_str(if i == 0 { " (" } else { "; " })?;
                    write!(f, "{r}")?;
                }
                if !rejected.is_empty() {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Failure::LinksDisagree {
                step,
                kind,
                first,
                other,
            } => write!(
                f,
                "step {step}: links disagree on {} ({first}, {other})",
                kind.plural()
            ),
            Failure::Rule {
                step,
                kind,
                violation,
            } => {
                let rule = &violation.rule;
                if let ArtifactRule::Require(path) = rule {
                    write!(
                        f,
                        "artifact rule {rule} of step {step} failed: no {} {path}",
                        kind.singular()
                    )
                } else {
                    let noun = if violation.artifacts.len() == 1 {
                        kind.singular()
                    } else {
                        kind.plural()
                    };
                    write!(
                        f,
                        "artifact rule {rule} of step {step} failed for {noun} {}",
                        violation.artifacts.join(", ")
                    )
                }
            }
            Failure::InspectionsUnsupported { names } => write!(
                f,
                "layout has inspections ({}); running inspections is not supported",
                names.join(", ")
            ),
        }
    }
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step's name.
    pub name: String,
    /// Its threshold.
    pub threshold: usize,
    /// Keyids whose links were counted, in the layout's `pubkeys` order.
    pub functionaries: Vec<String>,
    /// Link files found for authorized keyids but not counted.
    pub rejected: Vec<RejectedLink>,
    /// Counted link files whose command differs from `expected_command` (in-toto only warns).
    pub command_mismatch: Vec<String>,
    /// Whether the step passed (threshold, agreement and rules).
    pub passed: bool,
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Keyids of the layout keys whose signatures verified.
    pub layout_keyids: Vec<String>,
    /// The layout's expiry.
    pub expires: String,
    /// One report per step in layout order (empty when the layout signature failed: an
    /// unauthenticated layout is not evaluated).
    pub steps: Vec<StepReport>,
    /// Every failure, in the order of the verification workflow; empty when verification passed.
    pub failures: Vec<Failure>,
}

impl Verification {
    /// Whether the supply chain verified.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The first failure, the one `in-toto-verify` would report.
    pub fn failure(&self) -> Option<&Failure> {
        self.failures.first()
    }
}

/// Verifies `layout` with `layout_keys` (each must have signed it; at least one is required)
/// at time `now`, with the link files `links` (file name → contents, as read from the link
/// directory; other files are ignored).
pub fn verify(
    layout: &SignedLayout,
    layout_keys: &[SslibKey],
    links: &BTreeMap<String, Vec<u8>>,
    now: SystemTime,
) -> Result<Verification> {
    if layout_keys.is_empty() {
        return Err(Error::InTotoKey {
            key: "layout".to_owned(),
            detail: "no layout key given (at least one is required)".to_owned(),
            source: None,
        });
    }
    let l = &layout.layout;
    let mut report = Verification {
        layout_keyids: Vec::new(),
        expires: l.expires.clone(),
        steps: Vec::new(),
        failures: Vec::new(),
    };
    for key in layout_keys {
        match layout.check_signature(key) {
            Ok(()) => report.layout_keyids.push(key.keyid().to_owned()),
            Err(problem) => report.failures.push(Failure::LayoutSignature {
                keyid: key.keyid().to_owned(),
                problem,
            }),
        }
    }
    if !report.failures.is_empty() {
        return Ok(report);
    }
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let expired = match u64::try_from(l.expires_unix) {
        Ok(secs) => Duration::from_secs(secs) < now,
        Err(_) => true,
    };
    if expired {
        report.failures.push(Failure::LayoutExpired {
            expires: l.expires.clone(),
        });
    }

    // Links: signatures, authorization, distinct keys, threshold, agreement.
    let mut counted: BTreeMap<&str, SignedLink> = BTreeMap::new();
    for step in &l.steps {
        let mut step_report = StepReport {
            name: step.name.clone(),
            threshold: step.threshold,
            functionaries: Vec::new(),
            rejected: Vec::new(),
            command_mismatch: Vec::new(),
            passed: false,
        };
        let mut accepted: Vec<(String, SignedLink)> = Vec::new();
        let mut seen_keyids = BTreeSet::new();
        for keyid in &step.pubkeys {
            if !seen_keyids.insert(keyid.as_str()) {
                continue;
            }
            let file = link_file_name(&step.name, keyid);
            let Some(bytes) = links.get(&file) else { continue };
            let reject = |fault| RejectedLink {
                file: file.clone(),
                keyid: keyid.clone(),
                fault,
            };
            let Some(key) = l.keys.get(keyid) else {
                step_report.rejected.push(reject(LinkFault::UnknownKey));
                continue;
            };
            let link = match SignedLink::from_json(bytes) {
                Ok(link) => link,
                Err(e) => {
                    let detail = match e {
                        Error::InTotoMetadata { detail, .. } => detail,
                        other => other.to_string(),
                    };
                    step_report.rejected.push(reject(LinkFault::Malformed(detail)));
                    continue;
                }
            };
            match link.check_signature(key) {
                Ok(()) => {}
                Err(SignatureProblem::Missing) => {
                    step_report.rejected.push(reject(LinkFault::NoSignature));
                    continue;
                }
                Err(SignatureProblem::Fault(fault)) => {
                    step_report.rejected.push(reject(LinkFault::Signature(fault)));
                    continue;
                }
            }
            if link.link.name != step.name {
                step_report
                    .rejected
                    .push(reject(LinkFault::WrongStep(link.link.name.clone())));
                continue;
            }
            if let Some((other, _)) = accepted
                .iter()
                .find(|(other, _)| l.keys[other].public_key() == key.public_key())
            {
                step_report
                    .rejected
                    .push(reject(LinkFault::SameKeyAs(other.clone())));
                continue;
            }
            if link.link.command != step.expected_command {
                step_report.command_mismatch.push(file.clone());
            }
            accepted.push((keyid.clone(), link));
        }
        step_report.functionaries = accepted.iter().map(|(k, _)| k.clone()).collect();
        if accepted.len() < step.threshold {
            report.failures.push(Failure::Threshold {
                step: step.name.clone(),
                found: accepted.len(),
                threshold: step.threshold,
                rejected: step_report.rejected.clone(),
            });
            report.steps.push(step_report);
            continue;
        }
        let (first_keyid, first) = &accepted[0];
        let disagreement = accepted[1..].iter().find_map(|(keyid, link)| {
            let kind = if link.link.materials != first.link.materials {
                ArtifactKind::Materials
            } else if link.link.products != first.link.products {
                ArtifactKind::Products
            } else {
                return None;
            };
            Some((kind, keyid))
        });
        if let Some((kind, keyid)) = disagreement {
            report.failures.push(Failure::LinksDisagree {
                step: step.name.clone(),
                kind,
                first: link_file_name(&step.name, first_keyid),
                other: link_file_name(&step.name, keyid),
            });
            report.steps.push(step_report);
            continue;
        }
        let (_, first) = accepted.swap_remove(0);
        counted.insert(step.name.as_str(), first);
        step_report.passed = true;
        report.steps.push(step_report);
    }

    // Artifact rules, materials then products, step by step.
    let link_artifacts: rule::LinkArtifacts<'_> = counted
        .iter()
        .map(|(name, link)| (*name, (&link.link.materials, &link.link.products)))
        .collect();
    for (step, step_report) in l.steps.iter().zip(report.steps.iter_mut()) {
        let Some(link) = counted.get(step.name.as_str()) else {
            continue;
        };
        for (kind, rules) in [
            (ArtifactKind::Materials, &step.expected_materials),
            (ArtifactKind::Products, &step.expected_products),
        ] {
            if let Err(violation) = rule::apply(
                rules,
                kind,
                &link.link.materials,
                &link.link.products,
                &link_artifacts,
            ) {
                report.failures.push(Failure::Rule {
                    step: step.name.clone(),
                    kind,
                    violation: *violation,
                });
                step_report.passed = false;
                break;
            }
        }
    }

    if !l.inspections.is_empty() {
        report.failures.push(Failure::InspectionsUnsupported {
            names: l.inspections.clone(),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{KeySpec, PrivateKey};
    use serde_json::json;

    struct Functionary {
        private: PrivateKey,
        key: Value,
        keyid: String,
    }

    fn functionary() -> Functionary {
        let private = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let public = hex::encode(&private.public_key().spki_der()[12..]);
        let keyid = compute_keyid("ed25519", "ed25519", &public);
        let key = json!({"keyid": keyid, "keytype": "ed25519", "scheme": "ed25519",
            "keyid_hash_algorithms": ["sha256", "sha512"], "keyval": {"public": public}});
        Functionary { private, key, keyid }
    }

    /// `{"signed", "signatures"}` with one signature per (key, claimed keyid).
    fn metablock(signed: &Value, signers: &[(&PrivateKey, &str)]) -> Vec<u8> {
        let bytes = canonical::encode(signed).unwrap();
        let signatures: Vec<Value> = signers
            .iter()
            .map(|(k, id)| json!({"keyid": id, "sig": hex::encode(k.sign(&bytes).unwrap())}))
            .collect();
        serde_json::to_vec(&json!({"signed": signed, "signatures": signatures})).unwrap()
    }

    fn link(name: &str) -> Value {
        json!({"_type": "link", "name": name, "command": ["make"], "byproducts": {}, "environment": {},
            "materials": {"src/a.c": {"sha256": "aa"}}, "products": {"a.out": {"sha256": "bb"}}})
    }

    fn layout_value(keys: Value, pubkeys: &[&str], threshold: u64) -> Value {
        json!({"_type": "layout", "expires": "2100-01-01T00:00:00Z", "readme": "", "inspect": [],
            "keys": keys,
            "steps": [{"_type": "step", "name": "build", "threshold": threshold, "pubkeys": pubkeys,
                "expected_command": ["make"],
                "expected_materials": [["ALLOW", "src/*"], ["DISALLOW", "*"]],
                "expected_products": [["CREATE", "a.out"], ["DISALLOW", "*"]]}]})
    }

    fn owner_key(owner: &Functionary) -> SslibKey {
        SslibKey::from_json(&owner.key, Some(&owner.keyid)).unwrap()
    }

    fn at(unix: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix)
    }

    const EXPIRES_UNIX: u64 = 4_102_444_800;

    #[test]
    fn expires_is_parsed_as_utc() {
        assert_eq!(parse_expires("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_expires("2000-02-29T12:34:56Z"), Some(951_827_696));
        assert_eq!(parse_expires("2100-01-01T00:00:00Z"), Some(EXPIRES_UNIX as i64));
        for bad in [
            "2001-02-29T00:00:00Z",
            "2020-01-01T00:00:00+00:00",
            "2020-01-01 00:00:00Z",
            "2020-13-01T00:00:00Z",
            "+020-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_expires(bad), None, "{bad}");
        }
    }

    #[test]
    fn passes_until_the_second_after_expiry() {
        let (owner, alice) = (functionary(), functionary());
        let layout = layout_value(json!({alice.keyid.clone(): alice.key}), &[&alice.keyid], 1);
        let layout = SignedLayout::from_json(&metablock(&layout, &[(&owner.private, &owner.keyid)])).unwrap();
        let links = BTreeMap::from([(
            link_file_name("build", &alice.keyid),
            metablock(&link("build"), &[(&alice.private, &alice.keyid)]),
        )]);
        let keys = [owner_key(&owner)];
        let v = verify(&layout, &keys, &links, at(EXPIRES_UNIX)).unwrap();
        assert!(v.passed(), "{:?}", v.failures);
        assert_eq!(v.steps[0].functionaries, [alice.keyid.as_str()]);
        let v = verify(&layout, &keys, &links, at(EXPIRES_UNIX + 1)).unwrap();
        assert_eq!(
            v.failure().unwrap().to_string(),
            "layout expired at 2100-01-01T00:00:00Z"
        );
        // An expired layout is still evaluated, so the report shows the steps.
        assert!(v.steps[0].passed);
    }

    /// A layout that lists one key under two keyids does not make one functionary two.
    #[test]
    fn same_key_under_two_keyids_is_one_functionary() {
        let (owner, alice) = (functionary(), functionary());
        // Another keyid for the same key, differing in its first digit so that the link file names
        // (first 8 digits) differ too. (Upper-casing it did not when those 8 were all decimal digits.)
        let first = if alice.keyid.starts_with('0') { "1" } else { "0" };
        let alias = format!("{first}{}", &alice.keyid[1..]);
        let mut alias_key = alice.key.clone();
        alias_key["keyid"] = json!(alias);
        let keys = json!({alice.keyid.clone(): alice.key, alias.clone(): alias_key});
        let layout = layout_value(keys, &[&alice.keyid, &alias], 2);
        let layout = SignedLayout::from_json(&metablock(&layout, &[(&owner.private, &owner.keyid)])).unwrap();
        let first = link_file_name("build", &alice.keyid);
        let second = link_file_name("build", &alias);
        assert_ne!(first, second);
        let links = BTreeMap::from([
            (
                first.clone(),
                metablock(&link("build"), &[(&alice.private, &alice.keyid)]),
            ),
            (
                second.clone(),
                metablock(&link("build"), &[(&alice.private, &alias)]),
            ),
        ]);
        let v = verify(&layout, &[owner_key(&owner)], &links, at(0)).unwrap();
        assert_eq!(
            v.failure().unwrap().to_string(),
            format!(
                "step build: 1 distinct authorized functionary of threshold 2 (link {second} is signed with \
                 the same key as the counted link of {} (one functionary))",
                alice.keyid
            )
        );
    }

    #[test]
    fn links_for_other_steps_or_by_unlisted_keys_do_not_count() {
        let (owner, alice, bob) = (functionary(), functionary(), functionary());
        let keys = json!({alice.keyid.clone(): alice.key});
        let layout = layout_value(keys, &[&alice.keyid, &bob.keyid], 1);
        let layout = SignedLayout::from_json(&metablock(&layout, &[(&owner.private, &owner.keyid)])).unwrap();
        let a = link_file_name("build", &alice.keyid);
        let b = link_file_name("build", &bob.keyid);
        let links = BTreeMap::from([
            (
                a.clone(),
                metablock(&link("package"), &[(&alice.private, &alice.keyid)]),
            ),
            (
                b.clone(),
                metablock(&link("build"), &[(&bob.private, &bob.keyid)]),
            ),
            ("unrelated.txt".to_owned(), b"{".to_vec()),
        ]);
        let v = verify(&layout, &[owner_key(&owner)], &links, at(0)).unwrap();
        assert_eq!(
            v.failure().unwrap().to_string(),
            format!(
                "step build: 0 distinct authorized functionaries of threshold 1 (link {a} is a link for step \
                 `package`; link {b}: the layout has no key {})",
                bob.keyid
            )
        );
        // A malformed link file is reported, not an error.
        let links = BTreeMap::from([(a.clone(), b"{}".to_vec())]);
        let v = verify(&layout, &[owner_key(&owner)], &links, at(0)).unwrap();
        assert_eq!(
            v.failure().unwrap().to_string(),
            format!(
                "step build: 0 distinct authorized functionaries of threshold 1 (link {a} is malformed: has no \
                 `signed` object)"
            )
        );
    }

    #[test]
    fn every_layout_key_must_sign_and_one_is_required() {
        let (owner, second, alice) = (functionary(), functionary(), functionary());
        let layout = layout_value(json!({alice.keyid.clone(): alice.key}), &[&alice.keyid], 1);
        let layout = SignedLayout::from_json(&metablock(&layout, &[(&owner.private, &owner.keyid)])).unwrap();
        let links = BTreeMap::new();
        let v = verify(&layout, &[owner_key(&owner), owner_key(&second)], &links, at(0)).unwrap();
        assert_eq!(v.layout_keyids, [owner.keyid.as_str()]);
        assert_eq!(
            v.failure().unwrap().to_string(),
            format!("layout has no signature by key {}", second.keyid)
        );
        assert!(v.steps.is_empty());
        assert!(matches!(
            verify(&layout, &[], &links, at(0)),
            Err(Error::InTotoKey { .. })
        ));
    }

    #[test]
    fn malformed_layouts_are_errors() {
        let alice = functionary();
        let good = layout_value(json!({alice.keyid.clone(): alice.key}), &[&alice.keyid], 1);
        type Edit = fn(&mut Value);
        let cases: [(&str, Edit); 7] = [
            ("keyid \"../x\" is not hex", |v| {
                v["steps"][0]["pubkeys"][0] = json!("../x")
            }),
            ("threshold 0", |v| v["steps"][0]["threshold"] = json!(0)),
            ("two steps named `build`", |v| {
                let step = v["steps"][0].clone();
                v["steps"].as_array_mut().unwrap().push(step);
            }),
            ("unknown rule type `copy`", |v| {
                v["steps"][0]["expected_products"][0] = json!(["COPY", "x"])
            }),
            ("no canonical form", |v| v["readme"] = json!(1.5)),
            ("is not YYYY-MM-DDTHH:MM:SSZ", |v| {
                v["expires"] = json!("2100-01-01")
            }),
            ("_type `link`", |v| v["_type"] = json!("link")),
        ];
        for (expected, edit) in cases {
            let mut v = good.clone();
            edit(&mut v);
            let bytes = serde_json::to_vec(&json!({"signed": v, "signatures": []})).unwrap();
            let err = SignedLayout::from_json(&bytes).unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
        let bytes = serde_json::to_vec(&json!({"signed": good, "signatures": []})).unwrap();
        SignedLayout::from_json(&bytes).unwrap();
    }
}
