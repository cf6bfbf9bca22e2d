//! Building the cdylib and generating the Kotlin and Swift bindings (never committed: always
//! regenerated, so they cannot go stale).

use std::path::PathBuf;
use std::process::Command;

use crate::run::{cargo, root, status, target_dir};

/// Where the generated bindings and the library they load are.
pub struct Generated {
    /// Directory of `libcitizen_wallet_ffi.so`.
    pub lib_dir: PathBuf,
    /// Generated Kotlin sources root.
    pub kotlin: PathBuf,
    /// Generated Swift source, header and modulemap.
    pub swift: PathBuf,
}

pub fn generate() -> Result<Generated, String> {
    cargo(&["build", "-p", "citizen-wallet-ffi", "-p", "uniffi-bindgen"])?;
    let lib_dir = target_dir().join("debug");
    let library = lib_dir.join("libcitizen_wallet_ffi.so");
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
