//! The `cyclonedx` format: the SBOM as `rensa sbom --format cyclonedx` writes it (same components, same
//! `bom-ref`s), plus a CycloneDX 1.6 `vulnerabilities` section.
//!
//! One vulnerability entry per vulnerability id and package (a package installed in two places is one
//! entry whose `affects` names both components):
//!
//! - `id`, and `source`: NVD for a CVE, GitHub for a GHSA, OSV otherwise; `references` holds the aliases;
//!   `advisories` the reference URLs;
//! - `ratings`: one per CVSS vector (score, severity, method `CVSSv2`/`CVSSv3`/`CVSSv31`/`CVSSv4`,
//!   vector), then rensa's overall rating (the distribution's rating first, else CVSS) as method `other`;
//! - `affects`: the components' `bom-ref`s with the installed version, status `affected`;
//! - `recommendation`: `Upgrade NAME to FIXED` when a fix exists;
//! - suppressed findings carry an `analysis`: OpenVEX `not_affected` → state `not_affected` with the
//!   justification mapped where CycloneDX has an equivalent, OpenVEX `fixed` → `resolved`, an ignore-file
//!   entry → `not_affected` without a justification; the reason goes into `detail`. Their `affects`
//!   status is `unaffected`;
//! - vulnerabilities the distribution declares not to affect a package are listed with analysis state
//!   `not_affected` and the affects status `unaffected`.
//!
//! - each image finding (config, secret, malware) is an entry with the check's rule id, `source` rensa,
//!   one rating (the finding's severity, method `other`), `description` = the detail, `recommendation` =
//!   the remediation, `affects` = the image (`metadata.component`), `advisories` = the references that
//!   are URLs, and properties `rensa:category`, `rensa:title`, `rensa:path`, `rensa:layer:index` and
//!   `rensa:reference` (one per reference that is not a URL).
//!
//! The policy's verdict is in `metadata.properties`: `rensa:verdict` (`pass` or `block`), `rensa:policy`
//! (where the policy came from), and one `rensa:verdict:reason` per blocking finding and
//! `rensa:verdict:excepted` per finding an exception let through (the lines of the table format).
//!
//! The document has no serial number (it would have to change with every database update, and the
//! SBOM's would be wrong here); the timestamp follows `SOURCE_DATE_EPOCH`.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rensa_catalog::format::WriteOptions;
use rensa_catalog::format::cyclonedx::model::Property;
use rensa_catalog::format::cyclonedx::to_bom;
use rensa_catalog::{Package, Sbom};
use rensa_checks::Finding as CheckFinding;
use rensa_policy::scan::Decision;
use rensa_vulndb::advisory::Status;
use rensa_vulndb::matcher::{Finding, FindingPackage};
use rensa_vulndb::severity::{CvssVersion, Rating};
use rensa_vulndb::suppress::{Origin, Suppressed};
use serde_json::{Value, json};

use super::{Report, excepted_line, is_url, reason_line, unique};

/// Renders the CycloneDX 1.6 document (pretty JSON, trailing newline).
pub fn render(report: &Report, options: &WriteOptions) -> Result<Vec<u8>> {
    let mut bom = to_bom(&report.sbom, options);
    let image_ref = bom
        .metadata
        .as_ref()
        .and_then(|m| m.component.as_ref())
        .and_then(|c| c.bom_ref.clone())
        .context("the CycloneDX document has no image component")?;
    if let (Some(v), Some(m)) = (&report.verdict, bom.metadata.as_mut()) {
        let mut prop = |name: &str, value: String| {
            m.properties.push(Property {
                name: name.to_string(),
                value,
            })
        };
        let decision = match v.decision {
            Decision::Pass => "pass",
            Decision::Block => "block",
        };
        prop("rensa:verdict", decision.to_string());
        prop("rensa:policy", v.policy.clone());
        for r in &v.reasons {
            prop("rensa:verdict:reason", reason_line(r));
        }
        for e in &v.excepted {
            prop("rensa:verdict:excepted", excepted_line(e));
        }
    }
    let mut doc = serde_json::to_value(&bom).context("cannot build the CycloneDX document")?;
    let Some(obj) = doc.as_object_mut() else {
        anyhow::bail!("the CycloneDX document is not a JSON object");
    };
    obj.remove("serialNumber");
    let refs = component_refs(&report.sbom, &bom);
    let mut vulns = vulnerabilities(report, &refs);
    vulns.extend(report.findings.iter().map(|f| check_entry(f, &image_ref)));
    if !vulns.is_empty() {
        obj.insert("vulnerabilities".into(), Value::Array(vulns));
    }
    super::pretty(doc)
}

