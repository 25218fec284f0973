//! Pretty JSON with every object's keys sorted, written straight from `Serialize` values.
//!
//! The reports promise the same bytes for the same input whether or not serde_json keeps insertion
//! order (yara-x turns its `preserve_order` feature on), so objects are written with sorted keys. Going
//! through a `serde_json::Value` tree for that costs an allocation per key, string and object and was a
//! third of a 2,000-package scan; this serializer instead writes each object's members into one buffer,
//! sorts their positions by key and copies them out. Layout and escaping are serde_json's pretty printer's
//! (two-space indent, `"key": value`, `[]`/`{}` when empty); scalars are formatted by serde_json itself.

use std::borrow::Cow;

use serde::ser::{self, Serialize};
use serde_json::Error;

/// `value` as pretty JSON with sorted keys and a trailing newline.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(64 * 1024);
    value.serialize(Pretty {
        out: &mut out,
        depth: 0,
    })?;
    out.push(b'\n');
    Ok(out)
}

fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * depth, b' ');
}

/// Writes `key` as a JSON string: directly when nothing in it needs escaping (field names), else by
/// serde_json.
fn write_key(out: &mut Vec<u8>, key: &str) -> Result<(), Error> {
    if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, key)
    }
}

/// Writes one value at indentation `depth` (the depth of the line it starts on).
struct Pretty<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
}

impl<'a> Pretty<'a> {
    fn scalar<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, v)
    }

    fn object(self) -> Object<'a> {
        Object {
            out: self.out,
            depth: self.depth,
            members: Vec::new(),
            entries: Vec::new(),
            key: None,
        }
    }

    fn array(self) -> Array<'a> {
        Array {
            out: self.out,
            depth: self.depth,
            empty: true,
        }
    }

    /// `{"variant": …}` for the enum forms that carry data: the wrapper is one member, so it is
    /// written directly.
    fn variant_open(&mut self, variant: &str) -> Result<(), Error> {
        self.out.push(b'{');
        newline(self.out, self.depth + 1);
        serde_json::to_writer(&mut *self.out, variant)?;
        self.out.extend_from_slice(b": ");
        Ok(())
    }

    fn variant_close(out: &mut Vec<u8>, depth: usize) {
        newline(out, depth);
        out.push(b'}');
    }
}

impl<'a> ser::Serializer for Pretty<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Variant<Array<'a>>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Variant<Object<'a>>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.scalar(&v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.scalar(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant_open(variant)?;
        let depth = self.depth;
        value.serialize(Pretty {
            out: &mut *self.out,
            depth: depth + 1,
        })?;
        Pretty::variant_close(self.out, depth);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        self.out.push(b'[');
        Ok(self.array())
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Variant<Array<'a>>, Error> {
        self.variant_open(variant)?;
        self.depth += 1;
        let outer = self.depth - 1;
        self.out.push(b'[');
        Ok(Variant {
            inner: self.array(),
            outer,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(self.object())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'a>, Error> {
        Ok(self.object())
    }
    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Variant<Object<'a>>, Error> {
        self.variant_open(variant)?;
        self.depth += 1;
        let outer = self.depth - 1;
        Ok(Variant {
            inner: self.object(),
            outer,
        })
    }
}

/// An array being written: elements go straight to the output.
struct Array<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    empty: bool,
}

impl<'a> Array<'a> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        newline(self.out, self.depth + 1);
        value.serialize(Pretty {
            out: &mut *self.out,
            depth: self.depth + 1,
        })
    }

    fn finish(self) -> &'a mut Vec<u8> {
        if !self.empty {
            newline(self.out, self.depth);
        }
        self.out.push(b']');
        self.out
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

/// An object being written: each member's value is written into `members` at the object's member
/// depth, and the members are copied to the output in key order at the end.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    members: Vec<u8>,
    /// (key, start, end) of each member's value in `members`.
    entries: Vec<(Cow<'static, str>, usize, usize)>,
    /// The key of a map entry whose value comes next.
    key: Option<String>,
}

impl<'a> Object<'a> {
    fn member<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Result<(), Error> {
        let start = self.members.len();
        value.serialize(Pretty {
            out: &mut self.members,
            depth: self.depth + 1,
        })?;
        self.entries.push((key, start, self.members.len()));
        Ok(())
    }

