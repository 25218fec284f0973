//! The matcher against real advisory feeds, with expectations written by hand from the advisories'
//! own data (fixed versions, ranges, `patched`/`unaffected` lists), and OSV range edge cases.

use std::path::{Path, PathBuf};

use rensa_catalog::{Distro, Ecosystem, Package};
use rensa_vulndb::advisory::{Advisory, Affected, Event, Range, RangeKind, Status};
use rensa_vulndb::feed::read_path;
use rensa_vulndb::matcher::{Finding, match_package, match_packages, osv_ecosystem};
use rensa_vulndb::severity::{AttackComplexity, AttackVector, Rating};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/advisories")
        .join(rel)
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/matcher")
        .join(rel)
}

fn advisories(path: &Path) -> Vec<Advisory> {
    read_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .advisories
}

fn distro(id: &str, version: Option<&str>) -> Distro {
    Distro {
        id: id.into(),
        version_id: version.map(str::to_string),
        codename: None,
        pretty_name: None,
        id_like: Vec::new(),
        source: "etc/os-release".into(),
    }
}

fn pkg(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    let mut p = Package::new(ecosystem, name, version, "test");
    p.purl = format!("pkg:{}/{name}@{version}", ecosystem.purl_type());
    p
}

/// A distribution binary package built from `source` at `source_version`.
fn binary(ecosystem: Ecosystem, name: &str, version: &str, source: &str, source_version: &str) -> Package {
    let mut p = pkg(ecosystem, name, version);
    p.source_name = Some(source.into());
    p.source_version = Some(source_version.into());
    p
}

type Row = (String, String, Option<String>, Vec<String>);

/// `(package, id, fixed_version, aliases)` of each finding, in the matcher's order.
fn rows(findings: &[Finding]) -> Vec<Row> {
    findings
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.id.clone(),
                f.fixed_version.clone(),
                f.aliases.clone(),
            )
        })
        .collect()
}

fn row(name: &str, id: &str, fixed: Option<&str>, aliases: &[&str]) -> Row {
    (
        name.into(),
        id.into(),
        fixed.map(str::to_string),
        aliases.iter().map(|s| s.to_string()).collect(),
    )
}

fn sorted(mut v: Vec<Row>) -> Vec<Row> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------------
// OSV range semantics

fn osv(id: &str, ecosystem: &str, name: &str, ranges: Vec<Range>, versions: &[&str]) -> Advisory {
    let mut a = Advisory::new(id, "osv");
    let mut entry = Affected::new(ecosystem, name);
    entry.ranges = ranges;
    entry.versions = versions.iter().map(|v| v.to_string()).collect();
    a.affected.push(entry);
    a
}

fn range(kind: RangeKind, events: &[(&str, &str)]) -> Range {
    Range {
        kind,
        repo: None,
        events: events
            .iter()
            .map(|(k, v)| match *k {
                "introduced" => Event::Introduced(v.to_string()),
                "fixed" => Event::Fixed(v.to_string()),
                "last_affected" => Event::LastAffected(v.to_string()),
                "limit" => Event::Limit(v.to_string()),
                other => panic!("{other}"),
            })
            .collect(),
    }
}

/// `(status, fixed_version)` of the one finding for PyPI package `x` at `version`, or `None`.
fn verdict(adv: &Advisory, version: &str) -> Option<(Status, Option<String>)> {
    let found = match_package(
        &pkg(Ecosystem::Pypi, "x", version),
        None,
        std::slice::from_ref(adv),
    );
    assert!(found.len() <= 1, "{found:?}");
    found.first().map(|f| (f.status, f.fixed_version.clone()))
}

fn fixed(v: &str) -> Option<(Status, Option<String>)> {
    Some((Status::Fixed, Some(v.to_string())))
}

const UNFIXED: Option<(Status, Option<String>)> = Some((Status::Unfixed, None));

#[test]
fn introduced_and_fixed_bound_a_half_open_interval() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "1.0"), ("fixed", "1.5")],
        )],
        &[],
    );
    assert_eq!(verdict(&a, "0.9"), None);
    assert_eq!(verdict(&a, "1.0"), fixed("1.5"));
    assert_eq!(verdict(&a, "1.4.9"), fixed("1.5"));
    assert_eq!(
        verdict(&a, "1.5rc1"),
        fixed("1.5"),
        "a pre-release of the fix is before it"
    );
    assert_eq!(verdict(&a, "1.5"), None);
    assert_eq!(verdict(&a, "1.5.0"), None, "PEP 440: 1.5.0 == 1.5");
}

#[test]
fn introduced_zero_means_from_the_start() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "0.5")],
        )],
        &[],
    );
    assert_eq!(verdict(&a, "0.0.1"), fixed("0.5"));
    assert_eq!(verdict(&a, "0.0.dev0"), fixed("0.5"));
    assert_eq!(verdict(&a, "0.5"), None);
    let open = osv(
        "PYSEC-2",
        "PyPI",
        "x",
        vec![range(RangeKind::Ecosystem, &[("introduced", "0")])],
        &[],
    );
    assert_eq!(verdict(&open, "99"), UNFIXED);
}

#[test]
fn last_affected_is_inclusive_and_has_no_fix() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "1.0"), ("last_affected", "1.4")],
        )],
        &[],
    );
    assert_eq!(verdict(&a, "1.4"), UNFIXED);
    assert_eq!(verdict(&a, "1.4.post1"), None);
    assert_eq!(verdict(&a, "0.9"), None);
}

