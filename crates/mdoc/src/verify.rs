//! Verification of issuer-signed data, shared by the wallet (before it stores a credential) and
//! the verifier (for every presented document). Each step is recorded as a [`Check`] with its
//! outcome, so a report can show every check performed, and the first failure stops the run
//! with a typed [`VerifyError`].

use sha2::{Digest, Sha256};

use crate::cbor::Tagged;
use crate::cose::CoseSign1;
use crate::definitions::mso::SHA_256;
use crate::definitions::{IssuerSigned, MobileSecurityObject, ValidityInfo};
use crate::time::Timestamp;
use crate::x509::{Certificate, ChainError, ChainPurpose, TrustAnchors, verify_chain};

/// The checks a verification performs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckName {
    /// issuerAuth is a well-formed COSE_Sign1 with an x5chain.
    IssuerAuthStructure,
    /// The document signer certificate chains to a configured IACA at the check time.
    IssuerCertificateChain,
    /// The MSO signature verifies with the document signer's key.
    IssuerSignature,
    /// The MSO decodes and uses SHA-256.
    MobileSecurityObject,
    /// The MSO's doc type is the document's.
    DocType,
    /// The check time is within the MSO's validity window.
    Validity,
    /// The MSO's `signed` date is not in the future, not after validFrom, and within the
    /// document signer certificate's validity.
    SigningTime,
    /// Every disclosed item hashes to the MSO's digest.
    ValueDigests,
    /// The MSO's device key is the expected one (provisioning).
    DeviceKeyBinding,
    /// The device signature or MAC verifies over this session's transcript.
    DeviceAuthentication,
    /// Disclosed elements were requested.
    RequestedElements,
    /// Reader authentication (the request's signature and reader certificate chain).
    ReaderAuthentication,
    /// The document signer's country is the IACA's, and the disclosed issuing_country (and
    /// issuing_jurisdiction) are the document signer's (ISO 18013-5 §9.3.3, Annex B).
    IssuingCountry,
    /// Every requested element was returned (completeness, not authenticity).
    ElementsReturned,
    /// The issuer's status list says the credential is valid (not revoked or suspended);
    /// neither authenticity nor completeness, but a decision rests on it.
    CredentialNotRevoked,
}

impl CheckName {
    /// A human description.
    pub fn description(self) -> &'static str {
        match self {
            CheckName::IssuerAuthStructure => "Issuer signature structure",
            CheckName::IssuerCertificateChain => "Issuer certificate chains to a trusted authority",
            CheckName::IssuerSignature => "Issuer signature",
            CheckName::MobileSecurityObject => "Security object decodes (SHA-256)",
            CheckName::DocType => "Document type matches",
            CheckName::Validity => "Credential is within its validity period",
            CheckName::ValueDigests => "Every disclosed element matches its signed digest",
            CheckName::DeviceKeyBinding => "Credential is bound to this device's key",
            CheckName::DeviceAuthentication => "Device authentication bound to this session",
            CheckName::RequestedElements => "Only requested elements were disclosed",
            CheckName::ReaderAuthentication => "Reader authentication",
            CheckName::SigningTime => "Signing date is consistent with validity and certificate",
            CheckName::IssuingCountry => "Issuing country matches the issuer's certificates",
            CheckName::ElementsReturned => "Every requested element was returned",
            CheckName::CredentialNotRevoked => "Credential not revoked",
        }
    }

    /// True for checks of authenticity; false for [`CheckName::ElementsReturned`], which says
    /// whether the answer is complete, and [`CheckName::CredentialNotRevoked`], which says
    /// whether it still stands, not whether it is genuine.
    pub fn is_authenticity(self) -> bool {
        !matches!(
            self,
            CheckName::ElementsReturned | CheckName::CredentialNotRevoked
        )
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// Everything that could be checked passed; the note says what could not be (for example
    /// an element the citizen did not disclose). No personal data.
    PassedWithNote(String),
    /// The check failed, with the reason (no personal data).
    Failed(String),
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check.
    pub name: CheckName,
    /// How it went.
    pub outcome: Outcome,
}

impl Check {
    /// True when the check passed.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Passed | Outcome::PassedWithNote(_))
    }
}

/// Why issuer-signed data was refused: the failed check and its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} failed: {reason}", check.description())]
pub struct VerifyError {
    /// The check that failed.
    pub check: CheckName,
    /// Why, without personal data.
    pub reason: String,
}

/// A log of checks that stops at the first failure.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckLog {
    checks: Vec<Check>,
    document_signer: Option<Certificate>,
}

