//! OpenID4VCI 1.0 beyond the pre-authorized code, end to end in process (the wallet's sans-IO
//! session against the issuer's sans-IO handlers): the authorization code grant with a pushed
//! authorization request and PKCE `S256`, DPoP-bound tokens (RFC 9449, server nonces
//! included), a refresh that replaces a document's copies with a new batch, notifications,
//! key attestations, and the refusals — a wrong PKCE verifier, a replayed or expired
//! authorization code, a wrong state on the redirect, a DPoP proof by another key, a bound
//! token used as a bearer token, garbage at every new step — each a typed error with the store
//! and the secure area as they were.

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
use issuer::CredentialData;
use issuer::openid4vci::{CredentialIssuerService, IssuerConfig};
use issuer::samples::{self, AMELIA};
use mdoc::clock::{Clock, FixedClock};
use mdoc::online::form;
use mdoc::openid4vci::credential::CredentialRequest;
use mdoc::openid4vci::credential::{
    CredentialResponse, decode_mdoc_credential, encode_mdoc_credential,
};
use mdoc::openid4vci::dpop::{DpopClaims, sign_dpop_proof, verify_dpop_proof};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::key_attestation::sign_key_attestation;
use mdoc::openid4vci::notification::NotificationEvent;
use mdoc::openid4vci::pkce;
use mdoc::openid4vci::proof::verify_jwt_proof;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use verifier::DocumentRequest;
use wallet::issuance::{IssuanceError, IssuanceOptions, IssuanceSession, IssuanceStep};
use wallet::presentation::DeviceAuthMode;
use wallet::secure_area::{SecureArea, SecureAreaError};
use wallet::store::CredentialSummary;

const ISSUER_ID: &str = "https://issuer.example";
const REDIRECT: &str = "https://wallet.citizen.example/issuance/callback";

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

/// A wallet and an issuer requiring DPoP with server nonces.
fn setup() -> Setup {
    setup_with(|config| {
        config.dpop = true;
        config.dpop_nonce = true;
    })
}

fn setup_with(configure: impl FnOnce(&mut IssuerConfig)) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let clock = Arc::new(TestClock(Mutex::new(world.now)));
    let data = samples::uk_digital_id(&AMELIA, world.now.date());
    let mut config = IssuerConfig::new(ISSUER_ID, "Home Office", &[UK_DIGITAL_ID]);
    configure(&mut config);
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
        "/par" => "par",
        "/token" => "token",
        "/nonce" => "nonce",
        "/credential" => "credential",
        "/notification" => "notification",
        _ => "other",
    }
}

/// What a test may change: each request before the issuer sees it and each response before
/// the wallet does (`response` is `None` the first time), and the redirect URL.
trait Tamper {
    fn exchange(
        &mut self,
        _name: &'static str,
        _request: &mut HttpRequest,
        _response: Option<&mut HttpResponse>,
    ) {
    }
    fn redirect(&mut self, _url: &mut String) {}
}

struct NoTamper;
impl Tamper for NoTamper {}

struct Exchanges<F>(F);
impl<F: FnMut(&'static str, &mut HttpRequest, Option<&mut HttpResponse>)> Tamper for Exchanges<F> {
    fn exchange(
        &mut self,
        name: &'static str,
        request: &mut HttpRequest,
        response: Option<&mut HttpResponse>,
    ) {
        (self.0)(name, request, response);
    }
}

struct Redirect<F>(F);
impl<F: FnMut(&mut String)> Tamper for Redirect<F> {
    fn redirect(&mut self, url: &mut String) {
        (self.0)(url);
    }
}

impl Setup {
    fn options(&self) -> IssuanceOptions {
        IssuanceOptions {
            redirect_uri: REDIRECT.into(),
            ..IssuanceOptions::default()
        }
    }

    fn start(&self) -> IssuanceSession {
        let offer = self.issuer.offer_authorization_code(UK_DIGITAL_ID).unwrap();
        self.world
            .wallet
            .start_issuance(&offer.uri, self.options())
            .unwrap()
    }

