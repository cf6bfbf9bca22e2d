//! The issuance state machine.

use mdoc::online::url::UrlPolicy;
use mdoc::openid4vci::authorization::{
    AuthorizationRedirect, CredentialAuthorizationDetail, OPENID_CREDENTIAL,
    PushedAuthorizationRequest, PushedAuthorizationResponse, authorization_url,
};
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, DeferredCredentialRequest, ErrorResponse, NonceResponse,
    Proofs, decode_mdoc_credential,
};
use mdoc::openid4vci::http::HttpRequest;
use mdoc::openid4vci::metadata::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialIssuerMetadata,
};
use mdoc::openid4vci::notification::{NotificationEvent, NotificationRequest};
use mdoc::openid4vci::offer::{CredentialOffer, OfferSource, TxCode, parse_offer_uri_with};
use mdoc::openid4vci::pkce;
use mdoc::openid4vci::proof::{ProofClaims, sign_jwt_proof_with_attestation};
use mdoc::openid4vci::token::{PreAuthorizedTokenRequest, TokenRequest, TokenResponse};
use zeroize::Zeroizing;

use super::dpop::{DpopKey, Server};
use super::{IssuanceError, IssuanceOptions};
use crate::store::{CredentialCopy, CredentialRecord, CredentialSummary, MAX_COPIES, RefreshGrant};
use crate::wallet::Wallet;

/// What the app does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuanceStep {
    /// Send this request and hand the response to [`IssuanceSession::handle_response`].
    Send(HttpRequest),
    /// Ask the citizen for the transaction code and pass it to
    /// [`IssuanceSession::provide_tx_code`].
    NeedTxCode(TxCode),
    /// Open `url` in the browser (the issuer's login and consent page); when the browser is
    /// sent to the app's redirect URI, pass that whole URL to
    /// [`IssuanceSession::provide_redirect`].
    OpenBrowser {
        /// The authorization URL.
        url: String,
    },
    /// The issuer deferred issuance: wait `interval` seconds, then call `next_step` again.
    Wait {
        /// Seconds to wait.
        interval: u64,
    },
    /// The batch is stored.
    Done(CredentialSummary),
}

/// How the session gets its access token.
enum Grant {
    PreAuthorized {
        code: Zeroizing<String>,
        tx_code: Option<TxCode>,
    },
    AuthorizationCode {
        issuer_state: Option<String>,
    },
    Refresh {
        record_id: String,
        refresh_token: Zeroizing<String>,
    },
}

enum State {
    FetchOffer(String),
    FetchIssuerMetadata,
    FetchAsMetadata,
    NeedTxCode,
    PushAuthorization,
    Browser(String),
    Token,
    Nonce,
    Credential(String),
    Deferred {
        transaction_id: String,
        /// `Some`: tell the app to wait this long first.
        wait: Option<u64>,
    },
    Notify(CredentialSummary),
    Done(CredentialSummary),
    Failed,
}

/// Most `use_dpop_nonce` retries of one request.
const MAX_RETRIES: u8 = 2;

/// One issuance, driven by the app (see the module documentation).
pub struct IssuanceSession {
    wallet: Wallet,
    options: IssuanceOptions,
    state: State,
    /// Whether `next_step`'s request is out and its response awaited.
    awaiting: bool,
    credential_issuer: String,
    configuration_ids: Vec<String>,
    /// The authorization server the offer named, if any.
    offered_server: Option<String>,
    grant: Grant,
    issuer: Option<CredentialIssuerMetadata>,
    server: Option<AuthorizationServerMetadata>,
    tx_code: Option<Zeroizing<String>>,
    pkce_verifier: Option<Zeroizing<String>>,
    oauth_state: String,
    auth_code: Option<Zeroizing<String>>,
    access_token: Option<Zeroizing<String>>,
    refresh_token: Option<Zeroizing<String>>,
    dpop: Option<DpopKey>,
    token_is_dpop: bool,
    retries: u8,
    doc_type: String,
    configuration_id: String,
    display_name: Option<String>,
    logo_uri: Option<String>,
    /// The batch's device key aliases, in proof order.
    aliases: Vec<String>,
    /// The credential request once built (resent unchanged on a DPoP nonce retry).
    credential_body: Option<Vec<u8>>,
    notification_id: Option<String>,
    failure_notice: Option<HttpRequest>,
}

impl std::fmt::Debug for IssuanceSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuanceSession")
            .field("doc_type", &self.doc_type)
            .field("copies", &self.aliases.len())
            .finish_non_exhaustive()
    }
}

