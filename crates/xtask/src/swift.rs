//! The Swift harness: the SwiftPM package with the generated bindings, `swift test` in the
//! Debian trixie chroot against the host-built library.

use std::process::Command;

use crate::bindings::Generated;
use crate::provision::{self, ProcMount};
use crate::run::{Tally, echoed, root};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    status_ok(
        Command::new("cp").arg("-r").arg(from).arg(to),
        "copy the Swift package",
    )
}

fn status_ok(command: &mut Command, what: &str) -> Result<(), String> {
    crate::run::status(command, what)
}

/// Runs the Swift tests; `issuer_url` is the loopback issuer server they issue from (the chroot
/// shares the host's network, so its 127.0.0.1 is the host's).
pub fn run(generated: &Generated, issuer_url: &str) -> Result<Tally, String> {
    let chroot = provision::swift_chroot()?;
    let build = chroot.join("build");
    let _ = std::fs::remove_dir_all(&build);
    std::fs::create_dir_all(build.join("lib"))
        .map_err(|e| format!("cannot stage the Swift package: {e}"))?;
    let package = build.join("swift");
    copy_dir(&root().join("bindings/swift"), &package)?;
    let copy = |from: std::path::PathBuf, to: std::path::PathBuf| {
        std::fs::copy(&from, &to)
            .map(|_| ())
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    copy(
        generated.swift.join("CitizenWallet.swift"),
        package.join("Sources/CitizenWallet/CitizenWallet.swift"),
    )?;
    copy(
        generated.swift.join("CitizenWalletFFI.h"),
        package.join("Sources/CitizenWalletFFI/CitizenWalletFFI.h"),
    )?;
    // The generated modulemap names Apple modules (`use "Darwin"`); on Linux a plain one serves.
    std::fs::write(
        package.join("Sources/CitizenWalletFFI/module.modulemap"),
        "module CitizenWalletFFI {\n    header \"CitizenWalletFFI.h\"\n    export *\n}\n",
    )
    .map_err(|e| format!("cannot write the modulemap: {e}"))?;
    copy(
        generated.lib_dir.join("libcitizen_wallet_mobile.so"),
        build.join("lib/libcitizen_wallet_mobile.so"),
    )?;
    let _proc = ProcMount::new(&chroot)?;
    let (ok, lines) = echoed(
        Command::new("chroot")
            .arg(&chroot)
            .args([
                "/bin/sh",
                "-c",
                "cd /build/swift && CITIZEN_WALLET_LIB_DIR=/build/lib LD_LIBRARY_PATH=/build/lib swift test 2>&1",
            ])
            .env(crate::issuer_server::URL_VAR, issuer_url),
        "swift test (XCTest) in the trixie chroot",
    )?;
    let tally = lines
        .iter()
        .rev()
        .find_map(|l| parse_xctest(l))
        .ok_or("swift test printed no XCTest summary")?;
    if !ok || tally.failed > 0 {
        return Err(format!(
            "Swift tests failed ({} passed, {} failed)",
            tally.passed, tally.failed
        ));
    }
    Ok(tally)
}

/// `\t Executed 3 tests, with 0 failures (0 unexpected) in ...`
fn parse_xctest(line: &str) -> Option<Tally> {
    let rest = line.trim().strip_prefix("Executed ")?;
    let (executed, rest) = rest.split_once(" test")?;
    let failures = rest.split_once("with ")?.1.split_whitespace().next()?;
    let executed: u64 = executed.parse().ok()?;
    let failed: u64 = failures.parse().ok()?;
    Some(Tally {
        passed: executed.saturating_sub(failed),
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_xctest_summary() {
        assert_eq!(
            parse_xctest(
                "\t Executed 3 tests, with 1 failure (0 unexpected) in 0.308 (0.308) seconds"
            ),
            Some(Tally {
                passed: 2,
                failed: 1
            })
        );
        assert_eq!(parse_xctest("Build complete!"), None);
    }
}
