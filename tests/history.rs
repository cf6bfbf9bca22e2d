//! The citizen's presentation history: every channel and outcome recorded, identifiers only
//! (a disclosed value's bytes appear nowhere in the store, nor in the export), newest-first
//! pages, filters, deletion, retention, and no response without its record — even when the
//! wallet process is killed with SIGKILL mid-run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use common::World;
use issuer::ValidityWindow;
use issuer::samples::{self, TOMASZ};
use mdoc::clock::Clock;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use verifier::DocumentRequest;
use verifier::ReaderSession;
use verifier::dcapi::DcapiRequest;
use verifier::openid4vp::OpenId4VpRequest;
use wallet::Wallet;
use wallet::consent::ConsentRequest;
use wallet::dcapi::DcapiPresentation;
use wallet::history::{Channel, HistoryEntry, HistoryFilter, Outcome, Trust};
use wallet::keys::WalletKey;
use wallet::openid4vp::{self, OpenId4VpPresentation};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};
use wallet::secure_area::SoftwareSecureArea;

const ORIGIN: &str = "https://hr.acme.example";
const RESPONSE_URI: &str = "https://hr.acme.example/openid4vp/response";
const PASSPHRASE: &[u8] = b"correct horse battery staple";

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.0.load(Ordering::SeqCst))
    }
}

/// The example world, with its wallet reopened on a clock the test controls.
fn world(dir: &Path) -> (World, Arc<TestClock>) {
    let World {
        now,
        issuer,
        reader_root,
        reader,
        wallet,
    } = World::new(dir, DeviceAuthMode::Signature).unwrap();
    let config = wallet.config().clone();
    drop(wallet);
    let clock = Arc::new(TestClock(AtomicI64::new(now.unix_seconds())));
    let key = WalletKey::from_passphrase_in(dir, PASSPHRASE).unwrap();
    let area = SoftwareSecureArea::open(&dir.join("keys"), &key).unwrap();
    let wallet = Wallet::open(
        &dir.join("store"),
        &key,
        Arc::new(area),
        config,
        clock.clone(),
    )
    .unwrap();
    let world = World {
        now,
        issuer,
        reader_root,
        reader,
        wallet,
    };
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    (world, clock)
}

fn right_to_work() -> Vec<DocumentRequest> {
    vec![DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )]
}

/// A proximity session up to the consent screen.
fn proximity(world: &World) -> (ProximitySession, ReaderSession, ConsentRequest) {
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let establishment = reader
        .establish(&right_to_work(), Some(&world.reader_key()))
        .unwrap();
    let SessionEvent::Consent(consent) = holder.handle(&establishment) else {
        panic!("no consent");
    };
    (holder, reader, *consent)
}

fn everything(world: &World) -> Vec<HistoryEntry> {
    let page = world
        .wallet
        .history(&HistoryFilter::default(), 0, usize::MAX)
        .unwrap();
    assert_eq!(page.unreadable, 0);
    assert_eq!(page.entries.len(), page.total);
    page.entries
}

