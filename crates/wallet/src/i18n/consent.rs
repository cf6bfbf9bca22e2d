//! The consent object's strings in the citizen's language.

use mdoc::profiles::{Finding, FindingKind, Purpose, is_sensitive};

use super::{Locale, Messages, element_key, messages};
use crate::consent::{ConsentDocument, ConsentRequest, ReaderTrust, VerifierIdentity};

/// The selector a finding message switches on for a purpose.
fn purpose_selector(purpose: Option<Purpose>) -> &'static str {
    match purpose {
        Some(Purpose::RightToWork) => "right_to_work",
        Some(Purpose::Benefits) => "benefits",
        _ => "age_check",
    }
}

impl Messages {
    /// The verifier's name to show: organisation, common name, origin, or "Unidentified
    /// verifier" in this locale.
    pub fn verifier_name(&self, verifier: &VerifierIdentity) -> String {
        verifier
            .organization
            .clone()
            .or_else(|| verifier.common_name.clone())
            .or_else(|| verifier.origin.clone())
            .unwrap_or_else(|| self.text("verifier-unidentified", &[]))
    }

    /// The trust verdict as shown. An untrusted verdict's technical reason is passed through as
    /// the core reports it (English).
    pub fn trust(&self, trust: &ReaderTrust) -> String {
        match trust {
            ReaderTrust::Trusted { anchor } => self.text("trust-trusted", &[("anchor", anchor)]),
            ReaderTrust::Untrusted { reason } => {
                self.text("trust-untrusted", &[("reason", reason)])
            }
            ReaderTrust::NotAuthenticated => self.text("trust-not-authenticated", &[]),
        }
    }

    /// What the verifier says it will do with an element.
    pub fn retention(&self, intent_to_retain: bool) -> String {
        if intent_to_retain {
            self.text("retention-kept", &[])
        } else {
            self.text("retention-view-only", &[])
        }
    }

    /// A document's purpose and whether it was declared ("Right to work check (declared by the
    /// verifier)").
    pub fn purpose_status(&self, document: &ConsentDocument) -> String {
        match document.purpose {
            None => self.text("purpose-none", &[]),
            Some(purpose) => {
                let how = if document.purpose_declared {
                    "purpose-declared"
                } else {
                    "purpose-inferred"
                };
                format!("{} ({})", self.purpose(purpose), self.text(how, &[]))
            }
        }
    }

    /// A minimisation finding's explanation. Kinds this table does not know keep the core's
    /// English explanation.
    pub fn finding(&self, doc_type: &str, purpose: Option<Purpose>, finding: &Finding) -> String {
        let selector = purpose_selector(purpose);
        let args = [("purpose", selector)];
        let key = match finding.kind {
            FindingKind::NotInProfile => "finding-not_in_profile",
            FindingKind::AgeAttestationWouldDo => "finding-age_would_do",
            FindingKind::RetentionNotNeeded => "finding-retention_not_needed",
            FindingKind::ConditionNotMet => "finding-condition_not_met",
            FindingKind::BeyondRegistration => "finding-beyond_registration",
            FindingKind::RoleMayNotDemand => "finding-role_may_not_demand",
            FindingKind::NoRegisteredPurpose => {
                if is_sensitive(doc_type, &finding.namespace, &finding.identifier) {
                    "finding-no_purpose-sensitive"
                } else {
                    "finding-no_purpose"
                }
            }
            FindingKind::ExplicitlyExcluded => {
                let specific = purpose.zip(element_key(
                    doc_type,
                    &finding.namespace,
                    &finding.identifier,
                ));
                if let Some(text) = specific.and_then(|(p, element)| {
                    self.text_opt(&format!("finding-excluded-{}-{element}", p.id()), &[])
                }) {
                    return text;
                }
                "finding-excluded"
            }
            _ => return finding.explanation.clone(),
        };
        self.text(key, &args)
    }
}

/// `consent` with every string the core made (document names, element labels, finding
/// explanations) in `locale`. Identifiers, flags and the verifier's certified names are
/// unchanged.
pub(crate) fn localize(consent: &ConsentRequest, locale: Locale) -> ConsentRequest {
    let m = messages(locale);
    let mut out = consent.clone();
    for document in &mut out.documents {
        document.display_name = m.doc_type_name(&document.doc_type);
        for element in &mut document.elements {
            element.label =
                m.element_label(&document.doc_type, &element.namespace, &element.identifier);
            for finding in &mut element.findings {
                finding.explanation = m.finding(&document.doc_type, document.purpose, finding);
            }
        }
    }
    out
}
