//! Trust lists: the VICAL (ISO/IEC 18013-5 Annex C.1.7, a signed list of IACA certificates, as
//! AAMVA and Austroads publish) and the RICAL (second edition Annex F, a signed list of reader
//! CA certificates).
//!
//! Both are a COSE_Sign1 (tag 18 or untagged) with ES256, an x5chain to the list signer (in the
//! unprotected header in the AAMVA, Austroads and multipaz VICALs, in the protected header in
//! the RICAL; either is read, the protected one first) and an attached CBOR payload:
//!
//! ```text
//! VICAL = { "version": tstr, "vicalProvider": tstr, "date": tdate, ? "vicalIssueID": uint,
//!           ? "nextUpdate": tdate, "certificateInfos": [* CertificateInfo],
//!           ? "extensions": {* tstr => any}, * tstr => any }
//! RICAL = { "version": tstr, "provider": tstr, "date": tdate, "type": tstr,
//!           ? "nextUpdate": tdate, ? "notAfter": tdate, "certificateInfos": [* CertificateInfo],
//!           ? "id": uint, ? "latestRicalUrl": tstr, ? "extensions": {...}, * tstr => any }
//! CertificateInfo = { "certificate": bstr, "serialNumber": biguint, "ski": bstr,
//!           "docType": [+ tstr] (VICAL only), ? "certificateProfile": [+ tstr],
//!           ? "issuingAuthority": tstr, ? "issuingCountry": tstr, ? "stateOrProvinceName": tstr,
//!           ? "issuer": bstr, ? "subject": bstr, ? "notBefore": tdate, ? "notAfter": tdate,
//!           ? "type": tstr, ? "name": tstr (RICAL), ? "extensions": {...}, * tstr => any }
//! ```
//!
//! Sources: the CDDL comments of spruceid/isomdl (`org_iso_18013_5_1_vical`), multipaz's
//! `SignedVical` / `SignedRical`, and the published lists themselves (the AAMVA and Austroads
//! VICALs kept as test data in walt-id/waltid-identity). Unknown text keys are ignored (AAMVA
//! writes `Extensions` and `CertificateProfile` capitalised); a non-text key is refused.
//!
//! What is checked, in [`verify_vical`] / [`verify_rical`]: the size bound, the structure, the
//! signer's chain to a configured list anchor at the injected time (leaf profile
//! [`ChainPurpose::VicalSigner`] / [`ChainPurpose::RicalSigner`]), the ES256 signature over the
//! bytes as received, then the payload (bounded: entries, doc types, text lengths), `date` not
//! in the future, `nextUpdate` (+ [`ListPolicy::next_update_grace`]) and `notAfter` not past,
//! and every entry's `serialNumber` equal to its certificate's. `ski` is not compared: AAMVA
//! writes the whole extension value (`04 14 …`) where Austroads writes the key identifier.
//!
//! A verified list becomes [`TrustAnchors`] with an [`AnchorScope`] per entry: its doc types
//! (VICAL), and the window `max(entry notBefore)` .. `min(entry notAfter, end of the list's own
//! validity)`, where the list's validity ends at the earliest of `nextUpdate` + grace,
//! `notAfter` and the signer certificate's notAfter. The certificate's own validity is checked by
//! chain validation as for any anchor.

mod entry;
mod envelope;
mod payload;

pub use entry::ListedCertificate;
pub use envelope::Envelope;
pub use payload::{MAX_DOC_TYPES, MAX_ENTRIES, MAX_TEXT_LEN, RICAL_TYPE_READER_AUTH};

use crate::cose::Es256Signer;
use crate::time::Timestamp;
use crate::x509::{AnchorScope, Certificate, ChainError, ChainPurpose, TrustAnchors, verify_chain};

/// Seconds a list's `date` may lie in the future (clock skew between provider and checker).
pub const MAX_CLOCK_SKEW: i64 = 300;

/// Largest list accepted, in bytes (the AAMVA VICAL of August 2025 is 19,597 bytes with 13
/// entries; Austroads' of December 2024 48,402 with 40).
pub const MAX_LIST_LEN: usize = 2 * 1024 * 1024;

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Verified issuer certificate authority list (IACAs for the verifier).
    Vical,
    /// Reader issuer certificate authority list (reader roots for the wallet).
    Rical,
}

impl ListKind {
    fn purpose(self) -> ChainPurpose {
        match self {
            ListKind::Vical => ChainPurpose::VicalSigner,
            ListKind::Rical => ChainPurpose::RicalSigner,
        }
    }
}

