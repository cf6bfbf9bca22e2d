//! Credential Issuer metadata (OpenID4VCI 1.0 §12.2), served at
//! `/.well-known/openid-credential-issuer`, with `mso_mdoc` configurations (Appendix A.2.2), and
//! OAuth 2.0 Authorization Server metadata (§12.3, RFC 8414 §2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::offer::check_url;
use super::{FORMAT_MSO_MDOC, MAX_JSON, Oid4vciError, parse_json, to_json};
use crate::online::url::UrlPolicy;

/// The well-known path of Credential Issuer metadata (§12.2.2).
pub const ISSUER_WELL_KNOWN: &str = "/.well-known/openid-credential-issuer";

/// The well-known path of Authorization Server metadata (RFC 8414 §3).
pub const AS_WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

/// Most credential configurations accepted in one metadata document.
pub const MAX_CONFIGURATIONS: usize = 256;

/// Credential Issuer metadata (§12.2.4). Members the wallet does not use are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialIssuerMetadata {
    /// The Credential Issuer Identifier; must equal the one the metadata was fetched for.
    pub credential_issuer: String,
    /// Authorization servers the issuer relies on (absent: the issuer is its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_servers: Option<Vec<String>>,
    /// The Credential Endpoint.
    pub credential_endpoint: String,
    /// The Nonce Endpoint (absent: no `c_nonce` is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_endpoint: Option<String>,
    /// The Deferred Credential Endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_credential_endpoint: Option<String>,
    /// The Notification Endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_endpoint: Option<String>,
    /// Batch issuance support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_credential_issuance: Option<BatchCredentialIssuance>,
    /// How to show the issuer, per locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Vec<Display>>,
    /// The credentials the issuer issues, by configuration id.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

/// `batch_credential_issuance` (§12.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCredentialIssuance {
    /// The most proofs one Credential Request may carry (2 or more).
    pub batch_size: u32,
}

/// A display entry (§12.2.4 `display`): name, locale and logo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Display {
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Logo>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CSS background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// CSS text colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
}

/// A logo (§12.2.4 `logo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logo {
    /// Where to get it (`https:` or `data:`).
    pub uri: String,
    /// Alternative text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// One entry of `credential_configurations_supported` (§12.2.4, Appendix A.2.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialConfiguration {
    /// The format; this wallet takes `mso_mdoc`.
    pub format: String,
    /// The mdoc doc type (required for `mso_mdoc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctype: Option<String>,
    /// An OAuth scope for this configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// COSE algorithm identifiers of the IssuerAuth signature (for `mso_mdoc`: numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_signing_alg_values_supported: Option<Vec<serde_json::Value>>,
    /// How the credential is bound to a key (e.g. `cose_key`, `jwk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptographic_binding_methods_supported: Option<Vec<String>>,
    /// Accepted key proofs, by proof type (`jwt`, `attestation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_types_supported: Option<BTreeMap<String, ProofType>>,
    /// Display and claim descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_metadata: Option<CredentialMetadata>,
}

/// One proof type's parameters (§12.2.4 `proof_types_supported`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProofType {
    /// JOSE algorithm names accepted for the proof (e.g. `ES256`).
    pub proof_signing_alg_values_supported: Vec<String>,
    /// Key attestation requirements, kept as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_attestations_required: Option<serde_json::Value>,
}

/// `credential_metadata` (§12.2.4): display per locale and claims, kept as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialMetadata {
    /// Display entries per locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Vec<Display>>,
    /// Claims descriptions (Appendix B.2), kept as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<serde_json::Value>>,
}

impl CredentialConfiguration {
    /// Whether this is an `mso_mdoc` configuration of `doc_type`.
    pub fn is_mdoc(&self, doc_type: &str) -> bool {
        self.format == FORMAT_MSO_MDOC && self.doctype.as_deref() == Some(doc_type)
    }

