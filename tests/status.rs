//! End-to-end revocation and status: issuer status lists, the verifier's "Credential not
//! revoked" check with its cache and policy, and the wallet's status records and consent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::{World, proximity_check};
use issuer::ValidityWindow;
use issuer::samples::{self, AMELIA};
use issuer::status::{IdentifierListIssuer, StatusListIssuer, StatusSigner};
use issuer::{CredentialData, TestIssuer};
use mdoc::definitions::DeviceResponse;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::status::{
    Bits, StatusError, StatusList, StatusListRef, StatusListToken, StatusReference, TokenClaims,
};
use mdoc::time::Timestamp;
use mdoc::verify::{CheckName, Outcome};
use verifier::status::{CredentialStatus, Fetched, StatusChecker, StatusPolicy, Undetermined};
use verifier::{DocumentRequest, VerificationReport};
use wallet::presentation::DeviceAuthMode;
use wallet::status::CredentialState;

const LIST_URI: &str = "https://status.digital-identity.example/lists/1";
const DAY: i64 = 86_400;

struct Setup {
    _dir: tempfile::TempDir,
    world: World,
    signer: StatusSigner,
    list: StatusListIssuer,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let signer = world.issuer.new_status_signer().unwrap();
    let list = StatusListIssuer::new(LIST_URI, Bits::Two, 1024).unwrap();
    Setup {
        _dir: dir,
        world,
        signer,
        list,
    }
}

fn amelia() -> CredentialData {
    samples::uk_digital_id(&AMELIA, common::NOW.date())
}

/// Provisions a credential whose MSO carries `status`.
fn provision(world: &World, data: &CredentialData, status: &StatusReference) {
    let pending = world.wallet.prepare(&data.doc_type).unwrap();
    let issued = world
        .issuer
        .issue_with_status(
            data,
            &pending.device_key,
            &ValidityWindow::starting(world.now.plus_days(-1), 365),
            status,
        )
        .unwrap();
    world.wallet.accept(&pending, &issued.bytes).unwrap();
}

fn list_ref(r: StatusListRef) -> StatusReference {
    StatusReference {
        status_list: Some(r),
        identifier_list: None,
    }
}

/// A right-to-work check: the proximity presentation, then the status check against what the
/// app fetched (`fetched`: per URI), at `now`.
fn check(
    world: &World,
    checker: &mut StatusChecker,
    fetched: &[(&str, Fetched)],
    now: Timestamp,
) -> (VerificationReport, Option<CredentialStatus>) {
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let check = proximity_check(world, &[request], |c| c.recommended_selection()).unwrap();
    let response: DeviceResponse = mdoc::cbor::from_slice(&check.device_response).unwrap();
    for (uri, fetched) in fetched {
        let _ = checker.offer(uri, fetched.clone(), now);
    }
    let mut report = check.report;
    assert!(report.authentic(), "{}", report.render(common::label));
    let statuses = checker.apply(&response, &mut report, now);
    (report, statuses.into_iter().next().flatten())
}

fn checker(world: &World) -> StatusChecker {
    StatusChecker::new(world.issuer_anchors(), StatusPolicy::default(), 16)
}

fn status_check(report: &VerificationReport) -> &Outcome {
    &report.documents[0]
        .checks
        .iter()
        .find(|c| c.name == CheckName::CredentialNotRevoked)
        .expect("a status check")
        .outcome
}

fn refused(status: Option<CredentialStatus>) -> StatusError {
    match status {
        Some(CredentialStatus::Undetermined(Undetermined::Refused(e))) => e,
        other => panic!("expected a refused token, got {other:?}"),
    }
}

