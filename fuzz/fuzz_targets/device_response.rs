#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verifier::VerificationContext;

fn context() -> &'static VerificationContext {
    static CONTEXT: OnceLock<VerificationContext> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let transcript = citizen_wallet_fuzz::vector("session_transcript_bytes");
        let (transcript, _) = mdoc::definitions::SessionTranscript::from_bytes(&transcript)
            .unwrap_or_else(|_| unreachable!());
        let request: mdoc::definitions::DeviceRequest =
            mdoc::cbor::from_slice(&citizen_wallet_fuzz::vector("device_request"))
                .unwrap_or_else(|_| unreachable!());
        VerificationContext {
            transcript,
            requests: Some(
                request
                    .doc_requests
                    .iter()
                    .map(|d| d.items_request.value().clone())
                    .collect(),
            ),
            issuer_anchors: citizen_wallet_fuzz::iaca().clone(),
            now: citizen_wallet_fuzz::ANNEX_D_TIME,
            e_reader_key: None,
        }
    })
}

// The verifier's whole path: decode, then every check.
fuzz_target!(|data: &[u8]| {
    let report = verifier::verify::verify_response_bytes(data, context());
    for document in &report.documents {
        assert!(document.elements.is_empty() || document.authentic());
    }
});
