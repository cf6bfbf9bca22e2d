//! Status checks: is a presented credential still valid, revoked or suspended?
//!
//! Sans-IO. For each authentic document whose MSO names a status list or identifier list,
//! [`StatusChecker::uris_to_fetch`] says which URIs the app must fetch; the app hands back what
//! it got with [`StatusChecker::offer`] (token bytes, or that the fetch failed); then
//! [`StatusChecker::apply`] adds a "Credential not revoked" check to each document report.
//!
//! A token is verified once when offered — signature, x5chain in the protected header chained
//! to the issuers' IACAs (or a configured status trust point), `sub` equal to the URI, `exp`,
//! `iat` — inflated within a bound, and cached by URI until `exp` or fetch time + `ttl`,
//! whichever is first; the cache holds a bounded number of lists. The signer's certificate chain
//! is validated through the anchors' [`mdoc::x509::ChainCache`], which the checker shares with
//! the issuer anchors it was given: a new copy of a list from a known signer costs one ECDSA
//! verification (the token's), not two. "Undetermined" (no token,
//! fetch failed, token refused, expired or stale) is its own outcome, never confused with
//! revoked; [`StatusPolicy::undetermined_fails`] decides whether it fails the check.

use std::collections::HashMap;

use mdoc::definitions::DeviceResponse;
use mdoc::profiles::Purpose;
use mdoc::status::{
    Bits, DEFAULT_MAX_INFLATED, StatusError, StatusList, StatusReference, StatusType, TokenClaims,
    VerifiedList, status_reference, verify_token,
};
use mdoc::time::Timestamp;
use mdoc::verify::{Check, CheckName, Outcome};
use mdoc::x509::TrustAnchors;

use crate::report::VerificationReport;

/// The mDL doc type, whose status list the ISO profile restricts to one bit per entry.
const MDL_DOC_TYPE: &str = "org.iso.18013.5.1.mDL";
/// Lists a checker keeps by default.
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// Why a status could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Undetermined {
    /// No token was offered for the URI.
    #[error("no status list was fetched")]
    NoToken,
    /// The app reported that fetching failed.
    #[error("fetching the status list failed")]
    FetchFailed,
    /// The cached token outlived its `ttl`: a fresh copy must be fetched.
    #[error("the status list must be fetched again (ttl elapsed)")]
    Stale,
    /// The token was refused (signature, chain, subject, expiry, size, structure, index...).
    #[error("{0}")]
    Refused(StatusError),
}

/// What the issuer says about one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialStatus {
    /// VALID.
    Valid,
    /// INVALID: revoked.
    Invalid,
    /// SUSPENDED.
    Suspended,
    /// Another status value (application specific or reserved): treated as not valid.
    Other(u8),
    /// No statement can be made.
    Undetermined(Undetermined),
}

impl CredentialStatus {
    fn severity(&self) -> u8 {
        match self {
            CredentialStatus::Valid => 0,
            CredentialStatus::Undetermined(_) => 1,
            CredentialStatus::Other(_) => 2,
            CredentialStatus::Suspended => 3,
            CredentialStatus::Invalid => 4,
        }
    }
}

/// How status results become check outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPolicy {
    /// Whether an undetermined status fails the check (default: yes).
    pub undetermined_fails: bool,
    /// Whether an mDL's list must use one bit per entry, as the ISO profile says (default: yes).
    pub mdl_requires_one_bit: bool,
    /// The most inflated bytes one list may take.
    pub max_inflated: usize,
    /// Trust anchors for status signers, when they differ from the issuers' IACAs.
    pub status_anchors: Option<TrustAnchors>,
}

impl Default for StatusPolicy {
    fn default() -> Self {
        StatusPolicy {
            undetermined_fails: true,
            mdl_requires_one_bit: true,
            max_inflated: DEFAULT_MAX_INFLATED,
            status_anchors: None,
        }
    }
}

impl StatusPolicy {
    /// The policy for a purpose: undetermined fails a right-to-work or benefits check (a
    /// decision with legal weight) and passes, with a note, an age check.
    pub fn for_purpose(purpose: Purpose) -> Self {
        StatusPolicy {
            undetermined_fails: !matches!(purpose, Purpose::AgeCheck(_)),
            ..StatusPolicy::default()
        }
    }
}

/// What the app got when it fetched a URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The response body.
    Token(Vec<u8>),
    /// The fetch failed (network, HTTP error, timeout).
    Failed,
}

