//! The issuance state machine.

use mdoc::online::url::UrlPolicy;
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, DeferredCredentialRequest, ErrorResponse, NonceResponse,
    Proofs, decode_mdoc_credential,
};
use mdoc::openid4vci::http::HttpRequest;
use mdoc::openid4vci::metadata::{AuthorizationServerMetadata, CredentialIssuerMetadata};
use mdoc::openid4vci::offer::{CredentialOffer, OfferSource, TxCode, parse_offer_uri_with};
use mdoc::openid4vci::proof::{ProofClaims, sign_jwt_proof};
use mdoc::openid4vci::token::{PreAuthorizedTokenRequest, TokenResponse};
use zeroize::Zeroizing;

use super::{IssuanceError, IssuanceOptions};
use crate::store::{CredentialCopy, CredentialRecord, CredentialSummary, MAX_COPIES};
use crate::wallet::Wallet;

/// What the app does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuanceStep {
    /// Send this request and hand the response to [`IssuanceSession::handle_response`].
    Send(HttpRequest),
    /// Ask the citizen for the transaction code and pass it to
    /// [`IssuanceSession::provide_tx_code`].
    NeedTxCode(TxCode),
    /// The issuer deferred issuance: wait `interval` seconds, then call `next_step` again.
    Wait {
        /// Seconds to wait.
        interval: u64,
    },
    /// The batch is stored.
    Done(CredentialSummary),
}

enum State {
    FetchOffer(String),
    FetchIssuerMetadata,
    FetchAsMetadata,
    NeedTxCode,
    Token,
    Nonce,
    Credential(String),
    Deferred {
        transaction_id: String,
        /// `Some`: tell the app to wait this long first.
        wait: Option<u64>,
    },
    Done(CredentialSummary),
    Failed,
}

/// One issuance, driven by the app (see the module documentation).
pub struct IssuanceSession {
    wallet: Wallet,
    options: IssuanceOptions,
    state: State,
    /// Whether `next_step`'s request is out and its response awaited.
    awaiting: bool,
    offer: Option<CredentialOffer>,
    issuer: Option<CredentialIssuerMetadata>,
    token_endpoint: Option<String>,
    tx_code: Option<Zeroizing<String>>,
    access_token: Option<Zeroizing<String>>,
    doc_type: String,
    configuration_id: String,
    /// The batch's device key aliases, in proof order.
    aliases: Vec<String>,
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

impl Wallet {
    /// Starts an issuance from an `openid-credential-offer://` URI (by value or by reference).
    pub fn start_issuance(
        &self,
        offer_uri: &str,
        options: IssuanceOptions,
    ) -> Result<IssuanceSession, IssuanceError> {
        let mut session = IssuanceSession {
            wallet: self.clone(),
            options,
            state: State::FetchIssuerMetadata,
            awaiting: false,
            offer: None,
            issuer: None,
            token_endpoint: None,
            tx_code: None,
            access_token: None,
            doc_type: String::new(),
            configuration_id: String::new(),
            aliases: Vec::new(),
        };
        match parse_offer_uri_with(offer_uri, session.url_policy())? {
            OfferSource::Value(offer) => session.take_offer(offer)?,
            OfferSource::Reference(url) => session.state = State::FetchOffer(url),
        }
        Ok(session)
    }
}

impl IssuanceSession {
    /// Which URLs this session may use (`https://` unless the test switch is on).
    fn url_policy(&self) -> UrlPolicy {
        UrlPolicy::from_switch(self.options.allow_insecure_loopback)
    }

    fn take_offer(&mut self, offer: CredentialOffer) -> Result<(), IssuanceError> {
        if offer.grants.pre_authorized_code.is_none() {
            return Err(IssuanceError::Unsupported(
                "only the pre-authorized code grant is supported",
            ));
        }
        self.offer = Some(offer);
        self.state = State::FetchIssuerMetadata;
        Ok(())
    }

    fn offer(&self) -> Result<&CredentialOffer, IssuanceError> {
        self.offer.as_ref().ok_or(IssuanceError::WrongState)
    }

