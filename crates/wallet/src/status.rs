//! Credential status on the holder's side: which lists to fetch, and recording what they say.
//!
//! Sans-IO: [`Wallet::status_references`] gives the URIs the app fetches in the background;
//! [`Wallet::update_status`] verifies a fetched token (signer chained to the wallet's issuer
//! IACAs with x5chain protected, `sub` == URI, `exp`, `iat`, bounded inflate) and records each
//! referencing credential's status, with when it was checked, in that credential's own store
//! record (one atomic rewrite each). A revoked or suspended credential is not offered in
//! consent; the consent document says why ([`withheld_reason`]).

use std::collections::BTreeSet;

use mdoc::cbor::{self, Value};
use mdoc::definitions::IssuerSigned;
use mdoc::status::{
    DEFAULT_MAX_INFLATED, StatusError, StatusReference, StatusType, VerifiedList, VerifiedToken,
    status_reference, verify_token,
};
use mdoc::time::Timestamp;

use crate::store::{CredentialSummary, StoreError};
use crate::wallet::Wallet;

/// What the issuer last said about a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialState {
    /// VALID.
    Valid,
    /// Revoked (INVALID, or listed in an identifier list). Final.
    Revoked,
    /// Suspended.
    Suspended,
    /// The list could not answer (index out of range, an unknown status value).
    Unknown,
}

impl CredentialState {
    /// Orders states by how much they stop a presentation.
    fn gravity(self) -> u8 {
        match self {
            CredentialState::Valid => 0,
            CredentialState::Unknown => 1,
            CredentialState::Suspended => 2,
            CredentialState::Revoked => 3,
        }
    }

    fn code(self) -> u64 {
        match self {
            CredentialState::Valid => 0,
            CredentialState::Revoked => 1,
            CredentialState::Suspended => 2,
            CredentialState::Unknown => 3,
        }
    }

    fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            0 => CredentialState::Valid,
            1 => CredentialState::Revoked,
            2 => CredentialState::Suspended,
            3 => CredentialState::Unknown,
            _ => return None,
        })
    }
}

/// A status as recorded with a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedStatus {
    /// The state.
    pub state: CredentialState,
    /// When the list saying so was verified (the wallet's clock).
    pub checked_at: Timestamp,
}

impl RecordedStatus {
    pub(crate) fn to_cbor(self) -> Value {
        Value::canonical_map(vec![
            (Value::text("state"), Value::from(self.state.code())),
            (
                Value::text("checkedAt"),
                Value::int(self.checked_at.unix_seconds()),
            ),
        ])
    }

    pub(crate) fn from_cbor(value: &Value) -> Option<Self> {
        Some(RecordedStatus {
            state: CredentialState::from_code(value.get("state")?.as_u64()?)?,
            checked_at: Timestamp::from_unix_seconds(value.get("checkedAt")?.as_i64()?),
        })
    }
}

