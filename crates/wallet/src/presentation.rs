//! From a verifier's DeviceRequest to a consent object, and from the citizen's selection to a
//! DeviceResponse that discloses exactly that — the same for proximity and online flows; only
//! the SessionTranscript differs.

use std::sync::Arc;

use mdoc::auth::{device_authentication_bytes, emac_key};
use mdoc::cbor::MapRest;
use mdoc::cbor::{self, Embedded, Tagged, ToCbor, Value};
use mdoc::cose::{CoseMac0, CoseSign1, Payload};
use mdoc::definitions::{
    DeviceAuth, DeviceNameSpacesMap, DeviceRequest, DeviceResponse, DeviceSigned, Document,
    DocumentError, ElementReference, IssuerSigned, IssuerSignedItem, SessionTranscript,
};
use mdoc::profiles::{
    self, HolderFacts, Purpose, RequestedElement, assess, assess_without_profile, is_sensitive,
    match_profile,
};
use mdoc::registry::{self, age_over_threshold};
use mdoc::x509::{ChainPurpose, VerifiedChain, verify_chain};

use crate::consent::{
    ConsentDocument, ConsentElement, ConsentRequest, ReaderTrust, Selection, VerifierIdentity,
};
use crate::secure_area::AreaKey;
use crate::store::{CredentialCopy, StoredCredential};
use crate::wallet::{Wallet, WalletError};

/// How the wallet authenticates a DeviceResponse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeviceAuthMode {
    /// deviceSignature: ES256 by the device key in the secure area (non-repudiable).
    #[default]
    Signature,
    /// deviceMac: HMAC with a key agreed between the device key and the reader's ephemeral key
    /// (deniable); falls back to a signature when there is no reader key (online flows).
    Mac,
}

/// A request the wallet has understood, waiting for the citizen's answer.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    consent: ConsentRequest,
    documents: Vec<PreparedDocument>,
    transcript: Value,
    transcript_bytes: Embedded,
}

#[derive(Debug, Clone)]
struct PreparedDocument {
    doc_type: String,
    /// The requested (namespace, identifier) pairs, in request order.
    requested: Vec<(String, String)>,
    /// For each requested pair, the identifier sent if it is approved (`None`: nothing answers
    /// it). Computed once, shown on the consent element and used as is when responding.
    answers: Vec<Option<String>>,
    /// For each requested pair answered by nothing of its own: the second edition's
    /// alternative elements sent instead if it is approved (empty: none).
    alternatives: Vec<Vec<ElementReference>>,
    /// The reader's maximumResponseSize for this document (second edition).
    max_response_size: Option<u64>,
    credential: Option<Arc<HeldCredential>>,
}

#[derive(Debug)]
struct HeldCredential {
    stored: StoredCredential,
    /// The copy this presentation uses: its device key and IssuerSigned.
    copy: CredentialCopy,
    issuer_signed: IssuerSigned,
    /// Set while the copy is reserved for this presentation.
    reservation: Option<Reservation>,
}

/// A copy reserved for one presentation: released unused when dropped (a declined or failed
/// presentation burns nothing), consumed once a response disclosing it has been built.
#[derive(Debug)]
struct Reservation {
    wallet: Wallet,
    consumed: std::sync::atomic::AtomicBool,
}

impl Drop for HeldCredential {
    fn drop(&mut self) {
        if let Some(reservation) = &self.reservation
            && !reservation
                .consumed
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            reservation
                .wallet
                .store()
                .release_copy(&self.stored.id, &self.copy.device_key_alias);
        }
    }
}

impl HeldCredential {
    /// Records that this copy was disclosed (once, however often the response is rebuilt).
    fn consume(&self, wallet: &Wallet) -> Result<(), WalletError> {
        let Some(reservation) = &self.reservation else {
            return Ok(());
        };
        if reservation
            .consumed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(());
        }
        let area = wallet.secure_area();
        Ok(wallet
            .store()
            .consume_copy(&self.stored.id, &self.copy.device_key_alias, Some(area))?)
    }
}

