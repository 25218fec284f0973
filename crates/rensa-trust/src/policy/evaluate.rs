//! Evaluating a policy against the evidence found for one image.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    Identity, ImageName, MAX_CLOCK_SKEW, Policy, Requirements, Rule, ScanConditions, SignatureRequirement,
    StageRequirement, format_seconds,
};
use crate::dsse::{Envelope, pae};
use crate::intoto::{PAYLOAD_TYPE, Statement};
use crate::key::PublicKey;
use crate::predicate::{
    PredicateKind, ScanPredicate, StagePredicate, StageResult, Timestamp, signed_time, signed_time_field,
};
use crate::simplesigning::{SimpleSigning, check_digest};

/// One cosign signature as found: the simple-signing payload and the raw signature bytes (DER
/// for ECDSA, raw for Ed25519 and RSA), not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureBlob {
    /// The simple-signing payload bytes.
    pub payload: Vec<u8>,
    /// The signature bytes (base64-decoded).
    pub signature: Vec<u8>,
}

/// Everything found for an image, unverified: the policy verifies each item with each allowed key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Image signatures.
    pub signatures: Vec<SignatureBlob>,
    /// Attestations (DSSE envelopes).
    pub attestations: Vec<Envelope>,
}

/// The outcome of one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementResult {
    /// `reject`, `accept`, `digest`, `signatures` or `stage NAME`.
    pub name: String,
    /// Whether it holds.
    pub passed: bool,
    /// One line saying what was required and what was found.
    pub summary: String,
    /// The policy key names whose valid signatures or attestations counted, in policy order.
    pub signed_by: Vec<String>,
    /// Why it failed (empty when it passed).
    pub reasons: Vec<String>,
}

/// The decision for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The policy that decided ([`Policy::origin`]).
    pub policy: String,
    /// The image repository (`HOST[:PORT]/PATH`).
    pub image: String,
    /// The digest evaluated.
    pub digest: String,
    /// Whether every requirement holds.
    pub allowed: bool,
    /// The scope that applied (its `match` pattern) or `default`.
    pub scope: String,
    /// Each requirement of that scope.
    pub requirements: Vec<RequirementResult>,
}

/// Distinct public keys among the listed names: names sharing a key form one group.
struct KeyGroup<'a> {
    names: Vec<&'a str>,
    key: &'a PublicKey,
}

impl KeyGroup<'_> {
    fn label(&self) -> String {
        match self.names.as_slice() {
            [one] => (*one).to_owned(),
            [first, rest @ ..] => format!("{first} (same key as {})", rest.join(", ")),
            [] => String::new(),
        }
    }
}

