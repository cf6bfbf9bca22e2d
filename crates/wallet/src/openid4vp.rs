//! OpenID4VP 1.0 for `mso_mdoc`: the holder's side of a remote check, through the Digital
//! Credentials API (`dc_api`, `dc_api.jwt`) or by redirect (`direct_post`, `direct_post.jwt`).
//!
//! The request's DCQL query (credential queries, claim sets, credential sets) becomes the same
//! DeviceRequest and consent object as proximity. The answer is bound to the OpenID4VP
//! handover — origin or client_id, nonce, the thumbprint of the verifier's encryption key when
//! the response is encrypted, and the response_uri — and returned as the authorization
//! response to hand back: `vp_token` (and `state`), or `response` holding a JWE.
//!
//! Requests are taken unsigned only: through the Digital Credentials API the platform vouches
//! for the origin; by redirect only the `redirect_uri:` client identifier prefix, whose
//! client_id must equal the response_uri, is accepted. Signed request objects (`request`,
//! `request_uri`) are refused with a clear error.

use mdoc::cbor::{self, MapRest, Tagged};
use mdoc::definitions::{DeviceRequest, DeviceResponse, DocRequest, ItemsRequest};
use mdoc::online::dcapi::encode_field;
use mdoc::online::form;
use mdoc::online::jwe::{self, ContentEncryption};
use mdoc::online::openid4vp::{ResponseMode, p256_jwk_thumbprint, session_transcript};
use serde_json::{Map, Value as Json};

use crate::consent::{ConsentRequest, Selection};
use crate::history::{self, Channel as HistoryChannel, Outcome};
use crate::presentation::{PreparedRequest, holds_element, prepare_request, respond_each};
use crate::wallet::{Wallet, WalletError};

/// Largest accepted request (JSON or URL).
pub const MAX_REQUEST_LEN: usize = 1024 * 1024;
/// Most credential queries, claims, claim sets or credential sets accepted in one DCQL query.
pub const MAX_QUERIES: usize = 64;
/// Longest accepted identifier (credential query or claim id).
pub const MAX_ID_LEN: usize = 128;

fn invalid(context: &'static str) -> WalletError {
    WalletError::Malformed(cbor::CborError::InvalidValue { context })
}

fn array<'a>(value: Option<&'a Json>, what: &'static str) -> Result<&'a [Json], WalletError> {
    value
        .and_then(Json::as_array)
        .filter(|items| !items.is_empty() && items.len() <= MAX_QUERIES)
        .map(Vec::as_slice)
        .ok_or(invalid(what))
}

fn text(value: Option<&Json>, what: &'static str) -> Result<String, WalletError> {
    value
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or(invalid(what))
}

/// DCQL ids are non-empty, short and made of `[A-Za-z0-9_-]`.
fn identifier(value: Option<&Json>, what: &'static str) -> Result<String, WalletError> {
    let id = text(value, what)?;
    let valid = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(id) } else { Err(invalid(what)) }
}

/// One claim of a credential query: an mdoc element by `[namespace, element]` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimQuery {
    /// The claim id (needed when the query has claim sets).
    pub id: Option<String>,
    /// The namespace.
    pub namespace: String,
    /// The element identifier.
    pub element: String,
    /// Whether the verifier intends to retain the value.
    pub intent_to_retain: bool,
}

/// One `mso_mdoc` credential query of a DCQL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialQuery {
    /// The query id (the key in the vp_token).
    pub id: String,
    /// `meta.doctype_value`.
    pub doc_type: String,
    /// Every claim named.
    pub claims: Vec<ClaimQuery>,
    /// Alternative sets of claim ids, in the verifier's order of preference (empty: all
    /// claims).
    pub claim_sets: Vec<Vec<String>>,
}

/// A DCQL credential set: alternatives (lists of credential query ids), one of which answers
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSet {
    /// The options, in the verifier's order of preference.
    pub options: Vec<Vec<String>>,
    /// Whether the set must be answered (default true).
    pub required: bool,
}

/// A parsed DCQL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcqlQuery {
    /// The credential queries.
    pub credentials: Vec<CredentialQuery>,
    /// The credential sets (empty: every credential query is requested).
    pub credential_sets: Vec<CredentialSet>,
}

