//! The Nonce (OpenID4VCI 1.0 §7), Credential (§8) and Deferred Credential (§9) endpoints'
//! messages, and the error responses (§6.3, §8.3.1, §9.3).

use serde::{Deserialize, Serialize};

use super::{
    MAX_BATCH, MAX_CREDENTIAL_RESPONSE, MAX_JSON, MAX_TOKEN_LEN, Oid4vciError, check_token,
    parse_json, to_json,
};

/// A Nonce Response (§7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    /// A fresh challenge for key proofs.
    pub c_nonce: String,
}

impl NonceResponse {
    /// Parses a Nonce Response.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let response: NonceResponse = parse_json(bytes, MAX_JSON, "nonce response")?;
        check_token(&response.c_nonce, "c_nonce")?;
        Ok(response)
    }

    /// The response as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// The `proofs` of a Credential Request (§8.2): exactly one proof type, a non-empty array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proofs {
    /// `jwt` proofs (Appendix F.1): JWS compact serialisations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<Vec<String>>,
    /// `attestation` proofs (Appendix F.3): key attestation JWTs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Vec<String>>,
}

/// A Credential Request (§8.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRequest {
    /// The credential configuration requested (when the token response had no identifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_configuration_id: Option<String>,
    /// The credential dataset requested (from the token response's `credential_identifiers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_identifier: Option<String>,
    /// The key proofs, one per credential asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proofs: Option<Proofs>,
}

impl CredentialRequest {
    /// Parses and checks a Credential Request: exactly one of `credential_configuration_id` and
    /// `credential_identifier`; `proofs`, when present, with exactly one proof type and 1 to
    /// [`MAX_BATCH`] proofs.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let request: CredentialRequest = parse_json(bytes, MAX_JSON, "credential request")?;
        match (
            &request.credential_configuration_id,
            &request.credential_identifier,
        ) {
            (Some(id), None) | (None, Some(id)) => check_token(id, "credential identifier")?,
            _ => {
                return Err(Oid4vciError::Invalid(
                    "exactly one of credential_configuration_id and credential_identifier",
                ));
            }
        }
        if let Some(proofs) = &request.proofs {
            let list = match (&proofs.jwt, &proofs.attestation) {
                (Some(list), None) | (None, Some(list)) => list,
                _ => {
                    return Err(Oid4vciError::Invalid(
                        "proofs must hold exactly one proof type",
                    ));
                }
            };
            if list.is_empty() || list.len() > MAX_BATCH {
                return Err(Oid4vciError::Invalid("proofs count"));
            }
            if list.iter().any(|p| p.is_empty() || p.len() > MAX_JSON / 4) {
                return Err(Oid4vciError::Invalid("a proof is empty or too long"));
            }
        }
        Ok(request)
    }

    /// The request as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }

    /// The `jwt` proofs, if that is the proof type.
    pub fn jwt_proofs(&self) -> Option<&[String]> {
        self.proofs.as_ref()?.jwt.as_deref()
    }
}

#[derive(Serialize, Deserialize)]
struct CredentialEntry {
    credential: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct RawCredentialResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credentials: Option<Vec<CredentialEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transaction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interval: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notification_id: Option<String>,
}

/// A Credential Response (§8.3) or Deferred Credential Response (§9.2).
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialResponse {
    /// Issued now (HTTP 200): the `credentials[].credential` strings as received.
    Issued {
        /// Each credential as sent: for `mso_mdoc`, base64url of an IssuerSigned.
        credentials: Vec<String>,
        /// For the notification endpoint.
        notification_id: Option<String>,
    },
    /// Issued later (HTTP 202): poll the deferred endpoint.
    Deferred {
        /// The deferred transaction.
        transaction_id: String,
        /// Seconds to wait before polling.
        interval: u64,
    },
}

impl std::fmt::Debug for CredentialResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialResponse::Issued { credentials, .. } => f
                .debug_struct("Issued")
                .field("credentials", &credentials.len())
                .finish_non_exhaustive(),
            CredentialResponse::Deferred { interval, .. } => f
                .debug_struct("Deferred")
                .field("interval", interval)
                .finish_non_exhaustive(),
        }
    }
}

