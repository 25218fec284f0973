//! `/mutate`: container images referenced by tag are pinned to the digest the tag points to now, so what
//! was admitted is what runs. Digests come from a [`DigestResolver`] (the registry by default,
//! [`RegistryResolver`]), cached for a while ([`CachedResolver`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rensa_oci::{Digest, RegistryRef, Repository};
use rensa_policy::deploy::objects::Object;
use serde_json::{Value, json};

use crate::config::RegistryConfig;
use crate::{Error, Result};

/// Finds the manifest digest an image tag points to.
pub trait DigestResolver: Send + Sync {
    /// The digest of `image` (a reference with a tag, or none: `latest`).
    fn resolve(&self, image: &RegistryRef) -> Result<Digest>;
}

/// Asks the registry (`GET /v2/REPO/manifests/TAG`) with rensa-oci.
#[derive(Debug, Clone)]
pub struct RegistryResolver {
    config: RegistryConfig,
}

impl RegistryResolver {
    /// A resolver using `config` (insecure registries, CA file, credentials, timeout).
    pub fn new(config: RegistryConfig) -> RegistryResolver {
        RegistryResolver { config }
    }
}

impl DigestResolver for RegistryResolver {
    fn resolve(&self, image: &RegistryRef) -> Result<Digest> {
        let error = |message: String| Error::Resolve {
            image: image.to_string(),
            message,
        };
        let options = self.config.options_for(&image.registry);
        let repository = Repository::open(image, &options).map_err(|e| error(e.to_string()))?;
        match repository.manifest(&image.reference()) {
            Ok(Some(manifest)) => Ok(manifest.digest),
            Ok(None) => Err(error("the registry has no such tag".into())),
            Err(e) => Err(error(e.to_string())),
        }
    }
}

/// The digests the image verifier checked (`images.trust_policy` / `images.max_age`): pinning to them
/// makes the cluster run exactly what was verified. The verifier caches by tag and digest itself.
pub struct VerifiedResolver(pub std::sync::Arc<rensa_policy::deploy::verify::RegistryVerifier>);

impl DigestResolver for VerifiedResolver {
    fn resolve(&self, image: &RegistryRef) -> Result<Digest> {
        use rensa_policy::deploy::verify::ImageVerifier as _;
        let error = |message: String| Error::Resolve {
            image: image.to_string(),
            message,
        };
        let verified = self.0.verify(&image.to_string()).map_err(error)?;
        verified
            .digest
            .parse()
            .map_err(|e: rensa_oci::Error| error(e.to_string()))
    }
}

/// Remembers resolved digests for `ttl` (failures are not remembered).
pub struct CachedResolver<R> {
    inner: R,
    ttl: Duration,
    entries: Mutex<HashMap<String, (Digest, Instant)>>,
}

impl<R: DigestResolver> CachedResolver<R> {
    /// Caches `inner`'s answers for `ttl`.
    pub fn new(inner: R, ttl: Duration) -> CachedResolver<R> {
        CachedResolver {
            inner,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<R: DigestResolver> DigestResolver for CachedResolver<R> {
    fn resolve(&self, image: &RegistryRef) -> Result<Digest> {
        let key = image.to_string();
        let now = Instant::now();
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((digest, at)) = entries.get(&key)
                && now.duration_since(*at) < self.ttl
            {
                return Ok(digest.clone());
            }
        }
        let digest = self.inner.resolve(image)?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, at)| now.duration_since(*at) < self.ttl);
        entries.insert(key, (digest.clone(), now));
        Ok(digest)
    }
}

/// The container lists of a pod spec, in the order they are pinned.
const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// An image that needs pinning: where it is (a JSON pointer) and the reference as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpinned {
    /// `/spec/template/spec/containers/0/image`.
    pub pointer: String,
    /// The reference as written in the object.
    pub image: String,
}

/// Every container image of a workload's pod template that is referenced without a digest.
pub fn unpinned(object: &Object) -> Vec<Unpinned> {
    let Some(template) = object.pod_template() else {
        return Vec::new();
    };
    let base = format!("/{}", template.spec_path.replace('.', "/"));
    let mut out = Vec::new();
    for list in CONTAINER_LISTS {
        let Some(containers) = template.spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            if let Some(image) = c.get("image").and_then(Value::as_str)
                && !image.contains('@')
            {
                out.push(Unpinned {
                    pointer: format!("{base}/{list}/{i}/image"),
                    image: image.to_string(),
                });
            }
        }
    }
    out
}

/// Resolves every unpinned image and returns the JSON patch (`replace` operations), or the first
/// failure. An empty list means nothing to change.
pub fn pin(object: &Object, resolver: &dyn DigestResolver) -> Result<Vec<Value>> {
    let mut patch = Vec::new();
    for u in unpinned(object) {
        let reference = RegistryRef::parse(&u.image).map_err(|e| Error::Resolve {
            image: u.image.clone(),
            message: e.to_string(),
        })?;
        let digest = resolver.resolve(&reference)?;
        patch.push(json!({
            "op": "replace",
            "path": u.pointer,
            "value": format!("{}@{digest}", u.image),
        }));
    }
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rensa_policy::deploy::objects::parse_manifests;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    impl DigestResolver for Counting {
        fn resolve(&self, image: &RegistryRef) -> Result<Digest> {
            self.0.fetch_add(1, Ordering::SeqCst);
            if image.repository.ends_with("missing") {
                return Err(Error::Resolve {
                    image: image.to_string(),
                    message: "no".into(),
                });
            }
            Ok(Digest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap())
        }
    }

    #[test]
    fn pins_every_container_list_and_caches() {
        let text = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: i, image: 'reg.local:5000/a/init:1'}]\n          containers:\n            - {name: a, image: nginx}\n            - {name: b, image: 'reg.local/x@sha256:0000000000000000000000000000000000000000000000000000000000000000'}\n            - {name: d, image: nginx}\n";
        let object = parse_manifests(text, "c.yaml").unwrap().remove(0);
        let resolver = CachedResolver::new(Counting(AtomicUsize::new(0)), Duration::from_secs(60));
        let patch = pin(&object, &resolver).unwrap();
        let digest = format!("sha256:{}", "ab".repeat(32));
        let base = "/spec/jobTemplate/spec/template/spec";
        assert_eq!(
            Value::Array(patch),
            json!([
                {"op": "replace", "path": format!("{base}/initContainers/0/image"), "value": format!("reg.local:5000/a/init:1@{digest}")},
                {"op": "replace", "path": format!("{base}/containers/0/image"), "value": format!("nginx@{digest}")},
                {"op": "replace", "path": format!("{base}/containers/2/image"), "value": format!("nginx@{digest}")},
            ])
        );
        // nginx twice, resolved once.
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn failures_are_errors_and_not_cached() {
        let text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'reg.local/missing:1'}]\n";
        let object = parse_manifests(text, "p.yaml").unwrap().remove(0);
        let resolver = CachedResolver::new(Counting(AtomicUsize::new(0)), Duration::from_secs(60));
        for _ in 0..2 {
            assert_eq!(
                pin(&object, &resolver).unwrap_err().to_string(),
                "cannot resolve the digest of reg.local/missing:1: no"
            );
        }
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 2);
        let bad = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'Bad Image'}]\n";
        let object = parse_manifests(bad, "p.yaml").unwrap().remove(0);
        assert!(
            pin(&object, &resolver)
                .unwrap_err()
                .to_string()
                .starts_with("cannot resolve the digest of Bad Image: ")
        );
    }
}
