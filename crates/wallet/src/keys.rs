//! Keys that protect data at rest: the [`WalletKey`] a caller supplies for the software
//! default, and the [`KeyWrapper`] seam through which an app lets hardware wrap the store's
//! data key instead.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Why a key could not be derived, wrapped or unwrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The wrapped key does not open: wrong wallet key, or tampered.
    #[error("wrong key, or the wrapped key was tampered with")]
    WrongKey,
    /// The passphrase key derivation failed (parameters or salt invalid).
    #[error("passphrase key derivation failed")]
    Derivation,
    /// The hardware (or other) key wrapper failed.
    #[error("key wrapper failed: {0}")]
    Wrapper(String),
}

/// Argon2id parameters for passphrases: 19 MiB, 2 passes, 1 lane (OWASP's minimum
/// recommendation), 32-byte output.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 2;

/// A 256-bit key the caller supplies to open a software wallet. Zeroized on drop.
#[derive(Clone)]
pub struct WalletKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WalletKey(..)")
    }
}

impl WalletKey {
    /// A key from 32 bytes (for example from the platform keychain).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        WalletKey(Zeroizing::new(bytes))
    }

    /// A key derived from a passphrase with Argon2id and a 16-byte (or longer) random salt that
    /// the caller stores beside the wallet.
    pub fn from_passphrase(passphrase: &[u8], salt: &[u8]) -> Result<Self, KeyError> {
        let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, Some(32))
            .map_err(|_| KeyError::Derivation)?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, out.as_mut())
            .map_err(|_| KeyError::Derivation)?;
        Ok(WalletKey(out))
    }

    /// A purpose-specific subkey (HKDF-SHA256), so one wallet key never encrypts two kinds of
    /// data directly.
    pub(crate) fn subkey(&self, purpose: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is within HKDF-SHA256's output limit, so expansion cannot fail.
        let _ = Hkdf::<Sha256>::new(None, self.0.as_ref()).expand(purpose, out.as_mut());
        out
    }
}

/// Wraps and unwraps the credential store's data key. The software default is a
/// [`WalletKey`]; an app can implement this with a hardware-backed AES key instead.
pub trait KeyWrapper: Send + Sync {
    /// Encrypts the 32-byte data key.
    fn wrap(&self, data_key: &[u8; 32]) -> Result<Vec<u8>, KeyError>;
    /// Decrypts a wrapped data key.
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError>;
}

/// AES-256-GCM with a random 96-bit nonce: `nonce || ciphertext`.
pub(crate) fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce: [u8; 12] = mdoc::rng::random_bytes();
    let cipher = Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            aes_gcm::aead::Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    out
}

/// Opens what [`seal`] made; `None` when the key, AAD or bytes are wrong.
pub(crate) fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (nonce, ciphertext) = sealed.split_at_checked(12)?;
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            &Nonce::from(nonce),
            aes_gcm::aead::Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

const WRAP_AAD: &[u8] = b"citizen-wallet data key v1";

impl KeyWrapper for WalletKey {
    fn wrap(&self, data_key: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        Ok(seal(
            &self.subkey(b"citizen-wallet data-key wrap v1"),
            WRAP_AAD,
            data_key,
        ))
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let opened = open(
            &self.subkey(b"citizen-wallet data-key wrap v1"),
            WRAP_AAD,
            wrapped,
        )
        .ok_or(KeyError::WrongKey)?;
        let key: [u8; 32] = opened
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongKey)?;
        Ok(Zeroizing::new(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_round_trips_and_refuses_wrong_keys() {
        let key = WalletKey::from_bytes([1; 32]);
        let wrapped = key.wrap(&[9; 32]).unwrap();
        assert_eq!(*key.unwrap(&wrapped).unwrap(), [9; 32]);
        assert_eq!(
            WalletKey::from_bytes([2; 32]).unwrap(&wrapped),
            Err(KeyError::WrongKey)
        );
        assert_eq!(key.unwrap(&wrapped[..20]), Err(KeyError::WrongKey));
        assert_eq!(key.unwrap(&[]), Err(KeyError::WrongKey));
    }

    #[test]
    fn passphrases_derive_stable_distinct_keys() {
        let a = WalletKey::from_passphrase(b"correct horse", b"0123456789abcdef").unwrap();
        let b = WalletKey::from_passphrase(b"correct horse", b"0123456789abcdef").unwrap();
        let c = WalletKey::from_passphrase(b"correct horsf", b"0123456789abcdef").unwrap();
        assert_eq!(*a.0, *b.0);
        assert_ne!(*a.0, *c.0);
        assert_eq!(
            WalletKey::from_passphrase(b"x", b"short").map(|_| ()),
            Err(KeyError::Derivation)
        );
        assert_eq!(format!("{a:?}"), "WalletKey(..)");
    }
}
