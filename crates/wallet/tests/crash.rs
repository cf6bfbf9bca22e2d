//! Crash safety: a child process provisions and deletes credentials in a loop and is killed
//! with SIGKILL at random moments; after every kill the store reopens with every credential the
//! child had finished storing intact, the interrupted one fully present or absent, nothing
//! quarantined, and the store usable.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use mdoc::time::Timestamp;
use wallet::keys::WalletKey;
use wallet::secure_area::{SecureArea, SoftwareSecureArea};
use wallet::store::{CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy};

const CHILD_DIR: &str = "CITIZEN_WALLET_CRASH_CHILD_DIR";

fn key() -> WalletKey {
    WalletKey::from_bytes([0x5a; 32])
}

fn record(alias: &str, n: u32) -> CredentialRecord {
    CredentialRecord {
        doc_type: "uk.gov.digital-id.1".to_owned(),
        issuer: "Test Authority".to_owned(),
        display_name: format!("Credential {n}"),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_800_000_000),
        // Large enough that a write takes a while, and checkable after the crash.
        copies: vec![CredentialCopy::new(
            alias.to_owned(),
            vec![(n % 251) as u8; 64 * 1024],
        )],
        policy: PresentationPolicy::RotateUse,
        refresh_below: 0,
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

/// The child: provisions (device key + record) and deletes in a loop, reporting each finished
/// step on stdout, until it is killed.
#[test]
#[ignore = "run by crash_at_random_points_loses_nothing as a child process"]
fn child_provisions_and_deletes_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let area = SoftwareSecureArea::open(&dir.join("keys"), &key()).unwrap();
    let mut store = CredentialStore::open(&dir.join("store"), &key()).unwrap();
    let mut out = std::io::stdout();
    let mut n = store.list().len() as u32 * 1000 + u32::from(mdoc::rng::random_bytes::<1>()[0]);
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    loop {
        n += 1;
        let alias = format!("device-{n}");
        area.create_key(&alias).unwrap();
        let id = store.put(record(&alias, n)).unwrap();
        writeln!(out, "stored {id} {n}").unwrap();
        out.flush().unwrap();
        if n.is_multiple_of(3) {
            let victim = store.list()[0].id.clone();
            writeln!(out, "deleting {victim}").unwrap();
            out.flush().unwrap();
            store.delete(&victim, Some(&area)).unwrap();
            writeln!(out, "deleted {victim}").unwrap();
            out.flush().unwrap();
        }
    }
}

#[test]
fn crash_at_random_points_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut stored: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut kills = 0;
    for round in 0..25 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_provisions_and_deletes_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Time starts when the child is running (process start-up varies with machine load);
        // every other round also waits for a first finished write, so progress is certain.
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let wait_for = if round % 2 == 0 { "ready" } else { "stored" };
        loop {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap() == 0 {
                break;
            }
            // libtest may print "test … ... " without a newline before the child's first line.
            let found = line.split_whitespace().any(|word| word == wait_for);
            lines.push(line);
            if found {
                break;
            }
        }
        let delay = u64::from(mdoc::rng::random_bytes::<1>()[0]) % 120;
        std::thread::sleep(Duration::from_millis(delay + round));
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        lines.extend(output.lines().map_while(Result::ok));
        let mut deleting = BTreeSet::new();
        for line in &lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["stored", id, n] => {
                    stored.insert(((*id).to_owned(), n.parse().unwrap()));
                }
                ["deleting", id] => {
                    deleting.insert((*id).to_owned());
                }
                ["deleted", id] => {
                    deleting.remove(*id);
                    stored.retain(|(s, _)| s != id);
                }
                _ => {}
            }
        }
        let mut store = CredentialStore::open(&dir.path().join("store"), &key()).unwrap();
        assert!(
            store.quarantined().is_empty(),
            "round {round}: a record was torn"
        );
        let present: BTreeSet<String> = store.list().into_iter().map(|s| s.id).collect();
        for (id, n) in &stored {
            if deleting.contains(id) {
                continue;
            }
            assert!(
                present.contains(id),
                "round {round}: stored credential lost"
            );
            let got = store.get(id).unwrap();
            assert_eq!(
                got.record,
                record(&got.record.copies[0].device_key_alias, *n),
                "round {round}: content changed"
            );
        }
        // An interrupted deletion left the record either whole or gone.
        for id in &deleting {
            if present.contains(id) {
                store.get(id).unwrap();
            } else {
                stored.retain(|(s, _)| s != id);
            }
        }
        // Whatever else is present (the write in flight) is whole.
        for id in &present {
            store.get(id).unwrap();
        }
    }
    assert_eq!(kills, 25);
    assert!(!stored.is_empty(), "the child never got to store anything");
    // The store is still usable.
    let mut store = CredentialStore::open(&dir.path().join("store"), &key()).unwrap();
    let id = store.put(record("device-final", 7)).unwrap();
    store.get(&id).unwrap();
}
