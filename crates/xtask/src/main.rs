//! `cargo xtask <command>`: project automation.
//!
//! * `test [--skip-kotlin] [--skip-swift]`: formatting, clippy, every Rust test, a fuzz smoke,
//!   the differential interop suite against pinned peers (`tests/interop_peers.rs`), the size
//!   budget, then the bindings and the Kotlin and Swift harnesses (toolchains
//!   provisioned on first use), and a closing summary. Skipping a language must be asked for
//!   and is reported loudly.
//! * `fuzz [--seconds N] [TARGET...]`: the cargo-fuzz targets (the test command smokes each
//!   for 2 seconds).
//! * `interop`: the differential interop suite alone (`tests/interop_peers.rs`, pinned peers).
//! * `harness [--skip-kotlin] [--skip-swift]`: the bindings and the Kotlin and Swift harnesses
//!   alone, the last stage of `test` (with the loopback issuer server they issue from).
//! * `bindings`: build the cdylib and generate Kotlin and Swift into `target/bindings/`.
//! * `size`: build the cdylib with the mobile release profile, report its stripped size and
//!   largest contributors, and fail above the recorded budget.
//! * `bench`: the core benchmarks (presentation, verification, session encryption) against
//!   their floors, as ratios; then the same verification side by side with the `isomdl` crate
//!   (the bench-only crate `benches/isomdl-compare`, outside the workspace); the verifier's
//!   throughput (10,000 responses on one core, peak memory, cost against response size) and
//!   ECDSA P-256 beside the system's OpenSSL (`benches/throughput.rs`).
#![forbid(unsafe_code)]

mod bindings;
mod fuzz;
mod interop;
mod issuer_server;
mod kotlin;
mod provision;
mod run;
mod size;
mod swift;

use std::process::ExitCode;

use run::Tally;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test [--skip-kotlin] [--skip-swift]   formatting, clippy, Rust, Kotlin and Swift tests
  bindings                              build the cdylib and generate Kotlin and Swift bindings
  size                                  stripped size of the mobile cdylib against the budget
  bench                                 core benchmarks against their floors (ratios),
                                        verifier throughput and OpenSSL's ECDSA,
                                        then verification side by side with isomdl
  fuzz [--seconds N] [TARGET...]        every fuzz target for N seconds (default 60)
  interop                               the differential interop suite alone (pinned peers)
  harness [--skip-kotlin] [--skip-swift] the bindings and the Kotlin and Swift harnesses alone
                                        (with the loopback issuer server)
";

