//! Purpose-bound verifiers: the verifier's relying-party registration (ETSI TS 119 475
//! registration certificate, CWT profile, [`mdoc::registration`]) carried in its request,
//! verified against the registrars the wallet trusts, and shown on the consent object.
//!
//! Where a registration travels:
//! * ISO 18013-5 (proximity) and ISO 18013-7 Annex C (DC API): the ItemsRequest's
//!   `requestInfo` under [`REQUEST_INFO_KEY`], a byte string holding the COSE_Sign1 (or an
//!   array of them, one per registered purpose). The key name is this project's choice: no
//!   published text fixing it was available.
//! * OpenID4VP 1.0: `verifier_info`, entries `{"format": "rc-wrp+cwt", "data": <base64url of
//!   the COSE_Sign1>, "credential_ids": [...]}` (`registration_cert` is accepted as the format
//!   name too). Entries of other formats are ignored.
//!
//! Verification ([`mdoc::registration::verify`]): bounded parsing, ES256 signature, the signer's
//! chain to a configured registrar anchor ([`crate::WalletConfig::registrar_anchors`]) at the
//! wallet's clock, `iat` ≤ now ≤ `exp`. Then binding to who is asking:
//! * with reader authentication (proximity, DC API): the reader certificate must be trusted and
//!   its subject organizationIdentifier (2.5.4.97) must equal the registration's `sub` — ETSI
//!   binds a registration certificate to the access certificate's entity identifier;
//! * over OpenID4VP (this wallet takes unsigned requests only, so there is no access
//!   certificate): the origin the platform reports (DC API) or the response_uri's origin must
//!   be one of the registration's `origins` (this project's extension claim).
//!
//! A registration that fails any of this is shown as unverified, never as registered.
//! Then the declared purpose (requestInfo `purpose`; else the intended use of the only
//! registration sent; else the purpose the request matched) decides: registered for it —
//! every element outside the registration gets a [`FindingKind::BeyondRegistration`] finding;
//! not registered for it — every element gets one. The role policy table ([`policy`], data)
//! decides which purposes each role may be registered for, and when every role of a verifier's
//! registrations lacks the entitlement to demand ID (the police), every element gets a
//! [`FindingKind::RoleMayNotDemand`] finding and the consent says the citizen does not have to
//! share. Elements with findings are never pre-selected.

pub mod policy;
mod text;

use mdoc::cbor::Value;
use mdoc::cose::CoseSign1;
use mdoc::definitions::DeviceRequest;
use mdoc::profiles::{Finding, FindingKind};
use mdoc::registration::{MAX_REGISTRATION_LEN, VerifiedRegistration};
use mdoc::x509::Certificate;
use serde_json::Value as Json;

use crate::consent::{ConsentDocument, ConsentRequest, ReaderTrust};
use crate::i18n::{Locale, messages};
use crate::wallet::{Wallet, WalletError};

/// The requestInfo key under which an ItemsRequest carries registration certificates.
pub const REQUEST_INFO_KEY: &str = "registration_certificate";
/// The `verifier_info` format of a CWT registration certificate.
pub const VERIFIER_INFO_FORMAT: &str = "rc-wrp+cwt";
/// Another `verifier_info` format name accepted for the same thing.
pub const VERIFIER_INFO_FORMAT_ALIAS: &str = "registration_cert";
/// Most registration certificates considered per document (and `verifier_info` entries).
pub const MAX_REGISTRATIONS: usize = 8;

/// What the wallet concluded about a verifier's registration, for one requested document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// A verified registration, bound to this verifier, covers the declared purpose.
    Registered {
        /// The registered trade name.
        organisation: String,
        /// The registered identifier (`sub`).
        identifier: String,
        /// The registrar (common name of the registrar anchor).
        registrar: String,
        /// The purpose it is registered for (intended use identifier).
        purpose: String,
    },
    /// The verifier's registrations verified, but none covers the purpose it declares.
    NotRegisteredForPurpose {
        /// The registered trade name.
        organisation: String,
        /// The registered identifier (`sub`).
        identifier: String,
        /// The registrar.
        registrar: String,
        /// The declared purpose, if any could be determined.
        declared: Option<String>,
        /// The purposes it is registered for (that its roles allow).
        registered: Vec<String>,
    },
    /// A registration was sent but could not be verified (tampered, expired, unknown
    /// registrar, malformed, or issued to someone else). Never shown as registered.
    Unverified {
        /// The check that failed (technical, English, no personal data).
        reason: String,
        /// The kind of failure, for the history and the apps.
        category: UnverifiedReason,
    },
}

