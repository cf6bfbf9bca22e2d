//! SessionTranscript (ISO 18013-5 §9.1.5.1), the context every session key, reader
//! authentication and device authentication is bound to.

use super::{expected, fixed_array};
use crate::cbor::{self, ByteString, CborError, Embedded, FromCbor, ToCbor, Value};

/// SessionTranscript = [DeviceEngagementBytes / null, EReaderKeyBytes / null, Handover].
///
/// The two embedded items are kept exactly as received. Online flows (ISO 18013-7, OpenID4VP)
/// use nulls and their own handover, carried as [`Handover::Other`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionTranscript {
    /// DeviceEngagementBytes, or `None` (null) where there is no device engagement.
    pub device_engagement: Option<Embedded>,
    /// EReaderKeyBytes, or `None` (null) in online flows.
    pub e_reader_key: Option<Embedded>,
    /// How the engagement was handed over.
    pub handover: Handover,
}

/// The handover of a SessionTranscript.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Handover {
    /// QR code engagement: `null`.
    Qr,
    /// NFC negotiated handover: [Handover Select message, Handover Request message or null].
    Nfc {
        /// The Handover Select NDEF message.
        handover_select: Vec<u8>,
        /// The Handover Request NDEF message (negotiated handover only).
        handover_request: Option<Vec<u8>>,
    },
    /// Any other handover (ISO 18013-7 `dcapi`, OpenID4VP), kept as received.
    Other(Value),
}

impl SessionTranscript {
    /// SessionTranscriptBytes: the transcript wrapped in tag 24, as hashed for the HKDF salt.
    pub fn to_bytes(&self) -> Embedded {
        Embedded::of(&self.to_cbor())
    }

    /// Parses SessionTranscriptBytes (tag 24 around the transcript), keeping the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<(SessionTranscript, Embedded), CborError> {
        let embedded = Embedded::from_encoded(bytes)?;
        let transcript = SessionTranscript::from_cbor(&embedded.decode()?)?;
        Ok((transcript, embedded))
    }
}

fn optional_embedded(value: &Value) -> Result<Option<Embedded>, CborError> {
    match value {
        Value::Null => Ok(None),
        Value::Embedded(e) => Ok(Some(e.clone())),
        _ => Err(expected("SessionTranscript", "tag 24 or null")),
    }
}

impl FromCbor for SessionTranscript {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let [engagement, key, handover] = fixed_array::<3>(value, "SessionTranscript")?;
        Ok(SessionTranscript {
            device_engagement: optional_embedded(engagement)?,
            e_reader_key: optional_embedded(key)?,
            handover: Handover::from_cbor(handover)?,
        })
    }
}

impl ToCbor for SessionTranscript {
    fn to_cbor(&self) -> Value {
        Value::Array(vec![
            self.device_engagement.to_cbor(),
            self.e_reader_key.to_cbor(),
            self.handover.to_cbor(),
        ])
    }
}

impl FromCbor for Handover {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        match value {
            Value::Null => Ok(Handover::Qr),
            Value::Array(items) => match items.as_slice() {
                [
                    Value::Bytes(select),
                    request @ (Value::Bytes(_) | Value::Null),
                ] => Ok(Handover::Nfc {
                    handover_select: select.clone(),
                    handover_request: request.as_bytes().map(<[u8]>::to_vec),
                }),
                _ => Ok(Handover::Other(value.clone())),
            },
            _ => Ok(Handover::Other(value.clone())),
        }
    }
}

impl ToCbor for Handover {
    fn to_cbor(&self) -> Value {
        match self {
            Handover::Qr => Value::Null,
            Handover::Nfc {
                handover_select,
                handover_request,
            } => Value::Array(vec![
                ByteString(handover_select.clone()).to_cbor(),
                handover_request.clone().map_or(Value::Null, Value::Bytes),
            ]),
            Handover::Other(value) => value.clone(),
        }
    }
}

impl SessionTranscript {
    /// The CBOR bytes of the transcript itself (without tag 24).
    pub fn to_untagged_bytes(&self) -> Vec<u8> {
        cbor::encode(&self.to_cbor())
    }
}
