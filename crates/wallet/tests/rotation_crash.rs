//! Crash safety of a wallet key change: a child process changes the wallet key back and forth
//! between two keys (store and software secure area together) and is killed with SIGKILL at
//! random moments. After every kill exactly one of the two keys opens the store, the other is
//! `WrongKey`, every credential is intact, every device key signs under the winning key and the
//! software area no longer opens under the losing one.
//!
//! Kills: a quarter of `CITIZEN_WALLET_KILLS` (default 50), at least 10.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mdoc::clock::FixedClock;
use mdoc::time::Timestamp;
use wallet::keys::WalletKey;
use wallet::secure_area::{SecureArea, SecureAreaError, SoftwareSecureArea};
use wallet::store::{
    CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy, StoreError,
};
use wallet::{Wallet, WalletConfig};

const CHILD_DIR: &str = "CITIZEN_WALLET_ROTATION_CHILD_DIR";
const NOW: Timestamp = Timestamp::from_unix_seconds(1_790_000_000);

fn keys() -> [WalletKey; 2] {
    [
        WalletKey::from_bytes([0xA1; 32]),
        WalletKey::from_bytes([0xB2; 32]),
    ]
}

fn record(n: u8) -> CredentialRecord {
    CredentialRecord {
        doc_type: "uk.gov.digital-id.1".to_owned(),
        issuer: "Test Authority".to_owned(),
        display_name: format!("Credential {n}"),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_900_000_000),
        copies: (0..3)
            .map(|c| CredentialCopy::new(format!("device-{n}-{c}"), vec![n ^ c; 2048]))
            .collect(),
        policy: PresentationPolicy::RotateUse,
        refresh_below: 0,
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

/// Which of the two keys opens the store (each tried once; the open settles the area).
fn winning_key(store: &Path) -> Vec<(usize, Result<(), StoreError>)> {
    keys()
        .iter()
        .enumerate()
        .map(|(i, key)| (i, CredentialStore::open(store, key).map(|_| ())))
        .collect()
}

fn open_wallet(dir: &Path, key: &WalletKey) -> Wallet {
    let area = SoftwareSecureArea::open(&dir.join("keys"), key).unwrap();
    Wallet::open(
        &dir.join("store"),
        key,
        Arc::new(area),
        WalletConfig::default(),
        Arc::new(FixedClock(NOW)),
    )
    .unwrap()
}

/// The child: finds the key that opens the wallet, then changes it to the other and back, in a
/// loop, reporting each finished change, until it is killed.
#[test]
#[ignore = "run by a_killed_key_change_leaves_exactly_one_key_working as a child process"]
fn child_changes_the_wallet_key_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let keys = keys();
    let mut current = winning_key(&dir.join("store"))
        .into_iter()
        .find(|(_, result)| result.is_ok())
        .unwrap()
        .0;
    let wallet = open_wallet(dir, &keys[current]);
    let area = dir.join("keys");
    let mut out = std::io::stdout();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    loop {
        let next = 1 - current;
        wallet
            .change_wallet_key(&keys[current], &keys[next], Some(&area))
            .unwrap();
        current = next;
        writeln!(out, "rotated {current}").unwrap();
        out.flush().unwrap();
    }
}

fn kills() -> usize {
    let total = std::env::var("CITIZEN_WALLET_KILLS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(50);
    (total / 4).max(10)
}

#[test]
fn a_killed_key_change_leaves_exactly_one_key_working() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys();
    {
        let area = SoftwareSecureArea::open(&dir.path().join("keys"), &keys[0]).unwrap();
        let mut store = CredentialStore::open(&dir.path().join("store"), &keys[0]).unwrap();
        for n in 1..=3 {
            let record = record(n);
            for copy in &record.copies {
                area.create_key(&copy.device_key_alias).unwrap();
            }
            store.put(record).unwrap();
        }
    }
    let rounds = kills();
    let (mut rotations, mut wins, mut mid_change) = (0usize, [0usize; 2], 0usize);
    for round in 0..rounds {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_changes_the_wallet_key_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Time starts when the child is running (start-up varies with machine load).
        let mut output = BufReader::new(child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if line.split_whitespace().any(|word| word == "ready") {
                break;
            }
        }
        let delay = u64::from(u16::from_be_bytes(mdoc::rng::random_bytes())) % 150;
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        rotations += output
            .lines()
            .map_while(Result::ok)
            .filter(|line| line.contains("rotated"))
            .count();

        if dir.path().join("store/rotation.pending").exists() {
            mid_change += 1;
        }
        let results = winning_key(&dir.path().join("store"));
        let winners: Vec<usize> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let (winner, loser) = (winners[0], 1 - winners[0]);
        assert_eq!(results[loser].1, Err(StoreError::WrongKey), "round {round}");
        wins[winner] += 1;
        // The open with the winning key finished any interrupted change of the area.
        assert!(
            !dir.path().join("store/rotation.pending").exists(),
            "round {round}"
        );
        assert_eq!(
            SoftwareSecureArea::open(&dir.path().join("keys"), &keys[loser]).map(|_| ()),
            Err(SecureAreaError::KeyMaterial),
            "round {round}: the losing key still opens the device keys"
        );
        let wallet = open_wallet(dir.path(), &keys[winner]);
        assert!(wallet.quarantined().is_empty(), "round {round}");
        let mut found: Vec<CredentialRecord> = wallet
            .credentials()
            .iter()
            .map(|s| wallet.credential(&s.id).unwrap().record)
            .collect();
        found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        assert_eq!(
            found,
            (1..=3).map(record).collect::<Vec<_>>(),
            "round {round}"
        );
        for record in &found {
            for copy in &record.copies {
                wallet
                    .secure_area()
                    .sign(&copy.device_key_alias, b"m")
                    .unwrap_or_else(|e| panic!("round {round}: {e:?}"));
            }
        }
    }
    eprintln!(
        "{rounds} kills ({mid_change} inside a key change's journal window), {rotations} \
         completed key changes, wins per key {wins:?}"
    );
    assert!(rotations > 0, "the child never completed a key change");
}