    /// Runs `session` against the issuer; the citizen approves in the browser.
    fn drive(
        &self,
        session: &mut IssuanceSession,
        tamper: &mut dyn Tamper,
    ) -> Result<CredentialSummary, IssuanceError> {
        for _ in 0..40 {
            match session.next_step()? {
                IssuanceStep::Send(mut request) => {
                    assert!(request.url.starts_with("https://"), "{}", request.url);
                    let name = step_name(&request);
                    tamper.exchange(name, &mut request, None);
                    let mut response = self.issuer.handle(&request);
                    tamper.exchange(name, &mut request, Some(&mut response));
                    session.handle_response(response.status, &response.headers, &response.body)?;
                }
                IssuanceStep::OpenBrowser { url } => {
                    assert!(url.starts_with(&format!("{ISSUER_ID}/authorize?")), "{url}");
                    // The browser loads the sign-in page; the citizen signs in and approves.
                    let page = self.issuer.handle(&HttpRequest::get(&url));
                    assert_eq!(page.status, 200);
                    let mut redirect = self.issuer.approve(&url, self.data.clone()).unwrap();
                    tamper.redirect(&mut redirect);
                    session.provide_redirect(&redirect)?;
                }
                IssuanceStep::NeedTxCode(_) => panic!("no transaction code in this grant"),
                IssuanceStep::Wait { .. } => panic!("not deferred"),
                IssuanceStep::Done(summary) => return Ok(summary),
            }
        }
        panic!("the issuance did not finish");
    }

    fn issue(&self, tamper: &mut dyn Tamper) -> Result<CredentialSummary, IssuanceError> {
        let mut session = self.start();
        self.drive(&mut session, tamper)
    }

    /// What must not change when an issuance is refused.
    fn snapshot(&self) -> (Vec<CredentialSummary>, Vec<String>) {
        let mut keys = self.world.wallet.secure_area().list_keys().unwrap();
        keys.sort();
        (self.world.wallet.credentials(), keys)
    }