    /// Whether the `jwt` proof type is accepted with ES256 (or no proof type is listed, when the
    /// issuer needs no proof).
    pub fn accepts_es256_jwt_proof(&self) -> bool {
        self.proof_types_supported.as_ref().is_none_or(|types| {
            types.get("jwt").is_some_and(|jwt| {
                jwt.proof_signing_alg_values_supported
                    .iter()
                    .any(|a| a == "ES256")
            })
        })
    }

    /// The display entry for `locale` (exact tag, then its language, then the first).
    pub fn display_for(&self, locale: &str) -> Option<&Display> {
        let entries = self.credential_metadata.as_ref()?.display.as_ref()?;
        pick_locale(entries, locale)
    }
}

/// The display entry best matching `locale`: the exact tag (case-insensitive), then one with the
/// same primary language, then the first.
pub fn pick_locale<'a>(entries: &'a [Display], locale: &str) -> Option<&'a Display> {
    let language = |tag: &str| tag.split('-').next().unwrap_or("").to_ascii_lowercase();
    entries
        .iter()
        .find(|d| {
            d.locale
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(locale))
        })
        .or_else(|| {
            entries.iter().find(|d| {
                d.locale
                    .as_deref()
                    .is_some_and(|l| language(l) == language(locale))
            })
        })
        .or_else(|| entries.first())
}

impl CredentialIssuerMetadata {
    /// Parses and checks metadata fetched for `expected_issuer` (§12.2.2: the
    /// `credential_issuer` must be identical to it; endpoints must be `https`; `batch_size` must
    /// be 2 or more; an `mso_mdoc` configuration must name its `doctype`).
    pub fn from_json(bytes: &[u8], expected_issuer: &str) -> Result<Self, Oid4vciError> {
        Self::from_json_with(bytes, expected_issuer, UrlPolicy::HttpsOnly)
    }

    /// [`Self::from_json`] with every URL checked by `policy`.
    pub fn from_json_with(
        bytes: &[u8],
        expected_issuer: &str,
        policy: UrlPolicy,
    ) -> Result<Self, Oid4vciError> {
        let metadata: CredentialIssuerMetadata =
            parse_json(bytes, MAX_JSON, "credential issuer metadata")?;
        if metadata.credential_issuer != expected_issuer {
            return Err(Oid4vciError::Invalid(
                "credential_issuer is not the issuer the metadata was fetched for",
            ));
        }
        metadata.check(policy)?;
        Ok(metadata)
    }

    fn check(&self, policy: UrlPolicy) -> Result<(), Oid4vciError> {
        check_url(
            &self.credential_issuer,
            policy,
            "credential_issuer is not an https URL",
        )?;
        check_url(
            &self.credential_endpoint,
            policy,
            "credential_endpoint is not https",
        )?;
        for endpoint in [
            &self.nonce_endpoint,
            &self.deferred_credential_endpoint,
            &self.notification_endpoint,
        ]
        .into_iter()
        .flatten()
        {
            check_url(endpoint, policy, "an endpoint is not https")?;
        }
        if let Some(servers) = &self.authorization_servers {
            if servers.is_empty() {
                return Err(Oid4vciError::Invalid("authorization_servers is empty"));
            }
            for server in servers {
                check_url(server, policy, "an authorization server is not https")?;
            }
        }
        if self
            .batch_credential_issuance
            .is_some_and(|b| b.batch_size < 2)
        {
            return Err(Oid4vciError::Invalid("batch_size below 2"));
        }
        let configurations = &self.credential_configurations_supported;
        if configurations.len() > MAX_CONFIGURATIONS {
            return Err(Oid4vciError::TooLarge(
                "credential_configurations_supported",
            ));
        }
        for configuration in configurations.values() {
            if configuration.format == FORMAT_MSO_MDOC && configuration.doctype.is_none() {
                return Err(Oid4vciError::Invalid(
                    "an mso_mdoc configuration has no doctype",
                ));
            }
        }
        Ok(())
    }

    /// The metadata as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }

    /// The most proofs one request may carry: `batch_size`, or 1 without batch support.
    pub fn batch_size(&self) -> usize {
        self.batch_credential_issuance
            .map_or(1, |b| usize::try_from(b.batch_size).unwrap_or(usize::MAX))
    }

