//! The software secure area: P-256 keys in a directory, each private key encrypted at rest.
//!
//! Layout of the key directory:
//!
//! ```text
//! area.wrap     the area key, wrapped by the wallet key: "CWAK1" || slot count (1 byte, 1 or 2)
//!               || for each slot: length (u16 BE) || WalletKey-wrapped area key. Two slots
//!               exist only while a wallet key change is in progress (old and new key).
//! <alias>.key   one device key: "CWSK1" || nonce(12) || AES-256-GCM(area key, private scalar,
//!               AAD = "CWSK1" || alias)
//! ```
//!
//! The magic of each file carries its format version, checked on every read; an `area.wrap`
//! of a later version than this code knows is [`SecureAreaError::UnsupportedVersion`]. Key
//! files never need re-encryption when the wallet key changes: only `area.wrap` is rewritten
//! (see [`crate::store::CredentialStore::change_key`], which makes the change crash-safe
//! together with the store's own data key).
//!
//! A directory of the first format (key files sealed directly under a subkey of the wallet key,
//! no `area.wrap`) is migrated on open: that subkey becomes the area key and is wrapped into a
//! new `area.wrap`, after at least one existing key file is checked to open under it (so a
//! wrong wallet key migrates nothing). The single new file is linked into place atomically, so
//! an interrupted migration leaves the first format, which migrates again on the next open.

use std::path::{Path, PathBuf};

use p256::{PublicKey, SecretKey};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::{SecureArea, SecureAreaError, check_alias};
use crate::atomic;
use crate::keys::{KeyError, KeyWrapper, WalletKey, open, seal};

/// Key files: `MAGIC || nonce || AES-256-GCM(area key, private scalar, AAD = MAGIC || alias)`.
const MAGIC: &[u8] = b"CWSK1";
const SUFFIX: &str = ".key";
const MAX_KEY_FILE: u64 = 1024;
/// The wrapped area key (see the module documentation).
pub(crate) const AREA_FILE: &str = "area.wrap";
const AREA_MAGIC_STEM: &[u8] = b"CWAK";
const AREA_VERSION: u8 = b'1';
const MAX_AREA_FILE: u64 = 4096;
/// The subkey of the wallet key that sealed key files before `area.wrap` existed.
const LEGACY_PURPOSE: &[u8] = b"citizen-wallet software secure area v1";

/// Device keys in a directory, each private scalar encrypted under the area key, which is kept
/// wrapped by the wallet key.
///
/// Private keys exist in memory only inside an operation, in zeroizing buffers. This is the
/// desktop and test default; phones supply a hardware-backed [`SecureArea`] instead. The
/// area key is zeroized when the area is dropped.
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

/// The slots of `dir/area.wrap`; `None` when there is no such file.
fn read_slots(dir: &Path) -> Result<Option<Vec<Vec<u8>>>, SecureAreaError> {
    let bytes = match atomic::read_bounded(&dir.join(AREA_FILE), MAX_AREA_FILE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(SecureAreaError::KeyMaterial),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(SecureAreaError::KeyMaterial);
        }
        Err(e) => return Err(backend(e)),
    };
    let rest = bytes
        .strip_prefix(AREA_MAGIC_STEM)
        .ok_or(SecureAreaError::KeyMaterial)?;
    let (&version, rest) = rest.split_first().ok_or(SecureAreaError::KeyMaterial)?;
    if version != AREA_VERSION {
        return Err(match version {
            b'2'..=b'9' => SecureAreaError::UnsupportedVersion {
                found: u32::from(version - b'0'),
            },
            _ => SecureAreaError::KeyMaterial,
        });
    }
    let (&count, mut rest) = rest.split_first().ok_or(SecureAreaError::KeyMaterial)?;
    if !(1..=2).contains(&count) {
        return Err(SecureAreaError::KeyMaterial);
    }
    let mut slots = Vec::new();
    for _ in 0..count {
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(SecureAreaError::KeyMaterial)?;
        let (slot, tail) = tail
            .split_at_checked(usize::from(u16::from_be_bytes(*len)))
            .ok_or(SecureAreaError::KeyMaterial)?;
        slots.push(slot.to_vec());
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(SecureAreaError::KeyMaterial);
    }
    Ok(Some(slots))
}

