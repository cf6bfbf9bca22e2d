//! Status for what the credential issuer issues: every copy of a batch gets its own status-list
//! index (and, when an identifier list is kept, its own identifier), so two presentations of
//! one document share no status value. The copies of one credential response are remembered
//! together as a *document*, so an operator revokes, suspends or reinstates a document by any
//! one of its indices and every copy follows.

use std::sync::{Mutex, MutexGuard};

use mdoc::status::{StatusReference, StatusType};
use mdoc::time::Timestamp;

use crate::status::{IdentifierListIssuer, StatusIssuerError, StatusListIssuer, StatusSigner};

/// Most documents remembered (a pilot server; a full list refuses issuance before this).
const MAX_DOCUMENTS: usize = 1 << 20;

/// The copies of one issued document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Document {
    indices: Vec<u64>,
    ids: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct Lists {
    status: StatusListIssuer,
    identifiers: Option<IdentifierListIssuer>,
    documents: Vec<Document>,
}

/// What an operator can do to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// INVALID, for good (and listed in the identifier list).
    Revoke,
    /// SUSPENDED (needs a list of 2 bits or more).
    Suspend,
    /// Back to VALID from SUSPENDED (a revoked document stays revoked).
    Reinstate,
}

/// The status lists of a credential issuer and the documents issued under them.
#[derive(Debug)]
pub struct IssuerStatus {
    lists: Mutex<Lists>,
}

impl IssuerStatus {
    /// Status from `status` (and `identifiers` when given) for every copy issued.
    pub fn new(status: StatusListIssuer, identifiers: Option<IdentifierListIssuer>) -> Self {
        IssuerStatus {
            lists: Mutex::new(Lists {
                status,
                identifiers,
                documents: Vec::new(),
            }),
        }
    }

    fn lists(&self) -> MutexGuard<'_, Lists> {
        // Every update completes before the lock is released; a poisoned state is consistent.
        self.lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The Token Status List URI.
    pub fn status_list_uri(&self) -> String {
        self.lists().status.uri().to_owned()
    }

    /// The identifier list URI, when one is kept.
    pub fn identifier_list_uri(&self) -> Option<String> {
        self.lists()
            .identifiers
            .as_ref()
            .map(|i| i.uri().to_owned())
    }

    /// Assigns `copies` fresh references and remembers them as one document.
    pub(crate) fn assign(&self, copies: usize) -> Result<Vec<StatusReference>, StatusIssuerError> {
        let mut lists = self.lists();
        if lists.documents.len() >= MAX_DOCUMENTS {
            return Err(StatusIssuerError::Full);
        }
        let mut document = Document::default();
        let mut references = Vec::with_capacity(copies);
        for _ in 0..copies {
            let status_list = lists.status.assign()?;
            document.indices.push(status_list.idx);
            let identifier_list = lists.identifiers.as_mut().map(IdentifierListIssuer::assign);
            if let Some(entry) = &identifier_list {
                document.ids.push(entry.id.clone());
            }
            references.push(StatusReference {
                status_list: Some(status_list),
                identifier_list,
            });
        }
        lists.documents.push(document);
        Ok(references)
    }

    /// The status-list indices of the document that copy `idx` belongs to.
    pub fn document_of(&self, idx: u64) -> Option<Vec<u64>> {
        self.lists()
            .documents
            .iter()
            .find(|d| d.indices.contains(&idx))
            .map(|d| d.indices.clone())
    }

    /// The current status of index `idx`.
    pub fn status(&self, idx: u64) -> Result<StatusType, StatusIssuerError> {
        self.lists().status.status(idx)
    }

