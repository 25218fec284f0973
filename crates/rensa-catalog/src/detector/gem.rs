//! The `gem` detector (not implemented yet).

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::Result;

/// Detects gem packages.
pub struct Gem;

impl Detector for Gem {
    fn name(&self) -> &'static str {
        "gem"
    }
    fn want(&self, _path: &str, _size: u64, _mode: u32) -> Want {
        Want::Skip
    }
    fn detect(&self, _tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        Ok(Detected::default())
    }
}
