//! The secret scanner on a planted tree of fake credentials (tests/fixtures/secret/tree, made by
//! generate.py there), with decoys, a binary, a Latin-1 file and allowlisted paths; and against Trivy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rensa_checks::secret::{SecretConfig, SecretHit, SecretScanner, Skip, is_binary};

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/secret/tree")
}

/// Every regular file of the tree as (absolute image path, content), sorted.
fn files() -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_str().unwrap();
                out.push((format!("/{rel}"), std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&tree(), &tree(), &mut out);
    out.sort();
    out
}

/// (path, rule, line) of every hit over the tree, with the hits themselves.
/// (path, rule id, line) triples.
type HitSet = BTreeSet<(String, String, usize)>;

fn scan_tree(config: &SecretConfig) -> (HitSet, Vec<(String, SecretHit)>) {
    let scanner = SecretScanner::new(config).unwrap();
    let mut set = BTreeSet::new();
    let mut hits = Vec::new();
    for (path, data) in files() {
        for hit in scanner.scan(&path, &data) {
            set.insert((path.clone(), hit.rule.to_string(), hit.line));
            hits.push((path.clone(), hit));
        }
    }
    (set, hits)
}

fn expect(items: &[(&str, &str, usize)]) -> HitSet {
    items
        .iter()
        .map(|(p, r, l)| (p.to_string(), r.to_string(), *l))
        .collect()
}

/// What the default configuration must report: exactly this, nothing from the decoys, the binary or the
/// allowlisted documentation.
const PLANTED: &[(&str, &str, usize)] = &[
    ("/etc/app/app.conf", "secret-generic-assignment", 3),
    ("/etc/app/app.conf", "secret-generic-assignment", 10),
    ("/etc/legacy/latin1.conf", "secret-aws-access-key", 5),
    ("/etc/legacy/latin1.conf", "secret-generic-assignment", 4),
    ("/etc/ssl/private/server.key", "secret-private-key", 1),
    ("/home/app/.ssh/id_ed25519", "secret-private-key", 1),
    ("/opt/app/.env", "secret-generic-assignment", 7),
    ("/opt/app/.env", "secret-github-token", 3),
    ("/opt/app/.env", "secret-openai-key", 6),
    ("/opt/app/.env", "secret-sendgrid-key", 5),
    ("/opt/app/.env", "secret-slack-token", 4),
    ("/opt/app/.env", "secret-stripe-key", 2),
    ("/opt/app/config/settings.yaml", "secret-azure-storage-key", 10),
    ("/opt/app/config/settings.yaml", "secret-gitlab-token", 4),
    ("/opt/app/config/settings.yaml", "secret-google-api-key", 6),
    ("/opt/app/config/settings.yaml", "secret-slack-webhook", 8),
    ("/opt/app/config/settings.yaml", "secret-twilio-key", 12),
    ("/opt/app/gcp-sa.json", "secret-gcp-service-account", 2),
    ("/opt/app/gcp-sa.json", "secret-private-key", 5),
    ("/opt/app/tokens.sh", "secret-age-key", 5),
    ("/opt/app/tokens.sh", "secret-digitalocean-token", 2),
    ("/opt/app/tokens.sh", "secret-heroku-key", 4),
    ("/opt/app/tokens.sh", "secret-huggingface-token", 3),
    ("/opt/vendor/keys/api.env", "secret-github-token", 1),
    ("/root/.aws/credentials", "secret-aws-access-key", 2),
    ("/root/.aws/credentials", "secret-aws-secret-key", 3),
    ("/root/.docker/config.json", "secret-docker-config-auth", 4),
    ("/root/.npmrc", "secret-npm-token", 1),
    ("/root/.npmrc", "secret-npmrc-auth", 2),
    ("/root/.pypirc", "secret-pypi-token", 5),
    ("/root/.pypirc", "secret-pypirc-password", 9),
    ("/srv/api/session.txt", "secret-jwt", 2),
];

#[test]
fn planted_tree_gives_exactly_the_planted_secrets() {
    let (set, _) = scan_tree(&SecretConfig::default());
    assert_eq!(set, expect(PLANTED));
}

/// The value on `line` of `data` after the first `=` or `:` (an oracle independent of the rules).
fn assigned_value(data: &[u8], line: usize) -> String {
    let text = String::from_utf8_lossy(data);
    let l = text.lines().nth(line - 1).unwrap();
    let at = l.find(['=', ':']).unwrap();
    l[at + 1..].trim().trim_matches('"').to_string()
}

