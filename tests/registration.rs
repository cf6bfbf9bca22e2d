//! Purpose-bound verifiers: a verifier's registration certificate (ETSI TS 119 475, CWT
//! profile), issued by the test registrar, carried in the ItemsRequest's requestInfo (proximity)
//! or OpenID4VP `verifier_info`, verified by the wallet and shown on the consent object —
//! registered, not registered for the declared purpose, over-asking beyond registration, the
//! police role, tampered / expired / unknown-registrar / someone else's registrations, and bad
//! input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::registrar::{Registrar, Registration};
use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::auth::reader_authentication_bytes;
use mdoc::cbor::{MapRest, Tagged, ToCbor, Value};
use mdoc::clock::FixedClock;
use mdoc::cose::{CoseSign1, Payload};
use mdoc::definitions::{DeviceRequest, DocRequest, Handover, ItemsRequest, SessionTranscript};
use mdoc::profiles::{FindingKind, Purpose, profile};
use mdoc::registry::{ISO_NAMESPACE, UK_DIGITAL_ID};
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use serde_json::json;
use wallet::consent::{ConsentDocument, ConsentRequest};
use wallet::history::RegistrationOutcome;
use wallet::i18n::{Locale, messages};
use wallet::keys::WalletKey;
use wallet::openid4vp::{Channel, OpenId4VpPresentation};
use wallet::presentation::prepare_request;
use wallet::registration::{REQUEST_INFO_KEY, RegistrationStatus, UnverifiedReason};
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);
const ACME_ID: &str = "VATGB-123456789";
const ORIGIN: &str = "https://acme.example";
const EMPLOYER: &str = "urn:uk-digital-id:role:employer";
const POLICE: &str = "urn:uk-digital-id:role:police";

struct Fixture {
    _dir: tempfile::TempDir,
    wallet: Wallet,
    reader: CertifiedKey,
    registrar: Registrar,
}

/// A wallet holding Amelia's UK digital ID, trusting one reader root and one registrar; the
/// reader certificate carries Acme's organizationIdentifier.
fn fixture() -> Fixture {
    fixture_trusting_registrar(true)
}

fn fixture_trusting_registrar(trust_registrar: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let issuer = TestIssuer::new("UK Digital Identity", "GB", NOW).unwrap();
    let start = NOW.plus_days(-30);
    let root =
        CertifiedKey::new_reader_root(&CertificateProfile::new("Reader Root", "GB", start, 3650))
            .unwrap();
    let mut profile = CertificateProfile::new("Acme HR", "GB", start, 365);
    profile.organization = Some("Acme Ltd".to_owned());
    profile.organization_identifier = Some(ACME_ID.to_owned());
    let reader = CertifiedKey::new_reader(&root, &profile).unwrap();
    let registrar = Registrar::new("UK Relying Party Registrar", start).unwrap();
    let key = WalletKey::from_bytes([9; 32]);
    let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key).unwrap();
    let config = WalletConfig {
        issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
        reader_anchors: TrustAnchors::new(vec![root.certificate().clone()]),
        registrar_anchors: if trust_registrar {
            TrustAnchors::new(vec![registrar.root().certificate().clone()])
        } else {
            TrustAnchors::default()
        },
        ..WalletConfig::default()
    };
    let wallet = Wallet::open(
        &dir.path().join("store"),
        &key,
        Arc::new(area),
        config,
        Arc::new(FixedClock(NOW)),
    )
    .unwrap();
    let data = samples::uk_digital_id(&AMELIA, NOW.date());
    let pending = wallet.prepare(&data.doc_type).unwrap();
    let issued = issuer
        .issue(
            &data,
            &pending.device_key,
            &ValidityWindow::starting(NOW.plus_days(-1), 365),
        )
        .unwrap();
    wallet.accept(&pending, &issued.bytes).unwrap();
    Fixture {
        _dir: dir,
        wallet,
        reader,
        registrar,
    }
}

/// The right-to-work profile's elements for the UK digital ID: (namespace, id, retain).
fn right_to_work() -> Vec<(String, String, bool)> {
    profile(Purpose::RightToWork).request_elements(UK_DIGITAL_ID)
}

