//! Errors raised while decoding CBOR or mapping it onto typed structures.

/// Why a CBOR input was refused.
///
/// Variants name the structure or field involved with static strings only: no value from the
/// input (which may be personal data) is ever copied into an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside a data item.
    #[error("CBOR input ends inside a data item")]
    UnexpectedEnd,
    /// Bytes remain after the top-level data item.
    #[error("CBOR input has trailing bytes after the data item")]
    TrailingBytes,
    /// Arrays, maps and tags nest deeper than the configured limit.
    #[error("CBOR nesting exceeds the depth limit")]
    TooDeep,
    /// The input, or a length declared in it, exceeds the configured limit.
    #[error("CBOR input exceeds the size limit")]
    TooLarge,
    /// The decoded value would take more memory than [`Limits::max_expansion`] allows for an
    /// input of this length (many tiny items, such as nested empty arrays).
    ///
    /// [`Limits::max_expansion`]: super::Limits::max_expansion
    #[error("CBOR input decodes to more memory than its length allows")]
    DecodedTooLarge,
    /// A header byte that RFC 8949 reserves or forbids (additional info 28-30, a break outside an
    /// indefinite-length item, a wrongly typed chunk in an indefinite string).
    #[error("CBOR input is not well-formed")]
    Malformed,
    /// A text string is not valid UTF-8.
    #[error("CBOR text string is not valid UTF-8")]
    InvalidUtf8,
    /// A map holds the same key twice.
    #[error("CBOR map has a duplicate key")]
    DuplicateKey,
    /// A tag-24 item does not wrap a definite-length byte string holding one data item.
    #[error("CBOR tag 24 does not wrap a well-formed embedded data item")]
    InvalidEmbedded,
    /// A value has the wrong CBOR type for the field it fills.
    #[error("CBOR type mismatch in {context}: expected {expected}")]
    TypeMismatch {
        /// The structure or field being read.
        context: &'static str,
        /// The type the structure requires there.
        expected: &'static str,
    },
    /// A required field is absent.
    #[error("{context} is missing its required field {field}")]
    MissingField {
        /// The structure being read.
        context: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// A value has the right type but a value the structure does not allow.
    #[error("invalid value in {context}")]
    InvalidValue {
        /// The structure or field being read.
        context: &'static str,
    },
}
