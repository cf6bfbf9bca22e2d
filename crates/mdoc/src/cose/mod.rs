//! COSE (RFC 9052) as ISO 18013-5 uses it: P-256 keys ([`CoseKey`]), ES256 signatures
//! ([`CoseSign1`]) and HMAC-SHA256 MACs ([`CoseMac0`]), all verified over the bytes as received.
//!
//! The structures are coset's (`coset::CoseSign1`, `coset::CoseMac0`, `coset::CoseKey`), read
//! with coset's RFC 9052 header rules: labels are integers or text and appear once, alg is an
//! int or tstr, crit a non-empty array of labels, content type a uint or a `type/subtype` tstr,
//! kid / IV / partial IV non-empty bstrs, never both IVs. The protected header keeps the bytes
//! received (`ProtectedHeader::original_data`) and the Sig_structure / MAC_structure are built by
//! coset over those bytes and over the payload as received (or the detached payload given).
//!
//! They arrive inside larger messages decoded once by [`crate::cbor`] under its input limits and
//! memory budget; [`convert`] hands the decoded parts to coset, and coset's errors are mapped
//! onto the small [`CoseError`] (nothing from the input is carried).
//!
//! One tolerance, in the unprotected bucket only: a `kid` of `undefined` or `null` is taken as
//! absent. @auth0/mdl writes `{4: undefined}` there by default. RFC 9052 §3.1 makes kid only a
//! hint for finding the key, unauthenticated when unprotected, and ISO 18013-5 never uses it:
//! the issuer key comes from x5chain (§9.1.2.4) and the device key from the MSO (§9.1.3), so
//! ignoring an empty hint weakens no check. A protected kid must still be a non-empty bstr.
mod convert;
mod error;
mod key;
mod mac0;
mod sign1;

pub use error::CoseError;
pub use key::{CoseKey, KeyError};
pub use mac0::CoseMac0;
pub use sign1::{CoseSign1, Es256Signer, MAX_X5CHAIN_LEN, Payload, SignerError, sign_es256_with};

use coset::{AsCborValue, Header, ProtectedHeader, RegisteredLabelWithPrivate, iana};

use crate::cbor::{self, Value};

/// COSE header label of the key identifier.
const KID: i64 = 4;

/// The four fields COSE_Sign1 and COSE_Mac0 share (RFC 9052 §4.2, §6.2), untagged, read into
/// coset's header types; the protected header keeps its bytes as received.
struct Parts {
    protected: ProtectedHeader,
    unprotected: Header,
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
        let protected = protected.as_bytes().ok_or(CoseError::Malformed)?;
        let unprotected = unprotected.as_map().ok_or(CoseError::Malformed)?;
        let payload = match payload {
            Value::Bytes(bytes) => Some(bytes.clone()),
            Value::Null => None,
            _ => return Err(CoseError::Malformed),
        };
        let tag = tag.as_bytes().ok_or(CoseError::Malformed)?.to_vec();
        Ok(Parts {
            protected: protected_header(protected)?,
            unprotected: unprotected_header(unprotected)?,
            payload,
            tag,
        })
    }
}

/// Reads a protected header from the bytes received, which it keeps. The bytes are decoded by
/// [`crate::cbor`] (bounded, duplicate keys and trailing bytes refused), then read by coset.
fn protected_header(bytes: &[u8]) -> Result<ProtectedHeader, CoseError> {
    let header = if bytes.is_empty() {
        // RFC 9052 §3: a zero-length bstr stands for an empty protected header.
        Header::default()
    } else {
        let value = cbor::decode(bytes).map_err(|_| CoseError::Malformed)?;
        if value.as_map().is_none() {
            return Err(CoseError::Malformed);
        }
        Header::from_cbor_value(convert::to_ciborium(&value)?).map_err(convert::from_coset)?
    };
    Ok(ProtectedHeader {
        original_data: Some(bytes.to_vec()),
        header,
    })
}