/// Runs one attempt of every kind; returns the (channel, outcome) pairs in order.
fn every_attempt(world: &World) -> Vec<(Channel, Outcome)> {
    let mut expected = vec![(Channel::Issuance, Outcome::Issued)];

    // A refused issuance: another doc type than prepared.
    let pending = world.wallet.prepare(UK_DIGITAL_ID).unwrap();
    let mdl = world
        .issuer
        .issue(
            &samples::mdl(&TOMASZ, world.now.date()),
            &pending.device_key,
            &ValidityWindow::starting(world.now.plus_days(-1), 30),
        )
        .unwrap();
    assert!(world.wallet.accept(&pending, &mdl.bytes).is_err());
    world.wallet.abandon(&pending).unwrap();
    expected.push((Channel::Issuance, Outcome::Refused));

    // Proximity: approved, declined, cancelled (the reader ends the session), failed.
    let (mut holder, mut reader, consent) = proximity(world);
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    assert!(reader.decrypt_response(&reply).is_ok());
    expected.push((Channel::Proximity, Outcome::Approved));
    let (mut holder, _, _) = proximity(world);
    holder.decline().unwrap();
    expected.push((Channel::Proximity, Outcome::Declined));
    let (mut holder, mut reader, _) = proximity(world);
    assert!(matches!(
        holder.handle(&reader.terminate()),
        SessionEvent::Terminated
    ));
    expected.push((Channel::Proximity, Outcome::Cancelled));
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    assert!(matches!(
        holder.handle(b"not cbor"),
        SessionEvent::Failed { .. }
    ));
    expected.push((Channel::Proximity, Outcome::Failed));

    // Digital Credentials API (ISO 18013-7 Annex C).
    let dc = || {
        let request = DcapiRequest::new(&right_to_work(), Some(&world.reader_key()), ORIGIN);
        let request = request.unwrap();
        let presentation =
            DcapiPresentation::from_request(&world.wallet, request.request_json(), ORIGIN).unwrap();
        (request, presentation)
    };
    let (request, presentation) = dc();
    let response = presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    assert!(
        request
            .verify(&response, &world.issuer_anchors(), world.now)
            .unwrap()
            .verified()
    );
    expected.push((Channel::DcApi, Outcome::Approved));
    dc().1.decline();
    expected.push((Channel::DcApi, Outcome::Declined));
    dc().1.cancel();
    expected.push((Channel::DcApi, Outcome::Cancelled));
    assert!(DcapiPresentation::from_request(&world.wallet, "{}", ORIGIN).is_err());
    expected.push((Channel::DcApi, Outcome::Failed));

    // OpenID4VP through the DC API, and by redirect.
    let dc_channel = openid4vp::Channel::DcApi { origin: ORIGIN };
    let oid = |encrypted: bool| {
        let request = OpenId4VpRequest::dc_api(&right_to_work(), ORIGIN, encrypted);
        OpenId4VpPresentation::from_request(&world.wallet, &request.request_json(), dc_channel)
            .unwrap()
    };
    let presentation = oid(true);
    presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    expected.push((Channel::OpenId4VpDcApi, Outcome::Approved));
    oid(false).decline();
    expected.push((Channel::OpenId4VpDcApi, Outcome::Declined));
    let redirect = OpenId4VpRequest::redirect(&right_to_work(), RESPONSE_URI, false);
    let presentation = OpenId4VpPresentation::from_request(
        &world.wallet,
        &redirect.request_url(),
        openid4vp::Channel::Redirect,
    )
    .unwrap();
    presentation
        .approve(&presentation.consent().recommended_selection())
        .unwrap();
    expected.push((Channel::OpenId4VpRedirect, Outcome::Approved));
    OpenId4VpPresentation::from_request(
        &world.wallet,
        &redirect.request_url(),
        openid4vp::Channel::Redirect,
    )
    .unwrap()
    .cancel();
    expected.push((Channel::OpenId4VpRedirect, Outcome::Cancelled));
    assert!(
        OpenId4VpPresentation::from_request(&world.wallet, "garbage", openid4vp::Channel::Redirect)
            .is_err()
    );
    expected.push((Channel::OpenId4VpRedirect, Outcome::Failed));
    // Approving nothing discloses nothing: recorded as declined.
    let presentation = oid(false);
    presentation.approve(&Default::default()).unwrap();
    expected.push((Channel::OpenId4VpDcApi, Outcome::Declined));
    expected
}

