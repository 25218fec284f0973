//! `rensa scan`: catalog an image (or read an SBOM), look its packages up in the local vulnerability
//! database, and report the findings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use rensa_vulndb::advisory::Status;
use rensa_vulndb::db::{self, Database};
use rensa_vulndb::matcher::{self, Finding, MatchSet};
use rensa_vulndb::severity::Rating;
use rensa_vulndb::suppress::{self, Date, Subject, ignore, openvex};

use rensa_checks::config::Baseline;
use rensa_checks::password::Budget;
use rensa_checks::{ChecksOptions, Finding as CheckFinding, ImageChecks, Scanners, Severity};
use rensa_policy::scan::{Decision, Item, Policy};

use crate::ImageArgs;
use crate::report::{self, Report, ReportFormat};

/// Arguments of `rensa scan`.
#[derive(clap::Args)]
pub struct ScanArgs {
    /// The image (as for `rensa sbom`) or `sbom:FILE` (CycloneDX or SPDX JSON).
    image: String,
    /// The database directory (default: $XDG_CACHE_HOME/rensa/db, else ~/.cache/rensa/db).
    #[arg(long, value_name = "DIR")]
    db: Option<PathBuf>,
    /// Scanners to run (comma-separated): vuln, config, secret, malware.
    #[arg(long, value_delimiter = ',', default_value = "vuln,config,secret,malware")]
    scanners: Vec<String>,
    /// Only report these severities (comma-separated: critical,high,medium,low,negligible,unknown).
    #[arg(long, value_delimiter = ',')]
    severity: Vec<Rating>,
    /// Leave out vulnerabilities that have no fix (unfixed and will-not-fix).
    #[arg(long)]
    ignore_unfixed: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with this code when the policy's verdict is `block` (default: 1 with --policy, else 0:
    /// always succeed).
    #[arg(long)]
    exit_code: Option<u8>,
    /// The deployment policy deciding which findings block the image (YAML; default: the built-in
    /// policy: critical/high vulnerabilities, remote login, weak remote-login passwords, malware,
    /// critical secrets).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The password-policy baseline for the config checks (JSON; missing keys keep the defaults).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Seconds to spend guessing each password hash against the common-password list (0: no guessing).
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    password_budget: f64,
    /// A directory of YARA rules (`*.yar`, `*.yara`) to use with the built-in malware rules; repeatable.
    #[arg(long, value_name = "DIR")]
    malware_rules: Vec<PathBuf>,
    /// A list of known-bad SHA-256 hashes (`sha256sum` format); repeatable.
    #[arg(long, value_name = "FILE")]
    malware_hashes: Vec<PathBuf>,
    /// Paths not to scan for secrets (globs: `*`, `**`, `?`); repeatable.
    #[arg(long, value_name = "GLOB")]
    secret_allow: Vec<String>,
    /// Secret rules not to report (`secret-jwt`, …); repeatable.
    #[arg(long, value_name = "ID")]
    secret_skip_rule: Vec<String>,
    /// Scan binary files for secrets too.
    #[arg(long)]
    secret_scan_binaries: bool,
    /// Suppress findings listed in this ignore file (YAML: id, reason, optional package and expiry);
    /// repeatable. Without it, `.rensaignore.yaml` in the current directory is used if it exists.
    #[arg(long, value_name = "FILE")]
    ignore_file: Vec<PathBuf>,
    /// Apply this OpenVEX document: `not_affected` and `fixed` statements suppress findings; repeatable.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Warn when the database's newest import is older than this many days.
    #[arg(long, default_value_t = 7)]
    max_db_age_days: u64,
    /// Attest the result (a signed `scan` predicate stored with the image as cosign stores
    /// attestations); the image must be in a registry. Needs --key.
    #[arg(long, requires = "key")]
    attest: bool,
    /// The private key (cosign format) for --attest.
    #[arg(long, value_name = "KEY", requires = "attest")]
    key: Option<PathBuf>,
    #[command(flatten)]
    key_password: crate::trust::PasswordArgs,
    #[command(flatten)]
    image_args: ImageArgs,
}

