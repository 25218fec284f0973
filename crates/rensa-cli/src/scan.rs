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
    /// Scanners to run (only `vuln` exists so far).
    #[arg(long, value_delimiter = ',', default_value = "vuln")]
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
    /// Exit with this code when anything is reported (0: always succeed).
    #[arg(long, default_value_t = 0)]
    exit_code: u8,
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
    #[command(flatten)]
    image_args: ImageArgs,
}

fn keep(f: &Finding, args: &ScanArgs) -> bool {
    (args.severity.is_empty() || args.severity.contains(&f.severity))
        && !(args.ignore_unfixed && f.status != Status::Fixed)
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
    if let Some(other) = args.scanners.iter().find(|s| s.as_str() != "vuln") {
        bail!("scanner {other:?} is not available yet (available: vuln)");
    }
    let mut suppress_notes = Vec::new();
    let (ignores, vex) = read_suppressions(args, &mut suppress_notes)?;
    let sbom = crate::catalog_image(&args.image, &args.image_args)?;
    let dir = match &args.db {
        Some(d) => d.clone(),
        None => db::default_dir()
            .ok_or_else(|| anyhow!("no cache directory: set XDG_CACHE_HOME or HOME, or give --db DIR"))?,
    };
    let mut notes: Vec<String> = sbom.warnings.clone();
    let set = match Database::open(&dir) {
        Ok(db) => {
            let status = db.status()?;
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
    let report = Report {
        sbom,
        vulnerabilities: outcome.kept.into_iter().filter(|f| keep(f, args)).collect(),
        not_affected,
        suppressed: outcome.suppressed,
        warnings: notes,
    };
    let data = report::render(&report, args.format)?;
    crate::emit(args.output.as_ref(), &data)?;
    if !matches!(args.format, ReportFormat::Table) {
        for n in &report.warnings {
            eprintln!("rensa: warning: {n}");
        }
    }
    let findings = &report.vulnerabilities;
    Ok(if !findings.is_empty() && args.exit_code != 0 {
        ExitCode::from(args.exit_code)
    } else {
        ExitCode::SUCCESS
    })
}
