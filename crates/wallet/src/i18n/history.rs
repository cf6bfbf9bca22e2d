//! History entries as sentences in the citizen's language.

use mdoc::time::FullDate;

use super::Messages;
use crate::history::{Channel, HistoryEntry, Outcome, RegistrationOutcome, RegistrationRecord};
use crate::registration::purpose_selector;

impl Messages {
    /// A date as the citizen reads it ("24 November 2026", "24 Tachwedd 2026").
    pub fn date(&self, date: FullDate) -> String {
        let month = self.text(&format!("month-{}", date.month()), &[]);
        self.text(
            "date",
            &[
                ("day", &date.day().to_string()),
                ("month", &month),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// The channel as words.
    pub fn channel(&self, channel: Channel) -> String {
        let key = match channel {
            Channel::Proximity => "channel-proximity",
            Channel::DcApi => "channel-dc_api",
            Channel::OpenId4VpDcApi => "channel-openid4vp_dc_api",
            Channel::OpenId4VpRedirect => "channel-openid4vp_redirect",
            Channel::Issuance => "channel-issuance",
        };
        self.text(key, &[])
    }

    /// The registration verdict of a history entry as sentences (empty: none was sent).
    /// `party` is the name shown when the record carries none.
    pub fn history_registration(&self, record: &RegistrationRecord, party: &str) -> Vec<String> {
        let name = record.organisation.as_deref().unwrap_or(party);
        let purpose = |p: Option<&String>| purpose_selector(p.map(String::as_str));
        let mut sentences = vec![match record.status {
            RegistrationOutcome::Registered => self.text(
                "history-registered",
                &[
                    ("party", name),
                    ("registrar", record.registrar.as_deref().unwrap_or_default()),
                    ("purpose", purpose(record.purposes.first())),
                ],
            ),
            RegistrationOutcome::NotRegisteredForPurpose => self.text(
                "history-not-registered",
                &[
                    ("party", name),
                    ("purpose", purpose(record.declared.as_ref())),
                ],
            ),
            RegistrationOutcome::Unverified => self.text(
                "history-unverified",
                &[
                    ("party", party),
                    ("reason", record.reason.map(|r| r.id()).unwrap_or_default()),
                ],
            ),
        }];
        if let Some(role) = &record.no_entitlement_role {
            let role = self.role(role);
            sentences.push(self.text(
                "history-no-entitlement",
                &[("party", name), ("name", role.as_str())],
            ));
        }
        sentences
    }

    /// One history entry as sentences: when, who, what was shared (by label, never value),
    /// how, and the outcome; then the verifier's registration verdict as shown, if any.
    pub fn history_entry(&self, entry: &HistoryEntry) -> String {
        let mut sentences = vec![self.history_outcome(entry)];
        let party = entry
            .party
            .name
            .clone()
            .unwrap_or_else(|| self.text("history-unknown-party", &[]));
        if let Some(record) = entry.documents.iter().find_map(|d| d.registration.as_ref()) {
            sentences.extend(self.history_registration(record, &party));
        }
        sentences.join(" ")
    }

    fn history_outcome(&self, entry: &HistoryEntry) -> String {
        let date = self.date(entry.at.date());
        let party = entry
            .party
            .name
            .clone()
            .unwrap_or_else(|| self.text("history-unknown-party", &[]));
        let channel = self.channel(entry.channel);
        let document = entry
            .documents
            .first()
            .map(|d| self.doc_type_phrase(&d.doc_type))
            .unwrap_or_default();
        let items: Vec<String> = entry
            .documents
            .iter()
            .flat_map(|d| {
                d.disclosed
                    .iter()
                    .map(|e| self.element_label(&d.doc_type, &e.namespace, &e.identifier))
            })
            .collect();
        let items = items.join(", ");
        let key = match entry.outcome {
            Outcome::Approved => "history-approved",
            Outcome::Declined => "history-declined",
            Outcome::Failed => "history-failed",
            Outcome::Cancelled => "history-cancelled",
            Outcome::Issued => "history-issued",
            Outcome::Refused => "history-refused",
        };
        self.text(
            key,
            &[
                ("date", &date),
                ("party", &party),
                ("channel", &channel),
                ("items", &items),
                ("document", &document),
            ],
        )
    }
}
