//! Matching a request to a profile and finding where it asks for more than the purpose needs.

use super::definitions::{Condition, Purpose, PurposeProfile, Retention, profile};
use crate::registry::{self, age_over_threshold};

/// One requested element, as the wallet sees it in an ItemsRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// The verifier's declared intent to retain.
    pub intent_to_retain: bool,
}

/// Facts about the holder that decide conditional elements, read from their own credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolderFacts {
    /// The holder's nationality (ISO 3166-1 alpha-2), if held.
    pub nationality: Option<String>,
}

/// What kind of over-asking a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// The element is not needed for the purpose.
    NotInProfile,
    /// The purpose must not ask for this element at all.
    ExplicitlyExcluded,
    /// The exact birth date or age is asked where an age_over_NN attestation would do.
    AgeAttestationWouldDo,
    /// The verifier intends to keep an element the purpose needs only to see.
    RetentionNotNeeded,
    /// The element is needed only in circumstances that do not apply to this holder.
    ConditionNotMet,
    /// No registered purpose profile covers the request, so nothing shows the element is needed.
    NoRegisteredPurpose,
    /// The verifier's registration (its relying-party registration certificate) does not
    /// cover this element for the declared purpose, or it has no registration for that purpose
    /// at all: over-asking beyond registration, distinct from beyond the purpose profile.
    BeyondRegistration,
    /// The verifier is registered only in a role with no entitlement to demand ID (for
    /// example the police): the citizen does not have to share anything.
    RoleMayNotDemand,
}

/// One minimisation finding for the consent screen. The explanation never contains values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Namespace of the element.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// The kind of finding.
    pub kind: FindingKind,
    /// A short human explanation.
    pub explanation: String,
}

fn is_age_detail(identifier: &str) -> bool {
    matches!(identifier, "birth_date" | "age_in_years" | "age_birth_year")
}

/// The profile a request is for: the verifier's declared purpose when it names one that
/// serves `doc_type`, otherwise the profile the request fits best (age checks when only age
/// attestations are asked; otherwise the profile covering the largest share of the request, if
/// it covers at least half).
pub fn match_profile(
    doc_type: &str,
    requested: &[RequestedElement],
    declared: Option<Purpose>,
) -> Option<Purpose> {
    if let Some(purpose) = declared
        && profile(purpose).doc_types.contains(&doc_type)
    {
        return Some(purpose);
    }
    if requested.is_empty() {
        return None;
    }
    let ages: Vec<u8> = requested
        .iter()
        .filter_map(|r| age_over_threshold(&r.identifier))
        .collect();
    if ages.len() == requested.len() {
        return ages.into_iter().min().map(Purpose::AgeCheck);
    }
    [Purpose::RightToWork, Purpose::Benefits]
        .into_iter()
        .map(profile)
        .filter(|p| p.doc_types.contains(&doc_type))
        .map(|p| {
            let covered = requested
                .iter()
                .filter(|r| p.element(&r.namespace, &r.identifier).is_some())
                .count();
            (p.purpose, covered)
        })
        .filter(|(_, covered)| covered * 2 >= requested.len())
        .max_by_key(|(_, covered)| *covered)
        .map(|(purpose, _)| purpose)
}

/// Whether an element is sensitive: as the registry defines it for `doc_type`, or, for an
/// element `doc_type` does not define (an unregistered doc type reusing a namespace), as any
/// registered doc type defines the same namespace and identifier.
pub fn is_sensitive(doc_type: &str, namespace: &str, identifier: &str) -> bool {
    match registry::element(doc_type, namespace, identifier) {
        Some(definition) => definition.sensitive,
        None => registry::doc_types().iter().any(|d| {
            registry::element(d.doc_type, namespace, identifier).is_some_and(|e| e.sensitive)
        }),
    }
}

/// The findings for a request of `doc_type` that no purpose profile covers (see
/// [`match_profile`]): every element gets a [`FindingKind::NoRegisteredPurpose`] finding, so a
/// wallet pre-selects nothing; the explanation says when the registry marks it sensitive.
pub fn assess_without_profile(doc_type: &str, requested: &[RequestedElement]) -> Vec<Finding> {
    requested
        .iter()
        .map(|r| {
            let explanation = if is_sensitive(doc_type, &r.namespace, &r.identifier) {
                "No registered purpose covers this request, and this is sensitive information."
            } else {
                "No registered purpose covers this request."
            };
            Finding {
                namespace: r.namespace.clone(),
                identifier: r.identifier.clone(),
                kind: FindingKind::NoRegisteredPurpose,
                explanation: explanation.to_owned(),
            }
        })
        .collect()
}

