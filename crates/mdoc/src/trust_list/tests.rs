//! Published VICALs (see testdata/README.md) and bad input.

use super::*;
use crate::cbor::{self, Value};

const AAMVA: &[u8] = include_bytes!("testdata/aamva_vical_89782.cbor");
const AUSTROADS: &[u8] = include_bytes!("testdata/austroads_vical_27.cbor");
const AUSTROADS_ROOT: &str = include_str!("testdata/austroads_preprod_root.pem");

/// 2025-08-05T20:47:21Z, the AAMVA list's date.
const AAMVA_DATE: i64 = 1_754_426_841;
/// 2024-12-17T22:40:31Z, the Austroads list's date.
const AUSTROADS_DATE: i64 = 1_734_475_231;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

/// The AAMVA anchor: the root at the end of the list's own x5chain (see testdata/README.md).
fn aamva_anchor() -> TrustAnchors {
    let envelope = Envelope::open(AAMVA).unwrap();
    let root = envelope.x5chain().last().unwrap();
    TrustAnchors::new(vec![Certificate::from_der(root).unwrap()])
}

#[test]
fn the_aamva_vical_verifies_and_lists_13_iacas_for_the_mdl() {
    let now = at(AAMVA_DATE + 3600);
    let verified = verify_vical(AAMVA, &aamva_anchor(), now, &ListPolicy::default()).unwrap();
    let list = &verified.list;
    assert_eq!(list.provider, "AAMVA");
    assert_eq!(list.version, "1.0");
    assert_eq!(list.issue_id, Some(89_782));
    assert_eq!(list.date, at(AAMVA_DATE));
    assert_eq!(list.next_update, Some(at(AAMVA_DATE + 86_400)));
    assert_eq!(list.entries.len(), 13);
    assert!(
        list.entries
            .iter()
            .all(|e| e.doc_types == ["org.iso.18013.5.1.mDL"])
    );
    assert_eq!(
        verified.signer.subject_common_name().as_deref(),
        Some("AAMVA Prod Vical-Signer-01")
    );
    // The list is relied on until its nextUpdate, and its anchors carry that limit.
    assert_eq!(verified.usable_until, at(AAMVA_DATE + 86_400));
    let anchors = verified.anchors();
    assert_eq!(anchors.certificates().len(), 13);
    let utah = &list.entries[1].certificate;
    assert!(anchors.permits(utah, Some("org.iso.18013.5.1.mDL"), now));
    assert!(!anchors.permits(utah, Some("uk.gov.digital-id.1"), now));
    assert!(!anchors.permits(utah, None, at(AAMVA_DATE + 86_401)));
    assert_eq!(list.entries[1].issuing_country.as_deref(), Some("US"));
    assert_eq!(list.entries[1].state_or_province.as_deref(), Some("US-UT"));
}

#[test]
fn the_aamva_vical_expires_at_its_next_update_unless_a_grace_is_set() {
    let after = at(AAMVA_DATE + 86_400 + 1);
    assert_eq!(
        verify_vical(AAMVA, &aamva_anchor(), after, &ListPolicy::default()).unwrap_err(),
        TrustListError::Expired
    );
    let lenient = ListPolicy {
        next_update_grace: 7 * 86_400,
    };
    verify_vical(AAMVA, &aamva_anchor(), after, &lenient).unwrap();
    // Dated in the future (beyond the skew) at a time before its date.
    assert_eq!(
        verify_vical(
            AAMVA,
            &aamva_anchor(),
            at(AAMVA_DATE - MAX_CLOCK_SKEW - 1),
            &ListPolicy::default()
        )
        .unwrap_err(),
        TrustListError::IssuedInFuture
    );
}

#[test]
fn a_tampered_aamva_vical_fails_its_signature() {
    let now = at(AAMVA_DATE + 3600);
    // "AAMVA" -> "BAMVA" inside the payload.
    let at_provider = AAMVA.windows(5).rposition(|w| w == b"AAMVA").unwrap();
    let mut tampered = AAMVA.to_vec();
    tampered[at_provider] = b'B';
    assert_eq!(
        verify_vical(&tampered, &aamva_anchor(), now, &ListPolicy::default()).unwrap_err(),
        TrustListError::BadSignature
    );
}

#[test]
fn the_aamva_vical_is_refused_under_another_anchor_or_as_a_rical() {
    let now = at(AAMVA_DATE + 3600);
    let austroads_root = TrustAnchors::from_pem(AUSTROADS_ROOT).unwrap();
    assert!(matches!(
        verify_vical(AAMVA, &austroads_root, now, &ListPolicy::default()).unwrap_err(),
        TrustListError::Signer(ChainError::UntrustedRoot)
    ));
    // The RICAL reading wants `provider` and `type`, which a VICAL has not.
    assert_eq!(
        verify_rical(AAMVA, &aamva_anchor(), now, &ListPolicy::default()).unwrap_err(),
        TrustListError::Malformed("provider")
    );
}

