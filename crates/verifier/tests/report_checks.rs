//! The verifier's report: issuing country against the certificates, the MSO `signed` date,
//! completeness apart from authenticity, and error messages that name what failed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples::{self, AMELIA, TOMASZ};
use issuer::{CredentialData, IssuedCredential, ValidityWindow, issue_credential};
use mdoc::auth::device_authentication_bytes;
use mdoc::cbor::{MapRest, Tagged, ToCbor, Value};
use mdoc::cose::{CoseKey, CoseSign1, Payload};
use mdoc::definitions::{
    DeviceAuth, DeviceNameSpacesMap, DeviceResponse, DeviceSigned, Document, Handover,
    IssuerSigned, SessionTranscript,
};
use mdoc::time::Timestamp;
use mdoc::verify::CheckName;
use mdoc::x509::TrustAnchors;
use p256::ecdsa::SigningKey;
use verifier::{
    DocumentRequest, VerificationContext, VerificationReport, verify_authenticity, verify_response,
};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);
const ISO: &str = "org.iso.18013.5.1";

/// An IACA and a document signer under it, with the given subject countries and DS state.
struct Authority {
    iaca: CertifiedKey,
    ds: CertifiedKey,
}

impl Authority {
    fn new(iaca_country: &str, ds_country: &str, ds_state: Option<&str>) -> Self {
        let start = NOW.plus_days(-365);
        let iaca = CertifiedKey::new_iaca(&CertificateProfile::new(
            "Test IACA",
            iaca_country,
            start,
            3650,
        ))
        .unwrap();
        let mut profile = CertificateProfile::new("Test Document Signer", ds_country, start, 1000);
        profile.state = ds_state.map(str::to_owned);
        let ds = CertifiedKey::new_document_signer(&iaca, &profile).unwrap();
        Authority { iaca, ds }
    }

    fn anchors(&self) -> TrustAnchors {
        TrustAnchors::new(vec![self.iaca.certificate().clone()])
    }

    fn issue(
        &self,
        data: &CredentialData,
        device: &SigningKey,
        window: &ValidityWindow,
    ) -> IssuedCredential {
        let key = CoseKey::new(p256::PublicKey::from(device.verifying_key()));
        issue_credential(&self.ds, data, &key, window).unwrap()
    }
}

fn transcript() -> SessionTranscript {
    SessionTranscript {
        device_engagement: None,
        e_reader_key: None,
        handover: Handover::Other(Value::text("report-checks test")),
    }
}

/// The device's presentation of the issued items `keep` selects, signed over `transcript()`.
fn present(
    issued: &IssuedCredential,
    device: &SigningKey,
    keep: impl Fn(&str, &str) -> bool,
) -> DeviceResponse {
    let mut issuer_signed: IssuerSigned = issued.issuer_signed.clone();
    if let Some(name_spaces) = &mut issuer_signed.name_spaces {
        for (ns, items) in name_spaces.iter_mut() {
            items.retain(|item| keep(ns, &item.element_identifier));
        }
        name_spaces.retain(|(_, items)| !items.is_empty());
    }
    let name_spaces = Tagged::new(DeviceNameSpacesMap::default());
    let payload = device_authentication_bytes(
        &transcript().to_cbor(),
        &issued.doc_type,
        name_spaces.embedded(),
    );
    let signature = CoseSign1::sign(device, payload.encoded(), Payload::Detached, &[]).unwrap();
    DeviceResponse::new(
        vec![Document {
            doc_type: issued.doc_type.clone(),
            issuer_signed,
            device_signed: DeviceSigned {
                name_spaces,
                device_auth: DeviceAuth::Signature(signature.to_cbor()),
                rest: MapRest::default(),
            },
            errors: None,
            rest: MapRest::default(),
        }],
        vec![],
    )
}

fn verify(
    authority: &Authority,
    response: &DeviceResponse,
    request: &DocumentRequest,
) -> VerificationReport {
    verify_response(
        response,
        &VerificationContext {
            transcript: transcript(),
            requests: Some(vec![request.items_request()]),
            issuer_anchors: authority.anchors(),
            now: NOW,
            e_reader_key: None,
        },
    )
}

fn window() -> ValidityWindow {
    ValidityWindow::starting(NOW.plus_days(-1), 365)
}

fn device() -> SigningKey {
    SigningKey::from(mdoc::rng::new_p256_secret_key())
}

fn request(doc_type: &str, ns: &str, ids: &[&str]) -> DocumentRequest {
    let elements: Vec<(&str, &str, bool)> = ids.iter().map(|id| (ns, *id, false)).collect();
    DocumentRequest::custom(doc_type, &elements)
}

