//! The size of the mobile cdylib against the recorded budget, with the largest contributors:
//! ELF sections of the stripped file, and code by crate and by function from the unstripped
//! one's symbols. Needs only `strip` and `nm` (binutils), no cargo plugin.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::run::{root, target_dir};

/// How many crates and functions the report lists.
const TOP_CRATES: usize = 25;
const TOP_FUNCTIONS: usize = 20;

/// Builds, strips and reports the library; returns its stripped size, or an error above budget.
pub fn report() -> Result<u64, String> {
    // What an app ships: no test authority. Symbols are kept here so `nm` can attribute size;
    // the file is stripped below exactly as the profile strips it.
    crate::run::status(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .current_dir(root())
            .env("CARGO_PROFILE_RELEASE_MOBILE_STRIP", "false")
            .args([
                "build",
                "-p",
                "citizen-wallet-mobile",
                "--no-default-features",
            ])
            .args(["--profile", "release-mobile"]),
        "cargo build -p citizen-wallet-mobile --no-default-features --profile release-mobile",
    )?;
    let library = target_dir().join("release-mobile/libcitizen_wallet_mobile.so");
    let stripped = target_dir().join("release-mobile/libcitizen_wallet_mobile.stripped.so");
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

    match elf_sections(&stripped) {
        Ok(mut sections) => {
            sections.sort_by_key(|s| std::cmp::Reverse(s.1));
            println!("largest sections of the stripped library:");
            for (name, bytes) in sections.iter().take(8) {
                println!("  {bytes:>9}  {:5.1}%  {name}", percent(*bytes, size));
            }
        }
        Err(e) => println!("(no section table: {e})"),
    }

    let symbols = Command::new("nm")
        .args(["--size-sort", "--radix=d", "-C"])
        .arg(&library)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    let functions = functions(&String::from_utf8_lossy(&symbols.stdout));
    let code: u64 = functions.iter().map(|(bytes, _)| bytes).sum();
    let mut by_crate: HashMap<&str, u64> = HashMap::new();
    for (bytes, name) in &functions {
        *by_crate.entry(crate_of(name)).or_default() += bytes;
    }
    let mut by_crate: Vec<_> = by_crate.into_iter().collect();
    by_crate.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    println!(
        "code by crate ({code} bytes of functions; generic code is counted under the crate \
         that defines it, so core/alloc include instantiations for every other crate):"
    );
    for (name, bytes) in by_crate.iter().take(TOP_CRATES) {
        println!("  {bytes:>9}  {:5.1}%  {name}", percent(*bytes, code));
    }
    // std's panic machinery keeps its backtrace symbolizer (kept while panic = "unwind" and
    // std's default hook are in place); shown apart so that it is not mistaken for ours.
    let symbolizer: u64 = functions
        .iter()
        .filter(|(_, name)| {
            [
                "gimli::",
                "addr2line::",
                "rustc_demangle::",
                "miniz_oxide::",
                "backtrace_rs::",
            ]
            .iter()
            .any(|part| name.contains(part))
        })
        .map(|(bytes, _)| bytes)
        .sum();
    println!(
        "  of which std's backtrace symbolizer (gimli, addr2line, rustc_demangle, miniz_oxide): \
         {symbolizer} bytes ({:.1}%)",
        percent(symbolizer, code)
    );
    println!("largest functions:");
    let mut largest: Vec<_> = functions.iter().collect();
    largest.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (bytes, name) in largest.into_iter().take(TOP_FUNCTIONS) {
        let short: String = name.chars().take(110).collect();
        println!("  {bytes:>9}  {short}");
    }

    println!(
        "stripped cdylib (release-mobile, x86_64 Linux): {size} bytes ({:.2} MB); budget {budget} bytes",
        size as f64 / 1e6
    );
    if size > budget {
        return Err(format!(
            "the cdylib is {size} bytes, over the {budget}-byte budget"
        ));
    }
    Ok(size)
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The functions in `nm --size-sort --radix=d -C` output: (size, demangled name).
fn functions(nm: &str) -> Vec<(u64, String)> {
    nm.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ' ');
            let bytes = fields.next()?.parse().ok()?;
            let kind = fields.next()?;
            let name = fields.next()?;
            matches!(kind, "t" | "T" | "w" | "W").then(|| (bytes, name.to_owned()))
        })
        .collect()
}

