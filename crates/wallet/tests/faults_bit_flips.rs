//! Bit flips: every single-bit flip of every kind of stored file is detected. Opening or
//! reading reports the damage (a quarantined record, `WrongKey`, `KeyMaterial`, `SaltDamaged`,
//! a history entry counted unreadable) and never returns altered data silently.
//!
//! A pristine set of small wallets is made once (one per file kind, so that each check opens
//! only what it needs): a small record, a 32 KiB record, the data key (`data.key`), the key
//! check value (`data.check`), a software secure area's device key file, a history entry of a
//! real presentation, the history retention setting and a passphrase salt. Each flip is made
//! in a copy of the pristine tree, checked, and the copy restored whole (files rewritten from
//! the pristine bytes, quarantined files removed), so a detection that quarantines a record
//! cannot cascade into the next flip; the unflipped copy is checked clean before and after
//! each file kind (a control: a check that cannot say "clean" would prove nothing).
//!
//! By default every bit of every file is flipped except in two places:
//! - the 32 KiB record: every bit of its header (magic and nonce) and of its 16-byte
//!   authentication tag, and a random sample of 2,000 bits of its ciphertext body (the seed is
//!   printed). AES-256-GCM authenticates every ciphertext bit through GHASH, so a flip anywhere
//!   in the body fails the tag the same way (the small record's body is flipped whole);
//! - the passphrase salt: every bit of its magic and 8 random bits of the 16 salt bytes. A
//!   changed salt changes the Argon2id input and so the wallet key, which then fails to unwrap
//!   the data key (each flip costs an Argon2id run of 19 MiB).
//!
//! `CITIZEN_WALLET_BITFLIPS=all` flips every bit of every file (a long manual run):
//! `CITIZEN_WALLET_BITFLIPS=all cargo test -p citizen-wallet-wallet --release --test faults_bit_flips -- --nocapture`.
//! The table of flips tested and detected per file kind is printed; the test asserts 100%.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{Rng, fingerprint};
use wallet::Wallet;
use wallet::history::{HistoryEntry, HistoryFilter};
use wallet::keys::WalletKey;
use wallet::secure_area::{SecureArea, SoftwareSecureArea};
use wallet::store::{CredentialStore, PresentationPolicy};

const PASSPHRASE: &[u8] = b"correct horse battery staple";
const LARGE: usize = 32 * 1024;
const BODY_SAMPLE: usize = 2_000;
const SALT_SAMPLE: usize = 8;
/// Record header: "CWR1" and the 12-byte nonce; the 16-byte GCM tag ends the file.
const RECORD_HEAD: usize = 4 + 12;
const TAG: usize = 16;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Everything read back as it was.
    Clean,
    /// The damage was reported (how).
    Detected(String),
    /// Data different from what was stored was returned without complaint.
    Altered,
}

/// Which check a file kind needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Open the store in `<sub>/store` and read its record.
    Store,
    /// As [`Check::Store`]; a check value rewritten after a record confirmed the key counts
    /// as detected (and repaired).
    KeyCheckValue,
    /// Load the device key from `<sub>/keys`.
    DeviceKey,
    /// Read the history of the wallet in `<sub>`.
    History,
    /// Read the retention setting of the wallet in `<sub>`.
    Retention,
    /// Derive the key from the passphrase and salt in `<sub>`, then open its store.
    Salt,
}

/// One kind of stored file in the pristine tree.
struct Kind {
    name: &'static str,
    /// The sub-wallet (a directory of the pristine tree).
    sub: &'static str,
    /// The file, relative to the sub-wallet.
    file: PathBuf,
    check: Check,
    /// The bits to flip.
    bits: Vec<usize>,
    /// How the bits were chosen, for the table.
    coverage: String,
}

/// What the pristine tree holds, to compare reads with.
struct Pristine {
    root: PathBuf,
    /// Record id → fingerprint, per sub-wallet.
    records: BTreeMap<&'static str, (String, String)>,
    device_alias: String,
    device_public: p256::PublicKey,
    history_entry: HistoryEntry,
    retention: Option<u32>,
}

fn store_dir(root: &Path, sub: &str) -> PathBuf {
    root.join(sub).join("store")
}

fn only_file(dir: &Path, suffix: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(found.len(), 1, "{dir:?}");
    found.pop().unwrap()
}

