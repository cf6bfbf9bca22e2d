//! Revocation and status on the issuer side: indices assigned without reuse in random order,
//! the MSO `status` entry, revoke / suspend / reinstate, and signed Status List Tokens and
//! identifier lists (draft-ietf-oauth-status-list-20 §5.2, ISO/IEC 18013-5 second edition
//! §12.3.6) with the status signer's certificate in the protected header.
//!
//! The status signer is its own key, certified by the IACA with the Annex B document-signer
//! profile (the draft's `id-kp-oauthStatusSigning` EKU has no number yet), so a verifier chains
//! it to the same IACA as the credential's document signer.

use std::collections::BTreeSet;

use mdoc::cbor::Value;
use mdoc::cose::CoseKey;
use mdoc::status::{
    Bits, IdentifierList, IdentifierListRef, IdentifierListToken, StatusError, StatusList,
    StatusListRef, StatusListToken, StatusReference, StatusType, TokenClaims,
};
use mdoc::time::Timestamp;
use rand_core::Rng;

use crate::certs::{CertificateProfile, CertifiedKey, IssuerError};
use crate::credential::{
    CredentialData, IssuedCredential, TestIssuer, ValidityWindow, issue_credential_with_status,
};

/// Why a status operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusIssuerError {
    /// Every index of the list is assigned.
    #[error("the status list is full")]
    Full,
    /// The index was never assigned by this list.
    #[error("status index {0} is not assigned")]
    NotAssigned(u64),
    /// The identifier was never assigned by this list.
    #[error("identifier is not assigned")]
    UnknownIdentifier,
    /// Suspension needs at least two bits per entry.
    #[error("this status list cannot express SUSPENDED (1 bit per entry)")]
    CannotSuspend,
    /// A revoked credential stays revoked.
    #[error("a revoked credential cannot be reinstated")]
    RevocationIsFinal,
    /// The list structure refused the operation.
    #[error("status list: {0}")]
    List(#[from] StatusError),
    /// Certificates or issuing failed.
    #[error("issuer: {0}")]
    Issuer(#[from] IssuerError),
}

/// A uniformly random `u64` below `bound` (> 0), by rejection sampling.
fn below(rng: &mut impl Rng, bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let r = rng.next_u64();
        if r < zone {
            return r % bound;
        }
    }
}

/// The key that signs status tokens, certified by the IACA.
#[derive(Debug, Clone)]
pub struct StatusSigner {
    key: CertifiedKey,
}

impl StatusSigner {
    /// A status signer certified by `iaca`, valid from `not_before` for `days` days.
    pub fn new(
        iaca: &CertifiedKey,
        name: &str,
        country: &str,
        not_before: Timestamp,
        days: i64,
    ) -> Result<Self, IssuerError> {
        let profile = CertificateProfile::new(
            &format!("{name} Status List Signer"),
            country,
            not_before,
            days,
        );
        Ok(StatusSigner {
            key: CertifiedKey::new_document_signer(iaca, &profile)?,
        })
    }

    /// The certified key.
    pub fn certified_key(&self) -> &CertifiedKey {
        &self.key
    }

    fn x5chain(&self) -> Vec<Vec<u8>> {
        vec![self.key.certificate().der().to_vec()]
    }
}

/// One Token Status List as its issuer keeps it.
#[derive(Debug, Clone)]
pub struct StatusListIssuer {
    uri: String,
    list: StatusList,
    /// Indices not yet handed out, in random order (popped from the end).
    unassigned: Vec<u64>,
    assigned: BTreeSet<u64>,
}

impl StatusListIssuer {
    /// A list at `uri` of `capacity` entries of `bits` each, all VALID. The order in which
    /// indices are handed out is a uniform random permutation, so an index says nothing about
    /// when a credential was issued (draft §12.5 / linkability).
    pub fn new(uri: &str, bits: Bits, capacity: u32) -> Result<Self, StatusIssuerError> {
        let list = StatusList::new(bits, u64::from(capacity))?;
        let mut unassigned: Vec<u64> = (0..u64::from(capacity)).collect();
        let mut rng = mdoc::rng::system_rng();
        for i in (1..unassigned.len()).rev() {
            let j = usize::try_from(below(&mut rng, i as u64 + 1)).unwrap_or(0);
            unassigned.swap(i, j);
        }
        Ok(StatusListIssuer {
            uri: uri.to_owned(),
            list,
            unassigned,
            assigned: BTreeSet::new(),
        })
    }

    /// The list URI (the token's `sub`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Assigns a fresh index, never one handed out before.
    pub fn assign(&mut self) -> Result<StatusListRef, StatusIssuerError> {
        let idx = self.unassigned.pop().ok_or(StatusIssuerError::Full)?;
        self.assigned.insert(idx);
        Ok(StatusListRef {
            idx,
            uri: self.uri.clone(),
            certificate: None,
        })
    }

