//! COSE (RFC 9052) as ISO 18013-5 uses it: P-256 keys ([`CoseKey`]), ES256 signatures
//! ([`CoseSign1`]) and HMAC-SHA256 MACs ([`CoseMac0`]), all verified over the bytes as received.
mod error;
mod key;
mod mac0;
mod sign1;

pub use error::CoseError;
pub use key::{CoseKey, KeyError};
pub use mac0::CoseMac0;
pub use sign1::{CoseSign1, Es256Signer, MAX_X5CHAIN_LEN, Payload, SignerError, sign_es256_with};

use crate::cbor::{self, Value};

/// Converts one of our values into a `coset` structure.
fn from_value<T: coset::AsCborValue>(value: &Value) -> Result<T, CoseError> {
    let value = value.to_ciborium().ok_or(CoseError::Malformed)?;
    T::from_cbor_value(value).map_err(|_| CoseError::Malformed)
}

/// Converts a `coset` structure into one of our values.
fn to_value<T: coset::CborSerializable>(item: T) -> Value {
    item.to_vec()
        .ok()
        .and_then(|bytes| cbor::decode(&bytes).ok())
        .unwrap_or(Value::Null)
}
