//! Revocation and status: IETF Token Status Lists (draft-ietf-oauth-status-list-20, CWT form)
//! and ISO/IEC 18013-5 second edition identifier lists, as the MSO's `status` points to them.
//!
//! * [`list`]: the bit-packed, zlib-deflated status list, inflated with a hard output bound.
//! * [`reference`]: the MSO `status` entry (`status_list: {idx, uri}`, `identifier_list: {id, uri}`).
//! * [`token`]: the Status List Token CWT (`typ` application/statuslist+cwt).
//! * [`identifier`]: the identifier list CWT (`typ` application/identifierlist+cwt).
//! * [`cwt`]: the COSE_Sign1 envelope both share (the only file that touches COSE here).
//!
//! The ISO profile is stricter than the draft in two ways, and this module applies both when a
//! token is checked against trust anchors ([`verify_signer`]): the signer's certificate chain
//! must be in the **protected** header (the draft allows any key resolution; an x5chain only in
//! the unprotected header is [`StatusError::X5ChainNotProtected`]), and an mDL's list uses one
//! bit per entry (left to the verifier's policy, since other doctypes need SUSPENDED).
//! Nothing here does I/O: callers fetch the token bytes and pass the time in.

pub mod cwt;
pub mod identifier;
pub mod list;
pub mod mso;
pub mod reference;
pub mod token;

pub use identifier::{IDENTIFIER_LIST_TYP, IdentifierList, IdentifierListToken};
pub use list::{Bits, DEFAULT_MAX_INFLATED, StatusList, StatusType};
pub use mso::status_reference;
pub use reference::{IdentifierListRef, StatusListRef, StatusReference};
pub use token::{STATUS_LIST_TYP, StatusListToken};

use crate::cbor::Value;
use crate::time::Timestamp;
use crate::x509::{ChainError, ChainPurpose, TrustAnchors, VerifiedChain, verify_chain};

/// Seconds a token's `iat` may lie in the future (clock skew between issuer and checker).
pub const MAX_CLOCK_SKEW: i64 = 300;

/// CWT claim key of the subject (the list URI).
const SUB: i64 = 2;
/// CWT claim key of the expiry.
const EXP: i64 = 4;
/// CWT claim key of the issue time.
const IAT: i64 = 6;
/// CWT claim key of the time to live (draft §5.2).
const TTL: i64 = 65534;

/// Why a status list, reference or token was refused. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// `bits` is not 1, 2, 4 or 8.
    #[error("status list bits {0} is not 1, 2, 4 or 8")]
    UnsupportedBits(u64),
    /// The index is beyond the list.
    #[error("status index {index} is outside the list of {len} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The entries the list holds.
        len: u64,
    },
    /// A status value does not fit the list's width.
    #[error("status value {value} does not fit in {bits} bits")]
    ValueTooWide {
        /// The value.
        value: u8,
        /// The list's bits.
        bits: u8,
    },
    /// The list inflates past the bound (a zip bomb, or a list larger than configured).
    #[error("status list inflates past {limit} bytes")]
    InflatedTooLarge {
        /// The bound in bytes.
        limit: usize,
    },
    /// `lst` is not valid zlib (bad header, truncated, checksum mismatch, trailing data).
    #[error("status list is not valid zlib data")]
    Compression,
    /// The token is larger than accepted.
    #[error("status token is larger than {limit} bytes")]
    TokenTooLarge {
        /// The bound in bytes.
        limit: usize,
    },
    /// A structure is malformed; names the part.
    #[error("malformed status structure: {0}")]
    Malformed(&'static str),
    /// The protected `typ` is missing or not the expected one.
    #[error("status token type is not {expected}")]
    WrongType {
        /// The type required.
        expected: &'static str,
    },
    /// The signer's x5chain is not in the protected header (ISO profile).
    #[error("status token x5chain is not in the protected header")]
    X5ChainNotProtected,
    /// The signer's chain does not lead to a trust anchor.
    #[error("status token signer: {0}")]
    Chain(#[from] ChainError),
    /// The signer is not the certificate the MSO pinned.
    #[error("status token signer is not the certificate the credential names")]
    PinnedCertificateMismatch,
    /// The signature does not verify.
    #[error("status token signature is invalid")]
    BadSignature,
    /// Signing failed.
    #[error("status token signing failed")]
    Signing,
    /// The token's `sub` is not the URI the credential references.
    #[error("status token subject is not the referenced URI")]
    SubjectMismatch,
    /// The token expired (`exp`).
    #[error("status token expired")]
    Expired,
    /// The list's `bits` is not allowed for this document (an mDL list uses 1 bit).
    #[error("status list of {0} bits is not allowed for this document")]
    BitsNotAllowed(u8),
    /// The token's `iat` lies in the future beyond the allowed skew.
    #[error("status token is issued in the future")]
    IssuedInFuture,
}

/// The claims every status CWT carries (draft §5.2): `sub`, `iat`, `exp`, `ttl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// `sub` (2): the list URI.
    pub sub: String,
    /// `iat` (6).
    pub iat: Timestamp,
    /// `exp` (4), if present.
    pub exp: Option<Timestamp>,
    /// `ttl` (65534), seconds a consumer may cache the token, if present.
    pub ttl: Option<u64>,
}

