//! JWE (RFC 7516) compact serialization with direct key agreement `ECDH-ES` on P-256 (RFC 7518
//! §4.6) and `A128GCM` / `A256GCM` content encryption: what OpenID4VP 1.0 uses for encrypted
//! authorization responses (`dc_api.jwt`, `direct_post.jwt`).
//!
//! Decryption refuses everything outside that profile (other algorithms, compression, critical
//! headers, an encrypted key, malformed or off-curve ephemeral keys) before any key agreement.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, KeyInit, Nonce};
use p256::{PublicKey, SecretKey};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The only key management algorithm supported.
pub const ALG_ECDH_ES: &str = "ECDH-ES";
/// Largest accepted compact JWE (an encrypted vp_token with portraits fits well within).
pub const MAX_JWE_LEN: usize = 8 * 1024 * 1024;
/// Largest accepted protected header (base64url characters).
pub const MAX_HEADER_LEN: usize = 8 * 1024;

/// Why a JWE could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JweError {
    /// Not a compact JWE of five base64url parts, too long, or a header that is not a JSON
    /// object.
    #[error("malformed JWE: {0}")]
    Malformed(&'static str),
    /// A header asks for something outside ECDH-ES with A128GCM/A256GCM on P-256.
    #[error("unsupported JWE: {0}")]
    Unsupported(&'static str),
    /// A JWK is not a P-256 public key.
    #[error("JWK is not a P-256 public key")]
    Key,
    /// Decryption failed: another recipient key, or the JWE was altered.
    #[error("JWE decryption failed")]
    Decrypt,
}

/// Content encryption algorithms (`enc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncryption {
    /// AES-GCM with a 128-bit key.
    A128Gcm,
    /// AES-GCM with a 256-bit key.
    A256Gcm,
}

impl ContentEncryption {
    /// The `enc` header value.
    pub fn name(self) -> &'static str {
        match self {
            ContentEncryption::A128Gcm => "A128GCM",
            ContentEncryption::A256Gcm => "A256GCM",
        }
    }

    /// Reads an `enc` value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "A128GCM" => Some(ContentEncryption::A128Gcm),
            "A256GCM" => Some(ContentEncryption::A256Gcm),
            _ => None,
        }
    }

    fn key_len(self) -> usize {
        match self {
            ContentEncryption::A128Gcm => 16,
            ContentEncryption::A256Gcm => 32,
        }
    }
}

/// A decrypted JWE.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The content encryption used.
    pub enc: ContentEncryption,
    /// The `kid` header, when present.
    pub kid: Option<String>,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext_len", &self.plaintext.len())
            .field("enc", &self.enc)
            .field("kid", &self.kid)
            .finish()
    }
}

/// The public JWK of a P-256 key: `{"kty":"EC","crv":"P-256","x":…,"y":…}`.
pub fn p256_jwk(key: &PublicKey) -> Json {
    let point = key.to_sec1_bytes();
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": crate::base64url::encode(point.get(1..33).unwrap_or_default()),
        "y": crate::base64url::encode(point.get(33..65).unwrap_or_default()),
    })
}

fn coordinate(jwk: &Json, name: &str) -> Result<Vec<u8>, JweError> {
    jwk.get(name)
        .and_then(Json::as_str)
        .and_then(|text| crate::base64url::decode(text).ok())
        .filter(|bytes| bytes.len() == 32)
        .ok_or(JweError::Key)
}

/// Reads a P-256 public JWK, refusing other key types and points not on the curve.
pub fn parse_p256_jwk(jwk: &Json) -> Result<PublicKey, JweError> {
    if jwk.get("kty").and_then(Json::as_str) != Some("EC")
        || jwk.get("crv").and_then(Json::as_str) != Some("P-256")
    {
        return Err(JweError::Key);
    }
    let point = [vec![4], coordinate(jwk, "x")?, coordinate(jwk, "y")?].concat();
    PublicKey::from_sec1_bytes(&point).map_err(|_| JweError::Key)
}

fn length_prefixed(bytes: &[u8]) -> Vec<u8> {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    [&len.to_be_bytes()[..], bytes].concat()
}

