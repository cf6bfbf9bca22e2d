//! The list payload: the VICAL and RICAL maps, read with bounds and written deterministically.

use super::entry::{ListedCertificate, strip_zeros};
use super::{ListKind, MAX_LIST_LEN, TrustList, TrustListError};
use crate::cbor::{self, Limits, Value};
use crate::time::Timestamp;
use crate::x509::Certificate;

/// Most entries (`certificateInfos`) accepted in one list.
pub const MAX_ENTRIES: usize = 4096;
/// Most doc types (or certificate profiles) accepted in one entry.
pub const MAX_DOC_TYPES: usize = 64;
/// Longest text field accepted, in bytes.
pub const MAX_TEXT_LEN: usize = 1024;
/// The RICAL `type` of a reader authentication list (multipaz `Rical.RICAL_TYPE_READER_AUTHENTICATION`,
/// and the published SC17 WG10 test RICAL).
pub const RICAL_TYPE_READER_AUTH: &str = "org.iso.18013.5.1.reader_authentication";

/// CBOR tag of a tdate (RFC 8949 §3.4.1).
const TDATE_TAG: u64 = 0;
/// CBOR tag of an unsigned bignum (RFC 8949 §3.4.3).
const BIGUINT_TAG: u64 = 2;

/// Reads a list payload of `kind`.
pub(super) fn decode(kind: ListKind, bytes: &[u8]) -> Result<TrustList, TrustListError> {
    if bytes.len() > MAX_LIST_LEN {
        return Err(TrustListError::TooLarge {
            limit: MAX_LIST_LEN,
        });
    }
    let limits = Limits {
        max_input: MAX_LIST_LEN,
        ..Limits::DEFAULT
    };
    let map =
        cbor::decode_with_limits(bytes, limits).map_err(|_| TrustListError::Malformed("CBOR"))?;
    text_keyed(&map).ok_or(TrustListError::Malformed("payload is not a text-keyed map"))?;
    let malformed = TrustListError::Malformed;
    let provider_key = match kind {
        ListKind::Vical => "vicalProvider",
        ListKind::Rical => "provider",
    };
    let id_key = match kind {
        ListKind::Vical => "vicalIssueID",
        ListKind::Rical => "id",
    };
    let version = text(map.get("version")).ok_or(malformed("version"))?;
    let provider = text(map.get(provider_key)).ok_or(malformed("provider"))?;
    let date = tdate(map.get("date")).ok_or(malformed("date"))?;
    let issue_id = optional(map.get(id_key), Value::as_u64).ok_or(malformed("issue ID"))?;
    let next_update =
        optional(map.get("nextUpdate"), |v| tdate(Some(v))).ok_or(malformed("nextUpdate"))?;
    let (not_after, list_type, latest_url) = match kind {
        ListKind::Vical => (None, None, None),
        ListKind::Rical => (
            optional(map.get("notAfter"), |v| tdate(Some(v))).ok_or(malformed("notAfter"))?,
            Some(text(map.get("type")).ok_or(malformed("type"))?),
            optional(map.get("latestRicalUrl"), |v| text(Some(v)))
                .ok_or(malformed("latestRicalUrl"))?,
        ),
    };
    let infos = map
        .get("certificateInfos")
        .and_then(Value::as_array)
        .ok_or(malformed("certificateInfos"))?;
    if infos.len() > MAX_ENTRIES {
        return Err(TrustListError::Bound("certificateInfos"));
    }
    let entries = infos
        .iter()
        .enumerate()
        .map(|(index, info)| decode_entry(kind, index, info))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrustList {
        kind,
        version,
        provider,
        date,
        issue_id,
        next_update,
        not_after,
        list_type,
        latest_url,
        entries,
    })
}

fn decode_entry(
    kind: ListKind,
    index: usize,
    info: &Value,
) -> Result<ListedCertificate, TrustListError> {
    let bad = |field| TrustListError::MalformedEntry { index, field };
    text_keyed(info).ok_or(bad("not a text-keyed map"))?;
    let der = info
        .get("certificate")
        .and_then(Value::as_bytes)
        .ok_or(bad("certificate"))?;
    let certificate = Certificate::from_der(der).map_err(|_| bad("certificate"))?;
    let serial_number = biguint(info.get("serialNumber")).ok_or(bad("serialNumber"))?;
    if serial_number != strip_zeros(certificate.serial()) {
        return Err(bad("serialNumber differs from the certificate's"));
    }
    let ski = info
        .get("ski")
        .and_then(Value::as_bytes)
        .filter(|s| s.len() <= MAX_TEXT_LEN)
        .ok_or(bad("ski"))?
        .to_vec();
    let doc_types = match kind {
        ListKind::Vical => texts(info.get("docType"))
            .filter(|d| !d.is_empty())
            .ok_or(bad("docType"))?,
        ListKind::Rical => Vec::new(),
    };
    let certificate_profiles = match info
        .get("certificateProfile")
        .or_else(|| info.get("CertificateProfile"))
    {
        None => Vec::new(),
        Some(v) => texts(Some(v)).ok_or(bad("certificateProfile"))?,
    };
    let opt_text = |key| optional(info.get(key), |v| text(Some(v))).ok_or(bad(key));
    let opt_date = |key| optional(info.get(key), |v| tdate(Some(v))).ok_or(bad(key));
    Ok(ListedCertificate {
        serial_number,
        ski,
        doc_types,
        certificate_profiles,
        issuing_authority: opt_text("issuingAuthority")?,
        issuing_country: opt_text("issuingCountry")?,
        state_or_province: opt_text("stateOrProvinceName")?,
        not_before: opt_date("notBefore")?,
        not_after: opt_date("notAfter")?,
        entry_type: opt_text("type")?,
        name: opt_text("name")?,
        certificate,
    })
}

