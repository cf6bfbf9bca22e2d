#![no_main]
use libfuzzer_sys::fuzz_target;

// Generic CBOR: anything that decodes re-encodes and decodes to the same value.
fuzz_target!(|data: &[u8]| {
    if let Ok(value) = mdoc::cbor::decode(data) {
        let bytes = mdoc::cbor::encode(&value);
        assert!(mdoc::cbor::decode(&bytes).is_ok_and(|again| mdoc::cbor::encode(&again) == bytes));
    }
});