/// Builds the pristine tree.
fn pristine(root: &Path) -> Pristine {
    let mut rng = Rng::new();
    let mut records = BTreeMap::new();
    let mut device_alias = String::new();
    let mut device_public = None;
    for (sub, size) in [("small", 64), ("large", LARGE)] {
        let area = SoftwareSecureArea::open(&root.join(sub).join("keys"), &common::key()).unwrap();
        let mut store = CredentialStore::open(&store_dir(root, sub), &common::key()).unwrap();
        let aliases = common::create_keys(&area, &mut rng, 1);
        let record = common::filler(&mut rng, &aliases, size, PresentationPolicy::RotateUse);
        let id = store.put(record.clone()).unwrap();
        records.insert(sub, (id, fingerprint(&record)));
        if sub == "small" {
            device_public = Some(area.public_key(&aliases[0]).unwrap());
            device_alias = aliases[0].clone();
        }
    }
    // A wallet whose history holds one presentation, with a retention setting.
    let history = root.join("history");
    let area = Arc::new(SoftwareSecureArea::open(&history.join("keys"), &common::key()).unwrap());
    {
        let mut store = CredentialStore::open(&store_dir(root, "history"), &common::key()).unwrap();
        let aliases = common::create_keys(area.as_ref(), &mut rng, 1);
        let issuer = common::test_issuer();
        store
            .put(common::presentable_batch(&issuer, area.as_ref(), &aliases))
            .unwrap();
    }
    let wallet = common::open_wallet(&history, area).unwrap();
    common::present(&wallet, 1).unwrap();
    wallet.set_history_retention(Some(30)).unwrap();
    let page = wallet.history(&HistoryFilter::default(), 0, 10).unwrap();
    assert_eq!(page.entries.len(), 1);
    let history_entry = page.entries[0].clone();
    let retention = wallet.history_retention().unwrap();
    drop(wallet);
    // A passphrase wallet: the salt beside an (empty) store whose data key it wraps.
    let passphrase = root.join("passphrase");
    let key = WalletKey::from_passphrase_in(&passphrase, PASSPHRASE).unwrap();
    drop(CredentialStore::open(&store_dir(root, "passphrase"), &key).unwrap());
    Pristine {
        root: root.to_path_buf(),
        records,
        device_alias,
        device_public: device_public.unwrap(),
        history_entry,
        retention,
    }
}

fn bits_of(len: usize) -> Vec<usize> {
    (0..len * 8).collect()
}

fn kinds(p: &Pristine, all: bool, rng: &mut Rng) -> Vec<Kind> {
    let len = |sub: &str, file: &Path| {
        std::fs::metadata(p.root.join(sub).join(file))
            .unwrap()
            .len() as usize
    };
    let record =
        |sub: &str| PathBuf::from("store/records").join(format!("{}.rec", p.records[sub].0));
    let every = |sub: &str, file: &Path| (bits_of(len(sub, file)), "every bit".to_owned());
    let small_record = record("small");
    let large_record = record("large");
    let large_len = len("large", &large_record);
    let (large_bits, large_coverage) = if all {
        every("large", &large_record)
    } else {
        let mut bits: Vec<usize> = (0..RECORD_HEAD * 8)
            .chain((large_len - TAG) * 8..large_len * 8)
            .collect();
        let body = RECORD_HEAD * 8..(large_len - TAG) * 8;
        for _ in 0..BODY_SAMPLE {
            bits.push(body.start + rng.below((body.end - body.start) as u64) as usize);
        }
        (bits, format!("header, tag, {BODY_SAMPLE} random body bits"))
    };
    let salt = PathBuf::from(wallet::keys::SALT_FILE);
    let salt_len = len("passphrase", &salt);
    let magic = salt_len - wallet::keys::SALT_LEN;
    let (salt_bits, salt_coverage) = if all {
        every("passphrase", &salt)
    } else {
        let mut bits: Vec<usize> = (0..magic * 8).collect();
        for _ in 0..SALT_SAMPLE {
            bits.push(magic * 8 + rng.below(wallet::keys::SALT_LEN as u64 * 8) as usize);
        }
        (bits, format!("magic, {SALT_SAMPLE} random salt bits"))
    };
    let history_entry = only_file(&p.root.join("history/store/history"), ".hist");
    let history_entry = history_entry
        .strip_prefix(p.root.join("history"))
        .unwrap()
        .to_path_buf();
    let device_key = PathBuf::from("keys").join(format!("{}.key", p.device_alias));
    let retention = PathBuf::from("store/history/retention");
    let simple = |name, sub: &'static str, file: PathBuf, check| {
        let (bits, coverage) = every(sub, &file);
        Kind {
            name,
            sub,
            file,
            check,
            bits,
            coverage,
        }
    };
    vec![
        simple("record (small)", "small", small_record, Check::Store),
        Kind {
            name: "record (32 KiB)",
            sub: "large",
            file: large_record,
            check: Check::Store,
            bits: large_bits,
            coverage: large_coverage,
        },
        simple(
            "data.key",
            "small",
            PathBuf::from("store/data.key"),
            Check::Store,
        ),
        simple(
            "data.check",
            "small",
            PathBuf::from("store/data.check"),
            Check::KeyCheckValue,
        ),
        simple("device key file", "small", device_key, Check::DeviceKey),
        simple("history entry", "history", history_entry, Check::History),
        simple("history retention", "history", retention, Check::Retention),
        Kind {
            name: "passphrase salt",
            sub: "passphrase",
            file: salt,
            check: Check::Salt,
            bits: salt_bits,
            coverage: salt_coverage,
        },
    ]
}

