//! Published online-presentation vectors (`testdata/online-vectors.json`, provenance in
//! `testdata/ONLINE-VECTORS.md`) against the crate: the OpenID4VP 1.0 Appendix B.2.6 handovers
//! byte for byte, the EU age-verification Annex C request and response structures, RFC 9180
//! A.3.1 through `hpke`, and the RFC 7518 Appendix C ECDH-ES shared secret and Concat KDF.
//! The JWE vectors are decrypted with `online::jwe` (OpenID4VP 1.0 §8.3) and its Concat KDF is
//! checked against RFC 7518 Appendix C and RFC 7520 §5.5.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use mdoc::cbor::{self, ToCbor, Value};
use mdoc::definitions::{DeviceRequest, Handover};
use mdoc::hpke;
use mdoc::online::dcapi::{self, EncryptedResponse, EncryptionInfo};
use mdoc::online::openid4vp;
use mdoc::session::ecdh;
use p256::{PublicKey, SecretKey};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

const VECTORS: &str = include_str!("../testdata/online-vectors.json");

fn vectors() -> &'static Json {
    static PARSED: OnceLock<Json> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(VECTORS).expect("online vectors JSON parses"))
}

fn entry(name: &str) -> &'static Json {
    let v = &vectors()[name];
    assert!(v.is_object(), "vector {name} exists");
    assert!(v["source"].as_str().is_some(), "vector {name} has a source");
    v
}

fn text(name: &str, field: &str) -> &'static str {
    entry(name)[field]
        .as_str()
        .unwrap_or_else(|| panic!("{name}.{field} is text"))
}

fn bytes(name: &str, field: &str) -> Vec<u8> {
    hex::decode(text(name, field)).expect("hex decodes")
}

fn b64(s: &str) -> Vec<u8> {
    mdoc::base64url::decode(s).expect("base64url decodes")
}

fn jwk_public(jwk: &Json) -> PublicKey {
    let x = b64(jwk["x"].as_str().unwrap());
    let y = b64(jwk["y"].as_str().unwrap());
    PublicKey::from_sec1_bytes(&[vec![4], x, y].concat()).expect("JWK point is on P-256")
}

fn jwk_secret(jwk: &Json) -> SecretKey {
    let secret = SecretKey::from_slice(&b64(jwk["d"].as_str().unwrap())).unwrap();
    assert_eq!(
        secret.public_key(),
        jwk_public(jwk),
        "published d matches x, y"
    );
    secret
}

/// Checks one Appendix B.2.6 example: the thumbprint, the HandoverInfo CBOR, the Handover (its
/// SHA-256) and the SessionTranscript the crate builds.
fn check_handover(name: &str, identifier: &str, info: Vec<Value>, built: Vec<u8>) {
    let info_bytes = cbor::encode(&Value::Array(info));
    assert_eq!(info_bytes, bytes(name, "handover_info_hex"), "HandoverInfo");
    let handover = cbor::encode(&Value::Array(vec![
        Value::text(identifier),
        Value::Bytes(Sha256::digest(&info_bytes).to_vec()),
    ]));
    assert_eq!(handover, bytes(name, "handover_hex"), "Handover");
    assert_eq!(
        built,
        bytes(name, "session_transcript_hex"),
        "SessionTranscript"
    );
    assert!(built.ends_with(&handover));
}

fn thumbprint(name: &str) -> [u8; 32] {
    let t = openid4vp::p256_jwk_thumbprint(&jwk_public(&entry(name)["jwk"]));
    assert_eq!(t.to_vec(), bytes(name, "jwk_thumbprint_hex"));
    t
}

#[test]
fn openid4vp_b_2_6_1_redirect_handover() {
    let name = "oid4vp_b26_redirect_session_transcript";
    let t = thumbprint(name);
    let (client_id, nonce, uri) = (
        text(name, "client_id"),
        text(name, "nonce"),
        text(name, "response_uri"),
    );
    let built = openid4vp::redirect_session_transcript(client_id, nonce, Some(&t), uri);
    check_handover(
        name,
        "OpenID4VPHandover",
        vec![
            Value::text(client_id),
            Value::text(nonce),
            Value::Bytes(t.to_vec()),
            Value::text(uri),
        ],
        cbor::encode(&built.to_cbor()),
    );
}