/// Why a registration could not be verified, by kind (no personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UnverifiedReason {
    /// Its signature does not verify: it was altered.
    #[serde(rename = "tampered")]
    Tampered,
    /// Expired, not yet valid, or valid for longer than allowed.
    #[serde(rename = "validity")]
    Validity,
    /// Not signed by a registrar the wallet trusts.
    #[serde(rename = "unknown_registrar")]
    UnknownRegistrar,
    /// Not a well-formed registration certificate (or too many of them).
    #[serde(rename = "malformed")]
    Malformed,
    /// Issued to another organisation or origin than the one asking.
    #[serde(rename = "not_issued_to_verifier")]
    NotIssuedToVerifier,
}

impl UnverifiedReason {
    /// The kind of a verification failure.
    pub fn of(error: &mdoc::registration::RegistrationError) -> UnverifiedReason {
        use mdoc::registration::RegistrationError as E;
        match error {
            E::BadSignature => UnverifiedReason::Tampered,
            E::NotYetValid | E::Expired | E::ValidityTooLong => UnverifiedReason::Validity,
            E::Chain(_) => UnverifiedReason::UnknownRegistrar,
            _ => UnverifiedReason::Malformed,
        }
    }

    /// Its identifier (`tampered`, `validity`, `unknown_registrar`, `malformed`,
    /// `not_issued_to_verifier`).
    pub fn id(self) -> &'static str {
        match self {
            UnverifiedReason::Tampered => "tampered",
            UnverifiedReason::Validity => "validity",
            UnverifiedReason::UnknownRegistrar => "unknown_registrar",
            UnverifiedReason::Malformed => "malformed",
            UnverifiedReason::NotIssuedToVerifier => "not_issued_to_verifier",
        }
    }
}

/// The registration part of a consent document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationVerdict {
    /// Registered, not registered for the purpose, or unverified.
    pub status: RegistrationStatus,
    /// Set when every role the verifier is registered in lacks the entitlement to demand ID
    /// (the role's identifier from the policy table, e.g. `police`): the citizen does not have
    /// to share.
    pub no_entitlement_role: Option<String>,
}

/// Who is asking, as far as a registration can be bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// A trusted reader certificate, with its subject organizationIdentifier if any.
    Reader(Option<String>),
    /// A web origin (OpenID4VP: the platform's origin, or the response_uri's origin).
    Origin(String),
    /// Nothing a registration can be bound to (no or untrusted reader authentication).
    Unidentified,
}

/// The intended use identifier in canonical form: `benefits` and `benefits_check` are one
/// purpose; `age_check` covers every `age_over_NN`.
fn canonical(purpose: &str) -> &str {
    match purpose {
        "benefits" | "benefits_check" => "benefits_check",
        p if mdoc::registry::age_over_threshold(p).is_some() => "age_check",
        p => p,
    }
}

/// The selector the consent messages switch on for a purpose identifier.
pub(crate) fn purpose_selector(purpose: Option<&str>) -> &'static str {
    match purpose.map(canonical) {
        Some("right_to_work") => "right_to_work",
        Some("benefits_check") => "benefits",
        Some("age_check") => "age_check",
        _ => "other",
    }
}

/// The registration certificates of one ItemsRequest's requestInfo (`Err` when the value is
/// not a byte string or an array of at most [`MAX_REGISTRATIONS`] byte strings).
fn from_request_info(info: Option<&[(String, Value)]>) -> Result<Vec<Vec<u8>>, &'static str> {
    let Some(value) = info
        .into_iter()
        .flatten()
        .find(|(k, _)| k == REQUEST_INFO_KEY)
        .map(|(_, v)| v)
    else {
        return Ok(Vec::new());
    };
    match value {
        Value::Bytes(one) => Ok(vec![one.clone()]),
        Value::Array(many) if !many.is_empty() && many.len() <= MAX_REGISTRATIONS => many
            .iter()
            .map(|v| v.as_bytes().map(<[u8]>::to_vec))
            .collect::<Option<Vec<_>>>()
            .ok_or("registration_certificate is not a byte string"),
        _ => Err("registration_certificate is not a byte string or a short array of them"),
    }
}

