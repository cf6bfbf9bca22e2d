#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::cbor::Tagged;
use mdoc::definitions::MobileSecurityObject;

fuzz_target!(|data: &[u8]| {
    if let Ok(mso) = Tagged::<MobileSecurityObject>::from_encoded(data) {
        let _ = mso.validity_info.is_ordered();
        let _ = mso.digest("org.iso.18013.5.1", 0);
    }
});
