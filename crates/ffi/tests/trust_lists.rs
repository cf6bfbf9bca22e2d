//! VICAL and RICAL through the exported API: a verifier trusting issuers only through a VICAL,
//! a wallet trusting readers only through a RICAL (`Wallet.openWithRical`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use citizen_wallet_ffi::*;

#[test]
fn right_to_work_through_a_vical() {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
    let lists = authority.trust_lists(reader.root_pem.clone()).unwrap();
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let wallet = Wallet::open(
        dir.path().join("store").to_string_lossy().into(),
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

    // No issuer anchors but the VICAL's.
    let verifier = Verifier::new(
        String::new(),
        Some(reader.private_key_pkcs8.clone()),
        Some(reader.chain_pem.clone()),
    )
    .unwrap()
    .with_vical(lists.vical.clone(), lists.anchor_pem.clone())
    .unwrap();
    let session = wallet.start_presentation();
    let reader_session = verifier.start_session(session.qr_uri()).unwrap();
    let request = profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
    let SessionEvent::Consent { request: consent } =
        session.handle(reader_session.request(vec![request]).unwrap())
    else {
        panic!("consent expected");
    };
    assert!(consent.verifier.trusted);
    let selection = session.recommended_selection().unwrap();
    let report = reader_session
        .handle_response(session.approve(selection).unwrap())
        .unwrap();
    assert!(report.verified);

    // A list verified against the wrong anchor, or tampered, is an InvalidInput error.
    let bare = Verifier::new(String::new(), None, None).unwrap();
    assert!(matches!(
        bare.with_vical(lists.vical.clone(), authority.iaca_pem()),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
    let mut tampered = lists.vical.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(matches!(
        bare.with_vical(tampered, lists.anchor_pem.clone()),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
}

#[test]
fn a_reader_trusted_only_through_a_rical() {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
    let lists = authority.trust_lists(reader.root_pem.clone()).unwrap();
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let open = |store: &str, reader_anchors: String, rical: Vec<u8>, rical_anchors: String| {
        Wallet::open_with_rical(
            dir.path().join(store).to_string_lossy().into(),
            vec![2; 32],
            area.clone(),
            authority.iaca_pem(),
            reader_anchors,
            rical,
            rical_anchors,
            DeviceAuthentication::Signature,
        )
    };
    // No reader anchors but the RICAL's.
    let wallet = open(
        "store",
        String::new(),
        lists.rical.clone(),
        lists.anchor_pem.clone(),
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
    let consent_trusted = |wallet: &Wallet| {
        let session = wallet.start_presentation();
        let reader_session = verifier.start_session(session.qr_uri()).unwrap();
        let request =
            profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
        let SessionEvent::Consent { request: consent } =
            session.handle(reader_session.request(vec![request]).unwrap())
        else {
            panic!("consent expected");
        };
        let trusted = consent.verifier.trusted;
        if trusted {
            let selection = session.recommended_selection().unwrap();
            let report = reader_session
                .handle_response(session.approve(selection).unwrap())
                .unwrap();
            assert!(report.verified);
        }
        trusted
    };
    assert!(consent_trusted(&wallet));

    // The same reader with no RICAL and no reader anchors is not trusted.
    let plain = Wallet::open(
        dir.path().join("plain").to_string_lossy().into(),
        vec![2; 32],
        area.clone(),
        authority.iaca_pem(),
        String::new(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    let pending = plain.prepare("uk.gov.digital-id.1".into()).unwrap();
    let credential = authority
        .issue(
            SampleDocument::UkDigitalIdTomasz,
            pending.device_key.clone(),
        )
        .unwrap();
    plain.accept(pending, credential).unwrap();
    assert!(!consent_trusted(&plain));

    // A VICAL given as a RICAL, a RICAL under the wrong anchor, a tampered RICAL, bad anchor
    // PEM: refused as InvalidInput, no wallet opened.
    let mut tampered = lists.rical.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    for (store, rical, anchors) in [
        ("a", lists.vical.clone(), lists.anchor_pem.clone()),
        ("b", lists.rical.clone(), authority.iaca_pem()),
        ("c", tampered, lists.anchor_pem.clone()),
        ("d", lists.rical.clone(), "not a pem".to_owned()),
        ("e", vec![0xff; 3], lists.anchor_pem.clone()),
    ] {
        assert!(matches!(
            open(store, String::new(), rical, anchors),
            Err(CitizenWalletError::InvalidInput { .. })
        ));
    }
}
