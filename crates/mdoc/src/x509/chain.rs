//! Chain validation to configured trust anchors.

use std::sync::Arc;

use super::certificate::Certificate;
use super::chain_cache::{ChainCache, ChainKey, Window};
use super::error::ChainError;
use super::profile;
use super::{EKU_DOCUMENT_SIGNER, EKU_READER_AUTH, EKU_VICAL_SIGNER};
use crate::time::Timestamp;

/// Most certificates accepted in a chain, anchor excluded.
pub const MAX_CHAIN_LEN: usize = 5;

/// What the leaf certificate must be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainPurpose {
    /// A document signer (issuerAuth), chaining to an IACA.
    DocumentSigner,
    /// A reader authentication certificate (readerAuth), chaining to a reader root.
    ReaderAuth,
    /// The signer of a relying-party registration certificate (ETSI TS 119 475), chaining to a
    /// configured registrar root. No extended key usage is required (the specification names
    /// none); digitalSignature is.
    RegistrationSigner,
    /// The signer of a VICAL (ISO 18013-5 Annex C.1.7), chaining to a configured VICAL anchor:
    /// extended key usage `1.0.18013.5.1.8` (id-mdl-kp-mdlVICAL) and key usage
    /// digitalSignature or nonRepudiation (the AAMVA and Austroads signers carry only the
    /// latter).
    VicalSigner,
    /// The signer of a RICAL (ISO 18013-5 second edition Annex F), chaining to a configured
    /// RICAL anchor: key usage digitalSignature or nonRepudiation. No extended key usage is
    /// required: the published test RICAL's signer (SC17 WG10 test event, Wellington, November
    /// 2025) carries none, and the anchor is configured for RICALs alone.
    RicalSigner,
}

/// What a trust anchor that came from a trust list may be used for: the doc types the list
/// names and the window it allows. An anchor configured directly has no scope (anything, while
/// its certificate is valid).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorScope {
    /// Doc types the anchor may sign for; `None` for any.
    pub doc_types: Option<Vec<String>>,
    /// Not trusted before this instant (a list entry's notBefore), if set.
    pub not_before: Option<Timestamp>,
    /// Not trusted after this instant (a list entry's notAfter, or the end of the list's own
    /// validity), if set.
    pub not_after: Option<Timestamp>,
}

impl AnchorScope {
    /// True when `now` lies in the scope's window.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.not_before.is_none_or(|t| now >= t) && self.not_after.is_none_or(|t| now <= t)
    }

    /// True when `doc_type` is one the scope allows.
    pub fn allows_doc_type(&self, doc_type: &str) -> bool {
        self.doc_types
            .as_ref()
            .is_none_or(|listed| listed.iter().any(|d| d == doc_type))
    }
}

/// The certificates trusted as roots for one purpose, each with its [`AnchorScope`].
///
/// Each anchor set owns a [`ChainCache`] of the chains validated against it (see
/// [`verify_chain`]): clones of an unchanged set share it, and any change to the set (an
/// anchor added, a VICAL's IACAs extended in) starts a new, empty cache.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    anchors: Vec<Certificate>,
    /// One scope per anchor, in the same order.
    scopes: Vec<AnchorScope>,
    /// Chains validated against exactly these anchors and scopes.
    chains: Arc<ChainCache>,
}

impl Default for TrustAnchors {
    fn default() -> Self {
        TrustAnchors::new(Vec::new())
    }
}

/// Two anchor sets are equal when they hold the same anchors with the same scopes (their
/// caches do not matter).
impl PartialEq for TrustAnchors {
    fn eq(&self, other: &Self) -> bool {
        self.anchors == other.anchors && self.scopes == other.scopes
    }
}

impl Eq for TrustAnchors {}

impl TrustAnchors {
    /// Anchors from parsed certificates, without scope.
    pub fn new(anchors: Vec<Certificate>) -> Self {
        let scopes = vec![AnchorScope::default(); anchors.len()];
        TrustAnchors {
            anchors,
            scopes,
            chains: Arc::new(ChainCache::default()),
        }
    }

