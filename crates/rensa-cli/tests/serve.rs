//! `rensa serve --config FILE`: bad configuration or policy exits 2 naming the file and line; a good one
//! listens on 127.0.0.1 and stops on SIGTERM with exit 0.

#[allow(unused_imports)]
#[path = "../../rensa-oci/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn setup(dir: &Path, policy: &str, extra: &str) -> std::path::PathBuf {
    let pki = support::pki::server(&dir.join("pki"));
    std::fs::copy(&pki.cert, dir.join("tls.crt")).unwrap();
    std::fs::copy(&pki.key, dir.join("tls.key")).unwrap();
    std::fs::write(dir.join("policy.yaml"), policy).unwrap();
    let config = dir.join("serve.yaml");
    std::fs::write(
        &config,
        format!(
            "version: 1\nlisten: 127.0.0.1:0\ntls: {{cert: tls.crt, key: tls.key}}\npolicy: policy.yaml\naudit_log: audit.jsonl\n{extra}"
        ),
    )
    .unwrap();
    config
}

fn serve(config: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(["serve", "--config"])
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn bad_policy_or_config_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), "version: 1\npod_security:\n  level: strict\n", "");
    let out = serve(&config);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let policy = dir.path().join("policy.yaml");
    assert!(
        stderr.starts_with(&format!("rensa: error: {}:3: ", policy.display())),
        "{stderr}"
    );

    std::fs::write(&policy, "version: 1\n").unwrap();
    let config = setup(dir.path(), "version: 1\n", "unknown_kinds: sometimes\n");
    let out = serve(&config);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("rensa: error: {}:6: ", config.display())),
        "{stderr}"
    );

    let missing = dir.path().join("missing.yaml");
    let out = serve(&missing);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "rensa: error: {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
}

#[test]
fn serves_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), "version: 1\n", "");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("rensa serve: listening on https://")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    std::net::TcpStream::connect(addr).unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rensa serve did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