/// The Concat KDF of RFC 7518 §4.6.2 (NIST SP 800-56A single-step KDF with SHA-256), for key
/// lengths up to 256 bits: one round of SHA-256(counter 1 ‖ Z ‖ AlgorithmID ‖ PartyUInfo ‖
/// PartyVInfo ‖ SuppPubInfo).
pub fn concat_kdf(
    z: &[u8],
    algorithm_id: &str,
    apu: &[u8],
    apv: &[u8],
    key_len: usize,
) -> Zeroizing<Vec<u8>> {
    let bits = u32::try_from(key_len.saturating_mul(8)).unwrap_or(u32::MAX);
    let mut hash = Sha256::new();
    hash.update(1u32.to_be_bytes());
    hash.update(z);
    hash.update(length_prefixed(algorithm_id.as_bytes()));
    hash.update(length_prefixed(apu));
    hash.update(length_prefixed(apv));
    hash.update(bits.to_be_bytes());
    let digest = Zeroizing::new(hash.finalize().to_vec());
    Zeroizing::new(digest.get(..key_len.min(32)).unwrap_or_default().to_vec())
}

fn content_key(
    secret: &SecretKey,
    public: &PublicKey,
    enc: ContentEncryption,
    apu: &[u8],
    apv: &[u8],
) -> Zeroizing<Vec<u8>> {
    let z = crate::session::ecdh(secret, public);
    concat_kdf(z.as_slice(), enc.name(), apu, apv, enc.key_len())
}

fn gcm(
    enc: ContentEncryption,
    key: &[u8],
    iv: &[u8; 12],
    aad: &[u8],
    input: &[u8],
    seal: bool,
) -> Result<Vec<u8>, JweError> {
    let nonce = Nonce::from(*iv);
    let payload = Payload { msg: input, aad };
    let result = match enc {
        ContentEncryption::A128Gcm => {
            let cipher = Aes128Gcm::new_from_slice(key).map_err(|_| JweError::Decrypt)?;
            if seal {
                cipher.encrypt(&nonce, payload)
            } else {
                cipher.decrypt(&nonce, payload)
            }
        }
        ContentEncryption::A256Gcm => {
            let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| JweError::Decrypt)?;
            if seal {
                cipher.encrypt(&nonce, payload)
            } else {
                cipher.decrypt(&nonce, payload)
            }
        }
    };
    result.map_err(|_| JweError::Decrypt)
}

/// Encrypts `plaintext` to `recipient` with a fresh ephemeral key and IV, returning the compact
/// JWE. `kid` names the recipient key in the header when the verifier gave one.
pub fn encrypt(
    recipient: &PublicKey,
    kid: Option<&str>,
    enc: ContentEncryption,
    plaintext: &[u8],
) -> String {
    encrypt_with(
        &crate::rng::new_p256_secret_key(),
        crate::rng::random_bytes::<12>(),
        recipient,
        kid,
        enc,
        plaintext,
    )
}

/// [`encrypt`] with the ephemeral key and IV given (for reproducible tests only: both must be
/// fresh for every message).
pub fn encrypt_with(
    ephemeral: &SecretKey,
    iv: [u8; 12],
    recipient: &PublicKey,
    kid: Option<&str>,
    enc: ContentEncryption,
    plaintext: &[u8],
) -> String {
    let mut header = json!({
        "alg": ALG_ECDH_ES,
        "enc": enc.name(),
        "epk": p256_jwk(&ephemeral.public_key()),
    });
    if let (Some(kid), Some(map)) = (kid, header.as_object_mut()) {
        map.insert("kid".to_owned(), Json::String(kid.to_owned()));
    }
    let protected = crate::base64url::encode(header.to_string());
    let key = content_key(ephemeral, recipient, enc, b"", b"");
    // Sealing with a key of the right length cannot fail.
    let sealed = gcm(enc, &key, &iv, protected.as_bytes(), plaintext, true).unwrap_or_default();
    let (ciphertext, tag) = sealed.split_at(sealed.len().saturating_sub(16));
    format!(
        "{protected}..{}.{}.{}",
        crate::base64url::encode(iv),
        crate::base64url::encode(ciphertext),
        crate::base64url::encode(tag)
    )
}

fn part(text: &str, what: &'static str) -> Result<Vec<u8>, JweError> {
    crate::base64url::decode(text).map_err(|_| JweError::Malformed(what))
}

fn optional_part(header: &Json, name: &'static str) -> Result<Vec<u8>, JweError> {
    match header.get(name) {
        None => Ok(Vec::new()),
        Some(value) => value
            .as_str()
            .and_then(|text| crate::base64url::decode(text).ok())
            .ok_or(JweError::Malformed(name)),
    }
}

/// The parts of a compact JWE, checked against the supported profile but not yet decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JweHeader {
    /// The content encryption.
    pub enc: ContentEncryption,
    /// The `kid` header, when present.
    pub kid: Option<String>,
    epk: PublicKey,
    apu: Vec<u8>,
    apv: Vec<u8>,
}

