//! The ISO 18013-5 second edition on the holder's side: the signatures a request carries
//! (readerAuth per DocRequest, readerAuthAll over the whole request), which DocRequests the
//! wallet answers when the request gives use cases (the first document set it can answer in
//! full, per use case), and alternative data elements for elements the wallet does not hold.
//! A version 1.0 request has none of these and is answered exactly as before.

use mdoc::auth::{reader_authentication_all_bytes, reader_authentication_bytes};
use mdoc::cbor::{Embedded, Value};
use mdoc::definitions::{DeviceRequest, DocRequestInfo, ElementReference};

use crate::consent::{ConsentUseCase, PurposeHint};
use crate::wallet::{Wallet, WalletError};

/// Every reader signature in `request` with the bytes it must verify over: each DocRequest's
/// readerAuth over its ReaderAuthenticationBytes, and each readerAuthAll entry over the
/// request's ReaderAuthenticationAllBytes (the transcript, every ItemsRequestBytes and the
/// DeviceRequestInfoBytes, all as received).
pub(crate) fn reader_signatures<'a>(
    request: &'a DeviceRequest,
    transcript: &Value,
) -> Vec<(&'a Value, Embedded)> {
    let mut signatures: Vec<(&Value, Embedded)> = request
        .doc_requests
        .iter()
        .filter_map(|doc| {
            let auth = doc.reader_auth.as_ref()?;
            let payload = reader_authentication_bytes(transcript, doc.items_request.embedded());
            Some((auth, payload))
        })
        .collect();
    if let Some(all) = &request.reader_auth_all {
        let payload = reader_authentication_all_bytes(
            transcript,
            request
                .doc_requests
                .iter()
                .map(|d| d.items_request.embedded()),
            request.device_request_info.as_ref().map(|i| i.embedded()),
        );
        signatures.extend(all.iter().map(|auth| (auth, payload.clone())));
    }
    signatures
}

/// Which DocRequests the wallet answers, and the use cases as the consent screen shows them.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Per DocRequest: whether it is answered.
    pub answered: Vec<bool>,
    /// The request's use cases.
    pub use_cases: Vec<ConsentUseCase>,
}

/// Without use cases every DocRequest is answered. With them, each use case is answered by the
/// first of its document sets whose every DocRequest the wallet holds a valid credential for
/// (from an IACA the DocRequest's issuerIdentifiers list, when it lists any), and, when any of
/// the set's DocRequests has uniqueDocSetRequired, by distinct credentials; none when no set can
/// be answered (nothing of that use case is disclosed). A DocRequest in no use case is answered
/// as in a first-edition request.
pub(crate) fn plan(wallet: &Wallet, request: &DeviceRequest) -> Result<Plan, WalletError> {
    let count = request.doc_requests.len();
    let use_cases = match &request.device_request_info {
        Some(info) if !info.value().use_cases.is_empty() => &info.value().use_cases,
        _ => {
            return Ok(Plan {
                answered: vec![true; count],
                use_cases: Vec::new(),
            });
        }
    };
    // Per DocRequest: the credential that would answer it (its doc type, restricted to the
    // IACAs of its issuerIdentifiers), and whether it asks for a unique document set.
    let mut answering: Vec<Option<Option<String>>> = vec![None; count];
    let mut credential_for = |id: u64| -> Result<Option<String>, WalletError> {
        let Some(index) = usize::try_from(id).ok().filter(|i| *i < count) else {
            return Ok(None);
        };
        if let Some(Some(known)) = answering.get(index) {
            return Ok(known.clone());
        }
        let Some(doc) = request.doc_requests.get(index) else {
            return Ok(None);
        };
        let info = request.doc_request_info(index)?;
        let found = crate::presentation::answering_credential_id(
            wallet,
            &doc.items_request.value().doc_type,
            &info.issuer_identifiers,
        )?;
        if let Some(slot) = answering.get_mut(index) {
            *slot = Some(found.clone());
        }
        Ok(found)
    };
    let unique_required = |id: u64| {
        usize::try_from(id)
            .ok()
            .and_then(|i| request.doc_request_info(i).ok())
            .and_then(|info| info.unique_doc_set_required)
            .unwrap_or(false)
    };
    let doc_type = |id: u64| {
        usize::try_from(id)
            .ok()
            .and_then(|i| request.doc_requests.get(i))
            .map(|d| d.items_request.value().doc_type.clone())
    };
    let mut in_use_case = vec![false; count];
    let mut answered = vec![false; count];
    let mut shown = Vec::new();
    for use_case in use_cases {
        let mut answered_set = None;
        for (index, set) in use_case.document_sets.iter().enumerate() {
            // Indexes were checked against docRequests when the request was parsed.
            let mut chosen: Vec<String> = Vec::new();
            let mut all_held = true;
            for id in set {
                match credential_for(*id)? {
                    Some(credential) => chosen.push(credential),
                    None => {
                        all_held = false;
                        break;
                    }
                }
            }
            // uniqueDocSetRequired: the set's DocRequests must be answered by distinct
            // documents (one credential may not answer two of them).
            if all_held && set.iter().any(|id| unique_required(*id)) {
                let mut distinct = chosen.clone();
                distinct.sort_unstable();
                distinct.dedup();
                all_held = distinct.len() == chosen.len();
            }
            if all_held {
                answered_set = Some(index);
                break;
            }
        }
        for id in use_case.document_sets.iter().flatten() {
            if let Some(slot) = usize::try_from(*id)
                .ok()
                .and_then(|i| in_use_case.get_mut(i))
            {
                *slot = true;
            }
        }
        if let Some(set) = answered_set.and_then(|i| use_case.document_sets.get(i)) {
            for id in set {
                if let Some(slot) = usize::try_from(*id).ok().and_then(|i| answered.get_mut(i)) {
                    *slot = true;
                }
            }
        }
        shown.push(ConsentUseCase {
            mandatory: use_case.mandatory,
            purpose_hints: use_case
                .purpose_hints
                .iter()
                .map(|(controller, code)| PurposeHint {
                    controller: controller.clone(),
                    code: *code,
                })
                .collect(),
            document_sets: use_case
                .document_sets
                .iter()
                .map(|set| set.iter().filter_map(|id| doc_type(*id)).collect())
                .collect(),
            answered_set,
        });
    }
    for (answer, listed) in answered.iter_mut().zip(&in_use_case) {
        if !listed {
            *answer = true;
        }
    }
    Ok(Plan {
        answered,
        use_cases: shown,
    })
}

/// The first alternative set for `namespace`/`identifier` in `info` whose every element the
/// wallet holds (`holds`), or empty.
pub(crate) fn alternative(
    info: &DocRequestInfo,
    namespace: &str,
    identifier: &str,
    holds: impl Fn(&str, &str) -> bool,
) -> Vec<ElementReference> {
    info.alternatives_for(namespace, identifier)
        .iter()
        .find(|set| set.iter().all(|e| holds(&e.namespace, &e.identifier)))
        .cloned()
        .unwrap_or_default()
}
