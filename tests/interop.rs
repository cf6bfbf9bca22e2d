//! Peers -> ours: presentations made by other mdoc implementations, verified by our verifier.
//!
//! The fixtures under `tests/interop/fixtures/` were made by the pinned JavaScript peers
//! (`tests/interop/js/`, versions in its package-lock.json); their README says how. Each case
//! also shows that our verifier rejects a tampered copy, so a pass is not a verifier that
//! accepts anything.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use mdoc::cbor;
use mdoc::definitions::{DeviceResponse, SessionTranscript};
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use verifier::DocumentRequest;
use verifier::report::VerificationReport;
use verifier::verify::{VerificationContext, verify_response, verify_response_bytes};

const MDL: &str = "org.iso.18013.5.1.mDL";
const ISO: &str = "org.iso.18013.5.1";

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/fixtures")
        .join(case)
}

struct Peer {
    response: Vec<u8>,
    context: VerificationContext,
}

/// A fixture with its transcript (tag-24 wrapped as the peer wrote it), the suite's IACA, a
/// request for `elements` and a check time inside the credential's validity.
fn peer(case: &str, elements: &[&str], at: &str) -> Peer {
    let dir = fixture(case);
    let transcript_bytes = std::fs::read(dir.join("session_transcript.cbor")).unwrap();
    let (transcript, _) = SessionTranscript::from_bytes(&transcript_bytes).unwrap();
    let iaca = std::fs::read_to_string(dir.join("iaca.pem")).unwrap();
    let request = elements
        .iter()
        .fold(DocumentRequest::custom(MDL, &[]), |r, id| {
            r.with_element(ISO, id, false)
        });
    Peer {
        response: std::fs::read(dir.join("device_response.cbor")).unwrap(),
        context: VerificationContext {
            transcript,
            requests: Some(vec![request.items_request()]),
            issuer_anchors: TrustAnchors::from_pem(&iaca).unwrap(),
            now: Timestamp::parse_rfc3339(at).unwrap(),
            e_reader_key: None,
        },
    }
}

fn verify(bytes: &[u8], context: &VerificationContext) -> VerificationReport {
    verify_response_bytes(bytes, context)
}

fn first_failure(report: &VerificationReport) -> String {
    report
        .documents
        .first()
        .and_then(|d| d.failure())
        .map(|c| c.name.description().to_owned())
        .unwrap_or_else(|| format!("no failed check (status {})", report.status))
}

/// Replaces the first occurrence of `from` (same length) in `bytes`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}

/// @auth0/mdl 3.0.1 with its default options: an mDL presented with deviceSignature, both
/// COSE_Sign1 carrying an unprotected `{4: undefined}` (kid) beside the x5chain. Issue 13: this
/// was rejected as a malformed COSE structure; RFC 9052 §3.1 makes kid an unauthenticated hint
/// and ISO 18013-5 never uses it, so an empty unprotected kid is taken as absent.
#[test]
fn auth0_mdl_default_presentation_verifies() {
    let peer = peer(
        "auth0-default",
        &["family_name", "age_over_18"],
        "2026-12-03T12:00:00Z",
    );
    let report = verify(&peer.response, &peer.context);
    assert!(report.verified(), "{}", first_failure(&report));
    let doc = &report.documents[0];
    assert_eq!(doc.doc_type, MDL);
    assert_eq!(
        doc.element(ISO, "family_name").unwrap().display_value(),
        "Jones"
    );
    assert_eq!(
        doc.element(ISO, "age_over_18").unwrap().display_value(),
        "yes"
    );
    // The fixture really carries the tolerated header: `04 f7` ({4: undefined}) opening the
    // unprotected map (a1/a2) of both COSE_Sign1, right after the protected `{1: -7}`.
    let kid_undefined = peer
        .response
        .windows(5)
        .filter(|w| w[..2] == [0x01, 0x26] && matches!(w[2], 0xa1 | 0xa2) && w[3..] == [0x04, 0xf7])
        .count();
    assert_eq!(
        kid_undefined, 2,
        "the fixture no longer shows the {{4: undefined}} header"
    );
}

#[test]
fn auth0_mdl_tampered_copies_are_rejected() {
    let peer = peer(
        "auth0-default",
        &["family_name", "age_over_18"],
        "2026-12-03T12:00:00Z",
    );
    // A disclosed value changed: its digest no longer matches.
    let value = replace(&peer.response, b"Jones", b"Jonez");
    let report = verify(&value, &peer.context);
    assert!(!report.authentic());
    assert_eq!(
        first_failure(&report),
        "Every disclosed element matches its signed digest"
    );

    // A byte of the device signature changed (its 64 bytes follow `58 40` after the
    // detached payload's null in the deviceSignature COSE_Sign1).
    let at = peer
        .response
        .windows(15)
        .position(|w| w == b"deviceSignature")
        .unwrap();
    let signature_at = at
        + peer.response[at..]
            .windows(3)
            .position(|w| w == [0xf6, 0x58, 0x40])
            .unwrap()
        + 3;
    let mut signature = peer.response.clone();
    signature[signature_at + 10] ^= 0x01;
    let report = verify(&signature, &peer.context);
    assert!(!report.authentic());
    assert_eq!(
        first_failure(&report),
        "Device authentication bound to this session"
    );

    // Presented in another session: the device signature covers the transcript.
    let other = replace(
        &cbor::to_vec(&peer.context.transcript),
        b"nonce-1",
        b"nonce-2",
    );
    let context = VerificationContext {
        transcript: cbor::from_slice(&other).unwrap(),
        ..peer.context.clone()
    };
    let response: DeviceResponse = cbor::from_slice(&peer.response).unwrap();
    let report = verify_response(&response, &context);
    assert!(!report.authentic());
    assert_eq!(
        first_failure(&report),
        "Device authentication bound to this session"
    );
}

/// An empty kid is tolerated only where it is an unauthenticated hint: a protected kid must
/// still be a byte string (checked in the COSE layer's unit tests), and a response for an
/// element the request did not ask for is still refused.
#[test]
fn auth0_mdl_presentation_is_checked_against_the_request() {
    let peer = peer("auth0-default", &["family_name"], "2026-12-03T12:00:00Z");
    let report = verify(&peer.response, &peer.context);
    assert!(!report.verified());
    assert_eq!(
        first_failure(&report),
        "Only requested elements were disclosed"
    );
}
