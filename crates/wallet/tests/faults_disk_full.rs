//! A full disk: every write path fails with a typed error, loses nothing, leaves no debris,
//! and works again once space is freed.
//!
//! The test mounts a 2 MiB tmpfs (it needs root: `mount -t tmpfs`; without it the test fails
//! and says so, it never passes silently), puts a wallet on it, and for each write path fills
//! the file system with a filler file, leaving either nothing or less than the write needs (so
//! the write fails part way through, after the device keys of a batch, inside a 64 KiB
//! record), then runs the operation and checks:
//!
//! - it fails with [`StoreError::StorageFull`] (record and history writes) or
//!   `SecureAreaError::Backend("no storage space")` (device key creation in the software
//!   secure area), carrying no personal data;
//! - no temporary file is left anywhere in the wallet, and the store opens while the disk is
//!   still full with exactly the records (bytes equal, by fingerprint), history entries and
//!   device keys it had before;
//! - a presentation whose copy or history entry cannot be written returns no response (nothing
//!   leaves the wallet unrecorded) and burns nothing;
//! - after the filler is deleted the same operation succeeds and everything reads.
//!
//! Paths: provisioning through `Wallet::prepare`/`accept` and at store level with a 64 KiB
//! record, batch storage (ten device keys and a ten-copy record), consume copy, status update,
//! refresh (`replace`) and a history record (a Digital Credentials API presentation).
//! Run: `cargo test -p citizen-wallet-wallet --test faults_disk_full -- --nocapture` (as root).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::{Rng, fingerprint};
use mdoc::clock::FixedClock;
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use wallet::history::HistoryFilter;
use wallet::secure_area::{SecureArea, SecureAreaError, SoftwareSecureArea};
use wallet::status::{CredentialState, RecordedStatus};
use wallet::store::{CredentialStore, PresentationPolicy, StoreError};
use wallet::{Wallet, WalletConfig, WalletError};

const MOUNT_KIB: u64 = 2048;
const PAGE: u64 = 4096;

/// A size-limited tmpfs, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(kib: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let result = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output();
        match result {
            Ok(out) if out.status.success() => Tmpfs { dir },
            Ok(out) => panic!(
                "the disk-full test needs root to mount a size-limited tmpfs \
                 (`mount -t tmpfs` failed: {}); run it as root",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!("the disk-full test needs root and mount(8) to mount a tmpfs: {e}"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// The wallet on the small file system, and a filler file beside it.
struct Env {
    root: PathBuf,
    area: Arc<SoftwareSecureArea>,
    issuer: issuer::TestIssuer,
    rng: Rng,
    /// Scenario, space left, error: printed at the end.
    table: Vec<(String, u64, String)>,
}

fn storage_full_kind() -> String {
    std::io::ErrorKind::StorageFull.to_string()
}

impl Env {
    fn filler(&self) -> PathBuf {
        self.root.join("filler")
    }

    /// Fills the file system, then frees `leave` bytes (whole pages).
    fn fill(&self, leave: u64) {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.filler())
            .unwrap();
        let chunk = vec![0xa5u8; PAGE as usize];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling: {e}"),
            }
        }
        let len = file.metadata().unwrap().len() / PAGE * PAGE;
        assert!(
            len >= leave,
            "the filler is smaller than the space to leave"
        );
        file.set_len(len - leave).unwrap();
    }

    fn free(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }

    fn wallet(&self) -> Wallet {
        let config = WalletConfig {
            issuer_anchors: TrustAnchors::new(vec![self.issuer.iaca().certificate().clone()]),
            ..WalletConfig::default()
        };
        Wallet::open(
            &self.root.join("wallet").join("store"),
            &common::key(),
            self.area.clone(),
            config,
            Arc::new(FixedClock(common::NOW)),
        )
        .unwrap()
    }

    fn store(&self) -> CredentialStore {
        CredentialStore::open(&self.root.join("wallet").join("store"), &common::key()).unwrap()
    }

    fn note(&mut self, scenario: &str, leave: u64, error: &dyn std::fmt::Debug) {
        self.table
            .push((scenario.to_owned(), leave, format!("{error:?}")));
    }
}

