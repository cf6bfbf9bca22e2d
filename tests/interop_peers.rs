//! The differential interop suite against live, pinned peers: `@auth0/mdl` 3.0.1 and
//! `@owf/mdoc` 0.6.0 (npm, pinned by `tests/interop/js/package-lock.json`) and the `isomdl`
//! crate 0.2.0 (`tests/interop/isomdl`, its own Cargo.lock). `cargo xtask test` provisions them
//! and runs these tests with `--ignored`, passing the peers in `CITIZEN_WALLET_INTEROP_JS` (the
//! npm install directory) and `CITIZEN_WALLET_INTEROP_ISOMDL` (the peer binary). Run by hand
//! without them, each test fails saying so: nothing is skipped silently.
//!
//! * ours -> peers: right-to-work, benefits and age presentations made by our wallet
//!   (deviceSignature; deviceMac; an OpenID4VP 1.0 handover), verified by each peer; each peer
//!   must also reject a copy with one byte of a disclosed value flipped (or the divergence is
//!   asserted and explained, see
//!   `isomdl_verifies_our_device_signed_presentations_but_not_value_digests`).
//! * peers -> ours: each peer issues and presents with its defaults and common options; our
//!   verifier accepts, and rejects tampered copies (value byte, device signature/MAC byte,
//!   another session's transcript). @auth0/mdl makes its own IACA + DS (Annex B extensions),
//!   transcript and request (a presentation definition); @owf/mdoc and isomdl issue under the
//!   suite's IACA + DS (`write_suite_inputs`) and answer our DeviceRequest in an OpenID4VP 1.0
//!   transcript. Where a peer's output is refused, the test asserts the exact cause, which side
//!   ISO 18013-5 / RFC 9052 supports, and that the output is accepted once that one thing is
//!   mended (D5, D6), so the divergence is known to be the whole difference.
//!
//! The clock is the system clock: the peers check validity against theirs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::cbor::{self, Embedded};
use mdoc::clock::{Clock, FixedClock, SystemClock};
use mdoc::cose::CoseKey;
use mdoc::definitions::{Handover, SessionTranscript};
use mdoc::online::openid4vp::redirect_session_transcript;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde_json::Value as Json;
use verifier::DocumentRequest;
use verifier::report::VerificationReport;
use verifier::request::build_device_request;
use verifier::verify::{VerificationContext, verify_response_bytes};
use wallet::keys::WalletKey;
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};
use wallet::proximity::ProximitySession;
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

const ENV_JS: &str = "CITIZEN_WALLET_INTEROP_JS";
const ENV_ISOMDL: &str = "CITIZEN_WALLET_INTEROP_ISOMDL";
const MDL: &str = "org.iso.18013.5.1.mDL";
const ISO: &str = "org.iso.18013.5.1";

fn env_path(name: &str) -> PathBuf {
    let value = std::env::var_os(name).unwrap_or_else(|| {
        panic!(
            "{name} is not set: the interop suite needs its pinned peers; run `cargo xtask test` \
             (it installs them and sets {ENV_JS} and {ENV_ISOMDL})"
        )
    });
    PathBuf::from(value)
}

/// The npm install directory, with the suite's scripts copied beside its node_modules (fresh
/// on every run, so an edited script is the one that runs).
fn js_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = env_path(ENV_JS);
        assert!(
            home.join("node_modules/@auth0/mdl").exists(),
            "{ENV_JS}={} holds no @auth0/mdl install",
            home.display()
        );
        let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/js");
        for script in [
            "peer-verify.mjs",
            "peer-issue-present.mjs",
            "owf-context.mjs",
        ] {
            std::fs::copy(scripts.join(script), home.join(script)).unwrap();
        }
        home
    })
}

/// A peer's verdict: its JSON line and whether it accepted.
#[derive(Debug)]
struct Verdict {
    ok: bool,
    line: String,
}

