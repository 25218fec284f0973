//! Which OSV ecosystem (and release) a catalogued package belongs to, and how advisory ecosystem names
//! are scoped to releases.
//!
//! | catalog | distribution `ID` | OSV ecosystem | release from |
//! |---|---|---|---|
//! | deb | `debian` | `Debian:12` | major of `VERSION_ID` |
//! | deb | `ubuntu` | `Ubuntu:22.04` | `VERSION_ID` (`Ubuntu:22.04:LTS` in advisories is the same release; `Ubuntu:Pro:…` never applies) |
//! | apk | `alpine` | `Alpine:v3.18` | `v` + major.minor of `VERSION_ID` (`3.18.4`) |
//! | apk | `wolfi`, `chainguard` | `Wolfi`, `Chainguard` | (rolling, unscoped) |
//! | rpm | `rhel` | `Red Hat:enterprise_linux:9` | major of `VERSION_ID`; advisories' `Red Hat:enterprise_linux:9::appstream` etc. |
//! | rpm | `rocky`, `almalinux` | `Rocky Linux:9`, `AlmaLinux:9` | major of `VERSION_ID` |
//! | rpm | `opensuse-leap`, `sles` | `openSUSE:Leap 15.5`, `SUSE:Linux Enterprise Server 15 SP5` | `VERSION_ID` |
//! | pypi, npm, cargo, golang, maven, gem, composer, nuget | — | `PyPI`, `npm`, `crates.io`, `Go`, `Maven`, `RubyGems`, `Packagist`, `NuGet` | unscoped |
//!
//! Red Hat advisories for the extended-support streams (`rhel_eus`, `rhel_aus`, …) do not apply to a
//! plain RHEL release and are skipped.

use rensa_catalog::{Distro, Ecosystem, Package};

/// How an ecosystem name of an advisory's `affected` entry relates to a package's ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The entry names the package's exact release (`Debian:12` for a Debian 12 package).
    Release,
    /// The entry names the family without a release (`Debian`), or the ecosystem has no releases (`PyPI`).
    Family,
    /// The entry names another release of the same family (`Debian:11` for a Debian 12 package).
    OtherRelease,
    /// A different ecosystem, or a stream that never applies (`Ubuntu:Pro:…`, `Red Hat:rhel_eus:…`).
    Unrelated,
}

/// The OSV ecosystem of a package: `(exact, family)`, such as `("Debian:12", "Debian")`,
/// `("Alpine:v3.18", "Alpine")` or `("PyPI", "PyPI")`. `None` when the package's distribution is not one
/// OSV covers (an rpm package without a known distribution, for instance).
///
/// Distribution packages without a known release (no distribution, or no `VERSION_ID` as in Debian
/// testing) get the family alone as their exact ecosystem, so only unscoped advisories apply to them.
pub fn osv_ecosystem(pkg: &Package, distro: Option<&Distro>) -> Option<(String, String)> {
    let same = |name: &str| Some((name.to_string(), name.to_string()));
    let id = distro.map(|d| d.id.as_str()).unwrap_or_default();
    let version = distro
        .and_then(|d| d.version_id.as_deref())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let scoped = |family: &str, release: Option<String>| {
        Some(match release {
            Some(r) => (format!("{family}:{r}"), family.to_string()),
            None => (family.to_string(), family.to_string()),
        })
    };
    match pkg.ecosystem {
        Ecosystem::Deb => match id {
            "ubuntu" => scoped("Ubuntu", version.map(str::to_string)),
            _ if id == "debian" || id.is_empty() || distro.is_some_and(|d| d.is_like("debian")) => scoped(
                "Debian",
                if id == "debian" {
                    version.and_then(major)
                } else {
                    None
                },
            ),
            _ => scoped("Debian", None),
        },
        Ecosystem::Apk => match id {
            "wolfi" => same("Wolfi"),
            "chainguard" => same("Chainguard"),
            _ => scoped("Alpine", version.and_then(alpine_release)),
        },
        Ecosystem::Rpm => match id {
            "rhel" => scoped(
                "Red Hat",
                version.and_then(major).map(|m| format!("enterprise_linux:{m}")),
            ),
            "rocky" => scoped("Rocky Linux", version.and_then(major)),
            "almalinux" => scoped("AlmaLinux", version.and_then(major)),
            "opensuse-leap" => scoped("openSUSE", version.map(|v| format!("Leap {v}"))),
            "sles" => scoped(
                "SUSE",
                version.map(|v| match v.split_once('.') {
                    Some((m, sp)) => format!("Linux Enterprise Server {m} SP{sp}"),
                    None => format!("Linux Enterprise Server {v}"),
                }),
            ),
            _ => None,
        },
        Ecosystem::Pypi => same("PyPI"),
        Ecosystem::Npm => same("npm"),
        Ecosystem::Cargo => same("crates.io"),
        Ecosystem::Golang => same("Go"),
        Ecosystem::Maven => same("Maven"),
        Ecosystem::Gem => same("RubyGems"),
        Ecosystem::Composer => same("Packagist"),
        Ecosystem::Nuget => same("NuGet"),
    }
}

