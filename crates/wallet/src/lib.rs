//! The Citizen Wallet holder core.
//!
//! * [`secure_area`]: where device keys live; the app plugs in Android Keystore / iOS Secure
//!   Enclave, [`secure_area::SoftwareSecureArea`] is the embedded default.
//! * [`store`]: credentials at rest, AEAD-encrypted, written atomically, tamper-evident.
//! * [`provisioning`]: device key for an issuer, full verification before anything is stored.
//! * [`consent`] and [`presentation`]: a verifier's request becomes a consent object; the
//!   citizen approves a subset; exactly that subset is disclosed, bound to the session.
//! * [`history`]: the citizen's own record of every presentation attempt and issuance,
//!   encrypted in the store, committed before a response leaves the wallet.
//! * [`i18n`]: every citizen-facing string in English and Welsh (Fluent data), and the
//!   consent screen as complete sentences for screen readers.
//! * [`registration`]: purpose-bound verifiers — the verifier's registration certificate,
//!   verified against trusted registrars, on the consent object.
//! * [`proximity`]: the ISO 18013-5 proximity session (QR engagement, encrypted messages).
#![forbid(unsafe_code)]

mod atomic;
pub mod consent;
pub mod dcapi;
pub mod history;
pub mod i18n;
pub mod issuance;
pub mod keys;
pub mod nfc;
pub mod openid4vp;
pub mod presentation;
pub mod provisioning;
pub mod proximity;
pub mod registration;
mod second_edition;
pub mod secure_area;
pub mod status;
pub mod store;
mod trust_lists;
mod wallet;

pub use wallet::{Wallet, WalletConfig, WalletError};
