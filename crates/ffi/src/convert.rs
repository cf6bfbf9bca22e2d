//! Records that cross the boundary, and their conversions from the core's types.

use mdoc::verify::Outcome;
use mdoc::x509::TrustAnchors;
use wallet::keys::WalletKey;

use crate::error::CitizenWalletError;

pub(crate) fn wallet_key(bytes: Vec<u8>) -> Result<WalletKey, CitizenWalletError> {
    let key: [u8; 32] = zeroize::Zeroizing::new(bytes)
        .as_slice()
        .try_into()
        .map_err(|_| CitizenWalletError::invalid("the wallet key must be 32 bytes"))?;
    Ok(WalletKey::from_bytes(key))
}

pub(crate) fn anchors(pem: &str) -> Result<TrustAnchors, CitizenWalletError> {
    if pem.trim().is_empty() {
        return Ok(TrustAnchors::default());
    }
    TrustAnchors::from_pem(pem).map_err(CitizenWalletError::invalid)
}

/// How the wallet authenticates its responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceAuthentication {
    /// ES256 signature by the device key (default).
    Signature,
    /// HMAC with a key agreed with the reader's ephemeral key (deniable).
    Mac,
}

impl From<DeviceAuthentication> for wallet::presentation::DeviceAuthMode {
    fn from(mode: DeviceAuthentication) -> Self {
        match mode {
            DeviceAuthentication::Signature => wallet::presentation::DeviceAuthMode::Signature,
            DeviceAuthentication::Mac => wallet::presentation::DeviceAuthMode::Mac,
        }
    }
}

/// How the app's transport can be reached, advertised in the engagement QR code.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RetrievalOptions {
    /// BLE mdoc central client mode: the service UUID (16 bytes) the reader advertises.
    pub ble_central_client_uuid: Option<Vec<u8>>,
    /// BLE mdoc peripheral server mode: the service UUID (16 bytes) the wallet advertises.
    pub ble_peripheral_server_uuid: Option<Vec<u8>>,
    /// NFC data transfer: (maximum command, maximum response) data lengths.
    pub nfc: Option<NfcLimits>,
}

/// NFC data transfer limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct NfcLimits {
    /// Maximum length of command data.
    pub max_command_data_length: u64,
    /// Maximum length of response data.
    pub max_response_data_length: u64,
}

impl RetrievalOptions {
    pub(crate) fn into_core(self) -> Vec<mdoc::definitions::DeviceRetrievalMethod> {
        use mdoc::definitions::{
            BleOptions, DeviceRetrievalMethod, NfcOptions, RetrievalOptions as R,
        };
        let mut methods = Vec::new();
        if self.ble_central_client_uuid.is_some() || self.ble_peripheral_server_uuid.is_some() {
            let ble = BleOptions {
                central_client_mode: Some(self.ble_central_client_uuid.is_some()),
                peripheral_server_mode: Some(self.ble_peripheral_server_uuid.is_some()),
                central_client_uuid: self.ble_central_client_uuid,
                peripheral_server_uuid: self.ble_peripheral_server_uuid,
                ..BleOptions::default()
            };
            methods.push(DeviceRetrievalMethod {
                version: 1,
                options: R::Ble(ble),
            });
        }
        if let Some(nfc) = self.nfc {
            let options = NfcOptions {
                max_command_data_length: nfc.max_command_data_length,
                max_response_data_length: nfc.max_response_data_length,
                rest: mdoc::cbor::MapRest::default(),
            };
            methods.push(DeviceRetrievalMethod {
                version: 1,
                options: R::Nfc(options),
            });
        }
        methods
    }
}

/// A device key made for a credential that has not arrived yet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingCredential {
    /// The doc type.
    pub doc_type: String,
    /// The device key's alias in the secure area.
    pub device_key_alias: String,
    /// The device public key as a COSE_Key (CBOR), for the issuer.
    pub device_key: Vec<u8>,
}

/// A stored credential, without its data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialSummary {
    /// The store's id.
    pub id: String,
    /// The doc type.
    pub doc_type: String,
    /// The issuer's name.
    pub issuer: String,
    /// A display name.
    pub display_name: String,
    /// Start of validity, seconds since the UNIX epoch.
    pub valid_from: i64,
    /// End of validity, seconds since the UNIX epoch.
    pub valid_until: i64,
    /// How many copies are left (a batch of single-use copies shrinks with each presentation).
    pub copies_left: u32,
    /// How copies are used.
    pub policy: crate::issuance::PresentationPolicy,
    /// Few copies are left: ask the issuer for more.
    pub refresh_needed: bool,
    /// The last status check, if any (`Wallet.updateStatus`).
    pub status: Option<crate::status::CredentialStatus>,
}

