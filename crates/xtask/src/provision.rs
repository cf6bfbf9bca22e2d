//! Provisioning the Kotlin and Swift toolchains on a Debian machine, once, into a cache outside
//! the source tree (`$CITIZEN_WALLET_CACHE`, default `~/.cache/citizen-wallet`). Every step
//! installs into a `.partial` directory and renames it when complete, so an interrupted attempt
//! is simply redone. Only the registries the machine already uses are contacted: npm for the
//! Kotlin compiler, and the machine's own Debian mirror for JNA, Java and the Swift chroot.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::status;

/// The exact Kotlin compiler release the harness is verified with.
pub const KOTLIN_VERSION: &str = "2.4.20";

pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CITIZEN_WALLET_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache").join("citizen-wallet")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Installs Debian packages with apt-get (updating the lists first).
fn apt_install(packages: &[&str], why: &str) -> Result<(), String> {
    if !is_root() || !have("apt-get") {
        return Err(format!(
            "{why} is missing; install the Debian packages {} (as root: apt-get install -y {})",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    status(
        Command::new("apt-get").args(["update", "-qq"]),
        "apt-get update",
    )?;
    status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq"])
            .args(packages),
        &format!("apt-get install {}", packages.join(" ")),
    )
}

/// A Java runtime (`java` on PATH).
pub fn java() -> Result<(), String> {
    if have("java") {
        return Ok(());
    }
    apt_install(&["openjdk-17-jre-headless"], "a Java runtime")
}

/// JNA (>= 5.12, as uniffi's Kotlin needs), from Debian's libjna-java.
pub fn jna() -> Result<PathBuf, String> {
    let jar = PathBuf::from("/usr/share/java/jna.jar");
    if !jar.exists() {
        apt_install(&["libjna-java"], "JNA")?;
    }
    if jar.exists() {
        Ok(jar)
    } else {
        Err("JNA is missing: install the Debian package libjna-java".to_owned())
    }
}

/// The Kotlin compiler distribution from the npm package `kotlin-compiler`.
pub fn kotlin() -> Result<PathBuf, String> {
    let home = cache_dir().join(format!("kotlin-{KOTLIN_VERSION}"));
    if home.join("bin").join("kotlinc").exists() {
        return Ok(home);
    }
    if !have("npm") {
        return Err("the Kotlin compiler is provisioned with npm, which is missing: install Node.js and npm".to_owned());
    }
    let partial = cache_dir().join(format!("kotlin-{KOTLIN_VERSION}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    status(
        Command::new("npm")
            .args([
                "pack",
                &format!("kotlin-compiler@{KOTLIN_VERSION}"),
                "--silent",
            ])
            .current_dir(&partial),
        "npm pack kotlin-compiler",
    )?;
    let tarball = format!("kotlin-compiler-{KOTLIN_VERSION}.tgz");
    status(
        Command::new("tar")
            .args(["xzf", &tarball])
            .current_dir(&partial),
        "unpack kotlin-compiler",
    )?;
    let _ = std::fs::remove_dir_all(&home);
    std::fs::rename(partial.join("package"), &home)
        .map_err(|e| format!("cannot install Kotlin: {e}"))?;
    let _ = std::fs::remove_dir_all(&partial);
    Ok(home)
}

/// The Debian mirror this machine's apt uses (from /etc/apt/sources.list*), for debootstrap.
fn debian_mirror() -> Result<String, String> {
    let mut texts = Vec::new();
    for file in ["/etc/apt/sources.list"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            texts.push(text);
        }
    }
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if (name.ends_with(".sources") || name.ends_with(".list"))
                && let Ok(text) = std::fs::read_to_string(entry.path())
            {
                texts.push(text);
            }
        }
    }
    for text in &texts {
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
            let uri = line.strip_prefix("URIs:").map(str::trim).or_else(|| {
                line.strip_prefix("deb ")
                    .and_then(|rest| rest.split_whitespace().find(|w| w.starts_with("http")))
            });
            if let Some(uri) = uri.and_then(|u| u.split_whitespace().next())
                && (uri.ends_with("/debian") || uri.ends_with("/debian/"))
            {
                return Ok(uri.to_owned());
            }
        }
    }
    Err("no Debian mirror found in /etc/apt/sources.list*; the Swift chroot needs one".to_owned())
}

