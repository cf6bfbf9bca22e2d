//! SIGKILL campaign over every write path of the wallet: nothing committed is lost, nothing is
//! torn, no copy is both burned and available, no disclosure released to the transport is
//! missing from the history.
//!
//! A child process (this test binary, run on its ignored child test) works on one wallet
//! directory in a loop of random operations, announcing on stdout `begin OP` / `end OP` and,
//! for every write, the states the record may now have on disk (`write`) and the state it has
//! once the write returned (`commit`), as SHA-256 fingerprints of the whole record:
//!
//! - provisioning: a device key, then a 64 KiB+ record (`CredentialStore::put`);
//! - batch storage: ten device keys, then one record of ten copies (filler batches of 8 KiB a
//!   copy, and the presented UK digital ID, issued for real by a test issuer);
//! - burn: `reserve_copy`, a pause (the signing a presentation does), `consume_copy` with the
//!   secure area (record rewritten without the copy, then its device key deleted);
//! - deletion (`delete` with the secure area), status update (`set_status`), refresh (new
//!   device keys, `replace`, the old keys deleted, as an issuance refresh does);
//! - presentation: a Digital Credentials API request approved through the public `Wallet` API,
//!   which burns a one-time copy and commits the history entry (`Wallet::commit_history`)
//!   before it returns the response; the child says `sent` once it holds the response bytes.
//!
//! The parent kills the child with SIGKILL after a random number of finished operations plus a
//! random delay of 0 to 15 ms, so kills land inside writes, and then checks, with the store
//! reopened: it opens; nothing is quarantined and only record files are in `records/`; every
//! record is in a state the child announced for it (the committed one, or one in flight);
//! no record holds a copy reported burned; every copy's device key exists; every disclosure
//! reported sent has its history entry; a recorded disclosure always has its copy burned (the
//! burn is durable before the history entry, the entry before the response bytes); a copy
//! reserved but not burned when the child died is available again (reservations live in memory
//! only: the response was never released, so the copy was never disclosed; documented on
//! `CredentialStore::reserve_copy` and the presentation's `Reservation`).
//!
//! The number of kills is `CITIZEN_WALLET_KILLS` (default 50, what `cargo xtask test` runs).
//! Full count: `CITIZEN_WALLET_KILLS=500 cargo test -p citizen-wallet-wallet --test faults_kill -- --nocapture`.
//! The tally of where the kills landed is printed (`--nocapture` shows it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{FILLER, Rng, fingerprint};
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use wallet::Wallet;
use wallet::secure_area::{SecureArea, SoftwareSecureArea};
use wallet::status::{CredentialState, RecordedStatus};
use wallet::store::{CredentialRecord, CredentialStore, CredentialSummary, PresentationPolicy};

const CHILD_DIR: &str = "CITIZEN_WALLET_FAULTS_KILL_DIR";
/// The operation the child does more often (the one the parent aims at), if any.
const PREFER: &str = "CITIZEN_WALLET_FAULTS_KILL_PREFER";
const ABSENT: &str = "absent";
const BATCH: usize = 10;
/// The operations the child announces. Even rounds aim at each in turn: at the announcement of
/// a write by that operation, the kill coming a random part of its write time later.
const OPS: [&str; 7] = [
    "provision",
    "batch",
    "burn",
    "delete",
    "status",
    "replace",
    "present",
];

// ---------------------------------------------------------------------------------------------
// The child.

enum Mode {
    Store(CredentialStore),
    Wallet(Wallet),
}

struct Child {
    dir: PathBuf,
    area: Arc<SoftwareSecureArea>,
    rng: Rng,
    prefer: String,
    since: Instant,
    issuer: Option<issuer::TestIssuer>,
    mode: Option<Mode>,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "@@ {line}").unwrap();
    out.flush().unwrap();
}