    /// The current status at `idx`.
    pub fn status(&self, idx: u64) -> Result<StatusType, StatusIssuerError> {
        self.check_assigned(idx)?;
        Ok(self.list.status(idx)?)
    }

    fn check_assigned(&self, idx: u64) -> Result<(), StatusIssuerError> {
        if self.assigned.contains(&idx) {
            Ok(())
        } else {
            Err(StatusIssuerError::NotAssigned(idx))
        }
    }

    /// Revokes `idx` (INVALID), for good.
    pub fn revoke(&mut self, idx: u64) -> Result<(), StatusIssuerError> {
        self.check_assigned(idx)?;
        Ok(self.list.set(idx, StatusType::Invalid.value())?)
    }

    /// Suspends `idx` (SUSPENDED); needs a list of two bits or more.
    pub fn suspend(&mut self, idx: u64) -> Result<(), StatusIssuerError> {
        self.check_assigned(idx)?;
        if self.list.bits() == Bits::One {
            return Err(StatusIssuerError::CannotSuspend);
        }
        if self.list.status(idx)? == StatusType::Invalid {
            return Err(StatusIssuerError::RevocationIsFinal);
        }
        Ok(self.list.set(idx, StatusType::Suspended.value())?)
    }

    /// Reinstates a suspended `idx` (VALID). A revoked index stays revoked.
    pub fn reinstate(&mut self, idx: u64) -> Result<(), StatusIssuerError> {
        self.check_assigned(idx)?;
        if self.list.status(idx)? == StatusType::Invalid {
            return Err(StatusIssuerError::RevocationIsFinal);
        }
        Ok(self.list.set(idx, StatusType::Valid.value())?)
    }

    /// Signs the current list: `iat` = `now`, `exp` = `now + valid_for` seconds, `ttl`.
    pub fn token(
        &self,
        signer: &StatusSigner,
        now: Timestamp,
        valid_for: i64,
        ttl: u64,
    ) -> Result<Vec<u8>, StatusIssuerError> {
        let claims = list_claims(&self.uri, now, valid_for, ttl);
        Ok(StatusListToken::sign(
            signer.key.signing_key(),
            &signer.x5chain(),
            &claims,
            &self.list,
        )?)
    }
}

/// One ISO identifier list as its issuer keeps it.
#[derive(Debug, Clone)]
pub struct IdentifierListIssuer {
    uri: String,
    assigned: BTreeSet<Vec<u8>>,
    revoked: IdentifierList,
}

impl IdentifierListIssuer {
    /// An empty identifier list at `uri`.
    pub fn new(uri: &str) -> Self {
        IdentifierListIssuer {
            uri: uri.to_owned(),
            assigned: BTreeSet::new(),
            revoked: IdentifierList::new(),
        }
    }

    /// The list URI (the token's `sub`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Assigns a fresh random 16-byte identifier.
    pub fn assign(&mut self) -> IdentifierListRef {
        loop {
            let id = mdoc::rng::random_bytes::<16>().to_vec();
            if self.assigned.insert(id.clone()) {
                return IdentifierListRef {
                    id,
                    uri: self.uri.clone(),
                    certificate: None,
                };
            }
        }
    }

    /// Revokes `id` (lists it).
    pub fn revoke(&mut self, id: &[u8]) -> Result<(), StatusIssuerError> {
        if !self.assigned.contains(id) {
            return Err(StatusIssuerError::UnknownIdentifier);
        }
        self.revoked.insert(id.to_vec());
        Ok(())
    }

    /// Signs the current list.
    pub fn token(
        &self,
        signer: &StatusSigner,
        now: Timestamp,
        valid_for: i64,
        ttl: u64,
    ) -> Result<Vec<u8>, StatusIssuerError> {
        let claims = list_claims(&self.uri, now, valid_for, ttl);
        Ok(IdentifierListToken::sign(
            signer.key.signing_key(),
            &signer.x5chain(),
            &claims,
            &self.revoked,
        )?)
    }
}

impl TestIssuer {
    /// Issues `data` to `device_key` with `status` in the MSO.
    pub fn issue_with_status(
        &self,
        data: &CredentialData,
        device_key: &CoseKey,
        validity: &ValidityWindow,
        status: &StatusReference,
    ) -> Result<IssuedCredential, IssuerError> {
        let value: Value = status.to_cbor();
        issue_credential_with_status(
            self.document_signer(),
            data,
            device_key,
            validity,
            Some(value),
        )
    }