fn keep(f: &Finding, args: &ScanArgs) -> bool {
    (args.severity.is_empty() || args.severity.contains(&f.severity))
        && !(args.ignore_unfixed && f.status != Status::Fixed)
}

/// The vulnerability rating a check severity is filtered as (`--severity`): info counts as negligible.
fn rating_of(s: Severity) -> Rating {
    match s {
        Severity::Critical => Rating::Critical,
        Severity::High => Rating::High,
        Severity::Medium => Rating::Medium,
        Severity::Low => Rating::Low,
        Severity::Info => Rating::Negligible,
    }
}

/// The scanner names `--scanners` knows.
const SCANNERS: &[&str] = &["vuln", "config", "secret", "malware"];

/// Sets up the config, secret and malware checks the arguments ask for (None when none is asked for).
fn image_checks(args: &ScanArgs) -> Result<Option<ImageChecks>> {
    let on = |name: &str| args.scanners.iter().any(|s| s == name);
    let scanners = Scanners {
        config: on("config"),
        secret: on("secret"),
        malware: on("malware"),
    };
    if !scanners.any() {
        return Ok(None);
    }
    if !(args.password_budget.is_finite() && args.password_budget >= 0.0) {
        bail!("--password-budget must be a number of seconds, 0 or more");
    }
    let mut options = ChecksOptions {
        scanners,
        password_budget: Budget::seconds(args.password_budget),
        ..ChecksOptions::default()
    };
    if let Some(path) = &args.baseline {
        options.baseline = Baseline::load(path)?;
    }
    options.malware.rule_dirs = args.malware_rules.clone();
    options.malware.hash_lists = args.malware_hashes.clone();
    options.secret.allow_paths = args.secret_allow.clone();
    options.secret.disabled_rules = args.secret_skip_rule.clone();
    options.secret.scan_binaries = args.secret_scan_binaries;
    Ok(Some(ImageChecks::new(options)?))
}

/// What the policy sees of every reported vulnerability and finding.
fn policy_items(vulnerabilities: &[Finding], findings: &[CheckFinding]) -> Vec<Item> {
    let mut items: Vec<Item> = vulnerabilities
        .iter()
        .map(|v| Item {
            category: "vulnerability".into(),
            id: v.id.clone(),
            aliases: v.aliases.clone(),
            severity: v.severity.to_string(),
            package: Some((v.package.name.clone(), v.package.purl.clone())),
            path: None,
            fixed: v.status == Status::Fixed,
        })
        .collect();
    items.extend(findings.iter().map(|f| Item {
        category: f.category.as_str().into(),
        id: f.id.clone(),
        aliases: Vec::new(),
        severity: f.severity.to_string(),
        package: None,
        path: f.path.clone(),
        fixed: false,
    }));
    items
}

/// The ignore file used when `--ignore-file` is not given, if it exists in the current directory.
const DEFAULT_IGNORE_FILE: &str = ".rensaignore.yaml";

/// Reads every ignore file and VEX document before anything is scanned: a file that does not read is
/// an error (exit 2), never an empty list of suppressions.
fn read_suppressions(
    args: &ScanArgs,
    notes: &mut Vec<String>,
) -> Result<(Vec<ignore::IgnoreFile>, Vec<openvex::VexDocument>)> {
    let mut ignore_paths = args.ignore_file.clone();
    if ignore_paths.is_empty() && Path::new(DEFAULT_IGNORE_FILE).is_file() {
        notes.push(format!(
            "using the ignore file {DEFAULT_IGNORE_FILE} of the current directory (give --ignore-file to choose another)"
        ));
        ignore_paths.push(PathBuf::from(DEFAULT_IGNORE_FILE));
    }
    let ignores = ignore_paths
        .iter()
        .map(|p| ignore::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let vex = args
        .vex
        .iter()
        .map(|p| openvex::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ignores, vex))
}

