//! The token endpoint (OpenID4VCI 1.0 §6): a pre-authorized code (with its transaction code),
//! an authorization code (client, redirect URI and PKCE verifier checked; single use), or a
//! refresh token (rotated on use) for an access token — bound to the DPoP key when the request
//! carries a DPoP proof.

use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::pkce;
use mdoc::openid4vci::token::{PreAuthorizedTokenRequest, TokenRequest, TokenResponse};
use mdoc::time::Timestamp;

use super::dpop::Endpoint;
use super::state::{IssuerState, Refresh, Token};
use super::{CredentialIssuerService, constant_time_eq, error, random_token};
use crate::credential::CredentialData;

/// What a grant yields: the credential data, whether it is deferred, the client (refresh).
struct Granted {
    data: CredentialData,
    deferred: bool,
    client_id: Option<String>,
}

impl CredentialIssuerService {
    /// §6: checks the DPoP proof (when sent or required), then the grant, then issues an
    /// access token (and a refresh token) bound to the proof's key.
    pub(super) fn token(&self, request: &HttpRequest) -> HttpResponse {
        let Ok(grant) = TokenRequest::from_form(&request.body) else {
            return error(400, "invalid_request");
        };
        let jkt = match self.check_dpop(request, "/token", None, Endpoint::Token) {
            Ok(jkt) => jkt,
            Err(response) => return response,
        };
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        let granted = match grant {
            TokenRequest::PreAuthorized(request) => self.pre_authorized(&mut state, &request, now),
            TokenRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
                client_id,
            } => {
                // Single use: the code is gone whether or not the rest checks out.
                match state.codes.remove(&code) {
                    Some(c)
                        if c.expires > now
                            && c.client_id == client_id
                            && c.redirect_uri == redirect_uri
                            && pkce::verify_s256(&code_verifier, &c.code_challenge) =>
                    {
                        Ok(Granted {
                            data: c.data,
                            deferred: false,
                            client_id: Some(client_id),
                        })
                    }
                    _ => Err(error(400, "invalid_grant")),
                }
            }
            TokenRequest::RefreshToken {
                refresh_token,
                client_id,
            } => match state.refresh_tokens.get(&refresh_token) {
                Some(r)
                    if r.expires > now
                        && r.client_id.as_ref().is_none_or(|c| *c == client_id)
                        && r.jkt == jkt =>
                {
                    // Rotation: the token used is spent.
                    match state.refresh_tokens.remove(&refresh_token) {
                        Some(r) => Ok(Granted {
                            data: r.data,
                            deferred: false,
                            client_id: r.client_id,
                        }),
                        None => Err(error(400, "invalid_grant")),
                    }
                }
                _ => Err(error(400, "invalid_grant")),
            },
        };
        let granted = match granted {
            Ok(granted) => granted,
            Err(response) => return response,
        };
        let access_token = random_token();
        let refresh_token = self.config.refresh_tokens.then(random_token);
        if let Some(refresh) = &refresh_token {
            state.refresh_tokens.insert(
                refresh.clone(),
                Refresh {
                    data: granted.data.clone(),
                    client_id: granted.client_id,
                    jkt: jkt.clone(),
                    expires: now.plus_seconds(self.config.refresh_token_lifetime),
                },
            );
        }
        let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
        state.tokens.insert(
            access_token.clone(),
            Token {
                data: granted.data,
                deferred: granted.deferred,
                expires: now.plus_seconds(self.config.token_lifetime),
                jkt,
            },
        );
        let response = TokenResponse {
            access_token,
            token_type: token_type.into(),
            expires_in: u64::try_from(self.config.token_lifetime).ok(),
            refresh_token,
            authorization_details: None,
        };
        HttpResponse::json(200, response.to_json())
    }

    /// The pre-authorized code grant. The code is single-use; wrong transaction codes count,
    /// and the code is revoked after [`super::IssuerConfig::max_tx_code_attempts`].
    fn pre_authorized(
        &self,
        state: &mut IssuerState,
        request: &PreAuthorizedTokenRequest,
        now: Timestamp,
    ) -> Result<Granted, HttpResponse> {
        let Some(offer) = state.offers.get_mut(&request.pre_authorized_code) else {
            return Err(error(400, "invalid_grant"));
        };
        if offer.expires <= now {
            state.offers.remove(&request.pre_authorized_code);
            return Err(error(400, "invalid_grant"));
        }
        match (&offer.tx_code, &request.tx_code) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => return Err(error(400, "invalid_request")),
            (Some(expected), Some(given)) => {
                if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
                    offer.failed_attempts += 1;
                    if offer.failed_attempts >= self.config.max_tx_code_attempts {
                        state.offers.remove(&request.pre_authorized_code);
                    }
                    return Err(error(400, "invalid_grant"));
                }
            }
        }
        let offer = state
            .offers
            .remove(&request.pre_authorized_code)
            .ok_or_else(|| error(400, "invalid_grant"))?;
        Ok(Granted {
            data: offer.data,
            deferred: offer.deferred,
            client_id: None,
        })
    }
}
