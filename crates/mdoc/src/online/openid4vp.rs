//! OpenID for Verifiable Presentations 1.0, Appendix B.2.6: the SessionTranscripts an mdoc is
//! bound to when presented over OpenID4VP, by redirect (`OpenID4VPHandover`) or through the
//! Digital Credentials API (`OpenID4VPDCAPIHandover`), and the RFC 7638 JWK thumbprint of the
//! verifier's response-encryption key that both include when the response is encrypted.

use sha2::{Digest, Sha256};

use crate::cbor::{self, Value};
use crate::definitions::{Handover, SessionTranscript};

fn thumbprint_value(thumbprint: Option<&[u8; 32]>) -> Value {
    thumbprint.map_or(Value::Null, |t| Value::Bytes(t.to_vec()))
}

fn transcript(identifier: &str, info: Vec<Value>) -> SessionTranscript {
    let hash = Sha256::digest(cbor::encode(&Value::Array(info))).to_vec();
    SessionTranscript {
        device_engagement: None,
        e_reader_key: None,
        handover: Handover::Other(Value::Array(vec![
            Value::text(identifier),
            Value::Bytes(hash),
        ])),
    }
}

/// The transcript for a redirect-invoked presentation: `OpenID4VPHandoverInfo = [clientId,
/// nonce, jwkThumbprint / null, responseUri]` (the `response_uri`, or `redirect_uri`).
pub fn redirect_session_transcript(
    client_id: &str,
    nonce: &str,
    jwk_thumbprint: Option<&[u8; 32]>,
    response_uri: &str,
) -> SessionTranscript {
    transcript(
        "OpenID4VPHandover",
        vec![
            Value::text(client_id),
            Value::text(nonce),
            thumbprint_value(jwk_thumbprint),
            Value::text(response_uri),
        ],
    )
}

/// The transcript for a presentation through the Digital Credentials API:
/// `OpenID4VPDCAPIHandoverInfo = [origin, nonce, jwkThumbprint / null]`, the origin without an
/// `origin:` prefix.
pub fn dc_api_session_transcript(
    origin: &str,
    nonce: &str,
    jwk_thumbprint: Option<&[u8; 32]>,
) -> SessionTranscript {
    transcript(
        "OpenID4VPDCAPIHandover",
        vec![
            Value::text(origin),
            Value::text(nonce),
            thumbprint_value(jwk_thumbprint),
        ],
    )
}

/// The RFC 7638 SHA-256 thumbprint of a P-256 public key as an EC JWK
/// (`{"crv":"P-256","kty":"EC","x":…,"y":…}`).
pub fn p256_jwk_thumbprint(key: &p256::PublicKey) -> [u8; 32] {
    let point = key.to_sec1_bytes();
    let x = crate::base64url::encode(point.get(1..33).unwrap_or_default());
    let y = crate::base64url::encode(point.get(33..65).unwrap_or_default());
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    Sha256::digest(canonical.as_bytes()).into()
}

/// How an OpenID4VP authorization response travels back (`response_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseMode {
    /// Through the Digital Credentials API, in the clear (`dc_api`).
    DcApi,
    /// Through the Digital Credentials API, as a JWE (`dc_api.jwt`).
    DcApiJwt,
    /// POSTed to the verifier's `response_uri`, in the clear (`direct_post`).
    DirectPost,
    /// POSTed to the verifier's `response_uri` as a JWE (`direct_post.jwt`).
    DirectPostJwt,
}

impl ResponseMode {
    /// The `response_mode` value.
    pub fn name(self) -> &'static str {
        match self {
            ResponseMode::DcApi => "dc_api",
            ResponseMode::DcApiJwt => "dc_api.jwt",
            ResponseMode::DirectPost => "direct_post",
            ResponseMode::DirectPostJwt => "direct_post.jwt",
        }
    }

    /// Reads a `response_mode` value (only the four modes above).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            ResponseMode::DcApi,
            ResponseMode::DcApiJwt,
            ResponseMode::DirectPost,
            ResponseMode::DirectPostJwt,
        ]
        .into_iter()
        .find(|mode| mode.name() == name)
    }

    /// Whether the response is a JWE.
    pub fn encrypted(self) -> bool {
        matches!(self, ResponseMode::DcApiJwt | ResponseMode::DirectPostJwt)
    }

    /// Whether the request came through the Digital Credentials API (else by redirect).
    pub fn dc_api(self) -> bool {
        matches!(self, ResponseMode::DcApi | ResponseMode::DcApiJwt)
    }
}

