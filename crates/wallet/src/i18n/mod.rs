//! Every citizen-facing string the core produces, in English and Welsh.
//!
//! The strings are data: Fluent files (`en.ftl`, `cy.ftl` beside this module), parsed at build
//! time (`build.rs`, with `fluent-syntax`) into compact tables that [`table`] formats, so that
//! the mobile library carries no Fluent parser or runtime. The app passes a [`Locale`]; a message
//! missing from the chosen locale falls back to English, and one missing from English to its
//! key (so a gap shows, never panics). Keys are built here from registry identifiers:
//! element labels `<prefix>-<identifier>` ([`element_key`]), document types `doc-<prefix>`,
//! purposes `purpose-<id>`, findings `finding-<kind>`.

pub(crate) mod accessible;
pub(crate) mod consent;
mod history;
mod table;

pub use accessible::{AccessibleConsent, AccessibleDocument, AccessibleItem};

use mdoc::registry::{self, EU_PID, GB_NAMESPACE, ISO_NAMESPACE, MDL, UK_DIGITAL_ID};

/// A language the wallet speaks to the citizen in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English (`en`), the fallback.
    #[default]
    English,
    /// Welsh (`cy`).
    Welsh,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::English, Locale::Welsh];

    /// The locale for a BCP 47 tag the platform reports (`cy`, `cy-GB`, `en-GB`, …): Welsh for
    /// any tag whose language subtag is `cy`, English for everything else.
    pub fn from_tag(tag: &str) -> Locale {
        let language = tag.split(['-', '_']).next().unwrap_or_default();
        if language.eq_ignore_ascii_case("cy") {
            Locale::Welsh
        } else {
            Locale::English
        }
    }

    /// The BCP 47 language tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::English => "en",
            Locale::Welsh => "cy",
        }
    }

    /// The locale's Fluent source (the library formats from the tables compiled from it; this is
    /// for tests and tools that check the source itself).
    pub fn source(self) -> &'static str {
        match self {
            Locale::English => include_str!("en.ftl"),
            Locale::Welsh => include_str!("cy.ftl"),
        }
    }
}

/// The messages of one locale.
#[derive(Debug)]
pub struct Messages {
    locale: Locale,
    table: &'static table::Table,
}

impl std::fmt::Debug for table::Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").finish_non_exhaustive()
    }
}

/// One argument of a message: its name and its (already formatted) text.
pub type Arg<'a> = (&'a str, &'a str);

impl Messages {
    /// The locale these messages are in.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// How many syntax or duplicate-key errors the locale's source has (the build warns).
    pub fn errors(&self) -> usize {
        self.table.errors
    }

    /// Whether the locale itself (not the fallback) has message `key`, or `key.attribute` when
    /// `key` contains a dot.
    pub fn has(&self, key: &str) -> bool {
        self.table.pattern(key).is_some()
    }

