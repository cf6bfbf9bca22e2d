//! The citizen's own audit log: every presentation attempt (approved, declined, failed,
//! cancelled) over every channel, and every issuance, in the encrypted store.
//!
//! An entry records when (the wallet's injected clock), who asked and the trust verdict as
//! shown, the declared or inferred purpose, the channel, the element identifiers requested
//! (with the verifier's intent to retain) and those disclosed, and the outcome. It never holds
//! an element's value.
//!
//! An approval's entry is committed (written, fsynced, linked into place, directory fsynced)
//! before the response bytes are returned to the app, and a failure to commit it fails the
//! approval: no response leaves the wallet unrecorded, whatever the moment of a crash. Declines,
//! cancellations, failures and issuance are recorded best effort (they disclose nothing).
//!
//! Layout, inside the store directory (and under its lock):
//!
//! ```text
//! history/<seq>.hist   one entry: "CWH1" || nonce(12) || AES-256-GCM(history key, JSON entry,
//!                      AAD = "CWH1" || file name); seq is 20 decimal digits, increasing
//! history/retention    the retention period in days: "CWHR1" || nonce(12) || AES-256-GCM(history
//!                      key, decimal text, AAD = "CWHR1" || "retention") (absent: keep all;
//!                      earlier versions wrote the decimal text alone, still read)
//! ```
//!
//! The history key is HKDF-SHA256 of the store's data key with info
//! `citizen-wallet history key v1`, so it opens with the store and never meets a record.

mod entry;
mod log;

pub use entry::{
    Channel, ElementRef, HistoryDocument, HistoryEntry, Outcome, Party, RegistrationOutcome,
    RegistrationRecord, RequestedRef, Trust,
};
pub use log::{HistoryFilter, HistoryPage, MAX_ENTRIES, MAX_ENTRY_LEN, MAX_PAGE};

pub(crate) use entry::{failure, issuance, presentation};

use crate::wallet::{Wallet, WalletError};

impl Wallet {
    /// One page of the history, newest first: the entries matching `filter`, skipping
    /// `offset` and at most `limit` of them (capped at [`MAX_PAGE`]), with the number that
    /// match in all. Entries that fail to open (damaged or tampered) are skipped and counted.
    pub fn history(
        &self,
        filter: &HistoryFilter,
        offset: usize,
        limit: usize,
    ) -> Result<HistoryPage, WalletError> {
        let store = self.store();
        Ok(log::HistoryLog::new(&store).page(filter, offset, limit)?)
    }

    /// Deletes the entry with `id` ([`crate::store::StoreError::NotFound`] if there is none).
    pub fn delete_history_entry(&self, id: &str) -> Result<(), WalletError> {
        let store = self.store();
        Ok(log::HistoryLog::new(&store).delete(id)?)
    }

    /// Deletes every history entry; returns how many were deleted.
    pub fn delete_history(&self) -> Result<usize, WalletError> {
        let store = self.store();
        Ok(log::HistoryLog::new(&store).delete_all()?)
    }

    /// The whole history as JSON, newest first, for the citizen to keep or attach to a
    /// data-protection complaint: `{"format": "citizen-wallet-history-1", "entries": [...]}`.
    pub fn export_history(&self) -> Result<String, WalletError> {
        let store = self.store();
        let entries = log::HistoryLog::new(&store).all()?;
        Ok(entry::export_json(&entries))
    }

    /// Keeps entries for `days` days (`None`: for ever) and prunes older ones now and after
    /// every new entry. The setting is kept in the store.
    pub fn set_history_retention(&self, days: Option<u32>) -> Result<(), WalletError> {
        let store = self.store();
        let log = log::HistoryLog::new(&store);
        log.set_retention(days)?;
        log.prune(self.now())?;
        Ok(())
    }

    /// The retention period in days (`None`: entries are kept until deleted).
    pub fn history_retention(&self) -> Result<Option<u32>, WalletError> {
        let store = self.store();
        Ok(log::HistoryLog::new(&store).retention()?)
    }

    /// Commits `entry` (stamped now); the caller returns its response only on success.
    pub(crate) fn commit_history(&self, mut entry: HistoryEntry) -> Result<(), WalletError> {
        entry.at = self.now();
        let store = self.store();
        let log = log::HistoryLog::new(&store);
        log.append(&entry)?;
        // Pruning is housekeeping: the entry is committed whatever happens here.
        let _ = log.prune(entry.at);
        Ok(())
    }

    /// Records `entry` best effort (declines, cancellations, failures, issuance).
    pub(crate) fn note_history(&self, entry: HistoryEntry) {
        let _ = self.commit_history(entry);
    }
}