/// A registration for Acme in `role` for `purpose`, covering `elements`.
fn registration_for(
    purpose: &str,
    role: &str,
    elements: &[(String, String, bool)],
) -> Registration {
    Registration {
        name: "Acme Ltd".to_owned(),
        identifier: ACME_ID.to_owned(),
        purpose: purpose.to_owned(),
        purpose_text: format!("{purpose} checks"),
        roles: vec![role.to_owned()],
        elements: vec![(
            UK_DIGITAL_ID.to_owned(),
            elements
                .iter()
                .map(|(ns, id, _)| (ns.clone(), id.clone()))
                .collect(),
        )],
        origins: vec![ORIGIN.to_owned()],
        issued_at: NOW.plus_days(-10),
        days: 365,
    }
}

fn transcript() -> SessionTranscript {
    SessionTranscript {
        device_engagement: None,
        e_reader_key: None,
        handover: Handover::Qr,
    }
}

/// A DeviceRequest for `elements` with requestInfo `purpose` and `registration` (any CBOR
/// value), signed by `reader` when given.
fn request(
    reader: Option<&CertifiedKey>,
    elements: &[(String, String, bool)],
    purpose: Option<&str>,
    registration: Option<Value>,
) -> DeviceRequest {
    let mut name_spaces: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for (ns, id, retain) in elements {
        match name_spaces.iter_mut().find(|(n, _)| n == ns) {
            Some((_, ids)) => ids.push((id.clone(), *retain)),
            None => name_spaces.push((ns.clone(), vec![(id.clone(), *retain)])),
        }
    }
    let mut items = ItemsRequest::new(UK_DIGITAL_ID, name_spaces);
    let mut info = Vec::new();
    if let Some(purpose) = purpose {
        info.push(("purpose".to_owned(), Value::text(purpose)));
    }
    if let Some(registration) = registration {
        info.push((REQUEST_INFO_KEY.to_owned(), registration));
    }
    items.request_info = (!info.is_empty()).then_some(info);
    let items_request = Tagged::new(items);
    let reader_auth = reader.map(|reader| {
        let payload =
            reader_authentication_bytes(&transcript().to_cbor(), items_request.embedded());
        CoseSign1::sign(
            reader.signing_key(),
            payload.encoded(),
            Payload::Detached,
            &[reader.certificate().der().to_vec()],
        )
        .unwrap()
        .to_cbor()
    });
    DeviceRequest::new(vec![DocRequest {
        items_request,
        reader_auth,
        rest: MapRest::default(),
    }])
}

fn consent_for(f: &Fixture, request: &DeviceRequest) -> ConsentRequest {
    prepare_request(&f.wallet, request, &transcript())
        .unwrap()
        .consent()
        .clone()
}

fn kinds(document: &ConsentDocument, identifier: &str) -> Vec<FindingKind> {
    document
        .elements
        .iter()
        .find(|e| e.identifier == identifier)
        .unwrap()
        .findings
        .iter()
        .map(|f| f.kind)
        .collect()
}

fn flagged_beyond_registration(document: &ConsentDocument) -> Vec<&str> {
    document
        .elements
        .iter()
        .filter(|e| {
            e.findings
                .iter()
                .any(|f| f.kind == FindingKind::BeyondRegistration)
        })
        .map(|e| e.identifier.as_str())
        .collect()
}

fn text(consent: &ConsentRequest, locale: Locale) -> String {
    consent.accessible(locale).to_text()
}

