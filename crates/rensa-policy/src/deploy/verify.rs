//! Image verification at admission: what the registry proves about each image (`images.trust_policy`,
//! `images.max_age`), behind the [`ImageVerifier`] trait so that the gate itself does no IO.
//!
//! [`RegistryVerifier`] is the real one: it resolves a tag to its digest, reads the cosign
//! signatures and attestations stored beside the image, evaluates the trust policy and reads the
//! image's build time. Results are remembered by digest, and a tag's digest by tag, for the
//! policy's `cache_ttl`, so that a busy admission webhook asks the registry once per image and TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rensa_oci::RegistryOptions;
use rensa_trust::policy::{Policy, VerifyCache};
use rensa_trust::predicate::Timestamp;
use rensa_trust::registry;

/// What a verifier established about one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedImage {
    /// The manifest digest the reference resolved to (`sha256:…`).
    pub digest: String,
    /// The image's build time, when the verifier was asked for it and the config has one.
    pub created: Option<Timestamp>,
    /// Whether the trust policy holds (true when there is none).
    pub trusted: bool,
    /// Why it is not trusted: one line per failed requirement.
    pub reasons: Vec<String>,
}

/// Verifies images for the gate. An `Err` (registry unreachable, unreadable answer) makes the gate
/// deny with `image-verification-failed`.
pub trait ImageVerifier: Send + Sync {
    /// Verifies `image` as written in the manifest (`HOST/REPO:TAG`, `…@sha256:…`).
    fn verify(&self, image: &str) -> Result<VerifiedImage, String>;
}

/// What is wrong with an image after verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The trust policy rejects it.
    NotTrusted,
    /// Older than `images.max_age`, or of unknown age.
    TooOld,
    /// It could not be verified at all.
    Failed,
}

/// Verifies `image` as `cfg` asks (nothing when it asks for no verification) and says what is wrong,
/// each problem with a message that starts with the image reference.
pub(crate) fn judge(
    image: &str,
    cfg: &super::config::Images,
    verifier: Option<&dyn ImageVerifier>,
    now: Timestamp,
) -> Vec<(Problem, String)> {
    if !cfg.needs_registry() {
        return Vec::new();
    }
    let result = match verifier {
        Some(v) => v.verify(image),
        None => Err("no image verifier is configured (the registry is not reachable from here)".into()),
    };
    let verified = match result {
        Ok(v) => v,
        Err(e) => return vec![(Problem::Failed, format!("cannot verify {image}: {e}"))],
    };
    let mut out = Vec::new();
    if !verified.trusted {
        let policy = cfg
            .trust_policy
            .as_ref()
            .map_or(String::new(), |p| format!(" {}", p.path.display()));
        out.push((
            Problem::NotTrusted,
            format!(
                "{image} ({}), which the trust policy{policy} rejects: {}",
                verified.digest,
                verified.reasons.join("; ")
            ),
        ));
    }
    if let Some(max) = cfg.max_age {
        match verified.created {
            None => out.push((
                Problem::TooOld,
                format!(
                    "{image} ({}), whose config has no build time (`created`): its age cannot be proven",
                    verified.digest
                ),
            )),
            Some(created) if now.seconds() - created.seconds() > max.seconds() => out.push((
                Problem::TooOld,
                format!(
                    "{image} ({}), built {} ({} ago); the policy allows {}",
                    verified.digest,
                    created,
                    rensa_trust::policy::format_seconds(now.seconds() - created.seconds()),
                    rensa_trust::policy::format_seconds(max.seconds())
                ),
            )),
            Some(_) => {}
        }
    }
    out
}

/// Most entries kept per cache; beyond it expired entries are dropped, then everything.
const CACHE_CAPACITY: usize = 10_000;

struct Entry<T> {
    value: T,
    at: Instant,
}

/// A map whose entries expire.
struct TtlCache<T> {
    ttl: Duration,
    map: Mutex<HashMap<String, Entry<T>>>,
}

impl<T: Clone> TtlCache<T> {
    fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &str) -> Option<T> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|e| e.at.elapsed() < self.ttl)
            .map(|e| e.value.clone())
    }

    fn put(&self, key: String, value: T) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_CAPACITY {
            let ttl = self.ttl;
            map.retain(|_, e| e.at.elapsed() < ttl);
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
        }
        map.insert(
            key,
            Entry {
                value,
                at: Instant::now(),
            },
        );
    }
}

/// How to reach a registry (`HOST[:PORT]`).
pub type OptionsFor = dyn Fn(&str) -> RegistryOptions + Send + Sync;

