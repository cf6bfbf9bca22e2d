//! Full verification of a DeviceResponse.

use mdoc::auth::{device_authentication_bytes, emac_key};
use mdoc::cbor::ToCbor;
use mdoc::cose::{CoseMac0, CoseSign1};
use mdoc::definitions::{DeviceAuth, DeviceResponse, Document, ItemsRequest, SessionTranscript};
use mdoc::registry::age_over_threshold;
use mdoc::session::ecdh;
use mdoc::time::Timestamp;
use mdoc::verify::{CheckLog, CheckName, VerifyError, verify_issuer_signed};
use mdoc::x509::TrustAnchors;
use p256::ecdsa::VerifyingKey;

use crate::report::{DocumentReport, VerificationReport, VerifiedElement};

/// What a response is verified against.
#[derive(Clone)]
pub struct VerificationContext {
    /// This session's transcript: device authentication must be bound to it.
    pub transcript: SessionTranscript,
    /// What was requested.
    pub requests: Vec<ItemsRequest>,
    /// IACA roots of trusted issuers.
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
    let documents = response
        .documents
        .iter()
        .flatten()
        .map(|doc| verify_document(doc, context))
        .collect();
    VerificationReport {
        status: response.status,
        documents,
        document_errors: response
            .document_errors
            .iter()
            .flatten()
            .map(|e| (e.doc_type.clone(), e.code))
            .collect(),
    }
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
    };
    let outcome = run_checks(doc, context, &mut log, &mut report);
    report.checks = log.into_checks();
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
    }
    report
}

fn run_checks(
    doc: &Document,
    context: &VerificationContext,
    log: &mut CheckLog,
    report: &mut DocumentReport,
) -> Result<(), VerifyError> {
    let verified = verify_issuer_signed(
        &doc.issuer_signed,
        &doc.doc_type,
        &context.issuer_anchors,
        context.now,
        log,
    )?;
    report.issuer = verified
        .document_signer
        .subject_organization()
        .or_else(|| verified.document_signer.subject_common_name());
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
    let request = context.requests.iter().find(|r| r.doc_type == doc.doc_type);
    let all_requested = request.is_some_and(|request| {
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
        })
    });
    let device_signed_empty = doc.device_signed.name_spaces.value().0.is_empty();
    log.require(
        CheckName::RequestedElements,
        all_requested && device_signed_empty,
        "the response discloses elements or a document that were not requested",
    )
}
