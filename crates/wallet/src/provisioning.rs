//! Provisioning: a device key for the issuer, then full verification of the credential before
//! anything is stored.

use std::collections::BTreeSet;

use mdoc::cose::CoseKey;
use mdoc::definitions::{IssuerSigned, ValueDigests};
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

/// What the provisioning checks established about a credential.
pub(crate) struct VerifiedProvisioning {
    pub(crate) issuer: String,
    pub(crate) display_name: String,
    pub(crate) valid_from: mdoc::time::Timestamp,
    pub(crate) valid_until: mdoc::time::Timestamp,
    /// The common name of the IACA the chain ended at (for the history).
    pub(crate) anchor: String,
}

/// Shortest accepted element salt (ISO/IEC 18013-5 §9.1.2.5: at least 16 bytes).
pub const MIN_SALT_LEN: usize = 16;

fn salts_long_enough(signed: &IssuerSigned) -> bool {
    signed
        .items()
        .all(|(_, item)| item.random.len() >= MIN_SALT_LEN)
}

/// Whether the items are, one for one, the (namespace, digest ID) pairs the MSO covers: no
/// duplicate on either side, none missing, none extra. (Each item's digest was checked by
/// verification; a count alone would let a duplicate stand in for a missing element.)
fn items_match_digests(signed: &IssuerSigned, digests: &ValueDigests) -> bool {
    let mut covered = BTreeSet::new();
    for (namespace, ids) in digests {
        for (id, _) in ids {
            if !covered.insert((namespace.as_str(), *id)) {
                return false;
            }
        }
    }
    let mut present = BTreeSet::new();
    for (namespace, item) in signed.items() {
        if !present.insert((namespace, item.digest_id)) {
            return false;
        }
    }
    present == covered
}

impl Wallet {
    /// Creates a device key for a credential of `doc_type`; hand `device_key` to the issuer.
    pub fn prepare(&self, doc_type: &str) -> Result<PendingCredential, WalletError> {
        let alias = format!(
            "device-{}",
            crate::atomic::hex(&mdoc::rng::random_bytes::<16>())
        );
        let public = self.secure_area().create_key(&alias)?;
        let pending = PendingCredential {
            doc_type: doc_type.to_owned(),
            device_key_alias: alias.clone(),
            device_key: CoseKey::new(public),
        };
        self.pending().insert(alias, pending.clone());
        Ok(pending)
    }

    /// Checks that `pending` is exactly what this wallet prepared and still waits for.
    fn check_prepared(&self, pending: &PendingCredential) -> Result<(), WalletError> {
        match self.pending().get(&pending.device_key_alias) {
            Some(prepared) if prepared == pending => Ok(()),
            _ => Err(WalletError::NotPrepared),
        }
    }

    /// Verifies the issuer's `issuer_signed` bytes fully (IACA chain, MSO signature, doc type,
    /// validity now, every digest, every element value against the registry, no element the
    /// registry refuses for the doc type (health data in a UK digital ID), device key ==
    /// the prepared key) and stores the credential. Refuses with the failed check otherwise;
    /// nothing is stored then and the device key is kept for a retry.
    ///
    /// `pending` must be one this wallet prepared (in this session) and has not yet accepted or
    /// abandoned, unchanged ([`WalletError::NotPrepared`] otherwise), and the MSO's device key
    /// must be the secure area's key under its alias: the doc type and key come from the
    /// wallet's own state, not from the caller.
    ///
    /// Either way the attempt is recorded in the history ([`crate::history`]).
    pub fn accept(
        &self,
        pending: &PendingCredential,
        issuer_signed: &[u8],
    ) -> Result<CredentialSummary, WalletError> {
        let result = self.verify_and_store(pending, issuer_signed);
        let entry = match &result {
            Ok((summary, anchor)) => {
                crate::history::issuance(&pending.doc_type, Some((summary, anchor.clone())), None)
            }
            Err(e) => crate::history::issuance(&pending.doc_type, None, Some(e)),
        };
        self.note_history(entry);
        result.map(|(summary, _)| summary)
    }