/// Reads the protected header of a compact JWE, refusing anything outside the profile.
pub fn parse_header(protected: &str) -> Result<JweHeader, JweError> {
    if protected.len() > MAX_HEADER_LEN {
        return Err(JweError::Malformed("protected header too long"));
    }
    let header: Json = serde_json::from_slice(&part(protected, "protected header")?)
        .map_err(|_| JweError::Malformed("protected header JSON"))?;
    if !header.is_object() {
        return Err(JweError::Malformed("protected header is not an object"));
    }
    if header.get("alg").and_then(Json::as_str) != Some(ALG_ECDH_ES) {
        return Err(JweError::Unsupported("alg (only ECDH-ES)"));
    }
    let enc = header
        .get("enc")
        .and_then(Json::as_str)
        .and_then(ContentEncryption::from_name)
        .ok_or(JweError::Unsupported("enc (only A128GCM, A256GCM)"))?;
    if header.get("zip").is_some() {
        return Err(JweError::Unsupported("zip"));
    }
    if header.get("crit").is_some() {
        return Err(JweError::Unsupported("crit"));
    }
    let epk = parse_p256_jwk(header.get("epk").ok_or(JweError::Malformed("epk"))?)?;
    let kid = match header.get("kid") {
        None => None,
        Some(kid) => Some(kid.as_str().ok_or(JweError::Malformed("kid"))?.to_owned()),
    };
    Ok(JweHeader {
        enc,
        kid,
        epk,
        apu: optional_part(&header, "apu")?,
        apv: optional_part(&header, "apv")?,
    })
}

