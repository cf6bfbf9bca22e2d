//! Tag 24, "encoded CBOR data item" (RFC 8949 §3.4.5.1), which ISO 18013-5 uses wherever it
//! hashes, signs or MACs a structure: the bytes are kept exactly as received.

use std::sync::Arc;

use super::decode::decode;
use super::encode::{encode, write_head};
use super::error::CborError;
use super::fields::{FromCbor, ToCbor};
use super::value::Value;

/// A tag-24 item: a byte string holding the encoding of another data item.
///
/// [`encoded`](Embedded::encoded) is the whole item (`d8 18`, the byte-string head and the
/// content) as received, which is what ISO 18013-5 hashes as `...Bytes` (for example
/// `IssuerSignedItemBytes`); [`content`](Embedded::content) is the embedded item's own bytes.
///
/// The bytes are shared (`Arc<[u8]>`): the decoded value tree and the typed [`Tagged`] item
/// mapped from it hold one copy between them, so many small items do not double in memory.
#[derive(Clone, PartialEq, Eq)]
pub struct Embedded {
    encoded: Arc<[u8]>,
    content_offset: usize,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedded(len {})", self.encoded.len())
    }
}

impl Embedded {
    /// Keeps a tag-24 item as received. `content_offset` is where its content starts.
    pub(crate) fn from_received(encoded: &[u8], content_offset: usize) -> Result<Self, CborError> {
        if content_offset > encoded.len() {
            return Err(CborError::InvalidEmbedded);
        }
        Ok(Embedded {
            encoded: Arc::from(encoded),
            content_offset,
        })
    }

    /// Wraps already-encoded `content` in tag 24 with the preferred (shortest) heads.
    pub fn wrap(content: &[u8]) -> Self {
        let mut encoded = Vec::with_capacity(content.len() + 11);
        write_head(&mut encoded, 6, 24);
        write_head(&mut encoded, 2, content.len() as u64);
        let content_offset = encoded.len();
        encoded.extend_from_slice(content);
        Embedded {
            encoded: Arc::from(encoded),
            content_offset,
        }
    }

    /// Encodes `value` and wraps it in tag 24.
    pub fn of(value: &Value) -> Self {
        Self::wrap(&encode(value))
    }

    /// Parses a whole tag-24 item (for example `SessionTranscriptBytes` or
    /// `DeviceEngagementBytes` as handed over by another party).
    pub fn from_encoded(bytes: &[u8]) -> Result<Self, CborError> {
        match decode(bytes)? {
            Value::Embedded(e) => Ok(e),
            _ => Err(CborError::TypeMismatch {
                context: "embedded item",
                expected: "tag 24",
            }),
        }
    }

    /// The whole tag-24 item as received: what ISO 18013-5 hashes, signs and MACs.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The embedded data item's own bytes (the byte string's content).
    pub fn content(&self) -> &[u8] {
        self.encoded.get(self.content_offset..).unwrap_or_default()
    }

    /// Decodes the embedded data item.
    pub fn decode(&self) -> Result<Value, CborError> {
        decode(self.content()).map_err(|e| match e {
            CborError::TooLarge | CborError::TooDeep | CborError::DecodedTooLarge => e,
            _ => CborError::InvalidEmbedded,
        })
    }
}

/// A typed tag-24 item: the decoded `T` together with the exact bytes it came from.
///
/// Decoding keeps the received bytes; [`Tagged::new`] encodes deterministically. Either way
/// [`encoded`](Tagged::encoded) returns the bytes to hash, so nothing is ever re-encoded before
/// hashing or verifying.
#[derive(Clone, PartialEq)]
pub struct Tagged<T> {
    embedded: Embedded,
    value: T,
}

impl<T> std::fmt::Debug for Tagged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Tagged<{}>(len {})",
            std::any::type_name::<T>(),
            self.embedded.encoded.len()
        )
    }
}

impl<T: ToCbor> Tagged<T> {
    /// Encodes `value` and wraps it in tag 24.
    pub fn new(value: T) -> Self {
        let embedded = Embedded::of(&value.to_cbor());
        Tagged { embedded, value }
    }
}

impl<T: FromCbor> Tagged<T> {
    /// Decodes the typed value inside `embedded`, keeping its bytes.
    pub fn from_embedded(embedded: Embedded) -> Result<Self, CborError> {
        let value = T::from_cbor(&embedded.decode()?)?;
        Ok(Tagged { embedded, value })
    }

    /// Parses a whole tag-24 item from bytes.
    pub fn from_encoded(bytes: &[u8]) -> Result<Self, CborError> {
        Self::from_embedded(Embedded::from_encoded(bytes)?)
    }
}

impl<T> Tagged<T> {
    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The whole tag-24 item as received or created.
    pub fn encoded(&self) -> &[u8] {
        self.embedded.encoded()
    }

    /// The embedded item's own bytes.
    pub fn content(&self) -> &[u8] {
        self.embedded.content()
    }

    /// The untyped tag-24 item.
    pub fn embedded(&self) -> &Embedded {
        &self.embedded
    }

    /// Splits into the decoded value and the kept bytes.
    pub fn into_parts(self) -> (T, Embedded) {
        (self.value, self.embedded)
    }
}

impl<T> std::ops::Deref for Tagged<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: FromCbor> FromCbor for Tagged<T> {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        match value {
            Value::Embedded(e) => Tagged::from_embedded(e.clone()),
            _ => Err(CborError::TypeMismatch {
                context: std::any::type_name::<T>(),
                expected: "tag 24",
            }),
        }
    }
}

impl<T> ToCbor for Tagged<T> {
    fn to_cbor(&self) -> Value {
        Value::Embedded(self.embedded.clone())
    }
}

impl FromCbor for Embedded {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        value.as_embedded().cloned().ok_or(CborError::TypeMismatch {
            context: "embedded item",
            expected: "tag 24",
        })
    }
}

impl ToCbor for Embedded {
    fn to_cbor(&self) -> Value {
        Value::Embedded(self.clone())
    }
}