    /// The URL of the metadata of issuer `issuer` (§12.2.2: the well-known suffix goes between
    /// the host and any path).
    pub fn url_for(issuer: &str) -> String {
        well_known_url(issuer, ISSUER_WELL_KNOWN)
    }
}

/// The well-known URL of `identifier`, keeping its scheme (`https`, or `http` for a loopback
/// issuer under test; anything else was refused when the identifier was parsed).
fn well_known_url(identifier: &str, suffix: &str) -> String {
    let (scheme, rest) = identifier
        .split_once("://")
        .unwrap_or(("https", identifier));
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        format!("{scheme}://{host}{suffix}")
    } else {
        format!("{scheme}://{host}{suffix}/{path}")
    }
}

/// OAuth 2.0 Authorization Server metadata (RFC 8414 §2, OpenID4VCI §12.3), the members the
/// wallet uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    /// The authorization server's issuer identifier.
    pub issuer: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The authorization endpoint (authorization code grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// The pushed authorization request endpoint (RFC 9126).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// PKCE methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Grant types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types_supported: Option<Vec<String>>,
    /// DPoP algorithms (RFC 9449 §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// Whether a token request without `client_id` is accepted (§12.3).
    #[serde(
        rename = "pre-authorized_grant_anonymous_access_supported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_grant_anonymous_access_supported: Option<bool>,
}

impl AuthorizationServerMetadata {
    /// Parses and checks metadata fetched for `expected_issuer` (RFC 8414 §3.3: `issuer` must
    /// be identical; endpoints `https`).
    pub fn from_json(bytes: &[u8], expected_issuer: &str) -> Result<Self, Oid4vciError> {
        Self::from_json_with(bytes, expected_issuer, UrlPolicy::HttpsOnly)
    }

    /// [`Self::from_json`] with every URL checked by `policy`.
    pub fn from_json_with(
        bytes: &[u8],
        expected_issuer: &str,
        policy: UrlPolicy,
    ) -> Result<Self, Oid4vciError> {
        let metadata: AuthorizationServerMetadata =
            parse_json(bytes, MAX_JSON, "authorization server metadata")?;
        if metadata.issuer != expected_issuer {
            return Err(Oid4vciError::Invalid(
                "issuer is not the server the metadata was fetched for",
            ));
        }
        check_url(&metadata.issuer, policy, "issuer is not https")?;
        check_url(
            &metadata.token_endpoint,
            policy,
            "token_endpoint is not https",
        )?;
        for endpoint in [
            &metadata.authorization_endpoint,
            &metadata.pushed_authorization_request_endpoint,
        ]
        .into_iter()
        .flatten()
        {
            check_url(endpoint, policy, "an endpoint is not https")?;
        }
        Ok(metadata)
    }

    /// The metadata as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }

