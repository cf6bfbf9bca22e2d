//! A small HTTP/1.1 server (tiny_http, no TLS) over the sans-IO OpenID4VCI credential issuer
//! ([`issuer::openid4vci::CredentialIssuerService`]) and its status lists
//! ([`issuer::openid4vci::status::IssuerStatus`]), for tests, examples, the Kotlin/Swift
//! harnesses and pilots. It listens on **loopback only** (`127.0.0.1`, ephemeral port unless
//! one is given); it is never part of the mobile library.
//!
//! Start it in-process with [`start`] (returns the base URL and a [`RunningServer`] handle that
//! stops it when dropped), or run the binary: `cargo run -p citizen-wallet-issuer-server`
//! prints the base URL, an offer URI for a sample citizen with its QR code, and the tx_code.
//!
//! # Endpoint contract
//!
//! `BASE` is `http://127.0.0.1:PORT` (the Credential Issuer Identifier and the authorization
//! server's issuer). Every JSON answer has `Content-Type: application/json` and
//! `Cache-Control: no-store`; every error is `{"error": CODE}` (OAuth / OpenID4VCI codes, or
//! the server's own listed below) with the status shown.
//!
//! | Method and path | Body in | Answer |
//! |---|---|---|
//! | `GET /.well-known/openid-credential-issuer` | — | 200 issuer metadata (§12.2): `mso_mdoc` configurations keyed by doc type, `batch_credential_issuance.batch_size` 10, `nonce_endpoint`, `deferred_credential_endpoint` |
//! | `GET /.well-known/oauth-authorization-server` | — | 200 AS metadata (RFC 8414): `token_endpoint`, pre-authorized grant |
//! | `GET /offer/{id}` | — | 200 the Credential Offer JSON (offer by reference, §4.1.3); 404 `invalid_request` when unknown or expired |
//! | `POST /token` | form `grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=…&tx_code=…` | 200 `{"access_token","token_type":"Bearer","expires_in"}`; 400 `invalid_grant` (wrong/expired/used code or tx_code) / `invalid_request` |
//! | `POST /nonce` | empty | 200 `{"c_nonce"}` |
//! | `POST /credential` | `Authorization: Bearer …`; JSON `{"credential_configuration_id","proofs":{"jwt":[…]}}` | 200 `{"credentials":[{"credential": base64url IssuerSigned}, …]}` one per proof; 202 `{"transaction_id","interval"}` when deferred; 400 `invalid_proof` / `invalid_nonce` / `invalid_credential_request`; 401 `invalid_token` |
//! | `POST /deferred_credential` | `Authorization: Bearer …`; JSON `{"transaction_id"}` | 200 as `/credential`, or 202 again; 400 `invalid_transaction_id` |
//! | `GET /status/list` | — | 200 the Token Status List as a CWT, `Content-Type: application/statuslist+cwt` (draft-ietf-oauth-status-list §10.2); signed now, `exp` one day, `ttl` 300 s; 2 bits per entry |
//! | `GET /status/ids` | — | 200 the ISO 18013-5 identifier list CWT, `Content-Type: application/cwt` (ISO registers no media type of its own) |
//! | `GET /admin/iaca` | — | 200 the IACA certificate (PEM, `application/x-pem-file`): the trust anchor for credentials and status lists |
//! | `POST /admin/offer` | text: a sample citizen's name, `amelia` or `tomasz` (case-insensitive; optional JSON `{"citizen": "…", "deferred": bool}`) | 200 `{"offer_uri","tx_code","credential_offer_uri"}`: a UK digital ID offer by reference under a fresh pre-authorized code, with a 6-digit tx_code; 404 `unknown_citizen` |
//! | `POST /admin/revoke` | JSON `{"index": N}` | 200 `{"indices":[…],"status":"INVALID"}` |
//! | `POST /admin/suspend` | JSON `{"index": N}` | 200 `{"indices":[…],"status":"SUSPENDED"}` |
//! | `POST /admin/reinstate` | JSON `{"index": N}` | 200 `{"indices":[…],"status":"VALID"}` |
//!
//! **Admin endpoints identify a credential by the status-list index of any one copy** (the
//! `idx` of the MSO's `status.status_list`, which the holder's app or a test reads from the
//! credential it received): the action applies to every copy of that document (all copies of
//! one credential response), all or nothing. Errors: 400 `invalid_request` (no index), 404
//! `unknown_index`, 409 `revocation_is_final` (reinstating or suspending a revoked document),
//! 409 `cannot_suspend`. Admin endpoints answer only peers on a loopback address (403
//! `forbidden` otherwise; the server binds loopback anyway).
//!
//! Anything else: 404 `invalid_request`; a known path with the wrong method: 405.
//!
//! # Limits
//!
//! Request bodies: at most [`MAX_BODY`] bytes (413 `request_too_large`, checked against
//! `Content-Length` before reading and enforced while reading); bodies sent chunked are read
//! to the same bound. A small pool of [`ServerConfig::workers`] threads (default 4) answers
//! requests; each waits at most [`POLL`] for work so [`RunningServer::stop`] returns promptly.
//! tiny_http sets no socket read timeout: a loopback client that stalls mid-body holds one
//! worker until it disconnects (acceptable for a loopback test server; documented, not hidden).
//! Offers by reference expire with their pre-authorized code (10 minutes); at most
//! [`offers::MAX_OFFERS`] are kept.
#![forbid(unsafe_code)]

pub mod client;
mod offers;
mod routes;
mod server;

pub use offers::MAX_OFFERS;
pub use server::{POLL, RunningServer, ServerConfig, ServerError, start};

/// Largest request body read: 1 MiB (a batch of 32 `jwt` proofs is about 32 KiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// The sample citizens `POST /admin/offer` knows, by lower-case name.
pub fn sample_citizen(name: &str) -> Option<&'static issuer::samples::Person> {
    match name.trim().to_ascii_lowercase().as_str() {
        "amelia" => Some(&issuer::samples::AMELIA),
        "tomasz" => Some(&issuer::samples::TOMASZ),
        _ => None,
    }
}
