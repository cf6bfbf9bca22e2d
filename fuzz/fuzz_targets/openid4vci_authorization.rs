#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::openid4vci::authorization::{
    AuthorizationRedirect, AuthorizationRequestRef, PushedAuthorizationRequest,
    PushedAuthorizationResponse,
};
use mdoc::openid4vci::notification::NotificationRequest;
use mdoc::openid4vci::token::TokenRequest;

// The authorization code grant's messages: the pushed authorization request and token request
// forms the issuer parses, the PAR response and the browser redirect the wallet parses, the
// authorization URL the authorization endpoint reads, and the notification request.
fuzz_target!(|data: &[u8]| {
    let _ = PushedAuthorizationRequest::from_form(data);
    let _ = PushedAuthorizationResponse::from_json(data);
    let _ = TokenRequest::from_form(data);
    let _ = NotificationRequest::from_json(data);
    let text = String::from_utf8_lossy(data);
    let _ = AuthorizationRedirect::parse(&text, "https://wallet.example/cb");
    let _ = AuthorizationRequestRef::from_url(&text);
});