/// Why a trust list was refused. Carries no personal data (lists hold none) and no input bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustListError {
    /// The list is larger than [`MAX_LIST_LEN`].
    #[error("trust list is larger than {limit} bytes")]
    TooLarge {
        /// The bound in bytes.
        limit: usize,
    },
    /// The list is not the expected structure; names the part.
    #[error("malformed trust list: {0}")]
    Malformed(&'static str),
    /// Entry `index` of certificateInfos is malformed; names the field.
    #[error("malformed trust list entry {index}: {field}")]
    MalformedEntry {
        /// Position in certificateInfos.
        index: usize,
        /// The field at fault.
        field: &'static str,
    },
    /// More entries, doc types or text than the bounds allow.
    #[error("trust list exceeds a bound: {0}")]
    Bound(&'static str),
    /// The signer's chain does not lead to a configured list anchor (or is not a list signer).
    #[error("trust list signer: {0}")]
    Signer(#[from] ChainError),
    /// The signature does not verify over the bytes received.
    #[error("trust list signature is invalid")]
    BadSignature,
    /// `date` is in the future beyond [`MAX_CLOCK_SKEW`].
    #[error("trust list is dated in the future")]
    IssuedInFuture,
    /// `nextUpdate` (+ grace) or `notAfter` has passed: a newer list must be fetched.
    #[error("trust list has expired (nextUpdate or notAfter has passed)")]
    Expired,
    /// A RICAL whose `type` is not reader authentication.
    #[error("RICAL type is not org.iso.18013.5.1.reader_authentication")]
    WrongType,
    /// Signing a list failed.
    #[error("trust list signing failed")]
    Signing,
}

/// How strictly list freshness is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListPolicy {
    /// Seconds a list stays usable after its `nextUpdate` (0: not at all). AAMVA sets
    /// `nextUpdate` one day after `date`; an app that fetches less often sets a grace here.
    pub next_update_grace: i64,
}

/// A trust list's content: what is signed. Build one to sign ([`TrustList::sign`]); a verified
/// one comes from [`verify_vical`] / [`verify_rical`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    /// VICAL or RICAL.
    pub kind: ListKind,
    /// `version` ("1.0").
    pub version: String,
    /// `vicalProvider` / `provider`.
    pub provider: String,
    /// `date`: when the list was issued.
    pub date: Timestamp,
    /// `vicalIssueID` / `id`, if present.
    pub issue_id: Option<u64>,
    /// `nextUpdate`, if present.
    pub next_update: Option<Timestamp>,
    /// `notAfter` (RICAL only), if present.
    pub not_after: Option<Timestamp>,
    /// `type` (RICAL only).
    pub list_type: Option<String>,
    /// `latestRicalUrl` (RICAL only), if present.
    pub latest_url: Option<String>,
    /// `certificateInfos`.
    pub entries: Vec<ListedCertificate>,
}

impl TrustList {
    /// A VICAL issued at `date` listing `entries`.
    pub fn new_vical(provider: &str, date: Timestamp, entries: Vec<ListedCertificate>) -> Self {
        TrustList {
            kind: ListKind::Vical,
            version: "1.0".to_owned(),
            provider: provider.to_owned(),
            date,
            issue_id: None,
            next_update: None,
            not_after: None,
            list_type: None,
            latest_url: None,
            entries,
        }
    }

    /// A RICAL for reader authentication issued at `date` listing `entries`.
    pub fn new_rical(provider: &str, date: Timestamp, entries: Vec<ListedCertificate>) -> Self {
        TrustList {
            kind: ListKind::Rical,
            list_type: Some(RICAL_TYPE_READER_AUTH.to_owned()),
            ..TrustList::new_vical(provider, date, entries)
        }
    }

    /// The payload as CBOR bytes (keys in deterministic order).
    pub fn to_payload(&self) -> Vec<u8> {
        payload::encode(self)
    }

    /// Signs the list with ES256: x5chain (DER, leaf first, the anchor left out) in the
    /// unprotected header of a VICAL (as AAMVA, Austroads and multipaz write it) and the
    /// protected header of a RICAL (as the published RICAL and multipaz write it).
    pub fn sign(
        &self,
        signer: &(impl Es256Signer + ?Sized),
        x5chain: &[Vec<u8>],
    ) -> Result<Vec<u8>, TrustListError> {
        envelope::sign(
            signer,
            x5chain,
            self.kind == ListKind::Rical,
            &self.to_payload(),
        )
    }

