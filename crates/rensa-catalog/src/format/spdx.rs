//! SPDX 2.3 JSON.
//!
//! The image is a package with purpose `CONTAINER` that the document `DESCRIBES` and that `CONTAINS` the
//! distribution (purpose `OPERATING-SYSTEM`) and every package. Licences become valid SPDX expressions
//! ([`license`]); what SPDX has no field for (layer, file path, architecture, source package, further
//! facts) is carried in annotations whose comment is `rensa:NAME: VALUE`, with the names CycloneDX uses
//! for its properties ([`crate::format::cyclonedx::prop`]). Identifiers are derived from the content.

pub(crate) mod license;
pub mod model;

use std::collections::BTreeMap;
use std::io::Write;

use crate::format::WriteOptions;
use crate::format::cyclonedx::ident::{self, Unique};
use crate::format::cyclonedx::{image_purl, layer_value, prop, split_contact};
use crate::package::Package;
use crate::sbom::Sbom;

use license::SpdxLicense;
use model::{Annotation, CreationInfo, Document, ExternalRef, ExtractedLicense, Relationship};

/// Writes an SPDX 2.3 JSON document (pretty, with a trailing newline).
pub fn write(sbom: &Sbom, options: &WriteOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = to_document(sbom, options);
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// `s` reduced to the characters an SPDX id may hold (`[A-Za-z0-9.-]`), at most 48 of them.
fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
        if out.len() >= 48 {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

fn spdx_id(kind: &str, name: &str, hash: &str) -> String {
    match sanitize(name) {
        n if n.is_empty() => format!("SPDXRef-{kind}-{hash}"),
        n => format!("SPDXRef-{kind}-{n}-{hash}"),
    }
}

/// An SPDX actor for a supplier recorded as `Name <email>`: teams and companies are organizations,
/// others with an e-mail address persons.
fn supplier(s: Option<&str>) -> String {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return "NOASSERTION".into();
    };
    let (name, email) = split_contact(s);
    // Parentheses would be read as the e-mail part.
    let name = name.replace('(', "[").replace(')', "]");
    if name.is_empty() {
        return "NOASSERTION".into();
    }
    let lower = name.to_lowercase();
    const ORG_WORDS: &[&str] = &[
        "team",
        "project",
        "maintainers",
        "developers",
        "foundation",
        "community",
        "group",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "corp",
        "company",
        "debian",
        "ubuntu",
        "alpine",
        "red hat",
        "fedora",
        "suse",
        "software",
        "org",
        "lab",
        "packagers",
    ];
    let org = email.is_none()
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| ORG_WORDS.contains(&w))
        || lower.contains("red hat");
    let kind = if org { "Organization" } else { "Person" };
    match email {
        Some(e) => format!("{kind}: {name} ({e})"),
        None => format!("{kind}: {name}"),
    }
}

fn purl_ref(purl: &str) -> Vec<ExternalRef> {
    if purl.is_empty() {
        return vec![];
    }
    vec![ExternalRef {
        reference_category: "PACKAGE-MANAGER".into(),
        reference_type: "purl".into(),
        reference_locator: purl.to_string(),
    }]
}

