#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::openid4vci::metadata::{AuthorizationServerMetadata, CredentialIssuerMetadata};
use mdoc::openid4vci::token::TokenResponse;

// Credential issuer and authorization server metadata and the token response, as fetched from
// an issuer the wallet does not trust yet.
fuzz_target!(|data: &[u8]| {
    if let Ok(metadata) =
        CredentialIssuerMetadata::from_json(data, "https://credential-issuer.example.com")
    {
        for configuration in metadata.credential_configurations_supported.values() {
            let _ = configuration.display_for("en-GB");
            let _ = configuration.accepts_es256_jwt_proof();
        }
        let _ = metadata.batch_size();
    }
    let _ = AuthorizationServerMetadata::from_json(data, "https://credential-issuer.example.com");
    let _ = TokenResponse::from_json(data);
});
