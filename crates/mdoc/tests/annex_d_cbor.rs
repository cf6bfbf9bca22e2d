//! Every CBOR structure in the ISO 18013-5 Annex D example decodes and re-encodes to the
//! identical bytes at the generic value level.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdoc::cbor;

const VECTORS: &str = include_str!("../testdata/iso18013-5-annex-d.json");

#[test]
fn every_annex_d_cbor_vector_round_trips_byte_identical() {
    let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let cbor_names = [
        "device_engagement",
        "e_device_key_bytes",
        "session_transcript_bytes",
        "session_establishment",
        "session_data",
        "session_termination",
        "device_request",
        "items_request",
        "reader_auth",
        "reader_authentication_bytes",
        "device_response",
        "issuer_auth",
        "mobile_security_object_bytes",
        "device_auth",
        "device_authentication_bytes",
    ];
    for name in cbor_names {
        let bytes = hex::decode(vectors[name]["hex"].as_str().unwrap()).unwrap();
        let value = cbor::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            cbor::encode(&value),
            bytes,
            "{name} re-encodes byte-identical"
        );
    }
}
