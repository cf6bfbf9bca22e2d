//! What one history entry says, and building it from a consent object and the citizen's
//! answer. Identifiers only: no element value ever reaches an entry.

use mdoc::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::consent::{ConsentRequest, ReaderTrust, Selection, VerifierIdentity};
use crate::registration::{RegistrationStatus, RegistrationVerdict, UnverifiedReason};
use crate::wallet::WalletError;

/// How the wallet was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// ISO 18013-5 proximity (QR engagement).
    #[serde(rename = "proximity")]
    Proximity,
    /// The Digital Credentials API, protocol `org-iso-mdoc` (ISO/IEC TS 18013-7 Annex C).
    #[serde(rename = "dc_api")]
    DcApi,
    /// OpenID4VP through the Digital Credentials API.
    #[serde(rename = "openid4vp_dc_api")]
    OpenId4VpDcApi,
    /// OpenID4VP by redirect or QR code (`direct_post`).
    #[serde(rename = "openid4vp_redirect")]
    OpenId4VpRedirect,
    /// A credential offered by an issuer (provisioning).
    #[serde(rename = "issuance")]
    Issuance,
}

/// How the attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The citizen approved and the listed elements were disclosed.
    #[serde(rename = "approved")]
    Approved,
    /// The citizen declined (or approved nothing): nothing was disclosed.
    #[serde(rename = "declined")]
    Declined,
    /// The request or response failed: nothing was disclosed.
    #[serde(rename = "failed")]
    Failed,
    /// The session ended, or the app cancelled, before the citizen answered.
    #[serde(rename = "cancelled")]
    Cancelled,
    /// A credential was verified and stored.
    #[serde(rename = "issued")]
    Issued,
    /// A credential offered was refused; nothing was stored.
    #[serde(rename = "refused")]
    Refused,
}

/// The trust verdict as the consent screen showed it. Stored and exported as one flat object,
/// `{"verdict": "trusted", "anchor": ...}`, read through `TrustFields`: serde's internally
/// tagged enums buffer every field first, which cost the shipped library 10 KB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TrustFields", into = "TrustFields")]
pub enum Trust {
    /// Verified; the anchor's common name.
    #[serde(rename = "trusted")]
    Trusted {
        /// The reader root (or, for issuance, the issuer) the chain ends at.
        anchor: String,
    },
    /// Authentication present but failed; why.
    #[serde(rename = "untrusted")]
    Untrusted {
        /// The failed check.
        reason: String,
    },
    /// The verifier did not identify itself.
    #[serde(rename = "not_authenticated")]
    NotAuthenticated,
    /// Nothing was verified (the request failed first, or the issuer was refused).
    #[serde(rename = "unknown")]
    Unknown,
}

/// [`Trust`] as stored: the verdict and the field that goes with it.
#[derive(Serialize, Deserialize)]
struct TrustFields {
    verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anchor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum Verdict {
    #[serde(rename = "trusted")]
    Trusted,
    #[serde(rename = "untrusted")]
    Untrusted,
    #[serde(rename = "not_authenticated")]
    NotAuthenticated,
    #[serde(rename = "unknown")]
    Unknown,
}

impl TryFrom<TrustFields> for Trust {
    type Error = &'static str;

    fn try_from(fields: TrustFields) -> Result<Self, Self::Error> {
        Ok(match (fields.verdict, fields.anchor, fields.reason) {
            (Verdict::Trusted, Some(anchor), None) => Trust::Trusted { anchor },
            (Verdict::Untrusted, None, Some(reason)) => Trust::Untrusted { reason },
            (Verdict::NotAuthenticated, None, None) => Trust::NotAuthenticated,
            (Verdict::Unknown, None, None) => Trust::Unknown,
            _ => return Err("trust verdict with the wrong fields"),
        })
    }
}

impl From<Trust> for TrustFields {
    fn from(trust: Trust) -> Self {
        let (verdict, anchor, reason) = match trust {
            Trust::Trusted { anchor } => (Verdict::Trusted, Some(anchor), None),
            Trust::Untrusted { reason } => (Verdict::Untrusted, None, Some(reason)),
            Trust::NotAuthenticated => (Verdict::NotAuthenticated, None, None),
            Trust::Unknown => (Verdict::Unknown, None, None),
        };
        TrustFields {
            verdict,
            anchor,
            reason,
        }
    }
}

/// Who the wallet dealt with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The name shown (organisation, common name or origin), if any.
    pub name: Option<String>,
    /// Organisation from the certificate.
    pub organization: Option<String>,
    /// Common name from the certificate.
    pub common_name: Option<String>,
    /// Country from the certificate.
    pub country: Option<String>,
    /// The origin or response URI an online request came from.
    pub origin: Option<String>,
    /// The trust verdict shown.
    pub trust: Trust,
}

