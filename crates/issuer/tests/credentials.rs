//! Issued credentials verify (signature, chain, digests, device key) and any mutation fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::cbor::{self, Tagged, Value};
use mdoc::cose::{CoseKey, CoseSign1};
use mdoc::definitions::{IssuerSigned, MobileSecurityObject};
use mdoc::time::{FullDate, Timestamp};
use mdoc::x509::{ChainPurpose, TrustAnchors, verify_chain};
use sha2::{Digest, Sha256};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_764_000_000);

fn device_key() -> CoseKey {
    CoseKey::new(mdoc::rng::new_p256_secret_key().public_key())
}

/// Every check a verifier makes on IssuerSigned, returning the first that fails.
fn check(issuer: &TestIssuer, bytes: &[u8], key: &CoseKey) -> Result<(), &'static str> {
    let signed: IssuerSigned = cbor::from_slice(bytes).map_err(|_| "decode")?;
    let sign1 = CoseSign1::from_value(&signed.issuer_auth).map_err(|_| "cose")?;
    let anchors = TrustAnchors::new(vec![issuer.iaca().certificate().clone()]);
    let chain = verify_chain(
        &sign1.x5chain().map_err(|_| "x5chain")?,
        &anchors,
        NOW,
        ChainPurpose::DocumentSigner,
    )
    .map_err(|_| "chain")?;
    sign1
        .verify(&chain.leaf_key().ok_or("key")?, None)
        .map_err(|_| "signature")?;
    let mso: Tagged<MobileSecurityObject> =
        Tagged::from_encoded(sign1.payload().ok_or("payload")?).map_err(|_| "mso")?;
    if mso.device_key_info.device_key != *key {
        return Err("device key");
    }
    // Every element the MSO covers must be present: nothing dropped, renamed or added.
    let covered: usize = mso.value_digests.iter().map(|(_, d)| d.len()).sum();
    if signed.items().count() != covered || !signed.rest.unknown.is_empty() {
        return Err("elements");
    }
    for (ns, item) in signed.items() {
        if mso.digest(ns, item.digest_id) != Some(Sha256::digest(item.encoded()).as_slice()) {
            return Err("digest");
        }
    }
    Ok(())
}

#[test]
fn every_sample_credential_verifies() {
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let today = NOW.date();
    for data in [
        samples::uk_digital_id(&AMELIA, today),
        samples::mdl(&AMELIA, today),
        samples::eu_pid(&samples::TOMASZ, today),
    ] {
        let key = device_key();
        let issued = issuer
            .issue(&data, &key, &ValidityWindow::starting(NOW, 365))
            .unwrap();
        check(&issuer, &issued.bytes, &key).unwrap();
        let signed: IssuerSigned = cbor::from_slice(&issued.bytes).unwrap();
        for (_, item) in signed.items() {
            assert_eq!(item.random.len(), 32);
        }
        let count = data.name_spaces.iter().map(|(_, e)| e.len()).sum::<usize>();
        assert_eq!(signed.items().count(), count);
    }
}

#[test]
fn batches_use_fresh_salts_and_keys() {
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let keys = [device_key(), device_key()];
    let data = samples::uk_digital_id(&AMELIA, FullDate::new(2026, 1, 1).unwrap());
    let batch = issuer
        .issue_batch(&data, &keys, &ValidityWindow::starting(NOW, 30))
        .unwrap();
    assert_eq!(batch.len(), 2);
    assert_ne!(batch[0].bytes, batch[1].bytes);
    check(&issuer, &batch[1].bytes, &keys[1]).unwrap();
    assert_eq!(check(&issuer, &batch[1].bytes, &keys[0]), Err("device key"));
}

#[test]
fn any_mutation_fails_verification() {
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let key = device_key();
    let data = samples::eu_pid(&AMELIA, NOW.date());
    let issued = issuer
        .issue(&data, &key, &ValidityWindow::starting(NOW, 30))
        .unwrap();
    let bytes = issued.bytes;
    let mut failures = 0;
    for i in 0..bytes.len() {
        let mut mutated = bytes.clone();
        mutated[i] ^= 0x01;
        assert!(
            check(&issuer, &mutated, &key).is_err(),
            "flip at byte {i} went unnoticed"
        );
        failures += 1;
    }
    assert_eq!(failures, bytes.len());
}

#[test]
fn invalid_requests_are_refused() {
    let issuer = TestIssuer::new("Test Authority", "GB", NOW).unwrap();
    let mut data = samples::eu_pid(&AMELIA, NOW.date());
    data.name_spaces[0]
        .1
        .push(("family_name".to_owned(), Value::text("Twice")));
    assert!(
        issuer
            .issue(&data, &device_key(), &ValidityWindow::starting(NOW, 30))
            .is_err()
    );
    let empty = issuer::CredentialData {
        doc_type: "x".to_owned(),
        name_spaces: vec![],
    };
    assert!(
        issuer
            .issue(&empty, &device_key(), &ValidityWindow::starting(NOW, 30))
            .is_err()
    );
    let backwards = ValidityWindow::starting(NOW, -1);
    assert!(
        issuer
            .issue(
                &samples::eu_pid(&AMELIA, NOW.date()),
                &device_key(),
                &backwards
            )
            .is_err()
    );
}
