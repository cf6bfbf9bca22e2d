//! Provisioning refuses anything that does not verify, and leaves the store intact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::samples::{self, AMELIA, TOMASZ};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::verify::CheckName;
use wallet::WalletError;
use wallet::presentation::DeviceAuthMode;

fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    (dir, world)
}

fn refused_check(result: Result<wallet::store::CredentialSummary, WalletError>) -> CheckName {
    match result {
        Err(WalletError::CredentialRefused(e)) => e.check,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn mdl_uk_id_and_eu_pid_coexist() {
    let (_dir, world) = world();
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    world
        .provision(&samples::mdl(&AMELIA, world.now.date()))
        .unwrap();
    world
        .provision(&samples::eu_pid(&TOMASZ, world.now.date()))
        .unwrap();
    let mut kinds: Vec<String> = world
        .wallet
        .credentials()
        .into_iter()
        .map(|c| c.doc_type)
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "eu.europa.ec.eudi.pid.1",
            "org.iso.18013.5.1.mDL",
            "uk.gov.digital-id.1"
        ]
    );
    let id = world.wallet.credentials()[0].id.clone();
    let alias = world.wallet.credentials()[0].device_key_alias.clone();
    world.wallet.delete_credential(&id).unwrap();
    assert_eq!(world.wallet.credentials().len(), 2);
    assert!(world.wallet.secure_area().public_key(&alias).is_err());
}

#[test]
fn refusals_name_the_failed_check() {
    let (_dir, world) = world();
    let data = samples::uk_digital_id(&AMELIA, world.now.date());
    let window = ValidityWindow::starting(world.now.plus_days(-1), 365);

    // Bound to another device key.
    let pending = world.wallet.prepare(&data.doc_type).unwrap();
    let stranger = mdoc::cose::CoseKey::new(mdoc::rng::new_p256_secret_key().public_key());
    let issued = world.issuer.issue(&data, &stranger, &window).unwrap();
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &issued.bytes)),
        CheckName::DeviceKeyBinding
    );

    // From an issuer the wallet does not trust.
    let rogue = TestIssuer::new("Rogue Authority", "GB", world.now).unwrap();
    let issued = rogue.issue(&data, &pending.device_key, &window).unwrap();
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &issued.bytes)),
        CheckName::IssuerCertificateChain
    );

    // Expired.
    let old = ValidityWindow::starting(world.now.plus_days(-100), 30);
    let issued = world
        .issuer
        .issue(&data, &pending.device_key, &old)
        .unwrap();
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &issued.bytes)),
        CheckName::Validity
    );

    // Another doc type than prepared.
    let mdl = world
        .issuer
        .issue(
            &samples::mdl(&AMELIA, world.now.date()),
            &pending.device_key,
            &window,
        )
        .unwrap();
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &mdl.bytes)),
        CheckName::DocType
    );

    // An element value of the wrong type for the registry.
    let mut bad = data.clone();
    bad.name_spaces[1].1[0].1 = mdoc::cbor::Value::text("yes");
    let issued = world
        .issuer
        .issue(&bad, &pending.device_key, &window)
        .unwrap();
    assert!(world.wallet.accept(&pending, &issued.bytes).is_err());

    // Garbage.
    assert!(matches!(
        world.wallet.accept(&pending, b"\x00\x01"),
        Err(WalletError::Malformed(_))
    ));
    assert!(matches!(
        world.wallet.accept(&pending, &[]),
        Err(WalletError::Malformed(_))
    ));

    // A flipped byte anywhere in a good credential is refused.
    let good = world
        .issuer
        .issue(&data, &pending.device_key, &window)
        .unwrap();
    for i in (0..good.bytes.len()).step_by(97) {
        let mut flipped = good.bytes.clone();
        flipped[i] ^= 0x01;
        assert!(
            world.wallet.accept(&pending, &flipped).is_err(),
            "flip at {i} accepted"
        );
    }
    assert!(world.wallet.credentials().is_empty(), "nothing was stored");
    world.wallet.accept(&pending, &good.bytes).unwrap();
    assert_eq!(world.wallet.credentials().len(), 1);
}
