//! The results of `rensa scan` and their output formats. Every format is written from one [`Report`], so
//! they all say the same thing:
//!
//! - `table` ([`table`]): for people, one block per package, one section per category of image findings,
//!   then the verdict;
//! - `json`: rensa's own document (the [`Report`] as it is: `findings`, `verdict`, `policy`, …);
//! - `sarif` ([`sarif`]): SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning); image findings
//!   are results of their check's rule, the verdict is in the run's property bag;
//! - `cyclonedx` ([`cyclonedx`]): CycloneDX 1.6 with the SBOM's components and a `vulnerabilities` section
//!   (image findings affect the image component), the verdict in `metadata.properties`.
//!
//! Every format is reproducible: the same report gives the same bytes (the CycloneDX timestamp follows
//! `SOURCE_DATE_EPOCH`, as the SBOM writers do; SARIF carries no time at all).

pub mod cyclonedx;
pub mod sarif;
mod sorted_json;
pub mod table;

use std::collections::BTreeMap;

use anyhow::Result;
use clap::ValueEnum;
use rensa_catalog::{Package, Sbom};
use rensa_vulndb::advisory::Status;
use rensa_vulndb::matcher::{Finding, FindingPackage, NotAffected};
use rensa_vulndb::suppress::Suppressed;

/// The output formats of `rensa scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for people, grouped by package.
    Table,
    /// rensa's own JSON document.
    Json,
    /// SARIF 2.1.0 (for GitHub code scanning and other SARIF viewers).
    Sarif,
    /// CycloneDX 1.6 JSON: the packages as components plus a `vulnerabilities` section.
    Cyclonedx,
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
    /// Findings of the config, secret and malware scanners, sorted by category, id and path.
    pub findings: Vec<rensa_checks::Finding>,
    /// The deployment policy's verdict (the default policy unless `--policy` names one).
    pub verdict: Option<rensa_policy::scan::Verdict>,
    /// Warnings for the user (no database, an old database, advisories that could not be evaluated).
    pub warnings: Vec<String>,
}

/// Writes `report` in `format`.
pub fn render(report: &Report, format: ReportFormat) -> Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Table => table::render(report).into_bytes(),
        ReportFormat::Json => json(report)?,
        ReportFormat::Sarif => sarif::render(report, env!("CARGO_PKG_VERSION"))?,
        ReportFormat::Cyclonedx => cyclonedx::render(report, &crate::write_options())?,
    })
}

fn json(report: &Report) -> Result<Vec<u8>> {
    /// The `json` document: what the report holds, written with [`sorted_json`] (keys sorted at every
    /// depth) straight from the report's values.
    #[derive(serde::Serialize)]
    struct Document<'a> {
        artifact: &'a rensa_catalog::ImageInfo,
        os: &'a Option<rensa_catalog::Distro>,
        packages: &'a [Package],
        vulnerabilities: &'a [Finding],
        not_affected: &'a [NotAffected],
        suppressed: &'a [Suppressed],
        findings: &'a [rensa_checks::Finding],
        verdict: Option<rensa_policy::scan::Decision>,
        policy: Option<PolicyPart<'a>>,
        warnings: &'a [String],
    }
    #[derive(serde::Serialize)]
    struct PolicyPart<'a> {
        source: &'a str,
        reasons: &'a [rensa_policy::scan::Reason],
        excepted: &'a [rensa_policy::scan::Excepted],
    }
    let doc = Document {
        artifact: &report.sbom.image,
        os: &report.sbom.distro,
        packages: &report.sbom.packages,
        vulnerabilities: &report.vulnerabilities,
        not_affected: &report.not_affected,
        suppressed: &report.suppressed,
        findings: &report.findings,
        verdict: report.verdict.as_ref().map(|v| v.decision),
        policy: report.verdict.as_ref().map(|v| PolicyPart {
            source: &v.policy,
            reasons: &v.reasons,
            excepted: &v.excepted,
        }),
        warnings: &report.warnings,
    };
    Ok(sorted_json::to_vec(&doc)?)
}

/// `value` as pretty JSON with every object's keys sorted and a trailing newline.
pub(crate) fn to_sorted_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    Ok(sorted_json::to_vec(value)?)
}

/// `doc` as pretty JSON with a trailing newline, every object's keys sorted: the bytes do not depend on
/// whether serde_json keeps insertion order (yara-x turns its `preserve_order` feature on).
pub(crate) fn pretty(doc: serde_json::Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 * 1024);
    write_sorted(&mut out, &doc, 0)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `v` as `serde_json::to_vec_pretty` would, with every object's keys sorted: the entries are
