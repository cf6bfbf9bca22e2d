//! Regression tests for the consent path (security review, issue 11, items 1, 2, 3 and 14): the
//! trust verdict over every DocRequest, requests no purpose profile covers, declined age
//! attestations, and the caps on DocRequests and elements.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples::{self, AMELIA};
use mdoc::cbor::{self, CborError, ToCbor};
use mdoc::definitions::request::{MAX_DOC_REQUESTS, MAX_REQUESTED_ELEMENTS};
use mdoc::definitions::{DeviceRequest, DocRequest, Handover, SessionTranscript};
use mdoc::profiles::{FindingKind, Purpose};
use mdoc::registry::{ISO_NAMESPACE, UK_DIGITAL_ID};
use verifier::request::build_device_request;
use verifier::{DocumentRequest, ReaderKey};
use wallet::WalletError;
use wallet::consent::{ApprovedElement, ConsentRequest, ReaderTrust, Selection};
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};

fn amelia() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    (dir, world)
}

fn transcript() -> SessionTranscript {
    SessionTranscript {
        device_engagement: None,
        e_reader_key: None,
        handover: Handover::Qr,
    }
}

fn age_request(nn: u8) -> DocumentRequest {
    DocumentRequest::for_purpose(Purpose::AgeCheck(nn), UK_DIGITAL_ID)
}

/// The DocRequests for `requests`, signed by `reader` when given.
fn doc_requests(requests: &[DocumentRequest], reader: Option<&ReaderKey>) -> Vec<DocRequest> {
    build_device_request(requests, &transcript(), reader)
        .unwrap()
        .doc_requests
}

/// Sends `doc_requests` through the wire encoding (as a DC API page would) and prepares them.
fn consent_for(world: &World, doc_requests: Vec<DocRequest>) -> ConsentRequest {
    let bytes = cbor::to_vec(&DeviceRequest::new(doc_requests).to_cbor());
    let request: DeviceRequest = cbor::from_slice(&bytes).unwrap();
    prepare_request(&world.wallet, &request, &transcript())
        .unwrap()
        .consent()
        .clone()
}

fn other_reader(world: &World) -> ReaderKey {
    let mut profile =
        CertificateProfile::new("Other Ltd age checks", "GB", world.now.plus_days(-30), 365);
    profile.organization = Some("Other Ltd".to_owned());
    let other = CertifiedKey::new_reader(&world.reader_root, &profile).unwrap();
    ReaderKey::new(
        other.signing_key().clone(),
        vec![other.certificate().der().to_vec()],
    )
}

fn is_untrusted(consent: &ConsentRequest) -> bool {
    matches!(consent.verifier.trust, ReaderTrust::Untrusted { .. })
        && consent.verifier.organization.is_none()
        && consent.verifier.common_name.is_none()
}

// Item 1: the verdict covers every DocRequest, whatever their order.

#[test]
fn an_unsigned_request_makes_the_verdict_untrusted_in_either_order() {
    let (_dir, world) = amelia();
    let signed = doc_requests(&[age_request(18)], Some(&world.reader_key())).remove(0);
    let unsigned = doc_requests(&[age_request(21)], None).remove(0);
    let unsigned_first = consent_for(&world, vec![unsigned.clone(), signed.clone()]);
    assert!(
        is_untrusted(&unsigned_first),
        "{:?}",
        unsigned_first.verifier
    );
    let unsigned_second = consent_for(&world, vec![signed.clone(), unsigned]);
    assert!(
        is_untrusted(&unsigned_second),
        "{:?}",
        unsigned_second.verifier
    );
    assert_eq!(unsigned_first.verifier, unsigned_second.verifier);
    // All signed by the one reader: trusted, with its identity.
    let all_signed = consent_for(
        &world,
        doc_requests(
            &[age_request(18), age_request(21)],
            Some(&world.reader_key()),
        ),
    );
    assert!(matches!(
        all_signed.verifier.trust,
        ReaderTrust::Trusted { .. }
    ));
    assert_eq!(
        all_signed.verifier.organization.as_deref(),
        Some("Acme Ltd")
    );
}

