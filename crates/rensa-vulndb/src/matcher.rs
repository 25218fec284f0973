//! Matching catalogued packages against advisories: which known vulnerabilities a package carries,
//! whether a fix exists, and how severe they are.
//!
//! # What applies to a package
//!
//! A package is looked up in its OSV ecosystem ([`osv_ecosystem`]) under the name advisories use
//! ([`lookup_name`]): for Debian and Alpine packages the **source** package, so that `libssl3` and
//! `openssl` both match advisories about source `openssl`; for rpm packages both the binary and the
//! source package name; for PyPI the normalized name. An advisory's `affected` entries are scoped to the
//! release: an entry for `Debian:12` applies to Debian 12 only; an entry for the bare family (`Debian`)
//! applies only when the advisory has no release-scoped entry for the package at all. Withdrawn and
//! informational advisories (RustSec `unmaintained`, `unsound`, `notice`) are ignored.
//!
//! The version compared is the binary package's version, except for Debian packages matched through
//! their source package: these compare the source version (`source_version`), so that a binNMU such as
//! `3.0.11-1~deb12u2+b1` counts as its source `3.0.11-1~deb12u2`. Rpm versions are compared as
//! `[epoch:]version-release` (a missing epoch is 0). Ranges are evaluated as the OSV schema says (see
//! `range.rs`); a version that does not parse is reported in [`MatchSet::warnings`], never a panic.
//!
//! # Statuses
//!
//! - a distribution entry saying **not affected** gives no finding; it is listed in
//!   [`MatchSet::not_affected`] so that the decision is visible;
//! - a distribution entry saying **will not fix** or **unfixed** gives a finding with that status;
//! - otherwise, when the installed version is in an affected range or listed, the finding is **fixed**
//!   when a `fixed` event lies above the installed version (its `fixed_version`), else **unfixed**.
//!
//! # One finding per vulnerability and package
//!
//! Advisories for the same package that share any identifier (CVE, GHSA, DSA, PYSEC, GO, RUSTSEC, …)
//! become one [`Finding`]. An advisory that names two or more CVEs (a DSA or DLA, usually) is a bundle:
//! it is split into one record per CVE, each carrying the bundle's id as an alias, and the bundle's id
//! does not join those CVEs into one finding. Within a finding:
//!
//! - the **id** is a CVE if there is one, else a GHSA, else an ecosystem database id (PYSEC, RUSTSEC,
//!   GO, …), else a distribution notice (DSA, DLA, USN, RHSA, …); ties go to the lowest id in natural
//!   order (`CVE-2022-2097` before `CVE-2022-10000`). `aliases` holds every other id, sorted;
//! - when sources disagree, a source that says the installed version is **affected** wins over one that
//!   says it is not (a missed vulnerability costs more than a second look); among the affected verdicts
//!   the status is `fixed` if any source knows a fix, else `will_not_fix` if the distribution said so,
//!   else `unfixed`; the **fixed version** is the highest of the fixed versions the sources give, the
//!   first version that none of them reports as affected;
//! - `cvss` is the union of the sources' CVSS vectors (a vector that does not parse is dropped with a
//!   warning); the rating comes from [`severity::overall`]: the distribution's rating first (the highest
//!   any source gives, for distribution packages), then CVSS; `attack_vector` and `attack_complexity` come
//!   from the highest-scoring CVSS v3.x/v4.0 vector, else the highest v2 vector.
//!
//! Findings, not-affected entries and warnings are sorted, so the output is reproducible.

pub(crate) mod ecosystem;
mod range;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use rensa_catalog::{Distro, Ecosystem, Package};
use serde::{Deserialize, Serialize};

pub use ecosystem::{lookup_name, osv_ecosystem};

use crate::advisory::{Advisory, Affected, Status};
use crate::severity::{self, AttackComplexity, AttackVector, Cvss, Rating};
use crate::version::{self, Scheme};
use ecosystem::Scope;
use range::Verdict;

/// The package a finding concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingPackage {
    /// The (binary) package name.
    pub name: String,
    /// The installed version.
    pub version: String,
    /// The package URL.
    pub purl: String,
    /// The source package the advisory is about, when it differs from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
}

