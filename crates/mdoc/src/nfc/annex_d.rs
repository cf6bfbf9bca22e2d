//! ISO/IEC 18013-5:2021 Annex D: the SessionTranscript's NFC handover (a negotiated handover's
//! Handover Select and Handover Request), rebuilt byte for byte from typed parts.
//!
//! Provenance: `session_transcript_bytes` in `testdata/iso18013-5-annex-d.json`, copied from
//! openwallet-foundation-labs/identity-credential (multipaz TestVectors.kt, Annex D.2) and
//! cross-checked there.

use super::carrier::{BleOob, Carrier, LeRole, device_engagement_record};
use super::handover::{AlternativeCarrier, HandoverMessage, Kind, PowerState};
use super::ndef::{Record, Tnf};
use crate::definitions::{Handover, SessionTranscript};

fn transcript_bytes() -> Vec<u8> {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../testdata/iso18013-5-annex-d.json")).unwrap();
    hex::decode(vectors["session_transcript_bytes"]["hex"].as_str().unwrap()).unwrap()
}

fn annex_d_handover() -> (SessionTranscript, Vec<u8>, Vec<u8>) {
    let (transcript, _) = SessionTranscript::from_bytes(&transcript_bytes()).unwrap();
    let Handover::Nfc {
        handover_select,
        handover_request: Some(handover_request),
    } = transcript.handover.clone()
    else {
        panic!("Annex D's transcript carries an NFC negotiated handover");
    };
    (transcript, handover_select, handover_request)
}

fn ac(reference: &[u8], aux: &[&[u8]]) -> AlternativeCarrier {
    AlternativeCarrier {
        power_state: PowerState::Active,
        carrier_data_reference: reference.to_vec(),
        auxiliary_data_references: aux.iter().map(|a| a.to_vec()).collect(),
    }
}

#[test]
fn annex_d_handover_select_is_reproduced_byte_for_byte() {
    let (transcript, select, _) = annex_d_handover();
    let engagement = transcript
        .device_engagement
        .as_ref()
        .unwrap()
        .content()
        .to_vec();
    let ble = BleOob::default()
        .with_address([0x28, 0x12, 0x8b, 0x37, 0x28, 0x28], 0x01)
        .with_role(LeRole::CentralOnly);
    let built = HandoverMessage {
        kind: Kind::Select,
        version: 0x15,
        collision_resolution: None,
        alternative_carriers: vec![ac(b"0", &[b"mdoc"])],
        records: vec![
            Carrier::Ble(ble).to_record(b"0").unwrap(),
            device_engagement_record(&engagement),
        ],
    }
    .encode()
    .unwrap();
    assert_eq!(hex::encode(&built), hex::encode(&select));
    let parsed = HandoverMessage::parse(&select).unwrap();
    assert_eq!(parsed.device_engagement(), Some(engagement.as_slice()));
    assert_eq!(parsed.encode().unwrap(), select);
    let carriers = parsed.carriers();
    let [(_, Carrier::Ble(oob))] = carriers.as_slice() else {
        panic!("one BLE carrier")
    };
    assert_eq!(oob.role(), Some(LeRole::CentralOnly));
    assert_eq!(
        oob.address(),
        Some(([0x28, 0x12, 0x8b, 0x37, 0x28, 0x28], 1))
    );
}

#[test]
fn annex_d_handover_request_is_reproduced_byte_for_byte() {
    let (_, _, request) = annex_d_handover();
    let uuid: [u8; 16] = hex::decode("3a82d455d5fc4db3bea06fd2f6ff32c8")
        .unwrap()
        .try_into()
        .unwrap();
    let ble = BleOob::default()
        .with_address([0x28, 0x07, 0x80, 0x80, 0xbf, 0x28], 0x01)
        .with_role(LeRole::PeripheralPreferred)
        .with_uuid(uuid);
    let wifi = hex::decode(
        "0301010323020013 24fec9a70b97ac9684a4e326176ef5b981c5e8533e5f00298cfccbc35e700a6b 020414"
            .replace(' ', ""),
    )
    .unwrap();
    let built = HandoverMessage {
        kind: Kind::Request,
        version: 0x15,
        collision_resolution: Some(0x0102),
        alternative_carriers: vec![ac(b"0", &[]), ac(b"nfc", &[]), ac(b"W", &[])],
        records: vec![
            Carrier::Ble(ble).to_record(b"0").unwrap(),
            Carrier::Nfc(vec![0x01]).to_record(b"nfc").unwrap(),
            Carrier::WifiAware(wifi).to_record(b"W").unwrap(),
        ],
    }
    .encode()
    .unwrap();
    assert_eq!(hex::encode(&built), hex::encode(&request));
    let parsed = HandoverMessage::parse(&request).unwrap();
    assert_eq!(parsed.collision_resolution, Some(0x0102));
    assert_eq!(parsed.carriers().len(), 3);
    assert!(parsed.device_engagement().is_none());
    let Carrier::Ble(oob) = &parsed.carriers()[0].1 else {
        panic!("BLE first")
    };
    assert_eq!(oob.uuid(), Some(uuid));
    assert!(matches!(
        parsed.records[1],
        Record {
            tnf: Tnf::External,
            ..
        }
    ));
}

#[test]
fn annex_d_session_transcript_is_rebuilt_from_the_handover() {
    let (transcript, select, request) = annex_d_handover();
    let rebuilt = SessionTranscript {
        device_engagement: transcript.device_engagement.clone(),
        e_reader_key: transcript.e_reader_key.clone(),
        handover: super::transcript_handover(&select, Some(&request)),
    };
    assert_eq!(
        hex::encode(rebuilt.to_bytes().encoded()),
        hex::encode(transcript_bytes())
    );
    // A static handover's transcript has null in the request's place.
    let static_handover = super::transcript_handover(&select, None);
    let bytes = crate::cbor::encode(&crate::cbor::ToCbor::to_cbor(&static_handover));
    assert_eq!(bytes[0], 0x82);
    assert_eq!(*bytes.last().unwrap(), 0xf6);
}
