use std::sync::Mutex;

use mdoc::cbor;
use mdoc::definitions::{IssuerSigned, MobileSecurityObject};
use mdoc::openid4vci::credential::{CredentialResponse, decode_mdoc_credential};
use mdoc::openid4vci::proof::{ProofClaims, sign_jwt_proof};
use mdoc::openid4vci::token::{PreAuthorizedTokenRequest, TokenResponse};
use mdoc::time::Timestamp;
use p256::ecdsa::{Signature, SigningKey, signature::Signer as _};

use super::*;
use crate::samples::{self, AMELIA};

const ID: &str = "https://issuer.example";

struct TestClock(Mutex<Timestamp>);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().unwrap();
        *now = now.plus_seconds(seconds);
    }
}

struct World {
    clock: Arc<TestClock>,
    service: CredentialIssuerService,
    data: CredentialData,
}

fn world() -> World {
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let clock = Arc::new(TestClock(Mutex::new(now)));
    let data = samples::uk_digital_id(&AMELIA, now.date());
    let authority = TestIssuer::new("Test", "GB", now).unwrap();
    let config = IssuerConfig::new(ID, "Test issuer", &[data.doc_type.as_str()]);
    let service = CredentialIssuerService::new(config, authority, clock.clone());
    World {
        clock,
        service,
        data,
    }
}

fn post(path: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest::post(path, "application/json", body)
}

fn error_code(response: &HttpResponse) -> String {
    ErrorResponse::from_json(&response.body).unwrap().error
}

impl World {
    fn token(&self, tx: Option<&str>, offered: Option<&str>) -> Result<String, HttpResponse> {
        let made = self
            .service
            .offer(self.data.clone(), offered, false)
            .unwrap();
        let code = made
            .offer
            .grants
            .pre_authorized_code
            .unwrap()
            .pre_authorized_code;
        self.redeem(&code, tx)
    }

    fn redeem_response(&self, code: &str) -> HttpResponse {
        let body = PreAuthorizedTokenRequest {
            pre_authorized_code: code.into(),
            tx_code: None,
        }
        .to_form();
        self.service.handle(&HttpRequest::post(
            "/token",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        ))
    }

    fn redeem(&self, code: &str, tx: Option<&str>) -> Result<String, HttpResponse> {
        let body = PreAuthorizedTokenRequest {
            pre_authorized_code: code.into(),
            tx_code: tx.map(str::to_owned),
        }
        .to_form();
        let response = self.service.handle(&HttpRequest::post(
            "/token",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        ));
        if response.status == 200 {
            Ok(TokenResponse::from_json(&response.body)
                .unwrap()
                .access_token)
        } else {
            Err(response)
        }
    }

    fn nonce(&self) -> String {
        let response = self.service.handle(&post("/nonce", Vec::new()));
        assert_eq!(response.header("cache-control"), Some("no-store"));
        NonceResponse::from_json(&response.body).unwrap().c_nonce
    }

    fn now(&self) -> i64 {
        self.clock.now().unix_seconds()
    }

    fn request(&self, token: &str, proofs: Vec<String>) -> HttpResponse {
        let body = serde_json::json!({
            "credential_configuration_id": self.data.doc_type,
            "proofs": {"jwt": proofs},
        });
        self.service.handle(
            &post("/credential", serde_json::to_vec(&body).unwrap())
                .with_header("Authorization", &format!("Bearer {token}")),
        )
    }
}

fn proof(key: &SigningKey, aud: &str, iat: i64, nonce: Option<&str>) -> String {
    let claims = ProofClaims {
        aud: aud.into(),
        iat,
        nonce: nonce.map(str::to_owned),
        iss: None,
    };
    sign_jwt_proof(&PublicKey::from(key.verifying_key()), &claims, |input| {
        let signature: Signature = key.sign(input);
        Ok::<_, ()>(signature.to_bytes().into())
    })
    .unwrap()
}

fn keys(n: u8) -> Vec<SigningKey> {
    (1..=n)
        .map(|i| SigningKey::from_slice(&[i; 32]).unwrap())
        .collect()
}

use p256::PublicKey;

