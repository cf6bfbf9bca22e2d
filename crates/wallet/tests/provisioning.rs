//! Provisioning refuses a credential whose items do not match its MSO one for one, and takes
//! the pending device key from the core's own state, never from the caller.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use issuer::samples::{self, AMELIA};
use issuer::{CredentialData, TestIssuer, ValidityWindow};
use mdoc::cbor::{self, MapRest, Tagged, ToCbor};
use mdoc::clock::FixedClock;
use mdoc::cose::{CoseKey, CoseSign1, Payload};
use mdoc::definitions::mso::{DeviceKeyInfo, MobileSecurityObject, SHA_256, ValidityInfo};
use mdoc::definitions::{IssuerSigned, IssuerSignedItem};
use mdoc::time::{TDate, Timestamp};
use mdoc::verify::CheckName;
use mdoc::x509::TrustAnchors;
use sha2::{Digest, Sha256};
use wallet::secure_area::SoftwareSecureArea;
use wallet::store::CredentialSummary;
use wallet::{Wallet, WalletConfig, WalletError, keys::WalletKey};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_790_000_000);

struct World {
    _dir: tempfile::TempDir,
    issuer: TestIssuer,
    wallet: Wallet,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let key = WalletKey::from_bytes([9; 32]);
    let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key).unwrap();
    let config = WalletConfig {
        issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
        ..WalletConfig::default()
    };
    let wallet = Wallet::open(
        &dir.path().join("store"),
        &key,
        Arc::new(area),
        config,
        Arc::new(FixedClock(NOW)),
    )
    .unwrap();
    World {
        _dir: dir,
        issuer,
        wallet,
    }
}

fn window() -> ValidityWindow {
    ValidityWindow::starting(NOW.plus_days(-1), 365)
}

fn data() -> CredentialData {
    samples::uk_digital_id(&AMELIA, NOW.date())
}

