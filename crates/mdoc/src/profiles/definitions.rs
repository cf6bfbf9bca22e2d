//! The profiles themselves.

use crate::registry::{EU_PID, ISO_NAMESPACE, MDL, UK_DIGITAL_ID};

/// Why a verifier asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// An employer's right-to-work check.
    RightToWork,
    /// A case worker's benefits eligibility check.
    Benefits,
    /// An age check at the given threshold (age_over_NN).
    AgeCheck(u8),
}

impl Purpose {
    /// A stable identifier, used as the `purpose` in a request's requestInfo.
    pub fn id(self) -> String {
        match self {
            Purpose::RightToWork => "right_to_work".to_owned(),
            Purpose::Benefits => "benefits".to_owned(),
            Purpose::AgeCheck(nn) => format!("age_over_{nn:02}"),
        }
    }

    /// The purpose for an identifier made by [`Purpose::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "right_to_work" => Some(Purpose::RightToWork),
            "benefits" => Some(Purpose::Benefits),
            other => crate::registry::age_over_threshold(other).map(Purpose::AgeCheck),
        }
    }

    /// A human name.
    pub fn display_name(self) -> String {
        match self {
            Purpose::RightToWork => "Right to work check".to_owned(),
            Purpose::Benefits => "Benefits check".to_owned(),
            Purpose::AgeCheck(nn) => format!("Age check (over {nn})"),
        }
    }
}

/// Whether the verifier may keep an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// The purpose requires a record (for example an employer's right-to-work record).
    Required,
    /// Retention is acceptable but not needed.
    Allowed,
    /// The element is for inspection only: retaining it is over-reach.
    NotNeeded,
}

/// A condition under which an element is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Needed only when the holder's nationality is none of these (ISO 3166-1 alpha-2).
    NationalityNotIn(&'static [&'static str]),
}

/// One element a profile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileElement {
    /// Namespace.
    pub namespace: &'static str,
    /// Element identifier.
    pub identifier: &'static str,
    /// Whether the verifier may retain it.
    pub retention: Retention,
    /// When the element is needed at all.
    pub condition: Option<Condition>,
}

/// A purpose with the elements it needs and those it explicitly must not ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeProfile {
    /// The purpose.
    pub purpose: Purpose,
    /// Document types that serve the purpose.
    pub doc_types: &'static [&'static str],
    /// The elements needed.
    pub elements: Vec<ProfileElement>,
    /// Elements the purpose must not ask for, with the reason shown to the citizen.
    pub excluded: &'static [(&'static str, &'static str, &'static str)],
}

const fn need(
    namespace: &'static str,
    identifier: &'static str,
    retention: Retention,
) -> ProfileElement {
    ProfileElement {
        namespace,
        identifier,
        retention,
        condition: None,
    }
}

const fn unless_british_or_irish(element: ProfileElement) -> ProfileElement {
    ProfileElement {
        condition: Some(Condition::NationalityNotIn(&["GB", "IE"])),
        ..element
    }
}

const RTW_EXCLUDED: &[(&str, &str, &str)] = &[
    (
        ISO_NAMESPACE,
        "resident_address",
        "An employer does not need your address to check your right to work.",
    ),
    (
        ISO_NAMESPACE,
        "resident_postal_code",
        "An employer does not need your postcode to check your right to work.",
    ),
    (
        ISO_NAMESPACE,
        "resident_city",
        "An employer does not need where you live to check your right to work.",
    ),
    (
        UK_DIGITAL_ID,
        "national_insurance_number",
        "Your National Insurance number is not part of a right-to-work check.",
    ),
    (
        ISO_NAMESPACE,
        "driving_privileges",
        "Driving entitlements are not part of a right-to-work check.",
    ),
];

const BENEFITS_EXCLUDED: &[(&str, &str, &str)] = &[
    (
        ISO_NAMESPACE,
        "driving_privileges",
        "Driving entitlements are not part of a benefits check.",
    ),
    (
        UK_DIGITAL_ID,
        "work_restrictions",
        "Work restrictions are not part of a benefits check.",
    ),
];