#[test]
fn several_intervals_in_one_range_and_across_ranges() {
    // One range holding two intervals: [1.0, 1.5) and [2.0, 2.5).
    let one = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[
                ("introduced", "1.0"),
                ("fixed", "1.5"),
                ("introduced", "2.0"),
                ("fixed", "2.5"),
            ],
        )],
        &[],
    );
    // The same as two ranges.
    let two = osv(
        "PYSEC-2",
        "PyPI",
        "x",
        vec![
            range(RangeKind::Ecosystem, &[("introduced", "2.0"), ("fixed", "2.5")]),
            range(RangeKind::Ecosystem, &[("introduced", "1.0"), ("fixed", "1.5")]),
        ],
        &[],
    );
    for a in [&one, &two] {
        assert_eq!(verdict(a, "1.2"), fixed("1.5"), "{}", a.id);
        assert_eq!(verdict(a, "1.7"), None, "{}", a.id);
        assert_eq!(verdict(a, "2.0"), fixed("2.5"), "{}", a.id);
        assert_eq!(verdict(a, "2.5"), None, "{}", a.id);
    }
}

#[test]
fn events_are_sorted_before_evaluation() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[
                ("fixed", "3.0"),
                ("introduced", "2.0"),
                ("fixed", "1.5"),
                ("introduced", "1.0"),
            ],
        )],
        &[],
    );
    assert_eq!(verdict(&a, "0.5"), None);
    assert_eq!(verdict(&a, "1.2"), fixed("1.5"));
    assert_eq!(verdict(&a, "1.7"), None);
    assert_eq!(verdict(&a, "2.9"), fixed("3.0"));
    assert_eq!(verdict(&a, "3.0"), None);
}

#[test]
fn explicit_versions_are_affected_whatever_the_ranges_say() {
    let a = osv("PYSEC-1", "PyPI", "x", vec![], &["1.2.3", "2.0"]);
    assert_eq!(verdict(&a, "1.2.3"), UNFIXED);
    assert_eq!(
        verdict(&a, "2.0.0"),
        UNFIXED,
        "the same PEP 440 version spelled differently"
    );
    assert_eq!(verdict(&a, "1.2.4"), None);
}

#[test]
fn limit_caps_a_range() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("limit", "2.0")],
        )],
        &[],
    );
    assert_eq!(verdict(&a, "1.9"), UNFIXED);
    assert_eq!(verdict(&a, "2.0"), None);
    let star = osv(
        "PYSEC-2",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "1.0"), ("limit", "*")],
        )],
        &[],
    );
    assert_eq!(verdict(&star, "5.0"), UNFIXED);
}

#[test]
fn semver_ranges_use_semver_order_and_git_ranges_are_skipped() {
    // In SemVer a pre-release sorts before its release; `1.0.0-rc.10` after `1.0.0-rc.9`.
    let a = osv(
        "GHSA-1",
        "npm",
        "left-pad",
        vec![range(
            RangeKind::Semver,
            &[("introduced", "1.0.0-rc.9"), ("fixed", "1.0.0")],
        )],
        &[],
    );
    let npm = |v: &str| {
        match_package(
            &pkg(Ecosystem::Npm, "left-pad", v),
            None,
            std::slice::from_ref(&a),
        )
    };
    assert_eq!(npm("1.0.0-rc.10").len(), 1);
    assert_eq!(npm("1.0.0-rc.10")[0].fixed_version.as_deref(), Some("1.0.0"));
    assert!(npm("1.0.0-rc.1").is_empty());
    assert!(npm("1.0.0").is_empty());
    let git = osv(
        "OSV-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Git,
            &[("introduced", "0"), ("fixed", "deadbeef")],
        )],
        &[],
    );
    assert_eq!(verdict(&git, "1.0"), None);
}

#[test]
fn unparseable_versions_are_warnings_not_panics() {
    let a = osv(
        "PYSEC-1",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "1.0")],
        )],
        &[],
    );
    let bad_event = osv(
        "PYSEC-2",
        "PyPI",
        "x",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "not a version!")],
        )],
        &[],
    );
    let packages = [
        pkg(Ecosystem::Pypi, "x", "%%garbage%%"),
        pkg(Ecosystem::Pypi, "x", "0.5"),
    ];
    let set = match_packages(&packages, None, &[a, bad_event]);
    assert_eq!(rows(&set.findings), [row("x", "PYSEC-1", Some("1.0"), &[])]);
    let warned: Vec<(&str, Option<&str>)> = set
        .warnings
        .iter()
        .map(|w| (w.package.as_str(), w.advisory.as_deref()))
        .collect();
    assert_eq!(
        warned,
        [
            ("x %%garbage%%", Some("PYSEC-1")),
            ("x %%garbage%%", Some("PYSEC-2")),
            ("x 0.5", Some("PYSEC-2")),
        ]
    );
}

// ---------------------------------------------------------------------------------------------------
// Ecosystems, release scoping, source packages, epochs

#[test]
fn ecosystem_names_follow_osv() {
    let d12 = distro("debian", Some("12"));
    let alpine = distro("alpine", Some("3.18.4"));
    let ubuntu = distro("ubuntu", Some("22.04"));
    let deb = pkg(Ecosystem::Deb, "libc6", "2.36-9");
    let apk = pkg(Ecosystem::Apk, "musl", "1.2.4-r1");
    let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
    assert_eq!(osv_ecosystem(&deb, Some(&d12)), pair("Debian:12", "Debian"));
    assert_eq!(osv_ecosystem(&deb, Some(&ubuntu)), pair("Ubuntu:22.04", "Ubuntu"));
    assert_eq!(osv_ecosystem(&apk, Some(&alpine)), pair("Alpine:v3.18", "Alpine"));
    for (eco, name) in [
        (Ecosystem::Pypi, "PyPI"),
        (Ecosystem::Npm, "npm"),
        (Ecosystem::Cargo, "crates.io"),
        (Ecosystem::Golang, "Go"),
        (Ecosystem::Maven, "Maven"),
        (Ecosystem::Gem, "RubyGems"),
        (Ecosystem::Composer, "Packagist"),
        (Ecosystem::Nuget, "NuGet"),
    ] {
        assert_eq!(osv_ecosystem(&pkg(eco, "p", "1"), Some(&d12)), pair(name, name));
    }
}