impl CredentialResponse {
    /// Parses a (deferred) Credential Response of at most [`MAX_CREDENTIAL_RESPONSE`] bytes:
    /// either 1 to [`MAX_BATCH`] string credentials (the `mso_mdoc` encoding, Appendix A.2.4)
    /// or a `transaction_id` with a positive `interval`, never both (§8.3).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let raw: RawCredentialResponse =
            parse_json(bytes, MAX_CREDENTIAL_RESPONSE, "credential response")?;
        match (raw.credentials, raw.transaction_id) {
            (Some(entries), None) => {
                if raw.interval.is_some() {
                    return Err(Oid4vciError::Invalid("interval beside credentials"));
                }
                if entries.is_empty() || entries.len() > MAX_BATCH {
                    return Err(Oid4vciError::Invalid("credentials count"));
                }
                let credentials = entries
                    .into_iter()
                    .map(|e| match e.credential {
                        serde_json::Value::String(s) if !s.is_empty() => Ok(s),
                        _ => Err(Oid4vciError::Invalid(
                            "an mso_mdoc credential is not a base64url string",
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(id) = &raw.notification_id {
                    check_token(id, "notification_id")?;
                }
                Ok(CredentialResponse::Issued {
                    credentials,
                    notification_id: raw.notification_id,
                })
            }
            (None, Some(transaction_id)) => {
                check_token(&transaction_id, "transaction_id")?;
                let interval = raw
                    .interval
                    .filter(|i| *i > 0)
                    .ok_or(Oid4vciError::Invalid(
                        "deferred response without a positive interval",
                    ))?;
                Ok(CredentialResponse::Deferred {
                    transaction_id,
                    interval,
                })
            }
            _ => Err(Oid4vciError::Invalid(
                "exactly one of credentials and transaction_id",
            )),
        }
    }

    /// The response as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        let raw = match self {
            CredentialResponse::Issued {
                credentials,
                notification_id,
            } => RawCredentialResponse {
                credentials: Some(
                    credentials
                        .iter()
                        .map(|c| CredentialEntry {
                            credential: serde_json::Value::String(c.clone()),
                        })
                        .collect(),
                ),
                transaction_id: None,
                interval: None,
                notification_id: notification_id.clone(),
            },
            CredentialResponse::Deferred {
                transaction_id,
                interval,
            } => RawCredentialResponse {
                credentials: None,
                transaction_id: Some(transaction_id.clone()),
                interval: Some(*interval),
                notification_id: None,
            },
        };
        to_json(&raw)
    }
}

/// Decodes one `mso_mdoc` credential: base64url (unpadded; padding tolerated) of the
/// IssuerSigned CBOR (Appendix A.2.4).
pub fn decode_mdoc_credential(credential: &str) -> Result<Vec<u8>, Oid4vciError> {
    crate::base64url::decode(credential.trim_end_matches('='))
        .map_err(|_| Oid4vciError::Malformed("mso_mdoc credential base64url"))
}

/// Encodes IssuerSigned bytes as an `mso_mdoc` credential string.
pub fn encode_mdoc_credential(issuer_signed: &[u8]) -> String {
    crate::base64url::encode(issuer_signed)
}

/// A Deferred Credential Request (§9.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredCredentialRequest {
    /// The transaction from the 202 response.
    pub transaction_id: String,
}

impl DeferredCredentialRequest {
    /// Parses a Deferred Credential Request.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let request: DeferredCredentialRequest =
            parse_json(bytes, MAX_JSON, "deferred credential request")?;
        check_token(&request.transaction_id, "transaction_id")?;
        Ok(request)
    }

    /// The request as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

