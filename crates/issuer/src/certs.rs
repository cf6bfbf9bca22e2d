//! Certificates for an mdoc ecosystem (ISO 18013-5 Annex B profiles), made with the x509-cert
//! builder and P-256 keys.
//!
//! Every certificate carries the extensions Annex B lists as mandatory: subject key identifier
//! (RFC 5280 method 1: SHA-1 of the subjectPublicKey bits), authority key identifier on issued
//! certificates (the issuer's subject key identifier), key usage, basic constraints on CAs,
//! extended key usage on signers, a CRL distribution point and an issuer alternative name (both
//! placeholder URIs under `example.invalid`: this issuer publishes no CRL).

use std::str::FromStr;

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Encode;
use der::asn1::{GeneralizedTime, Ia5String, OctetString};
use mdoc::time::Timestamp;
use mdoc::x509::{Certificate, EKU_DOCUMENT_SIGNER, EKU_READER_AUTH};
use p256::ecdsa::{DerSignature, SigningKey};
use sha1::{Digest, Sha1};
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage,
    IssuerAltName, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// Why a certificate could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerError {
    /// A name attribute is empty or contains characters a distinguished name cannot hold.
    #[error("invalid certificate name")]
    Name,
    /// The validity window is empty or outside what X.509 can express.
    #[error("invalid validity window")]
    Validity,
    /// Encoding or signing failed.
    #[error("certificate building failed")]
    Build,
    /// The credential data cannot be issued (empty, duplicate elements, ...).
    #[error("invalid credential data: {0}")]
    Credential(&'static str),
    /// The signing of the MSO failed.
    #[error("MSO signing failed")]
    Signing,
    /// An OpenID4VCI authorization step was refused (unknown or expired request, another
    /// credential than asked for); names why.
    #[error("authorization refused: {0}")]
    Authorization(&'static str),
}

/// Subject and validity of a certificate to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateProfile {
    /// Common name (CN).
    pub common_name: String,
    /// ISO 3166-1 alpha-2 country code (C).
    pub country: String,
    /// Organization (O), if any.
    pub organization: Option<String>,
    /// State or province (ST), an ISO 3166-2 code, if any.
    pub state: Option<String>,
    /// organizationIdentifier (2.5.4.97), an ETSI EN 319 412-1 semantic identifier such as
    /// `VATGB-123456789`, if any: what a relying-party registration's `sub` is bound to.
    pub organization_identifier: Option<String>,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
}

impl CertificateProfile {
    /// A profile valid from `not_before` for `days` days.
    pub fn new(common_name: &str, country: &str, not_before: Timestamp, days: i64) -> Self {
        CertificateProfile {
            common_name: common_name.to_owned(),
            country: country.to_owned(),
            organization: None,
            state: None,
            organization_identifier: None,
            not_before,
            not_after: not_before.plus_days(days),
        }
    }
}

/// The extensions that make a certificate an IACA, a document signer, a reader root or a reader.
/// Exposed so tests can build deliberately wrong certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateKind {
    /// Basic constraints: `Some(path_len)` for a CA, `None` for an end entity.
    pub ca: Option<Option<u8>>,
    /// Key usage bits.
    pub key_usage: Vec<KeyUsages>,
    /// Extended key usages (empty: no extension).
    pub extended_key_usage: Vec<ObjectIdentifier>,
    /// Whether to add the issuer alternative name (Annex B: mandatory on IACA and DS).
    pub issuer_alt_name: bool,
    /// Whether to add the CRL distribution point (Annex B: mandatory on IACA and DS).
    pub crl_distribution_point: bool,
    /// Whether to add the subject key identifier, and on issued certificates the authority key
    /// identifier (Annex B: mandatory on IACA and DS).
    pub key_identifiers: bool,
    /// Extensions to mark non-critical that Annex B marks critical (basic constraints, key
    /// usage, extended key usage): empty for a conforming certificate.
    pub non_critical: Vec<ObjectIdentifier>,
}

impl CertificateKind {
    /// A root CA (IACA or reader root): CA, path length 0, keyCertSign and cRLSign.
    pub fn root() -> Self {
        CertificateKind {
            ca: Some(Some(0)),
            key_usage: vec![KeyUsages::KeyCertSign, KeyUsages::CRLSign],
            extended_key_usage: Vec::new(),
            issuer_alt_name: true,
            crl_distribution_point: true,
            key_identifiers: true,
            non_critical: Vec::new(),
        }
    }

