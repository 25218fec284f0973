//! The part of the CycloneDX JSON document model rensa writes and reads. Field order is the output order;
//! unknown fields are ignored on input so documents from other tools read too.

use serde::{Deserialize, Serialize};

/// A CycloneDX BOM.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// The JSON schema.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Always `CycloneDX`.
    pub bom_format: String,
    /// `1.6` when written.
    pub spec_version: String,
    /// `urn:uuid:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The BOM version.
    #[serde(default = "one")]
    pub version: u32,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Dependency graph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
}

fn one() -> u32 {
    1
}

/// BOM metadata.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The tools that made the BOM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Tools>,
    /// What the BOM describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Component>,
    /// Further facts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `metadata.tools`: components since 1.5, a plain array before.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Tools {
    /// The 1.5+ form.
    Components {
        /// The tools as components.
        #[serde(default)]
        components: Vec<Component>,
    },
    /// The legacy form (read only).
    Legacy(Vec<serde_json::Value>),
}

/// A component.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Component {
    /// `library`, `application`, `container`, `operating-system`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The reference dependencies point at.
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// The supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Organization>,
    /// Group (Maven group, npm scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Name.
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Licences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Further facts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// Nested components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// An organization (the supplier).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Organization {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<Contact>,
}

/// A contact person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Contact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One entry of `licenses`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    /// A licence by id or name.
    License {
        /// The licence.
        license: License,
    },
    /// An SPDX expression.
    Expression {
        /// The expression.
        expression: String,
        /// `declared` or `concluded`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acknowledgement: Option<String>,
    },
}

/// A licence by SPDX id or by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct License {
    /// SPDX licence id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, when it is no SPDX id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `declared` or `concluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<String>,
}

/// A name/value property.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Property {
    /// Name (`rensa:…`).
    pub name: String,
    /// Value.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub value: String,
}

/// Reads `null` (which some tools write) as an empty string.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d).map(Option::unwrap_or_default)
}

/// One node of the dependency graph.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The `bom-ref` of the dependent.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The `bom-ref`s it depends on.
    #[serde(default)]
    pub depends_on: Vec<String>,
}
