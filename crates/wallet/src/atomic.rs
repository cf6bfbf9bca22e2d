//! Crash-safe file writes: a temporary file in the same directory, fsync, rename, fsync of the
//! directory. A reader sees the old file or the new one, never a torn mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Prefix of temporary files; anything with it left in a directory is debris from a crash.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `dir/name` atomically.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let suffix: [u8; 8] = mdoc::rng::random_bytes();
    let temp_name = format!("{TEMP_PREFIX}{name}-{}", hex(&suffix));
    let temp = dir.join(&temp_name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, dir.join(name))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes `dir/name` and makes the removal durable.
pub(crate) fn remove(dir: &Path, name: &str) -> io::Result<()> {
    fs::remove_file(dir.join(name))?;
    sync_dir(dir)
}

/// Flushes a directory's entries (renames, creations, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Removes temporary files left by an interrupted write; returns how many.
pub(crate) fn clean_debris(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}

/// Reads a file of at most `limit` bytes, refusing larger ones before reading them.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let len = fs::metadata(path)?.len();
    if len > limit {
        return Ok(None);
    }
    fs::read(path).map(Some)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_debris_is_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a", b"one").unwrap();
        write(dir.path(), "a", b"two").unwrap();
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"two");
        fs::write(dir.path().join(format!("{TEMP_PREFIX}a-dead")), b"torn").unwrap();
        assert_eq!(clean_debris(dir.path()).unwrap(), 1);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(read_bounded(&dir.path().join("a"), 2).unwrap(), None);
        remove(dir.path(), "a").unwrap();
        assert!(!dir.path().join("a").exists());
    }
}
