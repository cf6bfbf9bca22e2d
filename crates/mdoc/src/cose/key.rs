//! COSE_Key for P-256 (RFC 9053 §7.1.1): EC2 keys with x and y coordinates.

use ciborium::Value as CValue;
use coset::{AsCborValue, KeyType, Label, iana};
use p256::PublicKey;

use super::convert;
use crate::cbor::{CborError, FromCbor, ToCbor, Value};

/// Why a COSE_Key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not well-formed CBOR of the COSE_Key shape.
    #[error("malformed COSE_Key: {0}")]
    Cbor(#[from] CborError),
    /// The key type or curve is not EC2 / P-256.
    #[error("COSE_Key is not an EC2 P-256 key")]
    UnsupportedKey,
    /// The coordinates are not a point on P-256.
    #[error("COSE_Key coordinates are not a valid P-256 point")]
    InvalidPoint,
}

/// A P-256 public key as a COSE_Key `{1: 2, -1: 1, -2: x, -3: y}`, read with coset.
///
/// Decoding checks that the point is on the curve; other parameters (such as `kid`) are kept
/// in the coset key, so they are written again when the key is.
#[derive(Clone, PartialEq)]
pub struct CoseKey {
    public_key: PublicKey,
    key: coset::CoseKey,
}

impl std::fmt::Debug for CoseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CoseKey(P-256)")
    }
}

/// The COSE_Key context, for errors.
const CONTEXT: &str = "COSE_Key";

impl CoseKey {
    /// The COSE_Key for `public_key`.
    pub fn new(public_key: PublicKey) -> Self {
        let point = public_key.to_sec1_bytes();
        let x = point.get(1..33).unwrap_or_default().to_vec();
        let y = point.get(33..65).unwrap_or_default().to_vec();
        let key = coset::CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, x, y).build();
        CoseKey { public_key, key }
    }

    /// The P-256 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Parses a COSE_Key from its CBOR bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Self::from_value(&crate::cbor::decode(bytes)?)
    }

    /// Reads a COSE_Key from a decoded value, with a specific error for each failure.
    pub fn from_value(value: &Value) -> Result<Self, KeyError> {
        let invalid = |_| CborError::InvalidValue { context: CONTEXT };
        let Value::Map(entries) = value else {
            return Err(CborError::TypeMismatch {
                context: CONTEXT,
                expected: "a map",
            }
            .into());
        };
        if !entries.iter().any(|(k, _)| k.as_i64() == Some(1)) {
            return Err(CborError::MissingField {
                context: CONTEXT,
                field: "kty",
            }
            .into());
        }
        let key = coset::CoseKey::from_cbor_value(convert::to_ciborium(value).map_err(invalid)?)
            .map_err(|_| CborError::InvalidValue { context: CONTEXT })?;
        if key.kty != KeyType::Assigned(iana::KeyType::EC2) {
            return Err(KeyError::UnsupportedKey);
        }
        let param = |label: iana::Ec2KeyParameter, field: &'static str| {
            key.params
                .iter()
                .find(|(l, _)| *l == Label::Int(label as i64))
                .map(|(_, v)| v)
                .ok_or(CborError::MissingField {
                    context: CONTEXT,
                    field,
                })
        };
        let crv = param(iana::Ec2KeyParameter::Crv, "crv")?;
        if *crv != CValue::from(iana::EllipticCurve::P_256 as u64) {
            return Err(KeyError::UnsupportedKey);
        }
        let x = coordinate(param(iana::Ec2KeyParameter::X, "x")?)?;
        let y = coordinate(param(iana::Ec2KeyParameter::Y, "y")?)?;
        let mut sec1 = [0u8; 65];
        sec1[0] = 0x04;
        sec1[1..33].copy_from_slice(x);
        sec1[33..].copy_from_slice(y);
        let public_key = PublicKey::from_sec1_bytes(&sec1).map_err(|_| KeyError::InvalidPoint)?;
        Ok(CoseKey { public_key, key })
    }

    /// The CBOR bytes of this key.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::cbor::encode(&self.to_cbor())
    }
}

/// A coordinate: exactly 32 bytes.
fn coordinate(value: &CValue) -> Result<&[u8; 32], KeyError> {
    match value {
        CValue::Bytes(b) => <&[u8; 32]>::try_from(b.as_slice()).map_err(|_| KeyError::InvalidPoint),
        _ => Err(KeyError::InvalidPoint),
    }
}

impl FromCbor for CoseKey {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        CoseKey::from_value(value).map_err(|e| match e {
            KeyError::Cbor(c) => c,
            _ => CborError::InvalidValue { context: CONTEXT },
        })
    }
}

impl ToCbor for CoseKey {
    fn to_cbor(&self) -> Value {
        // A key read or built here has unique labels, so coset always writes it.
        self.key
            .clone()
            .to_cbor_value()
            .map_err(convert::from_coset)
            .and_then(convert::from_ciborium)
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // EDeviceKey from ISO 18013-5 Annex D (content of e_device_key_bytes).
    const E_DEVICE_KEY: &str = "a4010220012158205a88d182bce5f42efa59943f33359d2e8a968ff289d93e5fa444b624343167fe225820b16e8cf858ddc7690407ba61d4c338237a8cfcf3de6aa672fc60a557aa32fc67";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn annex_d_key_round_trips() {
        let bytes = hex(E_DEVICE_KEY);
        let key = CoseKey::from_bytes(&bytes).unwrap();
        assert_eq!(key.to_bytes(), bytes);
        assert_eq!(CoseKey::new(*key.public_key()).to_bytes(), bytes);
    }

    #[test]
    fn refuses_bad_keys() {
        let mut off_curve = hex(E_DEVICE_KEY);
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1;
        assert_eq!(CoseKey::from_bytes(&off_curve), Err(KeyError::InvalidPoint));
        // kty 1 (OKP)
        let mut okp = hex(E_DEVICE_KEY);
        okp[2] = 0x01;
        assert_eq!(CoseKey::from_bytes(&okp), Err(KeyError::UnsupportedKey));
        assert!(matches!(
            CoseKey::from_bytes(&[0xa0]),
            Err(KeyError::Cbor(_))
        ));
        assert!(matches!(CoseKey::from_bytes(&[]), Err(KeyError::Cbor(_))));
    }
}