    fn refused(&self, tamper: &mut dyn Tamper) -> IssuanceError {
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

fn server_error(error: IssuanceError) -> (u16, String) {
    match error {
        IssuanceError::Server { status, error } => (status, error),
        other => panic!("expected a server error, got {other:?}"),
    }
}

fn form_value(body: &[u8], name: &str) -> Option<String> {
    form::decode(std::str::from_utf8(body).unwrap())
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

fn replace_form_value(body: &[u8], name: &str, value: &str) -> Vec<u8> {
    let parameters: Vec<(String, String)> = form::decode(std::str::from_utf8(body).unwrap())
        .unwrap()
        .into_iter()
        .map(|(n, v)| {
            if n == name {
                (n, value.to_owned())
            } else {
                (n, v)
            }
        })
        .collect();
    form::encode(parameters.iter().map(|(n, v)| (n.as_str(), v.as_str()))).into_bytes()
}

fn right_to_work() -> [DocumentRequest; 1] {
    [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )]
}

#[test]
fn the_authorization_code_grant_issues_a_dpop_bound_batch_and_notifies() {
    let s = setup();
    let mut seen = Vec::new();
    let mut nonce_retries = 0;
    let summary = s
        .issue(&mut Exchanges(
            |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                let Some(response) = response else { return };
                if response.headers.iter().any(|(n, _)| n == "DPoP-Nonce") && response.status >= 400
                {
                    nonce_retries += 1;
                }
                seen.push((name, request.clone(), response.status));
            },
        ))
        .unwrap();
    assert_eq!(summary.copies_left, 10);
    assert!(summary.refreshable);
    assert_eq!(s.world.wallet.credentials().len(), 1);
    // The token and credential endpoints each asked once for their DPoP nonce.
    assert_eq!(nonce_retries, 2);
    let names: Vec<_> = seen.iter().map(|(n, _, status)| (*n, *status)).collect();
    assert_eq!(
        names,
        [
            ("issuer-metadata", 200),
            ("as-metadata", 200),
            ("par", 201),
            ("token", 400),
            ("token", 200),
            ("nonce", 200),
            ("credential", 401),
            ("credential", 200),
            ("notification", 204),
        ]
    );
    // The pushed request: PKCE S256, the state, the configuration as authorization_details.
    let par = &seen[2].1;
    assert_eq!(
        form_value(&par.body, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        form_value(&par.body, "redirect_uri").as_deref(),
        Some(REDIRECT)
    );
    let challenge = form_value(&par.body, "code_challenge").unwrap();
    // The token request: the code with the verifier matching that challenge, and a DPoP proof.
    let token = &seen[4].1;
    assert_eq!(
        form_value(&token.body, "grant_type").as_deref(),
        Some("authorization_code")
    );
    let verifier = form_value(&token.body, "code_verifier").unwrap();
    assert!(pkce::verify_s256(&verifier, &challenge));
    let token_proof = verify_dpop_proof(token.header("DPoP").unwrap()).unwrap();
    assert_eq!(token_proof.claims.htu, format!("{ISSUER_ID}/token"));
    assert!(token_proof.claims.nonce.is_some() && token_proof.claims.ath.is_none());
    // The credential request: `Authorization: DPoP`, a proof by the same key with `ath`.
    let credential = &seen[7].1;
    let authorization = credential.header("Authorization").unwrap();
    let access_token = authorization.strip_prefix("DPoP ").unwrap();
    let proof = verify_dpop_proof(credential.header("DPoP").unwrap()).unwrap();
    assert_eq!(proof.jkt, token_proof.jkt);
    assert_eq!(
        proof.claims.ath.as_deref(),
        Some(mdoc::openid4vci::dpop::access_token_hash(access_token).as_str())
    );
    // The same request again: its DPoP proof (`jti`) is spent.
    let replayed = s.issuer.handle(credential);
    assert_eq!(
        (replayed.status, error_of(&replayed)),
        (401, "invalid_dpop_proof".into())
    );
    // The issuer got `credential_accepted` for the batch.
    let notifications = s.issuer.notifications();
    assert_eq!(notifications.len(), 1);
    assert_eq!(
        notifications[0].1,
        vec![NotificationEvent::CredentialAccepted]
    );
    // 10 device keys and the DPoP key the refresh token is bound to.
    assert_eq!(s.world.wallet.secure_area().list_keys().unwrap().len(), 11);
    // The refresh token is in the (encrypted) record and never in its Debug output.
    let record = s.world.wallet.credential(&summary.id).unwrap().record;
    let refresh = record.refresh.clone().unwrap();
    assert!(!refresh.refresh_token.is_empty());
    assert!(!format!("{record:?}").contains(refresh.refresh_token.as_str()));
    assert!(!format!("{summary:?}").contains(refresh.refresh_token.as_str()));
}

#[test]
fn a_refresh_replaces_the_copies_with_a_new_batch_and_rotates_the_token() {
    let s = setup();
    let first = s.issue(&mut NoTamper).unwrap();
    let old_record = s.world.wallet.credential(&first.id).unwrap().record;
    let old_aliases: BTreeSet<_> = old_record
        .copies
        .iter()
        .map(|c| c.device_key_alias.clone())
        .collect();
    let old_refresh = old_record.refresh.clone().unwrap();
    // Nine presentations: one copy left, below the threshold of two.
    for _ in 0..9 {
        let check =
            proximity_check(&s.world, &right_to_work(), |c| c.recommended_selection()).unwrap();
        assert!(check.report.verified());
    }
    let low = &s.world.wallet.credentials()[0];
    assert_eq!(low.copies_left, 1);
    assert!(low.refresh_needed);

    let mut session = s
        .world
        .wallet
        .start_refresh(&first.id, s.options())
        .unwrap();
    let mut grant_types = Vec::new();
    let refreshed = s
        .drive(
            &mut session,
            &mut Exchanges(
                |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                    if name == "token" && response.is_none() {
                        grant_types.push(form_value(&request.body, "grant_type").unwrap());
                    }
                },
            ),
        )
        .unwrap();
    assert!(
        grant_types.iter().all(|g| g == "refresh_token"),
        "{grant_types:?}"
    );
    // The same document, with ten new copies under new keys; the old copies' keys are gone.
    assert_eq!(refreshed.id, first.id);
    assert_eq!(refreshed.copies_left, 10);
    assert!(!refreshed.refresh_needed);
    assert_eq!(s.world.wallet.credentials().len(), 1);
    let record = s.world.wallet.credential(&first.id).unwrap().record;
    let new_aliases: BTreeSet<_> = record
        .copies
        .iter()
        .map(|c| c.device_key_alias.clone())
        .collect();
    assert!(new_aliases.is_disjoint(&old_aliases));
    let keys: BTreeSet<_> = s
        .world
        .wallet
        .secure_area()
        .list_keys()
        .unwrap()
        .into_iter()
        .collect();
    assert!(keys.is_disjoint(&old_aliases));
    assert_eq!(keys.len(), 11, "ten device keys and the DPoP key");
    // The refresh token was rotated: the new one differs, the old one is spent.
    let new_refresh = record.refresh.clone().unwrap();
    assert_ne!(new_refresh.refresh_token, old_refresh.refresh_token);
    assert_eq!(new_refresh.dpop_key_alias, old_refresh.dpop_key_alias);
    let area = s.world.wallet.secure_area();
    let alias = old_refresh.dpop_key_alias.clone().unwrap();
    let replay = HttpRequest::post(
        &format!("{ISSUER_ID}/token"),
        "application/x-www-form-urlencoded",
        form::encode([
            ("grant_type", "refresh_token"),
            ("refresh_token", old_refresh.refresh_token.as_str()),
            ("client_id", "citizen-wallet"),
        ])
        .into_bytes(),
    );
    let proof = |jti: &str, nonce: Option<String>| {
        let claims = DpopClaims {
            jti: jti.into(),
            htm: "POST".into(),
            htu: format!("{ISSUER_ID}/token"),
            iat: s.world.now.unix_seconds(),
            ath: None,
            nonce,
        };
        sign_dpop_proof(&area.public_key(&alias).unwrap(), &claims, |m| {
            area.sign(&alias, m)
        })
        .unwrap()
    };
    let asked = s
        .issuer
        .handle(&replay.clone().with_header("DPoP", &proof("replay-1", None)));
    assert_eq!(error_of(&asked), "use_dpop_nonce");
    let nonce = asked.header("DPoP-Nonce").map(str::to_owned);
    let response = s
        .issuer
        .handle(&replay.with_header("DPoP", &proof("replay-2", nonce)));
    assert_eq!(
        (response.status, error_of(&response)),
        (400, "invalid_grant".into())
    );
    // Every new copy is presentable and distinct.
    let check = proximity_check(&s.world, &right_to_work(), |c| c.recommended_selection()).unwrap();
    assert!(check.report.verified());
}

fn error_of(response: &HttpResponse) -> String {
    mdoc::openid4vci::credential::ErrorResponse::from_json(&response.body)
        .unwrap()
        .error
}

#[test]
fn a_refresh_with_a_tampered_credential_keeps_the_old_copies() {
    let s = setup();
    let first = s.issue(&mut NoTamper).unwrap();
    let before = s.snapshot();
    let record_before = s.world.wallet.credential(&first.id).unwrap().record;
    let mut session = s
        .world
        .wallet
        .start_refresh(&first.id, s.options())
        .unwrap();
    let error = s
        .drive(
            &mut session,
            &mut Exchanges(
                |name, _: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                    if let (Some(response), "credential") = (response, name)
                        && response.status == 200
                    {
                        swap_credential(response, 4, |mut bytes| {
                            let at = bytes.windows(6).position(|w| w == b"Okafor").unwrap();
                            bytes[at + 4] = b'a';
                            bytes
                        });
                    }
                },
            ),
        )
        .unwrap_err();
    assert!(
        matches!(error, IssuanceError::CredentialRefused(_)),
        "{error:?}"
    );
    assert_eq!(s.snapshot(), before);
    assert_eq!(
        s.world.wallet.credential(&first.id).unwrap().record,
        record_before
    );
    // The wallet can tell the issuer the batch failed.
    let notice = session.failure_notification().unwrap();
    assert!(session.failure_notification().is_none());
    assert_eq!(s.issuer.handle(&notice).status, 204);
    assert!(
        s.issuer
            .notifications()
            .iter()
            .any(|(_, events)| events == &[NotificationEvent::CredentialFailure])
    );
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

#[test]
fn a_wrong_pkce_verifier_is_refused() {
    let s = setup();
    let error = s.refused(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "token" && response.is_none() {
                let other = pkce::new_verifier();
                request.body = replace_form_value(&request.body, "code_verifier", &other);
            }
        },
    ));
    assert_eq!(server_error(error), (400, "invalid_grant".into()));
}

