//! The presentation history and the consent in Welsh through the exported API, driven from Rust
//! as the Kotlin `HistoryTest` and Swift `HistoryTests` drive it: every presentation channel
//! records, pages, filters, exports (identifiers, never values) and deletes; every session
//! gives its consent in Welsh and as sentences.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use citizen_wallet_ffi::*;

struct Parties {
    _dir: tempfile::TempDir,
    wallet: Arc<Wallet>,
    verifier: Arc<Verifier>,
}

/// A wallet holding Tomasz's UK digital ID, and Acme Ltd's verifier.
fn parties() -> Parties {
    let dir = tempfile::tempdir().unwrap();
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let reader = authority.new_reader("Acme Ltd".into()).unwrap();
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let wallet = Wallet::open(
        dir.path().join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        authority.iaca_pem(),
        reader.root_pem.clone(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    let pending = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let credential = authority
        .issue(
            SampleDocument::UkDigitalIdTomasz,
            pending.device_key.clone(),
        )
        .unwrap();
    wallet.accept(pending, credential).unwrap();
    let verifier = Verifier::new(
        authority.iaca_pem(),
        Some(reader.private_key_pkcs8),
        Some(reader.chain_pem),
    )
    .unwrap();
    Parties {
        _dir: dir,
        wallet,
        verifier,
    }
}

fn right_to_work() -> Vec<DocumentRequest> {
    vec![profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap()]
}

/// A proximity session with a right-to-work request pending, and its consent (English).
fn proximity(
    p: &Parties,
) -> (
    Arc<PresentationSession>,
    Arc<VerifierSession>,
    ConsentRequest,
) {
    let session = p.wallet.start_presentation();
    let reader = p.verifier.start_session(session.qr_uri()).unwrap();
    let SessionEvent::Consent { request } =
        session.handle(reader.request(right_to_work()).unwrap())
    else {
        panic!("consent expected");
    };
    (session, reader, request)
}

fn label<'a>(consent: &'a ConsentRequest, identifier: &str) -> &'a str {
    &consent.documents[0]
        .elements
        .iter()
        .find(|e| e.identifier == identifier)
        .unwrap()
        .label
}

/// Checks a session's Welsh and English consent and its accessible sentences.
fn check_languages(
    english_core: &ConsentRequest,
    consent_in: impl Fn(&str) -> ConsentRequest,
    accessible: impl Fn(&str) -> AccessibleConsent,
) {
    let welsh = consent_in("cy-GB");
    assert_eq!(welsh.documents[0].display_name, "ID digidol y DU");
    assert_eq!(
        welsh.documents[0].purpose_name.as_deref(),
        Some("Gwiriad hawl i weithio")
    );
    assert_eq!(label(&welsh, "birth_date"), "Dyddiad geni");
    assert_eq!(label(&welsh, "right_to_work"), "Hawl i weithio yn y DU");
    // The trust verdict in words, in Welsh too.
    let english_trust = consent_in("en").verifier.trust_detail;
    assert_ne!(welsh.verifier.trust_detail, english_trust);
    assert_eq!(welsh.verifier.trusted, english_core.verifier.trusted);
    if english_core.verifier.trusted {
        assert!(
            welsh.verifier.trust_detail.starts_with("Wedi"),
            "{}",
            welsh.verifier.trust_detail
        );
    }
    // The date of birth said in a sentence: shared, or not held (a DCQL query matches only a
    // credential holding every claim it names).
    let name = welsh.verifier.display_name.clone();
    let held = english_core.documents[0]
        .elements
        .iter()
        .any(|e| e.identifier == "birth_date" && e.held);
    let (welsh_birth_date, english_birth_date) = if held {
        (
            format!("Bydd {name} yn cael eich dyddiad geni"),
            format!("Your date of birth will be shared with {name}"),
        )
    } else {
        (
            "Nid oes gan y waled hon eich dyddiad geni".to_owned(),
            "This wallet does not hold your date of birth".to_owned(),
        )
    };
    // Only strings change: identifiers, flags and the recommendation are the core's.
    let ids = |c: &ConsentRequest| -> Vec<(String, bool, bool, usize)> {
        c.documents[0]
            .elements
            .iter()
            .map(|e| {
                (
                    e.identifier.clone(),
                    e.held,
                    e.intent_to_retain,
                    e.findings.len(),
                )
            })
            .collect()
    };
    assert_eq!(ids(&welsh), ids(english_core));
    // English (and any other language) is the core's English.
    for tag in ["en", "en-GB", "fr", ""] {
        let english = consent_in(tag);
        assert_eq!(english.documents[0].display_name, "UK digital ID");
        assert_eq!(label(&english, "right_to_work"), "Right to work in the UK");
        assert_eq!(
            english.documents[0].purpose_name.as_deref(),
            Some("Right to work check")
        );
    }

    let spoken = accessible("cy");
    assert!(
        spoken
            .sentences
            .iter()
            .any(|s| s.starts_with(&welsh_birth_date)),
        "{}",
        spoken.text
    );
    let english = accessible("en-GB");
    assert!(
        english
            .sentences
            .iter()
            .any(|s| s.starts_with(&english_birth_date)),
        "{}",
        english.text
    );
    for text in [&spoken, &english] {
        assert!(text.sentences.len() > 5);
        for sentence in &text.sentences {
            assert!(sentence.ends_with('.'), "{sentence}");
            assert!(text.text.contains(sentence.as_str()));
        }
    }
    assert_ne!(spoken.text, english.text);
}

