//! COSE (RFC 9052) as ISO 18013-5 uses it: P-256 keys ([`CoseKey`]), ES256 signatures
//! ([`CoseSign1`]) and HMAC-SHA256 MACs ([`CoseMac0`]), all verified over the bytes as received.
//!
//! The structures are read and written with this crate's own CBOR model, so that the library
//! carries one CBOR implementation: the protected header and the payload keep their bytes, the
//! ToBeSigned / ToBeMaced structures are encoded deterministically from them.
mod error;
mod key;
mod mac0;
mod sign1;

pub use error::CoseError;
pub use key::{CoseKey, KeyError};
pub use mac0::CoseMac0;
pub use sign1::{CoseSign1, Es256Signer, MAX_X5CHAIN_LEN, Payload, SignerError, sign_es256_with};

use crate::cbor::{self, Value};

/// COSE header label of the algorithm.
const ALG: i64 = 1;
/// COSE header label of the critical parameters.
const CRIT: i64 = 2;
/// COSE header label of the content type.
const CONTENT_TYPE: i64 = 3;
/// COSE header label of the key identifier.
const KID: i64 = 4;
/// COSE header label of the initialisation vector.
const IV: i64 = 5;
/// COSE header label of the partial initialisation vector.
const PARTIAL_IV: i64 = 6;

/// The four fields COSE_Sign1 and COSE_Mac0 share (RFC 9052 §4.2, §6.2), untagged, with the
/// protected header kept as the bytes received (or produced) so that signatures and MACs are
/// checked over exactly those bytes.
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    /// The serialized protected header (the content of the byte string; may be empty).
    protected: Vec<u8>,
    /// The protected header's entries, decoded from `protected`.
    protected_map: Vec<(Value, Value)>,
    /// The unprotected header's entries.
    unprotected: Vec<(Value, Value)>,
    /// The attached payload, or `None` when detached (null).
    payload: Option<Vec<u8>>,
    /// The signature or MAC tag.
    tag: Vec<u8>,
}

impl Parts {
    /// Reads `[protected: bstr, unprotected: map, payload: bstr / nil, tag: bstr]`.
    fn from_value(value: &Value) -> Result<Self, CoseError> {
        let Some([protected, unprotected, payload, tag]) = value.as_array() else {
            return Err(CoseError::Malformed);
        };
        let protected = protected.as_bytes().ok_or(CoseError::Malformed)?.to_vec();
        let protected_map = if protected.is_empty() {
            Vec::new()
        } else {
            match cbor::decode(&protected) {
                Ok(Value::Map(entries)) => entries,
                _ => return Err(CoseError::Malformed),
            }
        };
        check_header(&protected_map, Bucket::Protected)?;
        let unprotected = unprotected.as_map().ok_or(CoseError::Malformed)?.to_vec();
        check_header(&unprotected, Bucket::Unprotected)?;
        let payload = match payload {
            Value::Bytes(bytes) => Some(bytes.clone()),
            Value::Null => None,
            _ => return Err(CoseError::Malformed),
        };
        let tag = tag.as_bytes().ok_or(CoseError::Malformed)?.to_vec();
        Ok(Parts {
            protected,
            protected_map,
            unprotected,
            payload,
            tag,
        })
    }

    /// A new structure whose protected header holds only `alg`.
    fn new(alg: i64, unprotected: Vec<(Value, Value)>, payload: Option<Vec<u8>>) -> Self {
        let protected_map = vec![(Value::int(ALG), Value::int(alg))];
        Parts {
            protected: cbor::encode(&Value::Map(protected_map.clone())),
            protected_map,
            unprotected,
            payload,
            tag: Vec::new(),
        }
    }

