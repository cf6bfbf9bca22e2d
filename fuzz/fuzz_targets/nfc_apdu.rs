#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::nfc::apdu::{self, Command};
use mdoc::nfc::carrier::{BleOob, Carrier};
use mdoc::nfc::reader::{Reader, ReaderStep};
use mdoc::nfc::tag::{Mode, Tag};

// Hostile APDU conversations: the input, split at 0xfe bytes, is a sequence of command APDUs
// for the wallet's tag (both modes) and of response APDUs for the reader. Neither may panic,
// and each stays within its bounds.
fuzz_target!(|data: &[u8]| {
    let _ = Command::parse(data);
    let _ = apdu::parse_response(data);
    let carriers = vec![Carrier::Ble(BleOob::default().with_uuid([1; 16]))];
    for mode in [Mode::Static, Mode::Negotiated] {
        let Ok(mut tag) = Tag::new(&[0xa0], carriers.clone(), mode) else {
            return;
        };
        for command in data.split(|&b| b == 0xfe) {
            let (response, _) = tag.process_apdu(command);
            assert!(response.len() >= 2 && response.len() <= 257);
        }
    }
    let mut reader = Reader::new(carriers, 7);
    if reader.start().is_ok() {
        for response in data.split(|&b| b == 0xfe) {
            match reader.on_response(response) {
                Ok(ReaderStep::Send(_)) => {}
                Ok(ReaderStep::Done(_)) | Err(_) => break,
            }
        }
    }
});