impl HeldCredential {
    fn item(&self, namespace: &str, identifier: &str) -> Option<&Tagged<IssuerSignedItem>> {
        self.issuer_signed
            .items()
            .find(|(ns, item)| *ns == namespace && item.element_identifier == identifier)
            .map(|(_, item)| item)
    }

    /// The identifier that answers `identifier` in a request that also asks for
    /// `also_requested` (identifiers in the same namespace): itself, or for age_over_NN the
    /// nearest held attestation (ISO 18013-5 §7.2.5) unless the verifier asked for that one too.
    fn answering(
        &self,
        namespace: &str,
        identifier: &str,
        also_requested: &[&str],
    ) -> Option<String> {
        if self.item(namespace, identifier).is_some() {
            return Some(identifier.to_owned());
        }
        let requested = age_over_threshold(identifier)?;
        let held: Vec<(u8, bool)> = self
            .issuer_signed
            .items()
            .filter(|(ns, _)| *ns == namespace)
            .filter_map(|(_, item)| {
                Some((
                    age_over_threshold(&item.element_identifier)?,
                    item.element_value.as_bool()?,
                ))
            })
            .collect();
        let asked: Vec<u8> = also_requested
            .iter()
            .filter_map(|id| age_over_threshold(id))
            .collect();
        profiles::age_substitute(&held, requested, &asked).map(|nn| format!("age_over_{nn:02}"))
    }

    fn nationality(&self) -> Option<String> {
        self.issuer_signed
            .items()
            .find(|(_, item)| item.element_identifier == "nationality")
            .and_then(|(_, item)| match &item.element_value {
                Value::Text(code) => Some(code.clone()),
                Value::Array(codes) => codes.first().and_then(Value::as_text).map(str::to_owned),
                _ => None,
            })
    }
}

impl PreparedRequest {
    /// The consent object for the app.
    pub fn consent(&self) -> &ConsentRequest {
        &self.consent
    }

    /// The consent object, for the online flows that add to it (OpenID4VP `verifier_info`).
    pub(crate) fn consent_mut(&mut self) -> &mut ConsentRequest {
        &mut self.consent
    }

    /// Records where an online request came from (the origin the platform reported, or the
    /// response URI), for the consent screen.
    pub fn set_origin(&mut self, origin: String) {
        self.consent.verifier.origin = Some(origin);
    }
}

/// Whether the wallet holds a currently valid credential of `doc_type` and, when `element`
/// (namespace, identifier) is given, an element that answers it on its own.
pub fn holds_element(
    wallet: &Wallet,
    doc_type: &str,
    element: Option<(&str, &str)>,
) -> Result<bool, WalletError> {
    let Some(held) = held_credential(wallet, doc_type, false, &[])? else {
        return Ok(false);
    };
    Ok(element
        .is_none_or(|(namespace, identifier)| held.answering(namespace, identifier, &[]).is_some()))
}

/// The id of the credential that would answer a DocRequest for `doc_type` restricted to the
/// IACAs `issuers` (second-edition issuerIdentifiers; empty: any), without reserving a copy.
pub(crate) fn answering_credential_id(
    wallet: &Wallet,
    doc_type: &str,
    issuers: &[Vec<u8>],
) -> Result<Option<String>, WalletError> {
    Ok(held_credential(wallet, doc_type, false, issuers)?.map(|h| h.stored.id.clone()))
}

