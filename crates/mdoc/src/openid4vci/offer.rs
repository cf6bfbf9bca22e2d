//! The Credential Offer (OpenID4VCI 1.0 §4.1): what an issuer hands the wallet, as a QR code or
//! link `openid-credential-offer://?credential_offer=…` (by value, §4.1.2) or
//! `…?credential_offer_uri=…` (by reference, §4.1.3).

use serde::{Deserialize, Serialize};

use super::{MAX_JSON, Oid4vciError, check_token, parse_json, to_json};
use crate::online::form;
use crate::online::url::UrlPolicy;

/// The URI scheme of a credential offer (§4.1).
pub const OFFER_SCHEME: &str = "openid-credential-offer://";

/// Most credential configurations one offer may name.
pub const MAX_CONFIGURATIONS: usize = 64;

/// A Credential Offer object (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// The Credential Issuer Identifier (an `https` URL).
    pub credential_issuer: String,
    /// Keys into the issuer metadata's `credential_configurations_supported`.
    pub credential_configuration_ids: Vec<String>,
    /// The grants the wallet may use.
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// The `grants` of an offer (§4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// The authorization code grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<AuthorizationCodeGrant>,
    /// The pre-authorized code grant.
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
}

impl Grants {
    fn is_empty(&self) -> bool {
        self.authorization_code.is_none() && self.pre_authorized_code.is_none()
    }
}

/// The authorization code grant of an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCodeGrant {
    /// Opaque state to send back in the authorization request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_state: Option<String>,
    /// Which authorization server to use, when the issuer names several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// The pre-authorized code grant of an offer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    /// The code, exchanged at the token endpoint (short-lived, single use).
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// Present when the token request must carry a transaction code the citizen types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
    /// Which authorization server to use, when the issuer names several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

impl std::fmt::Debug for PreAuthorizedCodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreAuthorizedCodeGrant")
            .field("tx_code", &self.tx_code)
            .finish_non_exhaustive()
    }
}

/// How the transaction code is entered (§4.1.1 `tx_code`); every member optional, and an empty
/// object still means a code is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxCode {
    /// `numeric` (the default) or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    /// The code's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Guidance for the citizen (at most 300 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Longest `tx_code.description` (§4.1.1: 300 characters).
pub const MAX_TX_CODE_DESCRIPTION: usize = 300;

impl CredentialOffer {
    /// Parses a Credential Offer object (from the URI, or the body fetched from
    /// `credential_offer_uri`) and checks it: an `https` issuer, 1 to [`MAX_CONFIGURATIONS`]
    /// unique configuration ids, bounded codes, a valid `tx_code`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        Self::from_json_with(bytes, UrlPolicy::HttpsOnly)
    }

    /// [`Self::from_json`] with the issuer URL checked by `policy` (a test against a loopback
    /// issuer passes [`UrlPolicy::AllowInsecureLoopback`]).
    pub fn from_json_with(bytes: &[u8], policy: UrlPolicy) -> Result<Self, Oid4vciError> {
        let offer: CredentialOffer = parse_json(bytes, MAX_JSON, "credential offer")?;
        offer.check(policy)?;
        Ok(offer)
    }

    /// The offer as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }

    fn check(&self, policy: UrlPolicy) -> Result<(), Oid4vciError> {
        check_url(
            &self.credential_issuer,
            policy,
            "credential_issuer is not an https URL",
        )?;
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() || ids.len() > MAX_CONFIGURATIONS {
            return Err(Oid4vciError::Invalid("credential_configuration_ids count"));
        }
        let mut unique = std::collections::BTreeSet::new();
        for id in ids {
            check_token(id, "credential_configuration_id")?;
            if !unique.insert(id) {
                return Err(Oid4vciError::Invalid(
                    "credential_configuration_ids are not unique",
                ));
            }
        }
        if let Some(grant) = &self.grants.pre_authorized_code {
            check_token(&grant.pre_authorized_code, "pre-authorized_code")?;
            if let Some(tx) = &grant.tx_code {
                if tx
                    .input_mode
                    .as_deref()
                    .is_some_and(|m| m != "numeric" && m != "text")
                {
                    return Err(Oid4vciError::Invalid("tx_code.input_mode"));
                }
                if tx
                    .description
                    .as_deref()
                    .is_some_and(|d| d.chars().count() > MAX_TX_CODE_DESCRIPTION)
                {
                    return Err(Oid4vciError::Invalid("tx_code.description too long"));
                }
                if tx.length.is_some_and(|l| l == 0 || l > 64) {
                    return Err(Oid4vciError::Invalid("tx_code.length"));
                }
            }
        }
        Ok(())
    }
}

