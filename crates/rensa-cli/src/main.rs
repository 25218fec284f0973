//! The `rensa` command-line tool: argument parsing and presentation only.

mod db;
mod deploy;
mod report;
mod scan;
mod serve;
mod trust;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rensa_catalog::format::{self, Format, WriteOptions};
use rensa_oci::{ImageRef, LayerCache, Limits, OpenOptions, Platform, ReadOptions, RegistryOptions};

/// rensa: a chain of trust for containers.
#[derive(Parser)]
#[command(name = "rensa", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Catalog every package in an image into an SBOM.
    Sbom(SbomArgs),
    /// Manage the local vulnerability database: import, status, export.
    Db(db::DbArgs),
    /// Scan an image or SBOM: vulnerabilities, configuration, secrets, malware, and a policy verdict.
    Scan(Box<scan::ScanArgs>),
    /// Manage signing keys (cosign format).
    Key(trust::KeyArgs),
    /// Sign an image in a registry (a cosign signature under sha256-HEX.sig).
    Sign(Box<trust::SignArgs>),
    /// Attest an image in a registry: a signed in-toto statement (DSSE) under sha256-HEX.att.
    Attest(Box<trust::AttestArgs>),
    /// Verify an image's signatures and attestations against a key or trust policy, and in-toto layouts.
    Verify(Box<trust::VerifyArgs>),
    /// Policies: check Kubernetes manifests against the deploy policy; convert trust policies to and
    /// from containers-policy.json.
    Policy(trust::PolicyArgs),
    /// Serve the Kubernetes admission webhook (/validate, /mutate) over HTTPS, health and metrics, and
    /// optionally the Docker authorization plugin.
    Serve(serve::ServeArgs),
}

#[derive(clap::Args)]
pub(crate) struct ImageArgs {
    /// The platform to pick from a multi-platform image (os/arch[/variant]).
    #[arg(long, default_value = "linux/amd64")]
    platform: String,
    /// Use plain HTTP for the registry.
    #[arg(long)]
    insecure: bool,
    /// Extra CA certificates (PEM) to trust for the registry.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Registry user name.
    #[arg(long, env = "RENSA_REGISTRY_USERNAME")]
    username: Option<String>,
    /// Registry password (prefer the RENSA_REGISTRY_PASSWORD environment variable).
    #[arg(long, env = "RENSA_REGISTRY_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Credential file in the containers auth.json / Docker config.json format (default: search
    /// $REGISTRY_AUTH_FILE, containers auth.json, ~/.docker/config.json).
    #[arg(long, value_name = "FILE")]
    authfile: Option<PathBuf>,
    /// Registry request timeout in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Directory of the layer cache (default: $XDG_CACHE_HOME/rensa/layers).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long)]
    no_cache: bool,
    /// Stop when the layers expand to more than this many bytes (decompression-bomb guard).
    #[arg(long, default_value_t = Limits::default().max_expanded_bytes)]
    max_expanded_bytes: u64,
}

#[derive(clap::Args)]
struct SbomArgs {
    /// The image: oci:PATH[:TAG], oci-archive:PATH[:TAG], docker-archive:PATH, dir:PATH, docker://REF, HOST/REPO:TAG or a path.
    image: String,
    /// Output format: cyclonedx, spdx, json or table.
    #[arg(long, short = 'f', default_value = "cyclonedx")]
    format: Format,
    /// Write to FILE instead of standard output (written only when everything succeeded).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    image_args: ImageArgs,
}

/// A progress bar per layer on a terminal; nothing otherwise.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<Vec<Option<ProgressBar>>>,
}

impl rensa_oci::Progress for Bars {
    fn start(&self, index: usize, size: Option<u64>) {
        let bar = self.multi.add(ProgressBar::new(size.unwrap_or(0)));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("layer {index}"));
        let mut bars = self.bars.lock().expect("not poisoned");
        if bars.len() <= index {
            bars.resize(index + 1, None);
        }
        bars[index] = Some(bar);
    }
    fn advance(&self, index: usize, bytes: u64) {
        if let Some(Some(b)) = self.bars.lock().expect("not poisoned").get(index) {
            b.inc(bytes);
        }
    }
    fn finish(&self, index: usize) {
        if let Some(Some(b)) = self.bars.lock().expect("not poisoned").get(index) {
            b.finish_and_clear();
        }
    }
}

