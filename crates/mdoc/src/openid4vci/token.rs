//! The Token Endpoint (OpenID4VCI 1.0 §6) for the pre-authorized code grant: a form-encoded
//! request (§6.1, RFC 6749 §4.1.3) and a JSON response (§6.2, RFC 6749 §5.1).

use serde::{Deserialize, Serialize};

use super::authorization::{get, read_form, required};
use super::{MAX_JSON, Oid4vciError, PRE_AUTHORIZED_GRANT, check_token, parse_json, to_json};
use crate::online::form;

/// A Token Request of the pre-authorized code grant (§6.1).
#[derive(Clone, PartialEq, Eq)]
pub struct PreAuthorizedTokenRequest {
    /// The offer's `pre-authorized_code`.
    pub pre_authorized_code: String,
    /// The transaction code the citizen typed, when the offer asked for one.
    pub tx_code: Option<String>,
}

impl std::fmt::Debug for PreAuthorizedTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreAuthorizedTokenRequest")
            .field("tx_code", &self.tx_code.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl PreAuthorizedTokenRequest {
    /// The `application/x-www-form-urlencoded` body.
    pub fn to_form(&self) -> String {
        let mut parameters = vec![
            ("grant_type", PRE_AUTHORIZED_GRANT),
            ("pre-authorized_code", self.pre_authorized_code.as_str()),
        ];
        if let Some(tx) = &self.tx_code {
            parameters.push(("tx_code", tx.as_str()));
        }
        form::encode(parameters)
    }

    /// Parses a form body, refusing another grant type, a missing code, repeated parameters
    /// and more than [`MAX_JSON`] bytes. Unknown parameters are ignored (§6.1).
    pub fn from_form(body: &[u8]) -> Result<Self, Oid4vciError> {
        if body.len() > MAX_JSON {
            return Err(Oid4vciError::TooLarge("token request"));
        }
        let text =
            std::str::from_utf8(body).map_err(|_| Oid4vciError::Malformed("token request"))?;
        let parameters =
            form::decode(text).map_err(|_| Oid4vciError::Malformed("token request"))?;
        let get = |name: &str| {
            parameters
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if get("grant_type").as_deref() != Some(PRE_AUTHORIZED_GRANT) {
            return Err(Oid4vciError::Invalid("unsupported grant_type"));
        }
        let code =
            get("pre-authorized_code").ok_or(Oid4vciError::Invalid("no pre-authorized_code"))?;
        check_token(&code, "pre-authorized_code")?;
        let tx_code = get("tx_code");
        if let Some(tx) = &tx_code {
            check_token(tx, "tx_code")?;
        }
        Ok(PreAuthorizedTokenRequest {
            pre_authorized_code: code,
            tx_code,
        })
    }
}

/// The grant type of the authorization code flow (RFC 6749 §4.1.3).
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

/// The grant type of a refresh (RFC 6749 §6).
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// Any Token Request this project's issuer takes (§6.1): a pre-authorized code, an
/// authorization code with its PKCE verifier, or a refresh token.
#[derive(Clone, PartialEq, Eq)]
pub enum TokenRequest {
    /// The pre-authorized code grant.
    PreAuthorized(PreAuthorizedTokenRequest),
    /// The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5).
    AuthorizationCode {
        /// The code from the redirect.
        code: String,
        /// The redirect URI of the authorization request.
        redirect_uri: String,
        /// The PKCE verifier.
        code_verifier: String,
        /// The client id.
        client_id: String,
    },
    /// A refresh (RFC 6749 §6).
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// The client id.
        client_id: String,
    },
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenRequest::PreAuthorized(_) => "TokenRequest::PreAuthorized",
            TokenRequest::AuthorizationCode { .. } => "TokenRequest::AuthorizationCode",
            TokenRequest::RefreshToken { .. } => "TokenRequest::RefreshToken",
        })
    }
}