#[test]
fn metadata_is_served_and_parses() {
    let w = world();
    let response = w.service.handle(&HttpRequest::get(ISSUER_WELL_KNOWN));
    assert_eq!(response.status, 200);
    let metadata = CredentialIssuerMetadata::from_json(&response.body, ID).unwrap();
    assert_eq!(metadata.batch_size(), 10);
    assert!(
        metadata.credential_configurations_supported[&w.data.doc_type].is_mdoc(&w.data.doc_type)
    );
    let response = w.service.handle(&HttpRequest::get(AS_WELL_KNOWN));
    let as_metadata = AuthorizationServerMetadata::from_json(&response.body, ID).unwrap();
    assert_eq!(as_metadata.token_endpoint, format!("{ID}/token"));
    assert_eq!(w.service.handle(&HttpRequest::get("/nope")).status, 404);
    assert_eq!(w.service.handle(&HttpRequest::get("/token")).status, 405);
}

#[test]
fn a_batch_is_issued_one_fresh_credential_per_proof() {
    let w = world();
    let token = w.token(Some("493536"), Some("493536")).unwrap();
    let nonce = w.nonce();
    let signers = keys(3);
    let proofs = signers
        .iter()
        .map(|k| proof(k, ID, w.now(), Some(&nonce)))
        .collect();
    let response = w.request(&token, proofs);
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let CredentialResponse::Issued { credentials, .. } =
        CredentialResponse::from_json(&response.body).unwrap()
    else {
        panic!("issued");
    };
    assert_eq!(credentials.len(), 3);
    let mut signatures = BTreeSet::new();
    let mut salts = BTreeSet::new();
    for (credential, signer) in credentials.iter().zip(&signers) {
        let bytes = decode_mdoc_credential(credential).unwrap();
        let signed: IssuerSigned = cbor::from_slice(&bytes).unwrap();
        let sign1 = mdoc::cose::CoseSign1::from_value(&signed.issuer_auth).unwrap();
        let mso =
            mdoc::cbor::Tagged::<MobileSecurityObject>::from_encoded(sign1.payload().unwrap())
                .unwrap()
                .value()
                .clone();
        assert_eq!(
            *mso.device_key_info.device_key.public_key(),
            PublicKey::from(signer.verifying_key())
        );
        assert!(signatures.insert(cbor::encode(&signed.issuer_auth)));
        for (_, item) in signed.items() {
            assert!(
                salts.insert(item.random.clone()),
                "a salt repeats across copies"
            );
        }
    }
}

use std::collections::BTreeSet;

#[test]
fn tokens_need_the_right_transaction_code_and_codes_are_single_use() {
    let w = world();
    assert_eq!(
        error_code(&w.token(Some("000000"), Some("493536")).unwrap_err()),
        "invalid_grant"
    );
    assert_eq!(
        error_code(&w.token(None, Some("493536")).unwrap_err()),
        "invalid_request"
    );
    assert_eq!(
        error_code(&w.token(Some("1"), None).unwrap_err()),
        "invalid_request"
    );
    let made = w.service.offer(w.data.clone(), Some("12"), false).unwrap();
    let code = made
        .offer
        .grants
        .pre_authorized_code
        .unwrap()
        .pre_authorized_code;
    for _ in 0..3 {
        assert_eq!(
            error_code(&w.redeem(&code, Some("99")).unwrap_err()),
            "invalid_grant"
        );
    }
    // Revoked after three wrong codes: even the right one fails now.
    assert_eq!(
        error_code(&w.redeem(&code, Some("12")).unwrap_err()),
        "invalid_grant"
    );
    let made = w.service.offer(w.data.clone(), None, false).unwrap();
    let code = made
        .offer
        .grants
        .pre_authorized_code
        .unwrap()
        .pre_authorized_code;
    w.redeem(&code, None).unwrap();
    assert_eq!(
        error_code(&w.redeem(&code, None).unwrap_err()),
        "invalid_grant"
    );
    let made = w.service.offer(w.data.clone(), None, false).unwrap();
    let code = made
        .offer
        .grants
        .pre_authorized_code
        .unwrap()
        .pre_authorized_code;
    w.clock.advance(601);
    assert_eq!(
        error_code(&w.redeem(&code, None).unwrap_err()),
        "invalid_grant"
    );
    for body in [&b""[..], b"grant_type=password", b"\xff\xfe"] {
        let response = w
            .service
            .handle(&HttpRequest::post("/token", "x", body.to_vec()));
        assert_eq!(error_code(&response), "invalid_request");
    }
}