/// Reads the unprotected header, dropping an empty (`undefined` / `null`) kid.
fn unprotected_header(entries: &[(Value, Value)]) -> Result<Header, CoseError> {
    let kept = entries
        .iter()
        .filter(|(label, value)| {
            !(label.as_i64() == Some(KID) && matches!(value, Value::Undefined | Value::Null))
        })
        .map(|(k, v)| Ok((convert::to_ciborium(k)?, convert::to_ciborium(v)?)))
        .collect::<Result<Vec<_>, CoseError>>()?;
    Header::from_cbor_value(ciborium::Value::Map(kept)).map_err(convert::from_coset)
}

/// A protected header naming only `alg`, with its bytes fixed now, so that what is signed
/// and what is sent are the same bytes.
fn protected_alg(alg: iana::Algorithm) -> ProtectedHeader {
    // `{1: alg}`, written deterministically.
    let bytes = cbor::encode(&Value::Map(vec![(Value::int(1), Value::int(alg as i64))]));
    ProtectedHeader {
        original_data: Some(bytes),
        header: coset::HeaderBuilder::new().algorithm(alg).build(),
    }
}

/// Checks the protected header: the required algorithm, and no critical parameters we do not
/// understand.
fn check_protected(
    protected: &ProtectedHeader,
    alg: iana::Algorithm,
    name: &'static str,
) -> Result<(), CoseError> {
    let found = match &protected.header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => Some(*a as i64),
        Some(RegisteredLabelWithPrivate::PrivateUse(a)) => Some(*a),
        Some(RegisteredLabelWithPrivate::Text(_)) | None => None,
    };
    if found != Some(alg as i64) {
        return Err(CoseError::Algorithm {
            expected: name,
            found,
        });
    }
    if !protected.header.crit.is_empty() {
        return Err(CoseError::UnsupportedCritical);
    }
    Ok(())
}

