//! The text-format language detectors (Python, npm, Ruby gems, Composer, .NET) over real files laid out at
//! realistic image paths (`tests/fixtures/<ecosystem>/rootfs`, see each `SOURCE.md`), walked with the same
//! streaming interest the catalog uses. Python results are also checked against `importlib.metadata`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rensa_catalog::detector::{composer::Composer, dotnet::Dotnet, gem::Gem, npm::Npm, python::Python};
use rensa_catalog::{CatalogInterest, Context, Detected, Detector, Package};
use rensa_oci::walk::{WalkContext, index_directory};
use rensa_oci::{Budget, FileTree, LayerIndex, Limits};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("rootfs")
}

/// Walks `root` as one layer, keeping what `detector` asks for.
fn layer(root: &Path, detector: Box<dyn Detector>) -> LayerIndex {
    let detectors = vec![detector];
    let interest = CatalogInterest::new(&detectors);
    let budget = Budget::default();
    let ctx = WalkContext {
        location: "fixture",
        layer: "layer".into(),
        limits: Limits::default(),
        budget: &budget,
        progress: None,
    };
    index_directory(root, &interest, &ctx).expect("walk fixture")
}

fn detect(tree: &FileTree, detector: &dyn Detector) -> Detected {
    let mut d = detector.detect(tree, &Context { distro: None }).expect("detect");
    d.packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    d
}

fn scan(root: &Path, make: fn() -> Box<dyn Detector>) -> Detected {
    let tree = FileTree::from_layers(vec![layer(root, make())]);
    detect(&tree, make().as_ref())
}

/// `(name, version, purl, licences, location)` of each package, in catalog order.
fn summary(packages: &[Package]) -> Vec<(String, String, String, String, String)> {
    packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.purl.clone(),
                p.licenses.join(" | "),
                p.location.clone(),
            )
        })
        .collect()
}

fn row(
    name: &str,
    version: &str,
    purl: &str,
    licenses: &str,
    location: &str,
) -> (String, String, String, String, String) {
    (
        name.into(),
        version.into(),
        purl.into(),
        licenses.into(),
        location.into(),
    )
}

