//! The COSE_Sign1 envelope of a status CWT: the only place the status module touches COSE and
//! the CBOR codec directly, so that a change of codec is re-pointed here.
//!
//! RFC 8392 / draft-ietf-oauth-status-list-20 §5.2: a COSE_Sign1_Tagged (tag 18), not wrapped
//! in the CWT tag 61, whose protected header carries `alg`, `typ` (label 16, RFC 9596) and, as
//! the ISO 18013-5 profile requires, `x5chain` (label 33, RFC 9360).

use p256::ecdsa::VerifyingKey;

use super::StatusError;
use crate::cbor::{self, Limits, Value};
use crate::cose::{CoseSign1, Es256Signer, MAX_X5CHAIN_LEN};

/// COSE header label of the algorithm.
const ALG: i64 = 1;
/// COSE header label of the type (RFC 9596).
const TYP: i64 = 16;
/// COSE header label of x5chain (RFC 9360).
const X5CHAIN: i64 = 33;
/// ES256.
const ES256: i64 = -7;
/// COSE_Sign1 tag.
const COSE_SIGN1_TAG: u64 = 18;
/// CWT tag (RFC 8392 §6), which the draft forbids on a Status List Token.
const CWT_TAG: u64 = 61;

/// The largest status token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 2 * 1024 * 1024;

/// A status CWT opened but not yet verified.
#[derive(Debug, Clone)]
pub struct Envelope {
    sign1: CoseSign1,
    /// The protected `typ` (label 16), text or a CoAP content-format number as text.
    pub typ: Option<String>,
    /// The x5chain of the protected header (DER, leaf first); empty when absent there.
    pub protected_x5chain: Vec<Vec<u8>>,
    /// True when an x5chain sits only in the unprotected header.
    pub unprotected_x5chain: bool,
    /// The decoded claims set.
    pub claims: Value,
}

/// Signs `claims` as a COSE_Sign1_Tagged with `typ` and `x5chain` in the protected header.
pub fn sign(
    signer: &(impl Es256Signer + ?Sized),
    typ: &str,
    x5chain: &[Vec<u8>],
    claims: &Value,
) -> Result<Vec<u8>, StatusError> {
    let mut header = vec![
        (Value::int(ALG), Value::int(ES256)),
        (Value::int(TYP), Value::text(typ)),
    ];
    match x5chain {
        [] => {}
        [one] => header.push((Value::int(X5CHAIN), Value::Bytes(one.clone()))),
        many => header.push((
            Value::int(X5CHAIN),
            Value::Array(many.iter().cloned().map(Value::Bytes).collect()),
        )),
    }
    let protected = cbor::encode(&Value::canonical_map(header));
    let payload = cbor::encode(claims);
    let tbs = cbor::encode(&Value::Array(vec![
        Value::text("Signature1"),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.clone()),
    ]));
    let signature = signer.sign_es256(&tbs).map_err(|_| StatusError::Signing)?;
    Ok(cbor::encode(&Value::Tag(
        COSE_SIGN1_TAG,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(payload),
            Value::Bytes(signature.to_vec()),
        ])),
    )))
}

/// Opens a status CWT: size bound, bounded CBOR decode, tag 18 (an untagged COSE_Sign1 is
/// accepted too, as drafts before -15 produced), COSE structure, protected header, claims map.
pub fn open(bytes: &[u8]) -> Result<Envelope, StatusError> {
    if bytes.len() > MAX_TOKEN_LEN {
        return Err(StatusError::TokenTooLarge {
            limit: MAX_TOKEN_LEN,
        });
    }
    let limits = Limits {
        max_input: MAX_TOKEN_LEN,
        ..Limits::DEFAULT
    };
    let value =
        cbor::decode_with_limits(bytes, limits).map_err(|_| StatusError::Malformed("CBOR"))?;
    let inner = match value {
        Value::Tag(COSE_SIGN1_TAG, inner) => *inner,
        Value::Tag(CWT_TAG, _) => return Err(StatusError::Malformed("CWT tag 61 is not allowed")),
        Value::Tag(_, _) => return Err(StatusError::Malformed("not a COSE_Sign1")),
        untagged => untagged,
    };
    let sign1 = CoseSign1::from_value(&inner).map_err(|_| StatusError::Malformed("COSE_Sign1"))?;
    let Some([protected, unprotected, _, _]) = inner.as_array() else {
        return Err(StatusError::Malformed("COSE_Sign1"));
    };
    let protected = match protected.as_bytes() {
        Some([]) | None => Value::Map(Vec::new()),
        Some(bytes) => {
            cbor::decode(bytes).map_err(|_| StatusError::Malformed("protected header"))?
        }
    };
    let typ = match protected.get_int(TYP) {
        None => None,
        Some(Value::Text(t)) => Some(t.clone()),
        Some(Value::Unsigned(n)) => Some(n.to_string()),
        Some(_) => return Err(StatusError::Malformed("typ")),
    };
    let protected_x5chain = match protected.get_int(X5CHAIN) {
        None => Vec::new(),
        Some(Value::Bytes(der)) => vec![der.clone()],
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_X5CHAIN_LEN => items
            .iter()
            .map(|c| c.as_bytes().map(<[u8]>::to_vec))
            .collect::<Option<Vec<_>>>()
            .ok_or(StatusError::Malformed("x5chain"))?,
        Some(_) => return Err(StatusError::Malformed("x5chain")),
    };
    let unprotected_x5chain = unprotected.get_int(X5CHAIN).is_some();
    let payload = sign1
        .payload()
        .ok_or(StatusError::Malformed("detached payload"))?;
    let claims =
        cbor::decode_with_limits(payload, limits).map_err(|_| StatusError::Malformed("claims"))?;
    if claims.as_map().is_none() {
        return Err(StatusError::Malformed("claims are not a map"));
    }
    Ok(Envelope {
        sign1,
        typ,
        protected_x5chain,
        unprotected_x5chain,
        claims,
    })
}

impl Envelope {
    /// Verifies the ES256 signature with `key`, over the bytes as received.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), StatusError> {
        self.sign1
            .verify(key, None)
            .map_err(|_| StatusError::BadSignature)
    }
}