impl Party {
    fn unknown() -> Party {
        Party {
            name: None,
            organization: None,
            common_name: None,
            country: None,
            origin: None,
            trust: Trust::Unknown,
        }
    }

    fn of(verifier: &VerifierIdentity) -> Party {
        Party {
            name: verifier
                .organization
                .clone()
                .or_else(|| verifier.common_name.clone())
                .or_else(|| verifier.origin.clone()),
            organization: verifier.organization.clone(),
            common_name: verifier.common_name.clone(),
            country: verifier.country.clone(),
            origin: verifier.origin.clone(),
            trust: match &verifier.trust {
                ReaderTrust::Trusted { anchor } => Trust::Trusted {
                    anchor: anchor.clone(),
                },
                ReaderTrust::Untrusted { reason } => Trust::Untrusted {
                    reason: reason.clone(),
                },
                ReaderTrust::NotAuthenticated => Trust::NotAuthenticated,
            },
        }
    }

    /// Whether `name` is this party's shown name, organisation, common name or origin.
    pub fn is(&self, name: &str) -> bool {
        [
            &self.name,
            &self.organization,
            &self.common_name,
            &self.origin,
        ]
        .into_iter()
        .flatten()
        .any(|n| n == name)
    }
}

/// An element, by identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementRef {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
}

/// A requested element and whether the verifier said it would keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedRef {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// The verifier's declared intent to retain.
    pub intent_to_retain: bool,
}

/// The registration verdict, as the consent screen showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistrationOutcome {
    /// A verified registration bound to the verifier covers the declared purpose.
    #[serde(rename = "registered")]
    Registered,
    /// Verified, but not registered for the purpose the verifier declared.
    #[serde(rename = "not_registered_for_purpose")]
    NotRegisteredForPurpose,
    /// Sent but could not be verified.
    #[serde(rename = "unverified")]
    Unverified,
}

/// The verifier's registration verdict for one document: the verifier's registered name and
/// purpose identifiers, never anything of the citizen's. Stored and exported as one flat
/// object (no internally tagged enum: see [`Trust`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRecord {
    /// Registered, not registered for the purpose, or unverified.
    pub status: RegistrationOutcome,
    /// The registered trade name (not for an unverified registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The registered identifier (`sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The registrar that issued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrar: Option<String>,
    /// The purposes it is registered for (registered: the one that covered the request).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<String>,
    /// Not registered for the purpose: the purpose the verifier declared, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    /// Unverified: the kind of failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnverifiedReason>,
    /// The role (policy table identifier, e.g. `police`) with no entitlement to demand ID,
    /// when that was shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_entitlement_role: Option<String>,
}

impl From<&RegistrationVerdict> for RegistrationRecord {
    fn from(verdict: &RegistrationVerdict) -> Self {
        let mut record = RegistrationRecord {
            status: RegistrationOutcome::Unverified,
            organisation: None,
            identifier: None,
            registrar: None,
            purposes: Vec::new(),
            declared: None,
            reason: None,
            no_entitlement_role: verdict.no_entitlement_role.clone(),
        };
        match &verdict.status {
            RegistrationStatus::Registered {
                organisation,
                identifier,
                registrar,
                purpose,
            } => {
                record.status = RegistrationOutcome::Registered;
                record.organisation = Some(organisation.clone());
                record.identifier = Some(identifier.clone());
                record.registrar = Some(registrar.clone());
                record.purposes = vec![purpose.clone()];
            }
            RegistrationStatus::NotRegisteredForPurpose {
                organisation,
                identifier,
                registrar,
                declared,
                registered,
            } => {
                record.status = RegistrationOutcome::NotRegisteredForPurpose;
                record.organisation = Some(organisation.clone());
                record.identifier = Some(identifier.clone());
                record.registrar = Some(registrar.clone());
                record.purposes = registered.clone();
                record.declared = declared.clone();
            }
            RegistrationStatus::Unverified { category, .. } => {
                record.reason = Some(*category);
            }
        }
        record
    }
}

