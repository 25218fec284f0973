//! rensa's trust policy: which images `rensa verify` (and the admission gate) accepts, by which
//! signatures and which attestations.
//!
//! # Format (YAML)
//!
//! ```yaml
//! version: 1
//! keys:                                  # named public keys (cosign.pub PEM)
//!   release-a: { path: keys/release-a.pub }          # relative to the policy file
//!   release-b: { data: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n" }
//!   release-c: { path: keys/release-c.pub }
//!   ci:        { path: keys/ci.pub }
//!   scanner:   { path: keys/scanner.pub }
//! default: reject                        # when no scope matches: reject | accept | a requirement block
//! scopes:
//!   - match: "registry.local:5000/prod/*"
//!     signatures: { keys: [release-a, release-b, release-c], threshold: 2 }
//!     identity: exact                    # or: { remap: { prefix: "registry.local:5000/prod",
//!                                        #                signed_prefix: "build.local:5000/prod" } }
//!     stages:
//!       - { name: ci, type: stage, keys: [ci], threshold: 1, max_age: 7d }
//!       - name: scan
//!         type: scan
//!         keys: [scanner]
//!         max_age: 1d
//!         require: { critical: 0, fixable_high: 0, database_age: 1d, verdict: pass }
//!   - { match: "docker.io/**", action: reject }
//!   - { match: "registry.local:5000/tools/*", action: accept }
//! ```
//!
//! - `version` must be `1`. Unknown fields anywhere are errors, and every error names
//!   `FILE:LINE`.
//! - `keys`: each has exactly one of `path` (read through the caller's loader, relative to the
//!   policy file) or `data` (inline PEM). Two names may hold the same public key; they then count
//!   as one key toward any threshold.
//! - `match`: a glob over `HOST[:PORT]/REPO` (see [`ImageName`] for how references are
//!   normalized: `alpine` is `docker.io/library/alpine`). `*` stays within one `/` component,
//!   a whole component `**` spans any number of them (also none). The **most specific** matching
//!   scope wins, whatever the order in the file: a pattern without wildcards first, then the one
//!   with the most literal characters; ties go to the earlier scope.
//! - A scope (and `default`) is either `action: reject` (untrusted: every image is refused),
//!   `action: accept` (trusted without signatures), or a requirement block with `signatures`
//!   and/or `stages` (at least one). `default: reject` / `default: accept` are short for the action.
//! - `signatures`: `keys` (names from `keys`) and `threshold` (default 1, from 1 to the number
//!   of keys). A signature counts for a key only when it verifies with that key, its
//!   simple-signing digest is the image digest and its `docker-reference` is the expected
//!   repository. The threshold counts **distinct** public keys: two signatures by one key count
//!   once, and so do two names for the same key.
//! - `identity`: `exact` (default) means the signed repository must be the image's repository;
//!   `remap` is for images copied between registries (a copied signature keeps the original
//!   repository): when the image's repository starts with `prefix` (at a `/` boundary), that
//!   prefix is replaced by `signed_prefix` to get the repository the signature must name.
//! - `stages`: each needs attestations — DSSE envelopes of type `application/vnd.in-toto+json`
//!   holding an in-toto Statement v1 whose subject includes the image's sha256 digest — signed
//!   by `threshold` (default 1) distinct keys of its own `keys`. `type` is a predicate type name
//!   ([`PredicateKind::from_name`]: `stage`, `scan`, `cyclonedx`, `slsaprovenance`); for
//!   `type: stage` the predicate's `stage` must equal the stage `name` and its `result` must be
//!   `passed`. `max_age` (`30s`, `15m`, `12h`, `7d`, `1d12h`) bounds the age of the predicate's
//!   signed time ([`crate::predicate::signed_time`]); a signed time more than 5 minutes in the
//!   future is refused whether or not `max_age` is set.
//! - `require` (only for `type: scan`): upper bounds on counts (`critical`, `high`, `medium`,
//!   `low`, `negligible`, `unknown`, and `fixable_critical` … `fixable_unknown`),
//!   `database_age` (scan time minus the database's newest record, or its build time when the
//!   newest record is unknown; unknown fails) and `verdict` (the worst verdict allowed: `pass`,
//!   `warn` or `block`).
//!
//! # Evaluation
//!
//! [`Policy::evaluate`] takes the image, its digest and the raw, unverified [`Evidence`] (every
//! signature and attestation found), verifies each against each allowed key and returns a
//! [`Decision`]: the scope that applied, and per requirement whether it passed, which keys
//! signed and exactly why it failed.
//!
//! ```
//! use rensa_trust::key::{KeySpec, PrivateKey};
//! use rensa_trust::policy::{Evidence, ImageName, Policy, SignatureBlob};
//! use rensa_trust::predicate::Timestamp;
//! use rensa_trust::simplesigning::SimpleSigning;
//!
//! let release = PrivateKey::generate(KeySpec::EcdsaP256)?;
//! let pem = release.public_key().to_pem();
//! let text = "version: 1\n\
//!             keys: { release: { path: release.pub } }\n\
//!             default: reject\n\
//!             scopes:\n  - { match: \"registry.local:5000/**\", signatures: { keys: [release] } }\n";
//! let policy = Policy::parse(text, "trust.yaml", &mut |path: &str| {
//!     assert_eq!(path, "release.pub"); // the caller resolves it next to trust.yaml
//!     Ok(pem.clone().into_bytes())
//! })?;
//!
//! let image = ImageName::parse("registry.local:5000/prod/app:v1").unwrap();
//! let digest = format!("sha256:{}", "ab".repeat(32));
//! let payload = SimpleSigning::new(image.full(), digest.clone())?.to_json();
//! let signature = release.sign(&payload)?;
//! let evidence = Evidence { signatures: vec![SignatureBlob { payload, signature }], attestations: vec![] };
//!
//! let now = Timestamp::parse("2026-11-23T12:00:00Z")?;
//! let decision = policy.evaluate(&image, &digest, &evidence, now);
//! assert!(decision.allowed);
//! assert_eq!(decision.requirements[0].signed_by, ["release"]);
//!
//! // The same image from Docker Hub falls to the default.
//! let hub = ImageName::parse("prod/app").unwrap();
//! let decision = policy.evaluate(&hub, &digest, &evidence, now);
//! assert_eq!((decision.allowed, decision.scope.as_str()), (false, "default"));
//! # Ok::<(), rensa_trust::Error>(())
//! ```

