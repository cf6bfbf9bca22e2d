//! The authorization code grant's front half (OpenID4VCI 1.0 §5): the pushed authorization
//! request endpoint (RFC 9126), the authorization endpoint, and the citizen's approval that a
//! real server's login page would give ([`CredentialIssuerService::approve`]), which mints a
//! single-use, short-lived code bound to the client, redirect URI and PKCE challenge.

use mdoc::openid4vci::authorization::{
    AuthorizationRedirect, AuthorizationRequestRef, PushedAuthorizationRequest,
    PushedAuthorizationResponse,
};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::offer::{AuthorizationCodeGrant, CredentialOffer, Grants};

use super::state::{AuthorizationCode, Pushed};
use super::{CredentialIssuerService, MadeOffer, error, random_token};
use crate::IssuerError;
use crate::credential::CredentialData;

/// Most pushed requests kept at once.
const MAX_PUSHED: usize = 10_000;

impl CredentialIssuerService {
    /// Offers doc type `doc_type` under the authorization code grant (the citizen signs in at
    /// the authorization endpoint; [`Self::approve`] stands in for that page).
    pub fn offer_authorization_code(&self, doc_type: &str) -> Result<MadeOffer, IssuerError> {
        if !self.config.doc_types.iter().any(|d| d == doc_type) {
            return Err(IssuerError::Credential("doc type not offered"));
        }
        let offer = CredentialOffer {
            credential_issuer: self.config.identifier.clone(),
            credential_configuration_ids: vec![doc_type.to_owned()],
            grants: Grants {
                authorization_code: Some(AuthorizationCodeGrant {
                    issuer_state: Some(random_token()),
                    authorization_server: None,
                }),
                pre_authorized_code: None,
            },
        };
        let uri = mdoc::openid4vci::offer::offer_uri_by_value(&offer);
        Ok(MadeOffer { offer, uri })
    }

    /// RFC 9126 §2: stores the request (configuration offered, `S256` challenge) and answers
    /// 201 with a single-use `request_uri`.
    pub(super) fn pushed_authorization(&self, request: &HttpRequest) -> HttpResponse {
        let Ok(pushed) = PushedAuthorizationRequest::from_form(&request.body) else {
            return error(400, "invalid_request");
        };
        if pushed.authorization_details.iter().any(|d| {
            !self
                .config
                .doc_types
                .contains(&d.credential_configuration_id)
        }) {
            return error(400, "invalid_authorization_details");
        }
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        if state.pushed.len() >= MAX_PUSHED {
            return error(503, "temporarily_unavailable");
        }
        let request_uri = format!("urn:ietf:params:oauth:request_uri:{}", random_token());
        state.pushed.insert(
            request_uri.clone(),
            Pushed {
                request: pushed,
                expires: now.plus_seconds(self.config.par_lifetime),
            },
        );
        let response = PushedAuthorizationResponse {
            request_uri,
            expires_in: u64::try_from(self.config.par_lifetime).unwrap_or(0),
        };
        HttpResponse::json(201, response.to_json())
    }

    /// The authorization endpoint as a browser reaches it: a page for the citizen to sign in
    /// (a real deployment's login); the pushed request must exist for the client.
    pub(super) fn authorization_page(&self, request: &HttpRequest) -> HttpResponse {
        let Ok(reference) = AuthorizationRequestRef::from_url(&request.url) else {
            return error(400, "invalid_request");
        };
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        match state.pushed.get(&reference.request_uri) {
            Some(p) if p.request.client_id == reference.client_id => HttpResponse {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "text/html; charset=utf-8".into()),
                    ("Cache-Control".into(), "no-store".into()),
                ],
                body: b"<!doctype html><title>Sign in</title><p>Sign in to receive your credential.</p>"
                    .to_vec(),
            },
            _ => error(400, "invalid_request"),
        }
    }

    fn take_pushed(&self, authorization_url: &str) -> Result<Pushed, IssuerError> {
        let reference = AuthorizationRequestRef::from_url(authorization_url)
            .map_err(|_| IssuerError::Authorization("not an authorization request"))?;
        let now = self.clock.now();
        let mut state = self.state();
        state.prune(now);
        match state.pushed.get(&reference.request_uri) {
            Some(p) if p.request.client_id == reference.client_id => {}
            _ => return Err(IssuerError::Authorization("unknown or expired request_uri")),
        }
        // Single use (RFC 9126 §4).
        state
            .pushed
            .remove(&reference.request_uri)
            .ok_or(IssuerError::Authorization("unknown or expired request_uri"))
    }

    /// The citizen signed in and approved issuing `data` for the request at
    /// `authorization_url` (what the login page does): mints the authorization code and returns
    /// the URL the browser is redirected to (the request's `redirect_uri` with `code`, `state`
    /// and `iss`). The request must ask for `data`'s doc type.
    pub fn approve(
        &self,
        authorization_url: &str,
        data: CredentialData,
    ) -> Result<String, IssuerError> {
        let pushed = self.take_pushed(authorization_url)?;
        if !pushed
            .request
            .authorization_details
            .iter()
            .any(|d| d.credential_configuration_id == data.doc_type)
        {
            return Err(IssuerError::Authorization(
                "the request asks for another credential",
            ));
        }
        let code = random_token();
        let now = self.clock.now();
        let request = pushed.request;
        let redirect = AuthorizationRedirect::code_url(
            &request.redirect_uri,
            &code,
            &request.state,
            &self.config.identifier,
        );
        self.state().codes.insert(
            code,
            AuthorizationCode {
                client_id: request.client_id,
                redirect_uri: request.redirect_uri,
                code_challenge: request.code_challenge,
                data,
                expires: now.plus_seconds(self.config.authorization_code_lifetime),
            },
        );
        Ok(redirect)
    }

    /// The citizen declined: the redirect URL carrying `error=access_denied` and the state.
    pub fn deny(&self, authorization_url: &str) -> Result<String, IssuerError> {
        let request = self.take_pushed(authorization_url)?.request;
        let separator = if request.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!(
            "{}{separator}{}",
            request.redirect_uri,
            mdoc::online::form::encode([
                ("error", "access_denied"),
                ("state", request.state.as_str())
            ])
        ))
    }
}
