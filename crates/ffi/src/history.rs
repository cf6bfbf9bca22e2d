//! The presentation history and the consent in the citizen's language, for the apps.
//! Conversions only: the logic is in `wallet::history` and `wallet::i18n`.

use wallet::history::{Channel, HistoryFilter, Outcome, Trust};
use wallet::i18n::Locale;

use crate::convert::ConsentRequest;
use crate::error::CitizenWalletError;
use crate::holder::{DcapiSession, OpenId4VpSession, PresentationSession, Wallet, lock};

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
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// The id, for `deleteHistory`.
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

/// The consent screen as sentences for a screen reader, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessibleConsent {
    /// Every sentence.
    pub sentences: Vec<String>,
    /// The whole screen as plain text.
    pub text: String,
}

fn name(channel: Channel) -> &'static str {
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

fn entry(e: &wallet::history::HistoryEntry, locale: Locale) -> HistoryEntry {
    let (trust, trust_detail) = match &e.party.trust {
        Trust::Trusted { anchor } => ("trusted", Some(anchor.clone())),
        Trust::Untrusted { reason } => ("untrusted", Some(reason.clone())),
        Trust::NotAuthenticated => ("not_authenticated", None),
        Trust::Unknown => ("unknown", None),
    };
    let path = |ns: &str, id: &str| format!("{ns}/{id}");
    HistoryEntry {
        id: e.id.clone(),
        at: e.at.to_rfc3339(),
        channel: name(e.channel).to_owned(),
        outcome: outcome(e.outcome).to_owned(),
        party: e.party.name.clone(),
        origin: e.party.origin.clone(),
        trust: trust.to_owned(),
        trust_detail,
        documents: e
            .documents
            .iter()
            .map(|d| HistoryDocument {
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
            })
            .collect(),
        error: e.error.clone(),
        sentence: wallet::i18n::messages(locale).history_entry(e),
    }
}

fn accessible(consent: &wallet::consent::ConsentRequest, locale: &str) -> AccessibleConsent {
    let rendered = consent.accessible(Locale::from_tag(locale));
    AccessibleConsent {
        sentences: rendered
            .sentences()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        text: rendered.to_text(),
    }
}

/// The consent record with every core string in `locale`, the verifier's name, trust verdict
/// and purpose names included.
fn localized(consent: &wallet::consent::ConsentRequest, locale: &str) -> ConsentRequest {
    let locale = Locale::from_tag(locale);
    let m = wallet::i18n::messages(locale);
    let core = consent.localized(locale);
    let mut record = ConsentRequest::from(&core);
    record.verifier.display_name = m.verifier_name(&core.verifier);
    record.verifier.trust_detail = m.trust(&core.verifier.trust);
    for (document, core) in record.documents.iter_mut().zip(&core.documents) {
        document.purpose_name = core.purpose.map(|p| m.purpose(p));
    }
    record
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[uniffi::export]
impl Wallet {
    /// A page of the citizen's history, newest first: entries matching `verifier` (shown name,
    /// organisation, common name or origin) and `credential_id` when given, skipping `offset`,
    /// at most `limit`; sentences in `locale` (a BCP 47 tag: `cy…` is Welsh, else English).
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

    /// Deletes the entry `id`, or every entry when `id` is none; returns how many went.
    pub fn delete_history(&self, id: Option<String>) -> Result<u32, CitizenWalletError> {
        match id {
            Some(id) => {
                self.inner.delete_history_entry(&id)?;
                Ok(1)
            }
            None => Ok(count(self.inner.delete_history()?)),
        }
    }

    /// The whole history as JSON (format `citizen-wallet-history-1`), newest first.
    pub fn export_history(&self) -> Result<String, CitizenWalletError> {
        Ok(self.inner.export_history()?)
    }

    /// Keeps history entries for `days` days (none: until deleted); prunes older ones now.
    pub fn set_history_retention(&self, days: Option<u32>) -> Result<(), CitizenWalletError> {
        Ok(self.inner.set_history_retention(days)?)
    }
}

#[uniffi::export]
impl DcapiSession {
    /// The consent object with its strings in `locale` (`cy…` Welsh, else English).
    pub fn consent_in(&self, locale: String) -> ConsentRequest {
        localized(self.inner.consent(), &locale)
    }

    /// The consent screen as sentences for a screen reader, in `locale`.
    pub fn accessible_consent(&self, locale: String) -> AccessibleConsent {
        accessible(self.inner.consent(), &locale)
    }
}

#[uniffi::export]
impl OpenId4VpSession {
    /// The consent object with its strings in `locale` (`cy…` Welsh, else English).
    pub fn consent_in(&self, locale: String) -> ConsentRequest {
        localized(self.inner.consent(), &locale)
    }

    /// The consent screen as sentences for a screen reader, in `locale`.
    pub fn accessible_consent(&self, locale: String) -> AccessibleConsent {
        accessible(self.inner.consent(), &locale)
    }
}

#[uniffi::export]
impl PresentationSession {
    /// The pending request's consent object with its strings in `locale`.
    pub fn consent_in(&self, locale: String) -> Result<ConsentRequest, CitizenWalletError> {
        let consent = lock(&self.consent);
        let core = consent
            .as_ref()
            .ok_or_else(|| CitizenWalletError::session("no pending request"))?;
        Ok(localized(core, &locale))
    }

    /// The pending request's consent screen as sentences for a screen reader, in `locale`.
    pub fn accessible_consent(
        &self,
        locale: String,
    ) -> Result<AccessibleConsent, CitizenWalletError> {
        let consent = lock(&self.consent);
        let core = consent
            .as_ref()
            .ok_or_else(|| CitizenWalletError::session("no pending request"))?;
        Ok(accessible(core, &locale))
    }
}