    fn finish(mut self) -> Result<&'a mut Vec<u8>, Error> {
        if self.entries.is_empty() {
            self.out.extend_from_slice(b"{}");
            return Ok(self.out);
        }
        // Stable, so a repeated key keeps its order (as serde_json writes duplicates of a struct).
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.out.reserve(self.members.len() + 16 * self.entries.len());
        self.out.push(b'{');
        for (i, (key, start, end)) in self.entries.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            newline(self.out, self.depth + 1);
            write_key(self.out, key)?;
            self.out.extend_from_slice(b": ");
            self.out.extend_from_slice(&self.members[*start..*end]);
        }
        newline(self.out, self.depth);
        self.out.push(b'}');
        Ok(self.out)
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // serde_json's own rules for map keys: strings, and numbers, chars and bools as strings.
        let text = serde_json::to_value(key)?;
        self.key = Some(match text {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return Err(ser::Error::custom("key must be a string")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("map value without a key"))?;
        self.member(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish().map(|_| ())
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish().map(|_| ())
    }
}

/// The inner array or object of `{"variant": …}`, closed with the wrapper.
struct Variant<T> {
    inner: T,
    /// The depth of the wrapper object.
    outer: usize,
}

impl ser::SerializeTupleVariant for Variant<Array<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.element(value)
    }
    fn end(self) -> Result<(), Error> {
        let Variant { inner, outer } = self;
        Pretty::variant_close(inner.finish(), outer);
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.inner.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        let Variant { inner, outer } = self;
        Pretty::variant_close(inner.finish()?, outer);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Serialize;

    /// Every shape serde has, nested; no f32 (a `Value` widens it to f64 digits).
    #[derive(Serialize)]
    #[allow(dead_code)]
    enum E {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { z: bool, a: Option<f64> },
    }

    #[derive(Serialize)]
    struct Inner {
        zeta: Vec<E>,
        alpha: (u8, char),
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        flat: BTreeMap<String, i64>,
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Doc {
        z: Vec<Inner>,
        m: HashMap<u32, &'static str>,
        empty_vec: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        unit: Unit,
        nested: Vec<Vec<u8>>,
        text: &'static str,
        big: u64,
        neg: i64,
        value: serde_json::Value,
        #[serde(with = "serde_bytes_as_seq")]
        bytes: Vec<u8>,
    }

    mod serde_bytes_as_seq {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    fn doc() -> Doc {
        Doc {
            z: vec![
                Inner {
                    zeta: vec![
                        E::Unit,
                        E::Newtype(7),
                        E::Tuple(-1, "t".into()),
                        E::Struct {
                            z: true,
                            a: Some(1.5),
                        },
                        E::Struct { z: false, a: None },
                    ],
                    alpha: (1, 'é'),
                    skipped: None,
                    flat: BTreeMap::from([("b".into(), 2), ("aa".into(), 1), ("q\"\n".into(), 3)]),
                },
                Inner {
                    zeta: vec![],
                    alpha: (0, '"'),
                    skipped: Some(3),
                    flat: BTreeMap::new(),
                },
            ],
            m: HashMap::from([(10, "ten"), (2, "two"), (33, "x")]),
            empty_vec: vec![],
            empty_map: BTreeMap::new(),
            unit: Unit,
            nested: vec![vec![], vec![1, 2]],
            text: "quote \" backslash \\ tab \t ctrl \u{1} 😀",
            big: u64::MAX,
            neg: i64::MIN,
            value: serde_json::json!({"y": [1, {"b": null, "a": 1e300}], "x": {}}),
            bytes: vec![0, 255],
        }
    }

    #[test]
    fn writes_what_the_sorted_value_tree_writes() {
        let d = doc();
        let ours = String::from_utf8(super::to_vec(&d).unwrap()).unwrap();
        let theirs =
            String::from_utf8(super::super::pretty(serde_json::to_value(&d).unwrap()).unwrap()).unwrap();
        assert_eq!(ours, theirs);
        // And the map with number keys was sorted as strings, as JSON compares them.
        assert!(
            ours.contains("\"10\": \"ten\",\n    \"2\": \"two\",\n    \"33\": \"x\""),
            "{ours}"
        );
    }

    #[test]
    fn f32_is_written_as_f32() {
        #[derive(Serialize)]
        struct S {
            score: f32,
        }
        assert_eq!(
            String::from_utf8(super::to_vec(&S { score: 5.4 }).unwrap()).unwrap(),
            "{\n  \"score\": 5.4\n}\n"
        );
    }

    #[test]
    fn top_level_scalars_and_empties() {
        assert_eq!(super::to_vec(&1u8).unwrap(), b"1\n");
        assert_eq!(super::to_vec(&Vec::<u8>::new()).unwrap(), b"[]\n");
        assert_eq!(super::to_vec(&BTreeMap::<u8, u8>::new()).unwrap(), b"{}\n");
        assert_eq!(super::to_vec(&None::<u8>).unwrap(), b"null\n");
    }
}