#[test]
fn every_channel_and_outcome_is_recorded_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (world, clock) = world(dir.path());
    let expected = every_attempt(&world);
    let entries = everything(&world);
    let got: Vec<(Channel, Outcome)> = entries
        .iter()
        .rev()
        .map(|e| (e.channel, e.outcome))
        .collect();
    assert_eq!(got, expected);
    let ids: Vec<u64> = entries.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "not newest first: {ids:?}"
    );
    assert!(entries.iter().all(|e| e.at == clock.now()));

    // An approval records who, the trust shown, the purpose, retention asked and exactly the
    // identifiers disclosed.
    let approved = entries
        .iter()
        .find(|e| e.channel == Channel::Proximity && e.outcome == Outcome::Approved)
        .unwrap();
    assert_eq!(approved.party.name.as_deref(), Some("Acme Ltd"));
    assert!(
        matches!(&approved.party.trust, Trust::Trusted { anchor } if anchor == "UK Verifier Trust Root")
    );
    let document = &approved.documents[0];
    assert_eq!(document.doc_type, UK_DIGITAL_ID);
    assert_eq!(document.purpose.as_deref(), Some("right_to_work"));
    assert!(document.purpose_declared);
    assert!(
        document
            .requested
            .iter()
            .any(|r| r.identifier == "family_name" && r.intent_to_retain)
    );
    assert!(
        document
            .requested
            .iter()
            .any(|r| r.identifier == "expiry_date" && !r.intent_to_retain)
    );
    let credential = world.wallet.credentials()[0].id.clone();
    assert_eq!(document.credential_id.as_deref(), Some(credential.as_str()));
    let (_, _, consent) = proximity(&world);
    let mut disclosed: Vec<String> = approved.disclosed().map(|e| e.identifier.clone()).collect();
    let mut selected: Vec<String> = consent
        .recommended_selection()
        .approved
        .into_iter()
        .map(|a| a.identifier)
        .collect();
    disclosed.sort();
    selected.sort();
    assert_eq!(disclosed, selected);
    // Declines, cancellations and failures disclose nothing; failures say why.
    for entry in &entries {
        if entry.outcome != Outcome::Approved {
            assert_eq!(entry.disclosed().count(), 0, "{entry:?}");
        }
        if matches!(entry.outcome, Outcome::Failed | Outcome::Refused) {
            assert!(entry.error.is_some(), "{entry:?}");
        }
    }
    // Online entries show the origin the platform reported or the response URI.
    let online = entries
        .iter()
        .find(|e| e.channel == Channel::OpenId4VpRedirect && e.outcome == Outcome::Approved)
        .unwrap();
    assert_eq!(online.party.origin.as_deref(), Some(RESPONSE_URI));
    // Issuance names the issuer and the IACA it chained to.
    let issued = entries
        .iter()
        .find(|e| e.outcome == Outcome::Issued)
        .unwrap();
    assert!(matches!(&issued.party.trust, Trust::Trusted { anchor } if !anchor.is_empty()));

    // Each entry reads as a sentence in both languages.
    let en = wallet::i18n::messages(wallet::i18n::Locale::English);
    let cy = wallet::i18n::messages(wallet::i18n::Locale::Welsh);
    let sentence = en.history_entry(approved);
    assert!(
        sentence.starts_with("On 24 November 2026, Acme Ltd received from you: "),
        "{sentence}"
    );
    assert!(sentence.contains("Right to work in the UK"), "{sentence}");
    let brawddeg = cy.history_entry(approved);
    assert!(
        brawddeg.starts_with("Ar 24 Tachwedd 2026, cafodd Acme Ltd y canlynol gennych: "),
        "{brawddeg}"
    );
    assert!(brawddeg.contains("Hawl i weithio yn y DU"), "{brawddeg}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn values_are_never_stored_and_the_export_holds_identifiers_only() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _) = world(dir.path());
    every_attempt(&world);
    // Values Tomasz disclosed (family and given names, nationality code is too short to be
    // distinctive; the right-to-work expiry date and the restrictions text are).
    let values: [&[u8]; 4] = [
        TOMASZ.family_name.as_bytes(),
        TOMASZ.given_name.as_bytes(),
        b"2030-06-30",
        b"Settled status",
    ];
    let export = world.wallet.export_history().unwrap();
    let json: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(json["format"], "citizen-wallet-history-1");
    assert_eq!(
        json["entries"].as_array().unwrap().len(),
        everything(&world).len()
    );
    assert!(export.contains("\"family_name\""));
    let mut paths = Vec::new();
    files(&dir.path().join("store"), &mut paths);
    assert!(paths.iter().any(|p| p.to_string_lossy().ends_with(".hist")));
    for value in values {
        assert!(!contains(export.as_bytes(), value), "export holds a value");
        for path in &paths {
            let bytes = std::fs::read(path).unwrap();
            assert!(!contains(&bytes, value), "{} holds a value", path.display());
        }
    }
    // The history files are sealed: not even identifiers show on disk.
    for path in paths
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".hist"))
    {
        assert!(!contains(&std::fs::read(path).unwrap(), b"family_name"));
    }
}

