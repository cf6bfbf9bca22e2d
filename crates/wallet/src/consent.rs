//! The consent object handed to the app: who asks, why, and for what — element by element,
//! with what the wallet holds and where the request asks for more than its purpose needs.
//! The citizen's answer is a [`Selection`].

use mdoc::profiles::{Finding, Purpose};

/// How far the wallet trusts the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderTrust {
    /// Reader authentication verified and chains to a configured reader root.
    Trusted {
        /// The root's common name.
        anchor: String,
    },
    /// Reader authentication is present but failed; the reason names the check.
    Untrusted {
        /// Why.
        reason: String,
    },
    /// The request carries no reader authentication.
    NotAuthenticated,
}

/// The verifier as the wallet knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierIdentity {
    /// Common name from the reader certificate (when authenticated).
    pub common_name: Option<String>,
    /// Organization from the reader certificate.
    pub organization: Option<String>,
    /// Country from the reader certificate.
    pub country: Option<String>,
    /// The trust verdict.
    pub trust: ReaderTrust,
    /// For online requests: the web origin the platform reported, or the response URI of a
    /// redirect request. Not authenticated by a certificate.
    pub origin: Option<String>,
}

impl VerifierIdentity {
    pub(crate) fn anonymous() -> Self {
        VerifierIdentity {
            common_name: None,
            organization: None,
            country: None,
            trust: ReaderTrust::NotAuthenticated,
            origin: None,
        }
    }

    /// A name to show: organization, else common name, else the origin the platform reported,
    /// else "Unidentified verifier".
    pub fn display_name(&self) -> String {
        self.organization
            .clone()
            .or_else(|| self.common_name.clone())
            .or_else(|| self.origin.clone())
            .unwrap_or_else(|| "Unidentified verifier".to_owned())
    }
}

/// One requested element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// Human label.
    pub label: String,
    /// The verifier's declared intent to retain.
    pub intent_to_retain: bool,
    /// Whether the wallet holds it (for age_over_NN: whether an attestation answers it).
    pub held: bool,
    /// The identifier actually sent if this element is approved: the element itself, or for an
    /// age_over_NN not held, the nearest attestation that answers it (ISO 18013-5 §7.2.5) —
    /// never one this request also asks for, which the citizen decides on separately. `None`
    /// when nothing is sent for it.
    pub disclosed_as: Option<String>,
    /// Second edition: when the wallet does not hold the element and the reader named
    /// alternatives (DocRequestInfo alternativeDataElements), the first alternative set the
    /// wallet holds in full, sent instead if this element is approved (`disclosed_as` is then
    /// `None`). Empty otherwise.
    pub alternative: Vec<mdoc::definitions::ElementReference>,
    /// Whether the registry marks it sensitive.
    pub sensitive: bool,
    /// Minimisation findings for this element (empty: the purpose needs it). When no purpose
    /// profile covers the request, every element has one.
    pub findings: Vec<Finding>,
}

/// The request for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDocument {
    /// The doc type requested.
    pub doc_type: String,
    /// A human name for it.
    pub display_name: String,
    /// The stored credential that would answer, if held.
    pub credential_id: Option<String>,
    /// The purpose the request is measured against.
    pub purpose: Option<Purpose>,
    /// True when the verifier declared that purpose; false when it was inferred.
    pub purpose_declared: bool,
    /// The requested elements.
    pub elements: Vec<ConsentElement>,
    /// Why the held credential cannot be shared (revoked or suspended by its issuer), if so.
    pub withheld: Option<String>,
    /// The verifier's registration for this request, when it sent one: registered or not for
    /// the declared purpose, or unverified (see [`crate::registration`]).
    pub registration: Option<crate::registration::RegistrationVerdict>,
    /// Second edition: true when the wallet holds a valid credential of this doc type but the
    /// reader accepts only documents from the IACAs it listed (`issuerIdentifiers`) and none held
    /// is from them, so the document is answered as not held.
    pub issuer_not_accepted: bool,
}

/// What the app shows the citizen before anything is disclosed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// Who asks, and whether the wallet trusts that.
    pub verifier: VerifierIdentity,
    /// One entry per requested document the wallet answers (with second-edition use cases,
    /// only the DocRequests of each use case's answered document set).
    pub documents: Vec<ConsentDocument>,
    /// Second edition: the request's use cases, in request order (empty for a 1.0 request).
    pub use_cases: Vec<ConsentUseCase>,
}

/// A second-edition use case: why the reader asks, and which documents would fulfil it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentUseCase {
    /// Whether the reader says it needs this use case fulfilled.
    pub mandatory: bool,
    /// The reader's purpose hints (a purpose controller's identifier and code), as sent.
    pub purpose_hints: Vec<PurposeHint>,
    /// The alternative document sets, in the reader's order of preference, as doc types.
    pub document_sets: Vec<Vec<String>>,
    /// The set the wallet answers: the first it holds every document of; `None` when it can
    /// answer none in full (nothing of this use case is then disclosed).
    pub answered_set: Option<usize>,
}

/// A purpose hint of a use case: a code defined by the named purpose controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeHint {
    /// The purpose controller's identifier.
    pub controller: String,
    /// The purpose code it defines.
    pub code: i64,
}

/// An element the citizen approved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApprovedElement {
    /// Doc type of the document it belongs to.
    pub doc_type: String,
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
}

/// The citizen's answer: exactly these elements may be disclosed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The approved elements.
    pub approved: Vec<ApprovedElement>,
}

impl Selection {
    /// True when `doc_type`/`namespace`/`identifier` is approved.
    pub fn contains(&self, doc_type: &str, namespace: &str, identifier: &str) -> bool {
        self.approved.iter().any(|a| {
            a.doc_type == doc_type && a.namespace == namespace && a.identifier == identifier
        })
    }
}

impl ConsentRequest {
    /// Every held element without a minimisation finding: what a careful app pre-selects.
    /// Empty for a document no purpose profile covers (each of its elements has a finding).
    pub fn recommended_selection(&self) -> Selection {
        self.selection_where(|e| e.held && e.findings.is_empty())
    }

    /// Every held element.
    pub fn everything_held(&self) -> Selection {
        self.selection_where(|e| e.held)
    }

    /// The held elements for which `keep` is true.
    pub fn selection_where(&self, keep: impl Fn(&ConsentElement) -> bool) -> Selection {
        let approved = self
            .documents
            .iter()
            .flat_map(|d| {
                d.elements
                    .iter()
                    .filter(|e| keep(e))
                    .map(|e| ApprovedElement {
                        doc_type: d.doc_type.clone(),
                        namespace: e.namespace.clone(),
                        identifier: e.identifier.clone(),
                    })
            })
            .collect();
        Selection { approved }
    }

    /// This consent with every string the core made (document names, element labels, finding
    /// explanations) in `locale`, falling back to English for anything `locale` lacks.
    pub fn localized(&self, locale: crate::i18n::Locale) -> ConsentRequest {
        crate::i18n::consent::localize(self, locale)
    }

    /// The consent screen as complete sentences in `locale`, for screen readers: each item
    /// says what is shared, with whom, whether they keep it, and any warning, in words.
    pub fn accessible(&self, locale: crate::i18n::Locale) -> crate::i18n::AccessibleConsent {
        crate::i18n::accessible::render(self, locale)
    }

    /// True when any element carries a minimisation finding.
    pub fn has_findings(&self) -> bool {
        self.documents
            .iter()
            .flat_map(|d| &d.elements)
            .any(|e| !e.findings.is_empty())
    }
}
