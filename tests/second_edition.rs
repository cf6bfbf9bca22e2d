//! ISO 18013-5 second edition end to end: version 1.1 requests with readerAuthAll,
//! deviceRequestInfo use cases and DocRequestInfo through a proximity session; version
//! negotiation both ways; readerAuthAll tampered and mixed with per-document readerAuth; the
//! first satisfiable document set, alternative data elements and maximumResponseSize.

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
use mdoc::cbor::{self, MapRest, Tagged, Value};
use mdoc::definitions::{
    DeviceRequest, DeviceRequestInfo, DeviceResponse, DocRequestInfo, ElementReference, Handover,
    SessionTranscript, UseCase,
};
use mdoc::profiles::Purpose;
use mdoc::registry::{ISO_NAMESPACE, MDL, UK_DIGITAL_ID};
use verifier::request::{build_device_request, build_second_edition_request};
use verifier::{DocumentRequest, ReaderKey, ReaderSession, SecondEditionRequest};
use wallet::WalletError;
use wallet::consent::{ConsentRequest, PurposeHint, ReaderTrust};
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};
use wallet::proximity::{ProximitySession, SessionEvent};

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

fn right_to_work() -> DocumentRequest {
    DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID)
}

fn single(info: DocRequestInfo, reader_auth_all: bool) -> SecondEditionRequest {
    SecondEditionRequest {
        documents: vec![(right_to_work(), info)],
        use_cases: vec![UseCase::new(true, vec![vec![0]])],
        reader_auth_all,
    }
}

fn other_reader(world: &World) -> ReaderKey {
    let profile = CertificateProfile::new("Other reader", "GB", world.now.plus_days(-30), 365);
    let other = CertifiedKey::new_reader(&world.reader_root, &profile).unwrap();
    ReaderKey::new(
        other.signing_key().clone(),
        vec![other.certificate().der().to_vec()],
    )
}

/// The request through the wire encoding, then prepared by the wallet.
fn consent_for(world: &World, request: &DeviceRequest) -> Result<ConsentRequest, WalletError> {
    let parsed: DeviceRequest = cbor::from_slice(&cbor::to_vec(request)).unwrap();
    assert_eq!(cbor::to_vec(&parsed), cbor::to_vec(request));
    Ok(prepare_request(&world.wallet, &parsed, &transcript())?
        .consent()
        .clone())
}

fn trust(consent: &ConsentRequest) -> &ReaderTrust {
    &consent.verifier.trust
}

fn untrusted(consent: &ConsentRequest) -> bool {
    matches!(trust(consent), ReaderTrust::Untrusted { .. })
        && consent.verifier.common_name.is_none()
}

/// Opens a proximity session and sends `send`'s first message; returns both sides and the
/// consent.
fn session(
    world: &World,
    second_edition_wallet: bool,
    send: impl FnOnce(&mut ReaderSession) -> Vec<u8>,
) -> (ProximitySession, ReaderSession, ConsentRequest) {
    let mut holder = if second_edition_wallet {
        ProximitySession::start_second_edition(&world.wallet, Vec::new())
    } else {
        ProximitySession::start(&world.wallet, Vec::new())
    };
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let first = send(&mut reader);
    match holder.handle(&first) {
        SessionEvent::Consent(consent) => (holder, reader, *consent),
        other => panic!("consent expected, got {other:?}"),
    }
}

#[test]
fn a_second_edition_session_with_reader_auth_all_is_trusted_and_verified() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    let (mut holder, mut reader, consent) = session(&world, true, |reader| {
        assert!(reader.wallet_supports_second_edition());
        assert_eq!(reader.wallet_capabilities().reader_auth_all, Some(true));
        reader
            .establish_second_edition(&single(DocRequestInfo::default(), true), Some(&key))
            .unwrap()
    });
    assert!(matches!(trust(&consent), ReaderTrust::Trusted { .. }));
    assert_eq!(
        consent.verifier.common_name.as_deref(),
        Some("Acme Ltd HR right-to-work checks")
    );
    assert_eq!(consent.use_cases.len(), 1);
    assert_eq!(consent.use_cases[0].answered_set, Some(0));
    let sent: DeviceRequest = cbor::from_slice(reader.device_request().unwrap()).unwrap();
    assert_eq!(sent.version, "1.1");
    assert_eq!(sent.reader_auth_all.as_ref().map(Vec::len), Some(1));
    assert!(sent.doc_requests.iter().all(|d| d.reader_auth.is_none()));
    // The engagement the reader hashed into the transcript is the wallet's, byte for byte,
    // with its capabilities.
    assert_eq!(
        reader.transcript().device_engagement.as_ref().unwrap(),
        holder.engagement()
    );
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let report = reader
        .handle_response(&reply, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified(), "{report:?}");
}

