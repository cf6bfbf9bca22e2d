//! uniffi bindings for Citizen Wallet. This crate converts types and holds no logic.
// uniffi's generated scaffolding needs `unsafe` (extern "C" functions); nothing else here does.
#![deny(unsafe_code)]

uniffi::setup_scaffolding!();

/// The version of the Citizen Wallet core behind these bindings.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