    fn issuer(&self) -> Result<&CredentialIssuerMetadata, IssuanceError> {
        self.issuer.as_ref().ok_or(IssuanceError::WrongState)
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
        let step = match &self.state {
            State::Failed => return Err(IssuanceError::Failed),
            State::Done(summary) => return Ok(IssuanceStep::Done(summary.clone())),
            State::NeedTxCode => {
                let tx = self
                    .offer()?
                    .grants
                    .pre_authorized_code
                    .as_ref()
                    .and_then(|g| g.tx_code.clone())
                    .unwrap_or_default();
                return Ok(IssuanceStep::NeedTxCode(tx));
            }
            State::FetchOffer(url) => HttpRequest::get(url),
            State::FetchIssuerMetadata => HttpRequest::get(&CredentialIssuerMetadata::url_for(
                &self.offer()?.credential_issuer,
            )),
            State::FetchAsMetadata => {
                let issuer = self.issuer()?;
                let server = issuer
                    .authorization_servers
                    .as_ref()
                    .and_then(|s| s.first())
                    .unwrap_or(&issuer.credential_issuer);
                HttpRequest::get(&AuthorizationServerMetadata::url_for(server))
            }
            State::Token => {
                let grant = self
                    .offer()?
                    .grants
                    .pre_authorized_code
                    .as_ref()
                    .ok_or(IssuanceError::WrongState)?;
                let request = PreAuthorizedTokenRequest {
                    pre_authorized_code: grant.pre_authorized_code.clone(),
                    tx_code: self.tx_code.as_ref().map(|t| t.to_string()),
                };
                let endpoint = self
                    .token_endpoint
                    .as_deref()
                    .ok_or(IssuanceError::WrongState)?;
                HttpRequest::post(
                    endpoint,
                    "application/x-www-form-urlencoded",
                    request.to_form().into_bytes(),
                )
            }
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
                match self.credential_request(nonce) {
                    Ok(request) => request,
                    Err(e) => return Err(self.fail(e)),
                }
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
        };
        self.awaiting = true;
        Ok(IssuanceStep::Send(step))
    }

    fn authorized(&self, request: HttpRequest) -> Result<HttpRequest, IssuanceError> {
        let token = self
            .access_token
            .as_ref()
            .ok_or(IssuanceError::WrongState)?;
        Ok(request.with_header("Authorization", &format!("Bearer {}", token.as_str())))
    }

