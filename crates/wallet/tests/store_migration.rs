//! Format versioning: a store written by the first, unversioned format (a committed fixture)
//! opens, reads intact and is migrated; a store of an unknown future version is refused with a
//! typed error and not touched.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::clock::FixedClock;
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use sha2::{Digest, Sha256};
use wallet::keys::WalletKey;
use wallet::secure_area::{SecureArea, SoftwareSecureArea};
use wallet::store::{CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy};
use wallet::{Wallet, WalletConfig};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_790_000_000);

/// The fixture's wallet key (a test key, nothing secret).
fn fixture_key() -> WalletKey {
    WalletKey::from_bytes([0x42; 32])
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/store-v1")
}

/// The fixture's two hand-made credentials, each with copies (small payloads: the fixture
/// stays small).
fn fixture_record(n: u8) -> CredentialRecord {
    let copies = (0..2 + n)
        .map(|c| CredentialCopy {
            device_key_alias: format!("fixture-{n}-{c}"),
            issuer_signed: vec![n.wrapping_mul(16).wrapping_add(c); 200 + usize::from(c)],
            uses: u32::from(c),
        })
        .collect();
    CredentialRecord {
        doc_type: "uk.gov.digital-id.1".to_owned(),
        issuer: "Fixture Authority".to_owned(),
        display_name: format!("Fixture credential {n}"),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_900_000_000),
        copies,
        policy: if n == 1 {
            PresentationPolicy::OneTimeUse
        } else {
            PresentationPolicy::RotateUse
        },
        refresh_below: u32::from(n),
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the fixture (run by hand, see testdata/store-v1/README.txt):
/// `CITIZEN_WALLET_WRITE_FIXTURE=1 cargo test -p citizen-wallet-wallet --test store_migration
/// -- --ignored write_v1_fixture`.
#[test]
#[ignore = "writes the committed fixture; run by hand only"]
fn write_v1_fixture() {
    if std::env::var_os("CITIZEN_WALLET_WRITE_FIXTURE").is_none() {
        return;
    }
    let out = fixture_dir();
    let _ = std::fs::remove_dir_all(out.join("store"));
    let _ = std::fs::remove_dir_all(out.join("keys"));
    let key = fixture_key();
    let area = SoftwareSecureArea::open(&out.join("keys"), &key).unwrap();
    {
        let mut store = CredentialStore::open(&out.join("store"), &key).unwrap();
        for n in 1..=2 {
            let record = fixture_record(n);
            for copy in &record.copies {
                area.create_key(&copy.device_key_alias).unwrap();
            }
            store.put(record).unwrap();
        }
    }
    // A third credential provisioned through the wallet: a real issued mdoc, and the
    // issuance's history entry.
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let config = WalletConfig {
        issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
        ..WalletConfig::default()
    };
    let wallet = Wallet::open(
        &out.join("store"),
        &key,
        Arc::new(area),
        config,
        Arc::new(FixedClock(NOW)),
    )
    .unwrap();
    let pending = wallet.prepare(samples::UK_DIGITAL_ID).unwrap();
    let issued = issuer
        .issue(
            &samples::uk_digital_id(&AMELIA, NOW.date()),
            &pending.device_key,
            &ValidityWindow::starting(NOW.plus_days(-1), 365),
        )
        .unwrap();
    let issuer_signed = issued.bytes;
    let summary = wallet.accept(&pending, &issuer_signed).unwrap();
    std::fs::write(
        out.join("expected.txt"),
        format!(
            "accepted {} {}\n",
            summary.id,
            hex(&Sha256::digest(&issuer_signed))
        ),
    )
    .unwrap();
    std::fs::write(out.join("history.json"), wallet.export_history().unwrap()).unwrap();
    drop(wallet);
    // The lock file is made on every open; the fixture does not need it.
    std::fs::remove_file(out.join("store/store.lock")).unwrap();
}