fn failure(report: &VerificationReport) -> (String, String) {
    let check = report.documents[0].failure().expect("a failed check");
    let reason = match &check.outcome {
        mdoc::verify::Outcome::Failed(reason) => reason.clone(),
        other => panic!("not a failure: {other:?}"),
    };
    (check.name.description().to_owned(), reason)
}

fn uk_request(ids: &[&str]) -> DocumentRequest {
    request(samples::UK_DIGITAL_ID, ISO, ids)
}

/// A genuine GB UK digital ID with everything asked disclosed verifies (the control case).
#[test]
fn a_matching_issuing_country_verifies() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let ids = ["family_name", "issuing_country"];
    let report = verify(
        &gb,
        &present(&issued, &device, |_, id| ids.contains(&id)),
        &uk_request(&ids),
    );
    assert!(
        report.verified(),
        "{}",
        report.render(|_, n, i| format!("{n}/{i}"))
    );
}

/// Review item 8: an EU PID saying issuing_country "PL" under a GB IACA must not verify.
#[test]
fn an_issuing_country_other_than_the_signers_fails() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(&samples::eu_pid(&TOMASZ, NOW.date()), &device, &window());
    let ids = ["family_name", "issuing_country"];
    let report = verify(
        &gb,
        &present(&issued, &device, |_, id| ids.contains(&id)),
        &request(samples::EU_PID, samples::EU_PID, &ids),
    );
    assert!(!report.verified());
    let (check, reason) = failure(&report);
    assert_eq!(check, "Issuing country matches the issuer's certificates");
    assert!(
        reason.contains("eu.europa.ec.eudi.pid.1/issuing_country"),
        "{reason}"
    );
    assert!(!reason.contains("Kowalski"));
}

/// Review item 8: a document signer of another country than its IACA is refused even when
/// issuing_country is not disclosed.
#[test]
fn a_document_signer_of_another_country_than_its_iaca_fails() {
    let mixed = Authority::new("GB", "FR", None);
    let device = device();
    let issued = mixed.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let report = verify(
        &mixed,
        &present(&issued, &device, |_, id| id == "family_name"),
        &uk_request(&["family_name"]),
    );
    assert!(!report.verified());
    // The Annex B chain profile refuses the mismatch first (the DS's countryName must be the
    // IACA's); the issuing-country check would refuse it too.
    let (check, reason) = failure(&report);
    assert_eq!(check, "Issuer certificate chains to a trusted authority");
    assert!(reason.contains("countryName or not the IACA's"), "{reason}");
}

/// issuing_jurisdiction must lie in the country and equal the DS stateOrProvinceName.
#[test]
fn issuing_jurisdiction_is_compared_with_the_signers_state() {
    let device = device();
    let mut data = samples::uk_digital_id(&AMELIA, NOW.date());
    data.name_spaces[0]
        .1
        .push(("issuing_jurisdiction".to_owned(), Value::text("GB-WLS")));
    let ids = ["issuing_jurisdiction"];
    let asked = uk_request(&ids);
    for (state, verifies) in [
        (Some("GB-WLS"), true),
        (Some("GB-SCT"), false),
        (None, true),
    ] {
        let authority = Authority::new("GB", "GB", state);
        let issued = authority.issue(&data, &device, &window());
        let report = verify(
            &authority,
            &present(&issued, &device, |_, id| ids.contains(&id)),
            &asked,
        );
        assert_eq!(report.verified(), verifies, "{state:?}");
    }
    let mut elsewhere = data.clone();
    elsewhere.name_spaces[0].1.last_mut().unwrap().1 = Value::text("FR-75");
    let gb = Authority::new("GB", "GB", None);
    let issued = gb.issue(&elsewhere, &device, &window());
    let report = verify(
        &gb,
        &present(&issued, &device, |_, id| ids.contains(&id)),
        &asked,
    );
    assert!(!report.verified());
}

/// Not disclosing issuing_country is not a failure: the certificates' agreed country stands for
/// it, and the check says so.
#[test]
fn an_undisclosed_issuing_country_passes_with_a_note() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(&samples::eu_pid(&TOMASZ, NOW.date()), &device, &window());
    let report = verify(
        &gb,
        &present(&issued, &device, |_, id| id == "family_name"),
        &request(samples::EU_PID, samples::EU_PID, &["family_name"]),
    );
    assert!(report.verified());
    let check = report.documents[0]
        .checks
        .iter()
        .find(|c| c.name == mdoc::verify::CheckName::IssuingCountry)
        .unwrap();
    assert!(matches!(&check.outcome, mdoc::verify::Outcome::PassedWithNote(n) if n.contains("GB")));
}