#[test]
fn a_registered_employer_is_shown_as_registered_and_nothing_is_flagged() {
    let f = fixture();
    let elements = right_to_work();
    let registration = f
        .registrar
        .issue(&registration_for("right_to_work", EMPLOYER, &elements))
        .unwrap();
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &elements,
            Some("right_to_work"),
            Some(Value::Bytes(registration)),
        ),
    );
    let document = &consent.documents[0];
    let verdict = document.registration.as_ref().unwrap();
    assert_eq!(
        verdict.status,
        RegistrationStatus::Registered {
            organisation: "Acme Ltd".to_owned(),
            identifier: ACME_ID.to_owned(),
            registrar: "UK Relying Party Registrar Root".to_owned(),
            purpose: "right_to_work".to_owned(),
        }
    );
    assert_eq!(verdict.no_entitlement_role, None);
    assert!(flagged_beyond_registration(document).is_empty());
    // The profile's own elements are pre-selected as before.
    let recommended = consent.recommended_selection();
    assert!(recommended.contains(UK_DIGITAL_ID, UK_DIGITAL_ID, "right_to_work"));
    let en = text(&consent, Locale::English);
    assert!(
        en.contains(
            "Acme Ltd is registered with UK Relying Party Registrar Root to check your right to work."
        ),
        "{en}"
    );
    let cy = text(&consent, Locale::Welsh);
    assert!(cy.contains("wedi'i gofrestru gyda"), "{cy}");
    assert!(cy.contains("i wirio eich hawl i weithio"), "{cy}");
}

#[test]
fn over_asking_beyond_registration_is_flagged_apart_from_the_purpose_profile() {
    let f = fixture();
    let elements = right_to_work();
    // Registered for the right-to-work check, but without the portrait.
    let registered: Vec<_> = elements
        .iter()
        .filter(|(_, id, _)| id != "portrait")
        .cloned()
        .collect();
    let registration = f
        .registrar
        .issue(&registration_for("right_to_work", EMPLOYER, &registered))
        .unwrap();
    // The request also asks for the address, which the purpose profile excludes.
    let mut asked = elements.clone();
    asked.push((
        ISO_NAMESPACE.to_owned(),
        "resident_address".to_owned(),
        true,
    ));
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &asked,
            Some("right_to_work"),
            Some(Value::Bytes(registration)),
        ),
    );
    let document = &consent.documents[0];
    assert!(matches!(
        document.registration.as_ref().unwrap().status,
        RegistrationStatus::Registered { .. }
    ));
    let mut flagged = flagged_beyond_registration(document);
    flagged.sort_unstable();
    assert_eq!(flagged, ["portrait", "resident_address"]);
    // The portrait is within the purpose profile: only the registration finding.
    assert_eq!(
        kinds(document, "portrait"),
        [FindingKind::BeyondRegistration]
    );
    // The address is beyond both: two distinct findings.
    let address = kinds(document, "resident_address");
    assert!(address.contains(&FindingKind::BeyondRegistration));
    assert!(address.contains(&FindingKind::ExplicitlyExcluded));
    // Never pre-selected.
    let recommended = consent.recommended_selection();
    assert!(!recommended.contains(UK_DIGITAL_ID, ISO_NAMESPACE, "portrait"));
    assert!(!recommended.contains(UK_DIGITAL_ID, ISO_NAMESPACE, "resident_address"));
    assert!(recommended.contains(UK_DIGITAL_ID, ISO_NAMESPACE, "family_name"));
    // In words, in both languages.
    let en = text(&consent, Locale::English);
    assert!(
        en.contains("This organisation is not registered to ask for this."),
        "{en}"
    );
    let cy = messages(Locale::Welsh).finding(
        UK_DIGITAL_ID,
        Some(Purpose::RightToWork),
        &document
            .elements
            .iter()
            .find(|e| e.identifier == "portrait")
            .unwrap()
            .findings[0],
    );
    assert_eq!(cy, "Nid yw'r sefydliad hwn wedi'i gofrestru i ofyn am hyn.");
}

