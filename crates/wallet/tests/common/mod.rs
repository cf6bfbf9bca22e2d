//! Shared by the fault tests (faults_kill, faults_disk_full, faults_bit_flips) and the store
//! migration test: the wallet key,
//! records of chosen size, a fingerprint of a record's whole content, real credentials from a
//! test issuer, and a Digital Credentials API presentation that burns a copy and records its
//! history entry through the wallet's public API.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;

use issuer::samples::{self, AMELIA};
use issuer::{TestIssuer, ValidityWindow};
use mdoc::cbor::{self, MapRest, Tagged};
use mdoc::clock::FixedClock;
use mdoc::cose::CoseKey;
use mdoc::definitions::{DeviceRequest, DocRequest, ItemsRequest};
use mdoc::online::dcapi::{self, EncryptionInfo};
use mdoc::registry::{ISO_NAMESPACE, UK_DIGITAL_ID};
use mdoc::time::Timestamp;
use sha2::{Digest, Sha256};
use wallet::dcapi::DcapiPresentation;
use wallet::history::HistoryFilter;
use wallet::keys::WalletKey;
use wallet::secure_area::SecureArea;
use wallet::store::{CredentialCopy, CredentialRecord, PresentationPolicy};
use wallet::{Wallet, WalletConfig, WalletError};

/// The wallet's clock in every fault test.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);

/// Doc type of the filler records (never presented).
pub const FILLER: &str = "org.example.filler";

/// The software wallet key of every fault test.
pub fn key() -> WalletKey {
    WalletKey::from_bytes([0x5a; 32])
}

/// A small xorshift generator, seeded from the system RNG (content and timings only).
pub struct Rng(u64);

impl Rng {
    /// Seeded randomly.
    pub fn new() -> Self {
        Rng(u64::from_le_bytes(mdoc::rng::random_bytes::<8>()) | 1)
    }

    /// The state (printed as a seed).
    pub fn peek(&self) -> u64 {
        self.0
    }

