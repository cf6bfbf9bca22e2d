//! A test and pilot issuer for Citizen Wallet.
//!
//! It makes the certificates an mdoc ecosystem needs — an IACA root and document signers for
//! issuers, a reader root and reader certificates for verifiers ([`certs`]) — and issues
//! ISO 18013-5 credentials for any doc type ([`credential`]): random 32-byte salts, digest IDs in
//! random order, an MSO signed by the document signer and bound to the holder's device key.
//! [`samples`] holds fictional citizens for examples and tests. [`status`] assigns status-list
//! indices, revokes and suspends, and signs Status List Tokens and identifier lists.
//! [`trust_lists`] is a list provider: it signs VICALs of IACAs and RICALs of reader roots.
//!
//! This crate is for tests, examples and pilots: a production issuer keeps its keys in an HSM.
#![forbid(unsafe_code)]

pub mod certs;
pub mod credential;
pub mod openid4vci;
pub mod registrar;
pub mod samples;
pub mod status;
pub mod trust_lists;

pub use certs::{CertificateProfile, CertifiedKey, IssuerError};
pub use credential::{
    CredentialData, IssuedCredential, TestIssuer, ValidityWindow, issue_credential,
};
pub use trust_lists::ListProvider;
