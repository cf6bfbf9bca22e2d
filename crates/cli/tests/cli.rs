//! Runs the built `citizen-wallet` binary on messages made by its own `issue` and `present`
//! (which use the issuer, wallet and verifier crates).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mdoc::cbor::{self, Value};

const AT: &str = "2026-11-24T12:00:00Z";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizen-wallet"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run citizen-wallet")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A temporary directory holding `authority/` (from `issue`) and `session/` (from `present`).
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let issued = run_in(dir.path(), &["issue", "--dir", "authority", "--at", AT]);
        assert!(issued.status.success(), "issue: {}", stderr(&issued));
        let presented = run_in(
            dir.path(),
            &[
                "present",
                "--dir",
                "authority",
                "--out",
                "session",
                "--at",
                AT,
            ],
        );
        assert!(
            presented.status.success(),
            "present: {}",
            stderr(&presented)
        );
        Fixture { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir.path(), args)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// `inspect` on `name`: succeeds, and the JSON form parses and names the same type.
    fn inspect(&self, name: &str) -> String {
        let text = self.run(&["inspect", name]);
        assert!(text.status.success(), "inspect {name}: {}", stderr(&text));
        let json = self.run(&["inspect", "--json", name]);
        assert!(
            json.status.success(),
            "inspect --json {name}: {}",
            stderr(&json)
        );
        let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let first_line = stdout(&text).lines().next().unwrap_or_default().to_owned();
        let json_type = parsed["type"].as_str().unwrap();
        assert!(
            first_line.starts_with(json_type),
            "{first_line} vs {json_type}"
        );
        assert!(parsed["tree"]["offset"].is_u64());
        stdout(&text)
    }

    /// A bad-input run: exits 2 (not 0, and not a panic's 101) with an offset in the message.
    fn refused(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(!message.contains("panicked"), "{message}");
        message
    }
}

fn verify_args<'a>(response: &'a str, request: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![
        "verify",
        "--response",
        response,
        "--transcript",
        "session/transcript.cbor",
        "--iaca",
        "authority/iaca.pem",
        "--at",
        AT,
    ];
    if let Some(request) = request {
        args.extend(["--request", request]);
    }
    args
}

#[test]
fn inspect_recognises_every_message_type() {
    let f = Fixture::new();
    for (file, kind) in [
        ("session/engagement.cbor", "DeviceEngagement (binary)"),
        ("session/qr.txt", "DeviceEngagement (mdoc: URI)"),
        ("session/session-establishment.cbor", "SessionEstablishment"),
        ("session/session-data.cbor", "SessionData"),
        ("session/request.cbor", "DeviceRequest"),
        ("session/response.cbor", "DeviceResponse"),
        ("session/transcript.cbor", "SessionTranscriptBytes (tag 24)"),
        ("authority/credential.cbor", "IssuerSigned"),
        ("authority/iaca.pem", "certificate chain"),
    ] {
        let out = f.inspect(file);
        assert!(out.starts_with(kind), "{file}: {out}");
    }
    let engagement = f.inspect("session/engagement.cbor");
    for label in [
        "/ version /",
        "/ security /",
        "/ COSE_Key /",
        "/ crv /",
        "/ x /",
    ] {
        assert!(engagement.contains(label), "{label}: {engagement}");
    }

    // The parts of a credential, cut out with the core decoder.
    let issuer_signed = cbor::decode(&f.read("authority/credential.cbor")).unwrap();
    let issuer_auth = issuer_signed.get("issuerAuth").unwrap();
    f.write("issuer-auth.cbor", &cbor::encode(issuer_auth));
    assert!(f.inspect("issuer-auth.cbor").starts_with("COSE_Sign1"));
    let Value::Array(parts) = issuer_auth else {
        panic!("issuerAuth is not an array")
    };
    let payload = parts[2].as_bytes().unwrap();
    let mso = cbor::decode(payload).unwrap();
    f.write("mso.cbor", mso.as_embedded().unwrap().content());
    assert!(f.inspect("mso.cbor").starts_with("MobileSecurityObject"));
    let x5chain = parts[1].get_int(33).unwrap();
    f.write(
        "x5chain.cbor",
        &cbor::encode(&Value::Array(vec![x5chain.clone()])),
    );
    let out = f.inspect("x5chain.cbor");
    assert!(out.starts_with("x5chain"), "{out}");
    assert!(
        out.contains("subject CN=CLI Test Authority Document Signer"),
        "{out}"
    );
    assert!(out.contains("EKU mdoc document signer"), "{out}");
    f.write("ds.der", x5chain.as_bytes().unwrap());
    assert!(f.inspect("ds.der").starts_with("certificate (DER)"));

    // The untagged transcript, an OpenID4VP vp_token and hex text.
    let transcript = cbor::decode(&f.read("session/transcript.cbor")).unwrap();
    f.write(
        "transcript-bare.cbor",
        transcript.as_embedded().unwrap().content(),
    );
    assert!(
        f.inspect("transcript-bare.cbor")
            .starts_with("SessionTranscript")
    );
    let token = URL_SAFE_NO_PAD.encode(f.read("session/response.cbor"));
    f.write(
        "vp_token.json",
        format!("{{\"id-card\": [\"{token}\"]}}").as_bytes(),
    );
    assert!(
        f.inspect("vp_token.json")
            .starts_with("DeviceResponse (OpenID4VP vp_token)")
    );
    f.write(
        "request.hex",
        hex::encode(f.read("session/request.cbor")).as_bytes(),
    );
    assert!(f.inspect("request.hex").starts_with("DeviceRequest (hex)"));
}