fn props(p: &Package) -> Vec<(&str, &str)> {
    p.properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

const SITE: &str = "/usr/local/lib/python3.11/site-packages";

#[test]
fn python_packages() {
    let d = scan(&fixture("python"), || Box::new(Python));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let deb = "/usr/lib/python3/dist-packages";
    let expected = vec![
        row(
            "PyYAML",
            "6.0.1",
            "pkg:pypi/pyyaml@6.0.1",
            "MIT",
            &format!("{SITE}/PyYAML-6.0.1.dist-info/METADATA"),
        ),
        row(
            "attrs",
            "24.2.0",
            "pkg:pypi/attrs@24.2.0",
            "MIT",
            &format!("{SITE}/attrs-24.2.0.dist-info/METADATA"),
        ),
        row(
            "jaraco.classes",
            "3.4.0",
            "pkg:pypi/jaraco-classes@3.4.0",
            "MIT License",
            &format!("{SITE}/jaraco.classes-3.4.0.dist-info/METADATA"),
        ),
        row(
            "more-itertools",
            "11.2.1",
            "pkg:pypi/more-itertools@11.2.1",
            "MIT",
            &format!("{SITE}/more_itertools-11.2.1.dist-info/METADATA"),
        ),
        row(
            "python-apt",
            "2.6.0",
            "pkg:pypi/python-apt@2.6.0",
            "GNU GPL",
            "/opt/distutils/lib/python3/site-packages/python_apt-2.6.0.egg-info",
        ),
        row(
            "python-apt",
            "2.6.0",
            "pkg:pypi/python-apt@2.6.0",
            "GNU GPL",
            &format!("{deb}/python_apt-2.6.0.egg-info/PKG-INFO"),
        ),
        row(
            "six",
            "1.16.0",
            "pkg:pypi/six@1.16.0",
            "MIT",
            "/opt/legacy/lib/python3.11/site-packages/six.egg-info/PKG-INFO",
        ),
        row(
            "six",
            "1.16.0",
            "pkg:pypi/six@1.16.0",
            "MIT",
            &format!("{deb}/six-1.16.0.egg-info/PKG-INFO"),
        ),
        row(
            "six",
            "1.16.0",
            "pkg:pypi/six@1.16.0",
            "MIT",
            &format!("{SITE}/six-1.16.0.dist-info/METADATA"),
        ),
        row(
            "typing_extensions",
            "4.12.2",
            "pkg:pypi/typing-extensions@4.12.2",
            "Python Software Foundation License",
            &format!("{SITE}/typing_extensions-4.12.2.dist-info/METADATA"),
        ),
    ];
    assert_eq!(summary(&d.packages), expected);

    let six = d
        .packages
        .iter()
        .find(|p| p.location.starts_with(SITE) && p.name == "six")
        .unwrap();
    let six_files: Vec<String> = [
        "INSTALLER",
        "LICENSE",
        "METADATA",
        "RECORD",
        "REQUESTED",
        "WHEEL",
        "top_level.txt",
    ]
    .iter()
    .map(|f| format!("{SITE}/six-1.16.0.dist-info/{f}"))
    .chain([format!("{SITE}/six.py")])
    .collect();
    assert_eq!(six.files, six_files);
    assert_eq!(six.supplier.as_deref(), Some("Benjamin Peterson"));
    // egg-info has no RECORD: no files.
    assert!(
        d.packages
            .iter()
            .filter(|p| p.location.contains(".egg-info"))
            .all(|p| p.files.is_empty())
    );
}

/// What `importlib.metadata` (the standard library's own reader) finds in the same directories:
/// `(location of the metadata, name, version, files)`; files only for `.dist-info`.
/// `(location, name, version, files)` of one distribution.
type Dist = (String, String, String, Vec<String>);

fn importlib_oracle(root: &Path, sites: &[&str]) -> Option<Vec<Dist>> {
    let script = r#"
import importlib.metadata as md, json, os, sys
root = sys.argv[1]
out = []
for d in md.distributions(path=[root + s for s in sys.argv[2:]]):
    p = str(d._path)
    files = []
    if p.endswith(".dist-info"):
        files = sorted({"/" + os.path.relpath(os.path.normpath(str(f.locate())), root) for f in (d.files or [])})
    meta = {".dist-info": "/METADATA", ".egg-info": "/PKG-INFO" if os.path.isdir(p) else ""}
    loc = "/" + os.path.relpath(p, root) + next(v for k, v in meta.items() if p.endswith(k))
    out.append([loc, d.metadata["Name"], d.version, files])
print(json.dumps(sorted(out)))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(root)
        .args(sites)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "python3 oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<Dist> = serde_json::from_slice(&out.stdout).unwrap();
    Some(v)
}

#[test]
fn python_agrees_with_importlib_metadata() {
    let root = fixture("python");
    let sites = [
        SITE,
        "/usr/lib/python3/dist-packages",
        "/opt/legacy/lib/python3.11/site-packages",
        "/opt/distutils/lib/python3/site-packages",
    ];
    let oracle = importlib_oracle(&root, &sites).expect("python3 (the importlib.metadata oracle) is missing");
    assert_eq!(oracle.len(), 10);
    let d = scan(&root, || Box::new(Python));
    let mut ours: Vec<Dist> = d
        .packages
        .iter()
        .map(|p| {
            (
                p.location.clone(),
                p.name.clone(),
                p.version.clone(),
                p.files.clone(),
            )
        })
        .collect();
    ours.sort();
    assert_eq!(ours, oracle);
}

#[test]
fn python_follows_whiteouts_of_later_layers() {
    let root = fixture("python");
    let base = layer(&root, Box::new(Python));
    let upper = LayerIndex {
        whiteouts: vec![format!("{SITE}/six-1.16.0.dist-info")],
        ..Default::default()
    };
    let tree = FileTree::from_layers(vec![base, upper]);
    let d = detect(&tree, &Python);
    assert_eq!(d.packages.len(), 9);
    assert!(
        !d.packages
            .iter()
            .any(|p| p.location.starts_with(SITE) && p.name == "six")
    );
}

#[test]
fn npm_installed_and_lock_files() {
    let d = scan(&fixture("npm"), || Box::new(Npm));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let v3 = "/srv/app-v3/node_modules";
    let v2 = "/srv/lock-v2/package-lock.json";
    let v1 = "/srv/lock-v1/package-lock.json";
    let y1 = "/srv/yarn-classic/yarn.lock";
    let y4 = "/srv/yarn-berry/yarn.lock";
    let yp = "/srv/yarn-partial";
    let once = |loc: &str| {
        row(
            "@tootallnate/once",
            "2.0.0",
            "pkg:npm/%40tootallnate/once@2.0.0",
            "MIT",
            loc,
        )
    };
    let debug = |loc: &str| row("debug", "4.3.4", "pkg:npm/debug@4.3.4", "MIT", loc);
    let isnum = |loc: &str| row("is-number", "7.0.0", "pkg:npm/is-number@7.0.0", "MIT", loc);
    let iseq = |loc: &str| {
        row(
            "lodash.isequal",
            "4.5.0",
            "pkg:npm/lodash.isequal@4.5.0",
            "MIT",
            loc,
        )
    };
    let ms0 = |loc: &str| row("ms", "2.0.0", "pkg:npm/ms@2.0.0", "MIT", loc);
    let ms2 = |loc: &str| row("ms", "2.1.2", "pkg:npm/ms@2.1.2", "MIT", loc);
    // Lock entries carry no licence unless the lock records one (v2/v3 `license`).
    let bare = |mut r: (String, String, String, String, String)| {
        r.3.clear();
        r
    };
    let expected = vec![
        once(&format!("{v3}/@tootallnate/once/package.json")),
        bare(once(v1)),
        once(v2),
        bare(once(y4)),
        bare(once(y1)),
        bare(once(&format!("{yp}/yarn.lock"))),
        debug(&format!("{v3}/debug/package.json")),
        bare(debug(v1)),
        debug(v2),
        bare(debug(y4)),
        bare(debug(y1)),
        debug(&format!("{yp}/node_modules/debug/package.json")),
        isnum(&format!("{v3}/is-number/package.json")),
        bare(isnum(v1)),
        isnum(v2),
        bare(isnum(y4)),
        bare(isnum(y1)),
        bare(isnum(&format!("{yp}/yarn.lock"))),
        iseq(&format!("{v3}/lodash-alias/package.json")),
        bare(iseq(v1)),
        iseq(v2),
        bare(iseq(y4)),
        bare(iseq(y1)),
        bare(iseq(&format!("{yp}/yarn.lock"))),
        ms0(&format!("{v3}/ms/package.json")),
        bare(ms0(v1)),
        ms0(v2),
        bare(ms0(y4)),
        bare(ms0(y1)),
        bare(ms0(&format!("{yp}/yarn.lock"))),
        ms2(&format!("{v3}/debug/node_modules/ms/package.json")),
        bare(ms2(v1)),
        ms2(v2),
        bare(ms2(y4)),
        bare(ms2(y1)),
        ms2(&format!("{yp}/node_modules/debug/node_modules/ms/package.json")),
    ];
    assert_eq!(summary(&d.packages), expected);
    // The v3 lock file's entries are all installed next to it, so it adds nothing; `.package-lock.json`
    // (npm's hidden lock inside node_modules) and the application's own package.json are not read.
    assert!(
        !d.packages
            .iter()
            .any(|p| p.location.starts_with("/srv/app-v3/") && !p.location.starts_with(v3))
    );
    // dev dependencies are flagged where the lock file says so (npm v1-v3; yarn.lock does not record it).
    for p in &d.packages {
        let dev = p.name == "is-number" && (p.location == v1 || p.location == v2);
        assert_eq!(
            props(p),
            if dev { vec![("dev", "true")] } else { vec![] },
            "{p:?}"
        );
    }
    let debug = d
        .packages
        .iter()
        .find(|p| p.location == format!("{v3}/debug/package.json"))
        .unwrap();
    assert_eq!(debug.supplier.as_deref(), Some("Josh Junon"));
}

#[test]
fn npm_agrees_with_npm_ls() {
    // `npm ls --long` reads the installed tree offline: the package manager's own view of node_modules,
    // with each package's real name (also behind an alias) and its directory.
    let root = std::fs::canonicalize(fixture("npm")).unwrap();
    let dir = root.join("srv/app-v3");
    let out = Command::new("npm")
        .args(["ls", "--all", "--json", "--long", "--offline"])
        .current_dir(&dir)
        .output()
        .expect("npm is missing: run scripts/setup-test-deps.sh");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("npm ls --json");
    fn walk(v: &serde_json::Value, root: &Path, out: &mut Vec<(String, String, String)>) {
        for dep in v
            .get("dependencies")
            .and_then(|d| d.as_object())
            .into_iter()
            .flat_map(|d| d.values())
        {
            let path = Path::new(dep["path"].as_str().unwrap())
                .strip_prefix(root)
                .unwrap();
            let location = format!("/{}/package.json", path.display());
            out.push((
                location,
                dep["name"].as_str().unwrap().into(),
                dep["version"].as_str().unwrap().into(),
            ));
            walk(dep, root, out);
        }
    }
    let mut oracle = Vec::new();
    walk(&v, &root, &mut oracle);
    oracle.sort();
    assert_eq!(oracle.len(), 6);
    let d = scan(&fixture("npm"), || Box::new(Npm));
    let mut ours: Vec<(String, String, String)> = d
        .packages
        .iter()
        .filter(|p| p.location.starts_with("/srv/app-v3/"))
        .map(|p| (p.location.clone(), p.name.clone(), p.version.clone()))
        .collect();
    ours.sort();
    assert_eq!(ours, oracle);
}

#[test]
fn npm_workspaces_and_patched_yarn_entries() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npm/more");
    let d = scan(&root, || Box::new(Npm));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let ws = "/srv/workspaces/package-lock.json";
    let yb = "/srv/yarn-berry-patch/yarn.lock";
    let expected = vec![
        row("function-bind", "1.1.2", "pkg:npm/function-bind@1.1.2", "", yb),
        row("hasown", "2.0.4", "pkg:npm/hasown@2.0.4", "", yb),
        row(
            "is-core-module",
            "2.18.0",
            "pkg:npm/is-core-module@2.18.0",
            "",
            yb,
        ),
        row("is-number", "7.0.0", "pkg:npm/is-number@7.0.0", "MIT", ws),
        row("ms", "2.1.3", "pkg:npm/ms@2.1.3", "MIT", ws),
        row("path-parse", "1.0.7", "pkg:npm/path-parse@1.0.7", "", yb),
        row("resolve", "1.22.8", "pkg:npm/resolve@1.22.8", "", yb),
        row(
            "supports-preserve-symlinks-flag",
            "1.0.0",
            "pkg:npm/supports-preserve-symlinks-flag@1.0.0",
            "",
            yb,
        ),
    ];
    assert_eq!(summary(&d.packages), expected);
    let dev: Vec<&str> = d
        .packages
        .iter()
        .filter(|p| p.properties.contains_key("dev"))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(dev, vec!["is-number"]);
}

