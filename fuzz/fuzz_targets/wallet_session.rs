#![no_main]
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use wallet::keys::WalletKey;
use wallet::proximity::{ProximitySession, SessionEvent};
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

fn wallet() -> &'static (tempfile::TempDir, Wallet) {
    static WALLET: OnceLock<(tempfile::TempDir, Wallet)> = OnceLock::new();
    WALLET.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let key = WalletKey::from_bytes([4; 32]);
        let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key)
            .unwrap_or_else(|_| unreachable!());
        let clock = Arc::new(mdoc::clock::FixedClock(citizen_wallet_fuzz::ANNEX_D_TIME));
        let wallet = Wallet::open(
            &dir.path().join("store"),
            &key,
            Arc::new(area),
            WalletConfig::default(),
            clock,
        )
        .unwrap_or_else(|_| unreachable!());
        (dir, wallet)
    })
}

// The holder's entry point: whatever arrives from a reader ends in an event, never a panic.
fuzz_target!(|data: &[u8]| {
    let mut session = ProximitySession::start(&wallet().1, Vec::new());
    if let SessionEvent::Failed { reply, .. } = session.handle(data) {
        assert!(!reply.is_empty());
    }
    let _ = session.handle(data);
});