/// The ISO/IEC 18013-5 Annex D examples, made by other implementations.
#[test]
fn inspect_reads_the_annex_d_examples() {
    let f = Fixture::new();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mdoc/testdata/iso18013-5-annex-d.json"
    );
    let vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (name, kind) in [
        ("device_engagement", "DeviceEngagement"),
        ("e_device_key_bytes", "COSE_Key (in tag 24)"),
        (
            "session_transcript_bytes",
            "SessionTranscriptBytes (tag 24)",
        ),
        ("session_establishment", "SessionEstablishment"),
        ("session_data", "SessionData"),
        ("session_termination", "SessionData"),
        ("device_request", "DeviceRequest"),
        ("reader_auth", "COSE_Sign1"),
        ("reader_certificate", "certificate (DER)"),
        ("device_response", "DeviceResponse"),
        ("issuer_auth", "COSE_Sign1"),
        (
            "mobile_security_object_bytes",
            "MobileSecurityObjectBytes (tag 24)",
        ),
        ("ds_certificate", "certificate (DER)"),
        ("iaca_certificate", "certificate (DER)"),
        ("device_auth", "DeviceAuth"),
    ] {
        let hex_text = vectors[name]["hex"].as_str().unwrap();
        f.write(name, &hex::decode(hex_text).unwrap());
        let out = f.inspect(name);
        assert!(
            out.starts_with(&format!("{kind} (binary)")),
            "{name}: {out}"
        );
        f.write(&format!("{name}.hex"), hex_text.as_bytes());
        assert!(
            f.inspect(&format!("{name}.hex"))
                .starts_with(&format!("{kind} (hex)"))
        );
    }
    let response = f.inspect("device_response");
    assert!(response.contains("digest ok"), "{response}");
    assert!(!response.contains("digest BAD"), "{response}");
    assert!(response.contains("element Family name"), "{response}");
    assert!(response.contains("COSE_Mac0"), "{response}");
}

/// Annex D's response uses deviceMac: verified with the reader's ephemeral key, and refused
/// without it or with a changed MAC tag.
#[test]
fn verify_checks_the_annex_d_device_mac_response() {
    let f = Fixture::new();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mdoc/testdata/iso18013-5-annex-d.json"
    );
    let vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let bytes = |name: &str| hex::decode(vectors[name]["hex"].as_str().unwrap()).unwrap();
    let iaca = mdoc::x509::Certificate::from_der(&bytes("iaca_certificate")).unwrap();
    f.write("annex-iaca.pem", iaca.to_pem().as_bytes());
    f.write("annex-transcript.cbor", &bytes("session_transcript_bytes"));
    let response = bytes("device_response");
    f.write("annex-response.cbor", &response);
    let d = vectors["e_reader_key_private"]["value"]["d"]
        .as_str()
        .unwrap();
    f.write("annex-reader.key", d.as_bytes());
    let args = |response: &'static str, key: bool| {
        let mut args = vec![
            "verify",
            "--response",
            response,
            "--transcript",
            "annex-transcript.cbor",
            "--iaca",
            "annex-iaca.pem",
            "--at",
            "2020-10-02T00:00:00Z",
        ];
        if key {
            args.extend(["--e-reader-key", "annex-reader.key"]);
        }
        args
    };
    let good = f.run(&args("annex-response.cbor", true));
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));
    assert!(stdout(&good).contains("[pass] Device authentication bound to this session"));

    let without_key = f.run(&args("annex-response.cbor", false));
    assert_eq!(without_key.status.code(), Some(1));
    assert!(stdout(&without_key).contains("deviceMac needs the reader's ephemeral key"));

    let tag = bytes("device_mac_tag");
    let mut changed = tag.clone();
    changed[0] ^= 1;
    f.write("annex-tampered.cbor", &replace(&response, &tag, &changed));
    let bad = f.run(&args("annex-tampered.cbor", true));
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad).contains("FAIL") && stdout(&bad).contains("Device authentication"),
        "{}",
        stdout(&bad)
    );

    f.write("bad.key", b"not a key");
    let mut bad_key = args("annex-response.cbor", false);
    bad_key.extend(["--e-reader-key", "bad.key"]);
    let message = f.refused(&bad_key);
    assert!(message.contains("the reader key"), "{message}");
}

