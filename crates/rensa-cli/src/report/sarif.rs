//! The `sarif` format: a SARIF 2.1.0 log with one run, as GitHub code scanning and other SARIF viewers
//! read it.
//!
//! Every kind of finding is turned into [`Hit`]s, each naming the [`Rule`] it breaks; the driver's
//! `rules` array is built from the rules the hits name (sorted by id, one per id), so a further kind of
//! finding (image compliance checks) only needs its own function producing hits.
//!
//! For a vulnerability the rule is the vulnerability id: `shortDescription` is its summary, `helpUri` its
//! first reference, and `properties.security-severity` the highest CVSS base score (GitHub's convention
//! for ranking security alerts; without CVSS, a score standing for the rating). A result's `level` is
//! `error` for critical and high, `warning` for medium, `note` otherwise. Its location is the file the
//! package was read from (relative to the image root), else the image reference; the package's purl is
//! the logical location. `partialFingerprints` identify the finding across scans. Suppressed findings
//! are results with an `external` suppression whose justification is the reason given. The log carries
//! no timestamps, so it is reproducible.
//!
//! For an image finding (config, secret, malware) the rule is the check's rule id: `shortDescription`
//! is its title, `fullDescription` and `help` its remediation, `helpUri` its first reference that is a
//! URL, `properties.tags` `security`, the category and the references, and `security-severity` stands
//! for its severity (critical 9.5, high 8.0, medium 5.5, low 2.0, info 0.0). The result's message is the
//! finding's detail; its location the file (relative to the image root), else the image reference.
//!
//! The policy's verdict is in the run's property bag: `rensa-verdict` (`pass` or `block`),
//! `rensa-policy` (where the policy came from), `rensa-blocking` and `rensa-excepted` (the reasons, as
//! in the json output).

use std::collections::BTreeMap;

use anyhow::Result;
use rensa_checks::Finding as CheckFinding;
use rensa_vulndb::advisory::Status;
use rensa_vulndb::matcher::Finding;
use rensa_vulndb::severity::Rating;
use rensa_vulndb::suppress::{Origin, Suppressed};
use serde_json::{Value, json};

use super::{Report, is_url, packages_of, status_name, unique};

/// The schema URI written into the log (the one GitHub's documentation uses).
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// rensa's home page (the workspace's `repository`), for `tool.driver.informationUri`.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// What a result breaks: one entry of `tool.driver.rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The stable id (a vulnerability id, or a check's kebab-case id).
    pub id: String,
    /// One line.
    pub short: String,
    /// Longer text, when there is more than the one line.
    pub full: Option<String>,
    /// How to fix it (`help`), if known.
    pub help: Option<String>,
    /// Where to read more.
    pub help_uri: Option<String>,
    /// The `security-severity` score, 0.0–10.0.
    pub security_severity: Option<f32>,
    /// The default level of its results.
    pub level: &'static str,
    /// Tags (`security`, `vulnerability`, the rating, …).
    pub tags: Vec<String>,
}

/// A place a result points at.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// A file in the image (relative to its root) or the image reference.
    pub uri: String,
    /// What the file or image is, for `artifactLocation.description`.
    pub description: String,
    /// The logical location (a package's purl), if any.
    pub logical: Option<(String, &'static str)>,
    /// The 1-based line in the file, when known (else the location is line 1).
    pub line: Option<u64>,
}

/// One result, with the rule it breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The rule.
    pub rule: Rule,
    /// `error`, `warning` or `note`.
    pub level: &'static str,
    /// The message.
    pub message: String,
    /// Where; at least one.
    pub places: Vec<Place>,
    /// `(key, value)` of `partialFingerprints`.
    pub fingerprint: (String, String),
    /// The justification of an external suppression, if the result is suppressed.
    pub suppression: Option<String>,
    /// Further facts for `properties`.
    pub properties: BTreeMap<String, Value>,
}