/// A worker's copy of the pristine tree, with the wallet it keeps open for history reads.
struct Worker<'p> {
    pristine: &'p Pristine,
    root: PathBuf,
    history: Option<Wallet>,
}

impl Worker<'_> {
    fn history_wallet(&mut self) -> &Wallet {
        if self.history.is_none() {
            let area = Arc::new(
                SoftwareSecureArea::open(&self.root.join("history/keys"), &common::key()).unwrap(),
            );
            self.history = Some(common::open_wallet(&self.root.join("history"), area).unwrap());
        }
        self.history.as_ref().unwrap()
    }

    fn check_store(&self, sub: &'static str) -> Verdict {
        let (id, fp) = &self.pristine.records[sub];
        let mut store = match CredentialStore::open(&store_dir(&self.root, sub), &common::key()) {
            Ok(store) => store,
            Err(e) => return Verdict::Detected(format!("open: {e:?}")),
        };
        if let Some(q) = store.quarantined().first() {
            return Verdict::Detected(format!("quarantined: {:?}", q.reason));
        }
        match store.get(id) {
            Ok(stored) if fingerprint(&stored.record) == *fp => Verdict::Clean,
            Ok(_) => Verdict::Altered,
            Err(e) => Verdict::Detected(format!("read: {e:?}")),
        }
    }

    fn check(&mut self, kind: &Kind, flipped: Option<&[u8]>) -> Verdict {
        let sub = kind.sub;
        match kind.check {
            Check::Store => self.check_store(sub),
            Check::KeyCheckValue => {
                let verdict = self.check_store(sub);
                let now = std::fs::read(self.root.join(sub).join(&kind.file)).unwrap();
                match (verdict, flipped) {
                    (Verdict::Clean, Some(flipped)) if now != flipped => {
                        Verdict::Detected("check value failed, rewritten".to_owned())
                    }
                    (verdict, _) => verdict,
                }
            }
            Check::DeviceKey => {
                let area =
                    SoftwareSecureArea::open(&self.root.join(sub).join("keys"), &common::key())
                        .unwrap();
                match area.public_key(&self.pristine.device_alias) {
                    Ok(key) if key == self.pristine.device_public => Verdict::Clean,
                    Ok(_) => Verdict::Altered,
                    Err(e) => Verdict::Detected(format!("{e:?}")),
                }
            }
            Check::History => {
                let expected = self.pristine.history_entry.clone();
                let page = match self
                    .history_wallet()
                    .history(&HistoryFilter::default(), 0, 10)
                {
                    Ok(page) => page,
                    Err(e) => return Verdict::Detected(format!("{e:?}")),
                };
                match page.entries.as_slice() {
                    [entry] if *entry == expected && page.unreadable == 0 => Verdict::Clean,
                    [] if page.unreadable == 1 => Verdict::Detected("entry unreadable".to_owned()),
                    _ => Verdict::Altered,
                }
            }
            Check::Retention => match self.history_wallet().history_retention() {
                Ok(days) if days == self.pristine.retention => Verdict::Clean,
                Ok(_) => Verdict::Altered,
                Err(e) => Verdict::Detected(format!("{e:?}")),
            },
            Check::Salt => {
                let dir = self.root.join(sub);
                match WalletKey::from_passphrase_in(&dir, PASSPHRASE) {
                    Err(e) => Verdict::Detected(format!("{e:?}")),
                    Ok(key) => match CredentialStore::open(&dir.join("store"), &key) {
                        Ok(_) => Verdict::Clean,
                        Err(e) => Verdict::Detected(format!("open: {e:?}")),
                    },
                }
            }
        }
    }

    /// Makes the sub-wallet `sub` equal to the pristine one again (the lock file aside).
    fn restore(&self, sub: &str) {
        restore_tree(&self.pristine.root.join(sub), &self.root.join(sub));
    }
}

