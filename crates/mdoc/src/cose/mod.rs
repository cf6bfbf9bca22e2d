//! COSE (RFC 9052) as ISO 18013-5 uses it: P-256 keys ([`CoseKey`]).
mod key;

pub use key::{CoseKey, KeyError};
