#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = mdoc::cbor::from_slice::<mdoc::definitions::DeviceRequest>(data) {
        let _ = mdoc::cbor::to_vec(&parsed);
        fuzz_extra(&parsed);
    }
});

/// Reader authentication is checked the way the wallet checks it; the second-edition fields
/// are read the way the wallet reads them.
fn fuzz_extra(request: &mdoc::definitions::DeviceRequest) {
    let _ = request.check_limits();
    for index in 0..request.doc_requests.len() {
        let _ = request.doc_request_info(index);
    }
    if let Some(all) = &request.reader_auth_all {
        let payload = mdoc::auth::reader_authentication_all_bytes(
            &mdoc::cbor::Value::Null,
            request.doc_requests.iter().map(|d| d.items_request.embedded()),
            request.device_request_info.as_ref().map(|i| i.embedded()),
        );
        for auth in all {
            if let Ok(sign1) = mdoc::cose::CoseSign1::from_value(auth)
                && let Ok(chain) = sign1.x5chain()
                && let Some(leaf) = chain.first()
            {
                let _ = (leaf.len(), payload.encoded().len());
            }
        }
    }
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
