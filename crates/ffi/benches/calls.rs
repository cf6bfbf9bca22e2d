//! One exported call made from Rust, timed exactly as `bindings/kotlin/src/bench` times the same
//! call from Kotlin through the generated bindings, so `cargo xtask bench` can report what the
//! FFI adds. Prints `ffi-bench <call> <median ns>` lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use citizen_wallet_ffi::*;

/// Median over `batches` of the mean time per call in a batch of `per_batch` calls, after one
/// batch of warm-up.
fn median_ns(per_batch: u32, batches: usize, mut call: impl FnMut()) -> f64 {
    let mut samples = Vec::with_capacity(batches);
    for batch in 0..=batches {
        let start = Instant::now();
        for _ in 0..per_batch {
            call();
        }
        if batch > 0 {
            samples.push(start.elapsed().as_nanos() as f64 / f64::from(per_batch));
        }
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

const VERIFY_PER_BATCH: usize = 20;
const VERIFY_BATCHES: usize = 25;

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let authority = TestAuthority::new("UK Digital Identity".into(), "GB".into()).unwrap();
    let area = software_secure_area(
        dir.path().join("keys").to_string_lossy().into(),
        vec![1; 32],
    )
    .unwrap();
    let wallet = Wallet::open(
        dir.path().join("store").to_string_lossy().into(),
        vec![2; 32],
        area,
        authority.iaca_pem(),
        String::new(),
        DeviceAuthentication::Signature,
    )
    .unwrap();
    let pending = wallet.prepare("uk.gov.digital-id.1".into()).unwrap();
    let credential = authority
        .issue(
            SampleDocument::UkDigitalIdAmelia,
            pending.device_key.clone(),
        )
        .unwrap();
    wallet.accept(pending, credential).unwrap();
    let verifier = Verifier::new(authority.iaca_pem(), None, None).unwrap();
    let origin = "https://hr.acme.example".to_owned();
    // A request answers once, so every timed call verifies its own fresh request and response.
    let answered = || {
        let documents =
            vec![profile_request("right_to_work".into(), "uk.gov.digital-id.1".into()).unwrap()];
        let request = verifier
            .openid4vp_dc_api_request(documents, origin.clone(), false)
            .unwrap();
        let session = wallet
            .start_openid4vp(request.request_json(), Some(origin.clone()))
            .unwrap();
        let response = session
            .approve(session.recommended_selection())
            .unwrap()
            .json;
        (request, response)
    };
    let (request, response) = answered();
    assert!(request.verify(response).unwrap()[0].verified);
    // Made before timing starts (collected, not lazily mapped).
    let mut pairs = (0..VERIFY_PER_BATCH * (VERIFY_BATCHES + 1))
        .map(|_| answered())
        .collect::<Vec<_>>()
        .into_iter();

    let small = median_ns(2000, 25, || {
        black_box(profile_request(
            black_box("right_to_work".into()),
            black_box("uk.gov.digital-id.1".into()),
        ))
        .unwrap();
    });
    println!("ffi-bench profile_request {small:.0}");
    let verify = median_ns(VERIFY_PER_BATCH as u32, VERIFY_BATCHES, || {
        let (request, response) = pairs.next().unwrap();
        black_box(request.verify(black_box(response)).unwrap());
    });
    println!("ffi-bench openid4vp_verify {verify:.0}");
}
