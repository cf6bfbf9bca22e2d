//! An OpenID4VCI 1.0 credential issuer and authorization server for the pre-authorized code
//! grant, sans-IO: [`CredentialIssuerService::handle`] takes an [`HttpRequest`] record (method,
//! path, headers, body) and returns an [`HttpResponse`] (status, headers, body). A server binary
//! or a test moves the bytes.
//!
//! Endpoints (paths below the issuer identifier):
//!
//! | Path | Spec | What it does |
//! |---|---|---|
//! | `GET /.well-known/openid-credential-issuer` | §12.2 | credential issuer metadata |
//! | `GET /.well-known/oauth-authorization-server` | §12.3 | authorization server metadata |
//! | `POST /token` | §6 | pre-authorized code (+ `tx_code`) → access token, expiring |
//! | `POST /nonce` | §7 | a fresh single-use `c_nonce` |
//! | `POST /credential` | §8 | one credential per verified `jwt` proof, or a deferral |
//! | `POST /deferred_credential` | §9 | the deferred batch once ready |
//!
//! Every copy of a batch is a separate [`issue_credential`](crate::issue_credential) call: a
//! fresh MSO, fresh salts, random digest IDs, bound to that proof's device key. Time comes from
//! the injected [`Clock`]. With [`CredentialIssuerService::with_status`] every copy also gets
//! its own status-list index (and identifier) in its MSO, see [`status`].

mod credential;
mod state;
pub mod status;

use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::clock::Clock;
use mdoc::openid4vci::PRE_AUTHORIZED_GRANT;
use mdoc::openid4vci::credential::{ErrorResponse, NonceResponse};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::metadata::{
    AS_WELL_KNOWN, AuthorizationServerMetadata, BatchCredentialIssuance, CredentialConfiguration,
    CredentialIssuerMetadata, CredentialMetadata, Display, ISSUER_WELL_KNOWN, ProofType,
};
use mdoc::openid4vci::offer::{CredentialOffer, Grants, PreAuthorizedCodeGrant, TxCode};
use mdoc::openid4vci::token::{PreAuthorizedTokenRequest, TokenResponse};

use crate::credential::{CredentialData, TestIssuer};
use state::{IssuerState, Offer, Token};

/// Settings of a credential issuer.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The Credential Issuer Identifier (`https://…`), also the authorization server's issuer.
    pub identifier: String,
    /// Display name of the issuer.
    pub display_name: String,
    /// Doc types offered; each is also its configuration id.
    pub doc_types: Vec<String>,
    /// Most proofs per credential request (`batch_credential_issuance.batch_size`, ≥ 2).
    pub batch_size: u32,
    /// Pre-authorized code lifetime, seconds.
    pub code_lifetime: i64,
    /// Access token lifetime, seconds.
    pub token_lifetime: i64,
    /// `c_nonce` lifetime, seconds.
    pub nonce_lifetime: i64,
    /// How old a proof's `iat` may be, seconds (and how far in the future: a tenth of it).
    pub proof_max_age: i64,
    /// Days each issued MSO is valid.
    pub validity_days: i64,
    /// Wrong transaction codes tolerated before the pre-authorized code is revoked.
    pub max_tx_code_attempts: u32,
}

impl IssuerConfig {
    /// Sensible pilot settings for `identifier` issuing `doc_types`: batches of up to 10, a
    /// 10-minute code, 5-minute tokens and nonces, 60 s proof age, 30-day MSOs, 3 tries.
    pub fn new(identifier: &str, display_name: &str, doc_types: &[&str]) -> Self {
        IssuerConfig {
            identifier: identifier.trim_end_matches('/').to_owned(),
            display_name: display_name.to_owned(),
            doc_types: doc_types.iter().map(|d| (*d).to_owned()).collect(),
            batch_size: 10,
            code_lifetime: 600,
            token_lifetime: 300,
            nonce_lifetime: 300,
            proof_max_age: 60,
            validity_days: 30,
            max_tx_code_attempts: 3,
        }
    }
}

/// A credential issuer: configuration, the signing authority, a clock and the grant state.
pub struct CredentialIssuerService {
    config: IssuerConfig,
    authority: TestIssuer,
    clock: Arc<dyn Clock>,
    state: Mutex<IssuerState>,
    status: Option<Arc<status::IssuerStatus>>,
}

impl std::fmt::Debug for CredentialIssuerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialIssuerService")
            .field("identifier", &self.config.identifier)
            .finish_non_exhaustive()
    }
}

/// An offer made, and what the citizen must be told out of band.
#[derive(Debug, Clone)]
pub struct MadeOffer {
    /// The Credential Offer.
    pub offer: CredentialOffer,
    /// `openid-credential-offer://?credential_offer=…`.
    pub uri: String,
}

