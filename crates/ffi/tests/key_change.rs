//! Wallet.changeWalletKey through the exported API: the new key opens the wallet and its
//! software secure area, the old key neither.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;

fn open(dir: &std::path::Path, key: Vec<u8>) -> Result<Arc<Wallet>, CitizenWalletError> {
    let area = software_secure_area(dir.join("keys").to_string_lossy().into(), key.clone())?;
    Wallet::open(
        dir.join("store").to_string_lossy().into(),
        key,
        area,
        String::new(),
        String::new(),
        DeviceAuthentication::Signature,
    )
}

#[test]
fn the_new_key_opens_the_wallet_and_the_old_key_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir: String = dir.path().join("keys").to_string_lossy().into();
    let (old, new) = (vec![1; 32], vec![2; 32]);
    let wallet = open(dir.path(), old.clone()).unwrap();
    let pending = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    wallet.set_history_retention(Some(30)).unwrap();
    // Keys of the wrong length, or a wrong current key: refused.
    assert!(matches!(
        wallet.change_wallet_key(vec![1; 31], new.clone(), Some(keys_dir.clone())),
        Err(CitizenWalletError::InvalidInput { .. })
    ));
    assert!(matches!(
        wallet.change_wallet_key(vec![3; 32], new.clone(), Some(keys_dir.clone())),
        Err(CitizenWalletError::Storage { .. })
    ));
    wallet
        .change_wallet_key(old.clone(), new.clone(), Some(keys_dir.clone()))
        .unwrap();
    drop(wallet);

    assert!(matches!(
        open(dir.path(), old.clone()),
        Err(CitizenWalletError::SecureArea { .. })
    ));
    let area = software_secure_area(keys_dir.clone(), new.clone()).unwrap();
    assert!(matches!(
        Wallet::open(
            dir.path().join("store").to_string_lossy().into(),
            old,
            area,
            String::new(),
            String::new(),
            DeviceAuthentication::Signature,
        ),
        Err(CitizenWalletError::Storage { .. })
    ));
    let wallet = open(dir.path(), new).unwrap();
    assert_eq!(wallet.history_retention().unwrap(), Some(30));
    let area = software_secure_area(keys_dir, vec![2; 32]).unwrap();
    assert_eq!(area.public_key(pending.device_key_alias).unwrap().len(), 65);
}
