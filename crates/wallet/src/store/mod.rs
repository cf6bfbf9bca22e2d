//! Credentials at rest.
//!
//! Layout of a store directory:
//!
//! ```text
//! store.version       the store format version (see below): "CWSV" || version (u32 BE) ||
//!                     nonce(12) || AES-256-GCM tag (key derived from the data key, empty
//!                     message, AAD = "CWSV" || version)
//! store.lock          held exclusively while the store is open
//! data.key            "CWDK1" || the 32-byte data key wrapped by the KeyWrapper (wallet key or
//!                     hardware); the first format had no "CWDK1" header
//! data.check          key check value: "CWKC1" || nonce(12) || AES-256-GCM(data key, empty,
//!                     AAD = "citizen-wallet data key check v1")
//! records/<id>.rec    one credential each: "CWR1" || nonce(12) || AES-256-GCM(data key,
//!                     CBOR record, AAD = "CWR1" || id)
//! history/            the history (see [`crate::history`]): "CWH1" entries, "CWHR1" retention setting
//! quarantine/         records that failed to open, moved aside (never deleted, never used),
//!                     named <original name>.<reason>
//! rotation.pending    only during a wallet key change that includes a software secure area:
//!                     "CWRJ1" || the area's directory (UTF-8)
//! ```
//!
//! # Versions
//!
//! Two levels. The store as a whole has a format version in `store.version`, authenticated
//! under the data key: [`version::CURRENT`] is 2, and a store without the file is version 1
//! (written before versions existed). Every file also starts with a magic that names its own
//! format and version (`CWSV`, `CWDK1`, `CWKC1`, `CWR1`, `CWH1`, `CWHR1`; beside the store the
//! passphrase salt `CWSALT1` and the software secure area's `CWAK1` / `CWSK1`), and every reader
//! checks it. Any change to any file's format raises the store version, so the store version is
//! the single gate: a reader meets per-file formats it does not know only in a store whose
//! version it has already refused.
//!
//! Opening reads `store.version` first, before the data key is unwrapped and before anything is
//! created, cleaned or locked: a version above [`version::CURRENT`] is
//! [`StoreError::UnsupportedVersion`] and the directory is left exactly as it was. Once the key
//! is known the version's tag is checked ([`StoreError::VersionDamaged`] if it fails: a
//! version that cannot be trusted is never guessed).
//!
//! Migration from version 1 happens on open, under the lock, after the key is checked: the key
//! check value is made if missing, `data.key` is rewritten with its header (the same wrapped
//! bytes), and `store.version` is written last. Each step is one atomic write, readers accept
//! `data.key` with or without the header, and the version file is the commit: a kill at any
//! point leaves a store that opens (as version 1, migrating again) with every record intact.
//! Records, history entries and key check value keep their version-1 format, so nothing else
//! is rewritten.
//!
//! # Changing the wallet key
//!
//! [`CredentialStore::change_key`] rewraps the data key only: records, history and the key
//! check value are sealed under the data key (or keys derived from it) and stay as they are.
//! The new `data.key` is written to a temporary file, fsynced and renamed over the old one: the
//! rename is the commit, and at every moment exactly one of the two keys opens the store. A
//! software secure area's key files are sealed under an area key that is wrapped by the wallet
//! key too (see [`crate::secure_area::SoftwareSecureArea`]); when its directory is given, the
//! change covers it in the same commit:
//!
//! 1. `rotation.pending` records the area's directory;
//! 2. the area's `area.wrap` gets a second slot, the area key wrapped by the new key (the area
//!    opens with either key while both slots exist);
//! 3. `data.key` is replaced (the commit);
//! 4. the area keeps only the new key's slot, and `rotation.pending` is removed.
//!
//! An open that finds `rotation.pending` (a kill between 1 and 4) finishes step 4 with the key
//! that opened the store, old or new: the area follows the store, never the other way round.
//!
//! # Damage
//!
//! Writes are atomic (temporary file, fsync, rename, fsync of the directory), and new
//! directories are made durable in their parents. Opening removes debris of interrupted writes,
//! and moves a torn, truncated or tampered record to `quarantine/` while every other record
//! stays readable. Only what a record's bytes show (bad header, failed authentication,
//! malformed content, oversize) quarantines it; a failure to read them (EMFILE, EACCES, EIO, not
//! a regular file) is [`StoreError::Io`] and leaves the record in place.
//!
//! A data key that does not open the key check value is a wrong key ([`StoreError::WrongKey`]),
//! not damage: nothing is quarantined. This matters for a [`KeyWrapper`] (a platform key) that
//! returns a wrong key instead of failing, which would otherwise make every record look
//! tampered. A store without a check value (made before check values existed, or interrupted
//! right after its data key was made) gets one once some record authenticates under the key;
//! when records exist and none does, the key is reported wrong and nothing is moved.
//!
//! # Concurrency
//!
//! `store.lock` is held (an exclusive advisory lock, released by the kernel when the process
//! dies) for the life of a [`CredentialStore`]; a second open, from this process or another,
//! fails at once with [`StoreError::Locked`]. The history lives in the store directory and is
//! reached only through an open store, so the lock covers it. A software secure area's
//! directory is not under the lock: its writes are each atomic and never replace a key
//! (creation links a new file, deletion removes one), its `area.wrap` is changed only by a key
//! change, which holds the store's lock, and the area key itself never changes.

