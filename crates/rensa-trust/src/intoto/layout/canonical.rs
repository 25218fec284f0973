//! The canonical JSON that in-toto 1.x (through securesystemslib) signs.
//!
//! The rules (securesystemslib `formats.encode_canonical`, after the OLPC canonical JSON draft):
//! object members sorted by key (code point order, which is also UTF-8 byte order), no
//! whitespace, integers only (a float is an error), `true`/`false`/`null` as themselves, and
//! strings in double quotes where only `"` and `\` are escaped (with a backslash): every other
//! character, control characters and non-ASCII included, is written as its raw UTF-8 bytes.

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCanonical {
    /// JSON-pointer-like location of the offending value (`/signed/steps/0/threshold`).
    pub path: String,
}

impl std::fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the number at {} is not an integer, and canonical JSON has no floats",
            if self.path.is_empty() { "/" } else { &self.path }
        )
    }
}

/// Encodes `value` as securesystemslib canonical JSON.
pub fn encode(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::new();
    let mut path = String::new();
    write(value, &mut out, &mut path)?;
    Ok(out)
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s.as_bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

fn write(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(NotCanonical { path: path.clone() });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("/{i}"));
                write(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                let len = path.len();
                path.push('/');
                path.push_str(key);
                write(item, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: Value) -> String {
        String::from_utf8(encode(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorted_compact_and_minimally_escaped() {
        assert_eq!(
            enc(json!({"b": [1, -2, true, null], "a": {"z": "x\"y\\z", "é": "\n\u{1}ü"}, "B": false})),
            "{\"B\":false,\"a\":{\"z\":\"x\\\"y\\\\z\",\"é\":\"\n\u{1}ü\"},\"b\":[1,-2,true,null]}"
        );
        assert_eq!(enc(json!({})), "{}");
        assert_eq!(enc(json!([])), "[]");
        assert_eq!(enc(json!(u64::MAX)), u64::MAX.to_string());
    }

    /// Keys sort by code point, as Python's `sorted` does on `str`: U+FF21 after U+00E9 after `z`.
    #[test]
    fn keys_sort_by_code_point() {
        assert_eq!(
            enc(json!({"\u{ff21}": 1, "z": 2, "\u{e9}": 3, "Z": 4})),
            "{\"Z\":4,\"z\":2,\"\u{e9}\":3,\"\u{ff21}\":1}"
        );
    }

    #[test]
    fn floats_have_no_canonical_form() {
        let err = encode(&json!({"a": [{"b": 1.5}]})).unwrap_err();
        assert_eq!(err.path, "/a/0/b");
        assert!(err.to_string().contains("/a/0/b"));
    }
}
