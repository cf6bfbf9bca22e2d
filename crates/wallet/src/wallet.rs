//! The wallet: a credential store, a secure area, trust configuration and a clock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::cbor::CborError;
use mdoc::clock::Clock;
use mdoc::verify::VerifyError;
use mdoc::x509::TrustAnchors;

use crate::keys::KeyWrapper;
use crate::presentation::DeviceAuthMode;
use crate::provisioning::PendingCredential;
use crate::secure_area::{SecureArea, SecureAreaError};
use crate::store::{
    CredentialStore, CredentialSummary, QuarantinedRecord, StoreError, StoredCredential,
};

/// Why a wallet operation failed. Carries no personal data or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The credential store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The secure area failed.
    #[error(transparent)]
    SecureArea(#[from] SecureAreaError),
    /// A credential offered at provisioning failed verification; names the check.
    #[error("credential refused: {0}")]
    CredentialRefused(#[from] VerifyError),
    /// Input bytes are not the expected CBOR structure.
    #[error("malformed input: {0}")]
    Malformed(#[from] CborError),
    /// The approved selection names an element that was not requested.
    #[error("the selection includes an element that was not requested")]
    SelectionNotRequested,
    /// The operation does not fit the session's state (e.g. approve before a request).
    #[error("not allowed in the session's current state")]
    WrongState,
    /// The session has ended.
    #[error("the session has ended")]
    SessionEnded,
    /// Signing or MACing the response failed.
    #[error("device authentication failed: {0}")]
    DeviceAuthentication(String),
    /// Session encryption failed.
    #[error("session encryption failed: {0}")]
    Session(#[from] mdoc::session::SessionError),
    /// An online request asks for something this wallet does not support; names the feature.
    #[error("unsupported request: {0}")]
    Unsupported(&'static str),
    /// The pending credential is not one this wallet prepared and still waits for (an unknown
    /// alias, another doc type or device key than prepared, or already accepted or abandoned).
    #[error("no such pending credential: prepare it first")]
    NotPrepared,
    /// A document would exceed the reader's maximumResponseSize (ISO 18013-5 second edition):
    /// select fewer elements. Nothing was disclosed.
    #[error("the response would exceed the reader's maximum response size")]
    ResponseTooLarge,
}

/// Trust and behaviour settings of a wallet.
#[derive(Debug, Clone, Default)]
pub struct WalletConfig {
    /// IACA roots of issuers whose credentials the wallet accepts.
    pub issuer_anchors: TrustAnchors,
    /// Roots of reader certificates the wallet recognises.
    pub reader_anchors: TrustAnchors,
    /// How the wallet authenticates its responses.
    pub device_auth: DeviceAuthMode,
    /// Roots of the registrars whose relying-party registration certificates the wallet
    /// accepts (see [`crate::registration`]). Empty: every registration shows as unverified.
    pub registrar_anchors: TrustAnchors,
    /// Test only: also accept an OpenID4VP `response_uri` of `http://` on a loopback host
    /// (`127.0.0.1`, `[::1]`, `localhost`), for a verifier under test on the same machine.
    /// Off by default; every other response_uri must be `https://`, so `direct_post` never
    /// sends personal data in the clear.
    pub allow_insecure_loopback_response_uri: bool,
}

struct Inner {
    store: Mutex<CredentialStore>,
    area: Arc<dyn SecureArea>,
    config: WalletConfig,
    clock: Arc<dyn Clock>,
    /// Credentials prepared and not yet accepted or abandoned, by device key alias: the
    /// provisioning state the core keeps, so a caller cannot substitute a doc type or key.
    pending: Mutex<BTreeMap<String, PendingCredential>>,
}

/// A holder's wallet. Cheap to clone (shared); safe to use from several threads.
#[derive(Clone)]
pub struct Wallet {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet").finish_non_exhaustive()
    }
}

impl Wallet {
    /// Opens the wallet whose store is in `store_dir`, unwrapping its data key with `wrapper`.
    pub fn open(
        store_dir: &std::path::Path,
        wrapper: &dyn KeyWrapper,
        area: Arc<dyn SecureArea>,
        config: WalletConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, WalletError> {
        let store = CredentialStore::open(store_dir, wrapper)?;
        Ok(Wallet {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                area,
                config,
                clock,
                pending: Mutex::new(BTreeMap::new()),
            }),
        })
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, CredentialStore> {
        // A panic while holding the lock cannot leave the store inconsistent (every write is
        // atomic on disk), so a poisoned lock is safe to reuse.
        self.inner
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The credentials prepared and still pending, by device key alias.
    pub(crate) fn pending(&self) -> MutexGuard<'_, BTreeMap<String, PendingCredential>> {
        // Every update is a single insert or remove, so a poisoned map is consistent.
        self.inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The secure area holding the device keys.
    pub fn secure_area(&self) -> &dyn SecureArea {
        self.inner.area.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &WalletConfig {
        &self.inner.config
    }

    /// The current time from the injected clock.
    pub fn now(&self) -> mdoc::time::Timestamp {
        self.inner.clock.now()
    }

    /// Summaries of the stored credentials.
    pub fn credentials(&self) -> Vec<CredentialSummary> {
        self.store().list()
    }

    /// One stored credential.
    pub fn credential(&self, id: &str) -> Result<StoredCredential, WalletError> {
        Ok(self.store().get(id)?)
    }

    /// Deletes a credential and its device key.
    pub fn delete_credential(&self, id: &str) -> Result<(), WalletError> {
        let area = Arc::clone(&self.inner.area);
        Ok(self.store().delete(id, Some(area.as_ref()))?)
    }

    /// Changes the wallet key from `current` to `new` by rewrapping the store's data key (see
    /// [`CredentialStore::change_key`]; crash-safe, and afterwards `current` opens nothing).
    /// `software_area` is the directory of the [`crate::secure_area::SoftwareSecureArea`] whose
    /// keys the wallet key wraps too, to change in the same commit; when `None`, the wallet's
    /// own secure area's [`SecureArea::wallet_key_directory`] is used (the software area's
    /// directory; `None` for a hardware area, which the wallet key does not wrap). An app
    /// behind the FFI, whose software area the core cannot see through, passes it.
    ///
    /// For a passphrase, derive both keys with [`crate::keys::WalletKey::from_passphrase_in`]
    /// in the same directory (the salt is kept; only the passphrase changes).
    pub fn change_wallet_key(
        &self,
        current: &dyn KeyWrapper,
        new: &dyn KeyWrapper,
        software_area: Option<&std::path::Path>,
    ) -> Result<(), WalletError> {
        let area = software_area.or_else(|| self.inner.area.wallet_key_directory());
        Ok(self.store().change_key(current, new, area)?)
    }

    /// Records in the store's quarantine, including those moved there before this open.
    pub fn quarantined(&self) -> Vec<QuarantinedRecord> {
        self.store().quarantined().to_vec()
    }
}