/// The crate a demangled symbol belongs to: the first path segment of the implementing type
/// (`<mdoc::cose::CoseSign1 as ..>::f` is mdoc's), or of the trait when the type is not a path
/// (`<T as der::Decode>::decode`, `<&str as ..>`), or of the function itself.
fn crate_of(name: &str) -> &str {
    let leading = |s: &str| -> Option<usize> {
        let end = s.find("::")?;
        let head = s.get(..end)?;
        (!head.is_empty() && head.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(end)
    };
    let Some(inner) = name.strip_prefix('<') else {
        if let Some(end) = leading(name) {
            return name.get(..end).unwrap_or("?");
        }
        // uniffi's exported `extern "C"` functions, with the calls LTO inlined into them.
        if name.starts_with("uniffi_") || name.starts_with("ffi_") {
            return "exported FFI functions";
        }
        return "?";
    };
    let inner = inner.trim_start_matches(['&', '*', '[', '(']);
    let inner = inner
        .strip_prefix("mut ")
        .or_else(|| inner.strip_prefix("const "))
        .or_else(|| inner.strip_prefix("dyn "))
        .unwrap_or(inner);
    if let Some(end) = leading(inner) {
        return inner.get(..end).unwrap_or("?");
    }
    // A primitive or generic parameter: the trait's crate, after " as ".
    if let Some(at) = inner.find(" as ") {
        let tr = inner.get(at + 4..).unwrap_or_default();
        if let Some(end) = leading(tr) {
            return tr.get(..end).unwrap_or("?");
        }
    }
    // Inherent methods of primitives (`<str>::to_lowercase`) live in core or alloc.
    "core/alloc (primitives)"
}

/// Section names and sizes of a 64-bit little-endian ELF file.
fn elf_sections(path: &Path) -> Result<Vec<(String, u64)>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let u16_at = |at: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            data.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |at: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            data.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
    };
    let usize_of = |n: u64| usize::try_from(n).ok();
    let parse = || -> Option<Vec<(String, u64)>> {
        if data.get(..6)? != b"\x7fELF\x02\x01" {
            return None;
        }
        let shoff = usize_of(u64_at(0x28)?)?;
        let shentsize = usize_of(u16_at(0x3a)?)?;
        let shnum = usize_of(u16_at(0x3c)?)?;
        let shstrndx = usize_of(u16_at(0x3e)?)?;
        let header = |i: usize| shoff + i * shentsize;
        let names = usize_of(u64_at(header(shstrndx) + 0x18)?)?;
        let mut sections = Vec::new();
        for i in 1..shnum {
            let name_at = names + usize_of(u32_at(header(i))?)?;
            let name_len = data.get(name_at..)?.iter().position(|b| *b == 0)?;
            let name = String::from_utf8_lossy(data.get(name_at..name_at + name_len)?);
            let kind = u32_at(header(i) + 0x04)?;
            // SHT_NOBITS (.bss) takes no room in the file.
            if kind != 8 {
                sections.push((name.into_owned(), u64_at(header(i) + 0x20)?));
            }
        }
        Some(sections)
    };
    parse().ok_or_else(|| "not a 64-bit little-endian ELF file".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cargo skips the profile's `lto` for a crate that is also an rlib, silently: the shipped
    /// library measured 1,653,856 bytes that way against 1,250,120 with LTO.
    #[test]
    fn the_shipped_library_crate_is_link_time_optimised() {
        let manifest =
            std::fs::read_to_string(root().join("crates/mobile/Cargo.toml")).unwrap_or_default();
        let crate_types: Vec<&str> = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("crate-type"))
            .map(|rest| {
                rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(crate_types, ["cdylib", "staticlib"]);
    }

    #[test]
    fn symbols_are_attributed_to_their_crate() {
        for (symbol, expected) in [
            ("mdoc::verify::verify_issuer_signed", "mdoc"),
            (
                "<mdoc::cose::CoseSign1 as core::clone::Clone>::clone",
                "mdoc",
            ),
            ("<T as der::decode::Decode>::decode", "der"),
            (
                "<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::f",
                "serde_json",
            ),
            ("<[u8] as core::fmt::Debug>::fmt", "core"),
            ("<str>::to_lowercase", "core/alloc (primitives)"),
            ("rust_eh_personality", "?"),
            (
                "uniffi_citizen_wallet_ffi_fn_method_wallet_accept",
                "exported FFI functions",
            ),
            (
                "ffi_citizen_wallet_ffi_rustbuffer_free",
                "exported FFI functions",
            ),
        ] {
            assert_eq!(crate_of(symbol), expected, "{symbol}");
        }
    }

    #[test]
    fn nm_lines_keep_only_functions() {
        let nm = "0000000000000016 t mdoc::f\n0000000000000008 r TABLE\n0000000000000003 W g h\n";
        assert_eq!(
            functions(nm),
            vec![(16, "mdoc::f".to_owned()), (3, "g h".to_owned())]
        );
    }
}