    /// An end-entity signing certificate for `eku`: digitalSignature only.
    pub fn signer(eku: ObjectIdentifier) -> Self {
        CertificateKind {
            ca: None,
            key_usage: vec![KeyUsages::DigitalSignature],
            extended_key_usage: vec![eku],
            issuer_alt_name: true,
            crl_distribution_point: true,
            key_identifiers: true,
            non_critical: Vec::new(),
        }
    }
}

/// A certificate and the P-256 key it certifies. The key zeroizes on drop and `Debug` hides it.
#[derive(Clone)]
pub struct CertifiedKey {
    certificate: Certificate,
    signing_key: SigningKey,
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

impl CertifiedKey {
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The private key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// A self-signed IACA root for an issuing authority.
    pub fn new_iaca(profile: &CertificateProfile) -> Result<Self, IssuerError> {
        make_certificate(None, profile, &CertificateKind::root())
    }

    /// A document signer certificate issued by `iaca`.
    pub fn new_document_signer(
        iaca: &CertifiedKey,
        profile: &CertificateProfile,
    ) -> Result<Self, IssuerError> {
        make_certificate(
            Some(iaca),
            profile,
            &CertificateKind::signer(EKU_DOCUMENT_SIGNER),
        )
    }

    /// A self-signed root for reader certificates.
    pub fn new_reader_root(profile: &CertificateProfile) -> Result<Self, IssuerError> {
        make_certificate(None, profile, &CertificateKind::root())
    }

    /// A reader authentication certificate issued by `root`.
    pub fn new_reader(
        root: &CertifiedKey,
        profile: &CertificateProfile,
    ) -> Result<Self, IssuerError> {
        make_certificate(
            Some(root),
            profile,
            &CertificateKind::signer(EKU_READER_AUTH),
        )
    }

    /// A certificate of any `kind`, issued by `issuer` or self-signed.
    pub fn new_custom(
        issuer: Option<&CertifiedKey>,
        profile: &CertificateProfile,
        kind: &CertificateKind,
    ) -> Result<Self, IssuerError> {
        make_certificate(issuer, profile, kind)
    }
}

fn name(profile: &CertificateProfile) -> Result<Name, IssuerError> {
    let mut parts = vec![format!("C={}", profile.country)];
    if let Some(state) = &profile.state {
        parts.push(format!("ST={state}"));
    }
    if let Some(org) = &profile.organization {
        parts.push(format!("O={org}"));
    }
    if let Some(id) = &profile.organization_identifier {
        parts.push(format!("2.5.4.97={id}"));
    }
    parts.push(format!("CN={}", profile.common_name));
    let all_safe = parts
        .iter()
        .all(|p| !p.ends_with('=') && !p.contains([',', '+', '"', '\\', '<', '>', ';', '#']));
    if !all_safe {
        return Err(IssuerError::Name);
    }
    // RFC 4514 strings list the most specific attribute first.
    parts.reverse();
    Name::from_str(&parts.join(",")).map_err(|_| IssuerError::Name)
}

fn time(t: Timestamp) -> Result<Time, IssuerError> {
    let seconds = u64::try_from(t.unix_seconds()).map_err(|_| IssuerError::Validity)?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(seconds))
        .map(Time::GeneralTime)
        .map_err(|_| IssuerError::Validity)
}

fn random_serial() -> Result<SerialNumber, IssuerError> {
    let mut bytes: [u8; 16] = mdoc::rng::random_bytes();
    // Positive, and with a non-zero leading byte so the encoding keeps all 16 bytes.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::new(&bytes).map_err(|_| IssuerError::Build)
}

