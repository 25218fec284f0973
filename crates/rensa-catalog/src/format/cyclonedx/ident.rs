//! Identifiers derived from content: document serial numbers, `bom-ref`s and SPDX ids are hashes of what
//! they name, so the same SBOM always gets the same identifiers and no randomness is involved.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::package::Package;
use crate::sbom::Sbom;

/// SHA-256 over `parts`, each followed by a NUL byte so that `("ab", "c")` and `("a", "bc")` differ.
pub(crate) fn hash_parts(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

/// The first `len` hex digits of [`hash_parts`].
pub(crate) fn short_hash(parts: &[&str], len: usize) -> String {
    let mut s = hex::encode(hash_parts(parts));
    s.truncate(len);
    s
}

/// A name-based UUID (version 5 layout, SHA-256 instead of SHA-1) of the whole SBOM content under
/// `domain`, as `xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx`.
pub(crate) fn content_uuid(domain: &str, sbom: &Sbom) -> String {
    // The model serializes with fixed field order and sorted maps; packages are put in their order.
    let mut sorted = sbom.clone();
    sorted.packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let content = serde_json::to_string(&sorted).unwrap_or_default();
    let mut b = hash_parts(&[domain, &content]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(&b[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The identity of a package within one SBOM: what two distinct packages never share.
pub(crate) fn package_key(p: &Package) -> [u8; 32] {
    hash_parts(&[
        p.ecosystem.purl_type(),
        &p.name,
        &p.version,
        &p.purl,
        &p.location,
        p.arch.as_deref().unwrap_or(""),
    ])
}

/// Hands out identifiers, appending `-2`, `-3`, … when a candidate is already taken.
#[derive(Default)]
pub(crate) struct Unique {
    taken: BTreeSet<String>,
}

impl Unique {
    /// Reserves `candidate` or the first free numbered variant of it.
    pub(crate) fn claim(&mut self, candidate: String) -> String {
        let mut id = candidate.clone();
        let mut n = 2;
        while self.taken.contains(&id) {
            id = format!("{candidate}-{n}");
            n += 1;
        }
        self.taken.insert(id.clone());
        id
    }
}