/// One document of the attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryDocument {
    /// The doc type.
    pub doc_type: String,
    /// The stored credential that answered (or was issued), if any.
    pub credential_id: Option<String>,
    /// The purpose the request was measured against (`right_to_work`, `benefits`,
    /// `age_over_NN`), if any.
    pub purpose: Option<String>,
    /// Whether the verifier declared that purpose (false: inferred).
    pub purpose_declared: bool,
    /// The elements requested, with intent to retain.
    pub requested: Vec<RequestedRef>,
    /// The elements disclosed (the identifiers actually sent: an `age_over_NN` may be answered
    /// by another threshold).
    pub disclosed: Vec<ElementRef>,
    /// The verifier's registration verdict as shown (none: no registration was sent, or an
    /// entry written before registrations were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationRecord>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The entry's id in the store (its sequence number).
    pub id: String,
    /// When, by the wallet's clock.
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
    /// The channel.
    pub channel: Channel,
    /// The outcome.
    pub outcome: Outcome,
    /// The verifier (or issuer).
    pub party: Party,
    /// The documents requested (or issued).
    pub documents: Vec<HistoryDocument>,
    /// For failures and refusals: what went wrong (no personal data).
    pub error: Option<String>,
}

impl HistoryEntry {
    /// Every element identifier disclosed, over all documents.
    pub fn disclosed(&self) -> impl Iterator<Item = &ElementRef> {
        self.documents.iter().flat_map(|d| &d.disclosed)
    }
}

