//! A remote right-to-work check over OpenID4VP 1.0 (DCQL, `mso_mdoc`) in all four response
//! modes — Digital Credentials API in the clear and encrypted (`dc_api`, `dc_api.jwt`), redirect
//! in the clear and encrypted (`direct_post`, `direct_post.jwt`) — holder and verifier. A bad
//! origin, bad nonce, another verifier, tampered ciphertext, downgrade and garbage each end in a
//! clear error or a failed check.

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
use mdoc::online::form;
use mdoc::online::openid4vp::ResponseMode;
use mdoc::profiles::Purpose;
use mdoc::registry::{MDL, UK_DIGITAL_ID};
use serde_json::{Value as Json, json};
use verifier::openid4vp::OpenId4VpRequest;
use verifier::{DocumentRequest, VerifierError};
use wallet::WalletError;
use wallet::openid4vp::{AuthorizationResponse, Channel, OpenId4VpPresentation};
use wallet::presentation::DeviceAuthMode;

const ORIGIN: &str = "https://hr.acme.example";
const RESPONSE_URI: &str = "https://hr.acme.example/openid4vp/response";

fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    (dir, world)
}

fn right_to_work() -> Vec<DocumentRequest> {
    vec![DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )]
}

/// Every mode: the verifier's request, how the wallet receives it, how the answer travels back.
fn modes() -> Vec<(OpenId4VpRequest, String, Channel<'static>)> {
    let dc = |encrypted| OpenId4VpRequest::dc_api(&right_to_work(), ORIGIN, encrypted);
    let redirect =
        |encrypted| OpenId4VpRequest::redirect(&right_to_work(), RESPONSE_URI, encrypted);
    vec![
        {
            let r = dc(false);
            let text = r.request_json();
            (r, text, Channel::DcApi { origin: ORIGIN })
        },
        {
            let r = dc(true);
            let text = r.request_json();
            (r, text, Channel::DcApi { origin: ORIGIN })
        },
        {
            let r = redirect(false);
            let text = r.request_url();
            (r, text, Channel::Redirect)
        },
        {
            let r = redirect(true);
            let text = r.request_json();
            (r, text, Channel::Redirect)
        },
    ]
}

/// What travels back: the JSON object through the DC API, the form body by redirect.
fn body(response: &AuthorizationResponse, mode: ResponseMode) -> String {
    if mode.dc_api() {
        assert_eq!(response.response_uri(), None);
        response.to_json()
    } else {
        assert_eq!(response.response_uri(), Some(RESPONSE_URI));
        response.to_form()
    }
}

fn approve(world: &World, request: &str, channel: Channel<'_>) -> AuthorizationResponse {
    let presentation =
        OpenId4VpPresentation::from_request(&world.wallet, request, channel).unwrap();
    presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap()
}

