//! Config rules: one tree per rule that triggers it and a near miss that does not, the `sshd -T`
//! differential test, and the expectation for a clean Debian 12 image.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use rensa_checks::config::sshd::{Connection, SshdConfig};
use rensa_checks::config::{self, Baseline};
use rensa_checks::{Finding, Severity};
use rensa_oci::walk::Entry;
use rensa_oci::{FileTree, Image, LayerIndex, SourceKind};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config"))
}

fn tree(entries: Vec<Entry>) -> FileTree {
    FileTree::from_layers(vec![LayerIndex {
        entries,
        ..Default::default()
    }])
}

fn with_mode(mut e: Entry, mode: u32, uid: u64, gid: u64) -> Entry {
    e.mode = mode;
    e.uid = uid;
    e.gid = gid;
    e
}

fn image(config: serde_json::Value) -> Image {
    Image {
        name: "test".into(),
        kind: SourceKind::OciLayout,
        manifest_digest: None,
        config_digest: None,
        tags: Vec::new(),
        config: serde_json::from_value(serde_json::json!({ "config": config })).unwrap(),
        layers: Vec::new(),
    }
}

/// An image config that none of the image rules object to.
fn good_image() -> Image {
    image(serde_json::json!({
        "User": "app",
        "Healthcheck": {"Test": ["CMD", "true"]},
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
    }))
}

/// The state part of a finding's detail (without the rule's rationale).
fn state(f: &Finding) -> String {
    let rule = config::rules::rule_by_id(&f.id).unwrap();
    f.detail
        .strip_suffix(rule.rationale)
        .and_then(|d| d.strip_suffix(". "))
        .unwrap_or(&f.detail)
        .to_string()
}

fn run(tree: &FileTree, image: &Image) -> (Vec<Finding>, Vec<String>) {
    config::check(tree, image, &Baseline::default())
}

/// `(path, state)` of the findings of one rule.
fn of(tree: &FileTree, image: &Image, id: &str) -> Vec<(Option<String>, String)> {
    run(tree, image)
        .0
        .iter()
        .filter(|f| f.id == id)
        .map(|f| (f.path.clone(), state(f)))
        .collect()
}