/// sorted by reference as they are written, so the tree is neither rebuilt nor copied.
fn write_sorted(out: &mut Vec<u8>, v: &serde_json::Value, depth: usize) -> Result<()> {
    use serde_json::Value;
    fn newline(out: &mut Vec<u8>, depth: usize) {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    }
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                serde_json::to_writer(&mut *out, k)?;
                out.extend_from_slice(b": ");
                write_sorted(out, v, depth + 1)?;
            }
            newline(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                write_sorted(out, v, depth + 1)?;
            }
            newline(out, depth);
            out.push(b']');
        }
        other => serde_json::to_writer(&mut *out, other)?,
    }
    Ok(())
}

/// The name of a status as the reports print it: `fixed`, `unfixed`, `will-not-fix`, `not-affected`.
pub(crate) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Fixed => "fixed",
        Status::Unfixed => "unfixed",
        Status::WillNotFix => "will-not-fix",
        Status::NotAffected => "not-affected",
    }
}

/// A blocking finding in one line, as the table and CycloneDX print it:
/// `SUBJECT (CATEGORY, SEVERITY): matched RULE`.
pub(crate) fn reason_line(r: &rensa_policy::scan::Reason) -> String {
    format!(
        "{} ({}, {}): matched {}",
        r.subject, r.category, r.severity, r.rule
    )
}

/// A finding excepted by the policy in one line: the reason, then `; exception: WHY[, expires DATE]`.
pub(crate) fn excepted_line(e: &rensa_policy::scan::Excepted) -> String {
    let expires = e
        .expires
        .as_ref()
        .map(|d| format!(", expires {d}"))
        .unwrap_or_default();
    format!("{}; exception: {}{expires}", reason_line(&e.reason), e.exception)
}

/// Whether a check finding's reference is a URL (rather than a standard's name such as
/// `CIS Docker Benchmark 4.1`).
pub(crate) fn is_url(reference: &str) -> bool {
    reference.starts_with("https://") || reference.starts_with("http://")
}

/// The SBOM packages a finding's package stands for: those with its purl, name and version (several when
/// the same package is installed in more than one place). Empty when the SBOM does not have it (a report
/// built by hand); callers then fall back to the image.
pub(crate) fn packages_of<'a>(sbom: &'a Sbom, p: &FindingPackage) -> Vec<&'a Package> {
    sbom.packages
        .iter()
        .filter(|q| q.purl == p.purl && q.name == p.name && q.version == p.version)
        .collect()
}