impl TokenClaims {
    /// Reads the common claims from a claims map.
    fn from_claims(claims: &Value) -> Result<Self, StatusError> {
        let time = |key, what| -> Result<Option<Timestamp>, StatusError> {
            match claims.get_int(key) {
                None => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(|s| Some(Timestamp::from_unix_seconds(s)))
                    .ok_or(StatusError::Malformed(what)),
            }
        };
        let sub = claims
            .get_int(SUB)
            .and_then(Value::as_text)
            .filter(|s| !s.is_empty() && s.len() <= reference::MAX_URI_LEN)
            .ok_or(StatusError::Malformed("sub"))?
            .to_owned();
        let iat = time(IAT, "iat")?.ok_or(StatusError::Malformed("iat"))?;
        let exp = time(EXP, "exp")?;
        let ttl = match claims.get_int(TTL) {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|t| *t > 0)
                    .ok_or(StatusError::Malformed("ttl"))?,
            ),
        };
        Ok(TokenClaims { sub, iat, exp, ttl })
    }

    /// The claims as CWT claim entries.
    fn to_entries(&self) -> Vec<(Value, Value)> {
        let mut entries = vec![
            (Value::int(SUB), Value::text(self.sub.clone())),
            (Value::int(IAT), Value::int(self.iat.unix_seconds())),
        ];
        if let Some(exp) = self.exp {
            entries.push((Value::int(EXP), Value::int(exp.unix_seconds())));
        }
        if let Some(ttl) = self.ttl {
            entries.push((Value::int(TTL), Value::from(ttl)));
        }
        entries
    }

    /// Checks `sub` against the referenced URI, `exp` and `iat` at `now`.
    pub fn check(&self, uri: &str, now: Timestamp) -> Result<(), StatusError> {
        if self.sub != uri {
            return Err(StatusError::SubjectMismatch);
        }
        if self.exp.is_some_and(|exp| exp <= now) {
            return Err(StatusError::Expired);
        }
        if self.iat > now.plus_seconds(MAX_CLOCK_SKEW) {
            return Err(StatusError::IssuedInFuture);
        }
        Ok(())
    }

    /// Until when a checker may reuse the token: the earlier of `exp` and `fetched + ttl`.
    pub fn reusable_until(&self, fetched: Timestamp) -> Option<Timestamp> {
        let by_ttl = self
            .ttl
            .map(|ttl| fetched.plus_seconds(i64::try_from(ttl).unwrap_or(i64::MAX)));
        match (self.exp, by_ttl) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Checks a status CWT's signer the ISO way: x5chain in the protected header, chained to
/// `anchors` at `now` with the Annex B document-signer profile (the status signer is a
/// DS-profile certificate under the same IACA), equal to `pinned` when the MSO pinned a
/// certificate, and the signature verified with the leaf's key.
pub fn verify_signer(
    envelope: &cwt::Envelope,
    anchors: &TrustAnchors,
    now: Timestamp,
    pinned: Option<&[u8]>,
) -> Result<VerifiedChain, StatusError> {
    if envelope.protected_x5chain.is_empty() {
        return Err(if envelope.unprotected_x5chain {
            StatusError::X5ChainNotProtected
        } else {
            StatusError::Malformed("no x5chain")
        });
    }
    let chain = verify_chain(
        &envelope.protected_x5chain,
        anchors,
        now,
        ChainPurpose::DocumentSigner,
    )?;
    if pinned.is_some_and(|pinned| chain.leaf.der() != pinned) {
        return Err(StatusError::PinnedCertificateMismatch);
    }
    let key = chain.leaf_key().ok_or(StatusError::BadSignature)?;
    envelope.verify(&key)?;
    Ok(chain)
}

/// The list a verified token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedList {
    /// A Token Status List.
    Status(StatusList),
    /// An identifier list.
    Identifiers(IdentifierList),
}

/// A status token that passed [`verify_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The list.
    pub list: VerifiedList,
    /// `sub`, `iat`, `exp`, `ttl`.
    pub claims: TokenClaims,
    /// The signer's certificate (DER), for a credential that pins one.
    pub signer: Vec<u8>,
}

/// Opens and verifies token bytes fetched from `uri`: a Status List Token or an identifier list
/// (by its protected `typ`), inflated within `max_inflated`, signer checked by
/// [`verify_signer`], then `sub` == `uri`, `exp` and `iat` at `now`.
pub fn verify_token(
    bytes: &[u8],
    uri: &str,
    anchors: &TrustAnchors,
    now: Timestamp,
    max_inflated: usize,
) -> Result<VerifiedToken, StatusError> {
    let (envelope, claims, list) = match StatusListToken::open(bytes, max_inflated) {
        Ok(token) => {
            let (envelope, claims, list) = token.into_parts();
            (envelope, claims, VerifiedList::Status(list))
        }
        Err(StatusError::WrongType { .. }) => {
            let (envelope, claims, list) = IdentifierListToken::open(bytes)?.into_parts();
            (envelope, claims, VerifiedList::Identifiers(list))
        }
        Err(e) => return Err(e),
    };
    let chain = verify_signer(&envelope, anchors, now, None)?;
    claims.check(uri, now)?;
    Ok(VerifiedToken {
        list,
        claims,
        signer: chain.leaf.der().to_vec(),
    })
}
