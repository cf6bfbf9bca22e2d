//! Format versioning: a store written by the first, unversioned format (a committed fixture)
//! opens, reads intact and is migrated; a store of an unknown future version is refused with a
//! typed error and not touched.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::copy_tree;

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
use wallet::store::{
    CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy, StoreError,
};
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

/// Copies the fixture into a fresh temporary directory (tests never open the committed copy).
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture_dir(), dir.path());
    dir
}

/// Every file and directory under `root` with the SHA-256 of its contents, sorted.
fn snapshot(root: &Path) -> Vec<(PathBuf, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(root).unwrap().to_path_buf();
            if entry.file_type().unwrap().is_dir() {
                out.push((relative, "dir".to_owned()));
                walk(root, &entry.path(), out);
            } else {
                let bytes = std::fs::read(entry.path()).unwrap();
                out.push((relative, hex(&Sha256::digest(&bytes))));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn open_wallet(root: &Path, key: &WalletKey) -> Result<Wallet, wallet::WalletError> {
    let area = SoftwareSecureArea::open(&root.join("keys"), key)?;
    Wallet::open(
        &root.join("store"),
        key,
        Arc::new(area),
        WalletConfig::default(),
        Arc::new(FixedClock(NOW)),
    )
}

/// Reads every credential, copy, device key and history entry of the fixture and compares them
/// with what was written.
fn assert_fixture_intact(wallet: &Wallet) {
    let expected = std::fs::read_to_string(fixture_dir().join("expected.txt")).unwrap();
    let fields: Vec<&str> = expected.split_whitespace().collect();
    let (accepted_id, accepted_hash) = (fields[1], fields[2]);
    let list = wallet.credentials();
    assert_eq!(list.len(), 3);
    for n in 1..=2u8 {
        let want = fixture_record(n);
        let summary = list
            .iter()
            .find(|s| s.display_name == want.display_name)
            .unwrap();
        assert_eq!(wallet.credential(&summary.id).unwrap().record, want);
    }
    let accepted = wallet.credential(accepted_id).unwrap();
    assert_eq!(accepted.record.copies.len(), 1);
    assert_eq!(
        hex(&Sha256::digest(&accepted.record.copies[0].issuer_signed)),
        accepted_hash
    );
    // Every copy's device key opens and signs.
    let area = wallet.secure_area();
    for summary in &list {
        for copy in wallet.credential(&summary.id).unwrap().record.copies {
            area.sign(&copy.device_key_alias, b"fixture").unwrap();
        }
    }
    assert_eq!(area.list_keys().unwrap().len(), 8);
    assert_eq!(
        wallet.export_history().unwrap(),
        std::fs::read_to_string(fixture_dir().join("history.json")).unwrap()
    );
    assert!(wallet.quarantined().is_empty());
}

#[test]
fn the_v1_fixture_opens_intact_and_is_migrated() {
    let root = fixture_copy();
    let store = root.path().join("store");
    // Today's format, as committed: no version file, no data.key header, no area key file.
    assert!(!store.join("store.version").exists());
    assert!(
        !std::fs::read(store.join("data.key"))
            .unwrap()
            .starts_with(b"CWDK")
    );
    assert!(!root.path().join("keys/area.wrap").exists());
    let before = snapshot(root.path());

    let wallet = open_wallet(root.path(), &fixture_key()).unwrap();
    assert_fixture_intact(&wallet);
    drop(wallet);

    // Migrated: versioned, data.key with its header, the area's key wrapped in area.wrap.
    let version = std::fs::read(store.join("store.version")).unwrap();
    assert_eq!(&version[..8], b"CWSV\0\0\0\x02");
    assert_eq!(wallet::store::version::CURRENT, 2);
    assert!(
        std::fs::read(store.join("data.key"))
            .unwrap()
            .starts_with(b"CWDK1")
    );
    assert!(
        std::fs::read(root.path().join("keys/area.wrap"))
            .unwrap()
            .starts_with(b"CWAK1")
    );
    // Nothing else was rewritten: records, history, check value and key files are the bytes
    // the first format wrote.
    let after = snapshot(root.path());
    for (path, hash) in &before {
        let name = path.to_string_lossy();
        if name.ends_with("data.key") {
            continue;
        }
        assert!(
            after.contains(&(path.clone(), hash.clone())),
            "{name} changed"
        );
    }
    // It opens again (now as version 2), and still only with its key.
    let wallet = open_wallet(root.path(), &fixture_key()).unwrap();
    assert_fixture_intact(&wallet);
    drop(wallet);
    assert_eq!(
        CredentialStore::open(&store, &WalletKey::from_bytes([0x43; 32])).map(|_| ()),
        Err(StoreError::WrongKey)
    );
}

/// Migration is a sequence of atomic writes (data.check if missing, data.key with its header,
/// store.version last): a kill leaves one of the states between them, plus temporary-file
/// debris. Each of those opens, intact, and finishes the migration.
#[test]
fn a_migration_interrupted_at_any_step_opens_and_completes() {
    type Step = fn(&Path);
    let steps: [(&str, Step); 4] = [
        ("before anything", |_| {}),
        ("debris of the data.key write", |store| {
            std::fs::write(store.join(".tmp-data.key-0011223344556677"), b"CWDK1tor").unwrap();
        }),
        ("data.key rewritten, no version yet", |store| {
            let wrapped = std::fs::read(store.join("data.key")).unwrap();
            std::fs::write(
                store.join("data.key"),
                [b"CWDK1".as_slice(), &wrapped].concat(),
            )
            .unwrap();
            std::fs::write(store.join(".tmp-store.version-8899aabbccddeeff"), b"CW").unwrap();
        }),
        ("check value missing", |store| {
            std::fs::remove_file(store.join("data.check")).unwrap();
        }),
    ];
    for (name, step) in steps {
        let root = fixture_copy();
        let store = root.path().join("store");
        step(&store);
        let wallet =
            open_wallet(root.path(), &fixture_key()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_fixture_intact(&wallet);
        drop(wallet);
        assert!(store.join("store.version").exists(), "{name}");
        assert!(store.join("data.check").exists(), "{name}");
        let leftovers: Vec<_> = std::fs::read_dir(&store)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{name}: {leftovers:?}");
    }
}

/// Rewrites `store.version` to claim `version` (its tag is left as it was).
fn claim_version(store: &Path, version: u32) {
    let mut file = std::fs::read(store.join("store.version")).unwrap();
    file[4..8].copy_from_slice(&version.to_be_bytes());
    std::fs::write(store.join("store.version"), file).unwrap();
}

#[test]
fn a_later_version_is_refused_and_nothing_is_touched() {
    let root = fixture_copy();
    let store = root.path().join("store");
    drop(open_wallet(root.path(), &fixture_key()).unwrap());
    // A later version may have another layout: no lock file, no records/ or quarantine/.
    std::fs::remove_file(store.join("store.lock")).unwrap();
    std::fs::rename(store.join("records"), store.join("documents")).unwrap();
    std::fs::remove_dir(store.join("quarantine")).unwrap();
    std::fs::write(
        store.join(".tmp-data.key-0011223344556677"),
        b"maybe not debris",
    )
    .unwrap();
    for version in [3, 0x0100_0000, u32::MAX] {
        claim_version(&store, version);
        let before = snapshot(&store);
        for key in [fixture_key(), WalletKey::from_bytes([7; 32])] {
            let error = CredentialStore::open(&store, &key).unwrap_err();
            assert_eq!(error, StoreError::UnsupportedVersion { found: version });
            assert_eq!(
                error.to_string(),
                format!("credential store format version {version} is not supported")
            );
            let area = SoftwareSecureArea::open(&root.path().join("keys"), &key);
            if let Ok(area) = area {
                let result = Wallet::open(
                    &store,
                    &key,
                    Arc::new(area),
                    WalletConfig::default(),
                    Arc::new(FixedClock(NOW)),
                );
                assert_eq!(
                    result.map(|_| ()),
                    Err(wallet::WalletError::Store(StoreError::UnsupportedVersion {
                        found: version
                    }))
                );
            }
        }
        assert_eq!(snapshot(&store), before, "version {version}");
    }
}

#[test]
fn a_damaged_version_file_is_refused_and_nothing_is_touched() {
    let root = fixture_copy();
    let store = root.path().join("store");
    drop(open_wallet(root.path(), &fixture_key()).unwrap());
    let good = std::fs::read(store.join("store.version")).unwrap();
    let mut refused = 0;
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(store.join("store.version"), &bad).unwrap();
        let before = snapshot(&store);
        let error = CredentialStore::open(&store, &fixture_key()).unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::VersionDamaged | StoreError::UnsupportedVersion { .. }
            ),
            "bit {bit}: {error:?}"
        );
        assert_eq!(snapshot(&store), before, "bit {bit}");
        refused += 1;
    }
    assert_eq!(refused, good.len() * 8);
    // Versions 0 and 1 never had a version file; one claiming them is damaged, not migrated.
    for version in [0, 1] {
        std::fs::write(store.join("store.version"), &good).unwrap();
        claim_version(&store, version);
        assert_eq!(
            CredentialStore::open(&store, &fixture_key()).map(|_| ()),
            Err(StoreError::VersionDamaged)
        );
    }
    std::fs::write(store.join("store.version"), &good).unwrap();
    let wallet = open_wallet(root.path(), &fixture_key()).unwrap();
    assert_fixture_intact(&wallet);
}

