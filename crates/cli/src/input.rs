//! Reading the files the commands are given, with a size bound.

use std::io::Read as _;
use std::path::Path;

/// The largest input accepted (the core decoder's own limit).
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Reads `path`, or standard input for `-`, refusing more than [`MAX_INPUT`] bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_INPUT + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
    };
    result.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(format!(
            "{} is larger than the {MAX_INPUT}-byte limit",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
