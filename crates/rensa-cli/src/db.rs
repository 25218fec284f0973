//! `rensa db`: import advisories into the local vulnerability database, show its status, and export it
//! as one file for an air-gapped network.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rensa_vulndb::db::{self, Database, ImportReport, Status};
use rensa_vulndb::update::{self, Fetch, Progress, UpdateOptions};

/// Arguments of `rensa db`.
#[derive(clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Import advisories: OSV JSON/YAML files, directories and all.zip archives, the Debian security
    /// tracker (JSON, DSA/DLA lists), Alpine secdb, RustSec, or a file from `rensa db export`.
    Import(ImportArgs),
    /// Show the sources, their record counts and the newest record's age.
    Status(StatusArgs),
    /// Write a consistent copy of the database to FILE, for `rensa db import FILE` elsewhere.
    Export(ExportArgs),
    /// Download OSV's per-ecosystem all.zip archives that changed since the last update and import them
    /// (the only command that uses the network).
    Update(UpdateArgs),
}

#[derive(clap::Args)]
struct DbDir {
    /// The database directory (default: $XDG_CACHE_HOME/rensa/db, else ~/.cache/rensa/db).
    #[arg(long, value_name = "DIR")]
    db: Option<PathBuf>,
}

impl DbDir {
    fn dir(&self) -> Result<PathBuf> {
        match &self.db {
            Some(dir) => Ok(dir.clone()),
            None => db::default_dir()
                .ok_or_else(|| anyhow!("no cache directory: set XDG_CACHE_HOME or HOME, or give --db DIR")),
        }
    }
}

#[derive(clap::Args)]
struct ImportArgs {
    /// Files or directories of advisories, or `rensa db export` files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    dir: DbDir,
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct StatusArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: StatusFormat,
    #[command(flatten)]
    dir: DbDir,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The file to write.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    dir: DbDir,
}

#[derive(clap::Args)]
struct UpdateArgs {
    /// Base URL of the archives, laid out as `<URL>/<Ecosystem>/all.zip` (http:// for a local mirror).
    #[arg(long, value_name = "URL", default_value = update::DEFAULT_SOURCE)]
    source: String,
    /// An OSV ecosystem to update (repeatable; default: Debian, Alpine, PyPI, npm, crates.io, Go, Maven,
    /// RubyGems, Packagist, NuGet).
    #[arg(long = "ecosystem", value_name = "NAME")]
    ecosystems: Vec<String>,
    #[command(flatten)]
    dir: DbDir,
}

/// Runs `rensa db`.
pub fn run(args: &DbArgs) -> Result<()> {
    match &args.command {
        DbCommand::Import(a) => import(a),
        DbCommand::Status(a) => status(a),
        DbCommand::Update(a) => update(a),
        DbCommand::Export(a) => {
            let dir = a.dir.dir()?;
            Database::open(&dir)?.export(&a.file)?;
            eprintln!("rensa: exported {} to {}", dir.display(), a.file.display());
            Ok(())
        }
    }
}

/// Skipped records listed one per line before the rest are only counted.
const SKIPPED_SHOWN: usize = 20;

