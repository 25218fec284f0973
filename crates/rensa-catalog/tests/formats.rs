//! The CycloneDX and SPDX writers and readers: validated with the official libraries
//! (`cyclonedx-python-lib`, `spdx-tools`, from the venv `scripts/setup-test-deps.sh` creates), compared
//! with committed snapshots (`RENSA_UPDATE_SNAPSHOTS=1` rewrites them), and read back into the model.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rensa_catalog::format::{self, Format, WriteOptions, read::read_sbom};
use rensa_catalog::purl::Purl;
use rensa_catalog::{Distro, Ecosystem, ImageInfo, LayerInfo, Package, Sbom};
use rensa_oci::SourceKind;
use rensa_testkit as kit;

fn options() -> WriteOptions {
    WriteOptions {
        timestamp: "2024-01-02T03:04:05Z".into(),
        tool_version: "0.1.0".into(),
    }
}

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

#[allow(clippy::too_many_arguments)]
fn pkg(
    eco: Ecosystem,
    name: &str,
    version: &str,
    purl: Purl,
    licenses: &[&str],
    location: &str,
    layer: Option<usize>,
) -> Package {
    let mut p = Package::new(eco, name, version, location);
    p.purl = purl.to_string();
    p.licenses = licenses.iter().map(|s| s.to_string()).collect();
    p.layer = layer;
    p
}