    /// The structure as a CBOR value.
    fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::Bytes(self.protected.clone()),
            Value::Map(self.unprotected.clone()),
            self.payload.clone().map_or(Value::Null, Value::Bytes),
            Value::Bytes(self.tag.clone()),
        ])
    }

    /// The Sig_structure / MAC_structure with an empty external_aad:
    /// `[context, body_protected, external_aad, payload]`.
    fn to_be_authenticated(&self, context: &str, payload: &[u8]) -> Vec<u8> {
        cbor::encode(&Value::Array(vec![
            Value::text(context),
            Value::Bytes(self.protected.clone()),
            Value::Bytes(Vec::new()),
            Value::Bytes(payload.to_vec()),
        ]))
    }

    /// Checks the protected header: the required algorithm, and no critical parameters we do
    /// not understand.
    fn check_protected(&self, alg: i64, name: &'static str) -> Result<(), CoseError> {
        let found = header_value(&self.protected_map, ALG).and_then(Value::as_i64);
        if found != Some(alg) {
            return Err(CoseError::Algorithm {
                expected: name,
                found,
            });
        }
        if header_value(&self.protected_map, CRIT).is_some() {
            return Err(CoseError::UnsupportedCritical);
        }
        Ok(())
    }
}

/// The value under the integer `label` in a header.
fn header_value(header: &[(Value, Value)], label: i64) -> Option<&Value> {
    header
        .iter()
        .find(|(l, _)| l.as_i64() == Some(label))
        .map(|(_, v)| v)
}

/// A header label: an integer that fits in `i64`, or text (RFC 9052 §3.1).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Label<'a> {
    Int(i64),
    Text(&'a str),
}

fn label(value: &Value) -> Option<Label<'_>> {
    match value {
        Value::Text(t) => Some(Label::Text(t)),
        other => other.as_i64().map(Label::Int),
    }
}

/// Which header bucket a map is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Protected,
    Unprotected,
}

