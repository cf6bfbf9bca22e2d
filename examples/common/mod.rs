//! The in-process world the examples and end-to-end tests run in: an issuing authority, an
//! employer's reader certificate, and a citizen's wallet on the embedded defaults (encrypted
//! store in a directory, software secure area).
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::{CredentialData, TestIssuer, ValidityWindow};
use mdoc::clock::{Clock, FixedClock};
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use verifier::{DocumentRequest, ReaderKey, ReaderSession, VerificationReport};
use wallet::consent::{ConsentRequest, Selection};
use wallet::keys::WalletKey;
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};
use wallet::secure_area::SoftwareSecureArea;
use wallet::store::CredentialSummary;
use wallet::{Wallet, WalletConfig};

/// A fixed "now" for reproducible runs: 2026-11-24T12:00:00Z.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);

/// Everything a presentation needs.
pub struct World {
    pub now: Timestamp,
    pub issuer: TestIssuer,
    pub reader_root: CertifiedKey,
    pub reader: CertifiedKey,
    pub wallet: Wallet,
}

pub type Error = Box<dyn std::error::Error>;

impl World {
    /// A world whose wallet keeps its files under `dir`, unlocked by a key derived from a
    /// passphrase (as an app would from the user's PIN or the platform keychain).
    pub fn new(dir: &Path, device_auth: DeviceAuthMode) -> Result<World, Error> {
        let now = NOW;
        let issuer = TestIssuer::new("UK Digital Identity", "GB", now)?;
        let start = now.plus_days(-30);
        let reader_root = CertifiedKey::new_reader_root(&CertificateProfile::new(
            "UK Verifier Trust Root",
            "GB",
            start,
            3650,
        ))?;
        let mut employer =
            CertificateProfile::new("Acme Ltd HR right-to-work checks", "GB", start, 365);
        employer.organization = Some("Acme Ltd".to_owned());
        let reader = CertifiedKey::new_reader(&reader_root, &employer)?;
        // The salt is random per wallet, kept in `dir/passphrase.salt` and reused on reopen.
        let wallet_key = WalletKey::from_passphrase_in(dir, b"correct horse battery staple")?;
        let area = SoftwareSecureArea::open(&dir.join("keys"), &wallet_key)?;
        let config = WalletConfig {
            issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
            reader_anchors: TrustAnchors::new(vec![reader_root.certificate().clone()]),
            device_auth,
            ..WalletConfig::default()
        };
        let clock: Arc<dyn Clock> = Arc::new(FixedClock(now));
        let wallet = Wallet::open(
            &dir.join("store"),
            &wallet_key,
            Arc::new(area),
            config,
            clock,
        )?;
        Ok(World {
            now,
            issuer,
            reader_root,
            reader,
            wallet,
        })
    }

    /// Provisions `data` into the wallet: device key, issuance, full verification, storage.
    pub fn provision(&self, data: &CredentialData) -> Result<CredentialSummary, Error> {
        let pending = self.wallet.prepare(&data.doc_type)?;
        let issued = self.issuer.issue(
            data,
            &pending.device_key,
            &ValidityWindow::starting(self.now.plus_days(-1), 365),
        )?;
        Ok(self.wallet.accept(&pending, &issued.bytes)?)
    }

    /// The employer's reader key.
    pub fn reader_key(&self) -> ReaderKey {
        ReaderKey::new(
            self.reader.signing_key().clone(),
            vec![self.reader.certificate().der().to_vec()],
        )
    }

    /// The verifier's trust anchors for issuers.
    pub fn issuer_anchors(&self) -> TrustAnchors {
        TrustAnchors::new(vec![self.issuer.iaca().certificate().clone()])
    }
}

/// What one proximity check produced.
pub struct Check {
    pub consent: ConsentRequest,
    pub report: VerificationReport,
    pub device_request: Vec<u8>,
    pub device_response: Vec<u8>,
    pub session_transcript: Vec<u8>,
}

/// Runs a proximity check in-process: the wallet shows a QR code, the reader scans it and
/// sends `requests`, the wallet builds the consent, `choose` plays the citizen, and the reader
/// verifies what comes back.
pub fn proximity_check(
    world: &World,
    requests: &[DocumentRequest],
    choose: impl Fn(&ConsentRequest) -> Selection,
) -> Result<Check, Error> {
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri())?;
    let establishment = reader.establish(requests, Some(&world.reader_key()))?;
    let consent = match holder.handle(&establishment) {
        SessionEvent::Consent(consent) => *consent,
        SessionEvent::Failed { error, .. } => return Err(error.into()),
        other => return Err(format!("unexpected wallet event {other:?}").into()),
    };
    let reply = holder.approve(&choose(&consent))?;
    let device_response = reader.decrypt_response(&reply)?;
    let report = verifier::verify_response(
        &mdoc::cbor::from_slice(&device_response)?,
        &reader.context(&world.issuer_anchors(), world.now),
    );
    Ok(Check {
        consent,
        report,
        device_request: reader.device_request().unwrap_or_default().to_vec(),
        device_response,
        session_transcript: reader.transcript_bytes().encoded().to_vec(),
    })
}

/// The consent screen as text.
pub fn render_consent(consent: &ConsentRequest) -> String {
    use wallet::consent::ReaderTrust;
    let mut out = String::new();
    let verifier = &consent.verifier;
    let trust = match &verifier.trust {
        ReaderTrust::Trusted { anchor } => format!("verified (certificate issued by {anchor})"),
        ReaderTrust::Untrusted { reason } => format!("NOT VERIFIED: {reason}"),
        ReaderTrust::NotAuthenticated => "did not identify itself".to_owned(),
    };
    out.push_str(&format!(
        "{} asks for information\n  Identity: {trust}\n",
        verifier.display_name()
    ));
    for doc in &consent.documents {
        let purpose = doc
            .purpose
            .map_or_else(|| "no recognised purpose".to_owned(), |p| p.display_name());
        let declared = if doc.purpose_declared {
            "declared by the verifier"
        } else {
            "inferred from the request"
        };
        out.push_str(&format!(
            "\n  From your {} — purpose: {purpose} ({declared})\n",
            doc.display_name
        ));
        for e in &doc.elements {
            let held = if e.held {
                ""
            } else {
                " [you do not hold this]"
            };
            let keep = if e.intent_to_retain {
                "will be kept"
            } else {
                "view only"
            };
            let sensitive = if e.sensitive { " (sensitive)" } else { "" };
            out.push_str(&format!(
                "    [{}] {:<34} {keep}{sensitive}{held}\n",
                if e.findings.is_empty() { " " } else { "!" },
                e.label
            ));
            for f in &e.findings {
                out.push_str(&format!("          ! {}\n", f.explanation));
            }
        }
    }
    out
}

/// The label of an element for reports.
pub fn label(doc_type: &str, namespace: &str, identifier: &str) -> String {
    mdoc::registry::label(doc_type, namespace, identifier)
}