fn without(record: &CredentialRecord, alias: &str) -> CredentialRecord {
    let mut after = record.clone();
    after.copies.retain(|c| c.device_key_alias != alias);
    after
}

impl Child {
    /// Announces a write about to start.
    fn mark_write(&mut self, line: &str) {
        say(line);
        self.since = Instant::now();
    }

    /// Announces a write done, with the microseconds since its announcement.
    fn mark_commit(&self, line: &str) {
        say(&format!("{line} {}", self.since.elapsed().as_micros()));
    }

    fn store(&mut self) -> &mut CredentialStore {
        if !matches!(self.mode, Some(Mode::Store(_))) {
            self.mode = None;
            let store = CredentialStore::open(&self.dir.join("store"), &common::key()).unwrap();
            self.mode = Some(Mode::Store(store));
        }
        match &mut self.mode {
            Some(Mode::Store(store)) => store,
            _ => unreachable!(),
        }
    }

    fn wallet(&mut self) -> Wallet {
        if !matches!(self.mode, Some(Mode::Wallet(_))) {
            self.mode = None;
            let wallet = common::open_wallet(&self.dir, self.area.clone()).unwrap();
            self.mode = Some(Mode::Wallet(wallet));
        }
        match &self.mode {
            Some(Mode::Wallet(wallet)) => wallet.clone(),
            _ => unreachable!(),
        }
    }

    fn list(&mut self) -> Vec<CredentialSummary> {
        match &self.mode {
            Some(Mode::Wallet(wallet)) => wallet.credentials(),
            _ => self.store().list(),
        }
    }

    fn issuer(&mut self) -> &issuer::TestIssuer {
        self.issuer.get_or_insert_with(common::test_issuer)
    }

    fn provision(&mut self) {
        say("begin provision");
        let alias = common::fresh_alias(&mut self.rng);
        let size = 64 * 1024 + self.rng.below(1024) as usize;
        let record = common::filler(
            &mut self.rng,
            std::slice::from_ref(&alias),
            size,
            PresentationPolicy::RotateUse,
        );
        let fp = fingerprint(&record);
        self.mark_write(&format!("write - {fp}"));
        self.area.create_key(&alias).unwrap();
        let id = self.store().put(record).unwrap();
        self.mark_commit(&format!("commit {id} {fp}"));
        say("end provision");
    }

    fn batch(&mut self, presentable: bool) {
        say("begin batch");
        let aliases = common::create_keys(self.area.as_ref(), &mut self.rng, BATCH);
        let record = if presentable {
            let area = self.area.clone();
            common::presentable_batch(self.issuer(), area.as_ref(), &aliases)
        } else {
            common::filler(
                &mut self.rng,
                &aliases,
                8 * 1024,
                PresentationPolicy::OneTimeUse,
            )
        };
        let fp = fingerprint(&record);
        self.mark_write(&format!("write - {fp}"));
        let id = self.store().put(record).unwrap();
        self.mark_commit(&format!("commit {id} {fp}"));
        say("end batch");
    }

    fn burn(&mut self, id: &str) {
        say("begin burn");
        let (stored, copy) = self.store().reserve_copy(id).unwrap().unwrap();
        let alias = copy.device_key_alias;
        let after = fingerprint(&without(&stored.record, &alias));
        say(&format!(
            "reserved {id} {alias} {}",
            fingerprint(&stored.record)
        ));
        self.mark_write(&format!("write {id} {after}"));
        // The device signs between reserving and burning.
        std::thread::sleep(Duration::from_micros(self.rng.below(1500)));
        let area = self.area.clone();
        self.store()
            .consume_copy(id, &alias, Some(area.as_ref()))
            .unwrap();
        self.mark_commit(&format!("commit {id} {after}"));
        say(&format!("burned {id} {alias}"));
        say("end burn");
    }

