//! Building the cdylib and generating the Kotlin and Swift bindings (never committed: always
//! regenerated, so they cannot go stale).

use std::path::PathBuf;
use std::process::Command;

use crate::run::{cargo, root, status, target_dir};

/// Where the generated bindings and the library they load are.
pub struct Generated {
    /// Directory of `libcitizen_wallet_mobile.so`.
    pub lib_dir: PathBuf,
    /// Generated Kotlin sources root.
    pub kotlin: PathBuf,
    /// Generated Swift source, header and modulemap.
    pub swift: PathBuf,
}

/// Builds the debug cdylib and generates the bindings (for the tests).
pub fn generate() -> Result<Generated, String> {
    generate_for(false)
}

/// Builds the cdylib (`release` for benchmarks) and generates the bindings from it. The
/// harnesses provision through the test authority, so it is built in here (and only here: the
/// shipped library of `cargo xtask size` leaves it out).
pub fn generate_for(release: bool) -> Result<Generated, String> {
    let mut args = vec![
        "build",
        "-p",
        "citizen-wallet-mobile",
        "-p",
        "uniffi-bindgen",
        "--features",
        "citizen-wallet-mobile/test-authority",
    ];
    if release {
        args.push("--release");
    }
    cargo(&args)?;
    let lib_dir = target_dir().join(if release { "release" } else { "debug" });
    let library = lib_dir.join("libcitizen_wallet_mobile.so");
    let out = target_dir().join("bindings");
    let _ = std::fs::remove_dir_all(&out);
    let config = root().join("uniffi.toml");
    for language in ["kotlin", "swift"] {
        status(
            Command::new(lib_dir.join("uniffi-bindgen"))
                .arg("generate")
                .arg(&library)
                .args(["--language", language, "--no-format", "--config"])
                .arg(&config)
                .arg("--out-dir")
                .arg(out.join(language)),
            &format!("generate {language} bindings"),
        )?;
    }
    Ok(Generated {
        lib_dir,
        kotlin: out.join("kotlin"),
        swift: out.join("swift"),
    })
}
