//! `issue` and `present`: the test authority and a test wallet on the command line.
//!
//! `issue` makes an IACA with a document signer, a reader root with one reader certificate, and
//! a software wallet holding a sample UK digital ID. `present` opens that wallet and answers a
//! request: a given DeviceRequest file, or a proximity session it runs in-process (the reader
//! side too) for a purpose profile. Test material only: the keys are in plain files and the
//! wallet passphrase is fixed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples::{AMELIA, uk_digital_id};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::cbor;
use mdoc::clock::{Clock, FixedClock, SystemClock};
use mdoc::definitions::DeviceRequest;
use mdoc::profiles::Purpose;
use mdoc::time::Timestamp;
use mdoc::x509::{Certificate, TrustAnchors};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use verifier::{DocumentRequest, ReaderKey, ReaderSession};
use wallet::keys::WalletKey;
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};
use wallet::proximity::{ProximitySession, SessionEvent};
use wallet::secure_area::SoftwareSecureArea;
use wallet::{Wallet, WalletConfig};

use crate::input;
use crate::verify::{decode, transcript};

/// The fixed passphrase of the test wallet (test material only).
const TEST_PASSPHRASE: &[u8] = b"citizen-wallet cli test wallet";

/// The files `issue` writes in its directory.
pub mod files {
    /// The IACA certificate (PEM): the trust anchor for `verify --iaca`.
    pub const IACA: &str = "iaca.pem";
    /// The reader root certificate (PEM).
    pub const READER_ROOT: &str = "reader-root.pem";
    /// The reader certificate (PEM).
    pub const READER_CERT: &str = "reader.pem";
    /// The reader's private key (PKCS#8 PEM).
    pub const READER_KEY: &str = "reader-key.pem";
    /// The issued credential: IssuerSigned (CBOR).
    pub const CREDENTIAL: &str = "credential.cbor";
    /// The wallet's directory.
    pub const WALLET: &str = "wallet";
}