/// What must survive a failed write.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    /// Record id → fingerprint.
    records: BTreeMap<String, String>,
    /// History entry ids.
    history: Vec<String>,
}

/// Reads everything through a fresh wallet (so the store must open as things are), and checks
/// that every copy's device key exists.
fn snapshot_of(wallet: &Wallet, area: &SoftwareSecureArea) -> Snapshot {
    let keys: BTreeSet<String> = area.list_keys().unwrap().into_iter().collect();
    let mut records = BTreeMap::new();
    for summary in wallet.credentials() {
        let record = wallet.credential(&summary.id).unwrap().record;
        for copy in &record.copies {
            assert!(
                keys.contains(&copy.device_key_alias),
                "a device key is missing"
            );
        }
        records.insert(summary.id, fingerprint(&record));
    }
    assert!(wallet.quarantined().is_empty(), "a record was quarantined");
    let page = wallet
        .history(&HistoryFilter::default(), 0, wallet::history::MAX_PAGE)
        .unwrap();
    assert_eq!(page.unreadable, 0, "a history entry is unreadable");
    Snapshot {
        records,
        history: page.entries.into_iter().map(|e| e.id).collect(),
    }
}

fn snapshot(env: &Env) -> Snapshot {
    snapshot_of(&env.wallet(), &env.area)
}

/// No temporary file of an atomic write is left anywhere under `dir`.
fn assert_no_debris(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".tmp-"), "debris left: {name}");
        if entry.file_type().unwrap().is_dir() {
            assert_no_debris(&entry.path());
        }
    }
}

/// After a failed write: no debris, and the store opens (disk still full) unchanged.
fn assert_nothing_lost(env: &Env, before: &Snapshot, scenario: &str) {
    assert_no_debris(&env.root.join("wallet"));
    assert_eq!(&snapshot(env), before, "{scenario}: the store changed");
}

fn assert_store_full<T: std::fmt::Debug>(result: Result<T, StoreError>, scenario: &str) {
    assert!(
        matches!(result, Err(StoreError::StorageFull)),
        "{scenario}: {result:?}"
    );
}

fn assert_key_full<T: std::fmt::Debug>(result: Result<T, SecureAreaError>, scenario: &str) {
    assert!(
        matches!(&result, Err(SecureAreaError::Backend(kind)) if *kind == storage_full_kind()),
        "{scenario}: {result:?}"
    );
}

/// Provisioning through the wallet: the key cannot be made on a full disk; with room for the
/// key only, accepting fails and keeps the key for the retry that succeeds once space is freed.
fn provisioning(env: &mut Env) {
    let before = snapshot(env);
    let data = issuer::samples::uk_digital_id(&issuer::samples::AMELIA, common::NOW.date());
    let wallet = env.wallet();
    env.fill(0);
    let refused = wallet.prepare(&data.doc_type);
    assert!(
        matches!(&refused, Err(WalletError::SecureArea(SecureAreaError::Backend(k))) if *k == storage_full_kind()),
        "{refused:?}"
    );
    env.note("provisioning: prepare", 0, &refused.unwrap_err());
    env.free();
    env.fill(PAGE);
    let pending = wallet.prepare(&data.doc_type).unwrap();
    let window = issuer::ValidityWindow::starting(common::NOW.plus_days(-1), 365);
    let issued = env
        .issuer
        .issue(&data, &pending.device_key, &window)
        .unwrap();
    env.free();
    env.fill(0);
    let refused = wallet.accept(&pending, &issued.bytes);
    assert!(
        matches!(refused, Err(WalletError::Store(StoreError::StorageFull))),
        "{refused:?}"
    );
    env.note("provisioning: accept", 0, &refused.unwrap_err());
    assert_no_debris(&env.root.join("wallet"));
    assert_eq!(snapshot_of(&wallet, &env.area), before);
    env.free();
    let summary = wallet.accept(&pending, &issued.bytes).unwrap();
    drop(wallet);
    let after = snapshot(env);
    assert!(after.records.contains_key(&summary.id));
}

