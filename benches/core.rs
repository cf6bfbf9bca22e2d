//! Benchmarks of the core against its floors, reported as ratios measured in one run:
//!
//! * presentation: building a right-to-work DeviceResponse with deviceSignature, against one
//!   P-256 ECDSA signature plus SHA-256 of the disclosed bytes;
//! * verification: full verification of that response, against its ECDSA verifications
//!   (document signer certificate, MSO, device signature) plus the digests;
//! * session encryption: `SessionCipher` throughput against raw AES-256-GCM.
//!
//! Run with `cargo bench --bench core` (or `cargo xtask bench`). Figures are wall-clock medians
//! of repeated batches on this machine; the ratios are what to compare across machines.

#[path = "../examples/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use common::World;
use issuer::samples::{self, TOMASZ};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use p256::ecdsa::signature::{Signer, Verifier};
use sha2::{Digest, Sha256};
use verifier::{DocumentRequest, ReaderSession};
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};
use wallet::proximity::ProximitySession;

/// Median time of one call of `f`, from batches that each run for about 50 ms.
fn measure(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < Duration::from_millis(50) {
        f();
        calls += 1;
    }
    let per_batch = calls.max(1);
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed() / per_batch
        })
        .collect();
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn row(name: &str, ours: Duration, floor: Duration) {
    println!(
        "| {name:<34} | {:>10.1} µs | {:>10.1} µs | {:>6.2}x |",
        ours.as_secs_f64() * 1e6,
        floor.as_secs_f64() * 1e6,
        ours.as_secs_f64() / floor.as_secs_f64()
    );
}

fn main() -> Result<(), common::Error> {
    let dir = std::env::temp_dir().join(format!("citizen-wallet-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let world = World::new(&dir, DeviceAuthMode::Signature)?;
    world.provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))?;

    // One real session to get a request, a transcript and a response.
    let requests = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri())?;
    let _ = holder.handle(&reader.establish(&requests, Some(&world.reader_key()))?);
    let transcript = holder.transcript().ok_or("no transcript")?.clone();
    let request: mdoc::definitions::DeviceRequest =
        mdoc::cbor::from_slice(reader.device_request().ok_or("no request")?)?;
    let prepared = prepare_request(&world.wallet, &request, &transcript)?;
    let selection = prepared.consent().recommended_selection();
    let response = respond(&world.wallet, &prepared, &selection, None)?;
    let response_bytes = mdoc::cbor::to_vec(&response);
    let context = reader.context(&world.issuer_anchors(), world.now);
    let disclosed: Vec<Vec<u8>> = response
        .documents
        .iter()
        .flatten()
        .flat_map(|d| {
            d.issuer_signed
                .items()
                .map(|(_, i)| i.encoded().to_vec())
                .collect::<Vec<_>>()
        })
        .collect();

    println!("| operation                          |       ours |      floor |  ratio |");
    println!("|------------------------------------|------------|------------|--------|");

    let ours = measure(|| {
        black_box(respond(&world.wallet, &prepared, &selection, None).ok());
    });
    let key = p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key());
    let floor = measure(|| {
        for item in &disclosed {
            black_box(Sha256::digest(item));
        }
        let signature: p256::ecdsa::Signature =
            key.sign(b"DeviceAuthenticationBytes stand-in of similar size");
        black_box(signature);
    });
    row("presentation (deviceSignature)", ours, floor);

    let ours = measure(|| {
        let decoded: mdoc::definitions::DeviceResponse =
            mdoc::cbor::from_slice(&response_bytes).unwrap_or_else(|_| unreachable!());
        black_box(verifier::verify_response(&decoded, &context));
    });
    let verifying = *key.verifying_key();
    let signature: p256::ecdsa::Signature = key.sign(b"message");
    let floor = measure(|| {
        for _ in 0..3 {
            black_box(verifying.verify(b"message", &signature).is_ok());
        }
        for item in &disclosed {
            black_box(Sha256::digest(item));
        }
    });
    row("verification (full)", ours, floor);

    let keys = mdoc::session::SessionKeys::derive(&[7; 32], b"transcript");
    let payload = vec![0x5a; 64 * 1024];
    let mut cipher = mdoc::session::SessionCipher::new(mdoc::session::Role::Device, &keys);
    let ours = measure(|| {
        black_box(cipher.encrypt(&payload).ok());
    });
    let raw = Aes256Gcm::new(keys.sk_device().into());
    let floor = measure(|| {
        black_box(
            raw.encrypt(&Nonce::from([1u8; 12]), payload.as_slice())
                .ok(),
        );
    });
    row("session encryption (64 KiB)", ours, floor);
    println!(
        "\nsession encryption throughput: {:.0} MiB/s (raw AES-256-GCM {:.0} MiB/s)",
        64.0 / 1024.0 / ours.as_secs_f64(),
        64.0 / 1024.0 / floor.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