#[test]
fn family_entries_apply_only_without_release_entries() {
    let d12 = distro("debian", Some("12"));
    let p = binary(Ecosystem::Deb, "libfoo1", "1.0-1", "foo", "1.0-1");
    let mut family_only = osv("DEBIAN-CVE-1", "Debian", "foo", vec![], &[]);
    family_only.affected[0].ranges = vec![range(
        RangeKind::Ecosystem,
        &[("introduced", "0"), ("fixed", "1.0-2")],
    )];
    let mut other_release = family_only.clone();
    other_release.id = "DEBIAN-CVE-2".into();
    let mut scoped = other_release.affected[0].clone();
    scoped.ecosystem = "Debian:11".into();
    other_release.affected.push(scoped);
    let mut ours = family_only.clone();
    ours.id = "DEBIAN-CVE-3".into();
    ours.affected[0].ecosystem = "Debian:12".into();
    ours.affected[0].ranges = vec![range(
        RangeKind::Ecosystem,
        &[("introduced", "0"), ("fixed", "1.0-3")],
    )];
    let found = match_package(&p, Some(&d12), &[family_only, other_release, ours]);
    assert_eq!(
        rows(&found),
        [
            row("libfoo1", "DEBIAN-CVE-1", Some("1.0-2"), &[]),
            row("libfoo1", "DEBIAN-CVE-3", Some("1.0-3"), &[]),
        ]
    );
    assert_eq!(found[0].package.source_name.as_deref(), Some("foo"));
    // Ubuntu Pro streams never apply; `:LTS` names the same release.
    let ubuntu = distro("ubuntu", Some("22.04"));
    let u = binary(Ecosystem::Deb, "libfoo1", "1.0-1", "foo", "1.0-1");
    let lts = osv("UBUNTU-CVE-1", "Ubuntu:22.04:LTS", "foo", vec![], &["1.0-1"]);
    let pro = osv("UBUNTU-CVE-2", "Ubuntu:Pro:22.04:LTS", "foo", vec![], &["1.0-1"]);
    let ids: Vec<String> = match_package(&u, Some(&ubuntu), &[lts, pro])
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, ["UBUNTU-CVE-1"]);
}

#[test]
fn rpm_versions_compare_with_epochs() {
    let rocky = distro("rocky", Some("9.2"));
    let p = binary(
        Ecosystem::Rpm,
        "openssl-libs",
        "1:3.0.7-16.el9_2",
        "openssl",
        "3.0.7-16.el9_2",
    );
    let advisory = |id: &str, name: &str, fixed: &str| {
        osv(
            id,
            "Rocky Linux:9",
            name,
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", fixed)],
            )],
            &[],
        )
    };
    let found = match_package(
        &p,
        Some(&rocky),
        &[
            // Epoch 1 and a later release: affected.
            advisory("RLSA-2023:1", "openssl-libs", "1:3.0.7-17.el9_2"),
            // No epoch is epoch 0, below the installed epoch 1: not affected.
            advisory("RLSA-2023:2", "openssl-libs", "3.0.7-99.el9"),
            // Listed under the source package name: affected too.
            advisory("RLSA-2023:3", "openssl", "1:3.0.7-18.el9_2"),
            // Another release: not applicable.
            osv(
                "RLSA-2023:4",
                "Rocky Linux:8",
                "openssl-libs",
                vec![],
                &["1:3.0.7-16.el9_2"],
            ),
        ],
    );
    assert_eq!(
        rows(&found),
        [
            row("openssl-libs", "RLSA-2023:1", Some("1:3.0.7-17.el9_2"), &[]),
            row("openssl-libs", "RLSA-2023:3", Some("1:3.0.7-18.el9_2"), &[]),
        ]
    );
}

