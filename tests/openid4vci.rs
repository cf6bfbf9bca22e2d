//! OpenID4VCI 1.0 issuance end to end, in process: the wallet's sans-IO issuance session talks
//! to the issuer's sans-IO handlers (requests and responses passed as records, as an app and a
//! server would send them over HTTPS). A batch of 10 single-use copies is stored as one
//! document; 10 presentations show 10 different MSO signatures, device keys and digests; the
//! 11th finds no copy and the summary says "refresh needed". Every refusal is a typed error and
//! leaves the store and the secure area as they were.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use common::{World, proximity_check};
use issuer::openid4vci::{CredentialIssuerService, IssuerConfig};
use issuer::samples::{self, AMELIA};
use issuer::{CredentialData, ValidityWindow};
use mdoc::cbor::{self, Tagged};
use mdoc::clock::Clock;
use mdoc::cose::{CoseKey, CoseSign1};
use mdoc::definitions::{DeviceResponse, MobileSecurityObject};
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, decode_mdoc_credential, encode_mdoc_credential,
};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::proof::{ProofClaims, sign_jwt_proof, verify_jwt_proof};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use mdoc::verify::CheckName;
use verifier::DocumentRequest;
use wallet::WalletError;
use wallet::issuance::{IssuanceError, IssuanceOptions, IssuanceSession, IssuanceStep};
use wallet::presentation::DeviceAuthMode;
use wallet::store::{CredentialSummary, PresentationPolicy};

const ISSUER_ID: &str = "https://issuer.example";
const TX_CODE: &str = "493536";

struct TestClock(Mutex<Timestamp>);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    world: World,
    clock: Arc<TestClock>,
    issuer: CredentialIssuerService,
    data: CredentialData,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let clock = Arc::new(TestClock(Mutex::new(world.now)));
    let data = samples::uk_digital_id(&AMELIA, world.now.date());
    let config = IssuerConfig::new(ISSUER_ID, "Home Office", &[UK_DIGITAL_ID]);
    let issuer = CredentialIssuerService::new(config, world.issuer.clone(), clock.clone());
    Setup {
        _dir: dir,
        world,
        clock,
        issuer,
        data,
    }
}

/// Which exchange a request is (by its path).
fn step_name(request: &HttpRequest) -> &'static str {
    let path = request.url.strip_prefix(ISSUER_ID).unwrap_or(&request.url);
    match path {
        "/.well-known/openid-credential-issuer" => "issuer-metadata",
        "/.well-known/oauth-authorization-server" => "as-metadata",
        "/token" => "token",
        "/nonce" => "nonce",
        "/credential" => "credential",
        "/deferred_credential" => "deferred",
        "/notification" => "notification",
        _ => "offer",
    }
}

impl Setup {
    fn offer(&self, deferred: bool) -> String {
        self.issuer
            .offer(self.data.clone(), Some(TX_CODE), deferred)
            .unwrap()
            .uri
    }

