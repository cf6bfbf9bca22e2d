//! CBOR (RFC 8949) for ISO 18013-5: a bounded decoder, a deterministic encoder, and
//! [`Embedded`], the tag-24 wrapper that keeps its bytes exactly as received.
//!
//! Every byte that reaches [`decode`] is treated as hostile: lengths are checked against the
//! input before anything is allocated, the decoded value may take at most
//! [`Limits::max_expansion`] heap bytes per input byte (plus [`DECODE_SLACK`]), nesting depth is
//! limited, duplicate map keys and trailing bytes are refused, and every failure is a typed
//! [`CborError`] that carries no input data. Per-message size limits are in [`crate::limits`].
//!
//! Maps keep the order in which their entries were received, so a decoded value re-encodes to
//! the identical bytes. Values this project creates are built with [`Value::canonical_map`],
//! which orders keys as RFC 8949 §4.2.1 requires.

mod decode;
mod embedded;
mod encode;
mod error;
mod fields;
mod value;

pub use decode::{DECODE_SLACK, Limits, decode, decode_with_limits};
pub use embedded::{Embedded, Tagged};
pub use encode::{encode, encode_into};
pub use error::CborError;
pub use fields::{ByteString, FieldMap, FromCbor, MapRest, ToCbor, text_map, text_map_value};
pub use value::{Tag, Value};

/// Decodes `bytes` into `T` with the default [`Limits`].
pub fn from_slice<T: FromCbor>(bytes: &[u8]) -> Result<T, CborError> {
    T::from_cbor(&decode(bytes)?)
}

/// Encodes `value` into its CBOR bytes.
pub fn to_vec<T: ToCbor + ?Sized>(value: &T) -> Vec<u8> {
    encode(&value.to_cbor())
}