pub(crate) fn open_options(a: &ImageArgs) -> Result<OpenOptions> {
    let platform = Platform::parse(&a.platform)
        .with_context(|| format!("invalid --platform {:?} (expected os/arch[/variant])", a.platform))?;
    Ok(OpenOptions {
        platform,
        registry: RegistryOptions {
            insecure: a.insecure,
            ca_file: a.ca_file.clone(),
            username: a.username.clone(),
            password: a.password.clone(),
            timeout_secs: a.timeout,
            auth_file: a.authfile.clone(),
        },
    })
}

fn write_options() -> WriteOptions {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    WriteOptions {
        timestamp: format::rfc3339(secs),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Writes `data` to the file (atomically) or to standard output.
pub(crate) fn emit(output: Option<&PathBuf>, data: &[u8]) -> Result<()> {
    match output {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| std::path::Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("{}: cannot create", path.display()))?;
            tmp.write_all(data)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            tmp.persist(path)
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(data).and_then(|()| out.flush()) {
                // A reader that stopped early (`rensa sbom … | head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r?,
            }
        }
    }
    Ok(())
}

/// Reads an image (or, with `sbom:PATH`, an SBOM file) into the SBOM model.
fn catalog_image(image: &str, image_args: &ImageArgs) -> Result<rensa_catalog::Sbom> {
    Ok(catalog_image_with(image, image_args, None)?.0)
}

/// An image read for `rensa scan`: its packages and, when another interest shared the walk, the merged
/// filesystem and the image (none for `sbom:` input).
pub(crate) type Cataloged = (
    rensa_catalog::Sbom,
    Option<(rensa_oci::FileTree, rensa_oci::Image)>,
);

/// Reads an image (or, with `sbom:PATH`, an SBOM file) into the SBOM model; with `other`, that interest
/// shares the walk and the merged filesystem is returned too.
pub(crate) fn catalog_image_with(
    image: &str,
    image_args: &ImageArgs,
    other: Option<&dyn rensa_oci::Interest>,
) -> Result<Cataloged> {
    if let Some(path) = image.strip_prefix("sbom:") {
        let data = std::fs::read(path).with_context(|| format!("{path}: cannot read"))?;
        return Ok((rensa_catalog::format::read::read_sbom(path, &data)?, None));
    }
    let reference = ImageRef::parse(image)?;
    let source = rensa_oci::open(&reference, &open_options(image_args)?)?;
    let bars = std::io::stderr().is_terminal().then(|| Bars {
        multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        bars: Mutex::new(Vec::new()),
    });
    let cache = if image_args.no_cache {
        None
    } else {
        image_args
            .cache_dir
            .clone()
            .or_else(LayerCache::default_dir)
            .map(LayerCache::new)
    };
    let options = ReadOptions {
        limits: Limits {
            max_expanded_bytes: image_args.max_expanded_bytes,
            ..Limits::default()
        },
        cache,
        progress: bars.as_ref().map(|b| b as &dyn rensa_oci::Progress),
    };
    Ok(match other {
        None => (rensa_catalog::catalog(source.as_ref(), &options)?, None),
        Some(other) => {
            let (sbom, tree) = rensa_catalog::catalog_with(source.as_ref(), &options, other)?;
            (sbom, Some((tree, source.image().clone())))
        }
    })
}

fn sbom(args: &SbomArgs) -> Result<()> {
    let sbom = catalog_image(&args.image, &args.image_args)?;
    let mut buf = Vec::new();
    format::write(&sbom, args.format, &write_options(), &mut buf)?;
    emit(args.output.as_ref(), &buf)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Sbom(a) => sbom(a).map(|()| ExitCode::SUCCESS),
        Command::Db(a) => db::run(a).map(|()| ExitCode::SUCCESS),
        Command::Scan(a) => scan::run(a),
        Command::Key(a) => trust::key(a),
        Command::Sign(a) => trust::sign(a),
        Command::Attest(a) => trust::attest(a),
        Command::Verify(a) => trust::verify(a),
        Command::Policy(a) => trust::policy(a),
        Command::Serve(a) => serve::run(a).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rensa: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
