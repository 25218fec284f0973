//! The total order of package versions in every ecosystem the catalog reports.
//!
//! Each [`Scheme`] implements one upstream specification: Debian Policy 5.6.12 for dpkg, rpm's
//! `rpmvercmp` with epoch/version/release splitting, apk-tools' version rules, PEP 440, SemVer 2.0.0
//! (with npm's loose `v`/`=` prefix, Go's `v` prefix and pseudo-versions), Maven's `ComparableVersion`,
//! NuGet's SemVer 2 with legacy four-part versions, RubyGems' `Gem::Version`, PHP's `version_compare`
//! as Composer uses it, Pub's SemVer with ordered build metadata, CRAN's numeric components and
//! Hackage's PVP. [`parse`] a version once and compare the [`Version`]s many times, or call
//! [`compare`] for a one-off comparison:
//!
//! ```
//! use rensa_vulndb::version::{compare, parse, Scheme};
//! use std::cmp::Ordering;
//!
//! assert_eq!(compare(Scheme::Dpkg, "1.2.3-1~deb7u1", "1.2.3-1").unwrap(), Ordering::Less);
//! let installed = parse(Scheme::Pep440, "2.0.0rc1").unwrap();
//! assert!(installed < parse(Scheme::Pep440, "2.0.0").unwrap());
//! assert!(parse(Scheme::Pep440, "not a version").is_err());
//! ```

mod apk;
mod composer;
mod dpkg;
mod maven;
mod nuget;
mod num;
mod numeric;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;

use crate::{Error, Result};

/// A version numbering scheme: one total order shared by the ecosystems that use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu packages (`dpkg --compare-versions`, Debian Policy 5.6.12).
    Dpkg,
    /// RPM-based distributions (`rpm.vercmp`: epoch, version, release, `~` and `^`).
    Rpm,
    /// Alpine, Wolfi and Chainguard packages (apk-tools).
    Apk,
    /// Python packages (PEP 440, as `packaging.version` implements it).
    Pep440,
    /// SemVer 2.0.0 as npm, crates.io and SwiftPM use it (loose leading `v` or `=`; build metadata ignored).
    Semver,
    /// Go modules: SemVer with a `v` prefix, `+incompatible` and pseudo-versions.
    Go,
    /// Maven artifacts (`ComparableVersion` of Maven 3.8).
    Maven,
    /// NuGet packages (SemVer 2 plus legacy four-part versions, case-insensitive labels).
    Nuget,
    /// Ruby gems (`Gem::Version`).
    RubyGems,
    /// Composer packages from Packagist (PHP's `version_compare`).
    Composer,
    /// Hex packages (Elixir/Erlang): SemVer 2.0.0.
    Hex,
    /// Dart and Flutter packages: SemVer with build metadata ordered after pre-release.
    Pub,
    /// R packages from CRAN: numeric components separated by `.` or `-`.
    Cran,
    /// Haskell packages from Hackage: PVP numeric components separated by `.`.
    Hackage,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 14] = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Maven,
        Scheme::Nuget,
        Scheme::RubyGems,
        Scheme::Composer,
        Scheme::Hex,
        Scheme::Pub,
        Scheme::Cran,
        Scheme::Hackage,
    ];

    /// A short lowercase name (`dpkg`, `pep440`, …), used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Pep440 => "pep440",
            Scheme::Semver => "semver",
            Scheme::Go => "go",
            Scheme::Maven => "maven",
            Scheme::Nuget => "nuget",
            Scheme::RubyGems => "rubygems",
            Scheme::Composer => "composer",
            Scheme::Hex => "hex",
            Scheme::Pub => "pub",
            Scheme::Cran => "cran",
            Scheme::Hackage => "hackage",
        }
    }

    /// The scheme of an OSV ecosystem name such as `Debian:12`, `Alpine:v3.18`, `PyPI` or `crates.io`;
    /// `None` for ecosystems without a version order (`GIT`, unknown names).
    pub fn for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or_default().trim();
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "BellSoft Hardened Containers" => Scheme::Apk,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia" | "openEuler"
            | "Photon OS" | "Azure Linux" | "Mariner" | "Oracle Linux" | "Amazon Linux" | "CentOS"
            | "Fedora" | "openCloudOS" | "OpenCloudOS" | "TencentOS" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" | "SwiftURL" => Scheme::Semver,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "NuGet" => Scheme::Nuget,
            "RubyGems" => Scheme::RubyGems,
            "Packagist" => Scheme::Composer,
            "Hex" => Scheme::Hex,
            "Pub" => Scheme::Pub,
            "CRAN" | "Bioconductor" => Scheme::Cran,
            "Hackage" | "GHC" => Scheme::Hackage,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed version of one [`Scheme`]; parse once with [`parse`], compare many times.