fn parse_claim(claim: &Json) -> Result<ClaimQuery, WalletError> {
    if claim.get("values").is_some() {
        return Err(WalletError::Unsupported(
            "DCQL claim value matching (values)",
        ));
    }
    let path = claim
        .get("path")
        .and_then(Json::as_array)
        .ok_or(invalid("claim path"))?;
    let [namespace, element] = path.as_slice() else {
        return Err(invalid("claim path (namespace, element)"));
    };
    let id = match claim.get("id") {
        None => None,
        Some(id) => Some(identifier(Some(id), "claim id")?),
    };
    let intent_to_retain = match claim.get("intent_to_retain") {
        None => false,
        Some(retain) => retain.as_bool().ok_or(invalid("intent_to_retain"))?,
    };
    Ok(ClaimQuery {
        id,
        namespace: text(Some(namespace), "claim namespace")?,
        element: text(Some(element), "claim element")?,
        intent_to_retain,
    })
}

fn id_lists(
    value: Option<&Json>,
    known: &[Option<String>],
    what: &'static str,
) -> Result<Vec<Vec<String>>, WalletError> {
    array(value, what)?
        .iter()
        .map(|list| {
            array(Some(list), what)?
                .iter()
                .map(|id| {
                    let id = identifier(Some(id), what)?;
                    if known.iter().flatten().any(|k| *k == id) {
                        Ok(id)
                    } else {
                        Err(invalid(what))
                    }
                })
                .collect()
        })
        .collect()
}

fn parse_credential(credential: &Json) -> Result<CredentialQuery, WalletError> {
    let id = identifier(credential.get("id"), "credential query id")?;
    if credential.get("format").and_then(Json::as_str) != Some("mso_mdoc") {
        return Err(WalletError::Unsupported(
            "credential format (only mso_mdoc)",
        ));
    }
    let doc_type = text(
        credential.get("meta").and_then(|m| m.get("doctype_value")),
        "meta.doctype_value",
    )?;
    let claims = match credential.get("claims") {
        None => Vec::new(),
        some => array(some, "claims")?
            .iter()
            .map(parse_claim)
            .collect::<Result<Vec<_>, _>>()?,
    };
    let claim_sets = match credential.get("claim_sets") {
        None => Vec::new(),
        some => {
            let known: Vec<Option<String>> = claims.iter().map(|c| c.id.clone()).collect();
            id_lists(some, &known, "claim_sets")?
        }
    };
    Ok(CredentialQuery {
        id,
        doc_type,
        claims,
        claim_sets,
    })
}

/// Parses a DCQL query, refusing formats other than `mso_mdoc`, dangling or repeated ids,
/// features that would change what may be returned (`values`), and oversized queries.
pub fn parse_dcql(query: &Json) -> Result<DcqlQuery, WalletError> {
    let credentials = array(query.get("credentials"), "dcql_query.credentials")?
        .iter()
        .map(parse_credential)
        .collect::<Result<Vec<_>, _>>()?;
    for (index, credential) in credentials.iter().enumerate() {
        if credentials
            .iter()
            .skip(index + 1)
            .any(|c| c.id == credential.id)
        {
            return Err(invalid("repeated credential query id"));
        }
    }
    let credential_sets = match query.get("credential_sets") {
        None => Vec::new(),
        some => {
            let known: Vec<Option<String>> =
                credentials.iter().map(|c| Some(c.id.clone())).collect();
            array(some, "credential_sets")?
                .iter()
                .map(|set| {
                    let required = match set.get("required") {
                        None => true,
                        Some(required) => required.as_bool().ok_or(invalid("required"))?,
                    };
                    Ok(CredentialSet {
                        options: id_lists(set.get("options"), &known, "credential_sets options")?,
                        required,
                    })
                })
                .collect::<Result<Vec<_>, WalletError>>()?
        }
    };
    Ok(DcqlQuery {
        credentials,
        credential_sets,
    })
}