mod rfc3339 {
    use mdoc::time::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// The entry for a presentation attempt on `consent`. For [`Outcome::Approved`], the
/// disclosed elements are those `selection` approves that the wallet holds (what the response
/// carries); an approval that discloses nothing is recorded as declined.
pub(crate) fn presentation(
    channel: Channel,
    consent: &ConsentRequest,
    selection: Option<&Selection>,
    outcome: Outcome,
) -> HistoryEntry {
    let documents: Vec<HistoryDocument> = consent
        .documents
        .iter()
        .map(|d| {
            let disclosed = match (outcome, selection) {
                (Outcome::Approved, Some(selection)) if d.credential_id.is_some() => d
                    .elements
                    .iter()
                    .filter(|e| selection.contains(&d.doc_type, &e.namespace, &e.identifier))
                    .filter_map(|e| {
                        Some(ElementRef {
                            namespace: e.namespace.clone(),
                            identifier: e.disclosed_as.clone()?,
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            HistoryDocument {
                doc_type: d.doc_type.clone(),
                credential_id: d.credential_id.clone(),
                purpose: d.purpose.map(|p| p.id()),
                purpose_declared: d.purpose_declared,
                requested: d
                    .elements
                    .iter()
                    .map(|e| RequestedRef {
                        namespace: e.namespace.clone(),
                        identifier: e.identifier.clone(),
                        intent_to_retain: e.intent_to_retain,
                    })
                    .collect(),
                disclosed,
                registration: d.registration.as_ref().map(RegistrationRecord::from),
            }
        })
        .collect();
    let any_disclosed = documents.iter().any(|d| !d.disclosed.is_empty());
    let outcome = match outcome {
        Outcome::Approved if !any_disclosed => Outcome::Declined,
        other => other,
    };
    HistoryEntry {
        id: String::new(),
        at: Timestamp::from_unix_seconds(0),
        channel,
        outcome,
        party: Party::of(&consent.verifier),
        documents,
        error: None,
    }
}

/// The entry for an attempt that failed (or, with [`Outcome::Cancelled`], was abandoned),
/// with what is known of the request.
pub(crate) fn failure(
    channel: Channel,
    consent: Option<&ConsentRequest>,
    outcome: Outcome,
    error: Option<&WalletError>,
) -> HistoryEntry {
    let mut entry = match consent {
        Some(consent) => presentation(channel, consent, None, outcome),
        None => HistoryEntry {
            id: String::new(),
            at: Timestamp::from_unix_seconds(0),
            channel,
            outcome,
            party: Party::unknown(),
            documents: Vec::new(),
            error: None,
        },
    };
    entry.error = error.map(ToString::to_string);
    entry
}

/// The entry for a credential offered at provisioning: issued (with the stored summary and the
/// IACA it chained to) or refused (with the error).
pub(crate) fn issuance(
    doc_type: &str,
    stored: Option<(&crate::store::CredentialSummary, String)>,
    error: Option<&WalletError>,
) -> HistoryEntry {
    let party = match &stored {
        Some((summary, anchor)) => Party {
            name: Some(summary.issuer.clone()),
            organization: None,
            common_name: None,
            country: None,
            origin: None,
            trust: Trust::Trusted {
                anchor: anchor.clone(),
            },
        },
        None => Party::unknown(),
    };
    HistoryEntry {
        id: String::new(),
        at: Timestamp::from_unix_seconds(0),
        channel: Channel::Issuance,
        outcome: if stored.is_some() {
            Outcome::Issued
        } else {
            Outcome::Refused
        },
        party,
        documents: vec![HistoryDocument {
            doc_type: doc_type.to_owned(),
            credential_id: stored.as_ref().map(|(s, _)| s.id.clone()),
            purpose: None,
            purpose_declared: false,
            requested: Vec::new(),
            disclosed: Vec::new(),
            registration: None,
        }],
        error: error.map(ToString::to_string),
    }
}

/// Format tag of an export.
pub const EXPORT_FORMAT: &str = "citizen-wallet-history-1";

/// `entries` as the export JSON.
pub(crate) fn export_json(entries: &[HistoryEntry]) -> String {
    serde_json::json!({ "format": EXPORT_FORMAT, "entries": entries }).to_string()
}

#[cfg(test)]
mod tests {
    use super::{HistoryDocument, RegistrationOutcome, RegistrationRecord, Trust};
    use crate::registration::{RegistrationStatus, RegistrationVerdict, UnverifiedReason};

    #[test]
    fn entries_written_before_registrations_still_read() {
        let old = r#"{"doc_type":"uk.gov.digital-id.1","credential_id":"c1","purpose":"right_to_work","purpose_declared":true,"requested":[],"disclosed":[]}"#;
        let document: HistoryDocument = serde_json::from_str(old).unwrap();
        assert_eq!(document.registration, None);
        // And one without a registration is written as before.
        assert_eq!(serde_json::to_string(&document).unwrap(), old);
    }

    #[test]
    fn registration_records_are_flat_and_carry_only_the_verifiers_registration() {
        let not_registered = RegistrationVerdict {
            status: RegistrationStatus::NotRegisteredForPurpose {
                organisation: "Acme Ltd".to_owned(),
                identifier: "VATGB-1".to_owned(),
                registrar: "Registrar".to_owned(),
                declared: Some("benefits".to_owned()),
                registered: vec!["right_to_work".to_owned()],
            },
            no_entitlement_role: None,
        };
        let record = RegistrationRecord::from(&not_registered);
        assert_eq!(record.status, RegistrationOutcome::NotRegisteredForPurpose);
        assert_eq!(
            serde_json::to_value(&record).unwrap(),
            serde_json::json!({
                "status": "not_registered_for_purpose",
                "organisation": "Acme Ltd",
                "identifier": "VATGB-1",
                "registrar": "Registrar",
                "purposes": ["right_to_work"],
                "declared": "benefits",
            })
        );
        let unverified = RegistrationVerdict {
            status: RegistrationStatus::Unverified {
                reason: "registration expired".to_owned(),
                category: UnverifiedReason::Validity,
            },
            no_entitlement_role: None,
        };
        let json = r#"{"status":"unverified","reason":"validity"}"#;
        let record = RegistrationRecord::from(&unverified);
        assert_eq!(serde_json::to_string(&record).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<RegistrationRecord>(json).unwrap(),
            record
        );
        for bad in [
            r#"{"status":"maybe"}"#,
            r#"{"status":"unverified","reason":"hacked"}"#,
            r#"{}"#,
        ] {
            assert!(
                serde_json::from_str::<RegistrationRecord>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn trust_is_one_flat_object_and_refuses_mismatched_fields() {
        let cases = [
            (
                Trust::Trusted {
                    anchor: "UK Right to Work Reader CA".to_owned(),
                },
                r#"{"verdict":"trusted","anchor":"UK Right to Work Reader CA"}"#,
            ),
            (
                Trust::Untrusted {
                    reason: "expired".to_owned(),
                },
                r#"{"verdict":"untrusted","reason":"expired"}"#,
            ),
            (
                Trust::NotAuthenticated,
                r#"{"verdict":"not_authenticated"}"#,
            ),
            (Trust::Unknown, r#"{"verdict":"unknown"}"#),
        ];
        for (trust, json) in cases {
            assert_eq!(serde_json::to_string(&trust).unwrap(), json);
            assert_eq!(serde_json::from_str::<Trust>(json).unwrap(), trust);
        }
        for bad in [
            r#"{"verdict":"trusted"}"#,
            r#"{"verdict":"unknown","anchor":"x"}"#,
            r#"{"verdict":"untrusted","anchor":"x"}"#,
            r#"{"verdict":"maybe"}"#,
            r#"{}"#,
        ] {
            assert!(serde_json::from_str::<Trust>(bad).is_err(), "{bad}");
        }
    }
}
