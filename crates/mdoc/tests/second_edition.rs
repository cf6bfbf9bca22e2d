//! Published ISO 18013-5 second-edition structures (`testdata/second-edition-vectors.json`,
//! each entry naming its source) against the crate: a version 1.1 DeviceRequest with
//! readerAuthAll and deviceRequestInfo re-encoded byte for byte, and 1.1 DeviceEngagements with
//! OriginInfos and Capabilities kept as received in the SessionTranscript.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdoc::auth::reader_authentication_all_bytes;
use mdoc::cbor::{self, ToCbor, Value};
use mdoc::cose::CoseSign1;
use mdoc::definitions::{
    DeviceEngagement, DeviceRequest, Handover, RetrievalOptions, SessionTranscript, UseCase,
};
use serde_json::Value as Json;

const VECTORS: &str = include_str!("../testdata/second-edition-vectors.json");

fn vector(name: &str) -> Vec<u8> {
    let json: Json = serde_json::from_str(VECTORS).unwrap();
    hex::decode(json[name]["hex"].as_str().unwrap()).unwrap()
}

#[test]
fn isomdl_version_1_1_request_parses_and_re_encodes_byte_for_byte() {
    let bytes = vector("isomdl_device_request_v11");
    let request: DeviceRequest = cbor::from_slice(&bytes).unwrap();
    assert_eq!(request.version, "1.1");
    assert!(request.is_second_edition());
    assert_eq!(request.doc_requests.len(), 1);
    let info = request.device_request_info.as_ref().unwrap();
    assert_eq!(
        info.value().use_cases,
        vec![UseCase::new(true, vec![vec![0]])]
    );
    let all = request.reader_auth_all.as_ref().unwrap();
    assert_eq!(all.len(), 1);
    let sign1 = CoseSign1::from_value(&all[0]).unwrap();
    assert_eq!(sign1.x5chain().unwrap().len(), 1);
    assert!(request.rest.unknown.is_empty());
    assert_eq!(cbor::to_vec(&request), bytes);

    // ReaderAuthenticationAll covers the transcript, every ItemsRequestBytes and the
    // DeviceRequestInfoBytes exactly as received.
    let transcript = Value::Array(vec![Value::Null, Value::Null, Value::Null]);
    let signed = reader_authentication_all_bytes(
        &transcript,
        request
            .doc_requests
            .iter()
            .map(|d| d.items_request.embedded()),
        Some(info.embedded()),
    );
    let decoded = signed.decode().unwrap();
    let parts = decoded.as_array().unwrap();
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[0], Value::text("ReaderAuthenticationAll"));
    assert_eq!(parts[1], transcript);
    let items = parts[2].as_array().unwrap();
    assert_eq!(
        items[0].as_embedded().unwrap().encoded(),
        request.doc_requests[0].items_request.encoded()
    );
    assert_eq!(parts[3].as_embedded().unwrap().encoded(), info.encoded());
    // Without DeviceRequestInfo the last element is a plain null, not tag 24 around null.
    let bare = reader_authentication_all_bytes(&transcript, [], None);
    assert!(bare.content().ends_with(&[0x80, 0xf6]));
}

#[test]
fn a_version_1_0_request_keeps_second_edition_keys_without_reading_them() {
    let mut bytes = vector("isomdl_device_request_v11");
    // "version": "1.1" -> "1.0" (the first text "1.1" is the version).
    let at = bytes.windows(4).position(|w| w == b"\x631.1").unwrap();
    bytes[at + 3] = b'0';
    let request: DeviceRequest = cbor::from_slice(&bytes).unwrap();
    assert!(!request.is_second_edition());
    assert!(request.device_request_info.is_none());
    assert!(request.reader_auth_all.is_none());
    assert_eq!(request.rest.unknown.len(), 2);
    assert_eq!(cbor::to_vec(&request), bytes);
}

#[test]
fn multipaz_engagement_capabilities_and_origin_infos_are_read_and_kept() {
    let bytes = vector("multipaz_nfc_v2_engagement");
    let engagement = DeviceEngagement::parse(&bytes).unwrap();
    assert_eq!(engagement.content(), bytes.as_slice());
    assert_eq!(engagement.version, "1.1");
    let capabilities = engagement.parsed_capabilities();
    assert_eq!(capabilities.reader_auth_all, Some(true));
    assert_eq!(capabilities.extended_request, Some(true));
    assert_eq!(capabilities.handover_session_establishment, None);
    assert_eq!(engagement.origin_infos, Some(Value::Array(Vec::new())));
    assert!(engagement.parsed_origin_infos().is_empty());
    let methods = engagement.device_retrieval_methods.as_ref().unwrap();
    assert!(matches!(
        methods[0].options,
        RetrievalOptions::Other { kind: 5, .. }
    ));
    assert_eq!(cbor::to_vec(&engagement.value().to_cbor()), bytes);
}

#[test]
fn bdr_transcript_with_unusual_key_5_and_6_is_rebuilt_from_the_bytes_as_received() {
    let bytes = vector("bdr_session_transcript");
    let transcript: SessionTranscript = cbor::from_slice(&bytes).unwrap();
    assert_eq!(transcript.handover, Handover::Qr);
    let received = transcript.device_engagement.as_ref().unwrap();
    let engagement = DeviceEngagement::parse(received.content()).unwrap();
    assert_eq!(engagement.version, "1.1");
    // Key 6 is `true` here, not a map: read as no capabilities, kept as received.
    assert_eq!(engagement.capabilities, Some(Value::Bool(true)));
    assert_eq!(engagement.parsed_capabilities(), Default::default());
    let origins = engagement.parsed_origin_infos();
    assert_eq!(origins.len(), 1);
    assert_eq!((origins[0].cat, origins[0].kind), (1, 2));
    assert_eq!(origins[0].domain, None);
    // A transcript built from the parsed engagement's bytes is the published one.
    let rebuilt = SessionTranscript {
        device_engagement: Some(engagement.embedded().clone()),
        e_reader_key: transcript.e_reader_key.clone(),
        handover: Handover::Qr,
    };
    assert_eq!(rebuilt.to_untagged_bytes(), bytes);
}
