//! OpenID4VP 1.0 for `mso_mdoc` through the Digital Credentials API (response mode `dc_api`):
//! the request's DCQL query becomes a DeviceRequest and the same consent object as proximity;
//! the answer is a `vp_token` mapping each credential query id to base64url DeviceResponses
//! bound to the `OpenID4VPDCAPIHandover` transcript (origin, nonce).
//!
//! Not yet supported: encrypted responses (`dc_api.jwt`, JWE), signed request objects, and the
//! redirect flow's response delivery (its transcript is in `mdoc::online::openid4vp`).

use mdoc::cbor::{self, MapRest, Tagged};
use mdoc::definitions::{DeviceRequest, DocRequest, ItemsRequest};
use mdoc::online::dcapi::encode_field;
use mdoc::online::openid4vp::dc_api_session_transcript;
use serde_json::Value as Json;

use crate::consent::{ConsentRequest, Selection};
use crate::presentation::{PreparedRequest, prepare_request, respond};
use crate::wallet::{Wallet, WalletError};

/// Largest accepted request JSON.
pub const MAX_REQUEST_LEN: usize = 1024 * 1024;
/// Most credential queries or claims accepted in one DCQL query.
pub const MAX_QUERIES: usize = 64;

fn invalid(context: &'static str) -> WalletError {
    WalletError::Malformed(cbor::CborError::InvalidValue { context })
}

/// One `mso_mdoc` credential query of a DCQL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialQuery {
    /// The query id (the key in the vp_token).
    pub id: String,
    /// `meta.doctype_value`.
    pub doc_type: String,
    /// (namespace, element, intent_to_retain) for the claims asked (the first claim set when
    /// claim sets are given).
    pub claims: Vec<(String, String, bool)>,
}

/// Parses the `mso_mdoc` credential queries of a DCQL query, refusing other formats and
/// malformed or oversized queries.
pub fn parse_dcql(query: &Json) -> Result<Vec<CredentialQuery>, WalletError> {
    let credentials = query
        .get("credentials")
        .and_then(Json::as_array)
        .filter(|c| !c.is_empty() && c.len() <= MAX_QUERIES)
        .ok_or(invalid("dcql_query.credentials"))?;
    credentials
        .iter()
        .map(|credential| {
            let text = |v: Option<&Json>, what: &'static str| {
                v.and_then(Json::as_str)
                    .map(str::to_owned)
                    .ok_or(invalid(what))
            };
            let id = text(credential.get("id"), "credential query id")?;
            if credential.get("format").and_then(Json::as_str) != Some("mso_mdoc") {
                return Err(invalid("credential query format (only mso_mdoc)"));
            }
            let doc_type = text(
                credential.get("meta").and_then(|m| m.get("doctype_value")),
                "meta.doctype_value",
            )?;
            let claims = credential
                .get("claims")
                .and_then(Json::as_array)
                .filter(|c| !c.is_empty() && c.len() <= MAX_QUERIES)
                .ok_or(invalid("claims"))?;
            let first_set: Option<Vec<&str>> = credential
                .get("claim_sets")
                .and_then(Json::as_array)
                .and_then(|sets| sets.first())
                .and_then(Json::as_array)
                .map(|set| set.iter().filter_map(Json::as_str).collect());
            let mut parsed = Vec::new();
            for claim in claims {
                if let Some(set) = &first_set {
                    let claim_id = claim.get("id").and_then(Json::as_str).unwrap_or_default();
                    if !set.contains(&claim_id) {
                        continue;
                    }
                }
                let path = claim
                    .get("path")
                    .and_then(Json::as_array)
                    .ok_or(invalid("claim path"))?;
                let [namespace, element] = path.as_slice() else {
                    return Err(invalid("claim path (namespace, element)"));
                };
                parsed.push((
                    text(Some(namespace), "claim namespace")?,
                    text(Some(element), "claim element")?,
                    claim
                        .get("intent_to_retain")
                        .and_then(Json::as_bool)
                        .unwrap_or(false),
                ));
            }
            Ok(CredentialQuery {
                id,
                doc_type,
                claims: parsed,
            })
        })
        .collect()
}