    /// A status signer certified by this authority's IACA, valid like its document signer.
    pub fn new_status_signer(&self) -> Result<StatusSigner, IssuerError> {
        let ds = self.document_signer().certificate();
        let name = self
            .iaca()
            .certificate()
            .subject_common_name()
            .unwrap_or_else(|| "Issuer".to_owned());
        let country = ds.subject_country().unwrap_or_else(|| "GB".to_owned());
        let days = (ds.not_after().unix_seconds() - ds.not_before().unix_seconds()) / 86_400;
        StatusSigner::new(
            self.iaca(),
            name.trim_end_matches(" IACA"),
            &country,
            ds.not_before(),
            days,
        )
    }
}

/// The claims of a list token for `uri`: `iat` = `now`, `exp` = `now + valid_for` seconds, `ttl`.
fn list_claims(uri: &str, now: Timestamp, valid_for: i64, ttl: u64) -> TokenClaims {
    TokenClaims {
        sub: uri.to_owned(),
        iat: now,
        exp: Some(now.plus_seconds(valid_for)),
        ttl: Some(ttl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdoc::status::{DEFAULT_MAX_INFLATED, verify_signer};
    use mdoc::x509::TrustAnchors;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    #[test]
    fn indices_are_unique_and_not_in_issuance_order() {
        let mut list =
            StatusListIssuer::new("https://issuer.example/status/1", Bits::Two, 512).unwrap();
        let idx: Vec<u64> = (0..512).map(|_| list.assign().unwrap().idx).collect();
        let unique: BTreeSet<u64> = idx.iter().copied().collect();
        assert_eq!(unique.len(), 512);
        assert_eq!(list.assign(), Err(StatusIssuerError::Full));
        // A sequential assignment would be 0, 1, 2, ... (or its reverse); a random permutation
        // of 512 is one of those with probability 2/512!.
        let ascending: Vec<u64> = (0..512).collect();
        let descending: Vec<u64> = (0..512).rev().collect();
        assert_ne!(idx, ascending);
        assert_ne!(idx, descending);
    }

    #[test]
    fn revoke_suspend_reinstate_and_sign() {
        let issuer = TestIssuer::new("Test", "GB", now()).unwrap();
        let signer = issuer.new_status_signer().unwrap();
        let mut list =
            StatusListIssuer::new("https://issuer.example/status/1", Bits::Two, 64).unwrap();
        let a = list.assign().unwrap().idx;
        let b = list.assign().unwrap().idx;
        list.suspend(a).unwrap();
        assert_eq!(list.status(a), Ok(StatusType::Suspended));
        list.reinstate(a).unwrap();
        assert_eq!(list.status(a), Ok(StatusType::Valid));
        list.revoke(b).unwrap();
        assert_eq!(list.reinstate(b), Err(StatusIssuerError::RevocationIsFinal));
        assert_eq!(list.suspend(b), Err(StatusIssuerError::RevocationIsFinal));
        let unassigned = (0..64).find(|i| *i != a && *i != b).unwrap();
        assert_eq!(
            list.revoke(unassigned),
            Err(StatusIssuerError::NotAssigned(unassigned))
        );

        let bytes = list.token(&signer, now(), 86_400, 3_600).unwrap();
        let token = StatusListToken::open(&bytes, DEFAULT_MAX_INFLATED).unwrap();
        let anchors = TrustAnchors::new(vec![issuer.iaca().certificate().clone()]);
        verify_signer(token.envelope(), &anchors, now(), None).unwrap();
        assert_eq!(token.list.status(b), Ok(StatusType::Invalid));
        assert_eq!(token.list.status(a), Ok(StatusType::Valid));
        assert_eq!(token.claims.sub, "https://issuer.example/status/1");

        let mut one_bit =
            StatusListIssuer::new("https://issuer.example/status/2", Bits::One, 8).unwrap();
        let c = one_bit.assign().unwrap().idx;
        assert_eq!(one_bit.suspend(c), Err(StatusIssuerError::CannotSuspend));
    }

    #[test]
    fn identifier_lists_revoke_by_id() {
        let issuer = TestIssuer::new("Test", "GB", now()).unwrap();
        let signer = issuer.new_status_signer().unwrap();
        let mut ids = IdentifierListIssuer::new("https://issuer.example/ids/1");
        let a = ids.assign();
        let b = ids.assign();
        assert_ne!(a.id, b.id);
        ids.revoke(&a.id).unwrap();
        assert_eq!(
            ids.revoke(&[0; 16]),
            Err(StatusIssuerError::UnknownIdentifier)
        );
        let token =
            IdentifierListToken::open(&ids.token(&signer, now(), 600, 60).unwrap()).unwrap();
        let anchors = TrustAnchors::new(vec![issuer.iaca().certificate().clone()]);
        verify_signer(token.envelope(), &anchors, now(), None).unwrap();
        assert!(token.list.contains(&a.id));
        assert!(!token.list.contains(&b.id));
    }
}