/// Which credential queries to ask the citizen about: every one without credential sets;
/// otherwise, per set, the first option whose documents are all held (a required set with no
/// such option keeps its first option, so consent shows what is missing).
fn chosen_queries(
    query: &DcqlQuery,
    held: &mut impl FnMut(&str) -> Result<bool, WalletError>,
) -> Result<Vec<CredentialQuery>, WalletError> {
    if query.credential_sets.is_empty() {
        return Ok(query.credentials.clone());
    }
    let by_id = |id: &String| query.credentials.iter().find(|c| c.id == *id);
    let mut chosen: Vec<&CredentialQuery> = Vec::new();
    for set in &query.credential_sets {
        let mut satisfiable = None;
        for option in &set.options {
            let mut all_held = true;
            for credential in option.iter().filter_map(by_id) {
                all_held &= held(&credential.doc_type)?;
            }
            if all_held {
                satisfiable = Some(option);
                break;
            }
        }
        let option = match satisfiable {
            Some(option) => Some(option),
            None if set.required => set.options.first(),
            None => None,
        };
        for credential in option.into_iter().flatten().filter_map(by_id) {
            if !chosen.iter().any(|c| c.id == credential.id) {
                chosen.push(credential);
            }
        }
    }
    Ok(chosen.into_iter().cloned().collect())
}

/// The claims asked of one credential: all of them, or the first claim set whose claims are all
/// held (else the first claim set).
fn chosen_claims(
    credential: &CredentialQuery,
    holds: &mut impl FnMut(&str, &str) -> Result<bool, WalletError>,
) -> Result<Vec<ClaimQuery>, WalletError> {
    let in_set = |set: &Vec<String>| -> Vec<ClaimQuery> {
        credential
            .claims
            .iter()
            .filter(|c| c.id.as_ref().is_some_and(|id| set.contains(id)))
            .cloned()
            .collect()
    };
    let Some(first) = credential.claim_sets.first() else {
        return Ok(credential.claims.clone());
    };
    for set in &credential.claim_sets {
        let claims = in_set(set);
        let mut all_held = true;
        for claim in &claims {
            all_held &= holds(&claim.namespace, &claim.element)?;
        }
        if all_held {
            return Ok(claims);
        }
    }
    Ok(in_set(first))
}

fn doc_request(doc_type: &str, claims: &[ClaimQuery]) -> DocRequest {
    let mut name_spaces: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for claim in claims {
        let entry = (claim.element.clone(), claim.intent_to_retain);
        match name_spaces
            .iter_mut()
            .find(|(ns, _)| *ns == claim.namespace)
        {
            Some((_, elements)) => {
                if !elements.iter().any(|(e, _)| *e == claim.element) {
                    elements.push(entry);
                }
            }
            None => name_spaces.push((claim.namespace.clone(), vec![entry])),
        }
    }
    DocRequest {
        items_request: Tagged::new(ItemsRequest::new(doc_type.to_owned(), name_spaces)),
        reader_auth: None,
        rest: MapRest::default(),
    }
}

