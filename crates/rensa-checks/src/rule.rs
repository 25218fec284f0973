//! Rule metadata: every rule id rensa can report, with its category, default severity, why it matters,
//! how to fix it and its references. The ids are a public contract: never rename one.

use crate::finding::{Category, Severity};

/// The fixed description of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable kebab-case id.
    pub id: &'static str,
    /// The scanner.
    pub category: Category,
    /// The default severity (a check may raise or lower it for a particular finding, and says why).
    pub severity: Severity,
    /// One line: what the rule looks for.
    pub title: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
    /// CIS Docker Benchmark / NIST SP 800-190 / ISO/IEC 27001 Annex A references.
    pub references: &'static [&'static str],
}