/// Review item 9: an MSO signed in the future, after its validFrom, or before the document
/// signer certificate was valid does not verify.
#[test]
fn implausible_signed_dates_fail() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let data = samples::uk_digital_id(&AMELIA, NOW.date());
    let asked = uk_request(&["family_name"]);
    let cases = [
        ("in the future", NOW.plus_days(2), NOW.plus_days(-1)),
        ("after its validFrom", NOW.plus_days(-1), NOW.plus_days(-2)),
        (
            "outside the document signer",
            NOW.plus_days(-400),
            NOW.plus_days(-1),
        ),
    ];
    for (why, signed, valid_from) in cases {
        let window = ValidityWindow {
            signed,
            valid_from,
            valid_until: NOW.plus_days(300),
            expected_update: None,
        };
        let issued = gb.issue(&data, &device, &window);
        let report = verify(
            &gb,
            &present(&issued, &device, |_, id| id == "family_name"),
            &asked,
        );
        assert!(!report.verified(), "{why}");
        let (_, reason) = failure(&report);
        assert!(reason.contains(why), "{why}: {reason}");
    }
}

/// Review item 10: stripping every IssuerSigned item leaves an authentic but incomplete
/// answer, which is not VERIFIED; the report names what is missing.
#[test]
fn an_answer_without_the_requested_elements_is_not_verified() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let asked = uk_request(&["family_name", "portrait"]);
    let stripped = verify(&gb, &present(&issued, &device, |_, _| false), &asked);
    assert!(!stripped.verified());
    assert!(stripped.authentic() && !stripped.complete());
    let doc = &stripped.documents[0];
    assert!(doc.authentic() && !doc.complete() && doc.elements.is_empty());
    assert_eq!(
        doc.missing,
        [
            (ISO.to_owned(), "family_name".to_owned()),
            (ISO.to_owned(), "portrait".to_owned())
        ]
    );
    let (check, reason) = failure(&stripped);
    assert_eq!(check, "Every requested element was returned");
    assert!(reason.contains("org.iso.18013.5.1/portrait"), "{reason}");
    assert!(
        stripped
            .render(|_, n, i| format!("{n}/{i}"))
            .contains("NOT VERIFIED (authentic: yes, complete: no")
    );

    let partial = verify(
        &gb,
        &present(&issued, &device, |_, id| id == "family_name"),
        &asked,
    );
    assert!(partial.authentic() && !partial.verified());
    assert_eq!(partial.documents[0].elements.len(), 1);
}

/// A requested age_over_NN is answered by the nearest attestation (ISO 18013-5 §7.2.5).
#[test]
fn the_nearest_age_attestation_answers_an_age_request() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let answered = verify(
        &gb,
        &present(&issued, &device, |_, id| id == "age_over_21"),
        &uk_request(&["age_over_18"]),
    );
    assert!(answered.verified());
    let unanswered = verify(
        &gb,
        &present(&issued, &device, |_, id| id == "age_over_65"),
        &uk_request(&["age_over_18"]),
    );
    assert!(unanswered.authentic() && !unanswered.verified());
}

/// A requested document that did not come back makes the response incomplete.
#[test]
fn a_missing_document_is_reported() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let response = present(&issued, &device, |_, id| id == "family_name");
    let report = verify_response(
        &response,
        &VerificationContext {
            transcript: transcript(),
            requests: Some(vec![
                uk_request(&["family_name"]).items_request(),
                request(samples::MDL_DOC_TYPE, ISO, &["family_name"]).items_request(),
            ]),
            issuer_anchors: gb.anchors(),
            now: NOW,
            e_reader_key: None,
        },
    );
    assert!(report.authentic() && !report.verified());
    assert_eq!(report.documents_missing, [samples::MDL_DOC_TYPE]);
}

/// A digest failure names the element and keeps the issuer whose chain and signature passed.
#[test]
fn a_digest_failure_names_the_element_and_the_verified_issuer() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let mut response = present(&issued, &device, |_, id| id == "family_name");
    let documents = response.documents.as_mut().unwrap();
    let items = &mut documents[0].issuer_signed.name_spaces.as_mut().unwrap()[0].1;
    let mut forged = items[0].value().clone();
    forged.element_value = Value::text("Forged");
    items[0] = Tagged::new(forged);
    let report = verify(&gb, &response, &uk_request(&["family_name"]));
    assert!(!report.verified());
    let (check, reason) = failure(&report);
    assert_eq!(check, "Every disclosed element matches its signed digest");
    assert!(reason.contains("org.iso.18013.5.1/family_name"), "{reason}");
    assert!(!reason.contains("Forged") && !reason.contains("Okafor"));
    assert_eq!(
        report.documents[0].issuer.as_deref(),
        Some("Test Document Signer")
    );
    assert!(
        !report
            .render(|_, n, i| format!("{n}/{i}"))
            .contains("unverified issuer")
    );
}

