//! Proof Key for Code Exchange (RFC 7636) with the `S256` method, the only one OpenID4VCI
//! wallets use (§5.1.1 recommends it; `plain` is refused).

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Oid4vciError;

/// The only code challenge method accepted.
pub const S256: &str = "S256";

/// Checks a `code_verifier`: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636 §4.1).
pub fn check_verifier(verifier: &str) -> Result<(), Oid4vciError> {
    let ok = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if ok {
        Ok(())
    } else {
        Err(Oid4vciError::Invalid("code_verifier"))
    }
}

/// Checks a `S256` `code_challenge`: 43 base64url characters (a SHA-256 digest).
pub fn check_challenge(challenge: &str) -> Result<(), Oid4vciError> {
    let ok = challenge.len() == 43
        && crate::base64url::decode(challenge).is_ok_and(|digest| digest.len() == 32);
    if ok {
        Ok(())
    } else {
        Err(Oid4vciError::Invalid("code_challenge"))
    }
}

/// A fresh `code_verifier`: 32 random bytes, base64url (43 characters, RFC 7636 §4.1).
pub fn new_verifier() -> Zeroizing<String> {
    Zeroizing::new(crate::base64url::encode(crate::rng::random_bytes::<32>()))
}

/// The `S256` challenge of `verifier`: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2).
pub fn challenge_s256(verifier: &str) -> String {
    crate::base64url::encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is well-formed and matches the `S256` `challenge` (RFC 7636 §4.6),
/// compared in constant time.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    if check_verifier(verifier).is_err() {
        return false;
    }
    let computed = challenge_s256(verifier);
    computed.len() == challenge.len()
        && computed
            .bytes()
            .zip(challenge.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B: the example verifier and its S256 challenge.
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_appendix_b_vector() {
        assert_eq!(challenge_s256(RFC_VERIFIER), RFC_CHALLENGE);
        assert!(verify_s256(RFC_VERIFIER, RFC_CHALLENGE));
        check_challenge(RFC_CHALLENGE).unwrap();
    }

    #[test]
    fn fresh_verifiers_are_well_formed_and_distinct() {
        let (a, b) = (new_verifier(), new_verifier());
        check_verifier(&a).unwrap();
        assert_ne!(*a, *b);
        assert!(verify_s256(&a, &challenge_s256(&a)));
        assert!(!verify_s256(&b, &challenge_s256(&a)));
    }

    #[test]
    fn bad_verifiers_and_challenges_are_refused() {
        for verifier in [
            "",
            "short",
            &"a".repeat(129),
            &format!("{}+", "a".repeat(43)),
        ] {
            assert!(check_verifier(verifier).is_err(), "{verifier}");
            assert!(!verify_s256(verifier, &challenge_s256(verifier)));
        }
        for challenge in [
            "",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c",
            "!".repeat(43).as_str(),
        ] {
            assert!(check_challenge(challenge).is_err());
        }
        // A wrong verifier against the RFC challenge.
        assert!(!verify_s256(&"d".repeat(43), RFC_CHALLENGE));
    }
}
