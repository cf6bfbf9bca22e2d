//! X.509 trust for ISO 18013-5: certificates from x5chain headers, and chain validation to
//! configured trust anchors (IACA roots for issuers, reader roots for verifiers) at an injected
//! time, with a typed error naming each check that fails.

mod certificate;
mod chain;
mod chain_cache;
mod error;
mod issuer_identifier;
mod profile;

pub use certificate::{Certificate, MAX_CERTIFICATE_LEN};
pub use chain::{
    AnchorScope, ChainPurpose, MAX_CHAIN_LEN, TrustAnchors, VerifiedChain, verify_chain,
    verify_chain_uncached,
};
pub use chain_cache::{ChainCache, ChainCacheStats, DEFAULT_CHAIN_CACHE_CAPACITY};
pub use error::{ChainError, RequiredExtension, X509Error};
pub use issuer_identifier::issuer_auth_matches;

/// EKU of an mdoc document signer certificate (ISO 18013-5 Annex B).
pub const EKU_DOCUMENT_SIGNER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.0.18013.5.1.2");
/// EKU of an mdoc reader authentication certificate (ISO 18013-5 Annex B).
pub const EKU_READER_AUTH: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.0.18013.5.1.6");
/// EKU of a VICAL signer certificate, id-mdl-kp-mdlVICAL (ISO 18013-5 Annex C.1.7.2; carried
/// by the AAMVA and Austroads VICAL signers).
pub const EKU_VICAL_SIGNER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.0.18013.5.1.8");