/// The key identifier of RFC 5280 section 4.2.1.2 method (1): SHA-1 of the subjectPublicKey
/// bits, which ISO 18013-5 readers (isomdl among them) recompute and compare.
fn key_id(spki: SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

/// Where the (placeholder) CRL of this test issuer would be published.
const CRL_URI: &str = "https://example.invalid/citizen-wallet/crl";
/// The issuer alternative name of this test issuer.
const ISSUER_URI: &str = "https://example.invalid/citizen-wallet";

struct MdocProfile {
    issuer: Name,
    subject: Name,
    kind: CertificateKind,
    self_signed: bool,
}

fn extension<T: Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> x509_cert::builder::Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

impl MdocProfile {
    /// An extension Annex B marks critical, unless the kind asks otherwise.
    fn critical_extension<T: Encode + AssociatedOid>(
        &self,
        value: &T,
    ) -> x509_cert::builder::Result<Extension> {
        extension(value, !self.kind.non_critical.contains(&T::OID))
    }
}

impl BuilderProfile for MdocProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        if self.kind.key_identifiers {
            extensions.push(extension(
                &SubjectKeyIdentifier(OctetString::new(key_id(spk))?),
                false,
            )?);
        }
        if self.kind.key_identifiers && !self.self_signed {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(key_id(issuer_spk))?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            extensions.push(extension(&aki, false)?);
        }
        if let Some(path_len) = self.kind.ca {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            };
            extensions.push(self.critical_extension(&bc)?);
        }
        let usage = self
            .kind
            .key_usage
            .iter()
            .fold(flagset::FlagSet::default(), |acc, bit| acc | *bit);
        extensions.push(self.critical_extension(&KeyUsage(usage))?);
        if !self.kind.extended_key_usage.is_empty() {
            let eku = ExtendedKeyUsage(self.kind.extended_key_usage.clone());
            extensions.push(self.critical_extension(&eku)?);
        }
        if self.kind.crl_distribution_point {
            let crl = CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(Ia5String::new(CRL_URI)?),
                ])),
                reasons: None,
                crl_issuer: None,
            }]);
            extensions.push(extension(&crl, false)?);
        }
        if self.kind.issuer_alt_name {
            let alt = IssuerAltName(vec![GeneralName::UniformResourceIdentifier(
                Ia5String::new(ISSUER_URI)?,
            )]);
            extensions.push(extension(&alt, false)?);
        }
        Ok(extensions)
    }
}

fn make_certificate(
    issuer: Option<&CertifiedKey>,
    profile: &CertificateProfile,
    kind: &CertificateKind,
) -> Result<CertifiedKey, IssuerError> {
    if profile.not_after <= profile.not_before {
        return Err(IssuerError::Validity);
    }
    let signing_key = SigningKey::from(mdoc::rng::new_p256_secret_key());
    let subject = name(profile)?;
    let issuer_name = match issuer {
        Some(parent) => name_of(parent)?,
        None => subject.clone(),
    };
    let validity = Validity::new(time(profile.not_before)?, time(profile.not_after)?);
    let spki = SubjectPublicKeyInfoOwned::from_key(signing_key.verifying_key())
        .map_err(|_| IssuerError::Build)?;
    let builder_profile = MdocProfile {
        issuer: issuer_name,
        subject,
        kind: kind.clone(),
        self_signed: issuer.is_none(),
    };
    let builder = CertificateBuilder::new(builder_profile, random_serial()?, validity, spki)
        .map_err(|_| IssuerError::Build)?;
    let signer = issuer.map_or(&signing_key, |parent| &parent.signing_key);
    let cert = builder
        .build::<_, DerSignature>(signer)
        .map_err(|_| IssuerError::Build)?;
    let der = cert.to_der().map_err(|_| IssuerError::Build)?;
    let certificate = Certificate::from_der(&der).map_err(|_| IssuerError::Build)?;
    Ok(CertifiedKey {
        certificate,
        signing_key,
    })
}

fn name_of(parent: &CertifiedKey) -> Result<Name, IssuerError> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(parent.certificate.der())
        .map_err(|_| IssuerError::Build)?;
    Ok(cert.tbs_certificate().subject().clone())
}

/// The public key in SPKI DER, for tools that want it.
pub fn public_key_der(key: &CertifiedKey) -> Result<Vec<u8>, IssuerError> {
    key.signing_key
        .verifying_key()
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|_| IssuerError::Build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_injection() {
        let t = Timestamp::from_unix_seconds(1_700_000_000);
        let bad = CertificateProfile::new("evil,O=Other", "GB", t, 10);
        assert_eq!(
            CertifiedKey::new_iaca(&bad).map(|_| ()),
            Err(IssuerError::Name)
        );
        let empty = CertificateProfile::new("", "GB", t, 10);
        assert_eq!(
            CertifiedKey::new_iaca(&empty).map(|_| ()),
            Err(IssuerError::Name)
        );
        let backwards = CertificateProfile::new("x", "GB", t, -1);
        assert_eq!(
            CertifiedKey::new_iaca(&backwards).map(|_| ()),
            Err(IssuerError::Validity)
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let t = Timestamp::from_unix_seconds(1_700_000_000);
        let iaca =
            CertifiedKey::new_iaca(&CertificateProfile::new("Test IACA", "GB", t, 10)).unwrap();
        let secret = hex_lower(&iaca.signing_key().to_bytes());
        assert!(!format!("{iaca:?}").contains(&secret));
        assert!(public_key_der(&iaca).is_ok());
    }

    fn hex_lower(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
