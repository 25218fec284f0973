//! rensa-trust: the pure, IO-free core of signing and attestation.
//!
//! - [`key`]: cosign key files (encrypted `cosign.key`, `cosign.pub`), key generation, signing
//!   and verification with ECDSA P-256, Ed25519 and RSA as cosign does it.
//! - [`simplesigning`]: the "simple signing" payload cosign signs for a container image.
//! - [`cosign`]: where cosign keeps signatures (`sha256-HEX.sig`) and attestations (`.att`) in a
//!   registry, and the manifests that hold them.
//! - [`dsse`]: DSSE envelopes (pre-authentication encoding, signing, verification).
//! - [`intoto`]: in-toto Statement v1, the payload of attestations.
//! - [`predicate`]: the predicate types rensa attests (scan result, stage result, CycloneDX SBOM,
//!   SLSA provenance v1), their `predicateType` URIs and signed times.
//! - [`policy`]: the trust policy (YAML) with scopes by registry/repository glob, k-of-n distinct
//!   signing keys, identity remapping and attested stages, and its evaluation into a decision.
//! - [`containers_policy`]: import and export of the subset of containers-policy.json (podman,
//!   CRI-O, skopeo) that maps onto a trust policy.
//!
//! - `registry` (cargo feature `registry`): resolving an image in a registry, collecting its
//!   signatures and attestations as [`policy::Evidence`], and its build time.
//!
//! Apart from [`policy::Policy::read`] and the `registry` module, nothing here reads files or talks
//! to a registry: callers hand in bytes and get typed values or an [`Error`] naming what is wrong.
//!
//! ```
//! use rensa_trust::key::{generate_key_files, EncryptOptions, KeySpec, PrivateKey, PublicKey};
//! use rensa_trust::simplesigning::SimpleSigning;
//!
//! // `rensa key generate PREFIX`: the texts of PREFIX.key and PREFIX.pub.
//! let (_, files) = generate_key_files(KeySpec::EcdsaP256, b"pw", EncryptOptions::default())?;
//!
//! // `rensa sign`: the payload cosign signs, and the signature for its annotation.
//! let key = PrivateKey::from_encrypted_pem(files.private_pem.as_bytes(), b"pw")?;
//! let digest = format!("sha256:{}", "ab".repeat(32));
//! let payload = SimpleSigning::new("registry.example/app", digest)?.to_json();
//! let signature = key.sign(&payload)?;
//!
//! // `rensa verify`: check the signature first, then read the payload.
//! let public = PublicKey::from_pem(files.public_pem.as_bytes())?;
//! let verified = SimpleSigning::verify(&public, &payload, &signature)?;
//! assert_eq!(verified.docker_reference, "registry.example/app");
//! # Ok::<(), rensa_trust::Error>(())
//! ```

pub mod containers_policy;
pub mod cosign;
pub mod dsse;
pub mod error;
pub mod intoto;
pub mod key;
pub mod policy;
pub mod predicate;
#[cfg(feature = "registry")]
pub mod registry;
pub mod simplesigning;

pub use error::{Error, Result};
