//! The Credential (§8), Deferred Credential (§9) and Notification (§11) endpoints: the access
//! token (and its DPoP proof when bound), every `jwt` proof (signature by its `jwk`, `aud`,
//! `iat` window, a live single-use `c_nonce`, distinct keys, a key attestation when required),
//! then one freshly issued credential per proof and a `notification_id` for the batch.

use std::collections::BTreeSet;

use mdoc::cose::CoseKey;
use mdoc::openid4vci::credential::{
    CredentialRequest, CredentialResponse, DeferredCredentialRequest, Proofs,
    encode_mdoc_credential,
};
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::key_attestation::verify_key_attestation;
use mdoc::openid4vci::notification::NotificationRequest;
use mdoc::openid4vci::proof::verify_jwt_proof;
use mdoc::time::Timestamp;
use p256::PublicKey;

use super::dpop::Endpoint;
use super::state::{Deferred, Notification};
use super::{CredentialIssuerService, error, random_token};
use crate::credential::{CredentialData, ValidityWindow};

/// Seconds the wallet is told to wait before polling a deferred transaction.
const DEFERRED_INTERVAL: u64 = 5;

/// The scheme and token of `request`'s Authorization header.
fn authorization(request: &HttpRequest) -> Option<(&str, &str)> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    Some((scheme, token.trim()))
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

/// What a checked access token grants.
pub(super) struct Authorized {
    pub(super) token: String,
    pub(super) data: CredentialData,
    pub(super) deferred: bool,
}

impl CredentialIssuerService {
    /// Checks `request`'s access token for resource `path`: a live token, sent as `Bearer`
    /// when unbound, or as `DPoP` with a proof (`ath` included) by the very key it is bound to
    /// (RFC 9449 §7). A proof by another key is `invalid_dpop_proof`.
    pub(super) fn authorize_resource(
        &self,
        request: &HttpRequest,
        path: &str,
        now: Timestamp,
    ) -> Result<Authorized, HttpResponse> {
        let (scheme, token) = authorization(request).ok_or_else(invalid_token)?;
        let (data, deferred, jkt) = {
            let mut state = self.state();
            state.prune(now);
            let entry = state.tokens.get(token).ok_or_else(invalid_token)?;
            (entry.data.clone(), entry.deferred, entry.jkt.clone())
        };
        match jkt {
            None if scheme.eq_ignore_ascii_case("bearer") => {}
            None => return Err(invalid_token()),
            Some(bound) => {
                if !scheme.eq_ignore_ascii_case("dpop") {
                    return Err(invalid_token());
                }
                let proven = self.check_dpop(request, path, Some(token), Endpoint::Resource)?;
                if proven.as_deref() != Some(bound.as_str()) {
                    let mut response = error(401, "invalid_dpop_proof");
                    response.headers.push((
                        "WWW-Authenticate".into(),
                        "DPoP error=\"invalid_dpop_proof\", algs=\"ES256\"".into(),
                    ));
                    return Err(response);
                }
            }
        }
        Ok(Authorized {
            token: token.to_owned(),
            data,
            deferred,
        })
    }

    /// A Credential Response for `credentials`, with a fresh `notification_id` recorded for
    /// `token` when notifications are on.
    fn issued(&self, credentials: Vec<String>, token: &str) -> HttpResponse {
        let notification_id = self.config.notifications.then(|| {
            let id = random_token();
            self.state().notifications.insert(
                id.clone(),
                Notification {
                    token: token.to_owned(),
                    events: Vec::new(),
                },
            );
            id
        });
        HttpResponse::json(
            200,
            CredentialResponse::Issued {
                credentials,
                notification_id,
            }
            .to_json(),
        )
    }

