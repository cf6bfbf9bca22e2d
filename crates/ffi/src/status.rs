//! Credential status (revocation) across the boundary, on both sides; the core decides.
//!
//! Holder (`wallet::status`): `Wallet.statusReferences()` lists the status-list URIs for the
//! app to fetch in the background, `Wallet.updateStatus(uri, bytes)` verifies what came back
//! and records each credential's state, shown in its summary.
//!
//! Verifier (`verifier::status`): `VerifierSession.receiveResponse` verifies a response and
//! returns a [`PendingVerification`]; the app fetches its `statusUris()`, hands each result to
//! `offerStatus` / `statusFetchFailed`, and `finish()` gives the report with the
//! "Credential not revoked" check. One [`verifier::status::StatusChecker`] per `Verifier`
//! caches verified lists by URI (within their `ttl`/`exp`), so many checks verify a list once.

use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::clock::{Clock, SystemClock};
use mdoc::definitions::DeviceResponse;
use verifier::status::{Fetched, StatusChecker};

use crate::convert::VerificationReport;
use crate::holder::Wallet;

/// What the issuer last said about a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CredentialState {
    /// Valid.
    Valid,
    /// Revoked (final): the credential is not offered to verifiers.
    Revoked,
    /// Suspended: not offered to verifiers until reinstated.
    Suspended,
    /// The list could not answer (index out of range, an unknown status value).
    Unknown,
}

/// A credential's last status check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CredentialStatus {
    /// The state.
    pub state: CredentialState,
    /// When the list saying so was verified, seconds since the UNIX epoch.
    pub checked_at: i64,
}

impl From<wallet::status::RecordedStatus> for CredentialStatus {
    fn from(s: wallet::status::RecordedStatus) -> Self {
        use wallet::status::CredentialState as S;
        CredentialStatus {
            state: match s.state {
                S::Valid => CredentialState::Valid,
                S::Revoked => CredentialState::Revoked,
                S::Suspended => CredentialState::Suspended,
                S::Unknown => CredentialState::Unknown,
            },
            checked_at: s.checked_at.unix_seconds(),
        }
    }
}

/// Why a status update recorded nothing.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The fetched token was refused (signature, chain, subject, expiry, size, structure).
    #[error("status list refused: {reason}")]
    TokenRefused {
        /// Why.
        reason: String,
    },
    /// The credential store failed.
    #[error("storage: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
}

impl From<wallet::status::StatusUpdateError> for StatusError {
    fn from(e: wallet::status::StatusUpdateError) -> Self {
        use wallet::status::StatusUpdateError as E;
        match e {
            E::Token(t) => StatusError::TokenRefused {
                reason: t.to_string(),
            },
            other => StatusError::Storage {
                reason: other.to_string(),
            },
        }
    }
}

#[uniffi::export]
impl Wallet {
    /// The status-list URIs of every stored credential, each once: what the app fetches (in
    /// the background) and hands to `updateStatus`.
    pub fn status_references(&self) -> Vec<String> {
        self.inner.status_references()
    }

    /// Verifies the token fetched from `uri` and records, in each credential referencing it,
    /// its state and the check time. Returns how many credentials were updated. A refused
    /// token records nothing; a revocation stays recorded.
    pub fn update_status(&self, uri: String, token: Vec<u8>) -> Result<u32, StatusError> {
        let updated = self.inner.update_status(&uri, &token)?;
        Ok(u32::try_from(updated).unwrap_or(u32::MAX))
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A verified response waiting for its status lists before the report is final.
#[derive(uniffi::Object)]
pub struct PendingVerification {
    response: Option<DeviceResponse>,
    report: verifier::VerificationReport,
    checker: Arc<Mutex<StatusChecker>>,
}

impl PendingVerification {
    pub(crate) fn new(
        response: Option<DeviceResponse>,
        report: verifier::VerificationReport,
        checker: Arc<Mutex<StatusChecker>>,
    ) -> Arc<Self> {
        Arc::new(PendingVerification {
            response,
            report,
            checker,
        })
    }
}

#[uniffi::export]
impl PendingVerification {
    /// The status-list URIs to fetch for this response: those referenced by its documents and
    /// not already verified within their `ttl`/`exp` by this verifier. Empty: nothing to fetch.
    pub fn status_uris(&self) -> Vec<String> {
        match &self.response {
            Some(response) => lock(&self.checker).uris_to_fetch(response, SystemClock.now()),
            None => Vec::new(),
        }
    }

    /// The bytes fetched from `uri` (the status list token). Returns why the token was refused
    /// (the check will say the status is undetermined), or none when it verified.
    pub fn offer_status(&self, uri: String, token: Vec<u8>) -> Option<String> {
        lock(&self.checker)
            .offer(&uri, Fetched::Token(token), SystemClock.now())
            .err()
            .map(|e| e.to_string())
    }

    /// Fetching `uri` failed (network, HTTP error, timeout): the status is undetermined.
    pub fn status_fetch_failed(&self, uri: String) {
        // The refusal is the point: it is cached for this URI and shows in the check.
        let _ = lock(&self.checker).offer(&uri, Fetched::Failed, SystemClock.now());
    }

    /// The report, with a "Credential not revoked" check on every authentic document that
    /// names a status list (undetermined fails the check). Can be called again after more
    /// lists were offered.
    pub fn finish(&self) -> VerificationReport {
        let mut report = self.report.clone();
        if let Some(response) = &self.response {
            lock(&self.checker).apply(response, &mut report, SystemClock.now());
        }
        VerificationReport::from(&report)
    }
}

/// Test only (`test-authority` feature): the status-list index in the MSO of `issuer_signed`
/// (CBOR IssuerSigned bytes, as an issuer returned them), or none when it names no status
/// list. The loopback issuer server revokes a document by any copy's index; a harness reads it
/// from the credential response its HTTP client carried. Does not verify the credential.
#[cfg(feature = "test-authority")]
#[uniffi::export]
pub fn status_list_index(
    issuer_signed: Vec<u8>,
) -> Result<Option<u64>, crate::error::CitizenWalletError> {
    use crate::error::CitizenWalletError;
    let issuer_signed: mdoc::definitions::IssuerSigned = mdoc::limits::ISSUER_SIGNED
        .decode(&issuer_signed)
        .map_err(CitizenWalletError::invalid)?;
    let reference =
        mdoc::status::status_reference(&issuer_signed).map_err(CitizenWalletError::invalid)?;
    Ok(reference.and_then(|r| r.status_list).map(|l| l.idx))
}
