//! Keys that protect data at rest: the [`WalletKey`] a caller supplies for the software
//! default, and the [`KeyWrapper`] seam through which an app lets hardware wrap the store's
//! data key instead.

use std::path::Path;

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::atomic;

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
    /// The stored passphrase salt exists but is damaged. A new salt is never made in its place:
    /// that would silently derive a different key.
    #[error("the stored passphrase salt is damaged")]
    SaltDamaged,
    /// Reading or writing the passphrase salt failed (the I/O error kind).
    #[error("passphrase salt storage failed: {0}")]
    SaltStorage(String),
}

/// Name of the file, in the directory given to [`WalletKey::from_passphrase_in`], that holds the
/// random passphrase salt.
pub const SALT_FILE: &str = "passphrase.salt";
const SALT_MAGIC: &[u8] = b"CWSALT1";
/// Length of the random passphrase salt.
pub const SALT_LEN: usize = 16;

/// Argon2id parameters for passphrases: 19 MiB, 2 passes, 1 lane (OWASP's minimum
/// recommendation), 32-byte output.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 2;

/// A 256-bit key the caller supplies to open a software wallet. Zeroized on drop, and on an
/// explicit [`Zeroize::zeroize`] (after which it opens nothing).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
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

    /// A key derived from a passphrase with Argon2id and a random salt kept in
    /// `dir/`[`SALT_FILE`]: made (randomly, durably, never replacing one) the first time and
    /// reused on every later call, so the same passphrase opens the same wallet after a restart
    /// while two wallets never share a salt. A damaged salt file is an error
    /// ([`KeyError::SaltDamaged`]), never replaced.
    pub fn from_passphrase_in(dir: &Path, passphrase: &[u8]) -> Result<Self, KeyError> {
        let salt = load_or_create_salt(dir)?;
        Self::from_passphrase(passphrase, &salt)
    }

    /// A key derived from a passphrase with Argon2id and a 16-byte (or longer) random salt that
    /// the caller stores beside the wallet and passes again on every open (see
    /// [`WalletKey::from_passphrase_in`], which does that).
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

/// The passphrase salt in `dir/`[`SALT_FILE`], created randomly when there is none.
pub fn load_or_create_salt(dir: &Path) -> Result<[u8; SALT_LEN], KeyError> {
    let storage = |e: std::io::Error| KeyError::SaltStorage(e.kind().to_string());
    atomic::create_dir_all(dir).map_err(storage)?;
    let path = dir.join(SALT_FILE);
    let read = |path: &Path| -> Result<Option<[u8; SALT_LEN]>, KeyError> {
        let bytes = match atomic::read_bounded(path, 64) {
            Ok(Some(bytes)) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Ok(None) => return Err(KeyError::SaltDamaged),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(KeyError::SaltDamaged);
            }
            Err(e) => return Err(storage(e)),
        };
        bytes
            .strip_prefix(SALT_MAGIC)
            .and_then(|salt| <[u8; SALT_LEN]>::try_from(salt).ok())
            .map(Some)
            .ok_or(KeyError::SaltDamaged)
    };
    if let Some(salt) = read(&path)? {
        return Ok(salt);
    }
    let salt: [u8; SALT_LEN] = mdoc::rng::random_bytes();
    match atomic::write_new(dir, SALT_FILE, &[SALT_MAGIC, &salt].concat()) {
        Ok(()) => Ok(salt),
        // Another opener made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(&path)?.ok_or(KeyError::SaltDamaged)
        }
        Err(e) => Err(storage(e)),
    }
}

/// The credential store's 256-bit data key. Zeroized on drop; `Debug` hides it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct DataKey([u8; 32]);

impl DataKey {
    /// Takes the key out of what a [`KeyWrapper`] returned.
    pub(crate) fn new(key: &Zeroizing<[u8; 32]>) -> Self {
        DataKey(**key)
    }

    /// A fresh random key.
    pub(crate) fn random() -> Self {
        DataKey(mdoc::rng::random_bytes())
    }

    /// The key bytes.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
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
pub(crate) mod tests {
    use super::*;

