//! The authorization code grant's front half (OpenID4VCI 1.0 §5): a Pushed Authorization
//! Request (RFC 9126 §2) carrying PKCE (RFC 7636) and `authorization_details` of type
//! `openid_credential` (§5.1.1), its response, the authorization URL the browser opens
//! (RFC 9126 §4) and the redirect back to the wallet (§5.2, RFC 6749 §4.1.2).

use serde::{Deserialize, Serialize};

use super::{MAX_JSON, MAX_TOKEN_LEN, Oid4vciError, check_token, parse_json, pkce, to_json};
use crate::online::form;

/// The `type` of an OpenID4VCI authorization details entry (§5.1.1).
pub const OPENID_CREDENTIAL: &str = "openid_credential";

/// Longest redirect URL accepted from the browser.
pub const MAX_REDIRECT_LEN: usize = 8 * 1024;

/// One `authorization_details` entry of type `openid_credential` (§5.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialAuthorizationDetail {
    /// Always [`OPENID_CREDENTIAL`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The credential configuration asked for.
    pub credential_configuration_id: String,
}

/// A Pushed Authorization Request (RFC 9126 §2.1) of the authorization code grant, with PKCE
/// `S256` and the credential asked for as `authorization_details`.
#[derive(Clone, PartialEq, Eq)]
pub struct PushedAuthorizationRequest {
    /// The wallet's client id.
    pub client_id: String,
    /// Where the authorization server sends the browser back.
    pub redirect_uri: String,
    /// The PKCE `S256` challenge.
    pub code_challenge: String,
    /// Opaque value the redirect must carry back (CSRF protection).
    pub state: String,
    /// The credential configurations asked for.
    pub authorization_details: Vec<CredentialAuthorizationDetail>,
    /// The offer's `issuer_state`, when it had one.
    pub issuer_state: Option<String>,
}

impl std::fmt::Debug for PushedAuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedAuthorizationRequest")
            .field("client_id", &self.client_id)
            .field("authorization_details", &self.authorization_details)
            .finish_non_exhaustive()
    }
}

/// Reads form `body` (at most [`MAX_JSON`] bytes) into name/value pairs.
pub(crate) fn read_form(
    body: &[u8],
    what: &'static str,
) -> Result<Vec<(String, String)>, Oid4vciError> {
    if body.len() > MAX_JSON {
        return Err(Oid4vciError::TooLarge(what));
    }
    let text = std::str::from_utf8(body).map_err(|_| Oid4vciError::Malformed(what))?;
    form::decode(text).map_err(|_| Oid4vciError::Malformed(what))
}

/// The value of parameter `name`.
pub(crate) fn get<'a>(parameters: &'a [(String, String)], name: &str) -> Option<&'a str> {
    parameters
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The value of the required parameter `name`, non-empty and at most [`MAX_TOKEN_LEN`].
pub(crate) fn required<'a>(
    parameters: &'a [(String, String)],
    name: &'static str,
) -> Result<&'a str, Oid4vciError> {
    let value = get(parameters, name).ok_or(Oid4vciError::Invalid(name))?;
    check_token(value, name)?;
    Ok(value)
}

