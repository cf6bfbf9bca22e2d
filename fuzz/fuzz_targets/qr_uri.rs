#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mdoc::definitions::DeviceEngagement::from_qr_uri(&String::from_utf8_lossy(data));
});
