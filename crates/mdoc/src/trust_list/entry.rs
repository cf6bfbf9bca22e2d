//! One `CertificateInfo` of a trust list.

use crate::time::Timestamp;
use crate::x509::Certificate;

/// A listed CA certificate and what the list says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCertificate {
    /// `certificate`: the CA certificate (DER as received).
    pub certificate: Certificate,
    /// `serialNumber` (big-endian, no leading zeros), checked equal to the certificate's.
    pub serial_number: Vec<u8>,
    /// `ski`, as listed (not compared: publishers write it in two forms).
    pub ski: Vec<u8>,
    /// `docType`: what an IACA may sign for (VICAL; at least one). Empty in a RICAL.
    pub doc_types: Vec<String>,
    /// `certificateProfile`, if listed.
    pub certificate_profiles: Vec<String>,
    /// `issuingAuthority`, if listed.
    pub issuing_authority: Option<String>,
    /// `issuingCountry`, if listed.
    pub issuing_country: Option<String>,
    /// `stateOrProvinceName`, if listed.
    pub state_or_province: Option<String>,
    /// `notBefore`, if listed.
    pub not_before: Option<Timestamp>,
    /// `notAfter`, if listed.
    pub not_after: Option<Timestamp>,
    /// `type` (RICAL), if listed.
    pub entry_type: Option<String>,
    /// `name` (RICAL), if listed.
    pub name: Option<String>,
}

impl ListedCertificate {
    /// An entry for `certificate` (serial, ski, country and state taken from it) listed for
    /// `doc_types` (empty for a RICAL), valid as long as the certificate.
    pub fn new(certificate: Certificate, doc_types: Vec<String>) -> Self {
        ListedCertificate {
            serial_number: strip_zeros(certificate.serial()).to_vec(),
            ski: certificate.subject_key_identifier().unwrap_or_default(),
            doc_types,
            certificate_profiles: Vec::new(),
            issuing_authority: certificate.subject_common_name(),
            issuing_country: certificate.subject_country(),
            state_or_province: certificate.subject_state_or_province(),
            not_before: Some(certificate.not_before()),
            not_after: Some(certificate.not_after()),
            entry_type: None,
            name: None,
            certificate,
        }
    }
}

/// A big-endian unsigned integer without its leading zero bytes.
pub(super) fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}
