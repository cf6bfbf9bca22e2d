//! HPKE (RFC 9180) in base mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM:
//! the suite ISO 18013-7 Annex C seals DeviceResponses with. Single-shot seal and open
//! (sequence number 0), built from the workspace's one RustCrypto generation.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes128Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;
use zeroize::Zeroizing;

const KEM_ID: u16 = 0x0010;
const KDF_ID: u16 = 0x0001;
const AEAD_ID: u16 = 0x0001;
const MODE_BASE: u8 = 0x00;

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

fn kem_suite() -> Vec<u8> {
    [b"KEM".as_slice(), &KEM_ID.to_be_bytes()].concat()
}

fn hpke_suite() -> Vec<u8> {
    [
        b"HPKE".as_slice(),
        &KEM_ID.to_be_bytes(),
        &KDF_ID.to_be_bytes(),
        &AEAD_ID.to_be_bytes(),
    ]
    .concat()
}

fn labeled_extract(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Zeroizing<Vec<u8>> {
    let labeled = Zeroizing::new([b"HPKE-v1".as_slice(), suite, label, ikm].concat());
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), &labeled);
    Zeroizing::new(prk.to_vec())
}

fn labeled_expand(
    suite: &[u8],
    prk: &[u8],
    label: &[u8],
    info: &[u8],
    len: u16,
) -> Zeroizing<Vec<u8>> {
    let labeled_info = [
        &len.to_be_bytes(),
        b"HPKE-v1".as_slice(),
        suite,
        label,
        info,
    ]
    .concat();
    let mut out = Zeroizing::new(vec![0u8; usize::from(len)]);
    // PRKs here are SHA-256 sized and lengths far below the HKDF limit, so neither step fails.
    if let Ok(hkdf) = Hkdf::<Sha256>::from_prk(prk) {
        let _ = hkdf.expand(&labeled_info, &mut out);
    }
    out
}

fn shared_secret(dh: &[u8; 32], enc: &[u8], pk_r: &[u8]) -> Zeroizing<Vec<u8>> {
    let suite = kem_suite();
    let eae_prk = labeled_extract(&suite, b"", b"eae_prk", dh);
    let kem_context = [enc, pk_r].concat();
    labeled_expand(&suite, &eae_prk, b"shared_secret", &kem_context, 32)
}

/// The AES-128-GCM key and base nonce of the base-mode key schedule.
fn key_schedule(shared_secret: &[u8], info: &[u8]) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    let suite = hpke_suite();
    let psk_id_hash = labeled_extract(&suite, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(&suite, b"", b"info_hash", info);
    let context = [&[MODE_BASE][..], &psk_id_hash, &info_hash].concat();
    let secret = labeled_extract(&suite, shared_secret, b"secret", b"");
    let key = labeled_expand(&suite, &secret, b"key", &context, 16);
    let base_nonce = labeled_expand(&suite, &secret, b"base_nonce", &context, 12).to_vec();
    (key, base_nonce)
}

fn aead(key: &[u8]) -> Option<Aes128Gcm> {
    Aes128Gcm::new_from_slice(key).ok()
}

fn nonce(base_nonce: &[u8]) -> Option<Nonce<aes_gcm::aead::consts::U12>> {
    <[u8; 12]>::try_from(base_nonce).ok().map(Nonce::from)
}

/// Seals `plaintext` to `recipient` with an ephemeral key from `ephemeral` (fresh per message;
/// injectable for the RFC test vectors). Returns (enc, ciphertext).
pub fn seal_with(
    ephemeral: &SecretKey,
    recipient: &PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let enc = ephemeral.public_key().to_sec1_bytes().to_vec();
    let dh = crate::session::ecdh(ephemeral, recipient);
    let secret = shared_secret(&dh, &enc, &recipient.to_sec1_bytes());
    let (key, base_nonce) = key_schedule(&secret, info);
    let ciphertext = match (aead(&key), nonce(&base_nonce)) {
        (Some(cipher), Some(n)) => cipher
            .encrypt(
                &n,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    (enc, ciphertext)
}

/// Seals `plaintext` to `recipient` with a fresh ephemeral key. Returns (enc, ciphertext).
pub fn seal(
    recipient: &PublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    seal_with(
        &crate::rng::new_p256_secret_key(),
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
    if enc.len() != 65 || enc.first() != Some(&0x04) {
        return Err(HpkeError::InvalidEncapsulatedKey);
    }
    let ephemeral =
        PublicKey::from_sec1_bytes(enc).map_err(|_| HpkeError::InvalidEncapsulatedKey)?;
    let dh = crate::session::ecdh(recipient, &ephemeral);
    let secret = shared_secret(&dh, enc, &recipient.public_key().to_sec1_bytes());
    let (key, base_nonce) = key_schedule(&secret, info);
    let cipher = aead(&key).ok_or(HpkeError::Open)?;
    let n = nonce(&base_nonce).ok_or(HpkeError::Open)?;
    cipher
        .decrypt(
            &n,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| HpkeError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // RFC 9180 Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode.
    const SK_E: &str = "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb";
    const ENC: &str = "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4";
    const SK_R: &str = "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2";
    const PK_R: &str = "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0";
    const SHARED: &str = "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8";
    const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
    const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
    const AAD: &str = "436f756e742d30";
    const CT: &str = "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434";

    #[test]
    fn rfc_9180_a_3_1_base_mode() {
        let sk_e = SecretKey::from_slice(&hex(SK_E)).unwrap();
        let sk_r = SecretKey::from_slice(&hex(SK_R)).unwrap();
        assert_eq!(sk_r.public_key().to_sec1_bytes().to_vec(), hex(PK_R));
        let dh = crate::session::ecdh(&sk_e, &sk_r.public_key());
        assert_eq!(
            shared_secret(&dh, &hex(ENC), &hex(PK_R)).to_vec(),
            hex(SHARED)
        );
        let (enc, ct) = seal_with(&sk_e, &sk_r.public_key(), &hex(INFO), &hex(AAD), &hex(PT));
        assert_eq!(enc, hex(ENC));
        assert_eq!(ct, hex(CT));
        assert_eq!(
            open(&sk_r, &enc, &hex(INFO), &hex(AAD), &ct).unwrap(),
            hex(PT)
        );
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
            open(&sk_r, &enc[..64], b"transcript", b"", &ct),
            Err(HpkeError::InvalidEncapsulatedKey)
        );
        assert_eq!(
            open(&sk_r, &[0x04; 65], b"transcript", b"", &ct),
            Err(HpkeError::InvalidEncapsulatedKey)
        );
        assert_eq!(
            open(&sk_r, &enc, b"transcript", b"", &ct).unwrap(),
            b"response"
        );
    }
}