fn time(at: Option<&str>) -> Result<Timestamp, String> {
    match at {
        Some(text) => Timestamp::parse_rfc3339(text)
            .map_err(|e| format!("--at {text}: expected an RFC 3339 time: {e}")),
        None => Ok(SystemClock.now()),
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn open_wallet(dir: &Path, now: Timestamp) -> Result<Wallet, String> {
    let read_pem = |name: &str| -> Result<Vec<Certificate>, String> {
        let text = String::from_utf8(input::read(&dir.join(name))?)
            .map_err(|_| format!("{name}: expected PEM text"))?;
        Certificate::from_pem_chain(&text).map_err(|e| format!("{name}: {e}"))
    };
    let config = WalletConfig {
        issuer_anchors: TrustAnchors::new(read_pem(files::IACA)?),
        reader_anchors: TrustAnchors::new(read_pem(files::READER_ROOT)?),
        device_auth: DeviceAuthMode::Signature,
        ..WalletConfig::default()
    };
    let wallet_dir = dir.join(files::WALLET);
    std::fs::create_dir_all(&wallet_dir).map_err(err)?;
    let key = WalletKey::from_passphrase_in(&wallet_dir, TEST_PASSPHRASE).map_err(err)?;
    let area = SoftwareSecureArea::open(&wallet_dir.join("keys"), &key).map_err(err)?;
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(now));
    Wallet::open(
        &wallet_dir.join("store"),
        &key,
        Arc::new(area),
        config,
        clock,
    )
    .map_err(err)
}

fn write_pem(dir: &Path, name: &str, cert: &Certificate) -> Result<(), String> {
    input::write(&dir.join(name), cert.to_pem().as_bytes())
}

/// `issue`: makes the authority, the reader and a wallet holding a sample credential in `dir`.
/// Returns a summary of what was written.
pub fn issue(dir: &Path, at: Option<&str>) -> Result<String, String> {
    let now = time(at)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let authority = TestIssuer::new("CLI Test Authority", "GB", now).map_err(err)?;
    let start = now.plus_days(-30);
    let reader_root = CertifiedKey::new_reader_root(&CertificateProfile::new(
        "CLI Test Reader Root",
        "GB",
        start,
        3650,
    ))
    .map_err(err)?;
    let mut profile = CertificateProfile::new("CLI Test Reader", "GB", start, 365);
    profile.organization = Some("CLI Test Verifier".to_owned());
    let reader = CertifiedKey::new_reader(&reader_root, &profile).map_err(err)?;
    write_pem(dir, files::IACA, authority.iaca().certificate())?;
    write_pem(dir, files::READER_ROOT, reader_root.certificate())?;
    write_pem(dir, files::READER_CERT, reader.certificate())?;
    let key_pem = p256::SecretKey::from(reader.signing_key())
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(err)?;
    input::write(&dir.join(files::READER_KEY), key_pem.as_bytes())?;

    let wallet = open_wallet(dir, now)?;
    let data = uk_digital_id(&AMELIA, now.date());
    let pending = wallet.prepare(&data.doc_type).map_err(err)?;
    let issued = authority
        .issue(
            &data,
            &pending.device_key,
            &ValidityWindow::starting(now.plus_days(-1), 365),
        )
        .map_err(err)?;
    input::write(&dir.join(files::CREDENTIAL), &issued.bytes)?;
    let summary = wallet.accept(&pending, &issued.bytes).map_err(err)?;
    Ok(format!(
        "Issued {} to the test wallet in {} (credential {})\n  {}  trust anchor for verify --iaca\n  {}  the IssuerSigned credential\n",
        data.doc_type,
        dir.join(files::WALLET).display(),
        summary.id,
        dir.join(files::IACA).display(),
        dir.join(files::CREDENTIAL).display(),
    ))
}

/// What `present` was given.
pub struct PresentArgs {
    /// The directory `issue` wrote.
    pub dir: PathBuf,
    /// Where to write the session's messages.
    pub out: PathBuf,
    /// A DeviceRequest to answer (with `transcript`); without it a proximity session is run.
    pub request: Option<PathBuf>,
    /// The SessionTranscript the request was made in.
    pub transcript: Option<PathBuf>,
    /// The purpose profile of the in-process reader's request.
    pub purpose: String,
    /// The time (RFC 3339).
    pub at: Option<String>,
}

/// `present`: answers a request from the test wallet, approving everything it holds that was
/// requested, and writes the messages to `args.out`.
pub fn present(args: &PresentArgs) -> Result<String, String> {
    let now = time(args.at.as_deref())?;
    let wallet = open_wallet(&args.dir, now)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    match (&args.request, &args.transcript) {
        (Some(request), Some(transcript_path)) => {
            let request: DeviceRequest = decode(&input::read(request)?, "DeviceRequest")?;
            let transcript = transcript(&input::read(transcript_path)?)?;
            let prepared = prepare_request(&wallet, &request, &transcript).map_err(err)?;
            let selection = prepared.consent().everything_held();
            let response = respond(&wallet, &prepared, &selection, None).map_err(err)?;
            input::write(&args.out.join("response.cbor"), &cbor::to_vec(&response))?;
            Ok(format!(
                "Answered the request: {}\n",
                args.out.join("response.cbor").display()
            ))
        }
        (None, None) => proximity(&args.dir, &wallet, &args.purpose, &args.out),
        _ => Err("--request and --transcript go together".to_owned()),
    }
}

fn proximity(dir: &Path, wallet: &Wallet, purpose: &str, out_dir: &Path) -> Result<String, String> {
    let out = |name: &str, bytes: &[u8]| input::write(&out_dir.join(name), bytes);
    let purpose = Purpose::from_id(purpose)
        .ok_or_else(|| format!("unknown purpose {purpose} (try right_to_work)"))?;
    let doc_type = wallet
        .credentials()
        .first()
        .map(|c| c.doc_type.clone())
        .ok_or("the test wallet holds no credential; run issue first")?;
    let key_pem = String::from_utf8(input::read(&dir.join(files::READER_KEY))?)
        .map_err(|_| "reader key: expected PEM".to_owned())?;
    let secret = p256::SecretKey::from_pkcs8_pem(&key_pem).map_err(err)?;
    let reader_cert = String::from_utf8(input::read(&dir.join(files::READER_CERT))?)
        .map_err(|_| "reader certificate: expected PEM".to_owned())?;
    let chain = Certificate::from_pem_chain(&reader_cert)
        .map_err(err)?
        .iter()
        .map(|c| c.der().to_vec())
        .collect();
    let reader_key = ReaderKey::new(SigningKey::from(&secret), chain);

    let mut holder = ProximitySession::start(wallet, Vec::new());
    let uri = holder.qr_uri();
    let mut reader = ReaderSession::from_qr_uri(&uri).map_err(err)?;
    let requests = [DocumentRequest::for_purpose(purpose, &doc_type)];
    let establishment = reader
        .establish(&requests, Some(&reader_key))
        .map_err(err)?;
    let consent = match holder.handle(&establishment) {
        SessionEvent::Consent(consent) => *consent,
        SessionEvent::Failed { error, .. } => return Err(error.to_string()),
        _ => return Err("the session ended without a request".to_owned()),
    };
    let reply = holder.approve(&consent.everything_held()).map_err(err)?;
    let response = reader.decrypt_response(&reply).map_err(err)?;
    out("qr.txt", uri.as_bytes())?;
    out("engagement.cbor", holder.engagement().content())?;
    out("session-establishment.cbor", &establishment)?;
    out("session-data.cbor", &reply)?;
    out("request.cbor", reader.device_request().unwrap_or_default())?;
    out("transcript.cbor", reader.transcript_bytes().encoded())?;
    out("response.cbor", &response)?;
    Ok(
        "Ran a proximity session; wrote qr.txt, engagement.cbor, session-establishment.cbor, \
         session-data.cbor, request.cbor, transcript.cbor, response.cbor\n"
            .to_owned(),
    )
}
