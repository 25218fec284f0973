//! Every line of the version-order vectors in `testdata/version-vectors` (from osv-scalibr and osv.dev;
//! see its SOURCE.txt) is asserted, except the documented exceptions listed below. All failures are
//! reported at once with file and line.

use std::cmp::Ordering;
use std::path::Path;

use rensa_vulndb::Error;
use rensa_vulndb::version::{Scheme, compare, parse};

/// Why a vector is not asserted as written.
#[derive(Debug, Clone, Copy)]
enum Why {
    /// At least one side is not a PEP 440 version: today's `packaging` (26.x, the oracle of the
    /// differential test) raises `InvalidVersion` for it, and so does rensa. The vector was written
    /// for the removed `LegacyVersion` fallback of `packaging` < 22.
    PackagingRejects,
    /// The vector follows Maven >= 3.9, which changed how a qualifier after `.` (or after `_` inside a
    /// token) compares. Maven 3.8.7 (`java -jar /usr/share/java/maven-artifact-3.x.jar A B`, the Maven
    /// Debian 12 ships) gives the recorded order, and rensa implements Maven 3.8's `ComparableVersion`.
    NewerMaven(Ordering),
}

/// The documented exceptions: file, line, the line's text (checked, so that the list cannot drift from
/// the data) and why. The test also checks that each reason still holds.
const EXCEPTIONS: &[(&str, usize, &str, Why)] = &[
    (
        "pypi-versions.txt",
        14,
        "0.1-bulbasaur < 0.1-charmander",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions.txt",
        15,
        "0.9-doduo < 0.9-eevee",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions.txt",
        16,
        "0.9-fearow < 0.9-gyarados",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions.txt",
        17,
        "0.9-horsea < 0.9-ivysaur",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions.txt",
        18,
        "-class.-jw.util.version.version-pre < 1.0",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions.txt",
        19,
        "-class.-jw.util.version.version-dev < 1.0",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        263,
        "0.1-bulbasaur < 0.1-charmander",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        264,
        "0.9-doduo < 0.9-eevee",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        265,
        "0.9-fearow < 0.9-gyarados",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        266,
        "0.9-horsea < 0.9-ivysaur",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2112,
        "0.7.4.svn.r2010 < 0.6.4",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2455,
        "2013-01-21T20:33:09+0100 < 2013-01-23T17:11:52+0100",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2456,
        "2013-02-01T20:50:46+0100 < 2013-02-02T19:59:03+0100",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2457,
        "2013-02-02T20:23:17+0100 < 2013-02-08T17:40:57+0000",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2458,
        "2013-03-27T16:32:26+0100 < 2013-05-09T12:47:53+0200",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2459,
        "2013-05-10T17:55:56+0200 < 2013-05-14T20:16:05+0200",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2460,
        "2013-06-01T10:32:51+0200 < 2013-07-19T09:11:08+0000",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2461,
        "2013-08-12T21:48:56+0200 < 2013-09-11T19-27-10",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2462,
        "2013-12-23T17-51-15 < 2014-01-12T15-52-10",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        2684,
        "0.0.1-test1 < 3.0.0a4",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        3625,
        "0.7.10p1 < 0.7.11p1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        3626,
        "0.7.11p2 < 0.7.11p3",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        3627,
        "0.8.1p1 < 0.8.3p1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        3628,
        "0.8.4p1 < 0.8.4p2",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        3629,
        "0.8.6p1 < 0.8.7p1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4665,
        "0.3m2 < 0.3m3",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4666,
        "0.3m4 < 0.3m5",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4667,
        "0.4m1 < 0.4m2",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4668,
        "0.4m3 < 0.4m4",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4669,
        "0.4m5 < 0.5m1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4670,
        "0.5m2 < 0.5m3",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4671,
        "0.5m4 < 0.5m5",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4672,
        "0.6m1 < 0.6m2",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4673,
        "0.6m3 < 0.6m4",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        4674,
        "0.6m5 < 0.6m6",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        5604,
        "1.3.1-STAGING < 0.0.1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        5618,
        "5.0-final < 5.1",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        5880,
        "1.0beta6.1 < 1.0b6",
        Why::PackagingRejects,
    ),
    (
        "pypi-versions-generated.txt",
        5936,
        "0.3.1-p1 < 0.4.0-p1",
        Why::PackagingRejects,
    ),
    (
        "maven-versions-generated.txt",
        1391,
        "1.0.0-RC16 < 1.0.0.RC8-beta",
        Why::NewerMaven(Ordering::Greater),
    ),
    (
        "maven-versions-generated.txt",
        4975,
        "6.1.12.rc5 < 6.1.12rc1",
        Why::NewerMaven(Ordering::Greater),
    ),
    (
        "maven-versions-generated.txt",
        5718,
        "1.1.31.sec10 < 1.1.31_noneautotype",
        Why::NewerMaven(Ordering::Greater),
    ),
    (
        "maven-versions-generated.txt",
        5779,
        "1.2.31.sec10 < 1.2.31_noneautotype",
        Why::NewerMaven(Ordering::Greater),
    ),
    (
        "maven-versions-generated.txt",
        5811,
        "1.2.67.sec10 < 1.2.67_noneautotype",
        Why::NewerMaven(Ordering::Greater),
    ),
    (
        "maven-versions-generated.txt",
        5844,
        "1.0.0rc0 < 1.0.beta8",
        Why::NewerMaven(Ordering::Greater),
    ),
];

