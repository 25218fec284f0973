//! CycloneDX 1.6 JSON.
//!
//! The image is `metadata.component` (type `container`), the distribution a component of type
//! `operating-system`, and every package a `library` with its purl, licences and supplier. What CycloneDX
//! has no field for goes into properties in the `rensa:` namespace ([`prop`]), which
//! [`crate::format::read`] reads back. The serial number and every `bom-ref` are derived from the content,
//! so the same SBOM always gives the same bytes.

pub(crate) mod ident;
pub mod model;

use std::io::Write;

use crate::format::WriteOptions;
use crate::format::spdx::license::{self, CdxLicense};
use crate::package::{Ecosystem, Package};
use crate::purl::Purl;
use crate::sbom::{ImageInfo, Sbom};

use ident::Unique;
use model::{
    Bom, Component, Contact, Dependency, License, LicenseChoice, Metadata, Organization, Property, Tools,
};

/// Names of the `rensa:` properties (CycloneDX) and annotations (SPDX).
pub mod prop {
    /// Index of the layer that last put the package's record there (base layer: 0).
    pub const LAYER_INDEX: &str = "rensa:layer:index";
    /// Diff ID of that layer.
    pub const LAYER_DIFF_ID: &str = "rensa:layer:diff_id";
    /// The file the package was read from.
    pub const LOCATION: &str = "rensa:location";
    /// The package's architecture.
    pub const ARCH: &str = "rensa:arch";
    /// The source package's name.
    pub const SOURCE_NAME: &str = "rensa:source:name";
    /// The source package's version.
    pub const SOURCE_VERSION: &str = "rensa:source:version";
    /// A licence string as recorded (SPDX only, where the declared expression had to be normalized).
    pub const LICENSE: &str = "rensa:license";
    /// Prefix of the package's further facts (`rensa:package:checksum`, …).
    pub const PACKAGE_PREFIX: &str = "rensa:package:";
    /// The kind of image source (`oci-layout`, `registry`, …).
    pub const IMAGE_KIND: &str = "rensa:image:kind";
    /// The image's manifest digest.
    pub const IMAGE_MANIFEST_DIGEST: &str = "rensa:image:manifest_digest";
    /// The image's config digest (image ID).
    pub const IMAGE_CONFIG_DIGEST: &str = "rensa:image:config_digest";
    /// A tag of the image (repeated).
    pub const IMAGE_TAG: &str = "rensa:image:tag";
    /// `os/architecture[/variant]`.
    pub const IMAGE_PLATFORM: &str = "rensa:image:platform";
    /// Creation time from the image config.
    pub const IMAGE_CREATED: &str = "rensa:image:created";
    /// One layer (repeated): `INDEX digest=… diff_id=… size=… media_type=…`.
    pub const IMAGE_LAYER: &str = "rensa:image:layer";
    /// The distribution's codename.
    pub const OS_CODENAME: &str = "rensa:os:codename";
    /// A distribution the image's is like (repeated).
    pub const OS_ID_LIKE: &str = "rensa:os:id_like";
    /// The file the distribution was read from.
    pub const OS_SOURCE: &str = "rensa:os:source";
    /// A warning from cataloguing (repeated).
    pub const WARNING: &str = "rensa:warning";
}

/// Writes a CycloneDX 1.6 JSON document (pretty, with a trailing newline).
pub fn write(sbom: &Sbom, options: &WriteOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let bom = to_bom(sbom, options);
    serde_json::to_writer_pretty(&mut *out, &bom)?;
    out.write_all(b"\n")
}