/// The name advisories use for a package: for Debian and Alpine packages the source package
/// (`source_name`, else `name`), for PyPI the PEP 503 normalized name, for NuGet and Composer the
/// lowercase name, otherwise the name as it is.
pub fn lookup_name(pkg: &Package) -> String {
    match pkg.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk => pkg.source_name.clone().unwrap_or_else(|| pkg.name.clone()),
        _ => normalize_name(pkg.ecosystem, &pkg.name),
    }
}

/// Every name under which advisories may list the package: [`lookup_name`], and for rpm packages both
/// the binary and the source package name (Red Hat, Rocky and Alma advisories list binary packages).
pub(crate) fn lookup_names(pkg: &Package) -> Vec<String> {
    let mut names = vec![lookup_name(pkg)];
    if pkg.ecosystem == Ecosystem::Rpm
        && let Some(source) = &pkg.source_name
        && *source != pkg.name
    {
        names.push(source.clone());
    }
    names
}

/// A package name as advisories of `ecosystem` compare it.
pub(crate) fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Pypi => normalize_pypi(name),
        Ecosystem::Nuget | Ecosystem::Composer => name.trim().to_ascii_lowercase(),
        _ => name.trim().to_string(),
    }
}

/// A name of an advisory entry in `family`, normalized like [`normalize_name`].
pub(crate) fn normalize_advisory_name(family: &str, name: &str) -> String {
    match family {
        "PyPI" => normalize_pypi(name),
        "NuGet" | "Packagist" => name.trim().to_ascii_lowercase(),
        _ => name.trim().to_string(),
    }
}

/// PEP 503: lowercase, runs of `-`, `_` and `.` become one `-`.
fn normalize_pypi(name: &str) -> String {
    let name = name.trim();
    if name.is_ascii() {
        // The common case, byte by byte.
        let mut out = String::with_capacity(name.len());
        let mut sep = false;
        for b in name.bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                sep = true;
            } else {
                if sep && !out.is_empty() {
                    out.push('-');
                }
                sep = false;
                out.push(b.to_ascii_lowercase() as char);
            }
        }
        return out;
    }
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The family of an advisory ecosystem name (`Debian:12` → `Debian`).
pub(crate) fn family_of(ecosystem: &str) -> &str {
    crate::db::family(ecosystem).trim()
}

/// How the advisory ecosystem `entry` relates to a package whose exact ecosystem is `exact` in `family`.
pub(crate) fn scope(entry: &str, exact: &str, family: &str) -> Scope {
    if family_of(entry) != family {
        return Scope::Unrelated;
    }
    let Some(release) = release_of(entry) else {
        return match entry.contains(':') {
            // A family entry with a suffix we do not understand.
            true => Scope::Unrelated,
            false => Scope::Family,
        };
    };
    match release_of(exact) {
        Some(ours) if ours == release => Scope::Release,
        _ => Scope::OtherRelease,
    }
}

/// The release part of an OSV ecosystem name, normalized for comparison: `Debian:12` → `12`,
/// `Ubuntu:22.04:LTS` → `22.04`, `Red Hat:enterprise_linux:9::appstream` → `enterprise_linux:9`,
/// `Alpine:v3.18` → `v3.18`. `None` for a bare family and for streams that never apply.
fn release_of(ecosystem: &str) -> Option<String> {
    let (family, rest) = ecosystem.split_once(':')?;
    let rest = rest.trim();
    match family.trim() {
        "Ubuntu" => {
            if rest.starts_with("Pro:") || rest.starts_with("FIPS") {
                return None;
            }
            Some(rest.trim_end_matches(":LTS").to_string())
        }
        "Red Hat" => {
            let mut parts = rest.split(':');
            let product = parts.next()?;
            let version = parts.next()?;
            if product != "enterprise_linux" {
                return None;
            }
            Some(format!("enterprise_linux:{}", major(version)?))
        }
        "Rocky Linux" | "AlmaLinux" => major(rest),
        "Debian" => Some(rest.to_string()),
        _ => (!rest.is_empty()).then(|| rest.to_string()),
    }
}

/// The leading number of a version (`12.4` → `12`, `9` → `9`).
fn major(version: &str) -> Option<String> {
    let m: String = version.trim().chars().take_while(char::is_ascii_digit).collect();
    (!m.is_empty()).then_some(m)
}

