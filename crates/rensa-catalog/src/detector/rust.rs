//! The `rust` detector (not implemented yet).

use rensa_oci::{FileTree, Want};

use crate::detector::{Context, Detected, Detector};
use crate::error::Result;

/// Detects rust packages.
pub struct Rust;

impl Detector for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }
    fn want(&self, _path: &str, _size: u64, _mode: u32) -> Want {
        Want::Skip
    }
    fn detect(&self, _tree: &FileTree, _ctx: &Context<'_>) -> Result<Detected> {
        Ok(Detected::default())
    }
}