fn restore_tree(from: &Path, to: &Path) {
    let mut wanted = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let target = to.join(&name);
        wanted.insert(name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            restore_tree(&entry.path(), &target);
        } else {
            let bytes = std::fs::read(entry.path()).unwrap();
            if std::fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
                std::fs::write(&target, &bytes).unwrap();
            }
        }
    }
    for entry in std::fs::read_dir(to).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !wanted.contains(&name) && name != "store.lock" {
            if entry.file_type().unwrap().is_dir() {
                std::fs::remove_dir_all(entry.path()).unwrap();
            } else {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
    }
}

#[derive(Default)]
struct Counts {
    tested: usize,
    detected: usize,
    how: BTreeMap<String, usize>,
    undetected: Vec<(usize, Verdict)>,
}

#[test]
fn every_bit_flip_is_detected() {
    let all = std::env::var("CITIZEN_WALLET_BITFLIPS").is_ok_and(|v| v == "all");
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let p = pristine(&dir.path().join("pristine"));
    let seed = Rng::new();
    let seed_value = seed.peek();
    let mut rng = seed;
    let kinds = kinds(&p, all, &mut rng);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let results: Mutex<BTreeMap<&'static str, Counts>> = Mutex::new(BTreeMap::new());
    for kind in &kinds {
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for w in 0..workers {
                let (p, kind, next, results) = (&p, kind, &next, &results);
                let root = dir.path().join(format!("worker-{w}"));
                scope.spawn(move || {
                    common::copy_tree(&p.root, &root);
                    let mut worker = Worker {
                        pristine: p,
                        root,
                        history: None,
                    };
                    // Control: the unflipped copy reads clean.
                    assert_eq!(
                        worker.check(kind, None),
                        Verdict::Clean,
                        "{}: control",
                        kind.name
                    );
                    let path = worker.root.join(kind.sub).join(&kind.file);
                    let original = std::fs::read(&path).unwrap();
                    let mut counts = Counts::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&bit) = kind.bits.get(i) else {
                            break;
                        };
                        let mut flipped = original.clone();
                        flipped[bit / 8] ^= 1 << (bit % 8);
                        std::fs::write(&path, &flipped).unwrap();
                        let verdict = worker.check(kind, Some(&flipped));
                        worker.restore(kind.sub);
                        counts.tested += 1;
                        match verdict {
                            Verdict::Detected(how) => {
                                counts.detected += 1;
                                *counts.how.entry(how).or_default() += 1;
                            }
                            other => counts.undetected.push((bit, other)),
                        }
                    }
                    // No cascade: after the restores the copy reads clean again.
                    assert_eq!(
                        worker.check(kind, None),
                        Verdict::Clean,
                        "{}: after",
                        kind.name
                    );
                    let mut results = results.lock().unwrap();
                    let total = results.entry(kind.name).or_default();
                    total.tested += counts.tested;
                    total.detected += counts.detected;
                    for (how, n) in counts.how {
                        *total.how.entry(how).or_default() += n;
                    }
                    total.undetected.extend(counts.undetected);
                });
            }
        });
        // Each kind starts from a fresh copy.
        for w in 0..workers {
            std::fs::remove_dir_all(dir.path().join(format!("worker-{w}"))).unwrap();
        }
    }
    let results = results.into_inner().unwrap();
    println!(
        "bit flips ({} mode, seed {seed_value:#018x}, {workers} workers, {:.1} s)",
        if all { "all" } else { "default" },
        started.elapsed().as_secs_f64()
    );
    println!(
        "  {:<20} {:>8} {:>8} {:>7}  {:<40} how",
        "file kind", "tested", "detected", "rate", "bits flipped"
    );
    let mut failures = Vec::new();
    for kind in &kinds {
        let c = &results[kind.name];
        let how: Vec<String> = c.how.iter().map(|(h, n)| format!("{h} x{n}")).collect();
        println!(
            "  {:<20} {:>8} {:>8} {:>6.1}%  {:<40} {}",
            kind.name,
            c.tested,
            c.detected,
            100.0 * c.detected as f64 / c.tested.max(1) as f64,
            kind.coverage,
            how.join(", ")
        );
        assert_eq!(c.tested, kind.bits.len());
        if !c.undetected.is_empty() {
            failures.push(format!(
                "{}: {} undetected, e.g. bit {} -> {:?}",
                kind.name,
                c.undetected.len(),
                c.undetected[0].0,
                c.undetected[0].1
            ));
        }
    }
    assert!(failures.is_empty(), "undetected flips: {failures:#?}");
}