mod duration;
mod evaluate;
mod glob;
mod raw;
mod write;

use std::collections::BTreeMap;

use serde::Serialize;

pub use duration::{Duration, format_seconds};
pub use evaluate::{Decision, Evidence, RequirementResult, SignatureBlob, VerifyCache};
pub use glob::{ImageName, Pattern};

use crate::error::Result;
use crate::key::PublicKey;
use crate::predicate::{PredicateKind, Verdict};

/// Signed times further in the future than this (seconds) are refused.
pub const MAX_CLOCK_SKEW: i64 = 300;

/// A parsed, checked trust policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Where the policy came from (file name), for messages.
    pub origin: String,
    /// The named keys.
    pub keys: BTreeMap<String, PolicyKey>,
    /// What applies when no scope matches.
    pub default: Rule,
    /// The scopes, in file order.
    pub scopes: Vec<Scope>,
}

/// A named public key of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyKey {
    /// The key.
    pub public: PublicKey,
    /// Where it came from.
    pub source: KeySource,
}

/// Where a policy key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `path:` as written in the policy.
    Path(String),
    /// `data:` (inline PEM).
    Inline,
}

/// One scope: images matching `pattern` are governed by `rule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The glob.
    pub pattern: Pattern,
    /// What applies.
    pub rule: Rule,
    /// The line of the scope in the policy file (0 when built in code).
    pub line: u64,
}

/// What a scope (or the default) demands.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Refuse every image (an untrusted registry).
    Reject,
    /// Accept every image without signatures (a trusted registry).
    Accept,
    /// Accept only images meeting these requirements.
    Require(Requirements),
}

/// Signatures and stages an image must have.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    /// Signatures required, if any.
    pub signatures: Option<SignatureRequirement>,
    /// Which repository signatures must name.
    pub identity: Identity,
    /// Attested stages required.
    pub stages: Vec<StageRequirement>,
}

/// k of n distinct keys must sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRequirement {
    /// Key names, in policy order.
    pub keys: Vec<String>,
    /// How many distinct keys must sign (1..=keys.len()).
    pub threshold: usize,
}

