//! The consent screen as complete sentences, for screen readers and plain-text displays: every
//! item says what will be shared, with whom, whether they keep it, and any warning, in words.
//! No meaning is carried by a symbol, colour or position alone.

use super::{Locale, messages, upper_first};
use crate::consent::{ConsentElement, ConsentRequest, ReaderTrust};

/// One requested element as sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessibleItem {
    /// Doc type of the document it belongs to.
    pub doc_type: String,
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// True when the wallet suggests sharing it (held, no minimisation finding): the same
    /// elements as [`ConsentRequest::recommended_selection`].
    pub recommended: bool,
    /// The item's sentences, in reading order.
    pub sentences: Vec<String>,
}

impl AccessibleItem {
    /// The sentences joined with spaces: one screen-reader utterance.
    pub fn text(&self) -> String {
        self.sentences.join(" ")
    }
}

/// One requested document: what is asked for and why, then its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessibleDocument {
    /// The doc type.
    pub doc_type: String,
    /// Who asks for what document, and the purpose.
    pub introduction: Vec<String>,
    /// The requested elements.
    pub items: Vec<AccessibleItem>,
}

/// The whole consent screen as sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessibleConsent {
    /// The language the sentences are in.
    pub locale: Locale,
    /// Who is asking and whether the wallet could check that.
    pub verifier: Vec<String>,
    /// One entry per requested document.
    pub documents: Vec<AccessibleDocument>,
    /// The closing reminder that the citizen chooses.
    pub closing: String,
}

impl AccessibleConsent {
    /// Every sentence in reading order.
    pub fn sentences(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.verifier.iter().map(String::as_str).collect();
        for document in &self.documents {
            all.extend(document.introduction.iter().map(String::as_str));
            for item in &document.items {
                all.extend(item.sentences.iter().map(String::as_str));
            }
        }
        all.push(&self.closing);
        all
    }

    /// Plain text: one paragraph per group, one line per item.
    pub fn to_text(&self) -> String {
        let mut out = self.verifier.join(" ");
        for document in &self.documents {
            out.push_str("\n\n");
            out.push_str(&document.introduction.join(" "));
            for item in &document.items {
                out.push('\n');
                out.push_str(&item.text());
            }
        }
        out.push_str("\n\n");
        out.push_str(&self.closing);
        out
    }
}

fn item(
    locale: Locale,
    doc_type: &str,
    verifier: &str,
    element: &ConsentElement,
    purpose: Option<mdoc::profiles::Purpose>,
) -> AccessibleItem {
    let m = messages(locale);
    let phrase = |identifier: &str| m.element_phrase(doc_type, &element.namespace, identifier);
    let requested = phrase(&element.identifier);
    let mut sentences = Vec::new();
    match element.disclosed_as.as_deref() {
        None => sentences.push(upper_first(
            &m.text("a11y-not-held", &[("item", &requested)]),
        )),
        Some(sent) => {
            let item = phrase(sent);
            if sent != element.identifier {
                sentences.push(upper_first(&m.text(
                    "a11y-substitute",
                    &[("requested", &requested), ("item", &item)],
                )));
            }
            let key = if element.intent_to_retain {
                "a11y-shared-kept"
            } else {
                "a11y-shared-view"
            };
            sentences.push(upper_first(
                &m.text(key, &[("item", &item), ("verifier", verifier)]),
            ));
        }
    }
    if element.sensitive {
        sentences.push(m.text("a11y-sensitive", &[]));
    }
    for finding in &element.findings {
        let explanation = m.finding(doc_type, purpose, finding);
        sentences.push(m.text("a11y-finding", &[("explanation", &explanation)]));
    }
    let recommended = element.held && element.findings.is_empty();
    if element.held {
        let key = if recommended {
            "a11y-recommended"
        } else {
            "a11y-not-recommended"
        };
        sentences.push(m.text(key, &[]));
    }
    AccessibleItem {
        doc_type: doc_type.to_owned(),
        namespace: element.namespace.clone(),
        identifier: element.identifier.clone(),
        recommended,
        sentences,
    }
}

/// `consent` as sentences in `locale`.
pub(crate) fn render(consent: &ConsentRequest, locale: Locale) -> AccessibleConsent {
    let m = messages(locale);
    let name = m.verifier_name(&consent.verifier);
    let trust = match &consent.verifier.trust {
        ReaderTrust::Trusted { anchor } => m.text(
            "a11y-trust-trusted",
            &[("verifier", &name), ("anchor", anchor)],
        ),
        ReaderTrust::Untrusted { reason } => m.text(
            "a11y-trust-untrusted",
            &[("verifier", &name), ("reason", reason)],
        ),
        ReaderTrust::NotAuthenticated => m.text("a11y-trust-not-authenticated", &[]),
    };
    let documents = consent
        .documents
        .iter()
        .map(|document| {
            let mut introduction = vec![upper_first(&m.text(
                "a11y-request",
                &[
                    ("verifier", &name),
                    ("document", &m.doc_type_phrase(&document.doc_type)),
                ],
            ))];
            introduction.push(match document.purpose {
                None => m.text("a11y-purpose-none", &[]),
                Some(purpose) => {
                    let key = if document.purpose_declared {
                        "a11y-purpose-declared"
                    } else {
                        "a11y-purpose-inferred"
                    };
                    m.text(key, &[("purpose", &m.purpose(purpose))])
                }
            });
            introduction.extend(m.document_registration(document, &name));
            let items = document
                .elements
                .iter()
                .map(|e| item(locale, &document.doc_type, &name, e, document.purpose))
                .collect();
            AccessibleDocument {
                doc_type: document.doc_type.clone(),
                introduction,
                items,
            }
        })
        .collect();
    AccessibleConsent {
        locale,
        verifier: vec![trust],
        documents,
        closing: m.text("a11y-choice", &[]),
    }
}
