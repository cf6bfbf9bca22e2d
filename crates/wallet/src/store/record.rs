//! The content of one credential record: a document and its copies.
//!
//! A document issued in a batch (OpenID4VCI batch issuance) holds several copies of the same
//! credential, each with its own MSO, salts and device key, so presentations cannot be linked;
//! a document provisioned singly holds one. Records written before batches existed (the keys
//! `deviceKeyAlias` and `issuerSigned`) read as one copy under [`PresentationPolicy::RotateUse`],
//! and a record of that shape is still written in that form.

use mdoc::cbor::{self, ByteString, FieldMap, Value};
use mdoc::time::Timestamp;

use zeroize::Zeroizing;

use crate::status::RecordedStatus;

/// Most copies one record holds.
pub const MAX_COPIES: usize = 64;

/// How copies of a document are used in presentations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PresentationPolicy {
    /// Each copy is disclosed once, then deleted with its device key.
    OneTimeUse,
    /// The least-used copy is disclosed; copies are kept.
    #[default]
    RotateUse,
}

impl PresentationPolicy {
    fn tag(self) -> &'static str {
        match self {
            PresentationPolicy::OneTimeUse => "one-time",
            PresentationPolicy::RotateUse => "rotate",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "one-time" => Some(PresentationPolicy::OneTimeUse),
            "rotate" => Some(PresentationPolicy::RotateUse),
            _ => None,
        }
    }
}

/// One copy of a credential: its device key and IssuerSigned bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialCopy {
    /// Alias of the copy's device key in the secure area.
    pub device_key_alias: String,
    /// The IssuerSigned CBOR, byte-for-byte as issued.
    pub issuer_signed: Vec<u8>,
    /// How many presentations disclosed this copy.
    pub uses: u32,
}

impl std::fmt::Debug for CredentialCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialCopy")
            .field("uses", &self.uses)
            .finish_non_exhaustive()
    }
}

impl CredentialCopy {
    /// A copy not yet used.
    pub fn new(device_key_alias: String, issuer_signed: Vec<u8>) -> Self {
        CredentialCopy {
            device_key_alias,
            issuer_signed,
            uses: 0,
        }
    }
}

/// What a document needs to be refreshed from its issuer (OpenID4VCI 1.0 §6 with a refresh
/// token, RFC 6749 §6): stored encrypted inside the record, never logged (`Debug` omits the
/// token).
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    /// The Credential Issuer Identifier.
    pub credential_issuer: String,
    /// The credential configuration issued.
    pub configuration_id: String,
    /// The wallet's client id at the authorization server.
    pub client_id: String,
    /// The refresh token (rotated by each refresh).
    pub refresh_token: Zeroizing<String>,
    /// The secure-area alias of the DPoP key the token is bound to, if it is.
    pub dpop_key_alias: Option<String>,
}

impl std::fmt::Debug for RefreshGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshGrant")
            .field("configuration_id", &self.configuration_id)
            .field("dpop_bound", &self.dpop_key_alias.is_some())
            .finish_non_exhaustive()
    }
}

impl RefreshGrant {
    fn to_cbor(&self) -> Value {
        let mut fields = vec![
            (
                Value::text("credentialIssuer"),
                Value::text(self.credential_issuer.clone()),
            ),
            (
                Value::text("configurationId"),
                Value::text(self.configuration_id.clone()),
            ),
            (Value::text("clientId"), Value::text(self.client_id.clone())),
            (
                Value::text("refreshToken"),
                Value::text(self.refresh_token.as_str().to_owned()),
            ),
        ];
        if let Some(alias) = &self.dpop_key_alias {
            fields.push((Value::text("dpopKeyAlias"), Value::text(alias.clone())));
        }
        Value::canonical_map(fields)
    }

    fn from_cbor(value: &Value) -> Option<Self> {
        let mut f = FieldMap::new(value, "RefreshGrant").ok()?;
        Some(RefreshGrant {
            credential_issuer: f.required("credentialIssuer").ok()?,
            configuration_id: f.required("configurationId").ok()?,
            client_id: f.required("clientId").ok()?,
            refresh_token: Zeroizing::new(f.required("refreshToken").ok()?),
            dpop_key_alias: f.optional("dpopKeyAlias").ok()?,
        })
    }
}

