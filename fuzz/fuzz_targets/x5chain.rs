#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::x509::{Certificate, ChainPurpose, verify_chain};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_der(data) {
        let _ = (
            cert.subject_common_name(),
            cert.public_key(),
            cert.basic_constraints(),
            cert.to_pem(),
        );
    }
    let _ = verify_chain(
        &[data.to_vec()],
        citizen_wallet_fuzz::iaca(),
        citizen_wallet_fuzz::ANNEX_D_TIME,
        ChainPurpose::DocumentSigner,
    );
    let _ = Certificate::from_pem_chain(&String::from_utf8_lossy(data));
});
