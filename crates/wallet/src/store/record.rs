//! The content of one credential record.

use mdoc::cbor::{self, ByteString, FieldMap, Value};
use mdoc::time::Timestamp;

use crate::status::RecordedStatus;

/// What is stored for one credential.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialRecord {
    /// The doc type.
    pub doc_type: String,
    /// The issuer's name (the document signer's subject), for display.
    pub issuer: String,
    /// A display name for the credential (e.g. "UK digital ID").
    pub display_name: String,
    /// Start of the MSO validity.
    pub valid_from: Timestamp,
    /// End of the MSO validity.
    pub valid_until: Timestamp,
    /// Alias of the device key in the secure area.
    pub device_key_alias: String,
    /// The IssuerSigned CBOR, byte-for-byte as issued.
    pub issuer_signed: Vec<u8>,
    /// The last status check, if any (see [`crate::status`]).
    pub status: Option<RecordedStatus>,
}

impl std::fmt::Debug for CredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialRecord")
            .field("doc_type", &self.doc_type)
            .field("valid_until", &self.valid_until)
            .finish_non_exhaustive()
    }
}

/// A credential without its payload, for lists. `Debug` shows no names (the issuer's or display
/// names may carry personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    /// The store's id.
    pub id: String,
    /// The doc type.
    pub doc_type: String,
    /// The issuer's name.
    pub issuer: String,
    /// The display name.
    pub display_name: String,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// Alias of the device key.
    pub device_key_alias: String,
    /// The last status check, if any.
    pub status: Option<RecordedStatus>,
}

impl std::fmt::Debug for CredentialSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSummary")
            .field("id", &self.id)
            .field("doc_type", &self.doc_type)
            .field("valid_until", &self.valid_until)
            .finish_non_exhaustive()
    }
}

/// A credential read from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The store's id.
    pub id: String,
    /// The record.
    pub record: CredentialRecord,
}

impl StoredCredential {
    /// The summary of this credential.
    pub fn summary(&self) -> CredentialSummary {
        let r = &self.record;
        CredentialSummary {
            id: self.id.clone(),
            doc_type: r.doc_type.clone(),
            issuer: r.issuer.clone(),
            display_name: r.display_name.clone(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            device_key_alias: r.device_key_alias.clone(),
            status: r.status,
        }
    }
}

impl CredentialRecord {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut entries = vec![
            (Value::text("docType"), Value::text(self.doc_type.clone())),
            (Value::text("issuer"), Value::text(self.issuer.clone())),
            (
                Value::text("displayName"),
                Value::text(self.display_name.clone()),
            ),
            (
                Value::text("validFrom"),
                Value::int(self.valid_from.unix_seconds()),
            ),
            (
                Value::text("validUntil"),
                Value::int(self.valid_until.unix_seconds()),
            ),
            (
                Value::text("deviceKeyAlias"),
                Value::text(self.device_key_alias.clone()),
            ),
            (
                Value::text("issuerSigned"),
                Value::Bytes(self.issuer_signed.clone()),
            ),
        ];
        // Absent until a first status check, so records written before status existed keep
        // their bytes.
        if let Some(status) = &self.status {
            entries.push((Value::text("status"), status.to_cbor()));
        }
        cbor::encode(&Value::canonical_map(entries))
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let value = mdoc::limits::STORED_RECORD.decode_value(bytes).ok()?;
        let mut f = FieldMap::new(&value, "CredentialRecord").ok()?;
        let record = CredentialRecord {
            doc_type: f.required("docType").ok()?,
            issuer: f.required("issuer").ok()?,
            display_name: f.required("displayName").ok()?,
            valid_from: Timestamp::from_unix_seconds(f.required("validFrom").ok()?),
            valid_until: Timestamp::from_unix_seconds(f.required("validUntil").ok()?),
            device_key_alias: f.required("deviceKeyAlias").ok()?,
            issuer_signed: f.required::<ByteString>("issuerSigned").ok()?.0,
            status: match f.optional::<Value>("status").ok()? {
                None => None,
                Some(value) => Some(RecordedStatus::from_cbor(&value)?),
            },
        };
        Some(record)
    }
}
