//! Changing the wallet key: the data key is rewrapped, nothing else is re-encrypted (see the
//! module documentation of [`crate::store`] for the steps and why each kill point is safe).

use std::io;
use std::path::{Path, PathBuf};

use super::{
    CredentialStore, DATA_KEY_FILE, DATA_KEY_MAGIC, MAX_DATA_KEY_LEN, StoreError, io, keys_equal,
};
use crate::atomic;
use crate::keys::KeyWrapper;
use crate::secure_area::software;

/// Present only while a key change that includes a software secure area is under way.
pub(super) const JOURNAL_FILE: &str = "rotation.pending";
const JOURNAL_MAGIC: &[u8] = b"CWRJ1";
const MAX_JOURNAL_LEN: u64 = 4096 + 8;

impl CredentialStore {
    /// Changes the key that wraps the store's data key from `current` to `new` (a
    /// [`crate::keys::WalletKey`], one derived from a passphrase, or a hardware
    /// [`KeyWrapper`]), rewrapping the data key only. When `software_area` names the directory
    /// of a [`crate::secure_area::SoftwareSecureArea`] opened under `current`, its area key is
    /// rewrapped in the same commit.
    ///
    /// Crash-safe: at every moment exactly one of the two keys opens the store, and the next
    /// open finishes an interrupted change of the area. Afterwards `current` opens nothing
    /// ([`StoreError::WrongKey`]). `current` must give this store's data key, else
    /// [`StoreError::WrongKey`] and nothing is changed; an area that `current` does not open is
    /// [`StoreError::SecureArea`] and nothing is changed. An interrupted change records the
    /// area's directory (made absolute) for the next open to finish.
    ///
    /// An I/O error can leave it unknown whether the change was committed (the file system
    /// failed around the rename): keep both keys until an open succeeds with one of them.
    pub fn change_key(
        &mut self,
        current: &dyn KeyWrapper,
        new: &dyn KeyWrapper,
        software_area: Option<&Path>,
    ) -> Result<(), StoreError> {
        let stored = atomic::read_bounded(&self.dir.join(DATA_KEY_FILE), MAX_DATA_KEY_LEN)
            .map_err(io)?
            .ok_or(StoreError::DataKeyMissing)?;
        let (key, _) = Self::unwrap_data_key(&stored, current)?;
        if !keys_equal(key.bytes(), self.data_key.bytes()) {
            return Err(StoreError::WrongKey);
        }
        let wrapped = new.wrap(self.data_key.bytes()).map_err(StoreError::Key)?;
        // A wrapper that cannot open what it wrapped would lock the store for good.
        let round_trip = new.unwrap(&wrapped).map_err(StoreError::Key)?;
        if !keys_equal(&round_trip, self.data_key.bytes()) {
            return Err(StoreError::Key(crate::keys::KeyError::Wrapper(
                "the new key wrapper does not give back the key it wrapped".to_owned(),
            )));
        }
        // Absolute, so that an open from another working directory finds the area.
        let software_area = match software_area {
            Some(area) if area.is_relative() => {
                Some(std::env::current_dir().map_err(io)?.join(area))
            }
            other => other.map(Path::to_path_buf),
        };
        if let Some(area) = software_area.as_deref() {
            let path = area
                .to_str()
                .ok_or_else(|| StoreError::Io("the area directory is not UTF-8".to_owned()))?;
            let journal = [JOURNAL_MAGIC, path.as_bytes()].concat();
            atomic::write(&self.dir, JOURNAL_FILE, &journal).map_err(io)?;
            if let Err(e) = software::begin_key_change(area, current, new) {
                // The store is unchanged: the area keeps the current key's slot (when it was
                // written at all) and the journal goes.
                if finish(&self.dir, current).is_err() {
                    let _ = atomic::remove(&self.dir, JOURNAL_FILE);
                }
                return Err(e.into());
            }
        }
        self.commit(&wrapped, new)?;
        if software_area.is_some() {
            // Committed: whatever happens here, the new key is the key. A failure leaves the
            // journal, and the next open finishes the area.
            let _ = finish(&self.dir, new);
        }
        Ok(())
    }

    /// Replaces `data.key` with `wrapped` (the commit). An error after the rename (the
    /// directory fsync) is checked against what `data.key` now holds: when it is the new
    /// wrapping, the fsync is retried and success reported, so the caller is not told the old
    /// key still holds when it does not.
    fn commit(&self, wrapped: &[u8], new: &dyn KeyWrapper) -> Result<(), StoreError> {
        let file = [DATA_KEY_MAGIC, wrapped].concat();
        let Err(error) = atomic::write(&self.dir, DATA_KEY_FILE, &file) else {
            return Ok(());
        };
        let now = atomic::read_bounded(&self.dir.join(DATA_KEY_FILE), MAX_DATA_KEY_LEN);
        let replaced = matches!(&now, Ok(Some(bytes)) if *bytes == file)
            && Self::unwrap_data_key(&file, new).is_ok();
        if replaced && atomic::sync_dir(&self.dir).is_ok() {
            return Ok(());
        }
        Err(io(error))
    }
}

