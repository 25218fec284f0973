//! `rensa verify --in-toto-layout LAYOUT --layout-key PUB --links DIR` on a supply chain made with
//! the reference tools (Debian's `in-toto` 1.3.1: `in-toto-keygen`, `in-toto-run`, and the layout
//! script the library tests use): accepted as made, refused (exit 1, with the reason) when a
//! functionary of a 2-of-3 step is missing or a link was edited. The library's tests
//! (crates/rensa-trust/tests/in_toto.rs) cover every rule and attack against `in-toto-verify`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PYTHON: &str = "/usr/bin/python3";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (run scripts/setup-test-deps.sh)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `in-toto-keygen -t KIND NAME` in `dir`; returns (private key path, public key path).
fn keygen(dir: &Path, name: &str, kind: &str) -> (PathBuf, PathBuf) {
    let mut cmd = Command::new("in-toto-keygen");
    cmd.current_dir(dir).args(["-t", kind]);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    run(cmd.arg(name));
    (dir.join(name), dir.join(format!("{name}.pub")))
}

fn rensa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rensa"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn verify_in_toto_layout_with_the_cli() {
    if std::env::var("RENSA_SKIP_IN_TOTO").as_deref() == Ok("1") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (owner, owner_pub) = keygen(root, "owner", "rsa");
    let functionaries: Vec<(&str, &str, (PathBuf, PathBuf))> = [
        ("alice", "ed25519"),
        ("bob", "rsa"),
        ("carol", "ecdsa"),
        ("dave", "ed25519"),
    ]
    .into_iter()
    .map(|(n, k)| (n, k, keygen(root, n, k)))
    .collect();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rensa-trust/tests/support/in_toto/make_layout.py");
    let key = |i: usize| serde_json::json!([functionaries[i].1, functionaries[i].2.1]);
    let layout = root.join("root.layout");
    let args = serde_json::json!({
        "out": layout, "owner_key": owner, "owner_type": "rsa", "expires": "2100-01-01T00:00:00Z",
        "build": [key(0), key(1), key(2)], "build_threshold": 2, "package": [key(3)],
    });
    let keyids: Vec<String> = run(Command::new(PYTHON).arg(&script).arg(args.to_string()))
        .lines()
        .map(str::to_owned)
        .collect();

    // Each build functionary builds the same tree; dave packages alice's build.
    let links = root.join("links");
    std::fs::create_dir_all(&links).unwrap();
    let mut link_names = Vec::new();
    for (i, (name, kind, (private, _))) in functionaries.iter().enumerate() {
        let work = root.join("work").join(if i == 3 { "alice" } else { name });
        std::fs::create_dir_all(work.join("src")).unwrap();
        if i < 3 {
            std::fs::write(work.join("src/main.c"), "int main(void) { return 0; }\n").unwrap();
            std::fs::write(work.join("src/README"), "demo\n").unwrap();
            std::fs::write(work.join("src/old.txt"), "obsolete\n").unwrap();
            std::fs::write(
                work.join("build.sh"),
                "cp src/main.c src/app.bin && rm src/old.txt && echo built >> src/README\n",
            )
            .unwrap();
            std::fs::write(
                work.join("package.sh"),
                "tar czf app.tar.gz -C src app.bin && sha256sum app.tar.gz > app.tar.gz.sha256\n",
            )
            .unwrap();
        }
        let (step, products, command): (&str, Vec<&str>, Vec<&str>) = if i < 3 {
            ("build", vec!["src"], vec!["sh", "build.sh"])
        } else {
            (
                "package",
                vec!["app.tar.gz", "app.tar.gz.sha256"],
                vec!["sh", "package.sh"],
            )
        };
        run(Command::new("in-toto-run")
            .current_dir(&work)
            .args(["-n", step, "-k"])
            .arg(private)
            .args(["-t", kind, "-m", "src", "-p"])
            .args(&products)
            .arg("--")
            .args(&command));
        let file = format!("{step}.{}.link", &keyids[i][..8]);
        std::fs::copy(work.join(&file), links.join(&file)).unwrap();
        link_names.push(file);
    }

    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--in-toto-layout",
            layout.to_str().unwrap(),
            "--layout-key",
            owner_pub.to_str().unwrap(),
            "--links",
            links.to_str().unwrap(),
        ];
        args.extend(extra);
        rensa(&args)
    };
    let out = verify(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(": VERIFIED"), "{text}");
    assert!(text.contains("[pass] step build: 3 of threshold 2"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(&verify(&["--format", "json"]).stdout).unwrap();
    assert_eq!(json["allowed"], true);
    assert_eq!(json["in_toto"]["steps"][0]["name"], "build");

    // Two of three build links gone: one functionary is not a threshold of 2.
    std::fs::remove_file(links.join(&link_names[1])).unwrap();
    std::fs::remove_file(links.join(&link_names[2])).unwrap();
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("step build: 1 distinct authorized functionary of threshold 2"),
        "{text}"
    );

    // A wrong layout key refuses the layout itself.
    let out = rensa(&[
        "verify",
        "--in-toto-layout",
        layout.to_str().unwrap(),
        "--layout-key",
        functionaries[1].2.1.to_str().unwrap(),
        "--links",
        links.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("layout has no signature by key"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
