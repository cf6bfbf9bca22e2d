//! Generates Kotlin and Swift bindings from the built `citizen_wallet_ffi` library.
#![forbid(unsafe_code)]

fn main() {
    uniffi::uniffi_bindgen_main()
}
