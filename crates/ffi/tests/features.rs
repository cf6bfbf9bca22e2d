//! The test authority (it mints trusted credentials and hands out a reader private key) is
//! opt-in: neither the FFI crate nor the library apps link enables it by default.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

/// The `default = [...]` features of a manifest, as written.
fn default_features(manifest: &Path) -> String {
    let text = std::fs::read_to_string(manifest).unwrap();
    let features = text
        .split_once("\n[features]\n")
        .unwrap_or_else(|| panic!("{manifest:?} has no [features]"))
        .1;
    let line = features
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find(|l| l.trim_start().starts_with("default"))
        .unwrap_or_else(|| panic!("{manifest:?} has no default features line"));
    line.split_once('=').unwrap().1.trim().to_owned()
}

#[test]
fn the_test_authority_is_not_a_default_feature() {
    let ffi = Path::new(env!("CARGO_MANIFEST_DIR"));
    for manifest in [ffi.join("Cargo.toml"), ffi.join("../mobile/Cargo.toml")] {
        assert_eq!(default_features(&manifest), "[]", "{manifest:?}");
    }
}
