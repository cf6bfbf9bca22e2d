//! The credential store under damage, wrong keys, crashes and concurrent opens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::Path;

use mdoc::time::Timestamp;
use wallet::keys::{KeyError, KeyWrapper, WalletKey};
use wallet::secure_area::{SecureArea, SecureAreaError, SoftwareSecureArea};
use wallet::store::{
    CredentialCopy, CredentialRecord, CredentialStore, PresentationPolicy, QuarantineReason,
    StoreError,
};
use zeroize::Zeroizing;

fn key() -> WalletKey {
    WalletKey::from_bytes([42; 32])
}

fn record(n: u8) -> CredentialRecord {
    CredentialRecord {
        doc_type: "uk.gov.digital-id.1".to_owned(),
        issuer: "Test Authority".to_owned(),
        display_name: format!("Credential {n}"),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_800_000_000),
        copies: vec![CredentialCopy::new(format!("device-{n}"), vec![n; 300])],
        policy: PresentationPolicy::RotateUse,
        refresh_below: 0,
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

fn record_path(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join("records").join(format!("{id}.rec"))
}

#[test]
fn round_trip_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = {
        let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
        (0..3).map(|n| store.put(record(n)).unwrap()).collect()
    };
    let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert_eq!(store.list().len(), 3);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(store.get(id).unwrap().record, record(n as u8));
    }
    store.delete(&ids[1], None).unwrap();
    assert_eq!(store.get(&ids[1]), Err(StoreError::NotFound));
    drop(store);
    assert_eq!(
        CredentialStore::open(dir.path(), &key())
            .unwrap()
            .list()
            .len(),
        2
    );
}

#[test]
fn wrong_key_is_refused_without_damage() {
    let dir = tempfile::tempdir().unwrap();
    let id = CredentialStore::open(dir.path(), &key())
        .unwrap()
        .put(record(1))
        .unwrap();
    let wrong = WalletKey::from_bytes([7; 32]);
    assert_eq!(
        CredentialStore::open(dir.path(), &wrong).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert!(store.quarantined().is_empty());
    assert_eq!(store.get(&id).unwrap().record, record(1));
}

#[test]
fn damaged_records_are_quarantined_and_the_rest_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = {
        let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
        (0..5).map(|n| store.put(record(n)).unwrap()).collect()
    };
    // truncated, flipped byte, zero length, garbage
    let truncated = fs::read(record_path(dir.path(), &ids[0])).unwrap();
    fs::write(
        record_path(dir.path(), &ids[0]),
        &truncated[..truncated.len() / 2],
    )
    .unwrap();
    let mut flipped = fs::read(record_path(dir.path(), &ids[1])).unwrap();
    flipped[40] ^= 0x01;
    fs::write(record_path(dir.path(), &ids[1]), flipped).unwrap();
    fs::write(record_path(dir.path(), &ids[2]), b"").unwrap();
    fs::write(
        dir.path().join("records").join("not-a-record.rec"),
        b"garbage",
    )
    .unwrap();
    // a record renamed to another id fails authentication (the id is bound as AAD)
    let moved = fs::read(record_path(dir.path(), &ids[3])).unwrap();
    let fake_id = "0123456789abcdef0123456789abcdef";
    fs::write(record_path(dir.path(), fake_id), moved).unwrap();

    let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
    let mut reasons: Vec<QuarantineReason> = store.quarantined().iter().map(|q| q.reason).collect();
    reasons.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(store.quarantined().len(), 5, "{reasons:?}");
    assert!(reasons.contains(&QuarantineReason::Unreadable));
    assert!(reasons.contains(&QuarantineReason::BadHeader));
    assert_eq!(store.list().len(), 2);
    assert_eq!(store.get(&ids[3]).unwrap().record, record(3));
    assert_eq!(store.get(&ids[4]).unwrap().record, record(4));
    assert_eq!(
        fs::read_dir(dir.path().join("quarantine")).unwrap().count(),
        5
    );
    // Tampering after open is caught on read.
    let mut later = fs::read(record_path(dir.path(), &ids[4])).unwrap();
    let last = later.len() - 1;
    later[last] ^= 0x80;
    fs::write(record_path(dir.path(), &ids[4]), later).unwrap();
    assert_eq!(store.get(&ids[4]), Err(StoreError::Quarantined));
    assert_eq!(store.get(&ids[3]).unwrap().record, record(3));
}

#[test]
fn oversized_records_are_quarantined_unread() {
    let dir = tempfile::tempdir().unwrap();
    CredentialStore::open(dir.path(), &key()).unwrap();
    let id = "abcdefabcdefabcdefabcdefabcdefab";
    let big = fs::File::create(record_path(dir.path(), id)).unwrap();
    big.set_len(wallet::store::MAX_RECORD_LEN + 1).unwrap();
    let store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert_eq!(store.quarantined()[0].reason, QuarantineReason::TooLarge);
}

