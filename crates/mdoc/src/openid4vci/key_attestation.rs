//! Key attestations (OpenID4VCI 1.0 Appendix D.1): a JWT of `typ` `key-attestation+jwt` by
//! which a wallet provider or platform vouches for the keys in `attested_keys` (how they are
//! stored and unlocked). The wallet passes one through from the app's secure area; an issuer
//! that requires one verifies it against the attester key it trusts.

use p256::PublicKey;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::{MAX_BATCH, MAX_TOKEN_LEN, Oid4vciError};
use crate::online::jwe::{p256_jwk, parse_p256_jwk};

/// The `typ` of a key attestation.
pub const KEY_ATTESTATION_TYP: &str = "key-attestation+jwt";

/// Longest key attestation accepted.
pub const MAX_KEY_ATTESTATION_LEN: usize = 12 * 1024;

/// The claims of a key attestation (Appendix D.1), the members this project uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAttestationClaims {
    /// When it was made (seconds since the epoch).
    pub iat: i64,
    /// The attested public keys, as JWKs.
    pub attested_keys: Vec<serde_json::Value>,
    /// Storage properties (e.g. `iso_18045_high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_storage: Option<Vec<String>>,
    /// The issuer's `c_nonce`, when bound to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// Makes a key attestation over `keys` (for a wallet provider or a test), asking `sign` for
/// the ES256 signature.
pub fn sign_key_attestation<E>(
    keys: &[PublicKey],
    iat: i64,
    nonce: Option<&str>,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<String, E> {
    let header = serde_json::json!({ "typ": KEY_ATTESTATION_TYP, "alg": "ES256" });
    let claims = KeyAttestationClaims {
        iat,
        attested_keys: keys.iter().map(p256_jwk).collect(),
        key_storage: Some(vec!["iso_18045_high".into()]),
        nonce: nonce.map(str::to_owned),
    };
    let header = crate::base64url::encode(serde_json::to_vec(&header).unwrap_or_default());
    let payload = crate::base64url::encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        crate::base64url::encode(signature)
    ))
}

fn part(segment: Option<&str>) -> Result<Vec<u8>, Oid4vciError> {
    let segment = segment.ok_or(Oid4vciError::Proof("key attestation: not three segments"))?;
    crate::base64url::decode(segment)
        .map_err(|_| Oid4vciError::Proof("key attestation: a segment is not base64url"))
}

/// A key attestation whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedKeys {
    /// The attested keys, in order.
    pub keys: Vec<PublicKey>,
    /// The nonce it is bound to, if any (the issuer's `c_nonce` for the `attestation` proof
    /// type).
    pub nonce: Option<String>,
}

/// Verifies a key attestation signed (ES256) by `attester` and returns the attested keys:
/// `typ` = `key-attestation+jwt`, 1 to [`MAX_BATCH`] P-256 `attested_keys`.
pub fn verify_key_attestation(
    jwt: &str,
    attester: &PublicKey,
) -> Result<AttestedKeys, Oid4vciError> {
    if jwt.len() > MAX_KEY_ATTESTATION_LEN {
        return Err(Oid4vciError::TooLarge("key attestation"));
    }
    let mut segments = jwt.split('.');
    let (header_b64, payload_b64) = (segments.next(), segments.next());
    let header = part(header_b64)?;
    let payload = part(payload_b64)?;
    let signature = part(segments.next())?;
    if segments.next().is_some() {
        return Err(Oid4vciError::Proof("key attestation: not three segments"));
    }
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&header)
        .map_err(|_| Oid4vciError::Proof("key attestation: header is not JSON"))?;
    if header.get("typ").and_then(|v| v.as_str()) != Some(KEY_ATTESTATION_TYP)
        || header.get("alg").and_then(|v| v.as_str()) != Some("ES256")
    {
        return Err(Oid4vciError::Proof("key attestation: typ or alg"));
    }
    let signature = Signature::from_slice(&signature)
        .map_err(|_| Oid4vciError::Proof("key attestation: signature is not ES256"))?;
    let signing_input_len = header_b64.map_or(0, str::len) + 1 + payload_b64.map_or(0, str::len);
    let signing_input = jwt
        .get(..signing_input_len)
        .ok_or(Oid4vciError::Proof("key attestation: not three segments"))?;
    VerifyingKey::from(attester)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Oid4vciError::Proof("key attestation: signature does not verify"))?;
    let claims: KeyAttestationClaims = serde_json::from_slice(&payload)
        .map_err(|_| Oid4vciError::Proof("key attestation: claims are malformed"))?;
    if claims.attested_keys.is_empty()
        || claims.attested_keys.len() > MAX_BATCH
        || claims
            .nonce
            .as_ref()
            .is_some_and(|n| n.len() > MAX_TOKEN_LEN)
    {
        return Err(Oid4vciError::Proof("key attestation: claims are malformed"));
    }
    let keys = claims
        .attested_keys
        .iter()
        .map(|jwk| {
            parse_p256_jwk(jwk)
                .map_err(|_| Oid4vciError::Proof("key attestation: a key is not P-256"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AttestedKeys {
        keys,
        nonce: claims.nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;

    fn signer(seed: u8) -> (SigningKey, PublicKey) {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let public = PublicKey::from(key.verifying_key());
        (key, public)
    }

    #[test]
    fn attestations_round_trip_and_only_the_attester_is_trusted() {
        let (attester, attester_public) = signer(3);
        let (_, other) = signer(4);
        let keys = [signer(5).1, signer(6).1];
        let jwt = sign_key_attestation(&keys, 1_800_000_000, Some("n"), |input| {
            let signature: Signature = attester.sign(input);
            Ok::<_, ()>(signature.to_bytes().into())
        })
        .unwrap();
        let attested = verify_key_attestation(&jwt, &attester_public).unwrap();
        assert_eq!(attested.keys, keys);
        assert_eq!(attested.nonce.as_deref(), Some("n"));
        assert!(verify_key_attestation(&jwt, &other).is_err());
        let (header, rest) = jwt.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let empty = crate::base64url::encode(br#"{"iat":1,"attested_keys":[]}"#);
        for bad in [
            format!("{header}.{empty}.{signature}"),
            format!("{header}.{signature}"),
            "x".repeat(MAX_KEY_ATTESTATION_LEN + 1),
            String::new(),
        ] {
            assert!(verify_key_attestation(&bad, &attester_public).is_err());
        }
    }
}
