//! ISO/IEC TS 18013-7 Annex C: the `org-iso-mdoc` Digital Credentials API protocol.
//!
//! The request carries `deviceRequest` and `encryptionInfo` (base64url CBOR). The
//! SessionTranscript is `[null, null, ["dcapi", SHA-256(CBOR [Base64EncryptionInfo,
//! SerializedOrigin])]]`, so a response is bound to the exact encryptionInfo (with its nonce and
//! recipient key) and to the web origin the platform reports. The DeviceResponse is sealed with
//! HPKE to the recipient key with info = the SessionTranscript's CBOR, and returned as
//! `["dcapi", {"enc", "cipherText"}]`, base64url.

use sha2::{Digest, Sha256};

use crate::cbor::{self, ByteString, CborError, FieldMap, FromCbor, MapRest, ToCbor, Value};
use crate::cose::CoseKey;
use crate::definitions::{Handover, SessionTranscript};

/// The protocol tag of Annex C structures.
pub const DCAPI: &str = "dcapi";
/// Largest accepted base64url field (requests and responses with portraits fit well within).
pub const MAX_FIELD_LEN: usize = 4 * 1024 * 1024;

/// Why an Annex C structure was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DcapiError {
    /// A field is not unpadded base64url, or too long.
    #[error("Annex C field is not base64url (or is too long)")]
    Base64,
    /// The CBOR is not the Annex C structure.
    #[error("malformed Annex C structure: {0}")]
    Cbor(#[from] CborError),
}

/// EncryptionInfo = ["dcapi", {"nonce": bstr, "recipientPublicKey": COSE_Key}].
#[derive(Debug, Clone, PartialEq)]
pub struct EncryptionInfo {
    /// The verifier's nonce.
    pub nonce: Vec<u8>,
    /// The key the response is sealed to.
    pub recipient_public_key: CoseKey,
    /// Unknown parameters and the key order.
    pub rest: MapRest,
}

/// EncryptedResponse = ["dcapi", {"enc": bstr, "cipherText": bstr}].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedResponse {
    /// The HPKE encapsulated key.
    pub enc: Vec<u8>,
    /// The sealed DeviceResponse.
    pub cipher_text: Vec<u8>,
}

/// Decodes a base64url (unpadded) field.
pub fn decode_field(text: &str) -> Result<Vec<u8>, DcapiError> {
    if text.len() > MAX_FIELD_LEN {
        return Err(DcapiError::Base64);
    }
    crate::base64url::decode(text).map_err(|_| DcapiError::Base64)
}

/// Encodes a base64url (unpadded) field.
pub fn encode_field(bytes: &[u8]) -> String {
    crate::base64url::encode(bytes)
}

fn tagged_parameters<'a>(value: &'a Value, context: &'static str) -> Result<&'a Value, CborError> {
    match value.as_array() {
        Some([Value::Text(tag), parameters]) if tag == DCAPI => Ok(parameters),
        _ => Err(CborError::InvalidValue { context }),
    }
}