impl CheckLog {
    /// An empty log.
    pub fn new() -> Self {
        CheckLog::default()
    }

    /// Records `name` as passed or failed from `result`; a failure becomes the returned error.
    pub fn record<T, E: std::fmt::Display>(
        &mut self,
        name: CheckName,
        result: Result<T, E>,
    ) -> Result<T, VerifyError> {
        match result {
            Ok(value) => {
                self.checks.push(Check {
                    name,
                    outcome: Outcome::Passed,
                });
                Ok(value)
            }
            Err(e) => {
                let reason = e.to_string();
                self.checks.push(Check {
                    name,
                    outcome: Outcome::Failed(reason.clone()),
                });
                Err(VerifyError {
                    check: name,
                    reason,
                })
            }
        }
    }

    /// Records `name` as passed when `ok`, else failed with `reason`.
    pub fn require(&mut self, name: CheckName, ok: bool, reason: &str) -> Result<(), VerifyError> {
        self.record(name, if ok { Ok(()) } else { Err(reason) })
    }

    /// Records `name` as passed with `note` (what could not be checked, no personal data).
    pub fn pass_with_note(&mut self, name: CheckName, note: String) {
        self.checks.push(Check {
            name,
            outcome: Outcome::PassedWithNote(note),
        });
    }

    /// The document signer certificate, once its chain to a trusted IACA and the MSO
    /// signature verified (even if a later check failed).
    pub fn document_signer(&self) -> Option<&Certificate> {
        self.document_signer.as_ref()
    }

    /// The checks so far.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Consumes the log.
    pub fn into_checks(self) -> Vec<Check> {
        self.checks
    }
}

/// Issuer-signed data that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedIssuerSigned {
    /// The signed MSO.
    pub mso: MobileSecurityObject,
    /// The document signer certificate.
    pub document_signer: Certificate,
    /// The IACA it chains to.
    pub iaca: Certificate,
}

/// Verifies `issuer_signed` for `doc_type` against IACA `anchors` at `now`: structure, chain,
/// signature, MSO, doc type, validity and the digest of every disclosed item (hashed as
/// received).
pub fn verify_issuer_signed(
    issuer_signed: &IssuerSigned,
    doc_type: &str,
    anchors: &TrustAnchors,
    now: Timestamp,
    log: &mut CheckLog,
) -> Result<VerifiedIssuerSigned, VerifyError> {
    let (sign1, x5chain) = log.record(
        CheckName::IssuerAuthStructure,
        CoseSign1::from_value(&issuer_signed.issuer_auth).and_then(|s| {
            let chain = s.x5chain()?;
            Ok((s, chain))
        }),
    )?;
    let chain = log.record(
        CheckName::IssuerCertificateChain,
        verify_chain(&x5chain, anchors, now, ChainPurpose::DocumentSigner).and_then(|chain| {
            // An IACA from a VICAL signs only for the doc types the list names for it.
            if anchors.permits(&chain.anchor, Some(doc_type), now) {
                Ok(chain)
            } else {
                Err(ChainError::DocTypeNotListed {
                    subject: chain.anchor.error_name(),
                })
            }
        }),
    )?;
    let key = chain
        .leaf_key()
        .ok_or_else(|| ChainError::UnsupportedAlgorithm {
            position: 0,
            subject: chain.leaf.error_name(),
        });
    log.record(
        CheckName::IssuerSignature,
        key.map_err(|e| e.to_string())
            .and_then(|k| sign1.verify(&k, None).map_err(|e| e.to_string())),
    )?;
    log.document_signer = Some(chain.leaf.clone());
    let mso = log.record(
        CheckName::MobileSecurityObject,
        sign1
            .payload()
            .ok_or_else(|| "issuerAuth has no payload".to_owned())
            .and_then(|p| {
                Tagged::<MobileSecurityObject>::from_encoded(p).map_err(|e| e.to_string())
            })
            .and_then(|m| {
                if m.digest_algorithm == SHA_256 {
                    Ok(m.into_parts().0)
                } else {
                    Err("digest algorithm is not SHA-256".to_owned())
                }
            }),
    )?;
    log.require(
        CheckName::DocType,
        mso.doc_type == doc_type,
        "MSO doc type differs from the document's",
    )?;
    let validity = &mso.validity_info;
    let within = validity.is_ordered()
        && validity.valid_from.instant() <= now
        && now <= validity.valid_until.instant();
    log.require(
        CheckName::Validity,
        within,
        "outside the MSO validity window",
    )?;
    log.record(
        CheckName::SigningTime,
        signing_time(validity, &chain.leaf, now),
    )?;
    let mismatch = issuer_signed.items().find(|(namespace, item)| {
        mso.digest(namespace, item.digest_id) != Some(Sha256::digest(item.encoded()).as_slice())
    });
    log.record(
        CheckName::ValueDigests,
        match mismatch {
            None => Ok(()),
            Some((namespace, item)) => Err(format!(
                "element {namespace}/{} does not match its digest (digest ID {})",
                item.element_identifier, item.digest_id
            )),
        },
    )?;
    Ok(VerifiedIssuerSigned {
        mso,
        document_signer: chain.leaf,
        iaca: chain.anchor,
    })
}

