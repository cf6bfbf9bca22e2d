//! The UK digital ID carries no health data: provisioning refuses a credential, signed by a
//! trusted issuer and otherwise valid, that has a health namespace or a health element; the
//! same data in a driving licence (no such rule) is accepted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::ValidityWindow;
use issuer::samples::{self, AMELIA};
use mdoc::cbor::Value;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::verify::CheckName;
use wallet::WalletError;
use wallet::presentation::DeviceAuthMode;

fn refused_check(result: Result<wallet::store::CredentialSummary, WalletError>) -> CheckName {
    match result {
        Err(WalletError::CredentialRefused(e)) => e.check,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_uk_digital_id_with_health_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let window = ValidityWindow::starting(world.now.plus_days(-1), 365);
    let clean = samples::uk_digital_id(&AMELIA, world.now.date());

    // A health element in the UK digital ID's own namespace.
    let mut element = clean.clone();
    element.name_spaces[1]
        .1
        .push(("nhs_number".to_owned(), Value::text("943 476 5919")));
    // A whole health namespace.
    let mut namespace = clean.clone();
    namespace.name_spaces.push((
        "uk.nhs.health-record.1".to_owned(),
        vec![("blood_type".to_owned(), Value::text("O+"))],
    ));
    // The AAMVA-style organ donor flag in the ISO namespace.
    let mut donor = clean.clone();
    donor.name_spaces[0]
        .1
        .push(("organ_donor".to_owned(), Value::Bool(true)));

    for data in [&element, &namespace, &donor] {
        let pending = world.wallet.prepare(UK_DIGITAL_ID).unwrap();
        let issued = world
            .issuer
            .issue(data, &pending.device_key, &window)
            .unwrap();
        assert_eq!(
            refused_check(world.wallet.accept(&pending, &issued.bytes)),
            CheckName::DocType
        );
        // Nothing stored; the key is kept for a retry with a clean credential.
        assert!(world.wallet.credentials().is_empty());
        world.wallet.abandon(&pending).unwrap();
    }

    // The clean credential from the same issuer is accepted.
    world.provision(&clean).unwrap();
    assert_eq!(world.wallet.credentials().len(), 1);

    // A driving licence has no such rule: an organ-donor flag there is not refused.
    let mut mdl = samples::mdl(&AMELIA, world.now.date());
    mdl.name_spaces[0]
        .1
        .push(("organ_donor".to_owned(), Value::Bool(true)));
    world.provision(&mdl).unwrap();
    assert_eq!(world.wallet.credentials().len(), 2);
}
