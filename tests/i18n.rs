//! Consent in English and Welsh: both Fluent files parse, define exactly the same keys, and
//! cover every registry doc type and element, every purpose, every profile's exclusions and
//! every finding kind; a real consent object comes out in Welsh, and its accessible rendering
//! says everything in sentences.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::{World, proximity_check};
use issuer::samples::{self, AMELIA};
use mdoc::profiles::{Finding, FindingKind, Purpose, profile};
use mdoc::registry::{self, ISO_NAMESPACE, UK_DIGITAL_ID};
use verifier::DocumentRequest;
use wallet::i18n::{self, Locale, messages};
use wallet::presentation::DeviceAuthMode;

/// Every argument any message takes, so that each formats completely.
const ARGS: &[(&str, &str)] = &[
    ("age", "18"),
    ("anchor", "Root"),
    ("reason", "expired"),
    ("verifier", "Acme Ltd"),
    ("document", "your UK digital ID"),
    ("purpose", "right_to_work"),
    ("item", "your date of birth"),
    ("requested", "your age in years"),
    ("explanation", "Not needed."),
    ("label", "thing"),
    ("name", "org.example.doc"),
    ("date", "1 May 2026"),
    ("party", "Acme Ltd"),
    ("registrar", "UK Relying Party Registrar"),
    ("channel", "in person"),
    ("items", "Date of birth"),
    ("day", "1"),
    ("month", "May"),
    ("year", "2026"),
];

#[test]
fn both_locales_parse_and_define_the_same_keys() {
    // Messages must match one for one; `.phrase` attributes are per language (a label whose
    // sentence form is regular in one language may need one in the other), so they are only
    // required to format.
    let messages_of = |locale| -> BTreeSet<String> {
        i18n::keys(locale)
            .into_iter()
            .filter(|k| !k.contains('.'))
            .collect()
    };
    let en = messages_of(Locale::English);
    let cy = messages_of(Locale::Welsh);
    assert!(en.len() > 100, "only {} English keys", en.len());
    let only_en: Vec<_> = en.difference(&cy).collect();
    let only_cy: Vec<_> = cy.difference(&en).collect();
    assert!(only_en.is_empty(), "missing in cy.ftl: {only_en:?}");
    assert!(only_cy.is_empty(), "missing in en.ftl: {only_cy:?}");
    for locale in Locale::ALL {
        let m = messages(locale);
        assert_eq!(m.errors(), 0, "{locale:?} has syntax or duplicate errors");
        for key in &i18n::keys(locale) {
            let text = m.lookup(key, ARGS);
            assert!(
                text.as_deref().is_some_and(|t| !t.is_empty()),
                "{locale:?} {key} does not format"
            );
        }
    }
}

