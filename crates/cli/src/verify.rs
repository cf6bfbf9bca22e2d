//! `verify`: the full verification report for a DeviceResponse.

use std::path::PathBuf;

use mdoc::cbor::{self, FromCbor, Value};
use mdoc::clock::{Clock, SystemClock};
use mdoc::definitions::{DeviceRequest, DeviceResponse, SessionTranscript};
use mdoc::time::Timestamp;
use mdoc::x509::{Certificate, TrustAnchors};
use verifier::{VerificationContext, VerificationReport, verify_response};

use crate::diag;
use crate::input;

/// What `verify` was given.
pub struct VerifyArgs {
    /// The DeviceResponse file.
    pub response: PathBuf,
    /// The SessionTranscript file (tagged or untagged).
    pub transcript: PathBuf,
    /// PEM files of trusted IACA certificates.
    pub iaca: Vec<PathBuf>,
    /// The DeviceRequest the response answers, if known.
    pub request: Option<PathBuf>,
    /// The check time, RFC 3339; the system clock when absent.
    pub at: Option<String>,
    /// The reader's ephemeral private key (to check a deviceMac), if known.
    pub e_reader_key: Option<PathBuf>,
}

/// A P-256 private key from PKCS#8 PEM, SEC1 PEM or the hex of the 32-byte scalar.
pub fn private_key(bytes: &[u8]) -> Result<p256::SecretKey, String> {
    use p256::pkcs8::DecodePrivateKey as _;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "the reader key: expected PEM or hex text".to_owned())?
        .trim();
    if text.starts_with("-----BEGIN PRIVATE KEY") {
        return p256::SecretKey::from_pkcs8_pem(text)
            .map_err(|_| "the reader key: not a P-256 PKCS#8 key".to_owned());
    }
    if text.starts_with("-----BEGIN EC PRIVATE KEY") {
        return p256::SecretKey::from_sec1_pem(text)
            .map_err(|_| "the reader key: not a P-256 SEC1 key".to_owned());
    }
    let scalar = hex::decode(text)
        .map_err(|_| "the reader key: expected PEM or 64 hex digits".to_owned())?;
    p256::SecretKey::from_slice(&scalar)
        .map_err(|_| "the reader key: not a valid P-256 private scalar".to_owned())
}

/// The report and whether completeness against a request was checked.
pub struct Verification {
    /// The core verifier's report.
    pub report: VerificationReport,
    /// True when a request was given and completeness was checked against it.
    pub completeness_checked: bool,
}

impl Verification {
    /// The verdict the exit status follows: authentic and complete when a request was given,
    /// authentic alone otherwise (the report then says completeness was not checked).
    pub fn passed(&self) -> bool {
        if self.completeness_checked {
            self.report.verified()
        } else {
            self.report.authentic()
        }
    }
}

/// Decodes `bytes` as `T`, naming the offset when the CBOR itself is broken.
pub fn decode<T: FromCbor>(bytes: &[u8], what: &str) -> Result<T, String> {
    if let Err(e) = diag::parse(bytes) {
        return Err(format!("{what}: not one well-formed CBOR item {e}"));
    }
    cbor::from_slice(bytes).map_err(|e| format!("{what}: not a valid {what}: {e}"))
}

/// A SessionTranscript from SessionTranscriptBytes (tag 24) or the bare array.
pub fn transcript(bytes: &[u8]) -> Result<SessionTranscript, String> {
    let value: Value = decode_value(bytes, "SessionTranscript")?;
    let result = match value {
        Value::Embedded(_) => SessionTranscript::from_bytes(bytes).map(|(t, _)| t),
        other => SessionTranscript::from_cbor(&other),
    };
    result.map_err(|e| format!("SessionTranscript: {e}"))
}

fn decode_value(bytes: &[u8], what: &str) -> Result<Value, String> {
    if let Err(e) = diag::parse(bytes) {
        return Err(format!("{what}: not one well-formed CBOR item {e}"));
    }
    cbor::decode(bytes).map_err(|e| format!("{what}: {e}"))
}

