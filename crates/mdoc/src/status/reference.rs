//! The `status` entry of a Mobile Security Object: where to look a credential up.
//!
//! ISO/IEC 18013-5 second edition §12.3.6 and draft-ietf-oauth-status-list-20 §6.3:
//! `Status = { ? "status_list": StatusListInfo, ? "identifier_list": IdentifierListInfo, * tstr => any }`
//! with `StatusListInfo = { "idx": uint, "uri": tstr, ? "certificate": bstr }` and
//! `IdentifierListInfo = { "id": bstr, "uri": tstr, ? "certificate": bstr }`. At least one
//! mechanism must be present; other mechanisms are ignored.

use super::StatusError;
use crate::cbor::Value;

/// The longest list URI accepted.
pub const MAX_URI_LEN: usize = 2048;
/// The longest identifier accepted in an identifier list.
pub const MAX_IDENTIFIER_LEN: usize = 64;

/// `status_list`: an index into a Token Status List.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRef {
    /// The index of this credential in the list.
    pub idx: u64,
    /// The URI of the Status List Token (its `sub`).
    pub uri: String,
    /// A certificate (DER) the list must be signed with, when the issuer pinned one.
    pub certificate: Option<Vec<u8>>,
}

/// `identifier_list`: this credential's identifier in an ISO identifier list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierListRef {
    /// The credential's identifier.
    pub id: Vec<u8>,
    /// The URI of the identifier list CWT (its `sub`).
    pub uri: String,
    /// A certificate (DER) the list must be signed with, when the issuer pinned one.
    pub certificate: Option<Vec<u8>>,
}

/// The status mechanisms an MSO names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusReference {
    /// The Token Status List entry, if any.
    pub status_list: Option<StatusListRef>,
    /// The identifier list entry, if any.
    pub identifier_list: Option<IdentifierListRef>,
}

fn uri(entry: &Value, what: &'static str) -> Result<String, StatusError> {
    let uri = entry
        .get("uri")
        .and_then(Value::as_text)
        .ok_or(StatusError::Malformed(what))?;
    if uri.is_empty() || uri.len() > MAX_URI_LEN {
        return Err(StatusError::Malformed(what));
    }
    Ok(uri.to_owned())
}

fn certificate(entry: &Value, what: &'static str) -> Result<Option<Vec<u8>>, StatusError> {
    match entry.get("certificate") {
        None => Ok(None),
        Some(Value::Bytes(der)) => Ok(Some(der.clone())),
        Some(_) => Err(StatusError::Malformed(what)),
    }
}

impl StatusReference {
    /// Reads the MSO's `status` value.
    pub fn from_cbor(value: &Value) -> Result<Self, StatusError> {
        if value.as_map().is_none() {
            return Err(StatusError::Malformed("status is not a map"));
        }
        let status_list = match value.get("status_list") {
            None => None,
            Some(entry) => {
                let idx = entry
                    .get("idx")
                    .and_then(Value::as_u64)
                    .ok_or(StatusError::Malformed("status_list idx"))?;
                Some(StatusListRef {
                    idx,
                    uri: uri(entry, "status_list uri")?,
                    certificate: certificate(entry, "status_list certificate")?,
                })
            }
        };
        let identifier_list = match value.get("identifier_list") {
            None => None,
            Some(entry) => {
                let id = entry
                    .get("id")
                    .and_then(Value::as_bytes)
                    .filter(|id| !id.is_empty() && id.len() <= MAX_IDENTIFIER_LEN)
                    .ok_or(StatusError::Malformed("identifier_list id"))?;
                Some(IdentifierListRef {
                    id: id.to_vec(),
                    uri: uri(entry, "identifier_list uri")?,
                    certificate: certificate(entry, "identifier_list certificate")?,
                })
            }
        };
        if status_list.is_none() && identifier_list.is_none() {
            return Err(StatusError::Malformed("status names no known mechanism"));
        }
        Ok(StatusReference {
            status_list,
            identifier_list,
        })
    }