impl PushedAuthorizationRequest {
    /// The `application/x-www-form-urlencoded` body.
    pub fn to_form(&self) -> String {
        let details = String::from_utf8(to_json(&self.authorization_details)).unwrap_or_default();
        let mut parameters = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_challenge", self.code_challenge.as_str()),
            ("code_challenge_method", pkce::S256),
            ("state", self.state.as_str()),
            ("authorization_details", details.as_str()),
        ];
        if let Some(issuer_state) = &self.issuer_state {
            parameters.push(("issuer_state", issuer_state.as_str()));
        }
        form::encode(parameters)
    }

    /// Parses a form body: `response_type=code`, a client id, a redirect URI, an `S256`
    /// challenge, a state and at least one `openid_credential` detail (other detail types and
    /// unknown parameters are ignored; a `scope` alone is refused, as this server issues by
    /// configuration id).
    pub fn from_form(body: &[u8]) -> Result<Self, Oid4vciError> {
        let parameters = read_form(body, "pushed authorization request")?;
        if get(&parameters, "response_type") != Some("code") {
            return Err(Oid4vciError::Invalid("response_type"));
        }
        if get(&parameters, "code_challenge_method") != Some(pkce::S256) {
            return Err(Oid4vciError::Invalid("code_challenge_method"));
        }
        let code_challenge = required(&parameters, "code_challenge")?;
        pkce::check_challenge(code_challenge)?;
        let details = required(&parameters, "authorization_details")?;
        let details: Vec<serde_json::Value> = serde_json::from_str(details)
            .map_err(|_| Oid4vciError::Malformed("authorization_details"))?;
        if details.len() > super::MAX_BATCH {
            return Err(Oid4vciError::TooLarge("authorization_details"));
        }
        let authorization_details: Vec<CredentialAuthorizationDetail> = details
            .into_iter()
            .filter(|d| d.get("type").and_then(|t| t.as_str()) == Some(OPENID_CREDENTIAL))
            .map(|d| {
                serde_json::from_value::<CredentialAuthorizationDetail>(d)
                    .map_err(|_| Oid4vciError::Malformed("authorization_details"))
            })
            .collect::<Result<_, _>>()?;
        if authorization_details.is_empty() {
            return Err(Oid4vciError::Invalid(
                "no openid_credential authorization detail",
            ));
        }
        for detail in &authorization_details {
            check_token(
                &detail.credential_configuration_id,
                "credential_configuration_id",
            )?;
        }
        let issuer_state = get(&parameters, "issuer_state").map(str::to_owned);
        if let Some(issuer_state) = &issuer_state {
            check_token(issuer_state, "issuer_state")?;
        }
        Ok(PushedAuthorizationRequest {
            client_id: required(&parameters, "client_id")?.to_owned(),
            redirect_uri: required(&parameters, "redirect_uri")?.to_owned(),
            code_challenge: code_challenge.to_owned(),
            state: required(&parameters, "state")?.to_owned(),
            authorization_details,
            issuer_state,
        })
    }
}

/// A successful Pushed Authorization Response (RFC 9126 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedAuthorizationResponse {
    /// The reference to use in the authorization request.
    pub request_uri: String,
    /// Its lifetime, seconds.
    pub expires_in: u64,
}

impl PushedAuthorizationResponse {
    /// Parses a response, refusing an empty or overlong `request_uri`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let response: PushedAuthorizationResponse =
            parse_json(bytes, MAX_JSON, "pushed authorization response")?;
        check_token(&response.request_uri, "request_uri")?;
        Ok(response)
    }

    /// The response as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// The URL the browser opens after a pushed request (RFC 9126 §4): the authorization endpoint
/// with `client_id` and `request_uri`.
pub fn authorization_url(endpoint: &str, client_id: &str, request_uri: &str) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!(
        "{endpoint}{separator}{}",
        form::encode([("client_id", client_id), ("request_uri", request_uri)])
    )
}

/// The query parameters of `url` (after `?`, before any `#`), decoded.
pub fn query_parameters(url: &str) -> Result<Vec<(String, String)>, Oid4vciError> {
    if url.len() > MAX_REDIRECT_LEN {
        return Err(Oid4vciError::TooLarge("URL"));
    }
    let without_fragment = url.split('#').next().unwrap_or_default();
    let query = without_fragment.split_once('?').map_or("", |(_, q)| q);
    form::decode(query).map_err(|_| Oid4vciError::Malformed("URL query"))
}

/// An authorization request as the authorization endpoint reads it (RFC 9126 §4).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationRequestRef {
    /// The client id.
    pub client_id: String,
    /// The pushed request's reference.
    pub request_uri: String,
}

impl std::fmt::Debug for AuthorizationRequestRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequestRef")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequestRef {
    /// Reads `client_id` and `request_uri` from an authorization URL.
    pub fn from_url(url: &str) -> Result<Self, Oid4vciError> {
        let parameters = query_parameters(url)?;
        Ok(AuthorizationRequestRef {
            client_id: required(&parameters, "client_id")?.to_owned(),
            request_uri: required(&parameters, "request_uri")?.to_owned(),
        })
    }
}

