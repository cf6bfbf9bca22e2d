//! A right-to-work check, end to end and in-process.
//!
//! An issuing authority issues Amelia a UK digital ID into her wallet (encrypted store and
//! software secure area under `target/example-wallet/right_to_work`). An employer's verifier
//! scans her wallet's QR code and asks for the right-to-work profile, signed with its reader
//! certificate. The wallet shows the consent screen with any minimisation findings; Amelia
//! approves what the purpose needs; the employer verifies everything and prints its report.
//!
//! The consent screen is the wallet's accessible rendering: every item a complete sentence, as a
//! screen reader speaks it. `cargo run --example right_to_work -- --lang cy` shows it in Welsh.
//!
//! `cargo run --example right_to_work -- --out DIR` also writes `device_request.cbor`,
//! `device_response.cbor`, `session_transcript.cbor`, `iaca.pem` (trust anchor) and `ds.pem`,
//! so another ISO 18013-5 implementation can check the same presentation.

mod common;

use std::path::PathBuf;

use common::{World, label, proximity_check};
use issuer::samples::{self, AMELIA};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use wallet::i18n::Locale;
use wallet::presentation::DeviceAuthMode;

fn main() -> Result<(), common::Error> {
    let Args { out, locale } = parse_args()?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/example-wallet/right_to_work");
    let _ = std::fs::remove_dir_all(&dir);
    let world = World::new(&dir, DeviceAuthMode::Signature)?;

    let summary = world.provision(&samples::uk_digital_id(&AMELIA, world.now.date()))?;
    println!("== Wallet");
    println!(
        "Provisioned {} from {} (valid {} to {}), stored encrypted under {}",
        summary.display_name,
        summary.issuer,
        summary.valid_from.date(),
        summary.valid_until.date(),
        dir.display()
    );

    let request = DocumentRequest::for_purpose(Purpose::RightToWork, UK_DIGITAL_ID);
    let check = proximity_check(&world, &[request], |consent| {
        consent.recommended_selection()
    })?;

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

/// The command line: `[--out DIR] [--lang en|cy]`, in any order.
struct Args {
    out: Option<PathBuf>,
    locale: Locale,
}

fn parse_args() -> Result<Args, common::Error> {
    const USAGE: &str = "usage: right_to_work [--out DIR] [--lang en|cy]";
    let mut parsed = Args {
        out: None,
        locale: Locale::English,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
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