/// One vulnerability of one package, with all its identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The primary identifier (a CVE when there is one; see the [module docs](self)).
    pub id: String,
    /// Every other identifier of the vulnerability, sorted.
    pub aliases: Vec<String>,
    /// The affected package.
    pub package: FindingPackage,
    /// Fixed (a fix exists), unfixed, or will-not-fix (never not-affected).
    pub status: Status,
    /// The version that fixes it, for status fixed.
    pub fixed_version: Option<String>,
    /// The rating: distribution rating first, then CVSS.
    pub severity: Rating,
    /// The parsed CVSS vectors of all sources, sorted by vector.
    pub cvss: Vec<Cvss>,
    /// The attack vector of the highest-scoring CVSS vector.
    pub attack_vector: Option<AttackVector>,
    /// The attack complexity of the highest-scoring CVSS vector.
    pub attack_complexity: Option<AttackComplexity>,
    /// A one-line summary.
    pub summary: Option<String>,
    /// The image layer that holds the package.
    pub layer: Option<usize>,
    /// Reference URLs of all sources, sorted.
    pub references: Vec<String>,
}

/// A vulnerability that a distribution says does not affect a package (not a finding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NotAffected {
    /// The primary identifier.
    pub id: String,
    /// Every other identifier, sorted.
    pub aliases: Vec<String>,
    /// The package.
    pub package: FindingPackage,
}

/// A problem met while matching (a version or vector that does not parse); matching went on without it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// The package, as `name version`.
    pub package: String,
    /// The advisory concerned, if any.
    pub advisory: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// Everything matching found for a set of packages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchSet {
    /// The findings, sorted by package then id.
    pub findings: Vec<Finding>,
    /// Vulnerabilities a distribution declared not to affect a package, sorted.
    pub not_affected: Vec<NotAffected>,
    /// Problems met, sorted and without duplicates.
    pub warnings: Vec<Warning>,
}

impl MatchSet {
    fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            a.package
                .cmp(&b.package)
                .then_with(|| natural_cmp(&a.id, &b.id))
                .then_with(|| a.aliases.cmp(&b.aliases))
        });
        self.not_affected.sort();
        self.not_affected.dedup();
        self.warnings.sort();
        self.warnings.dedup();
    }
}

/// The findings for one package against `advisories` (any order, any ecosystems). Warnings are dropped;
/// use [`match_packages`] to see them.
///
/// ```
/// use rensa_catalog::{Ecosystem, Package};
/// use rensa_vulndb::advisory::{Advisory, Affected, Event, Range, RangeKind, Status};
/// use rensa_vulndb::matcher::match_package;
///
/// let mut advisory = Advisory::new("PYSEC-2019-217", "osv");
/// advisory.add_alias("CVE-2019-10906");
/// let mut affected = Affected::new("PyPI", "jinja2");
/// affected.ranges.push(Range {
///     kind: RangeKind::Ecosystem,
///     repo: None,
///     events: vec![Event::Introduced("0".into()), Event::Fixed("2.10.1".into())],
/// });
/// advisory.affected.push(affected);
///
/// let package = Package::new(Ecosystem::Pypi, "Jinja2", "2.10", "site-packages");
/// let findings = match_package(&package, None, &[advisory]);
/// assert_eq!(findings[0].id, "CVE-2019-10906");
/// assert_eq!(findings[0].aliases, ["PYSEC-2019-217"]);
/// assert_eq!((findings[0].status, findings[0].fixed_version.as_deref()), (Status::Fixed, Some("2.10.1")));
/// ```
pub fn match_package(pkg: &Package, distro: Option<&Distro>, advisories: &[Advisory]) -> Vec<Finding> {
    let mut set = MatchSet::default();
    match_one(pkg, distro, advisories.iter(), &mut set);
    set.finish();
    set.findings
}

/// Matches every package against `advisories`, looking advisories up by ecosystem and name.
pub fn match_packages(packages: &[Package], distro: Option<&Distro>, advisories: &[Advisory]) -> MatchSet {
    let mut index: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, adv) in advisories.iter().enumerate() {
        for a in &adv.affected {
            let family = ecosystem::family_of(&a.ecosystem);
            let slot = index
                .entry((family, ecosystem::normalize_advisory_name(family, &a.package)))
                .or_default();
            if slot.last() != Some(&i) {
                slot.push(i);
            }
        }
    }
    let mut set = MatchSet::default();
    for pkg in packages {
        let Some((_, family)) = osv_ecosystem(pkg, distro) else {
            continue;
        };
        let mut ids: Vec<usize> = ecosystem::lookup_names(pkg)
            .into_iter()
            .filter_map(|n| index.get(&(family.as_str(), n)))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        match_one(pkg, distro, ids.into_iter().map(|i| &advisories[i]), &mut set);
    }
    set.finish();
    set
}

