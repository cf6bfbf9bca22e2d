//! DPoP (RFC 9449) on the issuer's side: a proof checked at the token endpoint (the access and
//! refresh tokens are then bound to the key's thumbprint, `cnf.jkt`) and on every resource
//! request made with a bound token (`ath`, the same key), with single-use `jti`s and, when
//! configured, server nonces handed out through `DPoP-Nonce` (`use_dpop_nonce`).

use mdoc::openid4vci::dpop::{
    DPOP_HEADER, DPOP_NONCE_HEADER, USE_DPOP_NONCE, access_token_hash, verify_dpop_proof,
};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::time::Timestamp;

use super::{CredentialIssuerService, constant_time_eq, error, random_token};

/// Which endpoint a proof is checked for: the errors differ (RFC 9449 §5 vs §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// The token endpoint: 400 with a JSON error.
    Token,
    /// A resource (credential, deferred, notification): 401 with `WWW-Authenticate: DPoP`.
    Resource,
}

impl CredentialIssuerService {
    fn dpop_error(&self, endpoint: Endpoint, code: &str, nonce: Option<String>) -> HttpResponse {
        let mut response = match endpoint {
            Endpoint::Token => error(400, code),
            Endpoint::Resource => {
                let mut response = error(401, code);
                response.headers.push((
                    "WWW-Authenticate".into(),
                    format!("DPoP error=\"{code}\", algs=\"ES256\""),
                ));
                response
            }
        };
        if let Some(nonce) = nonce {
            response.headers.push((DPOP_NONCE_HEADER.into(), nonce));
        }
        response
    }

    /// A fresh DPoP nonce, live for the nonce lifetime.
    fn dpop_nonce(&self, now: Timestamp) -> String {
        let nonce = random_token();
        self.state()
            .dpop_nonces
            .insert(nonce.clone(), now.plus_seconds(self.config.nonce_lifetime));
        nonce
    }

    /// Checks the request's DPoP proof for `path` (and `access_token`'s hash on a resource
    /// request) and returns the key's thumbprint; `Ok(None)` when the request has no proof and
    /// none is required. The proof's `jti` is used up.
    pub(super) fn check_dpop(
        &self,
        request: &HttpRequest,
        path: &str,
        access_token: Option<&str>,
        endpoint: Endpoint,
    ) -> Result<Option<String>, HttpResponse> {
        let now = self.clock.now();
        let proof = match request.header(DPOP_HEADER) {
            None if self.config.dpop && endpoint == Endpoint::Token => {
                return Err(self.dpop_error(endpoint, "invalid_dpop_proof", None));
            }
            None => return Ok(None),
            Some(proof) => proof,
        };
        let invalid = || self.dpop_error(endpoint, "invalid_dpop_proof", None);
        let verified = verify_dpop_proof(proof.trim()).map_err(|_| invalid())?;
        let claims = &verified.claims;
        let htu = format!("{}{path}", self.config.identifier);
        let iat = Timestamp::from_unix_seconds(claims.iat);
        let oldest = now.plus_seconds(-self.config.proof_max_age);
        let newest = now.plus_seconds(self.config.proof_max_age / 10);
        if !claims.htm.eq_ignore_ascii_case(&request.method)
            || claims.htu != htu
            || iat < oldest
            || iat > newest
        {
            return Err(invalid());
        }
        match (access_token, &claims.ath) {
            (None, None) => {}
            (Some(token), Some(ath))
                if constant_time_eq(access_token_hash(token).as_bytes(), ath.as_bytes()) => {}
            _ => return Err(invalid()),
        }
        if self.config.dpop_nonce {
            let live = {
                let mut state = self.state();
                state.prune(now);
                claims
                    .nonce
                    .as_ref()
                    .is_some_and(|n| state.dpop_nonces.contains_key(n))
            };
            if !live {
                let nonce = self.dpop_nonce(now);
                return Err(self.dpop_error(endpoint, USE_DPOP_NONCE, Some(nonce)));
            }
        }
        let mut state = self.state();
        if state.dpop_jtis.len() >= super::state::MAX_NONCES {
            return Err(error(503, "temporarily_unavailable"));
        }
        // Kept until the proof would be refused as too old anyway.
        let until = iat.plus_seconds(self.config.proof_max_age + 1);
        if state.dpop_jtis.insert(claims.jti.clone(), until).is_some() {
            return Err(invalid());
        }
        Ok(Some(verified.jkt))
    }
}
