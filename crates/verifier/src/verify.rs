//! Full verification of a DeviceResponse.

use mdoc::auth::{device_authentication_bytes, emac_key};
use mdoc::cbor::{ToCbor, Value};
use mdoc::cose::{CoseMac0, CoseSign1};
use mdoc::definitions::{
    DeviceAuth, DeviceResponse, DocRequestInfo, Document, ItemsRequest, SessionTranscript,
};
use mdoc::profiles::{Condition, Purpose, profile};
use mdoc::registry::age_over_threshold;
use mdoc::session::ecdh;
use mdoc::time::Timestamp;
use mdoc::verify::{
    CheckLog, CheckName, VerifyError, verify_issuer_signed, verify_issuing_country,
};
use mdoc::x509::TrustAnchors;
use p256::ecdsa::VerifyingKey;

use crate::report::{DocumentReport, VerificationReport, VerifiedElement};

/// What a response is verified against.
#[derive(Clone)]
pub struct VerificationContext {
    /// This session's transcript: device authentication must be bound to it.
    pub transcript: SessionTranscript,
    /// What was requested; `None` when there is no request to check the response against
    /// (authenticity only, e.g. a captured response being debugged): then the request checks
    /// ([`CheckName::RequestedElements`], [`CheckName::ElementsReturned`]) are not run, and the
    /// report is authentic at best, never complete. `Some(vec![])` is a request for nothing.
    pub requests: Option<Vec<ItemsRequest>>,
    /// IACA roots of trusted issuers. Document signer chains validated against them are kept
    /// in their [`mdoc::x509::ChainCache`] (shared by clones of the same anchors), so a
    /// verifier checking many credentials from one document signer validates its chain once;
    /// [`TrustAnchors::with_chain_cache_capacity`] with 0 turns that off.
    pub issuer_anchors: TrustAnchors,
    /// The time of the check (from the verifier's clock).
    pub now: Timestamp,
    /// The reader's ephemeral private key, needed to verify deviceMac (proximity only).
    pub e_reader_key: Option<p256::SecretKey>,
}

impl std::fmt::Debug for VerificationContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationContext")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Verifies `response` (already decoded) against `context`.
pub fn verify_response(
    response: &DeviceResponse,
    context: &VerificationContext,
) -> VerificationReport {
    let documents: Vec<DocumentReport> = response
        .documents
        .iter()
        .flatten()
        .map(|doc| verify_document(doc, context))
        .collect();
    VerificationReport {
        status: response.status,
        documents_missing: documents_missing(context, &documents),
        documents,
        document_errors: response
            .document_errors
            .iter()
            .flatten()
            .map(|e| (e.doc_type.clone(), e.code))
            .collect(),
    }
}

/// Requested doc types no returned document answers.
fn documents_missing(context: &VerificationContext, documents: &[DocumentReport]) -> Vec<String> {
    context
        .requests
        .iter()
        .flatten()
        .map(|r| &r.doc_type)
        .filter(|doc_type| !documents.iter().any(|d| &d.doc_type == *doc_type))
        .cloned()
        .collect()
}

/// Decodes and verifies response bytes; undecodable bytes give a report with no documents
/// and status 11 (CBOR decoding error).
pub fn verify_response_bytes(bytes: &[u8], context: &VerificationContext) -> VerificationReport {
    match mdoc::limits::DEVICE_RESPONSE.decode::<DeviceResponse>(bytes) {
        Ok(response) => verify_response(&response, context),
        Err(_) => VerificationReport {
            status: 11,
            documents: Vec::new(),
            document_errors: Vec::new(),
            documents_missing: documents_missing(context, &[]),
        },
    }
}

