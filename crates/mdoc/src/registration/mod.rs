//! Relying-party registration certificates: who a verifier is, what it is registered to ask
//! for and why — the ETSI TS 119 475 "Wallet-Relying Party Registration Certificate" (WRPRC),
//! CWT profile, as the EU wallets carry it, signed by a registrar the wallet trusts.
//!
//! * [`claims`]: the payload (a CWT claims set) and its bounded decoding.
//! * [`envelope`]: the COSE_Sign1 around it — opening hostile bytes, signing (for a test
//!   registrar), and verification against registrar anchors at an injected time.
//!
//! Sources and choices (the ETSI text itself was not available to this work):
//! * Claim names and meaning follow ETSI TS 119 475 V1.2.1 clause 5.2.4 as reproduced by the
//!   OpenWallet Foundation's `@owf/eudi-registration-certificate` schemas (Tables 7-10): `name`,
//!   `sub`, `sub_ln`, `country`, `registry_uri`, `entitlements`, `purpose` (language-tagged
//!   values), `credentials` (DCQL-like: `format`, `meta`, and — as the published edition spells
//!   it — `claim`, a list of `path`s), `intended_use_id`, `public_body`, `privacy_policy`,
//!   `iat`, `exp` (at most 12 months after `iat`, GEN-5.2.4-08). The CWT header carries `alg`,
//!   `typ` (label 16) `rc-wrp+cwt` and `x5chain` (label 33, RFC 9360).
//! * This module's choice: in the CWT, the RFC 8392 registered claims `sub` (2), `exp` (4) and
//!   `iat` (6) use their integer labels; text keys `sub` / `exp` / `iat` are accepted too. Every
//!   other claim uses its text name. `claims` is accepted as well as `claim`.
//! * This project's extension: `origins`, the web origins the registered service answers from,
//!   so that a registration attached to an unsigned OpenID4VP request can be bound to the
//!   origin the platform reports (the WRPRC is otherwise bound to an access certificate).
//! * The intended use identifies the purpose: `intended_use_id` holds this project's purpose
//!   identifiers (`right_to_work`, `benefits_check`, `age_check`, …). One certificate is one
//!   intended use; a verifier registered for several purposes carries several.

pub mod claims;
pub mod envelope;

pub use claims::{RegisteredCredential, RegistrationCertificate};
pub use envelope::{VerifiedRegistration, open, sign, verify};

use crate::x509::ChainError;

/// Largest registration certificate accepted, in bytes.
pub const MAX_REGISTRATION_LEN: usize = 16 * 1024;
/// Longest accepted text claim, in bytes.
pub const MAX_TEXT_LEN: usize = 1024;
/// Most entries accepted in one list claim (entitlements, purposes, origins, credentials).
pub const MAX_LIST_LEN: usize = 32;
/// Most claims accepted in one registered credential.
pub const MAX_CLAIMS: usize = 256;
/// Longest validity accepted: 12 months after issuance (GEN-5.2.4-08), taken as 366 days.
pub const MAX_VALIDITY_DAYS: i64 = 366;
/// The `typ` this crate writes (ETSI TS 119 475 Table 6).
pub const TYP: &str = "rc-wrp+cwt";
/// The `typ` also accepted: the same type as a full media type (RFC 9596).
pub const TYP_MEDIA_TYPE: &str = "application/rc-wrp+cwt";
/// The ETSI TS 119 475 Annex A.2 entitlement of a service provider (a relying party asking
/// for attributes).
pub const ENTITLEMENT_SERVICE_PROVIDER: &str =
    "https://uri.etsi.org/19475/Entitlement/Service_Provider";

/// Why a registration certificate was refused. Carries no personal data: field names and
/// check names only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// Larger than [`MAX_REGISTRATION_LEN`].
    #[error("registration certificate too large")]
    TooLarge,
    /// Not the expected structure; names the part.
    #[error("malformed registration certificate: {0}")]
    Malformed(&'static str),
    /// The protected header's `typ` is missing or not `rc-wrp+cwt`.
    #[error("not a registration certificate (typ)")]
    WrongType,
    /// The signer's certificate chain failed; names the check.
    #[error("registrar certificate: {0}")]
    Chain(#[from] ChainError),
    /// The signature does not verify with the signer's key (tampered).
    #[error("registration signature does not verify")]
    BadSignature,
    /// Issued in the future (`iat` after now).
    #[error("registration not yet valid")]
    NotYetValid,
    /// Expired (`exp` before now).
    #[error("registration expired")]
    Expired,
    /// `exp` more than 12 months after `iat`.
    #[error("registration validity longer than 12 months")]
    ValidityTooLong,
}