    /// The end of the list's own validity given `policy`: the earlier of `nextUpdate` + grace
    /// and `notAfter`, if either is present.
    pub fn expiry(&self, policy: &ListPolicy) -> Option<Timestamp> {
        let stale = self
            .next_update
            .map(|t| t.plus_seconds(policy.next_update_grace));
        match (stale, self.not_after) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Checks `date`, `nextUpdate` and `notAfter` at `now`.
    pub fn check_freshness(
        &self,
        now: Timestamp,
        policy: &ListPolicy,
    ) -> Result<(), TrustListError> {
        if self.date > now.plus_seconds(MAX_CLOCK_SKEW) {
            return Err(TrustListError::IssuedInFuture);
        }
        if self.expiry(policy).is_some_and(|end| now > end) {
            return Err(TrustListError::Expired);
        }
        Ok(())
    }
}

/// A list that passed every check, with its signer and until when it may be relied on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTrustList {
    /// The list.
    pub list: TrustList,
    /// The list signer's certificate.
    pub signer: Certificate,
    /// The end of the list's validity: the earliest of `nextUpdate` + grace, `notAfter` and
    /// the signer certificate's notAfter.
    pub usable_until: Timestamp,
}

impl VerifiedTrustList {
    /// The listed certificates as trust anchors, each scoped to its doc types (VICAL) and to
    /// its listed window, cut at [`VerifiedTrustList::usable_until`].
    pub fn anchors(&self) -> TrustAnchors {
        let mut anchors = TrustAnchors::default();
        for entry in &self.list.entries {
            let not_after = entry
                .not_after
                .map_or(self.usable_until, |t| t.min(self.usable_until));
            let scope = AnchorScope {
                doc_types: match self.list.kind {
                    ListKind::Vical => Some(entry.doc_types.clone()),
                    ListKind::Rical => None,
                },
                not_before: entry.not_before,
                not_after: Some(not_after),
            };
            anchors.add_scoped(entry.certificate.clone(), scope);
        }
        anchors
    }
}

/// Opens and verifies a VICAL against `vical_anchors` (the roots its signer must chain to) at
/// `now`.
pub fn verify_vical(
    bytes: &[u8],
    vical_anchors: &TrustAnchors,
    now: Timestamp,
    policy: &ListPolicy,
) -> Result<VerifiedTrustList, TrustListError> {
    verify_list(ListKind::Vical, bytes, vical_anchors, now, policy)
}

/// Opens and verifies a RICAL against `rical_anchors` at `now`; its `type` must be reader
/// authentication.
pub fn verify_rical(
    bytes: &[u8],
    rical_anchors: &TrustAnchors,
    now: Timestamp,
    policy: &ListPolicy,
) -> Result<VerifiedTrustList, TrustListError> {
    let verified = verify_list(ListKind::Rical, bytes, rical_anchors, now, policy)?;
    if verified.list.list_type.as_deref() != Some(RICAL_TYPE_READER_AUTH) {
        return Err(TrustListError::WrongType);
    }
    Ok(verified)
}

/// Structure, signer chain, signature (before the payload is read), payload, freshness.
fn verify_list(
    kind: ListKind,
    bytes: &[u8],
    anchors: &TrustAnchors,
    now: Timestamp,
    policy: &ListPolicy,
) -> Result<VerifiedTrustList, TrustListError> {
    let envelope = Envelope::open(bytes)?;
    let chain = verify_chain(envelope.x5chain(), anchors, now, kind.purpose())?;
    let key = chain.leaf_key().ok_or(TrustListError::BadSignature)?;
    envelope.verify(&key)?;
    let list = parse_payload(kind, envelope.payload())?;
    list.check_freshness(now, policy)?;
    let signer_end = chain.leaf.not_after();
    let usable_until = list
        .expiry(policy)
        .map_or(signer_end, |end| end.min(signer_end));
    Ok(VerifiedTrustList {
        list,
        signer: chain.leaf,
        usable_until,
    })
}

/// Reads a list payload (unverified: for tools, tests and fuzzing; trust needs
/// [`verify_vical`] / [`verify_rical`]).
pub fn parse_payload(kind: ListKind, bytes: &[u8]) -> Result<TrustList, TrustListError> {
    payload::decode(kind, bytes)
}

#[cfg(test)]
mod tests;
