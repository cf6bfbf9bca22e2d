//! A right-to-work check, end to end and in-process.
//!
//! An issuing authority issues Amelia a UK digital ID into her wallet (encrypted store and
//! software secure area under `target/example-wallet/right_to_work`). An employer's verifier
//! scans her wallet's QR code and asks for the right-to-work profile, signed with its reader
//! certificate. The wallet shows the consent screen with any minimisation findings; Amelia
//! approves what the purpose needs; the employer verifies everything and prints its report.
//!
//! `cargo run --example right_to_work -- --out DIR` also writes `device_request.cbor`,
//! `device_response.cbor`, `session_transcript.cbor`, `iaca.pem` (trust anchor) and `ds.pem`,
//! so another ISO 18013-5 implementation can check the same presentation.

mod common;

use std::path::PathBuf;

use common::{World, label, proximity_check, render_consent};
use issuer::samples::{self, AMELIA};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::DocumentRequest;
use wallet::presentation::DeviceAuthMode;

fn main() -> Result<(), common::Error> {
    let out = parse_out()?;
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

    println!(
        "\n== Consent screen (wallet)\n{}",
        render_consent(&check.consent)
    );
    let approved = check.consent.recommended_selection().approved.len();
    println!("Amelia approves {approved} elements.");
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

fn parse_out() -> Result<Option<PathBuf>, common::Error> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--out"), Some(dir)) => Ok(Some(PathBuf::from(dir))),
        _ => Err("usage: right_to_work [--out DIR]".into()),
    }
}
