//! Verification of issuer-signed data, shared by the wallet (before it stores a credential) and
//! the verifier (for every presented document). Each step is recorded as a [`Check`] with its
//! outcome, so a report can show every check performed, and the first failure stops the run
//! with a typed [`VerifyError`].

use sha2::{Digest, Sha256};

use crate::cbor::Tagged;
use crate::cose::CoseSign1;
use crate::definitions::mso::SHA_256;
use crate::definitions::{IssuerSigned, MobileSecurityObject};
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
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Passed,
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
        self.outcome == Outcome::Passed
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
        verify_chain(&x5chain, anchors, now, ChainPurpose::DocumentSigner),
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
    let digests_match = issuer_signed.items().all(|(namespace, item)| {
        mso.digest(namespace, item.digest_id) == Some(Sha256::digest(item.encoded()).as_slice())
    });
    log.require(
        CheckName::ValueDigests,
        digests_match,
        "a disclosed element does not match its digest",
    )?;
    Ok(VerifiedIssuerSigned {
        mso,
        document_signer: chain.leaf,
        iaca: chain.anchor,
    })
}
