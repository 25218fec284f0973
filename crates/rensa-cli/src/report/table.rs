//! The `table` format: a summary, then one block per package with its vulnerabilities (most severe
//! first), then one section per category of image findings (Configuration, Secrets, Malware), then the
//! policy's verdict, then the warnings. Columns are sized to their contents and long cells are
//! shortened, so a report stays readable in 120 columns.
//!
//! An image finding is one line (severity, rule id, path and layer, title) followed by its detail and
//! `fix: REMEDIATION`, wrapped at 120 columns; findings are sorted by severity (critical first), then id,
//! then path. Nothing of a finding's text is shortened: it must say what is wrong, why it matters and how
//! to fix it.

use std::collections::BTreeMap;
use std::fmt::Write;

use rensa_checks::{Category, Finding as CheckFinding};
use rensa_policy::scan::{Decision, Verdict};
use rensa_vulndb::advisory::Status;
use rensa_vulndb::matcher::{Finding, FindingPackage};
use rensa_vulndb::severity::Rating;

use super::{Report, excepted_line, packages_of, reason_line, status_name, unique};

/// The widest a cell may be, per column (id, fixed-in, aliases); longer cells end in `…`.
const MAX_ID: usize = 24;
const MAX_FIXED: usize = 28;
const MAX_ALIASES: usize = 34;

/// Renders the table.
pub fn render(report: &Report) -> String {
    let sbom = &report.sbom;
    let mut out = String::new();
    let _ = writeln!(out, "{}", sbom.image.name);
    if let Some(d) = &sbom.distro {
        let _ = writeln!(
            out,
            "OS: {}",
            d.pretty_name.clone().unwrap_or_else(|| d.purl_qualifier())
        );
    }
    // A package installed in two places gives the same finding twice: list it once.
    let findings = unique(&report.vulnerabilities, |f| (f.id.as_str(), &f.package));
    let mut by_severity: BTreeMap<Rating, usize> = Rating::ALL.iter().map(|r| (*r, 0)).collect();
    for f in &findings {
        *by_severity.entry(f.severity).or_default() += 1;
    }
    let counts: Vec<String> = Rating::ALL
        .iter()
        .map(|r| format!("{} {r}", by_severity[r]))
        .collect();
    let _ = writeln!(
        out,
        "{} packages, {} vulnerabilities: {}",
        sbom.packages.len(),
        findings.len(),
        counts.join(", ")
    );
    if !report.findings.is_empty() {
        let count = |c: Category| report.findings.iter().filter(|f| f.category == c).count();
        let _ = writeln!(
            out,
            "{} image findings: {} config, {} secret, {} malware",
            report.findings.len(),
            count(Category::Config),
            count(Category::Secret),
            count(Category::Malware)
        );
    }
    if !report.not_affected.is_empty() {
        let _ = writeln!(
            out,
            "{} not affected (declared by the distribution)",
            report.not_affected.len()
        );
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{} suppressed by ignore file / VEX: see --format json",
            report.suppressed.len()
        );
    }

    // One block per package, packages in the report's order (sorted by package).
    let mut blocks: Vec<(&FindingPackage, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match blocks.iter_mut().find(|(p, _)| **p == f.package) {
            Some((_, v)) => v.push(f),
            None => blocks.push((&f.package, vec![f])),
        }
    }
    let header = [
        "SEVERITY",
        "ID",
        "STATUS",
        "FIXED IN",
        "ATTACK (AV/AC)",
        "ALIASES",
    ];
    let rows: Vec<Vec<[String; 6]>> = blocks
        .iter_mut()
        .map(|(_, findings)| {
            findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
            findings.iter().map(|f| row(f)).collect()
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in rows.iter().flatten() {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("    {}\n", padded.join("  ").trim_end())
    };
    for ((p, _), rows) in blocks.iter().zip(&rows) {
        out.push('\n');
        let mut title = format!("{} {}", p.name, p.version);
        if let Some(s) = &p.source_name {
            let _ = write!(title, " (source package {s})");
        }
        let layers: Vec<String> = {
            let mut l: Vec<usize> = packages_of(sbom, p).iter().filter_map(|q| q.layer).collect();
            l.sort_unstable();
            l.dedup();
            l.iter().map(usize::to_string).collect()
        };
        if !layers.is_empty() {
            let _ = write!(title, ", layer {}", layers.join(", "));
        }
        let _ = writeln!(out, "{title}");
        let _ = writeln!(out, "  {}", p.purl);
        out.push_str(&line(&header));
        for r in rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            out.push_str(&line(&cells));
        }
    }
    for (category, heading) in [
        (Category::Config, "Configuration"),
        (Category::Secret, "Secrets"),
        (Category::Malware, "Malware"),
    ] {
        let mut list: Vec<&CheckFinding> = report
            .findings
            .iter()
            .filter(|f| f.category == category)
            .collect();
        if list.is_empty() {
            continue;
        }
        list.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.layer.cmp(&b.layer))
        });
        out.push('\n');
        let _ = writeln!(out, "{heading}");
        for f in list {
            check_finding(&mut out, f);
        }
    }
    if let Some(v) = &report.verdict {
        out.push('\n');
        verdict(&mut out, v);
    }
    if !report.warnings.is_empty() {
        out.push('\n');
    }
    for n in &report.warnings {
        out.push_str(&wrap(&format!("warning: {n}"), WIDTH, "         "));
    }
    out
}

