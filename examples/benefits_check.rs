//! A benefits check by a case worker whose verifier over-asks.
//!
//! Amelia holds a UK digital ID. The case worker's request follows the benefits profile but also
//! asks for her driving entitlements and work restrictions, which a benefits check must not ask
//! for, and for her immigration status, which is not needed from a British citizen. The consent
//! screen flags all three; Amelia declines them and approves the rest; the verifier confirms
//! what it received and that nothing else was disclosed.

mod common;

use std::path::PathBuf;

use common::{World, label, proximity_check, render_consent};
use issuer::samples::{self, AMELIA};
use mdoc::profiles::Purpose;
use mdoc::registry::{ISO_NAMESPACE, UK_DIGITAL_ID};
use verifier::DocumentRequest;
use wallet::presentation::DeviceAuthMode;

fn main() -> Result<(), common::Error> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/example-wallet/benefits_check");
    let _ = std::fs::remove_dir_all(&dir);
    let world = World::new(&dir, DeviceAuthMode::Mac)?;
    world.provision(&samples::uk_digital_id(&AMELIA, world.now.date()))?;

    let request = DocumentRequest::for_purpose(Purpose::Benefits, UK_DIGITAL_ID)
        .with_element(ISO_NAMESPACE, "driving_privileges", true)
        .with_element(UK_DIGITAL_ID, "work_restrictions", true);
    let check = proximity_check(&world, &[request], |consent| {
        consent.recommended_selection()
    })?;

    println!(
        "== Consent screen (wallet)\n{}",
        render_consent(&check.consent)
    );
    let flagged: Vec<String> = check
        .consent
        .documents
        .iter()
        .flat_map(|d| {
            d.elements
                .iter()
                .filter(|e| !e.findings.is_empty())
                .map(|e| e.label.clone())
        })
        .collect();
    println!(
        "Amelia declines the flagged elements: {}.",
        flagged.join(", ")
    );
    println!(
        "\n== Case worker's verification report\n{}",
        check.report.render(label)
    );
    // What came back is genuine; the answer is incomplete because Amelia declined what the
    // case worker over-asked for, so it is rightly not VERIFIED.
    if !check.report.authentic() {
        return Err("the presentation is not authentic".into());
    }
    if !check.report.complete() {
        println!("Authentic but incomplete: the case worker must not treat it as a full answer.");
    }
    Ok(())
}
