//! The registration verdict in the citizen's language (messages `registration-*`, `role-*`).

use super::{RegistrationStatus, RegistrationVerdict, purpose_selector};
use crate::consent::ConsentDocument;
use crate::i18n::Messages;

impl Messages {
    /// The name of a role of the policy table ("the police"); its identifier if unknown.
    pub fn role(&self, id: &str) -> String {
        self.text_opt(&format!("role-{id}"), &[])
            .unwrap_or_else(|| id.to_owned())
    }

    /// The registration verdict as complete sentences: registered for the purpose (and with
    /// whom), not registered for it, or unverified; then, for a verifier whose role has no
    /// entitlement to demand ID, that the citizen does not have to share. `verifier` is the
    /// name shown when the verdict carries none. Empty when no registration was sent.
    pub fn registration(
        &self,
        verdict: Option<&RegistrationVerdict>,
        verifier: &str,
    ) -> Vec<String> {
        let Some(verdict) = verdict else {
            return Vec::new();
        };
        let mut sentences = Vec::new();
        let name = match &verdict.status {
            RegistrationStatus::Registered {
                organisation,
                registrar,
                purpose,
                ..
            } => {
                sentences.push(self.text(
                    "registration-registered",
                    &[
                        ("verifier", organisation),
                        ("anchor", registrar),
                        ("purpose", purpose_selector(Some(purpose.as_str()))),
                    ],
                ));
                organisation.as_str()
            }
            RegistrationStatus::NotRegisteredForPurpose {
                organisation,
                declared,
                ..
            } => {
                sentences.push(self.text(
                    "registration-not-registered",
                    &[("purpose", purpose_selector(declared.as_deref()))],
                ));
                organisation.as_str()
            }
            RegistrationStatus::Unverified { reason, .. } => {
                sentences.push(self.text("registration-unverified", &[("reason", reason)]));
                verifier
            }
        };
        if let Some(role) = &verdict.no_entitlement_role {
            let role = self.role(role);
            sentences.push(self.text(
                "registration-no-entitlement",
                &[("verifier", name), ("name", role.as_str())],
            ));
        }
        sentences
    }

    /// [`Messages::registration`] for a consent document.
    pub fn document_registration(&self, document: &ConsentDocument, verifier: &str) -> Vec<String> {
        self.registration(document.registration.as_ref(), verifier)
    }
}