#[test]
fn a_replayed_authorization_code_is_refused() {
    let s = setup();
    let mut used = None;
    s.issue(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "token" && response.is_none() {
                used = form_value(&request.body, "code");
            }
        },
    ))
    .unwrap();
    let used = used.unwrap();
    let error = s.refused(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "token" && response.is_none() {
                request.body = replace_form_value(&request.body, "code", &used);
            }
        },
    ));
    assert_eq!(server_error(error), (400, "invalid_grant".into()));
}

#[test]
fn an_expired_authorization_code_is_refused() {
    // Without DPoP, so the wallet's (fixed) clock makes no proof look stale.
    let s = setup_with(|_| {});
    let error = s.refused(&mut Redirect(|_: &mut String| {
        let mut now = s.clock.0.lock().unwrap();
        *now = now.plus_seconds(61);
    }));
    assert_eq!(server_error(error), (400, "invalid_grant".into()));
}

#[test]
fn a_redirect_with_another_state_or_an_error_is_refused() {
    let s = setup();
    let error = s.refused(&mut Redirect(|url: &mut String| {
        let (base, query) = url.split_once('?').unwrap();
        let query = replace_form_value(query.as_bytes(), "state", "forged");
        *url = format!("{base}?{}", String::from_utf8(query).unwrap());
    }));
    assert_eq!(error, IssuanceError::StateMismatch);
    // Another redirect URI, a missing code, garbage: typed refusals.
    for bad in [
        "https://evil.example/issuance/callback?code=a&state=b",
        "https://wallet.citizen.example/issuance/callback?state=b",
        "https://wallet.citizen.example/issuance/callback?code=%zz",
        "\u{0}\u{ff}",
    ] {
        let error = s.refused(&mut Redirect(|url: &mut String| *url = bad.to_owned()));
        assert!(
            matches!(error, IssuanceError::Message(_)),
            "{bad}: {error:?}"
        );
    }
    // The citizen declined.
    let mut session = s.start();
    let before = s.snapshot();
    let url = loop {
        match session.next_step().unwrap() {
            IssuanceStep::Send(request) => {
                let response = s.issuer.handle(&request);
                session
                    .handle_response(response.status, &response.headers, &response.body)
                    .unwrap();
            }
            IssuanceStep::OpenBrowser { url } => break url,
            other => panic!("{other:?}"),
        }
    };
    let denied = s.issuer.deny(&url).unwrap();
    assert_eq!(
        session.provide_redirect(&denied),
        Err(IssuanceError::AuthorizationDenied {
            error: "access_denied".into()
        })
    );
    assert_eq!(session.next_step(), Err(IssuanceError::Failed));
    drop(session);
    assert_eq!(s.snapshot(), before);
    // The pushed request was single use: approving it again fails.
    assert!(s.issuer.approve(&url, s.data.clone()).is_err());
}

