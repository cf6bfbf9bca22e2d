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

/// ReaderAuthenticationAllBytes = tag24(["ReaderAuthenticationAll", SessionTranscript,
/// [ItemsRequestBytes, ...], DeviceRequestInfoBytes / null]): the detached payload of each
/// second-edition readerAuthAll signature (ISO 18013-5 second edition §12.5, as isomdl
/// `presentation/reader.rs` `ReaderAuthenticationAll`, A-SIT Plus `at.asitplus.iso.
/// ReaderAuthenticationAll` and Digital Bazaar's Apple Wallet reader build it). The embedded
/// items are the bytes as received; an absent DeviceRequestInfo is a plain null.
pub fn reader_authentication_all_bytes<'a>(
    session_transcript: &Value,
    items_request_bytes: impl IntoIterator<Item = &'a Embedded>,
    device_request_info_bytes: Option<&Embedded>,
) -> Embedded {
    Embedded::of(&Value::Array(vec![
        Value::text("ReaderAuthenticationAll"),
        session_transcript.clone(),
        Value::Array(
            items_request_bytes
                .into_iter()
                .map(|e| Value::Embedded(e.clone()))
                .collect(),
        ),
        device_request_info_bytes.map_or(Value::Null, |e| Value::Embedded(e.clone())),
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