/// The reader certificate's organizationIdentifier when the reader is trusted (its chain was
/// verified by the caller): the leaf of the first readerAuth's x5chain.
fn reader_client(request: &DeviceRequest, consent: &ConsentRequest) -> Client {
    if !matches!(consent.verifier.trust, ReaderTrust::Trusted { .. }) {
        return Client::Unidentified;
    }
    let leaf = request
        .doc_requests
        .iter()
        .find_map(|d| d.reader_auth.as_ref())
        .and_then(|auth| CoseSign1::from_value(auth).ok())
        .and_then(|sign1| sign1.x5chain().ok())
        .and_then(|chain| chain.into_iter().next())
        .and_then(|der| Certificate::from_der(&der).ok());
    match leaf {
        Some(leaf) => Client::Reader(leaf.subject_organization_identifier()),
        None => Client::Unidentified,
    }
}

/// Applies the registrations carried in each ItemsRequest's requestInfo (proximity, DC API)
/// to `consent`, whose verifier trust has already been decided. `answered` lists the indices of
/// the DocRequests that have a consent document, in order (second-edition use cases may leave
/// some out).
pub(crate) fn apply_request_info(
    wallet: &Wallet,
    request: &DeviceRequest,
    answered: &[usize],
    consent: &mut ConsentRequest,
) {
    let client = reader_client(request, consent);
    let docs = answered.iter().filter_map(|&i| request.doc_requests.get(i));
    for (doc, document) in docs.zip(&mut consent.documents) {
        let items = doc.items_request.value();
        let info = items.request_info.as_deref();
        let declared = info
            .into_iter()
            .flatten()
            .find(|(k, _)| k == "purpose")
            .and_then(|(_, v)| v.as_text())
            .map(str::to_owned);
        match from_request_info(info) {
            Ok(blobs) => apply(wallet, &blobs, &client, declared.as_deref(), document),
            Err(reason) => unverified(document, reason.to_owned(), UnverifiedReason::Malformed),
        }
    }
}

/// One `verifier_info` registration entry of an OpenID4VP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierInfoRegistration {
    /// The COSE_Sign1 bytes.
    pub bytes: Vec<u8>,
    /// The credential query ids it applies to (`None`: all).
    pub credential_ids: Option<Vec<String>>,
}

/// Reads the registration entries of an OpenID4VP `verifier_info` parameter: a non-empty
/// array of at most [`MAX_REGISTRATIONS`] objects with a string `format` and `data`, and
/// optionally `credential_ids` (strings). Entries of other formats are skipped.
pub fn parse_verifier_info(value: &Json) -> Result<Vec<VerifierInfoRegistration>, WalletError> {
    let invalid = || WalletError::Unsupported("verifier_info (malformed)");
    let entries = value
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= MAX_REGISTRATIONS)
        .ok_or_else(invalid)?;
    let mut out = Vec::new();
    for entry in entries {
        let format = entry
            .get("format")
            .and_then(Json::as_str)
            .ok_or_else(invalid)?;
        let data = entry
            .get("data")
            .and_then(Json::as_str)
            .ok_or_else(invalid)?;
        let credential_ids = match entry.get("credential_ids") {
            None => None,
            Some(ids) => Some(
                ids.as_array()
                    .filter(|a| !a.is_empty() && a.len() <= crate::openid4vp::MAX_QUERIES)
                    .ok_or_else(invalid)?
                    .iter()
                    .map(|id| id.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(invalid)?,
            ),
        };
        if format != VERIFIER_INFO_FORMAT && format != VERIFIER_INFO_FORMAT_ALIAS {
            continue;
        }
        // base64url of at most MAX_REGISTRATION_LEN bytes; a longer one is refused unread.
        if data.len() > MAX_REGISTRATION_LEN.div_ceil(3) * 4 {
            return Err(invalid());
        }
        let bytes = mdoc::base64url::decode(data).map_err(|_| invalid())?;
        out.push(VerifierInfoRegistration {
            bytes,
            credential_ids,
        });
    }
    Ok(out)
}

