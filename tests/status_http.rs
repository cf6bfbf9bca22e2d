//! Revocation and status over real loopback HTTP: the issuer server issues a batch with one
//! status-list index per copy and serves its Token Status List (`application/statuslist+cwt`)
//! and identifier list; an employer's right-to-work check fetches them over HTTP and passes;
//! the issuer suspends, reinstates and finally revokes the document through the server's admin
//! endpoints; the next check (a verifier fetching afresh) reports SUSPENDED, VALID, then INVALID;
//! the wallet fetches its status references over HTTP and shows the credential Revoked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::{World, http, proximity_check};
use issuer_server::client;
use mdoc::cbor;
use mdoc::definitions::{DeviceResponse, IssuerSigned};
use mdoc::openid4vci::http::HttpRequest;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::status::{DEFAULT_MAX_INFLATED, StatusListToken, StatusType, status_reference};
use mdoc::verify::{CheckName, Outcome};
use verifier::status::{CredentialStatus, StatusChecker, StatusPolicy};
use verifier::{DocumentRequest, VerificationReport};
use wallet::issuance::IssuanceOptions;
use wallet::presentation::DeviceAuthMode;
use wallet::status::CredentialState;

/// A right-to-work check by a verifier that fetches the lists over HTTP with a fresh cache.
fn check(world: &World) -> (VerificationReport, Option<CredentialStatus>) {
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let mut check = proximity_check(world, &[request], |c| c.recommended_selection()).unwrap();
    let response: DeviceResponse = cbor::from_slice(&check.device_response).unwrap();
    let mut checker = StatusChecker::new(world.issuer_anchors(), StatusPolicy::default(), 16);
    let (fetched, statuses) =
        http::check_status(&mut checker, &response, &mut check.report, world.now);
    assert!(
        fetched
            .iter()
            .all(|uri| uri.starts_with("http://127.0.0.1:")),
        "{fetched:?}"
    );
    assert!(!fetched.is_empty(), "the verifier fetched the status list");
    (check.report, statuses.into_iter().next().flatten())
}

fn status_outcome(report: &VerificationReport) -> &Outcome {
    &report.documents[0]
        .checks
        .iter()
        .find(|c| c.name == CheckName::CredentialNotRevoked)
        .expect("a status check")
        .outcome
}

#[test]
fn the_issuer_revokes_over_http_and_verifier_and_wallet_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let server = http::start_server(&world).unwrap();
    let base = server.base_url().to_owned();
    let (offer_uri, tx_code) = http::admin_offer(&base, "amelia").unwrap();
    let options = IssuanceOptions {
        allow_insecure_loopback: true,
        ..IssuanceOptions::default()
    };
    let (summary, _) =
        http::issue(&world.wallet, &offer_uri, &tx_code, options, &mut |_, _| {}).unwrap();

    // Each copy has its own index on the server's list.
    let stored = world.wallet.credential(&summary.id).unwrap();
    let indices: Vec<u64> = stored
        .record
        .copies
        .iter()
        .map(|copy| {
            let issuer_signed: IssuerSigned = cbor::from_slice(&copy.issuer_signed).unwrap();
            let reference = status_reference(&issuer_signed).unwrap().unwrap();
            let list = reference.status_list.unwrap();
            assert_eq!(list.uri, format!("{base}/status/list"));
            assert!(reference.identifier_list.is_some());
            list.idx
        })
        .collect();
    let unique: std::collections::BTreeSet<_> = indices.iter().collect();
    assert_eq!(unique.len(), indices.len(), "one index per copy");

    // The list is served with the draft's media type.
    let list = client::send(&HttpRequest::get(&format!("{base}/status/list"))).unwrap();
    assert_eq!(list.status, 200);
    assert_eq!(
        list.header("content-type"),
        Some("application/statuslist+cwt")
    );
    let token = StatusListToken::open(&list.body, DEFAULT_MAX_INFLATED).unwrap();
    assert_eq!(token.claims.sub, format!("{base}/status/list"));
    assert!(
        indices
            .iter()
            .all(|i| token.list.status(*i) == Ok(StatusType::Valid))
    );

    // 1. The right-to-work check passes.
    let (report, status) = check(&world);
    assert!(report.verified(), "{:?}", status);
    assert_eq!(status, Some(CredentialStatus::Valid));
    assert!(matches!(status_outcome(&report), Outcome::Passed));

    // 2. Suspended (by any one copy's index: the whole document follows), then reinstated.
    assert_eq!(
        http::admin_status(&base, "suspend", indices[3]).unwrap(),
        200
    );
    let (report, status) = check(&world);
    assert_eq!(status, Some(CredentialStatus::Suspended));
    assert!(!report.verified());
    assert_eq!(
        http::admin_status(&base, "reinstate", indices[0]).unwrap(),
        200
    );
    let (report, status) = check(&world);
    assert_eq!(status, Some(CredentialStatus::Valid));
    assert!(report.verified());

    // 3. The issuer revokes through the server; the next check reports INVALID.
    assert_eq!(
        http::admin_status(&base, "revoke", indices[1]).unwrap(),
        200
    );
    let (report, status) = check(&world);
    assert_eq!(status, Some(CredentialStatus::Invalid));
    assert!(!report.verified(), "a revoked credential must not verify");
    assert!(!report.documents[0].not_revoked());
    assert!(matches!(status_outcome(&report), Outcome::Failed(_)));
    println!(
        "after revocation: {:?} -> {}",
        status,
        report
            .render(common::label)
            .lines()
            .next()
            .unwrap_or_default()
    );
    // Revocation is final.
    assert_eq!(
        http::admin_status(&base, "reinstate", indices[1]).unwrap(),
        409
    );

    // 4. The wallet fetches its status references over HTTP and shows Revoked.
    let references = world.wallet.status_references();
    assert!(
        references.contains(&format!("{base}/status/list")),
        "{references:?}"
    );
    assert!(http::refresh_wallet_status(&world.wallet).unwrap() >= 1);
    let summary = &world.wallet.credentials()[0];
    let recorded = summary.status.as_ref().expect("a recorded status");
    assert_eq!(recorded.state, CredentialState::Revoked);
    assert_eq!(recorded.checked_at, world.now);
    server.stop();
}