    /// Message `key` (or `key.attribute`) of this locale only, formatted with `args`; `None`
    /// when the locale lacks it or it needs an argument `args` lacks.
    pub fn lookup(&self, key: &str, args: &[Arg<'_>]) -> Option<String> {
        table::format(self.table.pattern(key)?, args)
    }

    /// Message `key` formatted with `args`: this locale's, else English, else the key itself.
    pub fn text(&self, key: &str, args: &[Arg<'_>]) -> String {
        self.lookup(key, args)
            .or_else(|| {
                (self.locale != Locale::English)
                    .then(|| messages(Locale::English).lookup(key, args))
                    .flatten()
            })
            .unwrap_or_else(|| key.to_owned())
    }

    /// Like [`Messages::text`] but `None` when neither this locale nor English has the key.
    pub fn text_opt(&self, key: &str, args: &[Arg<'_>]) -> Option<String> {
        self.lookup(key, args).or_else(|| {
            (self.locale != Locale::English)
                .then(|| messages(Locale::English).lookup(key, args))
                .flatten()
        })
    }

    /// The consent-screen label of an element of `doc_type`.
    pub fn element_label(&self, doc_type: &str, namespace: &str, identifier: &str) -> String {
        if let Some(age) = registry::age_over_threshold(identifier) {
            return self.text("age-over", &[("age", &age.to_string())]);
        }
        element_key(doc_type, namespace, identifier)
            .and_then(|key| self.text_opt(&key, &[]))
            .unwrap_or_else(|| registry::label(doc_type, namespace, identifier))
    }

    /// The element as a noun phrase for a sentence ("your date of birth", "eich dyddiad geni").
    pub fn element_phrase(&self, doc_type: &str, namespace: &str, identifier: &str) -> String {
        if let Some(age) = registry::age_over_threshold(identifier) {
            return self.text("age-over.phrase", &[("age", &age.to_string())]);
        }
        if let Some(key) = element_key(doc_type, namespace, identifier) {
            // A phrase is this locale's own (an English `.phrase` would not fit a Welsh label);
            // a locale without the element at all falls back to English whole.
            if !self.has(&key) && self.locale != Locale::English {
                return messages(Locale::English).element_phrase(doc_type, namespace, identifier);
            }
            if let Some(phrase) = self.lookup(&format!("{key}.phrase"), &[]) {
                return phrase;
            }
        }
        let label = lower_first(&self.element_label(doc_type, namespace, identifier));
        self.text("item-your", &[("label", &label)])
    }

    /// The human name of a document type.
    pub fn doc_type_name(&self, doc_type: &str) -> String {
        match doc_type_key(doc_type) {
            Some(key) => self.text(key, &[]),
            None => self.text("doc-unknown", &[("name", doc_type)]),
        }
    }

    /// The document as a noun phrase ("your UK digital ID").
    pub fn doc_type_phrase(&self, doc_type: &str) -> String {
        match doc_type_key(doc_type) {
            Some(key) => self.text(&format!("{key}.phrase"), &[]),
            None => self.text("doc-unknown.phrase", &[("name", doc_type)]),
        }
    }

    /// The name of a purpose.
    pub fn purpose(&self, purpose: mdoc::profiles::Purpose) -> String {
        use mdoc::profiles::Purpose;
        match purpose {
            Purpose::AgeCheck(age) => self.text("purpose-age_check", &[("age", &age.to_string())]),
            other => self.text(&format!("purpose-{}", other.id()), &[]),
        }
    }
}

/// The short prefix of a registry namespace in message keys.
pub fn namespace_prefix(namespace: &str) -> Option<&'static str> {
    match namespace {
        ISO_NAMESPACE => Some("iso"),
        GB_NAMESPACE => Some("gb"),
        EU_PID => Some("pid"),
        UK_DIGITAL_ID => Some("ukid"),
        _ => None,
    }
}

/// The message key of a document type the registry knows.
pub fn doc_type_key(doc_type: &str) -> Option<&'static str> {
    match doc_type {
        MDL => Some("doc-mdl"),
        EU_PID => Some("doc-pid"),
        UK_DIGITAL_ID => Some("doc-ukid"),
        _ => None,
    }
}

/// The message key of an element's label: for an element the registry defines for `doc_type`
/// (or, for an unregistered doc type, for any doc type), `<namespace prefix>-<identifier>`.
/// `age_over_NN` elements use `age-over` with the threshold instead.
pub fn element_key(doc_type: &str, namespace: &str, identifier: &str) -> Option<String> {
    let known = registry::element(doc_type, namespace, identifier).is_some()
        || (registry::doc_type(doc_type).is_none()
            && registry::doc_types()
                .iter()
                .any(|d| registry::element(d.doc_type, namespace, identifier).is_some()));
    let prefix = namespace_prefix(namespace)?;
    known.then(|| format!("{prefix}-{identifier}"))
}

/// The messages of `locale`.
pub fn messages(locale: Locale) -> &'static Messages {
    static ENGLISH: Messages = Messages {
        locale: Locale::English,
        table: &table::ENGLISH,
    };
    static WELSH: Messages = Messages {
        locale: Locale::Welsh,
        table: &table::WELSH,
    };
    match locale {
        Locale::English => &ENGLISH,
        Locale::Welsh => &WELSH,
    }
}

