#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = mdoc::cbor::from_slice::<mdoc::definitions::DeviceRequest>(data) {
        let _ = mdoc::cbor::to_vec(&parsed);
        fuzz_extra(&parsed);
    }
});

/// Reader authentication is checked the way the wallet checks it.
fn fuzz_extra(request: &mdoc::definitions::DeviceRequest) {
    for doc in &request.doc_requests {
        if let Some(auth) = &doc.reader_auth
            && let Ok(sign1) = mdoc::cose::CoseSign1::from_value(auth)
            && let Ok(chain) = sign1.x5chain()
        {
            let _ = mdoc::x509::verify_chain(
                &chain,
                citizen_wallet_fuzz::reader_root(),
                citizen_wallet_fuzz::ANNEX_D_TIME,
                mdoc::x509::ChainPurpose::ReaderAuth,
            );
        }
    }
}