pub(crate) fn error(status: u16, code: &str) -> HttpResponse {
    HttpResponse::json(status, ErrorResponse::new(code).to_json())
}

pub(crate) fn random_token() -> String {
    mdoc::rng::random_bytes::<32>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equality in time independent of where the inputs differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl CredentialIssuerService {
    /// An issuer signing with `authority`'s document signer.
    pub fn new(config: IssuerConfig, authority: TestIssuer, clock: Arc<dyn Clock>) -> Self {
        CredentialIssuerService {
            config,
            authority,
            clock,
            state: Mutex::new(IssuerState::default()),
            status: None,
        }
    }

    /// Puts a `status` entry in every MSO issued from now on, one index per copy, from
    /// `status` (see [`status::IssuerStatus`]).
    pub fn with_status(mut self, status: Arc<status::IssuerStatus>) -> Self {
        self.status = Some(status);
        self
    }

    /// The status lists, when issuing with status.
    pub fn status(&self) -> Option<&Arc<status::IssuerStatus>> {
        self.status.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// The signing authority (its IACA is the wallet's trust anchor).
    pub fn authority(&self) -> &TestIssuer {
        &self.authority
    }

    fn state(&self) -> MutexGuard<'_, IssuerState> {
        // Every update replaces whole entries, so a poisoned state is consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Offers `data` (its doc type must be configured) under a fresh pre-authorized code; when
    /// `tx_code` is given the token request must carry it. `deferred`: the credential endpoint
    /// answers 202 until [`Self::complete_deferred`].
    pub fn offer(
        &self,
        data: CredentialData,
        tx_code: Option<&str>,
        deferred: bool,
    ) -> Result<MadeOffer, crate::IssuerError> {
        if !self.config.doc_types.contains(&data.doc_type) {
            return Err(crate::IssuerError::Credential("doc type not offered"));
        }
        let code = random_token();
        let offer = CredentialOffer {
            credential_issuer: self.config.identifier.clone(),
            credential_configuration_ids: vec![data.doc_type.clone()],
            grants: Grants {
                authorization_code: None,
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code.clone(),
                    tx_code: tx_code.map(|c| TxCode {
                        input_mode: Some(
                            if c.bytes().all(|b| b.is_ascii_digit()) {
                                "numeric"
                            } else {
                                "text"
                            }
                            .into(),
                        ),
                        length: u32::try_from(c.len()).ok(),
                        description: Some("The code in your letter".into()),
                    }),
                    authorization_server: None,
                }),
            },
        };
        let expires = self.clock.now().plus_seconds(self.config.code_lifetime);
        self.state().offers.insert(
            code,
            Offer {
                data,
                tx_code: tx_code.map(str::to_owned),
                expires,
                failed_attempts: 0,
                deferred,
            },
        );
        let uri = mdoc::openid4vci::offer::offer_uri_by_value(&offer);
        Ok(MadeOffer { offer, uri })
    }

    /// Makes deferred transaction `transaction_id` ready; false when unknown.
    pub fn complete_deferred(&self, transaction_id: &str) -> bool {
        match self.state().deferred.get_mut(transaction_id) {
            Some(pending) => {
                pending.ready = true;
                true
            }
            None => false,
        }
    }

    /// The transaction ids waiting for [`Self::complete_deferred`].
    pub fn pending_deferred(&self) -> Vec<String> {
        self.state()
            .deferred
            .iter()
            .filter(|(_, p)| !p.ready)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The credential issuer metadata (§12.2.4).
    pub fn metadata(&self) -> CredentialIssuerMetadata {
        let id = &self.config.identifier;
        let configurations = self
            .config
            .doc_types
            .iter()
            .map(|doc_type| {
                let display_name = mdoc::registry::doc_type(doc_type)
                    .map_or_else(|| doc_type.clone(), |d| d.display_name.to_owned());
                let configuration = CredentialConfiguration {
                    format: mdoc::openid4vci::FORMAT_MSO_MDOC.into(),
                    doctype: Some(doc_type.clone()),
                    scope: None,
                    credential_signing_alg_values_supported: Some(vec![serde_json::json!(-7)]),
                    cryptographic_binding_methods_supported: Some(vec!["cose_key".into()]),
                    proof_types_supported: Some(
                        [(
                            "jwt".to_owned(),
                            ProofType {
                                proof_signing_alg_values_supported: vec!["ES256".into()],
                                key_attestations_required: None,
                            },
                        )]
                        .into(),
                    ),
                    credential_metadata: Some(CredentialMetadata {
                        display: Some(vec![Display {
                            name: Some(display_name),
                            locale: Some("en-GB".into()),
                            ..Display::default()
                        }]),
                        claims: None,
                    }),
                };
                (doc_type.clone(), configuration)
            })
            .collect();
        CredentialIssuerMetadata {
            credential_issuer: id.clone(),
            authorization_servers: None,
            credential_endpoint: format!("{id}/credential"),
            nonce_endpoint: Some(format!("{id}/nonce")),
            deferred_credential_endpoint: Some(format!("{id}/deferred_credential")),
            notification_endpoint: None,
            batch_credential_issuance: Some(BatchCredentialIssuance {
                batch_size: self.config.batch_size,
            }),
            display: Some(vec![Display {
                name: Some(self.config.display_name.clone()),
                locale: Some("en-GB".into()),
                ..Display::default()
            }]),
            credential_configurations_supported: configurations,
        }
    }

    /// The authorization server metadata (RFC 8414, §12.3).
    pub fn authorization_server_metadata(&self) -> AuthorizationServerMetadata {
        let id = &self.config.identifier;
        AuthorizationServerMetadata {
            issuer: id.clone(),
            token_endpoint: format!("{id}/token"),
            authorization_endpoint: None,
            pushed_authorization_request_endpoint: None,
            code_challenge_methods_supported: None,
            grant_types_supported: Some(vec![PRE_AUTHORIZED_GRANT.into()]),
            dpop_signing_alg_values_supported: None,
            pre_authorized_grant_anonymous_access_supported: Some(true),
        }
    }

    /// Answers one request. `request.url` is the path (with any query) below the identifier;
    /// an absolute URL under the identifier is accepted too.
    pub fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let path = request
            .url
            .strip_prefix(self.config.identifier.as_str())
            .unwrap_or(&request.url);
        let path = path.split('?').next().unwrap_or_default();
        match (request.method.as_str(), path) {
            ("GET", ISSUER_WELL_KNOWN) => HttpResponse::json(200, self.metadata().to_json()),
            ("GET", AS_WELL_KNOWN) => {
                HttpResponse::json(200, self.authorization_server_metadata().to_json())
            }
            ("POST", "/token") => self.token(&request.body),
            ("POST", "/nonce") => self.nonce(),
            ("POST", "/credential") => self.credential(request),
            ("POST", "/deferred_credential") => self.deferred(request),
            (_, ISSUER_WELL_KNOWN | AS_WELL_KNOWN | "/token" | "/nonce" | "/credential")
            | (_, "/deferred_credential") => error(405, "invalid_request"),
            _ => error(404, "invalid_request"),
        }
    }

    /// §6: exchanges a pre-authorized code (and transaction code) for an access token. The
    /// code is single-use; wrong transaction codes count, and the code is revoked after
    /// [`IssuerConfig::max_tx_code_attempts`].
    fn token(&self, body: &[u8]) -> HttpResponse {
        let Ok(request) = PreAuthorizedTokenRequest::from_form(body) else {
            return error(400, "invalid_request");
        };
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        let Some(offer) = state.offers.get_mut(&request.pre_authorized_code) else {
            return error(400, "invalid_grant");
        };
        if offer.expires <= now {
            state.offers.remove(&request.pre_authorized_code);
            return error(400, "invalid_grant");
        }
        match (&offer.tx_code, &request.tx_code) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => return error(400, "invalid_request"),
            (Some(expected), Some(given)) => {
                if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
                    offer.failed_attempts += 1;
                    if offer.failed_attempts >= self.config.max_tx_code_attempts {
                        state.offers.remove(&request.pre_authorized_code);
                    }
                    return error(400, "invalid_grant");
                }
            }
        }
        let Some(offer) = state.offers.remove(&request.pre_authorized_code) else {
            return error(400, "invalid_grant");
        };
        let access_token = random_token();
        state.tokens.insert(
            access_token.clone(),
            Token {
                data: offer.data,
                deferred: offer.deferred,
                expires: now.plus_seconds(self.config.token_lifetime),
            },
        );
        let response = TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: u64::try_from(self.config.token_lifetime).ok(),
            refresh_token: None,
            authorization_details: None,
        };
        HttpResponse::json(200, response.to_json())
    }

    /// §7: a fresh `c_nonce`, valid for [`IssuerConfig::nonce_lifetime`] and for one
    /// credential request.
    fn nonce(&self) -> HttpResponse {
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        if state.nonces.len() >= state::MAX_NONCES {
            return error(503, "temporarily_unavailable");
        }
        let c_nonce = random_token();
        state.nonces.insert(
            c_nonce.clone(),
            now.plus_seconds(self.config.nonce_lifetime),
        );
        HttpResponse::json(200, NonceResponse { c_nonce }.to_json())
    }
}

#[cfg(test)]
mod tests;
