//! Suppressions: entries of an ignore file (each with a reason and an optional expiry) and OpenVEX
//! statements that take findings out of a scan's results. A suppressed finding is not dropped silently:
//! it is kept, with where the suppression came from and why, so reports can show it (SARIF
//! `suppressions`, CycloneDX `analysis`, the json `suppressed` array).

use serde::{Deserialize, Serialize};

use crate::matcher::Finding;

/// Where a suppression comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// An entry of an ignore file (`--ignore-file`).
    IgnoreFile,
    /// An OpenVEX statement (`--vex`) with status `not_affected` or `fixed`.
    Openvex,
}

/// A finding taken out of the results, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The finding as the matcher reported it.
    pub finding: Finding,
    /// Ignore file or OpenVEX.
    pub origin: Origin,
    /// The file the suppression was read from.
    pub file: String,
    /// For OpenVEX: the statement's status (`not_affected`, `fixed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_status: Option<String>,
    /// For OpenVEX: the justification (`vulnerable_code_not_present`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The reason given (ignore file `reason`, OpenVEX `impact_statement` or status notes).
    pub reason: String,
    /// The date (YYYY-MM-DD) after which an ignore entry no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}