fn groups<'a>(policy: &'a Policy, names: &'a [String]) -> Vec<KeyGroup<'a>> {
    let mut out: Vec<KeyGroup<'a>> = Vec::new();
    for name in names {
        let Some(k) = policy.keys.get(name) else { continue };
        match out.iter_mut().find(|g| *g.key == k.public) {
            Some(g) => g.names.push(name),
            None => out.push(KeyGroup {
                names: vec![name],
                key: &k.public,
            }),
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn threshold_line(signed: &[&KeyGroup<'_>], threshold: usize, names: &[String]) -> String {
    let who = if signed.is_empty() {
        "no key signed".to_owned()
    } else {
        let labels: Vec<&str> = signed.iter().map(|g| g.names[0]).collect();
        format!(
            "{} signed ({})",
            plural(signed.len(), "distinct key", "distinct keys"),
            labels.join(", ")
        )
    };
    format!(
        "threshold not met: {who}, {threshold} required of {}",
        names.join(", ")
    )
}

pub(super) fn evaluate(
    policy: &Policy,
    image: &ImageName,
    digest: &str,
    evidence: &Evidence,
    now: Timestamp,
    cache: Option<&VerifyCache>,
) -> Decision {
    let scope = policy.scope_for(image);
    let (scope_name, rule) = match scope {
        Some(s) => (s.pattern.as_str().to_owned(), &s.rule),
        None => ("default".to_owned(), &policy.default),
    };
    let where_ = match scope {
        Some(s) if s.line > 0 => format!("scope `{}` ({}:{})", s.pattern, policy.origin, s.line),
        Some(s) => format!("scope `{}`", s.pattern),
        None => "the default (no scope matches)".to_owned(),
    };
    let mut requirements = Vec::new();
    match rule {
        Rule::Reject => requirements.push(RequirementResult {
            name: "reject".to_owned(),
            passed: false,
            summary: format!("{} is rejected by {where_}", image.full()),
            signed_by: Vec::new(),
            reasons: vec![format!("{where_} rejects every image")],
        }),
        Rule::Accept => requirements.push(RequirementResult {
            name: "accept".to_owned(),
            passed: true,
            summary: format!("{} is accepted without signatures by {where_}", image.full()),
            signed_by: Vec::new(),
            reasons: Vec::new(),
        }),
        Rule::Require(req) => {
            if let Err(e) = check_digest(digest) {
                requirements.push(RequirementResult {
                    name: "digest".to_owned(),
                    passed: false,
                    summary: "the image digest must be sha256".to_owned(),
                    signed_by: Vec::new(),
                    reasons: vec![e.to_string()],
                });
            } else {
                requirements.extend(requirements_of(policy, req, image, digest, evidence, now, cache));
            }
        }
    }
    Decision {
        policy: policy.origin.clone(),
        image: image.full(),
        digest: digest.to_owned(),
        allowed: requirements.iter().all(|r| r.passed),
        scope: scope_name,
        requirements,
    }
}

fn requirements_of(
    policy: &Policy,
    req: &Requirements,
    image: &ImageName,
    digest: &str,
    evidence: &Evidence,
    now: Timestamp,
    cache: Option<&VerifyCache>,
) -> Vec<RequirementResult> {
    let mut out = Vec::new();
    if let Some(sig) = &req.signatures {
        out.push(signatures(
            policy,
            sig,
            &req.identity,
            image,
            digest,
            &evidence.signatures,
            cache,
        ));
    }
    for stage in &req.stages {
        out.push(stage_result(
            policy,
            stage,
            digest,
            &evidence.attestations,
            now,
            cache,
        ));
    }
    out
}

fn signatures(
    policy: &Policy,
    req: &SignatureRequirement,
    identity: &Identity,
    image: &ImageName,
    digest: &str,
    blobs: &[SignatureBlob],
    cache: Option<&VerifyCache>,
) -> RequirementResult {
    let groups = groups(policy, &req.keys);
    let expected = identity.expected_reference(image);
    let mut reasons = Vec::new();
    let mut valid: Vec<usize> = vec![0; groups.len()];
    let mut unverified = 0usize;
    for blob in blobs {
        let verified: Vec<usize> = (0..groups.len())
            .filter(|&g| check(cache, groups[g].key, &blob.payload, &blob.signature))
            .collect();
        if verified.is_empty() {
            unverified += 1;
            continue;
        }
        let by: Vec<String> = verified.iter().map(|&g| groups[g].label()).collect();
        let by = by.join(", ");
        match SimpleSigning::from_json(&blob.payload) {
            Err(e) => reasons.push(format!("signature by {by} has an unusable payload: {e}")),
            Ok(p) if p.manifest_digest != digest => {
                reasons.push(format!(
                    "signature by {by} is for {}, not {digest}",
                    p.manifest_digest
                ));
            }
            Ok(p) if p.docker_reference != expected => {
                let remapped = if expected != image.full() {
                    format!(" (remapped from {})", image.full())
                } else {
                    String::new()
                };
                reasons.push(format!(
                    "signature by {by} names repository {}, expected {expected}{remapped}",
                    p.docker_reference
                ));
            }
            Ok(_) => {
                for g in verified {
                    valid[g] += 1;
                }
            }
        }
    }
    let signed: Vec<&KeyGroup<'_>> = (0..groups.len())
        .filter(|&g| valid[g] > 0)
        .map(|g| &groups[g])
        .collect();
    let signed_by: Vec<String> = signed
        .iter()
        .flat_map(|g| g.names.iter().map(|n| (*n).to_owned()))
        .collect();
    let passed = signed.len() >= req.threshold;
    let summary = format!(
        "{} of {} required: {} of {} signed",
        req.threshold,
        plural(groups.len(), "distinct key", "distinct keys"),
        signed.len(),
        groups.len()
    );
    if passed {
        return RequirementResult {
            name: "signatures".to_owned(),
            passed,
            summary,
            signed_by,
            reasons: Vec::new(),
        };
    }
    let names = req.keys.join(", ");
    if blobs.is_empty() {
        reasons.push("no signatures found".to_owned());
    } else if unverified == blobs.len() {
        reasons.push(format!(
            "no signature verifies with keys {names} ({} checked)",
            plural(blobs.len(), "signature", "signatures")
        ));
    } else if unverified > 0 {
        reasons.push(format!(
            "{unverified} of {} verify with none of keys {names}",
            plural(blobs.len(), "signature", "signatures")
        ));
    }
    for (g, count) in groups.iter().zip(&valid) {
        if *count > 1 {
            reasons.push(format!("key {} signed {count} times, counted once", g.names[0]));
        }
        if *count > 0 && g.names.len() > 1 {
            reasons.push(format!(
                "keys {} are the same public key, counted once",
                g.names.join(" and ")
            ));
        }
    }
    reasons.push(threshold_line(&signed, req.threshold, &req.keys));
    RequirementResult {
        name: "signatures".to_owned(),
        passed,
        summary,
        signed_by,
        reasons,
    }
}

/// Whether any of the envelope's signatures verifies with `key` over the PAE of its own type.
fn envelope_signed_by(env: &Envelope, key: &PublicKey, cache: Option<&VerifyCache>) -> bool {
    let message = pae(&env.payload_type, &env.payload);
    env.signatures.iter().any(|s| check(cache, key, &message, &s.sig))
}

/// Whether `signature` over `message` verifies with `key`, through `cache` when there is one.
fn check(cache: Option<&VerifyCache>, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    match cache {
        Some(c) => c.verify(key, message, signature),
        None => key.verify(message, signature).is_ok(),
    }
}

/// Remembers the outcome of signature checks, so that evaluating the same evidence again (an
/// admission gate seeing the same image many times) costs a hash instead of the public-key
/// arithmetic. The entry is the SHA-256 of the key, the signed message and the signature, so a
/// remembered answer is exactly the answer a new check would give; both outcomes are kept. Bounded:
/// when full, it starts over. Shared between threads.
pub struct VerifyCache {
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], bool>>,
    capacity: usize,
}

impl VerifyCache {
    /// A cache of at most `capacity` checks.
    pub fn new(capacity: usize) -> VerifyCache {
        VerifyCache {
            entries: std::sync::Mutex::new(std::collections::HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many checks are remembered.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `signature` over `message` verifies with `key` (remembered or checked now).
    pub fn verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        use sha2::{Digest as _, Sha256};
        let mut h = Sha256::new();
        for part in [key.spki_der(), message, signature] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        let id: [u8; 32] = h.finalize().into();
        if let Some(&known) = self.entries.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return known;
        }
        let ok = key.verify(message, signature).is_ok();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(id, ok);
        ok
    }
}

fn stage_result(
    policy: &Policy,
    stage: &StageRequirement,
    digest: &str,
    attestations: &[Envelope],
    now: Timestamp,
    cache: Option<&VerifyCache>,
) -> RequirementResult {
    let groups = groups(policy, &stage.keys);
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    let mut satisfied = vec![0usize; groups.len()];
    let mut reasons = Vec::new();
    let mut relevant = 0usize;
    for (i, env) in attestations.iter().enumerate() {
        let verified: Vec<usize> = (0..groups.len())
            .filter(|&g| envelope_signed_by(env, groups[g].key, cache))
            .collect();
        if verified.is_empty() {
            continue;
        }
        relevant += 1;
        let by: Vec<String> = verified.iter().map(|&g| groups[g].label()).collect();
        let at = format!("attestation {} by {}", i + 1, by.join(", "));
        let problems = check_attestation(stage, env, hex, digest, now);
        if problems.is_empty() {
            for g in verified {
                satisfied[g] += 1;
            }
        } else {
            reasons.extend(problems.into_iter().map(|p| format!("{at}{p}")));
        }
    }
    let signed: Vec<&KeyGroup<'_>> = (0..groups.len())
        .filter(|&g| satisfied[g] > 0)
        .map(|g| &groups[g])
        .collect();
    let signed_by: Vec<String> = signed
        .iter()
        .flat_map(|g| g.names.iter().map(|n| (*n).to_owned()))
        .collect();
    let passed = signed.len() >= stage.threshold;
    let age = stage
        .max_age
        .map(|m| format!(", max_age {m}"))
        .unwrap_or_default();
    let summary = format!(
        "{} attestation ({}) by {} of {}{age}: {} of {} attested",
        stage.kind,
        stage.kind.uri(),
        stage.threshold,
        plural(groups.len(), "distinct key", "distinct keys"),
        signed.len(),
        groups.len()
    );
    let name = format!("stage {}", stage.name);
    if passed {
        return RequirementResult {
            name,
            passed,
            summary,
            signed_by,
            reasons: Vec::new(),
        };
    }
    let names = stage.keys.join(", ");
    if attestations.is_empty() {
        reasons.push("no attestations found".to_owned());
    } else if relevant == 0 {
        reasons.push(format!(
            "no attestation verifies with keys {names} ({} checked)",
            plural(attestations.len(), "attestation", "attestations")
        ));
    }
    for g in groups.iter().filter(|g| g.names.len() > 1) {
        if signed.iter().any(|s| std::ptr::eq(*s, g)) {
            reasons.push(format!(
                "keys {} are the same public key, counted once",
                g.names.join(" and ")
            ));
        }
    }
    reasons.push(threshold_line(&signed, stage.threshold, &stage.keys));
    RequirementResult {
        name,
        passed,
        summary,
        signed_by,
        reasons,
    }
}

/// The problems of one attestation already known to be signed by a stage key, each starting with
/// `:` or ` ` so that it reads after `attestation N by KEY`.
fn check_attestation(
    stage: &StageRequirement,
    env: &Envelope,
    hex: &str,
    digest: &str,
    now: Timestamp,
) -> Vec<String> {
    if env.payload_type != PAYLOAD_TYPE {
        return vec![format!(
            ": DSSE payload type is `{}`, expected `{PAYLOAD_TYPE}`",
            env.payload_type
        )];
    }
    let statement = match Statement::from_json(&env.payload) {
        Ok(s) => s,
        Err(e) => return vec![format!(": {e}")],
    };
    let has_digest = statement
        .subject
        .iter()
        .any(|s| s.digest.get("sha256").is_some_and(|d| d == hex));
    if !has_digest {
        let found: Vec<String> = statement
            .subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(alg, d)| format!("{alg}:{d}")))
            .collect();
        return vec![format!(": subject is {}, not {digest}", found.join(", "))];
    }
    if statement.predicate_type != stage.kind.uri() {
        return vec![format!(
            ": predicate type is `{}`, expected `{}`",
            statement.predicate_type,
            stage.kind.uri()
        )];
    }
    let predicate = &statement.predicate;
    let mut problems = Vec::new();
    let mut scan = None;
    match stage.kind {
        PredicateKind::Stage => match StagePredicate::from_value(predicate) {
            Err(e) => return vec![format!(": {e}")],
            Ok(p) if p.stage != stage.name => {
                return vec![format!(": stage is `{}`, expected `{}`", p.stage, stage.name)];
            }
            Ok(p) if p.result == StageResult::Failed => problems.push(format!(": stage {} failed", p.stage)),
            Ok(_) => {}
        },
        PredicateKind::Scan => match ScanPredicate::from_value(predicate) {
            Err(e) => return vec![format!(": {e}")],
            Ok(p) => scan = Some(p),
        },
        PredicateKind::Cyclonedx | PredicateKind::SlsaProvenance => {
            if let Err(e) = stage.kind.validate(predicate) {
                return vec![format!(": {e}")];
            }
        }
    }
    let field = signed_time_field(stage.kind.uri()).unwrap_or("signed time");
    match signed_time(stage.kind.uri(), predicate) {
        None if stage.max_age.is_some() => {
            problems.push(format!(": no signed time ({field}), max_age cannot be checked"))
        }
        None => {}
        Some(t) if t.0 > now.0 + MAX_CLOCK_SKEW => problems.push(format!(
            ": {field} {t} is {} in the future (now {now})",
            format_seconds(t.0 - now.0)
        )),
        Some(t) => {
            if let Some(max) = stage.max_age {
                let age = now.0 - t.0;
                if age > max.0 {
                    problems.push(format!(" is {} old, max_age {max}", format_seconds(age)));
                }
            }
        }
    }
    if let Some(p) = scan {
        problems.extend(
            scan_conditions(&stage.require, &p)
                .into_iter()
                .map(|c| format!(": scan predicate: {c}")),
        );
    }
    problems
}

fn scan_conditions(require: &ScanConditions, p: &ScanPredicate) -> Vec<String> {
    let mut out = Vec::new();
    // In the order of the severities, vulnerabilities before fixable ones.
    let order: BTreeMap<&str, usize> = crate::predicate::SeverityCounts::SEVERITIES
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i))
        .collect();
    let mut bounds: Vec<(&String, &u64)> = require.max_counts.iter().collect();
    bounds.sort_by_key(|(name, _)| match name.strip_prefix("fixable_") {
        Some(s) => (1, order.get(s).copied().unwrap_or(usize::MAX)),
        None => (0, order.get(name.as_str()).copied().unwrap_or(usize::MAX)),
    });
    for (name, max) in bounds {
        let actual = match name.strip_prefix("fixable_") {
            Some(s) => p.fixable.get(s),
            None => p.vulnerabilities.get(name),
        };
        if let Some(actual) = actual.filter(|a| a > max) {
            out.push(format!("{name} = {actual}, required ≤ {max}"));
        }
    }
    if let Some(max) = require.database_age {
        match p.database_age() {
            None => out.push(format!(
                "database age unknown (no newest_record or built_at), required ≤ {max}"
            )),
            Some(age) if age > max.0 => out.push(format!(
                "database age {} at scan time, required ≤ {max}",
                format_seconds(age)
            )),
            Some(_) => {}
        }
    }
    if let Some(worst) = require.verdict
        && p.verdict > worst
    {
        let allowed = match worst {
            crate::predicate::Verdict::Pass => "pass",
            crate::predicate::Verdict::Warn => "pass or warn",
            crate::predicate::Verdict::Block => "any",
        };
        out.push(format!("verdict = {}, required {allowed}", p.verdict.as_str()));
    }
    out
}