    fn delete(&mut self, id: &str) {
        say("begin delete");
        self.mark_write(&format!("write {id} {ABSENT}"));
        let area = self.area.clone();
        self.store().delete(id, Some(area.as_ref())).unwrap();
        self.mark_commit(&format!("commit {id} {ABSENT}"));
        say("end delete");
    }

    fn status(&mut self, id: &str) {
        say("begin status");
        let mut record = self.store().get(id).unwrap().record;
        let state = [
            CredentialState::Valid,
            CredentialState::Suspended,
            CredentialState::Unknown,
        ][self.rng.below(3) as usize];
        let status = RecordedStatus {
            state,
            checked_at: Timestamp::from_unix_seconds(
                1_795_000_000 + self.rng.below(1_000_000) as i64,
            ),
        };
        record.status = Some(status);
        let fp = fingerprint(&record);
        self.mark_write(&format!("write {id} {fp}"));
        self.store().set_status(id, status).unwrap();
        self.mark_commit(&format!("commit {id} {fp}"));
        say("end status");
    }

    /// A refresh: new device keys, the record replaced whole, the old keys deleted.
    fn replace(&mut self, id: &str, presentable: bool) {
        say("begin replace");
        let aliases = common::create_keys(self.area.as_ref(), &mut self.rng, BATCH);
        let record = if presentable {
            let area = self.area.clone();
            common::presentable_batch(self.issuer(), area.as_ref(), &aliases)
        } else {
            common::filler(
                &mut self.rng,
                &aliases,
                8 * 1024,
                PresentationPolicy::OneTimeUse,
            )
        };
        let fp = fingerprint(&record);
        self.mark_write(&format!("write {id} {fp}"));
        let old = self.store().replace(id, record).unwrap();
        for copy in old.copies {
            self.area.delete_key(&copy.device_key_alias).unwrap();
        }
        self.mark_commit(&format!("commit {id} {fp}"));
        say("end replace");
    }

    fn present(&mut self, pid: &str) {
        let wallet = self.wallet();
        let before = wallet.credential(pid).unwrap().record;
        let n = self.rng.next();
        say("begin present");
        say(&format!("presenting {n} {pid} {}", fingerprint(&before)));
        for copy in &before.copies {
            self.mark_write(&format!(
                "write {pid} {}",
                fingerprint(&without(&before, &copy.device_key_alias))
            ));
        }
        let response = common::present(&wallet, n).unwrap();
        // The response bytes are in the app's hands: from here they may have reached the reader.
        assert!(!response.is_empty());
        say(&format!("sent {n}"));
        let after = wallet.credential(pid).unwrap().record;
        self.mark_commit(&format!("commit {pid} {}", fingerprint(&after)));
        for copy in &before.copies {
            if !after
                .copies
                .iter()
                .any(|c| c.device_key_alias == copy.device_key_alias)
            {
                say(&format!("burned {pid} {}", copy.device_key_alias));
            }
        }
        say("end present");
    }

