//! Errors of COSE parsing, signing and verification.

/// Why a COSE structure was refused. Each variant names the check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoseError {
    /// The structure is not a well-formed untagged COSE_Sign1 / COSE_Mac0.
    #[error("malformed COSE structure")]
    Malformed,
    /// The protected header names no algorithm, or one other than the required one.
    #[error("COSE algorithm missing or not allowed (expected {expected})")]
    Algorithm {
        /// The algorithm required here.
        expected: &'static str,
    },
    /// A header marked critical is not understood.
    #[error("COSE header has unsupported critical parameters")]
    UnsupportedCritical,
    /// The payload is attached where it must be detached, or the reverse.
    #[error("COSE payload is {found} where it must be {expected}")]
    PayloadMode {
        /// "attached" or "detached".
        expected: &'static str,
        /// "attached" or "detached".
        found: &'static str,
    },
    /// The x5chain header is missing or malformed.
    #[error("COSE x5chain header missing or malformed")]
    X5Chain,
    /// The signature is not 64 bytes of r||s.
    #[error("COSE signature is not a 64-byte ES256 signature")]
    SignatureFormat,
    /// The signature does not verify with the given key.
    #[error("COSE signature does not verify")]
    BadSignature,
    /// The MAC tag does not verify with the given key.
    #[error("COSE MAC tag does not verify")]
    BadMac,
    /// The external signer (a secure area) failed.
    #[error("signer failed: {0}")]
    Signer(#[from] super::SignerError),
}