fn fuzz_command(flags: &[&str]) -> Result<(), String> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        if *flag == "--seconds" {
            seconds = rest
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or("--seconds takes a whole number")?;
        } else {
            targets.push(*flag);
        }
    }
    fuzz::run(seconds, &targets, fuzz::Build::Campaign)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&flags),
        Some("bindings") => bindings::generate().map(|_| ()),
        Some("harness") => harness_command(&flags),
        Some("size") => size::report().map(|_| ()),
        Some("fuzz") => fuzz_command(&flags),
        Some("bench") => bench(),
        Some("interop") => {
            interop::run().map(|t| println!("interop: {} passed, {} failed", t.passed, t.failed))
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The core benchmarks, then the isomdl comparison (its own workspace and lock file).
fn bench() -> Result<(), String> {
    run::cargo(&["bench", "-p", "citizen-wallet", "--bench", "core"])?;
    // Issue 18: verifier throughput over 10,000 responses, cost against response size, and
    // ECDSA P-256 beside the system's OpenSSL.
    run::cargo(&["bench", "-p", "citizen-wallet", "--bench", "throughput"])?;
    run::cargo(&[
        "run",
        "--release",
        "--manifest-path",
        "benches/isomdl-compare/Cargo.toml",
    ])?;
    ffi_bench()
}

/// (e) The same exported calls from Rust and from Kotlin through the generated bindings.
fn ffi_bench() -> Result<(), String> {
    let (ok, rust) = run::echoed(
        run::cargo_command().args([
            "bench",
            "-p",
            "citizen-wallet-ffi",
            "--features",
            "test-authority",
            "--bench",
            "calls",
        ]),
        "Rust call benchmark",
    )?;
    if !ok {
        return Err("the Rust call benchmark failed".to_owned());
    }
    let kotlin = kotlin::bench(&bindings::generate_for(bindings::Library::Release)?)?;
    println!("\n| exported call | Rust | Kotlin (JVM, generated bindings) | ratio |");
    println!("| --- | --- | --- | --- |");
    for (call, rust_ns) in rust.iter().filter_map(|l| ffi_bench_line(l)) {
        let kotlin_ns = kotlin
            .iter()
            .filter_map(|l| ffi_bench_line(l))
            .find(|(c, _)| *c == call)
            .map(|(_, ns)| ns)
            .ok_or(format!("the Kotlin benchmark did not time {call}"))?;
        println!(
            "| {call} | {:.2} µs | {:.2} µs | {:.2}x |",
            rust_ns / 1000.0,
            kotlin_ns / 1000.0,
            kotlin_ns / rust_ns
        );
    }
    Ok(())
}

/// `ffi-bench <call> <ns>`
fn ffi_bench_line(line: &str) -> Option<(&str, f64)> {
    let mut words = line.strip_prefix("ffi-bench ")?.split_whitespace();
    let call = words.next()?;
    let ns: f64 = words.next()?.parse().ok()?;
    (ns > 0.0).then_some((call, ns))
}

/// The builds the harnesses run against: the debug library, then the library as an app ships
/// it (release-mobile, stripped; only the test authority added), so that an optimiser, LTO or
/// strip problem shows in the bindings too.
const HARNESS_LIBRARIES: [bindings::Library; 2] =
    [bindings::Library::Debug, bindings::Library::Shipped];

/// The opt-in features the tests need: the FFI flow tests provision through the test authority.
const TEST_FEATURES: &str = "citizen-wallet-ffi/test-authority";

/// The loopback issuer server, then for each library build its bindings and the Kotlin and
/// Swift harnesses against it (the server is stopped when this returns).
fn harnesses(
    libraries: &[bindings::Library],
    skip_kotlin: bool,
    skip_swift: bool,
    lap: &mut dyn FnMut(&str),
) -> Result<Tally, String> {
    let mut total = Tally::default();
    let server = issuer_server::IssuerServer::start()?;
    for &library in libraries {
        let label = library.label();
        let generated = bindings::generate_for(library)?;
        if skip_kotlin {
            println!("xtask: WARNING: Kotlin harness SKIPPED on request (--skip-kotlin)");
        } else {
            let kotlin = kotlin::run(&generated, &server.url)?;
            println!(
                "kotlin ({label}): {} passed, {} failed",
                kotlin.passed, kotlin.failed
            );
            total = total.plus(kotlin);
        }
        lap(&format!("bindings and Kotlin harness ({label})"));
        if skip_swift {
            println!("xtask: WARNING: Swift harness SKIPPED on request (--skip-swift)");
        } else {
            let swift = swift::run(&generated, &server.url)?;
            println!(
                "swift ({label}): {} passed, {} failed",
                swift.passed, swift.failed
            );
            total = total.plus(swift);
        }
        lap(&format!("Swift harness ({label})"));
    }
    drop(server);
    Ok(total)
}

fn skip_flags(flags: &[&str]) -> Result<(bool, bool), String> {
    for flag in flags {
        if !["--skip-kotlin", "--skip-swift"].contains(flag) {
            return Err(format!("unknown flag {flag}\n\n{USAGE}"));
        }
    }
    Ok((
        flags.contains(&"--skip-kotlin"),
        flags.contains(&"--skip-swift"),
    ))
}

fn harness_command(flags: &[&str]) -> Result<(), String> {
    let (skip_kotlin, skip_swift) = skip_flags(flags)?;
    let started = std::time::Instant::now();
    let total = harnesses(&HARNESS_LIBRARIES, skip_kotlin, skip_swift, &mut |stage| {
        println!("xtask: {stage} done at {} s", started.elapsed().as_secs());
    })?;
    println!("harness: {} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.passed == 0 {
        return Err("tests failed".to_owned());
    }
    Ok(())
}

fn test(flags: &[&str]) -> Result<(), String> {
    let (skip_kotlin, skip_swift) = skip_flags(flags)?;
    // Each stage's wall time, so the 30-minute CI limit can be watched stage by stage.
    let started = std::time::Instant::now();
    let mut lap_start = started;
    let mut lap = |stage: &str| {
        let now = std::time::Instant::now();
        println!(
            "xtask: {stage} took {} s ({} s in all)",
            now.duration_since(lap_start).as_secs(),
            now.duration_since(started).as_secs()
        );
        lap_start = now;
    };
    run::cargo(&["fmt", "--all", "--check"])?;
    run::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        TEST_FEATURES,
        "--",
        "-D",
        "warnings",
    ])?;
    lap("fmt and clippy");
    let mut total = Tally::default();
    let rust = run::cargo_tests(&[
        "test",
        "--workspace",
        "--all-targets",
        "--features",
        TEST_FEATURES,
    ])?;
    let docs = run::cargo_tests(&["test", "--workspace", "--doc", "--features", TEST_FEATURES])?;
    let rust = rust.plus(docs);
    println!("rust: {} passed, {} failed", rust.passed, rust.failed);
    total = total.plus(rust);
    lap("Rust tests");

    // The differential interop suite against the pinned peers (JavaScript and isomdl).
    let interop = interop::run()?;
    println!(
        "interop: {} passed, {} failed",
        interop.passed, interop.failed
    );
    total = total.plus(interop);
    lap("interop step");

    // A short smoke of every fuzz target: `cargo xtask fuzz` runs them for longer.
    fuzz::run(2, &[], fuzz::Build::Smoke)?;
    println!("fuzz: {} targets ran clean", fuzz::TARGETS.len());
    lap("fuzz build and smoke");

    // The size budget is enforced here, not only on request: losing LTO once cost 400 KB.
    let size = size::report()?;
    println!("size: {size} bytes stripped, within the budget");
    lap("size check");

    total = total.plus(harnesses(
        &HARNESS_LIBRARIES,
        skip_kotlin,
        skip_swift,
        &mut lap,
    )?);
    println!("all: {} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.passed == 0 {
        return Err("tests failed".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ffi_bench_line;

    #[test]
    fn reads_ffi_bench_lines() {
        assert_eq!(
            ffi_bench_line("ffi-bench openid4vp_verify 1523"),
            Some(("openid4vp_verify", 1523.0))
        );
        for other in [
            "ffi-bench x",
            "ffi-bench x 0",
            "ffi-bench x abc",
            "bench x 12",
            "",
        ] {
            assert_eq!(ffi_bench_line(other), None, "{other}");
        }
    }
}
