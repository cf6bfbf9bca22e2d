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

/// Which build of the cdylib the bindings are generated from and load.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Library {
    /// The debug build (the tests' default: debug assertions and overflow checks on).
    Debug,
    /// The `release` profile (the call benchmarks).
    Release,
    /// The `release-mobile` profile an app ships (opt-level "z", fat LTO), stripped exactly as
    /// shipped, with the test authority the harnesses provision through.
    Shipped,
}

impl Library {
    /// How the harness output names this build.
    pub fn label(self) -> &'static str {
        match self {
            Library::Debug => "debug",
            Library::Release => "release",
            Library::Shipped => "release-mobile, stripped",
        }
    }
}

/// Builds the debug cdylib and generates the bindings (for the tests).
pub fn generate() -> Result<Generated, String> {
    generate_for(Library::Debug)
}

/// Builds the cdylib and generates the bindings from it. The harnesses provision through the
/// test authority, so it is built in here (and only here: the shipped library of
/// `cargo xtask size` leaves it out).
pub fn generate_for(library: Library) -> Result<Generated, String> {
    let features = ["--features", "citizen-wallet-mobile/test-authority"];
    let (lib_dir, unstripped) = match library {
        Library::Debug | Library::Release => {
            let mut args = vec![
                "build",
                "-p",
                "citizen-wallet-mobile",
                "-p",
                "uniffi-bindgen",
            ];
            args.extend(features);
            if library == Library::Release {
                args.push("--release");
            }
            cargo(&args)?;
            let dir = target_dir().join(if library == Library::Release {
                "release"
            } else {
                "debug"
            });
            let unstripped = dir.join("libcitizen_wallet_mobile.so");
            (dir, unstripped)
        }
        Library::Shipped => {
            // Built unstripped (as `cargo xtask size` builds it, so the two share their
            // dependencies) because uniffi-bindgen reads the metadata symbols; the harnesses then
            // load a copy stripped the way the profile strips it.
            status(
                crate::run::cargo_command()
                    .env("CARGO_PROFILE_RELEASE_MOBILE_STRIP", "false")
                    .args([
                        "build",
                        "-p",
                        "citizen-wallet-mobile",
                        "--profile",
                        "release-mobile",
                    ])
                    .args(features),
                "cargo build -p citizen-wallet-mobile --features test-authority --profile release-mobile",
            )?;
            // The same invocation as the debug build, so the bindgen's features unify the same
            // way and it is not rebuilt.
            let mut bindgen = vec![
                "build",
                "-p",
                "citizen-wallet-mobile",
                "-p",
                "uniffi-bindgen",
            ];
            bindgen.extend(features);
            cargo(&bindgen)?;
            let unstripped = target_dir().join("release-mobile/libcitizen_wallet_mobile.so");
            let dir = target_dir().join("release-mobile/harness");
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            status(
                Command::new("strip")
                    .arg("-o")
                    .arg(dir.join("libcitizen_wallet_mobile.so"))
                    .arg(&unstripped),
                "strip the harness cdylib",
            )?;
            (dir, unstripped)
        }
    };
    let bindgen = target_dir().join(if library == Library::Release {
        "release/uniffi-bindgen"
    } else {
        "debug/uniffi-bindgen"
    });
    let out = target_dir().join("bindings");
    let _ = std::fs::remove_dir_all(&out);
    let config = root().join("uniffi.toml");
    for language in ["kotlin", "swift"] {
        status(
            Command::new(&bindgen)
                .arg("generate")
                .arg(&unstripped)
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