fn import(args: &ImportArgs) -> Result<()> {
    let dir = args.dir.dir()?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} importing: {pos} records written")
                .expect("valid template"),
        );
        bar
    });
    let report = db::import_with(&dir, &args.paths, &mut |n| {
        if let Some(bar) = &bar
            && n % 512 == 0
        {
            bar.set_position(n as u64);
        }
        ControlFlow::Continue(())
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report =
        report.with_context(|| format!("import into {} failed; nothing was changed", dir.display()))?;
    print_import(&report, &dir);
    Ok(())
}

fn update(args: &UpdateArgs) -> Result<()> {
    let dir = args.dir.dir()?;
    let mut options = UpdateOptions {
        source: args.source.clone(),
        ..UpdateOptions::default()
    };
    if !args.ecosystems.is_empty() {
        options.ecosystems = args.ecosystems.clone();
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{msg}").expect("valid template"));
        bar
    });
    let bytes_style =
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .expect("valid template");
    let spinner_style =
        ProgressStyle::with_template("{spinner} {msg} {bytes} {bytes_per_sec}").expect("valid template");
    let result = update::update(&dir, &options, &mut |event| {
        let Some(bar) = &bar else { return };
        match event {
            Progress::Start { ecosystem, total } => {
                bar.reset();
                match total {
                    Some(n) => {
                        bar.set_style(bytes_style.clone());
                        bar.set_length(n);
                    }
                    None => {
                        bar.set_style(spinner_style.clone());
                        bar.unset_length();
                    }
                }
                bar.set_message(ecosystem.to_string());
            }
            Progress::Received { bytes, .. } => bar.set_position(bytes),
            Progress::Imported { records } => {
                if records == 1 {
                    bar.reset();
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} importing: {msg} records written")
                            .expect("valid template"),
                    );
                }
                if records % 512 == 0 {
                    bar.set_message(records.to_string());
                }
            }
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(|e| {
        let what = if matches!(e, rensa_vulndb::Error::UpdateState { .. }) {
            format!("update of {} incomplete", dir.display())
        } else {
            format!("update of {} failed; nothing was changed", dir.display())
        };
        anyhow::Error::new(e).context(what)
    })?;
    for e in &report.ecosystems {
        match e.fetch {
            Fetch::Unchanged => eprintln!("rensa: {}: unchanged since the last update", e.ecosystem),
            Fetch::Downloaded { bytes } => eprintln!(
                "rensa: {}: downloaded {} from {}",
                e.ecosystem,
                human_bytes(bytes),
                e.url
            ),
        }
    }
    match &report.import {
        Some(import) => {
            // The import read temporary files; show the URLs they came from instead.
            let mut shown = import.clone();
            let urls = report
                .ecosystems
                .iter()
                .filter(|e| matches!(e.fetch, Fetch::Downloaded { .. }));
            for (p, e) in shown.paths.iter_mut().zip(urls) {
                p.path = PathBuf::from(&e.url);
            }
            print_import(&shown, &dir)
        }
        None => println!(
            "{}: up to date ({} records)",
            dir.join(db::FILE_NAME).display(),
            Database::open(&dir)?.status()?.records
        ),
    }
    Ok(())
}

fn print_import(report: &ImportReport, dir: &Path) {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<14} {:>8} {:>8} {:>8} {:>9} {:>8}  PATH\n",
        "SOURCE", "READ", "ADDED", "REPLACED", "UNCHANGED", "SKIPPED"
    ));
    for p in &report.paths {
        out.push_str(&format!(
            "{:<14} {:>8} {:>8} {:>8} {:>9} {:>8}  {}\n",
            p.source,
            p.read,
            p.added,
            p.replaced,
            p.unchanged,
            p.skipped.len(),
            p.path.display()
        ));
    }
    out.push_str(&format!(
        "{} records in {}\n",
        report.records,
        dir.join(db::FILE_NAME).display()
    ));
    print!("{out}");
    let skipped: Vec<_> = report.paths.iter().flat_map(|p| &p.skipped).collect();
    for (location, reason) in skipped.iter().take(SKIPPED_SHOWN) {
        eprintln!("rensa: warning: skipped {location}: {reason}");
    }
    if skipped.len() > SKIPPED_SHOWN {
        eprintln!(
            "rensa: warning: ... and {} more skipped records",
            skipped.len() - SKIPPED_SHOWN
        );
    }
    let mut unknown = std::collections::BTreeMap::<&str, usize>::new();
    for p in &report.paths {
        for (eco, n) in &p.unknown_ecosystems {
            *unknown.entry(eco).or_default() += n;
        }
    }
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(|(e, n)| format!("{e} ({n})")).collect();
        eprintln!(
            "rensa: warning: affected entries of unknown ecosystems skipped: {}",
            list.join(", ")
        );
    }
}

fn status(args: &StatusArgs) -> Result<()> {
    let status = Database::open(&args.dir.dir()?)?.status()?;
    let text = match args.format {
        StatusFormat::Json => {
            let mut s = serde_json::to_string_pretty(&status_json(&status))?;
            s.push('\n');
            s
        }
        StatusFormat::Table => status_table(&status),
    };
    crate::emit(None, text.as_bytes())
}

fn status_json(status: &Status) -> serde_json::Value {
    let sources: Vec<_> = status
        .sources
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "records": s.records,
                "newest": s.newest,
                "age_seconds": s.age.map(|a| a.as_secs()),
                "imported_at": s.imported_at,
                "origin": s.origin,
            })
        })
        .collect();
    serde_json::json!({
        "path": status.path.display().to_string(),
        "size_bytes": status.size_bytes,
        "records": status.records,
        "sources": sources,
    })
}

fn status_table(status: &Status) -> String {
    let mut out = format!(
        "{} ({}, {} records)\n",
        status.path.display(),
        human_bytes(status.size_bytes),
        status.records
    );
    out.push_str(&format!(
        "{:<16} {:>8}  {:<25} {:>6}  {:<20}  ORIGIN\n",
        "SOURCE", "RECORDS", "NEWEST", "AGE", "IMPORTED"
    ));
    for s in &status.sources {
        out.push_str(&format!(
            "{:<16} {:>8}  {:<25} {:>6}  {:<20}  {}\n",
            s.name,
            s.records,
            s.newest.as_deref().unwrap_or("-"),
            s.age.map_or("-".to_string(), |a| human_age(a.as_secs())),
            s.imported_at,
            s.origin
        ));
    }
    out
}

fn human_age(secs: u64) -> String {
    match secs {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 2 * 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn human_bytes(n: u64) -> String {
    if n < 1 << 20 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / f64::from(1 << 20))
    }
}
