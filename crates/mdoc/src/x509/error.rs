//! Errors of certificate parsing and chain validation.

/// Why a certificate could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The DER is not a well-formed X.509 certificate.
    #[error("malformed X.509 certificate")]
    Malformed,
    /// The certificate is larger than accepted.
    #[error("X.509 certificate too large")]
    TooLarge,
    /// The PEM text holds no certificate or is malformed.
    #[error("malformed PEM certificate")]
    Pem,
}

/// Why a certificate chain was refused. `position` counts from the leaf (0) up to the trust
/// anchor (the chain's length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// No certificate was given.
    #[error("certificate chain is empty")]
    Empty,
    /// More certificates than accepted.
    #[error("certificate chain is too long")]
    TooLong,
    /// A certificate in the chain could not be parsed.
    #[error("certificate {position} in the chain is malformed")]
    Malformed {
        /// Position in the chain.
        position: usize,
    },
    /// The top of the chain is not issued by any configured trust anchor.
    #[error("certificate chain does not lead to a configured trust anchor")]
    UntrustedRoot,
    /// A certificate's issuer name is not its issuer's subject name.
    #[error("certificate {position} names an issuer that is not the next certificate")]
    NameChaining {
        /// Position in the chain.
        position: usize,
    },
    /// A signature does not verify with the issuer's key.
    #[error("signature of certificate {position} does not verify")]
    BadSignature {
        /// Position in the chain.
        position: usize,
    },
    /// A signature or key algorithm other than ECDSA P-256 with SHA-256.
    #[error("certificate {position} uses an unsupported algorithm")]
    UnsupportedAlgorithm {
        /// Position in the chain.
        position: usize,
    },
    /// The check time is after notAfter.
    #[error("certificate {position} has expired")]
    Expired {
        /// Position in the chain.
        position: usize,
    },
    /// The check time is before notBefore.
    #[error("certificate {position} is not yet valid")]
    NotYetValid {
        /// Position in the chain.
        position: usize,
    },
    /// An issuing certificate is not a CA (basic constraints).
    #[error("issuing certificate {position} is not a CA")]
    NotCa {
        /// Position in the chain.
        position: usize,
    },
    /// The leaf is a CA certificate, which must not sign documents or requests.
    #[error("leaf certificate is a CA certificate")]
    LeafIsCa,
    /// More CA certificates below an issuer than its path length constraint allows.
    #[error("path length constraint of certificate {position} exceeded")]
    PathLength {
        /// Position in the chain.
        position: usize,
    },
    /// Key usage missing a required bit (keyCertSign on issuers, digitalSignature on the leaf).
    #[error("certificate {position} lacks the required key usage")]
    KeyUsage {
        /// Position in the chain.
        position: usize,
    },
    /// The leaf lacks the extended key usage of the purpose (document signer / reader auth).
    #[error("leaf certificate lacks the extended key usage for this purpose")]
    ExtendedKeyUsage,
    /// A critical extension this implementation does not process.
    #[error("certificate {position} has an unsupported critical extension")]
    UnsupportedCriticalExtension {
        /// Position in the chain.
        position: usize,
    },
}
