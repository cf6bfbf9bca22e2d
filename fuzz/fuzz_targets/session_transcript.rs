#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((transcript, _)) = mdoc::definitions::SessionTranscript::from_bytes(data) {
        let _ = transcript.to_bytes();
    }
});