fn verify_document(doc: &Document, context: &VerificationContext) -> DocumentReport {
    let mut log = CheckLog::new();
    let mut report = DocumentReport {
        doc_type: doc.doc_type.clone(),
        issuer: None,
        checks: Vec::new(),
        elements: Vec::new(),
        not_returned: doc
            .errors
            .iter()
            .flatten()
            .flat_map(|(ns, ids)| {
                ids.iter()
                    .map(move |(id, code)| (ns.clone(), id.clone(), *code))
            })
            .collect(),
        missing: Vec::new(),
    };
    let outcome = run_checks(doc, context, &mut log);
    report.issuer = log.document_signer().and_then(|ds| {
        ds.subject_organization()
            .or_else(|| ds.subject_common_name())
    });
    if outcome.is_ok() {
        report.elements = doc
            .issuer_signed
            .items()
            .map(|(ns, item)| VerifiedElement {
                namespace: ns.to_owned(),
                identifier: item.element_identifier.clone(),
                value: item.element_value.clone(),
            })
            .collect();
        if let Some(requests) = &context.requests {
            let request = requests.iter().find(|r| r.doc_type == doc.doc_type);
            report.missing =
                request.map_or_else(Vec::new, |r| missing_elements(r, &report.elements));
            let reason = missing_reason(&report.missing, &report.not_returned);
            // Completeness is recorded but does not stop anything: the elements stay authentic.
            let _ = log.record(CheckName::ElementsReturned, reason.map_or(Ok(()), Err));
        }
    }
    report.checks = log.into_checks();
    report
}

/// The requested elements `returned` does not answer. A requested age_over_NN is answered by
/// itself, or by the nearest attestation the wallet may give instead (ISO 18013-5 §7.2.5):
/// age_over_MM true with MM > NN, or false with MM < NN.
///
/// An element the request's purpose profile needs only under a condition that the verified
/// elements show unmet (a conditional element of a holder whose verified nationality is
/// exempt) is not missing. The wallet's own word (its `errors`) never excuses an element: it
/// is not covered by any signature.
fn missing_elements(request: &ItemsRequest, returned: &[VerifiedElement]) -> Vec<(String, String)> {
    // This verifier's own request: its requestInfo was built here.
    let info = request.doc_request_info().unwrap_or_default();
    let profile = request_purpose(request).map(profile);
    request
        .elements()
        .filter(|(ns, id, _)| {
            let exempt = profile
                .as_ref()
                .and_then(|p| p.element(ns, id))
                .and_then(|e| e.condition)
                .is_some_and(|condition| condition_unmet(condition, returned));
            if exempt {
                return false;
            }
            let answered = returned.iter().any(|e| {
                if e.namespace != *ns {
                    return false;
                }
                if e.identifier == *id {
                    return true;
                }
                match (age_over_threshold(id), age_over_threshold(&e.identifier)) {
                    (Some(asked), Some(given)) => match e.value {
                        Value::Bool(true) => given > asked,
                        Value::Bool(false) => given < asked,
                        _ => false,
                    },
                    _ => false,
                }
            });
            !answered && !answered_by_alternative(&info, ns, id, returned)
        })
        .map(|(ns, id, _)| (ns.to_owned(), id.to_owned()))
        .collect()
}

/// True when every element of one of the alternative sets this verifier named for
/// `namespace`/`id` (second edition DocRequestInfo) was returned.
fn answered_by_alternative(
    info: &DocRequestInfo,
    namespace: &str,
    id: &str,
    returned: &[VerifiedElement],
) -> bool {
    info.alternatives_for(namespace, id).iter().any(|set| {
        set.iter().all(|alt| {
            returned
                .iter()
                .any(|e| e.namespace == alt.namespace && e.identifier == alt.identifier)
        })
    })
}

/// True when `namespace`/`id` is in an alternative set this verifier named for a requested
/// element (so the wallet may return it instead).
fn requested_as_alternative(info: &DocRequestInfo, namespace: &str, id: &str) -> bool {
    info.alternative_data_elements
        .iter()
        .flat_map(|a| a.alternative_element_sets.iter().flatten())
        .any(|alt| alt.namespace == namespace && alt.identifier == id)
}

/// The purpose this verifier declared in its own request.
fn request_purpose(request: &ItemsRequest) -> Option<Purpose> {
    request
        .request_info
        .iter()
        .flatten()
        .find(|(key, _)| key == "purpose")
        .and_then(|(_, value)| value.as_text())
        .and_then(Purpose::from_id)
}

