//! DPoP proofs (RFC 9449): a JWS in compact serialisation, ES256, header
//! `{"typ":"dpop+jwt","alg":"ES256","jwk":<public key>}`, claims `jti`, `htm`, `htu`, `iat`,
//! and `ath` (the access token's hash) on resource requests and `nonce` when the server gave
//! one. Signing goes through a callback so the key stays in a secure area; verification checks
//! the form and signature and returns the key's RFC 7638 thumbprint (`jkt`) and the claims for
//! the server to judge against the request and its own state.

use p256::PublicKey;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{MAX_TOKEN_LEN, Oid4vciError};
use crate::online::jwe::{p256_jwk, parse_p256_jwk};

/// The `typ` of a DPoP proof.
pub const DPOP_TYP: &str = "dpop+jwt";

/// The request header carrying a proof, and the response header carrying a server nonce.
pub const DPOP_HEADER: &str = "DPoP";

/// The response header carrying the server's nonce (RFC 9449 §8, §9).
pub const DPOP_NONCE_HEADER: &str = "DPoP-Nonce";

/// The error code asking the client to retry with the server's nonce (RFC 9449 §8).
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// Longest DPoP proof accepted.
pub const MAX_DPOP_LEN: usize = 8 * 1024;

/// The claims of a DPoP proof (RFC 9449 §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DpopClaims {
    /// A unique identifier of this proof.
    pub jti: String,
    /// The HTTP method of the request.
    pub htm: String,
    /// The HTTP target URI, without query and fragment.
    pub htu: String,
    /// When the proof was made (seconds since the epoch).
    pub iat: i64,
    /// The access token's hash, on requests carrying one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ath: Option<String>,
    /// The server's nonce, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// `ath`: BASE64URL(SHA-256(ASCII(access token))) (RFC 9449 §4.2).
pub fn access_token_hash(access_token: &str) -> String {
    crate::base64url::encode(Sha256::digest(access_token.as_bytes()))
}

/// The RFC 7638 thumbprint of a P-256 key: SHA-256 of `{"crv","kty","x","y"}` in that order,
/// no whitespace, base64url.
pub fn jwk_thumbprint(key: &PublicKey) -> String {
    crate::base64url::encode(crate::online::openid4vp::p256_jwk_thumbprint(key))
}

/// The `htu` of `url`: the URL without query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// Makes a DPoP proof for `key` with `claims`, asking `sign` for the ES256 signature (64
/// bytes r‖s over SHA-256 of the signing input).
pub fn sign_dpop_proof<E>(
    key: &PublicKey,
    claims: &DpopClaims,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<String, E> {
    let header = serde_json::json!({ "typ": DPOP_TYP, "alg": "ES256", "jwk": p256_jwk(key) });
    super::proof::sign_compact_es256(&header, claims, sign)
}

/// A DPoP proof whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedDpop {
    /// The key in the header, which signed the proof.
    pub key: PublicKey,
    /// Its RFC 7638 thumbprint.
    pub jkt: String,
    /// The claims, for the server to check.
    pub claims: DpopClaims,
}

fn part(segment: Option<&str>) -> Result<Vec<u8>, Oid4vciError> {
    let segment = segment.ok_or(Oid4vciError::Proof("DPoP: not three segments"))?;
    crate::base64url::decode(segment)
        .map_err(|_| Oid4vciError::Proof("DPoP: a segment is not base64url"))
}

