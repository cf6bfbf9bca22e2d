//! The consent in the citizen's language (`cy…` Welsh, anything else English) and as sentences
//! for a screen reader, on every presentation session. Conversions only: the strings are
//! `wallet::i18n`'s (`ConsentRequest::localized`, `::accessible`).

use wallet::i18n::Locale;

use crate::convert::{ConsentRequest, document_registration};
use crate::error::CitizenWalletError;
use crate::holder::{DcapiSession, OpenId4VpSession, PresentationSession, lock};

/// The consent screen as complete sentences for a screen reader, in reading order: who asks
/// and whether they were verified, why, then each item, its sensitivity, any warning and the
/// wallet's suggestion; nothing carried by symbols alone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessibleConsent {
    /// Every sentence.
    pub sentences: Vec<String>,
    /// The whole screen as plain text.
    pub text: String,
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

/// The consent record with every core string in `locale`: document names, element labels,
/// finding explanations, and the verifier's shown name, trust verdict and purpose names.
fn localized(consent: &wallet::consent::ConsentRequest, locale: &str) -> ConsentRequest {
    let locale = Locale::from_tag(locale);
    let m = wallet::i18n::messages(locale);
    let core = consent.localized(locale);
    let mut record = ConsentRequest::from(&core);
    record.verifier.display_name = m.verifier_name(&core.verifier);
    record.verifier.trust_detail = m.trust(&core.verifier.trust);
    for (document, core) in record.documents.iter_mut().zip(&core.documents) {
        document.purpose_name = core.purpose.map(|p| m.purpose(p));
        document.registration = document_registration(core, &record.verifier.display_name, m);
    }
    record
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