#[test]
fn gems_from_installed_specifications() {
    let d = scan(&fixture("gem"), || Box::new(Gem));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let spec = "/usr/lib/ruby/gems/3.1.0/specifications";
    let expected = vec![
        row(
            "bundler",
            "2.3.27",
            "pkg:gem/bundler@2.3.27",
            "MIT",
            &format!("{spec}/default/bundler-2.3.27.gemspec"),
        ),
        row(
            "date",
            "3.2.2",
            "pkg:gem/date@3.2.2",
            "Ruby | BSD-2-Clause",
            &format!("{spec}/default/date-3.2.2.gemspec"),
        ),
        row(
            "minitest",
            "5.15.0",
            "pkg:gem/minitest@5.15.0",
            "MIT",
            &format!("{spec}/minitest-5.15.0.gemspec"),
        ),
        row(
            "net-smtp",
            "0.3.1.1",
            "pkg:gem/net-smtp@0.3.1.1",
            "Ruby | BSD-2-Clause",
            &format!("{spec}/net-smtp-0.3.1.1.gemspec"),
        ),
        row(
            "openssl",
            "3.0.1",
            "pkg:gem/openssl@3.0.1",
            "Ruby",
            &format!("{spec}/default/openssl-3.0.1.gemspec"),
        ),
        row(
            "rack",
            "2.2.22",
            "pkg:gem/rack@2.2.22",
            "MIT",
            "/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec",
        ),
        row(
            "rake",
            "13.0.6",
            "pkg:gem/rake@13.0.6",
            "MIT",
            &format!("{spec}/rake-13.0.6.gemspec"),
        ),
        row(
            "rexml",
            "3.3.9",
            "pkg:gem/rexml@3.3.9",
            "BSD-2-Clause",
            &format!("{spec}/rexml-3.3.9.gemspec"),
        ),
        row(
            "test-unit",
            "3.5.3",
            "pkg:gem/test-unit@3.5.3",
            "Ruby | BSDL | PSFL",
            &format!("{spec}/test-unit-3.5.3.gemspec"),
        ),
    ];
    assert_eq!(summary(&d.packages), expected);
    // Independent check: RubyGems names each specification file NAME-VERSION.gemspec.
    for p in &d.packages {
        assert!(
            p.location
                .ends_with(&format!("/{}-{}.gemspec", p.name, p.version)),
            "{p:?}"
        );
    }
    let bundler = d.packages.iter().find(|p| p.name == "bundler").unwrap();
    assert!(
        bundler
            .supplier
            .as_deref()
            .unwrap()
            .starts_with("André Arko, Samuel Giddins, "),
        "{:?}",
        bundler.supplier
    );
}