/// Builds the CycloneDX document for `sbom`.
pub fn to_bom(sbom: &Sbom, options: &WriteOptions) -> Bom {
    let mut unique = Unique::default();
    let image = image_component(&sbom.image, &mut unique);
    let image_ref = image.bom_ref.clone().unwrap_or_default();

    let os = sbom.distro.as_ref().map(|d| {
        let mut props = Vec::new();
        push(&mut props, prop::OS_CODENAME, d.codename.as_deref());
        for l in &d.id_like {
            push(&mut props, prop::OS_ID_LIKE, Some(l));
        }
        push(&mut props, prop::OS_SOURCE, Some(&d.source));
        let version = d.version_id.clone();
        Component {
            kind: "operating-system".into(),
            bom_ref: Some(unique.claim(format!("os:{}@{}", d.id, version.as_deref().unwrap_or("")))),
            name: d.id.clone(),
            version,
            description: d.pretty_name.clone(),
            properties: props,
            ..Default::default()
        }
    });

    let mut packages: Vec<&Package> = sbom.packages.iter().collect();
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let components: Vec<Component> = packages
        .iter()
        .map(|p| package_component(p, &sbom.image, &mut unique))
        .collect();

    let mut dependencies = Vec::new();
    let mut image_deps: Vec<String> = Vec::new();
    let mut os_deps: Vec<String> = Vec::new();
    for (p, c) in packages.iter().zip(&components) {
        let r = c.bom_ref.clone().unwrap_or_default();
        if p.ecosystem.is_os() && os.is_some() {
            os_deps.push(r);
        } else {
            image_deps.push(r);
        }
    }
    if let Some(os) = &os {
        image_deps.push(os.bom_ref.clone().unwrap_or_default());
    }
    image_deps.sort();
    os_deps.sort();
    dependencies.push(Dependency {
        reference: image_ref,
        depends_on: image_deps,
    });
    if let Some(os) = &os {
        dependencies.push(Dependency {
            reference: os.bom_ref.clone().unwrap_or_default(),
            depends_on: os_deps,
        });
    }
    for c in &components {
        dependencies.push(Dependency {
            reference: c.bom_ref.clone().unwrap_or_default(),
            depends_on: vec![],
        });
    }

    let mut all = Vec::with_capacity(components.len() + 1);
    all.extend(os);
    all.extend(components);

    let tool = Component {
        kind: "application".into(),
        name: "rensa".into(),
        version: Some(options.tool_version.clone()),
        ..Default::default()
    };
    let mut meta_props = Vec::new();
    for w in &sbom.warnings {
        push(&mut meta_props, prop::WARNING, Some(w));
    }
    Bom {
        schema: Some("http://cyclonedx.org/schema/bom-1.6.schema.json".into()),
        bom_format: "CycloneDX".into(),
        spec_version: "1.6".into(),
        serial_number: Some(format!(
            "urn:uuid:{}",
            ident::content_uuid("rensa-cyclonedx", sbom)
        )),
        version: 1,
        metadata: Some(Metadata {
            timestamp: Some(options.timestamp.clone()),
            tools: Some(Tools::Components {
                components: vec![tool],
            }),
            component: Some(image),
            properties: meta_props,
        }),
        components: all,
        dependencies,
    }
}

fn push(props: &mut Vec<Property>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        props.push(Property {
            name: name.to_string(),
            value: v.to_string(),
        });
    }
}

/// The image as the BOM's subject.
fn image_component(image: &ImageInfo, unique: &mut Unique) -> Component {
    let mut props = Vec::new();
    let kind = serde_json::to_value(image.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string));
    push(&mut props, prop::IMAGE_KIND, kind.as_deref());
    push(
        &mut props,
        prop::IMAGE_MANIFEST_DIGEST,
        image.manifest_digest.as_deref(),
    );
    push(
        &mut props,
        prop::IMAGE_CONFIG_DIGEST,
        image.config_digest.as_deref(),
    );
    for t in &image.tags {
        push(&mut props, prop::IMAGE_TAG, Some(t));
    }
    push(&mut props, prop::IMAGE_PLATFORM, image.platform.as_deref());
    push(&mut props, prop::IMAGE_CREATED, image.created.as_deref());
    for l in &image.layers {
        push(&mut props, prop::IMAGE_LAYER, Some(&layer_value(l)));
    }
    let purl = image_purl(image);
    let bom_ref = unique.claim(purl.clone().unwrap_or_else(|| format!("image:{}", image.name)));
    Component {
        kind: "container".into(),
        bom_ref: Some(bom_ref),
        name: image.name.clone(),
        version: image
            .manifest_digest
            .clone()
            .or_else(|| image.config_digest.clone()),
        purl,
        properties: props,
        ..Default::default()
    }
}

