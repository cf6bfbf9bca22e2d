//! Trust lists end to end: a VICAL made by the test list provider loaded into the verifier, a
//! RICAL loaded into the wallet, and the ways a list is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::World;
use issuer::ListProvider;
use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::clock::FixedClock;
use mdoc::profiles::Purpose;
use mdoc::registry::{MDL, UK_DIGITAL_ID};
use mdoc::time::Timestamp;
use mdoc::trust_list::{ListKind, ListPolicy, TrustListError, parse_payload};
use mdoc::verify::{CheckName, Outcome};
use mdoc::x509::{ChainError, TrustAnchors};
use verifier::trust_lists::add_vical;
use verifier::{DocumentRequest, ReaderSession, VerificationReport};
use wallet::consent::{ConsentRequest, ReaderTrust};
use wallet::keys::WalletKey;
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

const DAY: i64 = 86_400;

fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    (dir, world)
}

fn provider(now: Timestamp) -> ListProvider {
    ListProvider::new("UK Trust Framework", "GB", now).unwrap()
}

fn anchor(provider: &ListProvider) -> TrustAnchors {
    TrustAnchors::new(vec![provider.root().certificate().clone()])
}

/// A VICAL listing `issuer`'s IACA for `doc_types`, dated an hour ago, next update in a day.
fn vical(
    provider: &ListProvider,
    issuer: &TestIssuer,
    doc_types: &[&str],
    now: Timestamp,
) -> Vec<u8> {
    let listed = (
        issuer.iaca().certificate().clone(),
        doc_types.iter().map(|d| (*d).to_owned()).collect(),
    );
    provider
        .vical(&[listed], 7, now.plus_seconds(-3600), now.plus_seconds(DAY))
        .unwrap()
}

