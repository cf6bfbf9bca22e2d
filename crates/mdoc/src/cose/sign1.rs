//! COSE_Sign1 with ES256: issuerAuth, readerAuth and deviceSignature.

use p256::ecdsa::{Signature, VerifyingKey};
use signature::Verifier;

use ciborium::Value as CValue;
use coset::{Header, Label, SignatureContext, iana};

use super::convert::ciborium_type;
use super::{CoseError, Parts, check_protected, protected_alg, to_value};
use crate::cbor::{CborError, FromCbor, ToCbor, Value};

/// COSE header label of x5chain (RFC 9360).
const X5CHAIN: i64 = 33;
/// Most certificates accepted in one x5chain.
pub const MAX_X5CHAIN_LEN: usize = 8;

/// Where the payload of a new COSE_Sign1 goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Inside the structure (issuerAuth).
    Attached,
    /// Left out and supplied again by the verifier (readerAuth, deviceSignature).
    Detached,
}

/// A failure reported by an [`Es256Signer`], for example a secure area that refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SignerError {
    /// What went wrong, without secrets or personal data.
    pub reason: String,
}

/// Signs with ES256: SHA-256 of `message`, then ECDSA P-256, returned as 64 bytes r||s.
///
/// Device keys live in a secure area the app implements, so signing is a seam: the core hands
/// over the COSE ToBeSigned bytes and never sees the private key.
pub trait Es256Signer {
    /// Signs `message` (hashing it with SHA-256 first).
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignerError>;
}

impl Es256Signer for p256::ecdsa::SigningKey {
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        let signature: Signature =
            signature::Signer::try_sign(self, message).map_err(|_| SignerError {
                reason: "ECDSA signing failed".to_owned(),
            })?;
        Ok(signature.to_bytes().into())
    }
}

/// ES256 with a bare private key, without deriving its public key first (which
/// `SigningKey::from` does, and which costs as much as the signature itself). For secure areas
/// that hold keys in software and load them per operation.
pub fn sign_es256_with(secret: &p256::SecretKey, message: &[u8]) -> [u8; 64] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(message);
    let (signature, _) = ecdsa::hazmat::sign_prehashed_rfc6979::<p256::NistP256, sha2::Sha256>(
        &secret.to_nonzero_scalar(),
        &digest,
        &[],
    );
    signature.to_bytes().into()
}

/// A COSE_Sign1 (untagged, as ISO 18013-5 uses it) whose protected header and payload keep the
/// bytes they were received with, so verification covers exactly what the signer signed.
#[derive(Clone, PartialEq)]
pub struct CoseSign1 {
    inner: coset::CoseSign1,
}