/// A layer as one property value: `INDEX digest=… diff_id=… size=… media_type=…` (absent facts left out).
pub(crate) fn layer_value(l: &crate::sbom::LayerInfo) -> String {
    let mut s = l.index.to_string();
    if let Some(d) = &l.digest {
        s.push_str(&format!(" digest={d}"));
    }
    if let Some(d) = &l.diff_id {
        s.push_str(&format!(" diff_id={d}"));
    }
    if let Some(n) = l.size {
        s.push_str(&format!(" size={n}"));
    }
    if !l.media_type.is_empty() {
        s.push_str(&format!(" media_type={}", l.media_type));
    }
    s
}

/// The repository (`host/path/name` or a bare name) and tag the image is known by, if any.
fn image_repository(image: &ImageInfo) -> Option<(String, Option<String>)> {
    use rensa_oci::SourceKind;
    let split_tag = |r: &str| -> (String, Option<String>) {
        let r = r.split('@').next().unwrap_or(r);
        let last = r.rsplit('/').next().unwrap_or(r);
        match last.rfind(':') {
            Some(i) => (
                r[..r.len() - last.len() + i].to_string(),
                Some(last[i + 1..].to_string()),
            ),
            None => (r.to_string(), None),
        }
    };
    match image.kind {
        SourceKind::Registry => {
            let r = image.name.strip_prefix("docker://").unwrap_or(&image.name);
            Some(split_tag(r))
        }
        SourceKind::DockerArchive if !image.tags.is_empty() => Some(split_tag(&image.tags[0])),
        SourceKind::Rootfs => None,
        _ => {
            // `oci:PATH[:TAG]`, `oci-archive:PATH`, a bare path: the directory or file name.
            let r = image
                .name
                .split_once(':')
                .filter(|(t, _)| !t.contains('/'))
                .map_or(&*image.name, |(_, r)| r);
            let (path, tag) = split_tag(r);
            let base = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            let base = base.strip_suffix(".tar").unwrap_or(&base).to_string();
            Some((base, tag.or_else(|| image.tags.first().cloned())))
        }
    }
}

/// The `pkg:oci` purl of the image, when it has a manifest digest and a name.
pub(crate) fn image_purl(image: &ImageInfo) -> Option<String> {
    let digest = image.manifest_digest.as_deref()?;
    let (repo, tag) = image_repository(image)?;
    let name = repo.rsplit('/').next().unwrap_or(&repo).to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let mut p = Purl::new("oci", &name).version(digest);
    if repo.contains('/') {
        p = p.qualifier("repository_url", repo.as_str());
    }
    if let Some(arch) = image.platform.as_deref().and_then(|p| p.split('/').nth(1)) {
        p = p.qualifier("arch", arch);
    }
    if let Some(t) = tag {
        p = p.qualifier("tag", t);
    }
    Some(p.to_string())
}

/// Splits `Name <email>` into its parts.
pub(crate) fn split_contact(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    if let (Some(open), true) = (s.rfind('<'), s.ends_with('>')) {
        let email = s[open + 1..s.len() - 1].trim();
        let name = s[..open].trim();
        let plausible = email.matches('@').count() == 1
            && !email.starts_with('@')
            && !email.ends_with('@')
            && !email.chars().any(|c| c.is_whitespace() || "<>()".contains(c));
        if plausible {
            return (name.to_string(), Some(email.to_string()));
        }
    }
    (s.to_string(), None)
}