#[test]
fn a_verifier_not_registered_for_its_declared_purpose_is_shown_in_plain_words() {
    let f = fixture();
    let elements = right_to_work();
    // Registered only for age checks, it declares a right-to-work check.
    let age = vec![(ISO_NAMESPACE.to_owned(), "age_over_18".to_owned(), false)];
    let registration = f
        .registrar
        .issue(&registration_for(
            "age_check",
            "urn:uk-digital-id:role:age-restricted-seller",
            &age,
        ))
        .unwrap();
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &elements,
            Some("right_to_work"),
            Some(Value::Bytes(registration)),
        ),
    );
    let document = &consent.documents[0];
    match &document.registration.as_ref().unwrap().status {
        RegistrationStatus::NotRegisteredForPurpose {
            declared,
            registered,
            organisation,
            ..
        } => {
            assert_eq!(declared.as_deref(), Some("right_to_work"));
            assert_eq!(registered, &["age_check"]);
            assert_eq!(organisation, "Acme Ltd");
        }
        other => panic!("{other:?}"),
    }
    // Every element is beyond the (missing) registration and none is pre-selected.
    assert_eq!(
        flagged_beyond_registration(document).len(),
        document.elements.len()
    );
    assert!(consent.recommended_selection().approved.is_empty());
    let en = text(&consent, Locale::English);
    assert!(
        en.contains("This organisation is not registered to check your right to work."),
        "{en}"
    );
    let cy = text(&consent, Locale::Welsh);
    assert!(
        cy.contains("Nid yw'r sefydliad hwn wedi'i gofrestru i wirio eich hawl i weithio."),
        "{cy}"
    );
    // An employer registration does not cover a benefits check either.
    let employer = f
        .registrar
        .issue(&registration_for("right_to_work", EMPLOYER, &elements))
        .unwrap();
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &elements,
            Some("benefits"),
            Some(Value::Bytes(employer)),
        ),
    );
    assert!(
        text(&consent, Locale::English)
            .contains("This organisation is not registered to check your benefits entitlement.")
    );
    // A registration whose role may not cover the purpose does not count: an employer
    // "registered" for benefits checks.
    let odd = f
        .registrar
        .issue(&registration_for("benefits_check", EMPLOYER, &elements))
        .unwrap();
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &elements,
            Some("benefits"),
            Some(Value::Bytes(odd)),
        ),
    );
    assert!(matches!(
        consent.documents[0].registration.as_ref().unwrap().status,
        RegistrationStatus::NotRegisteredForPurpose { ref registered, .. } if registered.is_empty()
    ));
}

#[test]
fn a_police_registration_is_told_it_may_not_demand_and_the_citizen_need_not_share() {
    let f = fixture();
    let asked: Vec<_> = right_to_work()
        .into_iter()
        .filter(|(_, id, _)| {
            ["family_name", "given_name", "birth_date", "portrait"].contains(&id.as_str())
        })
        .collect();
    let registration = f
        .registrar
        .issue(&registration_for("identity_check", POLICE, &asked))
        .unwrap();
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &asked,
            Some("identity_check"),
            Some(Value::Bytes(registration)),
        ),
    );
    let document = &consent.documents[0];
    let verdict = document.registration.as_ref().unwrap();
    assert!(matches!(
        verdict.status,
        RegistrationStatus::Registered { .. }
    ));
    assert_eq!(verdict.no_entitlement_role.as_deref(), Some("police"));
    for element in &document.elements {
        assert!(
            element
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::RoleMayNotDemand),
            "{}",
            element.identifier
        );
    }
    assert!(consent.recommended_selection().approved.is_empty());
    let en = text(&consent, Locale::English);
    assert!(
        en.contains(
            "Acme Ltd is registered as the police, who have no power to demand your digital ID. You do not have to share anything."
        ),
        "{en}"
    );
    let cy = text(&consent, Locale::Welsh);
    assert!(cy.contains("fel yr heddlu"), "{cy}");
    assert!(cy.contains("Nid oes rhaid i chi rannu dim."), "{cy}");
    // The citizen may still choose to share: an approved subset is disclosed as usual.
    let prepared = prepare_request(
        &f.wallet,
        &request(
            Some(&f.reader),
            &asked,
            Some("identity_check"),
            Some(Value::Bytes(
                f.registrar
                    .issue(&registration_for("identity_check", POLICE, &asked))
                    .unwrap(),
            )),
        ),
        &transcript(),
    )
    .unwrap();
    let response = wallet::presentation::respond(
        &f.wallet,
        &prepared,
        &prepared.consent().everything_held(),
        None,
    )
    .unwrap();
    assert_eq!(response.documents.unwrap_or_default().len(), 1);
}