#[test]
fn right_to_work_passes_then_the_issuer_revokes_and_the_next_check_is_invalid() {
    let mut s = setup();
    let entry = s.list.assign().unwrap();
    provision(&s.world, &amelia(), &list_ref(entry.clone()));
    let now = s.world.now;
    let mut checker = checker(&s.world);

    // Before fetching, the checker asks for exactly the referenced list.
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let first = proximity_check(&s.world, &[request], |c| c.recommended_selection()).unwrap();
    let response: DeviceResponse = mdoc::cbor::from_slice(&first.device_response).unwrap();
    assert_eq!(
        checker.uris_to_fetch(&response, now),
        vec![LIST_URI.to_owned()]
    );

    let token = s.list.token(&s.signer, now, DAY, 3600).unwrap();
    let (report, status) = check(
        &s.world,
        &mut checker,
        &[(LIST_URI, Fetched::Token(token))],
        now,
    );
    assert_eq!(status, Some(CredentialStatus::Valid));
    assert!(report.verified(), "{}", report.render(common::label));
    assert_eq!(status_check(&report), &Outcome::Passed);
    // Cached: nothing more to fetch within the ttl; after it, the list again.
    assert!(
        checker
            .uris_to_fetch(&response, now.plus_seconds(60))
            .is_empty()
    );
    assert_eq!(
        checker
            .uris_to_fetch(&response, now.plus_seconds(3600))
            .len(),
        1
    );

    s.list.revoke(entry.idx).unwrap();
    let token = s
        .list
        .token(&s.signer, now.plus_seconds(60), DAY, 3600)
        .unwrap();
    let later = now.plus_seconds(120);
    let (report, status) = check(
        &s.world,
        &mut checker,
        &[(LIST_URI, Fetched::Token(token))],
        later,
    );
    assert_eq!(status, Some(CredentialStatus::Invalid));
    assert!(report.authentic(), "revoked is not forged");
    assert!(!report.verified());
    assert!(matches!(status_check(&report), Outcome::Failed(r) if r.contains("revoked")));
    assert!(
        report
            .render(common::label)
            .contains("Credential not revoked")
    );
}

#[test]
fn suspended_then_reinstated() {
    let mut s = setup();
    let entry = s.list.assign().unwrap();
    provision(&s.world, &amelia(), &list_ref(entry.clone()));
    let now = s.world.now;
    let mut checker = checker(&s.world);
    s.list.suspend(entry.idx).unwrap();
    let token = s.list.token(&s.signer, now, DAY, 60).unwrap();
    let (report, status) = check(
        &s.world,
        &mut checker,
        &[(LIST_URI, Fetched::Token(token))],
        now,
    );
    assert_eq!(status, Some(CredentialStatus::Suspended));
    assert!(matches!(status_check(&report), Outcome::Failed(r) if r.contains("suspended")));
    s.list.reinstate(entry.idx).unwrap();
    let token = s.list.token(&s.signer, now, DAY, 60).unwrap();
    let (report, status) = check(
        &s.world,
        &mut checker,
        &[(LIST_URI, Fetched::Token(token))],
        now,
    );
    assert_eq!(status, Some(CredentialStatus::Valid));
    assert!(report.verified());
}

#[test]
fn no_token_fetch_failure_and_expiry_are_undetermined_never_revoked() {
    let mut s = setup();
    let entry = s.list.assign().unwrap();
    provision(&s.world, &amelia(), &list_ref(entry));
    let now = s.world.now;

    // Nothing fetched: undetermined, which fails a right-to-work check by default...
    let (report, status) = check(&s.world, &mut checker(&s.world), &[], now);
    assert_eq!(
        status,
        Some(CredentialStatus::Undetermined(Undetermined::NoToken))
    );
    assert!(matches!(status_check(&report), Outcome::Failed(r) if r.contains("undetermined")));
    assert!(!report.verified());
    // ...and passes with a note when the policy says so.
    let lenient = StatusPolicy {
        undetermined_fails: false,
        ..StatusPolicy::default()
    };
    let mut lenient = StatusChecker::new(s.world.issuer_anchors(), lenient, 4);
    let (report, _) = check(&s.world, &mut lenient, &[], now);
    assert!(matches!(status_check(&report), Outcome::PassedWithNote(_)));
    assert!(report.verified());

    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Failed)],
        now,
    );
    assert_eq!(
        status,
        Some(CredentialStatus::Undetermined(Undetermined::FetchFailed))
    );

    // A token already expired when fetched.
    let old = s
        .list
        .token(&s.signer, now.plus_seconds(-2 * DAY), DAY, 60)
        .unwrap();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(old))],
        now,
    );
    assert_eq!(refused(status), StatusError::Expired);

    // A cached token that expires before the next check.
    let mut cached = checker(&s.world);
    let token = s.list.token(&s.signer, now, 600, 3600).unwrap();
    assert_eq!(cached.offer(LIST_URI, Fetched::Token(token), now), Ok(()));
    let (_, status) = check(&s.world, &mut cached, &[], now.plus_seconds(601));
    assert_eq!(refused(status), StatusError::Expired);
}