/// ISO 18013-5 §9.1.2.4 / §9.3.1: the MSO was signed no later than now and than validFrom,
/// while the document signer certificate was valid.
fn signing_time(
    validity: &ValidityInfo,
    document_signer: &Certificate,
    now: Timestamp,
) -> Result<(), &'static str> {
    let signed = validity.signed.instant();
    if signed > now {
        Err("the MSO signed date is in the future")
    } else if signed > validity.valid_from.instant() {
        Err("the MSO signed date is after its validFrom")
    } else if signed < document_signer.not_before() || signed > document_signer.not_after() {
        Err(
            "the MSO signed date is outside the document signer certificate's validity (certificate 0)",
        )
    } else {
        Ok(())
    }
}

/// The element identifiers that name the issuing country and its subdivision.
const ISSUING_COUNTRY: &str = "issuing_country";
const ISSUING_JURISDICTION: &str = "issuing_jurisdiction";

/// ISO 18013-5 §9.3.3 and Annex B: the document signer's countryName is the IACA's, a
/// disclosed `issuing_country` is the document signer's countryName, and a disclosed
/// `issuing_jurisdiction` lies in that country and is the document signer's
/// stateOrProvinceName where the certificate has one. Elements of that name are checked in
/// every disclosed namespace. When neither is disclosed the certificate comparison still runs
/// and the check passes with a note: the document signer's country, which equals the trusted
/// IACA's, stands for the issuing country.
pub fn verify_issuing_country(
    issuer_signed: &IssuerSigned,
    verified: &VerifiedIssuerSigned,
    log: &mut CheckLog,
) -> Result<(), VerifyError> {
    let outcome = issuing_country(issuer_signed, &verified.document_signer, &verified.iaca);
    match outcome {
        Ok(None) => log.record(CheckName::IssuingCountry, Ok::<(), String>(())),
        Ok(Some(note)) => {
            log.pass_with_note(CheckName::IssuingCountry, note);
            Ok(())
        }
        Err(reason) => log.record(CheckName::IssuingCountry, Err::<(), String>(reason)),
    }
}

/// `Ok(None)`: all compared; `Ok(Some(note))`: the certificates agree, nothing was disclosed to
/// compare with them.
fn issuing_country(
    issuer_signed: &IssuerSigned,
    document_signer: &Certificate,
    iaca: &Certificate,
) -> Result<Option<String>, String> {
    let ds_country = document_signer
        .subject_country()
        .ok_or("the document signer certificate (certificate 0) has no countryName")?;
    let iaca_country = iaca
        .subject_country()
        .ok_or("the IACA certificate has no countryName")?;
    if ds_country != iaca_country {
        return Err(format!(
            "the document signer certificate's countryName ({ds_country}) is not the IACA's ({iaca_country})"
        ));
    }
    let ds_state = document_signer.subject_state_or_province();
    let mut compared = false;
    for (namespace, item) in issuer_signed.items() {
        let identifier = item.element_identifier.as_str();
        if identifier != ISSUING_COUNTRY && identifier != ISSUING_JURISDICTION {
            continue;
        }
        let value = item
            .element_value
            .as_text()
            .ok_or_else(|| format!("element {namespace}/{identifier} is not text"))?;
        let agrees = if identifier == ISSUING_COUNTRY {
            value == ds_country
        } else {
            value
                .strip_prefix(ds_country.as_str())
                .is_some_and(|rest| rest.starts_with('-'))
                && ds_state.as_deref().is_none_or(|state| state == value)
        };
        if !agrees {
            return Err(format!(
                "element {namespace}/{identifier} does not match the document signer certificate ({})",
                if identifier == ISSUING_COUNTRY {
                    "countryName"
                } else {
                    "countryName / stateOrProvinceName"
                }
            ));
        }
        compared = true;
    }
    Ok((!compared).then(|| {
        format!(
            "issuing_country not disclosed; the certificates agree on {ds_country}, which stands for it"
        )
    }))
}