/// A 64 KiB record at store level, failing part way through its write.
fn provisioning_large(env: &mut Env) {
    let before = snapshot(env);
    let alias = common::fresh_alias(&mut env.rng);
    let record = common::filler(
        &mut env.rng,
        std::slice::from_ref(&alias),
        64 * 1024,
        PresentationPolicy::RotateUse,
    );
    let mut store = env.store();
    env.fill(16 * 1024);
    env.area.create_key(&alias).unwrap();
    let refused = store.put(record.clone());
    env.note("provisioning: 64 KiB record", 16 * 1024, &refused);
    assert_store_full(refused, "64 KiB record");
    drop(store);
    assert_nothing_lost(env, &before, "64 KiB record");
    env.free();
    let id = env.store().put(record.clone()).unwrap();
    assert_eq!(snapshot(env).records[&id], fingerprint(&record));
}

/// Ten device keys and a ten-copy record: on a full disk the first key fails; with room for
/// the keys only, the record fails part way through (the keys are deleted, as an abandoned
/// issuance does).
fn batch(env: &mut Env) {
    let before = snapshot(env);
    env.fill(0);
    let refused = env.area.create_key(&common::fresh_alias(&mut env.rng));
    env.note("batch: device key", 0, &refused);
    assert_key_full(refused, "batch key");
    assert_nothing_lost(env, &before, "batch key");
    env.free();
    let mut store = env.store();
    env.fill(10 * PAGE + 8 * 1024);
    let aliases = common::create_keys(env.area.as_ref(), &mut env.rng, 10);
    let record = common::filler(
        &mut env.rng,
        &aliases,
        8 * 1024,
        PresentationPolicy::OneTimeUse,
    );
    let refused = store.put(record.clone());
    env.note("batch: record", 10 * PAGE + 8 * 1024, &refused);
    assert_store_full(refused, "batch record");
    drop(store);
    assert_nothing_lost(env, &before, "batch record");
    env.free();
    let id = env.store().put(record.clone()).unwrap();
    assert_eq!(snapshot(env).records[&id], fingerprint(&record));
}

fn one_time_batch(env: &Env) -> String {
    env.store()
        .list()
        .into_iter()
        .find(|s| s.policy == PresentationPolicy::OneTimeUse && s.copies_left > 1)
        .unwrap()
        .id
}

/// Burning a reserved copy (the record rewritten without it) fails part way: the copy stays,
/// available again.
fn consume(env: &mut Env) {
    let id = one_time_batch(env);
    let before = snapshot(env);
    let mut store = env.store();
    let copies = store.get(&id).unwrap().record.copies.len();
    env.fill(8 * 1024);
    let (_, copy) = store.reserve_copy(&id).unwrap().unwrap();
    let area = env.area.clone();
    let refused = store.consume_copy(&id, &copy.device_key_alias, Some(area.as_ref()));
    env.note("consume copy", 8 * 1024, &refused);
    assert_store_full(refused, "consume");
    // Not burned: the copy is still there and can be reserved again.
    let mut reservable = BTreeSet::new();
    while let Some((_, c)) = store.reserve_copy(&id).unwrap() {
        reservable.insert(c.device_key_alias);
    }
    assert_eq!(reservable.len(), copies);
    assert!(reservable.contains(&copy.device_key_alias));
    drop(store);
    assert_nothing_lost(env, &before, "consume");
    env.free();
    let mut store = env.store();
    let (_, copy) = store.reserve_copy(&id).unwrap().unwrap();
    store
        .consume_copy(&id, &copy.device_key_alias, Some(area.as_ref()))
        .unwrap();
    assert_eq!(store.get(&id).unwrap().record.copies.len(), copies - 1);
    drop(store);
    snapshot(env);
}