#[test]
fn requests_signed_by_different_readers_are_untrusted_in_either_order() {
    let (_dir, world) = amelia();
    let acme = doc_requests(&[age_request(18)], Some(&world.reader_key())).remove(0);
    let other = doc_requests(&[age_request(21)], Some(&other_reader(&world))).remove(0);
    for order in [
        vec![acme.clone(), other.clone()],
        vec![other.clone(), acme.clone()],
    ] {
        let consent = consent_for(&world, order);
        assert!(is_untrusted(&consent), "{:?}", consent.verifier);
        let ReaderTrust::Untrusted { reason } = &consent.verifier.trust else {
            unreachable!()
        };
        assert!(reason.contains("different reader certificates"), "{reason}");
    }
}

// Item 2: no purpose profile, no pre-selection.

#[test]
fn a_request_no_profile_covers_flags_every_element_and_recommends_nothing() {
    let (_dir, world) = amelia();
    // A right-to-work request padded until no profile covers half of it, no purpose declared.
    let mut padded = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    padded.purpose = None;
    for id in [
        "resident_address",
        "resident_postal_code",
        "issue_date",
        "issuing_country",
        "issuing_authority",
        "document_number",
        "age_over_18",
        "age_over_21",
        "age_over_65",
        "family_name_birth",
        "birth_place",
    ] {
        padded = padded.with_element(ISO_NAMESPACE, id, true);
    }
    let consent = consent_for(&world, doc_requests(&[padded], Some(&world.reader_key())));
    let document = &consent.documents[0];
    assert_eq!(document.purpose, None);
    for element in &document.elements {
        assert!(
            element
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::NoRegisteredPurpose),
            "{} has no finding",
            element.identifier
        );
    }
    let portrait = document
        .elements
        .iter()
        .find(|e| e.identifier == "portrait")
        .unwrap();
    assert!(portrait.sensitive && portrait.held);
    assert!(consent.recommended_selection().approved.is_empty());
    assert!(consent.has_findings());
}

#[test]
fn a_doc_type_without_a_profile_recommends_nothing() {
    let (_dir, world) = amelia();
    world
        .provision(&samples::eu_pid(&AMELIA, world.now.date()))
        .unwrap();
    let request = DocumentRequest::custom(
        samples::EU_PID,
        &[
            (samples::EU_PID, "family_name", false),
            (samples::EU_PID, "given_name", false),
        ],
    );
    let consent = consent_for(&world, doc_requests(&[request], None));
    let document = &consent.documents[0];
    assert!(document.elements.iter().all(|e| e.held));
    assert!(document.elements.iter().all(|e| {
        e.findings
            .iter()
            .any(|f| f.kind == FindingKind::NoRegisteredPurpose)
    }));
    assert!(consent.recommended_selection().approved.is_empty());
}

// Item 3: a declined attestation is never sent in place of an approved one.

#[test]
fn a_declined_age_attestation_is_not_substituted_for_an_approved_one() {
    let (_dir, world) = amelia();
    // Amelia holds age_over_18/21/65; age_over_19 is not held, its nearest answer is age_over_21.
    let request = DocumentRequest::custom(
        UK_DIGITAL_ID,
        &[
            (ISO_NAMESPACE, "age_over_21", false),
            (ISO_NAMESPACE, "age_over_19", false),
        ],
    );
    let device_request = DeviceRequest::new(doc_requests(&[request], None));
    let prepared = prepare_request(&world.wallet, &device_request, &transcript()).unwrap();
    let elements = &prepared.consent().documents[0].elements;
    let shown: Vec<(&str, Option<&str>)> = elements
        .iter()
        .map(|e| (e.identifier.as_str(), e.disclosed_as.as_deref()))
        .collect();
    // age_over_19 is answered only through the age_over_21 the verifier asked for itself.
    assert_eq!(
        shown,
        [("age_over_21", Some("age_over_21")), ("age_over_19", None)]
    );
    let only_19 = Selection {
        approved: vec![ApprovedElement {
            doc_type: UK_DIGITAL_ID.to_owned(),
            namespace: ISO_NAMESPACE.to_owned(),
            identifier: "age_over_19".to_owned(),
        }],
    };
    let response = respond(&world.wallet, &prepared, &only_19, None).unwrap();
    let sent: Vec<String> = response
        .documents
        .iter()
        .flatten()
        .flat_map(|d| {
            d.issuer_signed
                .items()
                .map(|(_, i)| i.element_identifier.clone())
        })
        .collect();
    assert!(sent.is_empty(), "sent {sent:?}");
}