fn encode_slots(slots: &[&[u8]]) -> Result<Vec<u8>, SecureAreaError> {
    let mut out = AREA_MAGIC_STEM.to_vec();
    out.push(AREA_VERSION);
    out.push(u8::try_from(slots.len()).map_err(|_| SecureAreaError::KeyMaterial)?);
    for slot in slots {
        let len = u16::try_from(slot.len()).map_err(|_| SecureAreaError::KeyMaterial)?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(slot);
    }
    Ok(out)
}

fn wrapper_error(e: KeyError) -> SecureAreaError {
    match e {
        KeyError::WrongKey => SecureAreaError::KeyMaterial,
        other => SecureAreaError::Backend(other.to_string()),
    }
}

/// The first slot that `wrapper` opens: its index and the area key.
fn open_slot(
    slots: &[Vec<u8>],
    wrapper: &dyn KeyWrapper,
) -> Result<(usize, Zeroizing<[u8; 32]>), SecureAreaError> {
    for (i, slot) in slots.iter().enumerate() {
        match wrapper.unwrap(slot) {
            Ok(key) => return Ok((i, key)),
            Err(KeyError::WrongKey) => {}
            Err(other) => return Err(wrapper_error(other)),
        }
    }
    Err(SecureAreaError::KeyMaterial)
}

/// Starts a wallet key change of the area in `dir`: `area.wrap` gets a second slot, the area
/// key wrapped by `new`, beside the slot `current` opens (written atomically). Until
/// [`settle_key`] the area opens with either key. Nothing is written when `current` opens no
/// slot.
pub(crate) fn begin_key_change(
    dir: &Path,
    current: &dyn KeyWrapper,
    new: &dyn KeyWrapper,
) -> Result<(), SecureAreaError> {
    let slots = read_slots(dir)?.ok_or(SecureAreaError::KeyMaterial)?;
    let (index, key) = open_slot(&slots, current)?;
    let added = new.wrap(&key).map_err(wrapper_error)?;
    let kept = slots.get(index).ok_or(SecureAreaError::KeyMaterial)?;
    let file = encode_slots(&[kept, &added])?;
    atomic::write(dir, AREA_FILE, &file).map_err(backend)
}

/// Ends a wallet key change of the area in `dir`: only the slot that `wrapper` (the key the
/// store accepted) opens is kept. Does nothing when there is one slot already.
pub(crate) fn settle_key(dir: &Path, wrapper: &dyn KeyWrapper) -> Result<(), SecureAreaError> {
    let Some(slots) = read_slots(dir)? else {
        return Ok(());
    };
    let (index, _key) = open_slot(&slots, wrapper)?;
    if slots.len() == 1 {
        return Ok(());
    }
    let kept = slots.get(index).ok_or(SecureAreaError::KeyMaterial)?;
    atomic::write(dir, AREA_FILE, &encode_slots(&[kept])?).map_err(backend)
}