#[test]
fn openid4vp_b_2_6_2_dc_api_handover() {
    let name = "oid4vp_b26_dc_api_session_transcript";
    let t = thumbprint(name);
    let (origin, nonce) = (text(name, "origin"), text(name, "nonce"));
    let built = openid4vp::dc_api_session_transcript(origin, nonce, Some(&t));
    check_handover(
        name,
        "OpenID4VPDCAPIHandover",
        vec![
            Value::text(origin),
            Value::text(nonce),
            Value::Bytes(t.to_vec()),
        ],
        cbor::encode(&built.to_cbor()),
    );
}

#[test]
fn eu_age_verification_annex_c_request() {
    let name = "eu_av_annex_c_request";
    let info_b64 = text(name, "encryption_info_base64url");
    let info = EncryptionInfo::from_base64url(info_b64).unwrap();
    assert_eq!(info.nonce, bytes(name, "nonce_hex"));
    assert_eq!(info.nonce.len(), 16);
    let point = [
        vec![4],
        bytes(name, "recipient_public_key_x_hex"),
        bytes(name, "recipient_public_key_y_hex"),
    ]
    .concat();
    assert_eq!(
        info.recipient_public_key
            .public_key()
            .to_sec1_bytes()
            .to_vec(),
        point
    );
    // Re-encodes to the published bytes, so the base64url the transcript hashes survives.
    assert_eq!(cbor::to_vec(&info), bytes(name, "encryption_info_hex"));
    assert_eq!(info.to_base64url(), info_b64);

    let request: DeviceRequest =
        cbor::from_slice(&b64(text(name, "device_request_base64url"))).unwrap();
    assert_eq!(
        cbor::to_vec(&request),
        bytes(name, "device_request_hex"),
        "DeviceRequest re-encodes as published"
    );
    assert_eq!(request.version, "1.0");
    assert_eq!(request.doc_requests.len(), 1);
    let items = request.doc_requests[0].items_request.value();
    assert_eq!(items.doc_type, "eu.europa.ec.av.1");
    let elements: Vec<_> = items.elements().collect();
    assert_eq!(elements, vec![("eu.europa.ec.av.1", "age_over_18", false)]);

    // No origin is published with the example, so only the transcript's shape can be checked:
    // [null, null, ["dcapi", SHA-256(CBOR [encryptionInfo as received, origin])]].
    let origin = "https://verifier.example";
    let transcript = dcapi::session_transcript(info_b64, origin);
    let dcapi_info = cbor::encode(&Value::Array(vec![
        Value::text(info_b64),
        Value::text(origin),
    ]));
    let expected = [
        hex::decode("83f6f6826564636170695820").unwrap(),
        Sha256::digest(&dcapi_info).to_vec(),
    ]
    .concat();
    assert_eq!(dcapi::hpke_info(&transcript), expected);
    assert!(matches!(transcript.handover, Handover::Other(_)));
}

#[test]
fn eu_age_verification_annex_c_response() {
    let name = "eu_av_annex_c_response";
    let response_b64 = text(name, "response_base64url");
    let response = EncryptedResponse::from_base64url(response_b64).unwrap();
    assert_eq!(response.enc, bytes(name, "enc_hex"));
    assert!(PublicKey::from_sec1_bytes(&response.enc).is_ok());
    assert_eq!(
        response.cipher_text.len() as u64,
        entry(name)["cipher_text_len"].as_u64().unwrap()
    );
    assert_eq!(cbor::to_vec(&response), bytes(name, "response_hex"));
    assert_eq!(response.to_base64url(), response_b64);
    // The recipient private key is not published: any other key must fail cleanly.
    assert_eq!(
        hpke::open(
            &mdoc::rng::new_p256_secret_key(),
            &response.enc,
            b"any transcript",
            b"",
            &response.cipher_text
        ),
        Err(hpke::HpkeError::Open)
    );
}

/// An "RNG" that hands out a test vector's input keying material, once.
struct Ikm(Vec<u8>);