mod record;
mod rotation;
pub mod version;

pub use record::{
    CredentialCopy, CredentialRecord, CredentialSummary, MAX_COPIES, PresentationPolicy,
    RefreshGrant, StoredCredential,
};

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::atomic;
use crate::keys::{DataKey, KeyError, KeyWrapper, open, seal};
use crate::secure_area::{SecureArea, SecureAreaError};

const RECORD_MAGIC: &[u8] = b"CWR1";
const RECORD_SUFFIX: &str = ".rec";
/// Largest record file read (credentials with portraits are well under 1 MiB).
pub const MAX_RECORD_LEN: u64 = 4 * 1024 * 1024;
const DATA_KEY_FILE: &str = "data.key";
const DATA_KEY_MAGIC: &[u8] = b"CWDK1";
const MAX_DATA_KEY_LEN: u64 = 1024;
const CHECK_FILE: &str = "data.check";
const CHECK_MAGIC: &[u8] = b"CWKC1";
const CHECK_AAD: &[u8] = b"citizen-wallet data key check v1";
const MAX_CHECK_LEN: u64 = 256;
const RECORDS_DIR: &str = "records";
const QUARANTINE_DIR: &str = "quarantine";

/// Why a store operation failed. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process or handle has the store open.
    #[error("the credential store is open elsewhere")]
    Locked,
    /// The wallet key (or key wrapper) does not give this store's data key: the wrapped key
    /// does not open, or what it gives fails the key check. Nothing was quarantined.
    #[error("wrong wallet key for this credential store")]
    WrongKey,
    /// Records exist (or the store is versioned, so it had a key) but the wrapped data key is
    /// missing or unreadable.
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
    /// The secure area failed: deleting a device key (the record itself was deleted), or
    /// changing a software area's key (nothing was changed, see
    /// [`CredentialStore::change_key`]).
    #[error("secure area failed: {0}")]
    SecureArea(#[from] SecureAreaError),
    /// A file system operation failed (the I/O error kind).
    #[error("storage failed: {0}")]
    Io(String),
    /// A stored setting (the history retention period) is damaged: it failed authentication
    /// or is not a value. Nothing was acted on; setting it again replaces it.
    #[error("a stored setting is damaged")]
    SettingDamaged,
    /// The device's storage is full (ENOSPC) or the app's quota used up (EDQUOT): nothing was
    /// written and what was stored is intact; free space and retry.
    #[error("the device storage is full")]
    StorageFull,
    /// The record would be larger than a record may be.
    #[error("the credential record is too large")]
    TooLarge,
    /// The record has more copies than [`MAX_COPIES`].
    #[error("the credential has too many copies")]
    TooManyCopies,
    /// The store was written by a later format version than this code reads (the version
    /// found). Nothing in the store was read beyond its version, or changed.
    #[error("credential store format version {found} is not supported")]
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
    /// The store's version file is damaged or forged (it does not parse, or its tag does not
    /// verify under the data key). Nothing was changed.
    #[error("the credential store's version file is damaged")]
    VersionDamaged,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::from_io(&e)
}

