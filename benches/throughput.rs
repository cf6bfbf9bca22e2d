//! A verifier backend's throughput, how its cost grows with response size, and the physical
//! limit of the ECDSA it rests on (issue 18):
//!
//! * **throughput**: one core checks N right-to-work DeviceResponses (default 10,000), all
//!   different: a batch issuer (`TestIssuer::issue_batch`) issued one credential per holder
//!   device key (fresh salts, digests and MSO signature each), and each holder signed its own
//!   deviceSignature. The responses are generated once, before anything is timed, and written
//!   to a file; a dedicated child process (this binary again) then reads them one at a time, as
//!   a backend receives them, and runs `verifier::verify_response_bytes` (bounded decode and
//!   full verification) on each. It reports responses per second (its CPU time and wall time)
//!   and its peak resident memory (`VmHWM` of `/proc/self/status`) before and after the loop:
//!   the whole process, binary and libraries included, holding one response at a time.
//! * **linearity**: the same verification with the portrait at 10, 25, 50 and 100 KiB (the
//!   sample JPEG followed by random bytes), per-response CPU time (median of every verification
//!   timed alone, interleaved across the sizes), bytes per second and a least-squares line, with
//!   SHA-256 of the same bytes for comparison.
//! * **physical limit**: ECDSA P-256 sign and verify with p256 0.14 (precomputed tables) beside
//!   the system's OpenSSL (`openssl speed -seconds 3 ecdsap256`, assembly), as a ratio. Without
//!   an `openssl` binary the row says it was skipped.
//!
//! Run with `cargo bench --bench throughput` (or `cargo xtask bench`); under `cargo test
//! --all-targets` (no `--bench` argument) it is a smoke run: 20 responses, 2 per size, OpenSSL
//! for 1 second. Options (environment):
//! `CITIZEN_WALLET_BENCH_RESPONSES` (default 10000), `CITIZEN_WALLET_BENCH_PORTRAIT_KIB` (the
//! throughput run's portrait, default 10), `CITIZEN_WALLET_BENCH_SWEEP` (responses per portrait
//! size, default 100). `cargo bench --bench throughput -- NAME` runs only the parts whose name
//! (`throughput`, `linearity`, `openssl`) contains NAME.
//!
//! Instruction counts, independent of machine load: the verifying process runs
//! `verify_response_bytes` once per response, so
//! `CITIZEN_WALLET_BENCH_RESPONSES=50 valgrind --tool=callgrind --trace-children=yes
//! --toggle-collect='*verify_response_bytes*' target/release/deps/throughput-* throughput`
//! counts the child's verifications only (divide its total by 50).

#[path = "../examples/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::World;
use issuer::samples::{self, SAMPLE_PORTRAIT, TOMASZ};
use issuer::{CredentialData, IssuedCredential, ValidityWindow};
use mdoc::auth::device_authentication_bytes;
use mdoc::cbor::{MapRest, Tagged, ToCbor, Value};
use mdoc::cose::{CoseKey, CoseSign1, Payload};
use mdoc::definitions::{
    DeviceAuth, DeviceNameSpacesMap, DeviceRequest, DeviceResponse, DeviceSigned, Document,
    IssuerSigned, SessionTranscript,
};
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::x509::{Certificate, TrustAnchors};
use p256::ecdsa::signature::{Signer, Verifier};
use sha2::{Digest, Sha256};
use verifier::{DocumentRequest, ReaderSession, VerificationContext};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::ProximitySession;

type Error = common::Error;

/// The child process reads its responses from the file this variable names.
const CHILD_INPUT: &str = "CITIZEN_WALLET_BENCH_CHILD_INPUT";
/// Issuance and holder signing run in chunks of this many credentials (bounded memory).
const CHUNK: usize = 500;
/// Portrait sizes of the linearity sweep, in KiB.
const SWEEP_KIB: [usize; 4] = [10, 25, 50, 100];

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// CPU time of this thread (CLOCK_THREAD_CPUTIME_ID): on a shared machine it excludes the
/// time other processes hold the core.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or_default(),
        u32::try_from(t.tv_nsec).unwrap_or_default(),
    )
}

/// A `kB` field of `/proc/self/status` (`VmHWM`, `VmRSS`).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What the verifier side needs: the session's transcript, its request and the IACA.
struct Setup {
    world: World,
    transcript: SessionTranscript,
    transcript_bytes: Vec<u8>,
    request_bytes: Vec<u8>,
    /// (namespace, identifier) pairs the request asks for.
    requested: BTreeSet<(String, String)>,
    dir: std::path::PathBuf,
}

