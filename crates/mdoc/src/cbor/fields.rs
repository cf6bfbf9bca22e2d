//! Mapping CBOR values onto typed structures: [`FromCbor`], [`ToCbor`] and [`FieldMap`], which
//! reads a map's fields by name, keeps the ones it does not know and remembers key order.

use super::encode::encode;
use super::error::CborError;
use super::value::Value;

/// A type that can be read from a decoded CBOR value.
pub trait FromCbor: Sized {
    /// Reads `Self` from `value`, refusing anything the structure does not allow.
    fn from_cbor(value: &Value) -> Result<Self, CborError>;
}

/// A type that can be written as a CBOR value.
pub trait ToCbor {
    /// The CBOR value for `self`. Maps created here follow the deterministic key order unless
    /// the value was decoded, in which case the received order is kept.
    fn to_cbor(&self) -> Value;
}

/// Reads the fields of a CBOR map whose keys are text or integers.
///
/// Fields are taken by name; [`FieldMap::finish`] returns the entries that were not taken
/// (fields of later editions, kept so they survive a round trip) together with the order the
/// keys arrived in.
pub struct FieldMap<'a> {
    context: &'static str,
    entries: &'a [(Value, Value)],
    taken: Vec<bool>,
}

/// What remains of a map after its known fields were read.
///
/// Equality compares the unknown entries only: key order is how a value was written, not what
/// it says.
#[derive(Clone, Default)]
pub struct MapRest {
    /// Entries whose keys the structure does not know, in received order.
    pub unknown: Vec<(Value, Value)>,
    /// The received key order, as encoded keys; empty for values created here.
    pub order: Vec<Vec<u8>>,
}

impl PartialEq for MapRest {
    fn eq(&self, other: &Self) -> bool {
        self.unknown == other.unknown
    }
}

impl std::fmt::Debug for MapRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MapRest({} unknown)", self.unknown.len())
    }
}

impl MapRest {
    /// Builds the map for `known` entries plus the kept unknown ones: in received order when
    /// this came from a decoded map, in deterministic order otherwise.
    pub fn build(&self, mut known: Vec<(Value, Value)>) -> Value {
        known.extend(self.unknown.iter().cloned());
        if self.order.is_empty() {
            return Value::canonical_map(known);
        }
        let mut keyed: Vec<(usize, Vec<u8>, (Value, Value))> = known
            .into_iter()
            .map(|entry| {
                let key = encode(&entry.0);
                let rank = self
                    .order
                    .iter()
                    .position(|k| *k == key)
                    .unwrap_or(usize::MAX);
                (rank, key, entry)
            })
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        Value::Map(keyed.into_iter().map(|(_, _, entry)| entry).collect())
    }
}

impl<'a> FieldMap<'a> {
    /// Starts reading `value`, which must be a map.
    pub fn new(value: &'a Value, context: &'static str) -> Result<Self, CborError> {
        let entries = value.as_map().ok_or(CborError::TypeMismatch {
            context,
            expected: "map",
        })?;
        Ok(FieldMap {
            context,
            entries,
            taken: vec![false; entries.len()],
        })
    }

    fn take(&mut self, matches: impl Fn(&Value) -> bool) -> Option<&'a Value> {
        let index = self.entries.iter().position(|(k, _)| matches(k))?;
        if let Some(flag) = self.taken.get_mut(index) {
            *flag = true;
        }
        self.entries.get(index).map(|(_, v)| v)
    }

    /// The raw value of the text-keyed field `key`, if present.
    pub fn value(&mut self, key: &str) -> Option<&'a Value> {
        self.take(|k| k.as_text() == Some(key))
    }

    /// The raw value of the integer-keyed field `key`, if present.
    pub fn value_int(&mut self, key: i64) -> Option<&'a Value> {
        self.take(|k| k.as_i64() == Some(key))
    }

    /// The text-keyed field `key`, which must be present.
    pub fn required<T: FromCbor>(&mut self, key: &'static str) -> Result<T, CborError> {
        let context = self.context;
        let value = self.value(key).ok_or(CborError::MissingField {
            context,
            field: key,
        })?;
        T::from_cbor(value)
    }

    /// The text-keyed field `key`, if present.
    pub fn optional<T: FromCbor>(&mut self, key: &str) -> Result<Option<T>, CborError> {
        self.value(key).map(T::from_cbor).transpose()
    }

    /// The integer-keyed field `key`, which must be present.
    pub fn required_int<T: FromCbor>(
        &mut self,
        key: i64,
        name: &'static str,
    ) -> Result<T, CborError> {
        let context = self.context;
        let value = self.value_int(key).ok_or(CborError::MissingField {
            context,
            field: name,
        })?;
        T::from_cbor(value)
    }

    /// The integer-keyed field `key`, if present.
    pub fn optional_int<T: FromCbor>(&mut self, key: i64) -> Result<Option<T>, CborError> {
        self.value_int(key).map(T::from_cbor).transpose()
    }

    /// Ends reading: the fields not taken and the received key order.
    pub fn finish(self) -> MapRest {
        let unknown = self
            .entries
            .iter()
            .zip(&self.taken)
            .filter(|(_, taken)| !**taken)
            .map(|(entry, _)| entry.clone())
            .collect();
        let order = self.entries.iter().map(|(k, _)| encode(k)).collect();
        MapRest { unknown, order }
    }

    /// Ends reading a map that is kept as received bytes elsewhere (inside a [`Tagged`] item):
    /// the fields not taken, but not the key order, which only re-encoding would need and which
    /// would cost an allocation per key for every item.
    ///
    /// [`Tagged`]: super::Tagged
    pub fn finish_unordered(self) -> MapRest {
        let unknown = self
            .entries
            .iter()
            .zip(&self.taken)
            .filter(|(_, taken)| !**taken)
            .map(|(entry, _)| entry.clone())
            .collect();
        MapRest {
            unknown,
            order: Vec::new(),
        }
    }
}

