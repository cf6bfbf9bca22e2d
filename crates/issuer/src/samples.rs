//! Fictional citizens and their credentials' elements, for examples, tests and demos.

use mdoc::cbor::{ToCbor, Value};
use mdoc::time::FullDate;

use crate::credential::CredentialData;

/// The ISO mDL doc type.
pub const MDL_DOC_TYPE: &str = "org.iso.18013.5.1.mDL";
/// The ISO mDL namespace, also used for core identity elements of the UK digital ID.
pub const ISO_NAMESPACE: &str = "org.iso.18013.5.1";
/// The UK digital ID doc type and namespace (this project's proposal).
pub const UK_DIGITAL_ID: &str = "uk.gov.digital-id.1";
/// The EU PID doc type and namespace.
pub const EU_PID: &str = "eu.europa.ec.eudi.pid.1";

/// A sample portrait (the JPEG of the ISO 18013-5 Annex D example).
pub const SAMPLE_PORTRAIT: &[u8] = include_bytes!("sample_portrait.jpg");

fn date(y: i64, m: u8, d: u8) -> Value {
    FullDate::new(y, m, d)
        .map(|d| d.to_cbor())
        .unwrap_or(Value::Null)
}

fn text(s: &str) -> Value {
    Value::text(s)
}

fn entries(items: Vec<(&str, Value)>) -> Vec<(String, Value)> {
    items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A person's core identity details.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Family name.
    pub family_name: &'static str,
    /// Given name.
    pub given_name: &'static str,
    /// Birth date (year, month, day).
    pub birth_date: (i64, u8, u8),
    /// Nationality, ISO 3166-1 alpha-2.
    pub nationality: &'static str,
}

/// Amelia Okafor, a British national (fictional).
pub const AMELIA: Person = Person {
    family_name: "Okafor",
    given_name: "Amelia",
    birth_date: (1990, 4, 12),
    nationality: "GB",
};

/// Tomasz Kowalski, a Polish national with settled status (fictional).
pub const TOMASZ: Person = Person {
    family_name: "Kowalski",
    given_name: "Tomasz",
    birth_date: (1987, 11, 3),
    nationality: "PL",
};

fn core_identity(person: &Person, age_on: FullDate) -> Vec<(String, Value)> {
    let (y, m, d) = person.birth_date;
    let birth = FullDate::new(y, m, d).ok();
    let age = birth.map_or(0, |b| b.years_until(age_on));
    entries(vec![
        ("family_name", text(person.family_name)),
        ("given_name", text(person.given_name)),
        ("birth_date", date(y, m, d)),
        ("portrait", Value::Bytes(SAMPLE_PORTRAIT.to_vec())),
        ("nationality", text(person.nationality)),
        ("resident_address", text("12 Example Street, Leeds")),
        ("resident_postal_code", text("LS1 1AA")),
        ("issue_date", date(2025, 1, 6)),
        ("expiry_date", date(2035, 1, 5)),
        ("issuing_country", text("GB")),
        ("issuing_authority", text("UK Digital Identity Service")),
        ("document_number", text("UKD123456789")),
        ("age_over_18", Value::Bool(age >= 18)),
        ("age_over_21", Value::Bool(age >= 21)),
        ("age_over_65", Value::Bool(age >= 65)),
    ])
}

/// A UK digital ID for `person`, with right-to-work details. Ages are computed on `age_on`.
pub fn uk_digital_id(person: &Person, age_on: FullDate) -> CredentialData {
    let british = person.nationality == "GB" || person.nationality == "IE";
    let mut uk = entries(vec![
        ("right_to_work", Value::Bool(true)),
        ("national_insurance_number", text("QQ123456C")),
    ]);
    if british {
        uk.push(("immigration_status".to_owned(), text("British citizen")));
    } else {
        uk.extend(entries(vec![
            ("right_to_work_expiry", date(2030, 6, 30)),
            ("work_restrictions", text("None")),
            ("max_weekly_hours", Value::Unsigned(48)),
            ("immigration_status", text("Settled status")),
        ]));
    }
    CredentialData {
        doc_type: UK_DIGITAL_ID.to_owned(),
        name_spaces: vec![
            (ISO_NAMESPACE.to_owned(), core_identity(person, age_on)),
            (UK_DIGITAL_ID.to_owned(), uk),
        ],
    }
}

/// An ISO mDL for `person`, with GOV.UK's extras namespace.
pub fn mdl(person: &Person, age_on: FullDate) -> CredentialData {
    let mut iso = core_identity(person, age_on);
    iso.retain(|(id, _)| id != "nationality");
    let privileges = Value::Array(vec![Value::canonical_map(vec![
        (text("vehicle_category_code"), text("B")),
        (text("issue_date"), date(2010, 5, 1)),
        (text("expiry_date"), date(2035, 1, 5)),
    ])]);
    iso.push(("driving_privileges".to_owned(), privileges));
    iso.push(("un_distinguishing_sign".to_owned(), text("UK")));
    CredentialData {
        doc_type: MDL_DOC_TYPE.to_owned(),
        name_spaces: vec![
            (ISO_NAMESPACE.to_owned(), iso),
            (
                "org.iso.18013.5.1.GB".to_owned(),
                entries(vec![
                    ("title", text("Ms")),
                    ("welsh_licence", Value::Bool(false)),
                ]),
            ),
        ],
    }
}

/// An EU PID for `person`.
pub fn eu_pid(person: &Person, age_on: FullDate) -> CredentialData {
    let (y, m, d) = person.birth_date;
    let age = FullDate::new(y, m, d).map_or(0, |b| b.years_until(age_on));
    CredentialData {
        doc_type: EU_PID.to_owned(),
        name_spaces: vec![(
            EU_PID.to_owned(),
            entries(vec![
                ("family_name", text(person.family_name)),
                ("given_name", text(person.given_name)),
                ("birth_date", date(y, m, d)),
                ("nationality", Value::Array(vec![text(person.nationality)])),
                ("age_over_18", Value::Bool(age >= 18)),
                ("issuing_country", text("PL")),
                ("issuing_authority", text("Ministry of Digital Affairs")),
                ("issuance_date", date(2025, 1, 6)),
                ("expiry_date", date(2035, 1, 5)),
            ]),
        )],
    }
}