impl Setup {
    fn new() -> Result<Setup, Error> {
        let dir =
            std::env::temp_dir().join(format!("citizen-wallet-throughput-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let world = World::new(&dir, DeviceAuthMode::Signature)?;
        // One real session for a reader's request and a SessionTranscript.
        let requests = [DocumentRequest::for_purpose(
            Purpose::RightToWork,
            UK_DIGITAL_ID,
        )];
        let holder = ProximitySession::start(&world.wallet, Vec::new());
        let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri())?;
        reader.establish(&requests, Some(&world.reader_key()))?;
        let request_bytes = reader.device_request().ok_or("no request")?.to_vec();
        let transcript_bytes = reader.transcript_bytes().encoded().to_vec();
        let (transcript, _) = SessionTranscript::from_bytes(&transcript_bytes)?;
        let requested = requests
            .iter()
            .flat_map(|r| r.elements.iter())
            .map(|(ns, id, _)| (ns.clone(), id.clone()))
            .collect();
        Ok(Setup {
            world,
            transcript,
            transcript_bytes,
            request_bytes,
            requested,
            dir,
        })
    }

    fn context(&self) -> Result<VerificationContext, Error> {
        context(
            &self.transcript_bytes,
            &self.request_bytes,
            self.world.issuer.iaca().certificate().der(),
        )
    }

    /// `count` responses whose portrait is `portrait_bytes` long, each from its own credential
    /// and device key, passed to `sink` one at a time.
    fn responses(
        &self,
        count: usize,
        portrait_bytes: usize,
        sink: &mut dyn FnMut(Vec<u8>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let data = with_portrait(
            samples::uk_digital_id(&TOMASZ, self.world.now.date()),
            portrait_bytes,
        );
        let validity = ValidityWindow::starting(self.world.now.plus_days(-1), 365);
        let transcript = self.transcript.to_cbor();
        let mut left = count;
        while left > 0 {
            let n = left.min(CHUNK);
            left -= n;
            let keys: Vec<p256::ecdsa::SigningKey> = (0..n)
                .map(|_| p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key()))
                .collect();
            let device_keys: Vec<CoseKey> = keys
                .iter()
                .map(|k| CoseKey::new(p256::PublicKey::from(k.verifying_key())))
                .collect();
            let issued = self
                .world
                .issuer
                .issue_batch(&data, &device_keys, &validity)?;
            for (credential, key) in issued.iter().zip(&keys) {
                sink(holder_response(
                    credential,
                    key,
                    &self.requested,
                    &transcript,
                )?)?;
            }
        }
        Ok(())
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn context(
    transcript_bytes: &[u8],
    request_bytes: &[u8],
    iaca_der: &[u8],
) -> Result<VerificationContext, Error> {
    let (transcript, _) = SessionTranscript::from_bytes(transcript_bytes)?;
    let request: DeviceRequest = mdoc::cbor::from_slice(request_bytes)?;
    Ok(VerificationContext {
        transcript,
        requests: Some(
            request
                .doc_requests
                .iter()
                .map(|d| d.items_request.value().clone())
                .collect(),
        ),
        issuer_anchors: TrustAnchors::new(vec![Certificate::from_der(iaca_der)?]),
        now: common::NOW,
        e_reader_key: None,
    })
}

/// `data` with its portrait replaced by the sample JPEG followed by random bytes, `len` long.
fn with_portrait(mut data: CredentialData, len: usize) -> CredentialData {
    let mut portrait = SAMPLE_PORTRAIT.to_vec();
    let mut filler = vec![0u8; len.saturating_sub(portrait.len())];
    for chunk in filler.chunks_mut(32) {
        let random = mdoc::rng::random_bytes::<32>();
        chunk.copy_from_slice(random.get(..chunk.len()).unwrap_or_default());
    }
    portrait.extend(filler);
    for (_, items) in &mut data.name_spaces {
        for (id, value) in items.iter_mut() {
            if id == "portrait" {
                *value = Value::Bytes(portrait.clone());
            }
        }
    }
    data
}

/// What a holder's wallet sends for this request: the requested IssuerSignedItems as issued,
/// the issuerAuth, and a deviceSignature by the holder's device key over this session's
/// DeviceAuthenticationBytes (as `wallet::presentation::respond` builds it).
fn holder_response(
    credential: &IssuedCredential,
    key: &p256::ecdsa::SigningKey,
    requested: &BTreeSet<(String, String)>,
    transcript: &Value,
) -> Result<Vec<u8>, Error> {
    let name_spaces = credential
        .issuer_signed
        .name_spaces
        .iter()
        .flatten()
        .map(|(ns, items)| {
            let chosen = items
                .iter()
                .filter(|item| requested.contains(&(ns.clone(), item.element_identifier.clone())))
                .cloned()
                .collect();
            (ns.clone(), chosen)
        })
        .collect();
    let device_name_spaces = Tagged::new(DeviceNameSpacesMap::default());
    let auth_bytes = device_authentication_bytes(
        transcript,
        &credential.doc_type,
        device_name_spaces.embedded(),
    );
    let signature = CoseSign1::sign(key, auth_bytes.encoded(), Payload::Detached, &[])?;
    let document = Document {
        doc_type: credential.doc_type.clone(),
        issuer_signed: IssuerSigned {
            name_spaces: Some(name_spaces),
            issuer_auth: credential.issuer_signed.issuer_auth.clone(),
            rest: MapRest::default(),
        },
        device_signed: DeviceSigned {
            name_spaces: device_name_spaces,
            device_auth: DeviceAuth::Signature(signature.to_cbor()),
            rest: MapRest::default(),
        },
        errors: None,
        rest: MapRest::default(),
    };
    Ok(mdoc::cbor::to_vec(&DeviceResponse::new(
        vec![document],
        Vec::new(),
    )))
}

fn write_chunk(out: &mut impl Write, bytes: &[u8]) -> Result<(), Error> {
    out.write_all(&u32::try_from(bytes.len())?.to_be_bytes())?;
    Ok(out.write_all(bytes)?)
}

/// Reads one length-prefixed chunk into `buf`; `false` at the end of the file.
fn read_chunk(input: &mut impl Read, buf: &mut Vec<u8>) -> Result<bool, Error> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    buf.resize(usize::try_from(u32::from_be_bytes(len))?, 0);
    input.read_exact(buf)?;
    Ok(true)
}

/// The child: verifies every response of the input file, one at a time, and prints one line
/// `throughput-child responses=N verified=N bytes=B cpu_ns=C wall_ns=W hwm_before_kib=H0
/// hwm_after_kib=H1`.
fn child(input: &Path) -> Result<(), Error> {
    let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(input)?);
    let (mut transcript, mut request, mut iaca) = (Vec::new(), Vec::new(), Vec::new());
    for part in [&mut transcript, &mut request, &mut iaca] {
        if !read_chunk(&mut file, part)? {
            return Err("truncated header".into());
        }
    }
    let context = context(&transcript, &request, &iaca)?;
    let hwm_before = proc_status_kib("VmHWM").unwrap_or_default();
    let (mut responses, mut verified, mut bytes) = (0u64, 0u64, 0u64);
    let mut buf = Vec::new();
    let (wall, cpu) = (Instant::now(), thread_cpu());
    while read_chunk(&mut file, &mut buf)? {
        let report = verifier::verify::verify_response_bytes(&buf, &context);
        responses += 1;
        bytes += u64::try_from(buf.len())?;
        verified += u64::from(report.verified());
    }
    let (cpu, wall) = (thread_cpu() - cpu, wall.elapsed());
    let hwm_after = proc_status_kib("VmHWM").unwrap_or_default();
    println!(
        "throughput-child responses={responses} verified={verified} bytes={bytes} cpu_ns={} \
         wall_ns={} hwm_before_kib={hwm_before} hwm_after_kib={hwm_after}",
        cpu.as_nanos(),
        wall.as_nanos()
    );
    Ok(())
}

fn field(line: &str, name: &str) -> Result<f64, Error> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("the child did not report {name}").into())
}

