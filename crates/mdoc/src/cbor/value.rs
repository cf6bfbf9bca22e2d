//! The CBOR data model.

use super::embedded::Embedded;
use super::encode::encode;

/// A CBOR tag number.
pub type Tag = u64;

/// One CBOR data item.
///
/// Maps are kept as ordered lists of entries, in the order they were received or built; the
/// decoder refuses duplicate keys. Tag 24 ("encoded CBOR data item") is not a plain [`Value::Tag`]
/// but an [`Embedded`] that remembers the exact bytes it was decoded from.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// An unsigned integer (major type 0).
    Unsigned(u64),
    /// A negative integer (major type 1) holding `n`, which stands for `-1 - n`.
    Negative(u64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A UTF-8 text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map, entries in order.
    Map(Vec<(Value, Value)>),
    /// A tagged item other than tag 24.
    Tag(Tag, Box<Value>),
    /// Tag 24: an embedded CBOR data item, with its bytes as received.
    Embedded(Embedded),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A floating-point number (decoded from half, single or double precision).
    Float(f64),
}

impl std::fmt::Debug for Value {
    /// Shows the shape of the value, never its content: values are often personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Unsigned(_) | Value::Negative(_) => f.write_str("Integer(..)"),
            Value::Bytes(b) => write!(f, "Bytes(len {})", b.len()),
            Value::Text(t) => write!(f, "Text(len {})", t.len()),
            Value::Array(a) => f.debug_list().entries(a).finish(),
            Value::Map(m) => f
                .debug_map()
                .entries(m.iter().map(|(k, v)| (k, v)))
                .finish(),
            Value::Tag(t, v) => f.debug_tuple("Tag").field(t).field(v).finish(),
            Value::Embedded(e) => write!(f, "Embedded(len {})", e.encoded().len()),
            Value::Bool(_) => f.write_str("Bool(..)"),
            Value::Null => f.write_str("Null"),
            Value::Undefined => f.write_str("Undefined"),
            Value::Float(_) => f.write_str("Float(..)"),
        }
    }
}

impl Value {
    /// A text value.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// An integer value.
    pub fn int(i: i64) -> Self {
        if i >= 0 {
            Value::Unsigned(i.unsigned_abs())
        } else {
            Value::Negative(i.unsigned_abs() - 1)
        }
    }

    /// A map whose entries are ordered as RFC 8949 §4.2.1 requires for deterministic encoding:
    /// by the bytewise lexicographic order of the keys' encodings.
    pub fn canonical_map(entries: Vec<(Value, Value)>) -> Self {
        let mut keyed: Vec<(Vec<u8>, (Value, Value))> = entries
            .into_iter()
            .map(|(k, v)| (encode(&k), (k, v)))
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Value::Map(keyed.into_iter().map(|(_, entry)| entry).collect())
    }

    /// The integer value, if this is an integer that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Unsigned(u) => i64::try_from(u).ok(),
            Value::Negative(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// The unsigned integer value, if this is one.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Unsigned(u) => Some(u),
            _ => None,
        }
    }

    /// The text, if this is a text string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The bytes, if this is a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries, if this is a map.
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The embedded item, if this is tag 24.
    pub fn as_embedded(&self) -> Option<&Embedded> {
        match self {
            Value::Embedded(e) => Some(e),
            _ => None,
        }
    }

    /// Looks up a map entry by text key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
    }

    /// Looks up a map entry by integer key.
    pub fn get_int(&self, key: i64) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_i64() == Some(key))
            .map(|(_, v)| v)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Self {
        Value::Unsigned(u)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl From<Embedded> for Value {
    fn from(e: Embedded) -> Self {
        Value::Embedded(e)
    }
}