/// What is stored for one document.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialRecord {
    /// The doc type.
    pub doc_type: String,
    /// The issuer's name (the document signer's subject), for display.
    pub issuer: String,
    /// A display name for the credential (e.g. "UK digital ID").
    pub display_name: String,
    /// Start of the MSO validity (the latest start over the copies).
    pub valid_from: Timestamp,
    /// End of the MSO validity (the earliest end over the copies).
    pub valid_until: Timestamp,
    /// The copies (a singly provisioned credential has one; a used-up batch none).
    pub copies: Vec<CredentialCopy>,
    /// How copies are used.
    pub policy: PresentationPolicy,
    /// Below this many copies left the summary says a refresh is needed (0: never).
    pub refresh_below: u32,
    /// The last status check, if any (see [`crate::status`]).
    pub status: Option<RecordedStatus>,
    /// The issuer's logo for this credential (`https:` or `data:` URI from its metadata, in
    /// the citizen's locale), if it gave one.
    pub logo_uri: Option<String>,
    /// How to refresh the document, when the issuer gave a refresh token.
    pub refresh: Option<RefreshGrant>,
}

impl std::fmt::Debug for CredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialRecord")
            .field("doc_type", &self.doc_type)
            .field("valid_until", &self.valid_until)
            .field("copies", &self.copies.len())
            .field("policy", &self.policy)
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
    /// Alias of the first copy's device key (empty when no copy is left).
    pub device_key_alias: String,
    /// How many copies are left.
    pub copies_left: usize,
    /// How copies are used.
    pub policy: PresentationPolicy,
    /// Fewer copies are left than the document's refresh threshold: ask the issuer for more.
    pub refresh_needed: bool,
    /// The last status check, if any.
    pub status: Option<RecordedStatus>,
    /// The issuer's logo for the credential, if its metadata gave one.
    pub logo_uri: Option<String>,
    /// Whether the document can be refreshed ([`crate::wallet::Wallet::start_refresh`]).
    pub refreshable: bool,
}

impl std::fmt::Debug for CredentialSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSummary")
            .field("id", &self.id)
            .field("doc_type", &self.doc_type)
            .field("valid_until", &self.valid_until)
            .field("copies_left", &self.copies_left)
            .field("refresh_needed", &self.refresh_needed)
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
        let copies_left = r.copies.len();
        CredentialSummary {
            id: self.id.clone(),
            doc_type: r.doc_type.clone(),
            issuer: r.issuer.clone(),
            display_name: r.display_name.clone(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            device_key_alias: r
                .copies
                .first()
                .map(|c| c.device_key_alias.clone())
                .unwrap_or_default(),
            copies_left,
            policy: r.policy,
            refresh_needed: copies_left < usize::try_from(r.refresh_below).unwrap_or(usize::MAX),
            status: r.status,
            logo_uri: r.logo_uri.clone(),
            refreshable: r.refresh.is_some(),
        }
    }
}

impl CredentialRecord {
    /// A record of one copy (a singly provisioned credential), rotated, never needing refresh.
    pub fn single(
        doc_type: String,
        issuer: String,
        display_name: String,
        (valid_from, valid_until): (Timestamp, Timestamp),
        device_key_alias: String,
        issuer_signed: Vec<u8>,
    ) -> Self {
        CredentialRecord {
            doc_type,
            issuer,
            display_name,
            valid_from,
            valid_until,
            copies: vec![CredentialCopy::new(device_key_alias, issuer_signed)],
            policy: PresentationPolicy::RotateUse,
            refresh_below: 0,
            status: None,
            logo_uri: None,
            refresh: None,
        }
    }

