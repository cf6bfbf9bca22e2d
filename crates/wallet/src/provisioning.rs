//! Provisioning: a device key for the issuer, then full verification of the credential before
//! anything is stored.

use mdoc::cose::CoseKey;
use mdoc::definitions::IssuerSigned;
use mdoc::registry;
use mdoc::verify::{CheckLog, CheckName, verify_issuer_signed};

use crate::store::{CredentialRecord, CredentialSummary};
use crate::wallet::{Wallet, WalletError};

/// A device key made for a credential that has not arrived yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCredential {
    /// The doc type asked for.
    pub doc_type: String,
    /// The device key's alias in the secure area.
    pub device_key_alias: String,
    /// The device public key, for the issuer to bind into the MSO.
    pub device_key: CoseKey,
}

impl Wallet {
    /// Creates a device key for a credential of `doc_type`; hand `device_key` to the issuer.
    pub fn prepare(&self, doc_type: &str) -> Result<PendingCredential, WalletError> {
        let alias = format!(
            "device-{}",
            crate::atomic::hex(&mdoc::rng::random_bytes::<16>())
        );
        let public = self.secure_area().create_key(&alias)?;
        Ok(PendingCredential {
            doc_type: doc_type.to_owned(),
            device_key_alias: alias,
            device_key: CoseKey::new(public),
        })
    }

    /// Verifies the issuer's `issuer_signed` bytes fully (IACA chain, MSO signature, doc type,
    /// validity now, every digest, every element value against the registry, device key ==
    /// the prepared key) and stores the credential. Refuses with the failed check otherwise;
    /// nothing is stored then and the device key is kept for a retry.
    pub fn accept(
        &self,
        pending: &PendingCredential,
        issuer_signed: &[u8],
    ) -> Result<CredentialSummary, WalletError> {
        let signed: IssuerSigned = mdoc::limits::ISSUER_SIGNED.decode(issuer_signed)?;
        let mut log = CheckLog::new();
        let verified = verify_issuer_signed(
            &signed,
            &pending.doc_type,
            &self.config().issuer_anchors,
            self.now(),
            &mut log,
        )?;
        let bound =
            verified.mso.device_key_info.device_key.public_key() == pending.device_key.public_key();
        log.require(
            CheckName::DeviceKeyBinding,
            bound,
            "the MSO names another device key",
        )?;
        let covered: usize = verified
            .mso
            .value_digests
            .iter()
            .map(|(_, d)| d.len())
            .sum();
        let complete = signed.items().count() == covered;
        log.require(
            CheckName::ValueDigests,
            complete,
            "the credential lacks elements its MSO covers",
        )?;
        for (namespace, item) in signed.items() {
            if let Some(definition) =
                registry::element(&pending.doc_type, namespace, &item.element_identifier)
            {
                let valid = registry::validate(&definition, &item.element_value);
                log.record(CheckName::ValueDigests, valid)?;
            }
        }
        let display_name = registry::doc_type(&pending.doc_type)
            .map_or_else(|| pending.doc_type.clone(), |d| d.display_name.to_owned());
        let record = CredentialRecord {
            doc_type: pending.doc_type.clone(),
            issuer: verified
                .document_signer
                .subject_organization()
                .or_else(|| verified.document_signer.subject_common_name())
                .unwrap_or_default(),
            display_name,
            valid_from: verified.mso.validity_info.valid_from.instant(),
            valid_until: verified.mso.validity_info.valid_until.instant(),
            device_key_alias: pending.device_key_alias.clone(),
            issuer_signed: issuer_signed.to_vec(),
        };
        let id = self.store().put(record)?;
        let stored = self.store().get(&id)?;
        Ok(stored.summary())
    }

    /// Gives up on a pending credential, deleting its device key.
    pub fn abandon(&self, pending: &PendingCredential) -> Result<(), WalletError> {
        Ok(self.secure_area().delete_key(&pending.device_key_alias)?)
    }
}