#[test]
fn merged_sources_follow_the_documented_precedence() {
    let d12 = distro("debian", Some("12"));
    let p = binary(Ecosystem::Deb, "libfoo1", "1.0-1", "foo", "1.0-1");
    let entry = |status: Status, events: &[(&str, &str)]| {
        let mut a = Affected::new("Debian:12", "foo");
        a.status = Some(status);
        if !events.is_empty() {
            a.ranges = vec![range(RangeKind::Ecosystem, events)];
        }
        a
    };
    let advisory = |id: &str, alias: &str, affected: Affected| {
        let mut a = Advisory::new(id, "test");
        a.add_alias(alias);
        a.affected.push(affected);
        a
    };
    // Will-not-fix from one source, a fix from another: fixed, with the higher fixed version.
    let found = match_package(
        &p,
        Some(&d12),
        &[
            advisory(
                "CVE-2024-1",
                "DSA-1-1",
                entry(Status::WillNotFix, &[("introduced", "0")]),
            ),
            advisory(
                "DSA-1-1",
                "CVE-2024-1",
                entry(Status::Fixed, &[("introduced", "0"), ("fixed", "1.0-2")]),
            ),
            advisory(
                "DLA-1-1",
                "CVE-2024-1",
                entry(Status::Fixed, &[("introduced", "0"), ("fixed", "1.0-3")]),
            ),
        ],
    );
    assert_eq!(
        rows(&found),
        [row(
            "libfoo1",
            "CVE-2024-1",
            Some("1.0-3"),
            &["DLA-1-1", "DSA-1-1"]
        )]
    );
    assert_eq!(found[0].status, Status::Fixed);
    // Not affected according to one source, affected according to another: the finding stays.
    let set = match_packages(
        std::slice::from_ref(&p),
        Some(&d12),
        &[
            advisory("CVE-2024-2", "DSA-2-1", entry(Status::NotAffected, &[])),
            advisory(
                "DSA-2-1",
                "CVE-2024-2",
                entry(Status::Unfixed, &[("introduced", "0")]),
            ),
            advisory("CVE-2024-3", "DSA-3-1", entry(Status::NotAffected, &[])),
        ],
    );
    let got: Vec<(&str, Status)> = set.findings.iter().map(|f| (f.id.as_str(), f.status)).collect();
    assert_eq!(got, [("CVE-2024-2", Status::Unfixed)]);
    let na: Vec<&str> = set.not_affected.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(na, ["CVE-2024-3"]);
}

#[test]
fn ubuntu_priority_comes_before_cvss() {
    let ubuntu = distro("ubuntu", Some("22.04"));
    let p = binary(Ecosystem::Deb, "libfoo1", "1.0-1ubuntu1", "foo", "1.0-1ubuntu1");
    let mut a = osv(
        "UBUNTU-CVE-2024-9",
        "Ubuntu:22.04:LTS",
        "foo",
        vec![range(
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "1.0-1ubuntu2")],
        )],
        &[],
    );
    a.add_alias("CVE-2024-9");
    a.severity = vec![
        rensa_vulndb::advisory::SeverityVector {
            kind: "Ubuntu".into(),
            vector: "medium".into(),
        },
        rensa_vulndb::advisory::SeverityVector::cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ];
    let found = match_package(&p, Some(&ubuntu), std::slice::from_ref(&a));
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].id.as_str(), found[0].severity),
        ("CVE-2024-9", Rating::Medium)
    );
    assert_eq!(found[0].cvss[0].base_score, 9.8);
    // The same record for a PyPI-like, non-distribution package would be rated by CVSS alone.
    let mut py = a.clone();
    py.affected[0].ecosystem = "PyPI".into();
    py.affected[0].ranges = vec![range(
        RangeKind::Ecosystem,
        &[("introduced", "0"), ("fixed", "1.0")],
    )];
    let found = match_package(&pkg(Ecosystem::Pypi, "foo", "0.1"), None, &[py]);
    assert_eq!(found[0].severity, Rating::Critical);
}

// ---------------------------------------------------------------------------------------------------
// Debian: DSA/DLA lists of the security tracker (April 2023)

/// Debian 11 (bullseye) packages; the fixed versions below come from `data/DSA/list` (the DLA list has no
/// bullseye entries in this snapshot):
///
/// - openssl: DSA-4963-1 1.1.1k-1+deb11u1, DSA-5103-1 1.1.1k-1+deb11u2, DSA-5139-1 1.1.1n-0+deb11u2,
///   DSA-5169-1 1.1.1n-0+deb11u3, DSA-5343-1 1.1.1n-0+deb11u4 {CVE-2022-2097 CVE-2022-4304
///   CVE-2022-4450 CVE-2023-0215 CVE-2023-0286};
/// - curl: DSA-5197-1 +deb11u2, DSA-5330-1 +deb11u5 {CVE-2022-32221 CVE-2022-43552}, DSA-5365-1 +deb11u7
///   {CVE-2023-23916};
/// - expat: DSA-5073-1 u1, DSA-5085-1 u2, DSA-5085-2 u3 (regression update, no CVE), DSA-5236-1 u4
///   {CVE-2022-40674}, DSA-5266-1 u5 {CVE-2022-43680};
/// - zlib: DSA-5111-1 1:1.2.11.dfsg-2+deb11u1, DSA-5218-1 1:1.2.11.dfsg-2+deb11u2;
/// - sudo: DSA-5321-1 1.9.5p2-3+deb11u1.
fn bullseye_packages() -> Vec<Package> {
    let deb =
        |name: &str, version: &str, source: &str| binary(Ecosystem::Deb, name, version, source, version);
    vec![
        deb("openssl", "1.1.1n-0+deb11u3", "openssl"),
        deb("libssl1.1", "1.1.1n-0+deb11u3", "openssl"),
        deb("curl", "7.74.0-1.3+deb11u3", "curl"),
        deb("libcurl4", "7.74.0-1.3+deb11u3", "curl"),
        // A binNMU: the binary version has `+b1`, the source version is what advisories name.
        binary(
            Ecosystem::Deb,
            "libexpat1",
            "2.2.10-2+deb11u3+b1",
            "expat",
            "2.2.10-2+deb11u3",
        ),
        deb("zlib1g", "1:1.2.11.dfsg-2+deb11u2", "zlib"),
        deb("sudo", "1.9.5p2-3+deb11u1", "sudo"),
    ]
}