#[test]
fn the_consent_element_names_the_substitute_that_is_sent() {
    let (_dir, world) = amelia();
    let request = DocumentRequest::custom(UK_DIGITAL_ID, &[(ISO_NAMESPACE, "age_over_19", false)]);
    let device_request = DeviceRequest::new(doc_requests(&[request], None));
    let prepared = prepare_request(&world.wallet, &device_request, &transcript()).unwrap();
    let element = &prepared.consent().documents[0].elements[0];
    assert_eq!(element.disclosed_as.as_deref(), Some("age_over_21"));
    let response = respond(
        &world.wallet,
        &prepared,
        &prepared.consent().everything_held(),
        None,
    )
    .unwrap();
    let sent: Vec<String> = response
        .documents
        .iter()
        .flatten()
        .flat_map(|d| {
            d.issuer_signed
                .items()
                .map(|(_, i)| i.element_identifier.clone())
        })
        .collect();
    assert_eq!(sent, ["age_over_21"]);
}

// Item 14: DocRequests and elements are capped at parse time and when preparing.

fn device_request_bytes(doc_requests: Vec<DocRequest>) -> Vec<u8> {
    cbor::to_vec(&DeviceRequest::new(doc_requests).to_cbor())
}

#[test]
fn thousands_of_doc_requests_are_refused_with_a_typed_error() {
    let (_dir, world) = amelia();
    let one = doc_requests(&[age_request(18)], Some(&world.reader_key())).remove(0);
    let bytes = device_request_bytes(vec![one.clone(); 5_000]);
    let Err(refused) = cbor::from_slice::<DeviceRequest>(&bytes) else {
        panic!("{} DocRequests accepted", 5_000);
    };
    assert!(
        matches!(refused, CborError::InvalidValue { context } if context.contains("docRequests")),
        "{refused:?}"
    );
    // Built in memory (as the OpenID4VP path does), prepare_request refuses it too.
    let in_memory = DeviceRequest::new(vec![one.clone(); MAX_DOC_REQUESTS + 1]);
    assert!(matches!(
        prepare_request(&world.wallet, &in_memory, &transcript()),
        Err(WalletError::Malformed(CborError::InvalidValue { .. }))
    ));
    // At the cap, accepted.
    let at_cap = device_request_bytes(vec![one; MAX_DOC_REQUESTS]);
    let request: DeviceRequest = cbor::from_slice(&at_cap).unwrap();
    let prepared = prepare_request(&world.wallet, &request, &transcript()).unwrap();
    assert_eq!(prepared.consent().documents.len(), MAX_DOC_REQUESTS);
    assert!(matches!(
        prepared.consent().verifier.trust,
        ReaderTrust::Trusted { .. }
    ));
}

#[test]
fn too_many_elements_in_one_request_are_refused_with_a_typed_error() {
    let elements: Vec<(String, String, bool)> = (0..=MAX_REQUESTED_ELEMENTS)
        .map(|n| (ISO_NAMESPACE.to_owned(), format!("element_{n}"), false))
        .collect();
    let over = DocumentRequest {
        doc_type: UK_DIGITAL_ID.to_owned(),
        elements: elements.clone(),
        purpose: None,
    };
    let Err(refused) =
        cbor::from_slice::<DeviceRequest>(&device_request_bytes(doc_requests(&[over], None)))
    else {
        panic!("{} elements accepted", MAX_REQUESTED_ELEMENTS + 1);
    };
    // Refused by the element cap, or earlier by the decoder's budget (decoded size relative to
    // the input): either way a typed error before anything is built from it.
    assert!(
        matches!(refused, CborError::InvalidValue { context } if context.contains("elements"))
            || matches!(refused, CborError::DecodedTooLarge),
        "{refused:?}"
    );
    let at_cap = DocumentRequest {
        doc_type: UK_DIGITAL_ID.to_owned(),
        elements: elements[..MAX_REQUESTED_ELEMENTS].to_vec(),
        purpose: None,
    };
    let request: DeviceRequest =
        cbor::from_slice(&device_request_bytes(doc_requests(&[at_cap], None))).unwrap();
    assert_eq!(
        request.doc_requests[0].items_request.elements().count(),
        MAX_REQUESTED_ELEMENTS
    );
}
