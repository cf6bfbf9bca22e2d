//! The size of the mobile cdylib against the recorded budget.

use std::process::Command;

use crate::run::{root, target_dir};

pub fn report() -> Result<(), String> {
    // What an app ships: no test authority. Symbols are kept here so `nm` can attribute size;
    // the file is stripped below exactly as the profile strips it.
    crate::run::status(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .current_dir(root())
            .env("CARGO_PROFILE_RELEASE_MOBILE_STRIP", "false")
            .args(["build", "-p", "citizen-wallet-ffi", "--no-default-features"])
            .args(["--profile", "release-mobile"]),
        "cargo build -p citizen-wallet-ffi --no-default-features --profile release-mobile",
    )?;
    let library = target_dir().join("release-mobile/libcitizen_wallet_ffi.so");
    let stripped = target_dir().join("release-mobile/libcitizen_wallet_ffi.stripped.so");
    crate::run::status(
        Command::new("strip").arg("-o").arg(&stripped).arg(&library),
        "strip the cdylib",
    )?;
    let size = std::fs::metadata(&stripped)
        .map_err(|e| format!("cannot read the library: {e}"))?
        .len();
    let budget_text = std::fs::read_to_string(root().join("crates/xtask/size-budget.txt"))
        .map_err(|e| format!("cannot read crates/xtask/size-budget.txt: {e}"))?;
    let budget: u64 = budget_text
        .lines()
        .find(|l| !l.trim().starts_with('#') && !l.trim().is_empty())
        .and_then(|l| l.trim().parse().ok())
        .ok_or("crates/xtask/size-budget.txt holds no byte count")?;
    println!(
        "stripped cdylib (release-mobile, x86_64 Linux): {size} bytes ({:.2} MB); budget {budget} bytes",
        size as f64 / 1e6
    );
    let symbols = Command::new("nm")
        .args(["--size-sort", "--reverse-sort", "--radix=d", "-C"])
        .arg(&library)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    println!("largest symbols (before stripping):");
    for line in String::from_utf8_lossy(&symbols.stdout).lines().take(15) {
        println!("  {line}");
    }
    if size > budget {
        return Err(format!(
            "the cdylib is {size} bytes, over the {budget}-byte budget"
        ));
    }
    Ok(())
}
