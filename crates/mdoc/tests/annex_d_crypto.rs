//! The Annex D crypto: session keys, both decryptions and re-encryptions, readerAuth,
//! issuerAuth with the six digests, and deviceMac from either side's private key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use der::Decode;
use mdoc::auth::{device_authentication_bytes, emac_key, reader_authentication_bytes};
use mdoc::cbor::{self, Embedded, Tagged, ToCbor};
use mdoc::cose::{CoseError, CoseMac0, CoseSign1};
use mdoc::definitions::*;
use mdoc::session::{Role, SessionCipher, SessionError, SessionKeys, ecdh};
use p256::ecdsa::VerifyingKey;
use sha2::{Digest, Sha256};

fn secret(name: &str) -> p256::SecretKey {
    p256::SecretKey::from_slice(&common::key_part(name, "d")).unwrap()
}

fn public(name: &str) -> p256::PublicKey {
    secret(name).public_key()
}

fn cert_key(name: &str) -> VerifyingKey {
    let cert = x509_cert::Certificate::from_der(&common::bytes(name)).unwrap();
    let spki = cert.tbs_certificate().subject_public_key_info();
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).unwrap()
}

fn transcript() -> (SessionTranscript, Embedded) {
    SessionTranscript::from_bytes(&common::bytes("session_transcript_bytes")).unwrap()
}

fn session_keys() -> SessionKeys {
    let z = ecdh(
        &secret("e_device_key_private"),
        &public("e_reader_key_private"),
    );
    SessionKeys::derive(&z, transcript().1.encoded())
}

#[test]
fn ecdh_and_session_keys() {
    let z_device = ecdh(
        &secret("e_device_key_private"),
        &public("e_reader_key_private"),
    );
    let z_reader = ecdh(
        &secret("e_reader_key_private"),
        &public("e_device_key_private"),
    );
    assert_eq!(*z_device, *z_reader);
    assert_eq!(z_device.to_vec(), common::bytes("zab_shared_secret"));
    assert_eq!(
        Sha256::digest(transcript().1.encoded()).to_vec(),
        common::bytes("session_transcript_sha256")
    );
    let keys = session_keys();
    assert_eq!(keys.sk_reader().to_vec(), common::bytes("sk_reader"));
    assert_eq!(keys.sk_device().to_vec(), common::bytes("sk_device"));
    // The EReaderKey in the establishment is the private key's public half.
    let establishment: SessionEstablishment =
        cbor::from_slice(&common::bytes("session_establishment")).unwrap();
    assert_eq!(
        establishment.e_reader_key.public_key(),
        &public("e_reader_key_private")
    );
}

#[test]
fn both_decryptions_and_identical_re_encryptions() {
    let keys = session_keys();
    let establishment: SessionEstablishment =
        cbor::from_slice(&common::bytes("session_establishment")).unwrap();
    let data: SessionData = cbor::from_slice(&common::bytes("session_data")).unwrap();
    let response_ct = data.data.unwrap();

    let mut device = SessionCipher::new(Role::Device, &keys);
    assert_eq!(
        device.decrypt(&establishment.data).unwrap(),
        common::bytes("device_request")
    );
    assert_eq!(
        device.encrypt(&common::bytes("device_response")).unwrap(),
        response_ct
    );

    let mut reader = SessionCipher::new(Role::Reader, &keys);
    assert_eq!(
        reader.encrypt(&common::bytes("device_request")).unwrap(),
        establishment.data
    );
    assert_eq!(
        reader.decrypt(&response_ct).unwrap(),
        common::bytes("device_response")
    );
}

#[test]
fn flipped_ciphertext_bytes_fail_decryption() {
    let establishment: SessionEstablishment =
        cbor::from_slice(&common::bytes("session_establishment")).unwrap();
    for i in [
        0,
        establishment.data.len() / 2,
        establishment.data.len() - 1,
    ] {
        let mut tampered = establishment.data.clone();
        tampered[i] ^= 0x01;
        let mut device = SessionCipher::new(Role::Device, &session_keys());
        assert_eq!(device.decrypt(&tampered), Err(SessionError::Decryption));
    }
}

#[test]
fn reader_auth_verifies_over_rebuilt_reader_authentication_bytes() {
    let request: DeviceRequest = cbor::from_slice(&common::bytes("device_request")).unwrap();
    let doc = &request.doc_requests[0];
    let (transcript, _) = transcript();
    let rebuilt = reader_authentication_bytes(&transcript.to_cbor(), doc.items_request.embedded());
    assert_eq!(
        rebuilt.encoded(),
        common::bytes("reader_authentication_bytes")
    );

    let reader_auth = CoseSign1::from_value(doc.reader_auth.as_ref().unwrap()).unwrap();
    assert_eq!(
        reader_auth.x5chain().unwrap(),
        vec![common::bytes("reader_certificate")]
    );
    let key = cert_key("reader_certificate");
    reader_auth.verify(&key, Some(rebuilt.encoded())).unwrap();

    let mut flipped = rebuilt.encoded().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        reader_auth.verify(&key, Some(&flipped)),
        Err(CoseError::BadSignature)
    );
    assert_eq!(
        reader_auth.verify(&cert_key("ds_certificate"), Some(rebuilt.encoded())),
        Err(CoseError::BadSignature)
    );
}