#[test]
fn the_austroads_vical_verifies_under_its_published_root() {
    let anchors = TrustAnchors::from_pem(AUSTROADS_ROOT).unwrap();
    let now = at(AUSTROADS_DATE + 60);
    let verified = verify_vical(AUSTROADS, &anchors, now, &ListPolicy::default()).unwrap();
    assert_eq!(verified.list.provider, "Austroads");
    assert_eq!(verified.list.issue_id, Some(27));
    assert_eq!(verified.list.next_update, None);
    assert_eq!(verified.list.entries.len(), 40);
    // No nextUpdate: usable while the signer certificate is valid.
    assert_eq!(verified.usable_until, verified.signer.not_after());
    let mvrc_only = verified
        .list
        .entries
        .iter()
        .find(|e| e.doc_types == ["org.iso.7367.1.mVRC"])
        .unwrap();
    let anchors = verified.anchors();
    assert!(anchors.permits(&mvrc_only.certificate, Some("org.iso.7367.1.mVRC"), now));
    assert!(!anchors.permits(&mvrc_only.certificate, Some("org.iso.18013.5.1.mDL"), now));
}

#[test]
fn payloads_round_trip() {
    let envelope = Envelope::open(AUSTROADS).unwrap();
    let list = parse_payload(ListKind::Vical, envelope.payload()).unwrap();
    let again = parse_payload(ListKind::Vical, &list.to_payload()).unwrap();
    assert_eq!(again, list);
    let mut rical = TrustList::new_rical("Test", at(AUSTROADS_DATE), list.entries.clone());
    rical.not_after = Some(at(AUSTROADS_DATE + 10));
    rical.latest_url = Some("https://example.invalid/rical".to_owned());
    rical.issue_id = Some(3);
    for entry in &mut rical.entries {
        entry.doc_types.clear();
    }
    let read = parse_payload(ListKind::Rical, &rical.to_payload()).unwrap();
    assert_eq!(read, rical);
    assert_eq!(
        rical.check_freshness(at(AUSTROADS_DATE + 11), &ListPolicy::default()),
        Err(TrustListError::Expired)
    );
}

fn entry_of(list: &[u8]) -> Value {
    let envelope = Envelope::open(list).unwrap();
    let payload = cbor::decode(envelope.payload()).unwrap();
    payload.get("certificateInfos").unwrap().as_array().unwrap()[0].clone()
}

fn vical_with(top: Vec<(Value, Value)>) -> Vec<u8> {
    cbor::encode(&Value::Map(top))
}

fn good_top(entries: Vec<Value>) -> Vec<(Value, Value)> {
    vec![
        (Value::text("version"), Value::text("1.0")),
        (Value::text("vicalProvider"), Value::text("P")),
        (
            Value::text("date"),
            Value::Tag(0, Box::new(Value::text("2025-01-01T00:00:00Z"))),
        ),
        (Value::text("certificateInfos"), Value::Array(entries)),
    ]
}

fn set(map: &Value, key: &str, value: Option<Value>) -> Value {
    let mut entries: Vec<(Value, Value)> = map
        .as_map()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.as_text() != Some(key))
        .cloned()
        .collect();
    if let Some(value) = value {
        entries.push((Value::text(key), value));
    }
    Value::Map(entries)
}

