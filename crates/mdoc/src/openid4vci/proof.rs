//! The `jwt` key proof (OpenID4VCI 1.0 Appendix F.1): a JWS in compact serialisation, ES256,
//! header `{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":<device public key>}`, claims
//! `{"aud":<credential issuer>,"iat":<seconds>,"nonce":<c_nonce>}`.
//!
//! Signing goes through a callback so the device key stays in a secure area; verification
//! checks the header and the signature by the key in `jwk` and returns the key and claims for
//! the issuer to check `aud`, `iat` and `nonce` against its own state.

use p256::PublicKey;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::{MAX_TOKEN_LEN, Oid4vciError};
use crate::online::jwe::{p256_jwk, parse_p256_jwk};

/// The `typ` of a key proof JWT.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";

/// Longest proof JWT accepted (a P-256 `jwk` proof is about 500 bytes; a `key_attestation` in
/// its header adds a few KiB).
pub const MAX_PROOF_LEN: usize = 16 * 1024;

/// The claims of a key proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofClaims {
    /// The Credential Issuer Identifier.
    pub aud: String,
    /// When the proof was made (seconds since the epoch).
    pub iat: i64,
    /// The server's `c_nonce`, when it has a nonce endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The client id (omitted for anonymous pre-authorized access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

/// Makes a key proof for `device_key` with `claims`, asking `sign` for the ES256 signature
/// (64 bytes r‖s over SHA-256 of the signing input) — e.g. a secure area's key.
pub fn sign_jwt_proof<E>(
    device_key: &PublicKey,
    claims: &ProofClaims,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<String, E> {
    sign_jwt_proof_with_attestation(device_key, claims, None, sign)
}

/// As [`sign_jwt_proof`], with a key attestation (a JWT the app got from its wallet provider
/// or platform, Appendix D) in the header's `key_attestation` (Appendix F.1) when given.
pub fn sign_jwt_proof_with_attestation<E>(
    device_key: &PublicKey,
    claims: &ProofClaims,
    key_attestation: Option<&str>,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<String, E> {
    let mut header = serde_json::json!({
        "typ": PROOF_TYP,
        "alg": "ES256",
        "jwk": p256_jwk(device_key),
    });
    if let (Some(attestation), Some(map)) = (key_attestation, header.as_object_mut()) {
        map.insert("key_attestation".into(), attestation.into());
    }
    sign_compact_es256(&header, claims, sign)
}

/// A compact JWS: base64url(header) `.` base64url(claims) `.` base64url(the 64-byte ES256
/// signature `sign` makes over that signing input). Shared by key proofs and DPoP proofs.
pub(crate) fn sign_compact_es256<E>(
    header: &serde_json::Value,
    claims: &impl Serialize,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<String, E> {
    let header = crate::base64url::encode(serde_json::to_vec(header).unwrap_or_default());
    let payload = crate::base64url::encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        crate::base64url::encode(signature)
    ))
}

/// A proof whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedProof {
    /// The key in the header's `jwk`, which signed the proof.
    pub device_key: PublicKey,
    /// The claims, for the issuer to check.
    pub claims: ProofClaims,
    /// The header's `key_attestation`, when present (for the issuer to verify).
    pub key_attestation: Option<String>,
}

fn part(segment: Option<&str>) -> Result<Vec<u8>, Oid4vciError> {
    let segment = segment.ok_or(Oid4vciError::Proof("not three segments"))?;
    crate::base64url::decode(segment).map_err(|_| Oid4vciError::Proof("a segment is not base64url"))
}

