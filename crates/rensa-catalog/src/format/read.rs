//! Reading SBOM documents back into the model, so an SBOM file can stand in for an image (`sbom:PATH`).
//!
//! CycloneDX (1.4–1.6) and SPDX (2.2, 2.3) JSON are recognised by their content. Everything rensa's own
//! writers put into the documents comes back: packages with name, version, purl, licences, supplier,
//! architecture, source package, layer, location and further facts, the distribution, the image's digests,
//! tags, platform and layers. From other tools' documents rensa takes what the formats carry (and Trivy's
//! and Syft's layer and file path properties); components without a purl of a known ecosystem are
//! skipped with a warning. Owned file lists are not carried by either format.

use std::collections::BTreeMap;

use rensa_oci::SourceKind;

use crate::error::{Error, Result};
use crate::format::cyclonedx::model::{Bom, Component, LicenseChoice};
use crate::format::cyclonedx::prop;
use crate::format::spdx::model::Document;
use crate::os::Distro;
use crate::package::{Ecosystem, Package};
use crate::sbom::{ImageInfo, LayerInfo, Sbom};

/// Reads a CycloneDX or SPDX JSON document; `path_for_messages` names the file in errors.
pub fn read_sbom(path_for_messages: &str, data: &[u8]) -> Result<Sbom> {
    let fail = |reason: String| Error::Sbom {
        path: path_for_messages.to_string(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(data).map_err(|e| fail(format!("not a JSON document: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| fail("not a JSON object".into()))?;
    if obj.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        let spec = obj.get("specVersion").and_then(|v| v.as_str()).unwrap_or("");
        if !matches!(spec, "1.4" | "1.5" | "1.6" | "1.7") {
            return Err(fail(format!(
                "unsupported CycloneDX specVersion {spec:?} (1.4 to 1.6 are read)"
            )));
        }
        let bom: Bom =
            serde_json::from_value(value).map_err(|e| fail(format!("malformed CycloneDX document: {e}")))?;
        Ok(from_cyclonedx(path_for_messages, bom))
    } else if let Some(version) = obj.get("spdxVersion") {
        let version = version.as_str().unwrap_or("");
        if !matches!(version, "SPDX-2.2" | "SPDX-2.3") {
            return Err(fail(format!(
                "unsupported spdxVersion {version:?} (SPDX-2.2 and SPDX-2.3 are read)"
            )));
        }
        let doc: Document =
            serde_json::from_value(value).map_err(|e| fail(format!("malformed SPDX document: {e}")))?;
        Ok(from_spdx(path_for_messages, doc))
    } else {
        Err(fail(
            "neither a CycloneDX document (bomFormat) nor an SPDX document (spdxVersion)".into(),
        ))
    }
}

/// The parts of a purl the reader needs.
struct ParsedPurl {
    kind: String,
    namespace: Option<String>,
    qualifiers: BTreeMap<String, String>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_purl(purl: &str) -> Option<ParsedPurl> {
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let (path, query) = rest.split_once('?').map_or((rest, None), |(p, q)| (p, Some(q)));
    let (kind, path) = path.split_once('/')?;
    let path = path.trim_matches('/');
    let namespace = path
        .rsplit_once('/')
        .map(|(ns, _)| ns.split('/').map(percent_decode).collect::<Vec<_>>().join("/"));
    let qualifiers = query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), percent_decode(v)))
        .collect();
    Some(ParsedPurl {
        kind: kind.to_ascii_lowercase(),
        namespace,
        qualifiers,
    })
}

fn ecosystem(kind: &str) -> Option<Ecosystem> {
    serde_json::from_value(serde_json::Value::String(kind.to_string())).ok()
}

/// The model's name for a package whose document gives `group` (CycloneDX) or only the last part of it.
fn full_name(eco: Ecosystem, group: Option<&str>, name: &str, purl: &ParsedPurl) -> String {
    let group = group.filter(|g| !g.is_empty()).map(str::to_string);
    match eco {
        Ecosystem::Maven if !name.contains(':') => match group.or_else(|| purl.namespace.clone()) {
            Some(g) => format!("{g}:{name}"),
            None => name.to_string(),
        },
        Ecosystem::Npm if !name.starts_with('@') => match group.or_else(|| purl.namespace.clone()) {
            Some(g) if g.starts_with('@') => format!("{g}/{name}"),
            Some(g) => format!("@{g}/{name}"),
            None => name.to_string(),
        },
        _ => match group {
            Some(g) => format!("{g}/{name}"),
            None => name.to_string(),
        },
    }
}

/// Facts about the image, read from properties or annotations.
#[derive(Default)]
struct ImageFacts {
    kind: Option<SourceKind>,
    manifest_digest: Option<String>,
    config_digest: Option<String>,
    tags: Vec<String>,
    platform: Option<String>,
    created: Option<String>,
    layers: Vec<LayerInfo>,
    warnings: Vec<String>,
}

impl ImageFacts {
    fn take(&mut self, name: &str, value: &str) {
        match name {
            prop::IMAGE_KIND => {
                self.kind = serde_json::from_value(serde_json::Value::String(value.into())).ok()
            }
            prop::IMAGE_MANIFEST_DIGEST => self.manifest_digest = Some(value.into()),
            prop::IMAGE_CONFIG_DIGEST | "aquasecurity:trivy:ImageID" => {
                self.config_digest = Some(value.into())
            }
            "aquasecurity:trivy:RepoDigest" => {
                if let Some((_, d)) = value.split_once('@') {
                    self.manifest_digest.get_or_insert_with(|| d.to_string());
                }
            }
            prop::IMAGE_TAG | "aquasecurity:trivy:RepoTag" => self.tags.push(value.into()),
            prop::IMAGE_PLATFORM => self.platform = Some(value.into()),
            prop::IMAGE_CREATED => self.created = Some(value.into()),
            prop::IMAGE_LAYER => self.layers.extend(parse_layer(value)),
            "aquasecurity:trivy:DiffID" => {
                let index = self.layers.len();
                self.layers.push(LayerInfo {
                    index,
                    digest: None,
                    diff_id: Some(value.into()),
                    size: None,
                    media_type: String::new(),
                })
            }
            prop::WARNING => self.warnings.push(value.into()),
            _ => {}
        }
    }

    fn into_image(
        mut self,
        name: String,
        version: Option<String>,
        purl: Option<&str>,
    ) -> (ImageInfo, Vec<String>) {
        if self.manifest_digest.is_none() {
            self.manifest_digest = version.filter(|v| v.starts_with("sha256:") || v.starts_with("sha512:"));
        }
        let kind = self.kind.unwrap_or_else(|| {
            let registry = name.starts_with("docker://")
                || purl
                    .and_then(parse_purl)
                    .is_some_and(|p| p.qualifiers.contains_key("repository_url"));
            if registry {
                SourceKind::Registry
            } else if self.manifest_digest.is_none() && self.config_digest.is_none() {
                SourceKind::Rootfs
            } else {
                SourceKind::OciLayout
            }
        });
        self.layers.sort_by_key(|l| l.index);
        let image = ImageInfo {
            name,
            kind,
            manifest_digest: self.manifest_digest,
            config_digest: self.config_digest,
            tags: self.tags,
            platform: self.platform,
            created: self.created,
            layers: self.layers,
        };
        (image, self.warnings)
    }
}

/// Parses `INDEX digest=… diff_id=… size=… media_type=…`.
fn parse_layer(value: &str) -> Option<LayerInfo> {
    let mut words = value.split_whitespace();
    let index = words.next()?.parse().ok()?;
    let mut l = LayerInfo {
        index,
        digest: None,
        diff_id: None,
        size: None,
        media_type: String::new(),
    };
    for w in words {
        match w.split_once('=') {
            Some(("digest", v)) => l.digest = Some(v.into()),
            Some(("diff_id", v)) => l.diff_id = Some(v.into()),
            Some(("size", v)) => l.size = v.parse().ok(),
            Some(("media_type", v)) => l.media_type = v.into(),
            _ => {}
        }
    }
    Some(l)
}

/// Facts about a package, read from properties or annotations.
#[derive(Default)]
struct PackageFacts {
    arch: Option<String>,
    layer: Option<usize>,
    diff_id: Option<String>,
    location: Option<String>,
    source_name: Option<String>,
    source_version: Option<String>,
    licenses: Vec<String>,
    properties: BTreeMap<String, String>,
    /// Trivy splits the source version into epoch, version and release.
    trivy_source: [Option<String>; 3],
}

impl PackageFacts {
    fn take(&mut self, name: &str, value: &str) {
        match name {
            prop::ARCH => self.arch = Some(value.into()),
            prop::LAYER_INDEX => self.layer = value.parse().ok(),
            prop::LAYER_DIFF_ID | "aquasecurity:trivy:LayerDiffID" | "syft:location:0:layerID" => {
                self.diff_id = Some(value.into())
            }
            prop::LOCATION | "aquasecurity:trivy:FilePath" | "syft:location:0:path" => {
                // Trivy records paths relative to the root.
                let path = if value.starts_with('/') {
                    value.to_string()
                } else {
                    format!("/{value}")
                };
                self.location.get_or_insert(path);
            }
            prop::SOURCE_NAME | "aquasecurity:trivy:SrcName" => {
                self.source_name.get_or_insert_with(|| value.into());
            }
            prop::SOURCE_VERSION => self.source_version = Some(value.into()),
            "aquasecurity:trivy:SrcEpoch" => self.trivy_source[0] = Some(value.into()),
            "aquasecurity:trivy:SrcVersion" => self.trivy_source[1] = Some(value.into()),
            "aquasecurity:trivy:SrcRelease" => self.trivy_source[2] = Some(value.into()),
            prop::LICENSE => self.licenses.push(value.into()),
            _ => {
                if let Some(k) = name.strip_prefix(prop::PACKAGE_PREFIX) {
                    self.properties.insert(k.into(), value.into());
                }
            }
        }
    }

    /// Builds the package; `None` when the purl names no ecosystem rensa knows.
    fn into_package(
        self,
        image: &ImageInfo,
        group: Option<&str>,
        name: &str,
        version: &str,
        purl: &str,
    ) -> Option<Package> {
        let parsed = parse_purl(purl)?;
        let eco = ecosystem(&parsed.kind)?;
        // The model's dpkg and rpm versions carry the epoch; some tools give it only in the purl.
        let version = match parsed.qualifiers.get("epoch") {
            Some(e)
                if matches!(eco, Ecosystem::Deb | Ecosystem::Rpm) && !version.contains(':') && e != "0" =>
            {
                format!("{e}:{version}")
            }
            _ => version.to_string(),
        };
        let mut p = Package::new(
            eco,
            full_name(eco, group, name, &parsed),
            version,
            self.location.unwrap_or_default(),
        );
        let source_version = self.source_version.or_else(|| {
            let [epoch, version, release] = self.trivy_source;
            let mut v = version?;
            if let Some(r) = release.filter(|r| !r.is_empty()) {
                v = format!("{v}-{r}");
            }
            match epoch.filter(|e| !e.is_empty() && e != "0") {
                Some(e) => Some(format!("{e}:{v}")),
                None => Some(v),
            }
        });
        p.purl = purl.to_string();
        p.arch = self.arch.or_else(|| parsed.qualifiers.get("arch").cloned());
        p.licenses = self.licenses;
        p.source_name = self.source_name;
        p.source_version = source_version;
        p.layer = self.layer.or_else(|| {
            let d = self.diff_id.as_deref()?;
            image
                .layers
                .iter()
                .find(|l| l.diff_id.as_deref() == Some(d))
                .map(|l| l.index)
        });
        p.properties = self.properties;
        Some(p)
    }
}

fn finish(
    image: ImageInfo,
    distro: Option<Distro>,
    mut packages: Vec<Package>,
    mut warnings: Vec<String>,
) -> Sbom {
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    packages.dedup();
    warnings.sort();
    warnings.dedup();
    Sbom {
        image,
        distro,
        packages,
        warnings,
    }
}

fn flatten<'a>(components: &'a [Component], out: &mut Vec<&'a Component>) {
    for c in components {
        out.push(c);
        flatten(&c.components, out);
    }
}

fn from_cyclonedx(path: &str, bom: Bom) -> Sbom {
    let meta = bom.metadata.unwrap_or_default();
    let mut facts = ImageFacts::default();
    for p in &meta.properties {
        facts.take(&p.name, &p.value);
    }
    let subject = meta.component.unwrap_or_default();
    for p in &subject.properties {
        facts.take(&p.name, &p.value);
    }
    let name = if subject.name.is_empty() {
        path.to_string()
    } else {
        subject.name.clone()
    };
    let (image, mut warnings) = facts.into_image(name, subject.version.clone(), subject.purl.as_deref());

    let mut all = Vec::new();
    flatten(&bom.components, &mut all);
    let mut distro = None;
    let mut packages = Vec::new();
    for c in all {
        if c.kind == "operating-system" {
            if distro.is_none() {
                distro = Some(cyclonedx_distro(c));
            }
            continue;
        }
        let mut facts = PackageFacts::default();
        for p in &c.properties {
            facts.take(&p.name, &p.value);
        }
        facts.licenses = c
            .licenses
            .iter()
            .filter_map(|l| match l {
                LicenseChoice::License { license } => license.id.clone().or_else(|| license.name.clone()),
                LicenseChoice::Expression { expression, .. } => Some(expression.clone()),
            })
            .collect();
        let supplier = c.supplier.as_ref().and_then(|s| {
            let email = s.contact.iter().find_map(|c| c.email.clone());
            match (s.name.clone(), email) {
                (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
                (Some(n), None) => Some(n),
                (None, Some(e)) => Some(format!("<{e}>")),
                (None, None) => None,
            }
        });
        let purl = c.purl.as_deref().unwrap_or("");
        let version = c.version.as_deref().unwrap_or("");
        match facts.into_package(&image, c.group.as_deref(), &c.name, version, purl) {
            Some(mut p) => {
                p.supplier = supplier;
                packages.push(p);
            }
            None => warnings.push(format!(
                "{path}: skipped component {:?}: no purl of a supported ecosystem",
                c.name
            )),
        }
    }
    finish(image, distro, packages, warnings)
}

fn cyclonedx_distro(c: &Component) -> Distro {
    let mut d = Distro {
        id: c.name.clone(),
        version_id: c.version.clone().filter(|v| !v.is_empty()),
        pretty_name: c.description.clone(),
        ..Default::default()
    };
    for p in &c.properties {
        os_fact(&mut d, &p.name, &p.value);
    }
    d
}

fn os_fact(d: &mut Distro, name: &str, value: &str) {
    match name {
        prop::OS_CODENAME => d.codename = Some(value.into()),
        prop::OS_ID_LIKE => d.id_like.push(value.into()),
        prop::OS_SOURCE => d.source = value.into(),
        _ => {}
    }
}

/// Splits an annotation comment `NAME: VALUE`.
fn annotation(comment: &str) -> Option<(&str, &str)> {
    comment.split_once(": ")
}

/// `Organization: Name (email)` → `Name <email>`.
fn spdx_actor(s: &str) -> Option<String> {
    let rest = s
        .strip_prefix("Organization:")
        .or_else(|| s.strip_prefix("Person:"))?
        .trim();
    if rest.is_empty() {
        return None;
    }
    match (rest.rfind('('), rest.ends_with(')')) {
        (Some(open), true) => {
            let name = rest[..open].trim();
            let email = rest[open + 1..rest.len() - 1].trim();
            match (name.is_empty(), email.is_empty()) {
                (false, false) => Some(format!("{name} <{email}>")),
                (false, true) => Some(name.to_string()),
                (true, false) => Some(format!("<{email}>")),
                (true, true) => None,
            }
        }
        _ => Some(rest.to_string()),
    }
}

/// The annotations of an SPDX element as property names and values; Trivy's get its CycloneDX prefix.
fn annotations(notes: &[crate::format::spdx::model::Annotation]) -> Vec<(String, String)> {
    notes
        .iter()
        .filter_map(|a| {
            let (n, v) = annotation(&a.comment)?;
            let name = if a.annotator.starts_with("Tool: trivy") && !n.contains(':') {
                format!("aquasecurity:trivy:{n}")
            } else {
                n.to_string()
            };
            Some((name, v.to_string()))
        })
        .collect()
}

fn from_spdx(path: &str, doc: Document) -> Sbom {
    let described: Vec<&str> = doc
        .relationships
        .iter()
        .filter(|r| r.spdx_element_id == "SPDXRef-DOCUMENT" && r.relationship_type == "DESCRIBES")
        .map(|r| r.related_spdx_element.as_str())
        .chain(doc.document_describes.iter().map(String::as_str))
        .collect();
    let is_container =
        |p: &crate::format::spdx::model::Package| p.primary_package_purpose.as_deref() == Some("CONTAINER");
    let subject = doc
        .packages
        .iter()
        .find(|p| is_container(p) && described.contains(&p.spdx_id.as_str()))
        .or_else(|| doc.packages.iter().find(|p| is_container(p)));

    let mut facts = ImageFacts::default();
    let (name, version, purl) = match subject {
        Some(s) => {
            for (n, v) in annotations(&s.annotations) {
                facts.take(&n, &v);
            }
            let purl = s
                .external_refs
                .iter()
                .find(|r| r.reference_type == "purl")
                .map(|r| r.reference_locator.clone());
            (s.name.clone(), s.version_info.clone(), purl)
        }
        None => (
            if doc.name.is_empty() {
                path.to_string()
            } else {
                doc.name.clone()
            },
            None,
            None,
        ),
    };
    let (image, mut warnings) = facts.into_image(name, version, purl.as_deref());

    let extracted: BTreeMap<&str, &str> = doc
        .has_extracted_licensing_infos
        .iter()
        .map(|e| {
            (
                e.license_id.as_str(),
                e.name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&e.extracted_text),
            )
        })
        .collect();
    let mut distro = None;
    let mut packages = Vec::new();
    for p in &doc.packages {
        if subject.is_some_and(|s| s.spdx_id == p.spdx_id) {
            continue;
        }
        if p.primary_package_purpose.as_deref() == Some("OPERATING-SYSTEM") {
            if distro.is_none() {
                let mut d = Distro {
                    id: p.name.clone(),
                    version_id: p.version_info.clone(),
                    pretty_name: p.description.clone(),
                    ..Default::default()
                };
                for a in &p.annotations {
                    if let Some((n, v)) = annotation(&a.comment) {
                        os_fact(&mut d, n, v);
                    }
                }
                distro = Some(d);
            }
            continue;
        }
        let mut facts = PackageFacts::default();
        for (n, v) in annotations(&p.annotations) {
            facts.take(&n, &v);
        }
        if facts.location.is_none() {
            // The file the package CONTAINS, as other tools list it.
            let file = doc
                .relationships
                .iter()
                .filter(|r| r.spdx_element_id == p.spdx_id && r.relationship_type == "CONTAINS")
                .find_map(|r| doc.files.iter().find(|f| f.spdx_id == r.related_spdx_element));
            if let Some(f) = file {
                facts.take(prop::LOCATION, f.file_name.trim_start_matches("./"));
            }
        }
        if facts.licenses.is_empty() {
            let declared = [p.license_declared.as_deref(), p.license_concluded.as_deref()]
                .into_iter()
                .flatten()
                .find(|l| !matches!(*l, "NOASSERTION" | "NONE" | ""));
            if let Some(l) = declared {
                facts.licenses.push(extracted.get(l).map_or(l, |v| v).to_string());
            }
        }
        if facts.source_name.is_none()
            && let Some(info) = p
                .source_info
                .as_deref()
                .and_then(|s| s.strip_prefix("built package from: "))
        {
            let mut words = info.splitn(2, ' ');
            facts.source_name = words.next().map(str::to_string);
            facts.source_version = words.next().map(str::to_string);
        }
        let purl = p
            .external_refs
            .iter()
            .find(|r| r.reference_type == "purl")
            .map(|r| r.reference_locator.as_str());
        let supplier = p.supplier.as_deref().and_then(spdx_actor);
        match facts.into_package(
            &image,
            None,
            &p.name,
            p.version_info.as_deref().unwrap_or(""),
            purl.unwrap_or(""),
        ) {
            Some(mut pkg) => {
                pkg.supplier = supplier;
                packages.push(pkg);
            }
            None => warnings.push(format!(
                "{path}: skipped package {:?}: no purl of a supported ecosystem",
                p.name
            )),
        }
    }
    finish(image, distro, packages, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        let p = parse_purl("pkg:npm/%40angular/core@1.0?arch=x%2B1#sub").unwrap();
        assert_eq!(p.kind, "npm");
        assert_eq!(p.namespace.as_deref(), Some("@angular"));
        assert_eq!(p.qualifiers["arch"], "x+1");
        assert!(parse_purl("npm/x").is_none());
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%é%41"), "%éA");
        assert_eq!(
            spdx_actor("Person: Jane (j@x.org)").as_deref(),
            Some("Jane <j@x.org>")
        );
        assert_eq!(spdx_actor("NOASSERTION"), None);
    }

    #[test]
    fn lenient_where_tools_differ() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"tools":[{"name":"x"}],
            "component":{"type":"container","name":"img","properties":[{"name":"p","value":null}]}},
            "components":[{"type":"library","name":"core","group":"@babel","version":"7.0.0",
            "purl":"pkg:npm/%40babel/core@7.0.0","components":[{"type":"library","name":"x","purl":"pkg:generic/x"}]}]}"#;
        let sbom = read_sbom("a.json", doc).unwrap();
        assert_eq!(sbom.packages.len(), 1);
        assert_eq!(sbom.packages[0].name, "@babel/core");
        assert_eq!(
            sbom.warnings,
            ["a.json: skipped component \"x\": no purl of a supported ecosystem"]
        );
    }

    #[test]
    fn bad_input_names_the_file() {
        for (data, want) in [
            (&b"{"[..], "not a JSON document"),
            (b"[]", "not a JSON object"),
            (b"{\"a\":1}", "neither"),
            (
                b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":3}",
                "malformed CycloneDX",
            ),
            (b"{\"spdxVersion\":\"SPDX-3.0\"}", "unsupported spdxVersion"),
        ] {
            let err = read_sbom("x.json", data).unwrap_err().to_string();
            assert!(err.starts_with("x.json: ") && err.contains(want), "{err}");
        }
    }
}