/// The valid credential of `doc_type` with a copy left (the one valid longest) whose IACA is one
/// of `issuers` (second-edition issuerIdentifiers, see [`mdoc::x509::issuer_auth_matches`];
/// empty: any issuer). With `reserve`, a copy is reserved atomically for this presentation (see
/// [`Reservation`]); a document whose copies are all reserved by other presentations is not
/// offered.
fn held_credential(
    wallet: &Wallet,
    doc_type: &str,
    reserve: bool,
    issuers: &[Vec<u8>],
) -> Result<Option<HeldCredential>, WalletError> {
    let now = wallet.now();
    let mut candidates: Vec<_> = wallet
        .credentials()
        .into_iter()
        .filter(|c| c.doc_type == doc_type && c.valid_from <= now && now <= c.valid_until)
        .filter(|c| !crate::status::blocks_presentation(c))
        .filter(|c| c.copies_left > 0)
        .collect();
    // The one valid longest first (the last of equals, as `max_by_key` picks).
    candidates.reverse();
    candidates.sort_by_key(|c| std::cmp::Reverse(c.valid_until));
    for summary in candidates {
        match held_copy(wallet, &summary.id, reserve)? {
            Some(held)
                if mdoc::x509::issuer_auth_matches(&held.issuer_signed.issuer_auth, issuers) =>
            {
                return Ok(Some(held));
            }
            // Another issuer: dropping `held` releases a reserved copy; try the next one.
            Some(_) => {}
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Loads (and with `reserve` reserves) a copy of the stored credential `id`.
fn held_copy(
    wallet: &Wallet,
    id: &str,
    reserve: bool,
) -> Result<Option<HeldCredential>, WalletError> {
    #[cfg(test)]
    trace::record(trace::Op::LoadCredential);
    let (stored, copy) = if reserve {
        let Some(reserved) = wallet.store().reserve_copy(id)? else {
            return Ok(None);
        };
        reserved
    } else {
        let stored = wallet.credential(id)?;
        let Some(copy) = stored.record.copies.first().cloned() else {
            return Ok(None);
        };
        (stored, copy)
    };
    let issuer_signed: IssuerSigned = match cbor::from_slice(&copy.issuer_signed) {
        Ok(signed) => signed,
        Err(e) => {
            if reserve {
                wallet
                    .store()
                    .release_copy(&stored.id, &copy.device_key_alias);
            }
            return Err(e.into());
        }
    };
    Ok(Some(HeldCredential {
        stored,
        copy,
        issuer_signed,
        reservation: reserve.then(|| Reservation {
            wallet: wallet.clone(),
            consumed: std::sync::atomic::AtomicBool::new(false),
        }),
    }))
}

/// The credentials answering one request, each read and decrypted once however many
/// DocRequests ask for its doc type.
#[derive(Default)]
struct CredentialCache {
    /// Per doc type and issuerIdentifiers restriction, the credential answering it.
    by_doc_type: Vec<(String, IssuerIdentifiers, Option<Arc<HeldCredential>>)>,
}

/// A DocRequest's issuerIdentifiers (empty: any issuer).
type IssuerIdentifiers = Vec<Vec<u8>>;

impl CredentialCache {
    fn get(
        &mut self,
        wallet: &Wallet,
        doc_type: &str,
        issuers: &[Vec<u8>],
    ) -> Result<Option<Arc<HeldCredential>>, WalletError> {
        if let Some((_, _, held)) = self
            .by_doc_type
            .iter()
            .find(|(d, i, _)| d == doc_type && i.as_slice() == issuers)
        {
            return Ok(held.clone());
        }
        // The same credential may already be reserved for an unrestricted DocRequest.
        if let Some(held) = self
            .by_doc_type
            .iter()
            .filter(|(d, _, _)| d == doc_type)
            .filter_map(|(_, _, h)| h.clone())
            .find(|h| mdoc::x509::issuer_auth_matches(&h.issuer_signed.issuer_auth, issuers))
        {
            self.by_doc_type
                .push((doc_type.to_owned(), issuers.to_vec(), Some(held.clone())));
            return Ok(Some(held));
        }
        let held = held_credential(wallet, doc_type, true, issuers)?.map(Arc::new);
        self.by_doc_type
            .push((doc_type.to_owned(), issuers.to_vec(), held.clone()));
        Ok(held)
    }
}

fn untrusted(reason: impl Into<String>) -> VerifierIdentity {
    VerifierIdentity {
        trust: ReaderTrust::Untrusted {
            reason: reason.into(),
        },
        ..VerifierIdentity::anonymous()
    }
}

/// The trust verdict over every DocRequest, independent of their order: not authenticated when
/// none is covered by reader authentication; trusted only when every DocRequest is covered (by
/// its own readerAuth, or by the second edition's readerAuthAll, which covers them all), every
/// signature present verifies, every chain validates, and all are signed by the same reader
/// certificate; otherwise untrusted, with no reader identity shown.
fn verify_reader(wallet: &Wallet, request: &DeviceRequest, transcript: &Value) -> VerifierIdentity {
    let signatures = crate::second_edition::reader_signatures(request, transcript);
    let all_covered = request.reader_auth_all.is_some();
    let signed = request
        .doc_requests
        .iter()
        .filter(|d| d.reader_auth.is_some())
        .count();
    if signatures.is_empty() {
        return VerifierIdentity::anonymous();
    }
    if !all_covered && signed < request.doc_requests.len() {
        return untrusted("only some requests carry reader authentication");
    }
    // Each distinct certificate chain is validated once; each signature is checked, since each
    // covers different bytes.
    let mut chains: Vec<(Vec<Vec<u8>>, VerifiedChain)> = Vec::new();
    let mut reader: Option<usize> = None;
    for (reader_auth, payload) in &signatures {
        let verdict = (|| {
            let sign1 = CoseSign1::from_value(reader_auth).map_err(|e| e.to_string())?;
            let chain = sign1.x5chain().map_err(|e| e.to_string())?;
            let index = match chains.iter().position(|(c, _)| *c == chain) {
                Some(index) => index,
                None => {
                    #[cfg(test)]
                    trace::record(trace::Op::VerifyChain);
                    let anchors = &wallet.config().reader_anchors;
                    let verified =
                        verify_chain(&chain, anchors, wallet.now(), ChainPurpose::ReaderAuth)
                            .map_err(|e| e.to_string())?;
                    chains.push((chain, verified));
                    chains.len() - 1
                }
            };
            let verified = chains.get(index).map(|(_, v)| v).ok_or("chain cache")?;
            let key = verified
                .leaf_key()
                .ok_or_else(|| "reader key is not P-256".to_owned())?;
            sign1
                .verify(&key, Some(payload.encoded()))
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(index)
        })();
        let index = match verdict {
            Ok(index) => index,
            Err(reason) => return untrusted(reason),
        };
        match reader {
            None => reader = Some(index),
            Some(first) => {
                let leaf = |i: usize| chains.get(i).and_then(|(c, _)| c.first());
                if leaf(first) != leaf(index) {
                    return untrusted("requests are signed by different reader certificates");
                }
            }
        }
    }
    let Some((_, verified)) = reader.and_then(|i| chains.get(i)) else {
        return VerifierIdentity::anonymous();
    };
    VerifierIdentity {
        common_name: verified.leaf.subject_common_name(),
        organization: verified.leaf.subject_organization(),
        country: verified.leaf.subject_country(),
        trust: ReaderTrust::Trusted {
            anchor: verified.anchor.subject_common_name().unwrap_or_default(),
        },
        origin: None,
    }
}

/// Understands `request` in the context of `transcript`: checks the request's caps
/// ([`mdoc::definitions::request::MAX_DOC_REQUESTS`] and the per-request element caps),
/// verifies reader authentication, finds the credentials that answer it (each read once), and
/// builds the consent object.
pub fn prepare_request(
    wallet: &Wallet,
    request: &DeviceRequest,
    transcript: &SessionTranscript,
) -> Result<PreparedRequest, WalletError> {
    request.check_limits()?;
    let transcript_value = transcript.to_cbor();
    let verifier = verify_reader(wallet, request, &transcript_value);
    let plan = crate::second_edition::plan(wallet, request)?;
    let mut credentials = CredentialCache::default();
    let mut consent_documents = Vec::new();
    let mut documents = Vec::new();
    let mut answered = Vec::new();
    for (index, doc) in request.doc_requests.iter().enumerate() {
        if !plan.answered.get(index).copied().unwrap_or(true) {
            continue;
        }
        answered.push(index);
        let info = request.doc_request_info(index)?;
        let items = doc.items_request.value();
        let credential = credentials.get(wallet, &items.doc_type, &info.issuer_identifiers)?;
        // Held, but not from an IACA the reader listed: reported as not held, and the consent
        // says why.
        let issuer_not_accepted = credential.is_none()
            && !info.issuer_identifiers.is_empty()
            && holds_element(wallet, &items.doc_type, None)?;
        let requested: Vec<RequestedElement> = items
            .elements()
            .map(|(ns, id, retain)| RequestedElement {
                namespace: ns.to_owned(),
                identifier: id.to_owned(),
                intent_to_retain: retain,
            })
            .collect();
        let answers: Vec<Option<String>> = requested
            .iter()
            .map(|r| {
                let held = credential.as_ref()?;
                let also_requested: Vec<&str> = requested
                    .iter()
                    .filter(|o| o.namespace == r.namespace && o.identifier != r.identifier)
                    .map(|o| o.identifier.as_str())
                    .collect();
                held.answering(&r.namespace, &r.identifier, &also_requested)
            })
            .collect();
        let alternatives: Vec<Vec<ElementReference>> = requested
            .iter()
            .zip(&answers)
            .map(|(r, answer)| match (answer, &credential) {
                (None, Some(held)) => crate::second_edition::alternative(
                    &info,
                    &r.namespace,
                    &r.identifier,
                    |ns, id| held.item(ns, id).is_some(),
                ),
                _ => Vec::new(),
            })
            .collect();
        let declared = items
            .request_info
            .iter()
            .flatten()
            .find(|(k, _)| k == "purpose")
            .and_then(|(_, v)| v.as_text())
            .and_then(Purpose::from_id);
        let purpose = match_profile(&items.doc_type, &requested, declared);
        let facts = HolderFacts {
            nationality: credential.as_ref().and_then(|c| c.nationality()),
        };
        let findings = match purpose {
            Some(p) => assess(&profiles::profile(p), &requested, &facts),
            None => assess_without_profile(&items.doc_type, &requested),
        };
        let elements = requested
            .iter()
            .zip(&answers)
            .zip(&alternatives)
            .map(|((r, answer), alternative)| ConsentElement {
                namespace: r.namespace.clone(),
                identifier: r.identifier.clone(),
                label: registry::label(&items.doc_type, &r.namespace, &r.identifier),
                intent_to_retain: r.intent_to_retain,
                held: answer.is_some() || !alternative.is_empty(),
                disclosed_as: answer.clone(),
                alternative: alternative.clone(),
                sensitive: is_sensitive(&items.doc_type, &r.namespace, &r.identifier),
                findings: findings
                    .iter()
                    .filter(|f| f.namespace == r.namespace && f.identifier == r.identifier)
                    .cloned()
                    .collect(),
            })
            .collect();
        consent_documents.push(ConsentDocument {
            doc_type: items.doc_type.clone(),
            display_name: registry::doc_type(&items.doc_type)
                .map_or_else(|| items.doc_type.clone(), |d| d.display_name.to_owned()),
            credential_id: credential.as_ref().map(|c| c.stored.id.clone()),
            purpose,
            purpose_declared: declared.is_some() && declared == purpose,
            elements,
            withheld: crate::status::withheld_reason(
                &wallet.credentials(),
                &items.doc_type,
                wallet.now(),
            ),
            registration: None,
            issuer_not_accepted,
        });
        documents.push(PreparedDocument {
            doc_type: items.doc_type.clone(),
            requested: requested
                .into_iter()
                .map(|r| (r.namespace, r.identifier))
                .collect(),
            answers,
            alternatives,
            max_response_size: info.maximum_response_size,
            credential,
        });
    }
    let mut consent = ConsentRequest {
        verifier,
        documents: consent_documents,
        use_cases: plan.use_cases,
    };
    crate::registration::apply_request_info(wallet, request, &answered, &mut consent);
    Ok(PreparedRequest {
        consent,
        documents,
        transcript: transcript_value,
        transcript_bytes: transcript.to_bytes(),
    })
}

/// Builds the DeviceResponse disclosing exactly `selection`: the approved IssuerSignedItems
/// byte-for-byte as issued, elements requested but not held in `errors`, documents not held or
/// not approved in `documentErrors`, and device authentication over this transcript.
/// `e_reader_key` enables deviceMac when the wallet is configured for it.
pub fn respond(
    wallet: &Wallet,
    prepared: &PreparedRequest,
    selection: &Selection,
    e_reader_key: Option<&p256::PublicKey>,
) -> Result<DeviceResponse, WalletError> {
    let mut documents = Vec::new();
    let mut document_errors = Vec::new();
    let answers = respond_each(wallet, prepared, selection, e_reader_key)?;
    for (doc, answer) in prepared.documents.iter().zip(answers) {
        match answer {
            Some(document) => documents.push(document),
            None => document_errors.push(DocumentError {
                doc_type: doc.doc_type.clone(),
                code: 0,
            }),
        }
    }
    Ok(DeviceResponse::new(documents, document_errors))
}

/// The disclosed Document for each requested document in request order (`None` where not
/// held or not approved), checking first that `selection` asks only for requested elements.
pub fn respond_each(
    wallet: &Wallet,
    prepared: &PreparedRequest,
    selection: &Selection,
    e_reader_key: Option<&p256::PublicKey>,
) -> Result<Vec<Option<Document>>, WalletError> {
    for approved in &selection.approved {
        let requested = prepared.documents.iter().any(|d| {
            d.doc_type == approved.doc_type
                && d.requested
                    .iter()
                    .any(|(ns, id)| *ns == approved.namespace && *id == approved.identifier)
        });
        if !requested {
            return Err(WalletError::SelectionNotRequested);
        }
    }
    prepared
        .documents
        .iter()
        .map(|doc| match &doc.credential {
            Some(held) => disclose(wallet, prepared, doc, held, selection, e_reader_key),
            None => Ok(None),
        })
        .collect()
}

/// A response that discloses nothing: every requested document reported as not returned.
pub fn decline(prepared: &PreparedRequest) -> DeviceResponse {
    let errors = prepared
        .documents
        .iter()
        .map(|d| DocumentError {
            doc_type: d.doc_type.clone(),
            code: 0,
        })
        .collect();
    DeviceResponse::new(Vec::new(), errors)
}

fn disclose(
    wallet: &Wallet,
    prepared: &PreparedRequest,
    doc: &PreparedDocument,
    held: &HeldCredential,
    selection: &Selection,
    e_reader_key: Option<&p256::PublicKey>,
) -> Result<Option<Document>, WalletError> {
    // Borrowed from `doc`: the filter below looks every issued item up without allocating
    // (a short list, searched linearly: a few dozen entries at most, and no new set type).
    let mut disclosed: Vec<(&str, &str)> = Vec::new();
    let mut not_held: Vec<(String, Vec<(String, i64)>)> = Vec::new();
    for (((namespace, identifier), answer), alternative) in doc
        .requested
        .iter()
        .zip(&doc.answers)
        .zip(&doc.alternatives)
    {
        let approved = selection.contains(&doc.doc_type, namespace, identifier);
        match answer {
            Some(answer) if approved => {
                disclosed.push((namespace, answer));
            }
            Some(_) => {}
            None if !alternative.is_empty() => {
                if approved {
                    disclosed.extend(
                        alternative
                            .iter()
                            .map(|e| (e.namespace.as_str(), e.identifier.as_str())),
                    );
                }
            }
            None => match not_held.iter_mut().find(|(ns, _)| ns == namespace) {
                Some((_, ids)) => ids.push((identifier.clone(), 0)),
                None => not_held.push((namespace.clone(), vec![(identifier.clone(), 0)])),
            },
        }
    }
    if disclosed.is_empty() {
        return Ok(None);
    }
    // Items keep the issuer's namespace and item order, byte-for-byte.
    let name_spaces: Vec<(String, Vec<Tagged<IssuerSignedItem>>)> = held
        .issuer_signed
        .name_spaces
        .iter()
        .flatten()
        .filter_map(|(ns, items)| {
            let chosen: Vec<_> = items
                .iter()
                .filter(|item| disclosed.contains(&(ns.as_str(), item.element_identifier.as_str())))
                .cloned()
                .collect();
            (!chosen.is_empty()).then(|| (ns.clone(), chosen))
        })
        .collect();
    let device_name_spaces = Tagged::new(DeviceNameSpacesMap::default());
    let auth_bytes = device_authentication_bytes(
        &prepared.transcript,
        &doc.doc_type,
        device_name_spaces.embedded(),
    );
    let alias = &held.copy.device_key_alias;
    let device_auth = match (wallet.config().device_auth, e_reader_key) {
        (DeviceAuthMode::Mac, Some(reader_key)) => {
            let shared = wallet.secure_area().key_agreement(alias, reader_key)?;
            let key = emac_key(&shared, prepared.transcript_bytes.encoded());
            DeviceAuth::Mac(CoseMac0::create(&key, auth_bytes.encoded()).to_cbor())
        }
        _ => {
            let signer = AreaKey {
                area: wallet.secure_area(),
                alias,
            };
            let signature = CoseSign1::sign(&signer, auth_bytes.encoded(), Payload::Detached, &[])
                .map_err(|e| WalletError::DeviceAuthentication(e.to_string()))?;
            DeviceAuth::Signature(signature.to_cbor())
        }
    };
    let document = Document {
        doc_type: doc.doc_type.clone(),
        issuer_signed: IssuerSigned {
            name_spaces: Some(name_spaces),
            issuer_auth: held.issuer_signed.issuer_auth.clone(),
            rest: MapRest::default(),
        },
        device_signed: DeviceSigned {
            name_spaces: device_name_spaces,
            device_auth,
            rest: MapRest::default(),
        },
        errors: (!not_held.is_empty()).then_some(not_held),
        rest: MapRest::default(),
    };
    if let Some(max) = doc.max_response_size {
        let size = cbor::to_vec(&document).len();
        if u64::try_from(size).map_or(true, |size| size > max) {
            // Checked before the copy is consumed: nothing was disclosed.
            return Err(WalletError::ResponseTooLarge);
        }
    }
    held.consume(wallet)?;
    Ok(Some(document))
}

/// Test-only record of the expensive steps of preparing a request (reading and decrypting a
/// credential, validating a reader certificate chain), which are not otherwise observable.
#[cfg(test)]
pub(crate) mod trace {
    use std::cell::RefCell;

    /// An expensive step.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Op {
        LoadCredential,
        VerifyChain,
    }

    thread_local! {
        static LOG: RefCell<Vec<Op>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn record(op: Op) {
        LOG.with(|log| log.borrow_mut().push(op));
    }

    /// The steps recorded on this thread since the last call.
    pub(crate) fn take() -> Vec<Op> {
        LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use issuer::certs::{CertificateProfile, CertifiedKey};
    use issuer::samples::{self, AMELIA};
    use issuer::{TestIssuer, ValidityWindow};
    use mdoc::auth::reader_authentication_bytes;
    use mdoc::cbor::MapRest;
    use mdoc::clock::FixedClock;
    use mdoc::definitions::{DocRequest, Handover, ItemsRequest};
    use mdoc::registry::{ISO_NAMESPACE, MDL, UK_DIGITAL_ID};
    use mdoc::time::Timestamp;
    use mdoc::x509::TrustAnchors;

    use crate::WalletConfig;
    use crate::keys::WalletKey;
    use crate::secure_area::SoftwareSecureArea;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);

    struct Fixture {
        _dir: tempfile::TempDir,
        wallet: Wallet,
        reader: CertifiedKey,
    }

    /// A wallet holding a UK digital ID and an mDL, and a reader certificate it trusts.
    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let issuer = TestIssuer::new("UK Digital Identity", "GB", NOW).unwrap();
        let start = NOW.plus_days(-30);
        let root = CertifiedKey::new_reader_root(&CertificateProfile::new(
            "Reader Root",
            "GB",
            start,
            3650,
        ))
        .unwrap();
        let reader =
            CertifiedKey::new_reader(&root, &CertificateProfile::new("Reader", "GB", start, 365))
                .unwrap();
        let key = WalletKey::from_bytes([7; 32]);
        let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key).unwrap();
        let config = WalletConfig {
            issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
            reader_anchors: TrustAnchors::new(vec![root.certificate().clone()]),
            device_auth: DeviceAuthMode::Signature,
            ..WalletConfig::default()
        };
        let wallet = Wallet::open(
            &dir.path().join("store"),
            &key,
            Arc::new(area),
            config,
            Arc::new(FixedClock(NOW)),
        )
        .unwrap();
        for data in [
            samples::uk_digital_id(&AMELIA, NOW.date()),
            samples::mdl(&AMELIA, NOW.date()),
        ] {
            let pending = wallet.prepare(&data.doc_type).unwrap();
            let issued = issuer
                .issue(
                    &data,
                    &pending.device_key,
                    &ValidityWindow::starting(NOW.plus_days(-1), 365),
                )
                .unwrap();
            wallet.accept(&pending, &issued.bytes).unwrap();
        }
        Fixture {
            _dir: dir,
            wallet,
            reader,
        }
    }

    fn transcript() -> SessionTranscript {
        SessionTranscript {
            device_engagement: None,
            e_reader_key: None,
            handover: Handover::Qr,
        }
    }

    fn signed_request(reader: &CertifiedKey, doc_type: &str, identifier: &str) -> DocRequest {
        let items_request = Tagged::new(ItemsRequest::new(
            doc_type,
            vec![(
                ISO_NAMESPACE.to_owned(),
                vec![(identifier.to_owned(), false)],
            )],
        ));
        let payload =
            reader_authentication_bytes(&transcript().to_cbor(), items_request.embedded());
        let reader_auth = CoseSign1::sign(
            reader.signing_key(),
            payload.encoded(),
            Payload::Detached,
            &[reader.certificate().der().to_vec()],
        )
        .unwrap()
        .to_cbor();
        DocRequest {
            items_request,
            reader_auth: Some(reader_auth),
            rest: MapRest::default(),
        }
    }

    #[test]
    fn each_credential_and_reader_chain_is_checked_once_per_request() {
        let f = fixture();
        // MAX_DOC_REQUESTS DocRequests over two doc types, all signed by the one reader.
        let doc_requests: Vec<DocRequest> = (0..mdoc::definitions::request::MAX_DOC_REQUESTS)
            .map(|n| {
                let doc_type = if n % 2 == 0 { UK_DIGITAL_ID } else { MDL };
                signed_request(&f.reader, doc_type, "age_over_18")
            })
            .collect();
        let request = DeviceRequest::new(doc_requests);
        trace::take();
        let prepared = prepare_request(&f.wallet, &request, &transcript()).unwrap();
        let ops = trace::take();
        let count = |op| ops.iter().filter(|o| **o == op).count();
        assert_eq!(count(trace::Op::LoadCredential), 2, "{ops:?}");
        assert_eq!(count(trace::Op::VerifyChain), 1, "{ops:?}");
        assert!(matches!(
            prepared.consent().verifier.trust,
            ReaderTrust::Trusted { .. }
        ));
        // The documents of one doc type share the one loaded credential.
        let first = prepared.documents[0].credential.as_ref().unwrap();
        assert!(
            prepared
                .documents
                .iter()
                .step_by(2)
                .all(|d| Arc::ptr_eq(d.credential.as_ref().unwrap(), first))
        );
        // Responding reads nothing again.
        respond(
            &f.wallet,
            &prepared,
            &prepared.consent().everything_held(),
            None,
        )
        .unwrap();
        assert_eq!(trace::take(), []);
    }

    #[test]
    fn a_request_over_the_cap_is_refused_before_any_work() {
        let f = fixture();
        let over = DeviceRequest::new(vec![
            signed_request(&f.reader, UK_DIGITAL_ID, "age_over_18");
            mdoc::definitions::request::MAX_DOC_REQUESTS + 1
        ]);
        trace::take();
        let refused = prepare_request(&f.wallet, &over, &transcript()).unwrap_err();
        assert!(matches!(
            refused,
            WalletError::Malformed(mdoc::cbor::CborError::InvalidValue { .. })
        ));
        assert_eq!(trace::take(), []);
        // The message names the cap, not the request's content.
        assert!(refused.to_string().contains("docRequests"), "{refused}");
    }
}