#[test]
fn a_new_store_is_written_at_the_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let key = WalletKey::from_bytes([5; 32]);
    let mut store = CredentialStore::open(dir.path(), &key).unwrap();
    store.put(fixture_record(1)).unwrap();
    drop(store);
    let version = std::fs::read(dir.path().join("store.version")).unwrap();
    assert_eq!(&version[..8], b"CWSV\0\0\0\x02");
    assert!(
        std::fs::read(dir.path().join("data.key"))
            .unwrap()
            .starts_with(b"CWDK1")
    );
    let before = snapshot(dir.path());
    let store = CredentialStore::open(dir.path(), &key).unwrap();
    assert_eq!(store.list().len(), 1);
    drop(store);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a current store is opened as it is"
    );
}

/// A versioned store had a data key (the version file is written after it): when the key is
/// gone, even with no records, no new key is made (that would orphan the history).
#[test]
fn a_versioned_store_without_its_data_key_is_not_given_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let key = WalletKey::from_bytes([5; 32]);
    drop(CredentialStore::open(dir.path(), &key).unwrap());
    std::fs::remove_file(dir.path().join("data.key")).unwrap();
    assert_eq!(
        CredentialStore::open(dir.path(), &key).map(|_| ()),
        Err(StoreError::DataKeyMissing)
    );
    assert!(!dir.path().join("data.key").exists());
}