    fn step(&mut self) {
        let list = self.list();
        let presentable = list.iter().find(|s| s.doc_type == UK_DIGITAL_ID).cloned();
        let fillers: Vec<&CredentialSummary> =
            list.iter().filter(|s| s.doc_type == FILLER).collect();
        let pick = |rng: &mut Rng, of: &[&CredentialSummary]| -> Option<String> {
            (!of.is_empty()).then(|| of[rng.below(of.len() as u64) as usize].id.clone())
        };
        let batches: Vec<&CredentialSummary> = fillers
            .iter()
            .copied()
            .filter(|s| s.policy == PresentationPolicy::OneTimeUse)
            .collect();
        let burnable: Vec<&CredentialSummary> = list
            .iter()
            .filter(|s| s.policy == PresentationPolicy::OneTimeUse && s.copies_left > 0)
            .collect();
        let mut roll = self.rng.below(16);
        if self.rng.below(2) == 0 {
            roll = match self.prefer.as_str() {
                "provision" => 0,
                "batch" => 3,
                "burn" => 5,
                "delete" => 7,
                "status" => 9,
                "replace" => 11,
                "present" => 13,
                _ => roll,
            };
        }
        if fillers.len() > 4 {
            let id = pick(&mut self.rng, &fillers).unwrap();
            return self.delete(&id);
        }
        match roll {
            0..=2 => self.provision(),
            3..=4 => self.batch(false),
            5..=6 => match pick(&mut self.rng, &burnable) {
                Some(id) => self.burn(&id),
                None => self.batch(false),
            },
            7..=8 if fillers.len() >= 2 => {
                let id = pick(&mut self.rng, &fillers).unwrap();
                self.delete(&id)
            }
            9..=10 => match pick(&mut self.rng, &fillers) {
                Some(id) => self.status(&id),
                None => self.provision(),
            },
            11..=12 => match pick(&mut self.rng, &batches) {
                Some(id) => self.replace(&id, false),
                None => self.batch(false),
            },
            _ => match presentable {
                None => self.batch(true),
                Some(p) if p.copies_left == 0 => self.replace(&p.id, true),
                Some(p) => self.present(&p.id),
            },
        }
    }
}

/// The child: random operations until killed.
#[test]
#[ignore = "run by sigkill_campaign_loses_nothing as a child process"]
fn child_works_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let area = Arc::new(SoftwareSecureArea::open(&dir.join("keys"), &common::key()).unwrap());
    let mut child = Child {
        dir,
        area,
        rng: Rng::new(),
        prefer: std::env::var(PREFER).unwrap_or_default(),
        since: Instant::now(),
        issuer: None,
        mode: None,
    };
    child.store();
    say("ready");
    loop {
        child.step();
    }
}

// ---------------------------------------------------------------------------------------------
// The parent.

/// What the parent knows of the wallet on disk.
#[derive(Default)]
struct Model {
    /// Per record, the states (fingerprint, or [`ABSENT`]) it may have on disk.
    allowed: BTreeMap<String, BTreeSet<String>>,
    /// Fingerprints of new records whose write began.
    new: BTreeSet<String>,
    /// Device-key aliases of copies reported burned.
    burned: BTreeSet<String>,
    /// Origins of disclosures reported sent.
    sent: BTreeSet<String>,
}

/// What was in flight when the child died.
#[derive(Default)]
struct InFlight {
    op: Option<String>,
    /// A presentation begun and not ended: (origin, record id, fingerprint before).
    present: Option<(String, String, String)>,
    /// A reserved copy not yet reported burned: (record id, alias, fingerprint before).
    reserved: Option<(String, String, String)>,
}

#[derive(Default)]
struct Tally {
    landed: BTreeMap<String, usize>,
    ops_finished: usize,
    burned_unrecorded: usize,
    reservations_released: usize,
    recorded_then_killed: usize,
    orphan_keys: usize,
    /// Time from spawning a child to its "ready", in all.
    startup: Duration,
    /// Kills by the file system call the child was seen in just before.
    syscalls: BTreeMap<&'static str, usize>,
    /// Per operation, a running estimate of how long its writes take (announcement to commit).
    write_micros: BTreeMap<String, u64>,
    /// Time checking the store after kills, in all.
    checking: Duration,
}