/// The schemes a vector file is checked against.
fn schemes_for(file: &str, line: usize) -> Option<Vec<Scheme>> {
    let prefix = file.split('-').next().unwrap_or_default();
    Some(match prefix {
        "alpine" => vec![Scheme::Apk],
        "cran" => vec![Scheme::Cran],
        "debian" => vec![Scheme::Dpkg],
        "hackage" => vec![Scheme::Hackage],
        "maven" => vec![Scheme::Maven],
        "nuget" => vec![Scheme::Nuget],
        "packagist" => vec![Scheme::Composer],
        "pub" => vec![Scheme::Pub],
        "pypi" => vec![Scheme::Pep440],
        "redhat" => vec![Scheme::Rpm],
        "rubygems" => vec![Scheme::RubyGems],
        // npm/crates.io SemVer; Go orders the same lines the same way.
        "semver" => vec![Scheme::Semver, Scheme::Go],
        // Transcribed from osv.dev's redhat, alpine and debian tests: lines 1-10 are RPM EVRs (Red Hat
        // modules, Mageia, openEuler, openSUSE/SUSE); line 11 (`1.13.2-r0 > 1.13.2_alpha`) is Alpine's.
        "osv" if file == "osv-dev-extra-vectors.txt" => {
            if line == 11 {
                vec![Scheme::Apk]
            } else {
                vec![Scheme::Rpm]
            }
        }
        _ => return None,
    })
}

