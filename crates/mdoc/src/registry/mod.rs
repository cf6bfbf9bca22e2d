//! The doc-type registry: what each data element of the supported document types is, how to
//! label it on a consent screen, whether it is sensitive, and what values it may hold.
//!
//! Supported: the ISO mDL (`org.iso.18013.5.1.mDL`, with GOV.UK's `org.iso.18013.5.1.GB`
//! extras), the EU PID (`eu.europa.ec.eudi.pid.1`) and the UK digital ID
//! (`uk.gov.digital-id.1`, this project's proposal). Tables are static: nothing is allocated
//! at start-up.

mod tables;
mod validate;

pub use validate::{RegistryError, validate};

/// The CBOR type an element's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ElementType {
    /// tstr.
    Text,
    /// bool.
    Bool,
    /// uint.
    UInt,
    /// bstr (images, templates).
    Bytes,
    /// full-date: tag 1004 "YYYY-MM-DD" (the untagged text is accepted too).
    FullDate,
    /// tdate (tag 0) or full-date.
    DateOrDateTime,
    /// ISO 3166-1 alpha-2 country code as tstr.
    CountryCode,
    /// One or more country codes: a tstr or an array of tstr (EU PID nationality).
    CountryCodes,
    /// ISO/IEC 5218 sex code: 0, 1, 2 or 9.
    Sex,
    /// The mDL driving_privileges array of maps with a vehicle_category_code.
    DrivingPrivileges,
    /// Any CBOR value (structures this registry does not model).
    Any,
}

/// One data element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementDefinition {
    /// The namespace.
    pub namespace: &'static str,
    /// The element identifier.
    pub identifier: &'static str,
    /// A human label for consent screens (English).
    pub label: &'static str,
    /// The value's type.
    pub value_type: ElementType,
    /// True for data whose disclosure needs particular care (images, biometrics, national
    /// insurance number, address, immigration status).
    pub sensitive: bool,
}

/// A document type and its namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocTypeDefinition {
    /// The doc type identifier.
    pub doc_type: &'static str,
    /// A human name for the document.
    pub display_name: &'static str,
    /// Namespaces and their elements.
    pub namespaces: &'static [(&'static str, &'static [ElementDefinition])],
    /// True when the document must carry no health data ([`refusal`]): the UK digital ID's
    /// promise to citizens is that it holds no NHS or other health records.
    pub excludes_health_data: bool,
}

/// Why the registry refuses an element for a document type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Health data (a health namespace or a health element) in a document that must carry none.
    HealthData,
}

/// Whether `namespace` is a health namespace: one of its dot-separated components is a word
/// of the registry's health-namespace list (`org.example.health.1`, `uk.nhs.record`,
/// `eu.europa.ec.eudi.ehic.1`), compared ignoring ASCII case.
pub fn is_health_namespace(namespace: &str) -> bool {
    namespace.split(['.', '-', '_']).any(|part| {
        tables::HEALTH_NAMESPACE_WORDS
            .iter()
            .any(|w| part.eq_ignore_ascii_case(w))
    })
}

/// Whether `identifier` names health data (the registry's health-element list, compared
/// ignoring ASCII case) in any namespace.
pub fn is_health_element(identifier: &str) -> bool {
    tables::HEALTH_ELEMENTS
        .iter()
        .any(|h| identifier.eq_ignore_ascii_case(h))
}

/// Whether `doc_type` refuses the element (`namespace`, `identifier`) outright, whatever its
/// value: health data in a document that must carry none. `None` for every element of a doc
/// type without such a rule.
pub fn refusal(doc_type: &str, namespace: &str, identifier: &str) -> Option<Refusal> {
    let definition = self::doc_type(doc_type)?;
    (definition.excludes_health_data
        && (is_health_namespace(namespace) || is_health_element(identifier)))
    .then_some(Refusal::HealthData)
}

/// The ISO mDL doc type.
pub const MDL: &str = "org.iso.18013.5.1.mDL";
/// The ISO mDL namespace.
pub const ISO_NAMESPACE: &str = "org.iso.18013.5.1";
/// GOV.UK's mDL extras namespace.
pub const GB_NAMESPACE: &str = "org.iso.18013.5.1.GB";
/// The EU PID doc type and namespace.
pub const EU_PID: &str = "eu.europa.ec.eudi.pid.1";
/// The UK digital ID doc type and namespace.
pub const UK_DIGITAL_ID: &str = "uk.gov.digital-id.1";

/// Every supported document type.
pub fn doc_types() -> &'static [DocTypeDefinition] {
    tables::DOC_TYPES
}

/// The definition of `doc_type`, if supported.
pub fn doc_type(doc_type: &str) -> Option<&'static DocTypeDefinition> {
    tables::DOC_TYPES.iter().find(|d| d.doc_type == doc_type)
}