#[derive(Debug, Clone)]
enum Entry {
    Verified {
        list: VerifiedList,
        claims: TokenClaims,
        signer: Vec<u8>,
        fetched: Timestamp,
    },
    Refused(Undetermined, Timestamp),
}

impl Entry {
    fn fetched(&self) -> Timestamp {
        match self {
            Entry::Verified { fetched, .. } | Entry::Refused(_, fetched) => *fetched,
        }
    }
}

/// Verifies status tokens and answers status questions, caching verified lists by URI.
#[derive(Debug, Clone)]
pub struct StatusChecker {
    anchors: TrustAnchors,
    policy: StatusPolicy,
    capacity: usize,
    cache: HashMap<String, Entry>,
}

/// The status reference of each document of `response`, in order (`None`: no reference or an
/// unreadable MSO).
pub fn references(response: &DeviceResponse) -> Vec<Option<StatusReference>> {
    response
        .documents
        .iter()
        .flatten()
        .map(|doc| status_reference(&doc.issuer_signed).ok().flatten())
        .collect()
}

impl StatusChecker {
    /// A checker trusting `issuer_anchors` (or the policy's status anchors) for status signers.
    pub fn new(issuer_anchors: TrustAnchors, policy: StatusPolicy, capacity: usize) -> Self {
        let anchors = policy.status_anchors.clone().unwrap_or(issuer_anchors);
        StatusChecker {
            anchors,
            policy,
            capacity: capacity.max(1),
            cache: HashMap::new(),
        }
    }

    /// The URIs the app should fetch for `response` at `now`: every referenced list not cached
    /// or no longer reusable, each once.
    pub fn uris_to_fetch(&self, response: &DeviceResponse, now: Timestamp) -> Vec<String> {
        let mut uris = Vec::new();
        for reference in references(response).into_iter().flatten() {
            for uri in reference.uris() {
                if !self.is_fresh(&uri, now) && !uris.contains(&uri) {
                    uris.push(uri);
                }
            }
        }
        uris
    }

    fn is_fresh(&self, uri: &str, now: Timestamp) -> bool {
        match self.cache.get(uri) {
            Some(Entry::Verified {
                claims, fetched, ..
            }) => claims
                .reusable_until(*fetched)
                .is_none_or(|until| until > now),
            _ => false,
        }
    }

    /// Takes what the app fetched from `uri` at `now`: verifies a token once and caches it.
    /// Returns the refusal, which is also cached for this URI until the next offer.
    pub fn offer(
        &mut self,
        uri: &str,
        fetched: Fetched,
        now: Timestamp,
    ) -> Result<(), Undetermined> {
        let entry = match fetched {
            Fetched::Failed => Entry::Refused(Undetermined::FetchFailed, now),
            Fetched::Token(bytes) => match self.verify_token(uri, &bytes, now) {
                Ok(entry) => entry,
                Err(e) => Entry::Refused(Undetermined::Refused(e), now),
            },
        };
        let result = match &entry {
            Entry::Refused(reason, _) => Err(reason.clone()),
            Entry::Verified { .. } => Ok(()),
        };
        if !self.cache.contains_key(uri) && self.cache.len() >= self.capacity {
            // Evict the entry fetched longest ago.
            if let Some(oldest) = self
                .cache
                .iter()
                .min_by_key(|(_, e)| e.fetched())
                .map(|(k, _)| k.clone())
            {
                self.cache.remove(&oldest);
            }
        }
        self.cache.insert(uri.to_owned(), entry);
        result
    }

    fn verify_token(&self, uri: &str, bytes: &[u8], now: Timestamp) -> Result<Entry, StatusError> {
        let token = verify_token(bytes, uri, &self.anchors, now, self.policy.max_inflated)?;
        Ok(Entry::Verified {
            list: token.list,
            claims: token.claims,
            signer: token.signer,
            fetched: now,
        })
    }

    fn lookup(
        &self,
        uri: &str,
        pinned: Option<&[u8]>,
        now: Timestamp,
    ) -> Result<&VerifiedList, Undetermined> {
        match self.cache.get(uri) {
            None => Err(Undetermined::NoToken),
            Some(Entry::Refused(reason, _)) => Err(reason.clone()),
            Some(Entry::Verified {
                list,
                claims,
                signer,
                fetched,
            }) => {
                if claims.exp.is_some_and(|exp| exp <= now) {
                    return Err(Undetermined::Refused(StatusError::Expired));
                }
                if claims
                    .reusable_until(*fetched)
                    .is_some_and(|until| until <= now)
                {
                    return Err(Undetermined::Stale);
                }
                if pinned.is_some_and(|pinned| pinned != signer.as_slice()) {
                    return Err(Undetermined::Refused(
                        StatusError::PinnedCertificateMismatch,
                    ));
                }
                Ok(list)
            }
        }
    }