fn apply(model: &mut Model, flight: &mut InFlight, tally: &mut Tally, line: &str) {
    let Some(at) = line.find("@@ ") else {
        return;
    };
    let words: Vec<&str> = line[at + 3..].split_whitespace().collect();
    match words.as_slice() {
        ["begin", op] => flight.op = Some((*op).to_owned()),
        ["end", op] => {
            assert_eq!(flight.op.as_deref(), Some(*op));
            flight.op = None;
            flight.present = None;
            flight.reserved = None;
            tally.ops_finished += 1;
        }
        ["write", "-", fp] => {
            model.new.insert((*fp).to_owned());
        }
        ["write", id, state] => {
            model
                .allowed
                .get_mut(*id)
                .unwrap_or_else(|| panic!("write to unknown record {id}"))
                .insert((*state).to_owned());
        }
        ["commit", id, state, micros] => {
            let op = flight.op.clone().unwrap_or_default();
            let micros: u64 = micros.parse().unwrap();
            let estimate = tally.write_micros.entry(op).or_insert(micros);
            *estimate = (*estimate * 3 + micros) / 4;
            if !model.allowed.contains_key(*id) {
                assert!(model.new.remove(*state), "commit of an unannounced record");
            }
            model
                .allowed
                .insert((*id).to_owned(), BTreeSet::from([(*state).to_owned()]));
        }
        ["reserved", id, alias, before] => {
            assert!(model.allowed[*id].contains(*before));
            flight.reserved = Some(((*id).to_owned(), (*alias).to_owned(), (*before).to_owned()));
        }
        ["burned", _, alias] => {
            model.burned.insert((*alias).to_owned());
        }
        ["presenting", n, id, before] => {
            assert!(model.allowed[*id].contains(*before));
            let origin = common::origin(n.parse().unwrap());
            flight.present = Some((origin, (*id).to_owned(), (*before).to_owned()));
        }
        ["sent", n] => {
            let origin = common::origin(n.parse().unwrap());
            let (expected, id, before) = flight.present.as_ref().unwrap();
            assert_eq!(expected, &origin);
            // Sent: the burn must be on disk.
            model.allowed.get_mut(id).unwrap().remove(before);
            model.sent.insert(origin);
        }
        ["ready"] => {}
        other => panic!("unexpected child line {other:?}"),
    }
}

/// Every referenced device key exists; returns how many key files no record references.
fn check_keys(area: &SoftwareSecureArea, records: &BTreeMap<String, CredentialRecord>) -> usize {
    let keys: BTreeSet<String> = area.list_keys().unwrap().into_iter().collect();
    let mut referenced = BTreeSet::new();
    for record in records.values() {
        for copy in &record.copies {
            assert!(
                keys.contains(&copy.device_key_alias),
                "a copy's device key is missing"
            );
            referenced.insert(copy.device_key_alias.clone());
        }
    }
    keys.difference(&referenced).count()
}

