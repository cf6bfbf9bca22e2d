//! Running commands and counting test results.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Passed and failed test counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    pub fn plus(self, other: Tally) -> Tally {
        Tally {
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The cargo target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// A cargo command run at the workspace root.
pub fn cargo_command() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

/// Runs a command, failing with its description when it fails.
pub fn status(command: &mut Command, what: &str) -> Result<(), String> {
    eprintln!("xtask: {what}");
    let status = command
        .status()
        .map_err(|e| format!("could not start {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Runs cargo with `args`.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    status(
        cargo_command().args(args),
        &format!("cargo {}", args.join(" ")),
    )
}

/// Runs a command, echoing its output, and returns the output lines.
pub fn echoed(command: &mut Command, what: &str) -> Result<(bool, Vec<String>), String> {
    eprintln!("xtask: {what}");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start {what}: {e}"))?;
    let mut lines = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            lines.push(line);
        }
    }
    let status = child.wait().map_err(|e| format!("{what}: {e}"))?;
    Ok((status.success(), lines))
}

/// Runs cargo tests and sums their "test result" lines.
pub fn cargo_tests(args: &[&str]) -> Result<Tally, String> {
    let what = format!("cargo {}", args.join(" "));
    cargo_tests_with(cargo_command().args(args), &what)
}

/// Runs a prepared cargo test command (`what` describes it) and sums its "test result" lines.
pub fn cargo_tests_with(command: &mut Command, what: &str) -> Result<Tally, String> {
    let what = what.to_owned();
    let (ok, lines) = echoed(command, &what)?;
    let tally = lines
        .iter()
        .filter_map(|l| parse_cargo_result(l))
        .fold(Tally::default(), Tally::plus);
    if !ok {
        return Err(format!(
            "{what} failed ({} passed, {} failed)",
            tally.passed, tally.failed
        ));
    }
    Ok(tally)
}

/// `test result: ok. 12 passed; 0 failed; ...`
fn parse_cargo_result(line: &str) -> Option<Tally> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<u64> {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| w.trim_end_matches([';', ',']) == word)?;
        words.get(at.checked_sub(1)?)?.parse().ok()
    };
    Some(Tally {
        passed: number_before("passed")?,
        failed: number_before("failed")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_result_lines() {
        assert_eq!(
            parse_cargo_result(
                "test result: ok. 12 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out"
            ),
            Some(Tally {
                passed: 12,
                failed: 1
            })
        );
        assert_eq!(parse_cargo_result("running 3 tests"), None);
    }
}