///
/// Versions of different schemes order by scheme first (a stable but meaningless order); within a
/// scheme they follow the scheme's rules, so two spellings of the same version (`1.0` and `1.0.0` in
/// Maven) compare equal. The original text is kept for display.
///
/// Every order is total and transitive on real-world versions (a test sorts all ~36,000 vector
/// versions), but two schemes are faithful to tools that are not transitive on odd input: Maven's
/// `ComparableVersion` (Maven 3.8 itself says `1 < 1.b.`, `1.b. < 1beta2` and `1beta2 < 1`) and PHP's
/// `version_compare` for versions containing `#`. Comparing such versions is fine, but the standard
/// library's sorts may panic on an order that is not total: do not sort untrusted Maven or Composer
/// versions (matching compares a version with range bounds and needs no sorting).
#[derive(Debug, Clone)]
pub struct Version {
    text: Box<str>,
    key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Dpkg(dpkg::Dpkg),
    Rpm(rpm::Rpm),
    Apk(apk::Apk),
    Pep440(pep440::Pep440),
    Semver(semver::Semver),
    Go(semver::Semver),
    Maven(maven::Maven),
    Nuget(nuget::Nuget),
    RubyGems(rubygems::Gem),
    Composer(composer::Composer),
    Hex(semver::Semver),
    Pub(semver::Semver),
    Cran(numeric::Numeric),
    Hackage(numeric::Numeric),
}

impl Version {
    /// The scheme this version was parsed with.
    pub fn scheme(&self) -> Scheme {
        match self.key {
            Key::Dpkg(_) => Scheme::Dpkg,
            Key::Rpm(_) => Scheme::Rpm,
            Key::Apk(_) => Scheme::Apk,
            Key::Pep440(_) => Scheme::Pep440,
            Key::Semver(_) => Scheme::Semver,
            Key::Go(_) => Scheme::Go,
            Key::Maven(_) => Scheme::Maven,
            Key::Nuget(_) => Scheme::Nuget,
            Key::RubyGems(_) => Scheme::RubyGems,
            Key::Composer(_) => Scheme::Composer,
            Key::Hex(_) => Scheme::Hex,
            Key::Pub(_) => Scheme::Pub,
            Key::Cran(_) => Scheme::Cran,
            Key::Hackage(_) => Scheme::Hackage,
        }
    }

