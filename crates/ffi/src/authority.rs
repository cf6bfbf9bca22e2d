//! A test and pilot issuing authority, so harnesses and demos can provision real credentials.

use std::sync::Arc;

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples;
use issuer::{TestIssuer, ValidityWindow};
use mdoc::clock::{Clock, SystemClock};
use p256::pkcs8::EncodePrivateKey;

use crate::error::CitizenWalletError;

/// The sample documents the test authority issues (fictional citizens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SampleDocument {
    /// A UK digital ID for Amelia Okafor (British).
    UkDigitalIdAmelia,
    /// A UK digital ID for Tomasz Kowalski (Polish, settled status, work limits).
    UkDigitalIdTomasz,
    /// An ISO mDL for Amelia Okafor.
    MdlAmelia,
    /// An EU PID for Tomasz Kowalski.
    EuPidTomasz,
}

/// A reader's certificate and key, for demos and tests.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReaderCredential {
    /// The reader's private key, PKCS#8 DER.
    pub private_key_pkcs8: Vec<u8>,
    /// The reader certificate chain, PEM, leaf first.
    pub chain_pem: String,
    /// The reader root certificate (the trust anchor wallets configure), PEM.
    pub root_pem: String,
}

/// A VICAL and a RICAL from a test list provider, and the provider's root (the list anchor).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TestTrustLists {
    /// A VICAL listing this authority's IACA for the UK digital ID, the mDL and the EU PID.
    pub vical: Vec<u8>,
    /// A RICAL listing the reader root given.
    pub rical: Vec<u8>,
    /// The list provider's root certificate (PEM): the VICAL and RICAL anchor.
    pub anchor_pem: String,
}

/// An issuing authority for tests, demos and pilots (keys in memory; production issuers keep
/// them in an HSM).
#[derive(uniffi::Object)]
pub struct TestAuthority {
    issuer: TestIssuer,
}

fn failed(e: impl std::fmt::Display) -> CitizenWalletError {
    CitizenWalletError::InvalidInput {
        reason: e.to_string(),
    }
}

#[uniffi::export]
impl TestAuthority {
    /// A new authority with a fresh IACA and document signer.
    #[uniffi::constructor]
    pub fn new(name: String, country: String) -> Result<Arc<Self>, CitizenWalletError> {
        let issuer = TestIssuer::new(&name, &country, SystemClock.now()).map_err(failed)?;
        Ok(Arc::new(TestAuthority { issuer }))
    }

    /// The IACA certificate (PEM): the trust anchor for this authority's credentials.
    pub fn iaca_pem(&self) -> String {
        self.issuer.iaca().certificate().to_pem()
    }

    /// Issues `document` to the holder of `device_key` (COSE_Key bytes from
    /// `Wallet.prepare`), valid for a year; returns the IssuerSigned bytes.
    pub fn issue(
        &self,
        document: SampleDocument,
        device_key: Vec<u8>,
    ) -> Result<Vec<u8>, CitizenWalletError> {
        let now = SystemClock.now();
        let today = now.date();
        let data = match document {
            SampleDocument::UkDigitalIdAmelia => samples::uk_digital_id(&samples::AMELIA, today),
            SampleDocument::UkDigitalIdTomasz => samples::uk_digital_id(&samples::TOMASZ, today),
            SampleDocument::MdlAmelia => samples::mdl(&samples::AMELIA, today),
            SampleDocument::EuPidTomasz => samples::eu_pid(&samples::TOMASZ, today),
        };
        let key = mdoc::cose::CoseKey::from_bytes(&device_key).map_err(failed)?;
        let window = ValidityWindow::starting(now.plus_days(-1), 365);
        Ok(self
            .issuer
            .issue(&data, &key, &window)
            .map_err(failed)?
            .bytes)
    }

    /// Trust lists naming this authority's IACA (VICAL) and the reader root in
    /// `reader_root_pem` (RICAL), signed by a fresh test list provider, valid for a day.
    pub fn trust_lists(
        &self,
        reader_root_pem: String,
    ) -> Result<TestTrustLists, CitizenWalletError> {
        let now = SystemClock.now();
        let provider =
            issuer::ListProvider::new("Test Trust Framework", "GB", now).map_err(failed)?;
        let doc_types = [
            mdoc::registry::UK_DIGITAL_ID,
            mdoc::registry::MDL,
            mdoc::registry::EU_PID,
        ]
        .map(str::to_owned)
        .to_vec();
        let iaca = (self.issuer.iaca().certificate().clone(), doc_types);
        let readers = mdoc::x509::Certificate::from_pem_chain(&reader_root_pem).map_err(failed)?;
        let (issued, next) = (now.plus_seconds(-60), now.plus_days(1));
        Ok(TestTrustLists {
            vical: provider.vical(&[iaca], 1, issued, next).map_err(failed)?,
            rical: provider.rical(&readers, 1, issued, next).map_err(failed)?,
            anchor_pem: provider.root().certificate().to_pem(),
        })
    }

    /// A reader root and a reader certificate for `organization`.
    pub fn new_reader(&self, organization: String) -> Result<ReaderCredential, CitizenWalletError> {
        let start = SystemClock.now().plus_days(-1);
        let root = CertifiedKey::new_reader_root(&CertificateProfile::new(
            &format!("{organization} Reader Root"),
            "GB",
            start,
            3650,
        ))
        .map_err(failed)?;
        let mut profile =
            CertificateProfile::new(&format!("{organization} Reader"), "GB", start, 365);
        profile.organization = Some(organization);
        let reader = CertifiedKey::new_reader(&root, &profile).map_err(failed)?;
        let pkcs8 = reader.signing_key().to_pkcs8_der().map_err(failed)?;
        Ok(ReaderCredential {
            private_key_pkcs8: pkcs8.as_bytes().to_vec(),
            chain_pem: reader.certificate().to_pem(),
            root_pem: root.certificate().to_pem(),
        })
    }
}