/// The entry of one image finding; `image_ref` is the `bom-ref` of the image (`metadata.component`).
fn check_entry(f: &CheckFinding, image_ref: &str) -> Value {
    let rensa = json!({ "name": "rensa" });
    let mut v = json!({
        "id": f.id,
        "source": rensa,
        "ratings": [{
            "source": rensa,
            "severity": f.severity.as_str(),
            "method": "other",
        }],
        "description": f.detail.trim(),
        "recommendation": f.remediation.trim(),
    });
    let advisories: Vec<Value> = f
        .references
        .iter()
        .filter(|r| is_url(r))
        .map(|u| json!({ "url": u }))
        .collect();
    if !advisories.is_empty() {
        v["advisories"] = json!(advisories);
    }
    v["affects"] = json!([{ "ref": image_ref }]);
    let mut props = vec![
        json!({ "name": "rensa:category", "value": f.category.as_str() }),
        json!({ "name": "rensa:title", "value": f.title }),
    ];
    if let Some(p) = &f.path {
        props.push(json!({ "name": "rensa:path", "value": p }));
    }
    if let Some(l) = f.layer {
        props.push(json!({ "name": "rensa:layer:index", "value": l.to_string() }));
    }
    for r in f.references.iter().filter(|r| !is_url(r)) {
        props.push(json!({ "name": "rensa:reference", "value": r }));
    }
    v["properties"] = json!(props);
    v
}

/// `bom-ref`s of the package components, by (purl, name, version). The components are the packages in
/// the writer's sort order, after the operating system's component.
fn component_refs(
    sbom: &Sbom,
    bom: &rensa_catalog::format::cyclonedx::model::Bom,
) -> BTreeMap<(String, String, String), Vec<String>> {
    let mut packages: Vec<&Package> = sbom.packages.iter().collect();
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let libs = bom.components.iter().filter(|c| c.kind == "library");
    let mut refs: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for (p, c) in packages.iter().zip(libs) {
        if c.purl.as_deref().unwrap_or("") != p.purl {
            continue;
        }
        if let Some(r) = &c.bom_ref {
            refs.entry((p.purl.clone(), p.name.clone(), p.version.clone()))
                .or_default()
                .push(r.clone());
        }
    }
    refs
}

fn refs_of(refs: &BTreeMap<(String, String, String), Vec<String>>, p: &FindingPackage) -> Vec<String> {
    let key = (p.purl.clone(), p.name.clone(), p.version.clone());
    match refs.get(&key) {
        Some(r) => r.clone(),
        // Not in the SBOM (a hand-built report): refer to the purl itself.
        None => vec![p.purl.clone()],
    }
}

fn vulnerabilities(report: &Report, refs: &BTreeMap<(String, String, String), Vec<String>>) -> Vec<Value> {
    let mut out = Vec::new();
    for f in unique(&report.vulnerabilities, |f| (f.id.as_str(), &f.package)) {
        out.push(entry(f, refs, None));
    }
    for s in unique(&report.suppressed, |s| {
        (s.finding.id.as_str(), &s.finding.package)
    }) {
        out.push(entry(&s.finding, refs, Some(analysis(s))));
    }
    for n in unique(&report.not_affected, |n| (n.id.as_str(), &n.package)) {
        let mut v = json!({
            "id": n.id,
            "source": source(&n.id),
        });
        if !n.aliases.is_empty() {
            v["references"] = references(&n.aliases);
        }
        v["analysis"] = json!({
            "state": "not_affected",
            "detail": format!(
                "the distribution declares {} {} not affected",
                n.package.name, n.package.version
            ),
        });
        v["affects"] = affects(&n.package, refs, "unaffected");
        out.push(v);
    }
    out
}

