//! The MobileSecurityObject (ISO 18013-5 §9.1.2.4): the issuer-signed digests, device key and
//! validity of a credential.

use super::{ValueDigests, check_version};
use crate::cbor::{
    ByteString, CborError, FieldMap, FromCbor, MapRest, ToCbor, Value, text_map, text_map_value,
};
use crate::cose::CoseKey;
use crate::time::TDate;

/// The only digest algorithm this implementation issues with and accepts.
pub const SHA_256: &str = "SHA-256";

/// The MSO, signed by the document signer inside issuerAuth.
#[derive(Debug, Clone, PartialEq)]
pub struct MobileSecurityObject {
    /// Version, "1.0".
    pub version: String,
    /// Digest algorithm, "SHA-256".
    pub digest_algorithm: String,
    /// Namespace -> digest ID -> digest of the IssuerSignedItemBytes.
    pub value_digests: ValueDigests,
    /// The device key and its authorizations.
    pub device_key_info: DeviceKeyInfo,
    /// The document type.
    pub doc_type: String,
    /// When the MSO was signed and is valid.
    pub validity_info: ValidityInfo,
    /// Status (ISO 18013-5 second edition: status list / identifier list), kept as received.
    pub status: Option<Value>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// The device key bound to the credential.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceKeyInfo {
    /// The device's public key (its private key stays in the device's secure area).
    pub device_key: CoseKey,
    /// What the device key may sign in DeviceSigned.
    pub key_authorizations: Option<KeyAuthorizations>,
    /// Key info, kept as received.
    pub key_info: Option<Value>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// Namespaces and elements the device key is authorized to sign.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAuthorizations {
    /// Whole namespaces.
    pub name_spaces: Option<Vec<String>>,
    /// Single elements per namespace.
    pub data_elements: Option<Vec<(String, Vec<String>)>>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// The MSO's validity.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidityInfo {
    /// When the MSO was signed.
    pub signed: TDate,
    /// Start of validity.
    pub valid_from: TDate,
    /// End of validity.
    pub valid_until: TDate,
    /// When the issuer expects to re-issue.
    pub expected_update: Option<TDate>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl MobileSecurityObject {
    /// The digest recorded for `digest_id` in `namespace`.
    pub fn digest(&self, namespace: &str, digest_id: u64) -> Option<&[u8]> {
        self.value_digests
            .iter()
            .find(|(ns, _)| ns == namespace)?
            .1
            .iter()
            .find(|(id, _)| *id == digest_id)
            .map(|(_, digest)| digest.as_slice())
    }
}

impl ValidityInfo {
    /// True when the dates are ordered: signed <= validUntil and validFrom <= validUntil.
    pub fn is_ordered(&self) -> bool {
        self.valid_from.instant() <= self.valid_until.instant()
            && self.signed.instant() <= self.valid_until.instant()
    }
}

impl FromCbor for MobileSecurityObject {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "MobileSecurityObject")?;
        let version: String = f.required("version")?;
        check_version(&version, "MobileSecurityObject version")?;
        let digest_algorithm = f.required("digestAlgorithm")?;
        let digests_value = f.value("valueDigests").ok_or(CborError::MissingField {
            context: "MobileSecurityObject",
            field: "valueDigests",
        })?;
        let value_digests = text_map::<Value>(digests_value, "ValueDigests")?
            .iter()
            .map(|(ns, ids)| Ok((ns.clone(), digest_ids(ids)?)))
            .collect::<Result<_, CborError>>()?;
        Ok(MobileSecurityObject {
            version,
            digest_algorithm,
            value_digests,
            device_key_info: f.required("deviceKeyInfo")?,
            doc_type: f.required("docType")?,
            validity_info: f.required("validityInfo")?,
            status: f.optional("status")?,
            rest: f.finish(),
        })
    }
}

fn digest_ids(value: &Value) -> Result<Vec<(u64, Vec<u8>)>, CborError> {
    value
        .as_map()
        .ok_or(CborError::TypeMismatch {
            context: "DigestIDs",
            expected: "map",
        })?
        .iter()
        .map(|(id, digest)| Ok((u64::from_cbor(id)?, ByteString::from_cbor(digest)?.0)))
        .collect()
}

impl ToCbor for MobileSecurityObject {
    fn to_cbor(&self) -> Value {
        let digests: Vec<(String, Value)> = self
            .value_digests
            .iter()
            .map(|(ns, ids)| {
                let ids = ids
                    .iter()
                    .map(|(id, digest)| (Value::Unsigned(*id), Value::Bytes(digest.clone())))
                    .collect();
                (ns.clone(), Value::Map(ids))
            })
            .collect();
        let mut known = vec![
            (Value::text("version"), Value::text(self.version.clone())),
            (
                Value::text("digestAlgorithm"),
                Value::text(self.digest_algorithm.clone()),
            ),
            (Value::text("valueDigests"), text_map_value(&digests)),
            (Value::text("deviceKeyInfo"), self.device_key_info.to_cbor()),
            (Value::text("docType"), Value::text(self.doc_type.clone())),
            (Value::text("validityInfo"), self.validity_info.to_cbor()),
        ];
        if let Some(status) = &self.status {
            known.push((Value::text("status"), status.clone()));
        }
        self.rest.build(known)
    }
}

impl FromCbor for DeviceKeyInfo {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceKeyInfo")?;
        Ok(DeviceKeyInfo {
            device_key: f.required("deviceKey")?,
            key_authorizations: f.optional("keyAuthorizations")?,
            key_info: f.optional("keyInfo")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DeviceKeyInfo {
    fn to_cbor(&self) -> Value {
        let mut known = vec![(Value::text("deviceKey"), self.device_key.to_cbor())];
        if let Some(auth) = &self.key_authorizations {
            known.push((Value::text("keyAuthorizations"), auth.to_cbor()));
        }
        if let Some(info) = &self.key_info {
            known.push((Value::text("keyInfo"), info.clone()));
        }
        self.rest.build(known)
    }
}

impl FromCbor for KeyAuthorizations {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "KeyAuthorizations")?;
        let name_spaces = f.optional("nameSpaces")?;
        let data_elements = f
            .value("dataElements")
            .map(|v| text_map::<Vec<String>>(v, "KeyAuthorizations dataElements"))
            .transpose()?;
        Ok(KeyAuthorizations {
            name_spaces,
            data_elements,
            rest: f.finish(),
        })
    }
}

impl ToCbor for KeyAuthorizations {
    fn to_cbor(&self) -> Value {
        let mut known = Vec::new();
        if let Some(ns) = &self.name_spaces {
            known.push((Value::text("nameSpaces"), ns.to_cbor()));
        }
        if let Some(elements) = &self.data_elements {
            known.push((Value::text("dataElements"), text_map_value(elements)));
        }
        self.rest.build(known)
    }
}

impl FromCbor for ValidityInfo {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "ValidityInfo")?;
        Ok(ValidityInfo {
            signed: f.required("signed")?,
            valid_from: f.required("validFrom")?,
            valid_until: f.required("validUntil")?,
            expected_update: f.optional("expectedUpdate")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for ValidityInfo {
    fn to_cbor(&self) -> Value {
        let mut known = vec![
            (Value::text("signed"), self.signed.to_cbor()),
            (Value::text("validFrom"), self.valid_from.to_cbor()),
            (Value::text("validUntil"), self.valid_until.to_cbor()),
        ];
        if let Some(update) = &self.expected_update {
            known.push((Value::text("expectedUpdate"), update.to_cbor()));
        }
        self.rest.build(known)
    }
}