/// An OAuth / OpenID4VCI error response body (RFC 6749 §5.2, §6.3, §8.3.1, §9.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error code, e.g. `invalid_grant`, `invalid_proof`, `invalid_nonce`.
    pub error: String,
    /// Human-readable ASCII text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorResponse {
    /// An error with code `error`.
    pub fn new(error: &str) -> Self {
        ErrorResponse {
            error: error.to_owned(),
            error_description: None,
        }
    }

    /// Parses an error body; the code must be printable ASCII without `"` or `\` (RFC 6749
    /// §5.2) and at most [`MAX_TOKEN_LEN`] bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let response: ErrorResponse = parse_json(bytes, MAX_JSON, "error response")?;
        let printable = |s: &str| {
            s.bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
        };
        if response.error.is_empty()
            || response.error.len() > MAX_TOKEN_LEN
            || !printable(&response.error)
        {
            return Err(Oid4vciError::Invalid("error code"));
        }
        Ok(response)
    }

    /// The body as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID4VCI 1.0 Appendix A.2.4, examples/credential_response_mso_mdoc.txt (body).
    const MDOC_RESPONSE: &str = r#"{
  "credentials": [
    {
      "credential": "omppc3N1ZXJBdXRohEOhASahG...ArQwggKwMIICVqADAgEC"
    }
  ]
}"#;

    /// OpenID4VCI 1.0 §8.3, the batch example with notification_id.
    const BATCH_RESPONSE: &str = r#"{
  "credentials": [
    {
      "credential": "LUpixVCWJk0eOt4CXQe1NXK....WZwmhmn9OQp6YxX0a2L"
    },
    {
      "credential": "YXNkZnNhZGZkamZqZGFza23....29tZTIzMjMyMzIzMjMy"
    }
  ],
  "notification_id": "3fwe98js"
}"#;

    /// OpenID4VCI 1.0 §8.3, the deferred example.
    const DEFERRED_RESPONSE: &str = r#"{
  "transaction_id": "8xLOxBtZp8",
  "interval" : 3600
}"#;

    /// OpenID4VCI 1.0 §8.2, the mso_mdoc Credential Request example (line breaks removed).
    const MDOC_REQUEST: &str = r#"{
  "credential_configuration_id": "org.iso.18013.5.1.mDL",
  "proofs": {
    "jwt": [
      "eyJraWQiOiJkaWQ6ZXhhbXBsZTplYmZlYjFmNzEyZWJjNmYxYzI3NmUxMmVjMjEva2V5cy8xIiwiYWxnIjoiRVMyNTYiLCJ0eXAiOiJKV1QifQ"
    ]
  }
}"#;

    #[test]
    fn the_specification_credential_messages_parse() {
        let CredentialResponse::Issued {
            credentials,
            notification_id,
        } = CredentialResponse::from_json(MDOC_RESPONSE.as_bytes()).unwrap()
        else {
            panic!("issued");
        };
        assert_eq!(
            credentials,
            vec!["omppc3N1ZXJBdXRohEOhASahG...ArQwggKwMIICVqADAgEC"]
        );
        assert_eq!(notification_id, None);
        // The example is elided ("..."), so it is not valid base64url.
        assert!(decode_mdoc_credential(&credentials[0]).is_err());
        // Its real prefix is: "omppc3N1ZXJBdXRo" = a2 6a "issuerAuth".
        assert_eq!(
            decode_mdoc_credential("omppc3N1ZXJBdXRo").unwrap(),
            b"\xa2\x6aissuerAuth"
        );
        let batch = CredentialResponse::from_json(BATCH_RESPONSE.as_bytes()).unwrap();
        assert!(matches!(
            batch,
            CredentialResponse::Issued { ref credentials, notification_id: Some(ref n) }
                if credentials.len() == 2 && n == "3fwe98js"
        ));
        assert_eq!(
            CredentialResponse::from_json(DEFERRED_RESPONSE.as_bytes()).unwrap(),
            CredentialResponse::Deferred {
                transaction_id: "8xLOxBtZp8".into(),
                interval: 3600
            }
        );
        let request = CredentialRequest::from_json(MDOC_REQUEST.as_bytes()).unwrap();
        assert_eq!(
            request.credential_configuration_id.as_deref(),
            Some("org.iso.18013.5.1.mDL")
        );
        assert_eq!(request.jwt_proofs().unwrap().len(), 1);
        // §7.2 and §9.1 and §8.3.1 examples.
        assert_eq!(
            NonceResponse::from_json(br#"{"c_nonce": "wKI4LT17ac15ES9bw8ac4"}"#)
                .unwrap()
                .c_nonce,
            "wKI4LT17ac15ES9bw8ac4"
        );
        assert_eq!(
            DeferredCredentialRequest::from_json(br#"{"transaction_id": "8xLOxBtZp8"}"#)
                .unwrap()
                .transaction_id,
            "8xLOxBtZp8"
        );
        assert_eq!(
            ErrorResponse::from_json(br#"{"error": "unknown_credential_configuration"}"#)
                .unwrap()
                .error,
            "unknown_credential_configuration"
        );
    }

    #[test]
    fn our_messages_round_trip() {
        for response in [
            CredentialResponse::from_json(BATCH_RESPONSE.as_bytes()).unwrap(),
            CredentialResponse::from_json(DEFERRED_RESPONSE.as_bytes()).unwrap(),
        ] {
            assert_eq!(
                CredentialResponse::from_json(&response.to_json()).unwrap(),
                response
            );
        }
        let request = CredentialRequest::from_json(MDOC_REQUEST.as_bytes()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&request.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::from_str::<serde_json::Value>(MDOC_REQUEST).unwrap()
        );
        let bytes = [0u8, 1, 2, 250, 251, 252];
        assert_eq!(
            decode_mdoc_credential(&encode_mdoc_credential(&bytes)).unwrap(),
            bytes
        );
    }

    #[test]
    fn bad_credential_messages_are_refused() {
        for json in [
            "",
            "{}",
            r#"{"credentials":[]}"#,
            r#"{"credentials":[{"credential":{"a":1}}]}"#,
            r#"{"credentials":[{"credential":""}]}"#,
            r#"{"credentials":[{}]}"#,
            r#"{"credentials":[{"credential":"x"}],"transaction_id":"t"}"#,
            r#"{"credentials":[{"credential":"x"}],"interval":5}"#,
            r#"{"transaction_id":"t"}"#,
            r#"{"transaction_id":"t","interval":0}"#,
            r#"{"transaction_id":"","interval":3}"#,
        ] {
            assert!(
                CredentialResponse::from_json(json.as_bytes()).is_err(),
                "{json}"
            );
        }
        let many = format!(
            r#"{{"credentials":[{}]}}"#,
            vec![r#"{"credential":"AA"}"#; MAX_BATCH + 1].join(",")
        );
        assert!(CredentialResponse::from_json(many.as_bytes()).is_err());
        let huge = vec![b' '; MAX_CREDENTIAL_RESPONSE + 1];
        assert!(matches!(
            CredentialResponse::from_json(&huge),
            Err(Oid4vciError::TooLarge(_))
        ));
        for json in [
            "{}",
            r#"{"credential_configuration_id":"a","credential_identifier":"b"}"#,
            r#"{"credential_configuration_id":""}"#,
            r#"{"credential_configuration_id":"a","proofs":{}}"#,
            r#"{"credential_configuration_id":"a","proofs":{"jwt":[]}}"#,
            r#"{"credential_configuration_id":"a","proofs":{"jwt":["x"],"attestation":["y"]}}"#,
            r#"{"credential_configuration_id":"a","proofs":{"jwt":[""]}}"#,
        ] {
            assert!(
                CredentialRequest::from_json(json.as_bytes()).is_err(),
                "{json}"
            );
        }
        for json in ["", "{}", r#"{"c_nonce":""}"#, r#"{"c_nonce":5}"#] {
            assert!(NonceResponse::from_json(json.as_bytes()).is_err(), "{json}");
        }
        for json in ["", "{}", r#"{"transaction_id":""}"#] {
            assert!(
                DeferredCredentialRequest::from_json(json.as_bytes()).is_err(),
                "{json}"
            );
        }
        for json in [
            "",
            "{}",
            r#"{"error":""}"#,
            r#"{"error":"a\"b"}"#,
            r#"{"error":"é"}"#,
        ] {
            assert!(ErrorResponse::from_json(json.as_bytes()).is_err(), "{json}");
        }
        assert!(decode_mdoc_credential("not base64!").is_err());
    }
}