    /// §11: records an event for a batch this token received; 204.
    pub(super) fn notification(&self, request: &HttpRequest) -> HttpResponse {
        let now = self.clock.now();
        let authorized = match self.authorize_resource(request, "/notification", now) {
            Ok(authorized) => authorized,
            Err(response) => return response,
        };
        let Ok(body) = NotificationRequest::from_json(&request.body) else {
            return error(400, "invalid_notification_request");
        };
        let mut state = self.state();
        match state.notifications.get_mut(&body.notification_id) {
            Some(entry) if entry.token == authorized.token && entry.events.len() < 8 => {
                entry.events.push(body.event);
                HttpResponse {
                    status: 204,
                    headers: vec![("Cache-Control".into(), "no-store".into())],
                    body: Vec::new(),
                }
            }
            _ => error(400, "invalid_notification_id"),
        }
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
        let Authorized {
            token,
            data,
            deferred,
        } = match self.authorize_resource(request, "/credential", now) {
            Ok(authorized) => authorized,
            Err(response) => return response,
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
        let batch = usize::try_from(self.config.batch_size).unwrap_or(usize::MAX);
        let proof_count = body.proofs.as_ref().map_or(0, |p| {
            p.jwt
                .as_ref()
                .or(p.attestation.as_ref())
                .map_or(0, Vec::len)
        });
        if proof_count > batch {
            return error(400, "invalid_credential_request");
        }
        let checked = match body.proofs.as_ref() {
            Some(Proofs {
                jwt: Some(proofs), ..
            }) if !self.config.attestation_proof_type => self.jwt_keys(proofs, now),
            Some(Proofs {
                attestation: Some(attestations),
                ..
            }) if self.config.attestation_proof_type => self.attested_keys(attestations),
            _ => Err(error(400, "invalid_proof")),
        };
        let (keys, nonces) = match checked {
            Ok(checked) => checked,
            Err(response) => return response,
        };
        // An attestation may attest more keys than it is one proof.
        if keys.len() > batch {
            return error(400, "invalid_credential_request");
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
            Ok(credentials) => self.issued(credentials, &token),
            Err(response) => response,
        }
    }

    /// The device keys of `jwt` proofs (Appendix F.1): each signed by its `jwk`, for this
    /// issuer, recent, with a nonce, distinct, and attested when a key attestation is
    /// required. Returns the keys and the nonces to use up.
    fn jwt_keys(
        &self,
        proofs: &[String],
        now: Timestamp,
    ) -> Result<(Vec<PublicKey>, BTreeSet<String>), HttpResponse> {
        let oldest = now.plus_seconds(-self.config.proof_max_age);
        let newest = now.plus_seconds(self.config.proof_max_age / 10);
        let mut keys = Vec::with_capacity(proofs.len());
        let mut nonces = BTreeSet::new();
        for proof in proofs {
            let verified = verify_jwt_proof(proof).map_err(|_| error(400, "invalid_proof"))?;
            let claims = &verified.claims;
            let iat = Timestamp::from_unix_seconds(claims.iat);
            if claims.aud != self.config.identifier || iat < oldest || iat > newest {
                return Err(error(400, "invalid_proof"));
            }
            let nonce = claims
                .nonce
                .as_ref()
                .ok_or_else(|| error(400, "invalid_proof"))?;
            if keys.contains(&verified.device_key) {
                return Err(error(400, "invalid_proof"));
            }
            if let Some(signer) = &self.config.key_attestation_signer {
                let attested = verified
                    .key_attestation
                    .as_deref()
                    .and_then(|a| verify_key_attestation(a, signer).ok());
                if !attested.is_some_and(|a| a.keys.contains(&verified.device_key)) {
                    return Err(error(400, "invalid_proof"));
                }
            }
            nonces.insert(nonce.clone());
            keys.push(verified.device_key);
        }
        Ok((keys, nonces))
    }

    /// The device keys of `attestation` proofs (Appendix F.3): key attestations by the
    /// configured attester, each bound to a `c_nonce`, the keys distinct.
    fn attested_keys(
        &self,
        attestations: &[String],
    ) -> Result<(Vec<PublicKey>, BTreeSet<String>), HttpResponse> {
        let signer = self
            .config
            .key_attestation_signer
            .as_ref()
            .ok_or_else(|| error(400, "invalid_proof"))?;
        let mut keys: Vec<PublicKey> = Vec::new();
        let mut nonces = BTreeSet::new();
        for attestation in attestations {
            let attested = verify_key_attestation(attestation, signer)
                .map_err(|_| error(400, "invalid_proof"))?;
            let nonce = attested.nonce.ok_or_else(|| error(400, "invalid_proof"))?;
            for key in attested.keys {
                if keys.contains(&key) {
                    return Err(error(400, "invalid_proof"));
                }
                keys.push(key);
            }
            nonces.insert(nonce);
        }
        Ok((keys, nonces))
    }

    /// §9: the deferred batch once ready (then the transaction is gone), 202 until then.
    pub(super) fn deferred(&self, request: &HttpRequest) -> HttpResponse {
        let now = self.clock.now();
        let token = match self.authorize_resource(request, "/deferred_credential", now) {
            Ok(authorized) => authorized.token,
            Err(response) => return response,
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
            Ok(credentials) => self.issued(credentials, &token),
            Err(response) => response,
        }
    }
}
