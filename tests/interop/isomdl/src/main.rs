//! The `isomdl` crate (spruceid, crates.io, pinned in this crate's Cargo.lock) as an interop
//! peer of the Citizen Wallet suite (`tests/interop_peers.rs`, run by `cargo xtask test`).
//!
//! `citizen-wallet-interop-isomdl verify DIR` reads `DIR/device_response.cbor`,
//! `DIR/session_transcript.cbor` (SessionTranscriptBytes: tag 24 around the transcript) and
//! `DIR/iaca.pem`, verifies the first document with isomdl's reader checks
//! (`reader_utils::validate_response`: x5chain against the IACA with the mDL rule set, issuer
//! signature, device signature over DeviceAuthentication) and prints one line of JSON:
//! `{"peer":"isomdl","ok":..,"issuer":..,"device":..,"errors":..}`. Exit status 0 only when both
//! issuer and device authentication are valid.
//!
//! What isomdl 0.2.0 does not check is not added here: this binary reports isomdl's verdict,
//! and the suite's table records the divergences (value digests, deviceMac).
//!
//! `citizen-wallet-interop-isomdl issue-present DIR [OPTION...]` issues an mDL with isomdl's
//! `Mdoc` builder and presents it with isomdl's device path (`DeviceSession::prepare_response`,
//! deviceSignature). The suite writes the inputs: `ds.pem` + `ds_key.pem` (its document signer,
//! PKCS #8), `device_key.pem` (the holder's key, PKCS #8), `validity.json` (`signed`,
//! `valid_until` as tdate text), `device_request.cbor` (our DeviceRequest) and
//! `session_transcript.cbor`. It writes `DIR/device_response.cbor` and prints
//! `{"peer":"isomdl","ok":..}`. Options: `tdate` (birth_date as tdate, not full-date),
//! `namespaces` (a second namespace), `nodecoys` (no decoy digests; isomdl adds them by default),
//! `mac` (isomdl's deviceMac path, `DeviceAuthType::Mac0`, against the reader key in
//! `e_reader_key.pem`). isomdl prepares the COSE_Mac0 and leaves the tag to its caller: this
//! binary derives EMacKey (ISO 18013-5 §9.1.3.5) and MACs what isomdl hands it, and also prints
//! `conformant_tag`, the tag of the same structure with `{1: 5}` (HMAC 256/256) as its protected
//! header, since isomdl writes the device key's signature algorithm there.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use isomdl::definitions::device_request::{DeviceRequest, ItemsRequest};
use isomdl::definitions::device_signed::DeviceAuthType;
use isomdl::definitions::helpers::{NonEmptyMap, Tag24};
use isomdl::definitions::session::SessionTranscript;
use isomdl::definitions::validity_info::ValidityInfo;
use isomdl::definitions::x509::X5Chain;
use isomdl::definitions::x509::trust_anchor::{PemTrustAnchor, TrustAnchorRegistry, TrustPurpose};
use isomdl::definitions::x509::x5chain::X5CHAIN_COSE_HEADER_LABEL;
use isomdl::definitions::{CoseKey, DeviceKeyInfo, DigestAlgorithm, EC2Curve, EC2Y};
use isomdl::definitions::{DeviceResponse, SessionTranscript180135};
use isomdl::issuance::Mdoc;
use isomdl::presentation::authentication::{AuthenticationStatus, ResponseAuthenticationOutcome};
use isomdl::presentation::device::{DeviceSession, Document, Documents, PermittedItems};
use isomdl::presentation::reader_utils::validate_response;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A transcript isomdl has no type for (an OpenID4VP or other online handover), carried as
/// the CBOR value received. isomdl's `SessionTranscript` trait is public for this purpose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
struct OtherTranscript(ciborium::Value);

impl SessionTranscript for OtherTranscript {}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {name}: {e}"))
}

fn verify(dir: &Path) -> Result<(ResponseAuthenticationOutcome, &'static str), String> {
    let response: DeviceResponse = isomdl::cbor::from_slice(&read(dir, "device_response.cbor")?)
        .map_err(|e| format!("isomdl cannot decode the DeviceResponse: {e}"))?;
    let document = response
        .documents
        .as_ref()
        .and_then(|d| d.first())
        .ok_or("no document in the DeviceResponse")?
        .clone();
    let x5chain = document
        .issuer_signed
        .issuer_auth
        .unprotected
        .rest
        .iter()
        .find(|(label, _)| label == &coset::Label::Int(X5CHAIN_COSE_HEADER_LABEL))
        .map(|(_, value)| X5Chain::from_cbor(value.clone()))
        .ok_or("no x5chain in the unprotected header")?
        .map_err(|e| format!("x5chain: {e}"))?;
    let iaca = String::from_utf8(read(dir, "iaca.pem")?).map_err(|_| "iaca.pem is not text")?;
    let anchors = TrustAnchorRegistry::from_pem_certificates(vec![PemTrustAnchor {
        certificate_pem: iaca,
        purpose: TrustPurpose::Iaca,
    }])
    .map_err(|e| format!("isomdl cannot load the IACA: {e}"))?;
    // SessionTranscriptBytes is tag 24 around the transcript; isomdl takes the transcript.
    let tagged: Tag24<ciborium::Value> =
        isomdl::cbor::from_slice(&read(dir, "session_transcript.cbor")?)
            .map_err(|e| format!("session transcript: {e}"))?;
    let inner = tagged.inner_bytes;
    // isomdl's own ISO 18013-5 transcript type where it decodes, else the value as received.
    match isomdl::cbor::from_slice::<SessionTranscript180135>(&inner) {
        Ok(transcript) => Ok((
            validate_response(transcript, anchors, x5chain, document, BTreeMap::new()),
            "18013-5",
        )),
        Err(_) => {
            let transcript: OtherTranscript =
                isomdl::cbor::from_slice(&inner).map_err(|e| format!("session transcript: {e}"))?;
            Ok((
                validate_response(transcript, anchors, x5chain, document, BTreeMap::new()),
                "other",
            ))
        }
    }
}

