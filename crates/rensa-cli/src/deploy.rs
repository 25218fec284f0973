//! `rensa policy check PATH...`: the deploy gate over Kubernetes manifests (files, directories,
//! multi-document YAML, JSON, `-` for standard input).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use rensa_policy::deploy::objects::{Object, parse_manifests};
use rensa_policy::deploy::secret::{DetectedSecret, SecretDetector};
use rensa_policy::deploy::verify::{ImageVerifier, RegistryVerifier};
use rensa_policy::deploy::{self, DeployPolicy, Report};
use rensa_vulndb::suppress::Date;

/// Largest manifest file read.
const MAX_MANIFEST_BYTES: u64 = 32 << 20;

/// Output format of `rensa policy check`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// A table for people.
    Table,
    /// The report as JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers): one result per finding at the
    /// manifest's file and line, excepted findings as suppressed results.
    Sarif,
}

/// `rensa policy check`
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Manifests: files, directories (every *.yaml, *.yml and *.json below, sorted) or `-` for stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The deploy policy (YAML; default: Pod Security Standards baseline, network and placement checks).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,
    /// Exit with this code when the policy denies (default 1).
    #[arg(long, default_value_t = 1)]
    exit_code: u8,
    /// Deny objects of kinds the gate does not know (default: allow them with a warning).
    #[arg(long)]
    deny_unknown_kinds: bool,
    /// How to reach registries when the policy verifies images (`images.trust_policy`, `images.max_age`).
    #[command(flatten)]
    registry: crate::trust::RegistryArgs,
}

/// The image checks' secret rules (rensa-checks), looking at env values, command lines and ConfigMap data.
pub(crate) struct Secrets(pub(crate) rensa_checks::secret::SecretScanner);

impl SecretDetector for Secrets {
    fn detect(&self, name: &str, text: &str) -> Vec<DetectedSecret> {
        self.0
            .scan_unchecked(name, text.as_bytes())
            .into_iter()
            .map(|h| DetectedSecret {
                rule: h.rule.to_string(),
                masked: h.masked,
            })
            .collect()
    }
}

fn manifest_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("{}: cannot read the directory", path.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for p in entries {
        let file_type = std::fs::symlink_metadata(&p)?.file_type();
        if file_type.is_dir() {
            manifest_files(&p, out)?;
        } else if file_type.is_file()
            && p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(p);
        }
    }
    Ok(())
}

fn read_objects(paths: &[PathBuf]) -> Result<Vec<Object>> {
    let mut objects = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .take(MAX_MANIFEST_BYTES)
                .read_to_string(&mut text)
                .context("standard input: not UTF-8 text")?;
            objects.extend(parse_manifests(&text, "-")?);
            continue;
        }
        let mut files = Vec::new();
        manifest_files(path, &mut files)?;
        for file in files {
            let mut text = String::new();
            std::fs::File::open(&file)
                .with_context(|| format!("{}: cannot read", file.display()))?
                .take(MAX_MANIFEST_BYTES)
                .read_to_string(&mut text)
                .with_context(|| format!("{}: not UTF-8 text", file.display()))?;
            objects.extend(parse_manifests(&text, &file.display().to_string())?);
        }
    }
    Ok(objects)
}

/// Whether the gate lets the objects through: no findings, and no unknown kinds when those are denied.
fn allows(report: &Report, deny_unknown: bool) -> bool {
    report.allowed && (!deny_unknown || report.unknown.is_empty())
}

fn table(report: &Report, deny_unknown: bool) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for f in &report.findings {
        let object = f.object.to_string();
        if object != last {
            let at = f
                .source
                .as_ref()
                .map(|s| match s.line {
                    Some(line) => format!(" ({}:{line})", s.file),
                    None => format!(" ({}, document {})", s.file, s.document + 1),
                })
                .unwrap_or_default();
            out.push_str(&format!("{object}{at}\n"));
            last = object;
        }
        out.push_str(&format!(
            "  {:<8} {}  {}\n",
            f.severity.to_string(),
            f.rule,
            f.message
        ));
        if !f.path.is_empty() {
            out.push_str(&format!("           at {}\n", f.path));
        }
        out.push_str(&format!("           fix: {}\n", f.remediation));
    }
    for e in &report.excepted {
        out.push_str(&format!(
            "excepted: {} {} {} ({}; until {})\n",
            e.finding.object, e.finding.rule, e.finding.path, e.exception, e.expires
        ));
    }
    for u in &report.unknown {
        let what = if deny_unknown { "denied" } else { "not checked" };
        out.push_str(&format!("unknown kind: {u} ({what})\n"));
    }
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    let allowed = allows(report, deny_unknown);
    out.push_str(&format!(
        "{}: {} findings, {} excepted (policy {})\n",
        if allowed { "ALLOW" } else { "DENY" },
        report.findings.len(),
        report.excepted.len(),
        report.policy
    ));
    out
}