/// Checks a header map as RFC 9052 §3.1 defines it: labels are integers or text, appear once,
/// and the common parameters have their defined types (alg: int / tstr; crit: a non-empty
/// array of labels; content type: uint / tstr; kid, IV, partial IV: bstr; never both IVs).
///
/// One tolerance, in the unprotected bucket only: a `kid` of `undefined` or `null` is taken as
/// absent. @auth0/mdl writes `{4: undefined}` there by default. RFC 9052 §3.1 makes kid only a
/// hint for finding the key, unauthenticated when unprotected, and ISO 18013-5 never uses it:
/// the issuer key comes from x5chain (§9.1.2.4) and the device key from the MSO (§9.1.3), so
/// ignoring an empty hint weakens no check. A protected kid must still be a bstr.
fn check_header(header: &[(Value, Value)], bucket: Bucket) -> Result<(), CoseError> {
    let mut labels = Vec::with_capacity(header.len());
    for (key, value) in header {
        let key = label(key).ok_or(CoseError::Malformed)?;
        let well_typed = match key {
            Label::Int(ALG) => matches!(value, Value::Text(_)) || value.as_i64().is_some(),
            Label::Int(CRIT) => value
                .as_array()
                .is_some_and(|items| !items.is_empty() && items.iter().all(|l| label(l).is_some())),
            Label::Int(CONTENT_TYPE) => matches!(value, Value::Unsigned(_) | Value::Text(_)),
            Label::Int(KID)
                if bucket == Bucket::Unprotected
                    && matches!(value, Value::Undefined | Value::Null) =>
            {
                true
            }
            Label::Int(KID | IV | PARTIAL_IV) => matches!(value, Value::Bytes(_)),
            _ => true,
        };
        if !well_typed {
            return Err(CoseError::Malformed);
        }
        labels.push(key);
    }
    labels.sort_unstable();
    let duplicate = labels.windows(2).any(|pair| pair.first() == pair.get(1));
    let both_ivs = labels.binary_search(&Label::Int(IV)).is_ok()
        && labels.binary_search(&Label::Int(PARTIAL_IV)).is_ok();
    if duplicate || both_ivs {
        return Err(CoseError::Malformed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(protected: Vec<u8>, unprotected: Value) -> Result<Parts, CoseError> {
        Parts::from_value(&Value::Array(vec![
            Value::Bytes(protected),
            unprotected,
            Value::Null,
            Value::Bytes(vec![0; 64]),
        ]))
    }

    #[test]
    fn an_empty_unprotected_kid_is_taken_as_absent() {
        // @auth0/mdl 3.0.1's default unprotected header: {4: undefined}.
        for empty in [Value::Undefined, Value::Null] {
            let unprotected = Value::Map(vec![(Value::int(KID), empty.clone())]);
            parts(vec![0xa1, 0x01, 0x26], unprotected).unwrap();
        }
        // Still refused: a protected kid of undefined (0xf7), an unprotected kid of another type.
        assert_eq!(
            parts(vec![0xa2, 0x01, 0x26, 0x04, 0xf7], Value::Map(vec![])).err(),
            Some(CoseError::Malformed)
        );
        let int_kid = Value::Map(vec![(Value::int(KID), Value::int(1))]);
        assert_eq!(
            parts(vec![0xa1, 0x01, 0x26], int_kid).err(),
            Some(CoseError::Malformed)
        );
    }

    #[test]
    fn headers_are_checked() {
        let ok = parts(vec![0xa1, 0x01, 0x26], Value::Map(vec![])).unwrap();
        ok.check_protected(-7, "ES256").unwrap();
        assert_eq!(cbor::encode(&ok.to_value()), {
            let mut expected = vec![0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0xf6, 0x58, 0x40];
            expected.extend([0; 64]);
            expected
        });
        // An empty protected header is allowed, but names no algorithm.
        let empty = parts(vec![], Value::Map(vec![])).unwrap();
        assert_eq!(
            empty.check_protected(-7, "ES256"),
            Err(CoseError::Algorithm {
                expected: "ES256",
                found: None
            })
        );
        // Critical parameters are refused.
        let crit = parts(
            vec![0xa2, 0x01, 0x26, 0x02, 0x81, 0x18, 0x21],
            Value::Map(vec![]),
        );
        assert_eq!(
            crit.unwrap().check_protected(-7, "ES256"),
            Err(CoseError::UnsupportedCritical)
        );
        let malformed = [
            // Protected header that is not a map, or has trailing bytes.
            (vec![0x80], Value::Map(vec![])),
            (vec![0xa1, 0x01, 0x26, 0x00], Value::Map(vec![])),
            // Empty crit, kid of the wrong type, a float label, both IVs.
            (vec![0xa1, 0x02, 0x80], Value::Map(vec![])),
            (
                vec![0xa0],
                Value::Map(vec![(Value::int(KID), Value::int(1))]),
            ),
            (
                vec![0xa0],
                Value::Map(vec![(Value::Float(1.0), Value::Null)]),
            ),
            (
                vec![0xa0],
                Value::Map(vec![
                    (Value::int(IV), Value::Bytes(vec![])),
                    (Value::int(PARTIAL_IV), Value::Bytes(vec![])),
                ]),
            ),
            // A duplicate label.
            (
                vec![0xa0],
                Value::Map(vec![
                    (Value::int(33), Value::Null),
                    (Value::int(33), Value::Null),
                ]),
            ),
            // An unprotected header that is not a map.
            (vec![0xa0], Value::Null),
        ];
        for (protected, unprotected) in malformed {
            assert_eq!(parts(protected, unprotected), Err(CoseError::Malformed));
        }
        // Tagged, short and wrongly typed structures.
        for value in [
            Value::Tag(18, Box::new(ok.to_value())),
            Value::Array(vec![Value::Bytes(vec![]); 3]),
            Value::Array(vec![
                Value::Bytes(vec![]),
                Value::Map(vec![]),
                Value::Text("p".into()),
                Value::Bytes(vec![]),
            ]),
        ] {
            assert_eq!(Parts::from_value(&value), Err(CoseError::Malformed));
        }
    }

    #[test]
    fn sig_structure_matches_rfc_9052() {
        let parts = Parts::new(-7, vec![], Some(b"p".to_vec()));
        // ["Signature1", h'a10126', h'', h'70']
        assert_eq!(
            parts.to_be_authenticated("Signature1", b"p"),
            [
                &[0x84, 0x6a][..],
                b"Signature1",
                &[0x43, 0xa1, 0x01, 0x26, 0x40, 0x41, b'p'],
            ]
            .concat()
        );
    }
}
