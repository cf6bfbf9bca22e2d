//! Benchmarks of the core against its floors, reported as ratios measured in one run:
//!
//! * presentation: building a right-to-work DeviceResponse with deviceSignature (the software
//!   secure area loads and unwraps the device key from its file for each signature), against
//!   one P-256 ECDSA signature (p256 with its precomputed tables) of a message as long as the
//!   DeviceAuthenticationBytes; this thread's CPU time in alternating batches, target ≤ 1.1x
//!   (issue 18); once with the software secure area (a key file read per signature) and once
//!   with the keys in memory, where a platform keystore stands (the core's own cost);
//! * verification: full verification of that response, against its ECDSA verifications
//!   (document signer certificate, MSO, device signature) plus the digests;
//! * session encryption: `SessionCipher` throughput against raw AES-256-GCM;
//! * verification with the chain cached (issue 18): the same response verified again by a
//!   verifier that has validated its document signer's chain before, against two ECDSA
//!   verifications plus the digests;
//! * status check (issue 15): one "Credential not revoked" check from a fetched, uncached Status
//!   List Token (16,384 2-bit entries, as the issuer server serves it) against its two P-256
//!   ECDSA verifications (the status signer's certificate by the IACA, the token by the status
//!   signer), target ≤ 1.1x; a new copy of the token from a signer whose chain is cached
//!   against one verification; and the check from the cached list, per credential, target
//!   < 5 µs. These rows are measured in alternating batches against their floors.
//!
//! Run with `cargo bench --bench core` (or `cargo xtask bench`); `cargo bench --bench core --
//! status` runs only the rows whose name contains `status`. Figures are wall-clock medians
//! of repeated batches on this machine; the ratios are what to compare across machines.

#[path = "../examples/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use common::World;
use issuer::samples::{self, TOMASZ};
use issuer::status::StatusListIssuer;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::status::{Bits, StatusReference};
use p256::ecdsa::signature::{Signer, Verifier};
use sha2::{Digest, Sha256};
use verifier::status::{CredentialStatus, Fetched, StatusChecker, StatusPolicy};
use verifier::{DocumentRequest, ReaderSession};
use wallet::presentation::{DeviceAuthMode, prepare_request, respond};
use wallet::proximity::ProximitySession;
use wallet::secure_area::{SecureArea, SecureAreaError};

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

/// A row with an absolute target instead of a floor.
fn row_target(name: &str, ours: Duration, target: &str) {
    println!(
        "| {name:<34} | {:>10.2} µs | {target:>13} |        |",
        ours.as_secs_f64() * 1e6,
    );
}

/// One real proximity session's request, transcript and prepared answer, and a response to it.
struct Presentation {
    reader: ReaderSession,
    transcript: mdoc::definitions::SessionTranscript,
    prepared: wallet::presentation::PreparedRequest,
    selection: wallet::consent::Selection,
    response: mdoc::definitions::DeviceResponse,
}

impl Presentation {
    fn new(world: &World) -> Result<Self, common::Error> {
        let requests = [DocumentRequest::for_purpose(
            Purpose::RightToWork,
            UK_DIGITAL_ID,
        )];
        let mut holder = ProximitySession::start(&world.wallet, Vec::new());
        let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri())?;
        let _ = holder.handle(&reader.establish(&requests, Some(&world.reader_key()))?);
        let transcript = holder.transcript().ok_or("no transcript")?.clone();
        // The session reserved the single-use copy for its own consent; ending it releases the
        // copy for the request prepared below.
        drop(holder);
        let request: mdoc::definitions::DeviceRequest =
            mdoc::cbor::from_slice(reader.device_request().ok_or("no request")?)?;
        let prepared = prepare_request(&world.wallet, &request, &transcript)?;
        let selection = prepared.consent().recommended_selection();
        let response = respond(&world.wallet, &prepared, &selection, None)?;
        if response.documents.as_ref().is_none_or(Vec::is_empty) {
            return Err(
                "the wallet disclosed nothing: the rows would time an empty response".into(),
            );
        }
        Ok(Presentation {
            reader,
            transcript,
            prepared,
            selection,
            response,
        })
    }
}

/// A secure area holding its keys in process memory, as a platform keystore holds them outside
/// the app: what a presentation costs over its signature without the software area's file
/// reads (which are the desktop default's, not the core's). Bench-only.
#[derive(Default)]
struct MemorySecureArea(std::sync::Mutex<std::collections::BTreeMap<String, p256::SecretKey>>);