/// Verifies a DPoP proof's form and signature (RFC 9449 §4.3 steps 1–8 that need no server
/// state): three segments, `typ` = `dpop+jwt`, `alg` = `ES256`, a public P-256 `jwk`, the
/// claims `jti`, `htm`, `htu`, `iat`, and an ES256 signature by the `jwk`. The server checks
/// `htm`, `htu`, `iat`, `ath`, `nonce` and `jti` reuse itself.
pub fn verify_dpop_proof(jwt: &str) -> Result<VerifiedDpop, Oid4vciError> {
    if jwt.len() > MAX_DPOP_LEN {
        return Err(Oid4vciError::TooLarge("DPoP proof"));
    }
    let mut segments = jwt.split('.');
    let (header_b64, payload_b64) = (segments.next(), segments.next());
    let header = part(header_b64)?;
    let payload = part(payload_b64)?;
    let signature = part(segments.next())?;
    if segments.next().is_some() {
        return Err(Oid4vciError::Proof("DPoP: not three segments"));
    }
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&header)
        .map_err(|_| Oid4vciError::Proof("DPoP: header is not JSON"))?;
    if header.get("typ").and_then(|v| v.as_str()) != Some(DPOP_TYP) {
        return Err(Oid4vciError::Proof("DPoP: typ is not dpop+jwt"));
    }
    if header.get("alg").and_then(|v| v.as_str()) != Some("ES256") {
        return Err(Oid4vciError::Proof("DPoP: alg is not ES256"));
    }
    let jwk = header
        .get("jwk")
        .ok_or(Oid4vciError::Proof("DPoP: no jwk"))?;
    if jwk.get("d").is_some() {
        return Err(Oid4vciError::Proof("DPoP: jwk holds a private key"));
    }
    let key = parse_p256_jwk(jwk).map_err(|_| Oid4vciError::Proof("DPoP: jwk is not P-256"))?;
    let claims: DpopClaims = serde_json::from_slice(&payload)
        .map_err(|_| Oid4vciError::Proof("DPoP: claims are malformed"))?;
    let too_long = [&claims.jti, &claims.htm, &claims.htu]
        .into_iter()
        .chain(claims.ath.as_ref())
        .chain(claims.nonce.as_ref())
        .any(|v| v.len() > MAX_TOKEN_LEN);
    if claims.jti.is_empty() || too_long {
        return Err(Oid4vciError::Proof("DPoP: claims are malformed"));
    }
    let signature = Signature::from_slice(&signature)
        .map_err(|_| Oid4vciError::Proof("DPoP: signature is not ES256"))?;
    let signing_input_len = header_b64.map_or(0, str::len) + 1 + payload_b64.map_or(0, str::len);
    let signing_input = jwt
        .get(..signing_input_len)
        .ok_or(Oid4vciError::Proof("DPoP: not three segments"))?;
    VerifyingKey::from(&key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Oid4vciError::Proof("DPoP: signature does not verify"))?;
    Ok(VerifiedDpop {
        jkt: jwk_thumbprint(&key),
        key,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;

    /// RFC 9449 §4.1 Figure 2 (the proof for a token request), line breaks removed.
    const RFC_PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";

    /// RFC 9449 §6.1 Figure 9: the `jkt` of that proof's key.
    const RFC_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

    #[test]
    fn the_rfc_9449_proof_verifies_and_its_thumbprint_matches() {
        let verified = verify_dpop_proof(RFC_PROOF).unwrap();
        assert_eq!(verified.jkt, RFC_JKT);
        assert_eq!(verified.claims.htm, "POST");
        assert_eq!(verified.claims.htu, "https://server.example.com/token");
        assert_eq!(verified.claims.iat, 1_562_262_616);
        assert_eq!(verified.claims.jti, "-BwC3ESc6acc2lTc");
    }

    #[test]
    fn the_rfc_9449_access_token_hash() {
        // RFC 9449 §7.1: the access token of Figure 12 and the `ath` of Figure 13.
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
        assert_eq!(htu("https://a.example/x?y=1#z"), "https://a.example/x");
    }

    fn claims() -> DpopClaims {
        DpopClaims {
            jti: "j".into(),
            htm: "POST".into(),
            htu: "https://issuer.example/credential".into(),
            iat: 1_700_000_000,
            ath: Some(access_token_hash("t")),
            nonce: Some("n".into()),
        }
    }

    #[test]
    fn ours_round_trip_and_tampering_is_refused() {
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let public = PublicKey::from(key.verifying_key());
        let sign = |input: &[u8]| -> Result<[u8; 64], ()> {
            let signature: Signature = key.sign(input);
            Ok(signature.to_bytes().into())
        };
        let proof = sign_dpop_proof(&public, &claims(), sign).unwrap();
        let verified = verify_dpop_proof(&proof).unwrap();
        assert_eq!(verified.claims, claims());
        assert_eq!(verified.jkt, jwk_thumbprint(&public));
        let (header, rest) = proof.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let other_claims = crate::base64url::encode(
            serde_json::to_vec(&DpopClaims {
                htm: "GET".into(),
                ..claims()
            })
            .unwrap(),
        );
        let other_header =
            crate::base64url::encode(br#"{"typ":"openid4vci-proof+jwt","alg":"ES256","jwk":{}}"#);
        for bad in [
            format!("{header}.{other_claims}.{signature}"),
            format!("{other_header}.{payload}.{signature}"),
            format!("{header}.{payload}"),
            format!("{header}.{payload}.{signature}.x"),
            format!("{header}.{payload}.AAAA"),
            format!("{header}.!!.{signature}"),
            String::new(),
            "a".repeat(MAX_DPOP_LEN + 1),
        ] {
            assert!(verify_dpop_proof(&bad).is_err(), "{bad}");
        }
    }
}