/// The transcript a presentation in `mode` is bound to: the DC API handover (origin, nonce,
/// thumbprint) or the redirect handover (client_id, nonce, thumbprint, response_uri).
pub fn session_transcript(
    mode: ResponseMode,
    origin_or_client_id: &str,
    nonce: &str,
    jwk_thumbprint: Option<&[u8; 32]>,
    response_uri: &str,
) -> SessionTranscript {
    if mode.dc_api() {
        dc_api_session_transcript(origin_or_client_id, nonce, jwk_thumbprint)
    } else {
        redirect_session_transcript(origin_or_client_id, nonce, jwk_thumbprint, response_uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor::ToCbor;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // OpenID4VP 1.0 Appendix B.2.6 examples.
    const NONCE: &str = "exc7gBkxjx1rdc9udRrveKvSsJIq80avlXeLHhGwqtA";
    const THUMBPRINT: &str = "4283ec927ae0f208daaa2d026a814f2b22dca52cf85ffa8f3f8626c6bd669047";

    fn example_key() -> p256::PublicKey {
        let x = crate::base64url::decode("DxiH5Q4Yx3UrukE2lWCErq8N8bqC9CHLLrAwLz5BmE0").unwrap();
        let y = crate::base64url::decode("XtLM4-3h5o3HUH0MHVJV0kyq0iBlrBwlh8qEDMZ4-Pc").unwrap();
        p256::PublicKey::from_sec1_bytes(&[vec![4], x, y].concat()).unwrap()
    }

    #[test]
    fn the_specifications_examples() {
        let thumbprint = p256_jwk_thumbprint(&example_key());
        assert_eq!(thumbprint.to_vec(), hex(THUMBPRINT));
        let redirect = redirect_session_transcript(
            "x509_san_dns:example.com",
            NONCE,
            Some(&thumbprint),
            "https://example.com/response",
        );
        assert_eq!(
            cbor::encode(&redirect.to_cbor()),
            hex(
                "83f6f682714f70656e494434565048616e646f7665725820048bc053c00442af9b8eed494cefdd9d95240d254b046b11b68013722aad38ac"
            )
        );
        let dc_api = dc_api_session_transcript("https://example.com", NONCE, Some(&thumbprint));
        assert_eq!(
            cbor::encode(&dc_api.to_cbor()),
            hex(
                "83f6f682764f70656e4944345650444341504948616e646f7665725820fbece366f4212f9762c74cfdbf83b8c69e371d5d68cea09cb4c48ca6daab761a"
            )
        );
    }

    #[test]
    fn response_modes_round_trip() {
        for name in ["dc_api", "dc_api.jwt", "direct_post", "direct_post.jwt"] {
            assert_eq!(ResponseMode::from_name(name).unwrap().name(), name);
        }
        assert_eq!(ResponseMode::from_name("fragment"), None);
        assert!(ResponseMode::DcApiJwt.encrypted() && ResponseMode::DcApiJwt.dc_api());
        assert!(!ResponseMode::DirectPost.encrypted() && !ResponseMode::DirectPost.dc_api());
    }

    #[test]
    fn every_parameter_is_bound() {
        let base = dc_api_session_transcript("https://example.com", NONCE, None);
        assert_ne!(
            base,
            dc_api_session_transcript("https://example.org", NONCE, None)
        );
        assert_ne!(
            base,
            dc_api_session_transcript("https://example.com", "other", None)
        );
        assert_ne!(
            base,
            dc_api_session_transcript("https://example.com", NONCE, Some(&[0; 32]))
        );
        let redirect = redirect_session_transcript("client", NONCE, None, "https://a.example/r");
        assert_ne!(
            redirect,
            redirect_session_transcript("client", NONCE, None, "https://b.example/r")
        );
    }
}