    /// The URL of the metadata of authorization server `issuer` (RFC 8414 §3.1).
    pub fn url_for(issuer: &str) -> String {
        well_known_url(issuer, AS_WELL_KNOWN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID4VCI 1.0 Appendix A.2.2, examples/credential_metadata_mso_mdoc.json (the
    /// `credential_configurations_supported` object), wrapped in the §12.2.4 members it needs.
    fn spec_metadata() -> String {
        let configurations = r##"{
    "org.iso.18013.5.1.mDL": {
      "format": "mso_mdoc",
      "doctype": "org.iso.18013.5.1.mDL",
      "cryptographic_binding_methods_supported": [
        "cose_key"
      ],
      "credential_signing_alg_values_supported": [
        -7, -9
      ],
      "credential_metadata": {
        "display": [
          {
            "name": "Mobile Driving License",
            "locale": "en-US",
            "logo": {
              "uri": "https://state.example.org/public/mdl.png",
              "alt_text": "state mobile driving license"
            },
            "background_color": "#12107c",
            "text_color": "#FFFFFF"
          },
          {
            "name": "モバイル運転免許証",
            "locale": "ja-JP",
            "logo": {
              "uri": "https://state.example.org/public/mdl.png",
              "alt_text": "米国州発行のモバイル運転免許証"
            },
            "background_color": "#12107c",
            "text_color": "#FFFFFF"
          }
        ],
        "claims": [
          {
            "path": ["org.iso.18013.5.1", "given_name"],
            "display": [
              {
                "name": "Given Name",
                "locale": "en-US"
              },
              {
                "name": "名前",
                "locale": "ja-JP"
              }
            ]
          },
          {
            "path": ["org.iso.18013.5.1", "family_name"],
            "display": [
              {
                "name": "Surname",
                "locale": "en-US"
              }
            ]
          },
          {
            "path": ["org.iso.18013.5.1", "birth_date"],
            "mandatory": true
          },
          {"path": ["org.iso.18013.5.1.aamva", "organ_donor"]}
        ]
      }
    }
  }"##;
        format!(
            r#"{{"credential_issuer":"https://credential-issuer.example.com",
            "credential_endpoint":"https://credential-issuer.example.com/credential",
            "nonce_endpoint":"https://credential-issuer.example.com/nonce",
            "batch_credential_issuance":{{"batch_size":10}},
            "credential_configurations_supported":{configurations}}}"#
        )
    }

    #[test]
    fn the_specification_mdoc_metadata_parses() {
        let json = spec_metadata();
        let metadata = CredentialIssuerMetadata::from_json(
            json.as_bytes(),
            "https://credential-issuer.example.com",
        )
        .unwrap();
        let mdl = &metadata.credential_configurations_supported["org.iso.18013.5.1.mDL"];
        assert!(mdl.is_mdoc("org.iso.18013.5.1.mDL"));
        assert_eq!(
            mdl.credential_signing_alg_values_supported,
            Some(vec![serde_json::json!(-7), serde_json::json!(-9)])
        );
        assert_eq!(metadata.batch_size(), 10);
        assert_eq!(
            mdl.display_for("ja-JP").and_then(|d| d.name.as_deref()),
            Some("モバイル運転免許証")
        );
        assert_eq!(
            mdl.display_for("en-GB").and_then(|d| d.name.as_deref()),
            Some("Mobile Driving License")
        );
        assert_eq!(
            mdl.credential_metadata
                .as_ref()
                .unwrap()
                .claims
                .as_ref()
                .unwrap()
                .len(),
            4
        );
        // No proof_types_supported: no proof is required.
        assert!(mdl.accepts_es256_jwt_proof());
        let again = CredentialIssuerMetadata::from_json(
            &metadata.to_json(),
            "https://credential-issuer.example.com",
        )
        .unwrap();
        assert_eq!(again, metadata);
    }