/// Builds the SPDX document for `sbom`.
pub fn to_document(sbom: &Sbom, options: &WriteOptions) -> Document {
    let tool = format!("Tool: rensa-{}", options.tool_version);
    let note = |name: &str, value: &str| Annotation {
        annotation_date: options.timestamp.clone(),
        annotation_type: "OTHER".into(),
        annotator: tool.clone(),
        comment: format!("{name}: {value}"),
    };
    let mut unique = Unique::default();
    let mut packages = Vec::new();
    let mut relationships = Vec::new();
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();

    // The image.
    let image = &sbom.image;
    let mut notes = Vec::new();
    if let Some(kind) = serde_json::to_value(image.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
    {
        notes.push(note(prop::IMAGE_KIND, &kind));
    }
    let opt = |notes: &mut Vec<Annotation>, name: &str, v: Option<&str>| {
        if let Some(v) = v {
            notes.push(note(name, v));
        }
    };
    opt(
        &mut notes,
        prop::IMAGE_MANIFEST_DIGEST,
        image.manifest_digest.as_deref(),
    );
    opt(
        &mut notes,
        prop::IMAGE_CONFIG_DIGEST,
        image.config_digest.as_deref(),
    );
    for t in &image.tags {
        opt(&mut notes, prop::IMAGE_TAG, Some(t));
    }
    opt(&mut notes, prop::IMAGE_PLATFORM, image.platform.as_deref());
    opt(&mut notes, prop::IMAGE_CREATED, image.created.as_deref());
    for l in &image.layers {
        opt(&mut notes, prop::IMAGE_LAYER, Some(&layer_value(l)));
    }
    for w in &sbom.warnings {
        opt(&mut notes, prop::WARNING, Some(w));
    }
    let image_id = unique.claim(spdx_id(
        "Image",
        &image.name,
        &ident::short_hash(&["image", &image.name], 12),
    ));
    let image_purl = image_purl(image).unwrap_or_default();
    packages.push(model::Package {
        spdx_id: image_id.clone(),
        name: image.name.clone(),
        version_info: image
            .manifest_digest
            .clone()
            .or_else(|| image.config_digest.clone()),
        supplier: Some("NOASSERTION".into()),
        download_location: "NOASSERTION".into(),
        files_analyzed: false,
        license_concluded: Some("NOASSERTION".into()),
        license_declared: Some("NOASSERTION".into()),
        copyright_text: Some("NOASSERTION".into()),
        external_refs: purl_ref(&image_purl),
        primary_package_purpose: Some("CONTAINER".into()),
        annotations: notes,
        ..Default::default()
    });
    relationships.push(Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES".into(),
        related_spdx_element: image_id.clone(),
    });
    let contains = |relationships: &mut Vec<Relationship>, id: &str| {
        relationships.push(Relationship {
            spdx_element_id: image_id.clone(),
            relationship_type: "CONTAINS".into(),
            related_spdx_element: id.to_string(),
        })
    };

    // The distribution.
    if let Some(d) = &sbom.distro {
        let mut notes = Vec::new();
        opt(&mut notes, prop::OS_CODENAME, d.codename.as_deref());
        for l in &d.id_like {
            opt(&mut notes, prop::OS_ID_LIKE, Some(l));
        }
        opt(&mut notes, prop::OS_SOURCE, Some(&d.source));
        let version = d.version_id.as_deref().unwrap_or("");
        let id = unique.claim(spdx_id(
            "OperatingSystem",
            &format!("{}-{version}", d.id),
            &ident::short_hash(&["os", &d.id, version], 12),
        ));
        packages.push(model::Package {
            spdx_id: id.clone(),
            name: d.id.clone(),
            version_info: d.version_id.clone(),
            supplier: Some("NOASSERTION".into()),
            download_location: "NOASSERTION".into(),
            files_analyzed: false,
            license_concluded: Some("NOASSERTION".into()),
            license_declared: Some("NOASSERTION".into()),
            copyright_text: Some("NOASSERTION".into()),
            description: d.pretty_name.clone(),
            primary_package_purpose: Some("OPERATING-SYSTEM".into()),
            annotations: notes,
            ..Default::default()
        });
        contains(&mut relationships, &id);
    }

    // The packages.
    let mut sorted: Vec<&Package> = sbom.packages.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for p in sorted {
        let mut notes = Vec::new();
        opt(&mut notes, prop::ARCH, p.arch.as_deref());
        if let Some(l) = p.layer {
            opt(&mut notes, prop::LAYER_INDEX, Some(&l.to_string()));
            opt(&mut notes, prop::LAYER_DIFF_ID, image.diff_id(l));
        }
        opt(
            &mut notes,
            prop::LOCATION,
            Some(p.location.as_str()).filter(|l| !l.is_empty()),
        );
        opt(&mut notes, prop::SOURCE_NAME, p.source_name.as_deref());
        opt(&mut notes, prop::SOURCE_VERSION, p.source_version.as_deref());

        let recorded: Vec<&str> = p
            .licenses
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        let parts: Vec<String> = recorded
            .iter()
            .map(|l| match license::spdx(l) {
                SpdxLicense::Expression(e) => e,
                SpdxLicense::Reference(id, text) => {
                    extracted.insert(id.clone(), text);
                    id
                }
            })
            .collect();
        let declared = if parts.is_empty() {
            "NOASSERTION".to_string()
        } else {
            license::join_and(&parts)
        };
        if !(recorded.len() == 1 && recorded[0] == declared) {
            for l in &recorded {
                opt(&mut notes, prop::LICENSE, Some(l));
            }
        }
        for (k, v) in &p.properties {
            opt(&mut notes, &format!("{}{k}", prop::PACKAGE_PREFIX), Some(v));
        }

        let key = hex::encode(&ident::package_key(p)[..6]);
        let id = unique.claim(spdx_id("Package", &p.name, &key));
        let source_info = p.source_name.as_ref().map(|n| match &p.source_version {
            Some(v) => format!("built package from: {n} {v}"),
            None => format!("built package from: {n}"),
        });
        packages.push(model::Package {
            spdx_id: id.clone(),
            name: p.name.clone(),
            version_info: Some(p.version.clone()).filter(|v| !v.is_empty()),
            supplier: Some(supplier(p.supplier.as_deref())),
            download_location: "NOASSERTION".into(),
            files_analyzed: false,
            source_info,
            license_concluded: Some("NOASSERTION".into()),
            license_declared: Some(declared),
            copyright_text: Some("NOASSERTION".into()),
            external_refs: purl_ref(&p.purl),
            primary_package_purpose: Some("LIBRARY".into()),
            annotations: notes,
            ..Default::default()
        });
        contains(&mut relationships, &id);
    }

    let list = ::spdx::license_version();
    let list_version = list.split('.').take(2).collect::<Vec<_>>().join(".");
    let uuid = ident::content_uuid("rensa-spdx", sbom);
    let ns_name = sanitize(&image.name);
    Document {
        spdx_version: "SPDX-2.3".into(),
        data_license: "CC0-1.0".into(),
        spdx_id: "SPDXRef-DOCUMENT".into(),
        name: image.name.clone(),
        document_namespace: format!(
            "https://rensa.dev/spdxdocs/{}{}{uuid}",
            ns_name,
            if ns_name.is_empty() { "" } else { "-" }
        ),
        creation_info: CreationInfo {
            created: options.timestamp.clone(),
            creators: vec![tool.clone()],
            license_list_version: Some(list_version),
        },
        document_describes: vec![],
        files: vec![],
        packages,
        relationships,
        has_extracted_licensing_infos: extracted
            .into_iter()
            .map(|(id, text)| ExtractedLicense {
                license_id: id,
                extracted_text: text.clone(),
                name: Some(text),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_suppliers() {
        assert_eq!(sanitize("@scope/Name ünï"), "scope-Name-n");
        assert_eq!(spdx_id("Package", "√", "ab"), "SPDXRef-Package-ab");
        assert_eq!(supplier(None), "NOASSERTION");
        assert_eq!(
            supplier(Some("Debian Python Team <team+python@tracker.debian.org>")),
            "Organization: Debian Python Team (team+python@tracker.debian.org)"
        );
        assert_eq!(
            supplier(Some("Jane Doe <jane@example.org>")),
            "Person: Jane Doe (jane@example.org)"
        );
        assert_eq!(supplier(Some("Alpine")), "Organization: Alpine");
    }
}