    /// Whether the record has the shape records had before batches (one unused rotated copy,
    /// no threshold), and is written in that form.
    fn is_legacy_shape(&self) -> bool {
        self.copies.len() == 1
            && self.copies.iter().all(|c| c.uses == 0)
            && self.policy == PresentationPolicy::RotateUse
            && self.refresh_below == 0
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut fields = vec![
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
        ];
        match self.copies.first() {
            Some(copy) if self.is_legacy_shape() => {
                fields.push((
                    Value::text("deviceKeyAlias"),
                    Value::text(copy.device_key_alias.clone()),
                ));
                fields.push((
                    Value::text("issuerSigned"),
                    Value::Bytes(copy.issuer_signed.clone()),
                ));
            }
            _ => {
                let copies = self
                    .copies
                    .iter()
                    .map(|c| {
                        Value::canonical_map(vec![
                            (
                                Value::text("deviceKeyAlias"),
                                Value::text(c.device_key_alias.clone()),
                            ),
                            (
                                Value::text("issuerSigned"),
                                Value::Bytes(c.issuer_signed.clone()),
                            ),
                            (Value::text("uses"), Value::int(i64::from(c.uses))),
                        ])
                    })
                    .collect();
                fields.push((Value::text("copies"), Value::Array(copies)));
                fields.push((Value::text("policy"), Value::text(self.policy.tag())));
                fields.push((
                    Value::text("refreshBelow"),
                    Value::int(i64::from(self.refresh_below)),
                ));
            }
        }
        // Absent until a first status check, so records written before status existed keep
        // their bytes.
        if let Some(status) = &self.status {
            fields.push((Value::text("status"), status.to_cbor()));
        }
        // Absent unless set, so records written before issuance over OpenID4VCI keep their
        // bytes.
        if let Some(logo) = &self.logo_uri {
            fields.push((Value::text("logoUri"), Value::text(logo.clone())));
        }
        if let Some(refresh) = &self.refresh {
            fields.push((Value::text("refresh"), refresh.to_cbor()));
        }
        cbor::encode(&Value::canonical_map(fields))
    }

