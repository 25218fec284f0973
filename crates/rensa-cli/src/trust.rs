//! `rensa key generate`, `rensa sign`, `rensa attest`, `rensa verify` and `rensa policy convert`:
//! cosign-format signatures and attestations in a registry, checked against a trust policy.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use rensa_oci::RegistryOptions;
use rensa_trust::cosign::{self, Attachment, Layer};
use rensa_trust::intoto::Statement;
use rensa_trust::key::{EncryptOptions, KeySpec, PrivateKey, PublicKey};
use rensa_trust::policy::{Decision, Policy};
use rensa_trust::predicate::{PredicateKind, StagePredicate, StageResult, Timestamp};
use rensa_trust::registry::{MAX_ATTACHMENT_BYTES, Resolved};
use rensa_trust::simplesigning::SimpleSigning;

/// How to reach the registry (the same flags as for pulling images).
#[derive(clap::Args, Clone)]
pub(crate) struct RegistryArgs {
    /// Use plain HTTP for the registry.
    #[arg(long)]
    pub(crate) insecure: bool,
    /// Extra CA certificates (PEM) to trust for the registry.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Registry user name.
    #[arg(long, env = "RENSA_REGISTRY_USERNAME")]
    pub(crate) username: Option<String>,
    /// Registry password (prefer the RENSA_REGISTRY_PASSWORD environment variable).
    #[arg(long, env = "RENSA_REGISTRY_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// Credential file in the containers auth.json / Docker config.json format (default: search
    /// $REGISTRY_AUTH_FILE, containers auth.json, ~/.docker/config.json).
    #[arg(long, value_name = "FILE")]
    pub(crate) authfile: Option<PathBuf>,
    /// Registry request timeout in seconds.
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
}

impl RegistryArgs {
    pub(crate) fn options(&self) -> RegistryOptions {
        RegistryOptions {
            insecure: self.insecure,
            ca_file: self.ca_file.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            timeout_secs: self.timeout,
            auth_file: self.authfile.clone(),
        }
    }
}

