//! The static element tables.

use super::ElementType::{self, *};
use super::{
    DocTypeDefinition, EU_PID, ElementDefinition, GB_NAMESPACE, ISO_NAMESPACE, MDL, UK_DIGITAL_ID,
};

const fn el(
    namespace: &'static str,
    identifier: &'static str,
    label: &'static str,
    value_type: ElementType,
    sensitive: bool,
) -> ElementDefinition {
    ElementDefinition {
        namespace,
        identifier,
        label,
        value_type,
        sensitive,
    }
}

const ISO: &str = ISO_NAMESPACE;

/// ISO/IEC 18013-5:2021 Table 5: the mDL data elements of `org.iso.18013.5.1`. The UK digital
/// ID uses the same namespace for its core identity elements.
pub(super) const ISO_ELEMENTS: &[ElementDefinition] = &[
    el(ISO, "family_name", "Family name", Text, false),
    el(ISO, "given_name", "Given names", Text, false),
    el(ISO, "birth_date", "Date of birth", FullDate, false),
    el(
        ISO,
        "issue_date",
        "Document issue date",
        DateOrDateTime,
        false,
    ),
    el(
        ISO,
        "expiry_date",
        "Document expiry date",
        DateOrDateTime,
        false,
    ),
    el(
        ISO,
        "issuing_country",
        "Issuing country",
        CountryCode,
        false,
    ),
    el(ISO, "issuing_authority", "Issuing authority", Text, false),
    el(ISO, "document_number", "Document number", Text, false),
    el(ISO, "portrait", "Photo", Bytes, true),
    el(
        ISO,
        "driving_privileges",
        "Driving entitlements",
        DrivingPrivileges,
        false,
    ),
    el(
        ISO,
        "un_distinguishing_sign",
        "UN distinguishing sign",
        Text,
        false,
    ),
    el(
        ISO,
        "administrative_number",
        "Administrative number",
        Text,
        false,
    ),
    el(ISO, "sex", "Sex", Sex, false),
    el(ISO, "height", "Height (cm)", UInt, false),
    el(ISO, "weight", "Weight (kg)", UInt, false),
    el(ISO, "eye_colour", "Eye colour", Text, false),
    el(ISO, "hair_colour", "Hair colour", Text, false),
    el(ISO, "birth_place", "Place of birth", Text, false),
    el(ISO, "resident_address", "Home address", Text, true),
    el(
        ISO,
        "portrait_capture_date",
        "Photo taken on",
        DateOrDateTime,
        false,
    ),
    el(ISO, "age_in_years", "Age in years", UInt, false),
    el(ISO, "age_birth_year", "Year of birth", UInt, false),
    el(ISO, "age_over_NN", "Over a given age", Bool, false),
    el(
        ISO,
        "issuing_jurisdiction",
        "Issuing jurisdiction",
        Text,
        false,
    ),
    el(ISO, "nationality", "Nationality", CountryCode, false),
    el(
        ISO,
        "resident_city",
        "Town or city of residence",
        Text,
        true,
    ),
    el(
        ISO,
        "resident_state",
        "State or region of residence",
        Text,
        true,
    ),
    el(ISO, "resident_postal_code", "Postcode", Text, true),
    el(
        ISO,
        "resident_country",
        "Country of residence",
        CountryCode,
        false,
    ),
    el(
        ISO,
        "biometric_template_face",
        "Face biometric template",
        Bytes,
        true,
    ),
    el(
        ISO,
        "biometric_template_finger",
        "Fingerprint template",
        Bytes,
        true,
    ),
    el(
        ISO,
        "biometric_template_signature_sign",
        "Signature template",
        Bytes,
        true,
    ),
    el(ISO, "biometric_template_iris", "Iris template", Bytes, true),
    el(
        ISO,
        "family_name_national_character",
        "Family name (national characters)",
        Text,
        false,
    ),
    el(
        ISO,
        "given_name_national_character",
        "Given names (national characters)",
        Text,
        false,
    ),
    el(ISO, "signature_usual_mark", "Signature", Bytes, true),
];

/// GOV.UK's extras for the mDL. No public specification of this namespace could be confirmed;
/// this minimal set is this project's documented assumption and is easy to extend.
const GB_ELEMENTS: &[ElementDefinition] = &[
    el(GB_NAMESPACE, "title", "Title", Text, false),
    el(
        GB_NAMESPACE,
        "welsh_licence",
        "Welsh-language licence",
        Bool,
        false,
    ),
    el(
        GB_NAMESPACE,
        "provisional_driving_privileges",
        "Provisional entitlements",
        DrivingPrivileges,
        false,
    ),
];