/// Verifies images against their registry, with results cached by digest.
pub struct RegistryVerifier {
    trust: Option<Arc<Policy>>,
    want_created: bool,
    options: Box<OptionsFor>,
    digests: TtlCache<String>,
    results: TtlCache<VerifiedImage>,
    signatures: VerifyCache,
}

impl RegistryVerifier {
    /// A verifier for `images` (its trust policy, whether build times are needed, the cache TTL),
    /// reaching registries with `options`.
    pub fn new(images: &super::config::Images, options: RegistryOptions) -> RegistryVerifier {
        RegistryVerifier::per_registry(images, move |_| options.clone())
    }

    /// [`RegistryVerifier::new`] with options chosen per registry (`HOST[:PORT]`), e.g. plain HTTP
    /// for some of them.
    pub fn per_registry(
        images: &super::config::Images,
        options: impl Fn(&str) -> RegistryOptions + Send + Sync + 'static,
    ) -> RegistryVerifier {
        let ttl = Duration::from_secs(images.cache_ttl.seconds().max(0) as u64);
        RegistryVerifier {
            trust: images.trust_policy.as_ref().map(|t| t.policy.clone()),
            want_created: images.max_age.is_some(),
            options: Box::new(options),
            digests: TtlCache::new(ttl),
            results: TtlCache::new(ttl),
            signatures: VerifyCache::new(4096),
        }
    }

    fn verify_uncached(&self, image: &str) -> Result<VerifiedImage, String> {
        let text = image.strip_prefix("docker://").unwrap_or(image);
        let name = rensa_trust::policy::ImageName::parse(text)
            .ok_or_else(|| format!("{image:?} is not an image reference"))?;
        // A digest already known (from the reference or the tag cache) is looked up by digest, so
        // the cache key is the repository and digest.
        let known = pinned_digest(text)
            .map(str::to_owned)
            .or_else(|| self.digests.get(text));
        if let Some(digest) = &known
            && let Some(hit) = self.results.get(&format!("{}@{digest}", name.full()))
        {
            return Ok(hit);
        }
        let by = match &known {
            Some(d) => format!("{}@{d}", text.split('@').next().unwrap_or(text)),
            None => text.to_owned(),
        };
        let resolved = registry::resolve(&by, &(self.options)(&name.registry)).map_err(|e| e.to_string())?;
        if known.is_none() {
            self.digests.put(text.to_owned(), resolved.digest.clone());
        }
        let key = format!("{}@{}", resolved.name.full(), resolved.digest);
        if let Some(hit) = self.results.get(&key) {
            return Ok(hit);
        }
        let (trusted, reasons) = match &self.trust {
            None => (true, Vec::new()),
            Some(policy) => {
                let (evidence, _warnings) = registry::evidence(&resolved).map_err(|e| e.to_string())?;
                let d = policy.evaluate_cached(
                    &resolved.name,
                    &resolved.digest,
                    &evidence,
                    Timestamp::now(),
                    &self.signatures,
                );
                let reasons = d
                    .requirements
                    .iter()
                    .filter(|r| !r.passed)
                    .map(|r| match r.reasons.as_slice() {
                        [] => format!("{}: {}", r.name, r.summary),
                        more => format!("{}: {}", r.name, more.join("; ")),
                    })
                    .collect();
                (d.allowed, reasons)
            }
        };
        let created = if self.want_created {
            registry::created(&resolved).map_err(|e| e.to_string())?
        } else {
            None
        };
        let result = VerifiedImage {
            digest: resolved.digest.clone(),
            created,
            trusted,
            reasons,
        };
        self.results.put(key, result.clone());
        Ok(result)
    }
}

impl ImageVerifier for RegistryVerifier {
    fn verify(&self, image: &str) -> Result<VerifiedImage, String> {
        self.verify_uncached(image)
    }
}

/// The `sha256:…` of a reference pinned by digest.
fn pinned_digest(image: &str) -> Option<&str> {
    image
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| d.starts_with("sha256:") && d.len() == 71)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_cache_expires_and_bounds() {
        let c = TtlCache::new(Duration::from_secs(60));
        c.put("a".into(), 1);
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.get("b"), None);
        let zero = TtlCache::new(Duration::ZERO);
        zero.put("a".into(), 1);
        assert_eq!(zero.get("a"), None);
        for i in 0..CACHE_CAPACITY + 5 {
            c.put(i.to_string(), i);
        }
        assert!(c.map.lock().unwrap().len() <= CACHE_CAPACITY);
    }

    #[test]
    fn pinned_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(pinned_digest(&format!("r/x@{d}")), Some(d.as_str()));
        assert_eq!(pinned_digest("r/x:1"), None);
        assert_eq!(pinned_digest("r/x@sha256:abc"), None);
    }
}