    /// The version as it was given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The longest version accepted, in bytes. Real versions are far shorter; the limit bounds the work
/// (and Maven's nesting) that hostile input can cause.
pub const MAX_VERSION_LEN: usize = 1024;

/// Parses `text` as a version of `scheme`; [`Error::InvalidVersion`] when the scheme's rules reject it
/// or it is longer than [`MAX_VERSION_LEN`].
pub fn parse(scheme: Scheme, text: &str) -> Result<Version> {
    if text.len() > MAX_VERSION_LEN {
        return Err(invalid(
            scheme,
            &text.chars().take(64).collect::<String>(),
            format!("longer than {MAX_VERSION_LEN} bytes"),
        ));
    }
    let key = match scheme {
        Scheme::Dpkg => Key::Dpkg(dpkg::parse(text)?),
        Scheme::Rpm => Key::Rpm(rpm::parse(text)?),
        Scheme::Apk => Key::Apk(apk::parse(text)?),
        Scheme::Pep440 => Key::Pep440(pep440::parse(text)?),
        Scheme::Semver => Key::Semver(semver::parse(text, semver::Flavour::Semver)?),
        Scheme::Go => Key::Go(semver::parse(text, semver::Flavour::Go)?),
        Scheme::Maven => Key::Maven(maven::parse(text)?),
        Scheme::Nuget => Key::Nuget(nuget::parse(text)?),
        Scheme::RubyGems => Key::RubyGems(rubygems::parse(text)?),
        Scheme::Composer => Key::Composer(composer::parse(text)?),
        Scheme::Hex => Key::Hex(semver::parse(text, semver::Flavour::Hex)?),
        Scheme::Pub => Key::Pub(semver::parse(text, semver::Flavour::Pub)?),
        Scheme::Cran => Key::Cran(numeric::parse(text, numeric::Flavour::Cran)?),
        Scheme::Hackage => Key::Hackage(numeric::parse(text, numeric::Flavour::Hackage)?),
    };
    Ok(Version {
        text: text.into(),
        key,
    })
}

/// Compares two versions of `scheme`; [`Error::InvalidVersion`] names the first one that does not parse.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering> {
    Ok(parse(scheme, a)?.cmp(&parse(scheme, b)?))
}

