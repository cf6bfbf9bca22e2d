//! The CLI on another implementation's output: the `@auth0/mdl` 3.0.1 presentation committed
//! under `tests/interop/fixtures/auth0-default/` (made by `tests/interop/js/peer-issue-present.mjs`
//! with the peer's default options; see that directory's README). `inspect` annotates it and
//! recomputes its digests; `verify` accepts it and refuses a copy with one value byte changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Inside the fixture's validity (issued 2026-12-02, valid for a year).
const AT: &str = "2026-12-03T12:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/interop/fixtures/auth0-default")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizen-wallet"))
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn verify(response: &Path) -> Output {
    run(&[
        "verify",
        "--response",
        response.to_str().unwrap(),
        "--transcript",
        fixture("session_transcript.cbor").to_str().unwrap(),
        "--iaca",
        fixture("iaca.pem").to_str().unwrap(),
        "--at",
        AT,
    ])
}

/// The fixture with "Jones" (a disclosed family_name) changed to "Jonez".
fn tampered(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(fixture("device_response.cbor")).unwrap();
    let at = bytes.windows(5).position(|w| w == b"Jones").unwrap();
    let mut copy = bytes.clone();
    copy[at + 4] = b'z';
    let path = dir.join("tampered.cbor");
    std::fs::write(&path, copy).unwrap();
    path
}

#[test]
fn inspect_annotates_a_peer_device_response() {
    let out = run(&["inspect", fixture("device_response.cbor").to_str().unwrap()]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("\"elementValue\": \"Jones\""), "{shown}");
    // Both disclosed items' digests recomputed against the peer's MSO.
    assert_eq!(shown.matches("digest ok").count(), 2, "{shown}");
    assert!(!shown.contains("digest BAD"), "{shown}");
}

#[test]
fn inspect_marks_a_tampered_peer_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["inspect", tampered(dir.path()).to_str().unwrap()]);
    let shown = text(&out);
    assert!(
        shown.contains("digest BAD: SHA-256 of the item differs from the MSO's"),
        "{shown}"
    );
    assert_eq!(shown.matches("digest ok").count(), 1, "{shown}");
    assert!(shown.contains("Jonez"), "{shown}");
}

#[test]
fn verify_accepts_a_peer_presentation() {
    let out = verify(&fixture("device_response.cbor"));
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("Result: AUTHENTIC"), "{shown}");
    assert!(shown.contains("Interop Test DS"), "{shown}");
    assert!(shown.contains("Jones"), "{shown}");
}

#[test]
fn verify_refuses_a_tampered_peer_presentation() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(&tampered(dir.path()));
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("Result: NOT AUTHENTIC"), "{shown}");
    assert!(
        shown.contains(
            "[FAIL: element org.iso.18013.5.1/family_name does not match its digest \
             (digest ID 0)] Every disclosed element matches its signed digest"
        ),
        "{shown}"
    );
}