    /// The next value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `len` pseudo-random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

impl Default for Rng {
    fn default() -> Self {
        Self::new()
    }
}

/// A filler record (never presented): `copies` copies of `size` bytes each.
pub fn filler(
    rng: &mut Rng,
    aliases: &[String],
    size: usize,
    policy: PresentationPolicy,
) -> CredentialRecord {
    CredentialRecord {
        doc_type: FILLER.to_owned(),
        issuer: "Test Authority".to_owned(),
        display_name: format!("Filler {}", rng.below(1_000_000)),
        valid_from: Timestamp::from_unix_seconds(1_700_000_000),
        valid_until: Timestamp::from_unix_seconds(1_900_000_000),
        copies: aliases
            .iter()
            .map(|alias| CredentialCopy::new(alias.clone(), rng.bytes(size)))
            .collect(),
        policy,
        refresh_below: if aliases.len() > 1 { 3 } else { 0 },
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// SHA-256 over every field of `record` (length-prefixed): equal fingerprints, equal records.
pub fn fingerprint(record: &CredentialRecord) -> String {
    let mut h = Sha256::new();
    field(&mut h, record.doc_type.as_bytes());
    field(&mut h, record.issuer.as_bytes());
    field(&mut h, record.display_name.as_bytes());
    field(&mut h, &record.valid_from.unix_seconds().to_be_bytes());
    field(&mut h, &record.valid_until.unix_seconds().to_be_bytes());
    field(&mut h, &(record.copies.len() as u64).to_be_bytes());
    for copy in &record.copies {
        field(&mut h, copy.device_key_alias.as_bytes());
        field(&mut h, &copy.issuer_signed);
        field(&mut h, &copy.uses.to_be_bytes());
    }
    field(&mut h, format!("{:?}", record.policy).as_bytes());
    field(&mut h, &record.refresh_below.to_be_bytes());
    field(&mut h, format!("{:?}", record.status).as_bytes());
    field(&mut h, format!("{:?}", record.logo_uri).as_bytes());
    match &record.refresh {
        None => field(&mut h, b"no refresh"),
        Some(r) => {
            field(&mut h, r.credential_issuer.as_bytes());
            field(&mut h, r.configuration_id.as_bytes());
            field(&mut h, r.client_id.as_bytes());
            field(&mut h, r.refresh_token.as_bytes());
            field(&mut h, format!("{:?}", r.dpop_key_alias).as_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh device-key alias (unique across processes).
pub fn fresh_alias(rng: &mut Rng) -> String {
    format!("dk-{:016x}", rng.next())
}

/// Creates `n` device keys in `area`; returns their aliases.
pub fn create_keys(area: &dyn SecureArea, rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let alias = fresh_alias(rng);
            area.create_key(&alias).unwrap();
            alias
        })
        .collect()
}

/// A UK digital ID issued by `issuer` once per alias (device keys already in `area`), as one
/// one-time-use batch record: the document the presentations use.
pub fn presentable_batch(
    issuer: &TestIssuer,
    area: &dyn SecureArea,
    aliases: &[String],
) -> CredentialRecord {
    let data = samples::uk_digital_id(&AMELIA, NOW.date());
    let window = ValidityWindow::starting(NOW.plus_days(-1), 365);
    let copies = aliases
        .iter()
        .map(|alias| {
            let device_key = CoseKey::new(area.public_key(alias).unwrap());
            let issued = issuer.issue(&data, &device_key, &window).unwrap();
            CredentialCopy::new(alias.clone(), issued.bytes)
        })
        .collect();
    CredentialRecord {
        doc_type: data.doc_type.clone(),
        issuer: "Test Authority".to_owned(),
        display_name: "UK digital ID".to_owned(),
        valid_from: NOW.plus_days(-1),
        valid_until: NOW.plus_days(364),
        copies,
        policy: PresentationPolicy::OneTimeUse,
        refresh_below: 2,
        status: None,
        logo_uri: None,
        refresh: None,
    }
}

/// A test issuer at [`NOW`].
pub fn test_issuer() -> TestIssuer {
    TestIssuer::new("Test Authority", "GB", NOW).unwrap()
}

/// Opens the wallet in `dir` (store in `dir/store`, keys via `area`).
pub fn open_wallet(dir: &Path, area: Arc<dyn SecureArea>) -> Result<Wallet, WalletError> {
    Wallet::open(
        &dir.join("store"),
        &key(),
        area,
        WalletConfig::default(),
        Arc::new(FixedClock(NOW)),
    )
}

/// The origin of presentation `n`.
pub fn origin(n: u64) -> String {
    format!("https://rp-{n:016x}.example")
}

/// A Digital Credentials API request for age_over_18 of a UK digital ID.
pub fn dcapi_request() -> String {
    let items = Tagged::new(ItemsRequest::new(
        UK_DIGITAL_ID,
        vec![(
            ISO_NAMESPACE.to_owned(),
            vec![("age_over_18".to_owned(), false)],
        )],
    ));
    let request = DeviceRequest::new(vec![DocRequest {
        items_request: items,
        reader_auth: None,
        rest: MapRest::default(),
    }]);
    let info = EncryptionInfo {
        nonce: vec![7; 16],
        recipient_public_key: CoseKey::new(mdoc::rng::new_p256_secret_key().public_key()),
        rest: MapRest::default(),
    };
    serde_json::json!({
        "deviceRequest": dcapi::encode_field(&cbor::to_vec(&request)),
        "encryptionInfo": info.to_base64url(),
    })
    .to_string()
}

/// A presentation as an app makes one: the request from `origin(n)`, every held element
/// approved. Returns the response bytes to hand to the transport (released only once the
/// wallet has burned the copy and committed the history entry).
pub fn present(wallet: &Wallet, n: u64) -> Result<String, WalletError> {
    let presentation = DcapiPresentation::from_request(wallet, &dcapi_request(), &origin(n))?;
    let selection = presentation.consent().everything_held();
    assert!(!selection.approved.is_empty(), "nothing held to disclose");
    presentation.approve(&selection)
}

/// The origins of every history entry (all pages).
pub fn history_origins(wallet: &Wallet) -> Vec<String> {
    let mut origins = Vec::new();
    let mut offset = 0;
    loop {
        let page = wallet
            .history(&HistoryFilter::default(), offset, wallet::history::MAX_PAGE)
            .unwrap();
        assert_eq!(page.unreadable, 0, "a history entry is unreadable");
        offset += page.entries.len();
        origins.extend(page.entries.into_iter().filter_map(|e| e.party.origin));
        if offset >= page.total {
            return origins;
        }
    }
}

/// Copies the directory tree `from` to `to` (regular files and directories).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