/// `(group, name)` following CycloneDX conventions: the Maven group and the npm scope are the group.
pub(crate) fn group_and_name(p: &Package) -> (Option<String>, String) {
    let split = match p.ecosystem {
        Ecosystem::Maven => p
            .name
            .split_once(':')
            .map(|(g, n)| (g.to_string(), n.to_string())),
        Ecosystem::Npm if p.name.starts_with('@') => p
            .name
            .split_once('/')
            .map(|(g, n)| (g.to_string(), n.to_string())),
        _ => None,
    };
    match split {
        Some((g, n)) if !g.is_empty() && !n.is_empty() => (Some(g), n),
        _ => (None, p.name.clone()),
    }
}

/// The CycloneDX licences of a package. An expression can only stand alone, so with several licences
/// compound expressions are given as names (the string kept verbatim either way).
fn licenses(p: &Package) -> Vec<LicenseChoice> {
    let classes: Vec<CdxLicense> = p
        .licenses
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(license::cyclonedx)
        .collect();
    let declared = || Some("declared".to_string());
    if let [CdxLicense::Expression(e)] = classes.as_slice() {
        return vec![LicenseChoice::Expression {
            expression: e.clone(),
            acknowledgement: declared(),
        }];
    }
    classes
        .into_iter()
        .map(|c| {
            let license = match c {
                CdxLicense::Id(id) => License {
                    id: Some(id),
                    name: None,
                    acknowledgement: declared(),
                },
                CdxLicense::Expression(s) | CdxLicense::Name(s) => License {
                    id: None,
                    name: Some(s),
                    acknowledgement: declared(),
                },
            };
            LicenseChoice::License { license }
        })
        .collect()
}

/// `bom-ref` of a package: its purl with a `package-id` qualifier hashed from what identifies it.
fn package_ref(p: &Package) -> String {
    let id = hex::encode(&ident::package_key(p)[..8]);
    if p.purl.is_empty() {
        format!("rensa:package:{id}")
    } else if p.purl.contains('?') {
        let (base, sub) = p
            .purl
            .split_once('#')
            .map_or((&*p.purl, None), |(b, s)| (b, Some(s)));
        format!(
            "{base}&package-id={id}{}",
            sub.map(|s| format!("#{s}")).unwrap_or_default()
        )
    } else {
        let (base, sub) = p
            .purl
            .split_once('#')
            .map_or((&*p.purl, None), |(b, s)| (b, Some(s)));
        format!(
            "{base}?package-id={id}{}",
            sub.map(|s| format!("#{s}")).unwrap_or_default()
        )
    }
}

fn package_component(p: &Package, image: &ImageInfo, unique: &mut Unique) -> Component {
    let (group, name) = group_and_name(p);
    let supplier = p.supplier.as_deref().filter(|s| !s.trim().is_empty()).map(|s| {
        let (name, email) = split_contact(s);
        Organization {
            name: (!name.is_empty()).then_some(name),
            contact: email
                .map(|e| {
                    vec![Contact {
                        name: None,
                        email: Some(e),
                    }]
                })
                .unwrap_or_default(),
        }
    });
    let mut props = Vec::new();
    push(&mut props, prop::ARCH, p.arch.as_deref());
    if let Some(l) = p.layer {
        push(&mut props, prop::LAYER_INDEX, Some(&l.to_string()));
        push(&mut props, prop::LAYER_DIFF_ID, image.diff_id(l));
    }
    push(
        &mut props,
        prop::LOCATION,
        Some(&p.location).filter(|l| !l.is_empty()).map(String::as_str),
    );
    push(&mut props, prop::SOURCE_NAME, p.source_name.as_deref());
    push(&mut props, prop::SOURCE_VERSION, p.source_version.as_deref());
    for (k, v) in &p.properties {
        push(&mut props, &format!("{}{k}", prop::PACKAGE_PREFIX), Some(v));
    }
    Component {
        kind: "library".into(),
        bom_ref: Some(unique.claim(package_ref(p))),
        supplier,
        group,
        name,
        version: Some(p.version.clone()).filter(|v| !v.is_empty()),
        licenses: licenses(p),
        purl: Some(p.purl.clone()).filter(|v| !v.is_empty()),
        properties: props,
        ..Default::default()
    }
}
