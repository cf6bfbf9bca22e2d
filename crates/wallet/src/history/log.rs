//! The history's files: one sealed entry per file, written atomically, read back bounded.

use std::fs;
use std::io;
use std::path::PathBuf;

use mdoc::time::Timestamp;
use zeroize::Zeroizing;

use super::entry::HistoryEntry;
use crate::atomic;
use crate::keys::{open, seal};
use crate::store::{CredentialStore, StoreError};

const DIR: &str = "history";
const MAGIC: &[u8] = b"CWH1";
const SUFFIX: &str = ".hist";
const KEY_INFO: &[u8] = b"citizen-wallet history key v1";
const RETENTION_FILE: &str = "retention";
const RETENTION_MAGIC: &[u8] = b"CWHR1";
/// Largest retention file read (sealed: 5 + 12 + 10 + 16 bytes).
const MAX_RETENTION_LEN: u64 = 128;
/// Digits of an entry's sequence number (and file name stem).
const SEQ_DIGITS: usize = 20;
/// Largest entry file read (an entry holds identifiers only: a request at the element caps
/// stays far below this).
pub const MAX_ENTRY_LEN: u64 = 256 * 1024;
/// Most entries kept: beyond this the oldest are pruned, so the log cannot grow without bound.
pub const MAX_ENTRIES: usize = 10_000;
/// Largest page returned.
pub const MAX_PAGE: usize = 500;

fn io_error(e: io::Error) -> StoreError {
    StoreError::from_io(&e)
}

/// Which entries a page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only entries whose verifier (or issuer) has this shown name, organisation, common name
    /// or origin.
    pub verifier: Option<String>,
    /// Only entries involving this stored credential.
    pub credential_id: Option<String>,
}

impl HistoryFilter {
    fn matches(&self, entry: &HistoryEntry) -> bool {
        self.verifier.as_deref().is_none_or(|v| entry.party.is(v))
            && self.credential_id.as_deref().is_none_or(|id| {
                entry
                    .documents
                    .iter()
                    .any(|d| d.credential_id.as_deref() == Some(id))
            })
    }
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// The entries, newest first.
    pub entries: Vec<HistoryEntry>,
    /// How many entries match the filter in all.
    pub total: usize,
    /// How many entry files could not be opened (damaged or tampered) and were skipped.
    pub unreadable: usize,
}