fn text(dir: &Path, name: &str) -> Result<String, String> {
    String::from_utf8(read(dir, name)?).map_err(|_| format!("{name} is not text"))
}

fn signing_key(dir: &Path, name: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(&text(dir, name)?).map_err(|e| format!("{name}: {e}"))
}

/// A tdate (tag 0 around RFC 3339 text, ISO 18013-5 §9.1.2.4).
fn tdate(text: &str) -> ciborium::Value {
    ciborium::Value::Tag(0, Box::new(ciborium::Value::Text(text.to_owned())))
}

/// The session isomdl's device path answers in: our transcript, deviceSignature or deviceMac.
struct Session {
    documents: Documents,
    transcript: OtherTranscript,
    mac: bool,
}

impl DeviceSession for Session {
    type ST = OtherTranscript;

    fn documents(&self) -> &Documents {
        &self.documents
    }

    fn session_transcript(&self) -> OtherTranscript {
        self.transcript.clone()
    }

    fn device_auth_type(&self) -> DeviceAuthType {
        if self.mac {
            DeviceAuthType::Mac0
        } else {
            DeviceAuthType::Sign1
        }
    }
}

const MDL: &str = "org.iso.18013.5.1.mDL";

/// EMacKey: HKDF-SHA-256 over ECDH(device key, reader key), salt SHA-256(SessionTranscriptBytes),
/// info "EMacKey", 32 bytes (ISO 18013-5 §9.1.3.5).
fn e_mac_key(
    device_key: &SigningKey,
    reader: &p256::PublicKey,
    transcript_bytes: &[u8],
) -> Result<Hmac<Sha256>, String> {
    let shared = p256::ecdh::diffie_hellman(device_key.as_nonzero_scalar(), reader.as_affine());
    let salt = Sha256::digest(transcript_bytes);
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&salt), shared.raw_secret_bytes())
        .expand(b"EMacKey", &mut key)
        .map_err(|e| format!("HKDF: {e}"))?;
    Hmac::<Sha256>::new_from_slice(&key).map_err(|e| format!("HMAC key: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues and presents; returns what the JSON line reports beyond `ok`.
fn issue_present(dir: &Path, options: &[String]) -> Result<serde_json::Value, String> {
    let has = |option: &str| options.iter().any(|o| o == option);
    let ds_key = signing_key(dir, "ds_key.pem")?;
    let device_key = signing_key(dir, "device_key.pem")?;
    let x5chain = X5Chain::builder()
        .with_pem_certificate(&read(dir, "ds.pem")?)
        .and_then(|b| b.build())
        .map_err(|e| format!("ds.pem: {e}"))?;
    let validity: serde_json::Value = serde_json::from_slice(&read(dir, "validity.json")?)
        .map_err(|e| format!("validity.json: {e}"))?;
    let when = |key: &str| {
        validity[key]
            .as_str()
            .map(tdate)
            .ok_or(format!("validity.json has no {key}"))
    };
    let (signed, until) = (when("signed")?, when("valid_until")?);
    let validity_info = ValidityInfo::try_from(ciborium::Value::Map(vec![
        ("signed".into(), signed.clone()),
        ("validFrom".into(), signed),
        ("validUntil".into(), until),
    ]))
    .map_err(|e| format!("validity: {e}"))?;

    let point = device_key.verifying_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err("the device key has no affine coordinates".to_owned());
    };
    let device_key_info = DeviceKeyInfo {
        device_key: CoseKey::EC2 {
            crv: EC2Curve::P256,
            x: x.to_vec(),
            y: EC2Y::Value(y.to_vec()),
        },
        key_authorizations: None,
        key_info: None,
    };

    let birth_date = if has("tdate") {
        tdate("2007-03-25T00:00:00Z")
    } else {
        // full-date (RFC 8943): tag 1004 around the date text.
        ciborium::Value::Tag(1004, Box::new("2007-03-25".into()))
    };
    let mut namespaces = BTreeMap::from([(
        "org.iso.18013.5.1".to_owned(),
        BTreeMap::from([
            ("family_name".to_owned(), "Jones".into()),
            ("given_name".to_owned(), "Ava".into()),
            ("age_over_18".to_owned(), true.into()),
            ("birth_date".to_owned(), birth_date),
        ]),
    )]);
    if has("namespaces") {
        namespaces.insert(
            "uk.gov.interop.1".to_owned(),
            BTreeMap::from([
                ("membership".to_owned(), "gold".into()),
                ("member_since".to_owned(), 2019.into()),
            ]),
        );
    }
    let mdoc = Mdoc::builder()
        .doc_type(MDL.to_owned())
        .namespaces(namespaces)
        .validity_info(validity_info)
        .digest_algorithm(DigestAlgorithm::SHA256)
        .device_key_info(device_key_info)
        .enable_decoy_digests(!has("nodecoys"))
        .issue::<SigningKey, Signature>(x5chain, ds_key)
        .map_err(|e| format!("isomdl cannot issue: {e}"))?;

    // Our DeviceRequest, answered with everything it asks for.
    let request: DeviceRequest = isomdl::cbor::from_slice(&read(dir, "device_request.cbor")?)
        .map_err(|e| format!("isomdl cannot decode the DeviceRequest: {e}"))?;
    let requests: Vec<ItemsRequest> = request
        .doc_requests
        .iter()
        .map(|d| d.items_request.as_ref().clone())
        .collect();
    let mut permitted = PermittedItems::new();
    for items in &requests {
        let doc = permitted.entry(items.doc_type.clone()).or_default();
        for (namespace, elements) in items.namespaces.iter() {
            doc.entry(namespace.clone())
                .or_default()
                .extend(elements.keys().cloned());
        }
    }
    let transcript_bytes = read(dir, "session_transcript.cbor")?;
    let tagged: Tag24<ciborium::Value> = isomdl::cbor::from_slice(&transcript_bytes)
        .map_err(|e| format!("session transcript: {e}"))?;
    let session = Session {
        documents: NonEmptyMap::new(MDL.to_owned(), Document::from(mdoc)),
        transcript: OtherTranscript(tagged.into_inner()),
        mac: has("mac"),
    };
    let mut prepared = session.prepare_response(&requests, permitted);
    let mut report = serde_json::Map::new();
    while let Some((_, payload)) = prepared.get_next_signature_payload() {
        let authenticator = if has("mac") {
            let reader = p256::SecretKey::from_pkcs8_pem(&text(dir, "e_reader_key.pem")?)
                .map_err(|e| format!("e_reader_key.pem: {e}"))?
                .public_key();
            let key = e_mac_key(&device_key, &reader, &transcript_bytes)?;
            // MAC_structure = ["MAC0", protected, external_aad, payload]: the protected
            // header's bstr follows the 0x84 array head and the 5 bytes of "MAC0".
            let mut conformant = payload.to_vec();
            if conformant.get(6..10) == Some(&[0x43, 0xa1, 0x01, 0x26][..]) {
                conformant[9] = 0x05;
                let tag = key.clone().chain_update(&conformant).finalize();
                report.insert("conformant_tag".into(), hex(&tag.into_bytes()).into());
            }
            report.insert("mac_protected".into(), hex(payload.get(6..10).unwrap_or(&[])).into());
            key.chain_update(payload).finalize().into_bytes().to_vec()
        } else {
            let signature: Signature = device_key.sign(payload);
            signature.to_bytes().to_vec()
        };
        prepared.submit_next_signature(authenticator);
    }
    let response = isomdl::cbor::to_vec(&prepared.finalize_response())
        .map_err(|e| format!("isomdl cannot encode its DeviceResponse: {e}"))?;
    std::fs::write(dir.join("device_response.cbor"), response)
        .map_err(|e| format!("cannot write device_response.cbor: {e}"))?;
    Ok(report.into())
}

fn status(s: &AuthenticationStatus) -> &'static str {
    match s {
        AuthenticationStatus::Valid => "valid",
        AuthenticationStatus::Invalid => "invalid",
        AuthenticationStatus::Unchecked => "unchecked",
    }
}

const USAGE: &str =
    "usage: citizen-wallet-interop-isomdl verify DIR | issue-present DIR [OPTION...]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let line = match args.as_slice() {
        [command, dir] if command == "verify" => match verify(Path::new(dir)) {
            Ok((outcome, transcript)) => {
                let ok = matches!(outcome.issuer_authentication, AuthenticationStatus::Valid)
                    && matches!(outcome.device_authentication, AuthenticationStatus::Valid);
                serde_json::json!({
                    "peer": "isomdl",
                    "ok": ok,
                    "transcript": transcript,
                    "issuer": status(&outcome.issuer_authentication),
                    "device": status(&outcome.device_authentication),
                    "errors": outcome.errors,
                })
            }
            Err(error) => serde_json::json!({"peer": "isomdl", "ok": false, "error": error}),
        },
        [command, dir, options @ ..] if command == "issue-present" => {
            match issue_present(Path::new(dir), options) {
                Ok(report) => serde_json::json!({
                    "peer": "isomdl", "ok": true, "options": options, "report": report,
                }),
                Err(error) => serde_json::json!({"peer": "isomdl", "ok": false, "error": error}),
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!("{line}");
    if line["ok"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