#[test]
fn version_negotiation_a_first_edition_reader_gets_a_first_edition_answer() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    // A 1.0 wallet engagement: the reader sees no second-edition support and sends 1.0.
    let (mut holder, mut reader, consent) = session(&world, false, |reader| {
        assert!(!reader.wallet_supports_second_edition());
        reader.establish(&[right_to_work()], Some(&key)).unwrap()
    });
    let engagement =
        mdoc::definitions::DeviceEngagement::parse(holder.engagement().content()).unwrap();
    assert_eq!(engagement.version, "1.0");
    assert_eq!(engagement.capabilities, None);
    assert!(consent.use_cases.is_empty());
    let sent: DeviceRequest = cbor::from_slice(reader.device_request().unwrap()).unwrap();
    assert_eq!(sent.version, "1.0");
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let plaintext = reader.decrypt_response(&reply).unwrap();
    let response: DeviceResponse = cbor::from_slice(&plaintext).unwrap();
    assert_eq!(response.version, "1.0");
    let report = verifier::verify_response(
        &response,
        &reader.context(&world.issuer_anchors(), world.now),
    );
    assert!(report.verified(), "{report:?}");

    // A second-edition wallet still answers a 1.0 reader, with a 1.0 response.
    let (mut holder, mut reader, consent) = session(&world, true, |reader| {
        reader.establish(&[right_to_work()], Some(&key)).unwrap()
    });
    assert!(matches!(trust(&consent), ReaderTrust::Trusted { .. }));
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let response: DeviceResponse =
        cbor::from_slice(&reader.decrypt_response(&reply).unwrap()).unwrap();
    assert_eq!(response.version, "1.0");

    // And the verifier may send 1.1 (readerAuth per document) to either wallet.
    let (mut holder, mut reader, consent) = session(&world, false, |reader| {
        reader
            .establish_second_edition(&single(DocRequestInfo::default(), false), Some(&key))
            .unwrap()
    });
    assert!(matches!(trust(&consent), ReaderTrust::Trusted { .. }));
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let report = reader
        .handle_response(&reply, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified(), "{report:?}");
}

fn signed_all(key: &ReaderKey) -> DeviceRequest {
    let request = SecondEditionRequest {
        documents: vec![
            (right_to_work(), DocRequestInfo::default()),
            (
                DocumentRequest::for_purpose(Purpose::AgeCheck(18), UK_DIGITAL_ID),
                DocRequestInfo::default(),
            ),
        ],
        use_cases: vec![UseCase::new(true, vec![vec![0, 1]])],
        reader_auth_all: true,
    };
    build_second_edition_request(&request, &transcript(), Some(key)).unwrap()
}

