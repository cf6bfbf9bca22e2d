//! A trust-list provider for tests and pilots: a list root, a VICAL signer and a RICAL signer
//! certified by it, and signed VICALs (of IACAs, each with its doc types) and RICALs (of reader
//! roots).
//!
//! The VICAL signer carries the id-mdl-kp-mdlVICAL extended key usage and key usage
//! nonRepudiation only, as the AAMVA and Austroads signers do; the RICAL signer has
//! digitalSignature. Both are issued directly by the root, which the verifier (VICAL) or the
//! wallet (RICAL) configures as its list anchor; the root is left out of the x5chain.

use mdoc::time::Timestamp;
use mdoc::trust_list::{ListKind, ListedCertificate, TrustList};
use mdoc::x509::{Certificate, EKU_VICAL_SIGNER};
use x509_cert::ext::pkix::KeyUsages;

use crate::certs::{CertificateKind, CertificateProfile, CertifiedKey, IssuerError};

/// A list provider: its root and the two list signers.
#[derive(Debug, Clone)]
pub struct ListProvider {
    name: String,
    root: CertifiedKey,
    vical_signer: CertifiedKey,
    rical_signer: CertifiedKey,
}

impl ListProvider {
    /// A provider named `name` in `country` whose certificates are valid from a year before
    /// `now` (root: ten years, signers: three years).
    pub fn new(name: &str, country: &str, now: Timestamp) -> Result<Self, IssuerError> {
        let start = now.plus_days(-365);
        let root = CertifiedKey::new_custom(
            None,
            &CertificateProfile::new(&format!("{name} Trust List Root"), country, start, 3650),
            &CertificateKind::root(),
        )?;
        let vical_kind = CertificateKind {
            key_usage: vec![KeyUsages::NonRepudiation],
            ..CertificateKind::signer(EKU_VICAL_SIGNER)
        };
        let vical_signer = Self::signer(&root, name, "VICAL", country, start, &vical_kind)?;
        let rical_kind = CertificateKind {
            extended_key_usage: Vec::new(),
            ..CertificateKind::signer(EKU_VICAL_SIGNER)
        };
        let rical_signer = Self::signer(&root, name, "RICAL", country, start, &rical_kind)?;
        Ok(ListProvider {
            name: name.to_owned(),
            root,
            vical_signer,
            rical_signer,
        })
    }

    fn signer(
        root: &CertifiedKey,
        name: &str,
        list: &str,
        country: &str,
        start: Timestamp,
        kind: &CertificateKind,
    ) -> Result<CertifiedKey, IssuerError> {
        CertifiedKey::new_custom(
            Some(root),
            &CertificateProfile::new(&format!("{name} {list} Signer"), country, start, 3 * 365),
            kind,
        )
    }

    /// The root a verifier or wallet configures as its list anchor.
    pub fn root(&self) -> &CertifiedKey {
        &self.root
    }

    /// The VICAL signer.
    pub fn vical_signer(&self) -> &CertifiedKey {
        &self.vical_signer
    }

    /// The RICAL signer.
    pub fn rical_signer(&self) -> &CertifiedKey {
        &self.rical_signer
    }

    /// A VICAL listing each IACA for its doc types, issued at `date`, next update due at
    /// `next_update`.
    pub fn vical(
        &self,
        iacas: &[(Certificate, Vec<String>)],
        issue_id: u64,
        date: Timestamp,
        next_update: Timestamp,
    ) -> Result<Vec<u8>, IssuerError> {
        let entries = iacas
            .iter()
            .map(|(cert, doc_types)| ListedCertificate::new(cert.clone(), doc_types.clone()))
            .collect();
        let mut list = TrustList::new_vical(&self.name, date, entries);
        list.issue_id = Some(issue_id);
        list.next_update = Some(next_update);
        self.sign(&list)
    }

    /// A RICAL listing `reader_roots`, issued at `date`, next update due at `next_update`.
    pub fn rical(
        &self,
        reader_roots: &[Certificate],
        issue_id: u64,
        date: Timestamp,
        next_update: Timestamp,
    ) -> Result<Vec<u8>, IssuerError> {
        let entries = reader_roots
            .iter()
            .map(|cert| ListedCertificate::new(cert.clone(), Vec::new()))
            .collect();
        let mut list = TrustList::new_rical(&self.name, date, entries);
        list.issue_id = Some(issue_id);
        list.next_update = Some(next_update);
        self.sign(&list)
    }

    /// Signs any list (e.g. one a test built by hand) with the signer of its kind.
    pub fn sign(&self, list: &TrustList) -> Result<Vec<u8>, IssuerError> {
        let signer = match list.kind {
            ListKind::Vical => &self.vical_signer,
            ListKind::Rical => &self.rical_signer,
        };
        list.sign(signer.signing_key(), &[signer.certificate().der().to_vec()])
            .map_err(|_| IssuerError::Signing)
    }
}