/// Runs `rensa scan`.
pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    if let Some(other) = args.scanners.iter().find(|s| !SCANNERS.contains(&s.as_str())) {
        bail!("unknown scanner {other:?} (known: {})", SCANNERS.join(", "));
    }
    // Everything the user gave is read before the image: a bad file fails the scan, never half of it.
    let mut suppress_notes = Vec::new();
    let (ignores, vex) = read_suppressions(args, &mut suppress_notes)?;
    let policy = match &args.policy {
        Some(p) => Policy::read(p)?,
        None => Policy::default(),
    };
    // The key is opened (and its password asked for) before a long scan, and the image must be one
    // that can carry an attestation.
    let attest_key = match (&args.attest, &args.key) {
        (true, Some(key)) => {
            if !matches!(
                rensa_oci::ImageRef::parse(&args.image)?,
                rensa_oci::ImageRef::Registry(_)
            ) {
                bail!(
                    "--attest needs an image in a registry (HOST/REPO:TAG), not {}",
                    args.image
                );
            }
            Some(crate::trust::load_private_key(key, &args.key_password)?)
        }
        _ => None,
    };
    let mut db_newest: Option<String> = None;
    // An SBOM has no files to check: the checks (and the cost of compiling their rules) are skipped.
    let sbom_input = args.image.starts_with("sbom:");
    let checks = if sbom_input { None } else { image_checks(args)? };
    let explicit_checks = args.scanners.len() < SCANNERS.len() && args.scanners.iter().any(|s| s != "vuln");
    if sbom_input && explicit_checks {
        suppress_notes
            .push("the config, secret and malware scanners need an image, not an SBOM: not run".into());
    }
    let (sbom, tree) = crate::catalog_image_with(
        &args.image,
        &args.image_args,
        checks.as_ref().map(|c| c as &dyn rensa_oci::Interest),
    )?;
    let mut check_notes = Vec::new();
    let check_findings: Vec<CheckFinding> = match (&checks, &tree) {
        (Some(c), Some((tree, image))) => {
            let (f, w) = c.findings(tree, image);
            check_notes = w;
            f
        }
        _ => Vec::new(),
    };
    let vuln_on = args.scanners.iter().any(|s| s == "vuln");
    let dir = match &args.db {
        Some(d) => d.clone(),
        None => db::default_dir()
            .ok_or_else(|| anyhow!("no cache directory: set XDG_CACHE_HOME or HOME, or give --db DIR"))?,
    };
    let mut notes: Vec<String> = sbom.warnings.clone();
    notes.extend(check_notes);
    let set = match Database::open(&dir) {
        _ if !vuln_on => MatchSet::default(),
        Ok(db) => {
            let status = db.status()?;
            db_newest = status.sources.iter().filter_map(|s| s.newest.clone()).max();
            // The age of the freshest source's newest record: the database is as fresh as its best feed.
            if let Some(age) = status
                .sources
                .iter()
                .filter_map(|s| s.age)
                .min()
                .map(|d| d.as_secs())
                && age > args.max_db_age_days * 86_400
            {
                notes.push(format!(
                    "the vulnerability database in {} holds no record newer than {} days; update it with `rensa db update` or `rensa db import`",
                    dir.display(),
                    age / 86_400
                ));
            }
            let advisories = db.advisories_for(&sbom.packages, sbom.distro.as_ref())?;
            matcher::match_packages(&sbom.packages, sbom.distro.as_ref(), &advisories)
        }
        Err(rensa_vulndb::Error::NoDatabase { .. }) => {
            notes.push(format!(
                "no vulnerability database in {}: get one with `rensa db update` or `rensa db import PATH` (packages are listed, vulnerabilities are not)",
                dir.display()
            ));
            MatchSet::default()
        }
        Err(e) => return Err(e.into()),
    };
    notes.extend(set.warnings.iter().map(|w| match &w.advisory {
        Some(a) => format!("{} ({a}): {}", w.package, w.message),
        None => format!("{}: {}", w.package, w.message),
    }));
    let MatchSet {
        findings,
        not_affected,
        ..
    } = set;
    // Suppression comes before the severity and fix filters, and so before the exit code.
    let outcome = suppress::apply(findings, &Subject::of(&sbom), &ignores, &vex, Date::today_utc());
    notes.extend(suppress_notes);
    notes.extend(outcome.notices.iter().map(|n| n.to_string()));
    let vulnerabilities: Vec<Finding> = outcome.kept.into_iter().filter(|f| keep(f, args)).collect();
    let findings: Vec<CheckFinding> = check_findings
        .into_iter()
        .filter(|f| args.severity.is_empty() || args.severity.contains(&rating_of(f.severity)))
        .collect();
    let verdict = policy.evaluate(&policy_items(&vulnerabilities, &findings), Date::today_utc());
    notes.extend(verdict.warnings.iter().cloned());
    let block = verdict.decision == Decision::Block;
    let report = Report {
        sbom,
        vulnerabilities,
        not_affected,
        suppressed: outcome.suppressed,
        findings,
        verdict: Some(verdict),
        warnings: notes,
    };
    if let Some(key) = &attest_key {
        let predicate = scan_predicate(&report, db_newest.as_deref());
        crate::trust::attest_scan(
            &args.image,
            key,
            &crate::open_options(&args.image_args)?.registry,
            predicate,
        )?;
    }
    let data = report::render(&report, args.format)?;
    crate::emit(args.output.as_ref(), &data)?;
    if !matches!(args.format, ReportFormat::Table) {
        for n in &report.warnings {
            eprintln!("rensa: warning: {n}");
        }
    }
    let code = args
        .exit_code
        .unwrap_or(if args.policy.is_some() { 1 } else { 0 });
    Ok(if block && code != 0 {
        ExitCode::from(code)
    } else {
        ExitCode::SUCCESS
    })
}

