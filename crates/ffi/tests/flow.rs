//! The exported API, driven from Rust exactly as the Kotlin and Swift harnesses drive it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;

#[test]
fn right_to_work_through_the_exported_api() {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
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
    assert_eq!(wallet.credentials().len(), 1);

    let session = wallet.start_presentation();
    let verifier = Verifier::new(
        authority.iaca_pem(),
        Some(reader.private_key_pkcs8.clone()),
        Some(reader.chain_pem.clone()),
    )
    .unwrap();
    let reader_session = verifier.start_session(session.qr_uri()).unwrap();
    let request = profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
    let SessionEvent::Consent { request: consent } =
        session.handle(reader_session.request(vec![request]).unwrap())
    else {
        panic!("consent expected");
    };
    assert!(consent.verifier.trusted);
    assert_eq!(
        consent.documents[0].purpose.as_deref(),
        Some("right_to_work")
    );
    let mut selection = session.recommended_selection().unwrap();
    let asked = selection.approved.len();
    selection.approved.truncate(3);
    let report = reader_session
        .handle_response(session.approve(selection.clone()).unwrap())
        .unwrap();
    // Three of the requested elements came back: genuine, but not a right-to-work pass.
    assert!(
        !report.verified,
        "a partial answer must not read as verified"
    );
    assert!(report.authentic && !report.complete);
    let document = &report.documents[0];
    assert!(document.authentic && !document.complete && !document.verified);
    assert_eq!(document.missing.len(), asked - 3);
    assert!(document.checks.iter().any(|c| !c.passed
        && c.name == "Every requested element was returned"
        && c.detail.contains(&document.missing[0].identifier)));
    let got: Vec<_> = report.documents[0]
        .elements
        .iter()
        .map(|e| e.identifier.clone())
        .collect();
    let want: Vec<_> = selection
        .approved
        .iter()
        .map(|a| a.identifier.clone())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_engagement_advertises_the_apps_transports() {
    let dir = tempfile::tempdir().unwrap();
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let wallet = Wallet::open(
        dir.path().join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        String::new(),
        String::new(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    let options = RetrievalOptions {
        ble_central_client_uuid: Some(vec![0x45; 16]),
        ble_peripheral_server_uuid: None,
        nfc: Some(NfcLimits {
            max_command_data_length: 255,
            max_response_data_length: 256,
        }),
    };
    let uri = wallet.start_presentation_with(options).qr_uri();
    let engagement = mdoc::definitions::DeviceEngagement::from_qr_uri(&uri).unwrap();
    let methods = engagement.device_retrieval_methods.as_ref().unwrap();
    assert_eq!(methods.len(), 2);
    let mdoc::definitions::RetrievalOptions::Ble(ble) = &methods[0].options else {
        panic!("BLE first");
    };
    assert_eq!(ble.central_client_uuid.as_deref(), Some(&[0x45; 16][..]));
    assert_eq!(ble.central_client_mode, Some(true));
    assert!(wallet.start_presentation().qr_uri().starts_with("mdoc:"));
}

/// A wallet holding Amelia's UK digital ID, and a verifier with a reader certificate.
fn remote_parties() -> (tempfile::TempDir, Arc<Wallet>, Arc<Verifier>) {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
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
            SampleDocument::UkDigitalIdAmelia,
            pending.device_key.clone(),
        )
        .unwrap();
    wallet.accept(pending, credential).unwrap();
    let verifier = Verifier::new(
        authority.iaca_pem(),
        Some(reader.private_key_pkcs8),
        Some(reader.chain_pem),
    )
    .unwrap();
    (dir, wallet, verifier)
}

#[test]
fn a_digital_credentials_api_check_through_the_exported_api() {
    let (_dir, wallet, verifier) = remote_parties();
    let origin = "https://hr.acme.example".to_owned();
    let request = verifier
        .dcapi_request(
            vec![profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap()],
            origin.clone(),
        )
        .unwrap();
    let session = wallet.start_dcapi(request.request_json(), origin).unwrap();
    assert!(session.consent().verifier.trusted);
    let response = session.approve(session.recommended_selection()).unwrap();
    assert!(request.verify(response.clone()).unwrap().verified);
    // Single-use: the same response again is refused.
    assert!(matches!(
        request.verify(response),
        Err(CitizenWalletError::Session { .. })
    ));
    assert!(wallet.start_dcapi("{}".into(), "https://x".into()).is_err());
    assert!(request.verify("garbage".into()).is_err());
}

#[test]
fn openid4vp_checks_through_the_exported_api() {
    let (_dir, wallet, verifier) = remote_parties();
    let documents =
        || vec![profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap()];
    let origin = "https://hr.acme.example".to_owned();
    let response_uri = "https://hr.acme.example/oid4vp".to_owned();

    let request = verifier
        .openid4vp_dc_api_request(documents(), origin.clone(), true)
        .unwrap();
    let session = wallet
        .start_openid4vp(request.request_json(), Some(origin.clone()))
        .unwrap();
    assert_eq!(
        session.consent().verifier.origin.as_deref(),
        Some(origin.as_str())
    );
    let response = session.approve(session.recommended_selection()).unwrap();
    assert_eq!(response.response_uri, None);
    let reports = request.verify(response.json).unwrap();
    assert!(reports.len() == 1 && reports[0].verified);

    let request = verifier
        .openid4vp_redirect_request(documents(), response_uri.clone(), false)
        .unwrap();
    let session = wallet.start_openid4vp(request.request_url(), None).unwrap();
    let response = session.approve(session.recommended_selection()).unwrap();
    assert_eq!(
        response.response_uri.as_deref(),
        Some(response_uri.as_str())
    );
    assert!(request.verify(response.form.clone()).unwrap()[0].verified);
    // Single-use: the same response again, or a decline after it, is refused.
    assert!(matches!(
        request.verify(response.form),
        Err(CitizenWalletError::Session { .. })
    ));
    assert!(matches!(
        request.verify(session.decline().form),
        Err(CitizenWalletError::Session { .. })
    ));

    // The same request answered from another origin does not verify.
    let request = verifier
        .openid4vp_dc_api_request(documents(), origin, false)
        .unwrap();
    let elsewhere = wallet
        .start_openid4vp(request.request_json(), Some("https://evil.example".into()))
        .unwrap();
    let response = elsewhere
        .approve(elsewhere.recommended_selection())
        .unwrap();
    assert!(!request.verify(response.json).unwrap()[0].verified);
    assert!(matches!(
        wallet.start_openid4vp("{}".into(), None),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
    assert!(matches!(
        request.verify("garbage".into()),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
}

#[test]
fn garbage_gives_errors_not_crashes() {
    assert!(matches!(
        Verifier::new("not pem".into(), None, None),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
    let verifier = Verifier::new(String::new(), None, None).unwrap();
    assert!(verifier.start_session("mdoc:!!".into()).is_err());
    assert!(software_secure_area("/tmp".into(), vec![0; 3]).is_err());
}

/// A wallet trusting `authority`, with no credentials yet.
fn empty_wallet(
    dir: &std::path::Path,
    authority: &TestAuthority,
    reader_root: &str,
) -> Arc<Wallet> {
    let area =
        software_secure_area(dir.join("keys").to_string_lossy().into(), vec![1; 32]).unwrap();
    Wallet::open(
        dir.join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        authority.iaca_pem(),
        reader_root.to_owned(),
        DeviceAuthentication::Signature,
    )
    .unwrap()
}

#[test]
fn accept_binds_to_the_key_the_core_prepared_not_one_the_app_supplies() {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let wallet = empty_wallet(dir.path(), &authority, "");
    let first = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let second = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    // Issued to the second key, offered under the first key's alias with the second key: the
    // stored credential would name an alias whose key the MSO does not bind.
    let credential = authority
        .issue(SampleDocument::UkDigitalIdAmelia, second.device_key.clone())
        .unwrap();
    let swapped = PendingCredential {
        device_key: second.device_key.clone(),
        ..first.clone()
    };
    assert!(wallet.accept(swapped, credential.clone()).is_err());
    // A key the app made up is refused too.
    let made_up = PendingCredential {
        device_key_alias: "device-not-prepared".into(),
        ..second.clone()
    };
    assert!(wallet.accept(made_up, credential.clone()).is_err());
    assert!(wallet.credentials().is_empty());
    // The true pending credential is accepted, once.
    wallet.accept(second.clone(), credential.clone()).unwrap();
    assert!(wallet.accept(second, credential).is_err());
    assert_eq!(wallet.credentials().len(), 1);
}

#[test]
fn a_failed_approve_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
    let wallet = empty_wallet(dir.path(), &authority, &reader.root_pem);
    let pending = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let credential = authority
        .issue(
            SampleDocument::UkDigitalIdAmelia,
            pending.device_key.clone(),
        )
        .unwrap();
    wallet.accept(pending, credential).unwrap();
    let session = wallet.start_presentation();
    let verifier = Verifier::new(
        authority.iaca_pem(),
        Some(reader.private_key_pkcs8.clone()),
        Some(reader.chain_pem.clone()),
    )
    .unwrap();
    let reader_session = verifier.start_session(session.qr_uri()).unwrap();
    let request = profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
    let SessionEvent::Consent { .. } =
        session.handle(reader_session.request(vec![request]).unwrap())
    else {
        panic!("consent expected");
    };
    let not_requested = Selection {
        approved: vec![ApprovedElement {
            doc_type: "uk.gov.digital-id.1".into(),
            namespace: "uk.gov.digital-id.1".into(),
            identifier: "not_requested".into(),
        }],
    };
    assert!(session.approve(not_requested).is_err());
    // The request is still pending: its selection can be read again and approved.
    let selection = session.recommended_selection().unwrap();
    let report = reader_session
        .handle_response(session.approve(selection).unwrap())
        .unwrap();
    assert!(report.verified);
    assert!(session.recommended_selection().is_err(), "answered");
}