/// The entry of one finding; `analysis` for a suppressed one.
fn entry(
    f: &Finding,
    refs: &BTreeMap<(String, String, String), Vec<String>>,
    analysis: Option<Value>,
) -> Value {
    let mut v = json!({
        "id": f.id,
        "source": source(&f.id),
    });
    if !f.aliases.is_empty() {
        v["references"] = references(&f.aliases);
    }
    let mut ratings: Vec<Value> = f
        .cvss
        .iter()
        .map(|c| {
            json!({
                // One decimal, as the specifications give scores (not the f32's binary expansion).
                "score": (f64::from(c.base_score) * 10.0).round() / 10.0,
                "severity": severity(c.severity, true),
                "method": method(c.version),
                "vector": c.vector,
            })
        })
        .collect();
    ratings.push(json!({
        "source": { "name": "rensa" },
        "severity": severity(f.severity, false),
        "method": "other",
        "justification": "the distribution's rating when it gives one, else the highest CVSS v3/v4 rating, else CVSS v2",
    }));
    v["ratings"] = json!(ratings);
    if let Some(s) = f.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        v["description"] = json!(s);
    }
    if let (Status::Fixed, Some(fixed)) = (f.status, &f.fixed_version) {
        v["recommendation"] = json!(format!("Upgrade {} to {fixed}", f.package.name));
    }
    if !f.references.is_empty() {
        let advisories: Vec<Value> = f.references.iter().map(|u| json!({ "url": u })).collect();
        v["advisories"] = json!(advisories);
    }
    let mut props = vec![json!({ "name": "rensa:status", "value": super::status_name(f.status) })];
    if let Some(av) = f.attack_vector {
        props.push(json!({ "name": "rensa:attack_vector", "value": av.as_str() }));
    }
    if let Some(ac) = f.attack_complexity {
        props.push(json!({ "name": "rensa:attack_complexity", "value": ac.as_str() }));
    }
    if let Some(l) = f.layer {
        props.push(json!({ "name": "rensa:layer:index", "value": l.to_string() }));
    }
    let status = match &analysis {
        Some(a) if a["state"] != "exploitable" && a["state"] != "in_triage" => "unaffected",
        _ => "affected",
    };
    if let Some(a) = analysis {
        v["analysis"] = a;
    }
    v["affects"] = affects(&f.package, refs, status);
    v["properties"] = json!(props);
    v
}

fn affects(
    p: &FindingPackage,
    refs: &BTreeMap<(String, String, String), Vec<String>>,
    status: &str,
) -> Value {
    let list: Vec<Value> = refs_of(refs, p)
        .into_iter()
        .map(|r| {
            json!({
                "ref": r,
                "versions": [{ "version": p.version, "status": status }],
            })
        })
        .collect();
    json!(list)
}

fn references(aliases: &[String]) -> Value {
    let list: Vec<Value> = aliases
        .iter()
        .map(|a| json!({ "id": a, "source": source(a) }))
        .collect();
    json!(list)
}

/// Where an id is published: NVD for CVEs, GitHub for GHSAs, OSV otherwise.
fn source(id: &str) -> Value {
    if id.starts_with("CVE-") {
        json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}") })
    } else if id.starts_with("GHSA-") {
        json!({ "name": "GitHub", "url": format!("https://github.com/advisories/{id}") })
    } else {
        json!({ "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") })
    }
}

/// CycloneDX's rating method for a CVSS version.
fn method(v: CvssVersion) -> &'static str {
    match v {
        CvssVersion::V2 => "CVSSv2",
        CvssVersion::V3_0 => "CVSSv3",
        CvssVersion::V3_1 => "CVSSv31",
        CvssVersion::V4_0 => "CVSSv4",
    }
}

/// CycloneDX's severity for a rating. Negligible is `none` for a CVSS score (the specifications' "None")
/// and `info` for the overall rating (Debian "unimportant", Ubuntu "negligible").
fn severity(r: Rating, cvss: bool) -> &'static str {
    match r {
        Rating::Critical => "critical",
        Rating::High => "high",
        Rating::Medium => "medium",
        Rating::Low => "low",
        Rating::Negligible if cvss => "none",
        Rating::Negligible => "info",
        Rating::Unknown => "unknown",
    }
}