/// `Some(())` when `value` is a map whose keys are all text.
fn text_keyed(value: &Value) -> Option<()> {
    value
        .as_map()?
        .iter()
        .all(|(k, _)| k.as_text().is_some())
        .then_some(())
}

/// `Some(None)` when absent, `Some(Some(x))` when present and read, `None` when malformed.
fn optional<T>(value: Option<&Value>, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match value {
        None => Some(None),
        Some(v) => read(v).map(Some),
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_text)
        .filter(|t| t.len() <= MAX_TEXT_LEN)
        .map(str::to_owned)
}

fn texts(value: Option<&Value>) -> Option<Vec<String>> {
    let items = value?.as_array()?;
    if items.len() > MAX_DOC_TYPES {
        return None;
    }
    items.iter().map(|v| text(Some(v))).collect()
}

/// A tdate: tag 0 over RFC 3339 text (fractions of seconds allowed, as the published RICAL
/// has), within the years this crate writes back (an instant `to_rfc3339` would clamp is
/// refused, so a list read and written again says the same).
fn tdate(value: Option<&Value>) -> Option<Timestamp> {
    match value? {
        Value::Tag(TDATE_TAG, inner) => inner
            .as_text()
            .filter(|t| t.len() <= 64)
            .and_then(|t| Timestamp::parse_rfc3339(t).ok())
            .filter(|t| Timestamp::parse_rfc3339(&t.to_rfc3339()) == Ok(*t)),
        _ => None,
    }
}

/// A biguint: tag 2 over big-endian bytes, or a plain unsigned integer (what a serial that fits
/// in 64 bits encodes to). Returned without leading zeros.
fn biguint(value: Option<&Value>) -> Option<Vec<u8>> {
    match value? {
        Value::Tag(BIGUINT_TAG, inner) => inner
            .as_bytes()
            .filter(|b| b.len() <= 64)
            .map(|b| strip_zeros(b).to_vec()),
        Value::Unsigned(n) => Some(strip_zeros(&n.to_be_bytes()).to_vec()),
        _ => None,
    }
}

fn tdate_value(t: Timestamp) -> Value {
    Value::Tag(TDATE_TAG, Box::new(Value::text(t.to_rfc3339())))
}

/// Writes `list` as its payload map.
pub(super) fn encode(list: &TrustList) -> Vec<u8> {
    let (provider_key, id_key) = match list.kind {
        ListKind::Vical => ("vicalProvider", "vicalIssueID"),
        ListKind::Rical => ("provider", "id"),
    };
    let mut map = vec![
        (Value::text("version"), Value::text(list.version.clone())),
        (
            Value::text(provider_key),
            Value::text(list.provider.clone()),
        ),
        (Value::text("date"), tdate_value(list.date)),
        (
            Value::text("certificateInfos"),
            Value::Array(
                list.entries
                    .iter()
                    .map(|e| encode_entry(list.kind, e))
                    .collect(),
            ),
        ),
    ];
    if let Some(id) = list.issue_id {
        map.push((Value::text(id_key), Value::Unsigned(id)));
    }
    if let Some(t) = list.next_update {
        map.push((Value::text("nextUpdate"), tdate_value(t)));
    }
    if list.kind == ListKind::Rical {
        if let Some(t) = list.not_after {
            map.push((Value::text("notAfter"), tdate_value(t)));
        }
        if let Some(kind) = &list.list_type {
            map.push((Value::text("type"), Value::text(kind.clone())));
        }
        if let Some(url) = &list.latest_url {
            map.push((Value::text("latestRicalUrl"), Value::text(url.clone())));
        }
    }
    cbor::encode(&Value::canonical_map(map))
}

fn encode_entry(kind: ListKind, entry: &ListedCertificate) -> Value {
    let mut map = vec![
        (
            Value::text("certificate"),
            Value::Bytes(entry.certificate.der().to_vec()),
        ),
        (
            Value::text("serialNumber"),
            Value::Tag(
                BIGUINT_TAG,
                Box::new(Value::Bytes(entry.serial_number.clone())),
            ),
        ),
        (Value::text("ski"), Value::Bytes(entry.ski.clone())),
    ];
    if kind == ListKind::Vical {
        map.push((
            Value::text("docType"),
            Value::Array(
                entry
                    .doc_types
                    .iter()
                    .map(|d| Value::text(d.clone()))
                    .collect(),
            ),
        ));
    }
    if !entry.certificate_profiles.is_empty() {
        map.push((
            Value::text("certificateProfile"),
            Value::Array(
                entry
                    .certificate_profiles
                    .iter()
                    .map(|d| Value::text(d.clone()))
                    .collect(),
            ),
        ));
    }
    let texts = [
        ("issuingAuthority", &entry.issuing_authority),
        ("issuingCountry", &entry.issuing_country),
        ("stateOrProvinceName", &entry.state_or_province),
        ("type", &entry.entry_type),
        ("name", &entry.name),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            map.push((Value::text(key), Value::text(value.clone())));
        }
    }
    for (key, value) in [
        ("notBefore", entry.not_before),
        ("notAfter", entry.not_after),
    ] {
        if let Some(t) = value {
            map.push((Value::text(key), tdate_value(t)));
        }
    }
    Value::canonical_map(map)
}
