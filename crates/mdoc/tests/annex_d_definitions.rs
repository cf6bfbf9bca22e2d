//! Every Annex D structure decodes into the typed data model, carries the values the standard's
//! example describes, and re-encodes to the identical bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use mdoc::cbor::{self, Embedded, Tagged, ToCbor};
use mdoc::definitions::*;
use mdoc::time::Timestamp;

fn round_trip<T: cbor::FromCbor + ToCbor>(name: &str) -> T {
    let bytes = common::bytes(name);
    let value: T = cbor::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        cbor::to_vec(&value),
        bytes,
        "{name} re-encodes byte-identical"
    );
    value
}

#[test]
fn device_engagement() {
    let bytes = common::bytes("device_engagement");
    let engagement = DeviceEngagement::parse(&bytes).unwrap();
    assert_eq!(engagement.content(), bytes.as_slice());
    assert_eq!(engagement.version, "1.0");
    assert_eq!(
        engagement.security.e_device_key.encoded(),
        common::bytes("e_device_key_bytes")
    );
    let methods = engagement.device_retrieval_methods.as_ref().unwrap();
    let RetrievalOptions::Ble(ble) = &methods[0].options else {
        panic!("BLE expected")
    };
    assert_eq!(
        (ble.peripheral_server_mode, ble.central_client_mode),
        (Some(false), Some(true))
    );
    assert_eq!(
        ble.central_client_uuid.as_deref(),
        Some(&hex::decode("45efef742b2c4837a9a3b0e1d05a6917").unwrap()[..])
    );
    assert_eq!(cbor::to_vec(engagement.value()), bytes);
    let uri = DeviceEngagement::qr_uri(&engagement);
    assert_eq!(
        DeviceEngagement::from_qr_uri(&uri).unwrap().content(),
        bytes.as_slice()
    );
}

#[test]
fn session_messages() {
    let establishment: SessionEstablishment = round_trip("session_establishment");
    assert_eq!(establishment.data.len(), 735);
    let data: SessionData = round_trip("session_data");
    assert_eq!(data.data.as_ref().map(Vec::len), Some(3578));
    let end: SessionData = round_trip("session_termination");
    assert_eq!(end.status, Some(SessionStatus::Termination));
}

#[test]
fn session_transcript() {
    let bytes = common::bytes("session_transcript_bytes");
    let (transcript, embedded) = SessionTranscript::from_bytes(&bytes).unwrap();
    assert_eq!(embedded.encoded(), bytes.as_slice());
    assert_eq!(transcript.to_bytes().encoded(), bytes.as_slice());
    assert!(matches!(
        transcript.handover,
        Handover::Nfc {
            handover_request: Some(_),
            ..
        }
    ));
    let engagement = transcript.device_engagement.as_ref().unwrap();
    let parsed: Tagged<DeviceEngagement> = Tagged::from_embedded(engagement.clone()).unwrap();
    assert_eq!(
        parsed.security.e_device_key.encoded(),
        common::bytes("e_device_key_bytes")
    );
    let reader_key = transcript.e_reader_key.as_ref().unwrap();
    let establishment: SessionEstablishment =
        cbor::from_slice(&common::bytes("session_establishment")).unwrap();
    assert_eq!(reader_key.encoded(), establishment.e_reader_key.encoded());
}

#[test]
fn device_request() {
    let request: DeviceRequest = round_trip("device_request");
    assert_eq!(request.doc_requests.len(), 1);
    let doc = &request.doc_requests[0];
    assert_eq!(
        doc.items_request.content(),
        common::bytes("items_request").as_slice()
    );
    assert_eq!(
        cbor::encode(doc.reader_auth.as_ref().unwrap()),
        common::bytes("reader_auth")
    );
    let items = doc.items_request.value();
    assert_eq!(items.doc_type, "org.iso.18013.5.1.mDL");
    let elements: Vec<_> = items.elements().collect();
    assert_eq!(
        elements,
        vec![
            ("org.iso.18013.5.1", "family_name", true),
            ("org.iso.18013.5.1", "document_number", true),
            ("org.iso.18013.5.1", "driving_privileges", true),
            ("org.iso.18013.5.1", "issue_date", true),
            ("org.iso.18013.5.1", "expiry_date", true),
            ("org.iso.18013.5.1", "portrait", false),
        ]
    );
}

