//! `rensa scan`: catalog an image (or read an SBOM), look its packages up in the local vulnerability
//! database, and report the findings.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;
use rensa_catalog::{Ecosystem, Sbom};
use rensa_vulndb::advisory::{Advisory, Status};
use rensa_vulndb::db::{self, Database};
use rensa_vulndb::matcher::{self, Finding, MatchSet};
use rensa_vulndb::severity::Rating;

use crate::ImageArgs;

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
    #[arg(long, short = 'f', value_enum, default_value_t = ScanFormat::Table)]
    format: ScanFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with this code when anything is reported (0: always succeed).
    #[arg(long, default_value_t = 0)]
    exit_code: u8,
    /// Warn when the database's newest import is older than this many days.
    #[arg(long, default_value_t = 7)]
    max_db_age_days: u64,
    #[command(flatten)]
    image_args: ImageArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScanFormat {
    Table,
    Json,
}

/// Every advisory the database holds for the packages (by ecosystem and each name they may be filed under).
fn advisories_for(db: &Database, sbom: &Sbom) -> Result<Vec<Advisory>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for pkg in &sbom.packages {
        let Some((exact, _family)) = matcher::osv_ecosystem(pkg, sbom.distro.as_ref()) else {
            continue;
        };
        let mut names = vec![matcher::lookup_name(pkg)];
        if pkg.ecosystem == Ecosystem::Rpm {
            names.push(pkg.name.clone());
            names.extend(pkg.source_name.clone());
        }
        names.sort();
        names.dedup();
        for name in names {
            for adv in db.lookup(&exact, &name)? {
                if seen.insert(adv.key()) {
                    out.push(adv);
                }
            }
        }
    }
    Ok(out)
}

fn keep(f: &Finding, args: &ScanArgs) -> bool {
    (args.severity.is_empty() || args.severity.contains(&f.severity))
        && !(args.ignore_unfixed && f.status != Status::Fixed)
}

fn table(sbom: &Sbom, set: &MatchSet, findings: &[&Finding], notes: &[String]) -> String {
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
    if !set.not_affected.is_empty() {
        out.push_str(&format!(
            "\n{} vulnerabilities the distribution declares not to affect these packages\n",
            set.not_affected.len()
        ));
    }
    for n in notes {
        out.push_str(&format!("warning: {n}\n"));
    }
    out
}

/// Runs `rensa scan`.
pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    if let Some(other) = args.scanners.iter().find(|s| s.as_str() != "vuln") {
        bail!("scanner {other:?} is not available yet (available: vuln)");
    }
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
            let advisories = advisories_for(&db, &sbom)?;
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
    let findings: Vec<&Finding> = set.findings.iter().filter(|f| keep(f, args)).collect();
    let data = match args.format {
        ScanFormat::Table => table(&sbom, &set, &findings, &notes).into_bytes(),
        ScanFormat::Json => {
            let doc = serde_json::json!({
                "artifact": sbom.image,
                "os": sbom.distro,
                "packages": sbom.packages,
                "vulnerabilities": findings,
                "not_affected": set.not_affected,
                "warnings": notes,
            });
            let mut v = serde_json::to_vec_pretty(&doc)?;
            v.push(b'\n');
            v
        }
    };
    crate::emit(args.output.as_ref(), &data)?;
    if matches!(args.format, ScanFormat::Json) {
        for n in &notes {
            eprintln!("rensa: warning: {n}");
        }
    }
    Ok(if !findings.is_empty() && args.exit_code != 0 {
        ExitCode::from(args.exit_code)
    } else {
        ExitCode::SUCCESS
    })
}
