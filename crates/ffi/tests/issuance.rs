//! OpenID4VCI issuance through the exported objects, driven from Rust as the Kotlin and Swift
//! harnesses drive it; the issuer's sans-IO service answers in-process (the harnesses use the
//! loopback HTTP server).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;
use issuer::openid4vci::{CredentialIssuerService, IssuerConfig};
use issuer::samples;
use mdoc::clock::{Clock, SystemClock};

const ISSUER_ID: &str = "https://home-office.example";
const TX_CODE: &str = "493536";

struct Setup {
    _dir: tempfile::TempDir,
    service: CredentialIssuerService,
    wallet: Arc<Wallet>,
    authority: issuer::TestIssuer,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemClock.now();
    let authority = issuer::TestIssuer::new("Home Office", "GB", now.plus_days(-1)).unwrap();
    let config = IssuerConfig::new(ISSUER_ID, "Home Office", &["uk.gov.digital-id.1"]);
    let service = CredentialIssuerService::new(config, authority.clone(), Arc::new(SystemClock));
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let wallet = Wallet::open(
        dir.path().join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        authority.iaca().certificate().to_pem(),
        String::new(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    Setup {
        _dir: dir,
        service,
        wallet,
        authority,
    }
}

impl Setup {
    fn offer(&self) -> String {
        let data = samples::uk_digital_id(&samples::AMELIA, SystemClock.now().date());
        self.service.offer(data, Some(TX_CODE), false).unwrap().uri
    }

    /// The app's HTTP: `request` goes to the issuer service, its response back to `session`.
    fn forward(
        &self,
        session: &IssuanceSession,
        request: HttpRequest,
    ) -> Result<(), IssuanceError> {
        let response = self.service.handle(&mdoc::openid4vci::http::HttpRequest {
            method: request.method,
            url: request.url,
            headers: request
                .headers
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect(),
            body: request.body,
        });
        session.handle_response(
            response.status,
            response
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            response.body,
        )
    }

    /// The app's loop: every request goes to the issuer service, the response comes back.
    /// Returns the Done summary and the URLs requested.
    fn drive(
        &self,
        session: &IssuanceSession,
        tx_code: &str,
    ) -> Result<(CredentialSummary, Vec<String>), IssuanceError> {
        let mut urls = Vec::new();
        for _ in 0..32 {
            match session.next_step()? {
                IssuanceStep::Send { request } => {
                    urls.push(request.url.clone());
                    self.forward(session, request)?;
                }
                IssuanceStep::NeedTxCode {
                    description,
                    input_mode,
                    length,
                } => {
                    assert_eq!(description.as_deref(), Some("The code in your letter"));
                    assert_eq!(input_mode.as_deref(), Some("numeric"));
                    assert_eq!(length, Some(6));
                    session.provide_tx_code(tx_code.into())?;
                }
                IssuanceStep::OpenBrowser { url } => {
                    // The browser loads the sign-in page; the citizen signs in and approves.
                    urls.push(url.clone());
                    let data = samples::uk_digital_id(&samples::AMELIA, SystemClock.now().date());
                    let redirect = self.service.approve(&url, data).unwrap();
                    session.provide_redirect(redirect)?;
                }
                IssuanceStep::Wait { .. } => panic!("no deferral was offered"),
                IssuanceStep::Done { credential } => return Ok((credential, urls)),
            }
        }
        panic!("the issuance did not finish");
    }
}

fn options(batch_size: u32, policy: PresentationPolicy) -> IssuanceOptions {
    IssuanceOptions {
        batch_size,
        policy,
        refresh_below: 2,
        client_id: None,
        redirect_uri: None,
        locale: None,
    }
}

/// One right-to-work presentation of the wallet's credential; returns whether it verified.
fn present(s: &Setup) -> bool {
    let session = s.wallet.start_presentation();
    let verifier = Verifier::new(s.authority.iaca().certificate().to_pem(), None, None).unwrap();
    let reader = verifier.start_session(session.qr_uri()).unwrap();
    let request = profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
    let SessionEvent::Consent { .. } = session.handle(reader.request(vec![request]).unwrap())
    else {
        panic!("consent expected");
    };
    let selection = session.recommended_selection().unwrap();
    let report = reader
        .handle_response(session.approve(selection).unwrap())
        .unwrap();
    report.verified
}

#[test]
fn a_batch_is_issued_through_the_exported_session_and_each_copy_presented_once() {
    let s = setup();
    let session = s
        .wallet
        .start_issuance(s.offer(), options(3, PresentationPolicy::OneTimeUse))
        .unwrap();
    assert_eq!(session.doc_type(), "");
    let (summary, urls) = s.drive(&session, TX_CODE).unwrap();
    assert_eq!(session.doc_type(), "uk.gov.digital-id.1");
    assert_eq!(
        urls,
        [
            format!("{ISSUER_ID}/.well-known/openid-credential-issuer"),
            format!("{ISSUER_ID}/.well-known/oauth-authorization-server"),
            format!("{ISSUER_ID}/token"),
            format!("{ISSUER_ID}/nonce"),
            format!("{ISSUER_ID}/credential"),
            format!("{ISSUER_ID}/notification"),
        ]
    );
    assert_eq!(summary.doc_type, "uk.gov.digital-id.1");
    assert_eq!(summary.copies_left, 3);
    assert_eq!(summary.policy, PresentationPolicy::OneTimeUse);
    assert!(!summary.refresh_needed);
    assert_eq!(summary.status, None);
    assert_eq!(s.wallet.credentials(), vec![summary.clone()]);
    // Done is repeated, not re-run.
    assert!(matches!(
        session.next_step().unwrap(),
        IssuanceStep::Done { credential } if credential == summary
    ));

    // Each presentation burns one single-use copy; below two left a refresh is needed.
    assert!(present(&s));
    let after = &s.wallet.credentials()[0];
    assert_eq!((after.copies_left, after.refresh_needed), (2, false));
    assert!(present(&s));
    let after = &s.wallet.credentials()[0];
    assert_eq!((after.copies_left, after.refresh_needed), (1, true));
}

#[test]
fn a_wrong_transaction_code_is_a_typed_error_and_stores_nothing() {
    let s = setup();
    let session = s
        .wallet
        .start_issuance(s.offer(), options(2, PresentationPolicy::RotateUse))
        .unwrap();
    match s.drive(&session, "000000") {
        Err(IssuanceError::Server { status: 400, error }) => assert_eq!(error, "invalid_grant"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    assert!(s.wallet.credentials().is_empty());
    // The session has ended.
    assert!(matches!(session.next_step(), Err(IssuanceError::Failed)));
}

#[test]
fn calls_out_of_turn_and_garbage_are_typed_errors() {
    let s = setup();
    for offer in [
        "",
        "openid-credential-offer://?credential_offer=%7B",
        "https://x",
    ] {
        assert!(
            matches!(
                s.wallet
                    .start_issuance(offer.into(), options(2, PresentationPolicy::OneTimeUse)),
                Err(IssuanceError::Message { .. })
            ),
            "{offer}"
        );
    }
    let session = s
        .wallet
        .start_issuance(s.offer(), options(2, PresentationPolicy::OneTimeUse))
        .unwrap();
    // No request is out yet, and no code was asked for.
    assert!(matches!(
        session.handle_response(200, Vec::new(), Vec::new()),
        Err(IssuanceError::WrongState)
    ));
    assert!(matches!(
        session.provide_tx_code(TX_CODE.into()),
        Err(IssuanceError::WrongState)
    ));
    // The issuer metadata request, answered with garbage.
    assert!(matches!(
        session.next_step().unwrap(),
        IssuanceStep::Send { .. }
    ));
    assert!(matches!(
        session.handle_response(200, Vec::new(), b"{not json".to_vec()),
        Err(IssuanceError::Message { .. })
    ));
    assert!(matches!(session.next_step(), Err(IssuanceError::Failed)));
    assert!(s.wallet.credentials().is_empty());
}

#[test]
fn a_plain_http_issuer_is_refused_without_the_test_switch_and_only_loopback_with_it() {
    let s = setup();
    let data = samples::uk_digital_id(&samples::AMELIA, SystemClock.now().date());
    let http = IssuerConfig::new(
        "http://127.0.0.1:8080",
        "Home Office",
        &["uk.gov.digital-id.1"],
    );
    let service = CredentialIssuerService::new(http, s.authority.clone(), Arc::new(SystemClock));
    let offer = service.offer(data, None, false).unwrap().uri;
    assert!(matches!(
        s.wallet
            .start_issuance(offer.clone(), options(2, PresentationPolicy::OneTimeUse)),
        Err(IssuanceError::Message { .. })
    ));

    // The test-only switch (test-authority feature) takes exactly a loopback issuer over http.
    let session = s
        .wallet
        .start_issuance_insecure_loopback(offer, options(2, PresentationPolicy::OneTimeUse))
        .unwrap();
    let IssuanceStep::Send { request } = session.next_step().unwrap() else {
        panic!("a request expected");
    };
    assert_eq!(
        request.url,
        "http://127.0.0.1:8080/.well-known/openid-credential-issuer"
    );
    let elsewhere = IssuerConfig::new("http://issuer.example", "X", &["uk.gov.digital-id.1"]);
    let service =
        CredentialIssuerService::new(elsewhere, s.authority.clone(), Arc::new(SystemClock));
    let data = samples::uk_digital_id(&samples::AMELIA, SystemClock.now().date());
    let offer = service.offer(data, None, false).unwrap().uri;
    assert!(matches!(
        s.wallet
            .start_issuance_insecure_loopback(offer, options(2, PresentationPolicy::OneTimeUse)),
        Err(IssuanceError::Message { .. })
    ));
}

#[test]
fn the_authorization_code_grant_runs_through_the_browser_step_and_refresh_brings_new_copies() {
    let s = setup();
    let offer = s
        .service
        .offer_authorization_code("uk.gov.digital-id.1")
        .unwrap()
        .uri;
    let session = s
        .wallet
        .start_issuance(offer, options(3, PresentationPolicy::OneTimeUse))
        .unwrap();
    let (summary, urls) = s.drive(&session, TX_CODE).unwrap();
    assert!(
        urls.iter().any(|u| u.contains("/authorize?")),
        "the browser step was taken: {urls:?}"
    );
    assert_eq!(summary.copies_left, 3);
    assert!(present(&s));
    assert!(present(&s));
    let refreshed = s
        .wallet
        .start_refresh(
            summary.id.clone(),
            options(3, PresentationPolicy::OneTimeUse),
        )
        .unwrap();
    let (after, _) = s.drive(&refreshed, TX_CODE).unwrap();
    assert_eq!(after.copies_left, 3, "a refresh replaces the copies");
}

#[test]
fn a_forged_redirect_is_refused_and_ends_the_session() {
    let s = setup();
    let offer = s
        .service
        .offer_authorization_code("uk.gov.digital-id.1")
        .unwrap()
        .uri;
    let session = s
        .wallet
        .start_issuance(offer, options(2, PresentationPolicy::OneTimeUse))
        .unwrap();
    let url = loop {
        match session.next_step().unwrap() {
            IssuanceStep::Send { request } => s.forward(&session, request).unwrap(),
            IssuanceStep::OpenBrowser { url } => break url,
            other => panic!("{other:?}"),
        }
    };
    assert!(url.contains("/authorize?"));
    let forged = format!(
        "{}?code=stolen&state=not-ours",
        citizen_wallet_ffi_redirect()
    );
    assert!(matches!(
        session.provide_redirect(forged),
        Err(IssuanceError::StateMismatch)
    ));
    assert!(s.wallet.credentials().is_empty(), "nothing stored");
}

/// The core's default redirect URI (the FFI passes `None`).
fn citizen_wallet_ffi_redirect() -> String {
    wallet::issuance::DEFAULT_REDIRECT_URI.to_owned()
}
