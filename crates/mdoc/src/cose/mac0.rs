//! COSE_Mac0 with HMAC 256/256: deviceMac.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use coset::{Header, MacContext, iana};

use super::{CoseError, Parts, check_protected, protected_alg, to_value};
use crate::cbor::{CborError, FromCbor, ToCbor, Value};

/// A COSE_Mac0 with a detached payload, as deviceMac uses it.
#[derive(Clone, PartialEq)]
pub struct CoseMac0 {
    inner: coset::CoseMac0,
}

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

/// The MAC_structure `["MAC0", protected bytes, h'', payload]` (coset builds it from the
/// protected header's bytes as received).
fn to_be_maced(mac0: &coset::CoseMac0, payload: &[u8]) -> Vec<u8> {
    coset::mac_structure_data(MacContext::CoseMac0, mac0.protected.clone(), &[], payload)
}

impl CoseMac0 {
    /// Reads a COSE_Mac0 from a decoded CBOR value.
    pub fn from_value(value: &Value) -> Result<Self, CoseError> {
        let parts = Parts::from_value(value)?;
        Ok(CoseMac0 {
            inner: coset::CoseMac0 {
                protected: parts.protected,
                unprotected: parts.unprotected,
                payload: parts.payload,
                tag: parts.tag,
            },
        })
    }

    /// MACs the detached `payload` with HMAC-SHA256 under `key`.
    pub fn create(key: &[u8; 32], payload: &[u8]) -> Self {
        let protected = protected_alg(iana::Algorithm::HMAC_256_256);
        let mut inner = coset::CoseMac0 {
            protected,
            unprotected: Header::default(),
            payload: None,
            tag: Vec::new(),
        };
        let mac_structure = to_be_maced(&inner, payload);
        inner.tag = hmac(key, &mac_structure).finalize().into_bytes().to_vec();
        CoseMac0 { inner }
    }

    /// Verifies the tag over the detached `payload` in constant time.
    pub fn verify(&self, key: &[u8; 32], payload: &[u8]) -> Result<(), CoseError> {
        check_protected(
            &self.inner.protected,
            iana::Algorithm::HMAC_256_256,
            "HMAC 256/256",
        )?;
        if self.inner.payload.is_some() {
            return Err(CoseError::PayloadMode {
                expected: "detached",
                found: "attached",
            });
        }
        let mac_structure = to_be_maced(&self.inner, payload);
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
        to_value(self.inner.clone())
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