/// What the authorization server sent the browser back with (§5.2, RFC 6749 §4.1.2.1).
#[derive(Clone, PartialEq, Eq)]
pub enum AuthorizationRedirect {
    /// The citizen approved: the code and the state.
    Code {
        /// The authorization code.
        code: String,
        /// The state, to compare with the one sent.
        state: String,
        /// The `iss` parameter (RFC 9207), when sent.
        iss: Option<String>,
    },
    /// The server refused (e.g. `access_denied`).
    Error {
        /// The OAuth error code.
        error: String,
        /// The state, when sent.
        state: Option<String>,
    },
}

impl std::fmt::Debug for AuthorizationRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthorizationRedirect::Code { .. } => f.write_str("AuthorizationRedirect::Code"),
            AuthorizationRedirect::Error { error, .. } => f
                .debug_struct("AuthorizationRedirect::Error")
                .field("error", error)
                .finish_non_exhaustive(),
        }
    }
}

impl AuthorizationRedirect {
    /// Parses the URL the browser was sent to, which must start with `redirect_uri` (the part
    /// before any query must be identical).
    pub fn parse(url: &str, redirect_uri: &str) -> Result<Self, Oid4vciError> {
        if url.len() > MAX_REDIRECT_LEN {
            return Err(Oid4vciError::TooLarge("redirect"));
        }
        let base = |u: &str| u.split(['?', '#']).next().unwrap_or_default().to_owned();
        if base(url) != base(redirect_uri) {
            return Err(Oid4vciError::Invalid(
                "the redirect is not to the redirect_uri",
            ));
        }
        let parameters = query_parameters(url)?;
        let optional = |name: &'static str| -> Result<Option<String>, Oid4vciError> {
            match get(&parameters, name) {
                None => Ok(None),
                Some(value) if value.len() <= MAX_TOKEN_LEN => Ok(Some(value.to_owned())),
                Some(_) => Err(Oid4vciError::Invalid(name)),
            }
        };
        if let Some(error) = optional("error")? {
            return Ok(AuthorizationRedirect::Error {
                error,
                state: optional("state")?,
            });
        }
        Ok(AuthorizationRedirect::Code {
            code: required(&parameters, "code")?.to_owned(),
            state: required(&parameters, "state")?.to_owned(),
            iss: optional("iss")?,
        })
    }

    /// The redirect URL carrying `code` and `state` (what the authorization server sends).
    pub fn code_url(redirect_uri: &str, code: &str, state: &str, iss: &str) -> String {
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        format!(
            "{redirect_uri}{separator}{}",
            form::encode([("code", code), ("state", state), ("iss", iss)])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9126 §2.1, the pushed authorization request example body, with OpenID4VCI 1.0
    /// §5.1.1's `authorization_details` in place of its `scope` (line breaks removed).
    const RFC_PAR: &str = "response_type=code&client_id=CLIENT1234&state=duk681S8n00GsJpe7n9boxdzen&code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&authorization_details=%5B%7B%22type%22%3A%22openid_credential%22%2C%22credential_configuration_id%22%3A%22UniversityDegreeCredential%22%7D%5D";

    /// RFC 9126 §2.2, the response example.
    const RFC_PAR_RESPONSE: &str = r#"{
  "request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c",
  "expires_in": 60
}"#;

    /// RFC 9126 §4, the authorization request example.
    const RFC_AUTHORIZE: &str = "https://as.example.com/authorize?client_id=CLIENT1234&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c";

    fn request() -> PushedAuthorizationRequest {
        PushedAuthorizationRequest {
            client_id: "CLIENT1234".into(),
            redirect_uri: "https://client.example.org/cb".into(),
            code_challenge: "K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U".into(),
            state: "duk681S8n00GsJpe7n9boxdzen".into(),
            authorization_details: vec![CredentialAuthorizationDetail {
                kind: OPENID_CREDENTIAL.into(),
                credential_configuration_id: "UniversityDegreeCredential".into(),
            }],
            issuer_state: None,
        }
    }

    #[test]
    fn the_published_examples_parse_and_ours_match_them() {
        let parsed = PushedAuthorizationRequest::from_form(RFC_PAR.as_bytes()).unwrap();
        assert_eq!(parsed, request());
        // Our form has the same parameters (order aside).
        let mut ours = form::decode(&request().to_form()).unwrap();
        let mut theirs = form::decode(RFC_PAR).unwrap();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
        let response = PushedAuthorizationResponse::from_json(RFC_PAR_RESPONSE.as_bytes()).unwrap();
        assert_eq!(response.expires_in, 60);
        let url = authorization_url(
            "https://as.example.com/authorize",
            "CLIENT1234",
            &response.request_uri,
        );
        assert_eq!(url, RFC_AUTHORIZE);
        let reference = AuthorizationRequestRef::from_url(RFC_AUTHORIZE).unwrap();
        assert_eq!(reference.request_uri, response.request_uri);
    }

    #[test]
    fn the_redirect_is_read_and_checked() {
        // OpenID4VCI 1.0 §5.2, the authorization response example (plus a state).
        let url = "https://Wallet.example.org/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz";
        match AuthorizationRedirect::parse(url, "https://Wallet.example.org/cb").unwrap() {
            AuthorizationRedirect::Code { code, state, iss } => {
                assert_eq!(
                    (code.as_str(), state.as_str(), iss),
                    ("SplxlOBeZQQYbYS6WxSbIA", "xyz", None)
                );
            }
            other => panic!("{other:?}"),
        }
        let denied = "https://Wallet.example.org/cb?error=access_denied&state=xyz";
        assert!(matches!(
            AuthorizationRedirect::parse(denied, "https://Wallet.example.org/cb").unwrap(),
            AuthorizationRedirect::Error { error, .. } if error == "access_denied"
        ));
        let built = AuthorizationRedirect::code_url("app://cb", "c", "s", "https://as");
        assert!(matches!(
            AuthorizationRedirect::parse(&built, "app://cb").unwrap(),
            AuthorizationRedirect::Code { iss: Some(i), .. } if i == "https://as"
        ));
        for bad in [
            "https://evil.example/cb?code=a&state=b",
            "https://Wallet.example.org/cb?state=b",
            "https://Wallet.example.org/cb?code=a",
            "https://Wallet.example.org/cb?code=a&code=b&state=s",
            "https://Wallet.example.org/cb?code=%zz&state=s",
            "https://Wallet.example.org/cb",
        ] {
            assert!(
                AuthorizationRedirect::parse(bad, "https://Wallet.example.org/cb").is_err(),
                "{bad}"
            );
        }
        let huge = format!(
            "https://Wallet.example.org/cb?code={}",
            "a".repeat(MAX_REDIRECT_LEN)
        );
        assert_eq!(
            AuthorizationRedirect::parse(&huge, "https://Wallet.example.org/cb"),
            Err(Oid4vciError::TooLarge("redirect"))
        );
    }

    #[test]
    fn bad_pushed_requests_are_refused() {
        let good = request().to_form();
        for (from, to) in [
            ("response_type=code", "response_type=token"),
            ("code_challenge_method=S256", "code_challenge_method=plain"),
            (
                "code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U",
                "code_challenge=short",
            ),
            ("client_id=CLIENT1234", "client_id="),
            ("state=duk681S8n00GsJpe7n9boxdzen", "x=y"),
            ("openid_credential", "other_type"),
            ("authorization_details=%5B", "authorization_details=%7B"),
        ] {
            let bad = good.replace(from, to);
            assert_ne!(bad, good, "{from}");
            assert!(
                PushedAuthorizationRequest::from_form(bad.as_bytes()).is_err(),
                "{to}"
            );
        }
        for body in [&b""[..], b"\xff", &vec![b'a'; MAX_JSON + 1]] {
            assert!(PushedAuthorizationRequest::from_form(body).is_err());
        }
        for json in [
            "{}",
            r#"{"request_uri":"","expires_in":60}"#,
            r#"{"request_uri":"u"}"#,
            "[",
        ] {
            assert!(
                PushedAuthorizationResponse::from_json(json.as_bytes()).is_err(),
                "{json}"
            );
        }
    }
}