impl std::fmt::Debug for CoseSign1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoseSign1")
            .field("payload_len", &self.inner.payload.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// The value under the integer `label` in a header's other parameters.
fn header_value(header: &Header, label: i64) -> Option<&CValue> {
    header
        .rest
        .iter()
        .find(|(l, _)| *l == Label::Int(label))
        .map(|(_, v)| v)
}

impl CoseSign1 {
    /// Reads a COSE_Sign1 from a decoded CBOR value.
    pub fn from_value(value: &Value) -> Result<Self, CoseError> {
        let parts = Parts::from_value(value)?;
        Ok(CoseSign1 {
            inner: coset::CoseSign1 {
                protected: parts.protected,
                unprotected: parts.unprotected,
                payload: parts.payload,
                signature: parts.tag,
            },
        })
    }

    /// Signs `payload` with ES256 through `signer`, putting `x5chain` (DER, leaf first; may be
    /// empty) in the unprotected header.
    pub fn sign<S: Es256Signer + ?Sized>(
        signer: &S,
        payload: &[u8],
        mode: Payload,
        x5chain: &[Vec<u8>],
    ) -> Result<Self, CoseError> {
        let mut unprotected = Header::default();
        match x5chain {
            [] => {}
            [single] => unprotected
                .rest
                .push((Label::Int(X5CHAIN), CValue::Bytes(single.clone()))),
            chain => unprotected.rest.push((
                Label::Int(X5CHAIN),
                CValue::Array(chain.iter().cloned().map(CValue::Bytes).collect()),
            )),
        }
        let mut inner = coset::CoseSign1 {
            protected: protected_alg(iana::Algorithm::ES256),
            unprotected,
            payload: (mode == Payload::Attached).then(|| payload.to_vec()),
            signature: Vec::new(),
        };
        let tbs = to_be_signed(&inner, payload);
        inner.signature = signer.sign_es256(&tbs)?.to_vec();
        Ok(CoseSign1 { inner })
    }

    /// The attached payload, if any.
    pub fn payload(&self) -> Option<&[u8]> {
        self.inner.payload.as_deref()
    }

    /// The certificates of the x5chain header (DER, leaf first), from either header bucket.
    pub fn x5chain(&self) -> Result<Vec<Vec<u8>>, CoseError> {
        let found = header_value(&self.inner.protected.header, X5CHAIN)
            .or_else(|| header_value(&self.inner.unprotected, X5CHAIN))
            .ok_or(CoseError::X5Chain)?;
        let wrong_type = |found: &CValue| CoseError::HeaderType {
            label: X5CHAIN,
            expected: "a byte string or an array of byte strings",
            found: ciborium_type(found),
        };
        let chain = match found {
            CValue::Bytes(cert) => vec![cert.clone()],
            CValue::Array(certs) if !certs.is_empty() && certs.len() <= MAX_X5CHAIN_LEN => certs
                .iter()
                .map(|c| match c {
                    CValue::Bytes(cert) => Ok(cert.clone()),
                    other => Err(wrong_type(other)),
                })
                .collect::<Result<_, _>>()?,
            CValue::Array(_) => return Err(CoseError::X5Chain),
            other => return Err(wrong_type(other)),
        };
        Ok(chain)
    }

    /// Verifies the ES256 signature with `key`. `detached_payload` must be given exactly when
    /// the structure's payload is detached (null).
    pub fn verify(
        &self,
        key: &VerifyingKey,
        detached_payload: Option<&[u8]>,
    ) -> Result<(), CoseError> {
        check_protected(&self.inner.protected, iana::Algorithm::ES256, "ES256")?;
        let payload = match (&self.inner.payload, detached_payload) {
            (Some(attached), None) => attached.as_slice(),
            (None, Some(payload)) => payload,
            (Some(_), Some(_)) => {
                return Err(CoseError::PayloadMode {
                    expected: "detached",
                    found: "attached",
                });
            }
            (None, None) => {
                return Err(CoseError::PayloadMode {
                    expected: "attached",
                    found: "detached",
                });
            }
        };
        let tbs = to_be_signed(&self.inner, payload);
        let signature =
            Signature::from_slice(&self.inner.signature).map_err(|_| CoseError::SignatureFormat)?;
        key.verify(&tbs, &signature)
            .map_err(|_| CoseError::BadSignature)
    }
}

/// The Sig_structure `["Signature1", protected bytes, h'', payload]` (coset builds it from the
/// protected header's bytes as received).
fn to_be_signed(sign1: &coset::CoseSign1, payload: &[u8]) -> Vec<u8> {
    coset::sig_structure_data(
        SignatureContext::CoseSign1,
        sign1.protected.clone(),
        None,
        &[],
        payload,
    )
}

impl FromCbor for CoseSign1 {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        CoseSign1::from_value(value).map_err(|_| CborError::InvalidValue {
            context: "COSE_Sign1",
        })
    }
}