fn op(ordering: Ordering) -> &'static str {
    match ordering {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

#[test]
fn every_version_vector_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/version-vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/version-vectors")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .filter(|name| name.ends_with(".txt") && name != "SOURCE.txt")
        .collect();
    files.sort();
    assert_eq!(files.len(), 20, "vector files: {files:?}");

    let mut failures = Vec::new();
    let mut exceptions_seen = 0;
    let mut summary = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(dir.join(file)).expect("vector file");
        let (mut passed, mut total) = (0, 0);
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with("# ") || trimmed.starts_with("// ") {
                continue;
            }
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            let [a, want, b] = fields[..] else {
                failures.push(format!("{file}:{line}: not `A OP B`: {raw:?}"));
                continue;
            };
            let want = match want {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                other => {
                    failures.push(format!("{file}:{line}: unknown operator {other:?}"));
                    continue;
                }
            };
            let Some(schemes) = schemes_for(file, line) else {
                failures.push(format!("{file}: no scheme for this file"));
                break;
            };
            let exception = EXCEPTIONS.iter().find(|(f, l, _, _)| f == file && *l == line);
            for scheme in schemes {
                total += 1;
                if let Some((_, _, expected_text, why)) = exception {
                    exceptions_seen += 1;
                    if *expected_text != trimmed {
                        failures.push(format!(
                            "{file}:{line}: exception is for {expected_text:?} but the line is {trimmed:?}"
                        ));
                    }
                    match (why, compare(scheme, a, b)) {
                        (Why::PackagingRejects, Err(Error::InvalidVersion { .. })) => {}
                        (Why::NewerMaven(maven38), Ok(got)) if got == *maven38 => {}
                        (why, got) => failures.push(format!(
                            "{file}:{line}: documented exception {why:?} no longer holds: {got:?}"
                        )),
                    }
                    continue;
                }
                match compare(scheme, a, b) {
                    Ok(got) if got == want => {
                        // The order must be antisymmetric, and parsed versions must agree.
                        let back = compare(scheme, b, a).expect("parsed once already");
                        let parsed = parse(scheme, a).and_then(|pa| Ok(pa.cmp(&parse(scheme, b)?)));
                        if back != want.reverse() {
                            failures.push(format!(
                                "{file}:{line}: [{scheme}] {b} {a} gives {} (not antisymmetric)",
                                op(back)
                            ));
                        } else if parsed.ok() != Some(want) {
                            failures.push(format!("{file}:{line}: [{scheme}] Version::cmp disagrees"));
                        } else {
                            passed += 1;
                        }
                    }
                    Ok(got) => failures.push(format!(
                        "{file}:{line}: [{scheme}] want {a} {} {b}, got {}",
                        op(want),
                        op(got)
                    )),
                    Err(e) => failures.push(format!("{file}:{line}: [{scheme}] {e}")),
                }
            }
        }
        summary.push(format!("{file}: {passed}/{total}"));
    }
    eprintln!("{}", summary.join("\n"));
    assert_eq!(
        exceptions_seen,
        EXCEPTIONS.len(),
        "every documented exception names a vector line"
    );
    assert!(
        failures.is_empty(),
        "{} version vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// All versions of the vector files, sorted with `Version`'s order, must be consistently ordered: for
/// random positions `i < j` of the sorted list, version `i` is never greater than version `j`. This
/// checks that each order is total and transitive over real-world versions (Composer versions with `#`
/// are left out: PHP's `version_compare` is not transitive for them, see the composer module).
#[test]
fn vector_versions_sort_consistently() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/version-vectors");
    let mut by_scheme: std::collections::BTreeMap<Scheme, Vec<rensa_vulndb::version::Version>> =
        Default::default();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/version-vectors")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .filter(|name| name.ends_with(".txt") && name != "SOURCE.txt")
        .collect();
    names.sort();
    for file in names {
        let text = std::fs::read_to_string(dir.join(&file)).expect("vector file");
        for (index, raw) in text.lines().enumerate() {
            let fields: Vec<&str> = raw.split_whitespace().collect();
            let [a, _, b] = fields[..] else { continue };
            for scheme in schemes_for(&file, index + 1).unwrap_or_default() {
                for v in [a, b] {
                    if scheme == Scheme::Composer && v.contains('#') {
                        continue;
                    }
                    if let Ok(version) = parse(scheme, v) {
                        by_scheme.entry(scheme).or_default().push(version);
                    }
                }
            }
        }
    }
    let mut state = 0x853c_49e6_748f_ea9b_u64;
    let mut failures = Vec::new();
    for (scheme, mut versions) in by_scheme {
        versions.sort();
        let n = versions.len();
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % n as u64) as usize;
            let j = ((state >> 32) % n as u64) as usize;
            let (i, j) = (i.min(j), i.max(j));
            if versions[i] > versions[j] {
                failures.push(format!(
                    "{scheme}: sorted {} (at {i}) > {} (at {j})",
                    versions[i], versions[j]
                ));
            }
        }
    }
    failures.truncate(50);
    assert!(
        failures.is_empty(),
        "inconsistent order:\n{}",
        failures.join("\n")
    );
}
