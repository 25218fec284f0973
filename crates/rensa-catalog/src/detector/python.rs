//! The `python` detector (not implemented yet).

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::Result;

/// Detects python packages.
pub struct Python;

impl Detector for Python {
    fn name(&self) -> &'static str {
        "python"
    }
    fn want(&self, _path: &str, _size: u64, _mode: u32) -> Want {
        Want::Skip
    }
    fn detect(&self, _tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        Ok(Detected::default())
    }
}