/// Why a status update failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusUpdateError {
    /// The token was refused; nothing was recorded.
    #[error("status list refused: {0}")]
    Token(#[from] StatusError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// True when a credential must not be offered: revoked or suspended.
pub fn blocks_presentation(summary: &CredentialSummary) -> bool {
    matches!(
        summary.status.map(|s| s.state),
        Some(CredentialState::Revoked | CredentialState::Suspended)
    )
}

/// Why no credential of `doc_type` can be shared although one is held, if that is the case.
pub fn withheld_reason(
    credentials: &[CredentialSummary],
    doc_type: &str,
    now: Timestamp,
) -> Option<String> {
    let of_type: Vec<&CredentialSummary> = credentials
        .iter()
        .filter(|c| c.doc_type == doc_type && c.valid_from <= now && now <= c.valid_until)
        .collect();
    if of_type.is_empty() || of_type.iter().any(|c| !blocks_presentation(c)) {
        return None;
    }
    let status = of_type.iter().find_map(|c| c.status)?;
    let verb = match status.state {
        CredentialState::Revoked => "revoked",
        _ => "suspended",
    };
    Some(format!(
        "The issuer has {verb} this credential (status checked {}), so it cannot be shared.",
        status.checked_at.to_rfc3339()
    ))
}

/// What `list` says of the credential behind `reference`; `None` when it does not point there.
fn state_on_list(
    reference: &StatusReference,
    uri: &str,
    verified: &VerifiedToken,
) -> Option<CredentialState> {
    let pinned = |cert: &Option<Vec<u8>>| cert.as_ref().is_none_or(|c| *c == verified.signer);
    match &verified.list {
        VerifiedList::Status(list) => {
            let entry = reference.status_list.as_ref()?;
            (entry.uri == uri && pinned(&entry.certificate)).then(|| match list.status(entry.idx) {
                Ok(StatusType::Valid) => CredentialState::Valid,
                Ok(StatusType::Invalid) => CredentialState::Revoked,
                Ok(StatusType::Suspended) => CredentialState::Suspended,
                Ok(StatusType::Other(_)) | Err(_) => CredentialState::Unknown,
            })
        }
        VerifiedList::Identifiers(list) => {
            let entry = reference.identifier_list.as_ref()?;
            (entry.uri == uri && pinned(&entry.certificate)).then(|| {
                if list.contains(&entry.id) {
                    CredentialState::Revoked
                } else {
                    CredentialState::Valid
                }
            })
        }
    }
}

fn reference_of(issuer_signed: &[u8]) -> Option<StatusReference> {
    let issuer_signed: IssuerSigned = cbor::from_slice(issuer_signed).ok()?;
    status_reference(&issuer_signed).ok().flatten()
}

impl Wallet {
    /// The status list URIs of every stored credential, each once: what the app fetches.
    pub fn status_references(&self) -> Vec<String> {
        let mut uris = BTreeSet::new();
        for summary in self.credentials() {
            let Ok(stored) = self.credential(&summary.id) else {
                continue;
            };
            for copy in &stored.record.copies {
                if let Some(reference) = reference_of(&copy.issuer_signed) {
                    uris.extend(reference.uris());
                }
            }
        }
        uris.into_iter().collect()
    }

    /// Verifies `token` fetched from `uri` and records, in each credential that references
    /// `uri`, its status and the check time. Returns how many credentials were updated. A
    /// refused token records nothing. A revocation stays recorded (it is final).
    pub fn update_status(&self, uri: &str, token: &[u8]) -> Result<usize, StatusUpdateError> {
        let now = self.now();
        let verified = verify_token(
            token,
            uri,
            &self.config().issuer_anchors,
            now,
            DEFAULT_MAX_INFLATED,
        )?;
        let mut updated = 0;
        for summary in self.credentials() {
            let stored = self
                .credential(&summary.id)
                .map_err(|_| StoreError::NotFound)?;
            // Each copy of a batch has its own index; the document takes the gravest state
            // any of its copies has on this list.
            let states = stored
                .record
                .copies
                .iter()
                .filter_map(|copy| reference_of(&copy.issuer_signed))
                .filter_map(|reference| state_on_list(&reference, uri, &verified));
            let Some(state) = states.max_by_key(|state| state.gravity()) else {
                continue;
            };
            let state = match summary.status {
                Some(previous) if previous.state == CredentialState::Revoked => {
                    CredentialState::Revoked
                }
                _ => state,
            };
            self.store().set_status(
                &summary.id,
                RecordedStatus {
                    state,
                    checked_at: now,
                },
            )?;
            updated += 1;
        }
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_status_round_trips_and_refuses_junk() {
        let status = RecordedStatus {
            state: CredentialState::Suspended,
            checked_at: Timestamp::from_unix_seconds(1_800_000_000),
        };
        assert_eq!(RecordedStatus::from_cbor(&status.to_cbor()), Some(status));
        assert_eq!(RecordedStatus::from_cbor(&Value::Null), None);
        let bad_state = Value::canonical_map(vec![
            (Value::text("state"), Value::from(9u64)),
            (Value::text("checkedAt"), Value::int(0)),
        ]);
        assert_eq!(RecordedStatus::from_cbor(&bad_state), None);
    }
}
