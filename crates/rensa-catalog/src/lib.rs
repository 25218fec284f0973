//! The package catalog of rensa: OS detection, package detectors for OS and language ecosystems, the SBOM
//! model, and the CycloneDX / SPDX / JSON / table writers.
//!
//! [`catalog`] reads an image through `rensa-oci`, keeping only the files the detectors ask for, and
//! returns an [`Sbom`] whose packages each name the layer that last put their record there.

pub mod detector;
pub mod error;
pub mod format;
pub mod os;
pub mod package;
pub mod purl;
pub mod sbom;

use std::collections::BTreeSet;

use rayon::prelude::*;
use rensa_oci::{FileTree, Image, ImageSource, Interest, ReadOptions, Want};

pub use detector::{Context, Detected, Detector};
pub use error::{Error, Result};
pub use os::Distro;
pub use package::{Ecosystem, Package};
pub use sbom::{ImageInfo, LayerInfo, Sbom};

/// Bumped whenever a detector's `want`/`inspect` changes, so cached layer indexes are not reused. (The
/// cache key also holds the crate version, so a released build never reads another build's entries.)
pub const CATALOG_VERSION: u32 = 2;

/// The union of all detectors' interests (and the OS release files).
pub struct CatalogInterest<'a> {
    detectors: &'a [Box<dyn Detector>],
}

impl<'a> CatalogInterest<'a> {
    /// The interest of these detectors.
    pub fn new(detectors: &'a [Box<dyn Detector>]) -> Self {
        CatalogInterest { detectors }
    }
}

impl Interest for CatalogInterest<'_> {
    fn want(&self, path: &str, size: u64, mode: u32) -> Want {
        if os::FILES.contains(&path) {
            return Want::Content;
        }
        let mut want = Want::Skip;
        for d in self.detectors {
            match d.want(path, size, mode) {
                Want::Content | Want::Both => return Want::Content,
                Want::Inspect => want = Want::Inspect,
                Want::Skip => {}
            }
        }
        want
    }
    fn accept(&self, path: &str, head: &[u8]) -> bool {
        self.detectors
            .iter()
            .any(|d| d.want(path, head.len() as u64, 0o755) == Want::Inspect && d.accept(path, head))
    }
    fn inspect(&self, path: &str, data: &[u8]) -> Vec<(String, Vec<u8>)> {
        self.detectors
            .iter()
            .filter(|d| d.want(path, data.len() as u64, 0o755) == Want::Inspect)
            .filter_map(|d| d.inspect(path, data).map(|r| (d.name().to_string(), r)))
            .collect()
    }
    fn cache_key(&self) -> String {
        let names: Vec<&str> = self.detectors.iter().map(|d| d.name()).collect();
        format!(
            "catalog-v{CATALOG_VERSION}-{}:{}",
            env!("CARGO_PKG_VERSION"),
            names.join(",")
        )
    }
}

/// Catalogs an image: reads its layers and runs every detector.
pub fn catalog(source: &dyn ImageSource, options: &ReadOptions<'_>) -> Result<Sbom> {
    let detectors = detector::all();
    let interest = CatalogInterest::new(&detectors);
    let tree = rensa_oci::read_tree(source, &interest, options)?;
    catalog_tree(&tree, source.image(), &detectors)
}

/// Catalogs an image in the same walk as another interest (the image checks, say), and returns the
/// merged filesystem too, so the other interest's kept files and inspection records can be used after.
pub fn catalog_with(
    source: &dyn ImageSource,
    options: &ReadOptions<'_>,
    other: &dyn Interest,
) -> Result<(Sbom, FileTree)> {
    let detectors = detector::all();
    let interest = CatalogInterest::new(&detectors);
    let both = rensa_oci::Combined {
        first: &interest,
        second: other,
    };
    let tree = rensa_oci::read_tree(source, &both, options)?;
    let sbom = catalog_tree(&tree, source.image(), &detectors)?;
    Ok((sbom, tree))
}

/// Runs detectors over an already merged filesystem.
pub fn catalog_tree(tree: &FileTree, image: &Image, detectors: &[Box<dyn Detector>]) -> Result<Sbom> {
    let distro = os::detect(tree)?;
    let ctx = Context {
        distro: distro.as_ref(),
    };
    let results: Vec<Result<Detected>> = detectors.par_iter().map(|d| d.detect(tree, &ctx)).collect();
    let mut packages = Vec::new();
    let mut warnings: Vec<String> = tree.warnings().to_vec();
    for r in results {
        let d = r?;
        packages.extend(d.packages);
        warnings.extend(d.warnings);
    }
    // Files owned by OS packages are not reported again as language packages. Paths are compared after
    // resolving links inside the image, so `/lib/…` recorded by dpkg matches `/usr/lib/…` on merged-/usr.
    let canonical = |path: &str| -> String {
        match tree.resolve(path) {
            Ok(Some((real, _))) => real,
            _ => path.to_string(),
        }
    };
    let owned: BTreeSet<String> = packages
        .iter()
        .filter(|p| p.ecosystem.is_os())
        .flat_map(|p| p.files.iter())
        .map(|f| canonical(f))
        .collect();
    let keep: Vec<bool> = packages
        .iter()
        .map(|p| {
            p.ecosystem.is_os() || (!owned.contains(&p.location) && !owned.contains(&canonical(&p.location)))
        })
        .collect();
    let mut packages: Vec<Package> = packages
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(p))
        .collect();
    for p in &mut packages {
        if p.layer.is_none() {
            p.layer = tree.get(&p.location).map(|n| n.layer);
        }
    }
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    packages.dedup();
    warnings.sort();
    warnings.dedup();
    Ok(Sbom {
        image: ImageInfo::from_image(image),
        distro,
        packages,
        warnings,
    })
}