impl FromCbor for EncryptionInfo {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(
            tagged_parameters(value, "EncryptionInfo")?,
            "EncryptionInfo",
        )?;
        Ok(EncryptionInfo {
            nonce: f.required::<ByteString>("nonce")?.0,
            recipient_public_key: f.required("recipientPublicKey")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for EncryptionInfo {
    fn to_cbor(&self) -> Value {
        let parameters = self.rest.build(vec![
            (Value::text("nonce"), Value::Bytes(self.nonce.clone())),
            (
                Value::text("recipientPublicKey"),
                self.recipient_public_key.to_cbor(),
            ),
        ]);
        Value::Array(vec![Value::text(DCAPI), parameters])
    }
}

impl FromCbor for EncryptedResponse {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(
            tagged_parameters(value, "EncryptedResponse")?,
            "EncryptedResponse",
        )?;
        Ok(EncryptedResponse {
            enc: f.required::<ByteString>("enc")?.0,
            cipher_text: f.required::<ByteString>("cipherText")?.0,
        })
    }
}

impl ToCbor for EncryptedResponse {
    fn to_cbor(&self) -> Value {
        let parameters = Value::canonical_map(vec![
            (Value::text("enc"), Value::Bytes(self.enc.clone())),
            (
                Value::text("cipherText"),
                Value::Bytes(self.cipher_text.clone()),
            ),
        ]);
        Value::Array(vec![Value::text(DCAPI), parameters])
    }
}

impl EncryptionInfo {
    /// Parses the request's base64url `encryptionInfo`.
    pub fn from_base64url(text: &str) -> Result<Self, DcapiError> {
        Ok(cbor::from_slice(&decode_field(text)?)?)
    }

    /// The base64url form for the request.
    pub fn to_base64url(&self) -> String {
        encode_field(&cbor::to_vec(self))
    }
}

impl EncryptedResponse {
    /// Parses a base64url EncryptedResponse.
    pub fn from_base64url(text: &str) -> Result<Self, DcapiError> {
        Ok(cbor::from_slice(&decode_field(text)?)?)
    }

    /// The base64url form handed back through the platform.
    pub fn to_base64url(&self) -> String {
        encode_field(&cbor::to_vec(self))
    }
}

/// The Annex C SessionTranscript for the request's base64url `encryptionInfo` (as received)
/// and the calling web origin (ASCII serialisation, as the platform reports it).
pub fn session_transcript(encryption_info_base64url: &str, origin: &str) -> SessionTranscript {
    let dcapi_info = cbor::encode(&Value::Array(vec![
        Value::text(encryption_info_base64url),
        Value::text(origin),
    ]));
    let hash = Sha256::digest(&dcapi_info).to_vec();
    SessionTranscript {
        device_engagement: None,
        e_reader_key: None,
        handover: Handover::Other(Value::Array(vec![Value::text(DCAPI), Value::Bytes(hash)])),
    }
}

/// The HPKE info for a transcript: the SessionTranscript's CBOR.
pub fn hpke_info(transcript: &SessionTranscript) -> Vec<u8> {
    transcript.to_untagged_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_round_trip_and_bind_origin_and_nonce() {
        let key = CoseKey::new(crate::rng::new_p256_secret_key().public_key());
        let info = EncryptionInfo {
            nonce: vec![1; 16],
            recipient_public_key: key,
            rest: MapRest::default(),
        };
        let b64 = info.to_base64url();
        assert_eq!(EncryptionInfo::from_base64url(&b64).unwrap(), info);
        let response = EncryptedResponse {
            enc: vec![4; 65],
            cipher_text: vec![9; 40],
        };
        assert_eq!(
            EncryptedResponse::from_base64url(&response.to_base64url()).unwrap(),
            response
        );
        let a = session_transcript(&b64, "https://employer.example");
        assert_ne!(a, session_transcript(&b64, "https://evil.example"));
        let other_nonce = EncryptionInfo {
            nonce: vec![2; 16],
            ..info
        }
        .to_base64url();
        assert_ne!(
            a,
            session_transcript(&other_nonce, "https://employer.example")
        );
        assert!(matches!(a.handover, Handover::Other(_)));
    }

    #[test]
    fn hostile_fields_are_refused() {
        assert_eq!(
            EncryptionInfo::from_base64url("a+b"),
            Err(DcapiError::Base64)
        );
        assert!(matches!(
            EncryptionInfo::from_base64url("oA"),
            Err(DcapiError::Cbor(_))
        ));
        // ["other", {}]
        let other = encode_field(&cbor::encode(&Value::Array(vec![
            Value::text("other"),
            Value::Map(vec![]),
        ])));
        assert!(EncryptedResponse::from_base64url(&other).is_err());
        assert_eq!(
            EncryptedResponse::from_base64url(&"A".repeat(MAX_FIELD_LEN + 1)),
            Err(DcapiError::Base64)
        );
    }
}