#[test]
fn debian_dsa_fixed_versions_attributed_to_binary_packages() {
    let advisories = advisories(&shared("debian-tracker-2023"));
    let d11 = distro("debian", Some("11"));
    let set = match_packages(&bullseye_packages(), Some(&d11), &advisories);
    let openssl_cves = [
        "CVE-2022-2097",
        "CVE-2022-4304",
        "CVE-2022-4450",
        "CVE-2023-0215",
        "CVE-2023-0286",
    ];
    let mut want = Vec::new();
    for name in ["openssl", "libssl1.1"] {
        for cve in openssl_cves {
            want.push(row(name, cve, Some("1.1.1n-0+deb11u4"), &["DSA-5343-1"]));
        }
    }
    for name in ["curl", "libcurl4"] {
        want.push(row(
            name,
            "CVE-2022-32221",
            Some("7.74.0-1.3+deb11u5"),
            &["DSA-5330-1"],
        ));
        want.push(row(
            name,
            "CVE-2022-43552",
            Some("7.74.0-1.3+deb11u5"),
            &["DSA-5330-1"],
        ));
        want.push(row(
            name,
            "CVE-2023-23916",
            Some("7.74.0-1.3+deb11u7"),
            &["DSA-5365-1"],
        ));
    }
    want.push(row(
        "libexpat1",
        "CVE-2022-40674",
        Some("2.2.10-2+deb11u4"),
        &["DSA-5236-1"],
    ));
    want.push(row(
        "libexpat1",
        "CVE-2022-43680",
        Some("2.2.10-2+deb11u5"),
        &["DSA-5266-1"],
    ));
    assert_eq!(sorted(rows(&set.findings)), sorted(want));
    assert!(set.findings.iter().all(|f| f.status == Status::Fixed));
    let libssl = set
        .findings
        .iter()
        .find(|f| f.package.name == "libssl1.1")
        .unwrap();
    assert_eq!(libssl.package.source_name.as_deref(), Some("openssl"));
    assert_eq!(libssl.package.version, "1.1.1n-0+deb11u3");
    let expat = set
        .findings
        .iter()
        .find(|f| f.package.name == "libexpat1")
        .unwrap();
    assert_eq!(
        expat.package.version, "2.2.10-2+deb11u3+b1",
        "the binary's own version is reported"
    );
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);

    // The same packages on Debian 12: the snapshot predates bookworm, so nothing is scoped to it.
    let d12 = distro("debian", Some("12"));
    assert_eq!(
        match_packages(&bullseye_packages(), Some(&d12), &advisories).findings,
        []
    );
}

#[test]
fn debian_source_version_is_compared_not_the_binary_version() {
    // A binary whose own version is above every fix while its source is at expat 2.2.10-2+deb11u4:
    // only DSA-5266-1 (fixed in u5) applies.
    let advisories = advisories(&shared("debian-tracker-2023"));
    let d11 = distro("debian", Some("11"));
    let p = binary(
        Ecosystem::Deb,
        "libexpat1-dev",
        "9.9-1",
        "expat",
        "2.2.10-2+deb11u4",
    );
    assert_eq!(
        rows(&match_package(&p, Some(&d11), &advisories)),
        [row(
            "libexpat1-dev",
            "CVE-2022-43680",
            Some("2.2.10-2+deb11u5"),
            &["DSA-5266-1"]
        )]
    );
}