/// Renders the SARIF log of `report` (pretty JSON, trailing newline); `version` is rensa's version.
pub fn render(report: &Report, version: &str) -> Result<Vec<u8>> {
    let mut hits = vulnerability_hits(report);
    hits.extend(check_hits(report));
    hits.sort_by(|a, b| {
        (a.suppression.is_some(), &a.rule.id, &a.fingerprint).cmp(&(
            b.suppression.is_some(),
            &b.rule.id,
            &b.fingerprint,
        ))
    });
    let mut log = log(&hits, version);
    if let Some(v) = &report.verdict {
        log["runs"][0]["properties"] = json!({
            "rensa-verdict": v.decision,
            "rensa-policy": v.policy,
            "rensa-blocking": v.reasons,
            "rensa-excepted": v.excepted,
        });
    }
    super::pretty(log)
}

/// The SARIF log of `hits`.
pub fn log(hits: &[Hit], version: &str) -> Value {
    // One rule per id; a rule that several hits name takes the highest score and the most severe level.
    let mut rules: BTreeMap<&str, Rule> = BTreeMap::new();
    for h in hits {
        let r = rules.entry(&h.rule.id).or_insert_with(|| h.rule.clone());
        if h.rule.security_severity > r.security_severity {
            r.security_severity = h.rule.security_severity;
        }
        if level_rank(h.rule.level) > level_rank(r.level) {
            r.level = h.rule.level;
        }
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = rules.values().map(rule_json).collect();
    let results: Vec<Value> = hits
        .iter()
        .map(|h| result_json(h, index[h.rule.id.as_str()]))
        .collect();
    let mut log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "rensa",
                    "version": version,
                    "semanticVersion": version,
                    "rules": rules,
                }
            },
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    });
    if !INFORMATION_URI.is_empty() {
        log["runs"][0]["tool"]["driver"]["informationUri"] = json!(INFORMATION_URI);
    }
    log
}

fn level_rank(level: &str) -> u8 {
    match level {
        "error" => 3,
        "warning" => 2,
        "note" => 1,
        _ => 0,
    }
}

fn rule_json(r: &Rule) -> Value {
    let mut v = json!({
        "id": r.id,
        "shortDescription": { "text": r.short },
        "defaultConfiguration": { "level": r.level },
    });
    if let Some(full) = &r.full {
        v["fullDescription"] = json!({ "text": full });
    }
    if let Some(h) = &r.help {
        v["help"] = json!({ "text": h });
    }
    if let Some(u) = &r.help_uri {
        v["helpUri"] = json!(u);
    }
    let mut props = json!({ "tags": r.tags });
    if let Some(s) = r.security_severity {
        props["security-severity"] = json!(format!("{s:.1}"));
    }
    v["properties"] = props;
    v
}

fn result_json(h: &Hit, rule_index: usize) -> Value {
    let locations: Vec<Value> = h
        .places
        .iter()
        .map(|p| {
            let mut l = json!({
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": p.uri,
                        "description": { "text": p.description },
                    },
                    "region": {
                        "startLine": p.line.unwrap_or(1),
                        "startColumn": 1,
                        "endLine": p.line.unwrap_or(1),
                        "endColumn": 1,
                    },
                }
            });
            if let Some((name, kind)) = &p.logical {
                l["logicalLocations"] = json!([{ "fullyQualifiedName": name, "kind": kind }]);
            }
            l
        })
        .collect();
    let mut v = json!({
        "ruleId": h.rule.id,
        "ruleIndex": rule_index,
        "level": h.level,
        "message": { "text": h.message },
        "locations": locations,
        "partialFingerprints": { h.fingerprint.0.clone(): h.fingerprint.1 },
    });
    if let Some(j) = &h.suppression {
        v["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": j }]);
    }
    if !h.properties.is_empty() {
        v["properties"] = json!(h.properties);
    }
    v
}

