//! The part of the SPDX 2.3 JSON document model rensa writes and reads. Field order is the output order;
//! unknown fields are ignored on input.

use serde::{Deserialize, Serialize};

/// An SPDX document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// `SPDX-2.3`.
    pub spdx_version: String,
    /// `CC0-1.0`.
    pub data_license: String,
    /// `SPDXRef-DOCUMENT`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: String,
    /// The document name.
    pub name: String,
    /// A unique URI.
    pub document_namespace: String,
    /// Who made the document, when.
    pub creation_info: CreationInfo,
    /// What the document describes (older documents; rensa writes a `DESCRIBES` relationship).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub document_describes: Vec<String>,
    /// Packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    /// Files (rensa writes none; other tools list the files packages were read from).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
    /// Relationships.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// Licences referred to as `LicenseRef-…`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub has_extracted_licensing_infos: Vec<ExtractedLicense>,
}

/// `creationInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationInfo {
    /// `YYYY-MM-DDThh:mm:ssZ`.
    pub created: String,
    /// `Tool: rensa-VERSION`.
    #[serde(default)]
    pub creators: Vec<String>,
    /// The SPDX licence list version the expressions refer to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_list_version: Option<String>,
}

/// A package.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// `SPDXRef-…`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: String,
    /// Name.
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_info: Option<String>,
    /// `Organization: …`, `Person: …` or `NOASSERTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// `NOASSERTION` here.
    #[serde(default)]
    pub download_location: String,
    /// `false`: rensa lists no files.
    #[serde(default)]
    pub files_analyzed: bool,
    /// Where the package came from (its source package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_info: Option<String>,
    /// `NOASSERTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_concluded: Option<String>,
    /// The declared licence expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_declared: Option<String>,
    /// `NOASSERTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_text: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// External references (the purl).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<ExternalRef>,
    /// `CONTAINER`, `OPERATING-SYSTEM`, `LIBRARY`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_package_purpose: Option<String>,
    /// Facts without an SPDX field (`rensa:…: value`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// An external reference.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalRef {
    /// `PACKAGE-MANAGER`.
    pub reference_category: String,
    /// `purl`.
    pub reference_type: String,
    /// The purl.
    pub reference_locator: String,
}

/// An annotation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    /// When.
    pub annotation_date: String,
    /// `OTHER`.
    pub annotation_type: String,
    /// `Tool: rensa-VERSION`.
    pub annotator: String,
    /// `NAME: VALUE`.
    #[serde(default)]
    pub comment: String,
}

/// A file (read only).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    /// `SPDXRef-…`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: String,
    /// The path.
    #[serde(default)]
    pub file_name: String,
}

/// A relationship.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// From.
    pub spdx_element_id: String,
    /// `DESCRIBES`, `CONTAINS`, …
    pub relationship_type: String,
    /// To.
    pub related_spdx_element: String,
}

/// A licence defined in the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractedLicense {
    /// `LicenseRef-…`.
    pub license_id: String,
    /// The licence text as recorded.
    #[serde(default)]
    pub extracted_text: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