/// Reads request parameters: a JSON object, or a URL / query string whose `dcql_query` and
/// `client_metadata` are JSON text.
fn request_parameters(request: &str) -> Result<Map<String, Json>, WalletError> {
    if request.len() > MAX_REQUEST_LEN {
        return Err(invalid("OpenID4VP request too large"));
    }
    mdoc::limits::OPENID4VP_REQUEST.check_json(request)?;
    let trimmed = request.trim_start();
    if trimmed.starts_with('{') {
        return match serde_json::from_str(trimmed) {
            Ok(Json::Object(map)) => Ok(map),
            _ => Err(invalid("OpenID4VP request JSON")),
        };
    }
    let query = trimmed.split_once('?').map_or(trimmed, |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let mut map = Map::new();
    for (name, value) in form::decode(query).map_err(|_| invalid("OpenID4VP request URL"))? {
        let value = if name == "dcql_query" || name == "client_metadata" {
            mdoc::limits::OPENID4VP_REQUEST.check_json(&value)?;
            serde_json::from_str(&value).map_err(|_| invalid("OpenID4VP request parameter JSON"))?
        } else {
            Json::String(value)
        };
        map.insert(name, value);
    }
    Ok(map)
}

/// The verifier's response-encryption key and content encryption, from `client_metadata`.
#[derive(Debug, Clone)]
struct Encryption {
    key: p256::PublicKey,
    kid: Option<String>,
    enc: ContentEncryption,
}

fn encryption(request: &Map<String, Json>) -> Result<Encryption, WalletError> {
    let metadata = request.get("client_metadata").ok_or(invalid(
        "client_metadata (needed for an encrypted response)",
    ))?;
    let keys = array(
        metadata.get("jwks").and_then(|j| j.get("keys")),
        "client_metadata.jwks.keys",
    )?;
    let (jwk, key) = keys
        .iter()
        .find_map(|jwk| {
            let field = |name: &str| jwk.get(name).and_then(Json::as_str);
            let usable = field("use").is_none_or(|u| u == "enc")
                && field("alg").is_none_or(|a| a == jwe::ALG_ECDH_ES);
            usable
                .then(|| jwe::parse_p256_jwk(jwk).ok().map(|key| (jwk, key)))
                .flatten()
        })
        .ok_or(WalletError::Unsupported(
            "response encryption key (only ECDH-ES on P-256)",
        ))?;
    let enc = match metadata.get("encrypted_response_enc_values_supported") {
        None => ContentEncryption::A128Gcm,
        Some(values) => array(Some(values), "encrypted_response_enc_values_supported")?
            .iter()
            .filter_map(Json::as_str)
            .find_map(ContentEncryption::from_name)
            .ok_or(WalletError::Unsupported(
                "response content encryption (only A128GCM, A256GCM)",
            ))?,
    };
    Ok(Encryption {
        key,
        kid: jwk.get("kid").and_then(Json::as_str).map(str::to_owned),
        enc,
    })
}

/// Refuses a response_uri that `direct_post` would reach in the clear: it must be `https://`
/// with a host, or — only when `allow_loopback` (a test-only switch) — `http://` to
/// `127.0.0.1`, `[::1]` or `localhost` with at most a numeric port (the one rule of
/// [`mdoc::online::url::UrlPolicy`]).
fn check_response_uri(uri: &str, allow_loopback: bool) -> Result<(), WalletError> {
    if mdoc::online::url::UrlPolicy::from_switch(allow_loopback).allows(uri) {
        Ok(())
    } else {
        Err(WalletError::Unsupported(
            "response_uri (must be an https:// URL)",
        ))
    }
}

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel<'a> {
    /// The platform's Digital Credentials API, with the calling web origin it reports.
    DcApi {
        /// The origin, e.g. `https://employer.example`.
        origin: &'a str,
    },
    /// A redirect or QR code (`openid4vp://…`), answered by `direct_post` to the response_uri.
    Redirect,
}

/// The authorization response to hand back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    parameters: Map<String, Json>,
    response_uri: Option<String>,
}

impl AuthorizationResponse {
    /// The response as a JSON object: what a Digital Credentials API call returns as its data.
    pub fn to_json(&self) -> String {
        Json::Object(self.parameters.clone()).to_string()
    }

    /// The response as an `application/x-www-form-urlencoded` body: what `direct_post` sends
    /// (a JSON-valued parameter such as `vp_token` as its JSON text).
    pub fn to_form(&self) -> String {
        form::encode_json_object(&self.parameters)
    }

    /// Where to POST the form (the request's response_uri); `None` through the Digital
    /// Credentials API.
    pub fn response_uri(&self) -> Option<&str> {
        self.response_uri.as_deref()
    }
}

/// An OpenID4VP request the wallet has understood.
#[derive(Debug)]
pub struct OpenId4VpPresentation {
    wallet: Wallet,
    prepared: PreparedRequest,
    query_ids: Vec<String>,
    mode: ResponseMode,
    state: Option<String>,
    response_uri: Option<String>,
    encryption: Option<Encryption>,
    history_channel: HistoryChannel,
}

fn history_channel(channel: Channel<'_>) -> HistoryChannel {
    match channel {
        Channel::DcApi { .. } => HistoryChannel::OpenId4VpDcApi,
        Channel::Redirect => HistoryChannel::OpenId4VpRedirect,
    }
}

