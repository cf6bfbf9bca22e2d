//! Crash-safe file operations: a temporary file in the same directory, fsync, rename (or
//! hard link, when an existing file must not be replaced), fsync of the directory. A reader sees
//! the old file or the new one, never a torn mix, and a new directory entry survives power loss.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Prefix of temporary files; anything with it left in a directory is debris from a crash.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to a fresh temporary file in `dir`, fsynced; returns its path.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let suffix: [u8; 8] = mdoc::rng::random_bytes();
    let temp = dir.join(format!("{TEMP_PREFIX}{name}-{}", hex(&suffix)));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Writes `bytes` to `dir/name` atomically, replacing any existing file.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(dir, name, bytes)?;
    if let Err(e) = fs::rename(&temp, dir.join(name)) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Writes `bytes` to `dir/name` atomically, refusing (with [`io::ErrorKind::AlreadyExists`]) to
/// replace an existing file, even one created concurrently: the complete temporary file is
/// hard-linked to its name, which the file system does only when the name is free.
pub(crate) fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(dir, name, bytes)?;
    let linked = fs::hard_link(&temp, dir.join(name));
    // The temporary name is only a second link now (or debris when linking failed).
    let _ = fs::remove_file(&temp);
    linked?;
    sync_dir(dir)
}

/// Removes `dir/name` and makes the removal durable.
pub(crate) fn remove(dir: &Path, name: &str) -> io::Result<()> {
    fs::remove_file(dir.join(name))?;
    sync_dir(dir)
}

/// Flushes a directory's entries (renames, creations, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(test)]
    trace::record(trace::Op::SyncDir, dir);
    File::open(dir)?.sync_all()
}

/// Like [`fs::create_dir_all`], but every directory it creates is made durable by an fsync of
/// its parent, so a store or key directory cannot vanish after a power loss while the files
/// written into it were synced.
pub(crate) fn create_dir_all(path: &Path) -> io::Result<()> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dir_all(parent)?;
    match fs::create_dir(path) {
        Ok(()) => {
            #[cfg(test)]
            trace::record(trace::Op::CreateDir, path);
            sync_dir(parent)
        }
        // Created concurrently by someone else, who makes it durable.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
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

/// Reads a regular file of at most `limit` bytes; `Ok(None)` when it is larger.
///
/// The bound is enforced on the bytes actually read (at most `limit + 1` are read), not on a
/// length looked up beforehand, so a file that grows between the check and the read, or one
/// whose reported length is wrong, cannot make it read more. Anything other than a regular file
/// (a FIFO would block, a device would never end, a symlink points elsewhere) is refused with
/// [`io::ErrorKind::InvalidInput`].
pub(crate) fn read_bounded(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let not_regular = || io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
    if !fs::symlink_metadata(path)?.file_type().is_file() {
        return Err(not_regular());
    }
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let capacity = usize::try_from(metadata.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if !u64::try_from(bytes.len()).is_ok_and(|len| len <= limit) {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A per-thread log of directory creations and directory fsyncs, so tests can check that every
/// new directory entry is made durable (an fsync is not otherwise observable from a test).
#[cfg(test)]
pub(crate) mod trace {
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    /// What happened to a directory.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Op {
        CreateDir,
        SyncDir,
    }

    thread_local! {
        static LOG: RefCell<Vec<(Op, PathBuf)>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn record(op: Op, path: &Path) {
        LOG.with(|log| log.borrow_mut().push((op, path.to_path_buf())));
    }

    /// Takes this thread's log.
    pub(crate) fn take() -> Vec<(Op, PathBuf)> {
        LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
    }

    /// The directories created without a later fsync of their parent.
    pub(crate) fn unsynced_creations(log: &[(Op, PathBuf)]) -> Vec<PathBuf> {
        log.iter()
            .enumerate()
            .filter(|(_, (op, _))| *op == Op::CreateDir)
            .filter(|(i, (_, dir))| {
                let parent = dir.parent().unwrap_or(Path::new("."));
                !log.iter()
                    .skip(i + 1)
                    .any(|(op, p)| *op == Op::SyncDir && p == parent)
            })
            .map(|(_, (_, dir))| dir.clone())
            .collect()
    }
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
        assert_eq!(
            read_bounded(&dir.path().join("a"), 3).unwrap().as_deref(),
            Some(&b"two"[..])
        );
        remove(dir.path(), "a").unwrap();
        assert!(!dir.path().join("a").exists());
    }

    #[test]
    fn write_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        write_new(dir.path(), "k", b"first").unwrap();
        let err = write_new(dir.path(), "k", b"second").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(dir.path().join("k")).unwrap(), b"first");
        // No temporary file is left behind either way.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// The bound holds on what is read, not on the length the file system reports: procfs
    /// files report a length of 0 and yield far more. A metadata-then-read implementation
    /// returns the whole file here.
    #[cfg(target_os = "linux")]
    #[test]
    fn bound_is_enforced_on_bytes_read_not_reported_length() {
        let path = Path::new("/proc/self/status");
        assert_eq!(fs::metadata(path).unwrap().len(), 0);
        assert_eq!(read_bounded(path, 16).unwrap(), None);
        let whole = read_bounded(path, 1 << 20).unwrap().unwrap();
        assert!(whole.len() > 16);
    }

    #[cfg(unix)]
    #[test]
    fn non_regular_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/proc/self/status", dir.path().join("link")).unwrap();
        let err = read_bounded(&dir.path().join("link"), 1 << 20).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = read_bounded(dir.path(), 1 << 20).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn created_directories_are_synced_into_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        trace::take();
        let deep = dir.path().join("a").join("b").join("c");
        create_dir_all(&deep).unwrap();
        assert!(deep.is_dir());
        let log = trace::take();
        let created: Vec<_> = log
            .iter()
            .filter(|(op, _)| *op == trace::Op::CreateDir)
            .collect();
        assert_eq!(created.len(), 3);
        assert_eq!(trace::unsynced_creations(&log), Vec::<PathBuf>::new());
        // Existing directories are left alone.
        create_dir_all(&deep).unwrap();
        assert!(trace::take().is_empty());
    }
}
