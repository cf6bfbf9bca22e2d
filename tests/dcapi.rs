//! A remote right-to-work check over the Digital Credentials API (ISO/IEC TS 18013-7 Annex C):
//! the employer's backend builds the request, the wallet answers through the platform, the
//! backend verifies. Bad origin, bad nonce, tampered ciphertext and garbage each fail clearly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::samples::{self, TOMASZ};
use mdoc::online::dcapi::{EncryptionInfo, MAX_FIELD_LEN};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use verifier::dcapi::DcapiRequest;
use wallet::consent::ReaderTrust;
use wallet::dcapi::DcapiPresentation;
use wallet::presentation::DeviceAuthMode;

const ORIGIN: &str = "https://hr.acme.example";

fn setup() -> (tempfile::TempDir, World, DcapiRequest) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Mac).unwrap();
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    let request = DcapiRequest::new(
        &[DocumentRequest::for_purpose(
            Purpose::RightToWork,
            UK_DIGITAL_ID,
        )],
        Some(&world.reader_key()),
        ORIGIN,
    )
    .unwrap();
    (dir, world, request)
}

#[test]
fn a_remote_right_to_work_check_verifies() {
    let (_dir, world, request) = setup();
    let presentation =
        DcapiPresentation::from_request(&world.wallet, request.request_json(), ORIGIN).unwrap();
    let consent = presentation.consent();
    assert!(matches!(
        consent.verifier.trust,
        ReaderTrust::Trusted { .. }
    ));
    assert_eq!(consent.documents[0].purpose, Some(Purpose::RightToWork));
    let response = presentation
        .approve(&consent.recommended_selection())
        .unwrap();
    let report = request
        .verify(&response, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(report.verified(), "{}", report.render(common::label));
    // Online flows have no reader ephemeral key: the wallet signs even when set to MAC.
    assert_eq!(
        report.documents[0].elements.len(),
        consent.recommended_selection().approved.len()
    );
}

#[test]
fn another_origin_fails() {
    let (_dir, world, request) = setup();
    let presentation = DcapiPresentation::from_request(
        &world.wallet,
        request.request_json(),
        "https://evil.example",
    )
    .unwrap();
    // Reader authentication was made for the real origin: the wallet shows it as untrusted.
    assert!(matches!(
        presentation.consent().verifier.trust,
        ReaderTrust::Untrusted { .. }
    ));
    let response = presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    assert!(
        request
            .verify(&response, &world.issuer_anchors(), world.now)
            .is_err()
    );
}

#[test]
fn another_nonce_fails() {
    let (_dir, world, request) = setup();
    let json: serde_json::Value = serde_json::from_str(request.request_json()).unwrap();
    let mut info =
        EncryptionInfo::from_base64url(json["encryptionInfo"].as_str().unwrap()).unwrap();
    info.nonce[0] ^= 1;
    let forged = serde_json::json!({"deviceRequest": json["deviceRequest"], "encryptionInfo": info.to_base64url()}).to_string();
    let presentation = DcapiPresentation::from_request(&world.wallet, &forged, ORIGIN).unwrap();
    let response = presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    assert!(
        request
            .verify(&response, &world.issuer_anchors(), world.now)
            .is_err()
    );
}

#[test]
fn tampered_ciphertext_and_garbage_fail_clearly() {
    let (_dir, world, request) = setup();
    let presentation =
        DcapiPresentation::from_request(&world.wallet, request.request_json(), ORIGIN).unwrap();
    let response = presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    let mut sealed = mdoc::online::dcapi::EncryptedResponse::from_base64url(&response).unwrap();
    let last = sealed.cipher_text.len() - 1;
    sealed.cipher_text[last] ^= 1;
    assert!(matches!(
        request.verify(&sealed.to_base64url(), &world.issuer_anchors(), world.now),
        Err(verifier::VerifierError::Session(_))
    ));
    assert!(
        request
            .verify("not base64!", &world.issuer_anchors(), world.now)
            .is_err()
    );
    assert!(
        request
            .verify("oA", &world.issuer_anchors(), world.now)
            .is_err()
    );
    for garbage in [
        "",
        "{}",
        "[1,2]",
        "{\"deviceRequest\":\"oA\",\"encryptionInfo\":\"oA\"}",
        "{\"deviceRequest\": 1}",
    ] {
        assert!(
            DcapiPresentation::from_request(&world.wallet, garbage, ORIGIN).is_err(),
            "{garbage}"
        );
    }
    let huge = format!(
        "{{\"deviceRequest\":\"{}\"}}",
        "A".repeat(MAX_FIELD_LEN + 1)
    );
    assert!(DcapiPresentation::from_request(&world.wallet, &huge, ORIGIN).is_err());
    // Declining still answers, with nothing disclosed.
    let declined = presentation.decline();
    let report = request
        .verify(&declined, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(!report.verified() && report.documents.is_empty());
    assert_eq!(world.wallet.credentials().len(), 1);
}
