//! The bridge between this crate's bounded CBOR model ([`Value`]) and `ciborium::Value`, the
//! model coset's structures are read from and written to.
//!
//! COSE structures arrive inside larger ISO 18013-5 messages (issuerAuth inside IssuerSigned,
//! deviceSignature inside DeviceSigned), which are decoded once, under the input limits and the
//! memory budget of [`crate::cbor`]. The decoded parts are then handed to coset's
//! `AsCborValue` readers, which apply RFC 9052's header rules. Nothing here re-reads bytes: the
//! protected header and the payload reach coset as the byte strings received.

use ciborium::value::{Integer, Value as CValue};

use super::CoseError;
use crate::cbor::{Embedded, Value};

/// The tag number of an embedded CBOR data item.
const TAG_EMBEDDED: u64 = 24;

/// Converts a decoded value into ciborium's model. `undefined`, which ciborium's model lacks,
/// is refused: COSE headers never need it (the one tolerated case, an empty unprotected kid,
/// is removed before conversion).
pub(crate) fn to_ciborium(value: &Value) -> Result<CValue, CoseError> {
    Ok(match value {
        Value::Unsigned(n) => CValue::Integer(Integer::from(*n)),
        Value::Negative(n) => {
            let n = -1 - i128::from(*n);
            CValue::Integer(Integer::try_from(n).map_err(|_| CoseError::Malformed)?)
        }
        Value::Bytes(b) => CValue::Bytes(b.clone()),
        Value::Text(t) => CValue::Text(t.clone()),
        Value::Array(items) => {
            CValue::Array(items.iter().map(to_ciborium).collect::<Result<_, _>>()?)
        }
        Value::Map(entries) => CValue::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((to_ciborium(k)?, to_ciborium(v)?)))
                .collect::<Result<_, CoseError>>()?,
        ),
        Value::Tag(tag, inner) => CValue::Tag(*tag, Box::new(to_ciborium(inner)?)),
        Value::Embedded(e) => {
            CValue::Tag(TAG_EMBEDDED, Box::new(CValue::Bytes(e.content().to_vec())))
        }
        Value::Bool(b) => CValue::Bool(*b),
        Value::Null => CValue::Null,
        Value::Undefined => return Err(CoseError::Malformed),
        Value::Float(f) => CValue::Float(*f),
    })
}

/// Converts a value coset produced back into this crate's model.
pub(crate) fn from_ciborium(value: CValue) -> Result<Value, CoseError> {
    Ok(match value {
        CValue::Integer(i) => {
            let i = i128::from(i);
            match u64::try_from(i) {
                Ok(n) => Value::Unsigned(n),
                Err(_) => Value::Negative(u64::try_from(-1 - i).map_err(|_| CoseError::Malformed)?),
            }
        }
        CValue::Bytes(b) => Value::Bytes(b),
        CValue::Text(t) => Value::Text(t),
        CValue::Array(items) => Value::Array(
            items
                .into_iter()
                .map(from_ciborium)
                .collect::<Result<_, _>>()?,
        ),
        CValue::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((from_ciborium(k)?, from_ciborium(v)?)))
                .collect::<Result<_, CoseError>>()?,
        ),
        CValue::Tag(TAG_EMBEDDED, inner) => match *inner {
            CValue::Bytes(content) => Value::Embedded(Embedded::wrap(&content)),
            other => Value::Tag(TAG_EMBEDDED, Box::new(from_ciborium(other)?)),
        },
        CValue::Tag(tag, inner) => Value::Tag(tag, Box::new(from_ciborium(*inner)?)),
        CValue::Bool(b) => Value::Bool(b),
        CValue::Null => Value::Null,
        CValue::Float(f) => Value::Float(f),
        _ => return Err(CoseError::Malformed),
    })
}

/// The CBOR type of `value`, for error messages (never the value itself).
pub(crate) fn ciborium_type(value: &CValue) -> &'static str {
    match value {
        CValue::Integer(_) => "an integer",
        CValue::Bytes(_) => "a byte string",
        CValue::Text(_) => "a text string",
        CValue::Array(_) => "an array",
        CValue::Map(_) => "a map",
        CValue::Tag(..) => "a tagged value",
        CValue::Bool(_) => "a boolean",
        CValue::Null => "null",
        CValue::Float(_) => "a float",
        _ => "an unknown type",
    }
}

/// Maps a coset error onto ours. coset's errors name CBOR types only, but ours are smaller
/// still: every refusal while reading a structure is [`CoseError::Malformed`].
pub(crate) fn from_coset(_: coset::CoseError) -> CoseError {
    CoseError::Malformed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_the_round_trip() {
        let value = Value::Map(vec![
            (Value::int(1), Value::int(-7)),
            (Value::int(-1), Value::int(i64::MIN)),
            (Value::int(33), Value::Array(vec![Value::Bytes(vec![1, 2])])),
            (Value::text("t"), Value::Tag(1, Box::new(Value::Float(1.5)))),
            (Value::int(2), Value::Bool(true)),
            (Value::int(3), Value::Null),
            (Value::int(4), Value::Embedded(Embedded::wrap(&[0xa0]))),
            (Value::int(5), Value::Unsigned(u64::MAX)),
            (Value::int(6), Value::Negative(u64::MAX)),
        ]);
        let back = from_ciborium(to_ciborium(&value).unwrap()).unwrap();
        assert_eq!(back, value);
        assert_eq!(to_ciborium(&Value::Undefined), Err(CoseError::Malformed));
    }
}
