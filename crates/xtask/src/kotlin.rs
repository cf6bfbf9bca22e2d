//! The Kotlin harness: compile the generated bindings with the tests, run them on the JVM
//! against the freshly built cdylib.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::Generated;
use crate::provision;
use crate::run::{Tally, echoed, root, status, target_dir};

/// The classpath of the provisioned Kotlin runtime and JNA.
fn classpath() -> Result<String, String> {
    provision::java()?;
    let jna = provision::jna()?;
    let kotlin = provision::kotlin()?;
    let lib = kotlin.join("lib");
    Ok([
        jna,
        lib.join("kotlin-stdlib.jar"),
        lib.join("kotlin-test.jar"),
        lib.join("kotlinx-coroutines-core-jvm.jar"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect::<Vec<_>>()
    .join(":"))
}

/// The `.kt` files of `dir`, sorted.
fn sources(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kt"))
        .collect();
    files.sort();
    Ok(files)
}

/// Compiles the generated bindings with `files` into `classes`.
fn compile(
    generated: &Generated,
    files: &[PathBuf],
    classpath: &str,
    classes: &Path,
) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(classes);
    status(
        Command::new(provision::kotlin()?.join("bin/kotlinc"))
            .arg(
                generated
                    .kotlin
                    .join("org/citizenwallet/citizen_wallet_ffi.kt"),
            )
            .args(files)
            .args(["-nowarn", "-cp", classpath, "-d"])
            .arg(classes),
        "kotlinc (generated bindings + harness)",
    )
}

/// A JVM running `main_class` against the library the bindings were generated from.
fn java(generated: &Generated, classpath: &str, classes: &Path, main_class: &str) -> Command {
    let mut command = Command::new("java");
    command
        .arg(format!(
            "-Djna.library.path={}",
            generated.lib_dir.display()
        ))
        .arg("-cp")
        .arg(format!("{}:{classpath}", classes.display()))
        .arg(main_class);
    command
}

/// Runs the Kotlin call benchmark (`bindings/kotlin/src/bench`) against a release library and
/// returns its `ffi-bench` lines.
pub fn bench(generated: &Generated) -> Result<Vec<String>, String> {
    let classpath = classpath()?;
    let files = sources(&root().join("bindings/kotlin/src/bench/kotlin/org/citizenwallet"))?;
    let classes = target_dir().join("kotlin-bench-classes");
    compile(generated, &files, &classpath, &classes)?;
    let (ok, lines) = echoed(
        &mut java(
            generated,
            &classpath,
            &classes,
            "org.citizenwallet.FfiBenchKt",
        ),
        "Kotlin call benchmark on the JVM",
    )?;
    if !ok {
        return Err("the Kotlin call benchmark failed".to_owned());
    }
    Ok(lines)
}

/// Runs the Kotlin tests; `issuer_url` is the loopback issuer server they issue from.
pub fn run(generated: &Generated, issuer_url: &str) -> Result<Tally, String> {
    let classpath = classpath()?;
    let files = sources(&root().join("bindings/kotlin/src/test/kotlin/org/citizenwallet"))?;
    let test_classes: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|name| name.ends_with("Test"))
        .map(|name| format!("org.citizenwallet.{name}"))
        .collect();
    let classes = target_dir().join("kotlin-classes");
    compile(generated, &files, &classpath, &classes)?;
    let (_, lines) = echoed(
        java(
            generated,
            &classpath,
            &classes,
            "org.citizenwallet.TestRunnerKt",
        )
        .env(crate::issuer_server::URL_VAR, issuer_url)
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