fn p(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// Loads a directory as an image tree: every file, with content for the files `config::wants`.
fn load_dir(root: &Path) -> FileTree {
    let mut entries = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let path = e.path();
            let rel = format!("/{}", path.strip_prefix(root).unwrap().display());
            let Ok(md) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let mut entry = if md.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                Entry::symlink(&rel, &target.to_string_lossy())
            } else if md.is_dir() {
                stack.push(path.clone());
                Entry::dir(&rel)
            } else if md.is_file() {
                let content = if config::wants(&rel) {
                    std::fs::read(&path).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let mut f = Entry::file(&rel, &content);
                if !config::wants(&rel) {
                    f.content = None;
                }
                f.size = md.len();
                f
            } else {
                continue;
            };
            entry.mode = md.mode() & 0o7777;
            entry.uid = u64::from(md.uid());
            entry.gid = u64::from(md.gid());
            entries.push(entry);
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    tree(entries)
}

// ---------------------------------------------------------------- remote-login-enabled

fn sshd_binary() -> Entry {
    with_mode(Entry::file("/usr/sbin/sshd", b"\x7fELF"), 0o755, 0, 0)
}

#[test]
fn remote_login_systemd_and_sysv() {
    let t = tree(vec![
        sshd_binary(),
        Entry::symlink(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        ),
        Entry::symlink("/etc/rc2.d/S01ssh", "../init.d/ssh"),
    ]);
    assert_eq!(
        of(&t, &good_image(), "remote-login-enabled"),
        vec![(
            p("/usr/sbin/sshd"),
            "OpenSSH sshd installed (/usr/sbin/sshd) and started by: \
             systemd: /etc/systemd/system/multi-user.target.wants/ssh.service; sysvinit: /etc/rc2.d/S01ssh"
                .to_string()
        )]
    );
    // Near miss: installed, nothing starts it.
    let t = tree(vec![sshd_binary()]);
    assert_eq!(of(&t, &good_image(), "remote-login-enabled"), vec![]);
    let found = config::remote_login(&t, &good_image());
    assert_eq!(found.len(), 1);
    assert!(!found[0].enabled());
    assert_eq!(found[0].sshd, None);
}

#[test]
fn remote_login_entrypoint() {
    let t = tree(vec![sshd_binary()]);
    let img = image(serde_json::json!({
        "User": "app", "Healthcheck": {"Test": ["CMD", "true"]},
        "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["service ssh start && exec app"],
    }));
    assert_eq!(
        of(&t, &img, "remote-login-enabled"),
        vec![(
            p("/usr/sbin/sshd"),
            "OpenSSH sshd installed (/usr/sbin/sshd) and started by: image Entrypoint/Cmd: /bin/sh -c service ssh start && exec app".to_string()
        )]
    );
    // Near miss: the command mentions ssh (the client) only.
    let img = image(serde_json::json!({"User": "app", "Cmd": ["ssh", "-V"]}));
    assert_eq!(of(&t, &img, "remote-login-enabled"), vec![]);
    // Started but not installed: nothing to report.
    let img = image(serde_json::json!({"User": "app", "Cmd": ["/usr/sbin/dropbear", "-F"]}));
    assert_eq!(of(&tree(vec![]), &img, "remote-login-enabled"), vec![]);
}

#[test]
fn remote_login_inetd_xinetd_supervisor_runit() {
    let t = tree(vec![
        Entry::file("/usr/sbin/in.telnetd", b"x"),
        Entry::file(
            "/etc/inetd.conf",
            "#telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n\
             telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/in.telnetd\n",
        ),
    ]);
    assert_eq!(
        of(&t, &good_image(), "remote-login-enabled"),
        vec![(
            p("/usr/sbin/in.telnetd"),
            "telnetd installed (/usr/sbin/in.telnetd) and started by: inetd: /etc/inetd.conf:2: \
             telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/in.telnetd"
                .to_string()
        )]
    );
    // Near miss: only the commented line.
    let t = tree(vec![
        Entry::file("/usr/sbin/in.telnetd", b"x"),
        Entry::file(
            "/etc/inetd.conf",
            "#telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n",
        ),
    ]);
    assert_eq!(of(&t, &good_image(), "remote-login-enabled"), vec![]);

    let xinetd = |disable: &str| {
        tree(vec![
            Entry::file("/usr/sbin/in.rshd", b"x"),
            Entry::file(
                "/etc/xinetd.d/rsh",
                format!(
                    "service shell\n{{\n\tsocket_type = stream\n\tserver = /usr/sbin/in.rshd\n\tdisable = {disable}\n}}\n"
                ),
            ),
        ])
    };
    assert_eq!(
        of(&xinetd("no"), &good_image(), "remote-login-enabled"),
        vec![(
            p("/usr/sbin/in.rshd"),
            "rsh/rlogin/rexec installed (/usr/sbin/in.rshd) and started by: xinetd: /etc/xinetd.d/rsh:1: service shell".to_string()
        )]
    );
    assert_eq!(of(&xinetd("yes"), &good_image(), "remote-login-enabled"), vec![]);

    let sup = |autostart: &str| {
        tree(vec![
            sshd_binary(),
            Entry::file(
                "/etc/supervisor/conf.d/sshd.conf",
                format!("[program:sshd]\ncommand=/usr/sbin/sshd -D\nautostart={autostart}\n"),
            ),
        ])
    };
    assert_eq!(
        of(&sup("true"), &good_image(), "remote-login-enabled"),
        vec![(
            p("/usr/sbin/sshd"),
            "OpenSSH sshd installed (/usr/sbin/sshd) and started by: supervisord: /etc/supervisor/conf.d/sshd.conf:2: [program:sshd]".to_string()
        )]
    );
    assert_eq!(of(&sup("false"), &good_image(), "remote-login-enabled"), vec![]);

    let t = tree(vec![
        Entry::file("/usr/sbin/dropbear", b"x"),
        Entry::dir("/etc/service/remote"),
        Entry::file(
            "/etc/service/remote/run",
            "#!/bin/sh\n# not sshd\nexec dropbear -F -E\n",
        ),
    ]);
    assert_eq!(
        of(&t, &good_image(), "remote-login-enabled"),
        vec![(
            p("/usr/sbin/dropbear"),
            "Dropbear installed (/usr/sbin/dropbear) and started by: service directory: /etc/service/remote"
                .to_string()
        )]
    );
}

// ---------------------------------------------------------------- sshd_config

fn sshd_fixture(name: &str) -> FileTree {
    load_dir(&fixtures().join("sshd").join(name))
}

fn ssh_findings(t: &FileTree) -> Vec<(String, String)> {
    run(t, &good_image())
        .0
        .iter()
        .filter(|f| f.id.starts_with("ssh-"))
        .map(|f| (f.id.clone(), state(f)))
        .collect()
}

#[test]
fn sshd_cloud_include_first_wins() {
    let t = sshd_fixture("cloud");
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ssh_findings(&t),
        vec![
            s(
                "ssh-login-grace-time",
                "/etc/ssh/sshd_config:10: LoginGraceTime 2m (120 seconds; baseline: at most 60)"
            ),
            s(
                "ssh-max-auth-tries",
                "/etc/ssh/sshd_config:9: MaxAuthTries 10 (baseline: at most 4)"
            ),
            s(
                "ssh-password-auth",
                "/etc/ssh/sshd_config.d/50-cloud-init.conf:1: PasswordAuthentication yes"
            ),
            s(
                "ssh-protocol-weak",
                "/etc/ssh/sshd_config:6: Ciphers +aes128-cbc,3des-cbc; /etc/ssh/sshd_config:8: KexAlgorithms ^diffie-hellman-group14-sha1; \
                 weak: Ciphers: aes128-cbc,3des-cbc; KexAlgorithms: diffie-hellman-group14-sha1"
            ),
            s(
                "ssh-root-login",
                "/etc/ssh/sshd_config:5: PermitRootLogin \"yes\""
            ),
            s("ssh-x11-forwarding", "/etc/ssh/sshd_config:11: X11Forwarding yes"),
        ]
    );
}

#[test]
fn sshd_match_blocks_reported_separately() {
    let t = sshd_fixture("match");
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ssh_findings(&t),
        vec![
            s(
                "ssh-empty-passwords",
                "/etc/ssh/sshd_config:10: PermitEmptyPasswords yes (in /etc/ssh/sshd_config:9: Match Host *.example.com)"
            ),
            s(
                "ssh-max-auth-tries",
                "/etc/ssh/sshd_config.d/20-match.conf:1: MaxAuthTries 8 (in /etc/ssh/sshd_config:9: Match Host *.example.com)"
            ),
            s(
                "ssh-password-auth",
                "/etc/ssh/sshd_config:7: PasswordAuthentication yes (in /etc/ssh/sshd_config:6: Match User admin,!guest Address 10.0.0.0/8)"
            ),
            s(
                "ssh-root-login",
                "/etc/ssh/sshd_config:8: PermitRootLogin yes (in /etc/ssh/sshd_config:6: Match User admin,!guest Address 10.0.0.0/8)"
            ),
            s("ssh-x11-forwarding", "/etc/ssh/sshd_config:14: X11Forwarding yes"),
        ]
    );
}