/// True when verified elements show `condition` does not hold for this holder.
fn condition_unmet(condition: Condition, returned: &[VerifiedElement]) -> bool {
    match condition {
        Condition::NationalityNotIn(exempt) => {
            let nationalities: Vec<&str> = returned
                .iter()
                .filter(|e| e.identifier == "nationality")
                .flat_map(|e| match &e.value {
                    Value::Text(t) => vec![t.as_str()],
                    Value::Array(items) => items.iter().filter_map(Value::as_text).collect(),
                    _ => Vec::new(),
                })
                .collect();
            nationalities.iter().any(|n| exempt.contains(n))
        }
    }
}

/// Why the answer is incomplete, naming each missing element (and the wallet's error code when
/// it gave one), or `None` when nothing is missing.
fn missing_reason(
    missing: &[(String, String)],
    not_returned: &[(String, String, i64)],
) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let names: Vec<String> = missing
        .iter()
        .map(
            |(ns, id)| match not_returned.iter().find(|(n, i, _)| n == ns && i == id) {
                Some((_, _, code)) => format!("{ns}/{id} (wallet error code {code})"),
                None => format!("{ns}/{id}"),
            },
        )
        .collect();
    Some(format!(
        "{} requested element(s) not returned: {}",
        missing.len(),
        names.join(", ")
    ))
}

fn run_checks(
    doc: &Document,
    context: &VerificationContext,
    log: &mut CheckLog,
) -> Result<(), VerifyError> {
    let verified = verify_issuer_signed(
        &doc.issuer_signed,
        &doc.doc_type,
        &context.issuer_anchors,
        context.now,
        log,
    )?;
    verify_issuing_country(&doc.issuer_signed, &verified, log)?;
    let device_key = *verified.mso.device_key_info.device_key.public_key();
    let transcript_value = context.transcript.to_cbor();
    let auth_bytes = device_authentication_bytes(
        &transcript_value,
        &doc.doc_type,
        doc.device_signed.name_spaces.embedded(),
    );
    let device_auth = match &doc.device_signed.device_auth {
        DeviceAuth::Signature(value) => CoseSign1::from_value(value)
            .and_then(|s| s.verify(&VerifyingKey::from(&device_key), Some(auth_bytes.encoded())))
            .map_err(|e| e.to_string()),
        DeviceAuth::Mac(value) => match &context.e_reader_key {
            Some(reader_secret) => {
                let shared = ecdh(reader_secret, &device_key);
                let key = emac_key(&shared, context.transcript.to_bytes().encoded());
                CoseMac0::from_value(value)
                    .and_then(|m| m.verify(&key, auth_bytes.encoded()))
                    .map_err(|e| e.to_string())
            }
            None => Err(
                "deviceMac needs the reader's ephemeral key, which this flow does not have"
                    .to_owned(),
            ),
        },
    };
    log.record(CheckName::DeviceAuthentication, device_auth)?;
    let Some(requests) = &context.requests else {
        return Ok(());
    };
    let request = requests.iter().find(|r| r.doc_type == doc.doc_type);
    let all_requested = request.is_some_and(|request| {
        let info = request.doc_request_info().unwrap_or_default();
        let requested_ages: Vec<&str> = request
            .elements()
            .filter(|(_, id, _)| age_over_threshold(id).is_some())
            .map(|(ns, _, _)| ns)
            .collect();
        doc.issuer_signed.items().all(|(ns, item)| {
            let id = item.element_identifier.as_str();
            request
                .elements()
                .any(|(rns, rid, _)| rns == ns && rid == id)
                || (age_over_threshold(id).is_some() && requested_ages.contains(&ns))
                || requested_as_alternative(&info, ns, id)
        })
    });
    let device_signed_empty = doc.device_signed.name_spaces.value().0.is_empty();
    log.require(
        CheckName::RequestedElements,
        all_requested && device_signed_empty,
        "the response discloses elements or a document that were not requested",
    )
}
