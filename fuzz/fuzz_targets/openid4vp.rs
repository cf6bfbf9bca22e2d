#![no_main]
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use wallet::keys::WalletKey;
use wallet::openid4vp::{parse_dcql, Channel, OpenId4VpPresentation};
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

fn wallet() -> &'static (tempfile::TempDir, Wallet) {
    static WALLET: OnceLock<(tempfile::TempDir, Wallet)> = OnceLock::new();
    WALLET.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let key = WalletKey::from_bytes([5; 32]);
        let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key).unwrap_or_else(|_| unreachable!());
        let clock = Arc::new(mdoc::clock::FixedClock(citizen_wallet_fuzz::ANNEX_D_TIME));
        let wallet = Wallet::open(&dir.path().join("store"), &key, Arc::new(area), WalletConfig::default(), clock)
            .unwrap_or_else(|_| unreachable!());
        (dir, wallet)
    })
}

// The OpenID4VP authorization request (JSON or URL) and its DCQL query, as the wallet receives
// them through the Digital Credentials API or by redirect.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
        let _ = parse_dcql(&json);
        if let Some(query) = json.get("dcql_query") {
            let _ = parse_dcql(query);
        }
    }
    let _ = OpenId4VpPresentation::from_request(
        &wallet().1,
        &text,
        Channel::DcApi { origin: "https://verifier.example" },
    );
    let _ = OpenId4VpPresentation::from_request(&wallet().1, &text, Channel::Redirect);
});