#[test]
fn sshd_near_miss_lexical_order() {
    // 10-a.conf sorts before 2-b.conf: PermitRootLogin yes wins; the .disabled file is not included.
    let t = sshd_fixture("lexical");
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ssh_findings(&t),
        vec![
            s(
                "ssh-permit-user-environment",
                "/etc/ssh/nested.conf:2: PermitUserEnvironment LANG,LC_*"
            ),
            s(
                "ssh-root-login",
                "/etc/ssh/sshd_config.d/10-a.conf:1: PermitRootLogin yes"
            ),
        ]
    );
}

#[test]
fn sshd_defaults_when_unset() {
    let t = tree(vec![Entry::file(
        "/etc/ssh/sshd_config",
        "# nothing set\nPasswordAuthentication no\nLoginGraceTime 1m\nMaxAuthTries 3\n",
    )]);
    assert_eq!(ssh_findings(&t), vec![]);
    let t = tree(vec![Entry::file("/etc/ssh/sshd_config", "")]);
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ssh_findings(&t),
        vec![
            s(
                "ssh-login-grace-time",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is 120 seconds (120 seconds; baseline: at most 60)"
            ),
            s(
                "ssh-max-auth-tries",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is 6 (baseline: at most 4)"
            ),
            s(
                "ssh-password-auth",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is yes"
            ),
        ]
    );
}

#[test]
fn sshd_malformed_lines_are_warnings() {
    let mut bad =
        b"PermitRootLogin maybe\nBanner \"unterminated\nPasswordAuthentication no\nMatch Bogus x\n".to_vec();
    bad.extend_from_slice(b"X11Forwarding \xff\xfe\n");
    let t = tree(vec![Entry::file("/etc/ssh/sshd_config", &bad)]);
    let (findings, warnings) = run(&t, &good_image());
    assert_eq!(
        warnings,
        vec![
            "/etc/ssh/sshd_config: not valid UTF-8; invalid bytes replaced",
            "/etc/ssh/sshd_config:1: permitrootlogin: expected yes, prohibit-password, forced-commands-only or no; sshd would refuse this file; line ignored",
            "/etc/ssh/sshd_config:2: unterminated quoted argument; line ignored",
            "/etc/ssh/sshd_config:4: bad Match condition (unsupported criterion 'Bogus'); sshd would refuse this file",
            "/etc/ssh/sshd_config:5: x11forwarding: expected yes or no; sshd would refuse this file; line ignored",
        ]
    );
    assert!(findings.iter().all(|f| f.id != "ssh-password-auth"));
    // A huge file is cut at the cap, with a warning.
    let mut huge = "PasswordAuthentication no\n".repeat(1 + config::MAX_FILE_BYTES / 26);
    huge.push_str("PermitRootLogin yes\n");
    let t = tree(vec![Entry::file("/etc/ssh/sshd_config", huge.as_bytes())]);
    let (_, warnings) = run(&t, &good_image());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("only the first 1048576 are checked"));
}

#[test]
fn ssh_host_keys() {
    let t = tree(vec![
        Entry::file(
            "/etc/ssh/ssh_host_ed25519_key",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
        ),
        Entry::file("/etc/ssh/ssh_host_ed25519_key.pub", b"ssh-ed25519 AAAA\n"),
    ]);
    assert_eq!(
        of(&t, &good_image(), "ssh-host-keys-in-image"),
        vec![(
            p("/etc/ssh/ssh_host_ed25519_key"),
            "private host keys present: /etc/ssh/ssh_host_ed25519_key".into()
        )]
    );
    let t = tree(vec![Entry::file(
        "/etc/ssh/ssh_host_ed25519_key.pub",
        b"ssh-ed25519 AAAA\n",
    )]);
    assert_eq!(of(&t, &good_image(), "ssh-host-keys-in-image"), vec![]);
    assert!(!config::wants("/etc/ssh/ssh_host_ed25519_key"));
    assert!(config::wants("/etc/ssh/sshd_config.d/50-cloud-init.conf"));
}