impl SoftwareSecureArea {
    /// Opens (creating if needed, durably) the key directory `dir` under `wallet_key`,
    /// migrating a directory of the first format (see the module documentation).
    ///
    /// A wallet key that opens no slot of `area.wrap` (or, in a first-format directory, none of
    /// its key files) is refused with [`SecureAreaError::KeyMaterial`] and nothing is written.
    pub fn open(dir: &Path, wallet_key: &WalletKey) -> Result<Self, SecureAreaError> {
        atomic::create_dir_all(dir).map_err(backend)?;
        atomic::clean_debris(dir).map_err(backend)?;
        // Twice at most: a second opener may create area.wrap between our read and our link.
        for _ in 0..2 {
            if let Some(slots) = read_slots(dir)? {
                let (_, key) = open_slot(&slots, wallet_key)?;
                return Ok(SoftwareSecureArea {
                    dir: dir.to_path_buf(),
                    wrapping_key: key,
                });
            }
            let key = Self::first_area_key(dir, wallet_key)?;
            let file = encode_slots(&[&wallet_key.wrap(&key).map_err(wrapper_error)?])?;
            match atomic::write_new(dir, AREA_FILE, &file) {
                Ok(()) => {
                    return Ok(SoftwareSecureArea {
                        dir: dir.to_path_buf(),
                        wrapping_key: key,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Err(SecureAreaError::Backend("area key contended".to_owned()))
    }

    /// The area key for a directory without `area.wrap`: the first format's subkey when key
    /// files exist (checked to open one of them), a fresh random key otherwise.
    fn first_area_key(
        dir: &Path,
        wallet_key: &WalletKey,
    ) -> Result<Zeroizing<[u8; 32]>, SecureAreaError> {
        let legacy = SoftwareSecureArea {
            dir: dir.to_path_buf(),
            wrapping_key: wallet_key.subkey(LEGACY_PURPOSE),
        };
        let aliases = legacy.list_keys()?;
        if aliases.is_empty() {
            return Ok(Zeroizing::new(mdoc::rng::random_bytes()));
        }
        if aliases.iter().any(|alias| legacy.load(alias).is_ok()) {
            Ok(legacy.wrapping_key.clone())
        } else {
            Err(SecureAreaError::KeyMaterial)
        }
    }

    /// The key directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Changes the wallet key of this area alone, from `current` to `new` (for an area kept
    /// under its own key, apart from the store's; an area under the store's wallet key changes
    /// with it through [`crate::store::CredentialStore::change_key`]). One atomic rewrite of
    /// `area.wrap`: exactly one of the two keys opens the area at every moment, and afterwards
    /// `current` opens nothing. A `current` that does not open this area's key is
    /// [`SecureAreaError::KeyMaterial`] and nothing is written. Key files are not rewritten,
    /// and this handle goes on working.
    pub fn change_wallet_key(
        &self,
        current: &WalletKey,
        new: &WalletKey,
    ) -> Result<(), SecureAreaError> {
        let slots = read_slots(&self.dir)?.ok_or(SecureAreaError::KeyMaterial)?;
        let (_, key) = open_slot(&slots, current)?;
        if *key != *self.wrapping_key {
            return Err(SecureAreaError::KeyMaterial);
        }
        let file = encode_slots(&[&new.wrap(&key).map_err(wrapper_error)?])?;
        atomic::write(&self.dir, AREA_FILE, &file).map_err(backend)
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

    fn wallet_key_directory(&self) -> Option<&Path> {
        Some(&self.dir)
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
        // A wrong wallet key opens nothing.
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &WalletKey::from_bytes([2; 32])).map(|_| ()),
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
        // No temporary files are left behind (the four keys and area.wrap).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 5);
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

    /// Writes a key file of the first format: sealed directly under the wallet key's subkey.
    fn first_format_key(dir: &Path, wallet_key: &WalletKey, alias: &str) -> PublicKey {
        let secret = mdoc::rng::new_p256_secret_key();
        let scalar = secret.to_bytes();
        let file = [
            MAGIC,
            &seal(
                &wallet_key.subkey(LEGACY_PURPOSE),
                &SoftwareSecureArea::aad(alias),
                scalar.as_slice(),
            ),
        ]
        .concat();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(SoftwareSecureArea::file_name(alias)), file).unwrap();
        secret.public_key()
    }

    #[test]
    fn a_first_format_directory_is_migrated_and_a_wrong_key_migrates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let key = WalletKey::from_bytes([1; 32]);
        let public = first_format_key(dir.path(), &key, "old-1");
        // A wrong key: refused, nothing written.
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &WalletKey::from_bytes([2; 32])).map(|_| ()),
            Err(SecureAreaError::KeyMaterial)
        );
        assert!(!dir.path().join(AREA_FILE).exists());
        let sa = SoftwareSecureArea::open(dir.path(), &key).unwrap();
        assert!(dir.path().join(AREA_FILE).exists());
        assert_eq!(sa.public_key("old-1").unwrap(), public);
        sa.create_key("new-1").unwrap();
        let again = SoftwareSecureArea::open(dir.path(), &key).unwrap();
        assert_eq!(again.public_key("old-1").unwrap(), public);
        assert!(again.public_key("new-1").is_ok());
    }

    #[test]
    fn a_later_area_version_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        area(dir.path(), 1).create_key("k").unwrap();
        let mut file = std::fs::read(dir.path().join(AREA_FILE)).unwrap();
        file[4] = b'2';
        std::fs::write(dir.path().join(AREA_FILE), &file).unwrap();
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &WalletKey::from_bytes([1; 32])).map(|_| ()),
            Err(SecureAreaError::UnsupportedVersion { found: 2 })
        );
        assert_eq!(std::fs::read(dir.path().join(AREA_FILE)).unwrap(), file);
    }

    #[test]
    fn every_bit_flip_of_the_area_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        area(dir.path(), 1);
        let path = dir.path().join(AREA_FILE);
        let good = std::fs::read(&path).unwrap();
        let key = WalletKey::from_bytes([1; 32]);
        for bit in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            std::fs::write(&path, &bad).unwrap();
            assert!(
                SoftwareSecureArea::open(dir.path(), &key).is_err(),
                "bit {bit}"
            );
        }
        std::fs::write(&path, &good).unwrap();
        assert!(SoftwareSecureArea::open(dir.path(), &key).is_ok());
    }

    #[test]
    fn a_key_change_opens_with_both_keys_until_settled_then_only_the_kept_one() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (
            WalletKey::from_bytes([1; 32]),
            WalletKey::from_bytes([2; 32]),
        );
        let public = area(dir.path(), 1).create_key("k").unwrap();
        // The wrong current key changes nothing.
        let before = std::fs::read(dir.path().join(AREA_FILE)).unwrap();
        assert_eq!(
            begin_key_change(dir.path(), &new, &old),
            Err(SecureAreaError::KeyMaterial)
        );
        assert_eq!(std::fs::read(dir.path().join(AREA_FILE)).unwrap(), before);

        begin_key_change(dir.path(), &old, &new).unwrap();
        for key in [&old, &new] {
            let sa = SoftwareSecureArea::open(dir.path(), key).unwrap();
            assert_eq!(sa.public_key("k").unwrap(), public);
        }
        // Settled on the old key (the change was not committed): the new key opens nothing.
        settle_key(dir.path(), &old).unwrap();
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &new).map(|_| ()),
            Err(SecureAreaError::KeyMaterial)
        );
        begin_key_change(dir.path(), &old, &new).unwrap();
        settle_key(dir.path(), &new).unwrap();
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &old).map(|_| ()),
            Err(SecureAreaError::KeyMaterial)
        );
        let sa = SoftwareSecureArea::open(dir.path(), &new).unwrap();
        assert_eq!(sa.public_key("k").unwrap(), public);
        // Settling an area with one slot writes nothing.
        let settled = std::fs::read(dir.path().join(AREA_FILE)).unwrap();
        settle_key(dir.path(), &new).unwrap();
        assert_eq!(std::fs::read(dir.path().join(AREA_FILE)).unwrap(), settled);
    }

    #[test]
    fn an_area_under_its_own_key_changes_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (
            WalletKey::from_bytes([1; 32]),
            WalletKey::from_bytes([2; 32]),
        );
        let sa = area(dir.path(), 1);
        let public = sa.create_key("k").unwrap();
        let before = std::fs::read(dir.path().join(AREA_FILE)).unwrap();
        assert_eq!(
            sa.change_wallet_key(&new, &old),
            Err(SecureAreaError::KeyMaterial)
        );
        assert_eq!(std::fs::read(dir.path().join(AREA_FILE)).unwrap(), before);
        sa.change_wallet_key(&old, &new).unwrap();
        assert_eq!(sa.public_key("k").unwrap(), public);
        assert_eq!(
            SoftwareSecureArea::open(dir.path(), &old).map(|_| ()),
            Err(SecureAreaError::KeyMaterial)
        );
        assert_eq!(area(dir.path(), 2).public_key("k").unwrap(), public);
        assert_eq!(sa.wallet_key_directory(), Some(dir.path()));
    }
}