#[test]
fn composer_installed_json_v1_and_v2() {
    let d = scan(&fixture("composer"), || Box::new(Composer));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let app = "/var/www/app/vendor/composer/installed.json";
    let legacy = "/var/www/legacy/vendor/composer/installed.json";
    let expected = vec![
        row(
            "container-interop/container-interop",
            "1.2.0",
            "pkg:composer/container-interop/container-interop@1.2.0",
            "MIT",
            legacy,
        ),
        row(
            "doctrine/deprecations",
            "v1.1.1",
            "pkg:composer/doctrine/deprecations@v1.1.1",
            "MIT",
            app,
        ),
        row(
            "monolog/monolog",
            "3.4.0",
            "pkg:composer/monolog/monolog@3.4.0",
            "MIT",
            app,
        ),
        row(
            "nikic/php-parser",
            "v4.17.1",
            "pkg:composer/nikic/php-parser@v4.17.1",
            "BSD-3-Clause",
            app,
        ),
        row(
            "psr/container",
            "1.0.0",
            "pkg:composer/psr/container@1.0.0",
            "MIT",
            legacy,
        ),
        row(
            "zendframework/zend-stdlib",
            "3.1.0",
            "pkg:composer/zendframework/zend-stdlib@3.1.0",
            "BSD-3-Clause",
            legacy,
        ),
    ];
    assert_eq!(summary(&d.packages), expected);
    let dev: Vec<&str> = d
        .packages
        .iter()
        .filter(|p| p.properties.contains_key("dev"))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(dev, vec!["doctrine/deprecations", "nikic/php-parser"]);
    let monolog = d.packages.iter().find(|p| p.name == "monolog/monolog").unwrap();
    assert_eq!(monolog.supplier.as_deref(), Some("Jordi Boggiano"));
}