/// Refuses a URL longer than [`super::MAX_TOKEN_LEN`] or not allowed by `policy` (`https://`
/// with a host; `http://` to an exact loopback host only under the test switch).
pub(crate) fn check_url(
    url: &str,
    policy: UrlPolicy,
    what: &'static str,
) -> Result<(), Oid4vciError> {
    if url.len() <= super::MAX_TOKEN_LEN && policy.allows(url) {
        Ok(())
    } else {
        Err(Oid4vciError::Invalid(what))
    }
}

/// What an offer URI carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferSource {
    /// The offer itself (`credential_offer`).
    Value(CredentialOffer),
    /// Where to GET it (`credential_offer_uri`, an `https` URL).
    Reference(String),
}

/// Parses an `openid-credential-offer://?…` URI (also accepting the `https://…?…` form of a
/// universal link) with exactly one of `credential_offer` or `credential_offer_uri` (§4.1).
pub fn parse_offer_uri(uri: &str) -> Result<OfferSource, Oid4vciError> {
    parse_offer_uri_with(uri, UrlPolicy::HttpsOnly)
}

/// [`parse_offer_uri`] with the issuer and `credential_offer_uri` checked by `policy`.
pub fn parse_offer_uri_with(uri: &str, policy: UrlPolicy) -> Result<OfferSource, Oid4vciError> {
    if uri.len() > MAX_JSON * 3 {
        return Err(Oid4vciError::TooLarge("credential offer URI"));
    }
    let query = uri
        .strip_prefix(OFFER_SCHEME)
        .or_else(|| uri.strip_prefix("https://"))
        .and_then(|rest| rest.split_once('?'))
        .map(|(_, query)| query)
        .ok_or(Oid4vciError::Malformed("credential offer URI"))?;
    let parameters =
        form::decode(query).map_err(|_| Oid4vciError::Malformed("credential offer URI"))?;
    let value = parameters.iter().find(|(n, _)| n == "credential_offer");
    let reference = parameters.iter().find(|(n, _)| n == "credential_offer_uri");
    match (value, reference) {
        (Some((_, json)), None) => Ok(OfferSource::Value(CredentialOffer::from_json_with(
            json.as_bytes(),
            policy,
        )?)),
        (None, Some((_, url))) => {
            check_url(url, policy, "credential_offer_uri is not an https URL")?;
            Ok(OfferSource::Reference(url.clone()))
        }
        _ => Err(Oid4vciError::Invalid(
            "exactly one of credential_offer and credential_offer_uri",
        )),
    }
}

/// The offer URI carrying `offer` by value.
pub fn offer_uri_by_value(offer: &CredentialOffer) -> String {
    let json = String::from_utf8(offer.to_json()).unwrap_or_default();
    format!(
        "{OFFER_SCHEME}?{}",
        form::encode([("credential_offer", json.as_str())])
    )
}

