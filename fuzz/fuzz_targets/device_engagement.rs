#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(engagement) = mdoc::definitions::DeviceEngagement::parse(data) {
        let uri = mdoc::definitions::DeviceEngagement::qr_uri(&engagement);
        assert!(mdoc::definitions::DeviceEngagement::from_qr_uri(&uri).is_ok());
    }
});