#[test]
fn ranges_point_at_the_values_and_masks_hide_them() {
    let (_, hits) = scan_tree(&SecretConfig::default());
    let files: std::collections::BTreeMap<String, Vec<u8>> = files().into_iter().collect();
    for (path, hit) in &hits {
        let data = &files[path];
        let value = &data[hit.range.clone()];
        // The range starts on the reported line.
        let line = 1 + data[..hit.range.start].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(line, hit.line, "{path} {}", hit.rule);
        if hit.rule == "secret-private-key" {
            assert!(
                value.starts_with(b"-----BEGIN ") && value.ends_with(b"PRIVATE KEY-----"),
                "{path}"
            );
            assert!(hit.masked.ends_with("PRIVATE KEY----- ****"), "{}", hit.masked);
            continue;
        }
        if hit.rule == "secret-gcp-service-account" {
            assert_eq!(value, b"service_account");
            continue;
        }
        // At most four characters are shown, and they are the value's first ones.
        let shown: String = hit.masked.chars().take_while(|&c| c != '*').collect();
        assert!(shown.len() <= 4, "{path} {}: {}", hit.rule, hit.masked);
        assert!(hit.masked.len() > shown.len(), "{}", hit.masked);
        let lossy = String::from_utf8_lossy(value);
        assert!(!hit.masked.contains(lossy.as_ref()), "{path}: value not masked");
        for (a, b) in shown.chars().zip(value.iter()) {
            assert!(a == *b as char || a == '?', "{path}: {} vs {lossy}", hit.masked);
        }
    }
    // Spot checks against the files' own text.
    let pick = |p: &str, r: &str| {
        hits.iter()
            .find(|(path, h)| path == p && h.rule == r)
            .unwrap()
            .1
            .clone()
    };
    let creds = &files["/root/.aws/credentials"];
    let key = pick("/root/.aws/credentials", "secret-aws-access-key");
    assert_eq!(
        String::from_utf8_lossy(&creds[key.range.clone()]),
        assigned_value(creds, 2)
    );
    assert_eq!(
        key.masked,
        format!("{}****************", &assigned_value(creds, 2)[..4])
    );
    let secret = pick("/root/.aws/credentials", "secret-aws-secret-key");
    assert_eq!(
        String::from_utf8_lossy(&creds[secret.range.clone()]),
        assigned_value(creds, 3)
    );
    let env = &files["/opt/app/.env"];
    let stripe = pick("/opt/app/.env", "secret-stripe-key");
    assert_eq!(
        String::from_utf8_lossy(&env[stripe.range.clone()]),
        assigned_value(env, 2)
    );
    assert!(stripe.masked.starts_with("sk_l*"));
    // The Latin-1 password: non-ASCII kept characters are shown as `?`, never as raw bytes.
    let latin = pick("/etc/legacy/latin1.conf", "secret-generic-assignment");
    assert_eq!(latin.masked, "S?c**********");
}

#[test]
fn decoys_are_not_reported() {
    let scanner = SecretScanner::new(&SecretConfig::default()).unwrap();
    for (path, data) in files() {
        if path.ends_with("decoys.conf") || path.ends_with("pem_util.py") {
            assert_eq!(scanner.scan(&path, &data), vec![], "{path}");
        }
    }
    // Each decoy line alone, in a configuration file.
    let decoys = std::fs::read_to_string(tree().join("etc/app/decoys.conf")).unwrap();
    for line in decoys.lines() {
        assert_eq!(
            scanner.scan("/etc/app/one.conf", line.as_bytes()),
            vec![],
            "{line}"
        );
    }
    // The same assignments with real-looking values are reported: the decoy checks are what rule them out.
    let real = "password = Tr0ub4dor-3x\napi_key = 9f8e7d6c5b4a39281706\n";
    let hits = scanner.scan("/etc/app/one.conf", real.as_bytes());
    assert_eq!(
        hits.iter().map(|h| (h.rule, h.line)).collect::<Vec<_>>(),
        [("secret-generic-assignment", 1), ("secret-generic-assignment", 2)]
    );
    // Debian's shipped OpenSSL sample password is known; the same line elsewhere is not.
    let cnf = b"[cmp]\nsecret = pass:insta # can be used for both client and server side\n";
    assert_eq!(scanner.scan("/etc/ssl/openssl.cnf", cnf), vec![]);
    let hits = scanner.scan("/etc/app/tls.cnf", cnf);
    assert_eq!(
        hits.iter().map(|h| (h.rule, h.line)).collect::<Vec<_>>(),
        [("secret-generic-assignment", 2)]
    );
    // Generic assignments count only in configuration files.
    assert_eq!(scanner.scan("/srv/app/main.py", real.as_bytes()), vec![]);
}