#[test]
fn crash_debris_is_cleaned_and_concurrent_opens_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = CredentialStore::open(dir.path(), &key()).unwrap();
    assert_eq!(
        CredentialStore::open(dir.path(), &key()).map(|_| ()),
        Err(StoreError::Locked)
    );
    drop(first);
    fs::write(
        dir.path().join("records").join(".tmp-deadbeef.rec-1234"),
        b"half a record",
    )
    .unwrap();
    let store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert!(store.quarantined().is_empty());
    assert_eq!(fs::read_dir(dir.path().join("records")).unwrap().count(), 0);
}

#[test]
fn missing_data_key_with_records_is_an_error_not_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    CredentialStore::open(dir.path(), &key())
        .unwrap()
        .put(record(1))
        .unwrap();
    fs::remove_file(dir.path().join("data.key")).unwrap();
    assert_eq!(
        CredentialStore::open(dir.path(), &key()).map(|_| ()),
        Err(StoreError::DataKeyMissing)
    );
}

#[test]
fn delete_removes_the_device_key() {
    let dir = tempfile::tempdir().unwrap();
    let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key()).unwrap();
    area.create_key("device-1").unwrap();
    let mut store = CredentialStore::open(&dir.path().join("store"), &key()).unwrap();
    let id = store.put(record(1)).unwrap();
    store.delete(&id, Some(&area)).unwrap();
    assert_eq!(
        area.public_key("device-1"),
        Err(SecureAreaError::KeyNotFound)
    );
}

/// A platform key wrapper that keeps the data key under a XOR pad and cannot tell when it is
/// given the wrong pad: like a hardware key that was silently replaced, it returns a wrong
/// data key instead of failing.
struct UncheckedWrapper([u8; 32]);

impl KeyWrapper for UncheckedWrapper {
    fn wrap(&self, data_key: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        Ok(data_key.iter().zip(self.0).map(|(k, p)| k ^ p).collect())
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let mut key = Zeroizing::new([0u8; 32]);
        for ((out, w), p) in key.iter_mut().zip(wrapped).zip(self.0) {
            *out = w ^ p;
        }
        Ok(key)
    }
}

fn count(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[test]
fn a_wrapper_giving_a_wrong_key_is_wrong_key_and_quarantines_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let right = UncheckedWrapper([1; 32]);
    let ids: Vec<String> = {
        let mut store = CredentialStore::open(dir.path(), &right).unwrap();
        (0..3).map(|n| store.put(record(n)).unwrap()).collect()
    };
    let wrong = UncheckedWrapper([2; 32]);
    assert_eq!(
        CredentialStore::open(dir.path(), &wrong).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    assert_eq!(count(&dir.path().join("quarantine")), 0);
    assert_eq!(count(&dir.path().join("records")), 3);

    let mut store = CredentialStore::open(dir.path(), &right).unwrap();
    assert!(store.quarantined().is_empty());
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(store.get(id).unwrap().record, record(n as u8));
    }
}

/// A store without a key check value (made before there were any) is judged by its records:
/// a wrong key moves nothing, the right key gets a check value written.
#[test]
fn a_store_without_a_check_value_is_judged_by_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let right = UncheckedWrapper([1; 32]);
    let id = CredentialStore::open(dir.path(), &right)
        .unwrap()
        .put(record(1))
        .unwrap();
    fs::remove_file(dir.path().join("data.check")).unwrap();
    assert_eq!(
        CredentialStore::open(dir.path(), &UncheckedWrapper([2; 32])).map(|_| ()),
        Err(StoreError::WrongKey)
    );
    assert_eq!(count(&dir.path().join("quarantine")), 0);
    assert!(!dir.path().join("data.check").exists());

    let mut store = CredentialStore::open(dir.path(), &right).unwrap();
    assert_eq!(store.get(&id).unwrap().record, record(1));
    assert!(dir.path().join("data.check").exists());
    drop(store);
    assert_eq!(
        CredentialStore::open(dir.path(), &UncheckedWrapper([2; 32])).map(|_| ()),
        Err(StoreError::WrongKey)
    );

    // A damaged check value with the right key: the records vouch for the key.
    fs::write(dir.path().join("data.check"), b"CWKC1 damaged").unwrap();
    let mut store = CredentialStore::open(dir.path(), &right).unwrap();
    assert_eq!(store.get(&id).unwrap().record, record(1));
    assert!(store.quarantined().is_empty());
}