#[test]
fn every_registry_element_and_doc_type_has_a_key_in_both() {
    let mut checked = 0;
    for definition in registry::doc_types() {
        let key = i18n::doc_type_key(definition.doc_type)
            .unwrap_or_else(|| panic!("no key for {}", definition.doc_type));
        for locale in Locale::ALL {
            let m = messages(locale);
            assert!(m.has(key), "{locale:?} lacks {key}");
            assert!(
                m.has(&format!("{key}.phrase")),
                "{locale:?} lacks {key}.phrase"
            );
        }
        for (namespace, elements) in definition.namespaces {
            for element in *elements {
                let key = i18n::element_key(definition.doc_type, namespace, element.identifier)
                    .unwrap_or_else(|| panic!("no key for {namespace} {}", element.identifier));
                for locale in Locale::ALL {
                    assert!(messages(locale).has(&key), "{locale:?} lacks {key}");
                }
                // Welsh differs from English for all but loanwords identical in both.
                let en = messages(Locale::English).element_label(
                    definition.doc_type,
                    namespace,
                    element.identifier,
                );
                assert_eq!(
                    en, element.label,
                    "en.ftl and the registry disagree on {key}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 80, "only {checked} elements checked");
}

#[test]
fn every_purpose_exclusion_and_finding_kind_is_translated() {
    let en = messages(Locale::English);
    let cy = messages(Locale::Welsh);
    for purpose in [
        Purpose::RightToWork,
        Purpose::Benefits,
        Purpose::AgeCheck(18),
    ] {
        assert_ne!(cy.purpose(purpose), en.purpose(purpose));
        assert!(!cy.purpose(purpose).starts_with("purpose-"));
        // The English file says what the profile tables say.
        assert_eq!(en.purpose(purpose), purpose.display_name());
        for (namespace, identifier, reason) in profile(purpose).excluded {
            let finding = Finding {
                namespace: (*namespace).to_owned(),
                identifier: (*identifier).to_owned(),
                kind: FindingKind::ExplicitlyExcluded,
                explanation: (*reason).to_owned(),
            };
            let element = i18n::element_key(UK_DIGITAL_ID, namespace, identifier).unwrap();
            let key = format!("finding-excluded-{}-{element}", purpose.id());
            assert!(cy.has(&key) && en.has(&key), "no {key}");
            assert_eq!(en.finding(UK_DIGITAL_ID, Some(purpose), &finding), *reason);
            assert_ne!(cy.finding(UK_DIGITAL_ID, Some(purpose), &finding), *reason);
        }
    }
    for kind in [
        FindingKind::NotInProfile,
        FindingKind::ExplicitlyExcluded,
        FindingKind::AgeAttestationWouldDo,
        FindingKind::RetentionNotNeeded,
        FindingKind::ConditionNotMet,
        FindingKind::NoRegisteredPurpose,
        FindingKind::BeyondRegistration,
        FindingKind::RoleMayNotDemand,
    ] {
        let finding = Finding {
            namespace: ISO_NAMESPACE.to_owned(),
            identifier: "portrait".to_owned(),
            kind,
            explanation: "core text".to_owned(),
        };
        for purpose in [
            Some(Purpose::RightToWork),
            Some(Purpose::AgeCheck(18)),
            None,
        ] {
            let english = en.finding(UK_DIGITAL_ID, purpose, &finding);
            let welsh = cy.finding(UK_DIGITAL_ID, purpose, &finding);
            assert_ne!(english, "core text", "{kind:?} has no English key");
            assert!(!english.starts_with("finding-"), "{kind:?}: {english}");
            assert_ne!(welsh, english, "{kind:?} is not translated");
        }
    }
}

#[test]
fn a_right_to_work_consent_in_welsh_and_as_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let mut request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    // Over-ask: the home address is excluded from a right-to-work check.
    request.elements.push((
        ISO_NAMESPACE.to_owned(),
        "resident_address".to_owned(),
        true,
    ));
    let check = proximity_check(&world, &[request], |c| c.recommended_selection()).unwrap();
    let consent = &check.consent;

    // English by default: the core's strings are unchanged.
    assert_eq!(consent.localized(Locale::English), *consent);

    let welsh = consent.localized(Locale::Welsh);
    assert_eq!(welsh.documents[0].display_name, "ID digidol y DU");
    let label = |c: &wallet::consent::ConsentRequest, id: &str| {
        c.documents[0]
            .elements
            .iter()
            .find(|e| e.identifier == id)
            .unwrap()
            .clone()
    };
    assert_eq!(label(&welsh, "birth_date").label, "Dyddiad geni");
    assert_eq!(
        label(&welsh, "right_to_work").label,
        "Hawl i weithio yn y DU"
    );
    let address = label(&welsh, "resident_address");
    assert_eq!(address.label, "Cyfeiriad cartref");
    assert_eq!(
        address.findings[0].explanation,
        "Nid oes angen eich cyfeiriad ar gyflogwr i wirio eich hawl i weithio."
    );
    // Only strings change: identifiers, flags and the selection are the same.
    assert_eq!(
        welsh.recommended_selection(),
        consent.recommended_selection()
    );

    for locale in Locale::ALL {
        let accessible = consent.accessible(locale);
        let items = &accessible.documents[0].items;
        assert_eq!(items.len(), consent.documents[0].elements.len());
        // Every sentence is a sentence: capitalised, ends with a full stop, no bare symbols.
        for sentence in accessible.sentences() {
            let first = sentence.chars().next().unwrap();
            assert!(first.is_uppercase(), "{locale:?}: {sentence}");
            assert!(sentence.ends_with('.'), "{locale:?}: {sentence}");
            assert!(
                !sentence.contains('!') && !sentence.contains('['),
                "{sentence}"
            );
        }
        // The recommendation is the wallet's pre-selection, said in words.
        let recommended: Vec<_> = items
            .iter()
            .filter(|i| i.recommended)
            .map(|i| i.identifier.clone())
            .collect();
        let selection: Vec<_> = consent
            .recommended_selection()
            .approved
            .into_iter()
            .map(|a| a.identifier)
            .collect();
        assert_eq!(recommended, selection);
    }

    let en = consent.accessible(Locale::English);
    let find = |a: &wallet::i18n::AccessibleConsent, id: &str| {
        a.documents[0]
            .items
            .iter()
            .find(|i| i.identifier == id)
            .unwrap()
            .text()
    };
    assert!(en.verifier[0].contains("Acme Ltd's identity has been checked"));
    assert_eq!(
        find(&en, "birth_date"),
        "Your date of birth will be shared with Acme Ltd and kept by them. \
         The wallet suggests you share this."
    );
    assert_eq!(
        find(&en, "resident_address"),
        "Your home address will be shared with Acme Ltd and kept by them. \
         This is sensitive information. \
         Warning: An employer does not need your address to check your right to work. \
         The wallet suggests you do not share this."
    );
    let cy = consent.accessible(Locale::Welsh);
    assert_eq!(
        find(&cy, "birth_date"),
        "Bydd Acme Ltd yn cael eich dyddiad geni a bydd yn cadw'r wybodaeth hon. \
         Mae'r waled yn awgrymu eich bod yn rhannu hyn."
    );
    assert!(
        cy.to_text()
            .contains("Mae Acme Ltd yn gofyn am wybodaeth sydd yn eich ID digidol y DU.")
    );
}
