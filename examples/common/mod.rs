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
use wallet::secure_area::{SecureArea, SoftwareSecureArea};
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
        Self::with_secure_area(dir, device_auth, |wallet_key| {
            Ok(Arc::new(SoftwareSecureArea::open(
                &dir.join("keys"),
                wallet_key,
            )?))
        })
    }

    /// The same world with the secure area `area` makes from the wallet key (the benches put
    /// a platform-like one in, whose keys do not live in files).
    pub fn with_secure_area(
        dir: &Path,
        device_auth: DeviceAuthMode,
        area: impl FnOnce(&WalletKey) -> Result<Arc<dyn SecureArea>, Error>,
    ) -> Result<World, Error> {
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
        let area = area(&wallet_key)?;
        let config = WalletConfig {
            issuer_anchors: TrustAnchors::new(vec![issuer.iaca().certificate().clone()]),
            reader_anchors: TrustAnchors::new(vec![reader_root.certificate().clone()]),
            device_auth,
            ..WalletConfig::default()
        };
        let clock: Arc<dyn Clock> = Arc::new(FixedClock(now));
        let wallet = Wallet::open(&dir.join("store"), &wallet_key, area, config, clock)?;
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

/// The app's side of issuance over real HTTP: a loopback issuer server started in-process,
/// driven with the small `std::net` client of `issuer_server::client`.
pub mod http {
    use std::sync::Arc;

    use issuer_server::client;
    use issuer_server::{RunningServer, ServerConfig};
    use mdoc::clock::FixedClock;
    use mdoc::definitions::DeviceResponse;
    use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
    use mdoc::time::Timestamp;
    use verifier::VerificationReport;
    use verifier::status::{CredentialStatus, Fetched, StatusChecker};
    use wallet::Wallet;
    use wallet::issuance::{IssuanceOptions, IssuanceStep};
    use wallet::store::CredentialSummary;

    use super::{Error, World};

    /// Starts the issuer server on 127.0.0.1 (ephemeral port), signing with the world's
    /// issuer at the world's time, so the wallet trusts what it issues.
    pub fn start_server(world: &World) -> Result<RunningServer, Error> {
        let config = ServerConfig::new(world.issuer.clone(), Arc::new(FixedClock(world.now)));
        Ok(issuer_server::start(config)?)
    }

    /// `POST /admin/offer` for sample citizen `name`: the offer URI and the tx_code.
    pub fn admin_offer(base_url: &str, name: &str) -> Result<(String, String), Error> {
        admin_offer_body(base_url, name.as_bytes().to_vec())
    }

    /// `POST /admin/offer` of an authorization-code offer for `name` (no tx_code).
    pub fn admin_offer_authorization_code(base_url: &str, name: &str) -> Result<String, Error> {
        let body = serde_json::json!({"citizen": name, "grant": "authorization_code"});
        Ok(admin_offer_body(base_url, body.to_string().into_bytes())?.0)
    }

    fn admin_offer_body(base_url: &str, body: Vec<u8>) -> Result<(String, String), Error> {
        let request = HttpRequest::post(&format!("{base_url}/admin/offer"), "text/plain", body);
        let response = client::send(&request)?;
        if response.status != 200 {
            return Err(format!("admin/offer answered {}", response.status).into());
        }
        let json: serde_json::Value = serde_json::from_slice(&response.body)?;
        let field = |name: &str| {
            json.get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("admin/offer: no {name}"))
        };
        Ok((field("offer_uri")?, field("tx_code")?))
    }

    /// An admin status action (`revoke`, `suspend`, `reinstate`) on the document holding
    /// status index `index`; returns the HTTP status.
    pub fn admin_status(base_url: &str, action: &str, index: u64) -> Result<u16, Error> {
        let request = HttpRequest::post(
            &format!("{base_url}/admin/{action}"),
            "application/json",
            format!("{{\"index\":{index}}}").into_bytes(),
        );
        Ok(client::send(&request)?.status)
    }

    /// Drives a whole issuance over HTTP: every request the wallet core builds is sent, every
    /// response handed back; `observe` sees each exchange. Returns the stored batch and the
    /// number of HTTP exchanges.
    pub fn issue(
        wallet: &Wallet,
        offer_uri: &str,
        tx_code: &str,
        options: IssuanceOptions,
        observe: &mut dyn FnMut(&HttpRequest, &HttpResponse),
    ) -> Result<(CredentialSummary, usize), Error> {
        let mut session = wallet.start_issuance(offer_uri, options)?;
        let mut exchanges = 0;
        loop {
            match session.next_step()? {
                IssuanceStep::Send(request) => {
                    let response = client::send(&request)?;
                    observe(&request, &response);
                    exchanges += 1;
                    session.handle_response(response.status, &response.headers, &response.body)?;
                }
                IssuanceStep::NeedTxCode(_) => session.provide_tx_code(tx_code)?,
                IssuanceStep::OpenBrowser { url } => {
                    // The browser loads the sign-in page; the citizen (Amelia) approves, which
                    // the server's admin endpoint stands in for; the app gets the redirect.
                    let page = client::send(&HttpRequest::get(&url))?;
                    if page.status != 200 {
                        return Err(format!("the sign-in page answered {}", page.status).into());
                    }
                    let base = url.split("/authorize").next().unwrap_or_default();
                    let approve = HttpRequest::post(
                        &format!("{base}/admin/approve"),
                        "application/json",
                        serde_json::json!({"authorization_url": url, "citizen": "amelia"})
                            .to_string()
                            .into_bytes(),
                    );
                    let answer = client::send(&approve)?;
                    let json: serde_json::Value = serde_json::from_slice(&answer.body)?;
                    let redirect = json
                        .get("redirect_url")
                        .and_then(serde_json::Value::as_str)
                        .ok_or("admin/approve gave no redirect_url")?;
                    exchanges += 2;
                    session.provide_redirect(redirect)?;
                }
                IssuanceStep::Wait { interval } => {
                    std::thread::sleep(std::time::Duration::from_secs(interval.min(1)))
                }
                IssuanceStep::Done(summary) => return Ok((summary, exchanges)),
            }
        }
    }

    /// The verifier backend's status check over HTTP: fetches every list `response` names
    /// (a failed fetch is reported as such), then adds "Credential not revoked" to `report`.
    /// Returns the URIs fetched and each document's status.
    pub fn check_status(
        checker: &mut StatusChecker,
        response: &DeviceResponse,
        report: &mut VerificationReport,
        now: Timestamp,
    ) -> (Vec<String>, Vec<Option<CredentialStatus>>) {
        let uris = checker.uris_to_fetch(response, now);
        for uri in &uris {
            let fetched = match client::send(&HttpRequest::get(uri)) {
                Ok(r) if r.status == 200 => Fetched::Token(r.body),
                _ => Fetched::Failed,
            };
            let _ = checker.offer(uri, fetched, now);
        }
        let statuses = checker.apply(response, report, now);
        (uris, statuses)
    }

    /// The wallet's background status refresh over HTTP: fetches each list its credentials
    /// reference and records the statuses; returns how many credentials were updated.
    pub fn refresh_wallet_status(wallet: &Wallet) -> Result<usize, Error> {
        let mut updated = 0;
        for uri in wallet.status_references() {
            let response = client::send(&HttpRequest::get(&uri))?;
            if response.status != 200 {
                return Err(format!("status list answered {}", response.status).into());
            }
            updated += wallet.update_status(&uri, &response.body)?;
        }
        Ok(updated)
    }
}