/// Re-signs the request's DPoP proof with `key`, keeping its claims.
fn resign_dpop(request: &mut HttpRequest, key: &SigningKey) {
    let claims = verify_dpop_proof(request.header("DPoP").unwrap())
        .unwrap()
        .claims;
    let claims = DpopClaims {
        jti: format!("{}-x", claims.jti),
        ..claims
    };
    let public = p256::PublicKey::from(key.verifying_key());
    let proof = sign_dpop_proof(&public, &claims, |m| {
        let signature: Signature = key.sign(m);
        Ok::<_, ()>(signature.to_bytes().into())
    })
    .unwrap();
    request.headers.retain(|(n, _)| n != "DPoP");
    request.headers.push(("DPoP".into(), proof));
}

#[test]
fn a_dpop_proof_by_another_key_or_a_bearer_use_is_refused() {
    let s = setup();
    let stranger = SigningKey::from_slice(&[42u8; 32]).unwrap();
    let error = s.refused(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "credential" && response.is_none() && request.header("DPoP").is_some() {
                resign_dpop(request, &stranger);
            }
        },
    ));
    assert_eq!(server_error(error), (401, "invalid_dpop_proof".into()));
    // The bound token sent as a bearer token, without a proof.
    let error = s.refused(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "credential" && response.is_none() {
                let token = request
                    .header("Authorization")
                    .unwrap()
                    .replace("DPoP ", "Bearer ");
                request
                    .headers
                    .retain(|(n, _)| n != "DPoP" && n != "Authorization");
                request.headers.push(("Authorization".into(), token));
            }
        },
    ));
    assert_eq!(server_error(error), (401, "invalid_token".into()));
    // A proof for another URL.
    let error = s.refused(&mut Exchanges(
        |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
            if name == "token" && response.is_none() {
                request.url = format!("{ISSUER_ID}/token?x=1");
                let key = SigningKey::from_slice(&[43u8; 32]).unwrap();
                let public = p256::PublicKey::from(key.verifying_key());
                let proof = sign_dpop_proof(
                    &public,
                    &DpopClaims {
                        jti: "j".into(),
                        htm: "POST".into(),
                        htu: format!("{ISSUER_ID}/credential"),
                        iat: s.world.now.unix_seconds(),
                        ath: None,
                        nonce: None,
                    },
                    |m| {
                        let signature: Signature = key.sign(m);
                        Ok::<_, ()>(signature.to_bytes().into())
                    },
                )
                .unwrap();
                request.headers.retain(|(n, _)| n != "DPoP");
                request.headers.push(("DPoP".into(), proof));
            }
        },
    ));
    assert_eq!(server_error(error), (400, "invalid_dpop_proof".into()));
}