    /// The `status` value for an MSO.
    pub fn to_cbor(&self) -> Value {
        let mut entries = Vec::new();
        let with_certificate = |mut fields: Vec<(Value, Value)>, cert: &Option<Vec<u8>>| {
            if let Some(der) = cert {
                fields.push((Value::text("certificate"), Value::Bytes(der.clone())));
            }
            Value::canonical_map(fields)
        };
        if let Some(list) = &self.status_list {
            let fields = vec![
                (Value::text("idx"), Value::from(list.idx)),
                (Value::text("uri"), Value::text(list.uri.clone())),
            ];
            entries.push((
                Value::text("status_list"),
                with_certificate(fields, &list.certificate),
            ));
        }
        if let Some(list) = &self.identifier_list {
            let fields = vec![
                (Value::text("id"), Value::Bytes(list.id.clone())),
                (Value::text("uri"), Value::text(list.uri.clone())),
            ];
            entries.push((
                Value::text("identifier_list"),
                with_certificate(fields, &list.certificate),
            ));
        }
        Value::canonical_map(entries)
    }

    /// The URIs to fetch, status list first, without duplicates.
    pub fn uris(&self) -> Vec<String> {
        let mut uris = Vec::new();
        for uri in [
            self.status_list.as_ref().map(|l| &l.uri),
            self.identifier_list.as_ref().map(|l| &l.uri),
        ]
        .into_iter()
        .flatten()
        {
            if !uris.contains(uri) {
                uris.push(uri.clone());
            }
        }
        uris
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    #[test]
    fn round_trips_both_mechanisms() {
        let reference = StatusReference {
            status_list: Some(StatusListRef {
                idx: 412,
                uri: "https://issuer.example/status/1".into(),
                certificate: None,
            }),
            identifier_list: Some(IdentifierListRef {
                id: vec![1, 2, 3],
                uri: "https://issuer.example/ids/1".into(),
                certificate: Some(vec![0x30, 0x00]),
            }),
        };
        let bytes = cbor::encode(&reference.to_cbor());
        assert_eq!(
            StatusReference::from_cbor(&cbor::decode(&bytes).unwrap()).unwrap(),
            reference
        );
        assert_eq!(reference.uris().len(), 2);
    }

    #[test]
    fn draft_referenced_token_status_claim() {
        // draft-ietf-oauth-status-list-20 §6.3 example (examples/referenced_token_cwt_diag.md):
        // {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}
        let bytes = hex::decode(
            "a16b7374617475735f6c697374a2636964780063757269782168747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f31",
        )
        .unwrap();
        let parsed = StatusReference::from_cbor(&cbor::decode(&bytes).unwrap()).unwrap();
        let list = parsed.status_list.unwrap();
        assert_eq!(
            (list.idx, list.uri.as_str()),
            (0, "https://example.com/statuslists/1")
        );
    }

    #[test]
    fn bad_references_are_typed() {
        let uri = Value::text("https://x.example/1");
        let bad = [
            Value::Null,
            Value::canonical_map(vec![]),
            Value::canonical_map(vec![(Value::text("other"), Value::Null)]),
            Value::canonical_map(vec![(
                Value::text("status_list"),
                Value::canonical_map(vec![(Value::text("uri"), uri.clone())]),
            )]),
            Value::canonical_map(vec![(
                Value::text("status_list"),
                Value::canonical_map(vec![
                    (Value::text("idx"), Value::int(-1)),
                    (Value::text("uri"), uri.clone()),
                ]),
            )]),
            Value::canonical_map(vec![(
                Value::text("status_list"),
                Value::canonical_map(vec![
                    (Value::text("idx"), Value::from(1u64)),
                    (Value::text("uri"), Value::text("")),
                ]),
            )]),
            Value::canonical_map(vec![(
                Value::text("identifier_list"),
                Value::canonical_map(vec![
                    (Value::text("id"), Value::text("not bytes")),
                    (Value::text("uri"), uri.clone()),
                ]),
            )]),
            Value::canonical_map(vec![(
                Value::text("identifier_list"),
                Value::canonical_map(vec![
                    (Value::text("id"), Value::Bytes(vec![1])),
                    (Value::text("uri"), uri),
                    (Value::text("certificate"), Value::text("pem")),
                ]),
            )]),
        ];
        for value in bad {
            assert!(matches!(
                StatusReference::from_cbor(&value),
                Err(StatusError::Malformed(_))
            ));
        }
    }
}