    fn decode_copy(value: &Value) -> Option<CredentialCopy> {
        let mut f = FieldMap::new(value, "CredentialCopy").ok()?;
        Some(CredentialCopy {
            device_key_alias: f.required("deviceKeyAlias").ok()?,
            issuer_signed: f.required::<ByteString>("issuerSigned").ok()?.0,
            uses: u32::try_from(f.required::<u64>("uses").ok()?).ok()?,
        })
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let value = mdoc::limits::STORED_RECORD.decode_value(bytes).ok()?;
        let mut f = FieldMap::new(&value, "CredentialRecord").ok()?;
        let doc_type = f.required("docType").ok()?;
        let issuer = f.required("issuer").ok()?;
        let display_name = f.required("displayName").ok()?;
        let valid_from = Timestamp::from_unix_seconds(f.required("validFrom").ok()?);
        let valid_until = Timestamp::from_unix_seconds(f.required("validUntil").ok()?);
        let (copies, policy, refresh_below) = match f.optional::<Vec<Value>>("copies").ok()? {
            Some(copies) => {
                if copies.len() > MAX_COPIES {
                    return None;
                }
                let copies = copies
                    .iter()
                    .map(Self::decode_copy)
                    .collect::<Option<Vec<_>>>()?;
                let policy = PresentationPolicy::from_tag(&f.required::<String>("policy").ok()?)?;
                let refresh_below = u32::try_from(f.required::<u64>("refreshBelow").ok()?).ok()?;
                (copies, policy, refresh_below)
            }
            None => {
                let copy = CredentialCopy::new(
                    f.required("deviceKeyAlias").ok()?,
                    f.required::<ByteString>("issuerSigned").ok()?.0,
                );
                (vec![copy], PresentationPolicy::RotateUse, 0)
            }
        };
        let status = match f.optional::<Value>("status").ok()? {
            None => None,
            Some(value) => Some(RecordedStatus::from_cbor(&value)?),
        };
        let logo_uri = f.optional::<String>("logoUri").ok()?;
        let refresh = match f.optional::<Value>("refresh").ok()? {
            None => None,
            Some(value) => Some(RefreshGrant::from_cbor(&value)?),
        };
        Some(CredentialRecord {
            doc_type,
            issuer,
            display_name,
            valid_from,
            valid_until,
            copies,
            policy,
            refresh_below,
            status,
            logo_uri,
            refresh,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> CredentialRecord {
        CredentialRecord {
            doc_type: "d".into(),
            issuer: "i".into(),
            display_name: "n".into(),
            valid_from: Timestamp::from_unix_seconds(1),
            valid_until: Timestamp::from_unix_seconds(2),
            copies: (0..3)
                .map(|n| CredentialCopy {
                    device_key_alias: format!("k{n}"),
                    issuer_signed: vec![n; 4],
                    uses: u32::from(n),
                })
                .collect(),
            policy: PresentationPolicy::OneTimeUse,
            refresh_below: 2,
            status: None,
            logo_uri: None,
            refresh: None,
        }
    }

    /// A record as written before batches existed (the encoding of the previous version).
    fn legacy_bytes() -> Vec<u8> {
        cbor::encode(&Value::canonical_map(vec![
            (Value::text("docType"), Value::text("d")),
            (Value::text("issuer"), Value::text("i")),
            (Value::text("displayName"), Value::text("n")),
            (Value::text("validFrom"), Value::int(1)),
            (Value::text("validUntil"), Value::int(2)),
            (Value::text("deviceKeyAlias"), Value::text("k")),
            (Value::text("issuerSigned"), Value::Bytes(vec![9; 4])),
        ]))
    }

    #[test]
    fn batches_round_trip_and_old_records_stay_readable() {
        assert_eq!(CredentialRecord::decode(&batch().encode()), Some(batch()));
        let old = CredentialRecord::decode(&legacy_bytes()).unwrap();
        assert_eq!(
            old.copies,
            vec![CredentialCopy::new("k".into(), vec![9; 4])]
        );
        assert_eq!(old.policy, PresentationPolicy::RotateUse);
        // A single-copy record is still written in the old form, byte for byte.
        assert_eq!(old.encode(), legacy_bytes());
        let empty = CredentialRecord {
            copies: Vec::new(),
            ..batch()
        };
        assert_eq!(CredentialRecord::decode(&empty.encode()), Some(empty));
        let refreshable = CredentialRecord {
            logo_uri: Some("data:image/png;base64,AA".into()),
            refresh: Some(RefreshGrant {
                credential_issuer: "https://issuer.example".into(),
                configuration_id: "c".into(),
                client_id: "w".into(),
                refresh_token: Zeroizing::new("secret-refresh".into()),
                dpop_key_alias: Some("dpop-1".into()),
            }),
            ..batch()
        };
        assert_eq!(
            CredentialRecord::decode(&refreshable.encode()),
            Some(refreshable.clone())
        );
        // The token never shows in Debug output.
        assert!(!format!("{refreshable:?}").contains("secret-refresh"));
    }

    #[test]
    fn malformed_batches_are_refused() {
        let mut bad = batch();
        bad.copies = (0..=MAX_COPIES as u8)
            .map(|n| CredentialCopy::new(format!("k{n}"), vec![n]))
            .collect();
        assert_eq!(CredentialRecord::decode(&bad.encode()), None);
        let encoded = batch().encode();
        for (from, to) in [
            (&b"one-time"[..], &b"one-tame"[..]),
            (b"refreshBelow", b"refreshBelox"),
        ] {
            let mut bytes = encoded.clone();
            let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
            bytes[at..at + from.len()].copy_from_slice(to);
            assert_eq!(CredentialRecord::decode(&bytes), None);
        }
        assert_eq!(CredentialRecord::decode(b"\xa0"), None);
        assert_eq!(CredentialRecord::decode(b""), None);
    }

    #[test]
    fn the_summary_counts_copies_and_says_when_to_refresh() {
        let summary = StoredCredential {
            id: "x".into(),
            record: batch(),
        }
        .summary();
        assert_eq!((summary.copies_left, summary.refresh_needed), (3, false));
        let mut low = batch();
        low.copies.truncate(1);
        let summary = StoredCredential {
            id: "x".into(),
            record: low,
        }
        .summary();
        assert_eq!((summary.copies_left, summary.refresh_needed), (1, true));
        assert_eq!(summary.device_key_alias, "k0");
    }
}
