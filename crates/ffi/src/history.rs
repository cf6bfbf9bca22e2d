//! The citizen's presentation history, for the apps. Conversions only: the log, its filter,
//! export and retention are `wallet::history`'s, the sentences `wallet::i18n`'s.

use wallet::history::{Channel, HistoryFilter, Outcome, Trust};
use wallet::i18n::Locale;

use crate::convert::{Registration, registration};
use crate::error::CitizenWalletError;
use crate::holder::Wallet;

/// One document of a history entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryDocument {
    /// The doc type.
    pub doc_type: String,
    /// The stored credential involved, if any.
    pub credential_id: Option<String>,
    /// The purpose (`right_to_work`, `benefits`, `age_over_NN`), if any.
    pub purpose: Option<String>,
    /// Whether the verifier declared it.
    pub purpose_declared: bool,
    /// Requested element identifiers (`namespace/identifier`).
    pub requested: Vec<String>,
    /// Requested element identifiers the verifier said it would keep.
    pub retained: Vec<String>,
    /// Disclosed element identifiers (`namespace/identifier`); never values.
    pub disclosed: Vec<String>,
    /// The verifier's registration verdict as shown, sentences in the requested language
    /// (none: no registration was sent, or an entry older than registrations in history).
    pub registration: Option<Registration>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// The id, for `deleteHistoryEntry`.
    pub id: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `proximity`, `dc_api`, `openid4vp_dc_api`, `openid4vp_redirect` or `issuance`.
    pub channel: String,
    /// `approved`, `declined`, `failed`, `cancelled`, `issued` or `refused`.
    pub outcome: String,
    /// The verifier's (or issuer's) shown name, if any.
    pub party: Option<String>,
    /// The origin or response URI of an online request.
    pub origin: Option<String>,
    /// `trusted`, `untrusted`, `not_authenticated` or `unknown`.
    pub trust: String,
    /// The anchor (trusted) or failed check (untrusted).
    pub trust_detail: Option<String>,
    /// The documents.
    pub documents: Vec<HistoryDocument>,
    /// What went wrong, for failures and refusals.
    pub error: Option<String>,
    /// The entry as one sentence in the requested language.
    pub sentence: String,
}

/// A page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryPage {
    /// The entries.
    pub entries: Vec<HistoryEntry>,
    /// How many match in all.
    pub total: u32,
    /// How many entry files could not be opened and were skipped.
    pub unreadable: u32,
}

fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Proximity => "proximity",
        Channel::DcApi => "dc_api",
        Channel::OpenId4VpDcApi => "openid4vp_dc_api",
        Channel::OpenId4VpRedirect => "openid4vp_redirect",
        Channel::Issuance => "issuance",
    }
}

fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Approved => "approved",
        Outcome::Declined => "declined",
        Outcome::Failed => "failed",
        Outcome::Cancelled => "cancelled",
        Outcome::Issued => "issued",
        Outcome::Refused => "refused",
    }
}

fn path(namespace: &str, identifier: &str) -> String {
    format!("{namespace}/{identifier}")
}

fn document(
    d: &wallet::history::HistoryDocument,
    m: &wallet::i18n::Messages,
    party: &str,
) -> HistoryDocument {
    HistoryDocument {
        doc_type: d.doc_type.clone(),
        credential_id: d.credential_id.clone(),
        purpose: d.purpose.clone(),
        purpose_declared: d.purpose_declared,
        requested: d
            .requested
            .iter()
            .map(|r| path(&r.namespace, &r.identifier))
            .collect(),
        retained: d
            .requested
            .iter()
            .filter(|r| r.intent_to_retain)
            .map(|r| path(&r.namespace, &r.identifier))
            .collect(),
        disclosed: d
            .disclosed
            .iter()
            .map(|r| path(&r.namespace, &r.identifier))
            .collect(),
        registration: d
            .registration
            .as_ref()
            .map(|r| registration(r, m.history_registration(r, party))),
    }
}

fn entry(e: &wallet::history::HistoryEntry, locale: Locale) -> HistoryEntry {
    let (trust, trust_detail) = match &e.party.trust {
        Trust::Trusted { anchor } => ("trusted", Some(anchor.clone())),
        Trust::Untrusted { reason } => ("untrusted", Some(reason.clone())),
        Trust::NotAuthenticated => ("not_authenticated", None),
        Trust::Unknown => ("unknown", None),
    };
    let m = wallet::i18n::messages(locale);
    let party = e
        .party
        .name
        .clone()
        .unwrap_or_else(|| m.text("history-unknown-party", &[]));
    HistoryEntry {
        id: e.id.clone(),
        at: e.at.to_rfc3339(),
        channel: channel(e.channel).to_owned(),
        outcome: outcome(e.outcome).to_owned(),
        party: e.party.name.clone(),
        origin: e.party.origin.clone(),
        trust: trust.to_owned(),
        trust_detail,
        documents: e.documents.iter().map(|d| document(d, m, &party)).collect(),
        error: e.error.clone(),
        sentence: m.history_entry(e),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[uniffi::export]
impl Wallet {
    /// A page of the citizen's history, newest first: entries matching `verifier` (shown name,
    /// organisation, common name or origin) and `credential_id` when given, skipping `offset`,
    /// at most `limit` (the core caps a page); sentences in `locale` (a BCP 47 tag: `cy…` is
    /// Welsh, anything else English).
    pub fn history(
        &self,
        verifier: Option<String>,
        credential_id: Option<String>,
        offset: u32,
        limit: u32,
        locale: String,
    ) -> Result<HistoryPage, CitizenWalletError> {
        let filter = HistoryFilter {
            verifier,
            credential_id,
        };
        let page = self
            .inner
            .history(&filter, offset as usize, limit as usize)?;
        let locale = Locale::from_tag(&locale);
        Ok(HistoryPage {
            entries: page.entries.iter().map(|e| entry(e, locale)).collect(),
            total: count(page.total),
            unreadable: count(page.unreadable),
        })
    }

    /// Deletes the history entry `id` (an error when there is none).
    pub fn delete_history_entry(&self, id: String) -> Result<(), CitizenWalletError> {
        Ok(self.inner.delete_history_entry(&id)?)
    }

    /// Deletes every history entry; returns how many were deleted.
    pub fn delete_history(&self) -> Result<u32, CitizenWalletError> {
        Ok(count(self.inner.delete_history()?))
    }

    /// The whole history as JSON (format `citizen-wallet-history-1`), newest first: element
    /// identifiers, never values, for the citizen to keep or attach to a complaint.
    pub fn export_history(&self) -> Result<String, CitizenWalletError> {
        Ok(self.inner.export_history()?)
    }

    /// Keeps history entries for `days` days (none: until deleted); prunes older ones now.
    pub fn set_history_retention(&self, days: Option<u32>) -> Result<(), CitizenWalletError> {
        Ok(self.inner.set_history_retention(days)?)
    }

    /// The history retention period in days (none: entries are kept until deleted).
    pub fn history_retention(&self) -> Result<Option<u32>, CitizenWalletError> {
        Ok(self.inner.history_retention()?)
    }
}