#[test]
fn debian12_statuses_stay_distinct() {
    let advisories = advisories(&fixture("debian12"));
    let d12 = distro("debian", Some("12"));
    let deb =
        |name: &str, version: &str, source: &str| binary(Ecosystem::Deb, name, version, source, version);
    let packages = [
        binary(Ecosystem::Deb, "libssl3", "3.0.8-1+b1", "openssl", "3.0.8-1"),
        deb("openssl", "3.0.9-1", "openssl"),
        deb("curl", "7.88.1-10", "curl"),
        deb("libtiff6", "4.5.0-6", "tiff"),
        deb("libgs10", "10.0.0~dfsg-11", "ghostscript"),
    ];
    let set = match_packages(&packages, Some(&d12), &advisories);
    let got: Vec<(String, String, Status, Option<String>)> = set
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.id.clone(),
                f.status,
                f.fixed_version.clone(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, st: Status, f: Option<&str>| {
        (a.to_string(), b.to_string(), st, f.map(str::to_string))
    };
    assert_eq!(
        got,
        [
            s("libgs10", "CVE-2023-90002", Status::Unfixed, None),
            s("libssl3", "CVE-2023-0464", Status::Fixed, Some("3.0.9-1")),
            s("libssl3", "CVE-2023-0465", Status::Fixed, Some("3.0.9-1")),
            s("libtiff6", "CVE-2023-90001", Status::WillNotFix, None),
        ]
    );
    // The urgency of the DSA line is the distribution's rating.
    assert_eq!(set.findings[0].severity, Rating::High);
    assert_eq!(set.findings[3].severity, Rating::Unknown);
    let not_affected: Vec<(&str, &str, &[String])> = set
        .not_affected
        .iter()
        .map(|n| (n.package.name.as_str(), n.id.as_str(), n.aliases.as_slice()))
        .collect();
    assert_eq!(
        not_affected,
        [("curl", "CVE-2023-28319", &["DSA-9002-1".to_string()][..])]
    );
}

// ---------------------------------------------------------------------------------------------------
// Alpine secdb (legacy YAML)

#[test]
fn alpine_secdb_by_origin_and_release() {
    let advisories = advisories(&shared("alpine-secdb-legacy"));
    let v310 = distro("alpine", Some("3.10.2"));
    let apk =
        |name: &str, version: &str, origin: &str| binary(Ecosystem::Apk, name, version, origin, version);
    // From v3.10/main.yaml: openssl 1.1.1d-r0 {CVE-2019-1547 CVE-2019-1549 CVE-2019-1563},
    // 1.1.1b-r1 {CVE-2019-1543}; musl 1.1.22-r3 {CVE-2019-14697}; busybox 1.30.1-r2 {CVE-2019-5747},
    // 1.29.3-r10 {CVE-2018-20679 CVE-2019-5747}; expat 2.2.7-r1 {CVE-2019-15903}, 2.2.7-r0
    // {CVE-2018-20843}; sqlite 3.28.0-r1 {CVE-2019-16168}, 3.28.0-r0 {CVE-2019-5018 CVE-2019-8457};
    // zlib has no secfixes.
    let packages = [
        apk("libcrypto1.1", "1.1.1c-r0", "openssl"),
        apk("libssl1.1", "1.1.1c-r0", "openssl"),
        apk("musl", "1.1.22-r2", "musl"),
        apk("musl-utils", "1.1.22-r3", "musl"),
        apk("busybox", "1.30.1-r1", "busybox"),
        apk("ssl_client", "1.30.1-r2", "busybox"),
        apk("expat", "2.2.7-r0", "expat"),
        apk("sqlite-libs", "3.28.0-r0", "sqlite"),
        apk("zlib", "1.2.11-r1", "zlib"),
    ];
    let set = match_packages(&packages, Some(&v310), &advisories);
    let mut want = Vec::new();
    for name in ["libcrypto1.1", "libssl1.1"] {
        for cve in ["CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563"] {
            want.push(row(name, cve, Some("1.1.1d-r0"), &[]));
        }
    }
    want.push(row("musl", "CVE-2019-14697", Some("1.1.22-r3"), &[]));
    want.push(row("busybox", "CVE-2019-5747", Some("1.30.1-r2"), &[]));
    want.push(row("expat", "CVE-2019-15903", Some("2.2.7-r1"), &[]));
    want.push(row("sqlite-libs", "CVE-2019-16168", Some("3.28.0-r1"), &[]));
    assert_eq!(sorted(rows(&set.findings)), sorted(want));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);

    // v3.8: musl was fixed in 1.1.19-r11 there; db's CVEs are declared not affecting (secfixes "0").
    let v38 = distro("alpine", Some("3.8.4"));
    let packages = [apk("musl", "1.1.19-r10", "musl"), apk("db", "5.3.28-r0", "db")];
    let set = match_packages(&packages, Some(&v38), &advisories);
    assert_eq!(
        rows(&set.findings),
        [row("musl", "CVE-2019-14697", Some("1.1.19-r11"), &[])]
    );
    let na: Vec<(&str, &str)> = set
        .not_affected
        .iter()
        .map(|n| (n.package.name.as_str(), n.id.as_str()))
        .collect();
    assert_eq!(
        na,
        [
            ("db", "CVE-2016-0682"),
            ("db", "CVE-2016-0689"),
            ("db", "CVE-2016-0692"),
            ("db", "CVE-2016-0694"),
            ("db", "CVE-2016-3418"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------------
// RustSec

fn lock_packages() -> Vec<Package> {
    let text = std::fs::read_to_string(fixture("Cargo.lock")).unwrap();
    let lock: toml::Table = text.parse().unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            pkg(
                Ecosystem::Cargo,
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
            )
        })
        .collect()
}

/// Expected from each advisory's `[versions]` (informational `unsound` advisories are not
/// vulnerabilities, as in `cargo audit`):
///
/// - chrono 0.4.19: RUSTSEC-2020-0159 patched `>=0.4.20`;
/// - hyper 0.14.9: RUSTSEC-2021-0078 and -0079 patched `>= 0.14.10`; the others are patched at or
///   below 0.14.3 (RUSTSEC-2022-0022 is `unsound`);
/// - openssl 0.10.40: RUSTSEC-2023-0022/-0023/-0024 patched `>= 0.10.48`, RUSTSEC-2023-0044
///   `>= 0.10.55`, RUSTSEC-2024-0357 `>= 0.10.66`, RUSTSEC-2025-0004 `>= 0.10.70`, RUSTSEC-2025-0022
///   `>= 0.10.72` (unaffected `< 0.10.39`); RUSTSEC-2023-0072 is `unsound`;
/// - regex 1.5.4: RUSTSEC-2022-0013 patched `>= 1.5.5`;
/// - smallvec 1.6.0: RUSTSEC-2021-0003 patched `>= 0.6.14, < 1.0.0` and `>= 1.6.1`;
/// - time 0.2.22: RUSTSEC-2020-0071 patched `>= 0.2.23`; RUSTSEC-2026-0009 unaffected `< 0.3.6`;
/// - tokio 1.8.0: RUSTSEC-2021-0072 patched `… >= 1.8.1`, RUSTSEC-2021-0124 `>= 1.8.4, < 1.9.0`,
///   RUSTSEC-2023-0001 `>= 1.18.4, < 1.19.0` (unaffected `< 1.7.0`).
fn rustsec_expected() -> Vec<Row> {
    vec![
        row("chrono", "RUSTSEC-2020-0159", Some("0.4.20"), &[]),
        row(
            "hyper",
            "CVE-2021-32714",
            Some("0.14.10"),
            &["GHSA-5h46-h7hh-c6x9", "RUSTSEC-2021-0079"],
        ),
        row(
            "hyper",
            "CVE-2021-32715",
            Some("0.14.10"),
            &["GHSA-f3pg-qwvg-p99c", "RUSTSEC-2021-0078"],
        ),
        row(
            "openssl",
            "CVE-2023-53159",
            Some("0.10.55"),
            &["GHSA-xcf7-rvmh-g6q4", "RUSTSEC-2023-0044"],
        ),
        row(
            "openssl",
            "CVE-2025-24898",
            Some("0.10.70"),
            &["GHSA-rpmj-rpgj-qmpm", "RUSTSEC-2025-0004"],
        ),
        row(
            "openssl",
            "GHSA-3gxf-9r58-2ghg",
            Some("0.10.48"),
            &["RUSTSEC-2023-0022"],
        ),
        row(
            "openssl",
            "GHSA-4fcv-w3qc-ppgg",
            Some("0.10.72"),
            &["RUSTSEC-2025-0022"],
        ),
        row(
            "openssl",
            "GHSA-6hcf-g6gr-hhcr",
            Some("0.10.48"),
            &["RUSTSEC-2023-0024"],
        ),
        row(
            "openssl",
            "GHSA-9qwg-crg9-m2vc",
            Some("0.10.48"),
            &["RUSTSEC-2023-0023"],
        ),
        row(
            "openssl",
            "GHSA-q445-7m23-qrmw",
            Some("0.10.66"),
            &["RUSTSEC-2024-0357"],
        ),
        row(
            "regex",
            "CVE-2022-24713",
            Some("1.5.5"),
            &["GHSA-m5pq-gvj9-9vr8", "RUSTSEC-2022-0013"],
        ),
        row(
            "smallvec",
            "CVE-2021-25900",
            Some("1.6.1"),
            &["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"],
        ),
        row(
            "time",
            "CVE-2020-26235",
            Some("0.2.23"),
            &["GHSA-wcg3-cvx6-7396", "RUSTSEC-2020-0071"],
        ),
        row(
            "tokio",
            "CVE-2021-38191",
            Some("1.8.1"),
            &["GHSA-2grh-hm3w-w7hv", "RUSTSEC-2021-0072"],
        ),
        row(
            "tokio",
            "CVE-2021-45710",
            Some("1.8.4"),
            &["GHSA-fg7r-2g4j-5cgr", "RUSTSEC-2021-0124"],
        ),
        row(
            "tokio",
            "CVE-2023-22466",
            Some("1.18.4"),
            &["GHSA-7rrj-xr53-82p7", "RUSTSEC-2023-0001"],
        ),
    ]
}

#[test]
fn rustsec_matches_patched_and_unaffected_lists() {
    let advisories = advisories(&shared("rustsec"));
    let set = match_packages(&lock_packages(), None, &advisories);
    assert_eq!(sorted(rows(&set.findings)), sorted(rustsec_expected()));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn rustsec_agrees_with_cargo_audit() {
    // `cargo-audit.json` was recorded with `cargo audit --db DB --no-fetch --file Cargo.lock --json`
    // (DB: a copy of ../shared/data/advisories/rustsec); the set of (crate, RUSTSEC id) pairs it
    // reports as vulnerabilities must be the one rensa reports.
    let path = fixture("cargo-audit.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        panic!("{} is missing", path.display());
    };
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut audit: Vec<(String, String)> = report["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["package"]["name"].as_str().unwrap().to_string(),
                v["advisory"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    audit.sort();
    let advisories = advisories(&shared("rustsec"));
    let set = match_packages(&lock_packages(), None, &advisories);
    let mut ours: Vec<(String, String)> = set
        .findings
        .iter()
        .map(|f| {
            let rustsec = std::iter::once(&f.id)
                .chain(&f.aliases)
                .find(|i| i.starts_with("RUSTSEC-"))
                .unwrap();
            (f.package.name.clone(), rustsec.clone())
        })
        .collect();
    ours.sort();
    assert_eq!(ours, audit);
}

#[test]
fn rustsec_differential_against_cargo_audit() {
    // Every crate of the RustSec data at the versions around each bound its advisories name
    // (`rustsec-differential/generate.py`), and the (crate, version, advisory) triples cargo-audit
    // 0.22.2 reports for that lock file offline (`cargo-audit.txt`).
    let dir = fixture("rustsec-differential");
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    let lock: toml::Table = text.parse().unwrap();
    let packages: Vec<Package> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            pkg(
                Ecosystem::Cargo,
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(packages.len() > 3000, "{}", packages.len());
    let expected: Vec<String> = std::fs::read_to_string(dir.join("cargo-audit.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(expected.len() > 5000, "{}", expected.len());
    assert!(
        expected.windows(2).all(|w| w[0] < w[1]),
        "cargo-audit.txt must be sorted"
    );
    let advisories = advisories(&shared("rustsec"));
    let set = match_packages(&packages, None, &advisories);
    let mut ours: Vec<String> = set
        .findings
        .iter()
        .flat_map(|f| {
            std::iter::once(&f.id)
                .chain(&f.aliases)
                .filter(|i| i.starts_with("RUSTSEC-"))
                .map(|i| format!("{} {} {i}", f.package.name, f.package.version))
        })
        .collect();
    ours.sort();
    ours.dedup();
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| ours.binary_search(e).is_err())
        .collect();
    let extra: Vec<&String> = ours
        .iter()
        .filter(|o| expected.binary_search(o).is_err())
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {} {:?}\nextra {} {:?}",
        missing.len(),
        &missing[..missing.len().min(20)],
        extra.len(),
        &extra[..extra.len().min(20)]
    );
}

// ---------------------------------------------------------------------------------------------------
// Go

#[test]
fn go_stdlib_toolchain_versions() {
    // GO-2026-6218 (CVE-2026-56860), stdlib: SEMVER introduced 0, fixed 1.25.13, introduced 1.26.0-0,
    // fixed 1.26.6, introduced 1.27.0-0, fixed 1.27.0-rc.3.
    let advisories = advisories(&shared("govulndb/data/osv/GO-2026-6218.json"));
    let stdlib = |v: &str| {
        let found = match_package(&pkg(Ecosystem::Golang, "stdlib", v), None, &advisories);
        found
            .iter()
            .map(|f| (f.id.clone(), f.fixed_version.clone()))
            .collect::<Vec<_>>()
    };
    let hit = |fixed: &str| vec![("CVE-2026-56860".to_string(), Some(fixed.to_string()))];
    assert_eq!(stdlib("go1.25.12"), hit("1.25.13"));
    assert_eq!(stdlib("go1.25.13"), []);
    assert_eq!(stdlib("go1.26.2"), hit("1.26.6"));
    assert_eq!(stdlib("go1.27rc2"), hit("1.27.0-rc.3"));
    assert_eq!(stdlib("go1.27.0"), []);
}

// ---------------------------------------------------------------------------------------------------
// PyPI (pypa advisory database)

/// From pypa/vulns: jinja2 PYSEC-2019-217 (CVE-2019-10906) fixed 2.10.1 and PYSEC-2021-66
/// (CVE-2020-28493) fixed 2.11.3, the others fixed by 2.8.1; pyyaml PYSEC-2020-96 (CVE-2020-1747)
/// `[5.1, 5.3.1)` and PYSEC-2021-142 (CVE-2020-14343) fixed 5.4, PYSEC-2020-176 `[5.1, 5.2b1)` and
/// PYSEC-2018-49 fixed 5.1 do not apply; flask PYSEC-2023-62 (CVE-2023-30861) `[0, 2.2.5)` and
/// `[2.3.0, 2.3.2)`, the others fixed by 1.0; requests 2.31.0 is past every fix.
#[test]
fn pypa_records_for_a_python_environment() {
    let advisories = advisories(&shared("pypa"));
    let packages = [
        pkg(Ecosystem::Pypi, "Jinja2", "2.10"),
        pkg(Ecosystem::Pypi, "PyYAML", "5.3"),
        pkg(Ecosystem::Pypi, "Flask", "2.3.1"),
        pkg(Ecosystem::Pypi, "requests", "2.31.0"),
    ];
    let set = match_packages(&packages, None, &advisories);
    assert_eq!(
        rows(&set.findings),
        [
            row(
                "Flask",
                "CVE-2023-30861",
                Some("2.3.2"),
                &["GHSA-m2qf-hxjv-5gpq", "PYSEC-2023-62"]
            ),
            row(
                "Jinja2",
                "CVE-2019-10906",
                Some("2.10.1"),
                &["GHSA-462w-v97r-4m45", "PYSEC-2019-217"]
            ),
            row(
                "Jinja2",
                "CVE-2020-28493",
                Some("2.11.3"),
                &[
                    "GHSA-g3rq-g295-4j3m",
                    "PYSEC-2021-66",
                    "SNYK-PYTHON-JINJA2-1012994"
                ]
            ),
            row(
                "PyYAML",
                "CVE-2020-1747",
                Some("5.3.1"),
                &["GHSA-6757-jp84-gxfx", "PYSEC-2020-96"]
            ),
            row(
                "PyYAML",
                "CVE-2020-14343",
                Some("5.4"),
                &["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]
            ),
        ]
    );
}

#[test]
fn aliases_merge_and_withdrawn_records_are_ignored() {
    let mut advisories = advisories(&shared("pypa/vulns/jinja2"));
    advisories.extend(self::advisories(&fixture("osv")));
    let found = match_package(&pkg(Ecosystem::Pypi, "jinja2", "2.10"), None, &advisories);
    // PYSEC-2019-217 and GHSA-462w-v97r-4m45 share CVE-2019-10906: one finding; the withdrawn
    // GHSA-wdwn-wdwn-wdwn (CVE-2099-0001) is not reported.
    assert_eq!(
        rows(&found),
        [
            row(
                "jinja2",
                "CVE-2019-10906",
                Some("2.10.1"),
                &["GHSA-462w-v97r-4m45", "PYSEC-2019-217"]
            ),
            row(
                "jinja2",
                "CVE-2020-28493",
                Some("2.11.3"),
                &[
                    "GHSA-g3rq-g295-4j3m",
                    "PYSEC-2021-66",
                    "SNYK-PYTHON-JINJA2-1012994"
                ]
            ),
        ]
    );
    let merged = &found[0];
    // The GHSA's valid vector (7.5, high); its malformed one is dropped.
    let vectors: Vec<&str> = merged.cvss.iter().map(|c| c.vector.as_str()).collect();
    assert_eq!(vectors, ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"]);
    assert_eq!(merged.severity, Rating::High);
    assert_eq!(merged.attack_vector, Some(AttackVector::Network));
    assert_eq!(merged.attack_complexity, Some(AttackComplexity::Low));
    assert!(
        merged
            .references
            .contains(&"https://github.com/advisories/GHSA-462w-v97r-4m45".to_string())
    );
    let set = match_packages(&[pkg(Ecosystem::Pypi, "jinja2", "2.10")], None, &advisories);
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert_eq!(set.warnings[0].advisory.as_deref(), Some("GHSA-462w-v97r-4m45"));
    // Serializable, with the status spelled as in the JSON output.
    let json = serde_json::to_value(merged).unwrap();
    assert_eq!(json["status"], "fixed");
    assert_eq!(json["fixed_version"], "2.10.1");
    assert_eq!(json["severity"], "high");
}
