#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::verify::{CheckLog, verify_issuer_signed};

// What a wallet checks before it stores a credential.
fuzz_target!(|data: &[u8]| {
    if let Ok(signed) = mdoc::cbor::from_slice::<mdoc::definitions::IssuerSigned>(data) {
        let mut log = CheckLog::new();
        let _ = verify_issuer_signed(
            &signed,
            "org.iso.18013.5.1.mDL",
            citizen_wallet_fuzz::iaca(),
            citizen_wallet_fuzz::ANNEX_D_TIME,
            &mut log,
        );
    }
});