/// The two-digit threshold of an `age_over_NN` identifier.
pub fn age_over_threshold(identifier: &str) -> Option<u8> {
    let digits = identifier.strip_prefix("age_over_")?;
    if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The definition of an element of `doc_type`, `age_over_NN` included for any NN.
pub fn element(doc_type: &str, namespace: &str, identifier: &str) -> Option<ElementDefinition> {
    let definition = self::doc_type(doc_type)?;
    let (ns, elements) = definition
        .namespaces
        .iter()
        .find(|(ns, _)| *ns == namespace)?;
    if let Some(found) = elements.iter().find(|e| e.identifier == identifier) {
        return Some(*found);
    }
    let supports_age = elements.iter().any(|e| e.identifier == "age_over_NN");
    (supports_age && age_over_threshold(identifier).is_some()).then_some(ElementDefinition {
        namespace: ns,
        identifier: "age_over_NN",
        label: "Over a given age",
        value_type: ElementType::Bool,
        sensitive: false,
    })
}

/// A label for an element: the registry's, `Over NN` for age attestations, or the identifier
/// made readable for elements the registry does not know.
pub fn label(doc_type: &str, namespace: &str, identifier: &str) -> String {
    if let Some(threshold) = age_over_threshold(identifier) {
        return format!("Over {threshold}");
    }
    match element(doc_type, namespace, identifier) {
        Some(def) => def.label.to_owned(),
        None => {
            let spaced = identifier.replace('_', " ");
            let mut chars = spaced.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_cover_each_doc_type() {
        assert_eq!(doc_types().len(), 3);
        assert_eq!(
            element(MDL, ISO_NAMESPACE, "family_name").map(|e| e.label),
            Some("Family name")
        );
        assert_eq!(
            element(MDL, GB_NAMESPACE, "title").map(|e| e.value_type),
            Some(ElementType::Text)
        );
        assert!(element(MDL, ISO_NAMESPACE, "portrait").is_some_and(|e| e.sensitive));
        assert_eq!(
            element(EU_PID, EU_PID, "nationality").map(|e| e.value_type),
            Some(ElementType::CountryCodes)
        );
        assert_eq!(
            element(UK_DIGITAL_ID, UK_DIGITAL_ID, "right_to_work").map(|e| e.value_type),
            Some(ElementType::Bool)
        );
        assert!(
            element(UK_DIGITAL_ID, UK_DIGITAL_ID, "national_insurance_number")
                .is_some_and(|e| e.sensitive)
        );
        assert!(element(UK_DIGITAL_ID, ISO_NAMESPACE, "given_name").is_some());
        assert!(element(MDL, ISO_NAMESPACE, "age_over_42").is_some());
        assert!(element(MDL, ISO_NAMESPACE, "age_over_4").is_none());
        assert!(element(MDL, ISO_NAMESPACE, "no_such_element").is_none());
        assert!(element("unknown.doc", ISO_NAMESPACE, "family_name").is_none());
    }

    #[test]
    fn the_uk_digital_id_refuses_health_data() {
        for (namespace, identifier) in [
            ("uk.nhs.1", "nhs_number"),
            ("org.example.health.1", "anything"),
            ("eu.europa.ec.eudi.ehic.1", "card_number"),
            ("UK.GOV.MEDICAL", "x"),
            (UK_DIGITAL_ID, "nhs_number"),
            (UK_DIGITAL_ID, "Blood_Type"),
            (ISO_NAMESPACE, "organ_donor"),
            (ISO_NAMESPACE, "medical_conditions"),
        ] {
            assert_eq!(
                refusal(UK_DIGITAL_ID, namespace, identifier),
                Some(Refusal::HealthData),
                "{namespace} {identifier}"
            );
            // No other doc type has the rule, and an unknown doc type has no rules.
            assert_eq!(refusal(MDL, namespace, identifier), None);
            assert_eq!(refusal("org.example.doc", namespace, identifier), None);
            // The registry defines no health element for the UK digital ID.
            assert!(element(UK_DIGITAL_ID, namespace, identifier).is_none());
        }
        // Every element the UK digital ID does define is accepted; a word merely containing
        // "health" as a substring of a component is not a health namespace.
        let uk = doc_type(UK_DIGITAL_ID)
            .map(|d| d.namespaces)
            .unwrap_or_default();
        assert!(!uk.is_empty());
        for (namespace, elements) in uk {
            for e in *elements {
                assert_eq!(refusal(UK_DIGITAL_ID, namespace, e.identifier), None);
            }
        }
        assert!(!is_health_namespace("org.example.healthy"));
        assert!(is_health_namespace("org.example.health"));
        assert!(!is_health_element("right_to_work"));
    }

    #[test]
    fn labels() {
        assert_eq!(label(MDL, ISO_NAMESPACE, "age_over_18"), "Over 18");
        assert_eq!(
            label(UK_DIGITAL_ID, UK_DIGITAL_ID, "right_to_work"),
            "Right to work in the UK"
        );
        assert_eq!(
            label(MDL, ISO_NAMESPACE, "favourite_colour"),
            "Favourite colour"
        );
        assert_eq!(label(MDL, ISO_NAMESPACE, ""), "");
        assert_eq!(age_over_threshold("age_over_65"), Some(65));
        assert_eq!(age_over_threshold("age_over_6a"), None);
    }
}