/// The EU PID's mdoc attributes (ARF PID rulebook).
const PID_ELEMENTS: &[ElementDefinition] = &[
    el(EU_PID, "family_name", "Family name", Text, false),
    el(EU_PID, "given_name", "Given names", Text, false),
    el(EU_PID, "birth_date", "Date of birth", FullDate, false),
    el(EU_PID, "age_over_NN", "Over a given age", Bool, false),
    el(EU_PID, "age_in_years", "Age in years", UInt, false),
    el(EU_PID, "age_birth_year", "Year of birth", UInt, false),
    el(
        EU_PID,
        "family_name_birth",
        "Family name at birth",
        Text,
        false,
    ),
    el(
        EU_PID,
        "given_name_birth",
        "Given names at birth",
        Text,
        false,
    ),
    el(EU_PID, "place_of_birth", "Place of birth", Any, false),
    el(EU_PID, "birth_place", "Place of birth", Text, false),
    el(
        EU_PID,
        "birth_country",
        "Country of birth",
        CountryCode,
        false,
    ),
    el(EU_PID, "birth_city", "Town or city of birth", Text, false),
    el(EU_PID, "resident_address", "Home address", Text, true),
    el(
        EU_PID,
        "resident_country",
        "Country of residence",
        CountryCode,
        false,
    ),
    el(
        EU_PID,
        "resident_state",
        "State or region of residence",
        Text,
        true,
    ),
    el(
        EU_PID,
        "resident_city",
        "Town or city of residence",
        Text,
        true,
    ),
    el(EU_PID, "resident_postal_code", "Postcode", Text, true),
    el(EU_PID, "resident_street", "Street", Text, true),
    el(EU_PID, "resident_house_number", "House number", Text, true),
    el(EU_PID, "sex", "Sex", Sex, false),
    el(EU_PID, "nationality", "Nationality", CountryCodes, false),
    el(EU_PID, "issuance_date", "Issue date", DateOrDateTime, false),
    el(EU_PID, "expiry_date", "Expiry date", DateOrDateTime, false),
    el(
        EU_PID,
        "issuing_authority",
        "Issuing authority",
        Text,
        false,
    ),
    el(EU_PID, "document_number", "Document number", Text, false),
    el(
        EU_PID,
        "personal_administrative_number",
        "Personal administrative number",
        Text,
        true,
    ),
    el(
        EU_PID,
        "issuing_country",
        "Issuing country",
        CountryCode,
        false,
    ),
    el(
        EU_PID,
        "issuing_jurisdiction",
        "Issuing jurisdiction",
        Text,
        false,
    ),
    el(EU_PID, "portrait", "Photo", Bytes, true),
    el(EU_PID, "email_address", "Email address", Text, true),
    el(
        EU_PID,
        "mobile_phone_number",
        "Mobile phone number",
        Text,
        true,
    ),
];

/// The UK digital ID's own namespace (DESIGN.md; this project's proposal).
const UK_ELEMENTS: &[ElementDefinition] = &[
    el(
        UK_DIGITAL_ID,
        "right_to_work",
        "Right to work in the UK",
        Bool,
        false,
    ),
    el(
        UK_DIGITAL_ID,
        "right_to_work_expiry",
        "Right to work ends on",
        FullDate,
        false,
    ),
    el(
        UK_DIGITAL_ID,
        "work_restrictions",
        "Work restrictions",
        Text,
        false,
    ),
    el(
        UK_DIGITAL_ID,
        "max_weekly_hours",
        "Maximum weekly working hours",
        UInt,
        false,
    ),
    el(
        UK_DIGITAL_ID,
        "immigration_status",
        "Immigration status",
        Text,
        true,
    ),
    el(
        UK_DIGITAL_ID,
        "national_insurance_number",
        "National Insurance number",
        Text,
        true,
    ),
];

pub(super) const DOC_TYPES: &[DocTypeDefinition] = &[
    DocTypeDefinition {
        doc_type: MDL,
        display_name: "Driving licence",
        namespaces: &[(ISO, ISO_ELEMENTS), (GB_NAMESPACE, GB_ELEMENTS)],
        excludes_health_data: false,
    },
    DocTypeDefinition {
        doc_type: EU_PID,
        display_name: "EU personal ID",
        namespaces: &[(EU_PID, PID_ELEMENTS)],
        excludes_health_data: false,
    },
    DocTypeDefinition {
        doc_type: UK_DIGITAL_ID,
        display_name: "UK digital ID",
        namespaces: &[(ISO, ISO_ELEMENTS), (UK_DIGITAL_ID, UK_ELEMENTS)],
        // The scheme's promise: the digital ID will not carry NHS (or any health) data.
        excludes_health_data: true,
    },
];

/// Dot-separated namespace components that mark a health namespace (see
/// `registry::is_health_namespace`): NHS and other health records, the EU health insurance
/// card (`eu.europa.ec.eudi.ehic.1`), vaccination and prescription records.
pub(super) const HEALTH_NAMESPACE_WORDS: &[&str] = &[
    "health",
    "nhs",
    "medical",
    "ehic",
    "vaccination",
    "vaccine",
    "prescription",
    "hl7",
    "fhir",
];

/// Element identifiers that are health data in any namespace: the AAMVA mDL extension's
/// `organ_donor`, NHS and health-insurance numbers, and medical details.
pub(super) const HEALTH_ELEMENTS: &[&str] = &[
    "nhs_number",
    "chi_number",
    "hcn",
    "health_insurance_number",
    "organ_donor",
    "blood_type",
    "blood_group",
    "medical_conditions",
    "medical_notes",
    "allergies",
    "medications",
    "disabilities",
    "disability",
    "vaccination_status",
    "vaccinations",
    "pregnancy",
    "mental_health",
    "gp_practice",
];