fn refused_check(result: Result<CredentialSummary, WalletError>) -> CheckName {
    match result {
        Err(WalletError::CredentialRefused(e)) => e.check,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Issues like the test issuer, but with `salt_len`-byte salts, and signs the MSO with the
/// trusted document signer: everything verifies except what the test means to break.
fn issue_with_salt(world: &World, device_key: &CoseKey, salt_len: usize) -> Vec<u8> {
    let data = data();
    let mut name_spaces = Vec::new();
    let mut value_digests = Vec::new();
    let mut next_id = 0;
    for (namespace, elements) in &data.name_spaces {
        let mut items = Vec::new();
        let mut digests = Vec::new();
        for (identifier, value) in elements {
            let item = Tagged::new(IssuerSignedItem {
                digest_id: next_id,
                random: vec![0x5a; salt_len],
                element_identifier: identifier.clone(),
                element_value: value.clone(),
                rest: MapRest::default(),
            });
            digests.push((next_id, Sha256::digest(item.encoded()).to_vec()));
            items.push(item);
            next_id += 1;
        }
        name_spaces.push((namespace.clone(), items));
        value_digests.push((namespace.clone(), digests));
    }
    let w = window();
    let mso = Tagged::new(MobileSecurityObject {
        version: "1.0".to_owned(),
        digest_algorithm: SHA_256.to_owned(),
        value_digests,
        device_key_info: DeviceKeyInfo {
            device_key: device_key.clone(),
            key_authorizations: None,
            key_info: None,
            rest: MapRest::default(),
        },
        doc_type: data.doc_type.clone(),
        validity_info: ValidityInfo {
            signed: TDate::new(w.signed),
            valid_from: TDate::new(w.valid_from),
            valid_until: TDate::new(w.valid_until),
            expected_update: None,
            rest: MapRest::default(),
        },
        status: None,
        rest: MapRest::default(),
    });
    let ds = world.issuer.document_signer();
    let auth = CoseSign1::sign(
        ds.signing_key(),
        mso.encoded(),
        Payload::Attached,
        &[ds.certificate().der().to_vec()],
    )
    .unwrap();
    cbor::to_vec(&IssuerSigned {
        name_spaces: Some(name_spaces),
        issuer_auth: auth.to_cbor(),
        rest: MapRest::default(),
    })
}

#[test]
fn the_salt_builder_makes_good_credentials() {
    let world = world();
    let pending = world.wallet.prepare(&data().doc_type).unwrap();
    let good = issue_with_salt(&world, &pending.device_key, 16);
    world.wallet.accept(&pending, &good).unwrap();
}

#[test]
fn short_salts_are_refused() {
    let world = world();
    let pending = world.wallet.prepare(&data().doc_type).unwrap();
    for salt_len in [0, 1, 15] {
        let short = issue_with_salt(&world, &pending.device_key, salt_len);
        assert_eq!(
            refused_check(world.wallet.accept(&pending, &short)),
            CheckName::ValueDigests,
            "{salt_len}"
        );
    }
    assert!(world.wallet.credentials().is_empty());
}

#[test]
fn a_duplicated_item_cannot_hide_a_missing_one() {
    let world = world();
    let pending = world.wallet.prepare(&data().doc_type).unwrap();
    let issued = world
        .issuer
        .issue(&data(), &pending.device_key, &window())
        .unwrap();
    let mut signed = issued.issuer_signed.clone();
    let items = &mut signed.name_spaces.as_mut().unwrap()[0].1;
    assert!(items.len() >= 2);
    items[1] = items[0].clone();
    let forged = cbor::to_vec(&signed);
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &forged)),
        CheckName::ValueDigests
    );
    // An extra copy (one more item than the MSO covers) is refused too.
    let mut signed = issued.issuer_signed.clone();
    let items = &mut signed.name_spaces.as_mut().unwrap()[0].1;
    items.push(items[0].clone());
    assert_eq!(
        refused_check(world.wallet.accept(&pending, &cbor::to_vec(&signed))),
        CheckName::ValueDigests
    );
    // An item moved to another namespace (same digest ID, wrong namespace) is refused.
    let mut signed = issued.issuer_signed.clone();
    let spaces = signed.name_spaces.as_mut().unwrap();
    assert!(spaces.len() >= 2);
    let moved = spaces[0].1.pop().unwrap();
    spaces[1].1.push(moved);
    assert!(
        world
            .wallet
            .accept(&pending, &cbor::to_vec(&signed))
            .is_err()
    );
    assert!(world.wallet.credentials().is_empty());
    world.wallet.accept(&pending, &issued.bytes).unwrap();
}

#[test]
fn only_a_pending_credential_the_wallet_prepared_is_accepted_or_abandoned() {
    let world = world();
    let pending = world.wallet.prepare(&data().doc_type).unwrap();
    let stranger = CoseKey::new(mdoc::rng::new_p256_secret_key().public_key());
    let issued = world.issuer.issue(&data(), &stranger, &window()).unwrap();
    let substituted = wallet::provisioning::PendingCredential {
        device_key: stranger,
        ..pending.clone()
    };
    assert_eq!(
        world.wallet.accept(&substituted, &issued.bytes),
        Err(WalletError::NotPrepared)
    );
    assert_eq!(
        world.wallet.abandon(&substituted),
        Err(WalletError::NotPrepared)
    );
    let good = world
        .issuer
        .issue(&data(), &pending.device_key, &window())
        .unwrap();
    world.wallet.accept(&pending, &good.bytes).unwrap();
    // Accepted: no longer pending, so neither a second accept nor an abandon (which would
    // delete the stored credential's key) is possible.
    assert_eq!(
        world.wallet.accept(&pending, &good.bytes),
        Err(WalletError::NotPrepared)
    );
    assert_eq!(
        world.wallet.abandon(&pending),
        Err(WalletError::NotPrepared)
    );
    assert_eq!(world.wallet.credentials().len(), 1);
    let other = world.wallet.prepare(&data().doc_type).unwrap();
    world.wallet.abandon(&other).unwrap();
    assert_eq!(world.wallet.abandon(&other), Err(WalletError::NotPrepared));
}