#[test]
fn device_response_and_mso() {
    let response: DeviceResponse = round_trip("device_response");
    assert_eq!(response.status, 0);
    let document = &response.documents.as_ref().unwrap()[0];
    assert_eq!(document.doc_type, "org.iso.18013.5.1.mDL");
    let items: Vec<_> = document.issuer_signed.items().collect();
    assert_eq!(items.len(), 6);
    let ids: Vec<&str> = items
        .iter()
        .map(|(_, i)| i.element_identifier.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "family_name",
            "issue_date",
            "expiry_date",
            "document_number",
            "portrait",
            "driving_privileges"
        ]
    );
    let portrait = items
        .iter()
        .find(|(_, i)| i.element_identifier == "portrait")
        .unwrap();
    assert_eq!(
        portrait.1.element_value.as_bytes(),
        Some(&common::bytes("device_response_portrait_jpeg")[..])
    );
    assert_eq!(
        cbor::encode(&document.issuer_signed.issuer_auth),
        common::bytes("issuer_auth")
    );
    assert_eq!(
        document.device_signed.name_spaces.encoded(),
        &[0xd8, 0x18, 0x41, 0xa0]
    );
    assert!(matches!(
        document.device_signed.device_auth,
        DeviceAuth::Mac(_)
    ));
    assert_eq!(
        cbor::encode(&document.device_signed.device_auth.to_cbor()),
        common::bytes("device_auth")
    );

    let mso_bytes = common::bytes("mobile_security_object_bytes");
    let mso: Tagged<MobileSecurityObject> = Tagged::from_encoded(&mso_bytes).unwrap();
    assert!(
        Embedded::of(&mso.value().to_cbor()).encoded() == mso_bytes.as_slice(),
        "MSO re-encodes byte-identical"
    );
    assert_eq!(mso.doc_type, "org.iso.18013.5.1.mDL");
    assert_eq!(mso.digest_algorithm, "SHA-256");
    assert_eq!(
        mso.validity_info.valid_from.instant(),
        Timestamp::parse_rfc3339("2020-10-01T13:30:02Z").unwrap()
    );
    assert_eq!(
        mso.validity_info.valid_until.as_str(),
        "2021-10-01T13:30:02Z"
    );
    assert!(mso.validity_info.is_ordered());
    for (ns, item) in &items {
        assert!(
            mso.digest(ns, item.digest_id).is_some(),
            "digest for {}",
            item.element_identifier
        );
    }
    let s_device = mdoc::cose::CoseKey::new(*mso.device_key_info.device_key.public_key());
    assert_eq!(
        s_device.public_key(),
        mso.device_key_info.device_key.public_key()
    );
}

#[test]
fn hostile_inputs_fail_cleanly() {
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("device_request"),
        cbor::from_slice::<DeviceRequest>,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("device_response"),
        cbor::from_slice::<DeviceResponse>,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("session_establishment"),
        cbor::from_slice::<SessionEstablishment>,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("session_data"),
        cbor::from_slice::<SessionData>,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("device_engagement"),
        DeviceEngagement::parse,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("session_transcript_bytes"),
        SessionTranscript::from_bytes,
    );
    common::assert_hostile_inputs_fail_cleanly(
        &common::bytes("mobile_security_object_bytes"),
        Tagged::<MobileSecurityObject>::from_encoded,
    );
}

#[test]
fn wrong_shapes_give_typed_errors() {
    use mdoc::cbor::CborError;
    assert_eq!(
        cbor::from_slice::<DeviceResponse>(&[0xa1, 0x66, b's', b't', b'a', b't', b'u', b's', 0x00]),
        Err(CborError::MissingField {
            context: "DeviceResponse",
            field: "version"
        })
    );
    // {"version": "2.0", "status": 0}
    let v2 = cbor::encode(&cbor::Value::Map(vec![
        (cbor::Value::text("version"), cbor::Value::text("2.0")),
        (cbor::Value::text("status"), cbor::Value::Unsigned(0)),
    ]));
    assert_eq!(
        cbor::from_slice::<DeviceResponse>(&v2),
        Err(CborError::InvalidValue {
            context: "DeviceResponse version"
        })
    );
    assert!(cbor::from_slice::<DeviceRequest>(&[0x80]).is_err());
}