/// The `scan` predicate ([`rensa_trust::predicate::ScanPredicate`]) for `--attest`.
fn scan_predicate(report: &Report, db_newest: Option<&str>) -> serde_json::Value {
    use rensa_trust::predicate as p;
    let mut vulnerabilities = p::SeverityCounts::default();
    let mut fixable = p::SeverityCounts::default();
    for v in &report.vulnerabilities {
        let fixed = v.status == Status::Fixed;
        for (counts, yes) in [(&mut vulnerabilities, true), (&mut fixable, fixed)] {
            if !yes {
                continue;
            }
            match v.severity {
                Rating::Critical => counts.critical += 1,
                Rating::High => counts.high += 1,
                Rating::Medium => counts.medium += 1,
                Rating::Low => counts.low += 1,
                Rating::Negligible => counts.negligible += 1,
                Rating::Unknown => counts.unknown += 1,
            }
        }
    }
    let mut findings: Vec<p::Finding> = report
        .vulnerabilities
        .iter()
        .map(|v| p::Finding::Vulnerability {
            id: v.id.clone(),
            package: v.package.name.clone(),
            version: v.package.version.clone(),
            severity: v.severity.to_string(),
            fixed_version: v.fixed_version.clone(),
        })
        .collect();
    findings.extend(report.findings.iter().map(|f| p::Finding::Check {
        id: f.id.clone(),
        severity: f.severity.to_string(),
        path: f.path.clone().unwrap_or_default(),
    }));
    let verdict = match report.verdict.as_ref().map(|v| v.decision) {
        Some(Decision::Block) => p::Verdict::Block,
        _ => p::Verdict::Pass,
    };
    p::ScanPredicate {
        scanned_at: p::Timestamp::now(),
        scanner: p::Scanner {
            name: "rensa".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        database: p::Database {
            newest_record: db_newest.and_then(|t| p::Timestamp::parse(t).ok()),
            built_at: None,
        },
        vulnerabilities,
        fixable,
        findings,
        verdict,
    }
    .to_value()
}
