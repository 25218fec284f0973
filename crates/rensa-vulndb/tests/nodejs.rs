//! The Node.js Security WG npm advisories (`../shared/data/advisories/nodejs-security-wg`): what the reader
//! makes of the whole checkout, and a differential test of every advisory's verdicts against node's own
//! `semver` package (installed by `scripts/setup-test-deps.sh` into `.cache/node-semver`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rensa_catalog::{Ecosystem, Package};
use rensa_vulndb::advisory::{Advisory, Event};
use rensa_vulndb::feed::nodejs::range::Version;
use rensa_vulndb::feed::read_path;
use rensa_vulndb::matcher::match_package;

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/nodejs-security-wg")
}

fn pkg(name: &str, version: &str) -> Package {
    let mut p = Package::new(Ecosystem::Npm, name, version, "test");
    p.purl = format!("pkg:npm/{name}@{version}");
    p
}

#[test]
fn the_whole_checkout_is_read() {
    let batch = read_path(&checkout()).unwrap();
    assert_eq!(batch.source, "nodejs-security-wg");
    // vuln/npm holds 467 advisories (1.json … 519.json, with gaps) and index.json.
    assert_eq!(batch.advisories.len(), 467);
    assert_eq!(batch.errors, Vec::<(String, String)>::new());
    // npm/index.json, the 172 files of vuln/core (171 advisories + index.json) and the 7 of vuln/deps.
    assert_eq!(batch.ignored_files, 1 + 172 + 7);
    let ids: Vec<&str> = batch.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.first(), Some(&"NSWG-ECO-1"));
    assert_eq!(ids.last(), Some(&"NSWG-ECO-519"));

    // vuln/npm/1.json, field by field.
    let a = &batch.advisories[0];
    assert_eq!(a.aliases, ["CVE-2014-7205"]);
    assert_eq!(a.summary.as_deref(), Some("Arbitrary JavaScript Execution"));
    assert!(
        a.details
            .as_deref()
            .unwrap()
            .starts_with("A vulnerability exists in bassmaster <= 1.5.1")
    );
    assert_eq!(a.published.as_deref(), Some("2014-09-27"));
    assert_eq!(a.modified.as_deref(), Some("2016-04-28"));
    assert_eq!(
        a.severity[0].vector,
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"
    );
    assert_eq!(a.affected[0].package, "bassmaster");
    assert_eq!(a.affected[0].fixed_version(), Some("1.5.2"));

    // A single file is detected by its keys.
    let one = read_path(&checkout().join("vuln/npm/1.json")).unwrap();
    assert_eq!(one.advisories, vec![a.clone()]);
}

/// Every version-looking word of a range (`1.2`, `v1.2.3-rc.1`), as a full version.
fn versions_in(range: &str) -> Vec<Version> {
    range
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+'))
        .filter_map(|w| {
            let w = w.trim_start_matches('v');
            let w = w.trim_end_matches(['.', 'x', 'X']);
            let dots = w.split('-').next()?.matches('.').count();
            let full = match dots {
                0 => format!("{w}.0.0"),
                1 => format!("{w}.0"),
                _ => w.to_string(),
            };
            Version::parse(&full).ok()
        })
        .collect()
}

/// Versions around each bound: the bound, its neighbours by patch, minor and major, and pre-releases.
fn probes(vulnerable: &str, patched: &str) -> Vec<String> {
    let mut out = vec![
        "0.0.0".to_string(),
        "0.0.1".into(),
        "0.1.0".into(),
        "1.0.0".into(),
        "99.0.0".into(),
    ];
    for v in versions_in(vulnerable).into_iter().chain(versions_in(patched)) {
        let r = v.release().to_string();
        let nums: Vec<u64> = r.split('.').map(|n| n.parse().unwrap()).collect();
        let (ma, mi, pa) = (nums[0], nums[1], nums[2]);
        let mut near = vec![
            r.clone(),
            v.to_string(),
            format!("{ma}.{mi}.{}", pa + 1),
            format!("{ma}.{}.0", mi + 1),
            format!("{}.0.0", ma + 1),
        ];
        if pa > 0 {
            near.push(format!("{ma}.{mi}.{}", pa - 1));
        }
        if mi > 0 {
            near.push(format!("{ma}.{}.99", mi - 1));
        }
        for base in near.clone() {
            near.push(format!("{base}-0"));
            near.push(format!("{base}-alpha"));
            near.push(format!("{base}-rc.1"));
        }
        if v.is_prerelease() {
            near.push(format!("{v}.1"));
        }
        out.extend(near);
    }
    out.sort();
    out.dedup();
    out
}

fn semver_module() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/node-semver/node_modules/semver");
    if dir.join("package.json").is_file() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("node's semver is missing in CI: scripts/setup-test-deps.sh installs it");
    }
    eprintln!(
        "\n\n*** SKIPPED: the node-semver oracle is not installed ({}); run scripts/setup-test-deps.sh ***\n\n",
        dir.display()
    );
    None
}