/// One advisory's verdict for the package (before merging).
struct Record<'a> {
    /// Ids that join records into one finding.
    link: Vec<String>,
    /// Ids listed but not used for joining (the id of a split bundle).
    extra: Vec<String>,
    /// `Some((status, fixed))` when affected; `None` for a not-affected verdict.
    affected: Option<(Status, Option<String>)>,
    /// The distribution's rating of the applicable entries.
    distro_rating: Option<Rating>,
    advisory: &'a Advisory,
}

fn match_one<'a>(
    pkg: &Package,
    distro: Option<&Distro>,
    advisories: impl Iterator<Item = &'a Advisory>,
    set: &mut MatchSet,
) {
    let Some((exact, family)) = osv_ecosystem(pkg, distro) else {
        return;
    };
    let Some(scheme) = Scheme::for_osv_ecosystem(&family) else {
        return;
    };
    let names = ecosystem::lookup_names(pkg);
    let via_source = pkg.ecosystem == Ecosystem::Deb && pkg.source_name.is_some();
    let installed = match (&pkg.source_version, via_source) {
        (Some(v), true) if !v.trim().is_empty() => v.clone(),
        _ if pkg.ecosystem == Ecosystem::Golang => go_toolchain_version(&pkg.version),
        _ => pkg.version.clone(),
    };
    let installed = installed.as_str();
    let parsed = range::Installed::new(installed);
    let label = format!("{} {}", pkg.name, pkg.version);
    let mut records = Vec::new();
    for adv in advisories {
        if adv.is_withdrawn() || adv.informational.is_some() {
            continue;
        }
        let relevant: Vec<(&Affected, Scope)> = adv
            .affected
            .iter()
            .filter(|a| {
                let fam = ecosystem::family_of(&a.ecosystem);
                fam == family && names.contains(&ecosystem::normalize_advisory_name(fam, &a.package))
            })
            .map(|a| (a, ecosystem::scope(&a.ecosystem, &exact, &family)))
            .collect();
        let scoped = relevant
            .iter()
            .any(|(_, s)| matches!(s, Scope::Release | Scope::OtherRelease));
        let wanted = if scoped { Scope::Release } else { Scope::Family };
        let mut affected: Option<(Status, Option<String>)> = None;
        let mut not_affected = false;
        let mut ratings = Vec::new();
        for (entry, _) in relevant.iter().filter(|(_, s)| *s == wanted) {
            let mut messages = Vec::new();
            let verdict = match entry.status {
                Some(Status::NotAffected) => {
                    not_affected = true;
                    continue;
                }
                Some(Status::Unfixed | Status::WillNotFix)
                    if entry.ranges.is_empty() && entry.versions.is_empty() =>
                {
                    Verdict::Affected { fixed: None }
                }
                _ => range::evaluate_installed(entry, scheme, &parsed, &mut messages),
            };
            for message in messages {
                set.warnings.push(Warning {
                    package: label.clone(),
                    advisory: Some(adv.id.clone()),
                    message,
                });
            }
            let Verdict::Affected { fixed } = verdict else {
                continue;
            };
            let status = match (entry.status, &fixed) {
                (Some(s @ (Status::Unfixed | Status::WillNotFix)), _) => s,
                (_, Some(_)) => Status::Fixed,
                _ => Status::Unfixed,
            };
            if let Some(r) = entry
                .distro_severity
                .as_deref()
                .and_then(|s| distro_rating(&family, s))
            {
                ratings.push(r);
            }
            affected = Some(match affected {
                None => (status, fixed),
                Some(old) => stronger(scheme, old, (status, fixed)),
            });
        }
        if affected.is_none() && !not_affected {
            continue;
        }
        for v in &adv.severity {
            if let Some(r) = distro_rating(&family, &v.vector).filter(|_| v.kind == family) {
                ratings.push(r);
            }
        }
        let distro_rating = ratings.into_iter().max();
        let ids: Vec<String> = adv.ids().map(str::to_string).collect();
        let cves: Vec<&String> = ids.iter().filter(|i| i.starts_with("CVE-")).collect();
        if cves.len() >= 2 {
            let others: Vec<String> = ids.iter().filter(|i| !i.starts_with("CVE-")).cloned().collect();
            for cve in cves {
                records.push(Record {
                    link: vec![cve.clone()],
                    extra: others.clone(),
                    affected: affected.clone(),
                    distro_rating,
                    advisory: adv,
                });
            }
        } else {
            records.push(Record {
                link: ids,
                extra: Vec::new(),
                affected,
                distro_rating,
                advisory: adv,
            });
        }
    }
    merge(pkg, &label, scheme, records, set);
}

