#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wallet::keys::WalletKey;
use wallet::store::CredentialStore;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap_or_else(|_| unreachable!()))
}

// A hostile record file: the store opens, quarantines it or reads it, and never panics.
fuzz_target!(|data: &[u8]| {
    let key = WalletKey::from_bytes([3; 32]);
    let root = dir().path();
    drop(CredentialStore::open(root, &key));
    let _ = std::fs::write(
        root.join("records")
            .join("00112233445566778899aabbccddeeff.rec"),
        data,
    );
    if let Ok(mut store) = CredentialStore::open(root, &key) {
        for summary in store.list() {
            let _ = store.get(&summary.id);
            let _ = store.delete(&summary.id, None);
        }
    }
    let _ = std::fs::remove_dir_all(root.join("quarantine"));
});
