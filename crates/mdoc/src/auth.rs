//! The bytes that reader and device authentication sign or MAC (ISO 18013-5 §9.1.3, §9.1.4),
//! and the EMacKey for deviceMac.

use zeroize::Zeroizing;

use crate::cbor::{Embedded, Value};
use crate::session::hkdf_sha256;

/// ReaderAuthenticationBytes = tag24(["ReaderAuthentication", SessionTranscript,
/// ItemsRequestBytes]): the detached payload of readerAuth.
pub fn reader_authentication_bytes(
    session_transcript: &Value,
    items_request_bytes: &Embedded,
) -> Embedded {
    Embedded::of(&Value::Array(vec![
        Value::text("ReaderAuthentication"),
        session_transcript.clone(),
        Value::Embedded(items_request_bytes.clone()),
    ]))
}

/// DeviceAuthenticationBytes = tag24(["DeviceAuthentication", SessionTranscript, DocType,
/// DeviceNameSpacesBytes]): the detached payload of deviceSignature and deviceMac.
pub fn device_authentication_bytes(
    session_transcript: &Value,
    doc_type: &str,
    device_name_spaces_bytes: &Embedded,
) -> Embedded {
    Embedded::of(&Value::Array(vec![
        Value::text("DeviceAuthentication"),
        session_transcript.clone(),
        Value::text(doc_type),
        Value::Embedded(device_name_spaces_bytes.clone()),
    ]))
}

/// EMacKey = HKDF-SHA256(ECDH(SDeviceKey, EReaderKey), SHA-256(SessionTranscriptBytes),
/// "EMacKey"). Either side computes the same shared secret from its own private key.
pub fn emac_key(shared_secret: &[u8; 32], session_transcript_bytes: &[u8]) -> Zeroizing<[u8; 32]> {
    hkdf_sha256(shared_secret, session_transcript_bytes, b"EMacKey")
}
