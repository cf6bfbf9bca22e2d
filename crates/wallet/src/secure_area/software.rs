//! The software secure area: P-256 keys in a directory, each private key encrypted at rest.

use std::path::{Path, PathBuf};

use p256::{PublicKey, SecretKey};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::{SecureArea, SecureAreaError, check_alias};
use crate::atomic;
use crate::keys::{WalletKey, open, seal};

/// Key files: `MAGIC || nonce || AES-256-GCM(wrapping key, private scalar, AAD = MAGIC || alias)`.
const MAGIC: &[u8] = b"CWSK1";
const SUFFIX: &str = ".key";
const MAX_KEY_FILE: u64 = 1024;

/// Device keys in a directory, each private scalar encrypted under a subkey of the wallet key.
///
/// Private keys exist in memory only inside an operation, in zeroizing buffers. This is the
/// desktop and test default; phones supply a hardware-backed [`SecureArea`] instead. The
/// wrapping key is zeroized when the area is dropped.
#[derive(ZeroizeOnDrop)]
pub struct SoftwareSecureArea {
    #[zeroize(skip)]
    dir: PathBuf,
    wrapping_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SoftwareSecureArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareSecureArea")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn backend(e: std::io::Error) -> SecureAreaError {
    SecureAreaError::Backend(e.kind().to_string())
}

impl SoftwareSecureArea {
    /// Opens (creating if needed, durably) the key directory `dir` under `wallet_key`.
    pub fn open(dir: &Path, wallet_key: &WalletKey) -> Result<Self, SecureAreaError> {
        atomic::create_dir_all(dir).map_err(backend)?;
        atomic::clean_debris(dir).map_err(backend)?;
        Ok(SoftwareSecureArea {
            dir: dir.to_path_buf(),
            wrapping_key: wallet_key.subkey(b"citizen-wallet software secure area v1"),
        })
    }

    fn aad(alias: &str) -> Vec<u8> {
        [MAGIC, alias.as_bytes()].concat()
    }

    fn file_name(alias: &str) -> String {
        format!("{alias}{SUFFIX}")
    }

    fn load(&self, alias: &str) -> Result<SecretKey, SecureAreaError> {
        check_alias(alias)?;
        let path = self.dir.join(Self::file_name(alias));
        let bytes = match atomic::read_bounded(&path, MAX_KEY_FILE) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(SecureAreaError::KeyMaterial),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SecureAreaError::KeyNotFound);
            }
            Err(e) => return Err(backend(e)),
        };
        let sealed = bytes
            .strip_prefix(MAGIC)
            .ok_or(SecureAreaError::KeyMaterial)?;
        let scalar = open(&self.wrapping_key, &Self::aad(alias), sealed)
            .ok_or(SecureAreaError::KeyMaterial)?;
        SecretKey::from_slice(&scalar).map_err(|_| SecureAreaError::KeyMaterial)
    }
}