#[test]
fn a_remote_right_to_work_check_verifies_in_every_mode() {
    let (_dir, world) = world();
    for (request, text, channel) in modes() {
        let mode = request.response_mode();
        let presentation =
            OpenId4VpPresentation::from_request(&world.wallet, &text, channel).unwrap();
        assert_eq!(presentation.response_mode(), mode);
        let consent = presentation.consent();
        assert_eq!(consent.documents[0].purpose, Some(Purpose::RightToWork));
        let shown = if mode.dc_api() { ORIGIN } else { RESPONSE_URI };
        assert_eq!(consent.verifier.origin.as_deref(), Some(shown));
        let response = presentation
            .approve(&consent.recommended_selection())
            .unwrap();
        let sent = body(&response, mode);
        let parameters: Vec<String> = if mode.dc_api() {
            serde_json::from_str::<serde_json::Map<String, Json>>(&sent)
                .unwrap()
                .keys()
                .cloned()
                .collect()
        } else {
            form::decode(&sent)
                .unwrap()
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        let expected: &[&str] = match mode {
            ResponseMode::DcApi => &["vp_token"],
            ResponseMode::DcApiJwt | ResponseMode::DirectPostJwt => &["response"],
            ResponseMode::DirectPost => &["state", "vp_token"],
        };
        let mut parameters = parameters;
        parameters.sort();
        assert_eq!(parameters, expected, "{mode:?}");
        // Nothing personal travels in the clear when encryption was asked for.
        if mode.encrypted() {
            assert!(
                !sent.contains("vp_token") && !sent.contains(TOMASZ.family_name),
                "{mode:?}"
            );
        }
        let reports = request
            .verify(&sent, &world.issuer_anchors(), world.now)
            .unwrap();
        assert_eq!(reports.len(), 1, "{mode:?}");
        assert!(
            reports[0].verified(),
            "{mode:?}: {}",
            reports[0].render(common::label)
        );
        assert_eq!(
            reports[0].documents[0].elements.len(),
            consent.recommended_selection().approved.len()
        );
    }
}

#[test]
fn another_origin_nonce_or_verifier_fails() {
    let (_dir, world) = world();
    for (request, text, channel) in modes() {
        let mode = request.response_mode();
        // Another origin (DC API) or a request relabelled for another verifier (redirect).
        let (elsewhere_text, elsewhere_channel) = if mode.dc_api() {
            (
                text.clone(),
                Channel::DcApi {
                    origin: "https://evil.example",
                },
            )
        } else {
            let mut json: Json = serde_json::from_str(&request.request_json()).unwrap();
            json["client_id"] = json!("redirect_uri:https://evil.example/post");
            json["response_uri"] = json!("https://evil.example/post");
            (json.to_string(), Channel::Redirect)
        };
        let response = approve(&world, &elsewhere_text, elsewhere_channel);
        let mut sent = body_any(&response, mode);
        if !mode.dc_api() {
            sent = retarget_state(&sent, &request);
        }
        let reports = request.verify(&sent, &world.issuer_anchors(), world.now);
        assert!(failed(reports), "{mode:?}: other origin/verifier accepted");

        // Another nonce.
        let mut json: Json = serde_json::from_str(&request.request_json()).unwrap();
        json["nonce"] = json!("another-nonce");
        let response = approve(&world, &json.to_string(), channel);
        let sent = body(&response, mode);
        let reports = request.verify(&sent, &world.issuer_anchors(), world.now);
        assert!(failed(reports), "{mode:?}: other nonce accepted");

        // A response made for another request of the same verifier.
        let (_, other_text, other_channel) = modes()
            .into_iter()
            .find(|(r, _, _)| r.response_mode() == mode)
            .unwrap();
        let response = approve(&world, &other_text, other_channel);
        let sent = body(&response, mode);
        assert!(
            failed(request.verify(&sent, &world.issuer_anchors(), world.now)),
            "{mode:?}: response to another request accepted"
        );
    }
}

fn body_any(response: &AuthorizationResponse, mode: ResponseMode) -> String {
    if mode.dc_api() {
        response.to_json()
    } else {
        response.to_form()
    }
}

/// Puts the request's own state on a form, so only the transcript can catch the substitution.
fn retarget_state(form_body: &str, request: &OpenId4VpRequest) -> String {
    let state: Json = serde_json::from_str(&request.request_json()).unwrap();
    let state = state["state"].as_str().unwrap().to_owned();
    let pairs: Vec<(String, String)> = form::decode(form_body)
        .unwrap()
        .into_iter()
        .map(|(n, v)| {
            if n == "state" {
                (n, state.clone())
            } else {
                (n, v)
            }
        })
        .collect();
    form::encode(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// An error, or a report that does not verify.
fn failed(result: Result<Vec<verifier::VerificationReport>, VerifierError>) -> bool {
    match result {
        Err(_) => true,
        Ok(reports) => reports.iter().all(|r| !r.verified()),
    }
}

#[test]
fn tampered_ciphertext_downgrade_and_garbage_fail_clearly() {
    let (_dir, world) = world();
    for (request, text, channel) in modes() {
        let mode = request.response_mode();
        let response = approve(&world, &text, channel);
        let sent = body(&response, mode);
        if mode.encrypted() {
            // Flip one bit of the ciphertext, then of the tag.
            let jwe = if mode.dc_api() {
                serde_json::from_str::<Json>(&sent).unwrap()["response"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            } else {
                form::decode(&sent).unwrap()[0].1.clone()
            };
            for part in [3, 4] {
                let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
                let mut bytes = mdoc::online::dcapi::decode_field(&parts[part]).unwrap();
                bytes[0] ^= 1;
                parts[part] = mdoc::online::dcapi::encode_field(&bytes);
                let tampered = json!({"response": parts.join(".")}).to_string();
                assert_eq!(
                    request.verify(&tampered, &world.issuer_anchors(), world.now),
                    Err(VerifierError::Session(
                        mdoc::session::SessionError::Decryption
                    )),
                    "{mode:?}"
                );
            }
            // A response in the clear where encryption was asked for is a downgrade.
            let clear = json!({"vp_token": {"q0": ["oA"]}}).to_string();
            assert_eq!(
                request.verify(&clear, &world.issuer_anchors(), world.now),
                Err(VerifierError::Response(
                    "an encrypted response was required"
                ))
            );
        } else {
            // Flip one bit near the end of the DeviceResponse (inside the device signature).
            let token = if mode.dc_api() {
                serde_json::from_str::<Json>(&sent).unwrap()["vp_token"].clone()
            } else {
                let fields = form::decode(&sent).unwrap();
                let text = &fields.iter().find(|(n, _)| n == "vp_token").unwrap().1;
                serde_json::from_str(text).unwrap()
            };
            let mut token = token;
            let text = token["q0"][0].as_str().unwrap().to_owned();
            let mut bytes = mdoc::online::dcapi::decode_field(&text).unwrap();
            let at = bytes.len() - 10;
            bytes[at] ^= 1;
            token["q0"][0] = json!(mdoc::online::dcapi::encode_field(&bytes));
            let mut tampered = json!({ "vp_token": token });
            if !mode.dc_api() {
                let state: Json = serde_json::from_str(&request.request_json()).unwrap();
                tampered["state"] = state["state"].clone();
            }
            assert!(
                failed(request.verify(&tampered.to_string(), &world.issuer_anchors(), world.now)),
                "{mode:?}"
            );
        }
        for garbage in [
            "",
            "[]",
            "{}",
            "{\"vp_token\": 1}",
            "vp_token=%",
            "response=abc",
        ] {
            assert!(
                request
                    .verify(garbage, &world.issuer_anchors(), world.now)
                    .is_err(),
                "{mode:?} {garbage}"
            );
        }
    }
}

#[test]
fn garbage_and_unsupported_requests_are_refused_clearly() {
    let (_dir, world) = world();
    let dc = Channel::DcApi { origin: ORIGIN };
    let refused = |request: &str, channel| {
        OpenId4VpPresentation::from_request(&world.wallet, request, channel).unwrap_err()
    };
    for garbage in ["", "{}", "[", "{\"response_type\":1}", "openid4vp://?a=%zz"] {
        assert!(
            matches!(
                refused(garbage, dc),
                WalletError::Malformed(_) | WalletError::Unsupported(_)
            ),
            "{garbage}"
        );
    }
    let base = |extra: Json| {
        let mut request = json!({"response_type": "vp_token", "response_mode": "dc_api", "nonce": "n",
            "dcql_query": {"credentials": [{"id": "q", "format": "mso_mdoc", "meta": {"doctype_value": UK_DIGITAL_ID}}]}});
        for (k, v) in extra.as_object().unwrap() {
            request[k] = v.clone();
        }
        request.to_string()
    };
    let unsupported = [
        (base(json!({"request_uri": "https://v.example/r"})), dc),
        (base(json!({"response_type": "code"})), dc),
        (base(json!({"response_mode": "fragment"})), dc),
        // dc_api.jwt without a usable key.
        (
            base(
                json!({"response_mode": "dc_api.jwt", "client_metadata": {"jwks": {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}}}),
            ),
            dc,
        ),
        (
            base(
                json!({"response_mode": "dc_api.jwt", "client_metadata": {"jwks": {"keys": [mdoc::online::jwe::p256_jwk(&mdoc::rng::new_p256_secret_key().public_key())]},
            "encrypted_response_enc_values_supported": ["A128CBC-HS256"]}}),
            ),
            dc,
        ),
        // An unsigned redirect request may only use the redirect_uri: prefix, for its own URI.
        (
            base(
                json!({"response_mode": "direct_post", "client_id": "x509_san_dns:v.example", "response_uri": RESPONSE_URI}),
            ),
            Channel::Redirect,
        ),
        (
            base(
                json!({"response_mode": "direct_post", "client_id": "redirect_uri:https://other.example", "response_uri": RESPONSE_URI}),
            ),
            Channel::Redirect,
        ),
    ];
    for (request, channel) in unsupported {
        assert!(
            matches!(refused(&request, channel), WalletError::Unsupported(_)),
            "{request}"
        );
    }
    let malformed = [
        (base(json!({"nonce": ""})), dc),
        (base(json!({"dcql_query": {"credentials": []}})), dc),
        (base(json!({"response_mode": "dc_api.jwt"})), dc),
        // A DC API mode arriving by redirect, and the reverse.
        (base(json!({})), Channel::Redirect),
        (
            base(
                json!({"response_mode": "direct_post", "client_id": format!("redirect_uri:{RESPONSE_URI}"), "response_uri": RESPONSE_URI}),
            ),
            dc,
        ),
    ];
    for (request, channel) in malformed {
        assert!(
            matches!(refused(&request, channel), WalletError::Malformed(_)),
            "{request}"
        );
    }
}

#[test]
fn credential_sets_pick_what_the_citizen_holds_and_declining_says_so() {
    let (_dir, world) = world();
    // The verifier accepts an mDL or the UK digital ID; the citizen holds only the latter.
    let request = json!({
        "response_type": "vp_token", "response_mode": "dc_api", "nonce": "n-123",
        "dcql_query": {
            "credentials": [
                {"id": "mdl", "format": "mso_mdoc", "meta": {"doctype_value": MDL},
                 "claims": [{"path": ["org.iso.18013.5.1", "family_name"]}]},
                {"id": "ukid", "format": "mso_mdoc", "meta": {"doctype_value": UK_DIGITAL_ID},
                 "claims": [{"id": "n", "path": ["org.iso.18013.5.1", "no_such_element"]},
                            {"id": "f", "path": ["org.iso.18013.5.1", "family_name"]}],
                 "claim_sets": [["n"], ["f"]]}
            ],
            "credential_sets": [{"options": [["mdl"], ["ukid"]]}]
        }
    })
    .to_string();
    let presentation = OpenId4VpPresentation::from_request(
        &world.wallet,
        &request,
        Channel::DcApi { origin: ORIGIN },
    )
    .unwrap();
    let consent = presentation.consent();
    assert_eq!(consent.documents.len(), 1);
    assert_eq!(consent.documents[0].doc_type, UK_DIGITAL_ID);
    // The first claim set asks for an element not held, so the second is used.
    let asked: Vec<&str> = consent.documents[0]
        .elements
        .iter()
        .map(|e| e.identifier.as_str())
        .collect();
    assert_eq!(asked, ["family_name"]);
    let response = presentation
        .approve(&consent.recommended_selection())
        .unwrap();
    let token: Json = serde_json::from_str(&response.to_json()).unwrap();
    assert!(token["vp_token"]["ukid"].is_array() && token["vp_token"].get("mdl").is_none());

    let declined: Json = serde_json::from_str(&presentation.decline().to_json()).unwrap();
    assert_eq!(declined, json!({"error": "access_denied"}));
    let verifier_request = OpenId4VpRequest::redirect(&right_to_work(), RESPONSE_URI, true);
    let presentation = OpenId4VpPresentation::from_request(
        &world.wallet,
        &verifier_request.request_url(),
        Channel::Redirect,
    )
    .unwrap();
    assert_eq!(
        verifier_request.verify(
            &presentation.decline().to_form(),
            &world.issuer_anchors(),
            world.now
        ),
        Err(VerifierError::WalletDeclined)
    );
}
