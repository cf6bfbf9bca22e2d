//! The secure area seam: a trait the app implements (Android Keystore / StrongBox, iOS Secure
//! Enclave), and the core's software area for apps and tests that have none.

use std::sync::Arc;

use p256::PublicKey;
use zeroize::Zeroizing;

use crate::error::{CitizenWalletError, SecureAreaError};

/// Where device keys live. Public keys cross as SEC1 bytes (65-byte uncompressed points),
/// signatures as 64 bytes r||s (ES256: the area hashes with SHA-256), shared secrets as the
/// 32-byte ECDH x-coordinate.
#[uniffi::export(with_foreign)]
pub trait SecureArea: Send + Sync {
    /// Creates a P-256 key under `alias` and returns its public key.
    fn create_key(&self, alias: String) -> Result<Vec<u8>, SecureAreaError>;
    /// The public key under `alias`.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, SecureAreaError>;
    /// ES256 signature of `message` with the key under `alias`.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, SecureAreaError>;
    /// ECDH between the key under `alias` and `peer_public_key` (SEC1).
    fn key_agreement(
        &self,
        alias: String,
        peer_public_key: Vec<u8>,
    ) -> Result<Vec<u8>, SecureAreaError>;
    /// Deletes the key under `alias`.
    fn delete_key(&self, alias: String) -> Result<(), SecureAreaError>;
    /// All aliases.
    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError>;
}

/// The core's software secure area as a [`SecureArea`].
struct Software(wallet::secure_area::SoftwareSecureArea);

fn sec1(key: &PublicKey) -> Vec<u8> {
    key.to_sec1_bytes().to_vec()
}

fn public_key(bytes: &[u8]) -> Result<PublicKey, SecureAreaError> {
    PublicKey::from_sec1_bytes(bytes).map_err(|_| SecureAreaError::Failure {
        reason: "not a P-256 public key".to_owned(),
    })
}

impl SecureArea for Software {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(sec1(&self.0.create_key(&alias)?))
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(sec1(&self.0.public_key(&alias)?))
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(self.0.sign(&alias, &message)?.to_vec())
    }

    fn key_agreement(
        &self,
        alias: String,
        peer_public_key: Vec<u8>,
    ) -> Result<Vec<u8>, SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(self
            .0
            .key_agreement(&alias, &public_key(&peer_public_key)?)?
            .to_vec())
    }

    fn delete_key(&self, alias: String) -> Result<(), SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(self.0.delete_key(&alias)?)
    }

    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError> {
        use wallet::secure_area::SecureArea as _;
        Ok(self.0.list_keys()?)
    }
}

/// The software secure area in `directory`, its keys encrypted under `wallet_key` (32 bytes).
#[uniffi::export]
pub fn software_secure_area(
    directory: String,
    wallet_key: Vec<u8>,
) -> Result<Arc<dyn SecureArea>, CitizenWalletError> {
    let key = crate::convert::wallet_key(wallet_key)?;
    let area =
        wallet::secure_area::SoftwareSecureArea::open(std::path::Path::new(&directory), &key)
            .map_err(|e| CitizenWalletError::SecureArea {
                reason: e.to_string(),
            })?;
    Ok(Arc::new(Software(area)))
}

/// An app's [`SecureArea`] seen by the core.
pub(crate) struct Foreign(pub Arc<dyn SecureArea>);

impl wallet::secure_area::SecureArea for Foreign {
    fn create_key(&self, alias: &str) -> Result<PublicKey, wallet::secure_area::SecureAreaError> {
        Ok(public_key(&self.0.create_key(alias.to_owned())?)?)
    }

    fn public_key(&self, alias: &str) -> Result<PublicKey, wallet::secure_area::SecureAreaError> {
        Ok(public_key(&self.0.public_key(alias.to_owned())?)?)
    }

    fn sign(
        &self,
        alias: &str,
        message: &[u8],
    ) -> Result<[u8; 64], wallet::secure_area::SecureAreaError> {
        let signature = self.0.sign(alias.to_owned(), message.to_vec())?;
        signature.try_into().map_err(|_| {
            wallet::secure_area::SecureAreaError::Backend(
                "signature is not 64 bytes r||s".to_owned(),
            )
        })
    }

    fn key_agreement(
        &self,
        alias: &str,
        peer: &PublicKey,
    ) -> Result<Zeroizing<[u8; 32]>, wallet::secure_area::SecureAreaError> {
        let shared = Zeroizing::new(self.0.key_agreement(alias.to_owned(), sec1(peer))?);
        let bytes: [u8; 32] = shared.as_slice().try_into().map_err(|_| {
            wallet::secure_area::SecureAreaError::Backend(
                "shared secret is not 32 bytes".to_owned(),
            )
        })?;
        Ok(Zeroizing::new(bytes))
    }

    fn delete_key(&self, alias: &str) -> Result<(), wallet::secure_area::SecureAreaError> {
        Ok(self.0.delete_key(alias.to_owned())?)
    }

    fn list_keys(&self) -> Result<Vec<String>, wallet::secure_area::SecureAreaError> {
        Ok(self.0.list_keys()?)
    }
}
