//! Issuing ISO 18013-5 credentials: IssuerSigned with a signed MSO.

use std::collections::BTreeSet;

use mdoc::cbor::MapRest;
use mdoc::cbor::{self, Tagged, ToCbor, Value};
use mdoc::cose::{CoseKey, CoseSign1, Payload};
use mdoc::definitions::mso::SHA_256;
use mdoc::definitions::{
    DeviceKeyInfo, IssuerSigned, IssuerSignedItem, MobileSecurityObject, ValidityInfo,
};
use mdoc::time::{TDate, Timestamp};
use rand_core::Rng;
use sha2::{Digest, Sha256};

use crate::certs::{CertificateProfile, CertifiedKey, IssuerError};

/// The elements of a credential: its doc type and, per namespace, element identifier -> value.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialData {
    /// The document type, e.g. `org.iso.18013.5.1.mDL`.
    pub doc_type: String,
    /// Namespace -> element identifier -> value.
    pub name_spaces: Vec<(String, Vec<(String, Value)>)>,
}

/// When an MSO is signed and valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityWindow {
    /// When the MSO is signed.
    pub signed: Timestamp,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// When the issuer expects to re-issue, if it says.
    pub expected_update: Option<Timestamp>,
}

impl ValidityWindow {
    /// Signed and valid from `now`, for `days` days.
    pub fn starting(now: Timestamp, days: i64) -> Self {
        ValidityWindow {
            signed: now,
            valid_from: now,
            valid_until: now.plus_days(days),
            expected_update: None,
        }
    }
}

/// An issued credential: the IssuerSigned structure and its CBOR bytes, which is what the
/// holder's wallet receives.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCredential {
    /// The document type.
    pub doc_type: String,
    /// The issuer-signed items and issuerAuth.
    pub issuer_signed: IssuerSigned,
    /// `issuer_signed` encoded.
    pub bytes: Vec<u8>,
}

/// A random permutation of `0..n` (Fisher-Yates), so digest IDs reveal nothing about elements.
fn shuffled_ids(n: usize) -> Vec<u64> {
    let mut ids: Vec<u64> = (0..n as u64).collect();
    let mut rng = mdoc::rng::system_rng();
    for i in (1..ids.len()).rev() {
        // Rejection sampling keeps the permutation uniform.
        let bound = (i + 1) as u32;
        let zone = u32::MAX - (u32::MAX % bound);
        let j = loop {
            let r = rng.next_u32();
            if r < zone {
                break (r % bound) as usize;
            }
        };
        ids.swap(i, j);
    }
    ids
}

/// Issues `data` to the holder of `device_key`, signed by the document signer `ds`.
///
/// Each element gets a fresh 32-byte random salt and a digest ID from a random permutation;
/// the MSO records SHA-256 of every IssuerSignedItemBytes and is signed (COSE_Sign1, ES256,
/// x5chain = the DS certificate).
pub fn issue_credential(
    ds: &CertifiedKey,
    data: &CredentialData,
    device_key: &CoseKey,
    validity: &ValidityWindow,
) -> Result<IssuedCredential, IssuerError> {
    issue_credential_with_status(ds, data, device_key, validity, None)
}