#[test]
fn bad_tokens_are_each_a_typed_outcome() {
    let mut s = setup();
    let entry = s.list.assign().unwrap();
    provision(&s.world, &amelia(), &list_ref(entry));
    let now = s.world.now;
    let good = s.list.token(&s.signer, now, DAY, 60).unwrap();

    // Signed by another authority's status signer.
    let other = TestIssuer::new("Elsewhere", "GB", now).unwrap();
    let foreign = s
        .list
        .token(&other.new_status_signer().unwrap(), now, DAY, 60)
        .unwrap();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(foreign))],
        now,
    );
    assert!(matches!(refused(status), StatusError::Chain(_)));

    // A valid token for another list, served under this list's URI.
    let elsewhere = StatusListIssuer::new(
        "https://status.digital-identity.example/lists/2",
        Bits::Two,
        1024,
    )
    .unwrap()
    .token(&s.signer, now, DAY, 60)
    .unwrap();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(elsewhere))],
        now,
    );
    assert_eq!(refused(status), StatusError::SubjectMismatch);

    // Truncated, and one signature byte flipped.
    let truncated = good[..good.len() / 2].to_vec();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(truncated))],
        now,
    );
    assert!(matches!(refused(status), StatusError::Malformed(_)));
    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(tampered))],
        now,
    );
    assert_eq!(refused(status), StatusError::BadSignature);

    // A ~1 KiB token, correctly signed, whose list inflates past the bound.
    let claims = TokenClaims {
        sub: LIST_URI.to_owned(),
        iat: now,
        exp: Some(now.plus_seconds(DAY)),
        ttl: Some(60),
    };
    let bomb_list = StatusList::from_bytes(Bits::Two, vec![0; 1_100_000]);
    let signer = s.signer.certified_key();
    let bomb = StatusListToken::sign(
        signer.signing_key(),
        &[signer.certificate().der().to_vec()],
        &claims,
        &bomb_list,
    )
    .unwrap();
    assert!(bomb.len() < 2048, "bomb token is {} bytes", bomb.len());
    let (report, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(bomb))],
        now,
    );
    assert!(matches!(
        refused(status),
        StatusError::InflatedTooLarge { .. }
    ));
    assert!(!report.verified());
}

#[test]
fn an_index_beyond_the_list_is_undetermined() {
    let s = setup();
    let beyond = StatusListRef {
        idx: 1_000_000,
        uri: LIST_URI.to_owned(),
        certificate: None,
    };
    provision(&s.world, &amelia(), &list_ref(beyond));
    let now = s.world.now;
    let token = s.list.token(&s.signer, now, DAY, 60).unwrap();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(LIST_URI, Fetched::Token(token))],
        now,
    );
    assert!(matches!(
        refused(status),
        StatusError::IndexOutOfRange {
            index: 1_000_000,
            ..
        }
    ));
}