impl rand_core::TryRng for Ikm {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unimplemented!("HPKE draws bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unimplemented!("HPKE draws bytes")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let rest = self.0.split_off(dst.len());
        dst.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Ikm {}

#[test]
fn rfc_9180_a_3_1_through_the_public_api() {
    let name = "rfc9180_a_3_1_base_mode";
    let sk_e = SecretKey::from_slice(&bytes(name, "sk_e_hex")).unwrap();
    assert_eq!(
        sk_e.public_key().to_sec1_bytes().to_vec(),
        bytes(name, "pk_e_hex")
    );
    let sk_r = SecretKey::from_slice(&bytes(name, "sk_r_hex")).unwrap();
    let pk_r = PublicKey::from_sec1_bytes(&bytes(name, "pk_r_hex")).unwrap();
    assert_eq!(sk_r.public_key(), pk_r);
    let (info, aad, pt) = (
        bytes(name, "info_hex"),
        bytes(name, "aad_hex"),
        bytes(name, "pt_hex"),
    );
    // The RFC's skE is DeriveKeyPair(ikmE): an RNG yielding ikmE makes the published enc.
    let mut ikm_e = Ikm(bytes(name, "ikm_e_hex"));
    let (enc, ct) = hpke::seal_with_rng(&mut ikm_e, &pk_r, &info, &aad, &pt);
    assert!(ikm_e.0.is_empty(), "exactly ikmE was drawn");
    assert_eq!(enc, bytes(name, "pk_e_hex"));
    assert_eq!(ct, bytes(name, "ct_hex"));
    assert_eq!(
        hpke::open(
            &sk_r,
            &bytes(name, "pk_e_hex"),
            &info,
            &aad,
            &bytes(name, "ct_hex")
        )
        .unwrap(),
        pt
    );
}

fn with_length(b: &[u8]) -> Vec<u8> {
    [&(b.len() as u32).to_be_bytes()[..], b].concat()
}

#[test]
fn rfc_7518_appendix_c_ecdh_es_and_concat_kdf() {
    let name = "rfc7518_appendix_c_ecdh_es_concat_kdf";
    let v = entry(name);
    let alice = jwk_secret(&v["alice_ephemeral_jwk"]);
    let bob = jwk_secret(&v["bob_static_jwk"]);
    // The header's epk is Alice's public key.
    assert_eq!(jwk_public(&v["header"]["epk"]), alice.public_key());
    let z = bytes(name, "z_hex");
    assert_eq!(ecdh(&bob, &alice.public_key()).to_vec(), z);
    assert_eq!(ecdh(&alice, &bob.public_key()).to_vec(), z);

    // OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo (keydatalen 128).
    let apu = b64(v["header"]["apu"].as_str().unwrap());
    let apv = b64(v["header"]["apv"].as_str().unwrap());
    assert_eq!(
        (apu.as_slice(), apv.as_slice()),
        (&b"Alice"[..], &b"Bob"[..])
    );
    assert_eq!(with_length(b"A128GCM"), bytes(name, "algorithm_id_hex"));
    assert_eq!(with_length(&apu), bytes(name, "party_u_info_hex"));
    assert_eq!(with_length(&apv), bytes(name, "party_v_info_hex"));
    assert_eq!(
        128u32.to_be_bytes().to_vec(),
        bytes(name, "supp_pub_info_hex")
    );
    let round1 = Sha256::digest(
        [
            &1u32.to_be_bytes()[..],
            &z,
            &bytes(name, "algorithm_id_hex"),
            &bytes(name, "party_u_info_hex"),
            &bytes(name, "party_v_info_hex"),
            &bytes(name, "supp_pub_info_hex"),
        ]
        .concat(),
    );
    let key = bytes(name, "derived_key_hex");
    assert_eq!(&round1[..16], key.as_slice());
    assert_eq!(b64(text(name, "derived_key_base64url")), key);
}

#[test]
fn jwe_vectors_are_self_consistent() {
    // OpenID4VP 1.0 Section 8.3: the published private key is the recipient key, and the
    // protected header segment decodes to the published header.
    let name = "oid4vp_8_3_encrypted_response_jwe";
    let v = entry(name);
    let recipient = jwk_secret(&v["recipient_jwk"]);
    let segments: Vec<&str> = text(name, "compact").split('.').collect();
    assert_eq!(segments.len(), 5);
    assert!(segments[1].is_empty(), "ECDH-ES direct: no encrypted key");
    let header: Json = serde_json::from_slice(&b64(segments[0])).unwrap();
    assert_eq!(header, v["protected_header"]);
    assert_eq!(
        (header["alg"].as_str(), header["enc"].as_str()),
        (Some("ECDH-ES"), Some("A128GCM"))
    );
    assert_eq!(b64(segments[2]).len(), 12, "96-bit IV");
    assert_eq!(b64(segments[4]).len(), 16, "128-bit tag");
    assert_eq!(
        ecdh(&recipient, &jwk_public(&header["epk"])).to_vec(),
        bytes(name, "derived_z_hex")
    );

    // RFC 7520 5.5 (ECDH-ES, A128CBC-HS256): the key pair and epk match the compact header.
    let name = "rfc7520_5_5_ecdh_es_a128cbc_hs256";
    let v = entry(name);
    let recipient = jwk_secret(&v["recipient_jwk"]);
    let ephemeral = jwk_secret(&v["ephemeral_jwk"]);
    let header: Json =
        serde_json::from_slice(&b64(text(name, "compact").split('.').next().unwrap())).unwrap();
    assert_eq!(jwk_public(&header["epk"]), ephemeral.public_key());
    assert_eq!(
        ecdh(&recipient, &ephemeral.public_key()).to_vec(),
        bytes(name, "derived_z_hex")
    );
    assert_eq!(b64(text(name, "cek_base64url")), bytes(name, "cek_hex"));

    // RFC 7520 5.6 (dir, A128GCM).
    let name = "rfc7520_5_6_dir_a128gcm";
    assert_eq!(b64(text(name, "key_base64url")), bytes(name, "key_hex"));
    assert_eq!(text(name, "compact").split('.').count(), 5);
}

#[test]
fn dcql_examples_are_recorded() {
    for name in [
        "oid4vp_dcql_simple_mdoc",
        "oid4vp_dcql_complex_mdoc_credential_sets",
        "oid4vp_dcql_claims_alternatives_claim_sets",
    ] {
        let credentials = entry(name)["dcql_query"]["credentials"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has credentials"));
        assert!(!credentials.is_empty());
    }
    let sets = entry("oid4vp_dcql_complex_mdoc_credential_sets")["dcql_query"]["credential_sets"]
        .as_array()
        .unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[1]["required"], Json::Bool(false));
    // The EU profile's query is kept as published text (with its trailing-space doctype).
    let eu: Json =
        serde_json::from_str(text("eu_av_dcql_proof_of_age", "dcql_query_text")).unwrap();
    assert_eq!(
        eu["credentials"][0]["meta"]["doctype_value"],
        Json::from("eu.europa.ec.av.1 ")
    );
}

#[test]
fn openid4vp_8_3_encrypted_response_decrypts_with_our_jwe() {
    use mdoc::online::jwe::{self, ContentEncryption};
    let name = "oid4vp_8_3_encrypted_response_jwe";
    let v = entry(name);
    let recipient = jwk_secret(&v["recipient_jwk"]);
    let opened = jwe::decrypt(&recipient, text(name, "compact")).unwrap();
    assert_eq!(opened.enc, ContentEncryption::A128Gcm);
    assert_eq!(opened.kid.as_deref(), Some("ac"));
    let payload: Json = serde_json::from_slice(&opened.plaintext).unwrap();
    assert_eq!(payload, v["payload"]);
    assert_eq!(
        String::from_utf8(opened.plaintext).unwrap(),
        text(name, "derived_plaintext")
    );
    // Another recipient key cannot open it.
    assert_eq!(
        jwe::decrypt(&mdoc::rng::new_p256_secret_key(), text(name, "compact")),
        Err(jwe::JweError::Decrypt)
    );
}

#[test]
fn rfc_7518_and_7520_key_agreement_through_our_concat_kdf() {
    use mdoc::online::jwe;
    let name = "rfc7518_appendix_c_ecdh_es_concat_kdf";
    let key = jwe::concat_kdf(&bytes(name, "z_hex"), "A128GCM", b"Alice", b"Bob", 16);
    assert_eq!(key.to_vec(), bytes(name, "derived_key_hex"));

    // RFC 7520 5.5: the CEK is the 256-bit Concat KDF output for A128CBC-HS256, empty apu/apv;
    // the JWE itself uses CBC, which a GCM-only decryptor refuses before any key agreement.
    let name = "rfc7520_5_5_ecdh_es_a128cbc_hs256";
    let v = entry(name);
    let recipient = jwk_secret(&v["recipient_jwk"]);
    let ephemeral = jwk_secret(&v["ephemeral_jwk"]);
    let z = ecdh(&recipient, &ephemeral.public_key());
    assert_eq!(
        jwe::concat_kdf(&z[..], "A128CBC-HS256", b"", b"", 32).to_vec(),
        bytes(name, "cek_hex")
    );
    assert!(matches!(
        jwe::decrypt(&recipient, text(name, "compact")),
        Err(jwe::JweError::Unsupported(_))
    ));
}