/// A chain failure reaches the report with the x509 module's own message (which names the
/// certificate), and no issuer is shown for it.
#[test]
fn a_chain_failure_carries_the_certificate_message() {
    let gb = Authority::new("GB", "GB", None);
    let stranger = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let report = verify(
        &stranger,
        &present(&issued, &device, |_, id| id == "family_name"),
        &uk_request(&["family_name"]),
    );
    let (check, reason) = failure(&report);
    assert_eq!(check, "Issuer certificate chains to a trusted authority");
    let expected = mdoc::x509::verify_chain(
        &[gb.ds.certificate().der().to_vec()],
        &stranger.anchors(),
        NOW,
        mdoc::x509::ChainPurpose::DocumentSigner,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(reason, expected);
    assert!(report.documents[0].issuer.is_none() && !report.authentic());
}

/// A context that carries "no request" gives an authenticity-only report through
/// `verify_response` itself: every element listed, no request check run, never complete. A
/// request for nothing (`Some(vec![])`) is a request, and a response to it over-discloses.
#[test]
fn no_request_is_authenticity_only_and_a_request_for_nothing_is_not() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let response = present(&issued, &device, |_, id| {
        id == "family_name" || id == "birth_date"
    });
    let context = |requests| VerificationContext {
        transcript: transcript(),
        requests,
        issuer_anchors: gb.anchors(),
        now: NOW,
        e_reader_key: None,
    };
    let report = verify_response(&response, &context(None));
    let doc = &report.documents[0];
    assert!(report.authentic() && !report.complete() && !report.verified());
    assert!(report.documents_missing.is_empty());
    assert_eq!(doc.elements.len(), 2);
    assert!(doc.element(ISO, "family_name").is_some());
    assert!(doc.checks.iter().all(|c| c.passed()));
    assert!(!doc.checks.iter().any(|c| matches!(
        c.name,
        CheckName::RequestedElements | CheckName::ElementsReturned
    )));
    // verify_authenticity is that, whatever the context held.
    let with_request = context(Some(vec![uk_request(&["family_name"]).items_request()]));
    assert_eq!(verify_authenticity(&response, &with_request), report);
    // Requested nothing: the disclosed elements were not requested.
    let nothing = verify_response(&response, &context(Some(Vec::new())));
    assert!(!nothing.authentic());
    assert_eq!(
        nothing.documents[0].failure().unwrap().name,
        CheckName::RequestedElements
    );
}

/// Issue 18: a verifier checking many responses from one document signer validates its chain
/// once. The report from the cached chain is the report a fresh validation gives, and once the
/// document signer certificate has expired the cached chain answers nothing: the chain check
/// fails with the same message as without the cache.
#[test]
fn a_cached_document_signer_chain_gives_the_same_report_and_still_expires() {
    let gb = Authority::new("GB", "GB", None);
    let device = device();
    let issued = gb.issue(
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &device,
        &window(),
    );
    let ids = ["family_name", "issuing_country"];
    let response = present(&issued, &device, |_, id| ids.contains(&id));
    let context = |anchors: &TrustAnchors, now: Timestamp| VerificationContext {
        transcript: transcript(),
        requests: Some(vec![uk_request(&ids).items_request()]),
        issuer_anchors: anchors.clone(),
        now,
        e_reader_key: None,
    };
    let cached = gb.anchors();
    let uncached = gb.anchors().with_chain_cache_capacity(0);
    let fresh = verify_response(&response, &context(&uncached, NOW));
    assert!(fresh.verified());
    for _ in 0..3 {
        assert_eq!(verify_response(&response, &context(&cached, NOW)), fresh);
    }
    assert_eq!(
        cached.chain_cache().stats(),
        mdoc::x509::ChainCacheStats { hits: 2, misses: 1 }
    );
    assert!(uncached.chain_cache().is_empty());

    // The document signer certificate runs 1000 days from NOW - 365.
    let later = NOW.plus_days(700);
    let expired = verify_response(&response, &context(&cached, later));
    assert_eq!(
        expired,
        verify_response(&response, &context(&uncached, later))
    );
    let (check, reason) = failure(&expired);
    assert_eq!(check, "Issuer certificate chains to a trusted authority");
    assert!(reason.contains("expired"), "{reason}");
    // Back inside the window, the cached chain answers again.
    assert_eq!(verify_response(&response, &context(&cached, NOW)), fresh);
}
