//! Chain validation to configured trust anchors.

use super::certificate::Certificate;
use super::error::ChainError;
use super::profile;
use super::{EKU_DOCUMENT_SIGNER, EKU_READER_AUTH};
use crate::time::Timestamp;

/// Most certificates accepted in a chain, anchor excluded.
pub const MAX_CHAIN_LEN: usize = 5;

/// What the leaf certificate must be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainPurpose {
    /// A document signer (issuerAuth), chaining to an IACA.
    DocumentSigner,
    /// A reader authentication certificate (readerAuth), chaining to a reader root.
    ReaderAuth,
    /// The signer of a relying-party registration certificate (ETSI TS 119 475), chaining to a
    /// configured registrar root. No extended key usage is required (the specification names
    /// none); digitalSignature is.
    RegistrationSigner,
}

/// The certificates trusted as roots for one purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    anchors: Vec<Certificate>,
}

impl TrustAnchors {
    /// Anchors from parsed certificates.
    pub fn new(anchors: Vec<Certificate>) -> Self {
        TrustAnchors { anchors }
    }

    /// Anchors from PEM text holding one or more certificates.
    pub fn from_pem(pem: &str) -> Result<Self, super::X509Error> {
        Ok(TrustAnchors::new(Certificate::from_pem_chain(pem)?))
    }

    /// Adds an anchor.
    pub fn add(&mut self, anchor: Certificate) {
        self.anchors.push(anchor);
    }

    /// The anchors.
    pub fn certificates(&self) -> &[Certificate] {
        &self.anchors
    }

    /// True when no anchor is configured.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// A chain that passed every check: its leaf and the anchor it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The leaf certificate (document signer or reader).
    pub leaf: Certificate,
    /// The trust anchor.
    pub anchor: Certificate,
}

impl VerifiedChain {
    /// The leaf's public key (checked to be P-256 during validation).
    pub fn leaf_key(&self) -> Option<p256::ecdsa::VerifyingKey> {
        self.leaf.public_key()
    }
}