/// The width the table keeps to (except for single words longer than that: purls, paths).
const WIDTH: usize = 120;

/// `text` word-wrapped at `width` columns, continuation lines starting with `indent`; each line ends
/// in a newline.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > indent.len() && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
        } else if !line.is_empty() && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The indent of a finding's detail and fix lines (under its rule id).
const FINDING_INDENT: &str = "            ";

/// One image finding: `  SEVERITY  ID  PATH (layer N)  TITLE`, then its detail and fix.
fn check_finding(out: &mut String, f: &CheckFinding) {
    let place = match (&f.path, f.layer) {
        (Some(p), Some(l)) => format!("{p} (layer {l})"),
        (Some(p), None) => p.clone(),
        (None, Some(l)) => format!("(layer {l})"),
        (None, None) => "-".to_string(),
    };
    let head = format!("{:<8}  {}  {place}  {}", f.severity.as_str(), f.id, f.title);
    out.push_str(&wrap_from("  ", &head, WIDTH, FINDING_INDENT));
    for text in [
        f.detail.trim().to_string(),
        format!("fix: {}", f.remediation.trim()),
    ] {
        out.push_str(&wrap_from(FINDING_INDENT, &text, WIDTH, FINDING_INDENT));
    }
}

/// The verdict: `verdict: BLOCK (policy: SOURCE)` or `verdict: pass (policy: SOURCE)`, then one line per
/// blocking finding and one per finding an exception let through.
fn verdict(out: &mut String, v: &Verdict) {
    let decision = match v.decision {
        Decision::Block => "BLOCK",
        Decision::Pass => "pass",
    };
    let _ = writeln!(out, "verdict: {decision} (policy: {})", v.policy);
    for r in &v.reasons {
        out.push_str(&wrap_from("  - ", &reason_line(r), WIDTH, "    "));
    }
    for e in &v.excepted {
        let line = format!("excepted: {}", excepted_line(e));
        out.push_str(&wrap_from("  - ", &line, WIDTH, "    "));
    }
}

/// `text` word-wrapped at `width` columns, the first line starting with `first`, the others with
/// `indent`; runs of spaces inside a line are kept. Each line ends in a newline.
fn wrap_from(first: &str, text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            if word.is_empty() {
                continue;
            }
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn row(f: &Finding) -> [String; 6] {
    let fixed = match (f.status, &f.fixed_version) {
        (Status::Fixed, Some(v)) => v.clone(),
        (Status::WillNotFix, _) => "no fix planned".to_string(),
        _ => "no fix yet".to_string(),
    };
    let attack = match (f.attack_vector, f.attack_complexity) {
        (Some(v), Some(c)) => format!("{}/{}", v.as_str(), c.as_str()),
        _ => "-".to_string(),
    };
    let aliases = match f.aliases.as_slice() {
        [] => "-".to_string(),
        [a] => a.clone(),
        [a, rest @ ..] => format!("{a} +{}", rest.len()),
    };
    [
        f.severity.to_string(),
        shorten(&f.id, MAX_ID),
        status_name(f.status).to_string(),
        shorten(&fixed, MAX_FIXED),
        attack,
        shorten(&aliases, MAX_ALIASES),
    ]
}

/// `s` cut to `max` characters, the last one an ellipsis when anything was cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn snapshot() {
        let text = render(&fixture::report());
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
        insta::assert_snapshot!("table", text);
    }

    #[test]
    fn warnings_wrap_at_the_width() {
        let text = format!("warning: {}", "word ".repeat(40));
        let wrapped = wrap(text.trim_end(), 30, "         ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= 30), "{wrapped}");
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("         word")),
            "{wrapped}"
        );
        assert_eq!(wrapped.matches("word").count(), 40);
        assert_eq!(wrap("warning: short", 30, "  "), "warning: short\n");
    }

    #[test]
    fn finding_text_wraps_under_its_indent() {
        let text = format!("fix: {}", "word ".repeat(12));
        let wrapped = wrap_from("      ", text.trim_end(), 30, "      ");
        assert_eq!(
            wrapped,
            "      fix: word word word word\n      word word word word word\n      word word word\n"
        );
        assert_eq!(
            wrap_from("  ", "high  a-rule  /x", 30, "    "),
            "  high  a-rule  /x\n"
        );
    }

    #[test]
    fn a_pass_verdict_is_one_line() {
        let mut r = fixture::report();
        let v = r.verdict.as_mut().unwrap();
        v.decision = Decision::Pass;
        v.reasons.clear();
        v.excepted.clear();
        v.policy = "built-in default".into();
        let text = render(&r);
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        assert_eq!(
            tail,
            [
                "warning: the vulnerability database in /cache/rensa/db holds no record newer than 9 days",
                "",
                "verdict: pass (policy: built-in default)"
            ]
        );
    }

    #[test]
    fn long_cells_are_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abcd", 4), "abcd");
    }
}