/// Runs the real sshd -T on a fixture and compares the effective values rensa computes.
#[test]
fn sshd_t_differential() {
    let sshd = Path::new("/usr/sbin/sshd");
    if !sshd.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs openssh-server (scripts/setup-test-deps.sh)"
        );
        eprintln!("skipped: /usr/sbin/sshd not installed");
        return;
    }
    // sshd -T checks that its privilege-separation directory exists.
    std::fs::create_dir_all("/run/sshd").ok();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("hostkey");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let keys = [
        "permitrootlogin",
        "passwordauthentication",
        "permitemptypasswords",
        "x11forwarding",
        "maxauthtries",
        "permituserenvironment",
        "ciphers",
        "macs",
        "kexalgorithms",
        "logingracetime",
    ];
    let mut compared = 0;
    for case in ["cloud", "debian12", "lexical", "match", "syntax"] {
        let dir = fixtures().join("sshd").join(case);
        let t = load_dir(&dir);
        let (cfg, warnings) = SshdConfig::parse(&t, "/etc/ssh/sshd_config");
        assert_eq!(warnings, Vec::<String>::new(), "{case}");
        let cfg = cfg.unwrap();
        // The oracle's copy, with /etc/ssh/ pointing into the temporary directory.
        let root = tmp.path().join(case);
        copy_rewritten(
            &dir.join("etc"),
            &root.join("etc"),
            &format!("{}/etc/ssh/", root.display()),
        );
        let conns = std::fs::read_to_string(dir.join("connections")).unwrap();
        let mut specs: Vec<Option<&str>> = vec![None];
        specs.extend(conns.lines().map(Some));
        for spec in specs {
            let mut cmd = Command::new(sshd);
            cmd.arg("-T").arg("-f").arg(root.join("etc/ssh/sshd_config"));
            cmd.arg("-o").arg(format!("HostKey={}", key.display()));
            if let Some(s) = spec {
                cmd.arg("-C").arg(s);
            }
            let o = cmd.output().unwrap();
            assert!(
                o.status.success(),
                "{case} {spec:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let text = String::from_utf8(o.stdout).unwrap();
            let conn = spec.map(parse_conn);
            let eff = cfg.effective(conn.as_ref());
            let ours = |k: &str| -> String {
                let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
                match k {
                    "permitrootlogin" => eff.permit_root_login.value.clone(),
                    "passwordauthentication" => yn(eff.password_authentication.value),
                    "permitemptypasswords" => yn(eff.permit_empty_passwords.value),
                    "x11forwarding" => yn(eff.x11_forwarding.value),
                    "maxauthtries" => eff.max_auth_tries.value.to_string(),
                    "permituserenvironment" => eff.permit_user_environment.value.clone(),
                    "ciphers" => eff.ciphers.value.join(","),
                    "macs" => eff.macs.value.join(","),
                    "kexalgorithms" => eff.kex_algorithms.value.join(","),
                    _ => eff.login_grace_time.value.to_string(),
                }
            };
            for k in keys {
                // With -C, sshd prints only the per-connection keywords.
                let Some(theirs) = text.lines().find_map(|l| l.strip_prefix(&format!("{k} "))) else {
                    assert!(spec.is_some(), "{case}: sshd -T printed no {k}");
                    continue;
                };
                let theirs = if theirs == "without-password" {
                    "prohibit-password"
                } else {
                    theirs
                };
                assert_eq!(ours(k), theirs, "{case} {spec:?} {k}");
                compared += 1;
            }
        }
    }
    assert!(compared >= 80, "{compared} values compared");
}

fn copy_rewritten(from: &Path, to: &Path, etc_ssh: &str) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_rewritten(&e.path(), &target, etc_ssh);
        } else {
            let text = std::fs::read_to_string(e.path()).unwrap();
            std::fs::write(target, text.replace("/etc/ssh/", etc_ssh)).unwrap();
        }
    }
}

fn parse_conn(spec: &str) -> Connection {
    let mut c = Connection::default();
    for kv in spec.split(',') {
        let (k, v) = kv.split_once('=').unwrap();
        match k {
            "user" => c.user = Some(v.into()),
            "host" => c.host = Some(v.into()),
            "addr" => c.addr = Some(v.into()),
            "laddr" => c.laddr = Some(v.into()),
            "lport" => c.lport = v.parse().ok(),
            "rdomain" => c.rdomain = Some(v.into()),
            _ => panic!("{k}"),
        }
    }
    c
}

// ---------------------------------------------------------------- login.defs and PAM

const DEBIAN_COMMON_PASSWORD: &str = "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n\
password\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n";

fn login_defs(body: &str) -> Entry {
    Entry::file("/etc/login.defs", body)
}

