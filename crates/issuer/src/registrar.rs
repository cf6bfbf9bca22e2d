//! A registrar of relying parties for tests, examples and pilots: a registrar root, a signing
//! certificate under it, and registration certificates (ETSI TS 119 475, CWT profile) stating
//! who a verifier is, the purpose it is registered for, the elements it may request for it, its
//! role, and how long the registration is valid.

use mdoc::registration::claims::MSO_MDOC;
use mdoc::registration::{
    ENTITLEMENT_SERVICE_PROVIDER, RegisteredCredential, RegistrationCertificate, RegistrationError,
};
use mdoc::time::Timestamp;

use crate::certs::{CertificateKind, CertificateProfile, CertifiedKey, IssuerError};

/// Why a registration could not be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrarError {
    /// Making the registrar's certificates failed.
    #[error(transparent)]
    Certificate(#[from] IssuerError),
    /// Signing the registration failed.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
}

/// What to register: one intended use of one relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Trade name shown to citizens.
    pub name: String,
    /// Semantic identifier (ETSI EN 319 412-1), e.g. `VATGB-123456789`; the verifier's reader
    /// certificate carries the same value as its organizationIdentifier.
    pub identifier: String,
    /// The purpose (intended use identifier): `right_to_work`, `benefits_check`, `age_check`, …
    pub purpose: String,
    /// The purpose in words (English).
    pub purpose_text: String,
    /// Role entitlement URIs (see the wallet's role policy), besides the ETSI service-provider
    /// entitlement every registration carries.
    pub roles: Vec<String>,
    /// Per doc type, the (namespace, element) pairs it may request.
    pub elements: Vec<(String, Vec<(String, String)>)>,
    /// Web origins of the registered service (this project's extension, for OpenID4VP).
    pub origins: Vec<String>,
    /// Issued at.
    pub issued_at: Timestamp,
    /// Valid for this many days (the specification allows at most 12 months).
    pub days: i64,
}

impl Registration {
    /// The certificate's claims.
    pub fn certificate(&self) -> RegistrationCertificate {
        let mut entitlements = vec![ENTITLEMENT_SERVICE_PROVIDER.to_owned()];
        entitlements.extend(self.roles.iter().cloned());
        RegistrationCertificate {
            name: self.name.clone(),
            sub: self.identifier.clone(),
            legal_name: None,
            country: "GB".to_owned(),
            registry_uri: "https://registry.example.invalid/wrp".to_owned(),
            entitlements,
            intended_use_id: Some(self.purpose.clone()),
            purpose: vec![("en".to_owned(), self.purpose_text.clone())],
            credentials: self
                .elements
                .iter()
                .map(|(doc_type, elements)| RegisteredCredential {
                    format: MSO_MDOC.to_owned(),
                    doc_type: Some(doc_type.clone()),
                    elements: elements.clone(),
                })
                .collect(),
            public_body: false,
            privacy_policy: None,
            origins: self.origins.clone(),
            issued_at: self.issued_at,
            expires: Some(self.issued_at.plus_days(self.days)),
        }
    }
}

/// A registrar: its root (the anchor wallets configure) and its signing certificate.
pub struct Registrar {
    root: CertifiedKey,
    signer: CertifiedKey,
}

impl Registrar {
    /// A registrar named `name`, certificates valid from `not_before` for ten years.
    pub fn new(name: &str, not_before: Timestamp) -> Result<Self, RegistrarError> {
        let root = CertifiedKey::new_custom(
            None,
            &CertificateProfile::new(&format!("{name} Root"), "GB", not_before, 3650),
            &CertificateKind::root(),
        )?;
        let mut kind = CertificateKind::signer(mdoc::x509::EKU_READER_AUTH);
        kind.extended_key_usage.clear();
        let signer = CertifiedKey::new_custom(
            Some(&root),
            &CertificateProfile::new(name, "GB", not_before, 3650),
            &kind,
        )?;
        Ok(Registrar { root, signer })
    }

    /// The root certificate wallets configure as a registrar anchor.
    pub fn root(&self) -> &CertifiedKey {
        &self.root
    }

    /// Signs `registration` (a COSE_Sign1 with the signer's certificate in x5chain).
    pub fn issue(&self, registration: &Registration) -> Result<Vec<u8>, RegistrarError> {
        self.sign(&registration.certificate())
    }

    /// Signs any claims (tests use this for deliberately odd registrations).
    pub fn sign(&self, certificate: &RegistrationCertificate) -> Result<Vec<u8>, RegistrarError> {
        Ok(mdoc::registration::sign(
            self.signer.signing_key(),
            &[self.signer.certificate().der().to_vec()],
            certificate,
        )?)
    }
}