#[test]
fn dotnet_deps_json() {
    let d = scan(&fixture("dotnet"), || Box::new(Dotnet));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let real = "/usr/local/lib/python3.11/site-packages/pythonnet/runtime/Python.Runtime.deps.json";
    let app = "/app/Acme.Orders.deps.json";
    // Only the packages with runtime assets in the runtime target: the analyzers, compilers, SourceLink and
    // meta-packages of the real file are build-time only (Trivy 0.59.1 reports the same three).
    let mut expected: Vec<(String, String, String, String, String)> = [
        ("Microsoft.CSharp", "4.7.0"),
        ("System.Reflection.Emit", "4.3.0"),
        ("System.Reflection.Emit.ILGeneration", "4.3.0"),
    ]
    .iter()
    .map(|(n, v)| row(n, v, &format!("pkg:nuget/{n}@{v}"), "", real))
    .chain([
        row(
            "Newtonsoft.Json",
            "13.0.3",
            "pkg:nuget/Newtonsoft.Json@13.0.3",
            "",
            app,
        ),
        row("Serilog", "3.1.1", "pkg:nuget/Serilog@3.1.1", "", app),
    ])
    .collect();
    expected.sort_by(|a, b| (&a.0, &a.1, &a.4).cmp(&(&b.0, &b.1, &b.4)));
    assert_eq!(summary(&d.packages), expected);
    let csharp = d.packages.iter().find(|p| p.name == "Microsoft.CSharp").unwrap();
    assert!(csharp.properties["checksum"].starts_with("sha512-pTj+D3uJWyN3M"));
}