#[test]
fn password_ageing() {
    let t = tree(vec![login_defs(
        "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUMASK 027\nENCRYPT_METHOD SHA512\n",
    )]);
    let (findings, _) = run(&t, &good_image());
    let got: Vec<(String, String)> = findings.iter().map(|f| (f.id.clone(), state(f))).collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            s(
                "password-max-age",
                "/etc/login.defs:1: PASS_MAX_DAYS\t99999 (passwords never expire); baseline: at most 90 days"
            ),
            s(
                "password-min-age",
                "/etc/login.defs:2: PASS_MIN_DAYS\t0; baseline: at least 1 days"
            ),
            s(
                "password-min-length",
                "passwords of 5 characters are accepted (/etc/login.defs: PASS_MIN_LEN not set (5)); baseline: at least 8"
            ),
        ]
    );
    // Near miss: everything at the baseline; the last occurrence of a key wins.
    let t = tree(vec![login_defs(
        "PASS_MAX_DAYS 400\nPASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nPASS_MIN_LEN 8\nUMASK 077\nENCRYPT_METHOD YESCRYPT\n",
    )]);
    assert_eq!(run(&t, &good_image()).0, vec![]);
    // A stricter baseline from JSON turns 90 days into a finding.
    let b = Baseline::from_json(r#"{"password_max_age": 60}"#).unwrap();
    let (findings, _) = config::check(&t, &good_image(), &b);
    assert_eq!(
        findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["password-max-age"]
    );
    assert!(Baseline::from_json(r#"{"password_max_age": 60, "bogus": 1}"#).is_err());
    let err = Baseline::load(Path::new("/nonexistent/baseline.json")).unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/baseline.json: "));
}

#[test]
fn password_min_length_from_pam() {
    let defs =
        login_defs("PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nUMASK 027\nENCRYPT_METHOD SHA512\n");
    let t = tree(vec![
        defs.clone(),
        Entry::file("/etc/pam.d/common-password", DEBIAN_COMMON_PASSWORD),
    ]);
    assert_eq!(
        of(&t, &good_image(), "password-min-length"),
        vec![(
            p("/etc/pam.d/common-password"),
            "passwords of 6 characters are accepted (/etc/pam.d/common-password:1: password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt \
             (pam_unix's default minlen is 6)); baseline: at least 8"
                .into()
        )]
    );
    // pam_pwquality without minlen takes it from pwquality.conf.d (last file wins).
    let pw = "password\trequisite\t\t\tpam_pwquality.so retry=3\n".to_string() + DEBIAN_COMMON_PASSWORD;
    let t = tree(vec![
        defs.clone(),
        Entry::file("/etc/pam.d/common-password", &pw),
        Entry::file("/etc/security/pwquality.conf", "# minlen = 8\nminlen = 12\n"),
        Entry::file("/etc/security/pwquality.conf.d/90-short.conf", "minlen = 7\n"),
    ]);
    assert_eq!(
        of(&t, &good_image(), "password-min-length"),
        vec![(
            p("/etc/security/pwquality.conf.d/90-short.conf"),
            "passwords of 7 characters are accepted (/etc/pam.d/common-password:1: password\trequisite\t\t\tpam_pwquality.so retry=3; \
             /etc/security/pwquality.conf.d/90-short.conf:1: minlen = 7; /etc/pam.d/common-password:2: password\t[success=1 default=ignore]\t\
             pam_unix.so obscure yescrypt (pam_unix's default minlen is 6)); baseline: at least 8"
                .into()
        )]
    );
    // Near miss: minlen=14 on pam_pwquality.
    let pw = "password requisite pam_pwquality.so retry=3 minlen=14\n".to_string() + DEBIAN_COMMON_PASSWORD;
    let t = tree(vec![defs, Entry::file("/etc/pam.d/common-password", &pw)]);
    assert_eq!(of(&t, &good_image(), "password-min-length"), vec![]);
}

#[test]
fn nullok_hashes_umask() {
    let t = tree(vec![
        login_defs("ENCRYPT_METHOD MD5\nUMASK 022\n"),
        Entry::file(
            "/etc/pam.d/common-auth",
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n",
        ),
        Entry::file(
            "/etc/pam.d/common-password",
            "password required pam_unix.so md5 minlen=8\n",
        ),
        Entry::file(
            "/etc/shadow",
            "root:$1$abc$xyz:19000:0:99999:7:::\nold:abJnggxhB/yWI:19000::::::\nnew:$y$j9T$a$b:19000::::::\nbad\n",
        ),
    ]);
    let (findings, warnings) = run(&t, &good_image());
    let got: Vec<(String, String)> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.id.as_str(),
                "insecure-pam-nullok" | "password-hash-weak" | "umask-permissive"
            )
        })
        .map(|f| (f.id.clone(), state(f)))
        .collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            s(
                "insecure-pam-nullok",
                "/etc/pam.d/common-auth:1: auth\t[success=1 default=ignore]\tpam_unix.so nullok"
            ),
            s(
                "password-hash-weak",
                "/etc/login.defs:1: ENCRYPT_METHOD MD5: new passwords are hashed with MD5"
            ),
            s(
                "password-hash-weak",
                "/etc/pam.d/common-password:1: password required pam_unix.so md5 minlen=8: pam_unix hashes new passwords with MD5/DES"
            ),
            s(
                "password-hash-weak",
                "/etc/shadow: weak hashes for root (line 1, MD5-crypt), old (line 2, DES-crypt)"
            ),
            s(
                "umask-permissive",
                "/etc/login.defs:2: UMASK 022; new files are readable by other users (want 027 or 077)"
            ),
        ]
    );
    assert_eq!(warnings, vec!["/etc/shadow:4: not a shadow entry; ignored"]);
    // Near miss.
    let t = tree(vec![
        login_defs("ENCRYPT_METHOD SHA512\nUMASK 027\n"),
        Entry::file(
            "/etc/pam.d/common-auth",
            "auth required pam_unix.so\n# auth required pam_unix.so nullok\n",
        ),
        Entry::file(
            "/etc/shadow",
            "root:*:19000:0:99999:7:::\nnew:$y$j9T$a$b:19000::::::\n",
        ),
    ]);
    let (findings, _) = run(&t, &good_image());
    assert!(
        findings.iter().all(|f| !matches!(
            f.id.as_str(),
            "insecure-pam-nullok" | "password-hash-weak" | "umask-permissive"
        )),
        "{findings:?}"
    );
}

// ---------------------------------------------------------------- image config

