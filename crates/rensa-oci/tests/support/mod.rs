//! Helpers for the registry tests: OCI layouts written blob by blob, a real `docker-registry` process,
//! certificates made with `openssl`, and small HTTP servers (a token server, misbehaving registries).
#![allow(dead_code)]

pub mod http;
pub mod layout;
pub mod pki;
pub mod registry;

use std::path::Path;
use std::process::Command;

/// Fails the test (it does not skip) when a tool the suite needs is not installed.
pub fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()));
    assert!(
        found,
        "{tool} is not installed: run scripts/setup-test-deps.sh (it installs the test tools)"
    );
}

/// Runs a command to completion and returns its stdout; panics with its stderr when it fails.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes a file, creating its parent directories.
pub fn write(path: &Path, data: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, data).unwrap();
}