    /// The status of a credential of `doc_type` with `reference`, from the cached lists at `now`.
    pub fn status(
        &self,
        reference: &StatusReference,
        doc_type: &str,
        now: Timestamp,
    ) -> CredentialStatus {
        let mut results = Vec::new();
        if let Some(entry) = &reference.status_list {
            results.push(
                match self.lookup(&entry.uri, entry.certificate.as_deref(), now) {
                    Ok(VerifiedList::Status(list)) => self.read(list, entry.idx, doc_type),
                    Ok(VerifiedList::Identifiers(_)) => CredentialStatus::Undetermined(
                        Undetermined::Refused(StatusError::WrongType {
                            expected: mdoc::status::STATUS_LIST_TYP,
                        }),
                    ),
                    Err(reason) => CredentialStatus::Undetermined(reason),
                },
            );
        }
        if let Some(entry) = &reference.identifier_list {
            results.push(
                match self.lookup(&entry.uri, entry.certificate.as_deref(), now) {
                    Ok(VerifiedList::Identifiers(list)) if list.contains(&entry.id) => {
                        CredentialStatus::Invalid
                    }
                    Ok(VerifiedList::Identifiers(_)) => CredentialStatus::Valid,
                    Ok(VerifiedList::Status(_)) => CredentialStatus::Undetermined(
                        Undetermined::Refused(StatusError::WrongType {
                            expected: mdoc::status::IDENTIFIER_LIST_TYP,
                        }),
                    ),
                    Err(reason) => CredentialStatus::Undetermined(reason),
                },
            );
        }
        results
            .into_iter()
            .max_by_key(CredentialStatus::severity)
            .unwrap_or(CredentialStatus::Undetermined(Undetermined::NoToken))
    }

    fn read(&self, list: &StatusList, idx: u64, doc_type: &str) -> CredentialStatus {
        if self.policy.mdl_requires_one_bit && doc_type == MDL_DOC_TYPE && list.bits() != Bits::One
        {
            return CredentialStatus::Undetermined(Undetermined::Refused(
                StatusError::BitsNotAllowed(list.bits().count()),
            ));
        }
        match list.status(idx) {
            Ok(StatusType::Valid) => CredentialStatus::Valid,
            Ok(StatusType::Invalid) => CredentialStatus::Invalid,
            Ok(StatusType::Suspended) => CredentialStatus::Suspended,
            Ok(StatusType::Other(v)) => CredentialStatus::Other(v),
            Err(e) => CredentialStatus::Undetermined(Undetermined::Refused(e)),
        }
    }

    /// The check outcome for a status under this checker's policy.
    pub fn outcome(&self, status: &CredentialStatus) -> Outcome {
        match status {
            CredentialStatus::Valid => Outcome::Passed,
            CredentialStatus::Invalid => {
                Outcome::Failed("the issuer has revoked this credential".to_owned())
            }
            CredentialStatus::Suspended => {
                Outcome::Failed("the issuer has suspended this credential".to_owned())
            }
            CredentialStatus::Other(v) => {
                Outcome::Failed(format!("the issuer's status list says {v:#04x}"))
            }
            CredentialStatus::Undetermined(reason) if self.policy.undetermined_fails => {
                Outcome::Failed(format!("status undetermined: {reason}"))
            }
            CredentialStatus::Undetermined(reason) => {
                Outcome::PassedWithNote(format!("status undetermined: {reason}"))
            }
        }
    }

    /// Adds a "Credential not revoked" check to every authentic document of `report` whose MSO
    /// names a status (documents are in `response` order), and returns each document's status.
    pub fn apply(
        &self,
        response: &DeviceResponse,
        report: &mut VerificationReport,
        now: Timestamp,
    ) -> Vec<Option<CredentialStatus>> {
        let references = references(response);
        report
            .documents
            .iter_mut()
            .zip(references)
            .map(|(doc, reference)| {
                let reference = reference.filter(|_| doc.authentic())?;
                let status = self.status(&reference, &doc.doc_type, now);
                doc.checks.push(Check {
                    name: CheckName::CredentialNotRevoked,
                    outcome: self.outcome(&status),
                });
                Some(status)
            })
            .collect()
    }