impl OpenId4VpPresentation {
    /// Parses an unsigned OpenID4VP request (`response_type` `vp_token`, `nonce`,
    /// `dcql_query`, `response_mode`, and for encrypted modes `client_metadata` with the
    /// verifier's key) received over `channel`, and builds the consent object.
    pub fn from_request(
        wallet: &Wallet,
        request: &str,
        channel: Channel<'_>,
    ) -> Result<Self, WalletError> {
        Self::parse(wallet, request, channel).inspect_err(|e| {
            let entry = history::failure(history_channel(channel), None, Outcome::Failed, Some(e));
            wallet.note_history(entry);
        })
    }

    fn parse(wallet: &Wallet, request: &str, channel: Channel<'_>) -> Result<Self, WalletError> {
        let parameters = request_parameters(request)?;
        let field = |name: &str| parameters.get(name).and_then(Json::as_str);
        if parameters.contains_key("request") || parameters.contains_key("request_uri") {
            return Err(WalletError::Unsupported(
                "signed request objects (request, request_uri)",
            ));
        }
        if field("response_type") != Some("vp_token") {
            return Err(WalletError::Unsupported("response_type (only vp_token)"));
        }
        let mode = field("response_mode")
            .and_then(ResponseMode::from_name)
            .ok_or(WalletError::Unsupported(
                "response_mode (dc_api, dc_api.jwt, direct_post, direct_post.jwt)",
            ))?;
        let nonce = field("nonce")
            .filter(|n| !n.is_empty())
            .ok_or(invalid("nonce"))?;
        let (binding, response_uri) = match (channel, mode.dc_api()) {
            (Channel::DcApi { origin }, true) => (origin.to_owned(), None),
            (Channel::Redirect, false) => {
                let response_uri = field("response_uri").ok_or(invalid("response_uri"))?;
                check_response_uri(
                    response_uri,
                    wallet.config().allow_insecure_loopback_response_uri,
                )?;
                let client_id = field("client_id").ok_or(invalid("client_id"))?;
                if client_id.strip_prefix("redirect_uri:") != Some(response_uri) {
                    return Err(WalletError::Unsupported(
                        "client_id (unsigned requests must use redirect_uri: with the response_uri)",
                    ));
                }
                (client_id.to_owned(), Some(response_uri.to_owned()))
            }
            _ => return Err(invalid("response_mode does not fit the channel")),
        };
        let encryption = if mode.encrypted() {
            Some(encryption(&parameters)?)
        } else {
            None
        };
        let dcql = parse_dcql(parameters.get("dcql_query").ok_or(invalid("dcql_query"))?)?;
        let queries = chosen_queries(&dcql, &mut |doc_type| holds_element(wallet, doc_type, None))?;
        let mut doc_requests = Vec::new();
        for query in &queries {
            let claims = chosen_claims(query, &mut |ns, element| {
                holds_element(wallet, &query.doc_type, Some((ns, element)))
            })?;
            doc_requests.push(doc_request(&query.doc_type, &claims));
        }
        let thumbprint = encryption.as_ref().map(|e| p256_jwk_thumbprint(&e.key));
        let transcript = session_transcript(
            mode,
            &binding,
            nonce,
            thumbprint.as_ref(),
            response_uri.as_deref().unwrap_or_default(),
        );
        let mut prepared = prepare_request(wallet, &DeviceRequest::new(doc_requests), &transcript)?;
        prepared.set_origin(match channel {
            Channel::DcApi { origin } => origin.to_owned(),
            Channel::Redirect => response_uri.clone().unwrap_or_default(),
        });
        Ok(OpenId4VpPresentation {
            wallet: wallet.clone(),
            prepared,
            query_ids: queries.into_iter().map(|q| q.id).collect(),
            mode,
            state: field("state").map(str::to_owned),
            response_uri,
            encryption,
            history_channel: history_channel(channel),
        })
    }

    /// The consent object for the app.
    pub fn consent(&self) -> &ConsentRequest {
        self.prepared.consent()
    }

    /// The response mode the verifier asked for.
    pub fn response_mode(&self) -> ResponseMode {
        self.mode
    }

