//! A remote right-to-work check over OpenID4VP 1.0 (DCQL, `mso_mdoc`, Digital Credentials API
//! response mode `dc_api`): bad origin, bad nonce, tampered token and garbage each fail.

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
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use verifier::openid4vp::OpenId4VpRequest;
use wallet::openid4vp::{OpenId4VpPresentation, parse_dcql};
use wallet::presentation::DeviceAuthMode;

const ORIGIN: &str = "https://hr.acme.example";

fn setup() -> (tempfile::TempDir, World, OpenId4VpRequest) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    let request = OpenId4VpRequest::new(
        &[DocumentRequest::for_purpose(
            Purpose::RightToWork,
            UK_DIGITAL_ID,
        )],
        ORIGIN,
    );
    (dir, world, request)
}

#[test]
fn a_remote_right_to_work_check_over_openid4vp_verifies() {
    let (_dir, world, request) = setup();
    let presentation =
        OpenId4VpPresentation::from_dc_api_request(&world.wallet, request.request_json(), ORIGIN)
            .unwrap();
    let consent = presentation.consent();
    assert_eq!(consent.documents[0].purpose, Some(Purpose::RightToWork));
    let token = presentation
        .approve(&consent.recommended_selection())
        .unwrap();
    let reports = request
        .verify(&token, &world.issuer_anchors(), world.now)
        .unwrap();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].verified(),
        "{}",
        reports[0].render(common::label)
    );
    assert_eq!(
        reports[0].documents[0].elements.len(),
        consent.recommended_selection().approved.len()
    );
}

#[test]
fn another_origin_or_nonce_fails() {
    let (_dir, world, request) = setup();
    let elsewhere = OpenId4VpPresentation::from_dc_api_request(
        &world.wallet,
        request.request_json(),
        "https://evil.example",
    )
    .unwrap();
    let token = elsewhere
        .approve(&elsewhere.consent().recommended_selection())
        .unwrap();
    let reports = request
        .verify(&token, &world.issuer_anchors(), world.now)
        .unwrap();
    assert!(!reports[0].verified());

    let mut json: serde_json::Value = serde_json::from_str(request.request_json()).unwrap();
    json["nonce"] = serde_json::Value::String("another-nonce".into());
    let replayed =
        OpenId4VpPresentation::from_dc_api_request(&world.wallet, &json.to_string(), ORIGIN)
            .unwrap();
    let token = replayed
        .approve(&replayed.consent().recommended_selection())
        .unwrap();
    assert!(
        !request
            .verify(&token, &world.issuer_anchors(), world.now)
            .unwrap()[0]
            .verified()
    );
}

#[test]
fn tampered_tokens_and_garbage_fail_clearly() {
    let (_dir, world, request) = setup();
    let presentation =
        OpenId4VpPresentation::from_dc_api_request(&world.wallet, request.request_json(), ORIGIN)
            .unwrap();
    let token = presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&token).unwrap();
    let text = json["q0"][0].as_str().unwrap().to_owned();
    let mut bytes = mdoc::online::dcapi::decode_field(&text).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 1;
    json["q0"][0] = serde_json::Value::String(mdoc::online::dcapi::encode_field(&bytes));
    let report = request.verify(&json.to_string(), &world.issuer_anchors(), world.now);
    assert!(report.is_err() || !report.unwrap()[0].verified());
    for garbage in [
        "",
        "[]",
        "{}",
        "{\"q9\": [\"oA\"]}",
        "{\"q0\": [\"!!\"]}",
        "{\"q0\": 1}",
    ] {
        assert!(
            request
                .verify(garbage, &world.issuer_anchors(), world.now)
                .is_err(),
            "{garbage}"
        );
    }
    for bad in [
        "",
        "{}",
        r#"{"response_type":"vp_token","response_mode":"dc_api.jwt","nonce":"n","dcql_query":{"credentials":[]}}"#,
        r#"{"response_type":"vp_token","response_mode":"dc_api","nonce":"n","dcql_query":{"credentials":[{"id":"a","format":"dc+sd-jwt"}]}}"#,
        r#"{"response_type":"vp_token","response_mode":"dc_api","nonce":"","dcql_query":{"credentials":[]}}"#,
    ] {
        assert!(
            OpenId4VpPresentation::from_dc_api_request(&world.wallet, bad, ORIGIN).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn dcql_claim_sets_choose_the_first_set() {
    let query: serde_json::Value = serde_json::from_str(
        r#"{"credentials":[{"id":"pid","format":"mso_mdoc","meta":{"doctype_value":"eu.europa.ec.eudi.pid.1"},
            "claims":[{"id":"a","path":["eu.europa.ec.eudi.pid.1","age_over_18"]},
                      {"id":"b","path":["eu.europa.ec.eudi.pid.1","birth_date"],"intent_to_retain":true}],
            "claim_sets":[["a"],["b"]]}]}"#,
    )
    .unwrap();
    let parsed = parse_dcql(&query).unwrap();
    assert_eq!(
        parsed[0].claims,
        vec![(
            "eu.europa.ec.eudi.pid.1".to_owned(),
            "age_over_18".to_owned(),
            false
        )]
    );
    assert_eq!(parsed[0].doc_type, "eu.europa.ec.eudi.pid.1");
}
