//! The Kotlin harness: compile the generated bindings with the tests, run them on the JVM
//! against the freshly built cdylib.

use std::process::Command;

use crate::bindings::Generated;
use crate::provision;
use crate::run::{Tally, echoed, root, status, target_dir};

pub fn run(generated: &Generated) -> Result<Tally, String> {
    provision::java()?;
    let jna = provision::jna()?;
    let kotlin = provision::kotlin()?;
    let lib = kotlin.join("lib");
    let classpath = [
        jna.clone(),
        lib.join("kotlin-stdlib.jar"),
        lib.join("kotlin-test.jar"),
        lib.join("kotlinx-coroutines-core-jvm.jar"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect::<Vec<_>>()
    .join(":");
    let sources = root().join("bindings/kotlin/src/test/kotlin/org/citizenwallet");
    let mut files: Vec<_> = std::fs::read_dir(&sources)
        .map_err(|e| format!("cannot read {}: {e}", sources.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kt"))
        .collect();
    files.sort();
    let test_classes: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|name| name.ends_with("Test"))
        .map(|name| format!("org.citizenwallet.{name}"))
        .collect();
    let classes = target_dir().join("kotlin-classes");
    let _ = std::fs::remove_dir_all(&classes);
    status(
        Command::new(kotlin.join("bin/kotlinc"))
            .arg(
                generated
                    .kotlin
                    .join("org/citizenwallet/citizen_wallet_ffi.kt"),
            )
            .args(&files)
            .args(["-nowarn", "-cp", &classpath, "-d"])
            .arg(&classes),
        "kotlinc (generated bindings + harness)",
    )?;
    let (_, lines) = echoed(
        Command::new("java")
            .arg(format!(
                "-Djna.library.path={}",
                generated.lib_dir.display()
            ))
            .arg("-cp")
            .arg(format!("{}:{classpath}", classes.display()))
            .arg("org.citizenwallet.TestRunnerKt")
            .args(&test_classes),
        "Kotlin tests on the JVM",
    )?;
    let tally = lines
        .iter()
        .rev()
        .find_map(|l| parse_summary(l.strip_prefix("kotlin: ")?))
        .ok_or("the Kotlin runner printed no summary")?;
    if tally.failed > 0 {
        return Err(format!(
            "Kotlin tests failed ({} passed, {} failed)",
            tally.passed, tally.failed
        ));
    }
    Ok(tally)
}

/// `N passed, N failed`
pub fn parse_summary(text: &str) -> Option<Tally> {
    let (passed, failed) = text.split_once(" passed, ")?;
    Some(Tally {
        passed: passed.trim().parse().ok()?,
        failed: failed.trim().strip_suffix(" failed")?.parse().ok()?,
    })
}