#[test]
fn binaries_are_skipped_unless_asked_for() {
    let data = std::fs::read(tree().join("opt/app/bin/app")).unwrap();
    assert!(is_binary(&data));
    let default = SecretScanner::new(&SecretConfig::default()).unwrap();
    assert_eq!(default.scan_file("/opt/app/bin/app", &data), Err(Skip::Binary));
    assert_eq!(default.scan("/opt/app/bin/app", &data), vec![]);
    let config = SecretConfig {
        scan_binaries: true,
        ..SecretConfig::default()
    };
    let (set, _) = scan_tree(&config);
    let mut want = expect(PLANTED);
    want.insert(("/opt/app/bin/app".into(), "secret-aws-access-key".into(), 1));
    assert_eq!(set, want);
}

#[test]
fn allowlists_by_path_and_rule() {
    // Without the default allowlist, the token in /usr/share/doc is found.
    let config = SecretConfig {
        default_allowlist: false,
        ..SecretConfig::default()
    };
    let (set, _) = scan_tree(&config);
    let mut want = expect(PLANTED);
    want.insert((
        "/usr/share/doc/app/README".into(),
        "secret-github-token".into(),
        1,
    ));
    assert_eq!(set, want);

    // A user glob removes /opt/vendor; a disabled rule removes its hits everywhere.
    let config = SecretConfig {
        allow_paths: vec!["/opt/*/keys".into()],
        disabled_rules: vec!["secret-jwt".into(), "secret-generic-assignment".into()],
        ..SecretConfig::default()
    };
    let scanner = SecretScanner::new(&config).unwrap();
    assert_eq!(
        scanner.skip_path("/opt/vendor/keys/api.env", 10),
        Some(Skip::Allowlisted)
    );
    let (set, _) = scan_tree(&config);
    let want: BTreeSet<_> = expect(PLANTED)
        .into_iter()
        .filter(|(p, r, _)| {
            p != "/opt/vendor/keys/api.env" && r != "secret-jwt" && r != "secret-generic-assignment"
        })
        .collect();
    assert_eq!(set, want);
}

#[test]
fn huge_files_are_skipped_with_a_reason() {
    let config = SecretConfig {
        max_file_size: 64,
        ..SecretConfig::default()
    };
    let scanner = SecretScanner::new(&config).unwrap();
    let data = std::fs::read(tree().join("root/.aws/credentials")).unwrap();
    let skip = scanner.scan_file("/root/.aws/credentials", &data).unwrap_err();
    assert_eq!(
        skip,
        Skip::TooLarge {
            size: data.len() as u64,
            max: 64
        }
    );
    assert!(skip.to_string().contains("larger than"), "{skip}");
    assert_eq!(
        scanner.skip_path("/x", 65),
        Some(Skip::TooLarge { size: 65, max: 64 })
    );
    assert_eq!(scanner.skip_path("/x", 64), None);
}

#[test]
fn hostile_input_does_not_panic_and_stays_fast() {
    let scanner = SecretScanner::new(&SecretConfig {
        scan_binaries: true,
        ..SecretConfig::default()
    })
    .unwrap();
    // Keywords everywhere on one 4 MiB line, with and without valid tokens.
    let mut line = Vec::new();
    while line.len() < 4 << 20 {
        line.extend_from_slice(b"AKIA password=eyJ -----BEGIN PRIVATE KEY----- ghp_ xoxb- \xff\xfe ");
    }
    let start = std::time::Instant::now();
    assert_eq!(scanner.scan_unchecked("/etc/a.conf", &line), vec![]);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    // Truncated candidates at the very end of the data, invalid UTF-8 and empty input.
    for tail in [
        &b"-----BEGIN RSA PRIVATE KEY-----"[..],
        b"AKIAZZZZZZZZZZ",
        b"eyJhbGciOiJub25lIn0.eyJ",
        b"\xff",
        b"",
    ] {
        let _ = scanner.scan("/etc/x.conf", tail);
    }
    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let _ = scanner.scan("/bin/x", &garbage);
    // A key split by CRLF line ends is still found, on the right line.
    let crlf = b"a\r\nb\r\ntoken=ghp_0123456789abcdefghijABCDEFGHIJ012345\r\n";
    let hits = scanner.scan("/srv/x.txt", crlf);
    assert_eq!(
        hits.iter().map(|h| (h.rule, h.line)).collect::<Vec<_>>(),
        [("secret-github-token", 3)]
    );
}