/// The verdict for a request carrying `registration` (signed by the trusted reader).
fn verdict_of(f: &Fixture, registration: Value) -> (RegistrationStatus, ConsentRequest) {
    let consent = consent_for(
        f,
        &request(
            Some(&f.reader),
            &right_to_work(),
            Some("right_to_work"),
            Some(registration),
        ),
    );
    (
        consent.documents[0].registration.clone().unwrap().status,
        consent,
    )
}

fn assert_unverified(f: &Fixture, registration: Value, reason_contains: &str) {
    let (status, consent) = verdict_of(f, registration);
    match &status {
        RegistrationStatus::Unverified { reason, .. } => {
            assert!(reason.contains(reason_contains), "{reason}")
        }
        other => panic!("shown as {other:?}"),
    }
    // Never shown as registered; no registration findings are invented from it.
    assert!(flagged_beyond_registration(&consent.documents[0]).is_empty());
    let en = text(&consent, Locale::English);
    assert!(en.contains("could not be checked"), "{en}");
    assert!(en.contains("Treat it as not registered."), "{en}");
    assert!(!en.contains("is registered with"), "{en}");
}

#[test]
fn tampered_expired_unknown_registrar_and_someone_elses_registrations_are_unverified() {
    let f = fixture();
    let elements = right_to_work();
    let good = f
        .registrar
        .issue(&registration_for("right_to_work", EMPLOYER, &elements))
        .unwrap();
    // Tampered: one byte of the organisation name in the signed payload changed.
    let at = good.windows(8).position(|w| w == b"Acme Ltd").unwrap();
    let mut tampered = good.clone();
    tampered[at] = b'X';
    assert_unverified(&f, Value::Bytes(tampered), "signature");
    // Expired: issued 400 days ago for a year.
    let mut old = registration_for("right_to_work", EMPLOYER, &elements);
    old.issued_at = NOW.plus_days(-400);
    assert_unverified(
        &f,
        Value::Bytes(f.registrar.issue(&old).unwrap()),
        "expired",
    );
    // Not yet valid.
    let mut future = registration_for("right_to_work", EMPLOYER, &elements);
    future.issued_at = NOW.plus_days(2);
    assert_unverified(
        &f,
        Value::Bytes(f.registrar.issue(&future).unwrap()),
        "not yet valid",
    );
    // Longer than 12 months.
    let mut long = registration_for("right_to_work", EMPLOYER, &elements);
    long.days = 800;
    assert_unverified(
        &f,
        Value::Bytes(f.registrar.issue(&long).unwrap()),
        "12 months",
    );
    // Unknown registrar: a registrar the wallet was not configured with.
    let rogue = Registrar::new("Rogue Registrar", NOW.plus_days(-30)).unwrap();
    assert_unverified(
        &f,
        Value::Bytes(
            rogue
                .issue(&registration_for("right_to_work", EMPLOYER, &elements))
                .unwrap(),
        ),
        "registrar certificate",
    );
    // A genuine registration of another organisation, replayed by this reader.
    let mut other = registration_for("right_to_work", EMPLOYER, &elements);
    other.identifier = "VATGB-999999999".to_owned();
    assert_unverified(
        &f,
        Value::Bytes(f.registrar.issue(&other).unwrap()),
        "not issued to the organisation asking",
    );
    // The good one, sent by a reader that did not authenticate, cannot be bound either.
    let consent = consent_for(
        &f,
        &request(
            None,
            &elements,
            Some("right_to_work"),
            Some(Value::Bytes(good.clone())),
        ),
    );
    assert!(matches!(
        consent.documents[0].registration.as_ref().unwrap().status,
        RegistrationStatus::Unverified { .. }
    ));
    // The untouched registration, from the authenticated reader, verifies.
    let (status, _) = verdict_of(&f, Value::Bytes(good));
    assert!(matches!(status, RegistrationStatus::Registered { .. }));
}

#[test]
fn a_wallet_configured_with_no_registrar_trusts_no_registration() {
    let f = fixture_trusting_registrar(false);
    let registration = f
        .registrar
        .issue(&registration_for(
            "right_to_work",
            EMPLOYER,
            &right_to_work(),
        ))
        .unwrap();
    assert_unverified(&f, Value::Bytes(registration), "registrar certificate");
}

