//! CycloneDX 1.6 JSON (not implemented yet).

use std::io::Write;

use crate::format::WriteOptions;
use crate::sbom::Sbom;

/// Writes a CycloneDX 1.6 JSON document.
pub fn write(_sbom: &Sbom, _options: &WriteOptions, _out: &mut dyn Write) -> std::io::Result<()> {
    Err(std::io::Error::other("CycloneDX output is not implemented yet"))
}
