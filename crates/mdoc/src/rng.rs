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

/// A fresh random P-256 private key (for ephemeral session keys and software keys).
pub fn new_p256_secret_key() -> p256::SecretKey {
    use p256::elliptic_curve::Generate;
    p256::SecretKey::generate_from_rng(&mut system_rng())
}