#[test]
fn bad_registration_input_is_refused_as_unverified_without_failing_the_request() {
    let f = fixture();
    for bad in [
        Value::text("not bytes"),
        Value::Array(Vec::new()),
        Value::Array(vec![Value::Bytes(vec![0xa0]); 9]),
        Value::Bytes(Vec::new()),
        Value::Bytes(vec![0xff; 64]),
        Value::Bytes(vec![0x84, 0x40, 0xa0, 0x40, 0x40]),
        Value::Bytes(vec![0u8; mdoc::registration::MAX_REGISTRATION_LEN + 1]),
        Value::Map(Vec::new()),
    ] {
        let (status, consent) = verdict_of(&f, bad.clone());
        assert!(
            matches!(status, RegistrationStatus::Unverified { .. }),
            "{bad:?}: {status:?}"
        );
        assert!(flagged_beyond_registration(&consent.documents[0]).is_empty());
    }
    // Without a registration the consent is as before: no verdict.
    let consent = consent_for(
        &f,
        &request(
            Some(&f.reader),
            &right_to_work(),
            Some("right_to_work"),
            None,
        ),
    );
    assert_eq!(consent.documents[0].registration, None);
}

/// An unencrypted OpenID4VP request over the DC API for the right-to-work elements, with
/// `verifier_info` when given.
fn openid4vp_request(
    elements: &[(String, String, bool)],
    verifier_info: Option<serde_json::Value>,
) -> String {
    let claims: Vec<_> = elements
        .iter()
        .map(|(ns, id, retain)| json!({"path": [ns, id], "intent_to_retain": retain}))
        .collect();
    let mut request = json!({
        "response_type": "vp_token",
        "response_mode": "dc_api",
        "nonce": "n-0S6_WzA2Mj",
        "dcql_query": {"credentials": [{
            "id": "ukid",
            "format": "mso_mdoc",
            "meta": {"doctype_value": UK_DIGITAL_ID},
            "claims": claims,
        }]},
    });
    if let Some(info) = verifier_info {
        request["verifier_info"] = info;
    }
    request.to_string()
}

fn entry(bytes: &[u8]) -> serde_json::Value {
    json!({"format": "rc-wrp+cwt", "data": mdoc::base64url::encode(bytes), "credential_ids": ["ukid"]})
}