/// node's verdicts for each `[vulnerable, patched, versions]` case: per version
/// `[satisfies(v, vulnerable) && !satisfies(v, patched), the same with plain comparator tests (no
/// pre-release exclusion), whether v's release version is named by either range]`, or `null` for a range
/// node refuses.
const ORACLE: &str = r#"
const semver = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
// The interval reading: every comparator of some set admits v (no pre-release exclusion).
const interval = (v, r) => new semver.Range(r).set.some(set => set.every(c => c.test(v)));
const out = cases.map(([vuln, patched, versions]) => {
  try { new semver.Range(vuln); if (patched) new semver.Range(patched); } catch (e) { return null; }
  return versions.map(v => {
    const s = new semver.SemVer(v);
    const release = `${s.major}.${s.minor}.${s.patch}`;
    return [
      semver.satisfies(v, vuln) && !(patched && semver.satisfies(v, patched)),
      interval(v, vuln) && !(patched && interval(v, patched)),
      interval(release, vuln) || (!!patched && interval(release, patched)),
    ];
  });
});
process.stdout.write(JSON.stringify(out));
"#;

#[test]
fn verdicts_agree_with_node_semver() {
    let Some(module) = semver_module() else {
        return;
    };
    let dir = checkout().join("vuln/npm");
    let batch = read_path(&checkout()).unwrap();
    let by_id: BTreeMap<&str, &Advisory> = batch.advisories.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut cases = Vec::new();
    for a in &batch.advisories {
        let n = a.id.strip_prefix("NSWG-ECO-").unwrap();
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap()).unwrap();
        let vuln = raw["vulnerable_versions"].as_str().unwrap().to_string();
        let patched = raw["patched_versions"].as_str().unwrap_or("").to_string();
        let versions = probes(&vuln, &patched);
        cases.push((a.id.clone(), vuln, patched, versions));
    }
    let input: Vec<(&str, &str, &[String])> = cases
        .iter()
        .map(|(_, v, p, vs)| (v.as_str(), p.as_str(), vs.as_slice()))
        .collect();
    let mut child = Command::new("node")
        .arg("-e")
        .arg(ORACLE)
        .arg(module.canonicalize().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let verdicts: Vec<Option<Vec<(bool, bool, bool)>>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdicts.len(), cases.len());

    // A mutant that reads every fixed version as still affected shows that the comparison can fail.
    let mutants: Vec<Advisory> = batch
        .advisories
        .iter()
        .cloned()
        .map(|mut a| {
            for e in a
                .affected
                .iter_mut()
                .flat_map(|x| &mut x.ranges)
                .flat_map(|r| &mut r.events)
            {
                if let Event::Fixed(v) = e {
                    *e = Event::LastAffected(v.clone());
                }
            }
            a
        })
        .collect();
    let mutant_by_id: BTreeMap<&str, &Advisory> = mutants.iter().map(|a| (a.id.as_str(), a)).collect();
    for (mutant, by_id) in [(false, &by_id), (true, &mutant_by_id)] {
        let (mut compared, mut release_checked, mut widened, mut pre_default_differs) = (0, 0, 0, 0);
        let mut failures = Vec::new();
        for ((id, vuln, patched, versions), verdict) in cases.iter().zip(&verdicts) {
            // rensa read every record, so node must accept every range too.
            let verdict = verdict
                .as_ref()
                .unwrap_or_else(|| panic!("{id}: node refuses {vuln:?} / {patched:?}"));
            let a = by_id[id.as_str()];
            let module = &a.affected[0].package;
            // The releases right after a version a range names (`<=1.0.0` ends before 1.0.1).
            let after_named: Vec<String> = versions_in(vuln)
                .into_iter()
                .chain(versions_in(patched))
                .map(|v| v.successor().release().to_string())
                .collect();
            for (v, &(node_default, node_interval, release_named)) in versions.iter().zip(verdict) {
                let ours = !match_package(&pkg(module, v), None, std::slice::from_ref(a)).is_empty();
                compared += 1;
                let pre = v.contains('-');
                if !pre {
                    release_checked += 1;
                    if ours != node_default || ours != node_interval {
                        failures.push(format!(
                            "{id} {vuln:?} / {patched:?} at {v}: rensa {ours}, node {node_default}"
                        ));
                    }
                } else if ours != node_interval {
                    // The one deliberate widening: pre-releases, in a gap that holds no release version,
                    // of a version that a range names or that comes right after one.
                    let release = v.split('-').next().unwrap();
                    if ours && !node_interval && (release_named || after_named.iter().any(|r| r == release)) {
                        widened += 1;
                    } else {
                        failures.push(format!(
                            "{id} {vuln:?} / {patched:?} at {v}: rensa {ours}, node (interval) {node_interval}"
                        ));
                    }
                }
                if pre && ours != node_default {
                    pre_default_differs += 1;
                }
            }
        }
        if mutant {
            assert!(
                failures.len() > 100,
                "the comparison must catch fixed versions read as affected: {} caught",
                failures.len()
            );
            continue;
        }
        eprintln!(
            "nodejs differential: {} advisories, {compared} verdicts ({release_checked} release versions), \
             {widened} pre-releases widened, {pre_default_differs} pre-release verdicts differ from node's \
             default pre-release exclusion",
            cases.len()
        );
        assert!(compared > 10_000, "{compared}");
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