#[test]
fn inspect_annotates_a_response() {
    let f = Fixture::new();
    let out = f.inspect("session/response.cbor");
    assert!(out.contains("24(<<"), "tag 24 expanded");
    assert!(out.contains("element Family name (Text)"), "{out}");
    assert!(out.contains("element Date of birth (FullDate)"), "{out}");
    assert!(out.contains("x5chain; certificate: subject CN=CLI Test Authority Document Signer"));
    assert_eq!(out.matches("digest ok").count(), 7, "{out}");
    assert!(!out.contains("digest BAD"));

    // One element value changed: its recomputed digest no longer matches the MSO.
    let tampered = replace(&f.read("session/response.cbor"), b"Okafor", b"Okafar");
    f.write("tampered.cbor", &tampered);
    let out = f.inspect("tampered.cbor");
    assert_eq!(out.matches("digest BAD").count(), 1, "{out}");
    assert_eq!(out.matches("digest ok").count(), 6);
}

#[test]
fn inspect_refuses_hostile_input_naming_the_offset() {
    let f = Fixture::new();
    let response = f.read("session/response.cbor");
    f.write("truncated.cbor", &response[..response.len() - 1]);
    let message = f.refused(&["inspect", "truncated.cbor"]);
    let offset: usize = message
        .split("at byte offset ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .expect("an offset in the message");
    assert!(offset > 0 && offset < response.len(), "{message}");
    assert!(
        message.contains("remain") || message.contains("ends"),
        "{message}"
    );

    f.write("int.cbor", &[0x01]);
    let message = f.refused(&["inspect", "int.cbor"]);
    assert!(
        message.contains("at byte offset 0: expected an mdoc message"),
        "{message}"
    );
    assert!(message.contains("found an unsigned integer"), "{message}");

    f.write("deep.cbor", &[0x81; 10_000]);
    let message = f.refused(&["inspect", "deep.cbor"]);
    assert!(
        message.contains("at byte offset 33: nesting deeper than 32"),
        "{message}"
    );

    // A length far beyond the input is refused before anything is allocated.
    f.write(
        "huge.cbor",
        &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    );
    let message = f.refused(&["inspect", "huge.cbor"]);
    assert!(
        message.contains("at byte offset 0: an array declares"),
        "{message}"
    );

    // The shape of a DeviceResponse with a field of the wrong type.
    f.write(
        "wrong.cbor",
        &cbor::encode(&Value::canonical_map(vec![
            (Value::text("version"), Value::text("1.0")),
            (Value::text("documents"), Value::Unsigned(7)),
            (Value::text("status"), Value::Unsigned(0)),
        ])),
    );
    let message = f.refused(&["inspect", "wrong.cbor"]);
    assert!(
        message.contains("expected a valid DeviceResponse"),
        "{message}"
    );

    f.write("trailing.cbor", &[0x01, 0x01]);
    let message = f.refused(&["inspect", "trailing.cbor"]);
    assert!(message.contains("at byte offset 1"), "{message}");
}

#[test]
fn verify_passes_a_good_response_and_names_the_failed_check_of_a_tampered_one() {
    let f = Fixture::new();
    let good = f.run(&verify_args(
        "session/response.cbor",
        Some("session/request.cbor"),
    ));
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    let report = stdout(&good);
    assert!(report.starts_with("Result: VERIFIED"), "{report}");
    assert!(report.contains("[pass] Only requested elements were disclosed"));
    assert!(
        report.contains("Family name                        Okafor"),
        "{report}"
    );
    assert!(!report.contains("NOT CHECKED"));

    let tampered = replace(&f.read("session/response.cbor"), b"Okafor", b"Okafar");
    f.write("tampered.cbor", &tampered);
    let bad = f.run(&verify_args("tampered.cbor", Some("session/request.cbor")));
    assert_eq!(bad.status.code(), Some(1));
    let report = stdout(&bad);
    assert!(report.starts_with("Result: NOT VERIFIED"), "{report}");
    assert!(
        report.contains("[FAIL: ")
            && report.contains("Every disclosed element matches its signed digest"),
        "{report}"
    );
    assert!(
        !report.contains("Okafar"),
        "no unverified values in the report"
    );

    let json = f.run(&[&verify_args("tampered.cbor", None)[..], &["--json"]].concat());
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["verified"], false);
    let failed: Vec<&str> = parsed["documents"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["ValueDigests"]);
}