#[test]
fn garbage_at_the_new_steps_is_a_typed_error_and_stores_nothing() {
    let s = setup();
    let garbage: [(u16, &[u8]); 5] = [
        (201, b""),
        (201, b"\xff\xfe{"),
        (200, b"{}"),
        (200, b"[1,2,3]"),
        (500, b"<html>oops</html>"),
    ];
    for step in ["as-metadata", "par", "token"] {
        for (status, body) in garbage {
            let error = s.refused(&mut Exchanges(
                |name, _: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                    if let Some(response) = response
                        && name == step
                    {
                        response.status = status;
                        response.body = body.to_vec();
                        response.headers.clear();
                    }
                },
            ));
            let typed = match &error {
                IssuanceError::Message(_) | IssuanceError::Protocol(_) => status < 300,
                IssuanceError::Server { error, .. } => error == "unknown",
                _ => false,
            };
            assert!(typed, "{step} {status}: {error:?}");
        }
    }
    // Calls out of order.
    let mut session = s.start();
    assert_eq!(
        session.provide_redirect(REDIRECT),
        Err(IssuanceError::WrongState)
    );
    assert_eq!(session.provide_tx_code("1"), Err(IssuanceError::WrongState));
    // A garbage notification answer changes nothing: the batch is stored.
    let summary = s
        .issue(&mut Exchanges(
            |name, _: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                if let (Some(response), "notification") = (response, name) {
                    response.status = 500;
                    response.body = b"\xff".to_vec();
                }
            },
        ))
        .unwrap();
    assert_eq!(summary.copies_left, 10);
}

#[test]
fn without_dpop_the_tokens_are_bearer_tokens_and_no_dpop_key_is_kept() {
    let s = setup_with(|_| {});
    let mut schemes = Vec::new();
    let summary = s
        .issue(&mut Exchanges(
            |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                if name == "credential" && response.is_none() {
                    schemes.push(
                        request
                            .header("Authorization")
                            .unwrap()
                            .split(' ')
                            .next()
                            .unwrap()
                            .to_owned(),
                    );
                    assert!(request.header("DPoP").is_none());
                }
            },
        ))
        .unwrap();
    assert_eq!(schemes, ["Bearer"]);
    assert_eq!(s.world.wallet.secure_area().list_keys().unwrap().len(), 10);
    // A refresh with a bearer refresh token works too.
    let refreshed = s
        .world
        .wallet
        .start_refresh(&summary.id, s.options())
        .unwrap();
    let mut refreshed = refreshed;
    assert_eq!(
        s.drive(&mut refreshed, &mut NoTamper).unwrap().copies_left,
        10
    );
    assert_eq!(s.world.wallet.secure_area().list_keys().unwrap().len(), 10);
}

