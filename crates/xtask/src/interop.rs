//! The differential interop suite: our presentations verified by other mdoc implementations,
//! theirs verified by ours (`tests/interop_peers.rs`). The peers are pinned by the project's own
//! files and provisioned here, never assumed present:
//!
//! * `@auth0/mdl` and `@owf/mdoc` from npm, exactly as `tests/interop/js/package-lock.json`
//!   pins them, installed with `npm ci` into `$CITIZEN_WALLET_CACHE/interop-js/<lock hash>`
//!   (optional native add-ons omitted: cbor-x falls back to its pure-JS decoder);
//! * the `isomdl` crate, built from `tests/interop/isomdl` (its own workspace and Cargo.lock)
//!   into `target/interop/isomdl`.
//!
//! A peer that cannot be provisioned fails the run with the reason; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::provision::cache_dir;
use crate::run::{self, Tally};

/// The oldest Node.js major the peer scripts are run with (ES modules, webcrypto, fetch).
const NODE_MAJOR: u32 = 18;

/// Provisions the peers and runs the suite; returns its tally.
pub fn run() -> Result<Tally, String> {
    let started = Instant::now();
    let js = js_peers()?;
    let isomdl = isomdl_peer()?;
    let what = "cargo test --test interop_peers -- --ignored (the pinned peers)";
    let tally = run::cargo_tests_with(
        run::cargo_command()
            .args(["test", "--test", "interop_peers", "--", "--ignored"])
            .env("CITIZEN_WALLET_INTEROP_JS", &js)
            .env("CITIZEN_WALLET_INTEROP_ISOMDL", &isomdl),
        what,
    )?;
    if tally.passed == 0 {
        return Err("the interop suite ran no test".to_owned());
    }
    eprintln!(
        "xtask: interop suite took {:.0} s (provisioning included)",
        started.elapsed().as_secs_f64()
    );
    Ok(tally)
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `v20.20.2` -> 20.
fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The first 16 hex digits of SHA-256 over the manifest and the lock: the install's key.
fn lock_key(manifest: &[u8], lock: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(manifest);
    hash.update([0]);
    hash.update(lock);
    hex::encode(hash.finalize())[..16].to_owned()
}

/// The JavaScript peers, installed once per lock into the cache; returns the install directory
/// (holding package.json, package-lock.json and node_modules).
fn js_peers() -> Result<PathBuf, String> {
    let version = output("node", &["--version"]).ok_or(
        "the interop suite needs Node.js (>= 18) and npm for its JavaScript peers, and `node` \
         is missing: install them (Debian: apt-get install nodejs npm)",
    )?;
    match node_major(&version) {
        Some(major) if major >= NODE_MAJOR => {}
        _ => {
            return Err(format!(
                "the interop suite needs Node.js >= {NODE_MAJOR}; found {version}"
            ));
        }
    }
    if output("npm", &["--version"]).is_none() {
        return Err(
            "the interop suite installs its JavaScript peers with npm, which is \
                    missing: install npm (Debian: apt-get install npm)"
                .to_owned(),
        );
    }
    let source = run::root().join("tests/interop/js");
    let read = |name: &str| {
        std::fs::read(source.join(name)).map_err(|e| format!("cannot read {name}: {e}"))
    };
    let (manifest, lock) = (read("package.json")?, read("package-lock.json")?);
    let home = cache_dir()
        .join("interop-js")
        .join(lock_key(&manifest, &lock));
    if installed(&home) {
        return Ok(home);
    }
    let partial = home.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    for (name, bytes) in [("package.json", &manifest), ("package-lock.json", &lock)] {
        std::fs::write(partial.join(name), bytes)
            .map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    // `npm ci` installs exactly the lock (integrity-checked) and fails if it is out of date.
    // Install scripts are not run; the optional native cbor-extract add-on is omitted.
    run::status(
        Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--omit=optional",
                "--no-audit",
                "--no-fund",
            ])
            .current_dir(&partial),
        "npm ci the pinned JavaScript peers (tests/interop/js/package-lock.json)",
    )
    .map_err(|e| format!("{e}: the JavaScript peers could not be installed"))?;
    let _ = std::fs::remove_dir_all(&home);
    std::fs::rename(&partial, &home)
        .map_err(|e| format!("cannot install the JavaScript peers: {e}"))?;
    if !installed(&home) {
        return Err("npm ci finished but @auth0/mdl or @owf/mdoc is missing".to_owned());
    }
    Ok(home)
}

fn installed(home: &Path) -> bool {
    ["@auth0/mdl", "@owf/mdoc", "@peculiar/x509"]
        .iter()
        .all(|p| {
            home.join("node_modules")
                .join(p)
                .join("package.json")
                .exists()
        })
}

/// Builds the isomdl peer (its own workspace, `--locked` to its committed Cargo.lock) and
/// returns the binary.
fn isomdl_peer() -> Result<PathBuf, String> {
    let target = run::target_dir().join("interop").join("isomdl");
    let manifest = run::root().join("tests/interop/isomdl/Cargo.toml");
    run::status(
        run::cargo_command()
            .args(["build", "--locked", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target),
        "build the isomdl peer (tests/interop/isomdl, its own Cargo.lock)",
    )?;
    let binary = target.join("debug").join("citizen-wallet-interop-isomdl");
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!(
            "the isomdl peer was built but {} is missing",
            binary.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_node_versions() {
        assert_eq!(node_major("v20.20.2\n"), Some(20));
        assert_eq!(node_major("v18.0.0"), Some(18));
        for other in ["20.1.0", "v", "vx.1", ""] {
            assert_eq!(node_major(other), None, "{other}");
        }
    }

    #[test]
    fn the_install_key_follows_the_lock() {
        let key = lock_key(b"{}", b"lock");
        assert_eq!(key.len(), 16);
        assert_ne!(key, lock_key(b"{}", b"lock2"));
        assert_ne!(key, lock_key(b"{}x", b"lock"));
        assert_eq!(key, lock_key(b"{}", b"lock"));
    }
}
