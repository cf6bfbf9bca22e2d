//! Purpose profiles: matching and minimisation findings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use mdoc::profiles::{
    FindingKind, HolderFacts, Purpose, RequestedElement, assess, match_profile, profile,
};
use mdoc::registry::{ISO_NAMESPACE, MDL, UK_DIGITAL_ID};

fn req(ns: &str, id: &str, retain: bool) -> RequestedElement {
    RequestedElement {
        namespace: ns.to_owned(),
        identifier: id.to_owned(),
        intent_to_retain: retain,
    }
}

fn from_profile(purpose: Purpose, doc_type: &str) -> Vec<RequestedElement> {
    profile(purpose)
        .request_elements(doc_type)
        .into_iter()
        .map(|(ns, id, retain)| req(&ns, &id, retain))
        .collect()
}

fn kinds(
    purpose: Purpose,
    requested: &[RequestedElement],
    nationality: Option<&str>,
) -> Vec<(String, FindingKind)> {
    let facts = HolderFacts {
        nationality: nationality.map(str::to_owned),
    };
    assess(&profile(purpose), requested, &facts)
        .into_iter()
        .map(|f| (f.identifier, f.kind))
        .collect()
}

#[test]
fn a_profile_request_has_no_findings_and_matches_its_profile() {
    let rtw = from_profile(Purpose::RightToWork, UK_DIGITAL_ID);
    assert_eq!(kinds(Purpose::RightToWork, &rtw, Some("PL")), vec![]);
    assert_eq!(
        match_profile(UK_DIGITAL_ID, &rtw, None),
        Some(Purpose::RightToWork)
    );
    let benefits = from_profile(Purpose::Benefits, UK_DIGITAL_ID);
    assert_eq!(kinds(Purpose::Benefits, &benefits, Some("PL")), vec![]);
    assert_eq!(
        match_profile(UK_DIGITAL_ID, &benefits, None),
        Some(Purpose::Benefits)
    );
    let age = from_profile(Purpose::AgeCheck(18), MDL);
    assert_eq!(kinds(Purpose::AgeCheck(18), &age, None), vec![]);
    assert_eq!(match_profile(MDL, &age, None), Some(Purpose::AgeCheck(18)));
}

#[test]
fn over_asking_right_to_work_is_flagged() {
    let mut rtw = from_profile(Purpose::RightToWork, UK_DIGITAL_ID);
    rtw.push(req(ISO_NAMESPACE, "resident_address", true));
    rtw.push(req(UK_DIGITAL_ID, "national_insurance_number", true));
    rtw.push(req(ISO_NAMESPACE, "height", false));
    // A Polish holder: the conditional right-to-work details are needed from them.
    assert_eq!(
        kinds(Purpose::RightToWork, &rtw, Some("PL")),
        vec![
            (
                "resident_address".to_owned(),
                FindingKind::ExplicitlyExcluded
            ),
            (
                "national_insurance_number".to_owned(),
                FindingKind::ExplicitlyExcluded
            ),
            ("height".to_owned(), FindingKind::NotInProfile),
        ]
    );
    // Still recognised as a right-to-work request.
    assert_eq!(
        match_profile(UK_DIGITAL_ID, &rtw, None),
        Some(Purpose::RightToWork)
    );
}

#[test]
fn exact_age_where_an_attestation_would_do() {
    let asked = [
        req(ISO_NAMESPACE, "age_over_18", false),
        req(ISO_NAMESPACE, "birth_date", false),
    ];
    assert_eq!(
        kinds(Purpose::AgeCheck(18), &asked, None),
        vec![("birth_date".to_owned(), FindingKind::AgeAttestationWouldDo)]
    );
    assert_eq!(
        kinds(
            Purpose::AgeCheck(18),
            &[req(ISO_NAMESPACE, "age_in_years", false)],
            None
        ),
        vec![(
            "age_in_years".to_owned(),
            FindingKind::AgeAttestationWouldDo
        )]
    );
}

#[test]
fn retention_and_conditions() {
    let asked = [
        req(ISO_NAMESPACE, "portrait", true),
        req(UK_DIGITAL_ID, "immigration_status", false),
    ];
    assert_eq!(
        kinds(Purpose::Benefits, &asked, Some("GB")),
        vec![
            ("portrait".to_owned(), FindingKind::RetentionNotNeeded),
            (
                "immigration_status".to_owned(),
                FindingKind::ConditionNotMet
            ),
        ]
    );
    assert_eq!(
        kinds(Purpose::Benefits, &asked, Some("PL")),
        vec![("portrait".to_owned(), FindingKind::RetentionNotNeeded)]
    );
    assert_eq!(
        kinds(
            Purpose::RightToWork,
            &[req(ISO_NAMESPACE, "expiry_date", true)],
            None
        ),
        vec![("expiry_date".to_owned(), FindingKind::RetentionNotNeeded)]
    );
    assert_eq!(
        kinds(
            Purpose::AgeCheck(21),
            &[req(ISO_NAMESPACE, "age_over_21", true)],
            None
        ),
        vec![("age_over_21".to_owned(), FindingKind::RetentionNotNeeded)]
    );
}

#[test]
fn declared_purpose_wins_when_it_fits_the_doc_type() {
    let asked = [req(ISO_NAMESPACE, "family_name", false)];
    assert_eq!(
        match_profile(UK_DIGITAL_ID, &asked, Some(Purpose::Benefits)),
        Some(Purpose::Benefits)
    );
    assert_eq!(match_profile(MDL, &asked, Some(Purpose::RightToWork)), None);
    assert_eq!(match_profile(UK_DIGITAL_ID, &[], None), None);
    assert_eq!(
        Purpose::from_id(&Purpose::AgeCheck(21).id()),
        Some(Purpose::AgeCheck(21))
    );
    assert_eq!(
        Purpose::from_id("right_to_work"),
        Some(Purpose::RightToWork)
    );
    assert_eq!(Purpose::from_id("shopping"), None);
}

/// A British or Irish citizen's right to work has no expiry, restrictions or hours limit: the
/// profile does not need them from such a holder.
#[test]
fn right_to_work_details_are_conditional_on_nationality() {
    let rtw = from_profile(Purpose::RightToWork, UK_DIGITAL_ID);
    let flagged: Vec<String> = kinds(Purpose::RightToWork, &rtw, Some("GB"))
        .into_iter()
        .filter(|(_, kind)| *kind == FindingKind::ConditionNotMet)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        flagged,
        [
            "right_to_work_expiry",
            "work_restrictions",
            "max_weekly_hours"
        ]
    );
}