    /// The number of cached lists.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdoc::status::{StatusListRef, StatusListToken};

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    #[test]
    fn policy_outcomes_keep_undetermined_apart_from_revoked() {
        let strict = StatusChecker::new(TrustAnchors::default(), StatusPolicy::default(), 4);
        let lenient = StatusChecker::new(
            TrustAnchors::default(),
            StatusPolicy::for_purpose(Purpose::AgeCheck(18)),
            4,
        );
        let undetermined = CredentialStatus::Undetermined(Undetermined::NoToken);
        assert!(
            matches!(strict.outcome(&undetermined), Outcome::Failed(r) if r.contains("undetermined"))
        );
        assert!(matches!(
            lenient.outcome(&undetermined),
            Outcome::PassedWithNote(_)
        ));
        assert!(
            matches!(lenient.outcome(&CredentialStatus::Invalid), Outcome::Failed(r) if r.contains("revoked"))
        );
        assert!(StatusPolicy::for_purpose(Purpose::RightToWork).undetermined_fails);
    }

    #[test]
    fn an_unverifiable_token_is_refused_and_cached_as_such() {
        let mut checker = StatusChecker::new(TrustAnchors::default(), StatusPolicy::default(), 2);
        let key = p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key());
        let claims = TokenClaims {
            sub: "https://x.example/1".into(),
            iat: now(),
            exp: None,
            ttl: None,
        };
        let bytes =
            StatusListToken::sign(&key, &[], &claims, &StatusList::new(Bits::One, 8).unwrap())
                .unwrap();
        assert_eq!(
            checker.offer("https://x.example/1", Fetched::Token(bytes), now()),
            Err(Undetermined::Refused(StatusError::Malformed("no x5chain")))
        );
        let reference = StatusReference {
            status_list: Some(StatusListRef {
                idx: 0,
                uri: "https://x.example/1".into(),
                certificate: None,
            }),
            identifier_list: None,
        };
        assert!(matches!(
            checker.status(&reference, "d", now()),
            CredentialStatus::Undetermined(Undetermined::Refused(_))
        ));
        // Bounded: three URIs into a cache of two.
        for uri in ["a", "b", "c"] {
            let _ = checker.offer(uri, Fetched::Failed, now());
        }
        assert_eq!(checker.cached(), 2);
    }

    /// Issue 15 / 18: re-verifying a token (a new copy of the same list, or the same copy
    /// again) validates the status signer's chain once, in the cache the checker shares with
    /// the issuer anchors it was given, and reaches the same verdict; once the signer's
    /// certificate has expired the cached chain answers nothing.
    #[test]
    fn the_status_signer_chain_is_validated_once_and_shared() {
        use issuer::TestIssuer;
        use issuer::status::StatusListIssuer;
        let issuer = TestIssuer::new("Test Authority", "GB", now()).unwrap();
        let anchors = TrustAnchors::new(vec![issuer.iaca().certificate().clone()]);
        let uri = "https://status.example/1";
        let mut list = StatusListIssuer::new(uri, Bits::One, 64).unwrap();
        let entry = list.assign().unwrap();
        let reference = StatusReference {
            status_list: Some(entry),
            identifier_list: None,
        };
        let signer = issuer.new_status_signer().unwrap();
        let token = list.token(&signer, now(), 86_400, 300).unwrap();
        let mut checker = StatusChecker::new(anchors.clone(), StatusPolicy::default(), 4);
        let mut uncached = StatusChecker::new(
            anchors.clone().with_chain_cache_capacity(0),
            StatusPolicy::default(),
            4,
        );
        for _ in 0..3 {
            checker
                .offer(uri, Fetched::Token(token.clone()), now())
                .unwrap();
            uncached
                .offer(uri, Fetched::Token(token.clone()), now())
                .unwrap();
            assert_eq!(
                checker.status(&reference, "d", now()),
                CredentialStatus::Valid
            );
            assert_eq!(
                checker.status(&reference, "d", now()),
                uncached.status(&reference, "d", now())
            );
        }
        let stats = anchors.chain_cache().stats();
        assert_eq!((stats.hits, stats.misses), (2, 1));

        let signer_end = signer.certified_key().certificate().not_after();
        let later = signer_end.plus_seconds(1);
        let expired = checker.offer(uri, Fetched::Token(token.clone()), later);
        assert!(
            matches!(
                &expired,
                Err(Undetermined::Refused(StatusError::Chain(
                    mdoc::x509::ChainError::Expired { .. }
                )))
            ),
            "{expired:?}"
        );
        assert_eq!(expired, uncached.offer(uri, Fetched::Token(token), later));
    }
}