#[test]
fn one_list_is_verified_once_for_many_credentials_and_each_batch_copy_has_its_own_index() {
    let mut s = setup();
    let copies: Vec<StatusListRef> = (0..3).map(|_| s.list.assign().unwrap()).collect();
    let unique: std::collections::BTreeSet<u64> = copies.iter().map(|c| c.idx).collect();
    assert_eq!(unique.len(), 3);
    s.list.revoke(copies[1].idx).unwrap();
    let now = s.world.now;
    let mut checker = checker(&s.world);
    let token = s.list.token(&s.signer, now, DAY, 3600).unwrap();
    checker.offer(LIST_URI, Fetched::Token(token), now).unwrap();
    let statuses: Vec<CredentialStatus> = copies
        .iter()
        .map(|c| checker.status(&list_ref(c.clone()), UK_DIGITAL_ID, now))
        .collect();
    assert_eq!(
        statuses,
        [
            CredentialStatus::Valid,
            CredentialStatus::Invalid,
            CredentialStatus::Valid
        ]
    );
    assert_eq!(checker.cached(), 1);
}

#[test]
fn identifier_lists_revoke_by_identifier() {
    let s = setup();
    let mut ids = IdentifierListIssuer::new("https://status.digital-identity.example/ids/1");
    let entry = ids.assign();
    let reference = StatusReference {
        status_list: None,
        identifier_list: Some(entry.clone()),
    };
    provision(&s.world, &amelia(), &reference);
    let now = s.world.now;
    let uri = entry.uri.as_str();
    let token = ids.token(&s.signer, now, DAY, 60).unwrap();
    let (_, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(uri, Fetched::Token(token))],
        now,
    );
    assert_eq!(status, Some(CredentialStatus::Valid));
    ids.revoke(&entry.id).unwrap();
    let token = ids.token(&s.signer, now, DAY, 60).unwrap();
    let (report, status) = check(
        &s.world,
        &mut checker(&s.world),
        &[(uri, Fetched::Token(token))],
        now,
    );
    assert_eq!(status, Some(CredentialStatus::Invalid));
    assert!(!report.verified());
}

#[test]
fn the_wallet_records_status_and_withholds_a_revoked_credential() {
    let mut s = setup();
    let entry = s.list.assign().unwrap();
    provision(&s.world, &amelia(), &list_ref(entry.clone()));
    let now = s.world.now;
    let wallet = &s.world.wallet;
    assert_eq!(wallet.status_references(), vec![LIST_URI.to_owned()]);
    assert_eq!(wallet.credentials()[0].status, None);

    let token = s.list.token(&s.signer, now, DAY, 60).unwrap();
    assert_eq!(wallet.update_status(LIST_URI, &token), Ok(1));
    let status = wallet.credentials()[0].status.unwrap();
    assert_eq!(
        (status.state, status.checked_at),
        (CredentialState::Valid, now)
    );

    // A bad token records nothing.
    let mut tampered = token.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert!(wallet.update_status(LIST_URI, &tampered).is_err());
    assert!(
        wallet
            .update_status("https://other.example/1", &token)
            .is_err()
    );

    s.list.revoke(entry.idx).unwrap();
    let token = s.list.token(&s.signer, now, DAY, 60).unwrap();
    assert_eq!(wallet.update_status(LIST_URI, &token), Ok(1));
    assert_eq!(
        wallet.credentials()[0].status.unwrap().state,
        CredentialState::Revoked
    );
    // Persisted in the record: it survives a fresh read.
    let id = wallet.credentials()[0].id.clone();
    assert_eq!(
        wallet.credential(&id).unwrap().record.status.unwrap().state,
        CredentialState::Revoked
    );

    // The consent does not offer it, and says why.
    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let check = proximity_check(&s.world, &[request], |c| c.recommended_selection()).unwrap();
    let doc = &check.consent.documents[0];
    assert_eq!(doc.credential_id, None);
    assert!(doc.withheld.as_deref().unwrap().contains("revoked"));
    assert!(check.report.documents.is_empty());
    assert!(!check.report.verified());

    // Reinstating cannot undo a revocation.
    assert!(s.list.reinstate(entry.idx).is_err());
}