#[test]
fn image_config_rules() {
    let t = tree(vec![]);
    for user in ["", "root", "0", "0:0", "root:staff"] {
        let img = image(serde_json::json!({"User": user, "Healthcheck": {"Test": ["CMD", "true"]}}));
        assert_eq!(of(&t, &img, "root-user").len(), 1, "{user:?}");
    }
    for user in ["app", "1000:1000", "nobody"] {
        let img = image(serde_json::json!({"User": user}));
        assert_eq!(of(&t, &img, "root-user"), vec![], "{user:?}");
    }
    let img = image(serde_json::json!({
        "User": "app",
        "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}, "23/udp": {}, "513/tcp": {}},
        "Healthcheck": {"Test": ["NONE"]},
        "Env": [
            "PATH=/usr/bin", "DB_PASSWORD=hunter2-hunter2", "POSTGRES_PASSWORD_FILE=/run/secrets/db",
            "GITHUB_TOKEN=", "AWS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "HOME=/root", "PWD=/", "MYSQLPASSWORD=changeme",
            "DATABASE_URL=postgres://app:s3cr3t@db/app"
        ],
    }));
    let (findings, _) = run(&t, &img);
    let got: Vec<(String, String)> = findings.iter().map(|f| (f.id.clone(), state(f))).collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            s(
                "exposed-remote-login-port",
                "image config: ExposedPorts 22/tcp (ssh), 513/tcp (rlogin)"
            ),
            s("no-healthcheck", "image config: HEALTHCHECK NONE"),
            s(
                "secret-in-env",
                "image config: Env AWS_KEY_ID=AK*** (20 characters) (value looks like an AWS access key id)"
            ),
            s(
                "secret-in-env",
                "image config: Env DATABASE_URL=po*** (28 characters) (value looks like a URL with a password)"
            ),
            s(
                "secret-in-env",
                "image config: Env DB_PASSWORD=hu*** (15 characters) (name looks like a secret)"
            ),
        ]
    );
    assert!(findings.iter().all(|f| !f.detail.contains("hunter2")));
    assert_eq!(
        of(&t, &image(serde_json::json!({"User": "app"})), "no-healthcheck").len(),
        1
    );
}

// ---------------------------------------------------------------- sudo, permissions, accounts, caches

#[test]
fn sudo_nopasswd() {
    let t = tree(vec![
        Entry::file(
            "/etc/sudoers",
            "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
        ),
        Entry::file(
            "/etc/sudoers.d/deploy",
            "# deploy may restart\ndeploy ALL=(root) \\\n  NOPASSWD: /usr/bin/systemctl\n",
        ),
        Entry::file("/etc/sudoers.d/old.bak", "app ALL=(ALL) NOPASSWD: ALL\n"),
        Entry::file("/etc/sudoers.d/README", "# app ALL=(ALL) NOPASSWD: ALL\n"),
    ]);
    assert_eq!(
        of(&t, &good_image(), "sudo-nopasswd"),
        vec![(
            p("/etc/sudoers.d/deploy"),
            "/etc/sudoers.d/deploy:2: deploy ALL=(root)    NOPASSWD: /usr/bin/systemctl".into()
        )]
    );
    let t = tree(vec![Entry::file(
        "/etc/sudoers",
        "%sudo ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n",
    )]);
    assert_eq!(of(&t, &good_image(), "sudo-nopasswd"), vec![]);
}