/// The history of one open store.
pub(super) struct HistoryLog {
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

fn seq_of(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(SUFFIX)?;
    (stem.len() == SEQ_DIGITS && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}

fn file_name(seq: u64) -> String {
    format!("{seq:0SEQ_DIGITS$}{SUFFIX}")
}

fn aad(name: &str) -> Vec<u8> {
    [MAGIC, name.as_bytes()].concat()
}

fn retention_aad() -> Vec<u8> {
    [RETENTION_MAGIC, RETENTION_FILE.as_bytes()].concat()
}

impl HistoryLog {
    /// The history beside `store`'s records (the caller holds the store's lock).
    pub(super) fn new(store: &CredentialStore) -> HistoryLog {
        HistoryLog {
            dir: store.dir().join(DIR),
            key: store.derived_key(KEY_INFO),
        }
    }

    /// The entry files' sequence numbers, newest first.
    fn sequence(&self) -> Result<Vec<u64>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(e)),
        };
        let mut seqs = Vec::new();
        for entry in entries {
            let name = entry.map_err(io_error)?.file_name();
            if let Some(seq) = name.to_str().and_then(seq_of) {
                seqs.push(seq);
            }
        }
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        Ok(seqs)
    }

    /// Entry `seq`: `Ok(None)` when its file does not open (damaged, tampered, renamed).
    fn read(&self, seq: u64) -> Result<Option<HistoryEntry>, StoreError> {
        let name = file_name(seq);
        let bytes = match atomic::read_bounded(&self.dir.join(&name), MAX_ENTRY_LEN) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Ok(None),
            Err(e) => return Err(io_error(e)),
        };
        let Some(plaintext) = bytes
            .strip_prefix(MAGIC)
            .and_then(|sealed| open(&self.key, &aad(&name), sealed))
        else {
            return Ok(None);
        };
        // Through `str`: the one JSON reader the library already carries for OpenID4VP.
        let entry: Option<HistoryEntry> = std::str::from_utf8(&plaintext)
            .ok()
            .and_then(|text| serde_json::from_str(text).ok());
        Ok(entry.filter(|e| e.id == seq.to_string()))
    }

    /// Every readable entry, newest first, and how many were unreadable.
    fn entries(&self) -> Result<(Vec<HistoryEntry>, usize), StoreError> {
        let mut entries = Vec::new();
        let mut unreadable = 0;
        for seq in self.sequence()? {
            match self.read(seq)? {
                Some(entry) => entries.push(entry),
                None => unreadable += 1,
            }
        }
        Ok((entries, unreadable))
    }

    pub(super) fn all(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.entries()?.0)
    }

    pub(super) fn page(
        &self,
        filter: &HistoryFilter,
        offset: usize,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let (entries, unreadable) = self.entries()?;
        let matching: Vec<HistoryEntry> =
            entries.into_iter().filter(|e| filter.matches(e)).collect();
        let total = matching.len();
        let entries = matching
            .into_iter()
            .skip(offset)
            .take(limit.min(MAX_PAGE))
            .collect();
        Ok(HistoryPage {
            entries,
            total,
            unreadable,
        })
    }

    /// Commits `entry` under the next sequence number: sealed, written to a temporary file,
    /// fsynced, linked into place (never replacing an entry) and the directory fsynced.
    pub(super) fn append(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        atomic::create_dir_all(&self.dir).map_err(io_error)?;
        atomic::clean_debris(&self.dir).map_err(io_error)?;
        let seqs = self.sequence()?;
        let mut seq = seqs.first().map_or(1, |last| last.saturating_add(1));
        let mut entry = entry.clone();
        // The name is free unless a file appeared since listing: then take the next one.
        for _ in 0..3 {
            entry.id = seq.to_string();
            let name = file_name(seq);
            let json = Zeroizing::new(
                serde_json::to_vec(&entry)
                    .map_err(|_| StoreError::Io("history entry encoding".to_owned()))?,
            );
            let file = [MAGIC, &seal(&self.key, &aad(&name), &json)].concat();
            match atomic::write_new(&self.dir, &name, &file) {
                Ok(()) => {
                    // Bounded: the oldest beyond the cap go (the new one is the newest).
                    for old in seqs.iter().skip(MAX_ENTRIES.saturating_sub(1)) {
                        let _ = fs::remove_file(self.dir.join(file_name(*old)));
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => seq += 1,
                Err(e) => return Err(io_error(e)),
            }
        }
        Err(StoreError::Io("history sequence contended".to_owned()))
    }

    pub(super) fn delete(&self, id: &str) -> Result<(), StoreError> {
        let seq: u64 = id
            .parse()
            .ok()
            .filter(|_| id.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(StoreError::NotFound)?;
        match atomic::remove(&self.dir, &file_name(seq)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(io_error(e)),
        }
    }

    pub(super) fn delete_all(&self) -> Result<usize, StoreError> {
        let seqs = self.sequence()?;
        for seq in &seqs {
            match fs::remove_file(self.dir.join(file_name(*seq))) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        if !seqs.is_empty() {
            atomic::sync_dir(&self.dir).map_err(io_error)?;
        }
        Ok(seqs.len())
    }

    /// The retention setting: sealed like an entry (`"CWHR1" || nonce || AES-256-GCM(history
    /// key, days as decimal text, AAD = "CWHR1" || "retention")`), so a flipped bit cannot
    /// silently shorten it and prune entries the citizen meant to keep. A file of decimal text
    /// alone is the unsealed form earlier versions wrote, read as before until the setting is
    /// next changed. A damaged setting is [`StoreError::SettingDamaged`] (nothing is pruned).
    pub(super) fn retention(&self) -> Result<Option<u32>, StoreError> {
        let bytes = match atomic::read_bounded(&self.dir.join(RETENTION_FILE), MAX_RETENTION_LEN) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(StoreError::SettingDamaged),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                return Err(StoreError::SettingDamaged);
            }
            Err(e) => return Err(io_error(e)),
        };
        let text = match bytes.strip_prefix(RETENTION_MAGIC) {
            Some(sealed) => open(&self.key, &retention_aad(), sealed)
                .map(|plain| plain.to_vec())
                .ok_or(StoreError::SettingDamaged)?,
            None => bytes,
        };
        std::str::from_utf8(&text)
            .ok()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .map(Some)
            .ok_or(StoreError::SettingDamaged)
    }

    pub(super) fn set_retention(&self, days: Option<u32>) -> Result<(), StoreError> {
        atomic::create_dir_all(&self.dir).map_err(io_error)?;
        match days {
            Some(days) => {
                let sealed = seal(&self.key, &retention_aad(), days.to_string().as_bytes());
                atomic::write(
                    &self.dir,
                    RETENTION_FILE,
                    &[RETENTION_MAGIC, &sealed].concat(),
                )
                .map_err(io_error)
            }
            None => match atomic::remove(&self.dir, RETENTION_FILE) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(e)),
                _ => Ok(()),
            },
        }
    }

    /// Removes the entries older than the retention period before `now`; returns how many.
    pub(super) fn prune(&self, now: Timestamp) -> Result<usize, StoreError> {
        let Some(days) = self.retention()? else {
            return Ok(0);
        };
        let cutoff = now.plus_days(-i64::from(days));
        let mut removed = 0;
        for seq in self.sequence()? {
            let old = self.read(seq)?.is_some_and(|e| e.at < cutoff);
            if old {
                fs::remove_file(self.dir.join(file_name(seq))).map_err(io_error)?;
                removed += 1;
            }
        }
        if removed > 0 {
            atomic::sync_dir(&self.dir).map_err(io_error)?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_sealed_and_the_old_plain_form_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::keys::WalletKey::from_bytes([3; 32]);
        let store = CredentialStore::open(dir.path(), &key).unwrap();
        let log = HistoryLog::new(&store);
        assert_eq!(log.retention(), Ok(None));
        log.set_retention(Some(30)).unwrap();
        assert_eq!(log.retention(), Ok(Some(30)));
        let path = log.dir.join(RETENTION_FILE);
        let sealed = fs::read(&path).unwrap();
        assert!(sealed.starts_with(RETENTION_MAGIC));
        // A flipped bit is damage, never another period: nothing is pruned by it.
        for at in [0, 7, sealed.len() - 1] {
            let mut flipped = sealed.clone();
            flipped[at] ^= 1;
            fs::write(&path, &flipped).unwrap();
            assert_eq!(log.retention(), Err(StoreError::SettingDamaged));
            assert_eq!(
                log.prune(Timestamp::from_unix_seconds(2_000_000_000)),
                Err(StoreError::SettingDamaged)
            );
        }
        // What earlier versions wrote still reads; anything else is damage.
        fs::write(&path, b"30").unwrap();
        assert_eq!(log.retention(), Ok(Some(30)));
        for bad in [&b"3x"[..], b"", b"-1", b"99999999999"] {
            fs::write(&path, bad).unwrap();
            assert_eq!(log.retention(), Err(StoreError::SettingDamaged), "{bad:?}");
        }
        log.set_retention(None).unwrap();
        assert_eq!(log.retention(), Ok(None));
    }

    #[test]
    fn names_round_trip_and_reject_others() {
        assert_eq!(file_name(42), "00000000000000000042.hist");
        assert_eq!(seq_of(&file_name(42)), Some(42));
        assert_eq!(seq_of(&file_name(u64::MAX)), Some(u64::MAX));
        for bad in [
            "42.hist",
            "0000000000000000004a.hist",
            "00000000000000000042.rec",
            ".tmp-00000000000000000042.hist",
            "",
        ] {
            assert_eq!(seq_of(bad), None, "{bad}");
        }
    }
}
