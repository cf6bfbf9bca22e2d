#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::openid4vci::offer::{CredentialOffer, parse_offer_uri};
use mdoc::openid4vci::token::PreAuthorizedTokenRequest;

// A credential offer as a wallet receives it: an `openid-credential-offer://` URI from a QR code
// or link, or the JSON fetched from a credential_offer_uri. Also the token request form the
// issuer parses.
fuzz_target!(|data: &[u8]| {
    let _ = CredentialOffer::from_json(data);
    let _ = parse_offer_uri(&String::from_utf8_lossy(data));
    let _ = PreAuthorizedTokenRequest::from_form(data);
});