#[test]
fn pages_filters_and_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _) = world(dir.path());
    every_attempt(&world);
    let all = everything(&world);
    let total = all.len();

    let page = world
        .wallet
        .history(&HistoryFilter::default(), 2, 3)
        .unwrap();
    assert_eq!(page.total, total);
    assert_eq!(page.entries, all[2..5]);
    let beyond = world
        .wallet
        .history(&HistoryFilter::default(), total, 10)
        .unwrap();
    assert!(beyond.entries.is_empty());

    let by_origin = HistoryFilter {
        verifier: Some(RESPONSE_URI.to_owned()),
        ..HistoryFilter::default()
    };
    let page = world.wallet.history(&by_origin, 0, 100).unwrap();
    assert!(page.total >= 2);
    assert!(
        page.entries
            .iter()
            .all(|e| e.channel == Channel::OpenId4VpRedirect)
    );
    let credential = world.wallet.credentials()[0].id.clone();
    let by_credential = HistoryFilter {
        credential_id: Some(credential.clone()),
        ..HistoryFilter::default()
    };
    let page = world.wallet.history(&by_credential, 0, 100).unwrap();
    assert!(page.entries.iter().all(|e| {
        e.documents
            .iter()
            .any(|d| d.credential_id.as_deref() == Some(credential.as_str()))
    }));
    assert!(page.entries.iter().any(|e| e.outcome == Outcome::Issued));
    let nobody = HistoryFilter {
        verifier: Some("Nobody Ltd".to_owned()),
        ..HistoryFilter::default()
    };
    assert_eq!(world.wallet.history(&nobody, 0, 100).unwrap().total, 0);

    // Delete one, then all.
    world.wallet.delete_history_entry(&all[0].id).unwrap();
    let after = everything(&world);
    assert_eq!(after, all[1..]);
    assert!(world.wallet.delete_history_entry(&all[0].id).is_err());
    assert!(world.wallet.delete_history_entry("../records").is_err());
    assert!(world.wallet.delete_history_entry("").is_err());
    assert_eq!(world.wallet.delete_history().unwrap(), total - 1);
    assert!(everything(&world).is_empty());
    // New entries keep counting up after a deletion.
    let (mut holder, _, _) = proximity(&world);
    holder.decline().unwrap();
    assert_eq!(everything(&world).len(), 1);
}

#[test]
fn retention_prunes_old_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (world, clock) = world(dir.path());
    let (mut holder, _, _) = proximity(&world);
    holder.decline().unwrap();
    assert_eq!(everything(&world).len(), 2);
    assert_eq!(world.wallet.history_retention().unwrap(), None);
    // 40 days on, with a 30-day retention: the old entries go, the new one stays.
    clock.0.fetch_add(40 * 86_400, Ordering::SeqCst);
    world.wallet.set_history_retention(Some(30)).unwrap();
    assert_eq!(world.wallet.history_retention().unwrap(), Some(30));
    assert!(everything(&world).is_empty());
    let (mut holder, _, _) = proximity(&world);
    holder.decline().unwrap();
    clock.0.fetch_add(29 * 86_400, Ordering::SeqCst);
    let (mut holder, _, _) = proximity(&world);
    holder.decline().unwrap();
    assert_eq!(everything(&world).len(), 2);
    // Two more days: the first of the two is past 30 days and is pruned by the next append.
    clock.0.fetch_add(2 * 86_400, Ordering::SeqCst);
    let (mut holder, _, _) = proximity(&world);
    holder.decline().unwrap();
    assert_eq!(everything(&world).len(), 2);
    world.wallet.set_history_retention(None).unwrap();
    assert_eq!(world.wallet.history_retention().unwrap(), None);
}

