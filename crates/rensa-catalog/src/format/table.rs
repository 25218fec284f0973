//! A table for people.

use std::io::Write;

use crate::sbom::Sbom;

/// Writes one line per package: name, version, ecosystem, source package and layer.
pub fn write(sbom: &Sbom, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", sbom.image.name)?;
    if let Some(d) = &sbom.distro {
        writeln!(
            out,
            "OS: {}",
            d.pretty_name.clone().unwrap_or_else(|| d.purl_qualifier())
        )?;
    }
    writeln!(
        out,
        "{} packages, {} layers",
        sbom.packages.len(),
        sbom.image.layers.len()
    )?;
    writeln!(out)?;
    let rows: Vec<[String; 5]> = sbom
        .packages
        .iter()
        .map(|p| {
            let source = match (&p.source_name, &p.source_version) {
                (Some(n), Some(v)) if *n != p.name || *v != p.version => format!("{n} {v}"),
                (Some(n), _) if *n != p.name => n.clone(),
                _ => String::new(),
            };
            let layer = p.layer.map(|l| l.to_string()).unwrap_or_default();
            [
                p.name.clone(),
                p.version.clone(),
                p.ecosystem.to_string(),
                source,
                layer,
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "TYPE", "SOURCE", "LAYER"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for r in &rows {
        writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]]))?;
    }
    for w in &sbom.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