/// Runs the verification `args` describe.
pub fn run(args: &VerifyArgs) -> Result<Verification, String> {
    let response: DeviceResponse = decode(&input::read(&args.response)?, "DeviceResponse")?;
    let transcript = transcript(&input::read(&args.transcript)?)?;
    let mut anchors = Vec::new();
    for path in &args.iaca {
        let pem = String::from_utf8(input::read(path)?)
            .map_err(|_| format!("{}: expected PEM text", path.display()))?;
        anchors.extend(
            Certificate::from_pem_chain(&pem).map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    if anchors.is_empty() {
        return Err("give at least one IACA certificate with --iaca".to_owned());
    }
    let now = match &args.at {
        Some(text) => Timestamp::parse_rfc3339(text)
            .map_err(|e| format!("--at {text}: expected an RFC 3339 time: {e}"))?,
        None => SystemClock.now(),
    };
    let requests = match &args.request {
        Some(path) => Some(
            decode::<DeviceRequest>(&input::read(path)?, "DeviceRequest")?
                .doc_requests
                .iter()
                .map(|d| d.items_request.value().clone())
                .collect(),
        ),
        None => None,
    };
    let context = VerificationContext {
        transcript,
        requests,
        issuer_anchors: TrustAnchors::new(anchors),
        now,
        e_reader_key: match &args.e_reader_key {
            Some(path) => Some(private_key(&input::read(path)?)?),
            None => None,
        },
    };
    // With no request the context says so, and verify_response checks authenticity only.
    let report = verify_response(&response, &context);
    Ok(Verification {
        report,
        completeness_checked: args.request.is_some(),
    })
}

/// The report as text.
pub fn render(verification: &Verification) -> String {
    let mut out = verification.report.render(mdoc::registry::label);
    if !verification.completeness_checked {
        // The core's first line weighs completeness, which was not checked here.
        let verdict = if verification.passed() {
            "AUTHENTIC"
        } else {
            "NOT AUTHENTIC"
        };
        let rest = out.split_once('\n').map_or("", |(_, rest)| rest);
        out = format!(
            "Result: {verdict} (status {}; completeness not checked)\n{rest}",
            verification.report.status
        );
        out.push_str(
            "\nCompleteness against a request: NOT CHECKED (no --request given); \
             this report covers authenticity only.\n",
        );
    }
    out
}

/// The report as JSON for scripts.
pub fn json(verification: &Verification) -> serde_json::Value {
    use mdoc::verify::Outcome;
    let report = &verification.report;
    let documents: Vec<_> = report
        .documents
        .iter()
        .map(|doc| {
            let checks: Vec<_> = doc
                .checks
                .iter()
                .map(|c| {
                    let (passed, reason) = match &c.outcome {
                        Outcome::Passed => (true, None),
                        Outcome::PassedWithNote(note) => (true, Some(note.clone())),
                        Outcome::Failed(reason) => (false, Some(reason.clone())),
                    };
                    serde_json::json!({
                        "check": format!("{:?}", c.name),
                        "description": c.name.description(),
                        "passed": passed,
                        "reason": reason,
                    })
                })
                .collect();
            let elements: Vec<_> = doc
                .elements
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "namespace": e.namespace,
                        "identifier": e.identifier,
                        "label": mdoc::registry::label(&doc.doc_type, &e.namespace, &e.identifier),
                        "value": e.display_value(),
                    })
                })
                .collect();
            serde_json::json!({
                "docType": doc.doc_type,
                "issuer": doc.issuer,
                "authentic": doc.authentic(),
                "complete": verification.completeness_checked.then(|| doc.complete()),
                "checks": checks,
                "elements": elements,
            })
        })
        .collect();
    serde_json::json!({
        "verified": verification.passed(),
        "authentic": report.authentic(),
        "complete": verification.completeness_checked.then(|| report.complete()),
        "status": report.status,
        "completenessChecked": verification.completeness_checked,
        "documents": documents,
        "documentErrors": report.document_errors.iter()
            .map(|(doc_type, code)| serde_json::json!({"docType": doc_type, "code": code}))
            .collect::<Vec<_>>(),
    })
}