/// Builds the error for an unparseable version.
fn invalid(scheme: Scheme, version: &str, reason: impl Into<String>) -> Error {
    Error::InvalidVersion {
        scheme: scheme.name(),
        version: version.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems_map_to_schemes() {
        let cases = [
            ("Debian", Some(Scheme::Dpkg)),
            ("Debian:12", Some(Scheme::Dpkg)),
            ("Ubuntu:22.04:LTS", Some(Scheme::Dpkg)),
            ("Alpine:v3.18", Some(Scheme::Apk)),
            ("Red Hat:enterprise_linux:9::appstream", Some(Scheme::Rpm)),
            ("Rocky Linux:8", Some(Scheme::Rpm)),
            ("AlmaLinux", Some(Scheme::Rpm)),
            ("SUSE:Linux Enterprise Server 15 SP5", Some(Scheme::Rpm)),
            ("openSUSE:Leap 15.5", Some(Scheme::Rpm)),
            ("PyPI", Some(Scheme::Pep440)),
            ("npm", Some(Scheme::Semver)),
            ("crates.io", Some(Scheme::Semver)),
            ("Go", Some(Scheme::Go)),
            ("Maven", Some(Scheme::Maven)),
            ("NuGet", Some(Scheme::Nuget)),
            ("RubyGems", Some(Scheme::RubyGems)),
            ("Packagist", Some(Scheme::Composer)),
            ("Hex", Some(Scheme::Hex)),
            ("Pub", Some(Scheme::Pub)),
            ("CRAN", Some(Scheme::Cran)),
            ("Hackage", Some(Scheme::Hackage)),
            ("GIT", None),
            ("pypi", None),
            ("", None),
        ];
        for (ecosystem, want) in cases {
            assert_eq!(Scheme::for_osv_ecosystem(ecosystem), want, "{ecosystem}");
        }
    }

    #[test]
    fn names_are_distinct() {
        let mut names: Vec<_> = Scheme::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Scheme::ALL.len());
    }

    #[test]
    fn errors_name_scheme_and_version() {
        let err = compare(Scheme::Dpkg, "1.0", "a:1").unwrap_err();
        match err {
            Error::InvalidVersion { scheme, version, .. } => {
                assert_eq!(scheme, "dpkg");
                assert_eq!(version, "a:1");
            }
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn parsed_versions_keep_their_text_and_scheme() {
        let v = parse(Scheme::Maven, "1.0.0-SNAPSHOT").unwrap();
        assert_eq!(v.as_str(), "1.0.0-SNAPSHOT");
        assert_eq!(v.to_string(), "1.0.0-SNAPSHOT");
        assert_eq!(v.scheme(), Scheme::Maven);
        assert_eq!(v, parse(Scheme::Maven, "1-snapshot").unwrap());
    }

    #[test]
    fn overlong_and_deeply_nested_versions_are_refused_or_handled() {
        let nested = "a1".repeat(MAX_VERSION_LEN / 2);
        let a = parse(Scheme::Maven, &nested).unwrap();
        let b = parse(Scheme::Maven, &format!("{}b1", &nested[2..])).unwrap();
        assert_eq!(a.cmp(&b), Ordering::Less);
        for scheme in Scheme::ALL {
            let long = "1.".repeat(MAX_VERSION_LEN) + "1";
            assert!(
                matches!(parse(scheme, &long), Err(Error::InvalidVersion { .. })),
                "{scheme}"
            );
        }
    }

    /// Random triples of similar versions: whenever `a <= b` and `b <= c`, also `a <= c`. Left out:
    /// Composer versions with `#` (PHP's `version_compare` is not transitive for them) and Maven, whose
    /// `ComparableVersion` is not transitive for odd versions: Maven 3.8.7 itself answers
    /// `1 < 1.b.`, `1.b. < 1beta2` and `1beta2 < 1`, and rensa gives the same answers.
    #[test]
    fn random_orders_are_transitive() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const PIECES: &[&str] = &[
            "0", "1", "2", "10", "01", "00", ".", ".", "-", "_", "+", "~", "^", ":", "!", "a", "b", "rc",
            "alpha", "beta", "dev", "post", "pre", "p", "r", "-r", "_p", "_rc", "sp", "ga", "x", "Z", "#",
        ];
        let mut failures = Vec::new();
        for _ in 0..3000 {
            let mut version = || {
                let mut s = String::from("1");
                for _ in 0..(next() % 6) {
                    s.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
                }
                s
            };
            let texts = [version(), version(), version()];
            for scheme in Scheme::ALL {
                if scheme == Scheme::Maven
                    || (scheme == Scheme::Composer && texts.iter().any(|t| t.contains('#')))
                {
                    continue;
                }
                let Ok(mut v) = texts.iter().map(|t| parse(scheme, t)).collect::<Result<Vec<_>>>() else {
                    continue;
                };
                v.sort_by(|x, y| x.as_str().cmp(y.as_str()));
                for (a, b, c) in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)] {
                    if v[a] <= v[b] && v[b] <= v[c] && v[a] > v[c] {
                        failures.push(format!(
                            "{scheme}: {} <= {} <= {} but not {0} <= {2}",
                            v[a], v[b], v[c]
                        ));
                    }
                }
            }
        }
        failures.sort();
        failures.dedup();
        failures.truncate(40);
        assert!(failures.is_empty(), "intransitive:\n{}", failures.join("\n"));
    }

    #[test]
    fn maven_cycle_is_the_same_as_maven_3_8() {
        let v = |s| parse(Scheme::Maven, s).unwrap();
        assert!(v("1") < v("1.b."));
        assert!(v("1.b.") < v("1beta2"));
        assert!(v("1beta2") < v("1"));
    }

    /// Random bytes and random mixes of version characters never panic in any scheme, and comparison
    /// of whatever parses is reflexive and antisymmetric.
    #[test]
    fn hostile_input_never_panics() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const ALPHABET: &[u8] = b"0123456789.-+~^_:!abcdefprtvxzABRC# \x00\xff*/";
        for round in 0..4000 {
            let len = (next() % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if round % 2 == 0 {
                        next() as u8
                    } else {
                        ALPHABET[(next() % ALPHABET.len() as u64) as usize]
                    }
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let other = format!("1.{text}");
            for scheme in Scheme::ALL {
                let a = parse(scheme, &text);
                let b = parse(scheme, &other);
                if let Ok(a) = &a {
                    assert_eq!(a.cmp(a), Ordering::Equal, "{scheme} {text:?}");
                }
                if let (Ok(a), Ok(b)) = (a, b) {
                    assert_eq!(a.cmp(&b), b.cmp(&a).reverse(), "{scheme} {text:?} {other:?}");
                }
            }
        }
    }
}
