//! One X.509 certificate, kept as received, with the fields ISO 18013-5 checks.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::{Decode, Reader};
use p256::ecdsa::VerifyingKey;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage,
    IssuerAltName, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};

use super::error::X509Error;
use crate::time::Timestamp;

/// Largest accepted certificate, in bytes (mdoc certificates are well under 2 KB).
pub const MAX_CERTIFICATE_LEN: usize = 16 * 1024;

/// ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// id-ecPublicKey (RFC 5480).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1, the named curve P-256 (RFC 5480).
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// An X.509 certificate with its DER exactly as received.
///
/// Cloning is cheap (the parsed form is shared, never re-parsed or deep-copied), and equality
/// compares the DER bytes: the parsed form is a function of them.
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Parsed>,
}

/// The DER as received and its parsed form.
struct Parsed {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.inner.der == other.inner.der
    }
}

impl Eq for Certificate {}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_common_name())
            .finish_non_exhaustive()
    }
}

fn directory_text(
    value: der::Result<Option<x509_cert::ext::pkix::name::DirectoryString>>,
) -> Option<String> {
    value.ok().flatten().map(|s| s.value().into_owned())
}

impl Certificate {
    /// Parses DER, refusing oversized or malformed input.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(X509Error::TooLarge);
        }
        let parsed = x509_cert::Certificate::from_der(der).map_err(|_| X509Error::Malformed)?;
        Ok(Certificate {
            inner: Arc::new(Parsed {
                der: der.to_vec(),
                parsed,
            }),
        })
    }

    /// Parses every certificate in PEM text.
    ///
    /// Each `CERTIFICATE` block is decoded to its DER and parsed with [`Certificate::from_der`],
    /// so PEM input goes through the same (single) DER parser as everything else.
    pub fn from_pem_chain(pem: &str) -> Result<Vec<Self>, X509Error> {
        const END: &str = "-----END CERTIFICATE-----";
        if pem.len() > 64 * MAX_CERTIFICATE_LEN {
            return Err(X509Error::TooLarge);
        }
        let mut rest = pem.trim_end_matches(['\r', '\n']);
        let mut certs = Vec::new();
        while !rest.is_empty() {
            let end = rest.find(END).ok_or(X509Error::Pem)? + END.len();
            let (block, after) = rest.split_at_checked(end).ok_or(X509Error::Pem)?;
            let (label, der) =
                der::pem::decode_vec(block.as_bytes()).map_err(|_| X509Error::Pem)?;
            if label != "CERTIFICATE" {
                return Err(X509Error::Pem);
            }
            certs.push(Self::from_der(&der)?);
            rest = after;
        }
        if certs.is_empty() {
            return Err(X509Error::Pem);
        }
        Ok(certs)
    }

    /// The DER as received.
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }

    /// The certificate as PEM text.
    pub fn to_pem(&self) -> String {
        use base64ct::Encoding as _;
        let body = base64ct::Base64::encode_string(&self.inner.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// The subject's common name.
    pub fn subject_common_name(&self) -> Option<String> {
        directory_text(self.inner.parsed.tbs_certificate().subject().common_name())
    }

    /// The subject common name as chain errors show it (sanitised and bounded).
    pub(crate) fn error_name(&self) -> String {
        super::error::display_subject(self.subject_common_name())
    }

    /// The subject's organization.
    pub fn subject_organization(&self) -> Option<String> {
        directory_text(self.inner.parsed.tbs_certificate().subject().organization())
    }

    /// The subject's organizationIdentifier (OID 2.5.4.97, ETSI EN 319 412-1 semantic
    /// identifier such as `VATGB-123456789`), if any: the EU wallets' relying-party entity
    /// identifier, to which a registration certificate's `sub` is bound.
    pub fn subject_organization_identifier(&self) -> Option<String> {
        directory_text(
            self.inner
                .parsed
                .tbs_certificate()
                .subject()
                .by_oid(const_oid::ObjectIdentifier::new_unwrap("2.5.4.97")),
        )
    }

    /// The subject's country code.
    pub fn subject_country(&self) -> Option<String> {
        let country = self
            .inner
            .parsed
            .tbs_certificate()
            .subject()
            .country()
            .ok()
            .flatten();
        country.map(|c| c.as_str().to_owned())
    }

    /// The subject's state or province (stateOrProvinceName), if any.
    pub fn subject_state_or_province(&self) -> Option<String> {
        directory_text(
            self.inner
                .parsed
                .tbs_certificate()
                .subject()
                .state_or_province(),
        )
    }

    /// The issuer's common name.
    pub fn issuer_common_name(&self) -> Option<String> {
        directory_text(self.inner.parsed.tbs_certificate().issuer().common_name())
    }

    /// The serial number's bytes.
    pub fn serial(&self) -> &[u8] {
        self.inner
            .parsed
            .tbs_certificate()
            .serial_number()
            .as_bytes()
    }

    /// Start of validity.
    pub fn not_before(&self) -> Timestamp {
        to_timestamp(self.inner.parsed.tbs_certificate().validity().not_before)
    }

    /// End of validity.
    pub fn not_after(&self) -> Timestamp {
        to_timestamp(self.inner.parsed.tbs_certificate().validity().not_after)
    }

    /// The subject public key, if it is an uncompressed or compressed P-256 point.
    pub fn public_key(&self) -> Option<VerifyingKey> {
        let spki = self
            .inner
            .parsed
            .tbs_certificate()
            .subject_public_key_info();
        VerifyingKey::from_sec1_bytes(spki.subject_public_key.as_bytes()?).ok()
    }

    /// Basic constraints: (is a CA, path length constraint). `None` when absent.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        let (_, bc) = self
            .inner
            .parsed
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()??;
        Some((bc.ca, bc.path_len_constraint))
    }

    /// True when the key usage extension is present and has `usage`.
    pub(crate) fn has_key_usage(&self, usage: KeyUsages) -> bool {
        matches!(
            self.inner.parsed.tbs_certificate().get_extension::<KeyUsage>(),
            Ok(Some((_, ku))) if ku.0.contains(usage)
        )
    }

    /// True when the key usage extension is present and has exactly the bits in `usages`.
    pub(crate) fn has_exactly_key_usages(&self, usages: &[KeyUsages]) -> bool {
        let wanted = usages
            .iter()
            .fold(der::flagset::FlagSet::<KeyUsages>::default(), |acc, u| {
                acc | *u
            });
        matches!(
            self.inner.parsed.tbs_certificate().get_extension::<KeyUsage>(),
            Ok(Some((_, ku))) if ku.0 == wanted
        )
    }

    /// True when issuerAltName is present (once) and holds an email address or a URI.
    pub(crate) fn has_issuer_alt_name(&self) -> bool {
        matches!(
            self.inner.parsed.tbs_certificate().get_extension::<IssuerAltName>(),
            Ok(Some((_, names))) if names.0.iter().any(|name| matches!(
                name,
                GeneralName::Rfc822Name(_) | GeneralName::UniformResourceIdentifier(_)
            ))
        )
    }

    /// True when cRLDistributionPoints is present (once), non-empty, and every point gives a
    /// full name.
    pub(crate) fn has_crl_distribution_points(&self) -> bool {
        let has_full_name = |point: &DistributionPoint| {
            matches!(
                &point.distribution_point,
                Some(DistributionPointName::FullName(names)) if !names.is_empty()
            )
        };
        matches!(
            self.inner.parsed.tbs_certificate().get_extension::<CrlDistributionPoints>(),
            Ok(Some((_, points))) if !points.0.is_empty() && points.0.iter().all(has_full_name)
        )
    }

    /// The subject key identifier, when the extension is present (once).
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        let (_, ski) = self
            .inner
            .parsed
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()??;
        Some(ski.0.as_bytes().to_vec())
    }

    /// The key identifier of the authority key identifier, when present (once).
    pub fn authority_key_identifier(&self) -> Option<Vec<u8>> {
        let (_, aki) = self
            .inner
            .parsed
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()??;
        Some(aki.key_identifier?.as_bytes().to_vec())
    }

    /// True when the extension `oid` is present and marked critical.
    pub(crate) fn has_critical_extension(&self, oid: ObjectIdentifier) -> bool {
        self.inner
            .parsed
            .tbs_certificate()
            .extensions()
            .into_iter()
            .flatten()
            .any(|ext| ext.extn_id == oid && ext.critical)
    }

    /// True when the certificate may sign certificates (key usage keyCertSign).
    pub fn can_sign_certificates(&self) -> bool {
        self.has_key_usage(KeyUsages::KeyCertSign)
    }

    /// True when the certificate may make digital signatures (key usage digitalSignature).
    pub fn can_sign_data(&self) -> bool {
        self.has_key_usage(KeyUsages::DigitalSignature)
    }

    /// True when the extended key usage extension lists `purpose`.
    pub fn has_extended_key_usage(&self, purpose: ObjectIdentifier) -> bool {
        matches!(
            self.inner.parsed.tbs_certificate().get_extension::<ExtendedKeyUsage>(),
            Ok(Some((_, eku))) if eku.0.contains(&purpose)
        )
    }

    /// True when every extension marked critical is one this crate processes.
    pub(crate) fn critical_extensions_understood(&self) -> bool {
        // Key usage, basic constraints, extended key usage, subject alternative name.
        const UNDERSTOOD: [ObjectIdentifier; 4] = [
            ObjectIdentifier::new_unwrap("2.5.29.15"),
            ObjectIdentifier::new_unwrap("2.5.29.19"),
            ObjectIdentifier::new_unwrap("2.5.29.37"),
            ObjectIdentifier::new_unwrap("2.5.29.17"),
        ];
        self.inner
            .parsed
            .tbs_certificate()
            .extensions()
            .into_iter()
            .flatten()
            .filter(|ext| ext.critical)
            .all(|ext| UNDERSTOOD.contains(&ext.extn_id))
    }

    /// True when the signature is ECDSA with SHA-256 and the key an id-ecPublicKey on the named
    /// curve P-256 whose point decodes.
    pub(crate) fn uses_supported_algorithms(&self) -> bool {
        let key_algorithm = &self
            .inner
            .parsed
            .tbs_certificate()
            .subject_public_key_info()
            .algorithm;
        let curve = key_algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        self.inner.parsed.signature_algorithm().oid == ECDSA_WITH_SHA256
            && key_algorithm.oid == ID_EC_PUBLIC_KEY
            && curve == Some(PRIME256V1)
            && self.public_key().is_some()
    }

    /// True when tbsCertificate names the same signature algorithm (OID and parameters) as the
    /// outer signatureAlgorithm, as RFC 5280 4.1.1.2 requires.
    pub(crate) fn signature_algorithms_agree(&self) -> bool {
        self.inner.parsed.tbs_certificate().signature() == self.inner.parsed.signature_algorithm()
    }

    /// True when this certificate's issuer name is `issuer`'s subject name.
    pub(crate) fn is_named_issued_by(&self, issuer: &Certificate) -> bool {
        self.inner.parsed.tbs_certificate().issuer()
            == issuer.inner.parsed.tbs_certificate().subject()
    }

    /// Verifies this certificate's signature, over its TBS bytes as received, with `key`.
    pub(crate) fn signature_verifies_with(&self, key: &VerifyingKey) -> bool {
        use signature::Verifier;
        let Some(tbs) = tbs_bytes(&self.inner.der) else {
            return false;
        };
        let Some(sig_der) = self.inner.parsed.signature().as_bytes() else {
            return false;
        };
        p256::ecdsa::Signature::from_der(sig_der)
            .map(|sig| key.verify(tbs, &sig).is_ok())
            .unwrap_or(false)
    }
}

/// The DER of the tbsCertificate inside a certificate, as received.
fn tbs_bytes(cert_der: &[u8]) -> Option<&[u8]> {
    let mut reader = der::SliceReader::new(cert_der).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    if header.tag() != der::Tag::Sequence {
        return None;
    }
    reader.tlv_bytes().ok()
}

fn to_timestamp(time: x509_cert::time::Time) -> Timestamp {
    Timestamp::from_unix_seconds(
        i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX),
    )
}