/// An OpenID4VP request the wallet has understood.
#[derive(Debug)]
pub struct OpenId4VpPresentation {
    wallet: Wallet,
    prepared: PreparedRequest,
    query_ids: Vec<String>,
}

impl OpenId4VpPresentation {
    /// Parses an unsigned OpenID4VP request (`response_type` `vp_token`, `response_mode`
    /// `dc_api`, `nonce`, `dcql_query`) received through the Digital Credentials API from
    /// `origin`, and builds the consent object.
    pub fn from_dc_api_request(
        wallet: &Wallet,
        request_json: &str,
        origin: &str,
    ) -> Result<Self, WalletError> {
        if request_json.len() > MAX_REQUEST_LEN {
            return Err(invalid("OpenID4VP request too large"));
        }
        let request: Json =
            serde_json::from_str(request_json).map_err(|_| invalid("OpenID4VP request JSON"))?;
        if request.get("response_type").and_then(Json::as_str) != Some("vp_token") {
            return Err(invalid("response_type (only vp_token)"));
        }
        if request.get("response_mode").and_then(Json::as_str) != Some("dc_api") {
            return Err(invalid(
                "response_mode (only dc_api; dc_api.jwt is not supported yet)",
            ));
        }
        let nonce = request
            .get("nonce")
            .and_then(Json::as_str)
            .filter(|n| !n.is_empty())
            .ok_or(invalid("nonce"))?;
        let queries = parse_dcql(request.get("dcql_query").ok_or(invalid("dcql_query"))?)?;
        let doc_requests = queries
            .iter()
            .map(|q| {
                let mut name_spaces: Vec<(String, Vec<(String, bool)>)> = Vec::new();
                for (ns, id, retain) in &q.claims {
                    match name_spaces.iter_mut().find(|(n, _)| n == ns) {
                        Some((_, ids)) => ids.push((id.clone(), *retain)),
                        None => name_spaces.push((ns.clone(), vec![(id.clone(), *retain)])),
                    }
                }
                DocRequest {
                    items_request: Tagged::new(ItemsRequest::new(q.doc_type.clone(), name_spaces)),
                    reader_auth: None,
                    rest: MapRest::default(),
                }
            })
            .collect();
        let transcript = dc_api_session_transcript(origin, nonce, None);
        let prepared = prepare_request(wallet, &DeviceRequest::new(doc_requests), &transcript)?;
        Ok(OpenId4VpPresentation {
            wallet: wallet.clone(),
            prepared,
            query_ids: queries.into_iter().map(|q| q.id).collect(),
        })
    }

    /// The consent object for the app.
    pub fn consent(&self) -> &ConsentRequest {
        self.prepared.consent()
    }

    /// Discloses exactly `selection`: the `vp_token` JSON object, one DeviceResponse (base64url)
    /// per credential query answered.
    pub fn approve(&self, selection: &Selection) -> Result<String, WalletError> {
        let response = respond(&self.wallet, &self.prepared, selection, None)?;
        let mut token = serde_json::Map::new();
        for document in response.documents.iter().flatten() {
            let index = self
                .consent()
                .documents
                .iter()
                .position(|d| d.doc_type == document.doc_type)
                .ok_or(WalletError::WrongState)?;
            let id = self.query_ids.get(index).ok_or(WalletError::WrongState)?;
            let single = mdoc::definitions::DeviceResponse::new(vec![document.clone()], Vec::new());
            token.insert(
                id.clone(),
                Json::Array(vec![Json::String(encode_field(&cbor::to_vec(&single)))]),
            );
        }
        Ok(Json::Object(token).to_string())
    }
}