/// The offer URI pointing at `url`.
pub fn offer_uri_by_reference(url: &str) -> String {
    format!(
        "{OFFER_SCHEME}?{}",
        form::encode([("credential_offer_uri", url)])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID4VCI 1.0 §4.1.1, examples/credential_offer_multiple_credentials.json.
    const MULTIPLE: &str = r#"{
  "credential_issuer": "https://credential-issuer.example.com",
  "credential_configuration_ids": [
    "UniversityDegreeCredential",
    "org.iso.18013.5.1.mDL"
  ],
  "grants": {
    "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
      "pre-authorized_code": "oaKazRN8I0IbtZ0C7JuMn5",
      "tx_code": {
        "length": 4,
        "input_mode": "numeric",
        "description": "Please provide the one-time code that was sent via e-mail"
      }
    }
  }
}"#;

    /// OpenID4VCI 1.0 §4.1.3, examples/credential_offer_authz_code.txt (body).
    const AUTHZ_CODE: &str = r#"{
  "credential_issuer": "https://credential-issuer.example.com",
  "credential_configuration_ids": [
    "UniversityDegreeCredential"
  ],
  "grants": {
    "authorization_code": {
      "issuer_state": "eyJhbGciOiJSU0Et...FYUaBy"
    }
  }
}"#;

    /// OpenID4VCI 1.0 §4.1.3, examples/credential_offer_by_reference.json.
    const BY_REFERENCE_BODY: &str = r#"{
  "credential_issuer": "https://credential-issuer.example.com",
  "credential_configuration_ids": [
    "UniversityDegree_LDP_VC"
  ],
  "grants": {
    "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
      "pre-authorized_code": "adhjhdjajkdkhjhdj",
      "tx_code": {}
    }
  }
}"#;

    /// OpenID4VCI 1.0 §4.1.2, the native-app URI example (line breaks removed).
    const BY_VALUE_URI: &str = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22:%22https://credential-issuer.example.com%22,%22credential_configuration_ids%22:%5B%22org.iso.18013.5.1.mDL%22%5D,%22grants%22:%7B%22urn:ietf:params:oauth:grant-type:pre-authorized_code%22:%7B%22pre-authorized_code%22:%22oaKazRN8I0IbtZ0C7JuMn5%22,%22tx_code%22:%7B%22input_mode%22:%22text%22,%22description%22:%22Please%20enter%20the%20serial%20number%20of%20your%20physical%20drivers%20license%22%7D%7D%7D%7D";

    /// OpenID4VCI 1.0 §4.1.3, the QR-code URI example (line breaks removed).
    const BY_REFERENCE_URI: &str = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fserver%2Eexample%2Ecom%2Fcredential-offer%2FGkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM";

    #[test]
    fn the_specification_offers_parse() {
        let offer = CredentialOffer::from_json(MULTIPLE.as_bytes()).unwrap();
        assert_eq!(
            offer.credential_configuration_ids[1],
            "org.iso.18013.5.1.mDL"
        );
        let grant = offer.grants.pre_authorized_code.as_ref().unwrap();
        assert_eq!(grant.pre_authorized_code, "oaKazRN8I0IbtZ0C7JuMn5");
        let tx = grant.tx_code.as_ref().unwrap();
        assert_eq!(
            (tx.length, tx.input_mode.as_deref()),
            (Some(4), Some("numeric"))
        );

        let authz = CredentialOffer::from_json(AUTHZ_CODE.as_bytes()).unwrap();
        assert!(authz.grants.pre_authorized_code.is_none());
        assert_eq!(
            authz
                .grants
                .authorization_code
                .unwrap()
                .issuer_state
                .as_deref(),
            Some("eyJhbGciOiJSU0Et...FYUaBy")
        );

        let empty_tx = CredentialOffer::from_json(BY_REFERENCE_BODY.as_bytes()).unwrap();
        let grant = empty_tx.grants.pre_authorized_code.unwrap();
        assert_eq!(
            grant.tx_code,
            Some(TxCode::default()),
            "{{}} still asks for a code"
        );
    }

    #[test]
    fn the_specification_uris_parse() {
        let OfferSource::Value(offer) = parse_offer_uri(BY_VALUE_URI).unwrap() else {
            panic!("by value");
        };
        assert_eq!(
            offer.credential_issuer,
            "https://credential-issuer.example.com"
        );
        let tx = offer.grants.pre_authorized_code.unwrap().tx_code.unwrap();
        assert_eq!(tx.input_mode.as_deref(), Some("text"));
        assert_eq!(
            parse_offer_uri(BY_REFERENCE_URI).unwrap(),
            OfferSource::Reference(
                "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
                    .into()
            )
        );
    }

    #[test]
    fn our_uris_round_trip() {
        let offer = CredentialOffer::from_json(MULTIPLE.as_bytes()).unwrap();
        assert_eq!(
            parse_offer_uri(&offer_uri_by_value(&offer)).unwrap(),
            OfferSource::Value(offer)
        );
        let url = "https://issuer.example/offer/1?x=y&z=1";
        assert_eq!(
            parse_offer_uri(&offer_uri_by_reference(url)).unwrap(),
            OfferSource::Reference(url.into())
        );
    }

    #[test]
    fn loopback_http_offers_only_behind_the_test_switch() {
        let offer = MULTIPLE.replace(
            "https://credential-issuer.example.com",
            "http://127.0.0.1:4000",
        );
        assert!(CredentialOffer::from_json(offer.as_bytes()).is_err());
        let parsed =
            CredentialOffer::from_json_with(offer.as_bytes(), UrlPolicy::AllowInsecureLoopback)
                .unwrap();
        assert_eq!(parsed.credential_issuer, "http://127.0.0.1:4000");
        let by_value = offer_uri_by_value(&parsed);
        assert!(parse_offer_uri(&by_value).is_err());
        assert!(parse_offer_uri_with(&by_value, UrlPolicy::AllowInsecureLoopback).is_ok());

        let by_reference = offer_uri_by_reference("http://[::1]:4000/offer/abc");
        assert!(parse_offer_uri(&by_reference).is_err());
        assert_eq!(
            parse_offer_uri_with(&by_reference, UrlPolicy::AllowInsecureLoopback).unwrap(),
            OfferSource::Reference("http://[::1]:4000/offer/abc".into())
        );
        for look_alike in [
            "http://127.0.0.1.evil.example/offer",
            "http://localhost.evil.example/offer",
            "http://user@127.0.0.2/offer",
        ] {
            let uri = offer_uri_by_reference(look_alike);
            assert!(
                parse_offer_uri_with(&uri, UrlPolicy::AllowInsecureLoopback).is_err(),
                "{look_alike}"
            );
        }
    }

    #[test]
    fn bad_offers_are_refused() {
        let cases: &[&[u8]] = &[
            b"",
            b"null",
            b"[]",
            b"{",
            br#"{"credential_issuer":"https://a.example"}"#,
            br#"{"credential_issuer":"http://a.example","credential_configuration_ids":["x"]}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":[]}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":["x","x"]}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":[""]}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":[1]}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{}}}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"input_mode":"voice"}}}}"#,
            br#"{"credential_issuer":"https://a.example","credential_configuration_ids":["x"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"length":-1}}}}"#,
        ];
        for case in cases {
            assert!(
                CredentialOffer::from_json(case).is_err(),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        let huge = vec![b' '; MAX_JSON + 1];
        assert_eq!(
            CredentialOffer::from_json(&huge),
            Err(Oid4vciError::TooLarge("credential offer"))
        );
        for uri in [
            "",
            "openid-credential-offer://",
            "openid-credential-offer://?",
            "openid-credential-offer://?credential_offer=%ZZ",
            "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fa.example%2Fo",
            "openid-credential-offer://?credential_offer={}&credential_offer_uri=https%3A%2F%2Fa",
            "openid-credential-offer://?credential_offer_uri=x&credential_offer_uri=y",
            "mailto:x?credential_offer={}",
        ] {
            assert!(parse_offer_uri(uri).is_err(), "{uri}");
        }
    }
}
