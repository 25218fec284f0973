//! The package model every detector produces.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The packaging ecosystem a package belongs to. Its name is used in purls and the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Debian/Ubuntu packages (dpkg).
    Deb,
    /// Alpine packages (apk).
    Apk,
    /// RPM packages (Red Hat, Fedora, SUSE, …).
    Rpm,
    /// Python packages.
    Pypi,
    /// npm packages.
    Npm,
    /// Rust crates.
    Cargo,
    /// Go modules (and the Go standard library as `stdlib`).
    Golang,
    /// Java (Maven coordinates).
    Maven,
    /// Ruby gems.
    Gem,
    /// PHP Composer packages.
    Composer,
    /// .NET NuGet packages.
    Nuget,
}

impl Ecosystem {
    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Golang => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::Nuget => "nuget",
        }
    }

    /// Whether packages of this ecosystem are operating-system packages.
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.purl_type())
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as the ecosystem spells it (Maven: `group:artifact`; npm: with `@scope/`).
    pub name: String,
    /// The full version as the ecosystem orders it (dpkg/rpm: `[epoch:]version-release`).
    pub version: String,
    /// The package URL.
    pub purl: String,
    /// The architecture, for OS packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Licences as recorded (SPDX expressions where the ecosystem uses them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// The source package (dpkg `Source`, rpm `SOURCERPM` name, apk `origin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The source package's version, where it differs or is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// The supplier or maintainer, where recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// Files the package owns (absolute paths), where the database records them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The file this package was read from (a database, a manifest, a binary).
    pub location: String,
    /// The layer (index into the image's layers) that last put this package's record there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// Further facts, sorted (`checksum`, `go-version`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

impl Package {
    /// A package with the required fields; the purl is built with [`crate::purl::Purl`] by the caller.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        location: impl Into<String>,
    ) -> Self {
        Package {
            ecosystem,
            name: name.into(),
            version: version.into(),
            purl: String::new(),
            arch: None,
            licenses: Vec::new(),
            source_name: None,
            source_version: None,
            supplier: None,
            files: Vec::new(),
            location: location.into(),
            layer: None,
            properties: BTreeMap::new(),
        }
    }

    /// The sort key used for reproducible output.
    pub fn sort_key(&self) -> (Ecosystem, &str, &str, &str, Option<&str>) {
        (
            self.ecosystem,
            &self.name,
            &self.version,
            &self.location,
            self.arch.as_deref(),
        )
    }
}