#[test]
fn over_openid4vp_verifier_info_is_verified_bound_to_the_origin_and_shown() {
    let f = fixture();
    let elements = right_to_work();
    let registered: Vec<_> = elements
        .iter()
        .filter(|(_, id, _)| id != "portrait")
        .cloned()
        .collect();
    let bytes = f
        .registrar
        .issue(&registration_for("right_to_work", EMPLOYER, &registered))
        .unwrap();
    let channel = Channel::DcApi { origin: ORIGIN };
    let presentation = OpenId4VpPresentation::from_request(
        &f.wallet,
        &openid4vp_request(&elements, Some(json!([entry(&bytes)]))),
        channel,
    )
    .unwrap();
    let consent = presentation.consent();
    let document = &consent.documents[0];
    assert!(matches!(
        document.registration.as_ref().unwrap().status,
        RegistrationStatus::Registered { ref purpose, .. } if purpose == "right_to_work"
    ));
    assert_eq!(flagged_beyond_registration(document), ["portrait"]);
    assert!(
        !consent
            .recommended_selection()
            .contains(UK_DIGITAL_ID, ISO_NAMESPACE, "portrait")
    );
    presentation.cancel();

    // The same registration from another origin is not bound: unverified.
    let elsewhere = OpenId4VpPresentation::from_request(
        &f.wallet,
        &openid4vp_request(&elements, Some(json!([entry(&bytes)]))),
        Channel::DcApi {
            origin: "https://phish.example",
        },
    )
    .unwrap();
    assert!(matches!(
        elsewhere.consent().documents[0]
            .registration
            .as_ref()
            .unwrap()
            .status,
        RegistrationStatus::Unverified { .. }
    ));
    elsewhere.cancel();

    // An entry for another credential query does not apply; one of another format is ignored.
    let unrelated = OpenId4VpPresentation::from_request(
        &f.wallet,
        &openid4vp_request(
            &elements,
            Some(json!([
                {"format": "rc-wrp+cwt", "data": mdoc::base64url::encode(&bytes), "credential_ids": ["other"]},
                {"format": "jwt", "data": "eyJhbGciOiJub25lIn0"},
            ])),
        ),
        channel,
    )
    .unwrap();
    assert_eq!(unrelated.consent().documents[0].registration, None);
    unrelated.cancel();

    // A police registration over OpenID4VP: told it may not demand.
    let police = f
        .registrar
        .issue(&registration_for("identity_check", POLICE, &elements))
        .unwrap();
    let presentation = OpenId4VpPresentation::from_request(
        &f.wallet,
        &openid4vp_request(&elements, Some(json!([entry(&police)]))),
        channel,
    )
    .unwrap();
    let verdict = presentation.consent().documents[0]
        .registration
        .clone()
        .unwrap();
    assert_eq!(verdict.no_entitlement_role.as_deref(), Some("police"));
    assert!(
        presentation
            .consent()
            .recommended_selection()
            .approved
            .is_empty()
    );
    presentation.cancel();

    // Tampered data over OpenID4VP: unverified.
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let presentation = OpenId4VpPresentation::from_request(
        &f.wallet,
        &openid4vp_request(&elements, Some(json!([entry(&tampered)]))),
        channel,
    )
    .unwrap();
    assert!(matches!(
        presentation.consent().documents[0]
            .registration
            .as_ref()
            .unwrap()
            .status,
        RegistrationStatus::Unverified { .. }
    ));
    presentation.cancel();

    // The history records each verdict as shown (newest first), in sentences in English and
    // Welsh and in the export: the verifier's registered name and purposes, nothing of the
    // citizen's.
    let page = f
        .wallet
        .history(&wallet::history::HistoryFilter::default(), 0, 50)
        .unwrap();
    // The oldest entry is the issuance of the fixture's credential, with no registration.
    assert_eq!(page.entries.len(), 6);
    assert_eq!(page.entries[5].channel, wallet::history::Channel::Issuance);
    assert_eq!(page.entries[5].documents[0].registration, None);
    let records: Vec<_> = page.entries[..5]
        .iter()
        .map(|e| e.documents[0].registration.clone())
        .collect();
    assert_eq!(records.len(), 5);
    let [tampered, police, none, elsewhere, registered] = records.try_into().unwrap();
    let registered = registered.unwrap();
    assert_eq!(registered.status, RegistrationOutcome::Registered);
    assert_eq!(registered.organisation.as_deref(), Some("Acme Ltd"));
    assert_eq!(registered.identifier.as_deref(), Some(ACME_ID));
    assert_eq!(
        registered.registrar.as_deref(),
        Some("UK Relying Party Registrar Root")
    );
    assert_eq!(registered.purposes, ["right_to_work"]);
    assert_eq!(registered.reason, None);
    let elsewhere = elsewhere.unwrap();
    assert_eq!(elsewhere.status, RegistrationOutcome::Unverified);
    assert_eq!(
        elsewhere.reason,
        Some(UnverifiedReason::NotIssuedToVerifier)
    );
    assert_eq!(elsewhere.organisation, None);
    assert_eq!(none, None);
    let police = police.unwrap();
    assert_eq!(police.status, RegistrationOutcome::Registered);
    assert_eq!(police.no_entitlement_role.as_deref(), Some("police"));
    let tampered = tampered.unwrap();
    assert_eq!(tampered.reason, Some(UnverifiedReason::Tampered));

    let en = messages(Locale::English);
    let cy = messages(Locale::Welsh);
    let sentence =
        |locale: &wallet::i18n::Messages, i: usize| locale.history_entry(&page.entries[i]);
    let s = sentence(en, 4);
    assert!(
        s.ends_with(
            "Acme Ltd was registered with UK Relying Party Registrar Root to check your right to work."
        ),
        "{s}"
    );
    let s = sentence(cy, 4);
    assert!(
        s.ends_with(
            "Roedd Acme Ltd wedi'i gofrestru gyda UK Relying Party Registrar Root i wirio eich hawl i weithio."
        ),
        "{s}"
    );
    let s = sentence(en, 3);
    assert!(
        s.ends_with(
            "sent a registration that could not be checked: it was issued to another organisation."
        ),
        "{s}"
    );
    assert!(sentence(cy, 3).ends_with("roedd wedi'i gyhoeddi i sefydliad arall."));
    assert!(!sentence(en, 2).contains("regist"));
    let s = sentence(en, 1);
    assert!(
        s.ends_with(
            "Acme Ltd was registered as the police, who have no power to demand your digital ID."
        ),
        "{s}"
    );
    assert!(sentence(cy, 1).contains("fel yr heddlu, sydd heb bŵer i fynnu eich ID digidol."));
    assert!(sentence(en, 0).ends_with("could not be checked: it had been altered."));
    assert!(sentence(cy, 0).ends_with("roedd wedi'i newid."));

    let export: serde_json::Value =
        serde_json::from_str(&f.wallet.export_history().unwrap()).unwrap();
    let entries = export["entries"].as_array().unwrap();
    assert_eq!(
        entries[4]["documents"][0]["registration"],
        json!({
            "status": "registered",
            "organisation": "Acme Ltd",
            "identifier": ACME_ID,
            "registrar": "UK Relying Party Registrar Root",
            "purposes": ["right_to_work"],
        })
    );
    assert_eq!(
        entries[3]["documents"][0]["registration"],
        json!({"status": "unverified", "reason": "not_issued_to_verifier"})
    );
    assert!(entries[2]["documents"][0].get("registration").is_none());
    assert_eq!(
        entries[1]["documents"][0]["registration"]["no_entitlement_role"],
        "police"
    );
    assert_eq!(
        entries[0]["documents"][0]["registration"]["reason"],
        "tampered"
    );
}

