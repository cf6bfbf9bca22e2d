//! uniffi bindings for Citizen Wallet (Kotlin package `org.citizenwallet`, Swift module
//! `CitizenWallet`).
//!
//! This crate converts types and holds no logic: every exported object wraps a core type, and
//! every record mirrors a core structure. Errors become the small [`CitizenWalletError`] enum
//! (Kotlin exceptions, Swift `throws`); byte arrays cross as `ByteArray` / `Data`.
// uniffi's generated scaffolding needs `unsafe` (extern "C" functions); nothing here writes any.
#![deny(unsafe_code)]

#[cfg(feature = "test-authority")]
mod authority;
mod ble;
mod convert;
mod error;
mod history;
mod holder;
mod i18n;
mod issuance;
mod nfc;
mod reader;
mod secure_area;
mod status;

#[cfg(feature = "test-authority")]
pub use authority::{ReaderCredential, SampleDocument, TestAuthority, TestTrustLists};
pub use ble::{
    BleFramingError, BleGattReassembler, BleL2capDecoder, BleState, ble_gatt_chunk,
    ble_l2cap_frame, ble_max_message_to_reader, ble_max_message_to_wallet, ble_state_parse,
    ble_state_value,
};
pub use convert::*;
pub use error::{CitizenWalletError, SecureAreaError};
pub use history::{HistoryDocument, HistoryEntry, HistoryPage};
pub use holder::{DcapiSession, OpenId4VpSession, PresentationSession, Wallet};
pub use i18n::AccessibleConsent;
pub use issuance::{
    HttpHeader, HttpRequest, IssuanceError, IssuanceOptions, IssuanceSession, IssuanceStep,
    PresentationPolicy,
};
pub use nfc::{NfcEngagement, NfcEngagementState, VerifierNfcEngagement};
pub use reader::{Verifier, VerifierDcapiRequest, VerifierOpenId4VpRequest, VerifierSession};
pub use secure_area::{SecureArea, software_secure_area};
#[cfg(feature = "test-authority")]
pub use status::status_list_index;
pub use status::{CredentialState, CredentialStatus, PendingVerification, StatusError};

uniffi::setup_scaffolding!();

/// The version of the Citizen Wallet core behind these bindings.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
