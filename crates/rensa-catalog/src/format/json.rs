//! rensa's own JSON: the [`Sbom`] model, pretty-printed.

use std::io::Write;

use crate::sbom::Sbom;

/// Writes the SBOM as pretty JSON with a trailing newline.
pub fn write(sbom: &Sbom, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, sbom)?;
    out.write_all(b"\n")
}
