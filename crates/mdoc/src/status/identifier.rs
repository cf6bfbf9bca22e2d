//! The identifier list CWT of ISO/IEC 18013-5 second edition §12.3.6.4.
//!
//! Assumed from the standard's text as implementations read it (we have not seen the
//! published text itself): a CWT with protected `typ` `application/identifierlist+cwt`, the
//! common claims `sub` (the list URI), `iat`, `exp`, `ttl`, and claim 65530 holding
//! `IdentifierList = { "identifiers": { * bstr => IdentifierInfo }, ? "aggregation_uri": tstr }`
//! where `IdentifierInfo` is a map reserved for future use. A credential whose MSO
//! `identifier_list.id` is a key of `identifiers` is revoked; absent means valid. There is no
//! "suspended" in this mechanism.

use std::collections::BTreeSet;

use p256::ecdsa::VerifyingKey;

use super::cwt::{self, Envelope};
use super::{StatusError, TokenClaims};
use crate::cbor::Value;
use crate::cose::Es256Signer;

/// The protected `typ` of an identifier list CWT.
pub const IDENTIFIER_LIST_TYP: &str = "application/identifierlist+cwt";
/// CWT claim key of the identifier list.
const IDENTIFIER_LIST: i64 = 65530;

/// The set of revoked identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierList {
    identifiers: BTreeSet<Vec<u8>>,
}

impl IdentifierList {
    /// An empty list.
    pub fn new() -> Self {
        IdentifierList::default()
    }

    /// Adds a revoked identifier.
    pub fn insert(&mut self, id: Vec<u8>) {
        self.identifiers.insert(id);
    }

    /// Removes an identifier (reinstated).
    pub fn remove(&mut self, id: &[u8]) {
        self.identifiers.remove(id);
    }

    /// True when `id` is listed (revoked).
    pub fn contains(&self, id: &[u8]) -> bool {
        self.identifiers.contains(id)
    }

    /// The number of listed identifiers.
    pub fn len(&self) -> usize {
        self.identifiers.len()
    }

    /// True when nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.identifiers.is_empty()
    }

    fn to_cbor(&self) -> Value {
        let ids = self
            .identifiers
            .iter()
            .map(|id| (Value::Bytes(id.clone()), Value::Map(Vec::new())))
            .collect();
        Value::canonical_map(vec![(
            Value::text("identifiers"),
            Value::canonical_map(ids),
        )])
    }

    fn from_cbor(value: &Value) -> Result<Self, StatusError> {
        let ids = value
            .get("identifiers")
            .and_then(Value::as_map)
            .ok_or(StatusError::Malformed("identifiers"))?;
        let mut list = IdentifierList::new();
        for (id, _) in ids {
            let id = id.as_bytes().ok_or(StatusError::Malformed("identifier"))?;
            list.insert(id.to_vec());
        }
        Ok(list)
    }
}

/// An identifier list CWT, opened; not trusted until verified.
#[derive(Debug, Clone)]
pub struct IdentifierListToken {
    envelope: Envelope,
    /// `sub`, `iat`, `exp`, `ttl`.
    pub claims: TokenClaims,
    /// The listed identifiers.
    pub list: IdentifierList,
}

impl IdentifierListToken {
    /// Signs an identifier list CWT with `x5chain` in the protected header.
    pub fn sign(
        signer: &(impl Es256Signer + ?Sized),
        x5chain: &[Vec<u8>],
        claims: &TokenClaims,
        list: &IdentifierList,
    ) -> Result<Vec<u8>, StatusError> {
        let mut entries = claims.to_entries();
        entries.push((Value::int(IDENTIFIER_LIST), list.to_cbor()));
        cwt::sign(
            signer,
            IDENTIFIER_LIST_TYP,
            x5chain,
            &Value::canonical_map(entries),
        )
    }

    /// Opens token bytes: structure, `typ`, claims, identifiers.
    pub fn open(bytes: &[u8]) -> Result<Self, StatusError> {
        let envelope = cwt::open(bytes)?;
        if envelope.typ.as_deref() != Some(IDENTIFIER_LIST_TYP) {
            return Err(StatusError::WrongType {
                expected: IDENTIFIER_LIST_TYP,
            });
        }
        let claims = TokenClaims::from_claims(&envelope.claims)?;
        let list = envelope
            .claims
            .get_int(IDENTIFIER_LIST)
            .ok_or(StatusError::Malformed("identifier_list claim"))?;
        let list = IdentifierList::from_cbor(list)?;
        Ok(IdentifierListToken {
            envelope,
            claims,
            list,
        })
    }

    /// The COSE envelope (for [`super::verify_signer`]).
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope, claims and list, without copying them.
    pub fn into_parts(self) -> (Envelope, TokenClaims, IdentifierList) {
        (self.envelope, self.claims, self.list)
    }

    /// Verifies the signature with a key resolved out of band.
    pub fn verify_with_key(&self, key: &VerifyingKey) -> Result<(), StatusError> {
        self.envelope.verify(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    #[test]
    fn sign_open_and_look_up() {
        let key = p256::ecdsa::SigningKey::from(crate::rng::new_p256_secret_key());
        let mut list = IdentifierList::new();
        list.insert(vec![1, 2, 3]);
        list.insert(vec![9]);
        let claims = TokenClaims {
            sub: "https://issuer.example/ids/1".into(),
            iat: Timestamp::from_unix_seconds(1_800_000_000),
            exp: None,
            ttl: Some(60),
        };
        let bytes = IdentifierListToken::sign(&key, &[vec![0x30]], &claims, &list).unwrap();
        let token = IdentifierListToken::open(&bytes).unwrap();
        token.verify_with_key(key.verifying_key()).unwrap();
        assert!(token.list.contains(&[1, 2, 3]));
        assert!(!token.list.contains(&[1, 2]));
        assert_eq!(token.list.len(), 2);
        assert_eq!(token.claims, claims);
        // A status list token is not an identifier list.
        let status = crate::status::StatusListToken::sign(
            &key,
            &[],
            &claims,
            &crate::status::StatusList::new(crate::status::Bits::One, 8).unwrap(),
        )
        .unwrap();
        assert_eq!(
            IdentifierListToken::open(&status).unwrap_err(),
            StatusError::WrongType {
                expected: IDENTIFIER_LIST_TYP
            }
        );
        for len in 0..bytes.len() {
            assert!(IdentifierListToken::open(&bytes[..len]).is_err());
        }
    }
}