    #[test]
    fn well_known_urls_follow_the_specification() {
        // §12.2.2: "https://issuer.example.com/tenant" ->
        // "https://issuer.example.com/.well-known/openid-credential-issuer/tenant".
        assert_eq!(
            CredentialIssuerMetadata::url_for("https://issuer.example.com/tenant"),
            "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
        );
        assert_eq!(
            CredentialIssuerMetadata::url_for("https://issuer.example.com"),
            "https://issuer.example.com/.well-known/openid-credential-issuer"
        );
        assert_eq!(
            AuthorizationServerMetadata::url_for("https://as.example.com"),
            "https://as.example.com/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn loopback_http_metadata_only_behind_the_test_switch() {
        let https = "https://credential-issuer.example.com";
        for loopback in [
            "http://127.0.0.1:8080",
            "http://[::1]:9",
            "http://localhost",
        ] {
            let json = spec_metadata().replace(https, loopback);
            assert_eq!(
                CredentialIssuerMetadata::from_json(json.as_bytes(), loopback),
                Err(Oid4vciError::Invalid(
                    "credential_issuer is not an https URL"
                )),
                "refused by default: {loopback}"
            );
            let parsed = CredentialIssuerMetadata::from_json_with(
                json.as_bytes(),
                loopback,
                UrlPolicy::AllowInsecureLoopback,
            )
            .unwrap();
            assert_eq!(parsed.credential_endpoint, format!("{loopback}/credential"));
            assert_eq!(
                CredentialIssuerMetadata::url_for(loopback),
                format!("{loopback}/.well-known/openid-credential-issuer")
            );
            let as_json =
                format!(r#"{{"issuer":"{loopback}","token_endpoint":"{loopback}/token"}}"#);
            assert!(AuthorizationServerMetadata::from_json(as_json.as_bytes(), loopback).is_err());
            assert!(
                AuthorizationServerMetadata::from_json_with(
                    as_json.as_bytes(),
                    loopback,
                    UrlPolicy::AllowInsecureLoopback
                )
                .is_ok()
            );
        }
        for look_alike in [
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://10.0.0.1",
        ] {
            let json = spec_metadata().replace(https, look_alike);
            assert!(
                CredentialIssuerMetadata::from_json_with(
                    json.as_bytes(),
                    look_alike,
                    UrlPolicy::AllowInsecureLoopback
                )
                .is_err(),
                "{look_alike}"
            );
        }
        // A loopback issuer may not point its endpoints elsewhere in the clear.
        let json = spec_metadata()
            .replace(https, "http://127.0.0.1:8080")
            .replace(
                "http://127.0.0.1:8080/credential",
                "http://evil.example/credential",
            );
        assert!(
            CredentialIssuerMetadata::from_json_with(
                json.as_bytes(),
                "http://127.0.0.1:8080",
                UrlPolicy::AllowInsecureLoopback
            )
            .is_err()
        );
    }

    #[test]
    fn bad_metadata_is_refused() {
        let good = spec_metadata();
        let issuer = "https://credential-issuer.example.com";
        assert!(
            CredentialIssuerMetadata::from_json(good.as_bytes(), "https://other.example").is_err()
        );
        for (from, to) in [
            ("\"batch_size\":10", "\"batch_size\":1"),
            ("\"batch_size\":10", "\"batch_size\":-3"),
            ("\"doctype\": \"org.iso.18013.5.1.mDL\",", ""),
            (
                "https://credential-issuer.example.com/credential",
                "http://x/credential",
            ),
            ("https://credential-issuer.example.com/nonce", "ftp://x"),
            ("\"credential_configurations_supported\"", "\"x\""),
        ] {
            let bad = good.replacen(from, to, 1);
            assert_ne!(bad, good);
            assert!(
                CredentialIssuerMetadata::from_json(bad.as_bytes(), issuer).is_err(),
                "{to}"
            );
        }
        for garbage in [
            &b""[..],
            b"{}",
            b"[1]",
            b"\xff\xfe",
            b"{\"credential_issuer\":1}",
        ] {
            assert!(CredentialIssuerMetadata::from_json(garbage, issuer).is_err());
            assert!(AuthorizationServerMetadata::from_json(garbage, issuer).is_err());
        }
        let huge = vec![b' '; MAX_JSON + 1];
        assert!(matches!(
            CredentialIssuerMetadata::from_json(&huge, issuer),
            Err(Oid4vciError::TooLarge(_))
        ));
    }

    #[test]
    fn authorization_server_metadata_parses_and_checks_the_issuer() {
        // RFC 8414 §3.2 example, trimmed to the members used here, plus §12.3's parameter.
        let json = br#"{
          "issuer": "https://server.example.com",
          "authorization_endpoint": "https://server.example.com/authorize",
          "token_endpoint": "https://server.example.com/token",
          "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
          "response_types_supported": ["code", "code token"],
          "pre-authorized_grant_anonymous_access_supported": true
        }"#;
        let metadata =
            AuthorizationServerMetadata::from_json(json, "https://server.example.com").unwrap();
        assert_eq!(metadata.token_endpoint, "https://server.example.com/token");
        assert_eq!(
            metadata.pre_authorized_grant_anonymous_access_supported,
            Some(true)
        );
        assert!(AuthorizationServerMetadata::from_json(json, "https://evil.example").is_err());
    }
}