#[test]
fn malformed_verifier_info_refuses_the_openid4vp_request() {
    let f = fixture();
    let elements = right_to_work();
    for bad in [
        json!("a string"),
        json!([]),
        json!([{"format": "rc-wrp+cwt"}]),
        json!([{"format": "rc-wrp+cwt", "data": "***"}]),
        json!([{"format": "rc-wrp+cwt", "data": "AA", "credential_ids": "ukid"}]),
    ] {
        let refused = OpenId4VpPresentation::from_request(
            &f.wallet,
            &openid4vp_request(&elements, Some(bad.clone())),
            Channel::DcApi { origin: ORIGIN },
        );
        assert!(refused.is_err(), "{bad}");
    }
}

/// The fuzz seeds (`crates/mdoc/src/registration/testdata/*.hex`, read by `cargo xtask fuzz`)
/// are registration certificates of the test registrar: they open, and say what they should.
/// Regenerate them with `REGISTRATION_WRITE_SEEDS=1 cargo test --test registration seed`.
#[test]
fn seed_files_are_test_registrar_registrations() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/mdoc/src/registration/testdata");
    let seeds = [
        (
            "registration_right_to_work.hex",
            registration_for("right_to_work", EMPLOYER, &right_to_work()),
        ),
        (
            "registration_police.hex",
            registration_for("identity_check", POLICE, &right_to_work()[..4]),
        ),
    ];
    if std::env::var_os("REGISTRATION_WRITE_SEEDS").is_some() {
        let registrar = Registrar::new("UK Relying Party Registrar", NOW.plus_days(-30)).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        for (name, registration) in &seeds {
            let bytes = registrar.issue(registration).unwrap();
            let lines: Vec<String> = bytes.chunks(32).map(hex::encode).collect();
            let text = format!(
                "# A registration certificate (ETSI TS 119 475, CWT) made by this project's test\n\
                 # registrar (issuer::registrar, tests/registration.rs); not a published vector.\n{}\n",
                lines.join("\n")
            );
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, registration) in &seeds {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let hex: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.chars().filter(char::is_ascii_hexdigit))
            .collect();
        let opened = mdoc::registration::open(&hex::decode(hex).unwrap()).unwrap();
        assert_eq!(opened.certificate, registration.certificate(), "{name}");
    }
}