fn throughput(setup: &Setup, count: usize, portrait_kib: usize) -> Result<(), Error> {
    let path = setup.dir.join("responses.bin");
    let started = Instant::now();
    {
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        write_chunk(&mut out, &setup.transcript_bytes)?;
        write_chunk(&mut out, &setup.request_bytes)?;
        write_chunk(&mut out, setup.world.issuer.iaca().certificate().der())?;
        setup.responses(count, portrait_kib * 1024, &mut |r| {
            write_chunk(&mut out, &r)
        })?;
        out.flush()?;
    }
    println!(
        "generated {count} responses ({portrait_kib} KiB portrait) in {:.1} s, not timed",
        started.elapsed().as_secs_f64()
    );
    let output = Command::new(std::env::current_exe()?)
        .env(CHILD_INPUT, &path)
        .output()?;
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("throughput-child "))
        .ok_or_else(|| {
            format!(
                "the verifier process failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let responses = field(line, "responses")?;
    let verified = field(line, "verified")?;
    if verified != responses || responses < 1.0 {
        return Err(format!("only {verified} of {responses} responses verified").into());
    }
    let (cpu, wall) = (field(line, "cpu_ns")? / 1e9, field(line, "wall_ns")? / 1e9);
    let bytes = field(line, "bytes")?;
    println!("\n| verifier backend, one core | {responses:.0} right-to-work responses |");
    println!("|---|---|");
    println!("| verified | {verified:.0} of {responses:.0} |");
    println!(
        "| responses per second | {:.0} (CPU time), {:.0} (wall clock) |",
        responses / cpu,
        responses / wall
    );
    println!(
        "| per response | {:.1} µs CPU, {:.1} KiB |",
        cpu / responses * 1e6,
        bytes / responses / 1024.0
    );
    println!(
        "| peak memory of the verifying process (VmHWM) | {:.1} MiB before the loop, {:.1} MiB \
         after it |",
        field(line, "hwm_before_kib")? / 1024.0,
        field(line, "hwm_after_kib")? / 1024.0
    );
    Ok(())
}

/// Per-response CPU time at each portrait size: the median of 15 x `per_size` verifications,
/// each timed alone, interleaved one response at a time across the sizes.
fn linearity(setup: &Setup, per_size: usize) -> Result<(), Error> {
    let context = setup.context()?;
    let mut sets: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
    for kib in SWEEP_KIB {
        let mut responses = Vec::with_capacity(per_size);
        setup.responses(per_size, kib * 1024, &mut |r| {
            responses.push(r);
            Ok(())
        })?;
        for r in &responses {
            if !verifier::verify::verify_response_bytes(r, &context).verified() {
                return Err(format!("a {kib} KiB response does not verify").into());
            }
        }
        sets.push((kib, responses));
    }
    // Interleaved one response at a time across the sizes, each verification timed on its own,
    // so every size sees the same machine at the same moments; the median per size.
    const PASSES: usize = 15;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); sets.len()];
    let mut sha: Vec<Vec<Duration>> = vec![Vec::new(); sets.len()];
    for _ in 0..PASSES {
        for i in 0..per_size {
            for ((_, responses), times) in sets.iter().zip(times.iter_mut()) {
                if let Some(r) = responses.get(i) {
                    let cpu = thread_cpu();
                    black_box(verifier::verify::verify_response_bytes(r, &context));
                    times.push(thread_cpu() - cpu);
                }
            }
        }
        for ((_, responses), sha) in sets.iter().zip(sha.iter_mut()) {
            let cpu = thread_cpu();
            for r in responses {
                black_box(Sha256::digest(r));
            }
            sha.push((thread_cpu() - cpu) / u32::try_from(responses.len())?);
        }
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2)
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
    };
    println!("\n| portrait | response | verification (CPU) | bytes/s | SHA-256 of the response |");
    println!("|---|---|---|---|---|");
    let mut points = Vec::new();
    for (((kib, responses), times), sha) in sets.iter().zip(times).zip(sha) {
        let size = responses.iter().map(Vec::len).sum::<usize>() as f64 / responses.len() as f64;
        let (t, s) = (median(times), median(sha));
        println!(
            "| {kib} KiB | {:.1} KiB | {:.1} µs | {:.1} MiB/s | {:.1} µs |",
            size / 1024.0,
            t * 1e6,
            size / t / (1024.0 * 1024.0),
            s * 1e6
        );
        points.push((size, t, s));
    }
    // Least squares t = a + b * size.
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let r2 = sxy * sxy / (sxx * syy);
    let sha_slope = {
        let mean_s = points.iter().map(|p| p.2).sum::<f64>() / n;
        points
            .iter()
            .map(|p| (p.0 - mean_x) * (p.2 - mean_s))
            .sum::<f64>()
            / sxx
    };
    println!(
        "\nlinear fit: time = {:.1} µs + {:.2} µs per KiB (R² = {r2:.5}); SHA-256 alone: {:.2} µs \
         per KiB. Largest/smallest: size {:.2}x, time {:.2}x.",
        intercept * 1e6,
        slope * 1024.0 * 1e6,
        sha_slope * 1024.0 * 1e6,
        points.last().map_or(0.0, |p| p.0) / points.first().map_or(1.0, |p| p.0),
        points.last().map_or(0.0, |p| p.1) / points.first().map_or(1.0, |p| p.1),
    );
    Ok(())
}