#[test]
fn reader_auth_all_tampered_or_mixed_is_untrusted_whatever_the_order() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    let good = signed_all(&key);
    assert!(matches!(
        trust(&consent_for(&world, &good).unwrap()),
        ReaderTrust::Trusted { .. }
    ));

    // deviceRequestInfo changed after signing.
    let mut tampered = good.clone();
    tampered.device_request_info = Some(Tagged::new(DeviceRequestInfo {
        use_cases: vec![UseCase::new(false, vec![vec![0, 1]])],
        rest: MapRest::default(),
    }));
    assert!(untrusted(&consent_for(&world, &tampered).unwrap()));

    // deviceRequestInfo removed (ReaderAuthenticationAll then ends in null).
    let mut removed = good.clone();
    removed.device_request_info = None;
    assert!(untrusted(&consent_for(&world, &removed).unwrap()));

    // DocRequests reordered: the signature covers their sequence.
    let mut reordered = good.clone();
    reordered.doc_requests.reverse();
    assert!(untrusted(&consent_for(&world, &reordered).unwrap()));

    // A DocRequest dropped (with the use case that named it).
    let mut dropped = good.clone();
    dropped.doc_requests.pop();
    dropped.device_request_info = None;
    assert!(untrusted(&consent_for(&world, &dropped).unwrap()));

    // Signed over another session's transcript.
    let other_transcript = SessionTranscript {
        handover: Handover::Other(Value::text("another session")),
        ..transcript()
    };
    let request = SecondEditionRequest {
        documents: vec![(right_to_work(), DocRequestInfo::default())],
        use_cases: Vec::new(),
        reader_auth_all: true,
    };
    let replayed = build_second_edition_request(&request, &other_transcript, Some(&key)).unwrap();
    assert!(untrusted(&consent_for(&world, &replayed).unwrap()));

    // readerAuthAll by one reader, readerAuth on a DocRequest by another: different readers,
    // in either position.
    let other = other_reader(&world);
    let per_doc = build_device_request(&[right_to_work()], &transcript(), Some(&other))
        .unwrap()
        .doc_requests;
    let mut mixed = good.clone();
    mixed.doc_requests[0].reader_auth = per_doc[0].reader_auth.clone();
    let consent = consent_for(&world, &mixed).unwrap();
    assert!(untrusted(&consent));
    let ReaderTrust::Untrusted { reason } = trust(&consent) else {
        unreachable!()
    };
    assert!(reason.contains("different reader"), "{reason}");

    // The same reader on both: trusted.
    let mine = build_device_request(&[right_to_work()], &transcript(), Some(&key))
        .unwrap()
        .doc_requests;
    let mut same = good.clone();
    same.doc_requests[0].reader_auth = mine[0].reader_auth.clone();
    assert!(matches!(
        trust(&consent_for(&world, &same).unwrap()),
        ReaderTrust::Trusted { .. }
    ));

    // Two readerAuthAll signatures: both by this reader trusted; one by another untrusted
    // whichever comes first; a garbled one untrusted.
    let all = good.reader_auth_all.clone().unwrap();
    let by_other = {
        let request = SecondEditionRequest {
            documents: vec![
                (right_to_work(), DocRequestInfo::default()),
                (
                    DocumentRequest::for_purpose(Purpose::AgeCheck(18), UK_DIGITAL_ID),
                    DocRequestInfo::default(),
                ),
            ],
            use_cases: vec![UseCase::new(true, vec![vec![0, 1]])],
            reader_auth_all: true,
        };
        build_second_edition_request(&request, &transcript(), Some(&other))
            .unwrap()
            .reader_auth_all
            .unwrap()
    };
    for (signatures, trusted) in [
        (vec![all[0].clone(), all[0].clone()], true),
        (vec![all[0].clone(), by_other[0].clone()], false),
        (vec![by_other[0].clone(), all[0].clone()], false),
        (vec![all[0].clone(), Value::Array(vec![])], false),
    ] {
        let mut request = good.clone();
        request.reader_auth_all = Some(signatures);
        let consent = consent_for(&world, &request).unwrap();
        assert_eq!(
            matches!(trust(&consent), ReaderTrust::Trusted { .. }),
            trusted,
            "{:?}",
            trust(&consent)
        );
        if !trusted {
            assert!(untrusted(&consent));
        }
    }

    // readerAuthAll in a 1.0 request is not read: the request is unauthenticated.
    let mut first = good;
    first.version = "1.0".to_owned();
    let bytes = cbor::to_vec(&first);
    let parsed: DeviceRequest = cbor::from_slice(&bytes).unwrap();
    assert!(parsed.reader_auth_all.is_none());
    let consent = prepare_request(&world.wallet, &parsed, &transcript())
        .unwrap()
        .consent()
        .clone();
    assert_eq!(*trust(&consent), ReaderTrust::NotAuthenticated);
}

