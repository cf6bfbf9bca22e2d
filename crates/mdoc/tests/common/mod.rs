//! Access to the ISO 18013-5 Annex D vectors kept in `testdata/`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

const VECTORS: &str = include_str!("../../testdata/iso18013-5-annex-d.json");

fn vectors() -> &'static serde_json::Value {
    static PARSED: OnceLock<serde_json::Value> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(VECTORS).expect("Annex D JSON parses"))
}

/// The bytes of the named hex vector.
pub fn bytes(name: &str) -> Vec<u8> {
    let hex = vectors()[name]["hex"]
        .as_str()
        .unwrap_or_else(|| panic!("vector {name} has hex"));
    hex::decode(hex).expect("vector hex decodes")
}

/// The named private key triple's component `d`, `x` or `y`.
pub fn key_part(name: &str, part: &str) -> Vec<u8> {
    let hex = vectors()[name]["value"][part]
        .as_str()
        .unwrap_or_else(|| panic!("{name}.{part}"));
    hex::decode(hex).expect("key hex decodes")
}

/// Asserts that `parse` never panics on any prefix of `bytes` nor on any single-byte flip, and
/// that it fails on every strict prefix.
pub fn assert_hostile_inputs_fail_cleanly<T, E>(
    bytes: &[u8],
    parse: impl Fn(&[u8]) -> Result<T, E>,
) {
    for len in 0..bytes.len() {
        assert!(
            parse(&bytes[..len]).is_err(),
            "prefix of {len} bytes must fail"
        );
    }
    let step = (bytes.len() / 400).max(1);
    for i in (0..bytes.len()).step_by(step) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut mutated = bytes.to_vec();
            mutated[i] ^= flip;
            let _ = parse(&mutated);
        }
    }
}