/// A Go toolchain version (`go1.22.3`, `go1.21rc2`, as the catalog reports the `stdlib` package) in the
/// SemVer form the Go vulnerability database uses (`1.22.3`, `1.21.0-rc.2`); other versions unchanged.
fn go_toolchain_version(version: &str) -> String {
    let Some(rest) = version.trim().strip_prefix("go") else {
        return version.to_string();
    };
    let split = rest.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(rest.len());
    let (number, pre) = rest.split_at(split);
    if pre.is_empty() {
        return number.to_string();
    }
    let mut parts: Vec<&str> = number.split('.').collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    let digits = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
    let (label, n) = pre.split_at(digits);
    if n.is_empty() {
        format!("{}-{label}", parts.join("."))
    } else {
        format!("{}-{label}.{n}", parts.join("."))
    }
}

/// The rating a distribution's own severity text gives, for the families that publish one.
fn distro_rating(family: &str, text: &str) -> Option<Rating> {
    let r = match family {
        "Debian" => Rating::from_debian_urgency(text),
        "Ubuntu" => Rating::from_ubuntu_priority(text),
        "Red Hat" | "Rocky Linux" | "AlmaLinux" => Rating::from_redhat_severity(text),
        _ => return None,
    };
    (r != Rating::Unknown).then_some(r)
}

/// Of two affected verdicts, the one the module docs' precedence keeps: fixed over will-not-fix over
/// unfixed, and the higher fixed version.
fn stronger(
    scheme: Scheme,
    a: (Status, Option<String>),
    b: (Status, Option<String>),
) -> (Status, Option<String>) {
    let rank = |s: Status| match s {
        Status::Fixed => 3,
        Status::WillNotFix => 2,
        Status::Unfixed => 1,
        Status::NotAffected => 0,
    };
    let status = if rank(b.0) > rank(a.0) { b.0 } else { a.0 };
    let fixed = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(higher(scheme, x, y)),
        (x, y) => x.or(y),
    };
    (status, fixed)
}

/// The higher of two versions (the first when they do not compare).
fn higher(scheme: Scheme, x: String, y: String) -> String {
    match version::compare(scheme, &x, &y) {
        Ok(Ordering::Less) => y,
        _ => x,
    }
}