fn verify(dir: &Path, model: &mut Model, flight: &InFlight, tally: &mut Tally, round: usize) {
    let area = Arc::new(SoftwareSecureArea::open(&dir.join("keys"), &common::key()).unwrap());
    let wallet = common::open_wallet(dir, area.clone())
        .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
    assert!(
        wallet.quarantined().is_empty(),
        "round {round}: quarantined {:?} (kill in {:?})",
        wallet.quarantined(),
        flight.op
    );
    for entry in std::fs::read_dir(dir.join("store").join("records")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name.len() == 36 && name.ends_with(".rec"),
            "round {round}: debris {name}"
        );
    }
    let mut records = BTreeMap::new();
    for summary in wallet.credentials() {
        let record = wallet.credential(&summary.id).unwrap().record;
        records.insert(summary.id, record);
    }
    let fps: BTreeMap<&String, String> =
        records.iter().map(|(id, r)| (id, fingerprint(r))).collect();
    for (id, allowed) in &model.allowed {
        let actual = fps.get(id).cloned().unwrap_or_else(|| ABSENT.to_owned());
        assert!(
            allowed.contains(&actual),
            "round {round}: record in a state never announced (kill in {:?}; {} allowed; \
             present: {})",
            flight.op,
            allowed.len(),
            actual != ABSENT
        );
    }
    for (id, fp) in &fps {
        if !model.allowed.contains_key(*id) {
            assert!(
                model.new.contains(fp),
                "round {round}: a record appeared that was never written (kill in {:?})",
                flight.op
            );
        }
    }
    for record in records.values() {
        for copy in &record.copies {
            assert!(
                !model.burned.contains(&copy.device_key_alias),
                "round {round}: a burned copy is available again"
            );
        }
    }
    tally.orphan_keys = check_keys(&area, &records);
    let origins: BTreeSet<String> = common::history_origins(&wallet).into_iter().collect();
    for origin in &model.sent {
        assert!(
            origins.contains(origin),
            "round {round}: a disclosure sent is missing from the history"
        );
    }
    if let Some((origin, id, before)) = &flight.present {
        let burned = fps.get(id) != Some(before);
        if origins.contains(origin) {
            assert!(
                burned,
                "round {round}: a disclosure recorded without its copy burned"
            );
            if !model.sent.contains(origin) {
                tally.recorded_then_killed += 1;
            }
        } else if burned {
            tally.burned_unrecorded += 1;
        }
    }
    drop(wallet);
    if let Some((id, alias, before)) = &flight.reserved
        && fps.get(id) == Some(before)
    {
        // The reservation died with the process: the copy is available again.
        let mut store = CredentialStore::open(&dir.join("store"), &common::key()).unwrap();
        let copies = records[id].copies.len();
        let mut reservable = BTreeSet::new();
        while let Some((_, copy)) = store.reserve_copy(id).unwrap() {
            reservable.insert(copy.device_key_alias);
        }
        assert!(
            reservable.contains(alias) && reservable.len() == copies,
            "round {round}: a copy reserved before the crash is not available"
        );
        tally.reservations_released += 1;
    }
    model.allowed = fps
        .into_iter()
        .map(|(id, fp)| (id.clone(), BTreeSet::from([fp])))
        .collect();
    model.new.clear();
}

/// The file system call (x86_64 Linux numbers) a thread of `pid` is in, from
/// `/proc/<pid>/task/*/syscall` (writes to stdout and stderr excluded).
fn file_syscall(pid: u32) -> Option<&'static str> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    for task in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("syscall")) else {
            continue;
        };
        let mut words = text.split_whitespace();
        let Some(Ok(number)) = words.next().map(str::parse::<u64>) else {
            continue;
        };
        let first_arg = words
            .next()
            .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok());
        let name = match number {
            1 | 18 if first_arg.is_some_and(|fd| fd > 2) => "write",
            74 | 75 => "fsync",
            82 | 264 | 316 => "rename",
            86 | 265 => "link",
            87 | 263 => "unlink",
            257 => "open",
            _ => continue,
        };
        return Some(name);
    }
    None
}

/// Polls the child until `deadline`, returning (so that the caller kills it) while it is in a
/// file system call, at a random one of the calls seen; `None` when the deadline passed first.
fn kill_in_syscall(pid: u32, deadline: Instant, rng: &mut Rng) -> Option<&'static str> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        return None;
    }
    let mut last = None;
    while Instant::now() < deadline {
        let now = file_syscall(pid);
        if now.is_some() && now != last && rng.below(2) == 0 {
            return now;
        }
        last = now;
    }
    None
}