    /// Discloses exactly `selection`: a `vp_token` with one DeviceResponse (base64url) per
    /// credential query answered, encrypted to the verifier when asked. Nothing approved is an
    /// `access_denied` error response.
    pub fn approve(&self, selection: &Selection) -> Result<AuthorizationResponse, WalletError> {
        let consent = self.prepared.consent();
        let answers =
            respond_each(&self.wallet, &self.prepared, selection, None).inspect_err(|e| {
                let entry = history::failure(
                    self.history_channel,
                    Some(consent),
                    Outcome::Failed,
                    Some(e),
                );
                self.wallet.note_history(entry);
            })?;
        let mut token = Map::new();
        for (id, document) in self.query_ids.iter().zip(answers) {
            if let Some(document) = document {
                let single = DeviceResponse::new(vec![document], Vec::new());
                token.insert(
                    id.clone(),
                    Json::Array(vec![Json::String(encode_field(&cbor::to_vec(&single)))]),
                );
            }
        }
        if token.is_empty() {
            return Ok(self.decline());
        }
        let mut parameters = Map::new();
        parameters.insert("vp_token".to_owned(), Json::Object(token));
        self.insert_state(&mut parameters);
        if let Some(encryption) = &self.encryption {
            let plaintext = Json::Object(parameters).to_string();
            let sealed = jwe::encrypt(
                &encryption.key,
                encryption.kid.as_deref(),
                encryption.enc,
                plaintext.as_bytes(),
            );
            parameters = Map::new();
            parameters.insert("response".to_owned(), Json::String(sealed));
        }
        // Recorded before the bytes leave: no entry, no response.
        let entry = history::presentation(
            self.history_channel,
            consent,
            Some(selection),
            Outcome::Approved,
        );
        self.wallet.commit_history(entry)?;
        Ok(self.response(parameters))
    }

    /// Discloses nothing: the `access_denied` error response (never encrypted; it carries no
    /// personal data).
    pub fn decline(&self) -> AuthorizationResponse {
        let consent = self.prepared.consent();
        let entry = history::presentation(self.history_channel, consent, None, Outcome::Declined);
        self.wallet.note_history(entry);
        let mut parameters = Map::new();
        parameters.insert("error".to_owned(), Json::String("access_denied".to_owned()));
        self.insert_state(&mut parameters);
        self.response(parameters)
    }

    /// The citizen or the platform abandoned the request without an answer: nothing is sent;
    /// the attempt is recorded as cancelled.
    pub fn cancel(self) {
        let consent = self.prepared.consent();
        let entry = history::failure(
            self.history_channel,
            Some(consent),
            Outcome::Cancelled,
            None,
        );
        self.wallet.note_history(entry);
    }

    fn insert_state(&self, parameters: &mut Map<String, Json>) {
        if let Some(state) = &self.state {
            parameters.insert("state".to_owned(), Json::String(state.clone()));
        }
    }