#[test]
fn the_wallet_answers_the_first_document_set_it_can_answer_in_full() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    let mdl = DocumentRequest::custom(MDL, &[(ISO_NAMESPACE, "family_name", false)]);
    let mut use_case = UseCase::new(true, vec![vec![0], vec![1]]);
    use_case.purpose_hints = vec![("org.example.purposes".to_owned(), 7)];
    let request = SecondEditionRequest {
        documents: vec![
            (mdl.clone(), DocRequestInfo::default()),
            (right_to_work(), DocRequestInfo::default()),
        ],
        use_cases: vec![use_case],
        reader_auth_all: true,
    };
    let (mut holder, mut reader, consent) = session(&world, true, |reader| {
        reader
            .establish_second_edition(&request, Some(&key))
            .unwrap()
    });
    // Amelia holds no mDL: the second set (her UK digital ID) answers.
    assert_eq!(consent.documents.len(), 1);
    assert_eq!(consent.documents[0].doc_type, UK_DIGITAL_ID);
    let use_case = &consent.use_cases[0];
    assert!(use_case.mandatory);
    assert_eq!(use_case.answered_set, Some(1));
    assert_eq!(
        use_case.document_sets,
        vec![vec![MDL.to_owned()], vec![UK_DIGITAL_ID.to_owned()]]
    );
    assert_eq!(
        use_case.purpose_hints,
        vec![PurposeHint {
            controller: "org.example.purposes".to_owned(),
            code: 7
        }]
    );
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let response: DeviceResponse =
        cbor::from_slice(&reader.decrypt_response(&reply).unwrap()).unwrap();
    let returned: Vec<&str> = response
        .documents
        .iter()
        .flatten()
        .map(|d| d.doc_type.as_str())
        .collect();
    assert_eq!(returned, [UK_DIGITAL_ID]);

    // Only an mDL would do: nothing is answerable, nothing is shown or disclosed.
    let only_mdl = SecondEditionRequest {
        documents: vec![(mdl, DocRequestInfo::default())],
        use_cases: vec![UseCase::new(true, vec![vec![0]])],
        reader_auth_all: false,
    };
    let device_request = build_second_edition_request(&only_mdl, &transcript(), None).unwrap();
    let consent = consent_for(&world, &device_request).unwrap();
    assert!(consent.documents.is_empty());
    assert_eq!(consent.use_cases[0].answered_set, None);

    // A DocRequest no use case names is answered as in a 1.0 request, next to an optional use
    // case the wallet cannot fulfil.
    let mut unnamed = only_mdl;
    unnamed
        .documents
        .insert(0, (right_to_work(), DocRequestInfo::default()));
    unnamed.use_cases = vec![UseCase::new(false, vec![vec![1]])];
    let device_request = build_second_edition_request(&unnamed, &transcript(), None).unwrap();
    let consent = consent_for(&world, &device_request).unwrap();
    let shown: Vec<&str> = consent
        .documents
        .iter()
        .map(|d| d.doc_type.as_str())
        .collect();
    assert_eq!(shown, [UK_DIGITAL_ID]);
    assert!(!consent.use_cases[0].mandatory);
    assert_eq!(consent.use_cases[0].answered_set, None);
}

