//! End-to-end proximity presentations across issuer, wallet and verifier.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::{World, proximity_check};
use issuer::samples::{self, AMELIA, TOMASZ};
use mdoc::profiles::{FindingKind, Purpose};
use mdoc::registry::{ISO_NAMESPACE, MDL, UK_DIGITAL_ID};
use mdoc::verify::CheckName;
use verifier::{DocumentRequest, ReaderSession, VerificationReport};
use wallet::consent::{ReaderTrust, Selection};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};

fn world(auth: DeviceAuthMode) -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), auth).unwrap();
    (dir, world)
}

/// A wallet holding Amelia's UK digital ID, and a right-to-work request.
fn amelia() -> (tempfile::TempDir, World, [DocumentRequest; 1]) {
    let (dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    (dir, world, request)
}

/// Starts a session, sends `requests` and returns both sides with the consent it produced.
fn open(
    world: &World,
    requests: &[DocumentRequest],
    reader_key: Option<&verifier::ReaderKey>,
) -> (
    ProximitySession,
    ReaderSession,
    wallet::consent::ConsentRequest,
) {
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    match holder.handle(&reader.establish(requests, reader_key).unwrap()) {
        SessionEvent::Consent(consent) => (holder, reader, *consent),
        other => panic!("consent expected, got {other:?}"),
    }
}

fn disclosed(report: &VerificationReport) -> BTreeSet<(String, String, String)> {
    report
        .documents
        .iter()
        .flat_map(|d| {
            d.elements.iter().map(|e| {
                (
                    d.doc_type.clone(),
                    e.namespace.clone(),
                    e.identifier.clone(),
                )
            })
        })
        .collect()
}

fn approved(selection: &Selection) -> BTreeSet<(String, String, String)> {
    selection
        .approved
        .iter()
        .map(|a| {
            (
                a.doc_type.clone(),
                a.namespace.clone(),
                a.identifier.clone(),
            )
        })
        .collect()
}

#[test]
fn right_to_work_discloses_exactly_what_was_approved() {
    for auth in [DeviceAuthMode::Signature, DeviceAuthMode::Mac] {
        let (_dir, world) = world(auth);
        world
            .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
            .unwrap();
        let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
        let check = proximity_check(&world, &[request], |c| c.recommended_selection()).unwrap();
        assert!(
            check.report.verified(),
            "{}",
            check.report.render(common::label)
        );
        assert!(matches!(
            check.consent.verifier.trust,
            ReaderTrust::Trusted { .. }
        ));
        assert_eq!(
            check.consent.verifier.organization.as_deref(),
            Some("Acme Ltd")
        );
        assert_eq!(
            check.consent.documents[0].purpose,
            Some(Purpose::RightToWork)
        );
        assert!(!check.consent.has_findings());
        assert_eq!(
            disclosed(&check.report),
            approved(&check.consent.recommended_selection())
        );
        assert_eq!(disclosed(&check.report).len(), 10);
        let doc = &check.report.documents[0];
        assert!(
            doc.checks
                .iter()
                .any(|c| c.name == CheckName::DeviceAuthentication && c.passed())
        );
        assert_eq!(
            doc.element("uk.gov.digital-id.1", "max_weekly_hours")
                .map(|e| e.display_value()),
            Some("48".to_owned())
        );
    }
}

#[test]
fn a_subset_approval_discloses_only_that_subset() {
    let (_dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let pick = |c: &wallet::consent::ConsentRequest| {
        c.selection_where(|e| e.identifier == "right_to_work" || e.identifier == "family_name")
    };
    let check = proximity_check(&world, &[request], pick).unwrap();
    // Genuine, but less than was asked: not a pass.
    assert!(check.report.authentic() && !check.report.complete() && !check.report.verified());
    let expected: BTreeSet<_> = [
        (
            UK_DIGITAL_ID.to_owned(),
            ISO_NAMESPACE.to_owned(),
            "family_name".to_owned(),
        ),
        (
            UK_DIGITAL_ID.to_owned(),
            UK_DIGITAL_ID.to_owned(),
            "right_to_work".to_owned(),
        ),
    ]
    .into();
    assert_eq!(disclosed(&check.report), expected);
    // Nothing of the other elements travels, not even as bytes.
    let response = String::from_utf8_lossy(&check.device_response).into_owned();
    assert!(!response.contains("Tomasz") && !response.contains("birth_date"));
}

#[test]
fn an_over_asking_benefits_check_is_flagged_and_declined() {
    let (_dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let request = DocumentRequest::for_purpose(Purpose::Benefits, UK_DIGITAL_ID)
        .with_element(ISO_NAMESPACE, "driving_privileges", true)
        .with_element(UK_DIGITAL_ID, "work_restrictions", true);
    let check = proximity_check(&world, &[request], |c| c.recommended_selection()).unwrap();
    let findings: Vec<(String, FindingKind)> = check.consent.documents[0]
        .elements
        .iter()
        .flat_map(|e| e.findings.iter().map(|f| (f.identifier.clone(), f.kind)))
        .collect();
    assert!(findings.contains(&(
        "driving_privileges".to_owned(),
        FindingKind::ExplicitlyExcluded
    )));
    assert!(findings.contains(&(
        "work_restrictions".to_owned(),
        FindingKind::ExplicitlyExcluded
    )));
    // Amelia is British: immigration status is not needed from her.
    assert!(findings.contains(&(
        "immigration_status".to_owned(),
        FindingKind::ConditionNotMet
    )));
    // The declined elements leave the answer genuine but incomplete.
    assert!(check.report.authentic() && !check.report.verified());
    let shown = disclosed(&check.report);
    assert!(shown.iter().all(|(_, _, id)| {
        ![
            "driving_privileges",
            "work_restrictions",
            "immigration_status",
        ]
        .contains(&id.as_str())
    }));
    assert!(
        shown
            .iter()
            .any(|(_, _, id)| id == "national_insurance_number")
    );
}

#[test]
fn an_age_check_answers_with_the_nearest_attestation() {
    let (_dir, world) = world(DeviceAuthMode::Mac);
    world
        .provision(&samples::mdl(&AMELIA, world.now.date()))
        .unwrap();
    let request = DocumentRequest::for_purpose(Purpose::AgeCheck(20), MDL);
    let check = proximity_check(&world, &[request], |c| c.recommended_selection()).unwrap();
    assert!(
        check.report.verified(),
        "{}",
        check.report.render(common::label)
    );
    let elements = &check.report.documents[0].elements;
    assert_eq!(elements.len(), 1);
    assert_eq!(elements[0].identifier, "age_over_21");
    assert_eq!(elements[0].display_value(), "yes");

    let nosy = DocumentRequest::for_purpose(Purpose::AgeCheck(18), MDL).with_element(
        ISO_NAMESPACE,
        "birth_date",
        false,
    );
    let check = proximity_check(&world, &[nosy], |c| c.recommended_selection()).unwrap();
    let birth = check.consent.documents[0]
        .elements
        .iter()
        .find(|e| e.identifier == "birth_date")
        .unwrap();
    assert_eq!(birth.findings[0].kind, FindingKind::AgeAttestationWouldDo);
    assert!(
        disclosed(&check.report)
            .iter()
            .all(|(_, _, id)| id == "age_over_18")
    );
}

#[test]
fn several_documents_in_one_request() {
    let (_dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    world
        .provision(&samples::mdl(&AMELIA, world.now.date()))
        .unwrap();
    let requests = [
        DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID),
        DocumentRequest::custom(MDL, &[(ISO_NAMESPACE, "driving_privileges", false)]),
        DocumentRequest::custom(samples::EU_PID, &[(samples::EU_PID, "family_name", false)]),
    ];
    let check = proximity_check(&world, &requests, |c| c.everything_held()).unwrap();
    // The EU PID is not held: what came back is genuine, the answer is incomplete.
    assert!(
        check.report.authentic() && !check.report.verified(),
        "{}",
        check.report.render(common::label)
    );
    assert_eq!(check.report.documents.len(), 2);
    assert_eq!(
        check.report.document_errors,
        vec![(samples::EU_PID.to_owned(), 0)]
    );
    assert_eq!(
        disclosed(&check.report),
        approved(&check.consent.everything_held())
    );
}

#[test]
fn an_untrusted_or_anonymous_reader_is_shown_as_such() {
    let (_dir, world, request) = amelia();
    let rogue_root = issuer::certs::CertifiedKey::new_reader_root(
        &issuer::certs::CertificateProfile::new("Rogue", "GB", world.now.plus_days(-1), 30),
    )
    .unwrap();
    let rogue = issuer::certs::CertifiedKey::new_reader(
        &rogue_root,
        &issuer::certs::CertificateProfile::new("Acme Ltd", "GB", world.now.plus_days(-1), 30),
    )
    .unwrap();
    let rogue_key = verifier::ReaderKey::new(
        rogue.signing_key().clone(),
        vec![rogue.certificate().der().to_vec()],
    );
    let (_, _, consent) = open(&world, &request, Some(&rogue_key));
    assert!(matches!(
        consent.verifier.trust,
        ReaderTrust::Untrusted { .. }
    ));
    assert_eq!(
        consent.verifier.common_name, None,
        "unverified names are not shown"
    );

    let (_, _, consent) = open(&world, &request, None);
    assert_eq!(consent.verifier.trust, ReaderTrust::NotAuthenticated);
}

#[test]
fn tampered_and_replayed_responses_fail() {
    let (_dir, world, request) = amelia();
    let (mut holder, mut reader, consent) = open(&world, &request, Some(&world.reader_key()));
    let reply = holder.approve(&consent.recommended_selection()).unwrap();

    // Tampered ciphertext: refused by session encryption.
    let mut tampered = reply.clone();
    let at = tampered.len() - 5;
    tampered[at] ^= 1;
    assert!(matches!(
        reader.decrypt_response(&tampered),
        Err(verifier::VerifierError::Session(_))
    ));

    // Replayed into another session: cannot even be decrypted there...
    let (_other_holder, mut other_reader, _) = open(&world, &request, Some(&world.reader_key()));
    assert!(other_reader.decrypt_response(&reply).is_err());
    // ...and even in plaintext its device authentication is bound to the first session.
    let plaintext = reader.decrypt_response(&reply).unwrap();
    let response = mdoc::cbor::from_slice(&plaintext).unwrap();
    let replayed = verifier::verify_response(
        &response,
        &other_reader.context(&world.issuer_anchors(), world.now),
    );
    assert!(!replayed.verified());
    assert_eq!(
        replayed.documents[0].failure().unwrap().name,
        CheckName::DeviceAuthentication
    );
    let genuine = verifier::verify_response(
        &response,
        &reader.context(&world.issuer_anchors(), world.now),
    );
    assert!(genuine.verified());

    // A disclosed value altered in the response fails its digest.
    let mut altered = plaintext.clone();
    let at = altered.windows(6).position(|w| w == b"Okafor").unwrap();
    altered[at + 5] = b'q';
    let report = verifier::verify_response(
        &mdoc::cbor::from_slice(&altered).unwrap(),
        &reader.context(&world.issuer_anchors(), world.now),
    );
    assert_eq!(
        report.documents[0].failure().unwrap().name,
        CheckName::ValueDigests
    );
    assert!(
        report.documents[0].elements.is_empty(),
        "unverified data is never reported"
    );
}

#[test]
fn an_expired_credential_fails_verification() {
    let (_dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let check = proximity_check(&world, &[request], |c| c.recommended_selection()).unwrap();
    let response = mdoc::cbor::from_slice(&check.device_response).unwrap();
    let (transcript, _) =
        mdoc::definitions::SessionTranscript::from_bytes(&check.session_transcript).unwrap();
    let later = verifier::VerificationContext {
        transcript,
        requests: Some(vec![
            DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID).items_request(),
        ]),
        issuer_anchors: world.issuer_anchors(),
        now: world.now.plus_days(400),
        e_reader_key: None,
    };
    let report = verifier::verify_response(&response, &later);
    assert_eq!(
        report.documents[0].failure().unwrap().name,
        CheckName::Validity
    );
}

#[test]
fn declining_termination_and_further_requests() {
    let (_dir, world, request) = amelia();
    let (mut holder, mut reader, _) = open(&world, &request, Some(&world.reader_key()));
    let declined = holder.decline().unwrap();
    let report = reader
        .handle_response(&declined, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(!report.verified());
    assert!(report.documents.is_empty());
    assert_eq!(report.document_errors, vec![(UK_DIGITAL_ID.to_owned(), 0)]);

    // A second request in the same session.
    let age = [DocumentRequest::for_purpose(
        Purpose::AgeCheck(18),
        UK_DIGITAL_ID,
    )];
    let SessionEvent::Consent(consent) = holder.handle(
        &reader
            .request_again(&age, Some(&world.reader_key()))
            .unwrap(),
    ) else {
        panic!("consent expected");
    };
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let report = reader
        .handle_response(&reply, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified());
    assert_eq!(report.documents[0].elements[0].identifier, "age_over_18");

    // Termination.
    assert!(matches!(
        holder.handle(&reader.terminate()),
        SessionEvent::Terminated
    ));
    assert!(holder.approve(&Selection::default()).is_err());
}

#[test]
fn garbage_at_every_step_ends_cleanly_with_the_store_intact() {
    let (_dir, world) = world(DeviceAuthMode::Signature);
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let before = world.wallet.credentials();
    let garbage: [&[u8]; 4] = [b"", b"\xff\xff", b"\xa1\x64data\x41\x00", &[0x9f; 64]];
    for bytes in garbage {
        let mut holder = ProximitySession::start(&world.wallet, Vec::new());
        match holder.handle(bytes) {
            SessionEvent::Failed { reply, .. } => {
                let data: mdoc::definitions::SessionData = mdoc::cbor::from_slice(&reply).unwrap();
                assert!(data.status.is_some());
            }
            other => panic!("garbage accepted: {other:?}"),
        }
        assert!(holder.approve(&Selection::default()).is_err());
        assert!(ReaderSession::from_qr_uri(&String::from_utf8_lossy(bytes)).is_err());
    }
    // Garbage after a good establishment.
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let (mut holder, mut reader, _) = open(&world, &request, None);
    assert!(matches!(
        holder.handle(b"\x00"),
        SessionEvent::Failed { .. }
    ));
    assert!(reader.decrypt_response(b"\x00").is_err());
    assert!(
        reader
            .decrypt_response(&mdoc::cbor::to_vec(
                &mdoc::definitions::SessionData::with_data(vec![1; 40])
            ))
            .is_err()
    );
    assert_eq!(world.wallet.credentials(), before);
}