/// Median CPU time of one call of `f`, over 15 batches of about 50 ms.
fn measure_cpu(mut f: impl FnMut()) -> Duration {
    let start = thread_cpu();
    let mut calls = 0u32;
    while thread_cpu() - start < Duration::from_millis(50) {
        f();
        calls += 1;
    }
    let calls = calls.max(1);
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let t = thread_cpu();
            for _ in 0..calls {
                f();
            }
            (thread_cpu() - t) / calls
        })
        .collect();
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// `openssl speed -seconds 3 ecdsap256`: (sign µs, verify µs), from its sign/s and verify/s
/// columns (OpenSSL divides by its user CPU time unless `-elapsed` is given).
fn openssl_speed(seconds: &str) -> Result<Option<(f64, f64)>, Error> {
    let output = match Command::new("openssl")
        .args(["speed", "-seconds", seconds, "ecdsap256"])
        .output()
    {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            return Err(format!("openssl speed failed: {}", output.status).into());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("ecdsa (nistp256)"))
        .ok_or("openssl speed printed no nistp256 line")?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers.as_slice() {
        [.., sign_per_s, verify_per_s] if *sign_per_s > 0.0 && *verify_per_s > 0.0 => {
            Ok(Some((1e6 / sign_per_s, 1e6 / verify_per_s)))
        }
        _ => Err(format!("cannot read openssl speed's line: {line}").into()),
    }
}