    /// Creates the batch's device keys and one proof each.
    fn credential_request(&mut self, nonce: Option<String>) -> Result<HttpRequest, IssuanceError> {
        let issuer = self.issuer()?.clone();
        let n = self
            .options
            .batch_size
            .clamp(1, MAX_COPIES)
            .min(issuer.batch_size());
        let area = self.wallet.secure_area();
        let claims = ProofClaims {
            aud: issuer.credential_issuer.clone(),
            iat: self.wallet.now().unix_seconds(),
            nonce,
            iss: None,
        };
        let mut proofs = Vec::with_capacity(n);
        for _ in 0..n {
            let alias = format!(
                "device-{}",
                crate::atomic::hex(&mdoc::rng::random_bytes::<16>())
            );
            let public = area
                .create_key(&alias)
                .map_err(|e| IssuanceError::Wallet(e.into()))?;
            self.aliases.push(alias.clone());
            let proof = sign_jwt_proof(&public, &claims, |input| area.sign(&alias, input))
                .map_err(|e| IssuanceError::Wallet(e.into()))?;
            proofs.push(proof);
        }
        let request = CredentialRequest {
            credential_configuration_id: Some(self.configuration_id.clone()),
            credential_identifier: None,
            proofs: Some(Proofs {
                jwt: Some(proofs),
                attestation: None,
            }),
        };
        self.authorized(HttpRequest::post(
            &issuer.credential_endpoint,
            "application/json",
            request.to_json(),
        ))
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

    /// Marks the session failed and deletes the batch's device keys.
    fn fail(&mut self, error: IssuanceError) -> IssuanceError {
        for alias in self.aliases.drain(..) {
            // Best effort: a key left behind holds no credential.
            let _ = self.wallet.secure_area().delete_key(&alias);
        }
        self.state = State::Failed;
        self.awaiting = false;
        error
    }

    /// Takes the response to the request [`Self::next_step`] gave. Any error ends the session
    /// (its device keys deleted, nothing stored).
    pub fn handle_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), IssuanceError> {
        let _ = headers;
        if !self.awaiting {
            return Err(IssuanceError::WrongState);
        }
        self.awaiting = false;
        match self.advance(status, body) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn advance(&mut self, status: u16, body: &[u8]) -> Result<(), IssuanceError> {
        let expect_ok = |status: u16| {
            if status == 200 {
                Ok(())
            } else {
                Err(server_error(status, body))
            }
        };
        match std::mem::replace(&mut self.state, State::Failed) {
            State::FetchOffer(_) => {
                expect_ok(status)?;
                self.take_offer(CredentialOffer::from_json_with(body, self.url_policy())?)?;
            }
            State::FetchIssuerMetadata => {
                expect_ok(status)?;
                let offer = self.offer()?.clone();
                let metadata = CredentialIssuerMetadata::from_json_with(
                    body,
                    &offer.credential_issuer,
                    self.url_policy(),
                )?;
                let (id, configuration) = offer
                    .credential_configuration_ids
                    .iter()
                    .find_map(|id| {
                        let c = metadata.credential_configurations_supported.get(id)?;
                        (c.format == mdoc::openid4vci::FORMAT_MSO_MDOC).then_some((id, c))
                    })
                    .ok_or(IssuanceError::Unsupported(
                        "no mso_mdoc credential in the offer",
                    ))?;
                if !configuration.accepts_es256_jwt_proof() {
                    return Err(IssuanceError::Unsupported(
                        "the issuer takes no ES256 jwt proof",
                    ));
                }
                self.doc_type = configuration.doctype.clone().unwrap_or_default();
                self.configuration_id = id.clone();
                self.issuer = Some(metadata);
                self.state = State::FetchAsMetadata;
            }
            State::FetchAsMetadata => {
                expect_ok(status)?;
                let issuer = self.issuer()?;
                let server = issuer
                    .authorization_servers
                    .as_ref()
                    .and_then(|s| s.first())
                    .unwrap_or(&issuer.credential_issuer)
                    .clone();
                let metadata =
                    AuthorizationServerMetadata::from_json_with(body, &server, self.url_policy())?;
                self.token_endpoint = Some(metadata.token_endpoint);
                let needs_code = self
                    .offer()?
                    .grants
                    .pre_authorized_code
                    .as_ref()
                    .is_some_and(|g| g.tx_code.is_some());
                self.state = if needs_code {
                    State::NeedTxCode
                } else {
                    State::Token
                };
            }
            State::Token => {
                expect_ok(status)?;
                let token = TokenResponse::from_json(body)?;
                if !token.token_type.eq_ignore_ascii_case("bearer") {
                    return Err(IssuanceError::Unsupported("DPoP-bound access tokens"));
                }
                self.access_token = Some(Zeroizing::new(token.access_token));
                self.tx_code = None;
                self.state = if self.issuer()?.nonce_endpoint.is_some() {
                    State::Nonce
                } else {
                    State::Credential(String::new())
                };
            }
            State::Nonce => {
                expect_ok(status)?;
                self.state = State::Credential(NonceResponse::from_json(body)?.c_nonce);
            }
            State::Credential(_) | State::Deferred { .. } => {
                if status != 200 && status != 202 {
                    return Err(server_error(status, body));
                }
                match CredentialResponse::from_json(body)? {
                    CredentialResponse::Issued { credentials, .. } if status == 200 => {
                        let summary = self.store_batch(&credentials)?;
                        self.aliases.clear();
                        self.state = State::Done(summary);
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
            State::NeedTxCode | State::Done(_) | State::Failed => {
                return Err(IssuanceError::WrongState);
            }
        }
        Ok(())
    }

    /// Verifies every credential against its own device key, then stores the batch as one
    /// record in one atomic write.
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
        let record = CredentialRecord {
            doc_type: self.doc_type.clone(),
            issuer: first.issuer.clone(),
            display_name: first.display_name.clone(),
            valid_from,
            valid_until,
            copies,
            policy: self.options.policy,
            refresh_below: self.options.refresh_below,
            status: None,
        };
        let id = self
            .wallet
            .store()
            .put(record)
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        let stored = self
            .wallet
            .store()
            .get(&id)
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        Ok(stored.summary())
    }
}

impl Drop for IssuanceSession {
    /// An abandoned session deletes its device keys (a finished one has handed them over).
    fn drop(&mut self) {
        if !matches!(self.state, State::Done(_)) {
            for alias in self.aliases.drain(..) {
                let _ = self.wallet.secure_area().delete_key(&alias);
            }
        }
    }
}
