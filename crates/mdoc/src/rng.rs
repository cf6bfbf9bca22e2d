//! The system random number generator, in the shape the RustCrypto crates expect.

use rand_core::UnwrapErr;

/// The operating system's cryptographically secure random number generator.
///
/// A failing OS generator is unrecoverable for a wallet (no key, salt or nonce can be made
/// safely), so failures abort the operation by panicking inside `UnwrapErr` rather than being
/// silently ignored.
pub type SystemRng = UnwrapErr<getrandom::SysRng>;

/// A fresh handle to the operating system's random number generator.
pub fn system_rng() -> SystemRng {
    UnwrapErr(getrandom::SysRng)
}

/// `N` random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand_core::Rng;
    let mut out = [0u8; N];
    system_rng().fill_bytes(&mut out);
    out
}
