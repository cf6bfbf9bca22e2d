//! NFC engagement through the exported API, as the Kotlin and Swift harnesses drive it: every
//! APDU between the wallet's `NfcEngagement` and the reader's `VerifierNfcEngagement`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;

const UUID: [u8; 16] = [0x40; 16];

fn parties(dir: &std::path::Path) -> (Arc<PresentationSession>, Arc<Verifier>) {
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
    let area =
        software_secure_area(dir.join("keys").to_string_lossy().into(), vec![1; 32]).unwrap();
    let wallet = Wallet::open(
        dir.join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        authority.iaca_pem(),
        reader.root_pem.clone(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    let pending = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let credential = authority
        .issue(
            SampleDocument::UkDigitalIdTomasz,
            pending.device_key.clone(),
        )
        .unwrap();
    wallet.accept(pending, credential).unwrap();
    let verifier = Verifier::new(
        authority.iaca_pem(),
        Some(reader.private_key_pkcs8.clone()),
        Some(reader.chain_pem.clone()),
    )
    .unwrap();
    (wallet.start_presentation(), verifier)
}

fn tap(tag: &NfcEngagement, reader: &VerifierNfcEngagement) -> usize {
    let mut command = Some(reader.start().unwrap());
    let mut apdus = 0;
    while let Some(apdu) = command {
        apdus += 1;
        assert!(apdus <= 100, "the conversation did not end");
        command = reader.on_response(tag.process_apdu(apdu)).unwrap();
    }
    apdus
}

#[test]
fn static_and_negotiated_nfc_engagement_then_a_verified_check() {
    for negotiated in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (session, verifier) = parties(dir.path());
        let tag = NfcEngagement::new(session.clone(), UUID.to_vec(), negotiated).unwrap();
        assert_eq!(tag.state(), NfcEngagementState::InProgress);
        let reader = VerifierNfcEngagement::new(verifier);
        assert!(reader.session().is_err());
        let apdus = tap(&tag, &reader);
        assert_eq!(apdus > 6, negotiated, "{apdus} APDUs");
        assert_eq!(
            tag.state(),
            NfcEngagementState::Complete {
                ble_service_uuid: UUID.to_vec()
            }
        );
        let reader_session = reader.session().unwrap();
        let request =
            profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
        let SessionEvent::Consent { .. } =
            session.handle(reader_session.request(vec![request]).unwrap())
        else {
            panic!("consent expected");
        };
        let reply = session
            .approve(session.recommended_selection().unwrap())
            .unwrap();
        assert!(reader_session.handle_response(reply).unwrap().verified);
    }
}

#[test]
fn bad_input_gives_errors_and_status_words() {
    let dir = tempfile::tempdir().unwrap();
    let (session, verifier) = parties(dir.path());
    assert!(NfcEngagement::new(session.clone(), vec![0; 3], false).is_err());
    let tag = NfcEngagement::new(session, UUID.to_vec(), true).unwrap();
    assert_eq!(tag.process_apdu(vec![0, 0xa4]), [0x67, 0x00]);
    assert_eq!(tag.process_apdu(vec![0x80, 0xa4, 4, 0]), [0x6e, 0x00]);
    let reader = VerifierNfcEngagement::new(verifier);
    assert!(reader.on_response(vec![0x90, 0]).is_err(), "not started");
    let reader = VerifierNfcEngagement::new(Verifier::new(String::new(), None, None).unwrap());
    reader.start().unwrap();
    assert!(reader.on_response(vec![0x6a, 0x82]).is_err());
}
