//! HPKE (RFC 9180) in base mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM:
//! the suite ISO 18013-7 Annex C seals DeviceResponses with. Single-shot seal and open
//! (sequence number 0) on the `hpke` crate; this module only converts between the workspace's
//! `p256` key types and the crate's, and maps its errors to [`HpkeError`].
//!
//! The `hpke` crate draws the ephemeral key as RFC 9180's `DeriveKeyPair(random(Nsk))` and takes
//! no caller-chosen ephemeral key, so the RFC's test vectors are reproduced by feeding their
//! `ikmE` through [`seal_with_rng`].

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::DhP256HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

type Suite = DhP256HkdfSha256;
type RecipientPublicKey = <Suite as Kem>::PublicKey;
type RecipientPrivateKey = <Suite as Kem>::PrivateKey;
type EncappedKey = <Suite as Kem>::EncappedKey;

/// Why HPKE failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HpkeError {
    /// The encapsulated key is not an uncompressed P-256 point.
    #[error("HPKE encapsulated key is not a P-256 point")]
    InvalidEncapsulatedKey,
    /// Decryption failed: wrong key, wrong info (another transcript), or tampered ciphertext.
    #[error("HPKE decryption failed")]
    Open,
}

fn recipient_public_key(recipient: &PublicKey) -> Option<RecipientPublicKey> {
    // A valid p256 key's uncompressed SEC1 encoding always parses back.
    RecipientPublicKey::from_bytes(recipient.to_sec1_point(false).as_bytes()).ok()
}

fn recipient_private_key(recipient: &SecretKey) -> Option<RecipientPrivateKey> {
    let bytes = Zeroizing::new(<[u8; 32]>::from(recipient.to_bytes()));
    RecipientPrivateKey::from_bytes(bytes.as_slice()).ok()
}

/// Seals `plaintext` to `recipient` with an ephemeral key drawn from `rng` (RFC 9180
/// `DeriveKeyPair` over 32 bytes of its output). Returns (enc, ciphertext).
///
/// For a valid P-256 recipient the only failure the `hpke` crate can report is AES-GCM's
/// plaintext limit (2^36 - 32 bytes), far above any DeviceResponse the limits admit; were it
/// ever reached, the ciphertext is empty and every recipient refuses it.
pub fn seal_with_rng(
    rng: &mut impl CryptoRng,
    recipient: &PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let Some(pk_r) = recipient_public_key(recipient) else {
        return (Vec::new(), Vec::new());
    };
    match hpke::single_shot_seal_with_rng::<AesGcm128, HkdfSha256, Suite>(
        &OpModeS::Base,
        &pk_r,
        info,
        plaintext,
        aad,
        rng,
    ) {
        Ok((enc, ciphertext)) => (enc.to_bytes().to_vec(), ciphertext),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

/// Seals `plaintext` to `recipient` with a fresh ephemeral key from the system generator.
/// Returns (enc, ciphertext).
pub fn seal(
    recipient: &PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    seal_with_rng(
        &mut crate::rng::system_rng(),
        recipient,
        info,
        aad,
        plaintext,
    )
}

/// Opens what [`seal`] made for `recipient`'s key.
pub fn open(
    recipient: &SecretKey,
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, HpkeError> {
    // Uncompressed points only (65 bytes, 0x04 first), as RFC 9180 SerializePublicKey makes.
    let enc = EncappedKey::from_bytes(enc).map_err(|_| HpkeError::InvalidEncapsulatedKey)?;
    let sk_r = recipient_private_key(recipient).ok_or(HpkeError::Open)?;
    hpke::single_shot_open::<AesGcm128, HkdfSha256, Suite>(
        &OpModeR::Base,
        &sk_r,
        &enc,
        info,
        ciphertext,
        aad,
    )
    .map_err(|_| HpkeError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::convert::Infallible;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Hands out fixed bytes: a test vector's ikmE.
    struct Fixed(Vec<u8>);

    impl rand_core::TryRng for Fixed {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            unimplemented!("HPKE draws bytes")
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            unimplemented!("HPKE draws bytes")
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            let rest = self.0.split_off(dst.len());
            dst.copy_from_slice(&self.0);
            self.0 = rest;
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Fixed {}

    // RFC 9180 Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
    const IKM_E: &str = "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e";
    const ENC: &str = "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4";
    const SK_R: &str = "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2";
    const PK_R: &str = "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0";
    const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
    const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
    const AAD: &str = "436f756e742d30";
    const CT: &str = "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434";

    #[test]
    fn rfc_9180_a_3_1_base_mode() {
        let sk_r = SecretKey::from_slice(&hex(SK_R)).unwrap();
        assert_eq!(sk_r.public_key().to_sec1_bytes().to_vec(), hex(PK_R));
        let (enc, ct) = seal_with_rng(
            &mut Fixed(hex(IKM_E)),
            &sk_r.public_key(),
            &hex(INFO),
            &hex(AAD),
            &hex(PT),
        );
        assert_eq!(enc, hex(ENC));
        assert_eq!(ct, hex(CT));
        assert_eq!(
            open(&sk_r, &enc, &hex(INFO), &hex(AAD), &ct).unwrap(),
            hex(PT)
        );
    }

    #[test]
    fn fresh_ephemeral_keys() {
        let sk_r = crate::rng::new_p256_secret_key();
        let (enc1, ct1) = seal(&sk_r.public_key(), b"t", b"", b"same");
        let (enc2, ct2) = seal(&sk_r.public_key(), b"t", b"", b"same");
        assert_ne!(enc1, enc2);
        assert_ne!(ct1, ct2);
    }

    #[test]
    fn wrong_info_key_or_bytes_fail() {
        let sk_r = crate::rng::new_p256_secret_key();
        let (enc, ct) = seal(&sk_r.public_key(), b"transcript", b"", b"response");
        assert_eq!(
            open(&sk_r, &enc, b"other transcript", b"", &ct),
            Err(HpkeError::Open)
        );
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"aad", &ct),
            Err(HpkeError::Open)
        );
        assert_eq!(
            open(
                &crate::rng::new_p256_secret_key(),
                &enc,
                b"transcript",
                b"",
                &ct
            ),
            Err(HpkeError::Open)
        );
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"", &bad),
            Err(HpkeError::Open)
        );
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"", &ct[..15]),
            Err(HpkeError::Open)
        );
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"", &[]),
            Err(HpkeError::Open)
        );
        assert_eq!(
            open(&sk_r, &enc[..64], b"transcript", b"", &ct),
            Err(HpkeError::InvalidEncapsulatedKey)
        );
        assert_eq!(
            open(&sk_r, &[0x04; 65], b"transcript", b"", &ct),
            Err(HpkeError::InvalidEncapsulatedKey)
        );
        // A compressed point is a valid P-256 encoding but not RFC 9180's serialization.
        let compressed = sk_r.public_key().to_sec1_point(true).as_bytes().to_vec();
        let compressed = [compressed.clone(), vec![0; 65 - compressed.len()]].concat();
        assert_eq!(
            open(&sk_r, &compressed, b"transcript", b"", &ct),
            Err(HpkeError::InvalidEncapsulatedKey)
        );
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"", &ct).unwrap(),
            b"response"
        );
    }
}