#[test]
fn bad_payloads_are_refused_with_the_field_named() {
    let entry = entry_of(AUSTROADS);
    assert!(parse_payload(ListKind::Vical, &vical_with(good_top(vec![entry.clone()]))).is_ok());
    let bad_entry = |field: &str, value: Option<Value>| {
        parse_payload(
            ListKind::Vical,
            &vical_with(good_top(vec![set(&entry, field, value)])),
        )
        .unwrap_err()
    };
    let entry_error = |field| TrustListError::MalformedEntry { index: 0, field };
    assert_eq!(bad_entry("docType", None), entry_error("docType"));
    assert_eq!(
        bad_entry("docType", Some(Value::Array(vec![]))),
        entry_error("docType")
    );
    assert_eq!(
        bad_entry(
            "docType",
            Some(Value::Array(vec![Value::text("x"); MAX_DOC_TYPES + 1]))
        ),
        entry_error("docType")
    );
    assert_eq!(
        bad_entry("certificate", Some(Value::Bytes(vec![0x30, 0x00]))),
        entry_error("certificate")
    );
    assert_eq!(
        bad_entry("serialNumber", Some(Value::Unsigned(7))),
        entry_error("serialNumber differs from the certificate's")
    );
    assert_eq!(
        bad_entry("serialNumber", Some(Value::text("7"))),
        entry_error("serialNumber")
    );
    assert_eq!(bad_entry("ski", None), entry_error("ski"));
    assert_eq!(
        bad_entry("notAfter", Some(Value::text("2030-01-01T00:00:00Z"))),
        entry_error("notAfter")
    );
    assert_eq!(
        bad_entry(
            "issuingCountry",
            Some(Value::text("x".repeat(MAX_TEXT_LEN + 1)))
        ),
        entry_error("issuingCountry")
    );
    // Unknown text keys are ignored; a non-text key is refused.
    assert!(
        parse_payload(
            ListKind::Vical,
            &vical_with(good_top(vec![set(&entry, "Whatever", Some(Value::Null))]))
        )
        .is_ok()
    );
    let mut int_keyed = entry.as_map().unwrap().to_vec();
    int_keyed.push((Value::int(1), Value::Null));
    assert_eq!(
        parse_payload(
            ListKind::Vical,
            &vical_with(good_top(vec![Value::Map(int_keyed)]))
        )
        .unwrap_err(),
        entry_error("not a text-keyed map")
    );

    let top = |key: &str, value: Option<Value>| {
        let map = set(&Value::Map(good_top(vec![])), key, value);
        parse_payload(ListKind::Vical, &cbor::encode(&map)).unwrap_err()
    };
    assert_eq!(top("version", None), TrustListError::Malformed("version"));
    assert_eq!(
        top("vicalProvider", Some(Value::int(1))),
        TrustListError::Malformed("provider")
    );
    assert_eq!(
        top("date", Some(Value::text("2025-01-01T00:00:00Z"))),
        TrustListError::Malformed("date")
    );
    // An instant past the year 9999 (a negative offset on the last second) could not be
    // written back.
    assert_eq!(
        top(
            "date",
            Some(Value::Tag(
                0,
                Box::new(Value::text("9999-12-31T23:59:59-23:59"))
            ))
        ),
        TrustListError::Malformed("date")
    );
    assert_eq!(
        top(
            "nextUpdate",
            Some(Value::Tag(0, Box::new(Value::text("soon"))))
        ),
        TrustListError::Malformed("nextUpdate")
    );
    assert_eq!(
        top("vicalIssueID", Some(Value::int(-1))),
        TrustListError::Malformed("issue ID")
    );
    assert_eq!(
        top("certificateInfos", None),
        TrustListError::Malformed("certificateInfos")
    );
    assert_eq!(
        top(
            "certificateInfos",
            // Entries of 40 bytes each, so that the decoder's own budget (3 × input) is not
            // what refuses them.
            Some(Value::Array(vec![
                Value::Bytes(vec![0; 40]);
                MAX_ENTRIES + 1
            ]))
        ),
        TrustListError::Bound("certificateInfos")
    );
    for garbage in [
        &[][..],
        &[0xff],
        &[0x80],
        &[0xa1, 0x01, 0x02],
        &[0xa0, 0x00],
    ] {
        assert!(parse_payload(ListKind::Vical, garbage).is_err());
    }
    // A RICAL needs its type.
    let rical = vical_with(vec![
        (Value::text("version"), Value::text("1.0")),
        (Value::text("provider"), Value::text("P")),
        (
            Value::text("date"),
            Value::Tag(0, Box::new(Value::text("2025-01-01T00:00:00Z"))),
        ),
        (Value::text("certificateInfos"), Value::Array(vec![])),
    ]);
    assert_eq!(
        parse_payload(ListKind::Rical, &rical).unwrap_err(),
        TrustListError::Malformed("type")
    );
}

#[test]
fn bad_envelopes_are_refused() {
    let open = |bytes: &[u8]| Envelope::open(bytes).unwrap_err();
    assert_eq!(
        open(&vec![0; MAX_LIST_LEN + 1]),
        TrustListError::TooLarge {
            limit: MAX_LIST_LEN
        }
    );
    assert_eq!(open(&[]), TrustListError::Malformed("CBOR"));
    assert_eq!(open(&[0x80]), TrustListError::Malformed("COSE_Sign1"));
    // Trailing bytes after the structure.
    let mut trailing = AAMVA.to_vec();
    trailing.push(0);
    assert_eq!(open(&trailing), TrustListError::Malformed("CBOR"));
    let value = cbor::decode(AAMVA).unwrap();
    let Value::Array(parts) = value.clone() else {
        panic!("untagged")
    };
    // Tag 18 is accepted, another tag is not.
    assert!(Envelope::open(&cbor::encode(&Value::Tag(18, Box::new(value.clone())))).is_ok());
    assert_eq!(
        open(&cbor::encode(&Value::Tag(61, Box::new(value)))),
        TrustListError::Malformed("not a COSE_Sign1")
    );
    // No x5chain.
    let mut no_chain = parts.clone();
    no_chain[1] = Value::Map(vec![]);
    assert_eq!(
        open(&cbor::encode(&Value::Array(no_chain))),
        TrustListError::Malformed("x5chain")
    );
    // Detached payload.
    let mut detached = parts.clone();
    detached[2] = Value::Null;
    assert_eq!(
        open(&cbor::encode(&Value::Array(detached))),
        TrustListError::Malformed("detached payload")
    );
    // Too many certificates in x5chain.
    let mut long_chain = parts;
    long_chain[1] = Value::Map(vec![(
        Value::int(33),
        Value::Array(vec![
            Value::Bytes(vec![0]);
            crate::cose::MAX_X5CHAIN_LEN + 1
        ]),
    )]);
    assert_eq!(
        open(&cbor::encode(&Value::Array(long_chain))),
        TrustListError::Malformed("x5chain")
    );
}