/// The SARIF log of a deploy report: each rule with its title, rationale and remediation; each finding a
/// result at the manifest's file and line, with the object and field path as its logical location.
fn sarif(report: &Report) -> Result<Vec<u8>> {
    use crate::report::sarif::{Hit, Place, Rule, log, uri_of_path};
    use rensa_policy::deploy::{Finding, Severity};
    let hit = |f: &Finding, suppression: Option<String>| {
        let (level, score) = match f.severity {
            Severity::Critical => ("error", 9.5),
            Severity::High => ("error", 8.0),
            Severity::Medium => ("warning", 5.5),
            Severity::Low => ("note", 2.0),
        };
        let mut tags = vec!["security".to_string(), "kubernetes".to_string()];
        tags.extend(f.references.iter().cloned());
        let object = f.object.to_string();
        let logical = if f.path.is_empty() {
            object.clone()
        } else {
            format!("{object}:{}", f.path)
        };
        Hit {
            rule: Rule {
                id: f.rule.clone(),
                short: f.title.clone(),
                full: Some(f.rationale.clone()),
                help: Some(f.remediation.clone()),
                help_uri: None,
                security_severity: Some(score),
                level,
                tags,
            },
            level,
            message: format!("{object}: {}", f.message),
            places: vec![Place {
                uri: f
                    .source
                    .as_ref()
                    .filter(|s| s.file != "-")
                    .map(|s| uri_of_path(&s.file))
                    .unwrap_or_else(|| uri_of_path(&object)),
                description: object.clone(),
                logical: Some((logical, "object")),
                line: f.source.as_ref().and_then(|s| s.line),
            }],
            fingerprint: (
                "rensa/deploy/v1".to_string(),
                format!("{object}|{}|{}", f.rule, f.path),
            ),
            suppression,
            properties: std::collections::BTreeMap::from([(
                "path".to_string(),
                serde_json::Value::String(f.path.clone()),
            )]),
        }
    };
    let mut hits: Vec<Hit> = report.findings.iter().map(|f| hit(f, None)).collect();
    hits.extend(
        report
            .excepted
            .iter()
            .map(|e| hit(&e.finding, Some(format!("{} (until {})", e.exception, e.expires)))),
    );
    let mut doc = log(&hits, env!("CARGO_PKG_VERSION"));
    doc["runs"][0]["properties"] = serde_json::json!({
        "rensa-policy": report.policy,
        "rensa-allowed": report.allowed,
        "rensa-unknown-kinds": report.unknown.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "rensa-warnings": report.warnings,
    });
    crate::report::to_sorted_json(&doc)
}

pub(crate) fn check(args: &CheckArgs) -> Result<ExitCode> {
    let policy = match &args.policy {
        Some(p) => DeployPolicy::read(p)?,
        None => DeployPolicy::default(),
    };
    let objects = read_objects(&args.paths)?;
    if objects.is_empty() {
        bail!(
            "no Kubernetes objects in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let secrets = if policy.secrets.enabled {
        Some(Secrets(rensa_checks::secret::SecretScanner::new(
            &rensa_checks::secret::SecretConfig::default(),
        )?))
    } else {
        None
    };
    // Only a policy that asks for image verification makes the check reach registries.
    let verifier = policy
        .images
        .needs_registry()
        .then(|| RegistryVerifier::new(&policy.images, args.registry.options()));
    let report = deploy::check_in(
        &policy,
        &objects,
        &deploy::Context {
            today: Date::today_utc(),
            now: rensa_trust::predicate::Timestamp::now(),
            secrets: secrets.as_ref().map(|s| s as &dyn SecretDetector),
            images: verifier.as_ref().map(|v| v as &dyn ImageVerifier),
        },
    );
    let allowed = allows(&report, args.deny_unknown_kinds);
    let data = match args.format {
        CheckFormat::Table => table(&report, args.deny_unknown_kinds).into_bytes(),
        CheckFormat::Json => {
            let mut v = serde_json::to_value(&report)?;
            v["allowed"] = allowed.into();
            crate::report::to_sorted_json(&v)?
        }
        CheckFormat::Sarif => sarif(&report)?,
    };
    crate::emit(None, &data)?;
    Ok(if allowed || args.exit_code == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(args.exit_code)
    })
}