/// The SARIF level of a rating: critical and high → `error`, medium → `warning`, else `note`.
pub fn level(rating: Rating) -> &'static str {
    match rating {
        Rating::Critical | Rating::High => "error",
        Rating::Medium => "warning",
        Rating::Low | Rating::Negligible | Rating::Unknown => "note",
    }
}

/// The `security-severity` of a finding: its highest CVSS base score, else a score in the band of its
/// rating (critical 9.5, high 8.0, medium 5.5, low 2.0), else none.
fn security_severity(f: &Finding) -> Option<f32> {
    let best = f
        .cvss
        .iter()
        .map(|c| c.base_score)
        .filter(|s| s.is_finite())
        .max_by(f32::total_cmp);
    best.or(match f.severity {
        Rating::Critical => Some(9.5),
        Rating::High => Some(8.0),
        Rating::Medium => Some(5.5),
        Rating::Low => Some(2.0),
        Rating::Negligible | Rating::Unknown => None,
    })
}

/// The hits of the vulnerabilities, reported and suppressed.
pub fn vulnerability_hits(report: &Report) -> Vec<Hit> {
    let reported = unique(&report.vulnerabilities, |f| (f.id.as_str(), &f.package));
    let suppressed = unique(&report.suppressed, |s| {
        (s.finding.id.as_str(), &s.finding.package)
    });
    reported
        .into_iter()
        .map(|f| vulnerability_hit(report, f, None))
        .chain(
            suppressed
                .into_iter()
                .map(|s| vulnerability_hit(report, &s.finding, Some(s))),
        )
        .collect()
}

fn vulnerability_hit(report: &Report, f: &Finding, suppressed: Option<&Suppressed>) -> Hit {
    let p = &f.package;
    let fix = match (f.status, &f.fixed_version) {
        (Status::Fixed, Some(v)) => format!("fixed in {v}"),
        (Status::WillNotFix, _) => "the distribution will not fix it".to_string(),
        _ => "no fix is available yet".to_string(),
    };
    let source = p
        .source_name
        .as_ref()
        .map(|s| format!(" (source package {s})"))
        .unwrap_or_default();
    let mut message = format!(
        "{} {}{source} is affected by {} ({} severity, status {}: {fix}).",
        p.name,
        p.version,
        f.id,
        f.severity,
        status_name(f.status)
    );
    if let Some(s) = f.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        message.push(' ');
        message.push_str(s.trim());
    }
    let image = &report.sbom.image.name;
    let mut places: Vec<Place> = packages_of(&report.sbom, p)
        .iter()
        .filter(|q| !q.location.trim().is_empty())
        .map(|q| Place {
            uri: uri_of_path(&q.location),
            description: format!("{} {} in {image}", p.name, p.version),
            logical: Some((p.purl.clone(), "package")),
            line: None,
        })
        .collect();
    places.sort_by(|a, b| a.uri.cmp(&b.uri));
    places.dedup();
    if places.is_empty() {
        places.push(Place {
            uri: uri_of_path(image),
            description: format!("the image {image}"),
            logical: Some((p.purl.clone(), "package")),
            line: None,
        });
    }
    let mut tags = vec![
        "security".to_string(),
        "vulnerability".to_string(),
        f.severity.to_string(),
    ];
    if let Some(v) = f.attack_vector {
        tags.push(format!("attack-vector:{}", v.as_str()));
    }
    let summary = f.summary.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let rule = Rule {
        id: f.id.clone(),
        short: summary.unwrap_or(&f.id).to_string(),
        full: summary.map(|s| {
            if f.aliases.is_empty() {
                s.to_string()
            } else {
                format!("{s} (also known as {})", f.aliases.join(", "))
            }
        }),
        help: None,
        help_uri: f.references.first().cloned(),
        security_severity: security_severity(f),
        level: level(f.severity),
        tags,
    };
    let mut properties = BTreeMap::new();
    properties.insert("purl".to_string(), json!(p.purl));
    properties.insert("status".to_string(), json!(status_name(f.status)));
    properties.insert("fixedVersion".to_string(), json!(f.fixed_version));
    properties.insert("severity".to_string(), json!(f.severity));
    properties.insert(
        "attackVector".to_string(),
        json!(f.attack_vector.map(|v| v.as_str())),
    );
    properties.insert(
        "attackComplexity".to_string(),
        json!(f.attack_complexity.map(|c| c.as_str())),
    );
    if !f.aliases.is_empty() {
        properties.insert("aliases".to_string(), json!(f.aliases));
    }
    Hit {
        rule,
        level: level(f.severity),
        message,
        places,
        fingerprint: (
            "rensa/vulnerability/v1".to_string(),
            format!("{}|{}", f.id, p.purl),
        ),
        suppression: suppressed.map(justification),
        properties,
    }
}