/// Applies OpenID4VP `verifier_info` registrations to `consent`, whose documents answer the
/// credential queries `query_ids` in order, for a request from `origin`.
pub(crate) fn apply_verifier_info(
    wallet: &Wallet,
    registrations: &[VerifierInfoRegistration],
    query_ids: &[String],
    origin: &str,
    consent: &mut ConsentRequest,
) {
    let client = Client::Origin(origin.to_owned());
    for (id, document) in query_ids.iter().zip(&mut consent.documents) {
        let blobs: Vec<Vec<u8>> = registrations
            .iter()
            .filter(|r| r.credential_ids.as_ref().is_none_or(|ids| ids.contains(id)))
            .map(|r| r.bytes.clone())
            .collect();
        apply(wallet, &blobs, &client, None, document);
    }
}

/// The web origin (`scheme://authority`) of a URL.
pub fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

fn unverified(document: &mut ConsentDocument, reason: String, category: UnverifiedReason) {
    document.registration = Some(RegistrationVerdict {
        status: RegistrationStatus::Unverified { reason, category },
        no_entitlement_role: None,
    });
}

fn bound(registration: &VerifiedRegistration, client: &Client) -> bool {
    match client {
        Client::Reader(Some(id)) => *id == registration.certificate.sub,
        Client::Origin(origin) => registration
            .certificate
            .origins
            .iter()
            .any(|o| origin_of(o) == *origin),
        Client::Reader(None) | Client::Unidentified => false,
    }
}

/// The purposes a registration counts for: its intended use, when one of its roles allows it.
fn allowed_purpose(registration: &VerifiedRegistration) -> Option<&str> {
    let purpose = registration.certificate.intended_use_id.as_deref()?;
    policy::roles_for(&registration.certificate.entitlements)
        .any(|role| {
            role.purposes
                .iter()
                .any(|p| canonical(p) == canonical(purpose))
        })
        .then_some(purpose)
}

/// Adds a finding of `kind` to every element of `document` for which `flag` is true.
fn add_findings(
    document: &mut ConsentDocument,
    kind: FindingKind,
    flag: impl Fn(&str, &str, &str) -> bool,
) {
    let key = match kind {
        FindingKind::RoleMayNotDemand => "finding-role_may_not_demand",
        _ => "finding-beyond_registration",
    };
    let explanation = messages(Locale::English).text(key, &[]);
    let doc_type = document.doc_type.clone();
    for element in &mut document.elements {
        if flag(&doc_type, &element.namespace, &element.identifier) {
            element.findings.push(Finding {
                namespace: element.namespace.clone(),
                identifier: element.identifier.clone(),
                kind,
                explanation: explanation.clone(),
            });
        }
    }
}