/// Verifies a key proof's form and signature: three base64url segments, a JSON header with
/// `typ` = [`PROOF_TYP`], `alg` = `ES256`, a P-256 `jwk` and neither `kid` nor `x5c`; claims
/// with `aud` and `iat`; an ES256 signature by the `jwk`. Does not judge `aud`, `iat` or
/// `nonce`: that is the issuer's state.
pub fn verify_jwt_proof(jwt: &str) -> Result<VerifiedProof, Oid4vciError> {
    if jwt.len() > MAX_PROOF_LEN {
        return Err(Oid4vciError::TooLarge("key proof"));
    }
    let mut segments = jwt.split('.');
    let (header_b64, payload_b64) = (segments.next(), segments.next());
    let header = part(header_b64)?;
    let payload = part(payload_b64)?;
    let signature = part(segments.next())?;
    if segments.next().is_some() {
        return Err(Oid4vciError::Proof("not three segments"));
    }
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|_| Oid4vciError::Proof("header is not JSON"))?;
    if header.get("typ").and_then(|v| v.as_str()) != Some(PROOF_TYP) {
        return Err(Oid4vciError::Proof("typ is not openid4vci-proof+jwt"));
    }
    if header.get("alg").and_then(|v| v.as_str()) != Some("ES256") {
        return Err(Oid4vciError::Proof("alg is not ES256"));
    }
    if header.contains_key("kid") || header.contains_key("x5c") {
        return Err(Oid4vciError::Proof("kid or x5c beside jwk"));
    }
    let jwk = header.get("jwk").ok_or(Oid4vciError::Proof("no jwk"))?;
    if jwk.get("d").is_some() {
        return Err(Oid4vciError::Proof("jwk holds a private key"));
    }
    let device_key =
        parse_p256_jwk(jwk).map_err(|_| Oid4vciError::Proof("jwk is not a P-256 key"))?;
    let claims: ProofClaims = serde_json::from_slice(&payload)
        .map_err(|_| Oid4vciError::Proof("claims are malformed"))?;
    if claims.aud.is_empty()
        || claims.aud.len() > MAX_TOKEN_LEN
        || claims
            .nonce
            .as_ref()
            .is_some_and(|n| n.len() > MAX_TOKEN_LEN)
    {
        return Err(Oid4vciError::Proof("claims are malformed"));
    }
    let signature = Signature::from_slice(&signature)
        .map_err(|_| Oid4vciError::Proof("signature is not ES256"))?;
    let signing_input_len = header_b64.map_or(0, str::len) + 1 + payload_b64.map_or(0, str::len);
    let signing_input = jwt
        .get(..signing_input_len)
        .ok_or(Oid4vciError::Proof("not three segments"))?;
    VerifyingKey::from(&device_key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Oid4vciError::Proof("signature does not verify"))?;
    let key_attestation = match header.get("key_attestation") {
        None => None,
        Some(serde_json::Value::String(a)) if a.len() <= MAX_PROOF_LEN => Some(a.clone()),
        Some(_) => return Err(Oid4vciError::Proof("key_attestation is malformed")),
    };
    Ok(VerifiedProof {
        device_key,
        claims,
        key_attestation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;

    /// OpenID4VCI 1.0 Appendix F.1, the `proofs` example (line breaks removed).
    const SPEC_PROOF: &str = "eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwiY3J2IjoiUC0yNTYiLCJ4IjoiblVXQW9BdjNYWml0aDhFN2kxOU9kYXhPTFlGT3dNLVoyRXVNMDJUaXJUNCIsInkiOiJIc2tIVThCalVpMVU5WHFpN1N3bWo4Z3dBS18weGtjRGpFV183MVNvc0VZIn19.eyJhdWQiOiJodHRwczovL2NyZWRlbnRpYWwtaXNzdWVyLmV4YW1wbGUuY29tIiwiaWF0IjoxNzAxOTYwNDQ0LCJub25jZSI6IkxhclJHU2JtVVBZdFJZTzZCUTR5bjgifQ.-a3EDsxClUB4O3LeDD5DVGEnNMT01FCQW4P6-2-BNBqc_Zxf0Qw4CWayLEpqkAomlkLb9zioZoipdP-jvh1WlA";

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    fn claims() -> ProofClaims {
        ProofClaims {
            aud: "https://issuer.example".into(),
            iat: 1_800_000_000,
            nonce: Some("n-1".into()),
            iss: None,
        }
    }

    fn signed(claims: &ProofClaims) -> String {
        let key = key();
        let public = PublicKey::from(key.verifying_key());
        sign_jwt_proof(&public, claims, |input| {
            let signature: Signature = key.sign(input);
            Ok::<_, ()>(signature.to_bytes().into())
        })
        .unwrap()
    }

    #[test]
    fn the_specification_proof_verifies() {
        let proof = verify_jwt_proof(SPEC_PROOF).unwrap();
        assert_eq!(proof.claims.aud, "https://credential-issuer.example.com");
        assert_eq!(proof.claims.iat, 1_701_960_444);
        assert_eq!(
            proof.claims.nonce.as_deref(),
            Some("LarRGSbmUPYtRYO6BQ4yn8")
        );
        assert_eq!(
            p256_jwk(&proof.device_key)["x"],
            "nUWAoAv3XZith8E7i19OdaxOLYFOwM-Z2EuM02TirT4"
        );
    }

    #[test]
    fn our_proof_has_the_specified_shape_and_verifies() {
        let jwt = signed(&claims());
        let header: serde_json::Value = serde_json::from_slice(
            &crate::base64url::decode(jwt.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["typ"], PROOF_TYP);
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header.get("kid").is_none());
        let proof = verify_jwt_proof(&jwt).unwrap();
        assert_eq!(proof.claims, claims());
        assert_eq!(proof.device_key, PublicKey::from(key().verifying_key()));
    }

    fn reheader(jwt: &str, header: serde_json::Value) -> String {
        let rest = jwt.split_once('.').unwrap().1;
        format!(
            "{}.{rest}",
            crate::base64url::encode(serde_json::to_vec(&header).unwrap())
        )
    }

    #[test]
    fn bad_proofs_are_refused() {
        let jwt = signed(&claims());
        let jwk = p256_jwk(&PublicKey::from(key().verifying_key()));
        let other = p256_jwk(&PublicKey::from(
            SigningKey::from_slice(&[8u8; 32]).unwrap().verifying_key(),
        ));
        let mut cases = vec![
            String::new(),
            "a.b".into(),
            "a.b.c.d".into(),
            "!!.!!.!!".into(),
            format!("{jwt}x"),
            jwt.replacen('.', ".e30", 1),
            reheader(
                &jwt,
                serde_json::json!({"typ":"JWT","alg":"ES256","jwk":jwk}),
            ),
            reheader(
                &jwt,
                serde_json::json!({"typ":PROOF_TYP,"alg":"none","jwk":jwk}),
            ),
            reheader(
                &jwt,
                serde_json::json!({"typ":PROOF_TYP,"alg":"HS256","jwk":jwk}),
            ),
            reheader(&jwt, serde_json::json!({"typ":PROOF_TYP,"alg":"ES256"})),
            reheader(
                &jwt,
                serde_json::json!({"typ":PROOF_TYP,"alg":"ES256","jwk":jwk,"kid":"0"}),
            ),
            reheader(
                &jwt,
                serde_json::json!({"typ":PROOF_TYP,"alg":"ES256","jwk":other}),
            ),
            reheader(
                &jwt,
                serde_json::json!({"typ":PROOF_TYP,"alg":"ES256","jwk":{"kty":"OKP"}}),
            ),
            "x".repeat(MAX_PROOF_LEN + 1),
        ];
        // Another signer's signature over this input.
        let (input, _) = jwt.rsplit_once('.').unwrap();
        let forged: Signature = SigningKey::from_slice(&[9u8; 32])
            .unwrap()
            .sign(input.as_bytes());
        cases.push(format!(
            "{input}.{}",
            crate::base64url::encode(forged.to_bytes())
        ));
        for case in &cases {
            assert!(verify_jwt_proof(case).is_err(), "{case}");
        }
        let missing_aud = signed(&ProofClaims {
            aud: String::new(),
            ..claims()
        });
        assert!(verify_jwt_proof(&missing_aud).is_err());
    }
}
