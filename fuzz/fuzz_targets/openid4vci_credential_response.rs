#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, ErrorResponse, NonceResponse, decode_mdoc_credential,
};
use mdoc::openid4vci::proof::verify_jwt_proof;

// The credential (and deferred credential) response, nonce and error bodies a wallet parses,
// and the credential request and jwt proofs an issuer parses.
fuzz_target!(|data: &[u8]| {
    if let Ok(CredentialResponse::Issued { credentials, .. }) = CredentialResponse::from_json(data)
    {
        for credential in credentials {
            if let Ok(bytes) = decode_mdoc_credential(&credential) {
                let _ = mdoc::limits::ISSUER_SIGNED.decode::<mdoc::definitions::IssuerSigned>(&bytes);
            }
        }
    }
    let _ = NonceResponse::from_json(data);
    let _ = ErrorResponse::from_json(data);
    if let Ok(request) = CredentialRequest::from_json(data) {
        for proof in request.jwt_proofs().unwrap_or_default() {
            let _ = verify_jwt_proof(proof);
        }
    }
    let _ = verify_jwt_proof(&String::from_utf8_lossy(data));
});