    /// Anchors from PEM text holding one or more certificates.
    pub fn from_pem(pem: &str) -> Result<Self, super::X509Error> {
        Ok(TrustAnchors::new(Certificate::from_pem_chain(pem)?))
    }

    /// The same anchors with a new, empty chain cache of `capacity` chains (0: every chain is
    /// validated afresh, as a benchmark's uncached row needs).
    pub fn with_chain_cache_capacity(mut self, capacity: usize) -> Self {
        self.chains = Arc::new(ChainCache::new(capacity));
        self
    }

    /// The cache of chains validated against these anchors.
    pub fn chain_cache(&self) -> &ChainCache {
        &self.chains
    }

    /// Called on every change: chains validated against the old set are not reused.
    fn anchors_changed(&mut self) {
        self.chains = Arc::new(ChainCache::new(self.chains.capacity()));
    }

    /// Adds an anchor without scope.
    pub fn add(&mut self, anchor: Certificate) {
        self.add_scoped(anchor, AnchorScope::default());
    }

    /// Adds an anchor usable only within `scope` (an entry of a trust list).
    pub fn add_scoped(&mut self, anchor: Certificate, scope: AnchorScope) {
        self.anchors.push(anchor);
        self.scopes.push(scope);
        self.anchors_changed();
    }

    /// Adds every anchor of `other`, with its scope.
    pub fn extend(&mut self, other: &TrustAnchors) {
        self.anchors.extend(other.anchors.iter().cloned());
        self.scopes.extend(other.scopes.iter().cloned());
        self.anchors_changed();
    }

    /// The scopes under which `anchor` is configured (one per time it was added).
    pub fn scopes_of<'a>(
        &'a self,
        anchor: &'a Certificate,
    ) -> impl Iterator<Item = &'a AnchorScope> + 'a {
        self.anchors
            .iter()
            .zip(&self.scopes)
            .filter(move |(a, _)| *a == anchor)
            .map(|(_, scope)| scope)
    }

    /// True when `anchor` may be relied on at `now` for `doc_type` (or for anything when
    /// `doc_type` is `None`): some configuration of it is current and allows the doc type.
    pub fn permits(&self, anchor: &Certificate, doc_type: Option<&str>, now: Timestamp) -> bool {
        self.scopes_of(anchor)
            .any(|scope| scope.is_current(now) && doc_type.is_none_or(|d| scope.allows_doc_type(d)))
    }

    /// The anchors.
    pub fn certificates(&self) -> &[Certificate] {
        &self.anchors
    }

    /// True when no anchor is configured.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// A chain that passed every check: its leaf and the anchor it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The leaf certificate (document signer or reader).
    pub leaf: Certificate,
    /// The trust anchor.
    pub anchor: Certificate,
}

impl VerifiedChain {
    /// The leaf's public key (checked to be P-256 during validation).
    pub fn leaf_key(&self) -> Option<p256::ecdsa::VerifyingKey> {
        self.leaf.public_key()
    }
}

/// Validates `chain` (DER, leaf first, as in x5chain) against `anchors` at `now` for `purpose`.
///
/// Checks, each with its own [`ChainError`] naming the certificate (position and subject CN):
/// length, parsing, algorithms (ECDSA P-256 / SHA-256, id-ecPublicKey on P-256, the same
/// signature algorithm inside and outside tbsCertificate), name chaining and every signature up
/// to a configured anchor, the validity of every certificate including the anchor, CA basic
/// constraints, keyCertSign and path length on every issuer, digitalSignature and the purpose's
/// extended key usage on a non-CA leaf, and no unprocessed critical extension anywhere. For a
/// document signer the ISO 18013-5 Annex B IACA / DS profile applies on top: no intermediate
/// CA, an IACA with path length 0, keyCertSign and cRLSign, a DS with digitalSignature only, the
/// IACA's countryName and an authority key identifier equal to the IACA's subject key
/// identifier, and countryName, issuerAltName, cRLDistributionPoints and subjectKeyIdentifier on
/// both. The chain may or may not include the anchor.
///
/// A chain that passed is kept in the anchors' [`ChainCache`] (keyed by its bytes as received
/// and `purpose`) and answered from it while `now` lies in every certificate's validity and the
/// anchor's scope still permits it; otherwise it is validated afresh, so the result is always
/// what [`verify_chain_uncached`] gives.
pub fn verify_chain(
    chain: &[Vec<u8>],
    anchors: &TrustAnchors,
    now: Timestamp,
    purpose: ChainPurpose,
) -> Result<VerifiedChain, ChainError> {
    let cache = anchors.chain_cache();
    if cache.capacity() == 0 {
        return validate(chain, anchors, now, purpose).map(|(verified, _)| verified);
    }
    let key = ChainKey::new(chain, purpose);
    if let Some(verified) = cache.get(&key, now, |cached| {
        anchors.permits(&cached.anchor, None, now)
    }) {
        return Ok(verified);
    }
    let (verified, window) = validate(chain, anchors, now, purpose)?;
    cache.insert(key, verified.clone(), window);
    Ok(verified)
}

