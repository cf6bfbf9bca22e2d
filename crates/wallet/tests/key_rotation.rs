//! Changing the wallet key: the data key (and a software secure area's area key) is rewrapped,
//! nothing is re-encrypted, the new key opens everything and the old key nothing; a wrong
//! current key changes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mdoc::clock::FixedClock;
use mdoc::time::Timestamp;
use sha2::{Digest, Sha256};
use wallet::keys::{KeyError, KeyWrapper, WalletKey};
use wallet::secure_area::{SecureArea, SecureAreaError, SoftwareSecureArea};
use wallet::store::{
    CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy, StoreError,
};
use wallet::{Wallet, WalletConfig, WalletError};
use zeroize::Zeroizing;

const NOW: Timestamp = Timestamp::from_unix_seconds(1_790_000_000);

fn record(n: u8, aliases: &[String]) -> CredentialRecord {
    CredentialRecord {
        doc_type: "uk.gov.digital-id.1".to_owned(),
        issuer: "Test Authority".to_owned(),
        display_name: format!("Credential {n}"),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_900_000_000),
        copies: aliases
            .iter()
            .map(|a| CredentialCopy::new(a.clone(), vec![n; 100]))
            .collect(),
        policy: PresentationPolicy::OneTimeUse,
        refresh_below: 0,
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

/// Every file under `root` with the SHA-256 of its contents, sorted.
fn snapshot(root: &Path) -> Vec<(PathBuf, [u8; 32])> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, [u8; 32])>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), out);
            } else {
                let digest = Sha256::digest(std::fs::read(entry.path()).unwrap());
                out.push((entry.path(), digest.into()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

/// A wallet of two credentials (two copies each, device keys in a software area).
fn populate(root: &Path, key: &WalletKey) -> Vec<CredentialRecord> {
    let area = SoftwareSecureArea::open(&root.join("keys"), key).unwrap();
    let mut store = CredentialStore::open(&root.join("store"), key).unwrap();
    (1..=2)
        .map(|n| {
            let aliases: Vec<String> = (0..2).map(|c| format!("device-{n}-{c}")).collect();
            for alias in &aliases {
                area.create_key(alias).unwrap();
            }
            let record = record(n, &aliases);
            store.put(record.clone()).unwrap();
            record
        })
        .collect()
}

fn open_wallet(root: &Path, key: &WalletKey) -> Result<Wallet, WalletError> {
    let area = SoftwareSecureArea::open(&root.join("keys"), key)?;
    Wallet::open(
        &root.join("store"),
        key,
        Arc::new(area),
        WalletConfig::default(),
        Arc::new(FixedClock(NOW)),
    )
}

/// The wallet opens with `key`, every record is as written and every device key signs.
fn assert_opens_intact(root: &Path, key: &WalletKey, records: &[CredentialRecord]) {
    let wallet = open_wallet(root, key).unwrap();
    let mut found: Vec<CredentialRecord> = wallet
        .credentials()
        .iter()
        .map(|s| wallet.credential(&s.id).unwrap().record)
        .collect();
    found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    assert_eq!(found, records);
    for record in records {
        for copy in &record.copies {
            wallet
                .secure_area()
                .sign(&copy.device_key_alias, b"m")
                .unwrap();
        }
    }
}

/// The old key opens neither the store nor the area.
fn assert_opens_nothing(root: &Path, key: &dyn KeyWrapper, wallet_key: Option<&WalletKey>) {
    assert_eq!(
        CredentialStore::open(&root.join("store"), key).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    if let Some(wallet_key) = wallet_key {
        assert_eq!(
            SoftwareSecureArea::open(&root.join("keys"), wallet_key).map(|_| ()),
            Err(SecureAreaError::KeyMaterial)
        );
    }
}

#[test]
fn a_changed_wallet_key_opens_everything_and_the_old_key_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (old, new) = (
        WalletKey::from_bytes([1; 32]),
        WalletKey::from_bytes([2; 32]),
    );
    let records = populate(root.path(), &old);
    let wallet = open_wallet(root.path(), &old).unwrap();
    // A history setting, to show the history directory survives the change.
    wallet.set_history_retention(Some(30)).unwrap();
    let before = snapshot(&root.path().join("store/records"));
    wallet
        .change_wallet_key(&old, &new, Some(&root.path().join("keys")))
        .unwrap();
    // The open wallet goes on working, its device keys too.
    let id = wallet.credentials()[0].id.clone();
    let copy = wallet.credential(&id).unwrap().record.copies[0].clone();
    wallet
        .secure_area()
        .sign(&copy.device_key_alias, b"m")
        .unwrap();
    drop(wallet);
    // Records were not re-encrypted.
    assert_eq!(snapshot(&root.path().join("store/records")), before);
    assert!(!root.path().join("store/rotation.pending").exists());
    assert_opens_nothing(root.path(), &old, Some(&old));
    assert_opens_intact(root.path(), &new, &records);
    assert_eq!(
        open_wallet(root.path(), &new)
            .unwrap()
            .history_retention()
            .unwrap(),
        Some(30)
    );
    // And back again.
    let wallet = open_wallet(root.path(), &new).unwrap();
    wallet
        .change_wallet_key(&new, &old, Some(&root.path().join("keys")))
        .unwrap();
    drop(wallet);
    assert_opens_nothing(root.path(), &new, Some(&new));
    assert_opens_intact(root.path(), &old, &records);
}

#[test]
fn a_wrong_current_key_is_refused_and_nothing_changes() {
    let root = tempfile::tempdir().unwrap();
    let (key, wrong, new) = (
        WalletKey::from_bytes([1; 32]),
        WalletKey::from_bytes([3; 32]),
        WalletKey::from_bytes([2; 32]),
    );
    let records = populate(root.path(), &key);
    let wallet = open_wallet(root.path(), &key).unwrap();
    let before = snapshot(root.path());
    let area = Some(root.path().join("keys"));
    assert_eq!(
        wallet.change_wallet_key(&wrong, &new, area.as_deref()),
        Err(WalletError::Store(StoreError::WrongKey))
    );
    assert_eq!(snapshot(root.path()), before);
    // The store's key is right but the area was opened under another key: refused, unchanged.
    let other_area = root.path().join("other-keys");
    SoftwareSecureArea::open(&other_area, &wrong).unwrap();
    let before = snapshot(root.path());
    assert_eq!(
        wallet.change_wallet_key(&key, &new, Some(&other_area)),
        Err(WalletError::Store(StoreError::SecureArea(
            SecureAreaError::KeyMaterial
        )))
    );
    assert_eq!(snapshot(root.path()), before);
    drop(wallet);
    assert_opens_nothing(root.path(), &new, Some(&new));
    assert_opens_intact(root.path(), &key, &records);
}

#[test]
fn a_passphrase_change_keeps_the_salt_and_refuses_the_old_passphrase() {
    let root = tempfile::tempdir().unwrap();
    let old = WalletKey::from_passphrase_in(root.path(), b"correct horse").unwrap();
    let records = populate(root.path(), &old);
    let salt = std::fs::read(root.path().join(wallet::keys::SALT_FILE)).unwrap();
    let wallet = open_wallet(root.path(), &old).unwrap();
    let new = WalletKey::from_passphrase_in(root.path(), b"battery staple").unwrap();
    wallet
        .change_wallet_key(&old, &new, Some(&root.path().join("keys")))
        .unwrap();
    drop(wallet);
    assert_eq!(
        std::fs::read(root.path().join(wallet::keys::SALT_FILE)).unwrap(),
        salt
    );
    let again = WalletKey::from_passphrase_in(root.path(), b"battery staple").unwrap();
    assert_opens_intact(root.path(), &again, &records);
    let stale = WalletKey::from_passphrase_in(root.path(), b"correct horse").unwrap();
    assert_opens_nothing(root.path(), &stale, Some(&stale));
}

/// A stand-in for a hardware key wrapper: AES-GCM under its own key, in its own framing.
struct Hardware(WalletKey);

impl KeyWrapper for Hardware {
    fn wrap(&self, data_key: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        Ok([b"HW".as_slice(), &self.0.wrap(data_key)?].concat())
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        self.0
            .unwrap(wrapped.strip_prefix(b"HW").ok_or(KeyError::WrongKey)?)
    }
}

/// A wrapper that wraps but cannot unwrap what it wrapped (a broken platform key).
struct Broken;

impl KeyWrapper for Broken {
    fn wrap(&self, _: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        Ok(vec![0; 60])
    }

    fn unwrap(&self, _: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        Ok(Zeroizing::new([7; 32]))
    }
}

#[test]
fn a_key_wrapper_change_rewraps_the_data_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let software = WalletKey::from_bytes([1; 32]);
    let hardware = Hardware(WalletKey::from_bytes([9; 32]));
    let mut store = CredentialStore::open(dir.path(), &software).unwrap();
    let id = store.put(record(1, &["a".to_owned()])).unwrap();
    let before = snapshot(&dir.path().join("records"));
    // A wrapper that does not give back what it wrapped is refused before anything changes.
    let files = snapshot(dir.path());
    assert!(matches!(
        store.change_key(&software, &Broken, None),
        Err(StoreError::Key(KeyError::Wrapper(_)))
    ));
    assert_eq!(snapshot(dir.path()), files);
    store.change_key(&software, &hardware, None).unwrap();
    assert_eq!(store.get(&id).unwrap().record, record(1, &["a".to_owned()]));
    drop(store);
    assert_eq!(snapshot(&dir.path().join("records")), before);
    assert_eq!(
        CredentialStore::open(dir.path(), &software).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    let mut store = CredentialStore::open(dir.path(), &hardware).unwrap();
    assert_eq!(store.get(&id).unwrap().record, record(1, &["a".to_owned()]));
    // Back to a software key, with the hardware wrapper as the current one.
    store.change_key(&hardware, &software, None).unwrap();
    drop(store);
    assert_eq!(
        CredentialStore::open(dir.path(), &hardware).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    assert!(CredentialStore::open(dir.path(), &software).is_ok());
}

/// Without a directory, the wallet's own software area (which the wallet key wraps) is
/// changed too: forgetting it cannot leave the device keys under the old key.
#[test]
fn the_wallets_own_software_area_changes_without_being_named() {
    let root = tempfile::tempdir().unwrap();
    let (old, new) = (
        WalletKey::from_bytes([1; 32]),
        WalletKey::from_bytes([2; 32]),
    );
    let records = populate(root.path(), &old);
    let wallet = open_wallet(root.path(), &old).unwrap();
    wallet.change_wallet_key(&old, &new, None).unwrap();
    drop(wallet);
    assert_opens_nothing(root.path(), &old, Some(&old));
    assert_opens_intact(root.path(), &new, &records);
}
