//! The COSE_Sign1 around a trust list: the only file of this module that touches COSE.

use p256::ecdsa::VerifyingKey;

use super::{MAX_LIST_LEN, TrustListError};
use crate::cbor::{self, Limits, Value};
use crate::cose::{CoseSign1, Es256Signer};

/// COSE header label of the algorithm.
const ALG: i64 = 1;
/// COSE header label of x5chain (RFC 9360).
const X5CHAIN: i64 = 33;
/// ES256.
const ES256: i64 = -7;
/// COSE_Sign1 tag (RFC 9052); the published VICALs and RICAL are untagged.
const COSE_SIGN1_TAG: u64 = 18;

/// A trust list opened but not yet verified: the signer chain and the payload as received.
#[derive(Debug, Clone)]
pub struct Envelope {
    sign1: CoseSign1,
    x5chain: Vec<Vec<u8>>,
}

impl Envelope {
    /// Opens list bytes: size bound, bounded CBOR decode (no trailing bytes), tag 18 or none,
    /// COSE_Sign1 structure, an x5chain (protected header first, else unprotected) of at most
    /// [`crate::cose::MAX_X5CHAIN_LEN`] certificates, and an attached payload.
    pub fn open(bytes: &[u8]) -> Result<Self, TrustListError> {
        if bytes.len() > MAX_LIST_LEN {
            return Err(TrustListError::TooLarge {
                limit: MAX_LIST_LEN,
            });
        }
        let limits = Limits {
            max_input: MAX_LIST_LEN,
            ..Limits::DEFAULT
        };
        let value = cbor::decode_with_limits(bytes, limits)
            .map_err(|_| TrustListError::Malformed("CBOR"))?;
        let inner = match value {
            Value::Tag(COSE_SIGN1_TAG, inner) => *inner,
            Value::Tag(_, _) => return Err(TrustListError::Malformed("not a COSE_Sign1")),
            untagged => untagged,
        };
        let sign1 =
            CoseSign1::from_value(&inner).map_err(|_| TrustListError::Malformed("COSE_Sign1"))?;
        let x5chain = sign1
            .x5chain()
            .map_err(|_| TrustListError::Malformed("x5chain"))?;
        if sign1.payload().is_none() {
            return Err(TrustListError::Malformed("detached payload"));
        }
        Ok(Envelope { sign1, x5chain })
    }

    /// The signer's chain (DER, leaf first), as received.
    pub fn x5chain(&self) -> &[Vec<u8>] {
        &self.x5chain
    }

    /// The payload bytes as received (checked attached by [`Envelope::open`]).
    pub fn payload(&self) -> &[u8] {
        self.sign1.payload().unwrap_or_default()
    }

    /// Verifies the ES256 signature with `key` over the bytes as received.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), TrustListError> {
        self.sign1
            .verify(key, None)
            .map_err(|_| TrustListError::BadSignature)
    }
}

/// Signs `payload` as an untagged COSE_Sign1 with `x5chain` in the protected header (RICAL) or
/// the unprotected one (VICAL).
pub(super) fn sign(
    signer: &(impl Es256Signer + ?Sized),
    x5chain: &[Vec<u8>],
    protected_chain: bool,
    payload: &[u8],
) -> Result<Vec<u8>, TrustListError> {
    let chain = match x5chain {
        [] => return Err(TrustListError::Signing),
        [one] => Value::Bytes(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::Bytes).collect()),
    };
    let mut protected = vec![(Value::int(ALG), Value::int(ES256))];
    let mut unprotected = Vec::new();
    if protected_chain {
        protected.push((Value::int(X5CHAIN), chain));
    } else {
        unprotected.push((Value::int(X5CHAIN), chain));
    }
    let protected = cbor::encode(&Value::canonical_map(protected));
    let tbs = cbor::encode(&Value::Array(vec![
        Value::text("Signature1"),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]));
    let signature = signer
        .sign_es256(&tbs)
        .map_err(|_| TrustListError::Signing)?;
    Ok(cbor::encode(&Value::Array(vec![
        Value::Bytes(protected),
        Value::Map(unprotected),
        Value::Bytes(payload.to_vec()),
        Value::Bytes(signature.to_vec()),
    ])))
}