#[test]
fn the_display_name_and_logo_follow_the_citizens_locale() {
    let s = setup_with(|config| {
        config.credential_display.push((
            UK_DIGITAL_ID.into(),
            mdoc::openid4vci::metadata::Display {
                name: Some("ID digidol y DU".into()),
                locale: Some("cy-GB".into()),
                logo: Some(mdoc::openid4vci::metadata::Logo {
                    uri: "https://issuer.example/logo-cy.png".into(),
                    alt_text: None,
                }),
                ..Default::default()
            },
        ));
    });
    let mut session = s
        .world
        .wallet
        .start_issuance(
            &s.issuer
                .offer_authorization_code(UK_DIGITAL_ID)
                .unwrap()
                .uri,
            IssuanceOptions {
                locale: "cy-GB".into(),
                ..s.options()
            },
        )
        .unwrap();
    let summary = s.drive(&mut session, &mut NoTamper).unwrap();
    assert_eq!(summary.display_name, "ID digidol y DU");
    assert_eq!(
        summary.logo_uri.as_deref(),
        Some("https://issuer.example/logo-cy.png")
    );
    // Another locale falls back to English (the registry's name), without a logo.
    let mut session = s
        .world
        .wallet
        .start_issuance(
            &s.issuer
                .offer_authorization_code(UK_DIGITAL_ID)
                .unwrap()
                .uri,
            IssuanceOptions {
                locale: "fr-FR".into(),
                ..s.options()
            },
        )
        .unwrap();
    let summary = s.drive(&mut session, &mut NoTamper).unwrap();
    assert_eq!(
        summary.display_name,
        mdoc::registry::doc_type(UK_DIGITAL_ID)
            .unwrap()
            .display_name
    );
    assert_eq!(summary.logo_uri, None);
}

/// A secure area that also holds a wallet-provider key attestation for its keys.
struct AttestingArea {
    inner: Arc<dyn SecureArea>,
    provider: SigningKey,
    asked: Mutex<usize>,
}

impl SecureArea for AttestingArea {
    fn create_key(&self, alias: &str) -> Result<p256::PublicKey, SecureAreaError> {
        self.inner.create_key(alias)
    }
    fn public_key(&self, alias: &str) -> Result<p256::PublicKey, SecureAreaError> {
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: &str, message: &[u8]) -> Result<[u8; 64], SecureAreaError> {
        self.inner.sign(alias, message)
    }
    fn key_agreement(
        &self,
        alias: &str,
        peer: &p256::PublicKey,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>, SecureAreaError> {
        self.inner.key_agreement(alias, peer)
    }
    fn delete_key(&self, alias: &str) -> Result<(), SecureAreaError> {
        self.inner.delete_key(alias)
    }
    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError> {
        self.inner.list_keys()
    }
    fn key_attestation(
        &self,
        aliases: &[String],
        nonce: Option<&str>,
    ) -> Result<Option<String>, SecureAreaError> {
        *self.asked.lock().unwrap() += 1;
        let keys = aliases
            .iter()
            .map(|a| self.inner.public_key(a))
            .collect::<Result<Vec<_>, _>>()?;
        sign_key_attestation(&keys, 1_800_000_000, nonce, |m| {
            let signature: Signature = self.provider.sign(m);
            Ok(signature.to_bytes().into())
        })
        .map(Some)
    }
}

#[test]
fn a_key_attestation_is_sent_when_the_issuer_requires_one() {
    let provider = SigningKey::from_slice(&[77u8; 32]).unwrap();
    let provider_public = p256::PublicKey::from(provider.verifying_key());
    let s = setup_with(|config| config.key_attestation_signer = Some(provider_public));
    // Without one, the issuer refuses the proofs.
    let error = s.refused(&mut NoTamper);
    assert_eq!(server_error(error), (400, "invalid_proof".into()));
    let (_dir, attested_wallet, area) = attesting_wallet(&s, provider);
    let offer = s.issuer.offer_authorization_code(UK_DIGITAL_ID).unwrap();
    let mut session = attested_wallet
        .start_issuance(&offer.uri, s.options())
        .unwrap();
    let mut attested = 0;
    let summary = s
        .drive(
            &mut session,
            &mut Exchanges(
                |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                    if name == "credential" && response.is_none() {
                        let body = CredentialRequest::from_json(&request.body).unwrap();
                        for proof in body.jwt_proofs().unwrap() {
                            attested += usize::from(
                                verify_jwt_proof(proof).unwrap().key_attestation.is_some(),
                            );
                        }
                    }
                },
            ),
        )
        .unwrap();
    assert_eq!(summary.copies_left, 10);
    assert_eq!(*area.asked.lock().unwrap(), 1);
    assert_eq!(attested, 10);
}

