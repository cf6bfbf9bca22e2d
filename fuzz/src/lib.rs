//! Shared fixtures for the fuzz targets: the Annex D vectors they verify against.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use mdoc::time::Timestamp;
use mdoc::x509::{Certificate, TrustAnchors};

const VECTORS: &str = include_str!("../../crates/mdoc/testdata/iso18013-5-annex-d.json");

/// The named Annex D vector's bytes.
pub fn vector(name: &str) -> Vec<u8> {
    let start = VECTORS
        .find(&format!("\"{name}\""))
        .expect("vector present");
    let hex_at = start + VECTORS[start..].find("\"hex\": \"").expect("hex field") + 8;
    let end = hex_at + VECTORS[hex_at..].find('"').expect("hex end");
    hex::decode(&VECTORS[hex_at..end]).expect("hex")
}

/// The Annex D IACA as a trust anchor.
pub fn iaca() -> &'static TrustAnchors {
    static ANCHORS: OnceLock<TrustAnchors> = OnceLock::new();
    ANCHORS.get_or_init(|| {
        TrustAnchors::new(vec![
            Certificate::from_der(&vector("iaca_certificate")).unwrap(),
        ])
    })
}

/// The Annex D reader root as a trust anchor.
pub fn reader_root() -> &'static TrustAnchors {
    static ANCHORS: OnceLock<TrustAnchors> = OnceLock::new();
    ANCHORS.get_or_init(|| {
        TrustAnchors::new(vec![
            Certificate::from_der(&vector("reader_root_certificate")).unwrap(),
        ])
    })
}

/// 2021-01-01T00:00:00Z, when the Annex D certificates are valid.
pub const ANNEX_D_TIME: Timestamp = Timestamp::from_unix_seconds(1_609_459_200);