impl StoreError {
    /// The error for a failed file system operation: [`StoreError::StorageFull`] when the
    /// storage is full, [`StoreError::Io`] with the error kind otherwise.
    pub(crate) fn from_io(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                StoreError::StorageFull
            }
            kind => StoreError::Io(kind.to_string()),
        }
    }
}

/// Why a record could not be read.
enum ReadFailure {
    /// Its bytes are damaged: quarantine it.
    Damaged(QuarantineReason),
    /// Reading failed; the record may be fine.
    Io(StoreError),
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
    /// Found in `quarantine/` without a recorded reason (moved there by an older version).
    Unknown,
}

impl QuarantineReason {
    /// The suffix recording this reason in the quarantined file's name.
    fn tag(self) -> &'static str {
        match self {
            QuarantineReason::TooLarge => "too-large",
            QuarantineReason::BadHeader => "bad-header",
            QuarantineReason::Unreadable => "unreadable",
            QuarantineReason::Malformed => "malformed",
            QuarantineReason::Unknown => "unknown",
        }
    }

    /// The reason recorded in a quarantined file's name.
    fn from_file_name(name: &str) -> Self {
        let tag = name.rsplit_once('.').map_or("", |(_, tag)| tag);
        [
            QuarantineReason::TooLarge,
            QuarantineReason::BadHeader,
            QuarantineReason::Unreadable,
            QuarantineReason::Malformed,
        ]
        .into_iter()
        .find(|reason| reason.tag() == tag)
        .unwrap_or(QuarantineReason::Unknown)
    }
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
    data_key: DataKey,
    index: BTreeMap<String, CredentialSummary>,
    /// Every copy's device key alias, by record id (for deletion).
    aliases: BTreeMap<String, Vec<String>>,
    /// Copies reserved by presentations in progress: (record id, device key alias).
    reserved: BTreeSet<(String, String)>,
    quarantined: Vec<QuarantinedRecord>,
    _lock: File,
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore")
            .field("dir", &self.dir)
            .field("credentials", &self.index.len())
            .field("quarantined", &self.quarantined.len())
            .finish_non_exhaustive()
    }
}

/// A key for another use of the store (`info` names it): HKDF-SHA256 of the data key.
fn derive(data_key: &DataKey, info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is within HKDF-SHA256's output limit, so expansion cannot fail.
    let _ = hkdf::Hkdf::<sha2::Sha256>::new(None, data_key.bytes()).expand(info, out.as_mut());
    out
}

fn record_aad(id: &str) -> Vec<u8> {
    [RECORD_MAGIC, id.as_bytes()].concat()
}

/// Whether two keys are equal, in time independent of where they differ.
fn keys_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The id of a well-named record file.
fn record_id(name: &OsStr) -> Option<&str> {
    name.to_str()?
        .strip_suffix(RECORD_SUFFIX)
        .filter(|id| valid_id(id))
}

/// A name safe to keep when moving a file to quarantine (short, plain characters).
fn plain_name(name: &OsStr) -> Option<&str> {
    name.to_str().filter(|n| {
        !n.is_empty()
            && n.len() <= 80
            && !n.starts_with('.')
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    })
}

