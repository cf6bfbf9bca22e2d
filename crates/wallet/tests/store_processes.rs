//! Two processes, one store: while one process holds the store, another process's open fails at
//! once with `StoreError::Locked` (never waits); when the holder dies (SIGKILL) the lock goes
//! with it and the store opens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mdoc::clock::FixedClock;
use mdoc::time::Timestamp;
use wallet::keys::WalletKey;
use wallet::secure_area::SoftwareSecureArea;
use wallet::store::{CredentialStore, StoreError};
use wallet::{Wallet, WalletConfig, WalletError};

const CHILD_DIR: &str = "CITIZEN_WALLET_PROCESS_CHILD_DIR";
const CHILD_MODE: &str = "CITIZEN_WALLET_PROCESS_CHILD_MODE";
/// Generous: the second open must fail at once, and this only stops a hang from hanging CI.
const WATCHDOG: Duration = Duration::from_secs(10);

fn key() -> WalletKey {
    WalletKey::from_bytes([0x77; 32])
}

fn open_wallet(dir: &Path) -> Result<Wallet, WalletError> {
    let area = SoftwareSecureArea::open(&dir.join("keys"), &key())?;
    Wallet::open(
        &dir.join("store"),
        &key(),
        Arc::new(area),
        WalletConfig::default(),
        Arc::new(FixedClock(Timestamp::from_unix_seconds(1_790_000_000))),
    )
}

/// The child: "hold" opens the wallet and keeps it until killed; "try" opens the store, then the
/// wallet, and reports both outcomes.
#[test]
#[ignore = "run by the tests below as a child process"]
fn child_opens_the_store() {
    let (Some(dir), Ok(mode)) = (std::env::var_os(CHILD_DIR), std::env::var(CHILD_MODE)) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut out = std::io::stdout();
    match mode.as_str() {
        "hold" => {
            let _wallet = open_wallet(dir).unwrap();
            writeln!(out, "holding").unwrap();
            out.flush().unwrap();
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        _ => {
            let store = CredentialStore::open(&dir.join("store"), &key()).map(|_| ());
            let wallet = open_wallet(dir).map(|_| ());
            writeln!(out, "store={store:?} wallet={wallet:?}").unwrap();
            out.flush().unwrap();
        }
    }
}

fn spawn(dir: &Path, mode: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_opens_the_store",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_MODE, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for `child` to exit, killing it (and failing) when the watchdog runs out.
fn finish(mut child: Child) -> String {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > WATCHDOG {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the second process hung on the locked store");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    output
}

const LOCKED: &str = "store=Err(Locked) wallet=Err(Store(Locked))";

#[test]
fn a_second_process_gets_locked_at_once_while_the_first_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = CredentialStore::open(&dir.path().join("store"), &key()).unwrap();
    let output = finish(spawn(dir.path(), "try"));
    assert!(output.contains(LOCKED), "{output}");
    // Locked is a clear, typed error, and the holder is unaffected.
    assert_eq!(
        StoreError::Locked.to_string(),
        "the credential store is open elsewhere"
    );
    assert!(store.list().is_empty());
    store.put(record()).unwrap();
    drop(store);
    // Released: another process opens it.
    let output = finish(spawn(dir.path(), "try"));
    assert!(output.contains("store=Ok(()) wallet=Ok(())"), "{output}");
}

#[test]
fn the_lock_dies_with_its_process() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_wallet(dir.path()).unwrap());
    let mut holder = spawn(dir.path(), "hold");
    let mut lines = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("holding") {
        line.clear();
        assert_ne!(lines.read_line(&mut line).unwrap(), 0, "the holder exited");
    }
    assert_eq!(
        CredentialStore::open(&dir.path().join("store"), &key()).map(|_| ()),
        Err(StoreError::Locked)
    );
    assert_eq!(
        open_wallet(dir.path()).map(|_| ()),
        Err(WalletError::Store(StoreError::Locked))
    );
    // A third process too.
    let output = finish(spawn(dir.path(), "try"));
    assert!(output.contains(LOCKED), "{output}");
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(CredentialStore::open(&dir.path().join("store"), &key()).is_ok());
}

fn record() -> wallet::store::CredentialRecord {
    wallet::store::CredentialRecord::single(
        "uk.gov.digital-id.1".to_owned(),
        "Test Authority".to_owned(),
        "Test".to_owned(),
        (
            Timestamp::from_unix_seconds(1_700_000_000),
            Timestamp::from_unix_seconds(1_900_000_000),
        ),
        "device-1".to_owned(),
        vec![1; 10],
    )
}
