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

/// An extension ISO 18013-5 Annex B makes mandatory on IACA and document signer certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequiredExtension {
    /// issuerAltName, with an email address or a URI.
    IssuerAltName,
    /// cRLDistributionPoints, each with a full name.
    CrlDistributionPoints,
    /// subjectKeyIdentifier.
    SubjectKeyIdentifier,
    /// authorityKeyIdentifier, whose key identifier is the IACA's subject key identifier.
    AuthorityKeyIdentifier,
    /// basicConstraints (critical on the IACA).
    BasicConstraints,
    /// keyUsage (critical on the IACA and the DS).
    KeyUsage,
    /// extKeyUsage (critical on the DS).
    ExtendedKeyUsage,
}

impl std::fmt::Display for RequiredExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RequiredExtension::IssuerAltName => "issuerAltName",
            RequiredExtension::CrlDistributionPoints => "cRLDistributionPoints",
            RequiredExtension::SubjectKeyIdentifier => "subjectKeyIdentifier",
            RequiredExtension::AuthorityKeyIdentifier => "authorityKeyIdentifier",
            RequiredExtension::BasicConstraints => "basicConstraints",
            RequiredExtension::KeyUsage => "keyUsage",
            RequiredExtension::ExtendedKeyUsage => "extKeyUsage",
        })
    }
}

/// Why a certificate chain was refused.
///
/// `position` counts from the leaf (0) up to the trust anchor (the chain's length). `subject` is
/// the failing certificate's subject common name (an organisation's certificate name, never
/// personal data), with control characters replaced and cut to 64 characters; empty when the
/// certificate has none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// No certificate was given.
    #[error("certificate chain is empty")]
    Empty,
    /// More certificates than accepted.
    #[error("certificate chain is too long")]
    TooLong,
    /// A certificate in the chain could not be parsed (so it has no name to give).
    #[error("certificate {position} in the chain is malformed")]
    Malformed {
        /// Position in the chain.
        position: usize,
    },
    /// The top of the chain is not issued by any configured trust anchor.
    #[error("certificate chain does not lead to a configured trust anchor")]
    UntrustedRoot,
    /// A certificate's issuer name is not its issuer's subject name.
    #[error("{} names an issuer that is not the next certificate", at(.position, .subject))]
    NameChaining {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// A signature does not verify with the issuer's key.
    #[error("signature of {} does not verify", at(.position, .subject))]
    BadSignature {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// A signature algorithm other than ECDSA with SHA-256, or a key other than an
    /// id-ecPublicKey on P-256.
    #[error("{} uses an unsupported algorithm", at(.position, .subject))]
    UnsupportedAlgorithm {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// The signature algorithm inside tbsCertificate differs from the outer one (RFC 5280
    /// 4.1.1.2).
    #[error("{} names two different signature algorithms", at(.position, .subject))]
    AlgorithmMismatch {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// The check time is after notAfter.
    #[error("{} has expired", at(.position, .subject))]
    Expired {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// The check time is before notBefore.
    #[error("{} is not yet valid", at(.position, .subject))]
    NotYetValid {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// An issuing certificate is not a CA (basic constraints).
    #[error("issuing {} is not a CA", at(.position, .subject))]
    NotCa {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// The leaf is a CA certificate, which must not sign documents or requests.
    #[error("leaf {} is a CA certificate", at(.position, .subject))]
    LeafIsCa {
        /// Position in the chain (always 0).
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// A document signer chain holds an intermediate CA: Annex B has the IACA issue document
    /// signers directly.
    #[error(
        "{} is an intermediate CA, but a document signer must be issued directly by the IACA",
        at(.position, .subject)
    )]
    IntermediateCa {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// More CA certificates below an issuer than its path length constraint allows, or an IACA
    /// whose path length constraint is not 0.
    #[error("path length constraint of {} is exceeded or not 0", at(.position, .subject))]
    PathLength {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// Key usage not as required: keyCertSign on issuers (and cRLSign on an IACA),
    /// digitalSignature on the leaf (and nothing else on a document signer).
    #[error("key usage of {} is not the one its profile requires", at(.position, .subject))]
    KeyUsage {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// The leaf lacks the extended key usage of the purpose (document signer / reader auth).
    #[error(
        "leaf {} lacks the extended key usage for this purpose",
        at(.position, .subject)
    )]
    ExtendedKeyUsage {
        /// Position in the chain (always 0).
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// A critical extension this implementation does not process.
    #[error("{} has an unsupported critical extension", at(.position, .subject))]
    UnsupportedCriticalExtension {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// An extension Annex B marks critical is not.
    #[error("{} has a non-critical {extension} extension", at(.position, .subject))]
    NotCritical {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
        /// The extension.
        extension: RequiredExtension,
    },
    /// The subject has no countryName, or a document signer's differs from its IACA's.
    #[error("{} has no countryName or not the IACA's", at(.position, .subject))]
    Country {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
    },
    /// An extension Annex B makes mandatory is absent, or holds no usable value (no email or
    /// URI, no full name, an authority key identifier that is not the IACA's key identifier).
    #[error("{} lacks a usable {extension} extension", at(.position, .subject))]
    MissingExtension {
        /// Position in the chain.
        position: usize,
        /// Subject common name.
        subject: String,
        /// The extension.
        extension: RequiredExtension,
    },
    /// The anchor came from a trust list, and now is outside the window the list gives it
    /// (the entry's notBefore / notAfter, or the end of the list's own validity).
    #[error("trust anchor (CN \"{subject}\") is outside the validity its trust list gives it")]
    OutsideListedValidity {
        /// The anchor's subject common name.
        subject: String,
    },
    /// The anchor came from a trust list that does not list it for this document type.
    #[error("trust anchor (CN \"{subject}\") is not listed for this document type")]
    DocTypeNotListed {
        /// The anchor's subject common name.
        subject: String,
    },
}

/// "certificate 1 (CN "utopia iaca")", or "certificate 1 (no CN)".
fn at(position: &usize, subject: &str) -> String {
    if subject.is_empty() {
        format!("certificate {position} (no CN)")
    } else {
        format!("certificate {position} (CN \"{subject}\")")
    }
}

/// Longest subject common name kept in an error, in characters.
const MAX_SUBJECT_CHARS: usize = 64;

/// The subject common name as errors show it: control characters (and quotes) replaced so a
/// hostile name cannot forge log lines, cut to [`MAX_SUBJECT_CHARS`].
pub(crate) fn display_subject(common_name: Option<String>) -> String {
    common_name
        .unwrap_or_default()
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .map(|c| if c.is_control() || c == '"' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_sanitised_and_bounded() {
        assert_eq!(display_subject(None), "");
        assert_eq!(display_subject(Some("a\"b\nc\u{7f}".to_owned())), "a?b?c?");
        assert_eq!(
            display_subject(Some("é".repeat(100))).chars().count(),
            MAX_SUBJECT_CHARS
        );
        let named = ChainError::NotCa {
            position: 2,
            subject: "utopia iaca".to_owned(),
        };
        assert_eq!(
            named.to_string(),
            "issuing certificate 2 (CN \"utopia iaca\") is not a CA"
        );
        let unnamed = ChainError::MissingExtension {
            position: 1,
            subject: String::new(),
            extension: RequiredExtension::CrlDistributionPoints,
        };
        assert_eq!(
            unnamed.to_string(),
            "certificate 1 (no CN) lacks a usable cRLDistributionPoints extension"
        );
    }
}