/// The `security-severity` standing for a check finding's severity (the bands the vulnerability rules
/// use without CVSS; info 0.0).
fn check_security_severity(s: rensa_checks::Severity) -> f32 {
    use rensa_checks::Severity;
    match s {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        Severity::Info => 0.0,
    }
}

/// The SARIF level of a check finding's severity: critical and high → `error`, medium → `warning`,
/// else `note`.
pub fn check_level(s: rensa_checks::Severity) -> &'static str {
    use rensa_checks::Severity;
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The hits of the config, secret and malware findings.
pub fn check_hits(report: &Report) -> Vec<Hit> {
    report.findings.iter().map(|f| check_hit(report, f)).collect()
}

fn check_hit(report: &Report, f: &CheckFinding) -> Hit {
    let image = &report.sbom.image.name;
    let place = match &f.path {
        Some(p) => Place {
            uri: uri_of_path(p),
            description: format!("{p} in {image}"),
            logical: None,
            line: None,
        },
        None => Place {
            uri: uri_of_path(image),
            description: format!("the image {image}"),
            logical: None,
            line: None,
        },
    };
    let mut tags = vec!["security".to_string(), f.category.as_str().to_string()];
    tags.extend(f.references.iter().cloned());
    let remediation = f.remediation.trim();
    let rule = Rule {
        id: f.id.clone(),
        short: f.title.clone(),
        full: (!remediation.is_empty()).then(|| remediation.to_string()),
        help: (!remediation.is_empty()).then(|| remediation.to_string()),
        help_uri: f.references.iter().find(|r| is_url(r)).cloned(),
        security_severity: Some(check_security_severity(f.severity)),
        level: check_level(f.severity),
        tags,
    };
    let mut properties = BTreeMap::new();
    properties.insert("category".to_string(), json!(f.category));
    properties.insert("severity".to_string(), json!(f.severity));
    properties.insert("title".to_string(), json!(f.title));
    if let Some(p) = &f.path {
        properties.insert("path".to_string(), json!(p));
    }
    if let Some(l) = f.layer {
        properties.insert("layer".to_string(), json!(l));
    }
    let layer = f.layer.map(|l| l.to_string()).unwrap_or_default();
    Hit {
        rule,
        level: check_level(f.severity),
        message: f.detail.trim().to_string(),
        places: vec![place],
        fingerprint: (
            "rensa/finding/v1".to_string(),
            format!("{}|{}|{layer}", f.id, f.path.as_deref().unwrap_or("")),
        ),
        suppression: None,
        properties,
    }
}

/// The justification of a suppression: the reason, with where it came from.
fn justification(s: &Suppressed) -> String {
    let origin = match s.origin {
        Origin::IgnoreFile => format!("ignore file {}", s.file),
        Origin::Openvex => {
            let mut o = format!("OpenVEX {}", s.file);
            if let Some(st) = &s.vex_status {
                o.push_str(&format!(", {st}"));
            }
            if let Some(j) = &s.justification {
                o.push_str(&format!(", {j}"));
            }
            o
        }
    };
    let expires = s
        .expires
        .as_ref()
        .map(|e| format!(", expires {e}"))
        .unwrap_or_default();
    format!("{} ({origin}{expires})", s.reason)
}