impl From<wallet::store::CredentialSummary> for CredentialSummary {
    fn from(s: wallet::store::CredentialSummary) -> Self {
        CredentialSummary {
            id: s.id,
            doc_type: s.doc_type,
            issuer: s.issuer,
            display_name: s.display_name,
            valid_from: s.valid_from.unix_seconds(),
            valid_until: s.valid_until.unix_seconds(),
            copies_left: u32::try_from(s.copies_left).unwrap_or(u32::MAX),
            policy: s.policy.into(),
            refresh_needed: s.refresh_needed,
            status: s.status.map(Into::into),
        }
    }
}

/// The verifier as the wallet knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifierIdentity {
    /// A name to show.
    pub display_name: String,
    /// Common name from a verified reader certificate.
    pub common_name: Option<String>,
    /// Organization from a verified reader certificate.
    pub organization: Option<String>,
    /// Country from a verified reader certificate.
    pub country: Option<String>,
    /// True when reader authentication verified to a configured root.
    pub trusted: bool,
    /// The trust verdict in words.
    pub trust_detail: String,
    /// For online requests: the web origin the platform reported, or a redirect request's
    /// response URI.
    pub origin: Option<String>,
}

/// A minimisation finding.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Finding {
    /// The kind: not_in_profile, explicitly_excluded, age_attestation_would_do,
    /// retention_not_needed, condition_not_met, no_registered_purpose, beyond_registration,
    /// role_may_not_demand.
    pub kind: String,
    /// A short explanation for the citizen.
    pub explanation: String,
}

/// One requested element.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// Human label.
    pub label: String,
    /// The verifier's declared intent to retain.
    pub intent_to_retain: bool,
    /// Whether the wallet holds it.
    pub held: bool,
    /// The identifier actually sent if approved (itself, or the age_over_NN answering it);
    /// none when nothing is sent.
    pub disclosed_as: Option<String>,
    /// When the wallet does not hold it but holds the verifier's alternative for it (ISO
    /// 18013-5 second edition alternativeDataElements): the elements sent in its place if it is
    /// approved, as `namespace/identifier`. Show them: approving this element sends these.
    pub alternative: Vec<String>,
    /// Whether it is sensitive.
    pub sensitive: bool,
    /// Minimisation findings (empty: the purpose needs it).
    pub findings: Vec<Finding>,
}

/// The request for one document.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentDocument {
    /// The doc type.
    pub doc_type: String,
    /// A human name.
    pub display_name: String,
    /// The stored credential that would answer, if any.
    pub credential_id: Option<String>,
    /// The purpose (e.g. "right_to_work", "benefits", "age_over_18"), if recognised.
    pub purpose: Option<String>,
    /// A human name for the purpose.
    pub purpose_name: Option<String>,
    /// True when the verifier declared the purpose.
    pub purpose_declared: bool,
    /// The requested elements.
    pub elements: Vec<ConsentElement>,
    /// The verifier's registration verdict (none: no registration was sent).
    pub registration: Option<Registration>,
}

/// The verifier's registration verdict for one document: its registered name and purposes,
/// nothing of the citizen's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Registration {
    /// `registered`, `not_registered_for_purpose` or `unverified`.
    pub status: String,
    /// The registered trade name (not for an unverified registration).
    pub organisation: Option<String>,
    /// The registered identifier.
    pub identifier: Option<String>,
    /// The registrar that issued it.
    pub registrar: Option<String>,
    /// The purposes it is registered for (registered: the one covering the request).
    pub purposes: Vec<String>,
    /// Not registered for the purpose: the purpose the verifier declared, if known.
    pub declared: Option<String>,
    /// Unverified: `tampered`, `validity`, `unknown_registrar`, `malformed` or
    /// `not_issued_to_verifier`.
    pub reason: Option<String>,
    /// The role (e.g. `police`) with no entitlement to demand ID, when the citizen does not
    /// have to share.
    pub no_entitlement_role: Option<String>,
    /// The verdict in plain words (English from `consent()`, the requested language from
    /// `consentIn` and the history).
    pub sentences: Vec<String>,
}

