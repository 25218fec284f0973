//! Package detectors: one module per packaging format, each a [`Detector`].
//!
//! A detector says which files it needs ([`Detector::want`]), optionally derives small records from large
//! files while the layer is streamed ([`Detector::inspect`], used for binaries and archives), and then reads
//! packages from the merged filesystem ([`Detector::detect`]).

pub mod apk;
pub mod composer;
pub mod dotnet;
pub mod dpkg;
pub mod gem;
pub mod golang;
pub mod java;
pub mod npm;
pub mod python;
pub mod rpm;
pub mod rust;

use rensa_oci::{FileTree, Node, Want};

use crate::error::Result;
use crate::os::Distro;
use crate::package::Package;

/// What a detector gets besides the filesystem.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The detected distribution, if any.
    pub distro: Option<&'a Distro>,
}

/// What a detector found.
#[derive(Debug, Default)]
pub struct Detected {
    /// The packages.
    pub packages: Vec<Package>,
    /// Problems worth telling the user that did not stop detection (a malformed manifest, …).
    pub warnings: Vec<String>,
}

/// One packaging format.
pub trait Detector: Sync + Send {
    /// A stable name (`dpkg`, `python`, …), also the key of this detector's inspected records.
    fn name(&self) -> &'static str;
    /// What the detector needs of the regular file at `path`.
    fn want(&self, path: &str, size: u64, mode: u32) -> Want;
    /// For [`Want::Inspect`]: whether to read the whole file, given its first bytes (up to 4 KiB).
    fn accept(&self, _path: &str, _head: &[u8]) -> bool {
        true
    }
    /// For [`Want::Inspect`]: derives a small record from the file's content (`None`: nothing of interest).
    fn inspect(&self, _path: &str, _data: &[u8]) -> Option<Vec<u8>> {
        None
    }
    /// Reads the packages from the merged filesystem.
    fn detect(&self, tree: &FileTree, ctx: &Context<'_>) -> Result<Detected>;
}

/// Every detector, OS detectors first.
pub fn all() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(dpkg::Dpkg),
        Box::new(apk::Apk),
        Box::new(rpm::Rpm),
        Box::new(python::Python),
        Box::new(npm::Npm),
        Box::new(rust::Rust),
        Box::new(golang::Golang),
        Box::new(java::Java),
        Box::new(gem::Gem),
        Box::new(composer::Composer),
        Box::new(dotnet::Dotnet),
    ]
}

/// Every file whose content the walk kept, with that content, in path order.
pub fn kept_files(tree: &FileTree) -> impl Iterator<Item = (&str, &[u8])> {
    tree.iter()
        .filter_map(|(path, node)| Some((path, node.content.as_deref()?)))
}

/// Every file carrying a record that `detector` derived from it while the layer was read, in path order.
pub fn inspected_files<'a>(
    tree: &'a FileTree,
    detector: &'a str,
) -> impl Iterator<Item = (&'a str, &'a [u8])> {
    tree.iter()
        .filter_map(move |(path, node)| Some((path, inspected(node, detector)?)))
}

/// The record a detector derived from a node while the layer was read.
pub fn inspected<'a>(node: &'a Node, detector: &str) -> Option<&'a [u8]> {
    node.inspected
        .iter()
        .find(|(k, _)| k == detector)
        .map(|(_, v)| v.as_slice())
}

/// Splits a path into its directory and base name (`/a/b` → (`/a`, `b`)).
pub fn split_path(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", b)) => ("/", b),
        Some((d, b)) => (d, b),
        None => ("/", path),
    }
}