#[test]
fn verify_without_a_request_checks_authenticity_and_says_completeness_was_not_checked() {
    let f = Fixture::new();
    let output = f.run(&verify_args("session/response.cbor", None));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("[pass] Device authentication bound to this session"));
    assert!(!report.contains("Only requested elements"), "{report}");
    assert!(report.contains("Completeness against a request: NOT CHECKED"));
    assert!(
        report.contains("Given names                        Amelia"),
        "{report}"
    );

    // Authenticity still fails on another session's transcript.
    let other = tempfile::tempdir().unwrap();
    let mut args = verify_args("session/response.cbor", None);
    let transcript = f.path("other-transcript.cbor");
    let presented = run_in(
        other.path(),
        &[
            "present",
            "--dir",
            f.path("authority").to_str().unwrap(),
            "--out",
            "s",
            "--at",
            AT,
        ],
    );
    assert!(presented.status.success(), "{}", stderr(&presented));
    std::fs::copy(other.path().join("s/transcript.cbor"), &transcript).unwrap();
    args[4] = "other-transcript.cbor";
    let output = f.run(&args);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("FAIL"), "{}", stdout(&output));
}

#[test]
fn verify_refuses_bad_inputs_with_a_message() {
    let f = Fixture::new();
    let response = f.read("session/response.cbor");
    f.write("truncated.cbor", &response[..100]);
    let message = f.refused(&verify_args("truncated.cbor", None));
    assert!(
        message.contains("DeviceResponse") && message.contains("offset"),
        "{message}"
    );
    let mut args = verify_args("session/response.cbor", None);
    args[8] = "yesterday";
    let message = f.refused(&args);
    assert!(message.contains("RFC 3339"), "{message}");
}

#[test]
fn qr_round_trips_through_png() {
    let f = Fixture::new();
    let uri = String::from_utf8(f.read("session/qr.txt")).unwrap();
    let shown = f.run(&[
        "qr",
        "--engagement",
        "session/engagement.cbor",
        "--png",
        "qr.png",
        "--svg",
        "qr.svg",
    ]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(stdout(&shown).contains('█'));
    assert!(stdout(&shown).contains(&uri));
    assert!(
        String::from_utf8(f.read("qr.svg"))
            .unwrap()
            .contains("<svg")
    );
    let decoded = f.run(&["qr", "--decode", "qr.png"]);
    assert!(decoded.status.success(), "{}", stderr(&decoded));
    assert_eq!(stdout(&decoded).trim(), uri);

    let from_uri = f.run(&["qr", &uri, "--png", "qr2.png"]);
    assert!(from_uri.status.success());
    assert_eq!(f.read("qr2.png"), f.read("qr.png"));

    let message = f.refused(&["qr", "mdoc:not-an-engagement"]);
    assert!(message.contains("not an mdoc: engagement URI"), "{message}");
    let message = f.refused(&["qr", "--decode", "session/response.cbor"]);
    assert!(message.contains("not a PNG image"), "{message}");
}

#[test]
fn present_answers_a_request_file() {
    let f = Fixture::new();
    let output = f.run(&[
        "present",
        "--dir",
        "authority",
        "--request",
        "session/request.cbor",
        "--transcript",
        "session/transcript.cbor",
        "--out",
        "answer",
        "--at",
        AT,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let verified = f.run(&verify_args(
        "answer/response.cbor",
        Some("session/request.cbor"),
    ));
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["inspect", "verify", "qr", "issue", "present"] {
        let output = run_in(dir.path(), &[command, "--help"]);
        assert!(output.status.success());
        assert!(stdout(&output).contains("Example:"), "{command}");
        assert!(
            stdout(&output).contains(&format!("citizen-wallet {command}")),
            "{command}"
        );
    }
}

/// The commands of the README's "Debugging with the CLI" section, exactly as written there.
#[test]
fn readme_debugging_commands_run() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    let section = readme
        .split("## Debugging with the CLI")
        .nth(1)
        .expect("the README has a Debugging with the CLI section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a sh block");
    let commands: Vec<&str> = block
        .lines()
        .filter(|line| line.starts_with("citizen-wallet "))
        .collect();
    assert!(
        commands.len() >= 7,
        "the README block lost commands: {commands:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let output = run_in(dir.path(), &args);
        assert!(output.status.success(), "{command}: {}", stderr(&output));
    }
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}
