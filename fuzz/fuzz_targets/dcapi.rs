#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::online::dcapi::{EncryptedResponse, EncryptionInfo};

// The Annex C request fields and the EncryptedResponse, as base64url text or raw CBOR.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = EncryptionInfo::from_base64url(&text);
    let _ = EncryptedResponse::from_base64url(&text);
    let _ = mdoc::cbor::from_slice::<EncryptionInfo>(data);
    if let Ok(response) = mdoc::cbor::from_slice::<EncryptedResponse>(data) {
        let key = mdoc::rng::new_p256_secret_key();
        let _ = mdoc::hpke::open(&key, &response.enc, b"info", b"", &response.cipher_text);
    }
});