/// [`verify_chain`] without its cache: every check, every time.
pub fn verify_chain_uncached(
    chain: &[Vec<u8>],
    anchors: &TrustAnchors,
    now: Timestamp,
    purpose: ChainPurpose,
) -> Result<VerifiedChain, ChainError> {
    validate(chain, anchors, now, purpose).map(|(verified, _)| verified)
}

/// Every check of [`verify_chain`]; also returns the window in which every certificate of the
/// path (anchor included) is valid.
fn validate(
    chain: &[Vec<u8>],
    anchors: &TrustAnchors,
    now: Timestamp,
    purpose: ChainPurpose,
) -> Result<(VerifiedChain, Window), ChainError> {
    if chain.is_empty() {
        return Err(ChainError::Empty);
    }
    if chain.len() > MAX_CHAIN_LEN + 1 {
        return Err(ChainError::TooLong);
    }
    let mut certs = chain
        .iter()
        .enumerate()
        .map(|(position, der)| {
            Certificate::from_der(der).map_err(|_| ChainError::Malformed { position })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // An anchor sent along in the chain is dropped: trust comes from configuration only.
    if certs.len() > 1
        && certs
            .last()
            .is_some_and(|top| anchors.anchors.contains(top))
    {
        certs.pop();
    }
    if certs.len() > MAX_CHAIN_LEN {
        return Err(ChainError::TooLong);
    }
    let top = certs.last().ok_or(ChainError::Empty)?;
    let anchor = find_anchor(top, anchors, certs.len())?;
    if !anchors.permits(&anchor, None, now) {
        return Err(ChainError::OutsideListedValidity {
            subject: anchor.error_name(),
        });
    }
    if purpose == ChainPurpose::DocumentSigner {
        profile::check_issued_directly(&certs)?;
    }

    let mut path = certs;
    path.push(anchor.clone());
    for (position, cert) in path.iter().enumerate() {
        check_certificate(cert, position, now)?;
    }
    // The last pair (top certificate, anchor) was name-checked and its signature verified by
    // `find_anchor`: verifying it again would cost a second ECDSA verification per chain.
    let anchored = path.len().saturating_sub(2);
    for (position, pair) in path.windows(2).enumerate() {
        let [subject, issuer] = pair else { continue };
        if position < anchored {
            if !subject.is_named_issued_by(issuer) {
                return Err(ChainError::NameChaining {
                    position,
                    subject: subject.error_name(),
                });
            }
            let key = issuer
                .public_key()
                .ok_or_else(|| ChainError::UnsupportedAlgorithm {
                    position: position + 1,
                    subject: issuer.error_name(),
                })?;
            if !subject.signature_verifies_with(&key) {
                return Err(ChainError::BadSignature {
                    position,
                    subject: subject.error_name(),
                });
            }
        }
        check_issuer(issuer, position + 1)?;
    }
    let leaf = path.first().ok_or(ChainError::Empty)?;
    check_leaf(leaf, purpose)?;
    if purpose == ChainPurpose::DocumentSigner {
        profile::check_iaca(&anchor, path.len() - 1)?;
        profile::check_document_signer(leaf, &anchor)?;
    }
    let window = Window {
        not_before: path
            .iter()
            .map(Certificate::not_before)
            .max()
            .unwrap_or(now),
        not_after: path.iter().map(Certificate::not_after).min().unwrap_or(now),
    };
    Ok((
        VerifiedChain {
            leaf: leaf.clone(),
            anchor,
        },
        window,
    ))
}

fn find_anchor(
    top: &Certificate,
    anchors: &TrustAnchors,
    position: usize,
) -> Result<Certificate, ChainError> {
    let named: Vec<&Certificate> = anchors
        .anchors
        .iter()
        .filter(|a| top.is_named_issued_by(a))
        .collect();
    if named.is_empty() {
        return Err(ChainError::UntrustedRoot);
    }
    named
        .into_iter()
        .find(|a| {
            a.public_key()
                .is_some_and(|key| top.signature_verifies_with(&key))
        })
        .cloned()
        .ok_or_else(|| ChainError::BadSignature {
            position: position.saturating_sub(1),
            subject: top.error_name(),
        })
}

fn check_certificate(
    cert: &Certificate,
    position: usize,
    now: Timestamp,
) -> Result<(), ChainError> {
    let subject = || cert.error_name();
    if !cert.uses_supported_algorithms() {
        return Err(ChainError::UnsupportedAlgorithm {
            position,
            subject: subject(),
        });
    }
    if !cert.signature_algorithms_agree() {
        return Err(ChainError::AlgorithmMismatch {
            position,
            subject: subject(),
        });
    }
    if !cert.critical_extensions_understood() {
        return Err(ChainError::UnsupportedCriticalExtension {
            position,
            subject: subject(),
        });
    }
    if now < cert.not_before() {
        return Err(ChainError::NotYetValid {
            position,
            subject: subject(),
        });
    }
    if now > cert.not_after() {
        return Err(ChainError::Expired {
            position,
            subject: subject(),
        });
    }
    Ok(())
}

/// `position` is the issuer's place in the path; the number of CA certificates below it that
/// are not the leaf is `position - 1`.
fn check_issuer(issuer: &Certificate, position: usize) -> Result<(), ChainError> {
    let subject = || issuer.error_name();
    match issuer.basic_constraints() {
        Some((true, Some(limit))) if position - 1 > usize::from(limit) => {
            return Err(ChainError::PathLength {
                position,
                subject: subject(),
            });
        }
        Some((true, _)) => {}
        _ => {
            return Err(ChainError::NotCa {
                position,
                subject: subject(),
            });
        }
    }
    if !issuer.can_sign_certificates() {
        return Err(ChainError::KeyUsage {
            position,
            subject: subject(),
        });
    }
    Ok(())
}

fn check_leaf(leaf: &Certificate, purpose: ChainPurpose) -> Result<(), ChainError> {
    let subject = || leaf.error_name();
    if matches!(leaf.basic_constraints(), Some((true, _))) {
        return Err(ChainError::LeafIsCa {
            position: 0,
            subject: subject(),
        });
    }
    let list_signer = matches!(
        purpose,
        ChainPurpose::VicalSigner | ChainPurpose::RicalSigner
    );
    let may_sign = leaf.can_sign_data()
        || (list_signer && leaf.has_key_usage(x509_cert::ext::pkix::KeyUsages::NonRepudiation));
    if !may_sign {
        return Err(ChainError::KeyUsage {
            position: 0,
            subject: subject(),
        });
    }
    let eku = match purpose {
        ChainPurpose::DocumentSigner => Some(EKU_DOCUMENT_SIGNER),
        ChainPurpose::ReaderAuth => Some(EKU_READER_AUTH),
        ChainPurpose::VicalSigner => Some(EKU_VICAL_SIGNER),
        ChainPurpose::RicalSigner | ChainPurpose::RegistrationSigner => None,
    };
    if eku.is_some_and(|eku| !leaf.has_extended_key_usage(eku)) {
        return Err(ChainError::ExtendedKeyUsage {
            position: 0,
            subject: subject(),
        });
    }
    Ok(())
}