#[test]
fn issuer_auth_and_the_six_digests() {
    let issuer_auth =
        CoseSign1::from_value(&cbor::decode(&common::bytes("issuer_auth")).unwrap()).unwrap();
    assert_eq!(
        issuer_auth.x5chain().unwrap(),
        vec![common::bytes("ds_certificate")]
    );
    issuer_auth
        .verify(&cert_key("ds_certificate"), None)
        .unwrap();
    let payload = issuer_auth.payload().unwrap();
    assert_eq!(payload, common::bytes("mobile_security_object_bytes"));
    let mso: Tagged<MobileSecurityObject> = Tagged::from_encoded(payload).unwrap();

    let response: DeviceResponse = cbor::from_slice(&common::bytes("device_response")).unwrap();
    let document = &response.documents.unwrap()[0];
    let mut checked = 0;
    for (namespace, item) in document.issuer_signed.items() {
        let digest = Sha256::digest(item.encoded());
        assert_eq!(
            mso.digest(namespace, item.digest_id),
            Some(digest.as_slice())
        );
        checked += 1;
    }
    assert_eq!(checked, 6);

    // One flipped byte anywhere in the signed structure fails with the specific error.
    let raw = common::bytes("issuer_auth");
    let sig_start = raw.len() - 64;
    let mut bad_sig = raw.clone();
    bad_sig[sig_start + 5] ^= 1;
    let parsed = CoseSign1::from_value(&cbor::decode(&bad_sig).unwrap()).unwrap();
    assert_eq!(
        parsed.verify(&cert_key("ds_certificate"), None),
        Err(CoseError::BadSignature)
    );
    let mut bad_payload = raw.clone();
    bad_payload[sig_start - 70] ^= 1;
    if let Ok(value) = cbor::decode(&bad_payload) {
        let parsed = CoseSign1::from_value(&value).unwrap();
        assert_eq!(
            parsed.verify(&cert_key("ds_certificate"), None),
            Err(CoseError::BadSignature)
        );
    }
}

#[test]
fn device_mac_from_either_side() {
    let response: DeviceResponse = cbor::from_slice(&common::bytes("device_response")).unwrap();
    let document = &response.documents.unwrap()[0];
    let (transcript, transcript_bytes) = transcript();
    let auth_bytes = device_authentication_bytes(
        &transcript.to_cbor(),
        &document.doc_type,
        document.device_signed.name_spaces.embedded(),
    );
    assert_eq!(
        auth_bytes.encoded(),
        common::bytes("device_authentication_bytes")
    );

    let z_device = ecdh(
        &secret("s_device_key_private"),
        &public("e_reader_key_private"),
    );
    let z_reader = ecdh(
        &secret("e_reader_key_private"),
        &public("s_device_key_private"),
    );
    assert_eq!(z_device.to_vec(), common::bytes("zab_emac"));
    assert_eq!(*z_device, *z_reader);
    let key = emac_key(&z_reader, transcript_bytes.encoded());
    assert_eq!(key.to_vec(), common::bytes("emac_key"));

    let DeviceAuth::Mac(mac_value) = &document.device_signed.device_auth else {
        panic!("deviceMac expected");
    };
    let received = CoseMac0::from_value(mac_value).unwrap();
    received.verify(&key, auth_bytes.encoded()).unwrap();
    let recomputed = CoseMac0::create(&key, auth_bytes.encoded());
    assert_eq!(recomputed.tag(), common::bytes("device_mac_tag"));
    assert_eq!(cbor::encode(&recomputed.to_cbor()), cbor::encode(mac_value));

    let mut wrong_key = *key;
    wrong_key[0] ^= 1;
    assert_eq!(
        received.verify(&wrong_key, auth_bytes.encoded()),
        Err(CoseError::BadMac)
    );
    let mut flipped = auth_bytes.encoded().to_vec();
    flipped[10] ^= 1;
    assert_eq!(received.verify(&key, &flipped), Err(CoseError::BadMac));
}

#[test]
fn garbage_cose_never_panics() {
    for name in ["issuer_auth", "reader_auth", "device_auth"] {
        common::assert_hostile_inputs_fail_cleanly(&common::bytes(name), |bytes| {
            let value = cbor::decode(bytes).map_err(|_| ())?;
            let _ = CoseMac0::from_value(&value);
            let sign1 = CoseSign1::from_value(&value).map_err(|_| ())?;
            let _ = sign1.x5chain();
            sign1
                .verify(&cert_key("ds_certificate"), None)
                .map_err(|_| ())
        });
    }
}
