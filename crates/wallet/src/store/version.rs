//! The store's format version, in `store.version`:
//! `"CWSV" || version (u32 BE) || nonce(12) || AES-256-GCM tag(16)` — the tag seals an empty
//! message under a key derived from the data key, with AAD `"CWSV" || version`.
//!
//! The version is read before anything else, before the data key is known (a later version may
//! have changed how the data key is kept), and a version above [`CURRENT`] is refused before
//! anything is written. The tag is checked once the data key is known, so a damaged or forged
//! version file is reported, never believed. A store without the file is version 1 (written
//! before versions existed) and is migrated by [`super::CredentialStore::open`].

use std::io;
use std::path::Path;

use super::{StoreError, io};
use crate::atomic;
use crate::keys::{DataKey, open, seal};

/// The version file's name.
pub(super) const FILE: &str = "store.version";
const MAGIC: &[u8] = b"CWSV";
const MAX_LEN: u64 = 128;
/// The store format version this code writes and reads (1 is the unversioned first format,
/// read and migrated).
pub const CURRENT: u32 = 2;
const KEY_INFO: &[u8] = b"citizen-wallet store version v2";

/// A version file as read: its version and bytes, its tag not yet checked.
pub(super) struct Stored {
    /// The version it claims.
    pub(super) version: u32,
    bytes: Vec<u8>,
}

fn header(version: u32) -> Vec<u8> {
    [MAGIC, &version.to_be_bytes()].concat()
}

/// The version file in `dir` (`None`: a first-format store, or no store yet). Writes nothing.
/// A later version than [`CURRENT`] is [`StoreError::UnsupportedVersion`]; an unparsable file
/// (or one claiming version 0 or 1, which had none) is [`StoreError::VersionDamaged`].
pub(super) fn read(dir: &Path) -> Result<Option<Stored>, StoreError> {
    let bytes = match atomic::read_bounded(&dir.join(FILE), MAX_LEN) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(StoreError::VersionDamaged),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
            return Err(StoreError::VersionDamaged);
        }
        Err(e) => return Err(io(e)),
    };
    let version = bytes
        .strip_prefix(MAGIC)
        .and_then(|rest| rest.first_chunk::<4>())
        .map(|v| u32::from_be_bytes(*v))
        .ok_or(StoreError::VersionDamaged)?;
    if version > CURRENT {
        return Err(StoreError::UnsupportedVersion { found: version });
    }
    if version < 2 {
        return Err(StoreError::VersionDamaged);
    }
    Ok(Some(Stored { version, bytes }))
}

fn key(data_key: &DataKey) -> zeroize::Zeroizing<[u8; 32]> {
    super::derive(data_key, KEY_INFO)
}

/// Checks the version file's tag under the data key.
pub(super) fn verify(stored: &Stored, data_key: &DataKey) -> Result<(), StoreError> {
    let header = header(stored.version);
    let opens = stored
        .bytes
        .strip_prefix(header.as_slice())
        .and_then(|sealed| open(&key(data_key), &header, sealed))
        .is_some_and(|plaintext| plaintext.is_empty());
    if opens {
        Ok(())
    } else {
        Err(StoreError::VersionDamaged)
    }
}

/// Writes the version file for [`CURRENT`] (atomically).
pub(super) fn write(dir: &Path, data_key: &DataKey) -> Result<(), StoreError> {
    let header = header(CURRENT);
    let file = [header.as_slice(), &seal(&key(data_key), &header, &[])].concat();
    atomic::write(dir, FILE, &file).map_err(io)
}
