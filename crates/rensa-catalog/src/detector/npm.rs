//! The `npm` detector (not implemented yet).

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::Result;

/// Detects npm packages.
pub struct Npm;

impl Detector for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }
    fn want(&self, _path: &str, _size: u64, _mode: u32) -> Want {
        Want::Skip
    }
    fn detect(&self, _tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        Ok(Detected::default())
    }
}