fn physical_limit(seconds: &str) -> Result<(), Error> {
    let key = p256::ecdsa::SigningKey::from(mdoc::rng::new_p256_secret_key());
    let message = [0x42u8; 32];
    let signature: p256::ecdsa::Signature = key.sign(&message);
    let verifying = *key.verifying_key();
    let measure_p256 = || {
        (
            measure_cpu(|| {
                let s: p256::ecdsa::Signature = key.sign(black_box(&message));
                black_box(s);
            }),
            measure_cpu(|| {
                black_box(verifying.verify(black_box(&message), &signature).is_ok());
            }),
        )
    };
    // p256 before and after OpenSSL's six seconds; the lower of each is kept.
    let before = measure_p256();
    let openssl = openssl_speed(seconds)?;
    let after = measure_p256();
    let sign = before.0.min(after.0).as_secs_f64() * 1e6;
    let verify = before.1.min(after.1).as_secs_f64() * 1e6;
    println!(
        "\n| ECDSA P-256 (CPU per operation) | p256 0.14 (tables) | OpenSSL | p256 / OpenSSL |"
    );
    println!("|---|---|---|---|");
    match openssl {
        Some((openssl_sign, openssl_verify)) => {
            println!(
                "| sign | {sign:.1} µs | {openssl_sign:.1} µs | {:.2}x |",
                sign / openssl_sign
            );
            println!(
                "| verify | {verify:.1} µs | {openssl_verify:.1} µs | {:.2}x |",
                verify / openssl_verify
            );
            let version = Command::new("openssl")
                .arg("version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default();
            println!("\n(OpenSSL: `openssl speed -seconds {seconds} ecdsap256`, {version})");
        }
        None => {
            println!("| sign | {sign:.1} µs | skipped: no `openssl` binary | |");
            println!("| verify | {verify:.1} µs | skipped: no `openssl` binary | |");
        }
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    if let Some(input) = std::env::var_os(CHILD_INPUT) {
        return child(Path::new(&input));
    }
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    // `cargo bench` passes `--bench`; `cargo test --all-targets` (as `cargo xtask test` runs it)
    // runs this binary without it, unoptimised: then a smoke run with small counts, which still
    // fails if any response does not verify or OpenSSL's output cannot be read.
    let full = std::env::args().any(|a| a == "--bench");
    let count =
        |name: &str, bench: usize, smoke: usize| env_count(name, if full { bench } else { smoke });
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wanted("throughput") || wanted("linearity") {
        let setup = Setup::new()?;
        if wanted("throughput") {
            let responses = count("CITIZEN_WALLET_BENCH_RESPONSES", 10_000, 20);
            let portrait_kib = env_count("CITIZEN_WALLET_BENCH_PORTRAIT_KIB", 10);
            throughput(&setup, responses, portrait_kib)?;
        }
        if wanted("linearity") {
            linearity(&setup, count("CITIZEN_WALLET_BENCH_SWEEP", 100, 2))?;
        }
    }
    if wanted("openssl") {
        physical_limit(if full { "3" } else { "1" })?;
    }
    Ok(())
}
