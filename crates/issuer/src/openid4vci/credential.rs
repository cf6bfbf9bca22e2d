//! The Credential (§8) and Deferred Credential (§9) endpoints: the access token, every `jwt`
//! proof (signature by its `jwk`, `aud`, `iat` window, a live single-use `c_nonce`, distinct
//! keys), then one freshly issued credential per proof.

use std::collections::BTreeSet;

use mdoc::cose::CoseKey;
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, DeferredCredentialRequest, encode_mdoc_credential,
};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::proof::verify_jwt_proof;
use mdoc::time::Timestamp;
use p256::PublicKey;

use super::state::Deferred;
use super::{CredentialIssuerService, error, random_token};
use crate::credential::{CredentialData, ValidityWindow};

/// Seconds the wallet is told to wait before polling a deferred transaction.
const DEFERRED_INTERVAL: u64 = 5;

/// The bearer token of `request`, if its Authorization header is `Bearer <token>`.
fn bearer(request: &HttpRequest) -> Option<&str> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// RFC 6750 §3: 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
fn invalid_token() -> HttpResponse {
    let mut response = error(401, "invalid_token");
    response.headers.push((
        "WWW-Authenticate".into(),
        "Bearer error=\"invalid_token\"".into(),
    ));
    response
}

impl CredentialIssuerService {
    fn live_token(
        &self,
        request: &HttpRequest,
        now: Timestamp,
    ) -> Option<(String, CredentialData, bool)> {
        let token = bearer(request)?;
        let mut state = self.state();
        state.prune(now);
        let entry = state.tokens.get(token)?;
        Some((token.to_owned(), entry.data.clone(), entry.deferred))
    }

    fn issue(
        &self,
        data: &CredentialData,
        keys: &[PublicKey],
        now: Timestamp,
    ) -> Result<Vec<String>, HttpResponse> {
        let validity = ValidityWindow::starting(now, self.config.validity_days);
        let statuses = match &self.status {
            Some(status) => match status.assign(keys.len()) {
                Ok(references) => references.into_iter().map(Some).collect(),
                Err(_) => return Err(error(500, "server_error")),
            },
            None => vec![None; keys.len()],
        };
        keys.iter()
            .zip(statuses)
            .map(|(key, status)| {
                let device_key = CoseKey::new(*key);
                match status {
                    Some(status) => {
                        self.authority
                            .issue_with_status(data, &device_key, &validity, &status)
                    }
                    None => self.authority.issue(data, &device_key, &validity),
                }
                .map(|issued| encode_mdoc_credential(&issued.bytes))
                .map_err(|_| error(500, "server_error"))
            })
            .collect()
    }

    /// §8: verifies the token and every proof, then issues (or defers) the batch.
    pub(super) fn credential(&self, request: &HttpRequest) -> HttpResponse {
        let now = self.clock.now();
        let Some((token, data, deferred)) = self.live_token(request, now) else {
            return invalid_token();
        };
        let Ok(body) = CredentialRequest::from_json(&request.body) else {
            return error(400, "invalid_credential_request");
        };
        if body.credential_identifier.is_some() {
            return error(400, "unknown_credential_identifier");
        }
        if body.credential_configuration_id.as_deref() != Some(data.doc_type.as_str()) {
            return error(400, "unknown_credential_configuration");
        }
        let Some(proofs) = body.jwt_proofs() else {
            return error(400, "invalid_proof");
        };
        if proofs.len() > usize::try_from(self.config.batch_size).unwrap_or(usize::MAX) {
            return error(400, "invalid_credential_request");
        }
        let oldest = now.plus_seconds(-self.config.proof_max_age);
        let newest = now.plus_seconds(self.config.proof_max_age / 10);
        let mut keys = Vec::with_capacity(proofs.len());
        let mut nonces = BTreeSet::new();
        for proof in proofs {
            let Ok(verified) = verify_jwt_proof(proof) else {
                return error(400, "invalid_proof");
            };
            let claims = &verified.claims;
            let iat = Timestamp::from_unix_seconds(claims.iat);
            if claims.aud != self.config.identifier || iat < oldest || iat > newest {
                return error(400, "invalid_proof");
            }
            let Some(nonce) = &claims.nonce else {
                return error(400, "invalid_proof");
            };
            if keys.contains(&verified.device_key) {
                return error(400, "invalid_proof");
            }
            nonces.insert(nonce.clone());
            keys.push(verified.device_key);
        }
        {
            // Every nonce must be live; all are used up together, so a replayed request fails.
            let mut state = self.state();
            state.prune(now);
            if !nonces.iter().all(|n| state.nonces.contains_key(n)) {
                return error(400, "invalid_nonce");
            }
            for nonce in &nonces {
                state.nonces.remove(nonce);
            }
            if deferred {
                let transaction_id = random_token();
                state.deferred.insert(
                    transaction_id.clone(),
                    Deferred {
                        data,
                        device_keys: keys,
                        token,
                        ready: false,
                    },
                );
                let response = CredentialResponse::Deferred {
                    transaction_id,
                    interval: DEFERRED_INTERVAL,
                };
                return HttpResponse::json(202, response.to_json());
            }
        }
        match self.issue(&data, &keys, now) {
            Ok(credentials) => HttpResponse::json(
                200,
                CredentialResponse::Issued {
                    credentials,
                    notification_id: None,
                }
                .to_json(),
            ),
            Err(response) => response,
        }
    }

    /// §9: the deferred batch once ready (then the transaction is gone), 202 until then.
    pub(super) fn deferred(&self, request: &HttpRequest) -> HttpResponse {
        let now = self.clock.now();
        let Some((token, _, _)) = self.live_token(request, now) else {
            return invalid_token();
        };
        let Ok(body) = DeferredCredentialRequest::from_json(&request.body) else {
            return error(400, "invalid_credential_request");
        };
        let pending = {
            let mut state = self.state();
            match state.deferred.get(&body.transaction_id) {
                Some(p) if p.token != token => return error(400, "invalid_transaction_id"),
                Some(p) if !p.ready => {
                    let response = CredentialResponse::Deferred {
                        transaction_id: body.transaction_id.clone(),
                        interval: DEFERRED_INTERVAL,
                    };
                    return HttpResponse::json(202, response.to_json());
                }
                Some(_) => {}
                None => return error(400, "invalid_transaction_id"),
            }
            match state.deferred.remove(&body.transaction_id) {
                Some(pending) => pending,
                None => return error(400, "invalid_transaction_id"),
            }
        };
        match self.issue(&pending.data, &pending.device_keys, now) {
            Ok(credentials) => HttpResponse::json(
                200,
                CredentialResponse::Issued {
                    credentials,
                    notification_id: None,
                }
                .to_json(),
            ),
            Err(response) => response,
        }
    }
}