fn mismatch(context: &'static str, expected: &'static str) -> CborError {
    CborError::TypeMismatch { context, expected }
}

impl FromCbor for Value {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        Ok(value.clone())
    }
}

impl ToCbor for Value {
    fn to_cbor(&self) -> Value {
        self.clone()
    }
}

impl FromCbor for String {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value
            .as_text()
            .map(str::to_owned)
            .ok_or(mismatch("text field", "tstr"))
    }
}

impl ToCbor for String {
    fn to_cbor(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToCbor for str {
    fn to_cbor(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl FromCbor for bool {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value.as_bool().ok_or(mismatch("boolean field", "bool"))
    }
}

impl ToCbor for bool {
    fn to_cbor(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromCbor for u64 {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value.as_u64().ok_or(mismatch("unsigned field", "uint"))
    }
}

impl ToCbor for u64 {
    fn to_cbor(&self) -> Value {
        Value::Unsigned(*self)
    }
}

impl FromCbor for i64 {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value.as_i64().ok_or(mismatch("integer field", "int"))
    }
}

impl ToCbor for i64 {
    fn to_cbor(&self) -> Value {
        Value::int(*self)
    }
}

impl<T: FromCbor> FromCbor for Vec<T> {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let items = value.as_array().ok_or(mismatch("array field", "array"))?;
        // Exact capacity: collecting into a Result grows by doubling (its size hint is 0), which
        // at the last step holds up to three times the items' size at once.
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(T::from_cbor(item)?);
        }
        Ok(out)
    }
}

impl<T: ToCbor> ToCbor for Vec<T> {
    fn to_cbor(&self) -> Value {
        Value::Array(self.iter().map(ToCbor::to_cbor).collect())
    }
}

impl<T: ToCbor> ToCbor for Option<T> {
    fn to_cbor(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToCbor::to_cbor)
    }
}

/// A byte string (`bstr`), distinct from `Vec<u8>` so that arrays of integers are not confused
/// with byte strings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ByteString(pub Vec<u8>);

impl std::fmt::Debug for ByteString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteString(len {})", self.0.len())
    }
}

impl FromCbor for ByteString {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value
            .as_bytes()
            .map(|b| ByteString(b.to_vec()))
            .ok_or(mismatch("byte string field", "bstr"))
    }
}

impl ToCbor for ByteString {
    fn to_cbor(&self) -> Value {
        Value::Bytes(self.0.clone())
    }
}

/// Reads a map with text keys into an ordered list, keeping the received order.
pub fn text_map<V: FromCbor>(
    value: &Value,
    context: &'static str,
) -> Result<Vec<(String, V)>, CborError> {
    let entries = value.as_map().ok_or(mismatch(context, "map"))?;
    // Exact capacity, as for `Vec<T>`.
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = k.as_text().ok_or(mismatch(context, "tstr keys"))?;
        out.push((key.to_owned(), V::from_cbor(v)?));
    }
    Ok(out)
}

/// Writes an ordered list as a map with text keys, in list order.
pub fn text_map_value<V: ToCbor>(entries: &[(String, V)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::Text(k.clone()), v.to_cbor()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{decode, encode};
    use super::*;

    #[test]
    fn field_map_keeps_unknown_fields_and_order() {
        // {"b": 1, "zz": 2, "a": 3}
        let bytes = [
            0xa3, 0x61, 0x62, 0x01, 0x62, 0x7a, 0x7a, 0x02, 0x61, 0x61, 0x03,
        ];
        let value = decode(&bytes).unwrap_or(Value::Null);
        let mut fields = FieldMap::new(&value, "test").unwrap_or_else(|_| unreachable!());
        let a: u64 = fields.required("a").unwrap_or(0);
        let b: Option<u64> = fields.optional("b").unwrap_or(None);
        assert_eq!((a, b), (3, Some(1)));
        assert_eq!(
            fields.required::<u64>("c"),
            Err(CborError::MissingField {
                context: "test",
                field: "c"
            })
        );
        let rest = fields.finish();
        assert_eq!(rest.unknown.len(), 1);
        let rebuilt = rest.build(vec![
            (Value::text("a"), Value::Unsigned(3)),
            (Value::text("b"), Value::Unsigned(1)),
        ]);
        assert_eq!(encode(&rebuilt), bytes.to_vec());
        let created = MapRest::default().build(vec![
            (Value::text("zz"), Value::Unsigned(2)),
            (Value::text("a"), Value::Unsigned(3)),
        ]);
        assert_eq!(
            encode(&created),
            vec![0xa2, 0x61, 0x61, 0x03, 0x62, 0x7a, 0x7a, 0x02]
        );
    }
}