/// Which repository a signature must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Identity {
    /// The image's own repository.
    Exact,
    /// The image's repository with `prefix` replaced by `signed_prefix` (when it starts with
    /// `prefix`; otherwise unchanged).
    Remap {
        /// Prefix of the image's repository (`HOST[:PORT][/PATH]`).
        prefix: String,
        /// What the signature names instead.
        signed_prefix: String,
    },
}

impl Identity {
    /// The repository (`HOST[:PORT]/PATH`) a signature for `image` must name.
    pub fn expected_reference(&self, image: &ImageName) -> String {
        let full = image.full();
        match self {
            Identity::Exact => full,
            Identity::Remap {
                prefix,
                signed_prefix,
            } => match full.strip_prefix(prefix.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{signed_prefix}{rest}"),
                _ => full,
            },
        }
    }
}

/// One required stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRequirement {
    /// The stage name (for `type: stage`, the predicate's `stage` must equal it).
    pub name: String,
    /// The predicate type.
    pub kind: PredicateKind,
    /// Key names allowed to attest it.
    pub keys: Vec<String>,
    /// How many distinct keys must attest it.
    pub threshold: usize,
    /// The maximum age of the predicate's signed time.
    pub max_age: Option<Duration>,
    /// Conditions on a scan predicate.
    pub require: ScanConditions,
}

/// Conditions a scan predicate must meet (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanConditions {
    /// Upper bounds by count name: `critical` … `unknown` (vulnerabilities) and
    /// `fixable_critical` … `fixable_unknown` (vulnerabilities with a fix).
    pub max_counts: BTreeMap<String, u64>,
    /// Maximum age of the database at scan time.
    pub database_age: Option<Duration>,
    /// The worst verdict allowed.
    pub verdict: Option<Verdict>,
}

impl ScanConditions {
    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.max_counts.is_empty() && self.database_age.is_none() && self.verdict.is_none()
    }
}

impl Policy {
    /// Parses and checks a policy. `origin` names it in errors (`origin:LINE: message`);
    /// `load_key` reads a key's `path` as written in the policy (the caller resolves it relative
    /// to the policy file).
    pub fn parse(
        text: &str,
        origin: &str,
        load_key: &mut dyn FnMut(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Policy> {
        raw::parse(text, origin, load_key)
    }

    /// Reads a trust policy file: rensa's YAML, or a containers-policy.json (recognised as a JSON
    /// object with a `default` list; see [`crate::containers_policy`]). Key paths are relative to the
    /// policy file. Returns the policy and notes about what an import approximated.
    pub fn read(path: &std::path::Path) -> Result<(Policy, Vec<String>)> {
        let read_error = |source| crate::Error::PolicyRead {
            path: path.to_path_buf(),
            source,
        };
        let data = std::fs::read(path).map_err(read_error)?;
        let base = path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let mut load_key = |p: &str| std::fs::read(base.join(p));
        let origin = path.display().to_string();
        if crate::containers_policy::looks_like(&data) {
            let imported = crate::containers_policy::import(&data, &origin, &mut load_key)?;
            return Ok((imported.policy, imported.notes));
        }
        let text = String::from_utf8(data).map_err(|_| {
            read_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8 text",
            ))
        })?;
        Ok((Policy::parse(&text, &origin, &mut load_key)?, Vec::new()))
    }

    /// The scope that governs `image`: the most specific matching one, or `None` for the default.
    pub fn scope_for(&self, image: &ImageName) -> Option<&Scope> {
        let name = image.full();
        let mut matching: Vec<&Scope> = self.scopes.iter().filter(|s| s.pattern.matches(&name)).collect();
        matching.sort_by(|a, b| a.pattern.specificity_cmp(&b.pattern));
        matching.first().copied()
    }

    /// Decides whether `image` at `digest` is trusted given `evidence`, as of `now`.
    pub fn evaluate(
        &self,
        image: &ImageName,
        digest: &str,
        evidence: &Evidence,
        now: crate::predicate::Timestamp,
    ) -> Decision {
        evaluate::evaluate(self, image, digest, evidence, now, None)
    }

    /// [`Policy::evaluate`] with signature checks remembered in `cache` (the same decision, faster
    /// when the same evidence is seen again).
    pub fn evaluate_cached(
        &self,
        image: &ImageName,
        digest: &str,
        evidence: &Evidence,
        now: crate::predicate::Timestamp,
        cache: &VerifyCache,
    ) -> Decision {
        evaluate::evaluate(self, image, digest, evidence, now, Some(cache))
    }
}
