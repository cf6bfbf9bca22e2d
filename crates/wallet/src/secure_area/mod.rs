//! Where device keys live.
//!
//! [`SecureArea`] is the seam: Android Keystore / StrongBox and the iOS Secure Enclave
//! implement it in the app (through the FFI), so the core never holds a device private key.
//! It only asks for public keys, ES256 signatures and ECDH key agreement.
//! [`SoftwareSecureArea`] is the embedded default for desktop use and tests.

pub(crate) mod software;

pub use software::SoftwareSecureArea;

use mdoc::cose::{Es256Signer, SignerError};
use p256::PublicKey;
use zeroize::Zeroizing;

/// Why a secure area operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecureAreaError {
    /// No key under that alias.
    #[error("no key under that alias")]
    KeyNotFound,
    /// A key already exists under that alias.
    #[error("a key already exists under that alias")]
    KeyExists,
    /// The alias is empty, too long or has characters other than `A-Z a-z 0-9 - _`.
    #[error("invalid key alias")]
    InvalidAlias,
    /// The key material at rest does not open (wrong wallet key, or tampered).
    #[error("key material does not open: wrong wallet key or tampered")]
    KeyMaterial,
    /// The backend (file system, hardware keystore, user authentication) failed.
    #[error("secure area backend failed: {0}")]
    Backend(String),
    /// The key directory was written by a later format version than this code reads (the
    /// version found); nothing was changed.
    #[error("secure area format version {found} is not supported")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
}

/// A store of P-256 device keys that signs and agrees keys without revealing them.
pub trait SecureArea: Send + Sync {
    /// Creates a key under `alias` and returns its public key.
    fn create_key(&self, alias: &str) -> Result<PublicKey, SecureAreaError>;
    /// The public key under `alias`.
    fn public_key(&self, alias: &str) -> Result<PublicKey, SecureAreaError>;
    /// ES256: SHA-256 of `message`, ECDSA with the key, as 64 bytes r||s.
    fn sign(&self, alias: &str, message: &[u8]) -> Result<[u8; 64], SecureAreaError>;
    /// ECDH with `peer`: the 32-byte x-coordinate of the shared point.
    fn key_agreement(
        &self,
        alias: &str,
        peer: &PublicKey,
    ) -> Result<Zeroizing<[u8; 32]>, SecureAreaError>;
    /// Deletes the key under `alias` (a missing key is not an error).
    fn delete_key(&self, alias: &str) -> Result<(), SecureAreaError>;
    /// The aliases of all keys.
    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError>;
    /// A key attestation for the keys under `aliases` (OpenID4VCI 1.0 Appendix D: a JWT of
    /// `typ` `key-attestation+jwt` from the platform or the wallet provider, listing the keys
    /// in `attested_keys`, carrying `nonce` when given), sent to issuers that ask for one.
    /// `None` (the default) when the platform has none; the core never builds one itself.
    fn key_attestation(
        &self,
        aliases: &[String],
        nonce: Option<&str>,
    ) -> Result<Option<String>, SecureAreaError> {
        let _ = (aliases, nonce);
        Ok(None)
    }
    /// The directory of an area whose keys are wrapped by the wallet key (the
    /// [`SoftwareSecureArea`]), so that a wallet key change covers it; `None` (the default) for
    /// an area the wallet key does not wrap (hardware).
    fn wallet_key_directory(&self) -> Option<&std::path::Path> {
        None
    }
}

/// Checks an alias: 1 to 64 characters of `A-Z a-z 0-9 - _`.
pub fn check_alias(alias: &str) -> Result<(), SecureAreaError> {
    let ok = !alias.is_empty()
        && alias.len() <= 64
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SecureAreaError::InvalidAlias)
    }
}

/// A key in a secure area, seen as an ES256 signer for COSE.
pub struct AreaKey<'a> {
    /// The secure area.
    pub area: &'a dyn SecureArea,
    /// The key's alias.
    pub alias: &'a str,
}

impl Es256Signer for AreaKey<'_> {
    fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignerError> {
        self.area
            .sign(self.alias, message)
            .map_err(|e| SignerError {
                reason: e.to_string(),
            })
    }
}