impl TokenRequest {
    /// The `application/x-www-form-urlencoded` body.
    pub fn to_form(&self) -> String {
        match self {
            TokenRequest::PreAuthorized(request) => request.to_form(),
            TokenRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
                client_id,
            } => form::encode([
                ("grant_type", AUTHORIZATION_CODE_GRANT),
                ("code", code.as_str()),
                ("code_verifier", code_verifier.as_str()),
                ("redirect_uri", redirect_uri.as_str()),
                ("client_id", client_id.as_str()),
            ]),
            TokenRequest::RefreshToken {
                refresh_token,
                client_id,
            } => form::encode([
                ("grant_type", REFRESH_TOKEN_GRANT),
                ("refresh_token", refresh_token.as_str()),
                ("client_id", client_id.as_str()),
            ]),
        }
    }

    /// Parses a form body by its `grant_type`, refusing unknown grants, missing or repeated
    /// parameters, a malformed PKCE verifier and more than [`MAX_JSON`] bytes.
    pub fn from_form(body: &[u8]) -> Result<Self, Oid4vciError> {
        let parameters = read_form(body, "token request")?;
        match get(&parameters, "grant_type") {
            Some(PRE_AUTHORIZED_GRANT) => {
                PreAuthorizedTokenRequest::from_form(body).map(TokenRequest::PreAuthorized)
            }
            Some(AUTHORIZATION_CODE_GRANT) => {
                let code_verifier = required(&parameters, "code_verifier")?;
                crate::openid4vci::pkce::check_verifier(code_verifier)?;
                Ok(TokenRequest::AuthorizationCode {
                    code: required(&parameters, "code")?.to_owned(),
                    redirect_uri: required(&parameters, "redirect_uri")?.to_owned(),
                    code_verifier: code_verifier.to_owned(),
                    client_id: required(&parameters, "client_id")?.to_owned(),
                })
            }
            Some(REFRESH_TOKEN_GRANT) => Ok(TokenRequest::RefreshToken {
                refresh_token: required(&parameters, "refresh_token")?.to_owned(),
                client_id: required(&parameters, "client_id")?.to_owned(),
            }),
            _ => Err(Oid4vciError::Invalid("unsupported grant_type")),
        }
    }
}