#[test]
fn proofs_are_checked_and_nonces_are_single_use() {
    let w = world();
    let token = w.token(None, None).unwrap();
    let [a, b] = <[SigningKey; 2]>::try_from(keys(2)).unwrap();
    let nonce = w.nonce();
    let cases = [
        (
            vec![proof(&a, "https://other.example", w.now(), Some(&nonce))],
            "invalid_proof",
        ),
        (
            vec![proof(&a, ID, w.now() - 61, Some(&nonce))],
            "invalid_proof",
        ),
        (
            vec![proof(&a, ID, w.now() + 7, Some(&nonce))],
            "invalid_proof",
        ),
        (vec![proof(&a, ID, w.now(), None)], "invalid_proof"),
        (
            vec![proof(&a, ID, w.now(), Some("made-up"))],
            "invalid_nonce",
        ),
        (
            vec![
                proof(&a, ID, w.now(), Some(&nonce)),
                proof(&a, ID, w.now(), Some(&nonce)),
            ],
            "invalid_proof",
        ),
        (vec!["x.y.z".into()], "invalid_proof"),
        (
            vec![proof(&b, ID, w.now(), Some(&nonce)); 11],
            "invalid_credential_request",
        ),
    ];
    for (proofs, expected) in cases {
        let response = w.request(&token, proofs);
        assert_eq!(
            (response.status, error_code(&response).as_str()),
            (400, expected)
        );
    }
    // None of the refusals used the nonce up; a good request does, and its replay fails.
    let good = vec![proof(&a, ID, w.now(), Some(&nonce))];
    assert_eq!(w.request(&token, good.clone()).status, 200);
    assert_eq!(error_code(&w.request(&token, good)), "invalid_nonce");
    // An expired nonce.
    let nonce = w.nonce();
    w.clock.advance(301);
    let token = w.token(None, None).unwrap();
    assert_eq!(
        error_code(&w.request(&token, vec![proof(&a, ID, w.now(), Some(&nonce))])),
        "invalid_nonce"
    );
}

#[test]
fn the_credential_endpoint_needs_a_live_token_and_a_well_formed_request() {
    let w = world();
    let token = w.token(None, None).unwrap();
    let nonce = w.nonce();
    let a = &keys(1)[0];
    let response = w.request("wrong", vec![proof(a, ID, w.now(), Some(&nonce))]);
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    let no_auth = w.service.handle(&post("/credential", b"{}".to_vec()));
    assert_eq!(no_auth.status, 401);
    for body in [
        &b""[..],
        b"{}",
        b"[]",
        br#"{"credential_configuration_id":"other","proofs":{"jwt":["a"]}}"#,
        br#"{"credential_identifier":"x"}"#,
        br#"{"credential_configuration_id":"x","credential_identifier":"x"}"#,
    ] {
        let response = w.service.handle(
            &post("/credential", body.to_vec())
                .with_header("authorization", &format!("bearer {token}")),
        );
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(body));
    }
    w.clock.advance(301);
    let nonce = w.nonce();
    let response = w.request(&token, vec![proof(a, ID, w.now(), Some(&nonce))]);
    assert_eq!(response.status, 401, "the token expired");
}

