//! A right-to-work check, end to end.
//!
//! An issuing authority issues Amelia a UK digital ID into her wallet (encrypted store and
//! software secure area under `target/example-wallet/right_to_work`): by default over real
//! HTTP, OpenID4VCI 1.0 with a pre-authorized code and tx_code, from the issuer server
//! (`crates/issuer-server`) started in-process on 127.0.0.1 with an ephemeral port — a batch
//! of single-use copies, each with its own status-list index; `--direct` provisions one copy
//! in-process as before. An employer's verifier
//! scans her wallet's QR code and asks for the right-to-work profile, signed with its reader
//! certificate. The wallet shows the consent screen with any minimisation findings; Amelia
//! approves what the purpose needs; the employer verifies everything (over HTTP, also fetching
//! the issuer's status list for "Credential not revoked") and prints its report.
//!
//! The consent screen is the wallet's accessible rendering: every item a complete sentence, as a
//! screen reader speaks it. `cargo run --example right_to_work -- --lang cy` shows it in Welsh.
//!
//! `cargo run --example right_to_work -- --out DIR` also writes `device_request.cbor`,
//! `device_response.cbor`, `session_transcript.cbor`, `iaca.pem` (trust anchor) and `ds.pem`,
//! so another ISO 18013-5 implementation can check the same presentation.

mod common;

use std::path::PathBuf;

use common::{World, http, label, proximity_check};
use issuer::samples::{self, AMELIA};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use verifier::status::{StatusChecker, StatusPolicy};
use wallet::i18n::Locale;
use wallet::issuance::IssuanceOptions;
use wallet::presentation::DeviceAuthMode;

fn main() -> Result<(), common::Error> {
    let Args {
        out,
        locale,
        direct,
    } = parse_args()?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/example-wallet/right_to_work");
    let _ = std::fs::remove_dir_all(&dir);
    let world = World::new(&dir, DeviceAuthMode::Signature)?;

    // The issuer server lives as long as `server` (stopped when dropped).
    let server = if direct {
        None
    } else {
        Some(http::start_server(&world)?)
    };
    println!("== Wallet");
    let summary = match &server {
        None => {
            let summary = world.provision(&samples::uk_digital_id(&AMELIA, world.now.date()))?;
            println!("Issued directly (in-process call, no HTTP; --direct)");
            summary
        }
        Some(server) => {
            let base = server.base_url();
            let (offer_uri, tx_code) = http::admin_offer(base, "amelia")?;
            let options = IssuanceOptions {
                // The server is http://127.0.0.1 (a test issuer): the test-only switch.
                allow_insecure_loopback: true,
                ..IssuanceOptions::default()
            };
            let (summary, exchanges) =
                http::issue(&world.wallet, &offer_uri, &tx_code, options, &mut |_, _| {})?;
            println!(
                "Issued over HTTP from the issuer server at {base} (OpenID4VCI 1.0, pre-authorized \
                 code + tx_code, {exchanges} HTTP exchanges): {} single-use copies",
                summary.copies_left
            );
            summary
        }
    };
    println!(
        "Provisioned {} from {} (valid {} to {}), stored encrypted under {}",
        summary.display_name,
        summary.issuer,
        summary.valid_from.date(),
        summary.valid_until.date(),
        dir.display()
    );

    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let mut check = proximity_check(&world, &[request], |consent| {
        consent.recommended_selection()
    })?;
    if server.is_some() {
        // The employer's backend fetches the issuer's status list over HTTP.
        let response = mdoc::cbor::from_slice(&check.device_response)?;
        let mut checker = StatusChecker::new(world.issuer_anchors(), StatusPolicy::default(), 16);
        let (fetched, _) =
            http::check_status(&mut checker, &response, &mut check.report, world.now);
        for uri in fetched {
            println!("\nThe employer's backend fetched the status list over HTTP: {uri}");
        }
    }

    let heading = match locale {
        Locale::Welsh => "Sgrin ganiatâd (waled)",
        Locale::English => "Consent screen (wallet)",
    };
    println!(
        "\n== {heading}\n{}",
        check.consent.accessible(locale).to_text()
    );
    let approved = check.consent.recommended_selection().approved.len();
    match locale {
        Locale::Welsh => println!("Mae Amelia yn cytuno i rannu {approved} eitem."),
        Locale::English => println!("Amelia approves {approved} elements."),
    }
    println!(
        "\n== Employer's verification report\n{}",
        check.report.render(label)
    );

    if let Some(out) = out {
        std::fs::create_dir_all(&out)?;
        std::fs::write(out.join("device_request.cbor"), &check.device_request)?;
        std::fs::write(out.join("device_response.cbor"), &check.device_response)?;
        std::fs::write(
            out.join("session_transcript.cbor"),
            &check.session_transcript,
        )?;
        std::fs::write(
            out.join("iaca.pem"),
            world.issuer.iaca().certificate().to_pem(),
        )?;
        std::fs::write(
            out.join("ds.pem"),
            world.issuer.document_signer().certificate().to_pem(),
        )?;
        println!(
            "Wrote the presentation and trust anchor to {}",
            out.display()
        );
    }
    if !check.report.verified() {
        return Err("the presentation did not verify".into());
    }
    Ok(())
}

/// The command line: `[--out DIR] [--lang en|cy] [--direct]`, in any order.
struct Args {
    out: Option<PathBuf>,
    locale: Locale,
    direct: bool,
}

fn parse_args() -> Result<Args, common::Error> {
    const USAGE: &str = "usage: right_to_work [--out DIR] [--lang en|cy] [--direct]";
    let mut parsed = Args {
        out: None,
        locale: Locale::English,
        direct: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--direct" {
            parsed.direct = true;
            continue;
        }
        match (flag.as_str(), args.next()) {
            ("--out", Some(dir)) => parsed.out = Some(PathBuf::from(dir)),
            ("--lang", Some(tag)) if matches!(tag.as_str(), "en" | "cy") => {
                parsed.locale = Locale::from_tag(&tag)
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok(parsed)
}
