//! Errors of COSE parsing, signing and verification.

/// Why a COSE structure was refused. Each variant names the check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoseError {
    /// The structure is not a well-formed untagged COSE_Sign1 / COSE_Mac0.
    #[error("malformed COSE structure")]
    Malformed,
    /// The protected header names no algorithm, or one other than the required one.
    #[error("COSE protected header label 1 (alg) {}, expected {expected}", found_alg(.found))]
    Algorithm {
        /// The algorithm required here.
        expected: &'static str,
        /// The integer algorithm found, if the label held an integer.
        found: Option<i64>,
    },
    /// A header label holds a value of the wrong CBOR type.
    #[error("COSE header label {label} holds {found}, expected {expected}")]
    HeaderType {
        /// The header label.
        label: i64,
        /// The CBOR type required.
        expected: &'static str,
        /// The CBOR type found.
        found: &'static str,
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
    /// The x5chain header (label 33) is missing, or holds no or too many certificates.
    #[error("COSE header label 33 (x5chain) is missing or holds no or too many certificates")]
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

fn found_alg(found: &Option<i64>) -> String {
    match found {
        Some(alg) => format!("is {alg}"),
        None => "is missing or not an integer".to_owned(),
    }
}