/// An SBOM with what real images hold: deb packages with epochs and source packages, an apk, an rpm with
/// an epoch, scoped npm, Maven, PyPI, Go with its stdlib, odd licence strings, names with spaces.
fn sample() -> Sbom {
    use Ecosystem::*;
    let deb = |n: &str, v: &str, arch: &str| {
        Purl::new("deb", n)
            .namespace("debian")
            .version(v)
            .qualifier("arch", arch)
            .qualifier("distro", "debian-12")
    };
    let status = "/var/lib/dpkg/status";
    let mut packages = Vec::new();

    let mut p = pkg(
        Deb,
        "libc6",
        "2.36-9+deb12u4",
        deb("libc6", "2.36-9+deb12u4", "amd64"),
        &["GPL-2+", "LGPL-2.1+"],
        status,
        Some(0),
    );
    p.arch = Some("amd64".into());
    p.source_name = Some("glibc".into());
    p.source_version = Some("2.36-9+deb12u4".into());
    p.supplier = Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".into());
    p.files = vec!["/lib/x86_64-linux-gnu/libc.so.6".into()];
    packages.push(p);

    let mut p = pkg(
        Deb,
        "bsdutils",
        "1:2.38.1-5+b1",
        deb("bsdutils", "1:2.38.1-5+b1", "amd64"),
        &["GPL-2+", "public-domain", "BSD-4-clause", "LGPL-2.1-or-later"],
        status,
        Some(0),
    );
    p.arch = Some("amd64".into());
    p.source_name = Some("util-linux".into());
    p.source_version = Some("2.38.1-5".into());
    p.supplier = Some("util-linux packagers <util-linux@packages.debian.org>".into());
    packages.push(p);

    let mut p = pkg(
        Deb,
        "tzdata",
        "2024a-0+deb12u1",
        deb("tzdata", "2024a-0+deb12u1", "all"),
        &[],
        status,
        Some(1),
    );
    p.arch = Some("all".into());
    p.supplier = Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".into());
    packages.push(p);

    let apk = Purl::new("apk", "musl")
        .namespace("alpine")
        .version("1.2.4-r2")
        .qualifier("arch", "x86_64")
        .qualifier("distro", "alpine-3.18");
    let mut p = pkg(
        Apk,
        "musl",
        "1.2.4-r2",
        apk,
        &["MIT"],
        "/lib/apk/db/installed",
        Some(1),
    );
    p.arch = Some("x86_64".into());
    p.source_name = Some("musl".into());
    p.supplier = Some("Timo Teräs <timo.teras@iki.fi>".into());
    packages.push(p);

    let rpm = Purl::new("rpm", "openssl-libs")
        .namespace("redhat")
        .version("3.0.7-27.el9")
        .qualifier("arch", "x86_64")
        .qualifier("epoch", "1")
        .qualifier("distro", "rhel-9.3");
    let mut p = pkg(
        Rpm,
        "openssl-libs",
        "1:3.0.7-27.el9",
        rpm,
        &["ASL 2.0"],
        "/var/lib/rpm/rpmdb.sqlite",
        Some(2),
    );
    p.arch = Some("x86_64".into());
    p.source_name = Some("openssl".into());
    p.source_version = Some("1:3.0.7-27.el9".into());
    p.supplier = Some("Red Hat, Inc.".into());
    packages.push(p);

    let npm = |ns: &str, n: &str, v: &str| Purl::new("npm", n).namespace(ns).version(v);
    packages.push(pkg(
        Npm,
        "@babel/core",
        "7.23.2",
        npm("@babel", "core", "7.23.2"),
        &["MIT"],
        "/app/node_modules/@babel/core/package.json",
        Some(2),
    ));
    for loc in [
        "/app/node_modules/lodash/package.json",
        "/srv/node_modules/lodash/package.json",
    ] {
        packages.push(pkg(
            Npm,
            "lodash",
            "4.17.21",
            npm("", "lodash", "4.17.21"),
            &["MIT"],
            loc,
            Some(2),
        ));
    }
    let mut p = pkg(
        Npm,
        "ünïcode pkg",
        "1.0.0-beta+build",
        npm("", "ünïcode pkg", "1.0.0-beta+build"),
        &["(MIT OR BSD-2-Clause) AND Apache-2.0 WITH LLVM-exception"],
        "/app/node_modules/ünïcode pkg/package.json",
        Some(2),
    );
    p.supplier = Some("Jöhn Doe (the dev) <john@example.com>".into());
    packages.push(p);

    let mut p = pkg(
        Maven,
        "org.apache.commons:commons-lang3",
        "3.12.0",
        Purl::new("maven", "commons-lang3")
            .namespace("org.apache.commons")
            .version("3.12.0"),
        &["Apache-2.0"],
        "/app/lib/app.jar",
        Some(2),
    );
    p.properties.insert(
        "checksum".into(),
        "sha1:c6842c86792ff03b9f1d1fe2aab8dc23aa6c6f0e".into(),
    );
    packages.push(p);

    let pypi = |n: &str, v: &str| Purl::new("pypi", n).version(v);
    let mut p = pkg(
        Pypi,
        "Django",
        "4.2.7",
        pypi("django", "4.2.7"),
        &["BSD-3-Clause"],
        "/usr/lib/python3/dist-packages/Django-4.2.7.dist-info/METADATA",
        Some(2),
    );
    p.supplier = Some("Django Software Foundation <foundation@djangoproject.com>".into());
    packages.push(p);
    packages.push(pkg(
        Pypi,
        "requests",
        "2.31.0",
        pypi("requests", "2.31.0"),
        &["Apache 2.0"],
        "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        Some(2),
    ));
    packages.push(pkg(
        Pypi,
        "mystery",
        "",
        Purl::new("pypi", "mystery"),
        &["", "Custom: see LICENSE file", "NOASSERTION"],
        "/opt/mystery/PKG-INFO",
        None,
    ));

    let mut p = pkg(
        Golang,
        "stdlib",
        "1.21.3",
        Purl::new("golang", "stdlib").version("1.21.3"),
        &["BSD-3-Clause"],
        "/usr/local/bin/app",
        Some(2),
    );
    p.properties.insert("go-version".into(), "go1.21.3".into());
    packages.push(p);
    packages.push(pkg(
        Golang,
        "github.com/spf13/cobra",
        "v1.8.0",
        Purl::new("golang", "cobra")
            .namespace("github.com/spf13")
            .version("v1.8.0"),
        &[],
        "/usr/local/bin/app",
        Some(2),
    ));
    packages.push(pkg(
        Cargo,
        "serde",
        "1.0.193",
        Purl::new("cargo", "serde").version("1.0.193"),
        &["MIT OR Apache-2.0"],
        "/src/Cargo.lock",
        Some(2),
    ));
    packages.push(pkg(
        Gem,
        "rake",
        "13.0.6",
        Purl::new("gem", "rake").version("13.0.6"),
        &["MIT", "GPL-2.0-or-later OR Ruby", "Bugroff"],
        "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
        Some(2),
    ));
    packages.push(pkg(
        Composer,
        "monolog/monolog",
        "3.5.0",
        Purl::new("composer", "monolog")
            .namespace("monolog")
            .version("3.5.0"),
        &["MIT"],
        "/app/vendor/composer/installed.json",
        Some(2),
    ));
    packages.push(pkg(
        Nuget,
        "Newtonsoft.Json",
        "13.0.3",
        Purl::new("nuget", "Newtonsoft.Json").version("13.0.3"),
        &["MIT"],
        "/app/app.deps.json",
        Some(2),
    ));
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let layer = |index: usize, c: char, d: char, size: u64| LayerInfo {
        index,
        digest: Some(digest(c)),
        diff_id: Some(digest(d)),
        size: Some(size),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    Sbom {
        image: ImageInfo {
            name: "oci:/images/shop:1.2".into(),
            kind: SourceKind::OciLayout,
            manifest_digest: Some(digest('a')),
            config_digest: Some(digest('b')),
            tags: vec!["1.2".into()],
            platform: Some("linux/amd64".into()),
            created: Some("2023-11-14T22:13:20Z".into()),
            layers: vec![
                layer(0, 'c', 'd', 29_000_000),
                layer(1, 'e', 'f', 1_234),
                layer(2, '1', '2', 5_678),
            ],
        },
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: vec![],
            source: "/etc/os-release".into(),
        }),
        packages,
        warnings: vec!["/usr/lib/big.jar: skipped, larger than the limit".into()],
    }
}