/// `v3.18` from an Alpine `VERSION_ID` such as `3.18.4`.
fn alpine_release(version: &str) -> Option<String> {
    let mut parts = version.trim().split('.');
    let major = parts
        .next()
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
    let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
    (!minor.is_empty()).then(|| format!("v{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, version: Option<&str>) -> Distro {
        Distro {
            id: id.into(),
            version_id: version.map(str::to_string),
            codename: None,
            pretty_name: None,
            id_like: Vec::new(),
            source: "/etc/os-release".into(),
        }
    }

    fn pkg(ecosystem: Ecosystem, name: &str) -> Package {
        Package::new(ecosystem, name, "1.0", "x")
    }

    #[test]
    fn distro_packages_map_to_releases() {
        let cases = [
            (
                Ecosystem::Deb,
                "debian",
                Some("12"),
                Some(("Debian:12", "Debian")),
            ),
            (Ecosystem::Deb, "debian", None, Some(("Debian", "Debian"))),
            (
                Ecosystem::Deb,
                "ubuntu",
                Some("22.04"),
                Some(("Ubuntu:22.04", "Ubuntu")),
            ),
            (
                Ecosystem::Apk,
                "alpine",
                Some("3.18.4"),
                Some(("Alpine:v3.18", "Alpine")),
            ),
            (
                Ecosystem::Apk,
                "alpine",
                Some("3.10"),
                Some(("Alpine:v3.10", "Alpine")),
            ),
            (
                Ecosystem::Apk,
                "wolfi",
                Some("20230201"),
                Some(("Wolfi", "Wolfi")),
            ),
            (
                Ecosystem::Rpm,
                "rhel",
                Some("9.2"),
                Some(("Red Hat:enterprise_linux:9", "Red Hat")),
            ),
            (
                Ecosystem::Rpm,
                "rocky",
                Some("8.8"),
                Some(("Rocky Linux:8", "Rocky Linux")),
            ),
            (
                Ecosystem::Rpm,
                "almalinux",
                Some("9.1"),
                Some(("AlmaLinux:9", "AlmaLinux")),
            ),
            (
                Ecosystem::Rpm,
                "sles",
                Some("15.5"),
                Some(("SUSE:Linux Enterprise Server 15 SP5", "SUSE")),
            ),
            (Ecosystem::Rpm, "fedora", Some("39"), None),
        ];
        for (eco, id, version, want) in cases {
            let d = distro(id, version);
            let got = osv_ecosystem(&pkg(eco, "p"), Some(&d));
            let want = want.map(|(a, b)| (a.to_string(), b.to_string()));
            assert_eq!(got, want, "{id} {version:?}");
        }
        assert_eq!(
            osv_ecosystem(&pkg(Ecosystem::Cargo, "p"), None),
            Some(("crates.io".into(), "crates.io".into()))
        );
        assert_eq!(osv_ecosystem(&pkg(Ecosystem::Rpm, "p"), None), None);
    }

    #[test]
    fn scopes() {
        assert_eq!(scope("Debian:12", "Debian:12", "Debian"), Scope::Release);
        assert_eq!(scope("Debian:11", "Debian:12", "Debian"), Scope::OtherRelease);
        assert_eq!(scope("Debian", "Debian:12", "Debian"), Scope::Family);
        assert_eq!(scope("Debian:12", "Debian", "Debian"), Scope::OtherRelease);
        assert_eq!(
            scope("Ubuntu:22.04:LTS", "Ubuntu:22.04", "Ubuntu"),
            Scope::Release
        );
        assert_eq!(
            scope("Ubuntu:Pro:22.04:LTS", "Ubuntu:22.04", "Ubuntu"),
            Scope::Unrelated
        );
        assert_eq!(
            scope(
                "Red Hat:enterprise_linux:9::appstream",
                "Red Hat:enterprise_linux:9",
                "Red Hat"
            ),
            Scope::Release
        );
        assert_eq!(
            scope(
                "Red Hat:rhel_eus:9.2::appstream",
                "Red Hat:enterprise_linux:9",
                "Red Hat"
            ),
            Scope::Unrelated
        );
        assert_eq!(scope("Alpine:v3.18", "Alpine:v3.18", "Alpine"), Scope::Release);
        assert_eq!(scope("PyPI", "PyPI", "PyPI"), Scope::Family);
        assert_eq!(scope("npm", "PyPI", "PyPI"), Scope::Unrelated);
    }

    #[test]
    fn names() {
        assert_eq!(
            normalize_name(Ecosystem::Pypi, "Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(normalize_advisory_name("PyPI", "PyYAML"), "pyyaml");
        let mut p = pkg(Ecosystem::Deb, "libssl3");
        p.source_name = Some("openssl".into());
        assert_eq!(lookup_name(&p), "openssl");
        let mut r = pkg(Ecosystem::Rpm, "openssl-libs");
        r.source_name = Some("openssl".into());
        assert_eq!(lookup_names(&r), ["openssl-libs", "openssl"]);
    }
}
