//! Image compliance checks for rensa: the reasons other than vulnerable packages that a security team
//! blocks an image. Remote login and weak passwords ([`password`]), the password-policy and
//! misconfiguration baseline ([`config`]), embedded secrets ([`secret`]) and malware ([`malware`]).
//!
//! Every check produces [`Finding`]s with a stable kebab-case rule id (a public contract, see
//! [`rule`]), a severity, what the state is (`detail`), why it matters and how to fix it
//! (`remediation`), where it is (`path`, `layer`) and the standards it maps to (`references`: CIS Docker
//! Benchmark, NIST SP 800-190, ISO/IEC 27001 Annex A).
//!
//! The checks read the image through `rensa-oci`'s walk: files whose whole content a check needs
//! (`/etc/shadow`, `sshd_config`, …) are kept in the merged [`rensa_oci::FileTree`]; secret and malware
//! scanning run on every file's content while the layer is streamed, so no second pass over the image
//! is needed.

pub mod config;
pub mod error;
pub mod finding;
pub mod malware;
pub mod password;
pub mod rule;
pub mod scan;
pub mod secret;

pub use error::{Error, Result};
pub use finding::{Category, Finding, Severity};
pub use scan::{ChecksOptions, ImageChecks, Scanners};