fn render(sbom: &Sbom, format: Format) -> String {
    let mut out = Vec::new();
    format::write(sbom, format, &options(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

const SPDX_CHECK: &str = r#"
import sys
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
messages = validate_full_spdx_document(parse_file(sys.argv[1]))
for m in messages:
    print(m.validation_message, m.context)
if messages:
    sys.exit(1)
print("valid")
"#;

fn assert_valid_cyclonedx(text: &str) {
    let (ok, out) = kit::run_python(kit::CYCLONEDX_CHECK, &[] as &[&str], text);
    assert!(
        ok && out.trim() == "valid",
        "CycloneDX 1.6 validation failed:\n{out}"
    );
}

fn assert_valid_spdx(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sbom.spdx.json");
    std::fs::write(&path, text).unwrap();
    let (ok, out) = kit::run_python(SPDX_CHECK, &[&path], "");
    assert!(ok && out.trim() == "valid", "SPDX 2.3 validation failed:\n{out}");
}

fn check_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("RENSA_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (RENSA_UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{} differs from the output (first at line {}):\n  expected: {:?}\n  actual:   {:?}\nRENSA_UPDATE_SNAPSHOTS=1 rewrites it",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn cyclonedx_validates_with_the_official_library() {
    assert_valid_cyclonedx(&render(&sample(), Format::CycloneDx));
}

#[test]
fn spdx_validates_with_the_official_library() {
    assert_valid_spdx(&render(&sample(), Format::Spdx));
}

#[test]
fn an_empty_image_validates_in_both_formats() {
    let mut sbom = sample();
    sbom.packages.clear();
    sbom.distro = None;
    sbom.warnings.clear();
    sbom.image = ImageInfo {
        name: "dir:/rootfs".into(),
        kind: SourceKind::Rootfs,
        manifest_digest: None,
        config_digest: None,
        tags: vec![],
        platform: None,
        created: None,
        layers: vec![LayerInfo {
            index: 0,
            digest: None,
            diff_id: None,
            size: None,
            media_type: String::new(),
        }],
    };
    assert_valid_cyclonedx(&render(&sbom, Format::CycloneDx));
    assert_valid_spdx(&render(&sbom, Format::Spdx));
}

#[test]
fn snapshots() {
    check_snapshot("sample.cdx.json", &render(&sample(), Format::CycloneDx));
    check_snapshot("sample.spdx.json", &render(&sample(), Format::Spdx));
}

#[test]
fn output_is_reproducible_and_independent_of_package_order() {
    let a = sample();
    let mut b = sample();
    b.packages.reverse();
    for f in [Format::CycloneDx, Format::Spdx] {
        assert_eq!(render(&a, f), render(&a, f));
        assert_eq!(render(&a, f), render(&b, f));
    }
    // Identifiers follow the content: another package list gives another serial number and namespace.
    let mut c = sample();
    c.packages.pop();
    let serial = |s: &Sbom| {
        let v: serde_json::Value = serde_json::from_str(&render(s, Format::CycloneDx)).unwrap();
        v["serialNumber"].as_str().unwrap().to_string()
    };
    let namespace = |s: &Sbom| {
        let v: serde_json::Value = serde_json::from_str(&render(s, Format::Spdx)).unwrap();
        v["documentNamespace"].as_str().unwrap().to_string()
    };
    assert_ne!(serial(&a), serial(&c));
    assert_ne!(namespace(&a), namespace(&c));
    assert!(namespace(&a).starts_with("https://rensa.dev/spdxdocs/oci-images-shop-1.2-"));
}

#[test]
fn cyclonedx_structure() {
    let v: serde_json::Value = serde_json::from_str(&render(&sample(), Format::CycloneDx)).unwrap();
    let components = v["components"].as_array().unwrap();
    assert_eq!(components.len(), sample().packages.len() + 1);
    let refs: Vec<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = refs.iter().copied().collect();
    assert_eq!(unique.len(), refs.len(), "bom-refs are unique");
    let image_ref = v["metadata"]["component"]["bom-ref"].as_str().unwrap();
    assert_eq!(
        image_ref,
        format!("pkg:oci/shop@{}?arch=amd64&tag=1.2", digest('a')),
        "the image is known by its pkg:oci purl"
    );
    // Every dependency names a known component; the image depends on the OS and the language packages,
    // the OS on the OS packages.
    let deps = v["dependencies"].as_array().unwrap();
    for d in deps {
        let r = d["ref"].as_str().unwrap();
        assert!(r == image_ref || unique.contains(r), "{r}");
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(unique.contains(on.as_str().unwrap()));
        }
    }
    let os = components
        .iter()
        .find(|c| c["type"] == "operating-system")
        .unwrap();
    assert_eq!(
        (os["name"].as_str(), os["version"].as_str()),
        (Some("debian"), Some("12"))
    );
    let on = |r: &str| -> Vec<String> {
        let d = deps.iter().find(|d| d["ref"] == r).unwrap();
        d["dependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let os_deps = on(os["bom-ref"].as_str().unwrap());
    assert_eq!(
        os_deps.len(),
        5,
        "deb, apk and rpm packages hang off the OS: {os_deps:?}"
    );
    assert!(
        os_deps
            .iter()
            .all(|r| r.starts_with("pkg:deb/") || r.starts_with("pkg:apk/") || r.starts_with("pkg:rpm/"))
    );
    assert_eq!(on(image_ref).len(), sample().packages.len() - 5 + 1);

    let by_purl = |purl: &str| {
        components
            .iter()
            .find(|c| c["purl"] == purl)
            .unwrap_or_else(|| panic!("{purl}"))
    };
    let maven = by_purl("pkg:maven/org.apache.commons/commons-lang3@3.12.0");
    assert_eq!(
        (maven["group"].as_str(), maven["name"].as_str()),
        (Some("org.apache.commons"), Some("commons-lang3"))
    );
    let babel = by_purl("pkg:npm/%40babel/core@7.23.2");
    assert_eq!(
        (babel["group"].as_str(), babel["name"].as_str()),
        (Some("@babel"), Some("core"))
    );
    let serde = by_purl("pkg:cargo/serde@1.0.193");
    assert_eq!(
        serde["licenses"],
        serde_json::json!([{"expression": "MIT OR Apache-2.0", "acknowledgement": "declared"}])
    );
    let rake = by_purl("pkg:gem/rake@13.0.6");
    assert_eq!(
        rake["licenses"],
        serde_json::json!([
            {"license": {"id": "MIT", "acknowledgement": "declared"}},
            {"license": {"name": "GPL-2.0-or-later OR Ruby", "acknowledgement": "declared"}},
            {"license": {"name": "Bugroff", "acknowledgement": "declared"}},
        ]),
        "an expression cannot stand beside other licences; an id newer than the schema's list is a name"
    );
    let libc = components.iter().find(|c| c["name"] == "libc6").unwrap();
    let prop = |c: &serde_json::Value, name: &str| -> Vec<String> {
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prop(libc, "rensa:layer:diff_id"), [digest('d')]);
    assert_eq!(prop(libc, "rensa:layer:index"), ["0"]);
    assert_eq!(prop(libc, "rensa:location"), ["/var/lib/dpkg/status"]);
    assert_eq!(prop(libc, "rensa:source:name"), ["glibc"]);
    assert_eq!(libc["licenses"][0]["license"]["name"], "GPL-2+");
    assert_eq!(libc["supplier"]["name"], "GNU Libc Maintainers");
    assert_eq!(
        libc["supplier"]["contact"][0]["email"],
        "debian-glibc@lists.debian.org"
    );
    assert_eq!(
        prop(maven, "rensa:package:checksum"),
        ["sha1:c6842c86792ff03b9f1d1fe2aab8dc23aa6c6f0e"]
    );
}

#[test]
fn spdx_structure() {
    let v: serde_json::Value = serde_json::from_str(&render(&sample(), Format::Spdx)).unwrap();
    let packages = v["packages"].as_array().unwrap();
    assert_eq!(packages.len(), sample().packages.len() + 2);
    let image = &packages[0];
    assert_eq!(image["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(
        v["relationships"][0],
        serde_json::json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": image["SPDXID"]})
    );
    let contains = v["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS")
        .count();
    assert_eq!(contains, packages.len() - 1);
    let ids: BTreeSet<&str> = packages.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), packages.len());
    let by_name = |n: &str| {
        packages
            .iter()
            .find(|p| p["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let libc = by_name("libc6");
    assert_eq!(libc["licenseDeclared"], "GPL-2.0-or-later AND LGPL-2.1-or-later");
    assert_eq!(
        libc["supplier"],
        "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    );
    assert_eq!(libc["sourceInfo"], "built package from: glibc 2.36-9+deb12u4");
    assert!(
        libc["SPDXID"]
            .as_str()
            .unwrap()
            .starts_with("SPDXRef-Package-libc6-")
    );
    let bsd = by_name("bsdutils");
    let declared = bsd["licenseDeclared"].as_str().unwrap();
    assert!(
        declared.starts_with("GPL-2.0-or-later AND LicenseRef-public-domain AND "),
        "{declared}"
    );
    let refs: Vec<&str> = v["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["licenseId"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"LicenseRef-public-domain"), "{refs:?}");
    assert_eq!(by_name("tzdata")["licenseDeclared"], "NOASSERTION");
    assert_eq!(by_name("serde")["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(by_name("requests")["licenseDeclared"], "Apache-2.0");
    let notes: Vec<&str> = libc["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["comment"].as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&format!("rensa:layer:diff_id: {}", digest('d')).as_str()),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"rensa:location: /var/lib/dpkg/status"),
        "{notes:?}"
    );
    let unicode = by_name("ünïcode pkg");
    assert!(
        unicode["SPDXID"]
            .as_str()
            .unwrap()
            .starts_with("SPDXRef-Package-n-code-pkg-"),
        "{}",
        unicode["SPDXID"]
    );
}

/// What the formats carry of an SBOM: everything but owned file lists and blank licence strings.
fn carried(mut sbom: Sbom) -> Sbom {
    for p in &mut sbom.packages {
        p.files.clear();
        p.licenses = p
            .licenses
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
    }
    sbom
}

fn assert_same(read: &Sbom, expected: &Sbom) {
    assert_eq!(read.image, expected.image);
    assert_eq!(read.distro, expected.distro);
    assert_eq!(read.packages.len(), expected.packages.len());
    for (r, e) in read.packages.iter().zip(&expected.packages) {
        assert_eq!(r, e);
    }
    assert_eq!(read.warnings, expected.warnings);
}

#[test]
fn cyclonedx_round_trip() {
    let sbom = sample();
    let read = read_sbom("sample.cdx.json", render(&sbom, Format::CycloneDx).as_bytes()).unwrap();
    assert_same(&read, &carried(sbom));
}

#[test]
fn spdx_round_trip() {
    let sbom = sample();
    let read = read_sbom("sample.spdx.json", render(&sbom, Format::Spdx).as_bytes()).unwrap();
    let mut expected = carried(sbom);
    // SPDX actors cannot hold parentheses in names.
    for p in &mut expected.packages {
        if let Some(s) = &mut p.supplier {
            *s = s.replace('(', "[").replace(')', "]");
        }
    }
    assert_same(&read, &expected);
}

#[test]
fn malformed_documents_are_errors_naming_the_file() {
    let cdx = render(&sample(), Format::CycloneDx);
    let cases: [(&str, String, &str); 4] = [
        (
            "truncated.json",
            cdx[..cdx.len() / 2].to_string(),
            "not a JSON document",
        ),
        (
            "other.json",
            "{\"hello\": 1}".into(),
            "neither a CycloneDX document",
        ),
        (
            "old.json",
            cdx.replace("\"specVersion\": \"1.6\"", "\"specVersion\": \"1.2\""),
            "unsupported CycloneDX specVersion",
        ),
        (
            "bad.json",
            cdx.replace("\"components\": [", "\"components\": 7, \"x\": ["),
            "malformed CycloneDX document",
        ),
    ];
    for (path, data, want) in cases {
        let err = read_sbom(path, data.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, rensa_catalog::Error::Sbom { path: p, .. } if p == path),
            "{err:?}"
        );
        assert!(err.to_string().contains(want), "{path}: {err}");
    }
}

/// Every licence identifier rensa writes as a CycloneDX `license.id` is one the 1.6 schema accepts, and
/// every current SPDX identifier gives a declared licence that spdx-tools accepts.
#[test]
fn every_spdx_licence_id_validates() {
    let ids: Vec<&str> = spdx::identifiers::LICENSES
        .iter()
        .filter(|l| l.flags & spdx::flags::IS_DEPRECATED == 0)
        .map(|l| l.name)
        .collect();
    assert!(ids.len() > 500);
    let mut sbom = sample();
    sbom.packages.truncate(1);
    sbom.packages[0].licenses = ids.iter().map(|s| s.to_string()).collect();
    assert_valid_cyclonedx(&render(&sbom, Format::CycloneDx));
    assert_valid_spdx(&render(&sbom, Format::Spdx));
}

/// Trivy's documents for the example image (`examples/debian-mini`): what the example's README lists.
#[test]
fn reads_trivy_documents() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/foreign");
    for file in [
        "trivy-0.59.1-debian-mini.cdx.json",
        "trivy-0.59.1-debian-mini.spdx.json",
    ] {
        let data = std::fs::read(dir.join(file)).unwrap();
        let sbom = read_sbom(file, &data).unwrap();
        assert_eq!(sbom.warnings, Vec::<String>::new(), "{file}");
        let diff_ids: Vec<&str> = sbom
            .image
            .layers
            .iter()
            .map(|l| l.diff_id.as_deref().unwrap())
            .collect();
        assert_eq!(
            diff_ids,
            [
                "sha256:2d5eadce4e9fbe9dfad39d762b70e88ee2aaebb7584297877c6084c910cc6a64",
                "sha256:5309b4c5f26296ee3122673469aa8be5eb076e1f0e2c3dbb84197c0dc3fea4d2"
            ],
            "{file}"
        );
        assert_eq!(
            sbom.image.config_digest.as_deref(),
            Some("sha256:0281a03007c8a776e5e7fefae2f8f2fd167ec07de3072d50dfcb614b41d89be5")
        );
        let distro = sbom.distro.as_ref().unwrap();
        assert_eq!(
            (distro.id.as_str(), distro.version_id.as_deref()),
            ("debian", Some("12.11"))
        );

        let debs: BTreeSet<&str> = sbom
            .packages
            .iter()
            .filter(|p| p.ecosystem == Ecosystem::Deb)
            .map(|p| p.name.as_str())
            .collect();
        let expected: BTreeSet<&str> = [
            "base-files",
            "bash",
            "ca-certificates",
            "dash",
            "gcc-12-base",
            "libacl1",
            "libattr1",
            "libbz2-1.0",
            "libc6",
            "libgcc-s1",
            "liblzma5",
            "libssl3",
            "libtinfo6",
            "libzstd1",
            "mawk",
            "ncurses-base",
            "zlib1g",
        ]
        .into();
        assert_eq!(debs, expected, "{file}");
        assert_eq!(sbom.packages.len(), 20, "{file}");
        let get = |n: &str| {
            sbom.packages
                .iter()
                .find(|p| p.name == n)
                .unwrap_or_else(|| panic!("{file}: {n}"))
        };
        for p in sbom.packages.iter().filter(|p| p.ecosystem == Ecosystem::Deb) {
            let layer = if p.name == "ca-certificates" { 1 } else { 0 };
            assert_eq!(p.layer, Some(layer), "{file}: {}", p.name);
        }
        let zlib = get("zlib1g");
        assert_eq!(
            zlib.version, "1:1.2.13.dfsg-1",
            "{file}: the epoch is part of the version"
        );
        assert_eq!(
            (zlib.source_name.as_deref(), zlib.source_version.as_deref()),
            (Some("zlib"), Some("1:1.2.13.dfsg-1")),
            "{file}"
        );
        let bash = get("bash");
        assert_eq!(
            (bash.version.as_str(), bash.source_version.as_deref()),
            ("5.2.15-2+b8", Some("5.2.15-2"))
        );
        assert_eq!(get("libc6").source_name.as_deref(), Some("glibc"));
        assert_eq!(get("ca-certificates").arch.as_deref(), Some("all"));
        assert_eq!(
            get("base-files").supplier.as_deref(),
            Some("Santiago Vila <sanvila@debian.org>")
        );
        let idna = get("idna");
        assert_eq!((idna.ecosystem, idna.version.as_str()), (Ecosystem::Pypi, "3.10"));
        assert_eq!(
            idna.location, "/usr/local/lib/python3.11/dist-packages/idna-3.10.dist-info/METADATA",
            "{file}"
        );
        assert_eq!(idna.licenses, ["BSD-3-Clause"]);
        let debug = get("debug");
        assert_eq!(
            (debug.ecosystem, debug.purl.as_str()),
            (Ecosystem::Npm, "pkg:npm/debug@4.4.0")
        );
        assert_eq!(
            debug.location, "/srv/app/node_modules/debug/package.json",
            "{file}"
        );
        assert_eq!(debug.layer, Some(0));

        // What was read is written again as valid documents.
        assert_valid_cyclonedx(&render(&sbom, Format::CycloneDx));
        assert_valid_spdx(&render(&sbom, Format::Spdx));
    }
}

/// The example image that ships in the repository, catalogued for real: both documents validate and read
/// back to the same packages.
#[test]
fn the_example_image_validates_and_round_trips() {
    let path = workspace().join("examples/debian-mini");
    let reference = rensa_oci::ImageRef::parse(&format!("oci:{}:latest", path.display())).unwrap();
    let source = rensa_oci::open(&reference, &rensa_oci::OpenOptions::default()).unwrap();
    let options = rensa_oci::ReadOptions {
        limits: rensa_oci::Limits::default(),
        cache: None,
        progress: None,
    };
    let sbom = rensa_catalog::catalog(source.as_ref(), &options).unwrap();
    assert!(sbom.packages.len() >= 20, "{} packages", sbom.packages.len());
    let expected = carried(sbom.clone());
    let cdx = render(&sbom, Format::CycloneDx);
    assert_valid_cyclonedx(&cdx);
    assert_same(&read_sbom("example.cdx.json", cdx.as_bytes()).unwrap(), &expected);
    let spdx = render(&sbom, Format::Spdx);
    assert_valid_spdx(&spdx);
    let mut expected = expected;
    for p in &mut expected.packages {
        if let Some(s) = &mut p.supplier {
            *s = s.replace('(', "[").replace(')', "]");
        }
    }
    assert_same(
        &read_sbom("example.spdx.json", spdx.as_bytes()).unwrap(),
        &expected,
    );
}
