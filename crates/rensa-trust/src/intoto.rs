//! in-toto Statement v1, the payload of an attestation (`cosign attest`, `rensa attest`).
//!
//! ```text
//! {"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"REPO","digest":{"sha256":"HEX"}}],
//!  "predicateType":"https://slsa.dev/provenance/v1","predicate":{...}}
//! ```
//! It travels in a DSSE envelope with payload type [`PAYLOAD_TYPE`].
//!
//! [`layout`] verifies classic in-toto 1.x supply chains: layouts and link metadata as the
//! reference tools (`in-toto-run`, `in-toto-verify`) write them.

pub mod layout;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dsse::Envelope;
use crate::error::{Error, Result};
use crate::key::{PrivateKey, PublicKey};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE_V1: &str = "https://in-toto.io/Statement/v1";
/// DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// One artifact the statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The artifact's name (for an image, the repository).
    #[serde(default)]
    pub name: String,
    /// Digests by algorithm name, lower-case hex (`{"sha256": "..."}`).
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// A subject named `name` with SHA-256 digest `sha256_hex` (64 lower-case hex digits, no
    /// `sha256:` prefix).
    pub fn sha256(name: impl Into<String>, sha256_hex: impl Into<String>) -> Self {
        Subject {
            name: name.into(),
            digest: BTreeMap::from([("sha256".to_owned(), sha256_hex.into())]),
        }
    }
}

/// An in-toto Statement v1.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The artifacts the statement is about (at least one).
    pub subject: Vec<Subject>,
    /// URI naming the predicate's schema.
    pub predicate_type: String,
    /// The predicate, kept as JSON.
    pub predicate: Value,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "_type")]
    kind: String,
    subject: Vec<Subject>,
    predicate_type: String,
    #[serde(default)]
    predicate: Value,
}

/// `value` with every object's keys in sorted order: the signed bytes must not depend on whether
/// serde_json was built with `preserve_order` (another crate of the workspace turns it on).
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Statement {
    /// Checks the rules of the specification that a consumer relies on: at least one subject,
    /// every subject with at least one digest in lower-case hex (64 digits for sha256), a
    /// non-empty predicate type.
    pub fn validate(&self) -> Result<()> {
        if self.subject.is_empty() {
            return Err(Error::StatementInvalid("no subject".to_owned()));
        }
        for (i, s) in self.subject.iter().enumerate() {
            if s.digest.is_empty() {
                return Err(Error::StatementInvalid(format!("subject[{i}] has no digest")));
            }
            for (alg, value) in &s.digest {
                let ok = is_lower_hex(value) && (alg != "sha256" || value.len() == 64);
                if !ok {
                    return Err(Error::StatementInvalid(format!(
                        "subject[{i}] digest {alg} `{value}` is not lower-case hex of the right length"
                    )));
                }
            }
        }
        if self.predicate_type.is_empty() {
            return Err(Error::StatementInvalid("empty predicateType".to_owned()));
        }
        Ok(())
    }

    /// The statement JSON (`_type`, `subject`, `predicateType`, `predicate`).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            kind: STATEMENT_TYPE_V1.to_owned(),
            subject: self.subject.clone(),
            predicate_type: self.predicate_type.clone(),
            predicate: sorted_keys(&self.predicate),
        };
        serde_json::to_vec(&wire).expect("serializing plain JSON values cannot fail")
    }

    /// Parses and validates statement JSON; unknown fields are ignored as the specification asks.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let wire: Wire = serde_json::from_slice(bytes).map_err(Error::StatementJson)?;
        if wire.kind != STATEMENT_TYPE_V1 {
            return Err(Error::StatementType(wire.kind));
        }
        let statement = Statement {
            subject: wire.subject,
            predicate_type: wire.predicate_type,
            predicate: wire.predicate,
        };
        statement.validate()?;
        Ok(statement)
    }

    /// Validates the statement and signs it into a DSSE envelope of type [`PAYLOAD_TYPE`].
    pub fn sign(&self, key: &PrivateKey, keyid: &str) -> Result<Envelope> {
        self.validate()?;
        Envelope::sign(PAYLOAD_TYPE, self.to_json(), key, keyid)
    }

    /// Verifies `envelope` with `key` (payload type must be [`PAYLOAD_TYPE`]) and parses the
    /// statement it carries.
    pub fn verify(envelope: &Envelope, key: &PublicKey) -> Result<Self> {
        let verified = envelope.verify(key, PAYLOAD_TYPE)?;
        Self::from_json(verified.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeySpec;

    const HEX: &str = "a647a7dbdfb41b0d8e4f658bbc900a35e4eaed2e137c8700b8c14540ee423310";

    fn statement() -> Statement {
        Statement {
            subject: vec![Subject::sha256("127.0.0.1:5000/demo/tiny", HEX)],
            predicate_type: "https://example.com/scan/v1".to_owned(),
            predicate: serde_json::json!({"result": "pass", "critical": 0}),
        }
    }

    #[test]
    fn json_layout_and_round_trip() {
        let s = statement();
        let json = String::from_utf8(s.to_json()).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"127.0.0.1:5000/demo/tiny","digest":{{"sha256":"{HEX}"}}}}],"predicateType":"https://example.com/scan/v1","predicate":{{"critical":0,"result":"pass"}}}}"#
            )
        );
        assert_eq!(Statement::from_json(json.as_bytes()).unwrap(), s);
    }

    #[test]
    fn invalid_statements_are_refused() {
        let json = String::from_utf8(statement().to_json()).unwrap();
        let v01 = json.replace("Statement/v1", "Statement/v0.1");
        assert!(matches!(
            Statement::from_json(v01.as_bytes()),
            Err(Error::StatementType(_))
        ));
        let short = json.replace(HEX, "a647");
        assert!(matches!(
            Statement::from_json(short.as_bytes()),
            Err(Error::StatementInvalid(_))
        ));
        let mut none = statement();
        none.subject.clear();
        assert!(matches!(none.validate(), Err(Error::StatementInvalid(_))));
        assert!(matches!(
            Statement::from_json(b"[]"),
            Err(Error::StatementJson(_))
        ));
    }

    #[test]
    fn attest_and_verify() {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let env = statement().sign(&key, "").unwrap();
        assert_eq!(env.payload_type, PAYLOAD_TYPE);
        let parsed = Envelope::from_json(&env.to_json()).unwrap();
        assert_eq!(
            Statement::verify(&parsed, &key.public_key()).unwrap(),
            statement()
        );
    }
}
