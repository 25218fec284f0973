//! SPDX 2.3 JSON (not implemented yet).

use std::io::Write;

use crate::format::WriteOptions;
use crate::sbom::Sbom;

/// Writes an SPDX 2.3 JSON document.
pub fn write(_sbom: &Sbom, _options: &WriteOptions, _out: &mut dyn Write) -> std::io::Result<()> {
    Err(std::io::Error::other("SPDX output is not implemented yet"))
}
