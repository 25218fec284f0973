//! rensa-trust: the pure, IO-free core of signing and attestation.
//!
//! - [`key`]: cosign key files (encrypted `cosign.key`, `cosign.pub`), key generation, signing
//!   and verification with ECDSA P-256, Ed25519 and RSA as cosign does it.
//! - [`simplesigning`]: the "simple signing" payload cosign signs for a container image.
//! - [`dsse`]: DSSE envelopes (pre-authentication encoding, signing, verification).
//! - [`intoto`]: in-toto Statement v1, the payload of attestations.
//!
//! Nothing here reads files or talks to a registry: callers hand in bytes and get typed values
//! or an [`Error`] naming what is wrong.

pub mod dsse;
pub mod error;
pub mod intoto;
pub mod key;
pub mod simplesigning;

pub use error::{Error, Result};
