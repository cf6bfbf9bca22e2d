//! The verifier side of OpenID4VP 1.0 for `mso_mdoc`: a DCQL authorization request for the
//! Digital Credentials API (`dc_api`, `dc_api.jwt`) or for a redirect / QR code
//! (`direct_post`, `direct_post.jwt`), and the verification of the authorization response.
//!
//! Each request has a fresh nonce (and for redirects a fresh `state`); an encrypted request
//! carries a fresh P-256 key, and then only a JWE made for that key is accepted. Every
//! presentation is verified against the OpenID4VP handover of this request — origin or
//! client_id, nonce, key thumbprint, response_uri — so a response made for another origin,
//! nonce or verifier fails device authentication.

use mdoc::definitions::{DeviceResponse, SessionTranscript};
use mdoc::online::dcapi::{decode_field, encode_field};
use mdoc::online::form;
use mdoc::online::jwe::{self, ContentEncryption};
use mdoc::online::openid4vp::{ResponseMode, p256_jwk_thumbprint, session_transcript};
use mdoc::session::SessionError;
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use p256::SecretKey;
use serde_json::{Map, Value as Json, json};

use crate::report::VerificationReport;
use crate::request::DocumentRequest;
use crate::session::VerifierError;
use crate::single_use::SingleUse;
use crate::verify::{VerificationContext, verify_response};

/// The Digital Credentials API protocol identifier for unsigned OpenID4VP requests.
pub const PROTOCOL: &str = "openid4vp-v1-unsigned";
/// Largest accepted authorization response.
pub const MAX_RESPONSE_LEN: usize = jwe::MAX_JWE_LEN;
/// Most presentations accepted in one vp_token.
pub const MAX_PRESENTATIONS: usize = 16;

fn refused(context: &'static str) -> VerifierError {
    VerifierError::Response(context)
}

/// An outstanding OpenID4VP request. It is single-use: the first response that gets as far as
/// verification (or a wallet's decline) answers it, and every later response is refused with
/// [`VerifierError::AlreadyAnswered`]. Responses refused earlier (unreadable, for another key,
/// wrong `state`) do not use it up, so a stray POST cannot burn a citizen's answer. Not
/// `Clone`: a copy would be a second use.
pub struct OpenId4VpRequest {
    parameters: Map<String, Json>,
    mode: ResponseMode,
    transcript: SessionTranscript,
    requests: Vec<(String, DocumentRequest)>,
    state: Option<String>,
    decryption_key: Option<SecretKey>,
    answered: SingleUse,
}

impl std::fmt::Debug for OpenId4VpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenId4VpRequest")
            .field("mode", &self.mode)
            .field("queries", &self.requests.len())
            .finish_non_exhaustive()
    }
}

fn dcql(requests: &[(String, DocumentRequest)]) -> Json {
    let credentials: Vec<Json> = requests
        .iter()
        .map(|(id, r)| {
            let claims: Vec<Json> = r
                .elements
                .iter()
                .map(|(ns, element, retain)| {
                    json!({"path": [ns, element], "intent_to_retain": retain})
                })
                .collect();
            json!({"id": id, "format": "mso_mdoc", "meta": {"doctype_value": r.doc_type}, "claims": claims})
        })
        .collect();
    json!({ "credentials": credentials })
}

impl OpenId4VpRequest {
    /// A request through the Digital Credentials API from a page served at `origin`;
    /// `encrypted` asks for `dc_api.jwt` (the response sealed to a fresh key of this request).
    pub fn dc_api(requests: &[DocumentRequest], origin: &str, encrypted: bool) -> Self {
        let mode = if encrypted {
            ResponseMode::DcApiJwt
        } else {
            ResponseMode::DcApi
        };
        Self::build(requests, mode, origin, "", None)
    }

    /// A request a wallet receives by redirect or QR code, answered by `direct_post` (or
    /// `direct_post.jwt` when `encrypted`) to `response_uri`, with the `redirect_uri:`
    /// client identifier.
    pub fn redirect(requests: &[DocumentRequest], response_uri: &str, encrypted: bool) -> Self {
        let mode = if encrypted {
            ResponseMode::DirectPostJwt
        } else {
            ResponseMode::DirectPost
        };
        let client_id = format!("redirect_uri:{response_uri}");
        let state = encode_field(&mdoc::rng::random_bytes::<16>());
        Self::build(requests, mode, &client_id, response_uri, Some(state))
    }