/// Findings with the same id and package (one per copy of a package installed twice) merged: the first
/// of each, in the report's order.
pub(crate) fn unique<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&T) -> (&str, &FindingPackage),
) -> Vec<&'a T>
where
    T: 'a,
{
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for item in items {
        let (id, p) = key(item);
        if seen.insert((id.to_string(), p.clone()), ()).is_none() {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A hand-built report that exercises every part of every format (the snapshot tests' input).

    use rensa_catalog::{Distro, Ecosystem, ImageInfo, LayerInfo, Package, Sbom};
    use rensa_checks::{Category, Finding as CheckFinding, Severity};
    use rensa_oci::SourceKind;
    use rensa_policy::scan::{Decision, Excepted, Reason, Verdict};
    use rensa_vulndb::advisory::Status;
    use rensa_vulndb::matcher::{Finding, FindingPackage, NotAffected};
    use rensa_vulndb::severity::{self, Rating};
    use rensa_vulndb::suppress::{Origin, Suppressed};

    use super::Report;

    fn package(eco: Ecosystem, name: &str, version: &str, purl: &str, location: &str) -> Package {
        let mut p = Package::new(eco, name, version, location);
        p.purl = purl.into();
        p.layer = Some(0);
        p
    }

    fn finding_package(p: &Package) -> FindingPackage {
        FindingPackage {
            name: p.name.clone(),
            version: p.version.clone(),
            purl: p.purl.clone(),
            source_name: p.source_name.clone(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        p: &Package,
        id: &str,
        aliases: &[&str],
        status: Status,
        fixed: Option<&str>,
        severity: Rating,
        vectors: &[&str],
        summary: &str,
    ) -> Finding {
        let cvss: Vec<_> = vectors.iter().map(|v| severity::parse(v).unwrap()).collect();
        let best = cvss
            .iter()
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
            .cloned();
        Finding {
            id: id.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            package: finding_package(p),
            status,
            fixed_version: fixed.map(str::to_string),
            severity,
            attack_vector: best.as_ref().map(|c| c.attack_vector),
            attack_complexity: best.as_ref().map(|c| c.attack_complexity),
            cvss,
            summary: Some(summary.into()),
            layer: p.layer,
            references: vec![format!("https://example.org/advisories/{id}")],
        }
    }

    /// Three check findings: remote login enabled (config, with a path and layer), an AWS access key
    /// (secret, masked), and the root user (config, no path).
    fn check_findings() -> Vec<CheckFinding> {
        let refs = |r: &[&str]| r.iter().map(|s| s.to_string()).collect();
        vec![
            CheckFinding {
                id: "remote-login-enabled".into(),
                category: Category::Config,
                severity: Severity::High,
                title: "Remote login (SSH) is enabled".into(),
                detail:
                    "/etc/ssh/sshd_config lets sshd accept logins on port 22: a container reachable over \
                         the network can be logged into, bypassing the orchestrator's access control."
                        .into(),
                remediation: "Remove openssh-server from the image; use `kubectl exec` or `docker exec` to \
                              reach a running container."
                    .into(),
                path: Some("/etc/ssh/sshd_config".into()),
                layer: Some(0),
                references: refs(&[
                    "CIS Docker Benchmark 4.1",
                    "https://docs.docker.com/engine/security/",
                ]),
            },
            CheckFinding {
                id: "root-user".into(),
                category: Category::Config,
                severity: Severity::Medium,
                title: "The image runs as root".into(),
                detail: "The image config sets no USER: its processes run as root (uid 0), so a breakout \
                         starts with full privileges."
                    .into(),
                remediation: "Add a non-root user and a USER instruction to the Dockerfile.".into(),
                path: None,
                layer: None,
                references: refs(&["CIS Docker Benchmark 4.1", "NIST SP 800-190 3.1.4"]),
            },
            CheckFinding {
                id: "secret-aws-access-key".into(),
                category: Category::Secret,
                severity: Severity::Critical,
                title: "AWS access key".into(),
                detail: "Line 12 holds an AWS access key id (AKIA************MPLE): anyone who pulls the \
                         image can use it."
                    .into(),
                remediation: "Revoke the key in AWS IAM, remove the file from the image (and every layer), \
                              and pass credentials at run time."
                    .into(),
                path: Some("/app/config/settings.py".into()),
                layer: Some(0),
                references: refs(&[
                    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
                ]),
            },
        ]
    }

    /// A policy that blocks critical vulnerabilities and secrets: the AWS key blocks, the libssl
    /// vulnerability is excepted until the end of 2026.
    fn verdict() -> Verdict {
        let rule = "category=vulnerability,secret severity=critical".to_string();
        Verdict {
            decision: Decision::Block,
            policy: "rensa-policy.yaml".into(),
            reasons: vec![Reason {
                id: "secret-aws-access-key".into(),
                category: "secret".into(),
                severity: "critical".into(),
                subject: "secret-aws-access-key at /app/config/settings.py".into(),
                rule: rule.clone(),
            }],
            excepted: vec![Excepted {
                reason: Reason {
                    id: "CVE-2023-5678".into(),
                    category: "vulnerability".into(),
                    severity: "critical".into(),
                    subject: "CVE-2023-5678 in libssl3".into(),
                    rule,
                },
                exception: "the service never generates DH parameters".into(),
                expires: Some("2026-12-31".into()),
            }],
            warnings: vec![],
        }
    }

    /// Two packages (a Debian binary package built from `openssl`, and a Python package); Jinja2 has a
    /// fixed high (CVSS v3.1) and a fixed medium (CVSS v4.0) finding, libssl an unfixed critical one with
    /// both v3.1 and v4.0 vectors; one Jinja2 finding is suppressed by OpenVEX, one libssl vulnerability
    /// is declared not affected; three check findings ([`check_findings`]); a block verdict with one
    /// reason and one excepted finding; one warning.
    pub fn report() -> Report {
        let mut libssl = package(
            Ecosystem::Deb,
            "libssl3",
            "3.0.11-1~deb12u2",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "/var/lib/dpkg/status",
        );
        libssl.source_name = Some("openssl".into());
        libssl.arch = Some("amd64".into());
        let jinja = package(
            Ecosystem::Pypi,
            "Jinja2",
            "2.10",
            "pkg:pypi/jinja2@2.10",
            "/usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA",
        );
        let sbom = Sbom {
            image: ImageInfo {
                name: "oci:/images/app:1".into(),
                kind: SourceKind::OciLayout,
                manifest_digest: Some(
                    "sha256:1111111111111111111111111111111111111111111111111111111111111111".into(),
                ),
                config_digest: None,
                tags: vec!["1".into()],
                platform: Some("linux/amd64".into()),
                created: None,
                layers: vec![LayerInfo {
                    index: 0,
                    digest: None,
                    diff_id: Some(
                        "sha256:2222222222222222222222222222222222222222222222222222222222222222".into(),
                    ),
                    size: None,
                    media_type: String::new(),
                }],
            },
            distro: Some(Distro {
                id: "debian".into(),
                version_id: Some("12".into()),
                codename: Some("bookworm".into()),
                pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
                id_like: vec![],
                source: "/etc/os-release".into(),
            }),
            packages: vec![libssl.clone(), jinja.clone()],
            warnings: vec![],
        };
        let vulnerabilities = vec![
            finding(
                &jinja,
                "CVE-2019-10906",
                &["GHSA-462w-v97r-4m45", "PYSEC-2019-217"],
                Status::Fixed,
                Some("2.10.1"),
                Rating::High,
                &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N"],
                "Jinja2 sandbox escape via str.format_map",
            ),
            finding(
                &jinja,
                "CVE-2020-28493",
                &["PYSEC-2021-66"],
                Status::Fixed,
                Some("2.11.3"),
                Rating::Medium,
                &["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N"],
                "ReDoS in the urlize filter",
            ),
            finding(
                &libssl,
                "CVE-2023-5678",
                &["DSA-5532-1"],
                Status::Unfixed,
                None,
                Rating::Critical,
                &[
                    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                ],
                "Excessive time spent in DH check / generation with large Q parameter value",
            ),
        ];
        let suppressed = vec![Suppressed {
            finding: finding(
                &jinja,
                "CVE-2024-22195",
                &["GHSA-h5c8-rqwp-cp95"],
                Status::Fixed,
                Some("3.1.3"),
                Rating::Medium,
                &["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"],
                "HTML attribute injection when passing user input as keys to xmlattr filter",
            ),
            origin: Origin::Openvex,
            file: "app.openvex.json".into(),
            vex_status: Some("not_affected".into()),
            justification: Some("vulnerable_code_not_in_execute_path".into()),
            reason: "the xmlattr filter is never used".into(),
            expires: None,
        }];
        let not_affected = vec![NotAffected {
            id: "CVE-2023-0464".into(),
            aliases: vec![],
            package: finding_package(&libssl),
        }];
        Report {
            sbom,
            vulnerabilities,
            not_affected,
            suppressed,
            findings: check_findings(),
            verdict: Some(verdict()),
            warnings: vec![
                "the vulnerability database in /cache/rensa/db holds no record newer than 9 days".into(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_snapshot() {
        let text = String::from_utf8(json(&fixture::report()).unwrap()).unwrap();
        insta::assert_snapshot!("json", text);
    }

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let doc = serde_json::json!({ "b": [{ "z": 1, "a": 2 }], "a": { "y": 1, "x": 2 } });
        assert_eq!(
            String::from_utf8(pretty(doc).unwrap()).unwrap(),
            "{\n  \"a\": {\n    \"x\": 2,\n    \"y\": 1\n  },\n  \"b\": [\n    {\n      \"a\": 2,\n      \"z\": 1\n    }\n  ]\n}\n"
        );
    }

    #[test]
    fn pretty_writes_what_serde_json_writes() {
        // Keys already in order, so serde_json's own pretty printer must give the same bytes.
        let doc = serde_json::json!({
            "a": [], "b": {}, "c": [[], {}, [1, 2.5, -3]], "d": null, "e": true,
            "f": "quote \" backslash \\ tab \t ctrl \u{1} é 😀", "g": { "x": [{ "y": 1e300 }] },
        });
        let mut want = serde_json::to_vec_pretty(&doc).unwrap();
        want.push(b'\n');
        assert_eq!(
            String::from_utf8(pretty(doc).unwrap()).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }

    #[test]
    fn every_format_is_reproducible() {
        let r = fixture::report();
        for f in [
            ReportFormat::Table,
            ReportFormat::Json,
            ReportFormat::Sarif,
            ReportFormat::Cyclonedx,
        ] {
            assert_eq!(render(&r, f).unwrap(), render(&r, f).unwrap(), "{f:?}");
        }
    }
}