/// Validates `chain` (DER, leaf first, as in x5chain) against `anchors` at `now` for `purpose`.
///
/// Checks, each with its own [`ChainError`] naming the certificate (position and subject CN):
/// length, parsing, algorithms (ECDSA P-256 / SHA-256, id-ecPublicKey on P-256, the same
/// signature algorithm inside and outside tbsCertificate), name chaining and every signature up
/// to a configured anchor, the validity of every certificate including the anchor, CA basic
/// constraints, keyCertSign and path length on every issuer, digitalSignature and the purpose's
/// extended key usage on a non-CA leaf, and no unprocessed critical extension anywhere. For a
/// document signer the ISO 18013-5 Annex B IACA / DS profile applies on top: no intermediate
/// CA, an IACA with path length 0, keyCertSign and cRLSign, a DS with digitalSignature only, the
/// IACA's countryName and an authority key identifier equal to the IACA's subject key
/// identifier, and countryName, issuerAltName, cRLDistributionPoints and subjectKeyIdentifier on
/// both. The chain may or may not include the anchor.
pub fn verify_chain(
    chain: &[Vec<u8>],
    anchors: &TrustAnchors,
    now: Timestamp,
    purpose: ChainPurpose,
) -> Result<VerifiedChain, ChainError> {
    if chain.is_empty() {
        return Err(ChainError::Empty);
    }
    if chain.len() > MAX_CHAIN_LEN + 1 {
        return Err(ChainError::TooLong);
    }
    let mut certs = chain
        .iter()
        .enumerate()
        .map(|(position, der)| {
            Certificate::from_der(der).map_err(|_| ChainError::Malformed { position })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // An anchor sent along in the chain is dropped: trust comes from configuration only.
    if certs.len() > 1
        && certs
            .last()
            .is_some_and(|top| anchors.anchors.contains(top))
    {
        certs.pop();
    }
    if certs.len() > MAX_CHAIN_LEN {
        return Err(ChainError::TooLong);
    }
    let top = certs.last().ok_or(ChainError::Empty)?;
    let anchor = find_anchor(top, anchors, certs.len())?;
    if purpose == ChainPurpose::DocumentSigner {
        profile::check_issued_directly(&certs)?;
    }

    let mut path = certs;
    path.push(anchor.clone());
    for (position, cert) in path.iter().enumerate() {
        check_certificate(cert, position, now)?;
    }
    // The last pair (top certificate, anchor) was name-checked and its signature verified by
    // `find_anchor`: verifying it again would cost a second ECDSA verification per chain.
    let anchored = path.len().saturating_sub(2);
    for (position, pair) in path.windows(2).enumerate() {
        let [subject, issuer] = pair else { continue };
        if position < anchored {
            if !subject.is_named_issued_by(issuer) {
                return Err(ChainError::NameChaining {
                    position,
                    subject: subject.error_name(),
                });
            }
            let key = issuer
                .public_key()
                .ok_or_else(|| ChainError::UnsupportedAlgorithm {
                    position: position + 1,
                    subject: issuer.error_name(),
                })?;
            if !subject.signature_verifies_with(&key) {
                return Err(ChainError::BadSignature {
                    position,
                    subject: subject.error_name(),
                });
            }
        }
        check_issuer(issuer, position + 1)?;
    }
    let leaf = path.first().ok_or(ChainError::Empty)?;
    check_leaf(leaf, purpose)?;
    if purpose == ChainPurpose::DocumentSigner {
        profile::check_iaca(&anchor, path.len() - 1)?;
        profile::check_document_signer(leaf, &anchor)?;
    }
    Ok(VerifiedChain {
        leaf: leaf.clone(),
        anchor,
    })
}

fn find_anchor(
    top: &Certificate,
    anchors: &TrustAnchors,
    position: usize,
) -> Result<Certificate, ChainError> {
    let named: Vec<&Certificate> = anchors
        .anchors
        .iter()
        .filter(|a| top.is_named_issued_by(a))
        .collect();
    if named.is_empty() {
        return Err(ChainError::UntrustedRoot);
    }
    named
        .into_iter()
        .find(|a| {
            a.public_key()
                .is_some_and(|key| top.signature_verifies_with(&key))
        })
        .cloned()
        .ok_or_else(|| ChainError::BadSignature {
            position: position.saturating_sub(1),
            subject: top.error_name(),
        })
}

fn check_certificate(
    cert: &Certificate,
    position: usize,
    now: Timestamp,
) -> Result<(), ChainError> {
    let subject = || cert.error_name();
    if !cert.uses_supported_algorithms() {
        return Err(ChainError::UnsupportedAlgorithm {
            position,
            subject: subject(),
        });
    }
    if !cert.signature_algorithms_agree() {
        return Err(ChainError::AlgorithmMismatch {
            position,
            subject: subject(),
        });
    }
    if !cert.critical_extensions_understood() {
        return Err(ChainError::UnsupportedCriticalExtension {
            position,
            subject: subject(),
        });
    }
    if now < cert.not_before() {
        return Err(ChainError::NotYetValid {
            position,
            subject: subject(),
        });
    }
    if now > cert.not_after() {
        return Err(ChainError::Expired {
            position,
            subject: subject(),
        });
    }
    Ok(())
}

/// `position` is the issuer's place in the path; the number of CA certificates below it that
/// are not the leaf is `position - 1`.
fn check_issuer(issuer: &Certificate, position: usize) -> Result<(), ChainError> {
    let subject = || issuer.error_name();
    match issuer.basic_constraints() {
        Some((true, Some(limit))) if position - 1 > usize::from(limit) => {
            return Err(ChainError::PathLength {
                position,
                subject: subject(),
            });
        }
        Some((true, _)) => {}
        _ => {
            return Err(ChainError::NotCa {
                position,
                subject: subject(),
            });
        }
    }
    if !issuer.can_sign_certificates() {
        return Err(ChainError::KeyUsage {
            position,
            subject: subject(),
        });
    }
    Ok(())
}

fn check_leaf(leaf: &Certificate, purpose: ChainPurpose) -> Result<(), ChainError> {
    let subject = || leaf.error_name();
    if matches!(leaf.basic_constraints(), Some((true, _))) {
        return Err(ChainError::LeafIsCa {
            position: 0,
            subject: subject(),
        });
    }
    if !leaf.can_sign_data() {
        return Err(ChainError::KeyUsage {
            position: 0,
            subject: subject(),
        });
    }
    let eku = match purpose {
        ChainPurpose::DocumentSigner => EKU_DOCUMENT_SIGNER,
        ChainPurpose::ReaderAuth => EKU_READER_AUTH,
        ChainPurpose::RegistrationSigner => return Ok(()),
    };
    if !leaf.has_extended_key_usage(eku) {
        return Err(ChainError::ExtendedKeyUsage {
            position: 0,
            subject: subject(),
        });
    }
    Ok(())
}