#[test]
fn alternative_elements_answer_an_element_not_held() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    let asked = DocumentRequest::custom(
        UK_DIGITAL_ID,
        &[
            (ISO_NAMESPACE, "age_in_years", false),
            (ISO_NAMESPACE, "family_name", false),
        ],
    );
    let info = DocRequestInfo {
        alternative_data_elements: vec![mdoc::definitions::AlternativeDataElementSet {
            requested_element: ElementReference::new(ISO_NAMESPACE, "age_in_years"),
            alternative_element_sets: vec![
                vec![ElementReference::new(ISO_NAMESPACE, "not_held_either")],
                vec![ElementReference::new(ISO_NAMESPACE, "birth_date")],
            ],
            rest: MapRest::default(),
        }],
        ..DocRequestInfo::default()
    };
    let request = SecondEditionRequest {
        documents: vec![(asked, info)],
        use_cases: Vec::new(),
        reader_auth_all: true,
    };
    let (mut holder, mut reader, consent) = session(&world, true, |reader| {
        reader
            .establish_second_edition(&request, Some(&key))
            .unwrap()
    });
    let element = consent.documents[0]
        .elements
        .iter()
        .find(|e| e.identifier == "age_in_years")
        .unwrap();
    assert!(element.held);
    assert_eq!(element.disclosed_as, None);
    assert_eq!(
        element.alternative,
        vec![ElementReference::new(ISO_NAMESPACE, "birth_date")]
    );
    let reply = holder.approve(&consent.everything_held()).unwrap();
    let report = reader
        .handle_response(&reply, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified(), "{report:?}");
    let document = &report.documents[0];
    assert!(document.element(ISO_NAMESPACE, "birth_date").is_some());
    assert!(document.element(ISO_NAMESPACE, "age_in_years").is_none());
    assert!(document.missing.is_empty(), "{:?}", document.missing);
}

#[test]
fn maximum_response_size_is_respected_or_refused_before_disclosure() {
    let (_dir, world) = amelia();
    for (max, fits) in [(64_u64, false), (1 << 20, true)] {
        let info = DocRequestInfo {
            maximum_response_size: Some(max),
            ..DocRequestInfo::default()
        };
        let device_request =
            build_second_edition_request(&single(info, false), &transcript(), None).unwrap();
        let parsed: DeviceRequest = cbor::from_slice(&cbor::to_vec(&device_request)).unwrap();
        let prepared = prepare_request(&world.wallet, &parsed, &transcript()).unwrap();
        let selection = prepared.consent().recommended_selection();
        let result = respond(&world.wallet, &prepared, &selection, None);
        if fits {
            let response = result.unwrap();
            let document = &response.documents.as_ref().unwrap()[0];
            assert!(cbor::to_vec(document).len() as u64 <= max);
        } else {
            assert_eq!(result.unwrap_err(), WalletError::ResponseTooLarge);
        }
    }
}

/// issuerIdentifiers: the key identifier of the IACA (the document signer certificate's
/// AuthorityKeyIdentifier, equal to the IACA's SubjectKeyIdentifier; as Sphereon's mdoc library
/// `matchesIssuerIdentifiers` reads them).
fn issuer_only(identifiers: Vec<Vec<u8>>) -> DocRequestInfo {
    DocRequestInfo {
        issuer_identifiers: identifiers,
        ..DocRequestInfo::default()
    }
}

