//! OpenID4VCI 1.0 issuance over real loopback HTTP: the issuer server (`crates/issuer-server`)
//! runs on 127.0.0.1 with an ephemeral port, the test plays the app (sends each request the
//! wallet core builds with a `std::net` client and hands the response back). A batch of 10
//! single-use copies arrives in one credential response and is stored as one document; 10
//! presentations show 10 different MSO signatures, device keys and digests; the 11th finds no
//! copy and the summary says "refresh needed"; a new offer refreshes it. Without the test-only
//! loopback switch the wallet refuses the http:// issuer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::{World, http, proximity_check};
use issuer_server::client;
use mdoc::cbor::{self, Tagged};
use mdoc::cose::CoseSign1;
use mdoc::definitions::{DeviceResponse, MobileSecurityObject};
use mdoc::openid4vci::Oid4vciError;
use mdoc::openid4vci::credential::CredentialResponse;
use mdoc::openid4vci::http::HttpRequest;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use wallet::issuance::{IssuanceError, IssuanceOptions};
use wallet::presentation::DeviceAuthMode;
use wallet::store::PresentationPolicy;

fn loopback() -> IssuanceOptions {
    IssuanceOptions {
        allow_insecure_loopback: true,
        ..IssuanceOptions::default()
    }
}

/// The MSO signature, device key and digests of the one document in a DeviceResponse.
fn linkable_values(device_response: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let response: DeviceResponse = cbor::from_slice(device_response).unwrap();
    let document = &response.documents.as_ref().unwrap()[0];
    let issuer_auth = &document.issuer_signed.issuer_auth;
    let sign1 = CoseSign1::from_value(issuer_auth).unwrap();
    let mso = Tagged::<MobileSecurityObject>::from_encoded(sign1.payload().unwrap()).unwrap();
    let mso = mso.value();
    let signature = match issuer_auth {
        cbor::Value::Array(parts) => match parts.last() {
            Some(cbor::Value::Bytes(signature)) => signature.clone(),
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

fn short(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_batch_of_ten_over_loopback_http_each_copy_presented_once_then_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let server = http::start_server(&world).unwrap();
    let base = server.base_url().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let (offer_uri, tx_code) = http::admin_offer(&base, "amelia").unwrap();
    assert!(offer_uri.starts_with("openid-credential-offer://?credential_offer_uri=http"));
    assert_eq!(tx_code.len(), 6);

    let mut exchanges = Vec::new();
    let (summary, count) = http::issue(
        &world.wallet,
        &offer_uri,
        &tx_code,
        loopback(),
        &mut |request, response| {
            let path = request.url.strip_prefix(&base).unwrap_or(&request.url);
            let path = path.split('/').take(2).collect::<Vec<_>>().join("/");
            exchanges.push((request.method.clone(), path, response.status));
            if request.url.ends_with("/credential") {
                let CredentialResponse::Issued { credentials, .. } =
                    CredentialResponse::from_json(&response.body).unwrap()
                else {
                    panic!("issued at once");
                };
                assert_eq!(credentials.len(), 10, "one credential per proof");
            }
        },
    )
    .unwrap();
    // Every step went over the wire: offer by reference, both metadata, token, nonce, batch.
    let methods_and_paths: Vec<(&str, &str, u16)> = exchanges
        .iter()
        .map(|(m, p, s)| (m.as_str(), p.as_str(), *s))
        .collect();
    assert_eq!(
        methods_and_paths,
        [
            ("GET", "/offer", 200),
            ("GET", "/.well-known", 200),
            ("GET", "/.well-known", 200),
            ("POST", "/token", 200),
            ("POST", "/nonce", 200),
            ("POST", "/credential", 200),
        ]
    );
    assert_eq!(count, 6);
    assert_eq!(summary.doc_type, UK_DIGITAL_ID);
    assert_eq!(summary.copies_left, 10);
    assert_eq!(summary.policy, PresentationPolicy::OneTimeUse);
    assert_eq!(world.wallet.credentials().len(), 1, "one document");

    let mut signatures = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut digests = BTreeSet::new();
    for n in 0..10 {
        let check =
            proximity_check(&world, &right_to_work(), |c| c.recommended_selection()).unwrap();
        assert!(check.report.verified(), "presentation {n}");
        let (signature, key, digest) = linkable_values(&check.device_response);
        println!(
            "presentation {:>2}: MSO signature {}…  device key {}…  digests {}…",
            n + 1,
            short(&signature),
            short(&key[key.len() - 8..]),
            short(&digest)
        );
        assert!(signatures.insert(signature), "MSO signature repeats at {n}");
        assert!(keys.insert(key), "device key repeats at {n}");
        assert!(digests.insert(digest), "digests repeat at {n}");
        let left = &world.wallet.credentials()[0];
        assert_eq!(left.copies_left, 9 - n);
        assert_eq!(left.refresh_needed, 9 - n < 2);
    }
    assert_eq!((signatures.len(), keys.len(), digests.len()), (10, 10, 10));

    // The 11th: no copy left, nothing disclosed, and the summary says refresh.
    let summary = &world.wallet.credentials()[0];
    assert_eq!(summary.copies_left, 0);
    assert!(summary.refresh_needed, "refresh needed");
    println!(
        "presentation 11: no copy left; refresh needed = {}",
        summary.refresh_needed
    );
    let eleventh =
        proximity_check(&world, &right_to_work(), |c| c.recommended_selection()).unwrap();
    assert_eq!(eleventh.consent.documents[0].credential_id, None);
    let response: DeviceResponse = cbor::from_slice(&eleventh.device_response).unwrap();
    assert!(response.documents.unwrap_or_default().is_empty());

    // A refresh over HTTP: a new offer brings a new batch.
    let (offer_uri, tx_code) = http::admin_offer(&base, "amelia").unwrap();
    let (refreshed, _) = http::issue(
        &world.wallet,
        &offer_uri,
        &tx_code,
        loopback(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(refreshed.copies_left, 10);
    server.stop();
}

#[test]
fn without_the_test_switch_the_http_issuer_is_refused_and_bad_requests_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let server = http::start_server(&world).unwrap();
    let base = server.base_url().to_owned();
    let (offer_uri, tx_code) = http::admin_offer(&base, "amelia").unwrap();
    let refused = http::issue(
        &world.wallet,
        &offer_uri,
        &tx_code,
        IssuanceOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    let refused = refused.downcast::<IssuanceError>().unwrap();
    assert!(
        matches!(*refused, IssuanceError::Message(Oid4vciError::Invalid(_))),
        "{refused:?}"
    );
    assert!(world.wallet.credentials().is_empty());

    // A wrong tx_code: the server's invalid_grant, typed; nothing stored.
    let wrong = if tx_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let error = http::issue(&world.wallet, &offer_uri, wrong, loopback(), &mut |_, _| {})
        .unwrap_err()
        .downcast::<IssuanceError>()
        .unwrap();
    assert!(
        matches!(&*error, IssuanceError::Server { status: 400, error } if error == "invalid_grant"),
        "{error:?}"
    );
    assert!(world.wallet.credentials().is_empty());

    // The server's own refusals: unknown citizen, unknown path, wrong method, oversized body.
    let post = |path: &str, body: Vec<u8>| {
        client::send(&HttpRequest::post(
            &format!("{base}{path}"),
            "text/plain",
            body,
        ))
        .unwrap()
    };
    assert_eq!(post("/admin/offer", b"mallory".to_vec()).status, 404);
    assert_eq!(post("/admin/revoke", b"{}".to_vec()).status, 400);
    assert_eq!(
        post("/admin/revoke", b"{\"index\":99999999}".to_vec()).status,
        404
    );
    assert_eq!(post("/nowhere", Vec::new()).status, 404);
    assert_eq!(post("/status/list", Vec::new()).status, 405);
    let too_large = post("/token", vec![b'a'; issuer_server::MAX_BODY + 1]);
    assert_eq!(too_large.status, 413);
    let get = client::send(&HttpRequest::get(&format!("{base}/offer/unknown"))).unwrap();
    assert_eq!(get.status, 404);
    server.stop();
}