impl SecureArea for SoftwareSecureArea {
    /// Creates the key file with no-replace semantics: when `alias` exists, even when created
    /// concurrently by another thread or process, this fails with
    /// [`SecureAreaError::KeyExists`] and the existing key is left untouched.
    fn create_key(&self, alias: &str) -> Result<PublicKey, SecureAreaError> {
        check_alias(alias)?;
        // Cheap early answer; the authoritative check is the no-replace link below.
        if self.dir.join(Self::file_name(alias)).exists() {
            return Err(SecureAreaError::KeyExists);
        }
        let secret = mdoc::rng::new_p256_secret_key();
        let scalar = Zeroizing::new(secret.to_bytes());
        let mut file = MAGIC.to_vec();
        file.extend(seal(
            &self.wrapping_key,
            &Self::aad(alias),
            scalar.as_slice(),
        ));
        match atomic::write_new(&self.dir, &Self::file_name(alias), &file) {
            Ok(()) => Ok(secret.public_key()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SecureAreaError::KeyExists)
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn public_key(&self, alias: &str) -> Result<PublicKey, SecureAreaError> {
        Ok(self.load(alias)?.public_key())
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<[u8; 64], SecureAreaError> {
        Ok(mdoc::cose::sign_es256_with(&self.load(alias)?, message))
    }

    fn key_agreement(
        &self,
        alias: &str,
        peer: &PublicKey,
    ) -> Result<Zeroizing<[u8; 32]>, SecureAreaError> {
        Ok(mdoc::session::ecdh(&self.load(alias)?, peer))
    }

    fn delete_key(&self, alias: &str) -> Result<(), SecureAreaError> {
        check_alias(alias)?;
        match atomic::remove(&self.dir, &Self::file_name(alias)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(backend(e)),
            _ => Ok(()),
        }
    }

    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError> {
        let mut aliases = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(backend)? {
            let name = entry.map_err(backend)?.file_name();
            if let Some(alias) = name.to_string_lossy().strip_suffix(SUFFIX)
                && check_alias(alias).is_ok()
            {
                aliases.push(alias.to_owned());
            }
        }
        aliases.sort_unstable();
        Ok(aliases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{Signature, VerifyingKey};
    use signature_check::verify;

    mod signature_check {
        pub fn verify(
            key: &p256::ecdsa::VerifyingKey,
            msg: &[u8],
            sig: &p256::ecdsa::Signature,
        ) -> bool {
            use p256::ecdsa::signature::Verifier;
            key.verify(msg, sig).is_ok()
        }
    }

    fn area(dir: &Path, key: u8) -> SoftwareSecureArea {
        SoftwareSecureArea::open(dir, &WalletKey::from_bytes([key; 32])).unwrap()
    }

    #[test]
    fn keys_sign_agree_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let sa = area(dir.path(), 1);
        let public = sa.create_key("device-1").unwrap();
        assert_eq!(sa.create_key("device-1"), Err(SecureAreaError::KeyExists));
        let sig = sa.sign("device-1", b"message").unwrap();
        let vk = VerifyingKey::from(&public);
        assert!(verify(
            &vk,
            b"message",
            &Signature::from_slice(&sig).unwrap()
        ));
        let peer = mdoc::rng::new_p256_secret_key();
        let shared = sa.key_agreement("device-1", &peer.public_key()).unwrap();
        assert_eq!(*shared, *mdoc::session::ecdh(&peer, &public));

        let reopened = area(dir.path(), 1);
        assert_eq!(reopened.public_key("device-1").unwrap(), public);
        assert_eq!(reopened.list_keys().unwrap(), vec!["device-1".to_owned()]);
        assert_eq!(
            area(dir.path(), 2).public_key("device-1"),
            Err(SecureAreaError::KeyMaterial)
        );

        reopened.delete_key("device-1").unwrap();
        assert_eq!(
            reopened.public_key("device-1"),
            Err(SecureAreaError::KeyNotFound)
        );
        reopened.delete_key("device-1").unwrap();
    }

    #[test]
    fn hostile_aliases_and_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sa = area(dir.path(), 1);
        for alias in ["", "../x", "a/b", "a b", &"x".repeat(65)] {
            assert_eq!(sa.create_key(alias), Err(SecureAreaError::InvalidAlias));
        }
        std::fs::write(dir.path().join("bad.key"), b"CWSK1garbage").unwrap();
        assert_eq!(sa.public_key("bad"), Err(SecureAreaError::KeyMaterial));
        std::fs::write(dir.path().join("big.key"), vec![0u8; 4096]).unwrap();
        assert_eq!(sa.public_key("big"), Err(SecureAreaError::KeyMaterial));
    }

    /// Many threads race to create the same alias: exactly one wins, the others get
    /// `KeyExists`, and the key on disk is the winner's (a check-then-rename implementation lets
    /// several "succeed" and silently replaces the key whose public key a caller already holds).
    #[test]
    fn concurrent_creation_of_one_alias_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let sa = std::sync::Arc::new(area(dir.path(), 1));
        for round in 0..4 {
            let alias = format!("raced-{round}");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (sa, barrier, alias) = (sa.clone(), barrier.clone(), alias.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        sa.create_key(&alias)
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let winners: Vec<&PublicKey> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
            assert_eq!(winners.len(), 1, "round {round}: {results:?}");
            assert!(
                results
                    .iter()
                    .all(|r| r.is_ok() || r == &Err(SecureAreaError::KeyExists))
            );
            assert_eq!(&sa.public_key(&alias).unwrap(), winners[0]);
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    }

    #[test]
    fn created_key_directory_is_durable() {
        let dir = tempfile::tempdir().unwrap();
        crate::atomic::trace::take();
        area(&dir.path().join("wallet").join("keys"), 1);
        let log = crate::atomic::trace::take();
        assert!(
            log.iter()
                .any(|(op, _)| *op == crate::atomic::trace::Op::CreateDir)
        );
        assert!(crate::atomic::trace::unsynced_creations(&log).is_empty());
    }

    /// Planted key material must not appear in `{:?}` or `{:#?}`, in any common rendering.
    #[test]
    fn debug_shows_no_key_material() {
        let dir = tempfile::tempdir().unwrap();
        let wallet_bytes: [u8; 32] = std::array::from_fn(|i| 200 - i as u8);
        let wallet_key = WalletKey::from_bytes(wallet_bytes);
        let sa = SoftwareSecureArea::open(dir.path(), &wallet_key).unwrap();
        let wrapping: [u8; 32] = *sa.wrapping_key;
        for text in [format!("{sa:?}"), format!("{sa:#?}")] {
            for secret in [wallet_bytes, wrapping] {
                for needle in crate::keys::tests::renderings(&secret) {
                    assert!(!text.contains(&needle), "{text} shows {needle}");
                }
            }
            assert!(!text.contains("wrapping_key"), "{text}");
        }
    }

    #[test]
    fn key_material_zeroizes_on_drop() {
        fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}
        assert_zeroize_on_drop::<SoftwareSecureArea>();
        // Software private keys: the loaded key and the scalar buffer used at creation.
        assert_zeroize_on_drop::<SecretKey>();
        assert_zeroize_on_drop::<Zeroizing<p256::FieldBytes>>();

        use zeroize::Zeroize;
        let dir = tempfile::tempdir().unwrap();
        let mut sa = area(dir.path(), 9);
        assert_ne!(*sa.wrapping_key, [0; 32]);
        sa.wrapping_key.zeroize();
        assert_eq!(*sa.wrapping_key, [0; 32]);
        let mut scalar = Zeroizing::new(mdoc::rng::new_p256_secret_key().to_bytes());
        assert_ne!(scalar.as_slice(), &[0u8; 32][..]);
        scalar.zeroize();
        assert_eq!(scalar.as_slice(), &[0u8; 32][..]);
    }
}