fn run_peer(command: &mut Command) -> Verdict {
    let out = command.output().expect("the peer runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default().to_owned();
    let json: Json = serde_json::from_str(&line).unwrap_or_else(|_| {
        panic!(
            "the peer printed no JSON verdict: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let ok = json["ok"] == true;
    assert_eq!(
        ok,
        out.status.success(),
        "verdict and exit status agree: {line}"
    );
    Verdict { ok, line }
}

/// `peer` (auth0 or isomdl) verifies the presentation in `dir`.
fn peer_verify(peer: &str, dir: &Path) -> Verdict {
    match peer {
        "isomdl" => run_peer(Command::new(env_path(ENV_ISOMDL)).arg("verify").arg(dir)),
        js => run_peer(
            Command::new("node")
                .current_dir(js_home())
                .arg("peer-verify.mjs")
                .arg(js)
                .arg(dir),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Ours -> peers.

/// A wallet holding Amelia's UK digital ID, issued now by a test authority.
struct Ours {
    _dir: tempfile::TempDir,
    now: Timestamp,
    issuer: TestIssuer,
    wallet: Wallet,
}

fn ours(device_auth: DeviceAuthMode) -> Ours {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemClock.now();
    let issuer = TestIssuer::new("UK Digital Identity", "GB", now.plus_days(-1)).unwrap();
    let reader_root = CertifiedKey::new_reader_root(&CertificateProfile::new(
        "Interop Reader Root",
        "GB",
        now.plus_days(-1),
        365,
    ))
    .unwrap();
    let wallet_key = WalletKey::from_passphrase_in(dir.path(), b"interop").unwrap();
    let area = SoftwareSecureArea::open(&dir.path().join("keys"), &wallet_key).unwrap();
    let config = WalletConfig {
        issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
        reader_anchors: TrustAnchors::new(vec![reader_root.certificate().clone()]),
        device_auth,
        ..WalletConfig::default()
    };
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(now));
    let wallet = Wallet::open(
        &dir.path().join("store"),
        &wallet_key,
        Arc::new(area),
        config,
        clock,
    )
    .unwrap();
    let data = samples::uk_digital_id(&AMELIA, now.date());
    let pending = wallet.prepare(&data.doc_type).unwrap();
    let issued = issuer
        .issue(
            &data,
            &pending.device_key,
            &ValidityWindow::starting(now.plus_days(-1), 365),
        )
        .unwrap();
    wallet.accept(&pending, &issued.bytes).unwrap();
    Ours {
        _dir: dir,
        now,
        issuer,
        wallet,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Channel {
    /// ISO 18013-5 proximity: [DeviceEngagementBytes, EReaderKeyBytes, null (QR)].
    Proximity,
    /// OpenID4VP 1.0 (redirect): [null, null, ["OpenID4VPHandover", sha256(info)]].
    OpenId4Vp,
}

/// One of our presentations, written to a directory in the peers' file layout.
struct Presentation {
    dir: tempfile::TempDir,
    response: Vec<u8>,
}

fn present(ours: &Ours, purpose: Purpose, mac: bool, channel: Channel) -> Presentation {
    // The reader's ephemeral key: in the proximity transcript, and for deviceMac.
    let e_reader = p256::SecretKey::from_slice(&[0x5a; 32]).unwrap();
    let transcript = match channel {
        Channel::Proximity => SessionTranscript {
            device_engagement: Some(
                ProximitySession::start(&ours.wallet, Vec::new())
                    .engagement()
                    .clone(),
            ),
            e_reader_key: Some(Embedded::wrap(
                &CoseKey::new(e_reader.public_key()).to_bytes(),
            )),
            handover: Handover::Qr,
        },
        Channel::OpenId4Vp => redirect_session_transcript(
            "x509_san_dns:verifier.interop.example",
            "interop-nonce-1",
            None,
            "https://verifier.interop.example/response",
        ),
    };
    let requests = [DocumentRequest::for_purpose(purpose, UK_DIGITAL_ID)];
    let request = build_device_request(&requests, &transcript, None).unwrap();
    let prepared = prepare_request(&ours.wallet, &request, &transcript).unwrap();
    let selection = prepared.consent().everything_held();
    let e_reader_public = e_reader.public_key();
    let response = respond(
        &ours.wallet,
        &prepared,
        &selection,
        mac.then_some(&e_reader_public),
    )
    .unwrap();
    let response = cbor::to_vec(&response);
    let is_mac = response.windows(9).any(|w| w == b"deviceMac");
    assert_eq!(
        is_mac, mac,
        "the wallet used the device authentication asked for"
    );

    // Our own verifier accepts it first.
    let context = VerificationContext {
        transcript: transcript.clone(),
        requests: Some(
            requests
                .iter()
                .map(DocumentRequest::items_request)
                .collect(),
        ),
        issuer_anchors: TrustAnchors::new(vec![ours.issuer.iaca().certificate().clone()]),
        now: ours.now,
        e_reader_key: mac.then(|| e_reader.clone()),
    };
    let report = verify_response_bytes(&response, &context);
    assert!(report.verified(), "ours: {}", failure(&report));

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("device_response.cbor", &response);
    write("session_transcript.cbor", transcript.to_bytes().encoded());
    write(
        "iaca.pem",
        ours.issuer.iaca().certificate().to_pem().as_bytes(),
    );
    if mac {
        let pem = e_reader.to_pkcs8_pem(LineEnding::LF).unwrap();
        write("e_reader_key.pem", pem.as_bytes());
    }
    Presentation { dir, response }
}

/// A copy of `bytes` with one byte of the first disclosed value flipped: a letter of a text
/// value, or a boolean's value. The CBOR stays well formed, so only the digest can catch it.
fn flip_disclosed_value(bytes: &[u8]) -> Vec<u8> {
    let key = b"\x6celementValue";
    let mut out = bytes.to_vec();
    let mut from = 0;
    while let Some(at) = bytes[from..].windows(key.len()).position(|w| w == key) {
        let value = from + at + key.len();
        match bytes[value] {
            0x61..=0x77 => {
                out[value + 1] ^= 0x01;
                return out;
            }
            0xf4 | 0xf5 => {
                out[value] ^= 0x01;
                return out;
            }
            _ => from = value,
        }
    }
    panic!("no text or boolean disclosed value to flip");
}

fn tampered_copy(presentation: &Presentation) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(presentation.dir.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(
        dir.path().join("device_response.cbor"),
        flip_disclosed_value(&presentation.response),
    )
    .unwrap();
    dir
}

const PURPOSES: [(&str, Purpose); 3] = [
    ("right_to_work", Purpose::RightToWork),
    ("benefits", Purpose::Benefits),
    ("age_over_18", Purpose::AgeCheck(18)),
];

/// Every purpose, presented by us, verified by `peer`; a flipped value byte rejected when
/// `rejects_value_tamper`.
fn ours_to_peer(peer: &str, mac: bool, channel: Channel, rejects_value_tamper: bool) {
    let ours = ours(if mac {
        DeviceAuthMode::Mac
    } else {
        DeviceAuthMode::Signature
    });
    for (name, purpose) in PURPOSES {
        let presentation = present(&ours, purpose, mac, channel);
        let verdict = peer_verify(peer, presentation.dir.path());
        assert!(
            verdict.ok,
            "{peer} rejects our {name} presentation (mac {mac}, {channel:?}): {}",
            verdict.line
        );
        let tampered = tampered_copy(&presentation);
        let verdict = peer_verify(peer, tampered.path());
        assert_eq!(
            !verdict.ok, rejects_value_tamper,
            "{peer} on our {name} presentation with a flipped value byte: {}",
            verdict.line
        );
    }
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_verifies_our_device_signed_presentations() {
    ours_to_peer("auth0", false, Channel::Proximity, true);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_verifies_our_device_maced_presentations() {
    ours_to_peer("auth0", true, Channel::Proximity, true);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_verifies_our_openid4vp_presentations() {
    ours_to_peer("auth0", false, Channel::OpenId4Vp, true);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_verifies_our_device_signed_presentations() {
    ours_to_peer("owf", false, Channel::Proximity, true);
}

/// @owf/mdoc 0.6.0 rejects every deviceMac, ours or anyone's: it compares the header's algorithm
/// *name* ("HS256", from `coseKeyToJwk.algorithm`) with the *number* `MacAlgorithm.HS256` (5),
/// so "Device MAC must use alg 5" fails even for alg 5. A peer bug (ISO 18013-5 §9.1.3.5 makes
/// HMAC SHA-256 the deviceMac algorithm); asserted so that a fixed release shows up here.
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_rejects_every_device_mac() {
    let ours = ours(DeviceAuthMode::Mac);
    let presentation = present(&ours, Purpose::RightToWork, true, Channel::Proximity);
    let mac = presentation
        .response
        .windows(4)
        .any(|w| w == [0x43, 0xa1, 0x01, 0x05]);
    assert!(
        mac,
        "our deviceMac protected header is {{1: 5}} (HMAC 256/256)"
    );
    let verdict = peer_verify("owf", presentation.dir.path());
    assert!(!verdict.ok);
    assert!(
        verdict
            .line
            .contains("Device MAC must use alg 5 (HMAC 256/256)"),
        "{}",
        verdict.line
    );
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_verifies_our_openid4vp_presentations() {
    ours_to_peer("owf", false, Channel::OpenId4Vp, true);
}

/// isomdl 0.2.0 verifies the x5chain, the issuer signature and the device signature, but not the
/// value digests (ISO 18013-5 §9.3.1 requires the reader to): a flipped value byte passes it.
/// Asserted so that an isomdl that starts checking them shows up here (then the table changes).
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_verifies_our_device_signed_presentations_but_not_value_digests() {
    ours_to_peer("isomdl", false, Channel::Proximity, false);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_verifies_our_openid4vp_presentations() {
    ours_to_peer("isomdl", false, Channel::OpenId4Vp, false);
}

/// isomdl 0.2.0 has no deviceMac verification (`Error::Unsupported`): a divergence on its side
/// (ISO 18013-5 §9.1.3 lets the mdoc choose deviceMac), asserted so a fix shows up.
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_cannot_verify_device_mac() {
    let ours = ours(DeviceAuthMode::Mac);
    let presentation = present(&ours, Purpose::RightToWork, true, Channel::Proximity);
    let verdict = peer_verify("isomdl", presentation.dir.path());
    assert!(!verdict.ok, "{}", verdict.line);
    assert!(
        verdict.line.contains("\"issuer\":\"valid\"")
            && verdict.line.contains("\"device\":\"invalid\""),
        "{}",
        verdict.line
    );
}

// ---------------------------------------------------------------------------------------------
// Peers -> ours.

/// What a peer issued and presented.
struct PeerPresentation {
    dir: tempfile::TempDir,
    response: Vec<u8>,
    context: VerificationContext,
    /// Another session's transcript (another nonce).
    other_transcript: SessionTranscript,
    /// The peer's JSON line.
    line: String,
}

/// The OpenID4VP 1.0 (redirect) transcript the suite gives the peers that answer our
/// DeviceRequest; `nonce` tells sessions apart.
fn openid4vp_transcript(nonce: &str) -> SessionTranscript {
    redirect_session_transcript(
        "x509_san_dns:verifier.interop.example",
        nonce,
        None,
        "https://verifier.interop.example/response",
    )
}

/// For the peers that issue under the suite's authority (owf, isomdl): our IACA and document
/// signer, the holder's key, our DeviceRequest and the transcript, written to `dir`.
fn write_suite_inputs(dir: &Path, request: &DocumentRequest) {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    let now = SystemClock.now();
    let issuer = TestIssuer::new("Interop Suite", "GB", now).unwrap();
    let ds = issuer.document_signer();
    write("iaca.pem", issuer.iaca().certificate().to_pem().as_bytes());
    write("ds.pem", ds.certificate().to_pem().as_bytes());
    let ds_key = p256::SecretKey::from(ds.signing_key());
    write(
        "ds_key.pem",
        ds_key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    );
    let device_key = p256::SecretKey::from_slice(&[0x3c; 32]).unwrap();
    write(
        "device_key.pem",
        device_key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    );
    // The reader's ephemeral key, for deviceMac (the JS scripts write their own).
    let e_reader = p256::SecretKey::from_slice(&[0x5a; 32]).unwrap();
    write(
        "e_reader_key.pem",
        e_reader.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    );
    let validity = serde_json::json!({
        "signed": now.plus_days(-1).to_rfc3339(),
        "valid_until": now.plus_days(365).to_rfc3339(),
    });
    write("validity.json", validity.to_string().as_bytes());
    let transcript = openid4vp_transcript("interop-nonce-1");
    let device_request = build_device_request(std::slice::from_ref(request), &transcript, None);
    write(
        "device_request.cbor",
        &cbor::to_vec(&device_request.unwrap()),
    );
    write("session_transcript.cbor", transcript.to_bytes().encoded());
}

/// `peer` (auth0, owf or isomdl) issues and presents with `options` (see
/// peer-issue-present.mjs and the isomdl peer's `issue-present`); the context asks for what the
/// peer's presentation was asked for.
fn peer_presents(peer: &str, options: &[&str]) -> PeerPresentation {
    let dir = tempfile::tempdir().unwrap();
    let mut request = DocumentRequest::custom(MDL, &[])
        .with_element(ISO, "family_name", false)
        .with_element(ISO, "age_over_18", false)
        .with_element(ISO, "birth_date", false);
    if options.contains(&"namespaces") {
        request = request.with_element("uk.gov.interop.1", "membership", false);
    }
    let verdict = match peer {
        // auth0 makes its own IACA, DS and transcript, and asks with a presentation definition.
        "auth0" => run_peer(
            Command::new("node")
                .current_dir(js_home())
                .arg("peer-issue-present.mjs")
                .arg(peer)
                .arg(dir.path())
                .args(options),
        ),
        "owf" => {
            write_suite_inputs(dir.path(), &request);
            run_peer(
                Command::new("node")
                    .current_dir(js_home())
                    .arg("peer-issue-present.mjs")
                    .arg(peer)
                    .arg(dir.path())
                    .args(options),
            )
        }
        "isomdl" => {
            write_suite_inputs(dir.path(), &request);
            run_peer(
                Command::new(env_path(ENV_ISOMDL))
                    .arg("issue-present")
                    .arg(dir.path())
                    .args(options),
            )
        }
        other => panic!("no peer {other}"),
    };
    assert!(
        verdict.ok,
        "{peer} could not issue and present: {}",
        verdict.line
    );
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let (transcript, _) = SessionTranscript::from_bytes(&read("session_transcript.cbor")).unwrap();
    let other_transcript = if peer == "auth0" {
        // auth0's transcripts carry the nonce "nonce-1" in clear: make it "nonce-2".
        let bytes = cbor::to_vec(&transcript);
        let at = bytes
            .windows(7)
            .position(|w| w == b"nonce-1")
            .expect("the transcript carries the nonce");
        let mut other = bytes.clone();
        other[at + 6] = b'2';
        cbor::from_slice(&other).unwrap()
    } else {
        openid4vp_transcript("interop-nonce-2")
    };
    assert_ne!(other_transcript, transcript);
    let iaca = String::from_utf8(read("iaca.pem")).unwrap();
    let e_reader_key = options.contains(&"mac").then(|| {
        p256::SecretKey::from_pkcs8_pem(&String::from_utf8(read("e_reader_key.pem")).unwrap())
            .unwrap()
    });
    PeerPresentation {
        response: read("device_response.cbor"),
        context: VerificationContext {
            transcript,
            requests: Some(vec![request.items_request()]),
            issuer_anchors: TrustAnchors::from_pem(&iaca).unwrap(),
            now: SystemClock.now(),
            e_reader_key,
        },
        other_transcript,
        line: verdict.line,
        dir,
    }
}

fn failure(report: &VerificationReport) -> String {
    report
        .documents
        .first()
        .and_then(|d| d.failure())
        .map(|c| format!("{} ({:?})", c.name.description(), c.outcome))
        .unwrap_or_else(|| format!("no failed check (status {})", report.status))
}

/// The position of the first of `patterns` after the first `after`.
fn find_after(bytes: &[u8], after: &[u8], patterns: &[&[u8]]) -> usize {
    let start = bytes
        .windows(after.len())
        .position(|w| w == after)
        .expect("marker present");
    patterns
        .iter()
        .filter_map(|p| {
            bytes[start..]
                .windows(p.len())
                .position(|w| w == *p)
                .map(|at| start + at + p.len())
        })
        .min()
        .expect("pattern present")
}

/// The bytes an option leaves in the peer's DeviceResponse, so that a peer which ignores the
/// option fails the test rather than passing it with its defaults.
fn assert_options_took_effect(peer: &str, options: &[&str], response: &[u8]) {
    let has = |bytes: &[u8]| response.windows(bytes.len()).any(|w| w == bytes);
    // birth_date as tdate (tag 0) or full-date (tag 1004, RFC 8943).
    let (date, other): (&[u8], &[u8]) = (
        b"\xc0\x742007-03-25T00:00:00Z",
        b"\xd9\x03\xec\x6a2007-03-25",
    );
    let (wanted, unwanted) = if options.contains(&"tdate") {
        (date, other)
    } else {
        (other, date)
    };
    assert!(
        has(wanted) && !has(unwanted),
        "{peer} {options:?}: birth_date is not encoded as asked"
    );
    assert_eq!(
        has(b"interop-ds-1"),
        options.contains(&"kid"),
        "{peer} {options:?}: the issuer kid"
    );
    assert_eq!(
        has(b"uk.gov.interop.1"),
        options.contains(&"namespaces"),
        "{peer} {options:?}: the second namespace"
    );
    assert_eq!(
        has(b"deviceMac"),
        options.contains(&"mac"),
        "{peer} {options:?}: the device authentication"
    );
}

/// Our verifier accepts the peer's presentation with its defaults, and rejects its tampered
/// copies (a value byte, a device signature/MAC byte, another session's transcript).
fn ours_accepts(peer: &str, options: &[&str]) -> PeerPresentation {
    let presented = peer_presents(peer, options);
    if peer != "auth0" || !options.contains(&"oid4vp") {
        assert_options_took_effect(peer, options, &presented.response);
    }
    check_ours_accepts(peer, options, &presented);
    presented
}

/// The checks of `ours_accepts` on a presentation already made.
fn check_ours_accepts(peer: &str, options: &[&str], presented: &PeerPresentation) {
    let report = verify_response_bytes(&presented.response, &presented.context);
    assert!(
        report.verified(),
        "ours rejects {peer} {options:?}: {}",
        failure(&report)
    );
    let doc = &report.documents[0];
    assert_eq!(
        doc.element(ISO, "family_name").unwrap().display_value(),
        "Jones"
    );
    assert_eq!(
        doc.element(ISO, "age_over_18").unwrap().display_value(),
        "yes"
    );
    if options.contains(&"namespaces") {
        assert_eq!(
            doc.element("uk.gov.interop.1", "membership")
                .unwrap()
                .display_value(),
            "gold"
        );
    }

    // A disclosed value byte.
    let value = flip_disclosed_value(&presented.response);
    let report = verify_response_bytes(&value, &presented.context);
    assert!(
        !report.authentic(),
        "{peer} {options:?}: a flipped value byte verified"
    );

    // A byte of the device signature or MAC (its bytes follow the detached payload's null).
    let (marker, tag): (&[u8], &[u8]) = if options.contains(&"mac") {
        (b"deviceMac", b"\xf6\x58\x20")
    } else {
        (b"deviceSignature", b"\xf6\x58\x40")
    };
    let at = find_after(&presented.response, marker, &[tag]);
    let mut signature = presented.response.clone();
    signature[at + 10] ^= 0x01;
    let report = verify_response_bytes(&signature, &presented.context);
    assert!(
        !report.authentic(),
        "{peer} {options:?}: a flipped device auth byte verified"
    );
    assert_eq!(
        report.documents[0].failure().map(|c| c.name.description()),
        Some("Device authentication bound to this session")
    );

    // Another session's transcript.
    let context = VerificationContext {
        transcript: presented.other_transcript.clone(),
        ..presented.context.clone()
    };
    let report = verify_response_bytes(&presented.response, &context);
    assert!(
        !report.authentic(),
        "{peer} {options:?}: verified in another session"
    );
}

/// `ours_accepts`, and the peer itself accepts what it made (so a failure there is ours to
/// explain).
fn peer_to_ours(peer: &str, options: &[&str]) {
    let presented = ours_accepts(peer, options);
    let verdict = peer_verify(peer, presented.dir.path());
    assert!(
        verdict.ok,
        "{peer} rejects its own presentation: {}",
        verdict.line
    );
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_defaults_verify_with_ours() {
    peer_to_ours("auth0", &[]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_with_a_kid_verifies_with_ours() {
    peer_to_ours("auth0", &["kid"]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_tdate_birth_date_verifies_with_ours() {
    peer_to_ours("auth0", &["tdate"]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_two_namespaces_verify_with_ours() {
    peer_to_ours("auth0", &["namespaces"]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_device_mac_verifies_with_ours() {
    peer_to_ours("auth0", &["mac"]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn auth0_openid4vp_handover_verifies_with_ours() {
    peer_to_ours("auth0", &["oid4vp"]);
}

/// isomdl cannot decode any @auth0/mdl presentation: auth0 writes `{4: undefined}` (kid, CBOR
/// simple value 23) in the deviceSignature's unprotected header even when given a kid for the
/// issuerAuth, and isomdl's COSE decoding (coset) wants a bstr there. RFC 9052 §3.1 types kid
/// as bstr, so isomdl's refusal is what the standard supports; ours takes an empty unprotected
/// kid as absent (a documented tolerance: kid is an unauthenticated hint, ISO 18013-5 keys come
/// from x5chain and the MSO). Asserted so that a change on either peer shows up here.
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_rejects_auth0_presentations_for_their_undefined_kid() {
    for options in [&[][..], &["kid"], &["namespaces"]] {
        let presented = peer_presents("auth0", options);
        let undefined_kid = presented.response.windows(5).any(|w| {
            w[..2] == [0x01, 0x26] && matches!(w[2], 0xa1 | 0xa2) && w[3..] == [0x04, 0xf7]
        });
        assert!(
            undefined_kid,
            "auth0 {options:?} no longer writes {{4: undefined}}"
        );
        let verdict = peer_verify("isomdl", presented.dir.path());
        assert!(!verdict.ok, "isomdl on auth0 {options:?}: {}", verdict.line);
        assert!(verdict.line.contains("expected bstr"), "{}", verdict.line);
    }
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_defaults_verify_with_ours() {
    peer_to_ours("owf", &[]);
}

/// D5: given a key with a kid, @owf/mdoc 0.6.0 writes it as a *text* string in both
/// unprotected headers (`{4: "interop-ds-1"}`, `CoseKey.keyId` returns text). RFC 9052 §3.1
/// types kid as bstr (ISO 18013-5 §9.1.2.4 and §9.1.3.4 take COSE as specified), so ours
/// refuses the structure, as isomdl's COSE decoding (coset) does; owf's own verifier accepts.
/// Our tolerance stays the one for an *empty* kid (auth0's default `undefined`): a kid of the
/// wrong type is malformed, and owf writes none unless asked. With the same kids as byte strings
/// (unprotected, so no signature changes) ours accepts and rejects the tampered copies, so the
/// type is the whole difference.
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_kid_is_a_text_string_which_ours_and_isomdl_refuse() {
    // Digest IDs below 2^31, so that isomdl decodes the rest (see D7).
    let options = ["kid", "lowids"];
    let mut presented = peer_presents("owf", &options);
    assert_options_took_effect("owf", &options, &presented.response);
    let text_kids: [&[u8]; 2] = [b"\x04\x6cinterop-ds-1", b"\x04\x70interop-device-1"];
    let count = |bytes: &[u8], pattern: &[u8]| {
        bytes
            .windows(pattern.len())
            .filter(|w| *w == pattern)
            .count()
    };
    for kid in text_kids {
        assert_eq!(count(&presented.response, kid), 1, "owf writes a text kid");
    }
    let report = verify_response_bytes(&presented.response, &presented.context);
    assert!(!report.authentic());
    let failed = report.documents[0].failure().unwrap();
    assert_eq!(failed.name.description(), "Issuer signature structure");
    assert!(
        format!("{:?}", failed.outcome).contains("malformed COSE structure"),
        "{:?}",
        failed.outcome
    );
    let verdict = peer_verify("owf", presented.dir.path());
    assert!(verdict.ok, "owf rejects its own: {}", verdict.line);
    let verdict = peer_verify("isomdl", presented.dir.path());
    assert!(!verdict.ok, "{}", verdict.line);
    assert!(verdict.line.contains("expected bstr"), "{}", verdict.line);

    // The same kids as byte strings (major type 2): ours accepts.
    for kid in text_kids {
        let at = presented
            .response
            .windows(kid.len())
            .position(|w| w == kid)
            .unwrap();
        presented.response[at + 1] -= 0x20;
    }
    check_ours_accepts("owf", &options, &presented);
}

/// Whether every digestID in `response` is below 2^31 (`Some(true)`), every one at or above it
/// (`Some(false)`), or neither.
fn digest_ids_below_2_31(response: &[u8]) -> Option<bool> {
    let key = b"\x68digestID";
    let below: Vec<bool> = response
        .windows(key.len() + 2)
        .filter(|w| &w[..key.len()] == key)
        .map(|w| w[key.len()] != 0x1a || w[key.len() + 1] < 0x80)
        .collect();
    assert!(!below.is_empty(), "no digestID found");
    if below.iter().all(|b| *b) {
        Some(true)
    } else if below.iter().all(|b| !*b) {
        Some(false)
    } else {
        None
    }
}

/// D7: @owf/mdoc 0.6.0 draws digest IDs from all of 0..2^32 (`randomUnsignedInteger`), but
/// ISO 18013-5 §9.1.2.4 says a DigestID "shall be smaller than 2^31" (reported upstream as
/// mdoc-ts#215). isomdl 0.2.0 types it i32 and cannot decode such a response; ours reads any
/// uint and accepts: a requirement on the issuer, and the ID is only a lookup key (the digest
/// check does not depend on its size). With IDs below 2^31 isomdl verifies owf's presentation.
/// (The suite draws owf's IDs through its MdocContext's `random`, so both cases are certain.)
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_digest_ids_from_2_31_pass_ours_not_isomdl() {
    let high = ours_accepts("owf", &["highids"]);
    assert_eq!(digest_ids_below_2_31(&high.response), Some(false));
    let verdict = peer_verify("owf", high.dir.path());
    assert!(verdict.ok, "owf rejects its own: {}", verdict.line);
    let verdict = peer_verify("isomdl", high.dir.path());
    assert!(!verdict.ok, "{}", verdict.line);
    assert!(verdict.line.contains("expected i32"), "{}", verdict.line);

    let low = peer_presents("owf", &["lowids"]);
    assert_eq!(digest_ids_below_2_31(&low.response), Some(true));
    let verdict = peer_verify("isomdl", low.dir.path());
    assert!(
        verdict.ok,
        "isomdl on owf with low digest IDs: {}",
        verdict.line
    );
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_tdate_birth_date_and_two_namespaces_verify_with_ours() {
    peer_to_ours("owf", &["tdate", "namespaces"]);
}

/// D6: @owf/mdoc 0.6.0 MACs a three-item MAC_structure, `["MAC0", protected, payload]`: it
/// leaves out `external_aad` when there is none (`Mac0.toBeAuthenticated`), where RFC 9052 §6.3
/// requires it (`h''`). Its tags verify against no RFC 9052 implementation; ours rejects them.
/// The script also MACs the conformant structure with the same key: with that tag in place of
/// owf's, ours accepts the presentation and rejects its tampered copies, so the missing item is
/// the whole difference. (D1 keeps owf's own verifier from checking any deviceMac.)
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn owf_device_mac_leaves_external_aad_out() {
    let options = ["mac"];
    let mut presented = peer_presents("owf", &options);
    assert_options_took_effect("owf", &options, &presented.response);
    let line: Json = serde_json::from_str(&presented.line).unwrap();
    assert_eq!(line["mac_structure_items"], 3, "{}", presented.line);
    let report = verify_response_bytes(&presented.response, &presented.context);
    assert!(!report.authentic());
    let failed = report.documents[0].failure().unwrap();
    assert_eq!(
        failed.name.description(),
        "Device authentication bound to this session"
    );
    assert!(
        format!("{:?}", failed.outcome).contains("COSE MAC tag does not verify"),
        "{:?}",
        failed.outcome
    );

    // The same presentation with the RFC 9052 tag.
    let tag = hex::decode(line["conformant_tag"].as_str().unwrap()).unwrap();
    let at = find_after(&presented.response, b"deviceMac", &[b"\xf6\x58\x20"]);
    presented.response[at..at + 32].copy_from_slice(&tag);
    check_ours_accepts("owf", &options, &presented);

    let verdict = peer_verify("owf", presented.dir.path());
    assert!(!verdict.ok, "{}", verdict.line);
    assert!(
        verdict
            .line
            .contains("Device MAC must use alg 5 (HMAC 256/256)"),
        "{}",
        verdict.line
    );
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_defaults_verify_with_ours() {
    peer_to_ours("isomdl", &[]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_without_decoy_digests_verifies_with_ours() {
    peer_to_ours("isomdl", &["nodecoys"]);
}

#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_tdate_birth_date_and_two_namespaces_verify_with_ours() {
    peer_to_ours("isomdl", &["tdate", "namespaces"]);
}

/// D8: isomdl 0.2.0's deviceMac names the device key's *signature* algorithm in the COSE_Mac0
/// protected header (`{1: -7}`, ES256: `prepare_response` builds one header for Sign1 and Mac0
/// alike), where ISO 18013-5 §9.1.3.5 makes deviceMac HMAC 256/256 (`{1: 5}`); it leaves the
/// tag to its caller (the peer binary derives EMacKey and MACs what isomdl hands it). Ours
/// refuses the algorithm. With `{1: 5}` and the tag of that structure (same key, same payload)
/// ours accepts and rejects the tampered copies, so the header is the whole difference. isomdl
/// cannot verify any deviceMac (D3).
#[test]
#[ignore = "needs the pinned peers: run by `cargo xtask test`"]
fn isomdl_device_mac_names_es256() {
    let options = ["mac"];
    let mut presented = peer_presents("isomdl", &options);
    assert_options_took_effect("isomdl", &options, &presented.response);
    let line: Json = serde_json::from_str(&presented.line).unwrap();
    assert_eq!(
        line["report"]["mac_protected"], "43a10126",
        "{}",
        presented.line
    );
    let es256: &[u8] = b"\x84\x43\xa1\x01\x26";
    let header = find_after(&presented.response, b"deviceMac", &[es256]) - 1;
    let report = verify_response_bytes(&presented.response, &presented.context);
    assert!(!report.authentic());
    let failed = report.documents[0].failure().unwrap();
    assert_eq!(
        failed.name.description(),
        "Device authentication bound to this session"
    );
    let outcome = format!("{:?}", failed.outcome);
    assert!(
        outcome.contains("label 1 (alg) is -7, expected HMAC 256/256"),
        "{outcome}"
    );

    presented.response[header] = 0x05;
    let tag = hex::decode(line["report"]["conformant_tag"].as_str().unwrap()).unwrap();
    let at = find_after(&presented.response, b"deviceMac", &[b"\xf6\x58\x20"]);
    presented.response[at..at + 32].copy_from_slice(&tag);
    check_ours_accepts("isomdl", &options, &presented);
}
