//! OpenID for Verifiable Credential Issuance 1.0 (OpenID4VCI), for the `mso_mdoc` format: the
//! messages a wallet and a credential issuer exchange, as typed values with JSON and form
//! encodings, and the `jwt` key proof (Appendix F.1).
//!
//! Everything here is pure: no HTTP, no clock, no keys held. Every parser takes the bytes it was
//! given, refuses more than its bound ([`MAX_JSON`], [`MAX_CREDENTIAL_RESPONSE`]) before
//! parsing, ignores unknown members (as §4.1.1, §6.2, §8.3 and §12.2.4 require) and fails with a
//! typed [`Oid4vciError`] that never echoes the input.
//!
//! * [`offer`]: the Credential Offer (§4.1), by value or by reference from an
//!   `openid-credential-offer://` URI.
//! * [`metadata`]: Credential Issuer metadata (§12.2) with `mso_mdoc` configurations
//!   (Appendix A.2.2) and OAuth Authorization Server metadata (§12.3, RFC 8414).
//! * [`token`]: Token Requests (pre-authorized code, authorization code with PKCE, refresh)
//!   and the Token Response (§6).
//! * [`authorization`]: the authorization code grant's pushed authorization request (RFC 9126),
//!   authorization URL and redirect (§5).
//! * [`pkce`]: PKCE `S256` (RFC 7636).
//! * [`dpop`]: DPoP proofs (RFC 9449) and JWK thumbprints (RFC 7638).
//! * [`notification`]: the Notification Request (§11).
//! * [`key_attestation`]: key attestations (Appendix D.1) passed through from the app.
//! * [`credential`]: nonce (§7), credential (§8) and deferred credential (§9) messages, and
//!   error responses (§6.3, §8.3.1, §9.3).
//! * [`proof`]: the `jwt` proof: JWS compact, ES256, `typ: openid4vci-proof+jwt`, the device
//!   public key as `jwk`, claims `aud`/`iat`/`nonce`; signed through a callback so a secure area
//!   holds the key.

pub mod authorization;
pub mod credential;
pub mod dpop;
pub mod http;
pub mod key_attestation;
pub mod metadata;
pub mod notification;
pub mod offer;
pub mod pkce;
pub mod proof;
pub mod token;

/// Largest JSON message accepted (offer, metadata, token and nonce responses, requests): 256 KiB.
/// Real ones are 1–20 KiB; metadata with many display entries and data: logos stays well below.
pub const MAX_JSON: usize = 256 * 1024;

/// Most credentials accepted in one request or response (proofs in `proofs.jwt`, entries in
/// `credentials`).
pub const MAX_BATCH: usize = 32;

/// Largest Credential Response accepted: [`MAX_BATCH`] credentials of 512 KiB base64url each
/// (an IssuerSigned with a portrait is 120–250 KiB) plus slack: 16 MiB + 64 KiB.
pub const MAX_CREDENTIAL_RESPONSE: usize = MAX_BATCH * 512 * 1024 + 64 * 1024;

/// Longest string accepted where an identifier, code, nonce or token is expected.
pub const MAX_TOKEN_LEN: usize = 4096;

/// The `format` of an ISO 18013-5 mdoc credential configuration (Appendix A.2.1).
pub const FORMAT_MSO_MDOC: &str = "mso_mdoc";

/// The grant type of the pre-authorized code flow (§3.5, §4.1.1).
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// Why an OpenID4VCI message was refused. Carries no input text, token or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Oid4vciError {
    /// The message is larger than its bound.
    #[error("{0} is larger than accepted")]
    TooLarge(&'static str),
    /// The message is not the JSON (or form, or URI) shape the specification defines.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The message is well-formed but breaks a rule of the specification; names the rule.
    #[error("invalid message: {0}")]
    Invalid(&'static str),
    /// A key proof is not a valid `openid4vci-proof+jwt`; names what failed.
    #[error("invalid key proof: {0}")]
    Proof(&'static str),
}

/// Parses a JSON message of at most `max` bytes into `T`.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    max: usize,
    what: &'static str,
) -> Result<T, Oid4vciError> {
    if bytes.len() > max {
        return Err(Oid4vciError::TooLarge(what));
    }
    serde_json::from_slice(bytes).map_err(|_| Oid4vciError::Malformed(what))
}

/// Encodes a message as JSON.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs of strings, numbers and maps with string keys cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Refuses an empty or overlong identifier.
pub(crate) fn check_token(value: &str, what: &'static str) -> Result<(), Oid4vciError> {
    if value.is_empty() || value.len() > MAX_TOKEN_LEN {
        return Err(Oid4vciError::Invalid(what));
    }
    Ok(())
}