/// Every key (`id` and `id.attribute`) defined in `locale`'s source, sorted.
pub fn keys(locale: Locale) -> Vec<String> {
    messages(locale).table.keys().map(str::to_owned).collect()
}

/// `text` with its first character in lower case (labels start a sentence's noun phrase).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` with its first character in upper case (a sentence that starts with a phrase).
pub(crate) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        assert_eq!(Locale::from_tag("cy"), Locale::Welsh);
        assert_eq!(Locale::from_tag("cy-GB"), Locale::Welsh);
        assert_eq!(Locale::from_tag("CY_gb"), Locale::Welsh);
        assert_eq!(Locale::from_tag("en-GB"), Locale::English);
        assert_eq!(Locale::from_tag("fr"), Locale::English);
        assert_eq!(Locale::from_tag(""), Locale::English);
        assert_eq!(Locale::from_tag("cym"), Locale::English);
        assert_eq!(Locale::Welsh.tag(), "cy");
    }

    #[test]
    fn labels_and_phrases() {
        let en = messages(Locale::English);
        let cy = messages(Locale::Welsh);
        assert_eq!(
            en.element_label(UK_DIGITAL_ID, ISO_NAMESPACE, "birth_date"),
            "Date of birth"
        );
        assert_eq!(
            cy.element_label(UK_DIGITAL_ID, ISO_NAMESPACE, "birth_date"),
            "Dyddiad geni"
        );
        assert_eq!(
            en.element_phrase(UK_DIGITAL_ID, ISO_NAMESPACE, "birth_date"),
            "your date of birth"
        );
        assert_eq!(
            cy.element_phrase(UK_DIGITAL_ID, UK_DIGITAL_ID, "national_insurance_number"),
            "eich rhif Yswiriant Gwladol"
        );
        assert_eq!(
            en.element_phrase(UK_DIGITAL_ID, UK_DIGITAL_ID, "national_insurance_number"),
            "your National Insurance number"
        );
        assert_eq!(
            en.element_label(MDL, ISO_NAMESPACE, "age_over_18"),
            "Over 18"
        );
        assert_eq!(
            cy.element_label(MDL, ISO_NAMESPACE, "age_over_18"),
            "Dros 18"
        );
        assert_eq!(
            cy.element_phrase(MDL, ISO_NAMESPACE, "age_over_21"),
            "a ydych dros 21 oed"
        );
        // An element the registry does not know keeps its readable identifier.
        assert_eq!(
            cy.element_label(MDL, ISO_NAMESPACE, "favourite_colour"),
            "Favourite colour"
        );
        assert_eq!(
            cy.element_phrase(MDL, ISO_NAMESPACE, "favourite_colour"),
            "eich favourite colour"
        );
        assert_eq!(cy.doc_type_name(UK_DIGITAL_ID), "ID digidol y DU");
        assert_eq!(cy.doc_type_name("org.example.card"), "org.example.card");
        assert_eq!(
            cy.purpose(mdoc::profiles::Purpose::AgeCheck(18)),
            "Gwiriad oedran (dros 18)"
        );
        assert_eq!(
            en.purpose(mdoc::profiles::Purpose::RightToWork),
            "Right to work check"
        );
    }

    #[test]
    fn missing_keys_fall_back_to_english_then_the_key() {
        let cy = messages(Locale::Welsh);
        assert_eq!(cy.text("no-such-key", &[]), "no-such-key");
        assert!(cy.text_opt("no-such-key", &[]).is_none());
        assert!(!cy.has("no-such-key"));
        assert!(cy.has("iso-birth_date"));
        assert!(cy.has("doc-ukid.phrase"));
        assert!(!cy.has("iso-birth_date.phrase"));
        // A message whose argument is missing does not format: the fallback key shows.
        assert_eq!(cy.lookup("age-over", &[]), None);
    }
}