    /// Runs `session` against the issuer; `tamper` may change each response (or the request,
    /// before the issuer sees it) by step name.
    fn drive(
        &self,
        session: &mut IssuanceSession,
        tx_code: &str,
        mut tamper: impl FnMut(&'static str, &mut HttpRequest, Option<&mut HttpResponse>),
    ) -> Result<CredentialSummary, IssuanceError> {
        for _ in 0..32 {
            match session.next_step()? {
                IssuanceStep::Send(mut request) => {
                    assert!(request.url.starts_with("https://"), "{}", request.url);
                    let name = step_name(&request);
                    tamper(name, &mut request, None);
                    let mut response = self.issuer.handle(&request);
                    tamper(name, &mut request, Some(&mut response));
                    session.handle_response(response.status, &response.headers, &response.body)?;
                }
                IssuanceStep::NeedTxCode(tx) => {
                    assert_eq!(tx.length, Some(6));
                    session.provide_tx_code(tx_code)?;
                }
                IssuanceStep::Wait { interval } => {
                    assert!(interval > 0);
                    for id in self.issuer.pending_deferred() {
                        self.issuer.complete_deferred(&id);
                    }
                }
                IssuanceStep::OpenBrowser { .. } => {
                    panic!("no browser in the pre-authorized grant")
                }
                IssuanceStep::Done(summary) => return Ok(summary),
            }
        }
        panic!("the issuance did not finish");
    }

    fn issue(
        &self,
        tamper: impl FnMut(&'static str, &mut HttpRequest, Option<&mut HttpResponse>),
    ) -> Result<CredentialSummary, IssuanceError> {
        let mut session = self
            .world
            .wallet
            .start_issuance(&self.offer(false), IssuanceOptions::default())?;
        self.drive(&mut session, TX_CODE, tamper)
    }

    /// What must not change when an issuance is refused.
    fn snapshot(&self) -> (Vec<CredentialSummary>, Vec<String>) {
        let mut keys = self.world.wallet.secure_area().list_keys().unwrap();
        keys.sort();
        (self.world.wallet.credentials(), keys)
    }

    fn refused(
        &self,
        tamper: impl FnMut(&'static str, &mut HttpRequest, Option<&mut HttpResponse>),
    ) -> IssuanceError {
        let before = self.snapshot();
        let error = self.issue(tamper).unwrap_err();
        assert_eq!(
            self.snapshot(),
            before,
            "the store or secure area changed: {error}"
        );
        error
    }
}

fn no_tamper(_: &'static str, _: &mut HttpRequest, _: Option<&mut HttpResponse>) {}

/// The signature, device key and digests of the one document in a DeviceResponse.
fn linkable_values(device_response: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let response: DeviceResponse = cbor::from_slice(device_response).unwrap();
    let document = &response.documents.as_ref().unwrap()[0];
    let issuer_auth = &document.issuer_signed.issuer_auth;
    let sign1 = CoseSign1::from_value(issuer_auth).unwrap();
    let mso = Tagged::<MobileSecurityObject>::from_encoded(sign1.payload().unwrap()).unwrap();
    let mso = mso.value();
    let signature = match issuer_auth {
        mdoc::cbor::Value::Array(parts) => match parts.last() {
            Some(mdoc::cbor::Value::Bytes(signature)) => signature.clone(),
            _ => panic!("no signature"),
        },
        _ => panic!("not a COSE_Sign1"),
    };
    let key = cbor::encode(&cbor::ToCbor::to_cbor(&mso.device_key_info.device_key));
    let digests: Vec<u8> = mso
        .value_digests
        .iter()
        .flat_map(|(_, ids)| ids.iter().flat_map(|(_, d)| d.clone()))
        .collect();
    (signature, key, digests)
}

fn right_to_work() -> [DocumentRequest; 1] {
    [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )]
}

#[test]
fn a_batch_of_ten_is_stored_as_one_document_and_each_copy_is_presented_once() {
    let s = setup();
    let summary = s.issue(no_tamper).unwrap();
    assert_eq!(summary.doc_type, UK_DIGITAL_ID);
    assert_eq!(summary.copies_left, 10);
    assert_eq!(summary.policy, PresentationPolicy::OneTimeUse);
    assert!(!summary.refresh_needed);
    assert_eq!(s.world.wallet.credentials().len(), 1, "one document");
    let stored = s.world.wallet.credential(&summary.id).unwrap();
    assert_eq!(stored.record.copies.len(), 10);

    let mut signatures = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut digests = BTreeSet::new();
    for n in 0..10 {
        let check =
            proximity_check(&s.world, &right_to_work(), |c| c.recommended_selection()).unwrap();
        assert!(check.report.verified(), "presentation {n}");
        let (signature, key, digest) = linkable_values(&check.device_response);
        assert!(signatures.insert(signature), "MSO signature repeats at {n}");
        assert!(keys.insert(key), "device key repeats at {n}");
        assert!(digests.insert(digest), "digests repeat at {n}");
        let left = &s.world.wallet.credentials()[0];
        assert_eq!(left.copies_left, 9 - n);
        assert_eq!(left.refresh_needed, 9 - n < 2);
    }
    assert_eq!((signatures.len(), keys.len(), digests.len()), (10, 10, 10));
    // Every used copy's device key is gone.
    assert!(s.world.wallet.secure_area().list_keys().unwrap().is_empty());
    // The 11th: no copy left, so nothing is disclosed, and the summary says refresh.
    let summary = &s.world.wallet.credentials()[0];
    assert_eq!(summary.copies_left, 0);
    assert!(summary.refresh_needed);
    let eleventh =
        proximity_check(&s.world, &right_to_work(), |c| c.recommended_selection()).unwrap();
    assert_eq!(eleventh.consent.documents[0].credential_id, None);
    let response: DeviceResponse = cbor::from_slice(&eleventh.device_response).unwrap();
    assert!(response.documents.unwrap_or_default().is_empty());
    // A refresh: a new offer brings a new batch.
    let refreshed = s.issue(no_tamper).unwrap();
    assert_eq!(refreshed.copies_left, 10);
}

#[test]
fn concurrent_presentations_get_different_copies_and_a_declined_one_burns_none() {
    let s = setup();
    s.issue(no_tamper).unwrap();
    let copies = || s.world.wallet.credentials()[0].copies_left;
    // Two presentations in progress at once hold two different copies.
    let mut first = wallet::proximity::ProximitySession::start(&s.world.wallet, Vec::new());
    let mut second = wallet::proximity::ProximitySession::start(&s.world.wallet, Vec::new());
    let mut readers = Vec::new();
    for holder in [&mut first, &mut second] {
        let mut reader = verifier::ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
        let establishment = reader
            .establish(&right_to_work(), Some(&s.world.reader_key()))
            .unwrap();
        let wallet::proximity::SessionEvent::Consent(consent) = holder.handle(&establishment)
        else {
            panic!("consent");
        };
        readers.push((reader, consent));
    }
    let mut keys = BTreeSet::new();
    for (holder, (reader, consent)) in [&mut first, &mut second].into_iter().zip(&mut readers) {
        let reply = holder.approve(&consent.recommended_selection()).unwrap();
        let device_response = reader.decrypt_response(&reply).unwrap();
        keys.insert(linkable_values(&device_response).1);
    }
    assert_eq!(keys.len(), 2, "both presentations used the same copy");
    assert_eq!(copies(), 8);
    drop((first, second));
    // Declined: the copy goes back.
    let declined = proximity_check(&s.world, &right_to_work(), |_| {
        wallet::consent::Selection::default()
    })
    .unwrap();
    assert!(declined.consent.documents[0].credential_id.is_some());
    assert_eq!(copies(), 8);
    // Abandoned mid-way (consent shown, never answered): the copy goes back too.
    let mut holder = wallet::proximity::ProximitySession::start(&s.world.wallet, Vec::new());
    let mut reader = verifier::ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let establishment = reader
        .establish(&right_to_work(), Some(&s.world.reader_key()))
        .unwrap();
    assert!(matches!(
        holder.handle(&establishment),
        wallet::proximity::SessionEvent::Consent(_)
    ));
    drop(holder);
    assert_eq!(copies(), 8);
}

#[test]
fn deferred_issuance_polls_until_ready() {
    let s = setup();
    let mut session = s
        .world
        .wallet
        .start_issuance(
            &s.offer(true),
            IssuanceOptions {
                batch_size: 3,
                ..IssuanceOptions::default()
            },
        )
        .unwrap();
    let mut steps = Vec::new();
    let summary = s
        .drive(&mut session, TX_CODE, |name, _, response| {
            if let Some(response) = response {
                steps.push((name, response.status));
            }
        })
        .unwrap();
    assert_eq!(summary.copies_left, 3);
    assert!(steps.contains(&("credential", 202)));
    assert!(steps.contains(&("deferred", 200)));
}

#[test]
fn an_offer_by_reference_is_fetched() {
    let s = setup();
    let made = s
        .issuer
        .offer(s.data.clone(), Some(TX_CODE), false)
        .unwrap();
    let offer_json = made.offer.to_json();
    let uri = mdoc::openid4vci::offer::offer_uri_by_reference("https://issuer.example/offers/1");
    let mut session = s
        .world
        .wallet
        .start_issuance(&uri, IssuanceOptions::default())
        .unwrap();
    let summary = s
        .drive(&mut session, TX_CODE, |name, _, response| {
            if let (Some(response), "offer") = (response, name) {
                *response = HttpResponse::json(200, offer_json.clone());
            }
        })
        .unwrap();
    assert_eq!(summary.copies_left, 10);
}

fn server_error(error: IssuanceError) -> (u16, String) {
    match error {
        IssuanceError::Server { status, error } => (status, error),
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[test]
fn a_wrong_transaction_code_is_refused_by_the_issuer() {
    let s = setup();
    let before = s.snapshot();
    let mut session = s
        .world
        .wallet
        .start_issuance(&s.offer(false), IssuanceOptions::default())
        .unwrap();
    let error = s.drive(&mut session, "000000", no_tamper).unwrap_err();
    assert_eq!(server_error(error), (400, "invalid_grant".into()));
    assert_eq!(s.snapshot(), before);
    assert_eq!(session.next_step(), Err(IssuanceError::Failed));
}

#[test]
fn a_replayed_nonce_is_refused() {
    let s = setup();
    let mut used_nonce = None;
    s.issue(|name, _, response| {
        if let (Some(response), "nonce") = (response, name) {
            used_nonce = Some(response.body.clone());
        }
    })
    .unwrap();
    let used_nonce = used_nonce.unwrap();
    let error = s.refused(|name, _, response| {
        if let (Some(response), "nonce") = (response, name) {
            response.body = used_nonce.clone();
        }
    });
    assert_eq!(server_error(error), (400, "invalid_nonce".into()));
}

#[test]
fn a_proof_for_another_audience_is_refused() {
    let s = setup();
    let area = s.world.wallet.secure_area();
    let error = s.refused(|name, request, response| {
        if name != "credential" || response.is_some() {
            return;
        }
        // Re-sign each proof, with the wallet's own keys, for another audience.
        let mut body = CredentialRequest::from_json(&request.body).unwrap();
        let aliases = area.list_keys().unwrap();
        let proofs = body.proofs.as_mut().unwrap().jwt.as_mut().unwrap();
        for proof in proofs.iter_mut() {
            let verified = verify_jwt_proof(proof).unwrap();
            let alias = aliases
                .iter()
                .find(|a| area.public_key(a).unwrap() == verified.device_key)
                .unwrap();
            let claims = ProofClaims {
                aud: "https://evil.example".into(),
                ..verified.claims
            };
            *proof =
                sign_jwt_proof(&verified.device_key, &claims, |m| area.sign(alias, m)).unwrap();
        }
        request.body = body.to_json();
    });
    assert_eq!(server_error(error), (400, "invalid_proof".into()));
}

#[test]
fn an_expired_token_is_refused() {
    let s = setup();
    let error = s.refused(|name, _, response| {
        if name == "credential" && response.is_none() {
            let mut now = s.clock.0.lock().unwrap();
            *now = now.plus_seconds(301);
        }
    });
    assert_eq!(server_error(error), (401, "invalid_token".into()));
}

/// Replaces credential `index` of a credential response with `replace(bytes)`.
fn swap_credential(
    response: &mut HttpResponse,
    index: usize,
    replace: impl Fn(Vec<u8>) -> Vec<u8>,
) {
    let CredentialResponse::Issued {
        mut credentials,
        notification_id,
    } = CredentialResponse::from_json(&response.body).unwrap()
    else {
        panic!("issued");
    };
    let bytes = decode_mdoc_credential(&credentials[index]).unwrap();
    credentials[index] = encode_mdoc_credential(&replace(bytes));
    response.body = CredentialResponse::Issued {
        credentials,
        notification_id,
    }
    .to_json();
}

fn refused_check(error: IssuanceError) -> CheckName {
    match error {
        IssuanceError::CredentialRefused(WalletError::CredentialRefused(e)) => e.check,
        other => panic!("expected a refused credential, got {other:?}"),
    }
}

#[test]
fn a_credential_for_another_device_key_refuses_the_whole_batch() {
    let s = setup();
    let stranger = CoseKey::new(mdoc::rng::new_p256_secret_key().public_key());
    let other = s
        .world
        .issuer
        .issue(
            &s.data,
            &stranger,
            &ValidityWindow::starting(s.world.now, 30),
        )
        .unwrap()
        .bytes;
    let error = s.refused(|name, _, response| {
        if let (Some(response), "credential") = (response, name) {
            swap_credential(response, 3, |_| other.clone());
        }
    });
    assert_eq!(refused_check(error), CheckName::DeviceKeyBinding);
}

#[test]
fn a_tampered_credential_refuses_the_whole_batch() {
    let s = setup();
    let error = s.refused(|name, _, response| {
        if let (Some(response), "credential") = (response, name) {
            swap_credential(response, 7, |mut bytes| {
                let at = bytes.windows(6).position(|w| w == b"Okafor").unwrap();
                bytes[at + 4] = b'a';
                bytes
            });
        }
    });
    assert_eq!(refused_check(error), CheckName::ValueDigests);
}

#[test]
fn fewer_credentials_than_proofs_store_nothing() {
    let s = setup();
    let error = s.refused(|name, _, response| {
        if let (Some(response), "credential") = (response, name) {
            let CredentialResponse::Issued {
                mut credentials, ..
            } = CredentialResponse::from_json(&response.body).unwrap()
            else {
                panic!("issued");
            };
            credentials.pop();
            response.body = CredentialResponse::Issued {
                credentials,
                notification_id: None,
            }
            .to_json();
        }
    });
    assert!(matches!(error, IssuanceError::Protocol(_)), "{error:?}");
}

#[test]
fn garbage_at_every_step_is_a_typed_error_and_stores_nothing() {
    let s = setup();
    let garbage: [(u16, &[u8]); 5] = [
        (200, b""),
        (200, b"\xff\xfe{"),
        (200, b"{}"),
        (200, b"[1,2,3]"),
        (500, b"<html>oops</html>"),
    ];
    for step in [
        "issuer-metadata",
        "as-metadata",
        "token",
        "nonce",
        "credential",
    ] {
        for (status, body) in garbage {
            let error = s.refused(|name, _, response| {
                if let Some(response) = response
                    && name == step
                {
                    response.status = status;
                    response.body = body.to_vec();
                }
            });
            let typed = match &error {
                IssuanceError::Message(_) | IssuanceError::Protocol(_) => status == 200,
                IssuanceError::Server { status: 500, error } => error == "unknown",
                _ => false,
            };
            assert!(typed, "{step} {status}: {error:?}");
        }
    }
    for uri in [
        "",
        "openid-credential-offer://?credential_offer=%7B%7D",
        "https://x.example/?a=b",
    ] {
        assert!(matches!(
            s.world
                .wallet
                .start_issuance(uri, IssuanceOptions::default()),
            Err(IssuanceError::Message(_))
        ));
    }
    // Calls out of order are refused.
    let mut session = s
        .world
        .wallet
        .start_issuance(&s.offer(false), IssuanceOptions::default())
        .unwrap();
    assert_eq!(
        session.handle_response(200, &[], b"{}"),
        Err(IssuanceError::WrongState)
    );
    assert_eq!(session.provide_tx_code("1"), Err(IssuanceError::WrongState));
    assert!(matches!(session.next_step(), Ok(IssuanceStep::Send(_))));
    assert!(matches!(
        session.next_step(),
        Err(IssuanceError::WrongState)
    ));
}