/// Joins records that share a link id and turns each group into a finding or a not-affected entry.
fn merge(pkg: &Package, label: &str, scheme: Scheme, records: Vec<Record<'_>>, set: &mut MatchSet) {
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        for id in &r.link {
            match owner.get(id.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Record<'_>>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        groups.entry(root(&mut parent, i)).or_default().push(r);
    }
    let package = FindingPackage {
        name: pkg.name.clone(),
        version: pkg.version.clone(),
        purl: pkg.purl.clone(),
        source_name: pkg.source_name.clone().filter(|s| *s != pkg.name),
    };
    for group in groups.into_values() {
        let mut ids: Vec<&str> = group
            .iter()
            .flat_map(|r| r.link.iter().chain(&r.extra))
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        ids.sort_by(|a, b| id_cmp(a, b));
        let id = ids[0].to_string();
        let mut aliases: Vec<String> = ids[1..].iter().map(|s| s.to_string()).collect();
        aliases.sort();
        let verdict = group
            .iter()
            .filter_map(|r| r.affected.clone())
            .reduce(|a, b| stronger(scheme, a, b));
        let Some((status, fixed_version)) = verdict else {
            set.not_affected.push(NotAffected {
                id,
                aliases,
                package: package.clone(),
            });
            continue;
        };
        let affected: Vec<&&Record<'_>> = group.iter().filter(|r| r.affected.is_some()).collect();
        let mut cvss: Vec<Cvss> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut advisories: Vec<&Advisory> = affected.iter().map(|r| r.advisory).collect();
        advisories.sort_by(|a, b| id_cmp(&a.id, &b.id));
        advisories.dedup_by(|a, b| std::ptr::eq(*a, *b));
        for adv in &advisories {
            for v in adv.severity.iter().filter(|v| v.kind.starts_with("CVSS")) {
                if !seen.insert(v.vector.trim().to_string()) {
                    continue;
                }
                match severity::parse(&v.vector) {
                    Ok(c) => cvss.push(c),
                    Err(e) => set.warnings.push(Warning {
                        package: label.to_string(),
                        advisory: Some(adv.id.clone()),
                        message: format!("CVSS vector dropped: {e}"),
                    }),
                }
            }
        }
        cvss.sort_by(|a, b| a.vector.cmp(&b.vector));
        let distro = affected.iter().filter_map(|r| r.distro_rating).max();
        let top = highest(&cvss);
        let summary = advisories.iter().find_map(|a| a.summary.clone());
        let references: Vec<String> = advisories
            .iter()
            .flat_map(|a| a.references.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        set.findings.push(Finding {
            id,
            aliases,
            package: package.clone(),
            status,
            fixed_version: fixed_version.filter(|_| status == Status::Fixed),
            severity: severity::overall(distro, &cvss),
            attack_vector: top.map(|c| c.attack_vector),
            attack_complexity: top.map(|c| c.attack_complexity),
            cvss,
            summary,
            layer: pkg.layer,
            references,
        });
    }
}

/// The highest-scoring v3.x/v4.0 vector, else the highest-scoring v2 vector.
fn highest(cvss: &[Cvss]) -> Option<&Cvss> {
    let best = |modern: bool| {
        cvss.iter()
            .filter(|c| c.is_v3_or_later() == modern)
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
    };
    best(true).or_else(|| best(false))
}

/// The preference of an id as a finding's primary id (lower is preferred).
fn id_rank(id: &str) -> u8 {
    let prefix = id.split('-').next().unwrap_or_default();
    match prefix {
        "CVE" => 0,
        "GHSA" => 1,
        "DSA" | "DLA" | "DTSA" | "USN" | "RHSA" | "RHBA" | "RHEA" | "RLSA" | "ALSA" | "ALBA" | "ALEA"
        | "SUSE" | "openSUSE" | "ELSA" => 3,
        _ => 2,
    }
}

/// Orders ids by [`id_rank`], then naturally.
fn id_cmp(a: &str, b: &str) -> Ordering {
    id_rank(a).cmp(&id_rank(b)).then_with(|| natural_cmp(a, b))
}

/// Compares strings with runs of digits compared as numbers (`CVE-2022-2097` < `CVE-2022-10000`).
fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, x), (db, y)) in ca.iter().zip(&cb) {
        let o = if *da && *db {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            x.cmp(y)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_prefer_cves_in_natural_order() {
        let mut ids = vec![
            "DSA-5343-1",
            "GHSA-aaaa",
            "CVE-2022-10000",
            "PYSEC-2022-1",
            "CVE-2022-2097",
        ];
        ids.sort_by(|a, b| id_cmp(a, b));
        assert_eq!(
            ids,
            [
                "CVE-2022-2097",
                "CVE-2022-10000",
                "GHSA-aaaa",
                "PYSEC-2022-1",
                "DSA-5343-1"
            ]
        );
        assert_eq!(natural_cmp("", ""), Ordering::Equal);
        assert_eq!(go_toolchain_version("go1.22.3"), "1.22.3");
        assert_eq!(go_toolchain_version("go1.21rc2"), "1.21.0-rc.2");
        assert_eq!(go_toolchain_version("v1.2.3"), "v1.2.3");
        assert_eq!(go_toolchain_version("go"), "");
        assert_eq!(natural_cmp("a", ""), Ordering::Greater);
    }
}