    fn response(&self, parameters: Map<String, Json>) -> AuthorizationResponse {
        AuthorizationResponse {
            parameters,
            response_uri: self.response_uri.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(query: Json) -> DcqlQuery {
        parse_dcql(&query).unwrap()
    }

    #[test]
    fn parses_claims_claim_sets_and_credential_sets() {
        let query = ok(json!({
            "credentials": [
                {"id": "pid", "format": "mso_mdoc", "meta": {"doctype_value": "eu.europa.ec.eudi.pid.1"},
                 "claims": [
                    {"id": "a", "path": ["ns", "given_name"], "intent_to_retain": true},
                    {"id": "b", "path": ["ns", "age_over_18"]}],
                 "claim_sets": [["b"], ["a", "b"]]},
                {"id": "mdl", "format": "mso_mdoc", "meta": {"doctype_value": "org.iso.18013.5.1.mDL"}}
            ],
            "credential_sets": [{"options": [["mdl"], ["pid"]]}, {"options": [["pid"]], "required": false}]
        }));
        assert_eq!(query.credentials.len(), 2);
        assert!(query.credentials[0].claims[0].intent_to_retain);
        assert_eq!(
            query.credentials[0].claim_sets,
            vec![vec!["b".to_owned()], vec!["a".to_owned(), "b".to_owned()]]
        );
        assert!(query.credentials[1].claims.is_empty());
        assert!(!query.credential_sets[1].required);

        // Only the PID held: the first set falls to its second option; the optional set adds
        // nothing new.
        let chosen = chosen_queries(&query, &mut |dt| Ok(dt == "eu.europa.ec.eudi.pid.1")).unwrap();
        assert_eq!(
            chosen.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["pid"]
        );
        // Nothing held: a required set keeps its first option, so consent shows it missing.
        let chosen = chosen_queries(&query, &mut |_| Ok(false)).unwrap();
        assert_eq!(
            chosen.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["mdl"]
        );

        let pid = &query.credentials[0];
        let claims = chosen_claims(pid, &mut |_, element| Ok(element == "age_over_18")).unwrap();
        assert_eq!(
            claims
                .iter()
                .map(|c| c.element.as_str())
                .collect::<Vec<_>>(),
            ["age_over_18"]
        );
        let claims = chosen_claims(pid, &mut |_, _| Ok(false)).unwrap();
        assert_eq!(claims.len(), 1, "falls back to the first claim set");
    }

    #[test]
    fn refuses_malformed_and_unsupported_queries() {
        let mdoc = |extra: Json| {
            let mut credential = json!({"id": "q", "format": "mso_mdoc", "meta": {"doctype_value": "d"},
                "claims": [{"id": "c", "path": ["ns", "e"]}]});
            for (k, v) in extra.as_object().unwrap() {
                credential[k] = v.clone();
            }
            json!({"credentials": [credential]})
        };
        let bad = [
            json!({}),
            json!({"credentials": []}),
            json!({"credentials": [{"id": "q", "format": "mso_mdoc"}]}),
            mdoc(json!({"id": "has space"})),
            mdoc(json!({"id": ""})),
            mdoc(json!({"claims": [{"path": ["only-one"]}]})),
            mdoc(json!({"claims": [{"path": ["ns", 5]}]})),
            mdoc(json!({"claims": [{"path": ["ns", "e"], "intent_to_retain": "yes"}]})),
            mdoc(json!({"claim_sets": [["missing"]]})),
            mdoc(json!({"claim_sets": []})),
            json!({"credentials": [{"id": "q", "format": "mso_mdoc", "meta": {"doctype_value": "d"}},
                                   {"id": "q", "format": "mso_mdoc", "meta": {"doctype_value": "d"}}]}),
            json!({"credentials": [{"id": "q", "format": "mso_mdoc", "meta": {"doctype_value": "d"}}],
                   "credential_sets": [{"options": [["other"]]}]}),
            json!({"credentials": (0..=MAX_QUERIES).map(|i| json!({"id": format!("q{i}"), "format": "mso_mdoc", "meta": {"doctype_value": "d"}})).collect::<Vec<_>>()}),
        ];
        for query in bad {
            assert!(
                matches!(parse_dcql(&query), Err(WalletError::Malformed(_))),
                "{query}"
            );
        }
        assert!(matches!(
            parse_dcql(&mdoc(json!({"format": "dc+sd-jwt"}))),
            Err(WalletError::Unsupported(_))
        ));
        assert!(matches!(
            parse_dcql(&mdoc(
                json!({"claims": [{"path": ["ns", "e"], "values": [true]}]})
            )),
            Err(WalletError::Unsupported(_))
        ));
    }

    #[test]
    fn reads_json_and_url_requests() {
        let json_request =
            request_parameters(r#"{"nonce":"n","dcql_query":{"credentials":[]}}"#).unwrap();
        assert_eq!(json_request["nonce"], "n");
        let url = format!(
            "openid4vp://?{}",
            form::encode([("nonce", "n 1"), ("dcql_query", r#"{"credentials":[]}"#)])
        );
        let from_url = request_parameters(&url).unwrap();
        assert_eq!(from_url["nonce"], "n 1");
        assert_eq!(from_url["dcql_query"], json!({"credentials": []}));
        for bad in ["{", "{]", "openid4vp://?dcql_query=%7B", "a=%zz", "x=1&x=2"] {
            assert!(request_parameters(bad).is_err(), "{bad}");
        }
        assert!(request_parameters(&"a".repeat(MAX_REQUEST_LEN + 1)).is_err());
    }

    #[test]
    fn responses_serialize_as_json_and_form() {
        let mut parameters = Map::new();
        parameters.insert("vp_token".to_owned(), json!({"q": ["AAEC"]}));
        parameters.insert("state".to_owned(), json!("s&1"));
        let response = AuthorizationResponse {
            parameters,
            response_uri: Some("https://v.example/post".to_owned()),
        };
        assert_eq!(
            serde_json::from_str::<Json>(&response.to_json()).unwrap(),
            json!({"vp_token": {"q": ["AAEC"]}, "state": "s&1"})
        );
        let decoded = form::decode(&response.to_form()).unwrap();
        assert!(decoded.contains(&("state".to_owned(), "s&1".to_owned())));
        assert!(decoded.contains(&("vp_token".to_owned(), r#"{"q":["AAEC"]}"#.to_owned())));
        assert_eq!(response.response_uri(), Some("https://v.example/post"));
    }
}

#[cfg(test)]
mod response_uri_tests {
    use std::sync::Arc;

    use mdoc::clock::FixedClock;
    use serde_json::json;

    use super::*;
    use crate::keys::WalletKey;
    use crate::secure_area::SoftwareSecureArea;
    use crate::wallet::WalletConfig;

    fn wallet(dir: &std::path::Path, allow_loopback: bool) -> Wallet {
        let key = WalletKey::from_bytes([7; 32]);
        let area = SoftwareSecureArea::open(&dir.join("keys"), &key).unwrap();
        let config = WalletConfig {
            allow_insecure_loopback_response_uri: allow_loopback,
            ..WalletConfig::default()
        };
        let clock = Arc::new(FixedClock(mdoc::time::Timestamp::from_unix_seconds(
            1_800_000_000,
        )));
        Wallet::open(&dir.join("store"), &key, Arc::new(area), config, clock).unwrap()
    }

    fn request(response_uri: &str) -> String {
        json!({
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "nonce": "n-0S6_WzA2Mj",
            "client_id": format!("redirect_uri:{response_uri}"),
            "response_uri": response_uri,
            "dcql_query": {"credentials": [{
                "id": "id", "format": "mso_mdoc",
                "meta": {"doctype_value": "org.example.id"},
                "claims": [{"path": ["org.example.id", "name"]}]
            }]}
        })
        .to_string()
    }

    fn refused_uri(wallet: &Wallet, uri: &str) -> bool {
        matches!(
            OpenId4VpPresentation::from_request(wallet, &request(uri), Channel::Redirect),
            Err(WalletError::Unsupported(reason)) if reason.starts_with("response_uri")
        )
    }

    #[test]
    fn response_uri_must_be_https() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet(dir.path(), false);
        assert!(!refused_uri(&wallet, "https://v.example/post"));
        assert!(!refused_uri(&wallet, "HTTPS://v.example:8443/post?x=1"));
        for uri in [
            "http://v.example/post",
            "http://127.0.0.1:8080/post",
            "http://localhost/post",
            "ftp://v.example/post",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://",
            "https:///post",
            "https:v.example/post",
            "v.example/post",
            "",
            "https://v.example/p ost",
        ] {
            assert!(refused_uri(&wallet, uri), "{uri}");
        }
    }

    #[test]
    fn loopback_http_only_behind_the_test_switch() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet(dir.path(), true);
        for uri in [
            "http://127.0.0.1:8080/post",
            "http://[::1]:8080/post",
            "http://localhost/post",
            "http://LOCALHOST:1",
            "https://v.example/post",
        ] {
            assert!(!refused_uri(&wallet, uri), "{uri}");
        }
        for uri in [
            "http://v.example/post",
            "http://127.0.0.1.evil.example/post",
            "http://127.0.0.1@evil.example/post",
            "http://localhost.evil.example/",
            "http://127.0.0.2/post",
            "http://127.0.0.1:port/post",
            "http://[::1]evil/post",
        ] {
            assert!(refused_uri(&wallet, uri), "{uri}");
        }
    }
}