/// A wallet whose secure area attests its keys with `provider`'s signature.
fn attesting_wallet(
    s: &Setup,
    provider: SigningKey,
) -> (tempfile::TempDir, wallet::Wallet, Arc<AttestingArea>) {
    let dir = tempfile::tempdir().unwrap();
    let key = wallet::keys::WalletKey::from_passphrase_in(dir.path(), b"pass").unwrap();
    let software =
        wallet::secure_area::SoftwareSecureArea::open(&dir.path().join("keys"), &key).unwrap();
    let area = Arc::new(AttestingArea {
        inner: Arc::new(software),
        provider,
        asked: Mutex::new(0),
    });
    let config = wallet::WalletConfig {
        issuer_anchors: s.world.issuer_anchors(),
        ..wallet::WalletConfig::default()
    };
    let wallet = wallet::Wallet::open(
        &dir.path().join("store"),
        &key,
        area.clone(),
        config,
        Arc::new(FixedClock(s.world.now)),
    )
    .unwrap();
    (dir, wallet, area)
}

#[test]
fn the_attestation_proof_type_carries_the_keys_alone() {
    let provider = SigningKey::from_slice(&[78u8; 32]).unwrap();
    let provider_public = p256::PublicKey::from(provider.verifying_key());
    let s = setup_with(|config| {
        config.key_attestation_signer = Some(provider_public);
        config.attestation_proof_type = true;
    });
    // A secure area with no attestation cannot answer: a typed refusal, nothing kept.
    let error = s.refused(&mut NoTamper);
    assert!(matches!(error, IssuanceError::Unsupported(_)), "{error:?}");
    let (_dir, attested_wallet, area) = attesting_wallet(&s, provider);
    let offer = s.issuer.offer_authorization_code(UK_DIGITAL_ID).unwrap();
    let mut session = attested_wallet
        .start_issuance(&offer.uri, s.options())
        .unwrap();
    let mut shapes = Vec::new();
    let summary = s
        .drive(
            &mut session,
            &mut Exchanges(
                |name, request: &mut HttpRequest, response: Option<&mut HttpResponse>| {
                    if name == "credential" && response.is_none() {
                        let body = CredentialRequest::from_json(&request.body).unwrap();
                        let proofs = body.proofs.unwrap();
                        shapes.push((proofs.jwt.is_some(), proofs.attestation.map(|a| a.len())));
                    }
                },
            ),
        )
        .unwrap();
    assert_eq!(summary.copies_left, 10);
    assert_eq!(*area.asked.lock().unwrap(), 1);
    assert_eq!(shapes, [(false, Some(1))]);
    // An attestation by another provider is refused.
    let (_dir2, stranger_wallet, _) =
        attesting_wallet(&s, SigningKey::from_slice(&[79u8; 32]).unwrap());
    let offer = s.issuer.offer_authorization_code(UK_DIGITAL_ID).unwrap();
    let mut session = stranger_wallet
        .start_issuance(&offer.uri, s.options())
        .unwrap();
    let error = s.drive(&mut session, &mut NoTamper).unwrap_err();
    assert_eq!(server_error(error), (400, "invalid_proof".into()));
    assert!(stranger_wallet.credentials().is_empty());
    assert!(
        stranger_wallet
            .secure_area()
            .list_keys()
            .unwrap()
            .is_empty()
    );
}