    /// Common renderings of a secret's leading bytes (Debug arrays, hex both cases), for
    /// asserting that formatted output does not show it.
    pub(crate) fn renderings(secret: &[u8]) -> Vec<String> {
        let head = secret.get(..6).unwrap_or(secret);
        let decimal: Vec<String> = head.iter().map(u8::to_string).collect();
        vec![
            decimal.join(", "),
            decimal.join(",\n    "),
            atomic::hex(head),
            atomic::hex(head).to_uppercase(),
            head.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ]
    }

    fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}

    /// Compile-time: every key-holding type zeroizes itself on drop.
    #[test]
    fn key_holders_zeroize_on_drop() {
        assert_zeroize_on_drop::<WalletKey>();
        assert_zeroize_on_drop::<DataKey>();
        assert_zeroize_on_drop::<crate::secure_area::SoftwareSecureArea>();
        assert_zeroize_on_drop::<p256::SecretKey>();
        // Session keys, and the AES-GCM state a session cipher keeps them in.
        assert_zeroize_on_drop::<mdoc::session::SessionKeys>();
        assert_zeroize_on_drop::<Aes256Gcm>();
    }

    /// An explicit zeroize clears the bytes (observed through the live value, never through
    /// freed memory).
    #[test]
    fn explicit_zeroize_clears_key_bytes() {
        let mut wallet_key = WalletKey::from_bytes([0xA5; 32]);
        wallet_key.zeroize();
        assert_eq!(*wallet_key.0, [0; 32]);

        let mut data_key = DataKey::random();
        assert_ne!(*data_key.bytes(), [0; 32]);
        data_key.zeroize();
        assert_eq!(*data_key.bytes(), [0; 32]);

        let mut session = mdoc::session::SessionKeys::derive(&[7; 32], b"transcript");
        assert_ne!(*session.sk_device(), [0; 32]);
        session.zeroize();
        assert_eq!(*session.sk_reader(), [0; 32]);
        assert_eq!(*session.sk_device(), [0; 32]);
    }

    #[test]
    fn data_key_debug_hides_the_key() {
        let key = DataKey::random();
        for text in [format!("{key:?}"), format!("{key:#?}")] {
            for needle in renderings(key.bytes()) {
                assert!(!text.contains(&needle), "{text}");
            }
        }
    }

    #[test]
    fn passphrase_salt_is_random_stored_and_reused() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let first = WalletKey::from_passphrase_in(a.path(), b"correct horse").unwrap();
        let again = WalletKey::from_passphrase_in(a.path(), b"correct horse").unwrap();
        let elsewhere = WalletKey::from_passphrase_in(b.path(), b"correct horse").unwrap();
        assert_eq!(*first.0, *again.0, "the salt is reused across opens");
        assert_ne!(
            *first.0, *elsewhere.0,
            "each wallet has its own random salt"
        );
        let stored = std::fs::read(a.path().join(SALT_FILE)).unwrap();
        assert_eq!(stored.len(), SALT_MAGIC.len() + SALT_LEN);
        assert_eq!(
            *first.0,
            *WalletKey::from_passphrase(b"correct horse", &stored[SALT_MAGIC.len()..])
                .unwrap()
                .0
        );
        // A wrapped data key made under the first derivation opens under a later one.
        let wrapped = first.wrap(&[9; 32]).unwrap();
        assert_eq!(*again.unwrap(&wrapped).unwrap(), [9; 32]);
    }

    #[test]
    fn damaged_salt_is_an_error_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SALT_FILE), b"CWSALT1short").unwrap();
        assert_eq!(
            WalletKey::from_passphrase_in(dir.path(), b"pw").map(|_| ()),
            Err(KeyError::SaltDamaged)
        );
        assert_eq!(
            std::fs::read(dir.path().join(SALT_FILE)).unwrap(),
            b"CWSALT1short"
        );
        std::fs::remove_file(dir.path().join(SALT_FILE)).unwrap();
        std::fs::create_dir(dir.path().join(SALT_FILE)).unwrap();
        assert_eq!(
            WalletKey::from_passphrase_in(dir.path(), b"pw").map(|_| ()),
            Err(KeyError::SaltDamaged)
        );
    }

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
