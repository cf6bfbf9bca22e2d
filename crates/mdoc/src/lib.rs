//! ISO/IEC 18013-5 mdoc data model and protocol primitives.
//!
//! This crate is pure: it has no storage, no FFI and no clock. Bytes come in, are parsed into
//! typed structures that keep the exact bytes they were decoded from wherever the standard hashes,
//! signs or MACs them, and bytes go out.
//!
//! * [`cbor`]: a bounded CBOR decoder and deterministic encoder, and the tag-24 wrapper that keeps
//!   embedded bytes as received.
#![forbid(unsafe_code)]

pub mod auth;
pub mod base64url;
pub mod ble;
pub mod cbor;
pub mod clock;
pub mod cose;
pub mod definitions;
pub mod hpke;
pub mod limits;
pub mod nfc;
pub mod online;
pub mod openid4vci;
pub mod profiles;
pub mod registration;
pub mod registry;
pub mod rng;
pub mod session;
pub mod status;
pub mod time;
pub mod trust_list;
pub mod verify;
pub mod x509;