/// Decrypts a compact JWE made for `recipient`.
pub fn decrypt(recipient: &SecretKey, compact: &str) -> Result<Decrypted, JweError> {
    if compact.len() > MAX_JWE_LEN {
        return Err(JweError::Malformed("too long"));
    }
    let parts: Vec<&str> = compact.splitn(6, '.').collect();
    let [protected, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
        return Err(JweError::Malformed("not five parts"));
    };
    let header = parse_header(protected)?;
    if !encrypted_key.is_empty() {
        return Err(JweError::Unsupported(
            "encrypted key (direct key agreement has none)",
        ));
    }
    let iv: [u8; 12] = part(iv, "iv")?
        .try_into()
        .map_err(|_| JweError::Malformed("iv is not 96 bits"))?;
    let tag = part(tag, "tag")?;
    if tag.len() != 16 {
        return Err(JweError::Malformed("tag is not 128 bits"));
    }
    let sealed = [part(ciphertext, "ciphertext")?, tag].concat();
    let key = content_key(recipient, &header.epk, header.enc, &header.apu, &header.apv);
    let plaintext = gcm(header.enc, &key, &iv, protected.as_bytes(), &sealed, false)?;
    Ok(Decrypted {
        plaintext,
        enc: header.enc,
        kid: header.kid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk_secret(d: &str) -> SecretKey {
        SecretKey::from_slice(&crate::base64url::decode(d).unwrap()).unwrap()
    }

    // RFC 7518 Appendix C: ECDH-ES key agreement with A128GCM, apu "Alice", apv "Bob".
    const ALICE_D: &str = "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo";
    const ALICE_X: &str = "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0";
    const BOB_D: &str = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw";
    const BOB_X: &str = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ";
    const DERIVED_KEY: &str = "VqqN6vgjbSBcIijNcacQGg";

    #[test]
    fn rfc_7518_appendix_c_key_agreement() {
        let alice = jwk_secret(ALICE_D);
        let bob = jwk_secret(BOB_D);
        assert_eq!(p256_jwk(&alice.public_key())["x"], ALICE_X);
        assert_eq!(p256_jwk(&bob.public_key())["x"], BOB_X);
        let z = crate::session::ecdh(&alice, &bob.public_key());
        let key = concat_kdf(&z[..], "A128GCM", b"Alice", b"Bob", 16);
        assert_eq!(crate::base64url::encode(key.as_slice()), DERIVED_KEY);
    }

    #[test]
    fn round_trip_both_encryptions() {
        let recipient = crate::rng::new_p256_secret_key();
        for enc in [ContentEncryption::A128Gcm, ContentEncryption::A256Gcm] {
            let jwe = encrypt(
                &recipient.public_key(),
                Some("k1"),
                enc,
                b"{\"vp_token\":{}}",
            );
            let opened = decrypt(&recipient, &jwe).unwrap();
            assert_eq!(opened.plaintext, b"{\"vp_token\":{}}");
            assert_eq!(opened.enc, enc);
            assert_eq!(opened.kid.as_deref(), Some("k1"));
            let header = parse_header(jwe.split('.').next().unwrap()).unwrap();
            assert_eq!(header.enc, enc);
        }
    }

    #[test]
    fn another_key_or_any_altered_part_fails() {
        let recipient = crate::rng::new_p256_secret_key();
        let jwe = encrypt(
            &recipient.public_key(),
            None,
            ContentEncryption::A128Gcm,
            b"secret payload",
        );
        assert_eq!(
            decrypt(&crate::rng::new_p256_secret_key(), &jwe),
            Err(JweError::Decrypt)
        );
        let parts: Vec<&str> = jwe.split('.').collect();
        for index in [2, 3, 4] {
            let mut altered: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            let mut bytes = crate::base64url::decode(&altered[index]).unwrap();
            bytes[0] ^= 1;
            altered[index] = crate::base64url::encode(bytes);
            assert_eq!(
                decrypt(&recipient, &altered.join(".")),
                Err(JweError::Decrypt),
                "part {index}"
            );
        }
        // A header re-encoded with the same meaning is other AAD bytes.
        let header: Json =
            serde_json::from_slice(&crate::base64url::decode(parts[0]).unwrap()).unwrap();
        let pretty = crate::base64url::encode(serde_json::to_string_pretty(&header).unwrap());
        let reencoded = [pretty.as_str(), "", parts[2], parts[3], parts[4]].join(".");
        assert_eq!(decrypt(&recipient, &reencoded), Err(JweError::Decrypt));
    }

    fn with_header(header: &Json) -> String {
        format!(
            "{}..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
            crate::base64url::encode(header.to_string())
        )
    }

    #[test]
    fn refuses_what_is_outside_the_profile() {
        let recipient = crate::rng::new_p256_secret_key();
        let epk = p256_jwk(&crate::rng::new_p256_secret_key().public_key());
        let cases = [
            (
                json!({"alg": "RSA-OAEP", "enc": "A128GCM", "epk": epk}),
                JweError::Unsupported("alg (only ECDH-ES)"),
            ),
            (
                json!({"alg": "ECDH-ES+A128KW", "enc": "A128GCM", "epk": epk}),
                JweError::Unsupported("alg (only ECDH-ES)"),
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128CBC-HS256", "epk": epk}),
                JweError::Unsupported("enc (only A128GCM, A256GCM)"),
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": epk, "zip": "DEF"}),
                JweError::Unsupported("zip"),
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": epk, "crit": ["x"]}),
                JweError::Unsupported("crit"),
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM"}),
                JweError::Malformed("epk"),
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}}),
                JweError::Key,
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": {"kty": "EC", "crv": "P-256",
                    "x": crate::base64url::encode([1u8; 32]), "y": crate::base64url::encode([2u8; 32])}}),
                JweError::Key,
            ),
            (
                json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": epk, "kid": 7}),
                JweError::Malformed("kid"),
            ),
            (
                json!(["ECDH-ES"]),
                JweError::Malformed("protected header is not an object"),
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(decrypt(&recipient, &with_header(&header)), Err(expected));
        }
        for garbage in ["", "a.b.c", "....", "!!!!..AA.AA.AA", "a.b.c.d.e.f"] {
            assert!(
                matches!(decrypt(&recipient, garbage), Err(JweError::Malformed(_))),
                "{garbage}"
            );
        }
        let valid = encrypt(
            &recipient.public_key(),
            None,
            ContentEncryption::A128Gcm,
            b"x",
        );
        let mut parts: Vec<&str> = valid.split('.').collect();
        parts[1] = "AAAA";
        assert!(matches!(
            decrypt(&recipient, &parts.join(".")),
            Err(JweError::Unsupported(_))
        ));
        let long = "A".repeat(MAX_JWE_LEN + 1);
        assert_eq!(
            decrypt(&recipient, &long),
            Err(JweError::Malformed("too long"))
        );
    }

    #[test]
    fn debug_shows_no_plaintext() {
        let recipient = crate::rng::new_p256_secret_key();
        let jwe = encrypt(
            &recipient.public_key(),
            None,
            ContentEncryption::A256Gcm,
            b"PLANTED",
        );
        let opened = decrypt(&recipient, &jwe).unwrap();
        assert!(!format!("{opened:?}").contains("PLANTED"));
        assert!(!format!("{opened:?}").contains("80, 76, 65"));
    }
}
