//! The finding model shared by every check (the `findings` array of `rensa scan`'s json output).

use serde::{Deserialize, Serialize};

/// Which scanner a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Configuration: remote login, passwords, baseline, image config.
    Config,
    /// An embedded secret.
    Secret,
    /// Malware (YARA rule or known-bad hash).
    Malware,
}

impl Category {
    /// The name used on the command line (`--scanners config,secret,malware`) and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Config => "config",
            Category::Secret => "secret",
            Category::Malware => "malware",
        }
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// An inventory item, not a problem by itself (`setuid-binary`).
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The lower-case name (`critical`, …, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in an image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// The rule id (`remote-login-enabled`, `secret-aws-access-key`, `malware`): a public contract.
    pub id: String,
    /// The scanner.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// One line: what is wrong.
    pub title: String,
    /// The state found and why it matters (secret values masked).
    pub detail: String,
    /// How to fix it.
    pub remediation: String,
    /// The file concerned, if any (absolute path in the image).
    pub path: Option<String>,
    /// The layer (index, base first) that holds the file or introduced the setting, if known.
    pub layer: Option<usize>,
    /// Standards and documents: `CIS Docker Benchmark 4.1`, `NIST SP 800-190 3.1.4`, `ISO/IEC 27001:2022 A.8.5`, URLs.
    pub references: Vec<String>,
}
