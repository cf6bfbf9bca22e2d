//! The ISO 18013-5 Annex B profile of the issuer chain (Tables B.2 and B.4): what an IACA and a
//! document signer certificate must hold beyond RFC 5280 path validation.
//!
//! Only applied to [`super::ChainPurpose::DocumentSigner`] chains. Reader authentication chains
//! keep the generic checks of [`super::verify_chain`] (digitalSignature and the reader EKU on the
//! leaf): the Annex D reader certificates carry no issuerAltName, so requiring it would refuse
//! the standard's own example.

use const_oid::{AssociatedOid, ObjectIdentifier};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

use super::certificate::Certificate;
use super::error::{ChainError, RequiredExtension};

/// A document signer is issued directly by the IACA: no certificate between the leaf and the
/// anchor. `certs` is the chain with any sent-along anchor removed.
pub(crate) fn check_issued_directly(certs: &[Certificate]) -> Result<(), ChainError> {
    match certs.get(1) {
        Some(intermediate) => Err(ChainError::IntermediateCa {
            position: 1,
            subject: intermediate.error_name(),
        }),
        None => Ok(()),
    }
}

/// The document signer (position 0) issued by `iaca`: key usage digitalSignature and nothing
/// else, the IACA's countryName, an authority key identifier that is the IACA's subject key
/// identifier, and the extensions every Annex B certificate carries.
pub(crate) fn check_document_signer(
    ds: &Certificate,
    iaca: &Certificate,
) -> Result<(), ChainError> {
    let subject = || ds.error_name();
    if !ds.has_exactly_key_usages(&[KeyUsages::DigitalSignature]) {
        return Err(ChainError::KeyUsage {
            position: 0,
            subject: subject(),
        });
    }
    check_critical(
        ds,
        0,
        &[
            (KeyUsage::OID, RequiredExtension::KeyUsage),
            (ExtendedKeyUsage::OID, RequiredExtension::ExtendedKeyUsage),
        ],
    )?;
    if ds.subject_country().is_none() || ds.subject_country() != iaca.subject_country() {
        return Err(ChainError::Country {
            position: 0,
            subject: subject(),
        });
    }
    check_required_extensions(ds, 0)?;
    if ds.authority_key_identifier().is_none()
        || ds.authority_key_identifier() != iaca.subject_key_identifier()
    {
        return Err(ChainError::MissingExtension {
            position: 0,
            subject: subject(),
            extension: RequiredExtension::AuthorityKeyIdentifier,
        });
    }
    Ok(())
}

/// The IACA anchor at `position`: basic constraints CA with path length 0, key usage
/// keyCertSign and cRLSign, an issuerAltName and a CRL distribution point.
pub(crate) fn check_iaca(iaca: &Certificate, position: usize) -> Result<(), ChainError> {
    if iaca.basic_constraints() != Some((true, Some(0))) {
        return Err(ChainError::PathLength {
            position,
            subject: iaca.error_name(),
        });
    }
    if !(iaca.can_sign_certificates() && iaca.has_key_usage(KeyUsages::CRLSign)) {
        return Err(ChainError::KeyUsage {
            position,
            subject: iaca.error_name(),
        });
    }
    check_critical(
        iaca,
        position,
        &[
            (BasicConstraints::OID, RequiredExtension::BasicConstraints),
            (KeyUsage::OID, RequiredExtension::KeyUsage),
        ],
    )?;
    if iaca.subject_country().is_none() {
        return Err(ChainError::Country {
            position,
            subject: iaca.error_name(),
        });
    }
    check_required_extensions(iaca, position)
}

/// Each of `extensions` (already checked present) is marked critical.
fn check_critical(
    cert: &Certificate,
    position: usize,
    extensions: &[(ObjectIdentifier, RequiredExtension)],
) -> Result<(), ChainError> {
    match extensions
        .iter()
        .find(|(oid, _)| !cert.has_critical_extension(*oid))
    {
        Some((_, extension)) => Err(ChainError::NotCritical {
            position,
            subject: cert.error_name(),
            extension: *extension,
        }),
        None => Ok(()),
    }
}

fn check_required_extensions(cert: &Certificate, position: usize) -> Result<(), ChainError> {
    let missing = |extension| ChainError::MissingExtension {
        position,
        subject: cert.error_name(),
        extension,
    };
    if !cert.has_issuer_alt_name() {
        return Err(missing(RequiredExtension::IssuerAltName));
    }
    if !cert.has_crl_distribution_points() {
        return Err(missing(RequiredExtension::CrlDistributionPoints));
    }
    if cert.subject_key_identifier().is_none() {
        return Err(missing(RequiredExtension::SubjectKeyIdentifier));
    }
    Ok(())
}