/// The record of `r`, with its sentences.
pub(crate) fn registration(
    r: &wallet::history::RegistrationRecord,
    sentences: Vec<String>,
) -> Registration {
    use wallet::history::RegistrationOutcome as O;
    Registration {
        status: match r.status {
            O::Registered => "registered",
            O::NotRegisteredForPurpose => "not_registered_for_purpose",
            O::Unverified => "unverified",
        }
        .to_owned(),
        organisation: r.organisation.clone(),
        identifier: r.identifier.clone(),
        registrar: r.registrar.clone(),
        purposes: r.purposes.clone(),
        declared: r.declared.clone(),
        reason: r.reason.map(|c| c.id().to_owned()),
        no_entitlement_role: r.no_entitlement_role.clone(),
        sentences,
    }
}

/// A consent document's registration, its sentences from `m`.
pub(crate) fn document_registration(
    d: &wallet::consent::ConsentDocument,
    verifier: &str,
    m: &wallet::i18n::Messages,
) -> Option<Registration> {
    let verdict = d.registration.as_ref()?;
    Some(registration(
        &verdict.into(),
        m.document_registration(d, verifier),
    ))
}

/// What the app shows before anything is disclosed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentRequest {
    /// Who asks.
    pub verifier: VerifierIdentity,
    /// The requested documents.
    pub documents: Vec<ConsentDocument>,
}

/// An approved element.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApprovedElement {
    /// Doc type.
    pub doc_type: String,
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
}

/// The citizen's answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Selection {
    /// Exactly the elements to disclose.
    pub approved: Vec<ApprovedElement>,
}

fn finding_kind(kind: mdoc::profiles::FindingKind) -> String {
    use mdoc::profiles::FindingKind as K;
    match kind {
        K::NotInProfile => "not_in_profile",
        K::ExplicitlyExcluded => "explicitly_excluded",
        K::AgeAttestationWouldDo => "age_attestation_would_do",
        K::RetentionNotNeeded => "retention_not_needed",
        K::ConditionNotMet => "condition_not_met",
        K::NoRegisteredPurpose => "no_registered_purpose",
        K::BeyondRegistration => "beyond_registration",
        K::RoleMayNotDemand => "role_may_not_demand",
        _ => "other",
    }
    .to_owned()
}

impl From<&wallet::consent::ConsentRequest> for ConsentRequest {
    fn from(c: &wallet::consent::ConsentRequest) -> Self {
        use wallet::consent::ReaderTrust;
        let v = &c.verifier;
        let (trusted, trust_detail) = match &v.trust {
            ReaderTrust::Trusted { anchor } => {
                (true, format!("verified, certificate issued by {anchor}"))
            }
            ReaderTrust::Untrusted { reason } => (false, format!("not verified: {reason}")),
            ReaderTrust::NotAuthenticated => {
                (false, "the verifier did not identify itself".to_owned())
            }
        };
        ConsentRequest {
            verifier: VerifierIdentity {
                display_name: v.display_name(),
                common_name: v.common_name.clone(),
                organization: v.organization.clone(),
                country: v.country.clone(),
                trusted,
                trust_detail,
                origin: v.origin.clone(),
            },
            documents: c
                .documents
                .iter()
                .map(|d| ConsentDocument {
                    doc_type: d.doc_type.clone(),
                    display_name: d.display_name.clone(),
                    credential_id: d.credential_id.clone(),
                    purpose: d.purpose.map(|p| p.id()),
                    purpose_name: d.purpose.map(|p| p.display_name()),
                    purpose_declared: d.purpose_declared,
                    elements: d
                        .elements
                        .iter()
                        .map(|e| ConsentElement {
                            namespace: e.namespace.clone(),
                            identifier: e.identifier.clone(),
                            label: e.label.clone(),
                            intent_to_retain: e.intent_to_retain,
                            held: e.held,
                            disclosed_as: e.disclosed_as.clone(),
                            alternative: e
                                .alternative
                                .iter()
                                .map(|a| format!("{}/{}", a.namespace, a.identifier))
                                .collect(),
                            sensitive: e.sensitive,
                            findings: e
                                .findings
                                .iter()
                                .map(|f| Finding {
                                    kind: finding_kind(f.kind),
                                    explanation: f.explanation.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                    registration: document_registration(
                        d,
                        &v.display_name(),
                        wallet::i18n::messages(wallet::i18n::Locale::English),
                    ),
                })
                .collect(),
        }
    }
}

impl From<Selection> for wallet::consent::Selection {
    fn from(s: Selection) -> Self {
        wallet::consent::Selection {
            approved: s
                .approved
                .into_iter()
                .map(|a| wallet::consent::ApprovedElement {
                    doc_type: a.doc_type,
                    namespace: a.namespace,
                    identifier: a.identifier,
                })
                .collect(),
        }
    }
}

/// What a message from the reader led to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionEvent {
    /// A request to show the citizen.
    Consent {
        /// The consent object.
        request: ConsentRequest,
    },
    /// The reader ended the session.
    Terminated,
    /// The message could not be processed; send `reply` to the reader. The session has ended.
    Failed {
        /// Bytes to send.
        reply: Vec<u8>,
        /// What went wrong.
        message: String,
    },
}

/// One check of a verification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckResult {
    /// What was checked.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed; when it passed, what could not be checked (e.g. an element not
    /// disclosed), or empty.
    pub detail: String,
}

/// A requested element that did not come back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MissingElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// Human label.
    pub label: String,
}

/// A verified element.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifiedElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// Human label.
    pub label: String,
    /// The value rendered for display.
    pub display_value: String,
    /// The value as CBOR.
    pub value: Vec<u8>,
}