#[test]
fn tampered_entries_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _) = world(dir.path());
    let history = dir.path().join("store/history");
    let mut paths = Vec::new();
    files(&history, &mut paths);
    let entry = paths
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".hist"))
        .unwrap();
    let mut bytes = std::fs::read(entry).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(entry, &bytes).unwrap();
    // And an entry renamed to another sequence number does not open either.
    std::fs::write(
        history.join("00000000000000000099.hist"),
        std::fs::read(entry).unwrap(),
    )
    .unwrap();
    std::fs::write(history.join("00000000000000000098.hist"), b"CWH1 garbage").unwrap();
    let page = world
        .wallet
        .history(&HistoryFilter::default(), 0, 10)
        .unwrap();
    assert_eq!(page.unreadable, 3);
    assert!(page.entries.is_empty());
}

#[test]
fn no_history_no_response() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _) = world(dir.path());
    // Make the history unwritable: its directory replaced by a file.
    let history = dir.path().join("store/history");
    std::fs::remove_dir_all(&history).unwrap();
    std::fs::write(&history, b"not a directory").unwrap();
    let (mut holder, _, consent) = proximity(&world);
    assert!(holder.approve(&consent.recommended_selection()).is_err());
    let request = DcapiRequest::new(&right_to_work(), Some(&world.reader_key()), ORIGIN).unwrap();
    let presentation =
        DcapiPresentation::from_request(&world.wallet, request.request_json(), ORIGIN).unwrap();
    assert!(
        presentation
            .approve(&presentation.consent().recommended_selection())
            .is_err()
    );
    let request = OpenId4VpRequest::dc_api(&right_to_work(), ORIGIN, false);
    let presentation = OpenId4VpPresentation::from_request(
        &world.wallet,
        &request.request_json(),
        openid4vp::Channel::DcApi { origin: ORIGIN },
    )
    .unwrap();
    assert!(
        presentation
            .approve(&presentation.consent().recommended_selection())
            .is_err()
    );
    // Declining still works: it discloses nothing.
    presentation.decline();
}

const CHILD_DIR: &str = "CITIZEN_WALLET_HISTORY_CHILD_DIR";

/// Run by `a_killed_wallet_never_leaves_a_response_unrecorded` in a child process: presents
/// over and over, appending a line to `delivered` after each approval returns its bytes (as an
/// app sends them), until killed. A no-op in a normal test run.
#[test]
fn child_presents_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    use std::io::Write;
    let dir = Path::new(&dir);
    let (world, _) = world(dir);
    let mut delivered = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("delivered"))
        .unwrap();
    for _ in 0..10_000 {
        let (mut holder, _, consent) = proximity(&world);
        let reply = holder.approve(&consent.recommended_selection()).unwrap();
        assert!(!reply.is_empty());
        delivered.write_all(b"sent\n").unwrap();
        delivered.sync_all().unwrap();
    }
}

#[test]
fn a_killed_wallet_never_leaves_a_response_unrecorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_presents_until_killed", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let delivered = || {
        std::fs::read(dir.path().join("delivered"))
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    };
    // Let it deliver a few responses, then kill it mid-run (SIGKILL: no unwinding, no flush).
    let mut waited = 0;
    while delivered() < 3 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child exited early"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        waited += 1;
        assert!(waited < 30_000, "the child delivered nothing");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sent = delivered();

    // Reopen the killed wallet's store: every delivered response has its entry (at most one
    // more was recorded whose bytes never reached the app).
    let reopened = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    let approved = reopened
        .wallet
        .history(&HistoryFilter::default(), 0, usize::MAX)
        .unwrap()
        .entries
        .iter()
        .filter(|e| e.channel == Channel::Proximity && e.outcome == Outcome::Approved)
        .count();
    assert!(
        approved >= sent,
        "{sent} responses delivered, {approved} recorded"
    );
    assert!(
        approved <= sent + 1,
        "{sent} responses delivered, {approved} recorded"
    );
}
