//! COSE_Mac0 with HMAC 256/256: deviceMac.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{CoseError, Parts};
use crate::cbor::{CborError, FromCbor, ToCbor, Value};

/// A COSE_Mac0 with a detached payload, as deviceMac uses it.
#[derive(Clone, PartialEq)]
pub struct CoseMac0 {
    inner: Parts,
}

/// COSE algorithm identifier of HMAC 256/256 (HMAC with SHA-256, full tag).
const HMAC_256_256: i64 = 5;
/// The context string of a COSE_Mac0 MAC_structure.
const MAC0: &str = "MAC0";

impl std::fmt::Debug for CoseMac0 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CoseMac0(..)")
    }
}

fn hmac(key: &[u8; 32], data: &[u8]) -> Hmac<Sha256> {
    // HMAC zero-pads keys shorter than the 64-byte block; doing it here keeps this infallible.
    let mut block = zeroize::Zeroizing::new([0u8; 64]);
    if let Some(head) = block.get_mut(..32) {
        head.copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    mac.update(data);
    mac
}

impl CoseMac0 {
    /// Reads a COSE_Mac0 from a decoded CBOR value.
    pub fn from_value(value: &Value) -> Result<Self, CoseError> {
        Ok(CoseMac0 {
            inner: Parts::from_value(value)?,
        })
    }

    /// MACs the detached `payload` with HMAC-SHA256 under `key`.
    pub fn create(key: &[u8; 32], payload: &[u8]) -> Self {
        let mut inner = Parts::new(HMAC_256_256, Vec::new(), None);
        let mac_structure = inner.to_be_authenticated(MAC0, payload);
        inner.tag = hmac(key, &mac_structure).finalize().into_bytes().to_vec();
        CoseMac0 { inner }
    }

    /// Verifies the tag over the detached `payload` in constant time.
    pub fn verify(&self, key: &[u8; 32], payload: &[u8]) -> Result<(), CoseError> {
        self.inner.check_protected(HMAC_256_256, "HMAC 256/256")?;
        if self.inner.payload.is_some() {
            return Err(CoseError::PayloadMode {
                expected: "detached",
                found: "attached",
            });
        }
        let mac_structure = self.inner.to_be_authenticated(MAC0, payload);
        hmac(key, &mac_structure)
            .verify_slice(&self.inner.tag)
            .map_err(|_| CoseError::BadMac)
    }

    /// The MAC tag.
    pub fn tag(&self) -> &[u8] {
        &self.inner.tag
    }
}

impl FromCbor for CoseMac0 {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        CoseMac0::from_value(value).map_err(|_| CborError::InvalidValue {
            context: "COSE_Mac0",
        })
    }
}

impl ToCbor for CoseMac0 {
    fn to_cbor(&self) -> Value {
        self.inner.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_and_verify() {
        let key = [7u8; 32];
        let mac = CoseMac0::create(&key, b"device authentication");
        mac.verify(&key, b"device authentication").unwrap();
        assert_eq!(
            mac.verify(&[8u8; 32], b"device authentication"),
            Err(CoseError::BadMac)
        );
        assert_eq!(mac.verify(&key, b"other"), Err(CoseError::BadMac));
        let round = CoseMac0::from_value(&mac.to_cbor()).unwrap();
        round.verify(&key, b"device authentication").unwrap();
        assert_eq!(mac.tag().len(), 32);
    }
}
