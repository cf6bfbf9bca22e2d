//! COSE_Sign1 with ES256: issuerAuth, readerAuth and deviceSignature.

use coset::iana;
use p256::ecdsa::{Signature, VerifyingKey};
use signature::Verifier;

use super::{CoseError, from_value, to_value};
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

impl CoseSign1 {
    /// Reads a COSE_Sign1 from a decoded CBOR value.
    pub fn from_value(value: &Value) -> Result<Self, CoseError> {
        Ok(CoseSign1 {
            inner: from_value(value)?,
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
        let protected = coset::HeaderBuilder::new()
            .algorithm(iana::Algorithm::ES256)
            .build();
        let mut unprotected = coset::HeaderBuilder::new();
        match x5chain {
            [] => {}
            [single] => {
                unprotected = unprotected.value(X5CHAIN, ciborium::Value::Bytes(single.clone()))
            }
            chain => {
                let certs = chain
                    .iter()
                    .map(|c| ciborium::Value::Bytes(c.clone()))
                    .collect();
                unprotected = unprotected.value(X5CHAIN, ciborium::Value::Array(certs));
            }
        }
        let builder = coset::CoseSign1Builder::new()
            .protected(protected)
            .unprotected(unprotected.build());
        let inner = match mode {
            Payload::Attached => builder
                .payload(payload.to_vec())
                .try_create_signature(&[], |tbs| signer.sign_es256(tbs).map(|s| s.to_vec()))?,
            Payload::Detached => builder.try_create_detached_signature(payload, &[], |tbs| {
                signer.sign_es256(tbs).map(|s| s.to_vec())
            })?,
        }
        .build();
        // Round-trip so that the protected header carries the bytes that were signed.
        Self::from_value(&to_value(inner))
    }

    /// The attached payload, if any.
    pub fn payload(&self) -> Option<&[u8]> {
        self.inner.payload.as_deref()
    }

    /// The certificates of the x5chain header (DER, leaf first), from either header bucket.
    pub fn x5chain(&self) -> Result<Vec<Vec<u8>>, CoseError> {
        let label = coset::Label::Int(X5CHAIN);
        let found = self
            .inner
            .protected
            .header
            .rest
            .iter()
            .chain(self.inner.unprotected.rest.iter())
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v)
            .ok_or(CoseError::X5Chain)?;
        let chain = match found {
            ciborium::Value::Bytes(cert) => vec![cert.clone()],
            ciborium::Value::Array(certs)
                if !certs.is_empty() && certs.len() <= MAX_X5CHAIN_LEN =>
            {
                certs
                    .iter()
                    .map(|c| c.as_bytes().cloned().ok_or(CoseError::X5Chain))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(CoseError::X5Chain),
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
        let tbs = match (&self.inner.payload, detached_payload) {
            (Some(_), None) => self.inner.tbs_data(&[]),
            (None, Some(payload)) => self.inner.tbs_detached_data(payload, &[]),
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
        let signature =
            Signature::from_slice(&self.inner.signature).map_err(|_| CoseError::SignatureFormat)?;
        key.verify(&tbs, &signature)
            .map_err(|_| CoseError::BadSignature)
    }
}

/// Checks the protected header: the required algorithm, and no critical parameters we do not
/// understand.
pub(super) fn check_protected(
    protected: &coset::ProtectedHeader,
    alg: iana::Algorithm,
    name: &'static str,
) -> Result<(), CoseError> {
    if protected.header.alg != Some(coset::Algorithm::Assigned(alg)) {
        return Err(CoseError::Algorithm { expected: name });
    }
    if !protected.header.crit.is_empty() {
        return Err(CoseError::UnsupportedCritical);
    }
    Ok(())
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
        assert_eq!(
            parsed.verify(key().verifying_key(), None),
            Err(CoseError::Algorithm { expected: "ES256" })
        );
    }
}
