#![no_main]
use libfuzzer_sys::fuzz_target;

// Status tokens and the MSO status entry: hostile bytes never panic, and inflating never
// allocates past the bound (a zip bomb is an error).
fuzz_target!(|data: &[u8]| {
    const BOUND: usize = 64 * 1024;
    if let Ok(token) = mdoc::status::StatusListToken::open(data, BOUND) {
        assert!(token.list.as_bytes().len() <= BOUND);
        let _ = token.list.get(token.list.len().saturating_sub(1));
        let _ = token.list.get(u64::MAX);
    }
    let _ = mdoc::status::IdentifierListToken::open(data);
    if let Ok(list) = mdoc::status::StatusList::decompress(mdoc::status::Bits::One, data, BOUND) {
        assert!(list.as_bytes().len() <= BOUND);
    }
    if let Ok(value) = mdoc::cbor::decode(data) {
        let _ = mdoc::status::StatusReference::from_cbor(&value);
        let _ = mdoc::status::StatusList::from_cbor(&value, BOUND);
    }
});