/// Hostile files: every detector warns, naming the file, and keeps going.
#[test]
fn malformed_files_give_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let put = |path: &str, data: &[u8]| {
        let p = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    let junk: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe{\"";
    put("/site/bad-1.0.dist-info/METADATA", junk);
    put(
        "/site/empty-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nSummary: nothing else\n",
    );
    put(
        "/site/good-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: good\nVersion: 1.0\n",
    );
    put("/site/good-1.0.dist-info/RECORD", junk);
    put(
        "/app/node_modules/bad/package.json",
        b"{\"name\": \"bad\", \"version\": ",
    );
    put(
        "/app/node_modules/good/package.json",
        br#"{"name": "good", "version": "1.0.0"}"#,
    );
    put("/app/package-lock.json", junk);
    put("/app2/package-lock.json", b"[\"not\", \"an\", \"object\"]");
    put("/app/yarn.lock", junk);
    put("/gems/specifications/bad-1.0.gemspec", junk);
    put("/gems/specifications/empty-1.0.gemspec", b"# nothing here\n");
    put(
        "/php/vendor/composer/installed.json",
        b"{\"packages\": [{\"name\": 5}]}",
    );
    put("/php2/vendor/composer/installed.json", junk);
    put("/net/App.deps.json", junk);

    let makers: [fn() -> Box<dyn Detector>; 5] = [
        || Box::new(Python),
        || Box::new(Npm),
        || Box::new(Gem),
        || Box::new(Composer),
        || Box::new(Dotnet),
    ];
    let mut warnings = Vec::new();
    let mut found = BTreeMap::new();
    for make in makers {
        let d = scan(dir.path(), make);
        warnings.extend(d.warnings);
        for p in d.packages {
            found.insert(p.location.clone(), p.purl.clone());
        }
    }
    warnings.sort();
    let files: Vec<&str> = warnings.iter().map(|w| w.split(": ").next().unwrap()).collect();
    assert_eq!(
        files,
        vec![
            "/app/node_modules/bad/package.json",
            "/app/package-lock.json",
            "/app/yarn.lock",
            "/app2/package-lock.json",
            "/gems/specifications/bad-1.0.gemspec",
            "/gems/specifications/empty-1.0.gemspec",
            "/net/App.deps.json",
            "/php/vendor/composer/installed.json",
            "/php2/vendor/composer/installed.json",
            "/site/bad-1.0.dist-info/METADATA",
            "/site/empty-1.0.dist-info/METADATA",
            "/site/good-1.0.dist-info/RECORD",
        ],
        "{warnings:#?}"
    );
    // The good files are still read; a junk RECORD gives no files but does not hide the package.
    assert_eq!(
        found,
        BTreeMap::from([
            (
                "/app/node_modules/good/package.json".to_string(),
                "pkg:npm/good@1.0.0".to_string()
            ),
            (
                "/site/good-1.0.dist-info/METADATA".to_string(),
                "pkg:pypi/good@1.0".to_string()
            ),
        ])
    );
}

/// Every prefix of every fixture file, and copies with bytes flipped, go through the parsers without a panic.
#[test]
fn truncated_and_mutated_fixtures_never_panic() {
    use rensa_catalog::detector::{composer, dotnet, gem, npm, python};
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { files(&p, out) } else { out.push(p) }
        }
    }
    let parse = |name: &str, data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        match name {
            "METADATA" | "PKG-INFO" | "python_apt-2.6.0.egg-info" => {
                let _ = python::parse_metadata(&text).licenses();
            }
            "RECORD" => {
                let _ = python::record_files("/site", &text);
            }
            "package.json" => {
                let _ = npm::parse_manifest("/x/node_modules/p/package.json", data);
            }
            "package-lock.json" | ".package-lock.json" => {
                let _ = npm::parse_package_lock("/x/package-lock.json", data);
            }
            "yarn.lock" => {
                let _ = npm::parse_yarn_lock("/x/yarn.lock", data);
            }
            "installed.json" => {
                let _ = composer::parse_installed("/x/vendor/composer/installed.json", data);
            }
            n if n.ends_with(".gemspec") => {
                let _ = gem::parse_gemspec(&text);
            }
            n if n.ends_with(".deps.json") => {
                let _ = dotnet::parse_deps("/x.deps.json", data);
            }
            n => panic!("fixture {n} has no parser here"),
        }
    };
    let mut all = Vec::new();
    for eco in ["python", "npm", "gem", "composer", "dotnet"] {
        files(&fixture(eco), &mut all);
    }
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npm/more"),
        &mut all,
    );
    assert!(all.len() > 40);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for path in all {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let data = std::fs::read(&path).unwrap();
        let step = (data.len() / 1500).max(1);
        for cut in (0..data.len()).step_by(step) {
            parse(&name, &data[..cut]);
        }
        for _ in 0..200 {
            let mut m = data.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if !m.is_empty() {
                    let i = (seed as usize) % m.len();
                    m[i] = (seed >> 32) as u8;
                }
            }
            parse(&name, &m);
        }
    }
}