impl MemorySecureArea {
    fn key(&self, alias: &str) -> Result<p256::SecretKey, SecureAreaError> {
        self.0
            .lock()
            .map_err(|_| SecureAreaError::Backend("poisoned".into()))?
            .get(alias)
            .cloned()
            .ok_or(SecureAreaError::KeyNotFound)
    }
}

impl SecureArea for MemorySecureArea {
    fn create_key(&self, alias: &str) -> Result<p256::PublicKey, SecureAreaError> {
        let secret = mdoc::rng::new_p256_secret_key();
        let public = secret.public_key();
        self.0
            .lock()
            .map_err(|_| SecureAreaError::Backend("poisoned".into()))?
            .insert(alias.to_owned(), secret);
        Ok(public)
    }
    fn public_key(&self, alias: &str) -> Result<p256::PublicKey, SecureAreaError> {
        Ok(self.key(alias)?.public_key())
    }
    fn sign(&self, alias: &str, message: &[u8]) -> Result<[u8; 64], SecureAreaError> {
        Ok(mdoc::cose::sign_es256_with(&self.key(alias)?, message))
    }
    fn key_agreement(
        &self,
        alias: &str,
        peer: &p256::PublicKey,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>, SecureAreaError> {
        Ok(mdoc::session::ecdh(&self.key(alias)?, peer))
    }
    fn delete_key(&self, alias: &str) -> Result<(), SecureAreaError> {
        self.0
            .lock()
            .map_err(|_| SecureAreaError::Backend("poisoned".into()))?
            .remove(alias);
        Ok(())
    }
    fn list_keys(&self) -> Result<Vec<String>, SecureAreaError> {
        Ok(self
            .0
            .lock()
            .map_err(|_| SecureAreaError::Backend("poisoned".into()))?
            .keys()
            .cloned()
            .collect())
    }
}

fn main() -> Result<(), common::Error> {
    // `cargo bench --bench core -- NAME`: only rows whose name contains NAME.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let dir = std::env::temp_dir().join(format!("citizen-wallet-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let world = World::new(&dir, DeviceAuthMode::Signature)?;
    world.provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))?;

    let Presentation {
        reader,
        transcript,
        prepared,
        selection,
        response,
    } = Presentation::new(&world)?;
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

    if wanted("presentation (deviceSignature)") {
        // The floor signs a message as long as this response's DeviceAuthenticationBytes.
        let auth_len = mdoc::auth::device_authentication_bytes(
            &mdoc::cbor::ToCbor::to_cbor(&transcript),
            UK_DIGITAL_ID,
            mdoc::cbor::Tagged::new(mdoc::definitions::DeviceNameSpacesMap::default()).embedded(),
        )
        .encoded()
        .len();
        let message = vec![0x5a; auth_len];
        let key = p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key());
        // What is timed must be a response, not an error path.
        respond(&world.wallet, &prepared, &selection, None)?;
        let (ours, floor) = measure_alternating(
            || {
                black_box(respond(&world.wallet, &prepared, &selection, None).ok());
            },
            || {
                let signature: p256::ecdsa::Signature = key.sign(black_box(&message));
                black_box(signature);
            },
        );
        row("presentation (deviceSignature)", ours, floor);
        // Where the time over the floor goes: the software secure area's signature alone (it
        // reads and unwraps the key file for every signature) against the same floor.
        let area = world.wallet.secure_area();
        let alias = "bench-presentation-floor";
        let _ = area.create_key(alias);
        area.sign(alias, &message)?;
        let (area_sign, floor_again) = measure_alternating(
            || {
                black_box(area.sign(alias, black_box(&message)).ok());
            },
            || {
                let signature: p256::ecdsa::Signature = key.sign(black_box(&message));
                black_box(signature);
            },
        );
        row("  of which: secure area sign", area_sign, floor_again);
        // The same presentation from a wallet whose keys are in memory (a platform keystore's
        // place): the core's own cost over its one signature.
        let memory_dir = dir.join("memory-area");
        let memory_world = World::with_secure_area(&memory_dir, DeviceAuthMode::Signature, |_| {
            Ok(std::sync::Arc::new(MemorySecureArea::default()))
        })?;
        memory_world.provision(&samples::uk_digital_id(&TOMASZ, memory_world.now.date()))?;
        let in_memory = Presentation::new(&memory_world)?;
        let (ours, floor) = measure_alternating(
            || {
                black_box(
                    respond(
                        &memory_world.wallet,
                        &in_memory.prepared,
                        &in_memory.selection,
                        None,
                    )
                    .ok(),
                );
            },
            || {
                let signature: p256::ecdsa::Signature = key.sign(black_box(&message));
                black_box(signature);
            },
        );
        row("presentation, keys in memory", ours, floor);
        println!(
            "  (this thread's CPU time, alternating batches; floor: one ES256 signature of \
             {auth_len} bytes, p256 with precomputed tables; target ≤ 1.1x)"
        );
    }

    let key = p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key());
    if wanted("verification (full)") || wanted("verification (full, chain cached)") {
        // Without the chain cache: the document signer's chain validated for every response.
        let uncached = verifier::VerificationContext {
            issuer_anchors: context.issuer_anchors.clone().with_chain_cache_capacity(0),
            ..context.clone()
        };
        for context in [&uncached, &context] {
            let report = verifier::verify_response(&response, context);
            if !report.verified() {
                return Err(format!("the verifier refuses the response: {report:?}").into());
            }
        }
        let verifying = *key.verifying_key();
        let signature: p256::ecdsa::Signature = key.sign(b"message");
        if wanted("verification (full)") {
            let ours = measure(|| {
                let decoded: mdoc::definitions::DeviceResponse =
                    mdoc::cbor::from_slice(&response_bytes).unwrap_or_else(|_| unreachable!());
                black_box(verifier::verify_response(&decoded, &uncached));
            });
            let floor = measure(|| {
                for _ in 0..3 {
                    black_box(verifying.verify(b"message", &signature).is_ok());
                }
                for item in &disclosed {
                    black_box(Sha256::digest(item));
                }
            });
            row("verification (full)", ours, floor);
        }
        // Issue 18: a verifier seeing many credentials from one document signer, its chain
        // cached: two ECDSA verifications (MSO, device signature) plus the digests.
        if wanted("verification (full, chain cached)") {
            let (ours, floor) = measure_alternating(
                || {
                    let decoded: mdoc::definitions::DeviceResponse =
                        mdoc::cbor::from_slice(&response_bytes).unwrap_or_else(|_| unreachable!());
                    black_box(verifier::verify_response(&decoded, &context));
                },
                || {
                    for _ in 0..2 {
                        black_box(verifying.verify(b"message", &signature).is_ok());
                    }
                    for item in &disclosed {
                        black_box(Sha256::digest(item));
                    }
                },
            );
            row("verification (full, chain cached)", ours, floor);
        }
    }

    if wanted("session encryption (64 KiB)") {
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
    }

    let status_names = [
        "status check (uncached token)",
        "status check (signer chain cached)",
        "status check, cached (per credential)",
    ];
    if status_names.iter().any(|name| wanted(name)) {
        status_rows(&world, &key, &wanted)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Issue 15's rows, each side measured against its floor in alternating batches:
///
/// * a fetched token verified from scratch (no chain cache: the status signer's certificate by
///   the IACA, then the token by the status signer, the claims, the inflate and the read)
///   against two ECDSA P-256 verifications of messages as long as the signed bytes;
/// * a new copy of the token from a signer whose chain is cached (what a verifier checking
///   many credentials pays when a list's `ttl` runs out) against one verification;
/// * a status read from the cached list, per credential, against its target of 5 µs.
fn status_rows(
    world: &World,
    key: &p256::ecdsa::SigningKey,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<(), common::Error> {
    let uri = "https://status.digital-identity.example/lists/1";
    let mut list = StatusListIssuer::new(uri, Bits::Two, 16_384)?;
    let references: Vec<StatusReference> = (0..1000)
        .map(|_| {
            list.assign().map(|entry| StatusReference {
                status_list: Some(entry),
                identifier_list: None,
            })
        })
        .collect::<Result<_, _>>()?;
    let first = references.first().ok_or("no reference")?;
    let signer = world.issuer.new_status_signer()?;
    let token = list.token(&signer, world.now, 86_400, 300)?;
    let policy = StatusPolicy::default();
    let anchors = world.issuer_anchors();
    let mut uncached = StatusChecker::new(
        anchors.clone().with_chain_cache_capacity(0),
        policy.clone(),
        16,
    );
    let mut cached = StatusChecker::new(anchors.clone(), policy, 16);
    for checker in [&mut uncached, &mut cached] {
        checker.offer(uri, Fetched::Token(token.clone()), world.now)?;
        if checker.status(first, UK_DIGITAL_ID, world.now) != CredentialStatus::Valid {
            return Err("the status check does not answer VALID".into());
        }
    }
    // The floor's messages are as long as what is really verified: the signer certificate
    // (its tbsCertificate is shorter) and the token (its Sig_structure is about as long).
    let certificate = vec![0x5a; signer.certified_key().certificate().der().len()];
    let message = vec![0x5a; token.len()];
    let verifying = *key.verifying_key();
    let certificate_signature: p256::ecdsa::Signature = key.sign(&certificate);
    let token_signature: p256::ecdsa::Signature = key.sign(&message);

    if wanted("status check (uncached token)") {
        let (ours, floor) = measure_alternating(
            || {
                // `offer` verifies the token afresh each time (chain, signature, claims, inflate).
                black_box(
                    uncached
                        .offer(uri, Fetched::Token(black_box(token.clone())), world.now)
                        .is_ok(),
                );
                black_box(uncached.status(first, UK_DIGITAL_ID, world.now));
            },
            || {
                black_box(
                    verifying
                        .verify(black_box(&certificate), &certificate_signature)
                        .is_ok(),
                );
                black_box(
                    verifying
                        .verify(black_box(&message), &token_signature)
                        .is_ok(),
                );
            },
        );
        row("status check (uncached token)", ours, floor);
    }

    if wanted("status check (signer chain cached)") {
        let hits = anchors.chain_cache().stats().hits;
        let (ours, floor) = measure_alternating(
            || {
                black_box(
                    cached
                        .offer(uri, Fetched::Token(black_box(token.clone())), world.now)
                        .is_ok(),
                );
                black_box(cached.status(first, UK_DIGITAL_ID, world.now));
            },
            || {
                black_box(
                    verifying
                        .verify(black_box(&message), &token_signature)
                        .is_ok(),
                );
            },
        );
        if anchors.chain_cache().stats().hits == hits {
            return Err("the status signer's chain was not answered from the cache".into());
        }
        row("status check (signer chain cached)", ours, floor);
    }
    if !wanted("status check, cached (per credential)") {
        return Ok(());
    }

    let per_credential = measure(|| {
        for reference in &references {
            black_box(cached.status(reference, UK_DIGITAL_ID, world.now));
        }
    }) / u32::try_from(references.len())?;
    row_target(
        "status check, cached (per credential)",
        per_credential,
        "target < 5 µs",
    );
    Ok(())
}

/// Median CPU time (this thread's) of one call of `a` and of `b`, over 41 rounds that each run a
/// batch of `a` then a batch of `b` (about 20 ms of CPU each), so both sides see the same
/// machine load.
///
/// With `CITIZEN_WALLET_BENCH_CALLS=N` set, each side instead runs exactly N times through
/// [`callgrind_side_a`] and [`callgrind_side_b`] (no timing), so that
/// `valgrind --tool=callgrind --toggle-collect=*callgrind_side_a*` counts one side's
/// instructions: divide by N.
fn measure_alternating(mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    if let Some(calls) = std::env::var("CITIZEN_WALLET_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        callgrind_side_a(&mut a, calls);
        callgrind_side_b(&mut b, calls);
        return (Duration::from_nanos(1), Duration::from_nanos(1));
    }
    /// This thread's CPU time so far (excludes the time other processes hold the core).
    fn cpu() -> Duration {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap_or_default(),
            u32::try_from(t.tv_nsec).unwrap_or_default(),
        )
    }
    fn batch_size(f: &mut impl FnMut()) -> u32 {
        let start = cpu();
        let mut calls = 0u32;
        while cpu() - start < Duration::from_millis(20) {
            f();
            calls += 1;
        }
        calls.max(1)
    }
    fn time(f: &mut impl FnMut(), calls: u32) -> Duration {
        let start = cpu();
        for _ in 0..calls {
            f();
        }
        (cpu() - start) / calls
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let (batch_a, batch_b) = (batch_size(&mut a), batch_size(&mut b));
    let (times_a, times_b): (Vec<_>, Vec<_>) = (0..41)
        .map(|_| (time(&mut a, batch_a), time(&mut b, batch_b)))
        .unzip();
    (median(times_a), median(times_b))
}

/// Runs `f` `calls` times: the "ours" side under callgrind (see [`measure_alternating`]).
#[inline(never)]
fn callgrind_side_a(f: &mut impl FnMut(), calls: u32) {
    for _ in 0..calls {
        f();
    }
}

/// Runs `f` `calls` times: the floor side under callgrind (see [`measure_alternating`]).
#[inline(never)]
fn callgrind_side_b(f: &mut impl FnMut(), calls: u32) {
    for _ in 0..calls {
        f();
    }
}
