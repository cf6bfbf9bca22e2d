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
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use isomdl::definitions::helpers::Tag24;
use isomdl::definitions::session::SessionTranscript;
use isomdl::definitions::x509::X5Chain;
use isomdl::definitions::x509::trust_anchor::{PemTrustAnchor, TrustAnchorRegistry, TrustPurpose};
use isomdl::definitions::x509::x5chain::X5CHAIN_COSE_HEADER_LABEL;
use isomdl::definitions::{DeviceResponse, SessionTranscript180135};
use isomdl::presentation::authentication::{AuthenticationStatus, ResponseAuthenticationOutcome};
use isomdl::presentation::reader_utils::validate_response;
use serde::{Deserialize, Serialize};

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

fn status(s: &AuthenticationStatus) -> &'static str {
    match s {
        AuthenticationStatus::Valid => "valid",
        AuthenticationStatus::Invalid => "invalid",
        AuthenticationStatus::Unchecked => "unchecked",
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [command, dir] = args.as_slice() else {
        eprintln!("usage: citizen-wallet-interop-isomdl verify DIR");
        return ExitCode::from(2);
    };
    if command != "verify" {
        eprintln!("unknown command {command}; usage: citizen-wallet-interop-isomdl verify DIR");
        return ExitCode::from(2);
    }
    let line = match verify(Path::new(dir)) {
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
    };
    println!("{line}");
    if line["ok"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