#[test]
fn every_session_gives_its_consent_in_welsh_and_as_sentences() {
    let p = parties();

    let (session, _reader, english) = proximity(&p);
    check_languages(
        &english,
        |tag| session.consent_in(tag.into()).unwrap(),
        |tag| session.accessible_consent(tag.into()).unwrap(),
    );
    session.decline().unwrap();
    // No request pending: an error, not a stale consent.
    assert!(matches!(
        session.consent_in("cy".into()),
        Err(CitizenWalletError::Session { .. })
    ));
    assert!(session.accessible_consent("cy".into()).is_err());

    let origin = "https://hr.acme.example".to_owned();
    let request = p
        .verifier
        .dcapi_request(right_to_work(), origin.clone())
        .unwrap();
    let dcapi = p
        .wallet
        .start_dcapi(request.request_json(), origin.clone())
        .unwrap();
    check_languages(
        &dcapi.consent(),
        |tag| dcapi.consent_in(tag.into()),
        |tag| dcapi.accessible_consent(tag.into()),
    );

    let request = p
        .verifier
        .openid4vp_dc_api_request(right_to_work(), origin.clone(), true)
        .unwrap();
    let openid4vp = p
        .wallet
        .start_openid4vp(request.request_json(), Some(origin))
        .unwrap();
    check_languages(
        &openid4vp.consent(),
        |tag| openid4vp.consent_in(tag.into()),
        |tag| openid4vp.accessible_consent(tag.into()),
    );
}

#[test]
fn every_channel_records_and_the_history_pages_filters_exports_and_deletes() {
    let p = parties();
    let (approved, reader, _) = proximity(&p);
    let report = reader
        .handle_response(
            approved
                .approve(approved.recommended_selection().unwrap())
                .unwrap(),
        )
        .unwrap();
    assert!(report.verified);
    let (declined, _reader, _) = proximity(&p);
    declined.decline().unwrap();

    let origin = "https://hr.acme.example".to_owned();
    let request = p
        .verifier
        .dcapi_request(right_to_work(), origin.clone())
        .unwrap();
    let dcapi = p
        .wallet
        .start_dcapi(request.request_json(), origin.clone())
        .unwrap();
    assert!(
        request
            .verify(dcapi.approve(dcapi.recommended_selection()).unwrap())
            .unwrap()
            .verified
    );
    let request = p
        .verifier
        .openid4vp_redirect_request(
            right_to_work(),
            "https://hr.acme.example/oid4vp".into(),
            false,
        )
        .unwrap();
    let openid4vp = p
        .wallet
        .start_openid4vp(request.request_url(), None)
        .unwrap();
    openid4vp.decline();

    let page = p.wallet.history(None, None, 0, 10, "en".into()).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.unreadable, 0);
    let seen: Vec<(&str, &str)> = page
        .entries
        .iter()
        .map(|e| (e.channel.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("openid4vp_redirect", "declined"),
            ("dc_api", "approved"),
            ("proximity", "declined"),
            ("proximity", "approved"),
            ("issuance", "issued"),
        ]
    );
    let shared = &page.entries[3];
    assert_eq!(shared.party.as_deref(), Some("Acme Ltd"));
    assert_eq!(shared.trust, "trusted");
    assert!(shared.trust_detail.is_some());
    let document = &shared.documents[0];
    assert_eq!(document.purpose.as_deref(), Some("right_to_work"));
    assert!(document.purpose_declared);
    assert!(
        document
            .disclosed
            .contains(&"org.iso.18013.5.1/family_name".to_owned())
    );
    assert!(
        document
            .disclosed
            .iter()
            .all(|d| document.requested.contains(d))
    );
    assert!(
        document
            .retained
            .iter()
            .all(|d| document.requested.contains(d))
    );
    assert!(
        shared.sentence.contains("Acme Ltd received from you"),
        "{}",
        shared.sentence
    );
    assert!(page.entries[2].documents[0].disclosed.is_empty());
    assert_eq!(page.entries[1].origin.as_deref(), Some(origin.as_str()));
    assert!(page.entries[1].at.ends_with('Z'));

    // The same entry in Welsh; paging and filters.
    let welsh = p.wallet.history(None, None, 3, 1, "cy".into()).unwrap();
    assert_eq!(welsh.total, 5);
    assert_eq!(welsh.entries.len(), 1);
    assert_eq!(welsh.entries[0].id, shared.id);
    assert!(
        welsh.entries[0]
            .sentence
            .contains("cafodd Acme Ltd y canlynol gennych"),
        "{}",
        welsh.entries[0].sentence
    );
    assert!(welsh.entries[0].sentence.contains("Cyfenw"));
    let acme = p
        .wallet
        .history(Some(origin.clone()), None, 0, 10, "en".into())
        .unwrap();
    assert_eq!(acme.total, 1);
    let credential = p.wallet.credentials()[0].id.clone();
    let with_credential = p
        .wallet
        .history(None, Some(credential), 0, 10, "en".into())
        .unwrap();
    assert!(with_credential.total >= 3, "{}", with_credential.total);
    assert_eq!(
        p.wallet
            .history(Some("Nobody Ltd".into()), None, 0, 10, "en".into())
            .unwrap()
            .total,
        0
    );

    // The export names elements, never their values.
    let export = p.wallet.export_history().unwrap();
    assert!(export.contains("citizen-wallet-history-1"));
    assert!(export.contains("family_name"));
    assert!(!export.contains("Kowalski") && !export.contains("Tomasz"));

    // Retention is kept; a long period prunes nothing.
    assert_eq!(p.wallet.history_retention().unwrap(), None);
    p.wallet.set_history_retention(Some(30)).unwrap();
    assert_eq!(p.wallet.history_retention().unwrap(), Some(30));
    assert_eq!(
        p.wallet
            .history(None, None, 0, 10, "en".into())
            .unwrap()
            .total,
        5
    );

    // Deleting one entry, then an unknown id, then the rest.
    p.wallet
        .delete_history_entry(page.entries[0].id.clone())
        .unwrap();
    assert!(
        p.wallet
            .delete_history_entry(page.entries[0].id.clone())
            .is_err()
    );
    assert!(p.wallet.delete_history_entry("../../etc".into()).is_err());
    assert_eq!(p.wallet.delete_history().unwrap(), 4);
    assert_eq!(
        p.wallet
            .history(None, None, 0, 10, "en".into())
            .unwrap()
            .total,
        0
    );
    assert_eq!(p.wallet.delete_history().unwrap(), 0);
}