/// The verification of one document.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DocumentReport {
    /// Doc type.
    pub doc_type: String,
    /// Issuer, once its chain and the issuer signature verified.
    pub issuer: Option<String>,
    /// True when the document is authentic and complete (`authentic && complete`).
    pub verified: bool,
    /// True when every check of authenticity passed (issuer, signature, digests, device
    /// authentication, ...): the elements are genuine.
    pub authentic: bool,
    /// True when authentic and every requested element was returned.
    pub complete: bool,
    /// Every check performed, in order.
    pub checks: Vec<CheckResult>,
    /// The verified elements (empty unless authentic).
    pub elements: Vec<VerifiedElement>,
    /// Requested elements that did not come back.
    pub missing: Vec<MissingElement>,
}

/// The verification of a response.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerificationReport {
    /// True when the response is authentic and complete: the only flag a decision (such as a
    /// right-to-work pass) may rest on. An empty or partial answer is never verified.
    pub verified: bool,
    /// True when the response is OK and every returned document is authentic.
    pub authentic: bool,
    /// True when authentic and every requested document and element came back.
    pub complete: bool,
    /// Response status.
    pub status: u64,
    /// Per-document reports.
    pub documents: Vec<DocumentReport>,
    /// Doc types not returned (the wallet's document errors, and requested doc types no
    /// document answers).
    pub documents_not_returned: Vec<String>,
}

impl From<&verifier::VerificationReport> for VerificationReport {
    fn from(r: &verifier::VerificationReport) -> Self {
        VerificationReport {
            verified: r.verified(),
            authentic: r.authentic(),
            complete: r.complete(),
            status: r.status,
            documents: r
                .documents
                .iter()
                .map(|d| DocumentReport {
                    doc_type: d.doc_type.clone(),
                    issuer: d.issuer.clone(),
                    verified: d.verified(),
                    authentic: d.authentic(),
                    complete: d.complete(),
                    checks: d
                        .checks
                        .iter()
                        .map(|c| CheckResult {
                            name: c.name.description().to_owned(),
                            passed: c.passed(),
                            detail: match &c.outcome {
                                Outcome::Passed => String::new(),
                                Outcome::PassedWithNote(note) => note.clone(),
                                Outcome::Failed(reason) => reason.clone(),
                            },
                        })
                        .collect(),
                    elements: d
                        .elements
                        .iter()
                        .map(|e| VerifiedElement {
                            namespace: e.namespace.clone(),
                            identifier: e.identifier.clone(),
                            label: mdoc::registry::label(&d.doc_type, &e.namespace, &e.identifier),
                            display_value: e.display_value(),
                            value: mdoc::cbor::encode(&e.value),
                        })
                        .collect(),
                    missing: d
                        .missing
                        .iter()
                        .map(|(namespace, identifier)| MissingElement {
                            namespace: namespace.clone(),
                            identifier: identifier.clone(),
                            label: mdoc::registry::label(&d.doc_type, namespace, identifier),
                        })
                        .collect(),
                })
                .collect(),
            documents_not_returned: documents_not_returned(r),
        }
    }
}

fn documents_not_returned(r: &verifier::VerificationReport) -> Vec<String> {
    let mut doc_types: Vec<String> = r.document_errors.iter().map(|(d, _)| d.clone()).collect();
    for doc_type in &r.documents_missing {
        if !doc_types.contains(doc_type) {
            doc_types.push(doc_type.clone());
        }
    }
    doc_types
}