#[test]
fn deferred_issuance_answers_202_until_ready() {
    let w = world();
    let made = w.service.offer(w.data.clone(), None, true).unwrap();
    let code = made
        .offer
        .grants
        .pre_authorized_code
        .unwrap()
        .pre_authorized_code;
    let token = w.redeem(&code, None).unwrap();
    let nonce = w.nonce();
    let signers = keys(2);
    let proofs = signers
        .iter()
        .map(|k| proof(k, ID, w.now(), Some(&nonce)))
        .collect();
    let response = w.request(&token, proofs);
    assert_eq!(response.status, 202);
    let CredentialResponse::Deferred { transaction_id, .. } =
        CredentialResponse::from_json(&response.body).unwrap()
    else {
        panic!("deferred");
    };
    let poll = |id: &str, token: &str| {
        w.service.handle(
            &post(
                "/deferred_credential",
                format!(r#"{{"transaction_id":"{id}"}}"#).into_bytes(),
            )
            .with_header("Authorization", &format!("Bearer {token}")),
        )
    };
    assert_eq!(poll(&transaction_id, &token).status, 202);
    assert_eq!(w.service.pending_deferred(), vec![transaction_id.clone()]);
    assert!(w.service.complete_deferred(&transaction_id));
    let other_token = w.token(None, None).unwrap();
    assert_eq!(
        error_code(&poll(&transaction_id, &other_token)),
        "invalid_transaction_id"
    );
    let response = poll(&transaction_id, &token);
    assert_eq!(response.status, 200);
    assert!(matches!(
        CredentialResponse::from_json(&response.body).unwrap(),
        CredentialResponse::Issued { credentials, .. } if credentials.len() == 2
    ));
    assert_eq!(
        error_code(&poll(&transaction_id, &token)),
        "invalid_transaction_id"
    );
    assert_eq!(
        error_code(&poll("unknown", &token)),
        "invalid_transaction_id"
    );
    assert!(!w.service.complete_deferred("unknown"));
}

#[test]
fn offers_only_configured_doc_types() {
    let w = world();
    let mut other = w.data.clone();
    other.doc_type = "org.example.other".into();
    assert!(w.service.offer(other, None, false).is_err());
    let made = w
        .service
        .offer(w.data.clone(), Some("493536"), false)
        .unwrap();
    let parsed = mdoc::openid4vci::offer::parse_offer_uri(&made.uri).unwrap();
    assert_eq!(
        parsed,
        mdoc::openid4vci::offer::OfferSource::Value(made.offer)
    );
}

mod authorization_code {
    use mdoc::openid4vci::authorization::{
        AuthorizationRedirect, CredentialAuthorizationDetail, OPENID_CREDENTIAL,
        PushedAuthorizationRequest, PushedAuthorizationResponse, authorization_url,
    };
    use mdoc::openid4vci::dpop::{DpopClaims, sign_dpop_proof};
    use mdoc::openid4vci::pkce;
    use mdoc::openid4vci::token::TokenRequest;

    use super::*;

    const REDIRECT: &str = "https://wallet.example/cb";

    fn form(path: &str, body: String) -> HttpRequest {
        HttpRequest::post(path, "application/x-www-form-urlencoded", body.into_bytes())
    }

    /// Pushes a request for `w.data` and returns the authorization URL.
    fn push(w: &World, challenge: &str) -> String {
        let request = PushedAuthorizationRequest {
            client_id: "wallet".into(),
            redirect_uri: REDIRECT.into(),
            code_challenge: challenge.into(),
            state: "s-1".into(),
            authorization_details: vec![CredentialAuthorizationDetail {
                kind: OPENID_CREDENTIAL.into(),
                credential_configuration_id: w.data.doc_type.clone(),
            }],
            issuer_state: None,
        };
        let response = w.service.handle(&form("/par", request.to_form()));
        assert_eq!(response.status, 201);
        let pushed = PushedAuthorizationResponse::from_json(&response.body).unwrap();
        authorization_url(&format!("{ID}/authorize"), "wallet", &pushed.request_uri)
    }

    fn code_of(redirect: &str) -> String {
        match AuthorizationRedirect::parse(redirect, REDIRECT).unwrap() {
            AuthorizationRedirect::Code { code, state, iss } => {
                assert_eq!(state, "s-1");
                assert_eq!(iss.as_deref(), Some(ID));
                code
            }
            AuthorizationRedirect::Error { .. } => panic!("error redirect"),
        }
    }

    fn exchange(w: &World, code: &str, verifier: &str, client_id: &str) -> HttpResponse {
        let request = TokenRequest::AuthorizationCode {
            code: code.into(),
            redirect_uri: REDIRECT.into(),
            code_verifier: verifier.into(),
            client_id: client_id.into(),
        };
        w.service.handle(&form("/token", request.to_form()))
    }

    #[test]
    fn codes_are_single_use_bound_to_pkce_and_client_and_expire() {
        let w = world();
        let verifier = pkce::new_verifier();
        let challenge = pkce::challenge_s256(&verifier);
        let url = push(&w, &challenge);
        assert_eq!(w.service.handle(&HttpRequest::get(&url)).status, 200);
        let code = code_of(&w.service.approve(&url, w.data.clone()).unwrap());
        // The pushed request is single use.
        assert!(w.service.approve(&url, w.data.clone()).is_err());
        assert_eq!(w.service.handle(&HttpRequest::get(&url)).status, 400);
        // Another client, then the right one: the code is spent by the first try.
        let response = exchange(&w, &code, &verifier, "other");
        assert_eq!(
            (response.status, error_code(&response)),
            (400, "invalid_grant".into())
        );
        let response = exchange(&w, &code, &verifier, "wallet");
        assert_eq!(error_code(&response), "invalid_grant");
        // A fresh code: a wrong verifier fails, and so does the right one after it.
        let url = push(&w, &challenge);
        let code = code_of(&w.service.approve(&url, w.data.clone()).unwrap());
        let response = exchange(&w, &code, &pkce::new_verifier(), "wallet");
        assert_eq!(error_code(&response), "invalid_grant");
        // A fresh code used in time works once (with a refresh token); replayed it fails.
        let url = push(&w, &challenge);
        let code = code_of(&w.service.approve(&url, w.data.clone()).unwrap());
        let response = exchange(&w, &code, &verifier, "wallet");
        assert_eq!(response.status, 200);
        let token = TokenResponse::from_json(&response.body).unwrap();
        assert_eq!(token.token_type, "Bearer");
        assert!(token.refresh_token.is_some());
        assert_eq!(
            error_code(&exchange(&w, &code, &verifier, "wallet")),
            "invalid_grant"
        );
        // Expired.
        let url = push(&w, &challenge);
        let code = code_of(&w.service.approve(&url, w.data.clone()).unwrap());
        w.clock.advance(61);
        assert_eq!(
            error_code(&exchange(&w, &code, &verifier, "wallet")),
            "invalid_grant"
        );
        // A request for another credential cannot be approved with this data, and a denial
        // redirects with access_denied.
        let url = push(&w, &challenge);
        let mut other = w.data.clone();
        other.doc_type = "org.iso.18013.5.1.mDL".into();
        assert!(w.service.approve(&url, other).is_err());
        let url = push(&w, &challenge);
        assert!(
            w.service
                .deny(&url)
                .unwrap()
                .contains("error=access_denied")
        );
    }

    #[test]
    fn refresh_tokens_rotate() {
        let w = world();
        let code = w
            .service
            .offer(w.data.clone(), None, false)
            .unwrap()
            .offer
            .grants
            .pre_authorized_code
            .unwrap()
            .pre_authorized_code;
        let first = TokenResponse::from_json(&w.redeem_response(&code).body).unwrap();
        let refresh = first.refresh_token.unwrap();
        let request = |token: &str| {
            let body = TokenRequest::RefreshToken {
                refresh_token: token.into(),
                client_id: "wallet".into(),
            }
            .to_form();
            w.service.handle(&form("/token", body))
        };
        let second = request(&refresh);
        assert_eq!(second.status, 200);
        let second = TokenResponse::from_json(&second.body).unwrap();
        assert_ne!(second.refresh_token.as_deref(), Some(refresh.as_str()));
        assert_eq!(error_code(&request(&refresh)), "invalid_grant");
        assert_eq!(request(&second.refresh_token.unwrap()).status, 200);
    }

    #[test]
    fn bad_requests_at_the_new_endpoints_are_refused() {
        let w = world();
        for body in ["", "response_type=code", "\u{0}", "a=%zz"] {
            let response = w.service.handle(&form("/par", body.into()));
            assert_eq!(
                (response.status, error_code(&response)),
                (400, "invalid_request".into())
            );
            let response = w.service.handle(&form("/token", body.into()));
            assert_eq!(response.status, 400);
        }
        for url in ["/authorize", "/authorize?client_id=wallet&request_uri=nope"] {
            assert_eq!(w.service.handle(&HttpRequest::get(url)).status, 400);
        }
        assert!(w.service.approve("/authorize?x=1", w.data.clone()).is_err());
        assert_eq!(w.service.handle(&HttpRequest::get("/par")).status, 405);
        // The notification endpoint needs a token, then a well-formed request for a known id.
        let response = w.service.handle(&post("/notification", b"{}".to_vec()));
        assert_eq!(response.status, 401);
        let token = w.token(None, None).unwrap();
        let notify = |body: &[u8]| {
            w.service.handle(
                &post("/notification", body.to_vec())
                    .with_header("Authorization", &format!("Bearer {token}")),
            )
        };
        assert_eq!(error_code(&notify(b"\xff")), "invalid_notification_request");
        assert_eq!(
            error_code(&notify(
                br#"{"notification_id":"x","event":"credential_accepted"}"#
            )),
            "invalid_notification_id"
        );
    }

    #[test]
    fn dpop_is_required_when_configured_and_binds_the_token() {
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let clock = Arc::new(TestClock(Mutex::new(now)));
        let data = samples::uk_digital_id(&AMELIA, now.date());
        let mut config = IssuerConfig::new(ID, "Test issuer", &[data.doc_type.as_str()]);
        config.dpop = true;
        let service = CredentialIssuerService::new(
            config,
            TestIssuer::new("Test", "GB", now).unwrap(),
            clock.clone(),
        );
        let metadata = service.authorization_server_metadata();
        assert_eq!(
            metadata.dpop_signing_alg_values_supported,
            Some(vec!["ES256".into()])
        );
        let code = |service: &CredentialIssuerService| {
            service
                .offer(data.clone(), None, false)
                .unwrap()
                .offer
                .grants
                .pre_authorized_code
                .unwrap()
                .pre_authorized_code
        };
        let body = |code: String| {
            PreAuthorizedTokenRequest {
                pre_authorized_code: code,
                tx_code: None,
            }
            .to_form()
        };
        // No proof: refused.
        let response = service.handle(&form("/token", body(code(&service))));
        assert_eq!(error_code(&response), "invalid_dpop_proof");
        let key = SigningKey::from_slice(&[5u8; 32]).unwrap();
        let proof = |htm: &str, htu: &str, jti: &str, iat: i64| {
            let claims = DpopClaims {
                jti: jti.into(),
                htm: htm.into(),
                htu: htu.into(),
                iat,
                ath: None,
                nonce: None,
            };
            sign_dpop_proof(&PublicKey::from(key.verifying_key()), &claims, |m| {
                let signature: Signature = key.sign(m);
                Ok::<_, ()>(signature.to_bytes().into())
            })
            .unwrap()
        };
        let t = now.unix_seconds();
        let htu = format!("{ID}/token");
        for bad in [
            proof("GET", &htu, "a", t),
            proof("POST", &format!("{ID}/credential"), "b", t),
            proof("POST", &htu, "c", t - 61),
            proof("POST", &htu, "d", t + 60),
            "not.a.proof".into(),
        ] {
            let response =
                service.handle(&form("/token", body(code(&service))).with_header("DPoP", &bad));
            assert_eq!(error_code(&response), "invalid_dpop_proof");
        }
        let good = proof("POST", &htu, "e", t);
        let response =
            service.handle(&form("/token", body(code(&service))).with_header("DPoP", &good));
        assert_eq!(response.status, 200);
        assert_eq!(
            TokenResponse::from_json(&response.body).unwrap().token_type,
            "DPoP"
        );
        // The same proof again (its jti is spent).
        let response =
            service.handle(&form("/token", body(code(&service))).with_header("DPoP", &good));
        assert_eq!(error_code(&response), "invalid_dpop_proof");
    }
}