/// The profile for `purpose`.
pub fn profile(purpose: Purpose) -> PurposeProfile {
    use Retention::*;
    match purpose {
        Purpose::RightToWork => PurposeProfile {
            purpose,
            doc_types: &[UK_DIGITAL_ID],
            elements: vec![
                need(ISO_NAMESPACE, "family_name", Required),
                need(ISO_NAMESPACE, "given_name", Required),
                need(ISO_NAMESPACE, "birth_date", Required),
                need(ISO_NAMESPACE, "portrait", Required),
                need(ISO_NAMESPACE, "nationality", Required),
                need(UK_DIGITAL_ID, "right_to_work", Required),
                // A British or Irish citizen's right to work has no expiry or conditions.
                unless_british_or_irish(need(UK_DIGITAL_ID, "right_to_work_expiry", Required)),
                unless_british_or_irish(need(UK_DIGITAL_ID, "work_restrictions", Required)),
                unless_british_or_irish(need(UK_DIGITAL_ID, "max_weekly_hours", Required)),
                need(ISO_NAMESPACE, "expiry_date", NotNeeded),
            ],
            excluded: RTW_EXCLUDED,
        },
        Purpose::Benefits => PurposeProfile {
            purpose,
            doc_types: &[UK_DIGITAL_ID],
            elements: vec![
                need(ISO_NAMESPACE, "family_name", Allowed),
                need(ISO_NAMESPACE, "given_name", Allowed),
                need(ISO_NAMESPACE, "birth_date", Allowed),
                need(UK_DIGITAL_ID, "national_insurance_number", Allowed),
                need(ISO_NAMESPACE, "resident_address", Allowed),
                need(ISO_NAMESPACE, "resident_postal_code", Allowed),
                ProfileElement {
                    namespace: UK_DIGITAL_ID,
                    identifier: "immigration_status",
                    retention: Allowed,
                    condition: Some(Condition::NationalityNotIn(&["GB", "IE"])),
                },
                need(ISO_NAMESPACE, "portrait", NotNeeded),
            ],
            excluded: BENEFITS_EXCLUDED,
        },
        Purpose::AgeCheck(nn) => PurposeProfile {
            purpose,
            doc_types: &[UK_DIGITAL_ID, MDL, EU_PID],
            elements: vec![
                // The identifier is matched by pattern (any age_over_NN); see `assess`.
                ProfileElement {
                    namespace: "*",
                    identifier: age_identifier(nn),
                    retention: NotNeeded,
                    condition: None,
                },
            ],
            excluded: &[],
        },
    }
}

/// `age_over_NN` as a static string for the common thresholds; other thresholds match by
/// pattern in `assess` anyway.
fn age_identifier(nn: u8) -> &'static str {
    match nn {
        16 => "age_over_16",
        18 => "age_over_18",
        21 => "age_over_21",
        25 => "age_over_25",
        65 => "age_over_65",
        _ => "age_over_NN",
    }
}

impl PurposeProfile {
    /// The elements a verifier requests for this purpose, per namespace, with intent to retain
    /// (the holder's nationality is unknown to a verifier, so conditional elements are included).
    pub fn request_elements(&self, doc_type: &str) -> Vec<(String, String, bool)> {
        match self.purpose {
            Purpose::AgeCheck(nn) => {
                let namespace = if doc_type == EU_PID {
                    EU_PID
                } else {
                    ISO_NAMESPACE
                };
                vec![(namespace.to_owned(), format!("age_over_{nn:02}"), false)]
            }
            _ => self
                .elements
                .iter()
                .map(|e| {
                    (
                        e.namespace.to_owned(),
                        e.identifier.to_owned(),
                        e.retention == Retention::Required,
                    )
                })
                .collect(),
        }
    }

    /// The profile element for (namespace, identifier), if the profile needs it.
    pub fn element(&self, namespace: &str, identifier: &str) -> Option<&ProfileElement> {
        self.elements.iter().find(|e| {
            (e.namespace == namespace || e.namespace == "*")
                && (e.identifier == identifier
                    || (matches!(self.purpose, Purpose::AgeCheck(_))
                        && crate::registry::age_over_threshold(identifier).is_some()))
        })
    }
}