/// An element to request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequestedItem {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// Whether the verifier will keep it.
    pub intent_to_retain: bool,
}

/// The request for one document.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DocumentRequest {
    /// Doc type.
    pub doc_type: String,
    /// Declared purpose ("right_to_work", "benefits", "age_over_NN"), if any.
    pub purpose: Option<String>,
    /// The elements.
    pub items: Vec<RequestedItem>,
}

impl DocumentRequest {
    pub(crate) fn into_core(self) -> Result<verifier::DocumentRequest, CitizenWalletError> {
        let purpose = self
            .purpose
            .map(|id| {
                mdoc::profiles::Purpose::from_id(&id)
                    .ok_or_else(|| CitizenWalletError::invalid("unknown purpose"))
            })
            .transpose()?;
        Ok(verifier::DocumentRequest {
            doc_type: self.doc_type,
            elements: self
                .items
                .into_iter()
                .map(|i| (i.namespace, i.identifier, i.intent_to_retain))
                .collect(),
            purpose,
        })
    }
}

/// The request a purpose profile prescribes: `purpose` is "right_to_work", "benefits" or
/// "age_over_NN".
#[uniffi::export]
pub fn profile_request(
    purpose: String,
    doc_type: String,
) -> Result<DocumentRequest, CitizenWalletError> {
    let purpose = mdoc::profiles::Purpose::from_id(&purpose)
        .ok_or_else(|| CitizenWalletError::invalid("unknown purpose"))?;
    let core = verifier::DocumentRequest::for_purpose(purpose, &doc_type);
    Ok(DocumentRequest {
        doc_type: core.doc_type,
        purpose: core.purpose.map(|p| p.id()),
        items: core
            .elements
            .into_iter()
            .map(|(namespace, identifier, intent_to_retain)| RequestedItem {
                namespace,
                identifier,
                intent_to_retain,
            })
            .collect(),
    })
}

/// An OpenID4VP authorization response, ready to hand back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenId4VpResponse {
    /// The response as a JSON object: the data to return to a Digital Credentials API call.
    pub json: String,
    /// The response as an `application/x-www-form-urlencoded` body, for `direct_post`.
    pub form: String,
    /// Where to POST `form` (redirect requests); absent through the Digital Credentials API.
    pub response_uri: Option<String>,
}

impl From<&wallet::openid4vp::AuthorizationResponse> for OpenId4VpResponse {
    fn from(r: &wallet::openid4vp::AuthorizationResponse) -> Self {
        OpenId4VpResponse {
            json: r.to_json(),
            form: r.to_form(),
            response_uri: r.response_uri().map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use mdoc::profiles::FindingKind;

    #[test]
    fn registration_finding_kinds_have_their_names() {
        assert_eq!(
            super::finding_kind(FindingKind::BeyondRegistration),
            "beyond_registration"
        );
        assert_eq!(
            super::finding_kind(FindingKind::RoleMayNotDemand),
            "role_may_not_demand"
        );
    }

    #[test]
    fn an_alternative_is_shown_on_the_element_it_answers() {
        use mdoc::definitions::ElementReference;
        use wallet::consent as core;
        let element = core::ConsentElement {
            namespace: "org.iso.18013.5.1".into(),
            identifier: "age_over_18".into(),
            label: "Over 18".into(),
            intent_to_retain: false,
            held: true,
            disclosed_as: None,
            alternative: vec![ElementReference::new("org.iso.18013.5.1", "birth_date")],
            sensitive: false,
            findings: Vec::new(),
        };
        let request = core::ConsentRequest {
            verifier: core::VerifierIdentity {
                common_name: None,
                organization: None,
                country: None,
                trust: core::ReaderTrust::NotAuthenticated,
                origin: None,
            },
            documents: vec![core::ConsentDocument {
                doc_type: "org.iso.18013.5.1.mDL".into(),
                display_name: "Driving licence".into(),
                credential_id: None,
                purpose: None,
                purpose_declared: false,
                elements: vec![element],
                withheld: None,
                registration: None,
                issuer_not_accepted: false,
            }],
            use_cases: Vec::new(),
        };
        let converted = super::ConsentRequest::from(&request);
        let element = converted
            .documents
            .first()
            .and_then(|d| d.elements.first())
            .cloned();
        assert_eq!(
            element.map(|e| e.alternative),
            Some(vec!["org.iso.18013.5.1/birth_date".to_owned()])
        );
    }
}