/// A registration the wallet cannot verify (here: not a registration certificate at all; the
/// FFI wallet trusts no registrar) is shown as unverified, with its reason category, on the
/// consent in English and Welsh, and recorded so in the history.
#[test]
fn the_registration_verdict_is_on_the_consent_and_in_the_history() {
    let p = parties();
    let origin = "https://acme.example".to_owned();
    let request = p
        .verifier
        .openid4vp_dc_api_request(right_to_work(), origin.clone(), false)
        .unwrap()
        .request_json();
    let with_registration = format!(
        r#"{},"verifier_info":[{{"format":"rc-wrp+cwt","data":"AQI"}}]}}"#,
        request.trim_end().strip_suffix('}').unwrap()
    );
    let session = p
        .wallet
        .start_openid4vp(with_registration, Some(origin))
        .unwrap();
    let registration = session.consent().documents[0].registration.clone().unwrap();
    assert_eq!(registration.status, "unverified");
    assert_eq!(registration.reason.as_deref(), Some("malformed"));
    assert_eq!(registration.organisation, None);
    assert!(
        registration.sentences[0].contains("could not be checked"),
        "{:?}",
        registration.sentences
    );
    let welsh = session.consent_in("cy".into()).documents[0]
        .registration
        .clone()
        .unwrap();
    assert_eq!(welsh.status, "unverified");
    assert!(
        welsh.sentences[0].contains("nad oedd modd ei wirio"),
        "{:?}",
        welsh.sentences
    );
    session.decline();

    let page = p.wallet.history(None, None, 0, 10, "cy".into()).unwrap();
    let newest = &page.entries[0];
    assert_eq!(newest.outcome, "declined");
    let recorded = newest.documents[0].registration.clone().unwrap();
    assert_eq!(recorded.status, "unverified");
    assert_eq!(recorded.reason.as_deref(), Some("malformed"));
    assert!(
        recorded.sentences[0].ends_with("nid oedd modd ei ddarllen."),
        "{:?}",
        recorded.sentences
    );
    assert!(
        newest.sentence.ends_with("nid oedd modd ei ddarllen."),
        "{}",
        newest.sentence
    );
    // The issuance entry has none.
    assert_eq!(page.entries[1].documents[0].registration, None);
    // The export (keys in serde_json's order).
    let export = p.wallet.export_history().unwrap();
    assert!(
        export.contains(r#""registration":{"reason":"malformed","status":"unverified"}"#),
        "{export}"
    );
}