/// Where a private key's password comes from.
#[derive(clap::Args, Clone)]
pub(crate) struct PasswordArgs {
    /// Read the key password from this file (its first line); else RENSA_PASSWORD, else a prompt on
    /// the terminal.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

/// `rensa key …`
#[derive(clap::Args)]
pub(crate) struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(clap::Subcommand)]
enum KeyCommand {
    /// Write a new key pair: PREFIX.key (cosign's encrypted format) and PREFIX.pub (PEM).
    Generate {
        /// The files to write: PREFIX.key and PREFIX.pub (neither may exist).
        prefix: PathBuf,
        /// The algorithm.
        #[arg(long = "type", value_enum, default_value_t = KeyType::Ecdsa)]
        kind: KeyType,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KeyType {
    /// ECDSA P-256 (cosign's default).
    Ecdsa,
    /// Ed25519.
    Ed25519,
    /// RSA 3072 bits.
    Rsa,
}

/// `rensa sign`
#[derive(clap::Args)]
pub(crate) struct SignArgs {
    /// The image in a registry: HOST/REPO:TAG, HOST/REPO@DIGEST or docker://…
    image: String,
    /// The private key (cosign format).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// An annotation for the payload's `optional` section (KEY=VALUE); repeatable.
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    #[command(flatten)]
    password: PasswordArgs,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// `rensa attest`
#[derive(clap::Args)]
pub(crate) struct AttestArgs {
    /// The image in a registry.
    image: String,
    /// The private key (cosign format).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The predicate type: scan, stage, cyclonedx, slsaprovenance, or a URI for any other type.
    #[arg(long = "type", value_name = "TYPE")]
    kind: String,
    /// The predicate (JSON). Required except for `--type stage`, where it gives the stage's details.
    #[arg(long, value_name = "FILE")]
    predicate: Option<PathBuf>,
    /// The stage name (`--type stage`).
    #[arg(long, value_name = "NAME")]
    stage: Option<String>,
    /// The stage result (`--type stage`).
    #[arg(long, value_enum, default_value_t = ResultArg::Passed)]
    result: ResultArg,
    #[command(flatten)]
    password: PasswordArgs,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ResultArg {
    Passed,
    Failed,
}

/// Output format of `rensa verify`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum VerifyFormat {
    Text,
    Json,
}

/// `rensa verify`
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// The image in a registry (not needed with --in-toto-layout alone).
    image: Option<String>,
    /// Accept any valid signature by this public key (cosign.pub PEM).
    #[arg(long, value_name = "PUB", conflicts_with = "policy")]
    key: Option<PathBuf>,
    /// The trust policy: rensa's YAML, or a containers-policy.json.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Verify an in-toto layout (in-toto 1.x metadata) and its links.
    #[arg(long, value_name = "LAYOUT", requires_all = ["layout_key", "links"])]
    in_toto_layout: Option<PathBuf>,
    /// The layout's public key as in-toto-keygen writes it (repeatable).
    #[arg(long, value_name = "PUB")]
    layout_key: Vec<PathBuf>,
    /// The directory holding the link files (STEP.KEYID8.link).
    #[arg(long, value_name = "DIR")]
    links: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = VerifyFormat::Text)]
    format: VerifyFormat,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// `rensa policy …`: deploy-policy checks and trust-policy conversion.
#[derive(clap::Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(clap::Subcommand)]
enum PolicyCommand {
    /// Check Kubernetes manifests against the deploy policy (pod security, network, placement).
    Check(crate::deploy::CheckArgs),
    /// Convert between a containers-policy.json (podman, CRI-O, skopeo) and rensa's trust policy
    /// (YAML): the input's format is detected and the other is written.
    Convert {
        /// The policy to convert.
        file: PathBuf,
        /// Write to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

// ---------------------------------------------------------------------------------------------
// Passwords and keys

fn read_password(args: &PasswordArgs, what: &str, confirm: bool) -> Result<Vec<u8>> {
    if let Some(path) = &args.password_file {
        let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
        return Ok(line.strip_suffix(b"\r").unwrap_or(line).to_vec());
    }
    if let Ok(p) = std::env::var("RENSA_PASSWORD") {
        return Ok(p.into_bytes());
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password for {what}: set RENSA_PASSWORD or give --password-file (no terminal to ask on)");
    }
    let first = prompt(&format!("Password for {what}: "))?;
    if confirm && prompt("Again: ")? != first {
        bail!("the passwords do not match");
    }
    Ok(first)
}

/// Asks on the terminal with echo off (`stty -echo`, restored afterwards).
fn prompt(text: &str) -> Result<Vec<u8>> {
    let tty = || std::fs::File::open("/dev/tty");
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(
                tty()
                    .map(std::process::Stdio::from)
                    .unwrap_or_else(|_| std::process::Stdio::null()),
            )
            .status()
    };
    eprint!("{text}");
    std::io::stderr().flush().ok();
    let _ = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    let _ = stty("echo");
    eprintln!();
    read.context("cannot read the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
}

pub(crate) fn load_private_key(path: &Path, password: &PasswordArgs) -> Result<PrivateKey> {
    let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let password = read_password(password, &path.display().to_string(), false)?;
    PrivateKey::from_encrypted_pem(&text, &password).with_context(|| format!("{}", path.display()))
}

fn load_public_key(path: &Path) -> Result<PublicKey> {
    let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    PublicKey::from_pem(&text).with_context(|| format!("{}", path.display()))
}

fn key_generate(prefix: &Path, kind: KeyType, password: &PasswordArgs) -> Result<()> {
    let key_path = PathBuf::from(format!("{}.key", prefix.display()));
    let pub_path = PathBuf::from(format!("{}.pub", prefix.display()));
    for p in [&key_path, &pub_path] {
        if p.exists() {
            bail!("{}: already exists (refusing to overwrite a key)", p.display());
        }
    }
    let spec = match kind {
        KeyType::Ecdsa => KeySpec::EcdsaP256,
        KeyType::Ed25519 => KeySpec::Ed25519,
        KeyType::Rsa => KeySpec::Rsa(3072),
    };
    let password = read_password(password, &key_path.display().to_string(), true)?;
    let (key, files) = rensa_trust::key::generate_key_files(spec, &password, EncryptOptions::default())?;
    write_new(&key_path, files.private_pem.as_bytes(), 0o600)?;
    write_new(&pub_path, files.public_pem.as_bytes(), 0o644)?;
    eprintln!(
        "wrote {} and {} (key {})",
        key_path.display(),
        pub_path.display(),
        key.public_key().fingerprint()
    );
    Ok(())
}

/// Creates `path` (which must not exist) with `mode` and writes `data`.
fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    f.write_all(data)
        .with_context(|| format!("{}: cannot write", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Registry

fn resolve(image: &str, registry: &RegistryOptions) -> Result<Resolved> {
    Ok(rensa_trust::registry::resolve(image, registry)?)
}

/// Appends `layer` (whose content is `content`) to the image's `.sig` or `.att` manifest.
fn attach(r: &Resolved, kind: Attachment, layer: Layer, content: &[u8]) -> Result<String> {
    let tag = kind.tag(&r.digest)?;
    let existing = r.repo.manifest(&tag)?;
    let Some(updated) = cosign::append(existing.as_ref().map(|m| m.data.as_slice()), layer)? else {
        return Ok(tag);
    };
    r.repo.push_blob(content)?;
    r.repo.push_blob(&updated.config)?;
    r.repo
        .put_manifest(&tag, &updated.manifest, cosign::MANIFEST_MEDIA_TYPE)?;
    Ok(tag)
}

pub(crate) fn sign(args: &SignArgs) -> Result<ExitCode> {
    let key = load_private_key(&args.key, &args.password)?;
    let r = resolve(&args.image, &args.registry.options())?;
    let mut payload = SimpleSigning::new(r.name.full(), r.digest.clone())?;
    if !args.annotations.is_empty() {
        let mut optional = BTreeMap::new();
        for a in &args.annotations {
            let (k, v) = a
                .split_once('=')
                .with_context(|| format!("annotation {a:?} is not KEY=VALUE"))?;
            optional.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
        payload.optional = Some(optional);
    }
    let payload = payload.to_json();
    // cosign 2.x signs image signatures with Ed25519ph; verification accepts both.
    let signature = key.sign_with(&payload, rensa_trust::key::Ed25519Mode::Prehashed)?;
    let tag = attach(
        &r,
        Attachment::Signatures,
        Layer::signature(&payload, &signature),
        &payload,
    )?;
    eprintln!(
        "signed {}@{} with key {}; signatures at {}:{}",
        r.name.full(),
        r.digest,
        key.public_key().fingerprint(),
        r.name.full(),
        tag
    );
    Ok(ExitCode::SUCCESS)
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let data = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_slice(&data).with_context(|| format!("{}: not JSON", path.display()))
}

/// The predicate type URI and the predicate for `rensa attest`.
fn predicate(args: &AttestArgs) -> Result<(String, serde_json::Value)> {
    let kind = PredicateKind::from_name(&args.kind);
    if kind == Some(PredicateKind::Stage) {
        let stage = args.stage.clone().context("--type stage needs --stage NAME")?;
        let details = match &args.predicate {
            Some(p) => match read_json(p)? {
                serde_json::Value::Object(m) => Some(m),
                _ => bail!("{}: the stage details must be a JSON object", p.display()),
            },
            None => None,
        };
        let predicate = StagePredicate {
            stage,
            result: match args.result {
                ResultArg::Passed => StageResult::Passed,
                ResultArg::Failed => StageResult::Failed,
            },
            finished_at: Timestamp::now(),
            details,
        };
        return Ok((PredicateKind::Stage.uri().to_string(), predicate.to_value()));
    }
    if args.stage.is_some() {
        bail!("--stage is only for --type stage");
    }
    let path = args
        .predicate
        .as_ref()
        .with_context(|| format!("--type {} needs --predicate FILE", args.kind))?;
    let value = read_json(path)?;
    match kind {
        Some(k) => {
            k.validate(&value)
                .with_context(|| format!("{}", path.display()))?;
            Ok((k.uri().to_string(), value))
        }
        None if args.kind.contains(':') => Ok((args.kind.clone(), value)),
        None => bail!(
            "unknown predicate type {:?} (scan, stage, cyclonedx, slsaprovenance, or a URI)",
            args.kind
        ),
    }
}

/// Signs an in-toto statement about the resolved image and appends it to its `.att` manifest.
fn attest_resolved(
    r: &Resolved,
    key: &PrivateKey,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Result<String> {
    let hex = r.digest.strip_prefix("sha256:").context("not a sha256 digest")?;
    let statement = Statement {
        subject: vec![rensa_trust::intoto::Subject::sha256(r.name.full(), hex)],
        predicate_type: predicate_type.to_string(),
        predicate,
    };
    let envelope = statement.sign(key, "")?.to_json();
    attach(
        r,
        Attachment::Attestations,
        Layer::attestation(&envelope, predicate_type),
        &envelope,
    )
}

pub(crate) fn attest(args: &AttestArgs) -> Result<ExitCode> {
    let (predicate_type, predicate) = predicate(args)?;
    let key = load_private_key(&args.key, &args.password)?;
    let r = resolve(&args.image, &args.registry.options())?;
    let tag = attest_resolved(&r, &key, &predicate_type, predicate)?;
    eprintln!(
        "attested {}@{} ({predicate_type}) with key {}; attestations at {}:{}",
        r.name.full(),
        r.digest,
        key.public_key().fingerprint(),
        r.name.full(),
        tag
    );
    Ok(ExitCode::SUCCESS)
}

/// `rensa scan … --attest --key KEY`: resolves the scanned image in its registry and attests the
/// scan predicate.
pub(crate) fn attest_scan(
    image: &str,
    key: &PrivateKey,
    registry: &RegistryOptions,
    predicate: serde_json::Value,
) -> Result<()> {
    PredicateKind::Scan.validate(&predicate)?;
    let r = resolve(image, registry)?;
    let tag = attest_resolved(&r, key, PredicateKind::Scan.uri(), predicate)?;
    eprintln!(
        "attested the scan result for {}@{} at {}",
        r.name.full(),
        r.digest,
        tag
    );
    Ok(())
}

fn load_policy(path: &Path) -> Result<(Policy, Vec<String>)> {
    Ok(Policy::read(path)?)
}

/// The policy `--key PUB` stands for: any valid signature by that key, exact identity.
fn key_policy(path: &Path) -> Result<Policy> {
    load_public_key(path)?;
    let text = "version: 1\nkeys: { key: { path: key.pub } }\ndefault: { signatures: { keys: [key] } }\n";
    let origin = format!("--key {}", path.display());
    Ok(Policy::parse(text, &origin, &mut |_| std::fs::read(path))?)
}

fn print_decision(d: &Decision, warnings: &[String]) {
    let mut out = String::new();
    out.push_str(&format!(
        "{}@{}: {} (policy {}, scope {})\n",
        d.image,
        d.digest,
        if d.allowed { "TRUSTED" } else { "NOT TRUSTED" },
        d.policy,
        d.scope
    ));
    for r in &d.requirements {
        out.push_str(&format!(
            "  [{}] {}: {}\n",
            if r.passed { "pass" } else { "FAIL" },
            r.name,
            r.summary
        ));
        if !r.signed_by.is_empty() {
            out.push_str(&format!("         signed by: {}\n", r.signed_by.join(", ")));
        }
        for reason in &r.reasons {
            out.push_str(&format!("         - {reason}\n"));
        }
    }
    for w in warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    print!("{out}");
}

pub(crate) fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let mut allowed = true;
    let mut json = serde_json::Map::new();
    if let Some(layout) = &args.in_toto_layout {
        let v = verify_in_toto(
            layout,
            &args.layout_key,
            args.links.as_deref().unwrap_or(Path::new(".")),
        )?;
        allowed &= v.passed;
        if args.format == VerifyFormat::Text {
            print!("{}", v.text);
        }
        json.insert("in_toto".into(), v.json);
    }
    if let Some(image) = &args.image {
        let (policy, mut warnings) = match (&args.key, &args.policy) {
            (Some(k), _) => (key_policy(k)?, Vec::new()),
            (None, Some(p)) => load_policy(p)?,
            (None, None) => bail!("rensa verify IMAGE needs --key PUB or --policy FILE"),
        };
        let r = resolve(image, &args.registry.options())?;
        let (evidence, found) = rensa_trust::registry::evidence(&r)?;
        warnings.extend(found);
        let decision = policy.evaluate(&r.name, &r.digest, &evidence, Timestamp::now());
        allowed &= decision.allowed;
        match args.format {
            VerifyFormat::Text => print_decision(&decision, &warnings),
            VerifyFormat::Json => {
                json.insert("image".into(), serde_json::to_value(&decision)?);
                json.insert("warnings".into(), serde_json::to_value(&warnings)?);
            }
        }
    } else if args.in_toto_layout.is_none() {
        bail!("rensa verify needs an IMAGE or --in-toto-layout");
    }
    if args.format == VerifyFormat::Json {
        json.insert("allowed".into(), allowed.into());
        crate::emit(None, &crate::report::to_sorted_json(&json)?)?;
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

struct InTotoResult {
    passed: bool,
    text: String,
    json: serde_json::Value,
}

fn verify_in_toto(layout: &Path, keys: &[PathBuf], links_dir: &Path) -> Result<InTotoResult> {
    use rensa_trust::intoto::layout::{SignedLayout, SslibKey, verify};
    let data = std::fs::read(layout).with_context(|| format!("{}: cannot read", layout.display()))?;
    let signed = SignedLayout::from_json(&data).with_context(|| format!("{}", layout.display()))?;
    let mut layout_keys = Vec::new();
    for k in keys {
        let bytes = std::fs::read(k).with_context(|| format!("{}: cannot read", k.display()))?;
        layout_keys.push(SslibKey::from_key_file(&bytes).with_context(|| format!("{}", k.display()))?);
    }
    let mut links = BTreeMap::new();
    let entries = std::fs::read_dir(links_dir)
        .with_context(|| format!("{}: cannot read the links directory", links_dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".link") && entry.file_type()?.is_file() {
            let mut data = Vec::new();
            std::fs::File::open(entry.path())?
                .take(MAX_ATTACHMENT_BYTES)
                .read_to_end(&mut data)?;
            links.insert(name, data);
        }
    }
    let v = verify(&signed, &layout_keys, &links, std::time::SystemTime::now())?;
    let passed = v.passed();
    let mut text = format!(
        "in-toto layout {}: {} (expires {})\n",
        layout.display(),
        if passed { "VERIFIED" } else { "FAILED" },
        v.expires
    );
    for s in &v.steps {
        text.push_str(&format!(
            "  [{}] step {}: {} of threshold {} ({})\n",
            if s.passed { "pass" } else { "FAIL" },
            s.name,
            s.functionaries.len(),
            s.threshold,
            s.functionaries.join(", ")
        ));
    }
    for f in &v.failures {
        text.push_str(&format!("  - {f}\n"));
    }
    let json = serde_json::json!({
        "layout": layout.display().to_string(),
        "passed": passed,
        "expires": v.expires,
        "steps": v.steps.iter().map(|s| serde_json::json!({
            "name": s.name, "threshold": s.threshold, "functionaries": s.functionaries, "passed": s.passed,
        })).collect::<Vec<_>>(),
        "failures": v.failures.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
    });
    Ok(InTotoResult { passed, text, json })
}

pub(crate) fn key(args: &KeyArgs) -> Result<ExitCode> {
    match &args.command {
        KeyCommand::Generate {
            prefix,
            kind,
            password,
        } => key_generate(prefix, *kind, password)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn policy(args: &PolicyArgs) -> Result<ExitCode> {
    match &args.command {
        PolicyCommand::Check(a) => return crate::deploy::check(a),
        PolicyCommand::Convert { file, output } => {
            let data = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
            let (text, notes) = if rensa_trust::containers_policy::looks_like(&data) {
                let (policy, notes) = load_policy(file)?;
                (policy.to_yaml(), notes)
            } else {
                let (policy, _) = load_policy(file)?;
                let exported = rensa_trust::containers_policy::export(&policy)?;
                (exported.json, exported.notes)
            };
            for n in notes {
                eprintln!("note: {n}");
            }
            crate::emit(output.as_ref(), text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