impl CredentialStore {
    /// Opens the store in `dir` (creating it when new), unwrapping its data key with
    /// `wrapper`. Refuses a second concurrent open with [`StoreError::Locked`].
    ///
    /// A wrapper that gives a wrong data key is refused with [`StoreError::WrongKey`] and no
    /// record is touched; a store of a later format version is refused with
    /// [`StoreError::UnsupportedVersion`] before anything is written; a first-format store is
    /// migrated (see the module documentation).
    pub fn open(dir: &Path, wrapper: &dyn KeyWrapper) -> Result<Self, StoreError> {
        // Before anything is created, locked or cleaned.
        version::read(dir)?;
        let records = dir.join(RECORDS_DIR);
        let quarantine = dir.join(QUARANTINE_DIR);
        atomic::create_dir_all(&records).map_err(io)?;
        atomic::create_dir_all(&quarantine).map_err(io)?;
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
        // Again under the lock: a newer version may have migrated it since.
        let stored_version = version::read(dir)?;
        atomic::clean_debris(dir).map_err(io)?;
        atomic::clean_debris(&records).map_err(io)?;
        let (data_key, has_header) =
            Self::data_key(dir, &records, wrapper, stored_version.is_some())?;
        Self::check_key(dir, &records, &data_key)?;
        match stored_version {
            Some(stored) => version::verify(&stored, &data_key)?,
            None => Self::migrate_from_v1(dir, wrapper, &data_key, has_header)?,
        }
        rotation::settle(dir, wrapper);
        let quarantined = Self::list_quarantine(&quarantine)?;
        let mut store = CredentialStore {
            dir: dir.to_path_buf(),
            records,
            data_key,
            index: BTreeMap::new(),
            aliases: BTreeMap::new(),
            reserved: BTreeSet::new(),
            quarantined,
            _lock: lock,
        };
        store.scan()?;
        Ok(store)
    }

    /// A key for another use of the store (`info` names it), derived from the data key with
    /// HKDF-SHA256, so it opens with the store and is never the data key itself.
    pub(crate) fn derived_key(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        derive(&self.data_key, info)
    }

    /// Migrates a version-1 store (see the module documentation): every step is one atomic
    /// write and the version file, written last, is the commit.
    fn migrate_from_v1(
        dir: &Path,
        wrapper: &dyn KeyWrapper,
        data_key: &DataKey,
        has_header: bool,
    ) -> Result<(), StoreError> {
        if !has_header {
            let wrapped = atomic::read_bounded(&dir.join(DATA_KEY_FILE), MAX_DATA_KEY_LEN)
                .map_err(io)?
                .ok_or(StoreError::DataKeyMissing)?;
            // Rewritten only if these very bytes give this data key (nothing else is put in
            // their place).
            let same = wrapper
                .unwrap(&wrapped)
                .is_ok_and(|key| keys_equal(&key, data_key.bytes()));
            if !same {
                return Err(StoreError::WrongKey);
            }
            atomic::write(dir, DATA_KEY_FILE, &[DATA_KEY_MAGIC, &wrapped].concat()).map_err(io)?;
        }
        version::write(dir, data_key)
    }

    /// Unwraps `wrapped` (the bytes of `data.key`): with its `CWDK1` header, or without (the
    /// first format; also tried when the header is present but what follows does not unwrap,
    /// for a headerless wrapping that happens to start with the same bytes). Returns the key
    /// and whether the header was there.
    fn unwrap_data_key(
        wrapped: &[u8],
        wrapper: &dyn KeyWrapper,
    ) -> Result<(DataKey, bool), StoreError> {
        let attempt = |bytes: &[u8]| match wrapper.unwrap(bytes) {
            Ok(key) => Ok(DataKey::new(&key)),
            Err(KeyError::WrongKey) => Err(StoreError::WrongKey),
            Err(other) => Err(StoreError::Key(other)),
        };
        if let Some(body) = wrapped.strip_prefix(DATA_KEY_MAGIC) {
            match attempt(body) {
                Ok(key) => return Ok((key, true)),
                Err(StoreError::WrongKey) => {}
                Err(other) => return Err(other),
            }
        }
        attempt(wrapped).map(|key| (key, false))
    }