/// The CycloneDX `analysis` of a suppression.
fn analysis(s: &Suppressed) -> Value {
    let state = match (s.origin, s.vex_status.as_deref()) {
        (Origin::Openvex, Some("fixed")) => "resolved",
        _ => "not_affected",
    };
    let mut detail = s.reason.clone();
    match s.origin {
        Origin::IgnoreFile => detail.push_str(&format!(" (ignore file {}", s.file)),
        Origin::Openvex => detail.push_str(&format!(" (OpenVEX {}", s.file)),
    }
    if let Some(j) = &s.justification {
        detail.push_str(&format!(", justification {j}"));
    }
    if let Some(e) = &s.expires {
        detail.push_str(&format!(", expires {e}"));
    }
    detail.push(')');
    let mut v = json!({ "state": state });
    if state == "not_affected"
        && let Some(j) = s.justification.as_deref().and_then(cyclonedx_justification)
    {
        v["justification"] = json!(j);
    }
    v["detail"] = json!(detail);
    v
}

/// The CycloneDX justification for an OpenVEX one, where the two enumerations say the same thing
/// (`component_not_present` and `vulnerable_code_cannot_be_controlled_by_adversary` have no equivalent
/// and are kept in the detail only).
fn cyclonedx_justification(openvex: &str) -> Option<&'static str> {
    match openvex {
        "vulnerable_code_not_present" => Some("code_not_present"),
        "vulnerable_code_not_in_execute_path" => Some("code_not_reachable"),
        "inline_mitigations_already_exist" => Some("protected_by_mitigating_control"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn options() -> WriteOptions {
        WriteOptions {
            timestamp: "2023-11-14T22:13:20Z".into(),
            tool_version: "0.0.0-test".into(),
        }
    }

    #[test]
    fn snapshot() {
        let text = String::from_utf8(render(&fixture::report(), &options()).unwrap()).unwrap();
        insta::assert_snapshot!("cyclonedx", text);
    }

    #[test]
    fn components_are_the_sbom_writers() {
        let r = fixture::report();
        let doc: Value = serde_json::from_slice(&render(&r, &options()).unwrap()).unwrap();
        let mut sbom = Vec::new();
        rensa_catalog::format::cyclonedx::write(&r.sbom, &options(), &mut sbom).unwrap();
        let sbom: Value = serde_json::from_slice(&sbom).unwrap();
        assert_eq!(doc["components"], sbom["components"]);
        // Every `affects` ref is a component's bom-ref, or the image's (for image findings).
        let mut refs: Vec<&str> = sbom["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        refs.push(sbom["metadata"]["component"]["bom-ref"].as_str().unwrap());
        for v in doc["vulnerabilities"].as_array().unwrap() {
            for a in v["affects"].as_array().unwrap() {
                assert!(refs.contains(&a["ref"].as_str().unwrap()), "{a}");
            }
        }
    }

    #[test]
    fn image_findings_affect_the_image() {
        let doc: Value = serde_json::from_slice(&render(&fixture::report(), &options()).unwrap()).unwrap();
        let image = doc["metadata"]["component"]["bom-ref"].as_str().unwrap();
        let rensa: Vec<(&str, &str, &Value)> = doc["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["source"]["name"] == "rensa")
            .map(|v| {
                (
                    v["id"].as_str().unwrap(),
                    v["ratings"][0]["severity"].as_str().unwrap(),
                    &v["affects"],
                )
            })
            .collect();
        let affects = json!([{ "ref": image }]);
        assert_eq!(
            rensa,
            [
                ("remote-login-enabled", "high", &affects),
                ("root-user", "medium", &affects),
                ("secret-aws-access-key", "critical", &affects)
            ]
        );
        let props: Vec<(&str, &str)> = doc["metadata"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
            .collect();
        assert_eq!(
            props,
            [
                ("rensa:verdict", "block"),
                ("rensa:policy", "rensa-policy.yaml"),
                (
                    "rensa:verdict:reason",
                    "secret-aws-access-key at /app/config/settings.py (secret, critical): matched \
                     category=vulnerability,secret severity=critical"
                ),
                (
                    "rensa:verdict:excepted",
                    "CVE-2023-5678 in libssl3 (vulnerability, critical): matched category=vulnerability,secret \
                     severity=critical; exception: the service never generates DH parameters, expires 2026-12-31"
                ),
            ]
        );
    }

    #[test]
    fn openvex_justifications_map_where_equivalent() {
        assert_eq!(
            cyclonedx_justification("vulnerable_code_not_present"),
            Some("code_not_present")
        );
        assert_eq!(cyclonedx_justification("component_not_present"), None);
    }
}