    fn build(
        requests: &[DocumentRequest],
        mode: ResponseMode,
        origin_or_client_id: &str,
        response_uri: &str,
        state: Option<String>,
    ) -> Self {
        let nonce = encode_field(&mdoc::rng::random_bytes::<24>());
        let named: Vec<(String, DocumentRequest)> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("q{i}"), r.clone()))
            .collect();
        let mut parameters = Map::new();
        let mut put = |name: &str, value: Json| {
            parameters.insert(name.to_owned(), value);
        };
        put("response_type", json!("vp_token"));
        put("response_mode", json!(mode.name()));
        put("nonce", json!(nonce));
        put("dcql_query", dcql(&named));
        if !mode.dc_api() {
            put("client_id", json!(origin_or_client_id));
            put("response_uri", json!(response_uri));
        }
        if let Some(state) = &state {
            put("state", json!(state));
        }
        let decryption_key = mode.encrypted().then(mdoc::rng::new_p256_secret_key);
        let thumbprint = decryption_key
            .as_ref()
            .map(|key| p256_jwk_thumbprint(&key.public_key()));
        if let Some(key) = &decryption_key {
            let mut jwk = jwe::p256_jwk(&key.public_key());
            if let Some(map) = jwk.as_object_mut() {
                map.insert("use".to_owned(), json!("enc"));
                map.insert("alg".to_owned(), json!(jwe::ALG_ECDH_ES));
                map.insert("kid".to_owned(), json!("response-encryption"));
            }
            put(
                "client_metadata",
                json!({
                    "jwks": {"keys": [jwk]},
                    "encrypted_response_enc_values_supported": [
                        ContentEncryption::A128Gcm.name(),
                        ContentEncryption::A256Gcm.name()
                    ],
                    "vp_formats_supported": {"mso_mdoc": {}},
                }),
            );
        }
        OpenId4VpRequest {
            transcript: session_transcript(
                mode,
                origin_or_client_id,
                &nonce,
                thumbprint.as_ref(),
                response_uri,
            ),
            parameters,
            mode,
            requests: named,
            state,
            decryption_key,
            answered: SingleUse::default(),
        }
    }

    /// The request as a JSON object: the `data` of a Digital Credentials API request
    /// (protocol [`PROTOCOL`]), or the parameters of a redirect request.
    pub fn request_json(&self) -> String {
        Json::Object(self.parameters.clone()).to_string()
    }

    /// The request as an `openid4vp://` URL for a QR code or link (JSON-valued parameters as
    /// their JSON text).
    pub fn request_url(&self) -> String {
        format!(
            "openid4vp://?{}",
            form::encode_json_object(&self.parameters)
        )
    }

    /// The response mode asked for.
    pub fn response_mode(&self) -> ResponseMode {
        self.mode
    }

    /// Verifies an authorization response — the JSON object a Digital Credentials API call
    /// returned, or the form body POSTed to the response_uri — one report per presentation.
    /// An encrypted request accepts only a JWE made for its key; `state` must match; a wallet's
    /// error response is reported as [`VerifierError::WalletDeclined`].
    pub fn verify(
        &self,
        response: &str,
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<Vec<VerificationReport>, VerifierError> {
        let mut parameters = response_parameters(response)?;
        if let Some(error) = parameters.get("error") {
            self.check_state(&parameters)?;
            self.answered.take()?;
            return Err(match error.as_str() {
                Some("access_denied") => VerifierError::WalletDeclined,
                _ => refused("error response"),
            });
        }
        if let Some(key) = &self.decryption_key {
            let sealed = match parameters.get("response") {
                Some(Json::String(sealed)) if parameters.len() == 1 => sealed,
                _ => return Err(refused("an encrypted response was required")),
            };
            let opened = jwe::decrypt(key, sealed).map_err(|e| match e {
                jwe::JweError::Decrypt => VerifierError::Session(SessionError::Decryption),
                _ => refused("JWE"),
            })?;
            let plaintext = std::str::from_utf8(&opened.plaintext).unwrap_or_default();
            mdoc::limits::OPENID4VP_RESPONSE.check_json(plaintext)?;
            parameters = match serde_json::from_str(plaintext) {
                Ok(Json::Object(map)) => map,
                _ => return Err(refused("decrypted response is not a JSON object")),
            };
        } else if parameters.contains_key("response") {
            return Err(refused("an encrypted response was not asked for"));
        }
        self.check_state(&parameters)?;
        let token = match parameters.get("vp_token") {
            Some(Json::Object(token)) if !token.is_empty() => token.clone(),
            // Form bodies carry the vp_token as JSON text.
            Some(Json::String(text)) => {
                mdoc::limits::OPENID4VP_RESPONSE.check_json(text)?;
                match serde_json::from_str(text) {
                    Ok(Json::Object(token)) if !token.is_empty() => token,
                    _ => return Err(refused("vp_token")),
                }
            }
            _ => return Err(refused("vp_token")),
        };
        self.verify_token(&token, issuer_anchors, now)
    }

    fn check_state(&self, parameters: &Map<String, Json>) -> Result<(), VerifierError> {
        let received = parameters.get("state").and_then(Json::as_str);
        if received == self.state.as_deref() {
            Ok(())
        } else {
            Err(refused("state does not match the request"))
        }
    }

    /// Decodes every presentation first, so a malformed token is refused without using the
    /// request up; then marks the request answered and verifies. A query the token does not
    /// answer gets an empty report naming the missing doc type (never verified).
    fn verify_token(
        &self,
        token: &Map<String, Json>,
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<Vec<VerificationReport>, VerifierError> {
        let mut decoded: Vec<(&DocumentRequest, DeviceResponse)> = Vec::new();
        for (id, presentations) in token {
            let (_, request) = self
                .requests
                .iter()
                .find(|(q, _)| q == id)
                .ok_or(refused("vp_token names a query that was not asked"))?;
            let presentations = presentations
                .as_array()
                .filter(|p| !p.is_empty())
                .ok_or(refused("vp_token presentations"))?;
            for presentation in presentations {
                if decoded.len() == MAX_PRESENTATIONS {
                    return Err(refused("too many presentations"));
                }
                let text = presentation
                    .as_str()
                    .ok_or(refused("vp_token presentation"))?;
                let bytes = decode_field(text).map_err(|_| refused("vp_token base64url"))?;
                decoded.push((
                    request,
                    mdoc::limits::DEVICE_RESPONSE.decode::<DeviceResponse>(&bytes)?,
                ));
            }
        }
        self.answered.take()?;
        let context = |request: &DocumentRequest| VerificationContext {
            transcript: self.transcript.clone(),
            requests: Some(vec![request.items_request()]),
            issuer_anchors: issuer_anchors.clone(),
            now,
            e_reader_key: None,
        };
        let mut reports: Vec<VerificationReport> = decoded
            .iter()
            .map(|(request, response)| verify_response(response, &context(request)))
            .collect();
        for (id, request) in &self.requests {
            if !token.contains_key(id) {
                let nothing = DeviceResponse::new(Vec::new(), Vec::new());
                reports.push(verify_response(&nothing, &context(request)));
            }
        }
        Ok(reports)
    }
}

/// Reads a response body: a JSON object, or a form.
fn response_parameters(response: &str) -> Result<Map<String, Json>, VerifierError> {
    if response.len() > MAX_RESPONSE_LEN {
        return Err(refused("response too large"));
    }
    mdoc::limits::OPENID4VP_RESPONSE.check_json(response)?;
    if response.trim_start().starts_with('{') {
        return match serde_json::from_str(response) {
            Ok(Json::Object(map)) => Ok(map),
            _ => Err(refused("response JSON")),
        };
    }
    let parameters = form::decode(response).map_err(|_| refused("response form"))?;
    Ok(parameters
        .into_iter()
        .map(|(name, value)| (name, Json::String(value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(encrypted: bool) -> OpenId4VpRequest {
        OpenId4VpRequest::redirect(
            &[DocumentRequest::custom(
                "org.iso.18013.5.1.mDL",
                &[("org.iso.18013.5.1", "age_over_18", false)],
            )],
            "https://v.example/post",
            encrypted,
        )
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_795_521_600)
    }

    #[test]
    fn requests_carry_fresh_nonces_keys_and_what_the_mode_needs() {
        let a = request(true);
        let b = request(true);
        let parsed: Json = serde_json::from_str(&a.request_json()).unwrap();
        let other: Json = serde_json::from_str(&b.request_json()).unwrap();
        assert_ne!(parsed["nonce"], other["nonce"]);
        assert_ne!(parsed["state"], other["state"]);
        assert_ne!(parsed["client_metadata"], other["client_metadata"]);
        assert_eq!(parsed["response_mode"], "direct_post.jwt");
        assert_eq!(parsed["client_id"], "redirect_uri:https://v.example/post");
        assert!(jwe::parse_p256_jwk(&parsed["client_metadata"]["jwks"]["keys"][0]).is_ok());
        assert_eq!(
            parsed["dcql_query"]["credentials"][0]["claims"][0]["path"],
            json!(["org.iso.18013.5.1", "age_over_18"])
        );
        let url = a.request_url();
        assert!(url.starts_with("openid4vp://?"));
        let dc = OpenId4VpRequest::dc_api(&[], "https://v.example", false);
        let dc: Json = serde_json::from_str(&dc.request_json()).unwrap();
        assert!(dc.get("client_id").is_none() && dc.get("client_metadata").is_none());
        assert!(!format!("{a:?}").contains(&parsed["nonce"].as_str().unwrap().to_owned()));
    }

    #[test]
    fn refuses_downgrades_wrong_state_and_garbage() {
        let anchors = TrustAnchors::default();
        let encrypted = request(true);
        let state = encrypted.state.clone().unwrap();
        let plain = form::encode([("vp_token", r#"{"q0":["AA"]}"#), ("state", state.as_str())]);
        assert_eq!(
            encrypted.verify(&plain, &anchors, now()).unwrap_err(),
            VerifierError::Response("an encrypted response was required")
        );
        let clear = request(false);
        let wrong_state = form::encode([("vp_token", r#"{"q0":["AA"]}"#), ("state", "other")]);
        assert_eq!(
            clear.verify(&wrong_state, &anchors, now()).unwrap_err(),
            VerifierError::Response("state does not match the request")
        );
        let state = clear.state.clone().unwrap();
        let declined = form::encode([("error", "access_denied"), ("state", state.as_str())]);
        assert_eq!(
            clear.verify(&declined, &anchors, now()).unwrap_err(),
            VerifierError::WalletDeclined
        );
        let foreign_jwe = jwe::encrypt(
            &mdoc::rng::new_p256_secret_key().public_key(),
            None,
            ContentEncryption::A128Gcm,
            b"{}",
        );
        assert_eq!(
            encrypted
                .verify(
                    &form::encode([("response", foreign_jwe.as_str())]),
                    &anchors,
                    now()
                )
                .unwrap_err(),
            VerifierError::Session(SessionError::Decryption)
        );
        for garbage in [
            "",
            "{",
            "[]",
            "vp_token=%zz",
            "{\"vp_token\":{}}",
            "vp_token=[1]",
        ] {
            assert!(clear.verify(garbage, &anchors, now()).is_err(), "{garbage}");
        }
        let clear = request(false);
        let state = clear.state.clone().unwrap();
        let unknown = form::encode([("vp_token", r#"{"zz":["AA"]}"#), ("state", state.as_str())]);
        assert_eq!(
            clear.verify(&unknown, &anchors, now()).unwrap_err(),
            VerifierError::Response("vp_token names a query that was not asked")
        );
    }
    /// Review item 11: a request accepts one response; the same response again (a replay) is
    /// refused. A refused response (wrong state) does not use the request up.
    #[test]
    fn a_request_answers_once() {
        let anchors = TrustAnchors::default();
        let clear = request(false);
        let state = clear.state.clone().unwrap();
        let empty = encode_field(&mdoc::cbor::to_vec(&DeviceResponse::new(vec![], vec![])));
        let token = format!(r#"{{"q0":["{empty}"]}}"#);
        let wrong_state = form::encode([("vp_token", token.as_str()), ("state", "other")]);
        assert!(clear.verify(&wrong_state, &anchors, now()).is_err());
        let response = form::encode([("vp_token", token.as_str()), ("state", state.as_str())]);
        let reports = clear.verify(&response, &anchors, now()).unwrap();
        assert!(reports.len() == 1 && !reports[0].verified());
        assert_eq!(
            clear.verify(&response, &anchors, now()).unwrap_err(),
            VerifierError::AlreadyAnswered
        );
        let declined = form::encode([("error", "access_denied"), ("state", state.as_str())]);
        assert_eq!(
            clear.verify(&declined, &anchors, now()).unwrap_err(),
            VerifierError::AlreadyAnswered
        );
    }
}