    /// The data key from `data.key`, made when the store is new. `versioned`: the store has a
    /// version file, which is written after its data key, so a missing key is lost, not new.
    fn data_key(
        dir: &Path,
        records: &Path,
        wrapper: &dyn KeyWrapper,
        versioned: bool,
    ) -> Result<(DataKey, bool), StoreError> {
        match atomic::read_bounded(&dir.join(DATA_KEY_FILE), MAX_DATA_KEY_LEN) {
            Ok(Some(wrapped)) => Self::unwrap_data_key(&wrapped, wrapper),
            Ok(None) => Err(StoreError::DataKeyMissing),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if versioned || fs::read_dir(records).map_err(io)?.next().is_some() {
                    return Err(StoreError::DataKeyMissing);
                }
                let key = DataKey::random();
                let wrapped = wrapper.wrap(key.bytes()).map_err(StoreError::Key)?;
                atomic::write(dir, DATA_KEY_FILE, &[DATA_KEY_MAGIC, &wrapped].concat())
                    .map_err(io)?;
                Ok((key, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Checks `key` against the key check value, before any record is judged by it.
    fn check_key(dir: &Path, records: &Path, key: &DataKey) -> Result<(), StoreError> {
        let check_damaged = match atomic::read_bounded(&dir.join(CHECK_FILE), MAX_CHECK_LEN) {
            Ok(Some(bytes)) => {
                let opens = bytes
                    .strip_prefix(CHECK_MAGIC)
                    .and_then(|sealed| open(key.bytes(), CHECK_AAD, sealed))
                    .is_some_and(|plaintext| plaintext.is_empty());
                if opens {
                    return Ok(());
                }
                true
            }
            Ok(None) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => true,
            Err(e) => return Err(io(e)),
        };
        // No usable check value: let the records decide, moving none of them.
        let (any_records, one_opens) = Self::probe(records, key)?;
        if one_opens || (!any_records && !check_damaged) {
            let check = [CHECK_MAGIC, &seal(key.bytes(), CHECK_AAD, &[])].concat();
            atomic::write(dir, CHECK_FILE, &check).map_err(io)?;
            Ok(())
        } else {
            Err(StoreError::WrongKey)
        }
    }

    /// Whether any well-named record exists, and whether any authenticates under `key`.
    fn probe(records: &Path, key: &DataKey) -> Result<(bool, bool), StoreError> {
        let mut any = false;
        for entry in fs::read_dir(records).map_err(io)? {
            let name = entry.map_err(io)?.file_name();
            let Some(id) = record_id(&name) else {
                continue;
            };
            any = true;
            let opens = matches!(
                atomic::read_bounded(&records.join(&name), MAX_RECORD_LEN),
                Ok(Some(bytes)) if bytes
                    .strip_prefix(RECORD_MAGIC)
                    .and_then(|sealed| open(key.bytes(), &record_aad(id), sealed))
                    .is_some()
            );
            if opens {
                return Ok((true, true));
            }
        }
        Ok((any, false))
    }

    /// The records already in quarantine (moved there by earlier handles).
    fn list_quarantine(quarantine: &Path) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let mut found: Vec<QuarantinedRecord> = Vec::new();
        for entry in fs::read_dir(quarantine).map_err(io)? {
            let file_name = entry
                .map_err(io)?
                .file_name()
                .to_string_lossy()
                .into_owned();
            let reason = QuarantineReason::from_file_name(&file_name);
            found.push(QuarantinedRecord { file_name, reason });
        }
        found.sort_unstable_by(|a, b| a.file_name.cmp(&b.file_name));
        Ok(found)
    }

    /// Reads every record; damaged ones go to quarantine. A record that cannot be read at all
    /// fails the open with [`StoreError::Io`] and is left where it is.
    fn scan(&mut self) -> Result<(), StoreError> {
        let mut names: Vec<OsString> = fs::read_dir(&self.records)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        names.sort_unstable();
        for name in names {
            let outcome = match record_id(&name) {
                Some(id) => self.read(id),
                None => Err(ReadFailure::Damaged(QuarantineReason::BadHeader)),
            };
            match outcome {
                Ok(stored) => self.index_record(&stored),
                Err(ReadFailure::Damaged(reason)) => self.quarantine(&name, reason)?,
                // The open fails and the record stays: a retry once the failure passes sees it.
                Err(ReadFailure::Io(error)) => return Err(error),
            }
        }
        Ok(())
    }

    /// Reads and opens record `id`. Only what the bytes show — a bad header, failed
    /// authentication, malformed content, an oversized file — is [`ReadFailure::Damaged`]; a
    /// failure to read them at all (EMFILE, EACCES, EIO, not a regular file) says nothing about
    /// the record and is [`ReadFailure::Io`].
    fn read(&self, id: &str) -> Result<StoredCredential, ReadFailure> {
        let path = self.records.join(format!("{id}{RECORD_SUFFIX}"));
        let bytes = match atomic::read_bounded(&path, MAX_RECORD_LEN) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(ReadFailure::Damaged(QuarantineReason::TooLarge)),
            Err(e) => return Err(ReadFailure::Io(io(e))),
        };
        let damaged = ReadFailure::Damaged;
        let sealed = bytes
            .strip_prefix(RECORD_MAGIC)
            .ok_or(damaged(QuarantineReason::BadHeader))?;
        let plaintext = open(self.data_key.bytes(), &record_aad(id), sealed)
            .ok_or(damaged(QuarantineReason::Unreadable))?;
        let record =
            CredentialRecord::decode(&plaintext).ok_or(damaged(QuarantineReason::Malformed))?;
        Ok(StoredCredential {
            id: id.to_owned(),
            record,
        })
    }

    /// Moves `records/<name>` to `quarantine/<name>.<reason>` (a generated name replaces one that
    /// is long, not UTF-8 or has unusual characters), so the reason survives a reopen.
    fn quarantine(&mut self, name: &OsStr, reason: QuarantineReason) -> Result<(), StoreError> {
        let quarantine = self.dir.join(QUARANTINE_DIR);
        let base = plain_name(name).map_or_else(
            || format!("foreign-{}", atomic::hex(&mdoc::rng::random_bytes::<8>())),
            str::to_owned,
        );
        let mut target = format!("{base}.{}", reason.tag());
        while fs::symlink_metadata(quarantine.join(&target)).is_ok() {
            let suffix = atomic::hex(&mdoc::rng::random_bytes::<4>());
            target = format!("{base}-{suffix}.{}", reason.tag());
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

    fn index_record(&mut self, stored: &StoredCredential) {
        self.index.insert(stored.id.clone(), stored.summary());
        self.aliases.insert(
            stored.id.clone(),
            stored
                .record
                .copies
                .iter()
                .map(|c| c.device_key_alias.clone())
                .chain(
                    stored
                        .record
                        .refresh
                        .as_ref()
                        .and_then(|r| r.dpop_key_alias.clone()),
                )
                .collect(),
        );
    }

    /// Writes `record` under `id` atomically (a new file, or one replacing the old whole).
    fn write(&mut self, id: &str, record: CredentialRecord) -> Result<(), StoreError> {
        if record.copies.len() > MAX_COPIES {
            return Err(StoreError::TooManyCopies);
        }
        let plaintext = Zeroizing::new(record.encode());
        if plaintext.len() > mdoc::limits::STORED_RECORD.max_bytes {
            return Err(StoreError::TooLarge);
        }
        let mut file = RECORD_MAGIC.to_vec();
        file.extend(seal(self.data_key.bytes(), &record_aad(id), &plaintext));
        atomic::write(&self.records, &format!("{id}{RECORD_SUFFIX}"), &file).map_err(io)?;
        self.index_record(&StoredCredential {
            id: id.to_owned(),
            record,
        });
        Ok(())
    }

    /// Stores a credential (a document with all its copies, in one atomic write: all or
    /// nothing) and returns its new id (random; not derived from personal data).
    pub fn put(&mut self, record: CredentialRecord) -> Result<String, StoreError> {
        let id = atomic::hex(&mdoc::rng::random_bytes::<16>());
        self.write(&id, record)?;
        Ok(id)
    }

    /// Replaces document `id`'s record whole, in one atomic write (a refresh: the new batch's
    /// copies take the old ones' place, all or nothing), and returns the old record so the
    /// caller can delete the device keys no longer used. Reservations of the old copies end.
    pub fn replace(
        &mut self,
        id: &str,
        record: CredentialRecord,
    ) -> Result<CredentialRecord, StoreError> {
        let old = self.get(id)?;
        self.write(id, record)?;
        self.reserved.retain(|(record, _)| record != id);
        Ok(old.record)
    }

    /// Records `status` in credential `id`'s record, rewritten atomically in place: the status
    /// is never stored apart from the credential it describes.
    pub fn set_status(
        &mut self,
        id: &str,
        status: crate::status::RecordedStatus,
    ) -> Result<(), StoreError> {
        let mut stored = self.get(id)?;
        stored.record.status = Some(status);
        self.write(id, stored.record)
    }

    /// Reserves a copy of document `id` for a presentation: under
    /// [`PresentationPolicy::OneTimeUse`] any unreserved copy, under
    /// [`PresentationPolicy::RotateUse`] the least-used unreserved one. `None` when every copy
    /// is used up or reserved. A reserved copy is given to no other caller until
    /// [`Self::release_copy`] or [`Self::consume_copy`].
    ///
    /// Reservations live in memory only. After a crash between reserving and consuming, the
    /// copy is available again: a presentation releases its response only after the consumed
    /// copy is written (and its history entry committed), so a copy whose consumption did not
    /// reach the disk was never disclosed (checked by the `faults_kill` test).
    pub fn reserve_copy(
        &mut self,
        id: &str,
    ) -> Result<Option<(StoredCredential, CredentialCopy)>, StoreError> {
        let stored = self.get(id)?;
        let free = stored
            .record
            .copies
            .iter()
            .filter(|c| {
                !self
                    .reserved
                    .contains(&(id.to_owned(), c.device_key_alias.clone()))
            })
            .min_by_key(|c| c.uses)
            .cloned();
        let Some(copy) = free else {
            return Ok(None);
        };
        self.reserved
            .insert((id.to_owned(), copy.device_key_alias.clone()));
        Ok(Some((stored, copy)))
    }

    /// Gives a reserved copy back unused (a declined or failed presentation).
    pub fn release_copy(&mut self, id: &str, alias: &str) {
        self.reserved.remove(&(id.to_owned(), alias.to_owned()));
    }

    /// Records that a reserved copy was disclosed: under one-time use the copy and (when
    /// `area` is given) its device key are deleted, under rotation its use count grows. The
    /// record is rewritten atomically; the reservation ends either way.
    pub fn consume_copy(
        &mut self,
        id: &str,
        alias: &str,
        area: Option<&dyn SecureArea>,
    ) -> Result<(), StoreError> {
        self.release_copy(id, alias);
        let mut stored = self.get(id)?;
        let record = &mut stored.record;
        let position = record
            .copies
            .iter()
            .position(|c| c.device_key_alias == alias)
            .ok_or(StoreError::NotFound)?;
        let delete_key = match record.policy {
            PresentationPolicy::OneTimeUse => {
                record.copies.remove(position);
                true
            }
            // A lone copy has no other to rotate to: its count would change nothing, so the
            // record (perhaps written before batches existed) is left as it is.
            PresentationPolicy::RotateUse if record.copies.len() == 1 => return Ok(()),
            PresentationPolicy::RotateUse => {
                if let Some(copy) = record.copies.get_mut(position) {
                    copy.uses = copy.uses.saturating_add(1);
                }
                false
            }
        };
        self.write(id, stored.record)?;
        if let (true, Some(area)) = (delete_key, area) {
            area.delete_key(alias)?;
        }
        Ok(())
    }

    /// Summaries of every credential (no payloads), ordered by id.
    pub fn list(&self) -> Vec<CredentialSummary> {
        self.index.values().cloned().collect()
    }

    /// The credential `id`, read and authenticated afresh. A record damaged since opening is
    /// quarantined and reported; one that cannot be read is [`StoreError::Io`] and stays.
    pub fn get(&mut self, id: &str) -> Result<StoredCredential, StoreError> {
        if !self.index.contains_key(id) {
            return Err(StoreError::NotFound);
        }
        match self.read(id) {
            Ok(stored) => Ok(stored),
            Err(ReadFailure::Io(error)) => Err(error),
            Err(ReadFailure::Damaged(reason)) => {
                self.index.remove(id);
                self.aliases.remove(id);
                self.quarantine(OsStr::new(&format!("{id}{RECORD_SUFFIX}")), reason)?;
                Err(StoreError::Quarantined)
            }
        }
    }

    /// Deletes credential `id` and, when `area` is given, the device keys of all its copies.
    pub fn delete(&mut self, id: &str, area: Option<&dyn SecureArea>) -> Result<(), StoreError> {
        if !self.index.contains_key(id) {
            return Err(StoreError::NotFound);
        }
        atomic::remove(&self.records, &format!("{id}{RECORD_SUFFIX}")).map_err(io)?;
        self.index.remove(id);
        self.reserved.retain(|(record, _)| record != id);
        let aliases = self.aliases.remove(id).unwrap_or_default();
        if let Some(area) = area {
            for alias in aliases {
                area.delete_key(&alias)?;
            }
        }
        Ok(())
    }

    /// Every record in quarantine: those found there when the store was opened (moved by earlier
    /// handles, with the reason recorded in the file name) followed by those this handle moved.
    pub fn quarantined(&self) -> &[QuarantinedRecord] {
        &self.quarantined
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::trace;
    use crate::keys::WalletKey;

    #[test]
    fn a_new_store_directory_is_durable() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("wallet").join("store");
        trace::take();
        let store = CredentialStore::open(&dir, &WalletKey::from_bytes([1; 32])).unwrap();
        let log = trace::take();
        let created: Vec<&PathBuf> = log
            .iter()
            .filter(|(op, _)| *op == trace::Op::CreateDir)
            .map(|(_, p)| p)
            .collect();
        for expected in [dir.clone(), dir.join(RECORDS_DIR), dir.join(QUARANTINE_DIR)] {
            assert!(created.contains(&&expected), "{expected:?} not created");
        }
        assert_eq!(trace::unsynced_creations(&log), Vec::<PathBuf>::new());
        drop(store);
    }

    /// ENOSPC and EDQUOT are "storage full", which an app can show as such; other failures keep
    /// their kind, and neither carries a path.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_storage_full() {
        for errno in [28, 122] {
            let error = StoreError::from_io(&std::io::Error::from_raw_os_error(errno));
            assert_eq!(error, StoreError::StorageFull);
        }
        assert_eq!(
            StoreError::from_io(&std::io::Error::from_raw_os_error(13)),
            StoreError::Io("permission denied".to_owned())
        );
    }

    #[test]
    fn debug_hides_the_data_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::open(dir.path(), &WalletKey::from_bytes([1; 32])).unwrap();
        for text in [format!("{store:?}"), format!("{store:#?}")] {
            for needle in crate::keys::tests::renderings(store.data_key.bytes()) {
                assert!(!text.contains(&needle), "{text}");
            }
        }
    }

    #[test]
    fn quarantine_reasons_round_trip_through_file_names() {
        for reason in [
            QuarantineReason::TooLarge,
            QuarantineReason::BadHeader,
            QuarantineReason::Unreadable,
            QuarantineReason::Malformed,
        ] {
            let name = format!("0123.rec-beef.{}", reason.tag());
            assert_eq!(QuarantineReason::from_file_name(&name), reason);
        }
        assert_eq!(
            QuarantineReason::from_file_name("0123.rec"),
            QuarantineReason::Unknown
        );
        assert_eq!(
            QuarantineReason::from_file_name(""),
            QuarantineReason::Unknown
        );
    }

    /// A file whose name is not UTF-8 is moved aside under a generated name instead of making
    /// every open fail.
    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_quarantined_not_fatal() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let key = WalletKey::from_bytes([1; 32]);
        drop(CredentialStore::open(dir.path(), &key).unwrap());
        let name = OsStr::from_bytes(b"bad-\xff\xfe.rec");
        fs::write(dir.path().join(RECORDS_DIR).join(name), b"x").unwrap();
        let store = CredentialStore::open(dir.path(), &key).unwrap();
        assert_eq!(store.quarantined().len(), 1);
        assert!(store.quarantined()[0].file_name.starts_with("foreign-"));
    }
}