/// Every place where `requested` asks for more than `profile` needs.
pub fn assess(
    profile: &PurposeProfile,
    requested: &[RequestedElement],
    facts: &HolderFacts,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push = |r: &RequestedElement, kind: FindingKind, explanation: String| {
        findings.push(Finding {
            namespace: r.namespace.clone(),
            identifier: r.identifier.clone(),
            kind,
            explanation,
        });
    };
    // Display names are ASCII, so ASCII lowercasing is exact (and spares the Unicode tables).
    let purpose = profile.purpose.display_name();
    for r in requested {
        if let Some((_, _, reason)) = profile
            .excluded
            .iter()
            .find(|(ns, id, _)| *ns == r.namespace && *id == r.identifier)
        {
            push(r, FindingKind::ExplicitlyExcluded, (*reason).to_owned());
            continue;
        }
        let Some(needed) = profile.element(&r.namespace, &r.identifier) else {
            let age_would_do = is_age_detail(&r.identifier)
                && (matches!(profile.purpose, Purpose::AgeCheck(_))
                    || profile.element(&r.namespace, "birth_date").is_none());
            if age_would_do {
                push(
                    r,
                    FindingKind::AgeAttestationWouldDo,
                    "Your exact age is asked where a yes/no \"over the age\" answer would do."
                        .to_owned(),
                );
            } else {
                push(
                    r,
                    FindingKind::NotInProfile,
                    format!("Not needed for a {}.", purpose.to_ascii_lowercase()),
                );
            }
            continue;
        };
        if let Some(Condition::NationalityNotIn(exempt)) = needed.condition {
            let exempt_holder = facts
                .nationality
                .as_deref()
                .is_some_and(|n| exempt.contains(&n));
            if exempt_holder {
                push(
                    r,
                    FindingKind::ConditionNotMet,
                    "Only needed for people who are not British or Irish citizens.".to_owned(),
                );
                continue;
            }
        }
        if r.intent_to_retain && needed.retention == Retention::NotNeeded {
            push(
                r,
                FindingKind::RetentionNotNeeded,
                format!(
                    "A {} only needs to see this, not keep it.",
                    purpose.to_ascii_lowercase()
                ),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{ISO_NAMESPACE, UK_DIGITAL_ID};

    fn element(identifier: &str) -> RequestedElement {
        RequestedElement {
            namespace: ISO_NAMESPACE.to_owned(),
            identifier: identifier.to_owned(),
            intent_to_retain: false,
        }
    }

    #[test]
    fn without_a_profile_every_element_has_a_finding() {
        let requested = [
            element("given_name"),
            element("portrait"),
            element("x_unknown"),
        ];
        let findings = assess_without_profile(UK_DIGITAL_ID, &requested);
        assert_eq!(findings.len(), requested.len());
        for (finding, r) in findings.iter().zip(&requested) {
            assert_eq!(finding.identifier, r.identifier);
            assert_eq!(finding.kind, FindingKind::NoRegisteredPurpose);
        }
        // The portrait is sensitive in the registry and the explanation says so.
        assert!(findings[1].explanation.contains("sensitive"));
        assert!(!findings[0].explanation.contains("sensitive"));
        assert!(assess_without_profile("org.example.unknown", &[]).is_empty());
        // An unregistered doc type asking for the ISO portrait is still flagged sensitive.
        let unknown = assess_without_profile("org.example.unknown", &[element("portrait")]);
        assert!(unknown[0].explanation.contains("sensitive"));
        assert!(is_sensitive(
            "org.example.unknown",
            ISO_NAMESPACE,
            "portrait"
        ));
        assert!(!is_sensitive(
            "org.example.unknown",
            ISO_NAMESPACE,
            "given_name"
        ));
        assert!(!is_sensitive(UK_DIGITAL_ID, ISO_NAMESPACE, "x_unknown"));
    }
}
