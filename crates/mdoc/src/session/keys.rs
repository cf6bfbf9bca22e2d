//! Key agreement and session key derivation.

use hkdf::Hkdf;
use p256::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// ECDH on P-256: the x-coordinate of `secret * peer` (the shared secret Z_AB).
pub fn ecdh(secret: &SecretKey, peer: &PublicKey) -> Zeroizing<[u8; 32]> {
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(shared.raw_secret_bytes());
    out
}

/// HKDF-SHA256 with the salt SHA-256(`session_transcript_bytes`), as ISO 18013-5 derives
/// SKReader, SKDevice and EMacKey. `session_transcript_bytes` includes the tag-24 wrapper.
pub fn hkdf_sha256(
    shared_secret: &[u8; 32],
    session_transcript_bytes: &[u8],
    info: &[u8],
) -> Zeroizing<[u8; 32]> {
    let salt = Sha256::digest(session_transcript_bytes);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expansion cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(&salt), shared_secret).expand(info, out.as_mut());
    out
}

/// SKReader and SKDevice for one session. Zeroized on drop; `Debug` hides them.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    sk_reader: [u8; 32],
    sk_device: [u8; 32],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(..)")
    }
}

impl SessionKeys {
    /// Derives both keys from the ECDH shared secret and SessionTranscriptBytes.
    pub fn derive(shared_secret: &[u8; 32], session_transcript_bytes: &[u8]) -> Self {
        SessionKeys {
            sk_reader: *hkdf_sha256(shared_secret, session_transcript_bytes, b"SKReader"),
            sk_device: *hkdf_sha256(shared_secret, session_transcript_bytes, b"SKDevice"),
        }
    }

    /// SKReader: encrypts reader-to-mdoc messages.
    pub fn sk_reader(&self) -> &[u8; 32] {
        &self.sk_reader
    }

    /// SKDevice: encrypts mdoc-to-reader messages.
    pub fn sk_device(&self) -> &[u8; 32] {
        &self.sk_device
    }
}
