//! The library a phone app links: everything `citizen-wallet-ffi` exports, built as a cdylib and
//! a staticlib so the release profile's link-time optimisation applies (it cannot while the
//! exporting crate is also an rlib). It holds no code of its own.

pub use citizen_wallet_ffi::*;