/// Verifies `blobs` for `client` and records the verdict and findings on `document`.
fn apply(
    wallet: &Wallet,
    blobs: &[Vec<u8>],
    client: &Client,
    declared: Option<&str>,
    document: &mut ConsentDocument,
) {
    if blobs.is_empty() {
        return;
    }
    if blobs.len() > MAX_REGISTRATIONS {
        return unverified(
            document,
            "too many registration certificates".to_owned(),
            UnverifiedReason::Malformed,
        );
    }
    let anchors = &wallet.config().registrar_anchors;
    let now = wallet.now();
    let mut verified = Vec::new();
    let mut failure = None;
    for blob in blobs {
        match mdoc::registration::verify(blob, anchors, now) {
            Ok(registration) if bound(&registration, client) => verified.push(registration),
            Ok(_) => {
                failure.get_or_insert_with(|| {
                    (
                        "the registration was not issued to the organisation asking".to_owned(),
                        UnverifiedReason::NotIssuedToVerifier,
                    )
                });
            }
            Err(e) => {
                failure.get_or_insert_with(|| (e.to_string(), UnverifiedReason::of(&e)));
            }
        }
    }
    let Some(first) = verified.first() else {
        let (reason, category) =
            failure.unwrap_or_else(|| ("no registration".to_owned(), UnverifiedReason::Malformed));
        return unverified(document, reason, category);
    };
    // The declared purpose: as the request states it; else the intended use of the only
    // registration sent (attaching it declares it); else the purpose the request matched.
    let declared: Option<String> = declared
        .map(str::to_owned)
        .or_else(|| match verified.as_slice() {
            [only] => only.certificate.intended_use_id.clone(),
            _ => None,
        })
        .or_else(|| document.purpose.map(|p| p.id()));
    let chosen = verified.iter().find(|r| {
        allowed_purpose(r)
            .zip(declared.as_deref())
            .is_some_and(|(registered, declared)| canonical(registered) == canonical(declared))
    });
    let status = match chosen {
        Some(registration) => {
            let certificate = &registration.certificate;
            add_findings(document, FindingKind::BeyondRegistration, |d, ns, id| {
                !certificate.covers(d, ns, id)
            });
            RegistrationStatus::Registered {
                organisation: certificate.name.clone(),
                identifier: certificate.sub.clone(),
                registrar: registration.registrar.clone(),
                purpose: certificate.intended_use_id.clone().unwrap_or_default(),
            }
        }
        None => {
            add_findings(document, FindingKind::BeyondRegistration, |_, _, _| true);
            RegistrationStatus::NotRegisteredForPurpose {
                organisation: first.certificate.name.clone(),
                identifier: first.certificate.sub.clone(),
                registrar: first.registrar.clone(),
                declared,
                registered: verified
                    .iter()
                    .filter_map(|r| allowed_purpose(r).map(str::to_owned))
                    .collect(),
            }
        }
    };
    // A verifier whose every known role lacks the entitlement to demand ID.
    let roles: Vec<&policy::Role> = verified
        .iter()
        .flat_map(|r| policy::roles_for(&r.certificate.entitlements))
        .collect();
    let no_entitlement_role = (!roles.is_empty() && roles.iter().all(|r| !r.may_demand_id))
        .then(|| roles.first().map(|r| r.id.clone()))
        .flatten();
    if no_entitlement_role.is_some() {
        add_findings(document, FindingKind::RoleMayNotDemand, |_, _, _| true);
    }
    document.registration = Some(RegistrationVerdict {
        status,
        no_entitlement_role,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_origins() {
        assert_eq!(canonical("benefits"), "benefits_check");
        assert_eq!(canonical("age_over_18"), "age_check");
        assert_eq!(canonical("right_to_work"), "right_to_work");
        assert_eq!(purpose_selector(Some("benefits")), "benefits");
        assert_eq!(purpose_selector(Some("identity_check")), "other");
        assert_eq!(purpose_selector(None), "other");
        assert_eq!(
            origin_of("https://Verifier.Example:8443/cb?x=1"),
            "https://verifier.example:8443"
        );
        assert_eq!(
            origin_of("https://verifier.example"),
            "https://verifier.example"
        );
    }

    #[test]
    fn request_info_values() {
        let info = |v: Value| vec![(REQUEST_INFO_KEY.to_owned(), v)];
        assert_eq!(from_request_info(None), Ok(Vec::new()));
        assert_eq!(
            from_request_info(Some(&info(Value::Bytes(vec![1]))[..])),
            Ok(vec![vec![1]])
        );
        assert!(from_request_info(Some(&info(Value::text("x"))[..])).is_err());
        assert!(from_request_info(Some(&info(Value::Array(Vec::new()))[..])).is_err());
        let many = Value::Array(vec![Value::Bytes(vec![1]); MAX_REGISTRATIONS + 1]);
        assert!(from_request_info(Some(&info(many)[..])).is_err());
    }

    #[test]
    fn verifier_info_entries() {
        use serde_json::json;
        let ok = parse_verifier_info(&json!([
            {"format": "rc-wrp+cwt", "data": "AQI", "credential_ids": ["q"]},
            {"format": "jwt", "data": "eyJ"},
        ]))
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].bytes, vec![1, 2]);
        for bad in [
            json!({}),
            json!([]),
            json!([{"format": "rc-wrp+cwt"}]),
            json!([{"format": 1, "data": "AQI"}]),
            json!([{"format": "rc-wrp+cwt", "data": "!!"}]),
            json!([{"format": "rc-wrp+cwt", "data": "AQI", "credential_ids": []}]),
            json!([{"format": "rc-wrp+cwt", "data": "AQI", "credential_ids": [1]}]),
            json!([{"format": "rc-wrp+cwt", "data": "A".repeat(40_000)}]),
        ] {
            assert!(parse_verifier_info(&bad).is_err(), "{bad}");
        }
        let many: Vec<Json> = (0..=MAX_REGISTRATIONS)
            .map(|_| json!({"format": "rc-wrp+cwt", "data": "AQI"}))
            .collect();
        assert!(parse_verifier_info(&Json::Array(many)).is_err());
    }
}