/// A right-to-work check whose response the verifier checks against `issuer_anchors` at `at`.
fn check(
    world: &World,
    wallet: &Wallet,
    issuer_anchors: &TrustAnchors,
    at: Timestamp,
) -> (ConsentRequest, VerificationReport) {
    let mut holder = ProximitySession::start(wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let establishment = reader
        .establish(&request, Some(&world.reader_key()))
        .unwrap();
    let consent = match holder.handle(&establishment) {
        SessionEvent::Consent(consent) => *consent,
        other => panic!("consent expected, got {other:?}"),
    };
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let report = reader.handle_response(&reply, issuer_anchors, at).unwrap();
    (consent, report)
}

fn chain_failure(report: &VerificationReport) -> String {
    let check = report.documents[0]
        .checks
        .iter()
        .find(|c| c.name == CheckName::IssuerCertificateChain)
        .unwrap();
    match &check.outcome {
        Outcome::Failed(reason) => reason.clone(),
        other => panic!("chain check did not fail: {other:?}"),
    }
}

#[test]
fn a_credential_verifies_through_a_vical() {
    let (_dir, world) = world();
    let provider = provider(world.now);
    let list = vical(&provider, &world.issuer, &[UK_DIGITAL_ID, MDL], world.now);
    let mut issuer_anchors = TrustAnchors::default();
    let verified = add_vical(
        &mut issuer_anchors,
        &list,
        &anchor(&provider),
        world.now,
        &ListPolicy::default(),
    )
    .unwrap();
    assert_eq!(verified.list.provider, "UK Trust Framework");
    assert_eq!(verified.list.issue_id, Some(7));
    assert_eq!(issuer_anchors.certificates().len(), 1);
    let (_, report) = check(&world, &world.wallet, &issuer_anchors, world.now);
    assert!(report.verified(), "{}", report.render(common::label));
}

#[test]
fn an_iaca_listed_for_other_doc_types_is_not_trusted() {
    let (_dir, world) = world();
    let provider = provider(world.now);
    let list = vical(&provider, &world.issuer, &[MDL], world.now);
    let mut issuer_anchors = TrustAnchors::default();
    add_vical(
        &mut issuer_anchors,
        &list,
        &anchor(&provider),
        world.now,
        &ListPolicy::default(),
    )
    .unwrap();
    let (_, report) = check(&world, &world.wallet, &issuer_anchors, world.now);
    assert!(!report.verified());
    assert!(
        chain_failure(&report).contains("is not listed for this document type"),
        "{}",
        chain_failure(&report)
    );
    // The same IACA configured directly as well is trusted for anything: scopes add up.
    issuer_anchors.add(world.issuer.iaca().certificate().clone());
    let (_, report) = check(&world, &world.wallet, &issuer_anchors, world.now);
    assert!(report.verified(), "{}", report.render(common::label));
}

#[test]
fn listed_iacas_stop_being_trusted_when_the_list_is_stale() {
    let (_dir, world) = world();
    let provider = provider(world.now);
    let list = vical(&provider, &world.issuer, &[UK_DIGITAL_ID], world.now);
    let mut issuer_anchors = TrustAnchors::default();
    add_vical(
        &mut issuer_anchors,
        &list,
        &anchor(&provider),
        world.now,
        &ListPolicy::default(),
    )
    .unwrap();
    // A verifier that loaded the list and kept running past its nextUpdate.
    let later = world.now.plus_seconds(DAY + 1);
    let (_, report) = check(&world, &world.wallet, &issuer_anchors, later);
    assert!(
        chain_failure(&report).contains("outside the validity its trust list gives it"),
        "{}",
        chain_failure(&report)
    );
}

#[test]
fn expired_tampered_and_foreign_lists_are_refused_and_add_nothing() {
    let now = common::NOW;
    let issuer = TestIssuer::new("UK Digital Identity", "GB", now).unwrap();
    let provider = provider(now);
    let list = vical(&provider, &issuer, &[UK_DIGITAL_ID], now);
    let mut anchors = TrustAnchors::default();
    let mut load = |bytes: &[u8], list_anchors: &TrustAnchors, at: Timestamp| {
        add_vical(
            &mut anchors,
            bytes,
            list_anchors,
            at,
            &ListPolicy::default(),
        )
        .unwrap_err()
    };

    // Expired: checked after its nextUpdate.
    assert_eq!(
        load(&list, &anchor(&provider), now.plus_seconds(DAY + 1)),
        TrustListError::Expired
    );
    // Tampered: the provider name changed after signing.
    let at = list
        .windows(b"UK Trust Framework".len())
        .rposition(|w| w == b"UK Trust Framework")
        .unwrap();
    let mut tampered = list.clone();
    tampered[at] = b'X';
    assert_eq!(
        load(&tampered, &anchor(&provider), now),
        TrustListError::BadSignature
    );
    // Signed by a provider that is not the configured anchor.
    let stranger = ListProvider::new("Somewhere Else", "FR", now).unwrap();
    let foreign = vical(&stranger, &issuer, &[UK_DIGITAL_ID], now);
    assert_eq!(
        load(&foreign, &anchor(&provider), now),
        TrustListError::Signer(ChainError::UntrustedRoot)
    );
    // Signed under the right root by a certificate not made for VICALs (the RICAL signer,
    // which lacks id-mdl-kp-mdlVICAL).
    let content = parse_payload(ListKind::Vical, &payload(&list)).unwrap();
    let wrong_signer = content
        .sign(
            provider.rical_signer().signing_key(),
            &[provider.rical_signer().certificate().der().to_vec()],
        )
        .unwrap();
    assert!(matches!(
        load(&wrong_signer, &anchor(&provider), now),
        TrustListError::Signer(ChainError::ExtendedKeyUsage { .. })
    ));
    // Dated in the future.
    assert_eq!(
        load(&list, &anchor(&provider), now.plus_seconds(-7200)),
        TrustListError::IssuedInFuture
    );
    // Bad input.
    for garbage in [&b""[..], b"\xff", b"\x84\x40\xa0\x40\x40", &[0u8; 64]] {
        assert!(matches!(
            load(garbage, &anchor(&provider), now),
            TrustListError::Malformed(_)
        ));
    }
    assert!(anchors.is_empty());
}

/// The payload of a signed list (element 2 of the COSE_Sign1).
fn payload(list: &[u8]) -> Vec<u8> {
    let value = mdoc::cbor::decode(list).unwrap();
    value.as_array().unwrap()[2].as_bytes().unwrap().to_vec()
}

/// A wallet whose reader anchors come only from `config`, provisioned with Amelia's UK ID.
fn wallet_with(world: &World, dir: &std::path::Path, config: WalletConfig) -> Wallet {
    let key = WalletKey::from_passphrase_in(dir, b"rical wallet").unwrap();
    let area = SoftwareSecureArea::open(&dir.join("keys"), &key).unwrap();
    let wallet = Wallet::open(
        &dir.join("store"),
        &key,
        Arc::new(area),
        config,
        Arc::new(FixedClock(world.now)),
    )
    .unwrap();
    let data = samples::uk_digital_id(&AMELIA, world.now.date());
    let pending = wallet.prepare(&data.doc_type).unwrap();
    let issued = world
        .issuer
        .issue(
            &data,
            &pending.device_key,
            &ValidityWindow::starting(world.now.plus_days(-1), 365),
        )
        .unwrap();
    wallet.accept(&pending, &issued.bytes).unwrap();
    wallet
}

#[test]
fn a_reader_is_authenticated_through_a_rical() {
    let (_dir, world) = world();
    let provider = provider(world.now);
    let rical = provider
        .rical(
            &[world.reader_root.certificate().clone()],
            1,
            world.now.plus_seconds(-60),
            world.now.plus_seconds(DAY),
        )
        .unwrap();
    let mut config = WalletConfig {
        issuer_anchors: world.issuer_anchors(),
        ..WalletConfig::default()
    };
    let loaded = config
        .add_rical(
            &rical,
            &anchor(&provider),
            world.now,
            &ListPolicy::default(),
        )
        .unwrap();
    assert_eq!(loaded.list.entries.len(), 1);
    let wallet_dir = tempfile::tempdir().unwrap();
    let wallet = wallet_with(&world, wallet_dir.path(), config);
    let (consent, report) = check(&world, &wallet, &world.issuer_anchors(), world.now);
    match &consent.verifier.trust {
        ReaderTrust::Trusted { anchor } => assert_eq!(anchor, "UK Verifier Trust Root"),
        other => panic!("reader not trusted: {other:?}"),
    }
    assert!(report.verified(), "{}", report.render(common::label));

    // A RICAL listing another root leaves this reader untrusted.
    let other_root = issuer::CertifiedKey::new_reader_root(&issuer::CertificateProfile::new(
        "Another Reader Root",
        "GB",
        world.now.plus_days(-1),
        365,
    ))
    .unwrap();
    let other = provider
        .rical(
            &[other_root.certificate().clone()],
            2,
            world.now.plus_seconds(-60),
            world.now.plus_seconds(DAY),
        )
        .unwrap();
    let mut config = WalletConfig::default();
    config
        .add_rical(
            &other,
            &anchor(&provider),
            world.now,
            &ListPolicy::default(),
        )
        .unwrap();
    config.issuer_anchors = world.issuer_anchors();
    let other_dir = tempfile::tempdir().unwrap();
    let wallet = wallet_with(&world, other_dir.path(), config);
    let (consent, _) = check(&world, &wallet, &world.issuer_anchors(), world.now);
    assert!(matches!(
        consent.verifier.trust,
        ReaderTrust::Untrusted { .. }
    ));
}

#[test]
fn a_rical_is_refused_when_it_is_not_one() {
    let now = common::NOW;
    let provider = provider(now);
    let issuer = TestIssuer::new("UK Digital Identity", "GB", now).unwrap();
    let mut config = WalletConfig::default();
    // A VICAL is not a RICAL (no `provider`), and its signer is not the RICAL signer anyway.
    let list = vical(&provider, &issuer, &[UK_DIGITAL_ID], now);
    assert!(
        config
            .add_rical(&list, &anchor(&provider), now, &ListPolicy::default())
            .is_err()
    );
    // A RICAL of another type.
    let mut content = mdoc::trust_list::TrustList::new_rical("UK Trust Framework", now, Vec::new());
    content.list_type = Some("org.example.something_else".to_owned());
    let other_type = provider.sign(&content).unwrap();
    assert_eq!(
        config
            .add_rical(&other_type, &anchor(&provider), now, &ListPolicy::default())
            .unwrap_err(),
        TrustListError::WrongType
    );
    assert!(config.reader_anchors.is_empty());
}