/// FoundationNetworking (URLSession on Linux, which the Swift harness's HTTP uses) loads libcurl.
const LIBCURL: &str = "libcurl4t64";

/// Installs libcurl into a chroot provisioned before the harness needed it.
fn ensure_libcurl(root: &Path) -> Result<(), String> {
    if root.join("usr/lib/x86_64-linux-gnu/libcurl.so.4").exists()
        || root.join("usr/lib/aarch64-linux-gnu/libcurl.so.4").exists()
    {
        return Ok(());
    }
    if !is_root() {
        return Err("the Swift chroot lacks libcurl, and installing it needs root".to_owned());
    }
    let _proc = ProcMount::new(root)?;
    status(
        Command::new("chroot")
            .arg(root)
            .args([
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                LIBCURL,
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "install libcurl in the Swift chroot",
    )
}

/// Mounts /proc in the chroot for the life of the guard.
pub struct ProcMount(PathBuf);

impl ProcMount {
    pub fn new(root: &Path) -> Result<Self, String> {
        let proc_dir = root.join("proc");
        let mounted = std::fs::read_to_string("/proc/mounts")
            .map(|m| m.contains(&format!(" {} ", proc_dir.display())))
            .unwrap_or(false);
        if !mounted {
            status(
                Command::new("mount")
                    .args(["-t", "proc", "proc"])
                    .arg(&proc_dir),
                "mount /proc in the Swift chroot",
            )?;
        }
        Ok(ProcMount(proc_dir))
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A Debian trixie chroot with Swift 6 (swiftlang), SwiftPM and XCTest.
pub fn swift_chroot() -> Result<PathBuf, String> {
    let root = cache_dir().join("swift-trixie");
    // `usr/bin/swift` is an absolute symlink inside the chroot, so test its real target.
    if root.join("usr/libexec/swift/bin/swift").exists() {
        ensure_libcurl(&root)?;
        return Ok(root);
    }
    if !is_root() {
        return Err("the Swift harness runs in a Debian trixie chroot, which needs root to create and enter".to_owned());
    }
    if !have("debootstrap") {
        apt_install(&["debootstrap"], "debootstrap")?;
    }
    let mirror = debian_mirror()?;
    let partial = cache_dir().join("swift-trixie.partial");
    if partial.exists() {
        let _ = Command::new("umount").arg(partial.join("proc")).status();
        std::fs::remove_dir_all(&partial)
            .map_err(|e| format!("cannot clear {}: {e}", partial.display()))?;
    }
    std::fs::create_dir_all(cache_dir()).map_err(|e| format!("cannot create the cache: {e}"))?;
    status(
        Command::new("debootstrap")
            .args(["--variant=minbase", "trixie"])
            .arg(&partial)
            .arg(&mirror),
        "debootstrap a Debian trixie chroot for Swift",
    )?;
    {
        let _proc = ProcMount::new(&partial)?;
        status(
            Command::new("chroot")
                .arg(&partial)
                .args([
                    "apt-get",
                    "install",
                    "-y",
                    "-qq",
                    "--no-install-recommends",
                    "swiftlang",
                    "libc6-dev",
                    "libstdc++-14-dev",
                    LIBCURL,
                ])
                .env("DEBIAN_FRONTEND", "noninteractive"),
            "install swiftlang in the chroot",
        )?;
    }
    std::fs::rename(&partial, &root)
        .map_err(|e| format!("cannot install the Swift chroot: {e}"))?;
    Ok(root)
}