#[test]
fn sigkill_campaign_loses_nothing() {
    let kills: usize = std::env::var("CITIZEN_WALLET_KILLS")
        .ok()
        .map_or(50, |v| v.parse().expect("CITIZEN_WALLET_KILLS is a number"));
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("child.stderr");
    let work = dir.path().join("wallet");
    std::fs::create_dir_all(&work).unwrap();
    let mut rng = Rng::new();
    let mut model = Model::default();
    let mut tally = Tally::default();
    for round in 0..kills {
        // Even rounds aim at one operation in turn, which the child then does more often (so
        // each is covered); odd rounds at whatever runs after 0-3 finished operations.
        let target = (round % 2 == 0).then(|| OPS[(round / 2) % OPS.len()]);
        let spawned = Instant::now();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_works_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, &work)
            .env(PREFER, target.unwrap_or(""))
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut flight = InFlight::default();
        // Time starts once the child is ready (start-up varies with load), after 0-3 finished
        // operations, then 0-15 ms more so that kills land inside operations and writes.
        let ends_wanted = rng.below(4);
        let mut ready = false;
        let mut ends = 0;
        loop {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap() == 0 {
                break;
            }
            apply(&mut model, &mut flight, &mut tally, &line);
            if !ready && line.contains("@@ ready") {
                ready = true;
                tally.startup += spawned.elapsed();
            }
            if line.contains("@@ end ") {
                ends += 1;
            }
            let hit = match &target {
                Some(op) => line.contains("@@ write ") && flight.op.as_deref() == Some(op),
                None => ends >= ends_wanted,
            };
            if ready && hit {
                break;
            }
        }
        let max_delay_us = match target {
            Some(op) => tally.write_micros.get(op).map_or(5_000, |m| m * 2 + 1),
            None => [500, 2_000, 6_000, 20_000][(round / 2) % 4],
        };
        let deadline = Instant::now() + Duration::from_micros(rng.below(max_delay_us));
        let in_syscall = if target.is_some() {
            // Aim at the file system calls themselves: kill at a random one of those seen in
            // flight (an fsync waits for the disk, so it is seen most) or at the deadline.
            kill_in_syscall(child.id(), deadline, &mut rng)
        } else {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            None
        };
        child.kill().unwrap();
        *tally
            .syscalls
            .entry(in_syscall.unwrap_or("no file call seen"))
            .or_default() += 1;
        let status = child.wait().unwrap();
        for line in output.lines() {
            apply(&mut model, &mut flight, &mut tally, &line.unwrap());
        }
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: the child ended by itself: {}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        );
        let landed = match (&flight.op, ready) {
            (Some(op), _) => op.clone(),
            (None, true) => "between operations".to_owned(),
            (None, false) => "opening".to_owned(),
        };
        *tally.landed.entry(landed).or_default() += 1;
        let checking = Instant::now();
        verify(&work, &mut model, &flight, &mut tally, round);
        tally.checking += checking.elapsed();
    }
    // Still usable: a final write and read.
    let area = SoftwareSecureArea::open(&work.join("keys"), &common::key()).unwrap();
    let mut store = CredentialStore::open(&work.join("store"), &common::key()).unwrap();
    let mut rng = Rng::new();
    let aliases = common::create_keys(&area, &mut rng, 1);
    let record = common::filler(&mut rng, &aliases, 1024, PresentationPolicy::RotateUse);
    let id = store.put(record.clone()).unwrap();
    assert_eq!(store.get(&id).unwrap().record, record);

    println!(
        "SIGKILL campaign: {kills} kills, {} operations finished, {:.1} s ({:.1} s starting \
         children, {:.1} s checking)",
        tally.ops_finished,
        started.elapsed().as_secs_f64(),
        tally.startup.as_secs_f64(),
        tally.checking.as_secs_f64()
    );
    println!("  kills landed in:");
    for (op, n) in &tally.landed {
        println!("    {op:<20} {n}");
    }
    println!("  kills made while the child was seen in a file system call:");
    for (call, n) in &tally.syscalls {
        println!("    {call:<20} {n}");
    }
    println!(
        "  disclosures sent and recorded: {}; recorded but killed before the bytes left: {}",
        model.sent.len(),
        tally.recorded_then_killed
    );
    println!(
        "  copies burned by a presentation killed before its history entry (never sent): {}",
        tally.burned_unrecorded
    );
    println!(
        "  copies reserved when killed, available again: {}",
        tally.reservations_released
    );
    println!(
        "  device keys left without a record (killed between a key write and its record \
         write): {}",
        tally.orphan_keys
    );
    for op in OPS {
        assert!(
            kills < 2 * OPS.len() || tally.landed.contains_key(op),
            "no kill landed in {op}: the campaign does not cover it"
        );
    }
}