/// A status update rewriting a 64 KiB record fails part way.
fn status(env: &mut Env) {
    let before = snapshot(env);
    let mut store = env.store();
    let id = store
        .list()
        .into_iter()
        .find(|s| s.doc_type == common::FILLER && s.copies_left == 1)
        .unwrap()
        .id;
    let status = RecordedStatus {
        state: CredentialState::Suspended,
        checked_at: Timestamp::from_unix_seconds(1_795_000_000),
    };
    env.fill(8 * 1024);
    let refused = store.set_status(&id, status);
    env.note("status update", 8 * 1024, &refused);
    assert_store_full(refused, "status");
    drop(store);
    assert_nothing_lost(env, &before, "status");
    env.free();
    env.store().set_status(&id, status).unwrap();
    assert_eq!(env.store().get(&id).unwrap().record.status, Some(status));
}

/// A refresh replacing a ten-copy record fails part way; the old record stays whole.
fn refresh(env: &mut Env) {
    let id = one_time_batch(env);
    let before = snapshot(env);
    let aliases = common::create_keys(env.area.as_ref(), &mut env.rng, 10);
    let record = common::filler(
        &mut env.rng,
        &aliases,
        8 * 1024,
        PresentationPolicy::OneTimeUse,
    );
    let mut store = env.store();
    env.fill(16 * 1024);
    let refused = store.replace(&id, record.clone());
    env.note(
        "refresh (replace)",
        16 * 1024,
        &refused.as_ref().map(|_| ()),
    );
    assert_store_full(refused.map(|_| ()), "replace");
    drop(store);
    assert_nothing_lost(env, &before, "replace");
    env.free();
    env.store().replace(&id, record.clone()).unwrap();
    assert_eq!(snapshot(env).records[&id], fingerprint(&record));
}

/// A presentation of the singly provisioned credential (a lone rotated copy: the history entry
/// is its only write) on a full disk: no response, no entry; once space is freed, both.
fn history(env: &mut Env) {
    let before = snapshot(env);
    let wallet = env.wallet();
    env.fill(0);
    let refused = common::present(&wallet, 1);
    assert!(
        matches!(refused, Err(WalletError::Store(StoreError::StorageFull))),
        "{refused:?}"
    );
    env.note("history record (presentation)", 0, &refused.unwrap_err());
    assert_no_debris(&env.root.join("wallet"));
    assert_eq!(snapshot_of(&wallet, &env.area), before);
    env.free();
    let response = common::present(&wallet, 2).unwrap();
    assert!(!response.is_empty());
    let origins = common::history_origins(&wallet);
    assert!(origins.contains(&common::origin(2)));
    assert!(!origins.contains(&common::origin(1)));
}

#[test]
fn a_full_disk_fails_cleanly_and_loses_nothing() {
    let tmpfs = Tmpfs::mount(MOUNT_KIB);
    let root = tmpfs.path().to_path_buf();
    let area = Arc::new(
        SoftwareSecureArea::open(&root.join("wallet").join("keys"), &common::key()).unwrap(),
    );
    let mut env = Env {
        root,
        area,
        issuer: common::test_issuer(),
        rng: Rng::new(),
        table: Vec::new(),
    };
    // A wallet with something in it: a 64 KiB record, a ten-copy batch.
    {
        let mut store = env.store();
        let aliases = common::create_keys(env.area.as_ref(), &mut env.rng, 1);
        store
            .put(common::filler(
                &mut env.rng,
                &aliases,
                64 * 1024,
                PresentationPolicy::RotateUse,
            ))
            .unwrap();
        let aliases = common::create_keys(env.area.as_ref(), &mut env.rng, 10);
        store
            .put(common::filler(
                &mut env.rng,
                &aliases,
                8 * 1024,
                PresentationPolicy::OneTimeUse,
            ))
            .unwrap();
    }
    provisioning(&mut env);
    provisioning_large(&mut env);
    batch(&mut env);
    consume(&mut env);
    status(&mut env);
    refresh(&mut env);
    history(&mut env);
    assert_no_debris(&env.root.join("wallet"));
    println!(
        "disk full ({MOUNT_KIB} KiB tmpfs): each write refused, nothing lost, usable after freeing space"
    );
    println!("  {:<32} {:>10}  error", "write path", "space left");
    for (scenario, leave, error) in &env.table {
        println!("  {scenario:<32} {:>8} B  {error}", leave);
    }
    assert_eq!(env.table.len(), 9);
}