/// A path (or image reference) as a URI reference: a leading `/` dropped (paths are relative to the
/// image root), and every character outside the URI's unreserved and path characters percent-encoded.
pub(crate) fn uri_of_path(path: &str) -> String {
    let path = path.trim_start_matches('/');
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn snapshot() {
        let text = String::from_utf8(render(&fixture::report(), "0.0.0-test").unwrap()).unwrap();
        insta::assert_snapshot!("sarif", text);
    }

    #[test]
    fn levels_follow_the_rating() {
        assert_eq!(level(Rating::Critical), "error");
        assert_eq!(level(Rating::High), "error");
        assert_eq!(level(Rating::Medium), "warning");
        assert_eq!(level(Rating::Low), "note");
        assert_eq!(level(Rating::Unknown), "note");
    }

    #[test]
    fn check_findings_are_results_of_their_rules() {
        let log: Value = serde_json::from_slice(&render(&fixture::report(), "0").unwrap()).unwrap();
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let root = rules.iter().find(|r| r["id"] == "root-user").unwrap();
        assert_eq!(root["properties"]["security-severity"], "5.5");
        assert_eq!(
            root["properties"]["tags"],
            json!([
                "security",
                "config",
                "CIS Docker Benchmark 4.1",
                "NIST SP 800-190 3.1.4"
            ])
        );
        assert!(root.get("helpUri").is_none(), "{root}");
        let results = run["results"].as_array().unwrap();
        let fingerprints: Vec<&str> = results
            .iter()
            .filter_map(|r| r["partialFingerprints"]["rensa/finding/v1"].as_str())
            .collect();
        assert_eq!(
            fingerprints,
            [
                "remote-login-enabled|/etc/ssh/sshd_config|0",
                "root-user||",
                "secret-aws-access-key|/app/config/settings.py|0"
            ]
        );
        let uris: Vec<&str> = results
            .iter()
            .filter(|r| r["partialFingerprints"]["rensa/finding/v1"].is_string())
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            uris,
            [
                "etc/ssh/sshd_config",
                "oci%3A/images/app%3A1",
                "app/config/settings.py"
            ]
        );
        assert_eq!(run["properties"]["rensa-verdict"], "block");
        assert_eq!(run["properties"]["rensa-policy"], "rensa-policy.yaml");
    }

    #[test]
    fn check_levels_follow_the_severity() {
        use rensa_checks::Severity;
        let levels: Vec<&str> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .into_iter()
        .map(check_level)
        .collect();
        assert_eq!(levels, ["error", "error", "warning", "note", "note"]);
        assert_eq!(check_security_severity(Severity::Info), 0.0);
        assert_eq!(check_security_severity(Severity::High), 8.0);
    }

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri_of_path("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(uri_of_path("/opt/my app/a#b"), "opt/my%20app/a%23b");
        assert_eq!(uri_of_path("oci:/images/app:1"), "oci%3A/images/app%3A1");
    }

    #[test]
    fn one_rule_per_id_with_the_highest_score() {
        let mut r = fixture::report();
        let mut other = r.vulnerabilities[2].clone();
        other.package.name = "libssl-dev".into();
        other.package.purl = "pkg:deb/debian/libssl-dev@3.0.11-1~deb12u2".into();
        other.cvss.truncate(1);
        r.vulnerabilities.push(other);
        let log: Value = serde_json::from_slice(&render(&r, "0").unwrap()).unwrap();
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "CVE-2019-10906",
                "CVE-2020-28493",
                "CVE-2023-5678",
                "CVE-2024-22195",
                "remote-login-enabled",
                "root-user",
                "secret-aws-access-key"
            ]
        );
        assert_eq!(rules[2]["properties"]["security-severity"], "9.3");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 8);
        for res in results {
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(res["ruleId"], rules[i]["id"]);
        }
    }
}