impl ToCbor for CoseSign1 {
    fn to_cbor(&self) -> Value {
        to_value(self.inner.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from(crate::rng::new_p256_secret_key())
    }

    #[test]
    fn attached_and_detached_sign_and_verify() {
        let signer = key();
        let verifier = *signer.verifying_key();
        let attached =
            CoseSign1::sign(&signer, b"payload", Payload::Attached, &[vec![1, 2, 3]]).unwrap();
        attached.verify(&verifier, None).unwrap();
        assert_eq!(attached.payload(), Some(&b"payload"[..]));
        assert_eq!(attached.x5chain().unwrap(), vec![vec![1, 2, 3]]);
        assert_eq!(
            attached.verify(&verifier, Some(b"payload")),
            Err(CoseError::PayloadMode {
                expected: "detached",
                found: "attached"
            })
        );

        let detached =
            CoseSign1::sign(&signer, b"payload", Payload::Detached, &[vec![1], vec![2]]).unwrap();
        detached.verify(&verifier, Some(b"payload")).unwrap();
        assert_eq!(detached.x5chain().unwrap().len(), 2);
        assert_eq!(
            detached.verify(&verifier, Some(b"other")),
            Err(CoseError::BadSignature)
        );
        assert_eq!(
            detached.verify(key().verifying_key(), Some(b"payload")),
            Err(CoseError::BadSignature)
        );
        let round = CoseSign1::from_value(&detached.to_cbor()).unwrap();
        round.verify(&verifier, Some(b"payload")).unwrap();
    }

    #[test]
    fn bare_key_signatures_equal_signing_key_signatures() {
        let secret = crate::rng::new_p256_secret_key();
        let signing = p256::ecdsa::SigningKey::from(secret.clone());
        // RFC 6979 signatures are deterministic, so both paths give the same bytes.
        assert_eq!(
            sign_es256_with(&secret, b"message"),
            signing.sign_es256(b"message").unwrap()
        );
    }

    #[test]
    fn refuses_malformed_and_wrong_algorithms() {
        assert_eq!(
            CoseSign1::from_value(&Value::Null),
            Err(CoseError::Malformed)
        );
        assert_eq!(
            CoseSign1::from_value(&Value::Array(vec![])),
            Err(CoseError::Malformed)
        );
        // `undefined` is not `nil`: a detached signature must carry null, and nothing may be
        // silently rewritten on its way into coset.
        let undefined_payload = Value::Array(vec![
            Value::Bytes(vec![0xa1, 0x01, 0x26]),
            Value::Map(vec![]),
            Value::Undefined,
            Value::Bytes(vec![0; 64]),
        ]);
        assert_eq!(
            CoseSign1::from_value(&undefined_payload),
            Err(CoseError::Malformed)
        );
        let no_chain = CoseSign1::sign(&key(), b"p", Payload::Attached, &[]).unwrap();
        assert_eq!(no_chain.x5chain(), Err(CoseError::X5Chain));
        // Protected header {1: -35} (ES384).
        let es384 = Value::Array(vec![
            Value::Bytes(vec![0xa1, 0x01, 0x38, 0x22]),
            Value::Map(vec![]),
            Value::Bytes(b"p".to_vec()),
            Value::Bytes(vec![0; 64]),
        ]);
        let parsed = CoseSign1::from_value(&es384).unwrap();
        let refused = parsed.verify(key().verifying_key(), None).unwrap_err();
        assert_eq!(
            refused,
            CoseError::Algorithm {
                expected: "ES256",
                found: Some(-35)
            }
        );
        assert_eq!(
            refused.to_string(),
            "COSE protected header label 1 (alg) is -35, expected ES256"
        );
    }

    /// The error names the header label and the type found there.
    #[test]
    fn a_mistyped_x5chain_names_its_label_and_type() {
        for (x5chain, found) in [
            (Value::text("not a certificate"), "a text string"),
            (Value::Array(vec![Value::int(1)]), "an integer"),
        ] {
            let value = Value::Array(vec![
                Value::Bytes(vec![0xa1, 0x01, 0x26]),
                Value::Map(vec![(Value::int(X5CHAIN), x5chain)]),
                Value::Bytes(b"p".to_vec()),
                Value::Bytes(vec![0; 64]),
            ]);
            let error = CoseSign1::from_value(&value)
                .unwrap()
                .x5chain()
                .unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "COSE header label 33 holds {found}, expected a byte string or an array of byte strings"
                )
            );
        }
    }
}