/// [`issue_credential`] with the MSO `status` entry (ISO 18013-5 second edition §12.3.6) set to
/// `status`, built by [`crate::status`].
pub fn issue_credential_with_status(
    ds: &CertifiedKey,
    data: &CredentialData,
    device_key: &CoseKey,
    validity: &ValidityWindow,
    status: Option<Value>,
) -> Result<IssuedCredential, IssuerError> {
    if data
        .name_spaces
        .iter()
        .all(|(_, elements)| elements.is_empty())
    {
        return Err(IssuerError::Credential("no elements"));
    }
    if validity.valid_until <= validity.valid_from || validity.signed > validity.valid_until {
        return Err(IssuerError::Validity);
    }
    let mut name_spaces = Vec::new();
    let mut value_digests = Vec::new();
    for (namespace, elements) in &data.name_spaces {
        let unique: BTreeSet<&str> = elements.iter().map(|(id, _)| id.as_str()).collect();
        if unique.len() != elements.len() {
            return Err(IssuerError::Credential("duplicate element in a namespace"));
        }
        let ids = shuffled_ids(elements.len());
        let mut items = Vec::with_capacity(elements.len());
        let mut digests = Vec::with_capacity(elements.len());
        for ((identifier, value), digest_id) in elements.iter().zip(ids) {
            let item = Tagged::new(IssuerSignedItem {
                digest_id,
                random: mdoc::rng::random_bytes::<32>().to_vec(),
                element_identifier: identifier.clone(),
                element_value: value.clone(),
                rest: MapRest::default(),
            });
            digests.push((digest_id, Sha256::digest(item.encoded()).to_vec()));
            items.push(item);
        }
        digests.sort_by_key(|(id, _)| *id);
        name_spaces.push((namespace.clone(), items));
        value_digests.push((namespace.clone(), digests));
    }
    let mso = MobileSecurityObject {
        version: "1.0".to_owned(),
        digest_algorithm: SHA_256.to_owned(),
        value_digests,
        device_key_info: DeviceKeyInfo {
            device_key: device_key.clone(),
            key_authorizations: None,
            key_info: None,
            rest: MapRest::default(),
        },
        doc_type: data.doc_type.clone(),
        validity_info: ValidityInfo {
            signed: TDate::new(validity.signed),
            valid_from: TDate::new(validity.valid_from),
            valid_until: TDate::new(validity.valid_until),
            expected_update: validity.expected_update.map(TDate::new),
            rest: MapRest::default(),
        },
        status,
        rest: MapRest::default(),
    };
    let mso_bytes = Tagged::new(mso);
    let issuer_auth = CoseSign1::sign(
        ds.signing_key(),
        mso_bytes.encoded(),
        Payload::Attached,
        &[ds.certificate().der().to_vec()],
    )
    .map_err(|_| IssuerError::Signing)?;
    let issuer_signed = IssuerSigned {
        name_spaces: Some(name_spaces),
        issuer_auth: issuer_auth.to_cbor(),
        rest: MapRest::default(),
    };
    let bytes = cbor::to_vec(&issuer_signed);
    Ok(IssuedCredential {
        doc_type: data.doc_type.clone(),
        issuer_signed,
        bytes,
    })
}

/// An issuing authority for tests, examples and pilots: an IACA and one document signer.
#[derive(Debug, Clone)]
pub struct TestIssuer {
    iaca: CertifiedKey,
    document_signer: CertifiedKey,
}

impl TestIssuer {
    /// A new authority named `name` in `country` whose certificates are valid from a year before
    /// `now` (IACA: ten years, DS: three years).
    pub fn new(name: &str, country: &str, now: Timestamp) -> Result<Self, IssuerError> {
        let start = now.plus_days(-365);
        let iaca = CertifiedKey::new_iaca(&CertificateProfile::new(
            &format!("{name} IACA"),
            country,
            start,
            3650,
        ))?;
        let ds = CertifiedKey::new_document_signer(
            &iaca,
            &CertificateProfile::new(&format!("{name} Document Signer"), country, start, 3 * 365),
        )?;
        Ok(TestIssuer {
            iaca,
            document_signer: ds,
        })
    }

    /// The IACA: the trust anchor verifiers and wallets configure.
    pub fn iaca(&self) -> &CertifiedKey {
        &self.iaca
    }

    /// The document signer.
    pub fn document_signer(&self) -> &CertifiedKey {
        &self.document_signer
    }

    /// Issues `data` to `device_key`.
    pub fn issue(
        &self,
        data: &CredentialData,
        device_key: &CoseKey,
        validity: &ValidityWindow,
    ) -> Result<IssuedCredential, IssuerError> {
        issue_credential(&self.document_signer, data, device_key, validity)
    }

    /// Issues a batch: one credential per device key (each with fresh salts), as issuers do so
    /// that presentations cannot be linked.
    pub fn issue_batch(
        &self,
        data: &CredentialData,
        device_keys: &[CoseKey],
        validity: &ValidityWindow,
    ) -> Result<Vec<IssuedCredential>, IssuerError> {
        device_keys
            .iter()
            .map(|key| self.issue(data, key, validity))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_ids_are_a_permutation() {
        for n in [0, 1, 2, 13] {
            let mut ids = shuffled_ids(n);
            ids.sort_unstable();
            assert_eq!(ids, (0..n as u64).collect::<Vec<_>>());
        }
    }
}
