//! Credential status through the exported objects: the wallet fetches and records, the
//! verifier's report gains "Credential not revoked", and a revocation shows on both sides.
//! The issuer's status list is signed in-process (the harnesses fetch it over loopback HTTP).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;
use issuer::ValidityWindow;
use issuer::samples;
use issuer::status::{StatusListIssuer, StatusSigner};
use mdoc::clock::{Clock, SystemClock};
use mdoc::status::{Bits, StatusReference};

const LIST_URI: &str = "https://home-office.example/status/1";
const NOT_REVOKED: &str = "Credential not revoked";

struct Setup {
    _dir: tempfile::TempDir,
    authority: issuer::TestIssuer,
    signer: StatusSigner,
    list: StatusListIssuer,
    wallet: Arc<Wallet>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let authority =
        issuer::TestIssuer::new("Home Office", "GB", SystemClock.now().plus_days(-1)).unwrap();
    let signer = authority.new_status_signer().unwrap();
    let list = StatusListIssuer::new(LIST_URI, Bits::Two, 64).unwrap();
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
        authority,
        signer,
        list,
        wallet,
    }
}

impl Setup {
    /// Provisions a right-to-work credential at a fresh index; returns the index.
    fn provision(&mut self) -> u64 {
        let entry = self.list.assign().unwrap();
        let idx = entry.idx;
        let pending = self.wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
        let data = samples::uk_digital_id(&samples::AMELIA, SystemClock.now().date());
        let key = mdoc::cose::CoseKey::from_bytes(&pending.device_key).unwrap();
        let issued = self
            .authority
            .issue_with_status(
                &data,
                &key,
                &ValidityWindow::starting(SystemClock.now().plus_days(-1), 365),
                &StatusReference {
                    status_list: Some(entry),
                    identifier_list: None,
                },
            )
            .unwrap();
        assert_eq!(status_list_index(issued.bytes.clone()).unwrap(), Some(idx));
        self.wallet.accept(pending, issued.bytes).unwrap();
        idx
    }

    /// The list as the issuer serves it now.
    fn token(&self) -> Vec<u8> {
        self.list
            .token(&self.signer, SystemClock.now(), 3600, 300)
            .unwrap()
    }

    fn verifier(&self) -> Arc<Verifier> {
        Verifier::new(self.authority.iaca().certificate().to_pem(), None, None).unwrap()
    }

    /// A right-to-work presentation up to the verifier's pending verification.
    fn present(&self, verifier: &Verifier) -> Arc<PendingVerification> {
        let session = self.wallet.start_presentation();
        let reader = verifier.start_session(session.qr_uri()).unwrap();
        let request =
            profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
        let SessionEvent::Consent { request: consent } =
            session.handle(reader.request(vec![request]).unwrap())
        else {
            panic!("consent expected");
        };
        assert!(consent.documents[0].credential_id.is_some());
        let response = session
            .approve(session.recommended_selection().unwrap())
            .unwrap();
        reader.receive_response(response).unwrap()
    }
}

fn status_check(report: &VerificationReport) -> &CheckResult {
    report.documents[0]
        .checks
        .iter()
        .find(|c| c.name == NOT_REVOKED)
        .expect("a status check")
}

#[test]
fn the_wallet_records_status_and_the_verifier_fails_after_a_revocation() {
    let mut s = setup();
    let idx = s.provision();

    // Wallet: one URI to fetch; the verified token records Valid with the check time.
    assert_eq!(s.wallet.status_references(), [LIST_URI]);
    let before = SystemClock.now().unix_seconds();
    assert_eq!(
        s.wallet.update_status(LIST_URI.into(), s.token()).unwrap(),
        1
    );
    let status = s.wallet.credentials()[0].status.unwrap();
    assert_eq!(status.state, CredentialState::Valid);
    assert!(status.checked_at >= before);

    // Verifier: the list to fetch, the token offered, the check passes.
    let verifier = s.verifier();
    let pending = s.present(&verifier);
    assert_eq!(pending.status_uris(), [LIST_URI]);
    assert_eq!(pending.offer_status(LIST_URI.into(), s.token()), None);
    let report = pending.finish();
    assert!(report.verified, "{report:?}");
    assert!(status_check(&report).passed);
    // The verifier holds the list now: the next check needs no fetch.
    assert!(s.present(&verifier).status_uris().is_empty());

    // The issuer revokes. A verifier with the fresh list refuses the next presentation.
    s.list.revoke(idx).unwrap();
    let fresh = s.verifier();
    let pending = s.present(&fresh);
    assert_eq!(pending.offer_status(LIST_URI.into(), s.token()), None);
    let report = pending.finish();
    assert!(report.authentic && !report.verified, "{report:?}");
    let check = status_check(&report);
    assert!(!check.passed);
    assert!(check.detail.contains("revoked"), "{}", check.detail);

    // The wallet fetches again: the summary says Revoked, and the credential is withheld.
    assert_eq!(
        s.wallet.update_status(LIST_URI.into(), s.token()).unwrap(),
        1
    );
    assert_eq!(
        s.wallet.credentials()[0].status.unwrap().state,
        CredentialState::Revoked
    );
    let session = s.wallet.start_presentation();
    let reader = fresh.start_session(session.qr_uri()).unwrap();
    let request = profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap();
    let SessionEvent::Consent { request: consent } =
        session.handle(reader.request(vec![request]).unwrap())
    else {
        panic!("consent expected");
    };
    assert_eq!(consent.documents[0].credential_id, None);
}

#[test]
fn undetermined_status_fails_the_check_and_bad_tokens_record_nothing() {
    let mut s = setup();
    s.provision();
    let verifier = s.verifier();

    // Nothing fetched: handleResponse's report fails the status check as undetermined.
    let pending = s.present(&verifier);
    let report = pending.finish();
    assert!(!report.verified);
    assert!(status_check(&report).detail.contains("undetermined"));

    // A failed fetch: undetermined too, never "revoked".
    pending.status_fetch_failed(LIST_URI.into());
    let check = status_check(&pending.finish()).clone();
    assert!(!check.passed && check.detail.contains("fetching the status list failed"));
    assert!(!check.detail.contains("revoked"));

    // A tampered token is refused on both sides; the wallet records nothing.
    let mut token = s.token();
    let last = token.len() - 1;
    token[last] ^= 1;
    assert!(
        pending
            .offer_status(LIST_URI.into(), token.clone())
            .is_some()
    );
    assert!(!status_check(&pending.finish()).passed);
    assert!(matches!(
        s.wallet.update_status(LIST_URI.into(), token),
        Err(StatusError::TokenRefused { .. })
    ));
    // A token served for another URI.
    assert!(matches!(
        s.wallet
            .update_status("https://other.example/status".into(), s.token()),
        Err(StatusError::TokenRefused { .. })
    ));
    assert!(matches!(
        s.wallet.update_status(LIST_URI.into(), b"garbage".to_vec()),
        Err(StatusError::TokenRefused { .. })
    ));
    assert_eq!(s.wallet.credentials()[0].status, None);
}

#[test]
fn status_list_index_reads_the_mso_and_refuses_garbage() {
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let s = setup();
    let pending = s.wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let plain = authority
        .issue(SampleDocument::UkDigitalIdAmelia, pending.device_key)
        .unwrap();
    assert_eq!(status_list_index(plain).unwrap(), None);
    assert!(matches!(
        status_list_index(b"\xa0garbage".to_vec()),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
}
