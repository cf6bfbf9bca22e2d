#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::nfc::carrier::{BleOob, Carrier};
use mdoc::nfc::handover::HandoverMessage;
use mdoc::nfc::{ndef, tnep};

// NDEF messages, handover messages, carrier records and TNEP records from a hostile peer:
// no panic, and whatever parses re-encodes to something that parses the same.
fuzz_target!(|data: &[u8]| {
    if let Ok(records) = ndef::parse(data) {
        assert!(records.len() <= ndef::MAX_RECORDS);
        if let Ok(bytes) = ndef::encode(&records) {
            assert_eq!(ndef::parse(&bytes).ok(), Some(records.clone()));
        }
        for r in &records {
            let _ = Carrier::from_record(r);
            let _ = tnep::ServiceParameter::from_record(r);
            let _ = tnep::parse_service_select(r);
            let _ = tnep::parse_status(r);
        }
    }
    if let Ok(message) = HandoverMessage::parse(data) {
        let _ = message.carriers();
        let _ = message.device_engagement();
        if let Ok(bytes) = message.encode() {
            assert_eq!(HandoverMessage::parse(&bytes).ok(), Some(message));
        }
    }
    let _ = BleOob::parse(data);
});