#[test]
fn permissions() {
    let t = tree(vec![
        with_mode(Entry::dir("/usr"), 0o755, 0, 0),
        with_mode(Entry::dir("/usr/local"), 0o755, 0, 0),
        with_mode(Entry::dir("/usr/local/bin"), 0o777, 0, 0),
        with_mode(Entry::dir("/usr/bin"), 0o755, 0, 0),
        with_mode(Entry::dir("/opt"), 0o755, 0, 0),
        with_mode(Entry::dir("/opt/tools"), 0o755, 1000, 1000),
        with_mode(Entry::dir("/scratch"), 0o1777, 0, 0),
        Entry::symlink("/bin", "usr/bin"),
        with_mode(Entry::file("/usr/bin/passwd", b"x"), 0o4755, 0, 0),
        with_mode(Entry::file("/usr/bin/wall", b"x"), 0o2755, 0, 5),
        with_mode(Entry::file("/usr/bin/ls", b"x"), 0o755, 0, 0),
        with_mode(Entry::file("/etc/shadow", b"root:*:1::::::\n"), 0o644, 0, 42),
        with_mode(Entry::file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nbuild:x:1000:1000::/:/bin/sh\nbroken\n"), 0o644, 0, 0),
    ]);
    let img = image(serde_json::json!({
        "User": "app", "Healthcheck": {"Test": ["CMD", "true"]},
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin:/opt/tools:/scratch:/missing"],
    }));
    let (findings, warnings) = run(&t, &img);
    let got: Vec<(String, Option<String>, Severity, String)> = findings
        .iter()
        .map(|f| (f.id.clone(), f.path.clone(), f.severity, state(f)))
        .collect();
    let s = |a: &str, path: &str, sev: Severity, b: &str| (a.to_string(), p(path), sev, b.to_string());
    assert_eq!(
        got,
        vec![
            s(
                "duplicate-uid",
                "/etc/passwd",
                Severity::Medium,
                "/etc/passwd: uid 0 is shared by root (line 1), toor (line 2)"
            ),
            s(
                "duplicate-uid",
                "/etc/passwd",
                Severity::Medium,
                "/etc/passwd: uid 1000 is shared by app (line 3), build (line 4)"
            ),
            s(
                "setuid-binary",
                "/usr/bin/passwd",
                Severity::Info,
                "/usr/bin/passwd: setuid (uid 0), mode 4755"
            ),
            s(
                "setuid-binary",
                "/usr/bin/wall",
                Severity::Info,
                "/usr/bin/wall: setgid (gid 5), mode 2755"
            ),
            s(
                "uid0-non-root",
                "/etc/passwd",
                Severity::High,
                "/etc/passwd:2: account toor has uid 0"
            ),
            s(
                "world-writable-path",
                "/opt/tools",
                Severity::High,
                "/opt/tools on the image Env PATH: owned by uid 1000"
            ),
            s(
                "world-writable-path",
                "/usr/local/bin",
                Severity::High,
                "/usr/local/bin on the image Env PATH: world-writable without the sticky bit (mode 0777)"
            ),
            s(
                "writable-sensitive-file",
                "/etc/shadow",
                Severity::High,
                "/etc/shadow: mode 0644 uid 0 gid 42: world-readable"
            ),
        ]
    );
    assert_eq!(warnings, vec!["/etc/passwd:5: not a passwd entry; ignored"]);
}

#[test]
fn package_manager_cache() {
    let mut deb = Entry::file("/var/cache/apt/archives/curl_7.88.1_amd64.deb", b"");
    deb.size = 315_000;
    deb.content = None;
    let t = tree(vec![
        deb,
        Entry::file("/var/cache/apt/archives/lock", b""),
        Entry::file("/var/lib/apt/lists/lock", b""),
        Entry::file("/root/.cache/pip/http/a/b", b"0123456789"),
    ]);
    assert_eq!(
        of(&t, &good_image(), "package-manager-cache"),
        vec![
            (
                p("/root/.cache/pip"),
                "/root/.cache/pip: pip cache, 1 files, 10 bytes".into()
            ),
            (
                p("/var/cache/apt/archives"),
                "/var/cache/apt/archives: apt downloaded packages, 1 files, 315000 bytes".into()
            ),
        ]
    );
    let t = tree(vec![
        Entry::file("/var/lib/apt/lists/lock", b""),
        Entry::dir("/var/cache/apk"),
    ]);
    assert_eq!(of(&t, &good_image(), "package-manager-cache"), vec![]);
}

#[test]
fn rule_table() {
    let rules = config::rules();
    assert!(rules.len() >= 26);
    for id in [
        "remote-login-enabled",
        "remote-login-weak-password",
        "empty-password",
        "password-min-length",
        "password-max-age",
        "password-min-age",
        "password-warn-age",
        "ssh-root-login",
        "ssh-password-auth",
        "ssh-empty-passwords",
        "ssh-protocol-weak",
        "root-user",
        "exposed-remote-login-port",
        "no-healthcheck",
        "secret-in-env",
        "sudo-nopasswd",
        "world-writable-path",
        "setuid-binary",
        "package-manager-cache",
        "ssh-host-keys-in-image",
    ] {
        assert!(config::rules::rule_by_id(id).is_some(), "{id}");
    }
}

// ---------------------------------------------------------------- a clean Debian 12 image

/// The config findings of a clean Debian 12 (`debootstrap --variant=minbase`, plus openssh-server,
/// python3 and curl) as scripts/build-reference-image.sh builds it, read as a root filesystem (no
/// image config).
#[test]
fn clean_debian12() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/bench/rootfs"));
    if !root.join("var/lib/dpkg/status").exists() {
        eprintln!(
            "skipped: run scripts/build-reference-image.sh to build {}",
            root.display()
        );
        return;
    }
    let t = load_dir(root);
    let img = image(serde_json::json!({}));
    let (findings, warnings) = run(&t, &img);
    let got: Vec<(String, Option<String>)> =
        findings.iter().map(|f| (f.id.clone(), f.path.clone())).collect();
    let e = |id: &str, path: Option<&str>| (id.to_string(), path.map(str::to_string));
    let mut want = vec![
        e("insecure-pam-nullok", Some("/etc/pam.d/common-auth")),
        e("no-healthcheck", None),
        e("package-manager-cache", Some("/var/cache/apt/archives")),
        e("package-manager-cache", Some("/var/lib/apt/lists")),
        e("password-max-age", Some("/etc/login.defs")),
        e("password-min-age", Some("/etc/login.defs")),
        e("password-min-length", Some("/etc/pam.d/common-password")),
        e("remote-login-enabled", Some("/usr/sbin/sshd")),
        e("root-user", None),
    ];
    for f in [
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
        want.push(e("setuid-binary", Some(f)));
    }
    want.extend([
        e("ssh-host-keys-in-image", Some("/etc/ssh/ssh_host_ecdsa_key")),
        e("ssh-login-grace-time", Some("/etc/ssh/sshd_config")),
        e("ssh-max-auth-tries", Some("/etc/ssh/sshd_config")),
        e("ssh-password-auth", Some("/etc/ssh/sshd_config")),
        e("ssh-x11-forwarding", Some("/etc/ssh/sshd_config")),
        e("umask-permissive", Some("/etc/login.defs")),
    ]);
    want.sort();
    assert_eq!(got, want);
    assert_eq!(warnings, Vec::<String>::new());
    let remote = findings.iter().find(|f| f.id == "remote-login-enabled").unwrap();
    assert_eq!(
        state(remote),
        "OpenSSH sshd installed (/usr/sbin/sshd) and started by: systemd: /etc/systemd/system/multi-user.target.wants/ssh.service; \
         sysvinit: /etc/rc2.d/S01ssh; sysvinit: /etc/rc3.d/S01ssh; sysvinit: /etc/rc4.d/S01ssh; sysvinit: /etc/rc5.d/S01ssh"
    );
    let services = config::remote_login(&t, &img);
    let sshd = services[0].sshd.as_ref().unwrap();
    assert_eq!(sshd.permit_root_login.value, "prohibit-password");
    assert!(sshd.password_authentication.value && !sshd.permit_empty_passwords.value);
}