    /// [`Wallet::accept`] without the history entry; also returns the IACA's common name.
    fn verify_and_store(
        &self,
        pending: &PendingCredential,
        issuer_signed: &[u8],
    ) -> Result<(CredentialSummary, String), WalletError> {
        self.check_prepared(pending)?;
        let verified =
            self.verify_provisioned(&pending.doc_type, &pending.device_key_alias, issuer_signed)?;
        let record = CredentialRecord::single(
            pending.doc_type.clone(),
            verified.issuer,
            verified.display_name,
            (verified.valid_from, verified.valid_until),
            pending.device_key_alias.clone(),
            issuer_signed.to_vec(),
        );
        // Taken from the registry before storing, so two racing accepts store it once.
        let alias = &pending.device_key_alias;
        let taken = self
            .pending()
            .remove(alias)
            .ok_or(WalletError::NotPrepared)?;
        let id = match self.store().put(record) {
            Ok(id) => id,
            Err(e) => {
                self.pending().insert(alias.clone(), taken);
                return Err(e.into());
            }
        };
        let stored = self.store().get(&id)?;
        Ok((stored.summary(), verified.anchor))
    }

    /// The provisioning checks on `issuer_signed` for a credential of `doc_type` bound to the
    /// secure area's key `alias`: IACA chain, MSO signature, doc type, validity now, every
    /// digest, every element value against the registry, device key binding, salt lengths,
    /// items one for one with the MSO's digests. Stores nothing.
    pub(crate) fn verify_provisioned(
        &self,
        doc_type: &str,
        alias: &str,
        issuer_signed: &[u8],
    ) -> Result<VerifiedProvisioning, WalletError> {
        let held = self.secure_area().public_key(alias)?;
        let signed: IssuerSigned = mdoc::limits::ISSUER_SIGNED.decode(issuer_signed)?;
        let mut log = CheckLog::new();
        let verified = verify_issuer_signed(
            &signed,
            doc_type,
            &self.config().issuer_anchors,
            self.now(),
            &mut log,
        )?;
        let mso_key = verified.mso.device_key_info.device_key.public_key();
        log.require(
            CheckName::DeviceKeyBinding,
            *mso_key == held,
            "the MSO names another device key",
        )?;
        log.require(
            CheckName::ValueDigests,
            salts_long_enough(&signed),
            "an element's salt is shorter than 16 bytes",
        )?;
        log.require(
            CheckName::ValueDigests,
            items_match_digests(&signed, &verified.mso.value_digests),
            "the credential's elements are not exactly those its MSO covers",
        )?;
        // The UK digital ID carries no health data: a credential with a health namespace or
        // element is refused whatever its values (checked before any value is looked at).
        let health = signed.items().any(|(namespace, item)| {
            registry::refusal(doc_type, namespace, &item.element_identifier).is_some()
        });
        log.require(
            CheckName::DocType,
            !health,
            "the credential carries health data, which this document type must not",
        )?;
        for (namespace, item) in signed.items() {
            if let Some(definition) =
                registry::element(doc_type, namespace, &item.element_identifier)
            {
                let valid = registry::validate(&definition, &item.element_value);
                log.record(CheckName::ValueDigests, valid)?;
            }
        }
        let display_name = registry::doc_type(doc_type)
            .map_or_else(|| doc_type.to_owned(), |d| d.display_name.to_owned());
        Ok(VerifiedProvisioning {
            issuer: verified
                .document_signer
                .subject_organization()
                .or_else(|| verified.document_signer.subject_common_name())
                .unwrap_or_default(),
            display_name,
            valid_from: verified.mso.validity_info.valid_from.instant(),
            valid_until: verified.mso.validity_info.valid_until.instant(),
            anchor: verified.iaca.subject_common_name().unwrap_or_default(),
        })
    }

    /// Gives up on a pending credential, deleting its device key. Only a credential this
    /// wallet prepared and still waits for can be abandoned ([`WalletError::NotPrepared`]
    /// otherwise), so the key of a stored credential cannot be deleted this way.
    pub fn abandon(&self, pending: &PendingCredential) -> Result<(), WalletError> {
        self.check_prepared(pending)?;
        self.secure_area().delete_key(&pending.device_key_alias)?;
        self.pending().remove(&pending.device_key_alias);
        Ok(())
    }
}
