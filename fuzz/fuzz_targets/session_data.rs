#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = mdoc::cbor::from_slice::<mdoc::definitions::SessionData>(data) {
        let _ = mdoc::cbor::to_vec(&parsed);
        fuzz_extra(&parsed);
    }
});

#[allow(unused_variables)]
fn fuzz_extra(parsed: &mdoc::definitions::SessionData) {}
