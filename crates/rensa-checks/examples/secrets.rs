//! Scans a directory tree (an unpacked root filesystem) for secrets and prints the hits as JSON.
//!
//! ```text
//! cargo run -p rensa-checks --example secrets -- [--no-default-allowlist] [--allow GLOB]... [--binaries]
//!     [--disable RULE-ID]... [--max-size BYTES] [--bench] DIR
//! ```
//! Paths are printed relative to DIR; the scanner sees them as absolute image paths (`/etc/...`).
//! `--bench` reads the scannable files into memory first, then times the scan alone on one thread and
//! prints the throughput to stderr.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rensa_checks::secret::{SecretConfig, SecretScanner, Skip};

fn main() {
    if let Err(message) = run() {
        eprintln!("secrets: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut config = SecretConfig::default();
    let (mut dir, mut bench) = (None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-default-allowlist" => config.default_allowlist = false,
            "--allow" => config
                .allow_paths
                .push(args.next().ok_or("--allow needs a glob")?),
            "--binaries" => config.scan_binaries = true,
            "--max-size" => {
                let v = args.next().ok_or("--max-size needs a number")?;
                config.max_file_size = v.parse().map_err(|_| format!("--max-size: not a number: {v}"))?;
            }
            "--bench" => bench = true,
            "--disable" => config
                .disabled_rules
                .push(args.next().ok_or("--disable needs an id")?),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let dir = dir.ok_or("usage: secrets [options] DIR")?;
    let scanner = SecretScanner::new(&config).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    walk(&dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
    files.sort();

    // Read what is to be scanned (skips are decided as the image walk would: path, then content).
    let mut loaded: Vec<(String, Vec<u8>)> = Vec::new();
    let mut skipped = std::collections::BTreeMap::<String, usize>::new();
    for file in &files {
        let rel = file
            .strip_prefix(&dir)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        let image_path = format!("/{rel}");
        let size = std::fs::symlink_metadata(file).map(|m| m.len()).unwrap_or(0);
        if let Some(skip) = scanner.skip_path(&image_path, size) {
            if matches!(skip, Skip::TooLarge { .. }) {
                eprintln!("secrets: warning: {rel}: {skip}, not scanned");
            }
            *skipped.entry(skip_name(&skip)).or_default() += 1;
            continue;
        }
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("secrets: warning: {rel}: {e}");
                continue;
            }
        };
        if let Some(skip) = scanner.skip_content(&data) {
            *skipped.entry(skip_name(&skip)).or_default() += 1;
            continue;
        }
        loaded.push((image_path, data));
    }

    let start = Instant::now();
    let mut out = Vec::new();
    for (path, data) in &loaded {
        for hit in scanner.scan_unchecked(path, data) {
            out.push(serde_json::json!({
                "path": path.trim_start_matches('/'),
                "line": hit.line,
                "rule": hit.rule,
                "severity": hit.rule().severity.as_str(),
                "match": hit.masked,
            }));
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    if bench {
        let bytes: usize = loaded.iter().map(|(_, d)| d.len()).sum();
        eprintln!(
            "secrets: scanned {} files, {:.1} MB in {:.3} s on one thread: {:.0} MB/s ({} hits; skipped {:?})",
            loaded.len(),
            bytes as f64 / 1e6,
            elapsed,
            bytes as f64 / 1e6 / elapsed,
            out.len(),
            skipped
        );
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn skip_name(skip: &Skip) -> String {
    match skip {
        Skip::Allowlisted => "allowlisted",
        Skip::Binary => "binary",
        Skip::TooLarge { .. } => "too-large",
    }
    .to_string()
}

/// Collects the regular files under `dir` (symbolic links are not followed).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if let Err(e) = walk(&entry.path(), files) {
                eprintln!("secrets: warning: {}: {e}", entry.path().display());
            }
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}