#[test]
fn quarantined_records_are_still_reported_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = {
        let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
        (0..3).map(|n| store.put(record(n)).unwrap()).collect()
    };
    let mut flipped = fs::read(record_path(dir.path(), &ids[0])).unwrap();
    flipped[40] ^= 0x01;
    fs::write(record_path(dir.path(), &ids[0]), flipped).unwrap();
    fs::write(dir.path().join("records").join("junk.rec"), b"junk").unwrap();

    let first = {
        let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
        // Damage after open is quarantined on read.
        let mut later = fs::read(record_path(dir.path(), &ids[1])).unwrap();
        later.truncate(later.len() - 1);
        fs::write(record_path(dir.path(), &ids[1]), later).unwrap();
        assert_eq!(store.get(&ids[1]), Err(StoreError::Quarantined));
        let mut seen = store.quarantined().to_vec();
        seen.sort_by(|a, b| a.file_name.cmp(&b.file_name));
        seen
    };
    assert_eq!(first.len(), 3);

    let store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert_eq!(store.quarantined(), first.as_slice());
    let reasons: Vec<QuarantineReason> = first.iter().map(|q| q.reason).collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == QuarantineReason::Unreadable)
            .count(),
        2
    );
    assert!(reasons.contains(&QuarantineReason::BadHeader));
    assert_eq!(store.list().len(), 1);
}

/// Personal data and key material planted in every field must not appear in any `Debug`
/// output of the store's types, plain or pretty.
#[test]
fn errors_and_debug_carry_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let area = SoftwareSecureArea::open(&dir.path().join("keys"), &key()).unwrap();
    let mut store = CredentialStore::open(&dir.path().join("store"), &key()).unwrap();
    let mut r = record(1);
    r.display_name = "Amelia Okafor".to_owned();
    r.issuer = "Okafor Family Registry".to_owned();
    r.copies = vec![CredentialCopy::new(
        "amelia-okafor-phone".to_owned(),
        b"PLANTED-1984-03-07 Flat 2, 10 Acacia Avenue".to_vec(),
    )];
    let id = store.put(r.clone()).unwrap();
    let stored = store.get(&id).unwrap();
    let summary = store.list().remove(0);
    let errors = [
        StoreError::WrongKey,
        StoreError::Quarantined,
        StoreError::Key(KeyError::SaltDamaged),
    ];
    for shown in [
        format!(
            "{store:?} {r:?} {stored:?} {summary:?} {area:?} {errors:?} {:?}",
            key()
        ),
        format!(
            "{store:#?} {r:#?} {stored:#?} {summary:#?} {area:#?} {errors:#?} {:#?}",
            key()
        ),
    ] {
        for planted in [
            "Amelia",
            "Okafor",
            "amelia",
            "1984-03-07",
            "Acacia",
            // the wallet key, [42; 32]
            "42, 42, 42",
            "2a2a2a",
            "2A2A2A",
        ] {
            assert!(!shown.contains(planted), "{planted} in {shown}");
        }
    }
}

/// Puts a directory where a record file was (a read failure root also gets: EISDIR), returning
/// the record's bytes so the test can put them back.
fn make_unreadable(dir: &Path, id: &str) -> Vec<u8> {
    let path = record_path(dir, id);
    let bytes = fs::read(&path).unwrap();
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    bytes
}

fn restore(dir: &Path, id: &str, bytes: &[u8]) {
    let path = record_path(dir, id);
    fs::remove_dir(&path).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_read_failure_at_open_is_io_and_quarantines_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = {
        let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
        (0..3).map(|n| store.put(record(n)).unwrap()).collect()
    };
    let bytes = make_unreadable(dir.path(), &ids[1]);
    assert!(matches!(
        CredentialStore::open(dir.path(), &key()),
        Err(StoreError::Io(_))
    ));
    assert!(record_path(dir.path(), &ids[1]).is_dir(), "left in place");
    assert_eq!(count(&dir.path().join("quarantine")), 0);
    // Once the failure passes, every credential is there and nothing was quarantined.
    restore(dir.path(), &ids[1], &bytes);
    let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
    assert_eq!(store.list().len(), 3);
    assert!(store.quarantined().is_empty());
    assert_eq!(store.get(&ids[1]).unwrap().record, record(1));
}

#[test]
fn a_read_failure_after_open_is_io_and_the_record_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = CredentialStore::open(dir.path(), &key()).unwrap();
    let id = store.put(record(7)).unwrap();
    let bytes = make_unreadable(dir.path(), &id);
    assert!(matches!(store.get(&id), Err(StoreError::Io(_))));
    assert_eq!(store.list().len(), 1, "still listed");
    assert!(store.quarantined().is_empty());
    assert_eq!(count(&dir.path().join("quarantine")), 0);
    restore(dir.path(), &id, &bytes);
    assert_eq!(store.get(&id).unwrap().record, record(7));
}