#[test]
fn issuer_identifiers_a_listed_iaca_is_answered_another_is_not() {
    let (_dir, world) = amelia();
    let key = world.reader_key();
    let iaca_id = world
        .issuer
        .iaca()
        .certificate()
        .subject_key_identifier()
        .expect("the test IACA has a subjectKeyIdentifier");
    // Matching: listed among others, the document is answered and verifies.
    let listed = single(issuer_only(vec![vec![0x7f; 20], iaca_id.clone()]), true);
    let (mut holder, mut reader, consent) = session(&world, true, |reader| {
        reader
            .establish_second_edition(&listed, Some(&key))
            .unwrap()
    });
    assert_eq!(consent.documents.len(), 1);
    assert!(consent.documents[0].credential_id.is_some());
    assert!(!consent.documents[0].issuer_not_accepted);
    assert_eq!(consent.use_cases[0].answered_set, Some(0));
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let report = reader
        .handle_response(&reply, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified(), "{report:?}");

    // Not matching, in a use case: the only set cannot be answered, nothing is shown.
    let other = single(issuer_only(vec![vec![0x7f; 20]]), false);
    let device_request = build_second_edition_request(&other, &transcript(), None).unwrap();
    let consent = consent_for(&world, &device_request).unwrap();
    assert!(consent.documents.is_empty());
    assert_eq!(consent.use_cases[0].answered_set, None);

    // Not matching, outside any use case: shown as not held, and why; the response reports
    // it in documentErrors and discloses nothing. The certificate's DER, or the SKI of the
    // reader root, is not an identifier of this issuer.
    let reader_root_id = world
        .reader_root
        .certificate()
        .subject_key_identifier()
        .unwrap();
    for wrong in [
        vec![0x7f; 20],
        reader_root_id,
        world.issuer.iaca().certificate().der()[..64].to_vec(),
    ] {
        let request = SecondEditionRequest {
            documents: vec![(right_to_work(), issuer_only(vec![wrong]))],
            use_cases: Vec::new(),
            reader_auth_all: false,
        };
        let device_request = build_second_edition_request(&request, &transcript(), None).unwrap();
        let parsed: DeviceRequest = cbor::from_slice(&cbor::to_vec(&device_request)).unwrap();
        let prepared = prepare_request(&world.wallet, &parsed, &transcript()).unwrap();
        let document = &prepared.consent().documents[0];
        assert_eq!(document.credential_id, None);
        assert!(document.issuer_not_accepted);
        assert!(document.elements.iter().all(|e| !e.held));
        let selection = prepared.consent().recommended_selection();
        let response = respond(&world.wallet, &prepared, &selection, None).unwrap();
        assert!(response.documents.iter().flatten().next().is_none());
        let errors = response.document_errors.clone().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].doc_type, UK_DIGITAL_ID);
    }
    // Nothing was consumed by the refused presentations: a matching request still answers.
    let again = SecondEditionRequest {
        documents: vec![(right_to_work(), issuer_only(vec![iaca_id]))],
        use_cases: Vec::new(),
        reader_auth_all: false,
    };
    let device_request = build_second_edition_request(&again, &transcript(), None).unwrap();
    let consent = consent_for(&world, &device_request).unwrap();
    assert!(consent.documents[0].credential_id.is_some());
}

#[test]
fn issuer_identifiers_out_of_bounds_are_refused_when_parsed() {
    let (_dir, world) = amelia();
    let iaca_id = world
        .issuer
        .iaca()
        .certificate()
        .subject_key_identifier()
        .unwrap();
    let bad = [
        // 17 identifiers (the cap is 16).
        vec![iaca_id.clone(); 17],
        // One of 65 bytes (the cap is 64).
        vec![vec![1; 65]],
        // An empty identifier.
        vec![Vec::new()],
    ];
    for identifiers in bad {
        let request = single(issuer_only(identifiers), false);
        let device_request = build_second_edition_request(&request, &transcript(), None).unwrap();
        let bytes = cbor::to_vec(&device_request);
        assert!(cbor::from_slice::<DeviceRequest>(&bytes).is_err());
    }
    // At the caps exactly, the request parses and the listed IACA answers.
    let mut at_cap = vec![vec![0x55; 64]; 15];
    at_cap.push(iaca_id);
    let request = single(issuer_only(at_cap), false);
    let device_request = build_second_edition_request(&request, &transcript(), None).unwrap();
    let consent = consent_for(&world, &device_request).unwrap();
    assert_eq!(consent.use_cases[0].answered_set, Some(0));
}

#[test]
fn unique_doc_set_required_needs_distinct_documents() {
    let (_dir, world) = amelia();
    let request = |unique: Option<bool>| SecondEditionRequest {
        documents: vec![
            (right_to_work(), DocRequestInfo::default()),
            (
                DocumentRequest::custom(UK_DIGITAL_ID, &[(ISO_NAMESPACE, "family_name", false)]),
                DocRequestInfo {
                    unique_doc_set_required: unique,
                    ..DocRequestInfo::default()
                },
            ),
        ],
        use_cases: vec![UseCase::new(true, vec![vec![0, 1], vec![0]])],
        reader_auth_all: false,
    };
    // Amelia holds one UK digital ID: it may answer both DocRequests of the first set unless
    // the reader requires distinct documents, when the second set (one DocRequest) answers.
    for (unique, expected) in [(None, 0), (Some(false), 0), (Some(true), 1)] {
        let device_request =
            build_second_edition_request(&request(unique), &transcript(), None).unwrap();
        let consent = consent_for(&world, &device_request).unwrap();
        assert_eq!(
            consent.use_cases[0].answered_set,
            Some(expected),
            "{unique:?}"
        );
    }
}