/// The same expectation from Debian 12's own files, committed (tests/fixtures/config/debian12-etc:
/// login.defs, pam.d/common-*, passwd, group and sshd_config of the reference rootfs, openssh-server
/// 1:9.2p1-2+deb12u10), so it runs without the cached rootfs.
#[test]
fn debian12_etc_files() {
    let t = load_dir(&fixtures().join("debian12-etc"));
    let (findings, warnings) = run(&t, &good_image());
    let got: Vec<(String, String)> = findings.iter().map(|f| (f.id.clone(), state(f))).collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            s(
                "insecure-pam-nullok",
                "/etc/pam.d/common-auth:17: auth\t[success=1 default=ignore]\tpam_unix.so nullok"
            ),
            s(
                "password-max-age",
                "/etc/login.defs:165: PASS_MAX_DAYS\t99999 (passwords never expire); baseline: at most 90 days"
            ),
            s(
                "password-min-age",
                "/etc/login.defs:166: PASS_MIN_DAYS\t0; baseline: at least 1 days"
            ),
            s(
                "password-min-length",
                "passwords of 6 characters are accepted (/etc/pam.d/common-password:25: password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt \
                 (pam_unix's default minlen is 6)); baseline: at least 8"
            ),
            s(
                "ssh-login-grace-time",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is 120 seconds (120 seconds; baseline: at most 60)"
            ),
            s(
                "ssh-max-auth-tries",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is 6 (baseline: at most 4)"
            ),
            s(
                "ssh-password-auth",
                "/etc/ssh/sshd_config: not set, OpenSSH 9.2's default is yes"
            ),
            s("ssh-x11-forwarding", "/etc/ssh/sshd_config:90: X11Forwarding yes"),
            s(
                "umask-permissive",
                "/etc/login.defs:151: UMASK\t\t022; new files are readable by other users (want 027 or 077)"
            ),
        ]
    );
    assert_eq!(warnings, Vec::<String>::new());
}

/// Garbage in every file the rules read (seeded, reproducible): warnings at most, never a panic.
#[test]
fn garbage_never_panics() {
    let files = [
        "/etc/ssh/sshd_config",
        "/etc/ssh/sshd_config.d/a.conf",
        "/etc/login.defs",
        "/etc/pam.d/common-password",
        "/etc/pam.d/common-auth",
        "/etc/security/pwquality.conf",
        "/etc/sudoers",
        "/etc/sudoers.d/x",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/inetd.conf",
        "/etc/xinetd.d/x",
        "/etc/supervisor/conf.d/x.conf",
        "/etc/service/x/run",
    ];
    let pieces: &[&str] = &[
        "Include ",
        "Match ",
        "User ",
        "Address ",
        "all",
        "PermitRootLogin",
        "=",
        "\"",
        "'",
        "\\",
        "#",
        " ",
        "\t",
        "\n",
        "yes",
        "no",
        "*",
        "?",
        "[",
        "]",
        "!",
        ",",
        "/",
        "10.0.0.0/",
        "99",
        "-1",
        "Ciphers ",
        "+",
        "^",
        "-",
        "NOPASSWD:",
        "@includedir ",
        "/etc/sudoers.d",
        "password ",
        "[success=1 ",
        "pam_unix.so ",
        "minlen=",
        "nullok",
        ":",
        "0",
        "$1$",
        "service ",
        "{",
        "}",
        "disable = ",
        "[program:x]",
        "command=",
        "sshd",
        "\u{fffd}",
        "UMASK ",
        "0o",
        "PASS_MAX_DAYS ",
        "LoginGraceTime ",
        "1w2d3h4m5s",
        "99999999999999999999",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let img = image(serde_json::json!({
        "User": "0:0", "Env": ["PATH=/a::b:/", "=x", "NOEQUALS"], "ExposedPorts": {"x/tcp": {}, "22": {}},
        "Healthcheck": {"Test": "CMD"}, "Cmd": ["sh", "-c", "sshd;service"]
    }));
    for _ in 0..300 {
        let mut entries = vec![
            Entry::file("/usr/sbin/sshd", b"x"),
            Entry::symlink("/etc/ssh/loop", "/etc/ssh/loop"),
        ];
        for f in files {
            let mut text = Vec::new();
            for _ in 0..(next() % 60) {
                let piece = pieces[(next() % pieces.len() as u64) as usize];
                text.extend_from_slice(piece.as_bytes());
                if next() % 17 == 0 {
                    text.push((next() % 256) as u8);
                }
            }
            entries.push(Entry::file(f, &text));
        }
        let t = tree(entries);
        let _ = run(&t, &img);
        let _ = config::remote_login(&t, &img);
    }
}

/// Includes that include themselves stop at a bound, with a warning, instead of growing exponentially.
#[test]
fn include_bomb_is_bounded() {
    let mut entries = vec![Entry::file(
        "/etc/ssh/sshd_config",
        "Include sshd_config.d/*.conf\nPermitRootLogin yes\n",
    )];
    for i in 0..8 {
        entries.push(Entry::file(
            &format!("/etc/ssh/sshd_config.d/{i}.conf"),
            "Include /etc/ssh/sshd_config.d/*.conf\n",
        ));
    }
    let t = tree(entries);
    let (findings, warnings) = run(&t, &good_image());
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("more than 256 included files")),
        "{warnings:?}"
    );
    assert!(findings.iter().any(|f| f.id == "ssh-root-login"));
}