/// A coset structure as this crate's CBOR value.
fn to_value<T: AsCborValue>(structure: T) -> Value {
    // Writing a structure read or built here cannot fail (its header labels are unique);
    // `null` stands in should coset ever refuse, and is refused by any reader.
    structure
        .to_cbor_value()
        .map_err(convert::from_coset)
        .and_then(convert::from_ciborium)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// COSE header labels used in the tests.
    const CRIT: i64 = 2;
    const IV: i64 = 5;
    const PARTIAL_IV: i64 = 6;

    fn structure(protected: Vec<u8>, unprotected: Value) -> Value {
        Value::Array(vec![
            Value::Bytes(protected),
            unprotected,
            Value::Null,
            Value::Bytes(vec![0; 64]),
        ])
    }

    fn parts(protected: Vec<u8>, unprotected: Value) -> Result<Parts, CoseError> {
        Parts::from_value(&structure(protected, unprotected))
    }

    #[test]
    fn an_empty_unprotected_kid_is_taken_as_absent() {
        // @auth0/mdl 3.0.1's default unprotected header: {4: undefined}.
        for empty in [Value::Undefined, Value::Null] {
            let unprotected = Value::Map(vec![(Value::int(KID), empty.clone())]);
            let read = parts(vec![0xa1, 0x01, 0x26], unprotected).unwrap();
            assert!(read.unprotected.key_id.is_empty());
        }
        // Still refused: a protected kid of undefined (0xf7) or null (0xf6), an unprotected kid
        // of another type.
        for protected in [
            vec![0xa2, 0x01, 0x26, 0x04, 0xf7],
            vec![0xa2, 0x01, 0x26, 0x04, 0xf6],
        ] {
            assert_eq!(
                parts(protected, Value::Map(vec![])).err(),
                Some(CoseError::Malformed)
            );
        }
        let int_kid = Value::Map(vec![(Value::int(KID), Value::int(1))]);
        assert_eq!(
            parts(vec![0xa1, 0x01, 0x26], int_kid).err(),
            Some(CoseError::Malformed)
        );
    }

    #[test]
    fn headers_are_checked() {
        let ok = parts(vec![0xa1, 0x01, 0x26], Value::Map(vec![])).unwrap();
        check_protected(&ok.protected, iana::Algorithm::ES256, "ES256").unwrap();
        // The protected header keeps its bytes, and a structure re-encodes as received.
        let value = structure(vec![0xa1, 0x01, 0x26], Value::Map(vec![]));
        let sign1 = CoseSign1::from_value(&value).unwrap();
        assert_eq!(cbor::encode(&crate::cbor::ToCbor::to_cbor(&sign1)), {
            let mut expected = vec![0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0xf6, 0x58, 0x40];
            expected.extend([0; 64]);
            expected
        });
        // An empty protected header is allowed, but names no algorithm.
        let empty = parts(vec![], Value::Map(vec![])).unwrap();
        assert_eq!(
            check_protected(&empty.protected, iana::Algorithm::ES256, "ES256"),
            Err(CoseError::Algorithm {
                expected: "ES256",
                found: None
            })
        );
        // A text algorithm is not ES256 either.
        let text_alg = parts(vec![0xa1, 0x01, 0x61, b'x'], Value::Map(vec![])).unwrap();
        assert_eq!(
            check_protected(&text_alg.protected, iana::Algorithm::ES256, "ES256"),
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
            check_protected(&crit.unwrap().protected, iana::Algorithm::ES256, "ES256"),
            Err(CoseError::UnsupportedCritical)
        );
        let malformed = [
            // Protected header that is not a map, or has trailing bytes, or a duplicate label.
            (vec![0x80], Value::Map(vec![])),
            (vec![0xa1, 0x01, 0x26, 0x00], Value::Map(vec![])),
            (vec![0xa2, 0x01, 0x26, 0x01, 0x26], Value::Map(vec![])),
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
                    (Value::int(IV), Value::Bytes(vec![1])),
                    (Value::int(PARTIAL_IV), Value::Bytes(vec![1])),
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
            // A crit that is not an array, an alg that is neither int nor text.
            (
                vec![0xa0],
                Value::Map(vec![(Value::int(CRIT), Value::int(1))]),
            ),
            (vec![0xa1, 0x01, 0x40], Value::Map(vec![])),
            // `undefined` anywhere but an unprotected kid.
            (
                vec![0xa0],
                Value::Map(vec![(Value::int(33), Value::Undefined)]),
            ),
            // An unprotected header that is not a map.
            (vec![0xa0], Value::Null),
        ];
        for (protected, unprotected) in malformed {
            assert_eq!(
                parts(protected, unprotected).err(),
                Some(CoseError::Malformed)
            );
        }
        // Tagged, short and wrongly typed structures.
        for value in [
            Value::Tag(18, Box::new(value.clone())),
            Value::Array(vec![Value::Bytes(vec![]); 3]),
            Value::Array(vec![
                Value::Bytes(vec![]),
                Value::Map(vec![]),
                Value::Text("p".into()),
                Value::Bytes(vec![]),
            ]),
        ] {
            assert_eq!(Parts::from_value(&value).err(), Some(CoseError::Malformed));
        }
    }

    #[test]
    fn sig_structure_matches_rfc_9052() {
        let sign1 = coset::CoseSign1 {
            protected: protected_alg(iana::Algorithm::ES256),
            ..Default::default()
        };
        // ["Signature1", h'a10126', h'', h'70']
        assert_eq!(
            coset::sig_structure_data(
                coset::SignatureContext::CoseSign1,
                sign1.protected,
                None,
                &[],
                b"p"
            ),
            [
                &[0x84, 0x6a][..],
                b"Signature1",
                &[0x43, 0xa1, 0x01, 0x26, 0x40, 0x41, b'p'],
            ]
            .concat()
        );
    }

    /// A protected header written in a non-preferred form is signed, and re-sent, as received.
    #[test]
    fn protected_header_bytes_are_kept_as_received() {
        // {1: -7} with the key as a two-byte uint (0x18 0x01) instead of 0x01.
        let long_form = vec![0xa1, 0x18, 0x01, 0x26];
        let read = parts(long_form.clone(), Value::Map(vec![])).unwrap();
        assert_eq!(
            read.protected.original_data.as_deref(),
            Some(&long_form[..])
        );
        check_protected(&read.protected, iana::Algorithm::ES256, "ES256").unwrap();
        let tbs = coset::sig_structure_data(
            coset::SignatureContext::CoseSign1,
            read.protected,
            None,
            &[],
            b"p",
        );
        assert!(tbs.windows(long_form.len()).any(|w| w == long_form));
    }
}