#[test]
fn findings_carry_rule_metadata_and_masked_detail() {
    let scanner = SecretScanner::new(&SecretConfig::default()).unwrap();
    let data = std::fs::read(tree().join("root/.aws/credentials")).unwrap();
    let hits = scanner.scan("/root/.aws/credentials", &data);
    let finding = hits[0].to_finding("/root/.aws/credentials", Some(2));
    assert_eq!(finding.id, "secret-aws-access-key");
    assert_eq!(finding.severity, rensa_checks::Severity::Critical);
    assert_eq!(finding.layer, Some(2));
    assert!(
        finding.detail.contains("line 2: AKIA****************"),
        "{}",
        finding.detail
    );
    assert!(!finding.detail.contains(&assigned_value(&data, 2)));
    assert!(finding.remediation.contains("later layer"));
    assert!(
        finding
            .references
            .iter()
            .any(|r| r.starts_with("NIST SP 800-190 3.1.4"))
    );
    assert!(
        finding
            .references
            .iter()
            .any(|r| r.starts_with("CIS Docker Benchmark 4.10"))
    );
}

/// Trivy 0.59.1's rule ids and the rensa rules that cover them.
const TRIVY_RULES: &[(&str, &str)] = &[
    ("age-secret-key", "secret-age-key"),
    ("aws-access-key-id", "secret-aws-access-key"),
    ("aws-secret-access-key", "secret-aws-secret-key"),
    ("gcp-service-account", "secret-gcp-service-account"),
    ("github-pat", "secret-github-token"),
    ("gitlab-pat", "secret-gitlab-token"),
    ("hugging-face-access-token", "secret-huggingface-token"),
    ("jwt-token", "secret-jwt"),
    ("private-key", "secret-private-key"),
    ("pypi-upload-token", "secret-pypi-token"),
    ("sendgrid-api-token", "secret-sendgrid-key"),
    ("slack-access-token", "secret-slack-token"),
    ("slack-web-hook", "secret-slack-webhook"),
    ("stripe-secret-token", "secret-stripe-key"),
    ("twilio-api-key", "secret-twilio-key"),
];

/// Trivy findings rensa deliberately does not make (see the README): Slack's documented example webhook.
const TRIVY_DECOYS: &[(&str, usize)] = &[("etc/app/decoys.conf", 11)];

fn trivy() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RENSA_TRIVY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    // Where scripts/setup-test-deps.sh (ensure_trivy in scripts/lib/common.sh) puts it.
    let cache = std::env::var_os("RENSA_BENCH_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/bench"));
    let cached = cache.join("trivy/trivy-0.59.1");
    cached.exists().then_some(cached)
}

#[test]
fn everything_trivy_finds_rensa_finds() {
    let Some(trivy) = trivy() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but Trivy is missing: run scripts/setup-test-deps.sh"
        );
        eprintln!("skipped: Trivy 0.59.1 not found (scripts/setup-test-deps.sh installs it)");
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&trivy)
        .args([
            "fs",
            "--scanners",
            "secret",
            "--offline-scan",
            "--skip-db-update",
            "--skip-check-update",
        ])
        .args(["--format", "json", "--quiet", "."])
        .env("TRIVY_CACHE_DIR", cache.path())
        .current_dir(tree())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trivy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut theirs = BTreeSet::new();
    for result in report["Results"].as_array().into_iter().flatten() {
        for s in result["Secrets"].as_array().into_iter().flatten() {
            theirs.insert((
                result["Target"].as_str().unwrap().to_string(),
                s["RuleID"].as_str().unwrap().to_string(),
                s["StartLine"].as_u64().unwrap() as usize,
            ));
        }
    }
    // Trivy must have found the planted secrets it has rules for, or the comparison proves nothing.
    assert!(theirs.len() >= 18, "Trivy found only {theirs:?}");
    let (ours, _) = scan_tree(&SecretConfig::default());
    let mut missed = Vec::new();
    for (path, rule, line) in &theirs {
        if TRIVY_DECOYS.contains(&(path.as_str(), *line)) {
            continue;
        }
        let mapped = TRIVY_RULES.iter().find(|(t, _)| t == rule).map(|(_, r)| *r);
        let found = ours.iter().any(|(p, r, l)| {
            p.trim_start_matches('/') == path && *l == *line && mapped.is_none_or(|m| m == r)
        });
        if !found {
            missed.push(format!("{path}:{line} {rule}"));
        }
    }
    assert!(missed.is_empty(), "Trivy finds what rensa does not: {missed:?}");
    // And the documented decoy difference is still real (otherwise drop it from the list).
    for (path, line) in TRIVY_DECOYS {
        assert!(
            theirs.iter().any(|(p, _, l)| p == path && l == line),
            "{path}:{line}"
        );
    }
}
