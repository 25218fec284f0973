//! Fuzzes the secret scanner on arbitrary bytes: the first byte picks a path (which decides the rules that
//! apply, the allowlist and the config-file heuristics), the rest is the file's content. Both the checked
//! scan (allowlist, size, binary test) and the unchecked one run, and every hit is turned into a finding.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rensa_checks::secret::{SecretConfig, SecretScanner, is_binary, mask};

const PATHS: &[&str] = &[
    "/app/.env",
    "/app/config.yaml",
    "/app/settings.py",
    "/root/.ssh/id_rsa",
    "/root/.aws/credentials",
    "/root/.docker/config.json",
    "/home/user/.git-credentials",
    "/etc/app/app.conf",
    "/app/src/main.js",
    "/app/Dockerfile",
    "/usr/share/doc/x/README",
    "/etc/ssl/openssl.cnf",
    "/app/id_ed25519.pub",
    "/app/data.bin",
];

fn scanner() -> &'static SecretScanner {
    static S: OnceLock<SecretScanner> = OnceLock::new();
    S.get_or_init(|| SecretScanner::new(&SecretConfig::default()).expect("the built-in rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else { return };
    let path = PATHS[sel as usize % PATHS.len()];
    let s = scanner();
    let _ = is_binary(content);
    for hit in s.scan(path, content) {
        let _ = hit.to_finding(path, Some(0));
    }
    for hit in s.scan_unchecked(path, content) {
        let _ = hit.rule();
        let _ = hit.to_finding(path, None);
    }
    let _ = mask(content);
});
