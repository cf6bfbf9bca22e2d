//! Property tests: every data-model type survives encode → decode unchanged, and encoding is
//! deterministic (re-encoding the decoded value gives the same bytes).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdoc::cbor::{self, FromCbor, MapRest, Tagged, ToCbor, Value};
use mdoc::cose::CoseKey;
use mdoc::definitions::*;
use mdoc::time::{FullDate, TDate, Timestamp};
use proptest::prelude::*;

fn round_trip<T: FromCbor + ToCbor + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = cbor::to_vec(value);
    let decoded: T = cbor::from_slice(&bytes).unwrap();
    assert_eq!(&decoded, value);
    assert_eq!(cbor::to_vec(&decoded), bytes, "encoding is deterministic");
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::Unsigned),
        any::<u64>().prop_map(Value::Negative),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        ".{0,20}".prop_map(Value::Text),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |x| !x.is_nan())
            .prop_map(Value::Float),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,8}", inner.clone(), 0..6).prop_map(|m| {
                Value::Map(m.into_iter().map(|(k, v)| (Value::Text(k), v)).collect())
            }),
            (1u64..1000, inner.clone()).prop_map(|(t, v)| Value::Tag(t + 1004, Box::new(v))),
            inner.prop_map(|v| Value::Embedded(mdoc::cbor::Embedded::of(&v))),
        ]
    })
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_.]{0,24}"
}

fn element_map<V: Strategy>(values: V) -> impl Strategy<Value = ElementMap<V::Value>>
where
    V::Value: Clone + std::fmt::Debug,
{
    let inner = proptest::collection::btree_map(name(), values, 1..5)
        .prop_map(|m| m.into_iter().collect::<Vec<_>>());
    proptest::collection::btree_map(name(), inner, 1..4).prop_map(|m| m.into_iter().collect())
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_000_000_000).prop_map(Timestamp::from_unix_seconds)
}

fn cose_key() -> impl Strategy<Value = CoseKey> {
    // Keys from a few fixed valid scalars keep the strategy cheap.
    (1u8..=20).prop_map(|n| {
        let mut d = [0u8; 32];
        d[31] = n;
        d[0] = 0x11;
        CoseKey::new(p256::SecretKey::from_slice(&d).unwrap().public_key())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generic_values(v in value()) {
        let bytes = cbor::encode(&v);
        let decoded = cbor::decode(&bytes).unwrap();
        prop_assert_eq!(cbor::encode(&decoded), bytes);
    }

    #[test]
    fn dates(t in timestamp(), y in 0i64..9999, m in 1u8..=12, d in 1u8..=28) {
        round_trip(&TDate::new(t));
        round_trip(&FullDate::new(y, m, d).unwrap());
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
    }

    #[test]
    fn items_and_device_requests(doc_type in name(), ns in element_map(any::<bool>()), purpose in proptest::option::of(name())) {
        let mut items = ItemsRequest::new(doc_type, ns);
        items.request_info = purpose.map(|p| vec![("purpose".to_owned(), Value::Text(p))]);
        round_trip(&items);
        let request = DeviceRequest::new(vec![DocRequest { items_request: Tagged::new(items), reader_auth: None, rest: MapRest::default() }]);
        round_trip(&request);
    }

    #[test]
    fn issuer_signed_items_and_responses(digest_id in any::<u64>(), random in proptest::collection::vec(any::<u8>(), 16..33), id in name(), v in value(), doc_type in name(), auth in value()) {
        let item = IssuerSignedItem { digest_id, random, element_identifier: id, element_value: v, rest: MapRest::default() };
        round_trip(&item);
        let document = Document {
            doc_type: doc_type.clone(),
            issuer_signed: IssuerSigned { name_spaces: Some(vec![("ns".to_owned(), vec![Tagged::new(item)])]), issuer_auth: auth.clone(), rest: MapRest::default() },
            device_signed: DeviceSigned { name_spaces: Tagged::new(DeviceNameSpacesMap::default()), device_auth: DeviceAuth::Signature(auth), rest: MapRest::default() },
            errors: Some(vec![("ns".to_owned(), vec![("missing".to_owned(), 0)])]),
            rest: MapRest::default(),
        };
        round_trip(&document);
        round_trip(&DeviceResponse::new(vec![document], vec![DocumentError { doc_type, code: 0 }]));
    }

    #[test]
    fn mobile_security_objects(doc_type in name(), key in cose_key(), from in timestamp(), days in 1i64..4000, digests in element_map(proptest::collection::vec(any::<u8>(), 32..=32))) {
        let value_digests = digests
            .into_iter()
            .map(|(ns, ids)| (ns, ids.into_iter().enumerate().map(|(i, (_, d))| (i as u64, d)).collect()))
            .collect();
        let mso = MobileSecurityObject {
            version: "1.0".to_owned(),
            digest_algorithm: "SHA-256".to_owned(),
            value_digests,
            device_key_info: DeviceKeyInfo { device_key: key, key_authorizations: None, key_info: None, rest: MapRest::default() },
            doc_type,
            validity_info: ValidityInfo { signed: TDate::new(from), valid_from: TDate::new(from), valid_until: TDate::new(from.plus_days(days)), expected_update: None, rest: MapRest::default() },
            status: None,
            rest: MapRest::default(),
        };
        round_trip(&mso);
    }

    #[test]
    fn engagements_and_session_messages(key in cose_key(), uuid in proptest::collection::vec(any::<u8>(), 16..=16), data in proptest::collection::vec(any::<u8>(), 0..200), code in any::<u64>()) {
        let ble = BleOptions { central_client_mode: Some(true), central_client_uuid: Some(uuid), ..BleOptions::default() };
        let nfc = NfcOptions { max_command_data_length: 255, max_response_data_length: 256, rest: MapRest::default() };
        let engagement = DeviceEngagement::new(key.clone(), vec![
            DeviceRetrievalMethod { version: 1, options: RetrievalOptions::Ble(ble) },
            DeviceRetrievalMethod { version: 1, options: RetrievalOptions::Nfc(nfc) },
        ]);
        round_trip(&engagement);
        let tagged = Tagged::new(engagement);
        let uri = DeviceEngagement::qr_uri(&tagged);
        let scanned = DeviceEngagement::from_qr_uri(&uri).unwrap();
        prop_assert_eq!(scanned.encoded(), tagged.encoded());
        round_trip(&SessionEstablishment { e_reader_key: Tagged::new(key.clone()), data: data.clone(), rest: MapRest::default() });
        round_trip(&SessionData::with_data(data));
        round_trip(&SessionData::with_status(SessionStatus::from_code(code)));
        let transcript = SessionTranscript { device_engagement: Some(tagged.embedded().clone()), e_reader_key: Some(Tagged::new(key).embedded().clone()), handover: Handover::Qr };
        round_trip(&transcript);
        let (parsed, _) = SessionTranscript::from_bytes(transcript.to_bytes().encoded()).unwrap();
        prop_assert_eq!(parsed, transcript);
    }
}
