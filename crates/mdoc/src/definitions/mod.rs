//! The ISO 18013-5 data structures (§8 and §9), as typed values that decode from and encode to
//! CBOR. Every map-shaped structure keeps fields it does not know (later editions) and the order
//! its keys arrived in, so a decoded structure re-encodes to the identical bytes; structures
//! created here encode deterministically. Everything the standard hashes, signs or MACs is held
//! as a [`Tagged`](crate::cbor::Tagged) or [`Embedded`](crate::cbor::Embedded) that keeps its
//! bytes as received.

pub mod engagement;
pub mod mso;
pub mod request;
pub mod request_info;
pub mod response;
pub mod session;
pub mod transcript;

pub use engagement::{
    BleOptions, Capabilities, DeviceEngagement, DeviceRetrievalMethod, EngagementError, NfcOptions,
    OriginInfo, RetrievalOptions, Security, WifiAwareOptions,
};
pub use mso::{DeviceKeyInfo, KeyAuthorizations, MobileSecurityObject, ValidityInfo};
pub use request::{DeviceRequest, DocRequest, ItemsRequest};
pub use request_info::{
    AlternativeDataElementSet, DeviceRequestInfo, DocRequestInfo, ElementReference, UseCase,
};
pub use response::{
    DeviceAuth, DeviceNameSpaces, DeviceNameSpacesMap, DeviceResponse, DeviceSigned, Document,
    DocumentError, IssuerNameSpaces, IssuerSigned, IssuerSignedItem, ResponseStatus,
};
pub use session::{SessionData, SessionEstablishment, SessionStatus};
pub use transcript::{Handover, SessionTranscript};

use crate::cbor::{CborError, Value};

/// A two-level map as ISO 18013-5 nests data elements: namespace -> element identifier -> `V`,
/// both levels in received (or created) order.
pub type ElementMap<V> = Vec<(String, Vec<(String, V)>)>;

/// ValueDigests: namespace -> digest ID -> digest.
pub type ValueDigests = Vec<(String, Vec<(u64, Vec<u8>)>)>;

/// Reads an ISO 18013-5 `version` text and checks that its major version is 1.
pub(crate) fn check_version(version: &str, context: &'static str) -> Result<(), CborError> {
    match version.split_once('.') {
        Some(("1", minor)) if !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(())
        }
        _ => Err(CborError::InvalidValue { context }),
    }
}

/// A `type_name`-free mismatch error.
pub(crate) fn expected(context: &'static str, expected: &'static str) -> CborError {
    CborError::TypeMismatch { context, expected }
}

/// The elements of an array of exactly `N` items.
pub(crate) fn fixed_array<'a, const N: usize>(
    value: &'a Value,
    context: &'static str,
) -> Result<&'a [Value; N], CborError> {
    value
        .as_array()
        .and_then(|items| <&[Value; N]>::try_from(items).ok())
        .ok_or(expected(context, "array of fixed length"))
}
