//! Credentials at rest.
//!
//! Layout of a store directory:
//!
//! ```text
//! store.lock          held exclusively while the store is open
//! data.key            the 32-byte data key, wrapped by the KeyWrapper (wallet key or hardware)
//! records/<id>.rec    one credential each: "CWR1" || nonce(12) || AES-256-GCM(data key,
//!                     CBOR record, AAD = "CWR1" || id)
//! quarantine/         records that failed to open, moved aside (never deleted, never used)
//! ```
//!
//! Writes are atomic (temporary file, fsync, rename, fsync of the directory). Opening removes
//! debris of interrupted writes, and moves a torn, truncated or tampered record to
//! `quarantine/` while every other record stays readable.

mod record;

pub use record::{CredentialRecord, CredentialSummary, StoredCredential};

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::atomic;
use crate::keys::{KeyError, KeyWrapper, open, seal};
use crate::secure_area::{SecureArea, SecureAreaError};

const RECORD_MAGIC: &[u8] = b"CWR1";
const RECORD_SUFFIX: &str = ".rec";
/// Largest record file read (credentials with portraits are well under 1 MiB).
pub const MAX_RECORD_LEN: u64 = 4 * 1024 * 1024;
const DATA_KEY_FILE: &str = "data.key";
const MAX_DATA_KEY_LEN: u64 = 1024;

/// Why a store operation failed. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process or handle has the store open.
    #[error("the credential store is open elsewhere")]
    Locked,
    /// The wallet key does not open this store's data key.
    #[error("wrong wallet key for this credential store")]
    WrongKey,
    /// Records exist but the wrapped data key is missing or unreadable.
    #[error("the store's data key is missing or damaged")]
    DataKeyMissing,
    /// No credential with that id.
    #[error("no credential with that id")]
    NotFound,
    /// The record failed to open and has been quarantined.
    #[error("the credential record was damaged or tampered with and has been quarantined")]
    Quarantined,
    /// The key wrapper failed.
    #[error("key wrapper failed: {0}")]
    Key(KeyError),
    /// Deleting the device key failed (the record itself was deleted).
    #[error("device key deletion failed: {0}")]
    SecureArea(#[from] SecureAreaError),
    /// A file system operation failed.
    #[error("storage failed: {0}")]
    Io(String),
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e.kind().to_string())
}

/// Why a record was quarantined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuarantineReason {
    /// The file is larger than [`MAX_RECORD_LEN`].
    TooLarge,
    /// The file does not start with the record header (torn or foreign).
    BadHeader,
    /// Authenticated decryption failed: truncated, tampered or renamed.
    Unreadable,
    /// Decrypted, but the content is not a valid record.
    Malformed,
}

/// A record moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedRecord {
    /// The file name in `quarantine/`.
    pub file_name: String,
    /// Why.
    pub reason: QuarantineReason,
}

/// An open credential store. Only one handle per directory exists at a time.
pub struct CredentialStore {
    dir: PathBuf,
    records: PathBuf,
    data_key: Zeroizing<[u8; 32]>,
    index: BTreeMap<String, CredentialSummary>,
    quarantined: Vec<QuarantinedRecord>,
    _lock: File,
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore")
            .field("dir", &self.dir)
            .field("credentials", &self.index.len())
            .finish_non_exhaustive()
    }
}

fn record_aad(id: &str) -> Vec<u8> {
    [RECORD_MAGIC, id.as_bytes()].concat()
}

fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl CredentialStore {
    /// Opens the store in `dir` (creating it when new), unwrapping its data key with
    /// `wrapper`. Refuses a second concurrent open with [`StoreError::Locked`].
    pub fn open(dir: &Path, wrapper: &dyn KeyWrapper) -> Result<Self, StoreError> {
        let records = dir.join("records");
        fs::create_dir_all(&records).map_err(io)?;
        fs::create_dir_all(dir.join("quarantine")).map_err(io)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("store.lock"))
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked),
            Err(fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        atomic::clean_debris(dir).map_err(io)?;
        atomic::clean_debris(&records).map_err(io)?;
        let data_key = Self::data_key(dir, &records, wrapper)?;
        let mut store = CredentialStore {
            dir: dir.to_path_buf(),
            records,
            data_key,
            index: BTreeMap::new(),
            quarantined: Vec::new(),
            _lock: lock,
        };
        store.scan()?;
        Ok(store)
    }

    fn data_key(
        dir: &Path,
        records: &Path,
        wrapper: &dyn KeyWrapper,
    ) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        match atomic::read_bounded(&dir.join(DATA_KEY_FILE), MAX_DATA_KEY_LEN) {
            Ok(Some(wrapped)) => wrapper.unwrap(&wrapped).map_err(|e| match e {
                KeyError::WrongKey => StoreError::WrongKey,
                other => StoreError::Key(other),
            }),
            Ok(None) => Err(StoreError::DataKeyMissing),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if fs::read_dir(records).map_err(io)?.next().is_some() {
                    return Err(StoreError::DataKeyMissing);
                }
                let key = Zeroizing::new(mdoc::rng::random_bytes::<32>());
                let wrapped = wrapper.wrap(&key).map_err(StoreError::Key)?;
                atomic::write(dir, DATA_KEY_FILE, &wrapped).map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Reads every record; damaged ones go to quarantine.
    fn scan(&mut self) -> Result<(), StoreError> {
        let mut names: Vec<String> = fs::read_dir(&self.records)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for name in names {
            let outcome = match name.strip_suffix(RECORD_SUFFIX).filter(|id| valid_id(id)) {
                Some(id) => self.read(id),
                None => Err(QuarantineReason::BadHeader),
            };
            match outcome {
                Ok(stored) => {
                    self.index.insert(stored.id.clone(), stored.summary());
                }
                Err(reason) => self.quarantine(&name, reason)?,
            }
        }
        Ok(())
    }

    fn read(&self, id: &str) -> Result<StoredCredential, QuarantineReason> {
        let path = self.records.join(format!("{id}{RECORD_SUFFIX}"));
        let bytes = match atomic::read_bounded(&path, MAX_RECORD_LEN) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(QuarantineReason::TooLarge),
            Err(_) => return Err(QuarantineReason::Unreadable),
        };
        let sealed = bytes
            .strip_prefix(RECORD_MAGIC)
            .ok_or(QuarantineReason::BadHeader)?;
        let plaintext =
            open(&self.data_key, &record_aad(id), sealed).ok_or(QuarantineReason::Unreadable)?;
        let record = CredentialRecord::decode(&plaintext).ok_or(QuarantineReason::Malformed)?;
        Ok(StoredCredential {
            id: id.to_owned(),
            record,
        })
    }

    fn quarantine(&mut self, name: &str, reason: QuarantineReason) -> Result<(), StoreError> {
        let quarantine = self.dir.join("quarantine");
        let mut target = name.to_owned();
        while quarantine.join(&target).exists() {
            target = format!("{}-{}", name, atomic::hex(&mdoc::rng::random_bytes::<4>()));
        }
        fs::rename(self.records.join(name), quarantine.join(&target)).map_err(io)?;
        atomic::sync_dir(&quarantine).map_err(io)?;
        atomic::sync_dir(&self.records).map_err(io)?;
        self.quarantined.push(QuarantinedRecord {
            file_name: target,
            reason,
        });
        Ok(())
    }

    /// Stores a credential and returns its new id (random; not derived from personal data).
    pub fn put(&mut self, record: CredentialRecord) -> Result<String, StoreError> {
        let id = atomic::hex(&mdoc::rng::random_bytes::<16>());
        let plaintext = Zeroizing::new(record.encode());
        let mut file = RECORD_MAGIC.to_vec();
        file.extend(seal(&self.data_key, &record_aad(&id), &plaintext));
        atomic::write(&self.records, &format!("{id}{RECORD_SUFFIX}"), &file).map_err(io)?;
        let stored = StoredCredential {
            id: id.clone(),
            record,
        };
        self.index.insert(id.clone(), stored.summary());
        Ok(id)
    }

    /// Summaries of every credential (no payloads), ordered by id.
    pub fn list(&self) -> Vec<CredentialSummary> {
        self.index.values().cloned().collect()
    }

    /// The credential `id`, read and authenticated afresh. A record damaged since opening is
    /// quarantined and reported.
    pub fn get(&mut self, id: &str) -> Result<StoredCredential, StoreError> {
        if !self.index.contains_key(id) {
            return Err(StoreError::NotFound);
        }
        match self.read(id) {
            Ok(stored) => Ok(stored),
            Err(reason) => {
                self.index.remove(id);
                self.quarantine(&format!("{id}{RECORD_SUFFIX}"), reason)?;
                Err(StoreError::Quarantined)
            }
        }
    }

    /// Deletes credential `id` and, when `area` is given, its device key.
    pub fn delete(&mut self, id: &str, area: Option<&dyn SecureArea>) -> Result<(), StoreError> {
        let summary = self.index.get(id).cloned().ok_or(StoreError::NotFound)?;
        atomic::remove(&self.records, &format!("{id}{RECORD_SUFFIX}")).map_err(io)?;
        self.index.remove(id);
        if let Some(area) = area {
            area.delete_key(&summary.device_key_alias)?;
        }
        Ok(())
    }

    /// Records moved to quarantine since this store was opened.
    pub fn quarantined(&self) -> &[QuarantinedRecord] {
        &self.quarantined
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