fn server_error(status: u16, body: &[u8]) -> IssuanceError {
    IssuanceError::Server {
        status,
        error: ErrorResponse::from_json(body).map_or_else(|_| "unknown".to_owned(), |e| e.error),
    }
}

fn expect_ok(status: u16, body: &[u8]) -> Result<(), IssuanceError> {
    if status == 200 {
        Ok(())
    } else {
        Err(server_error(status, body))
    }
}

/// Whether the configuration lists the `attestation` proof type with ES256.
fn takes_attestation(configuration: &CredentialConfiguration) -> bool {
    configuration
        .proof_types_supported
        .as_ref()
        .and_then(|types| types.get("attestation"))
        .is_some_and(|t| {
            t.proof_signing_alg_values_supported
                .iter()
                .any(|a| a == "ES256")
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Wallet {
    fn new_session(&self, options: IssuanceOptions, grant: Grant) -> IssuanceSession {
        IssuanceSession {
            wallet: self.clone(),
            options,
            state: State::FetchIssuerMetadata,
            awaiting: false,
            credential_issuer: String::new(),
            configuration_ids: Vec::new(),
            offered_server: None,
            grant,
            issuer: None,
            server: None,
            tx_code: None,
            pkce_verifier: None,
            oauth_state: String::new(),
            auth_code: None,
            access_token: None,
            refresh_token: None,
            dpop: None,
            token_is_dpop: false,
            retries: 0,
            doc_type: String::new(),
            configuration_id: String::new(),
            display_name: None,
            logo_uri: None,
            aliases: Vec::new(),
            credential_body: None,
            notification_id: None,
            failure_notice: None,
        }
    }

    /// Starts an issuance from an `openid-credential-offer://` URI (by value or by reference).
    /// The offer's pre-authorized code grant is used when it has one, else the authorization
    /// code grant (also when the offer names no grant, §4.1.1).
    pub fn start_issuance(
        &self,
        offer_uri: &str,
        options: IssuanceOptions,
    ) -> Result<IssuanceSession, IssuanceError> {
        let source = parse_offer_uri_with(
            offer_uri,
            UrlPolicy::from_switch(options.allow_insecure_loopback),
        )?;
        let mut session =
            self.new_session(options, Grant::AuthorizationCode { issuer_state: None });
        match source {
            OfferSource::Value(offer) => session.take_offer(offer),
            OfferSource::Reference(url) => session.state = State::FetchOffer(url),
        }
        Ok(session)
    }

    /// Starts a refresh of stored document `credential_id` with its refresh token: a new batch
    /// with fresh device keys whose copies replace the old ones in one atomic write (the old
    /// copies' keys are then deleted). Refused when the issuer gave the document no refresh
    /// token. `options.batch_size` and `options.locale` apply; the document keeps its policy
    /// and threshold.
    pub fn start_refresh(
        &self,
        credential_id: &str,
        options: IssuanceOptions,
    ) -> Result<IssuanceSession, IssuanceError> {
        let stored = self
            .credential(credential_id)
            .map_err(IssuanceError::Wallet)?;
        let record = stored.record;
        let grant = record.refresh.ok_or(IssuanceError::Unsupported(
            "the document has no refresh token",
        ))?;
        let options = IssuanceOptions {
            policy: record.policy,
            refresh_below: record.refresh_below,
            client_id: grant.client_id.clone(),
            ..options
        };
        let mut session = self.new_session(
            options,
            Grant::Refresh {
                record_id: credential_id.to_owned(),
                refresh_token: grant.refresh_token,
            },
        );
        session.credential_issuer = grant.credential_issuer;
        session.configuration_ids = vec![grant.configuration_id];
        if let Some(alias) = &grant.dpop_key_alias {
            session.dpop = Some(DpopKey::open(self, alias)?);
        }
        Ok(session)
    }
}

impl IssuanceSession {
    /// Which URLs this session may use (`https://` unless the test switch is on).
    fn url_policy(&self) -> UrlPolicy {
        UrlPolicy::from_switch(self.options.allow_insecure_loopback)
    }

    fn take_offer(&mut self, offer: CredentialOffer) {
        self.credential_issuer = offer.credential_issuer;
        self.configuration_ids = offer.credential_configuration_ids;
        let grants = offer.grants;
        if let Some(pre) = grants.pre_authorized_code {
            self.offered_server = pre.authorization_server;
            self.grant = Grant::PreAuthorized {
                code: Zeroizing::new(pre.pre_authorized_code),
                tx_code: pre.tx_code,
            };
        } else {
            let code = grants.authorization_code.unwrap_or_default();
            self.offered_server = code.authorization_server;
            self.grant = Grant::AuthorizationCode {
                issuer_state: code.issuer_state,
            };
        }
        self.state = State::FetchIssuerMetadata;
    }

    fn issuer(&self) -> Result<&CredentialIssuerMetadata, IssuanceError> {
        self.issuer.as_ref().ok_or(IssuanceError::WrongState)
    }

    fn server(&self) -> Result<&AuthorizationServerMetadata, IssuanceError> {
        self.server.as_ref().ok_or(IssuanceError::WrongState)
    }

    /// The authorization server to use: the offer's choice, else the issuer's first, else the
    /// issuer itself (§12.2.4).
    fn server_identifier(&self) -> Result<String, IssuanceError> {
        let issuer = self.issuer()?;
        let listed = issuer.authorization_servers.as_deref().unwrap_or_default();
        match &self.offered_server {
            Some(offered) if listed.contains(offered) => Ok(offered.clone()),
            Some(_) => Err(IssuanceError::Protocol(
                "the offer names an authorization server the issuer does not list",
            )),
            None => Ok(listed.first().unwrap_or(&issuer.credential_issuer).clone()),
        }
    }

    /// The doc type being issued (known once the metadata has been read).
    pub fn doc_type(&self) -> &str {
        &self.doc_type
    }

    /// What to do next. Call [`Self::handle_response`] after each [`IssuanceStep::Send`].
    pub fn next_step(&mut self) -> Result<IssuanceStep, IssuanceError> {
        if self.awaiting {
            return Err(IssuanceError::WrongState);
        }
        match self.build_step() {
            Ok(IssuanceStep::Send(request)) => {
                self.awaiting = true;
                Ok(IssuanceStep::Send(request))
            }
            Ok(step) => Ok(step),
            Err(IssuanceError::WrongState) => Err(IssuanceError::WrongState),
            Err(IssuanceError::Failed) => Err(IssuanceError::Failed),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn build_step(&mut self) -> Result<IssuanceStep, IssuanceError> {
        let request = match &self.state {
            State::Failed => return Err(IssuanceError::Failed),
            State::Done(summary) => return Ok(IssuanceStep::Done(summary.clone())),
            State::NeedTxCode => {
                let tx = match &self.grant {
                    Grant::PreAuthorized { tx_code, .. } => tx_code.clone().unwrap_or_default(),
                    _ => return Err(IssuanceError::WrongState),
                };
                return Ok(IssuanceStep::NeedTxCode(tx));
            }
            State::Browser(url) => return Ok(IssuanceStep::OpenBrowser { url: url.clone() }),
            State::FetchOffer(url) => HttpRequest::get(url),
            State::FetchIssuerMetadata => {
                HttpRequest::get(&CredentialIssuerMetadata::url_for(&self.credential_issuer))
            }
            State::FetchAsMetadata => HttpRequest::get(&AuthorizationServerMetadata::url_for(
                &self.server_identifier()?,
            )),
            State::PushAuthorization => self.pushed_authorization_request()?,
            State::Token => self.token_request()?,
            State::Nonce => {
                let endpoint = self
                    .issuer()?
                    .nonce_endpoint
                    .as_deref()
                    .ok_or(IssuanceError::WrongState)?;
                HttpRequest::post(endpoint, "application/json", Vec::new())
            }
            State::Credential(nonce) => {
                let nonce = Some(nonce.clone()).filter(|n| !n.is_empty());
                self.credential_request(nonce)?
            }
            State::Deferred {
                transaction_id,
                wait,
            } => {
                if let Some(interval) = *wait {
                    let transaction_id = transaction_id.clone();
                    self.state = State::Deferred {
                        transaction_id,
                        wait: None,
                    };
                    return Ok(IssuanceStep::Wait { interval });
                }
                let endpoint = self
                    .issuer()?
                    .deferred_credential_endpoint
                    .as_deref()
                    .ok_or(IssuanceError::WrongState)?;
                let body = DeferredCredentialRequest {
                    transaction_id: transaction_id.clone(),
                }
                .to_json();
                self.authorized(HttpRequest::post(endpoint, "application/json", body))?
            }
            State::Notify(_) => self.notification(NotificationEvent::CredentialAccepted)?,
        };
        Ok(IssuanceStep::Send(request))
    }

    /// Adds the access token (and, for a DPoP-bound token, a DPoP proof with `ath`).
    fn authorized(&self, request: HttpRequest) -> Result<HttpRequest, IssuanceError> {
        let token = self
            .access_token
            .as_ref()
            .ok_or(IssuanceError::WrongState)?;
        match (&self.dpop, self.token_is_dpop) {
            (Some(dpop), true) => {
                let request =
                    request.with_header("Authorization", &format!("DPoP {}", token.as_str()));
                dpop.attach(
                    &self.wallet,
                    Server::Resource,
                    request,
                    Some(token.as_str()),
                )
            }
            _ => Ok(request.with_header("Authorization", &format!("Bearer {}", token.as_str()))),
        }
    }

    /// RFC 9126 §2.1: the authorization request, pushed, with PKCE `S256` and a fresh state.
    fn pushed_authorization_request(&mut self) -> Result<HttpRequest, IssuanceError> {
        let endpoint = self
            .server()?
            .pushed_authorization_request_endpoint
            .clone()
            .ok_or(IssuanceError::WrongState)?;
        let verifier = pkce::new_verifier();
        self.oauth_state = crate::atomic::hex(&mdoc::rng::random_bytes::<16>());
        let issuer_state = match &self.grant {
            Grant::AuthorizationCode { issuer_state } => issuer_state.clone(),
            _ => return Err(IssuanceError::WrongState),
        };
        let request = PushedAuthorizationRequest {
            client_id: self.options.client_id.clone(),
            redirect_uri: self.options.redirect_uri.clone(),
            code_challenge: pkce::challenge_s256(&verifier),
            state: self.oauth_state.clone(),
            authorization_details: vec![CredentialAuthorizationDetail {
                kind: OPENID_CREDENTIAL.into(),
                credential_configuration_id: self.configuration_id.clone(),
            }],
            issuer_state,
        };
        self.pkce_verifier = Some(verifier);
        Ok(HttpRequest::post(
            &endpoint,
            "application/x-www-form-urlencoded",
            request.to_form().into_bytes(),
        ))
    }

    /// §6.1: the token request of the session's grant, with a DPoP proof when DPoP is used.
    fn token_request(&self) -> Result<HttpRequest, IssuanceError> {
        let request = match &self.grant {
            Grant::PreAuthorized { code, .. } => {
                TokenRequest::PreAuthorized(PreAuthorizedTokenRequest {
                    pre_authorized_code: code.as_str().to_owned(),
                    tx_code: self.tx_code.as_ref().map(|t| t.to_string()),
                })
            }
            Grant::AuthorizationCode { .. } => TokenRequest::AuthorizationCode {
                code: self
                    .auth_code
                    .as_ref()
                    .ok_or(IssuanceError::WrongState)?
                    .to_string(),
                redirect_uri: self.options.redirect_uri.clone(),
                code_verifier: self
                    .pkce_verifier
                    .as_ref()
                    .ok_or(IssuanceError::WrongState)?
                    .to_string(),
                client_id: self.options.client_id.clone(),
            },
            Grant::Refresh { refresh_token, .. } => TokenRequest::RefreshToken {
                refresh_token: refresh_token.to_string(),
                client_id: self.options.client_id.clone(),
            },
        };
        let form = Zeroizing::new(request.to_form());
        let request = HttpRequest::post(
            &self.server()?.token_endpoint,
            "application/x-www-form-urlencoded",
            form.as_bytes().to_vec(),
        );
        match &self.dpop {
            Some(dpop) => dpop.attach(&self.wallet, Server::Authorization, request, None),
            None => Ok(request),
        }
    }

    /// A Notification Request (§11) for the credential, with the access token.
    fn notification(&self, event: NotificationEvent) -> Result<HttpRequest, IssuanceError> {
        let endpoint = self
            .issuer()?
            .notification_endpoint
            .as_deref()
            .ok_or(IssuanceError::WrongState)?;
        let body = NotificationRequest {
            notification_id: self
                .notification_id
                .clone()
                .ok_or(IssuanceError::WrongState)?,
            event,
            event_description: None,
        }
        .to_json();
        self.authorized(HttpRequest::post(endpoint, "application/json", body))
    }

    /// The configuration being issued.
    fn configuration(&self) -> Result<&CredentialConfiguration, IssuanceError> {
        self.issuer()?
            .credential_configurations_supported
            .get(&self.configuration_id)
            .ok_or(IssuanceError::WrongState)
    }

    /// Creates the batch's device keys and one proof each (with the app's key attestation in
    /// each proof's header when the issuer asks for one and the secure area supplies one).
    fn credential_request(&mut self, nonce: Option<String>) -> Result<HttpRequest, IssuanceError> {
        if let Some(body) = &self.credential_body {
            let endpoint = self.issuer()?.credential_endpoint.clone();
            return self.authorized(HttpRequest::post(
                &endpoint,
                "application/json",
                body.clone(),
            ));
        }
        let issuer = self.issuer()?.clone();
        let configuration = self.configuration()?;
        // Only key attestations (the `attestation` proof type, Appendix F.3) when the issuer
        // takes no ES256 `jwt` proof.
        let attestation_only = !configuration.accepts_es256_jwt_proof();
        let wants_attestation = attestation_only
            || configuration
                .proof_types_supported
                .as_ref()
                .and_then(|types| types.get("jwt"))
                .is_some_and(|jwt| jwt.key_attestations_required.is_some());
        let n = self
            .options
            .batch_size
            .clamp(1, MAX_COPIES)
            .min(issuer.batch_size());
        let area = self.wallet.secure_area();
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let alias = format!(
                "device-{}",
                crate::atomic::hex(&mdoc::rng::random_bytes::<16>())
            );
            let public = area
                .create_key(&alias)
                .map_err(|e| IssuanceError::Wallet(e.into()))?;
            self.aliases.push(alias.clone());
            keys.push((alias, public));
        }
        let attestation = if wants_attestation {
            area.key_attestation(&self.aliases, nonce.as_deref())
                .map_err(|e| IssuanceError::Wallet(e.into()))?
        } else {
            None
        };
        let proofs = if attestation_only {
            let attestation = attestation.ok_or(IssuanceError::Unsupported(
                "the issuer needs a key attestation the secure area does not give",
            ))?;
            Proofs {
                jwt: None,
                attestation: Some(vec![attestation]),
            }
        } else {
            self.jwt_proofs(
                &keys,
                &issuer.credential_issuer,
                nonce,
                attestation.as_deref(),
            )?
        };
        let body = CredentialRequest {
            credential_configuration_id: Some(self.configuration_id.clone()),
            credential_identifier: None,
            proofs: Some(proofs),
        }
        .to_json();
        self.credential_body = Some(body.clone());
        self.authorized(HttpRequest::post(
            &issuer.credential_endpoint,
            "application/json",
            body,
        ))
    }

    /// One `jwt` proof per key (Appendix F.1), each carrying `key_attestation` when given.
    fn jwt_proofs(
        &self,
        keys: &[(String, p256::PublicKey)],
        aud: &str,
        nonce: Option<String>,
        attestation: Option<&str>,
    ) -> Result<Proofs, IssuanceError> {
        let area = self.wallet.secure_area();
        let claims = ProofClaims {
            aud: aud.to_owned(),
            iat: self.wallet.now().unix_seconds(),
            nonce,
            iss: None,
        };
        let mut proofs = Vec::with_capacity(keys.len());
        for (alias, public) in keys {
            let proof = sign_jwt_proof_with_attestation(public, &claims, attestation, |input| {
                area.sign(alias, input)
            })
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
            proofs.push(proof);
        }
        Ok(Proofs {
            jwt: Some(proofs),
            attestation: None,
        })
    }

    /// Gives the transaction code the citizen typed.
    pub fn provide_tx_code(&mut self, code: &str) -> Result<(), IssuanceError> {
        if !matches!(self.state, State::NeedTxCode) {
            return Err(IssuanceError::WrongState);
        }
        self.tx_code = Some(Zeroizing::new(code.to_owned()));
        self.state = State::Token;
        Ok(())
    }

    /// Gives the URL the browser was redirected to after [`IssuanceStep::OpenBrowser`]. Its
    /// `state` must be the one sent (else [`IssuanceError::StateMismatch`]); an error redirect
    /// (e.g. the citizen declined) is [`IssuanceError::AuthorizationDenied`]. Either ends the
    /// session.
    pub fn provide_redirect(&mut self, redirect_url: &str) -> Result<(), IssuanceError> {
        if !matches!(self.state, State::Browser(_)) {
            return Err(IssuanceError::WrongState);
        }
        match self.take_redirect(redirect_url) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn take_redirect(&mut self, redirect_url: &str) -> Result<(), IssuanceError> {
        let redirect = AuthorizationRedirect::parse(redirect_url, &self.options.redirect_uri)?;
        match redirect {
            AuthorizationRedirect::Error { error, .. } => {
                Err(IssuanceError::AuthorizationDenied { error })
            }
            AuthorizationRedirect::Code { code, state, iss } => {
                if !constant_time_eq(state.as_bytes(), self.oauth_state.as_bytes()) {
                    return Err(IssuanceError::StateMismatch);
                }
                // RFC 9207: when sent, `iss` names the server the request went to.
                let server = &self.server()?.issuer;
                if iss.is_some_and(|iss| iss != *server) {
                    return Err(IssuanceError::Protocol(
                        "the redirect comes from another authorization server",
                    ));
                }
                self.auth_code = Some(Zeroizing::new(code));
                self.state = State::Token;
                Ok(())
            }
        }
    }

    /// A `credential_failure` notification for a batch the wallet refused, when the issuer
    /// gave a `notification_id` and has a notification endpoint: a request the app may send
    /// (best effort; its answer needs no handling). Given once.
    pub fn failure_notification(&mut self) -> Option<HttpRequest> {
        self.failure_notice.take()
    }

    /// Marks the session failed and deletes the batch's device keys (and a DPoP key no stored
    /// document refers to).
    fn fail(&mut self, error: IssuanceError) -> IssuanceError {
        self.discard_keys();
        self.state = State::Failed;
        self.awaiting = false;
        error
    }

    fn discard_keys(&mut self) {
        let area = self.wallet.secure_area();
        for alias in self.aliases.drain(..) {
            // Best effort: a key left behind holds no credential.
            let _ = area.delete_key(&alias);
        }
        if let Some(dpop) = self.dpop.take_if(|d| !d.persistent) {
            let _ = area.delete_key(&dpop.alias);
        }
    }

    /// Takes the response to the request [`Self::next_step`] gave. Any error ends the session
    /// (its device keys deleted, nothing stored).
    pub fn handle_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), IssuanceError> {
        if !self.awaiting {
            return Err(IssuanceError::WrongState);
        }
        self.awaiting = false;
        if self.dpop_retry(status, headers, body) {
            return Ok(());
        }
        self.retries = 0;
        match self.advance(status, body) {
            Ok(()) => Ok(()),
            Err(e) => {
                if matches!(e, IssuanceError::CredentialRefused(_)) {
                    self.failure_notice =
                        self.notification(NotificationEvent::CredentialFailure).ok();
                }
                Err(self.fail(e))
            }
        }
    }

    /// Records a server's DPoP nonce; true when the request is to be sent again with it.
    fn dpop_retry(&mut self, status: u16, headers: &[(String, String)], body: &[u8]) -> bool {
        let server = match self.state {
            State::Token => Server::Authorization,
            State::Credential(_) | State::Deferred { .. } | State::Notify(_) => Server::Resource,
            _ => return false,
        };
        let Some(dpop) = self.dpop.as_mut() else {
            return false;
        };
        if dpop.take_nonce(server, status, headers, body) && self.retries < MAX_RETRIES {
            self.retries += 1;
            return true;
        }
        false
    }

    fn advance(&mut self, status: u16, body: &[u8]) -> Result<(), IssuanceError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::FetchOffer(_) => {
                expect_ok(status, body)?;
                self.take_offer(CredentialOffer::from_json_with(body, self.url_policy())?);
            }
            State::FetchIssuerMetadata => {
                expect_ok(status, body)?;
                self.take_issuer_metadata(body)?;
                self.state = State::FetchAsMetadata;
            }
            State::FetchAsMetadata => {
                expect_ok(status, body)?;
                self.take_server_metadata(body)?;
            }
            State::PushAuthorization => {
                // RFC 9126 §2.2: 201 Created.
                if status != 201 && status != 200 {
                    return Err(server_error(status, body));
                }
                let response = PushedAuthorizationResponse::from_json(body)?;
                let endpoint = self
                    .server()?
                    .authorization_endpoint
                    .clone()
                    .ok_or(IssuanceError::WrongState)?;
                self.state = State::Browser(authorization_url(
                    &endpoint,
                    &self.options.client_id,
                    &response.request_uri,
                ));
            }
            State::Token => {
                expect_ok(status, body)?;
                self.take_token(TokenResponse::from_json(body)?)?;
            }
            State::Nonce => {
                expect_ok(status, body)?;
                self.state = State::Credential(NonceResponse::from_json(body)?.c_nonce);
            }
            State::Credential(_) | State::Deferred { .. } => {
                if status != 200 && status != 202 {
                    return Err(server_error(status, body));
                }
                match CredentialResponse::from_json(body)? {
                    CredentialResponse::Issued {
                        credentials,
                        notification_id,
                    } if status == 200 => {
                        self.notification_id = notification_id;
                        let summary = self.store_batch(&credentials)?;
                        self.credential_body = None;
                        let notify = self.notification_id.is_some()
                            && self.issuer()?.notification_endpoint.is_some();
                        self.state = if notify {
                            State::Notify(summary)
                        } else {
                            self.finish(summary)
                        };
                    }
                    CredentialResponse::Deferred {
                        transaction_id,
                        interval,
                    } if status == 202 => {
                        self.state = State::Deferred {
                            transaction_id,
                            wait: Some(interval),
                        };
                    }
                    _ => return Err(IssuanceError::Protocol("status and body disagree")),
                }
            }
            State::Notify(summary) => {
                // §11.2: 204 (or 200). The credential is stored either way; a refused
                // notification changes nothing the citizen holds.
                let _ = status;
                self.state = self.finish(summary);
            }
            State::NeedTxCode | State::Browser(_) | State::Done(_) | State::Failed => {
                return Err(IssuanceError::WrongState);
            }
        }
        Ok(())
    }

    /// The session is over: drops the DPoP key unless a stored document refers to it.
    fn finish(&mut self, summary: CredentialSummary) -> State {
        self.discard_keys();
        State::Done(summary)
    }

    fn take_issuer_metadata(&mut self, body: &[u8]) -> Result<(), IssuanceError> {
        let metadata = CredentialIssuerMetadata::from_json_with(
            body,
            &self.credential_issuer,
            self.url_policy(),
        )?;
        let (id, configuration) = self
            .configuration_ids
            .iter()
            .find_map(|id| {
                let c = metadata.credential_configurations_supported.get(id)?;
                (c.format == mdoc::openid4vci::FORMAT_MSO_MDOC).then_some((id, c))
            })
            .ok_or(IssuanceError::Unsupported(
                "no mso_mdoc credential in the offer",
            ))?;
        if !configuration.accepts_es256_jwt_proof() && !takes_attestation(configuration) {
            return Err(IssuanceError::Unsupported(
                "the issuer takes neither an ES256 jwt proof nor a key attestation",
            ));
        }
        if let Some(display) = configuration.display_for(&self.options.locale) {
            self.display_name = display.name.clone();
            self.logo_uri = display.logo.as_ref().map(|l| l.uri.clone());
        }
        self.doc_type = configuration.doctype.clone().unwrap_or_default();
        self.configuration_id = id.clone();
        self.issuer = Some(metadata);
        Ok(())
    }

    fn take_server_metadata(&mut self, body: &[u8]) -> Result<(), IssuanceError> {
        let metadata = AuthorizationServerMetadata::from_json_with(
            body,
            &self.server_identifier()?,
            self.url_policy(),
        )?;
        let dpop = metadata
            .dpop_signing_alg_values_supported
            .as_ref()
            .is_some_and(|algs| algs.iter().any(|a| a == "ES256"));
        if dpop && self.dpop.is_none() {
            self.dpop = Some(DpopKey::create(&self.wallet)?);
        }
        self.state = match &self.grant {
            Grant::PreAuthorized { tx_code, .. } => {
                if tx_code.is_some() {
                    State::NeedTxCode
                } else {
                    State::Token
                }
            }
            Grant::AuthorizationCode { .. } => {
                if metadata.pushed_authorization_request_endpoint.is_none()
                    || metadata.authorization_endpoint.is_none()
                {
                    return Err(IssuanceError::Unsupported(
                        "the authorization server takes no pushed authorization requests",
                    ));
                }
                if metadata
                    .code_challenge_methods_supported
                    .as_ref()
                    .is_some_and(|m| !m.iter().any(|m| m == pkce::S256))
                {
                    return Err(IssuanceError::Unsupported("PKCE S256"));
                }
                State::PushAuthorization
            }
            Grant::Refresh { .. } => State::Token,
        };
        self.server = Some(metadata);
        Ok(())
    }

    fn take_token(&mut self, token: TokenResponse) -> Result<(), IssuanceError> {
        let is_dpop = token.token_type.eq_ignore_ascii_case("dpop");
        if is_dpop && self.dpop.is_none() {
            return Err(IssuanceError::Protocol(
                "a DPoP-bound token without a DPoP proof",
            ));
        }
        self.token_is_dpop = is_dpop;
        self.access_token = Some(Zeroizing::new(token.access_token));
        self.refresh_token = token.refresh_token.map(Zeroizing::new);
        self.tx_code = None;
        self.auth_code = None;
        self.pkce_verifier = None;
        self.state = if self.issuer()?.nonce_endpoint.is_some() {
            State::Nonce
        } else {
            State::Credential(String::new())
        };
        Ok(())
    }

    /// What to keep for a later refresh: the new refresh token, else (a refresh that did not
    /// rotate it) the one used.
    fn refresh_grant(&mut self) -> Option<RefreshGrant> {
        let refresh_token = self.refresh_token.clone().or_else(|| match &self.grant {
            Grant::Refresh { refresh_token, .. } => Some(refresh_token.clone()),
            _ => None,
        })?;
        let dpop_key_alias = match self.dpop.as_mut() {
            Some(dpop) if self.token_is_dpop || dpop.persistent => {
                dpop.persistent = true;
                Some(dpop.alias.clone())
            }
            _ => None,
        };
        Some(RefreshGrant {
            credential_issuer: self.credential_issuer.clone(),
            configuration_id: self.configuration_id.clone(),
            client_id: self.options.client_id.clone(),
            refresh_token,
            dpop_key_alias,
        })
    }

    /// Verifies every credential against its own device key, then stores the batch as one
    /// record in one atomic write (a refresh replaces the document's record whole, then
    /// deletes the old copies' keys).
    fn store_batch(&mut self, credentials: &[String]) -> Result<CredentialSummary, IssuanceError> {
        if credentials.len() != self.aliases.len() {
            return Err(IssuanceError::Protocol(
                "the issuer returned another number of credentials than proofs",
            ));
        }
        let mut copies = Vec::with_capacity(credentials.len());
        let mut verified_all = Vec::with_capacity(credentials.len());
        for (credential, alias) in credentials.iter().zip(&self.aliases) {
            let bytes = decode_mdoc_credential(credential)?;
            let verified = self
                .wallet
                .verify_provisioned(&self.doc_type, alias, &bytes)
                .map_err(IssuanceError::CredentialRefused)?;
            verified_all.push(verified);
            copies.push(CredentialCopy::new(alias.clone(), bytes));
        }
        let first = verified_all
            .first()
            .ok_or(IssuanceError::Protocol("no credential"))?;
        let valid_from = verified_all
            .iter()
            .map(|v| v.valid_from)
            .max()
            .unwrap_or(first.valid_from);
        let valid_until = verified_all
            .iter()
            .map(|v| v.valid_until)
            .min()
            .unwrap_or(first.valid_until);
        let issuer_name = first.issuer.clone();
        let display_name = self
            .display_name
            .clone()
            .unwrap_or_else(|| first.display_name.clone());
        let refresh = self.refresh_grant();
        let record = CredentialRecord {
            doc_type: self.doc_type.clone(),
            issuer: issuer_name,
            display_name,
            valid_from,
            valid_until,
            copies,
            policy: self.options.policy,
            refresh_below: self.options.refresh_below,
            status: None,
            logo_uri: self.logo_uri.clone(),
            refresh,
        };
        let mut store = self.wallet.store();
        let id = match &self.grant {
            Grant::Refresh { record_id, .. } => {
                let old = store
                    .replace(record_id, record)
                    .map_err(|e| IssuanceError::Wallet(e.into()))?;
                let area = self.wallet.secure_area();
                for copy in old.copies {
                    if !self.aliases.contains(&copy.device_key_alias) {
                        let _ = area.delete_key(&copy.device_key_alias);
                    }
                }
                record_id.clone()
            }
            _ => store
                .put(record)
                .map_err(|e| IssuanceError::Wallet(e.into()))?,
        };
        let stored = store
            .get(&id)
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        drop(store);
        // The keys now belong to the stored document.
        self.aliases.clear();
        Ok(stored.summary())
    }
}

impl Drop for IssuanceSession {
    /// An abandoned session deletes its device keys (a finished one has handed them over) and
    /// a DPoP key no stored document refers to.
    fn drop(&mut self) {
        self.discard_keys();
    }
}