    /// Applies `action` to every copy of the document that copy `idx` belongs to and returns
    /// their indices. All or nothing: every copy is checked before any changes.
    pub fn apply(&self, idx: u64, action: StatusAction) -> Result<Vec<u64>, StatusIssuerError> {
        let mut lists = self.lists();
        let document = lists
            .documents
            .iter()
            .find(|d| d.indices.contains(&idx))
            .cloned()
            .ok_or(StatusIssuerError::NotAssigned(idx))?;
        // Dry run on a copy of the list, so a refusal on one copy changes none.
        let mut trial = lists.status.clone();
        for &i in &document.indices {
            act(&mut trial, i, action)?;
        }
        lists.status = trial;
        if action == StatusAction::Revoke {
            if let Some(identifiers) = lists.identifiers.as_mut() {
                for id in &document.ids {
                    identifiers.revoke(id)?;
                }
            }
        }
        Ok(document.indices)
    }

    /// The signed Token Status List (CWT): `iat` = `now`, `exp` = `now + valid_for`, `ttl`.
    pub fn status_list_token(
        &self,
        signer: &StatusSigner,
        now: Timestamp,
        valid_for: i64,
        ttl: u64,
    ) -> Result<Vec<u8>, StatusIssuerError> {
        self.lists().status.token(signer, now, valid_for, ttl)
    }

    /// The signed identifier list (CWT), when one is kept.
    pub fn identifier_list_token(
        &self,
        signer: &StatusSigner,
        now: Timestamp,
        valid_for: i64,
        ttl: u64,
    ) -> Option<Result<Vec<u8>, StatusIssuerError>> {
        self.lists()
            .identifiers
            .as_ref()
            .map(|i| i.token(signer, now, valid_for, ttl))
    }
}

fn act(
    list: &mut StatusListIssuer,
    idx: u64,
    action: StatusAction,
) -> Result<(), StatusIssuerError> {
    match action {
        StatusAction::Revoke => list.revoke(idx),
        StatusAction::Suspend => list.suspend(idx),
        StatusAction::Reinstate => list.reinstate(idx),
    }
}

#[cfg(test)]
mod tests {
    use mdoc::status::Bits;

    use super::*;

    fn status() -> IssuerStatus {
        IssuerStatus::new(
            StatusListIssuer::new("https://i.example/status/1", Bits::Two, 64).unwrap(),
            Some(IdentifierListIssuer::new("https://i.example/ids/1")),
        )
    }

    #[test]
    fn each_copy_has_its_own_index_and_a_document_moves_together() {
        let status = status();
        let a = status.assign(3).unwrap();
        let b = status.assign(2).unwrap();
        let a_idx: Vec<u64> = a
            .iter()
            .map(|r| r.status_list.as_ref().unwrap().idx)
            .collect();
        let b_idx: Vec<u64> = b
            .iter()
            .map(|r| r.status_list.as_ref().unwrap().idx)
            .collect();
        assert_eq!(a_idx.len(), 3);
        assert!(a_idx.iter().all(|i| !b_idx.contains(i)));
        assert!(a.iter().all(|r| r.identifier_list.is_some()));
        assert_eq!(status.document_of(a_idx[1]), Some(a_idx.clone()));

        assert_eq!(
            status.apply(a_idx[2], StatusAction::Suspend).unwrap(),
            a_idx
        );
        assert!(
            a_idx
                .iter()
                .all(|i| status.status(*i) == Ok(StatusType::Suspended))
        );
        assert!(
            b_idx
                .iter()
                .all(|i| status.status(*i) == Ok(StatusType::Valid))
        );
        status.apply(a_idx[0], StatusAction::Reinstate).unwrap();
        status.apply(b_idx[0], StatusAction::Revoke).unwrap();
        assert!(
            b_idx
                .iter()
                .all(|i| status.status(*i) == Ok(StatusType::Invalid))
        );
        assert_eq!(
            status.apply(b_idx[1], StatusAction::Reinstate),
            Err(StatusIssuerError::RevocationIsFinal)
        );
        assert!(
            b_idx
                .iter()
                .all(|i| status.status(*i) == Ok(StatusType::Invalid))
        );
        let unknown = (0..64)
            .find(|i| !a_idx.contains(i) && !b_idx.contains(i))
            .unwrap();
        assert_eq!(
            status.apply(unknown, StatusAction::Revoke),
            Err(StatusIssuerError::NotAssigned(unknown))
        );
    }
}