/// A successful Token Response (§6.2).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token for the credential endpoint.
    pub access_token: String,
    /// `Bearer` (or `DPoP`).
    pub token_type: String,
    /// Lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// A refresh token, for later re-issuance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Authorization details with `credential_identifiers` (§6.2), kept as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Vec<serde_json::Value>>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl TokenResponse {
    /// Parses a Token Response, refusing an empty or overlong token and an unknown
    /// `token_type` (RFC 6749 §7.1: `Bearer`, or `DPoP` per RFC 9449).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let response: TokenResponse = parse_json(bytes, MAX_JSON, "token response")?;
        check_token(&response.access_token, "access_token")?;
        if !response.token_type.eq_ignore_ascii_case("bearer")
            && !response.token_type.eq_ignore_ascii_case("dpop")
        {
            return Err(Oid4vciError::Invalid("token_type"));
        }
        if let Some(refresh) = &response.refresh_token {
            check_token(refresh, "refresh_token")?;
        }
        Ok(response)
    }

    /// The response as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID4VCI 1.0 §6.2, the Token Response example.
    const SPEC_RESPONSE: &str = r#"{
  "access_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6Ikp..sHQ",
  "token_type": "Bearer",
  "expires_in": 86400,
  "authorization_details": [
    {
      "type": "openid_credential",
      "credential_configuration_id": "UniversityDegreeCredential",
      "credential_identifiers": [
        "CivilEngineeringDegree-2023",
        "ElectricalEngineeringDegree-2023"
      ]
    }
  ]
}"#;

    /// OpenID4VCI 1.0 §6.1, the pre-authorized Token Request example body (line breaks and the
    /// optional authorization_details removed).
    const SPEC_REQUEST: &str = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536";

    #[test]
    fn the_specification_token_messages_parse() {
        let response = TokenResponse::from_json(SPEC_RESPONSE.as_bytes()).unwrap();
        assert_eq!(response.expires_in, Some(86400));
        assert_eq!(response.authorization_details.as_ref().unwrap().len(), 1);
        let request = PreAuthorizedTokenRequest::from_form(SPEC_REQUEST.as_bytes()).unwrap();
        assert_eq!(request.pre_authorized_code, "SplxlOBeZQQYbYS6WxSbIA");
        assert_eq!(request.tx_code.as_deref(), Some("493536"));
    }

    #[test]
    fn our_request_has_the_specified_shape() {
        let request = PreAuthorizedTokenRequest {
            pre_authorized_code: "SplxlOBeZQQYbYS6WxSbIA".into(),
            tx_code: Some("493536".into()),
        };
        let form = request.to_form();
        let parameters = form::decode(&form).unwrap();
        assert_eq!(
            parameters,
            vec![
                ("grant_type".into(), PRE_AUTHORIZED_GRANT.into()),
                (
                    "pre-authorized_code".into(),
                    "SplxlOBeZQQYbYS6WxSbIA".into()
                ),
                ("tx_code".into(), "493536".into()),
            ]
        );
        assert_eq!(
            PreAuthorizedTokenRequest::from_form(form.as_bytes()).unwrap(),
            request
        );
    }

    /// OpenID4VCI 1.0 §6.1, the authorization code Token Request example body (line breaks
    /// removed; `client_id` added, as this issuer's public clients send it), with the RFC 7636
    /// Appendix B verifier.
    const SPEC_CODE_REQUEST: &str = "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&redirect_uri=https%3A%2F%2FWallet.example.org%2Fcb&client_id=s6BhdRkqt3";

    #[test]
    fn every_grant_round_trips_and_the_code_example_parses() {
        let parsed = TokenRequest::from_form(SPEC_CODE_REQUEST.as_bytes()).unwrap();
        let expected = TokenRequest::AuthorizationCode {
            code: "SplxlOBeZQQYbYS6WxSbIA".into(),
            redirect_uri: "https://Wallet.example.org/cb".into(),
            code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            client_id: "s6BhdRkqt3".into(),
        };
        assert_eq!(parsed, expected);
        assert_eq!(expected.to_form(), SPEC_CODE_REQUEST);
        let refresh = TokenRequest::RefreshToken {
            refresh_token: "tGzv3JOkF0XG5Qx2TlKWIA".into(),
            client_id: "s6BhdRkqt3".into(),
        };
        assert_eq!(
            TokenRequest::from_form(refresh.to_form().as_bytes()).unwrap(),
            refresh
        );
        assert!(matches!(
            TokenRequest::from_form(SPEC_REQUEST.as_bytes()).unwrap(),
            TokenRequest::PreAuthorized(_)
        ));
        for bad in [
            "grant_type=authorization_code&code=a&redirect_uri=r&client_id=c",
            "grant_type=authorization_code&code=a&code_verifier=short&redirect_uri=r&client_id=c",
            "grant_type=authorization_code&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&redirect_uri=r&client_id=c",
            "grant_type=refresh_token&client_id=c",
            "grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=c",
            "grant_type=password&username=a",
            "",
        ] {
            assert!(TokenRequest::from_form(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_token_messages_are_refused() {
        for body in [
            "",
            "grant_type=authorization_code&code=x",
            "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=",
            "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=a&pre-authorized_code=b",
            "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=%G0",
        ] {
            assert!(
                PreAuthorizedTokenRequest::from_form(body.as_bytes()).is_err(),
                "{body}"
            );
        }
        assert!(PreAuthorizedTokenRequest::from_form(b"\xff").is_err());
        for json in [
            "",
            "{}",
            r#"{"access_token":"","token_type":"Bearer"}"#,
            r#"{"access_token":"x","token_type":"MAC"}"#,
            r#"{"access_token":"x","token_type":"Bearer","expires_in":-1}"#,
            r#"{"access_token":7,"token_type":"Bearer"}"#,
        ] {
            assert!(TokenResponse::from_json(json.as_bytes()).is_err(), "{json}");
        }
        let response = TokenResponse::from_json(SPEC_RESPONSE.as_bytes()).unwrap();
        assert!(!format!("{response:?}").contains("eyJhbGci"));
    }
}