/// The area directory named in `dir`'s journal; `Ok(None)` when there is no journal, `Err(())`
/// when it is damaged.
fn journal(dir: &Path) -> Result<Option<PathBuf>, ()> {
    match atomic::read_bounded(&dir.join(JOURNAL_FILE), MAX_JOURNAL_LEN) {
        Ok(Some(bytes)) => bytes
            .strip_prefix(JOURNAL_MAGIC)
            .and_then(|path| std::str::from_utf8(path).ok())
            .filter(|path| !path.is_empty())
            .map(|path| Some(PathBuf::from(path)))
            .ok_or(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        _ => Err(()),
    }
}

/// Ends a key change: the area named in the journal keeps only the slot that `wrapper` (the
/// key that opens the store) opens, then the journal is removed.
fn finish(dir: &Path, wrapper: &dyn KeyWrapper) -> Result<(), StoreError> {
    match journal(dir) {
        Ok(None) => return Ok(()),
        // An area directory that is gone (deleted with its wallet) has nothing to finish.
        Ok(Some(area)) => software::settle_key(&area, wrapper)?,
        // A damaged journal names no area to finish; the area still opens with either key.
        Err(()) => {}
    }
    match atomic::remove(dir, JOURNAL_FILE) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io(e)),
        _ => Ok(()),
    }
}

/// At open, with the key that opened the store: finishes a key change a kill interrupted. A
/// failure here does not fail the open (the area opens with either key until it is finished,
/// and the next open tries again).
pub(super) fn settle(dir: &Path, wrapper: &dyn KeyWrapper) {
    let _ = finish(dir, wrapper);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::WalletKey;
    use crate::secure_area::{SecureArea, SecureAreaError, SoftwareSecureArea};
    use crate::store::{CredentialCopy, CredentialRecord, PresentationPolicy};

    fn record() -> CredentialRecord {
        CredentialRecord {
            doc_type: "uk.gov.digital-id.1".to_owned(),
            issuer: "Test".to_owned(),
            display_name: "Test".to_owned(),
            valid_from: mdoc::time::Timestamp::from_unix_seconds(1),
            valid_until: mdoc::time::Timestamp::from_unix_seconds(2),
            copies: vec![CredentialCopy::new("k".to_owned(), vec![1; 10])],
            policy: PresentationPolicy::RotateUse,
            refresh_below: 0,
            status: None,
            logo_uri: None,
            refresh: None,
        }
    }

    /// Every state a kill can leave between the steps of a key change (each step is one atomic
    /// write): the store opens with exactly one key, the area ends with that key only, and the
    /// journal is gone.
    #[test]
    fn every_intermediate_state_opens_with_exactly_one_key_and_settles_the_area() {
        let (old, new) = (
            WalletKey::from_bytes([1; 32]),
            WalletKey::from_bytes([2; 32]),
        );
        // How many steps are done: 1 journal, 2 area with both slots, 3 data.key replaced.
        for done in 0..=3 {
            let root = tempfile::tempdir().unwrap();
            let (store_dir, area_dir) = (root.path().join("store"), root.path().join("keys"));
            let public = SoftwareSecureArea::open(&area_dir, &old)
                .unwrap()
                .create_key("k")
                .unwrap();
            let mut store = CredentialStore::open(&store_dir, &old).unwrap();
            let id = store.put(record()).unwrap();
            let wrapped = [DATA_KEY_MAGIC, &new.wrap(store.data_key.bytes()).unwrap()].concat();
            drop(store);
            if done >= 1 {
                let path = area_dir.to_str().unwrap().as_bytes();
                atomic::write(&store_dir, JOURNAL_FILE, &[JOURNAL_MAGIC, path].concat()).unwrap();
            }
            if done >= 2 {
                software::begin_key_change(&area_dir, &old, &new).unwrap();
            }
            if done >= 3 {
                atomic::write(&store_dir, DATA_KEY_FILE, &wrapped).unwrap();
            }
            let (winner, loser) = if done >= 3 {
                (&new, &old)
            } else {
                (&old, &new)
            };
            assert_eq!(
                CredentialStore::open(&store_dir, loser).map(|_| ()),
                Err(StoreError::WrongKey),
                "after step {done}"
            );
            let mut store = CredentialStore::open(&store_dir, winner).unwrap();
            assert_eq!(store.get(&id).unwrap().record, record());
            drop(store);
            assert!(!store_dir.join(JOURNAL_FILE).exists(), "after step {done}");
            assert_eq!(
                SoftwareSecureArea::open(&area_dir, loser).map(|_| ()),
                Err(SecureAreaError::KeyMaterial),
                "after step {done}"
            );
            let area = SoftwareSecureArea::open(&area_dir, winner).unwrap();
            assert_eq!(area.public_key("k").unwrap(), public);
        }
    }
}
