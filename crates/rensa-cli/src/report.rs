//! The results of `rensa scan` and their output formats. Every format is written from one [`Report`], so
//! they all say the same thing.

use anyhow::Result;
use clap::ValueEnum;
use rensa_catalog::Sbom;
use rensa_vulndb::advisory::Status;
use rensa_vulndb::matcher::{Finding, NotAffected};
use rensa_vulndb::suppress::Suppressed;

/// The output formats of `rensa scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for people, grouped by package.
    Table,
    /// rensa's own JSON document.
    Json,
}

/// What a scan found.
pub struct Report {
    /// The packages of the image (or SBOM), with the image and OS.
    pub sbom: Sbom,
    /// The vulnerabilities reported (after severity, fix and suppression filters), sorted by package then id.
    pub vulnerabilities: Vec<Finding>,
    /// Vulnerabilities a distribution declares not to affect a package.
    pub not_affected: Vec<NotAffected>,
    /// Findings taken out by an ignore file or OpenVEX, with why.
    pub suppressed: Vec<Suppressed>,
    /// Warnings for the user (no database, an old database, advisories that could not be evaluated).
    pub warnings: Vec<String>,
}

/// Writes `report` in `format`.
pub fn render(report: &Report, format: ReportFormat) -> Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Table => table(report).into_bytes(),
        ReportFormat::Json => json(report)?,
    })
}

fn json(report: &Report) -> Result<Vec<u8>> {
    let doc = serde_json::json!({
        "artifact": report.sbom.image,
        "os": report.sbom.distro,
        "packages": report.sbom.packages,
        "vulnerabilities": report.vulnerabilities,
        "not_affected": report.not_affected,
        "suppressed": report.suppressed,
        "warnings": report.warnings,
    });
    let mut v = serde_json::to_vec_pretty(&doc)?;
    v.push(b'\n');
    Ok(v)
}

fn table(report: &Report) -> String {
    let sbom = &report.sbom;
    let findings = &report.vulnerabilities;
    let notes = &report.warnings;
    let mut out = format!("{}\n", sbom.image.name);
    if let Some(d) = &sbom.distro {
        out.push_str(&format!(
            "OS: {}\n",
            d.pretty_name.clone().unwrap_or_else(|| d.purl_qualifier())
        ));
    }
    let mut by_severity = std::collections::BTreeMap::new();
    for f in findings {
        *by_severity.entry(f.severity).or_insert(0usize) += 1;
    }
    let counts: Vec<String> = by_severity
        .iter()
        .rev()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect();
    out.push_str(&format!(
        "{} packages, {} vulnerabilities{}\n\n",
        sbom.packages.len(),
        findings.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        }
    ));
    let header = [
        "PACKAGE",
        "VERSION",
        "VULNERABILITY",
        "SEVERITY",
        "STATUS",
        "FIXED IN",
        "VECTOR",
    ];
    let rows: Vec<[String; 7]> = findings
        .iter()
        .map(|f| {
            let status = match f.status {
                Status::Fixed => "fixed",
                Status::Unfixed => "unfixed",
                Status::WillNotFix => "will-not-fix",
                Status::NotAffected => "not-affected",
            };
            let vector = match (f.attack_vector, f.attack_complexity) {
                (Some(v), Some(c)) => format!("{}/{}", v.as_str(), c.as_str()),
                _ => String::new(),
            };
            [
                f.package.name.clone(),
                f.package.version.clone(),
                f.id.clone(),
                f.severity.to_string(),
                status.to_string(),
                f.fixed_version.clone().unwrap_or_default(),
                vector,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    if !rows.is_empty() {
        out.push_str(&line(header.to_vec()));
        for r in &rows {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
        }
    }
    if !report.not_affected.is_empty() {
        out.push_str(&format!(
            "\n{} vulnerabilities the distribution declares not to affect these packages\n",
            report.not_affected.len()
        ));
    }
    for n in notes {
        out.push_str(&format!("warning: {n}\n"));
    }
    out
}
