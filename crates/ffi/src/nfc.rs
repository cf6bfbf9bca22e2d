//! NFC engagement objects: the wallet's tag (`NfcEngagement`, for Android's `HostApduService`)
//! and the reader's driver (`VerifierNfcEngagement`, for an NFC reader session). Conversion
//! only: the APDU state machines are `wallet::nfc` and `verifier::nfc`.

use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::nfc::carrier::{BleOob, Carrier, LeRole};
use mdoc::nfc::tag::Mode;
use verifier::nfc::{NfcReader, NfcReaderStep};
use wallet::nfc::NfcEvent;

use crate::error::CitizenWalletError;
use crate::holder::PresentationSession;
use crate::reader::{Verifier, VerifierSession};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where a wallet's NFC engagement stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum NfcEngagementState {
    /// The reader has not yet read the Handover Select.
    InProgress,
    /// The handover is complete and bound into the session: advertise the BLE service
    /// `ble_service_uuid` and pass the reader's messages to the presentation session.
    Complete {
        /// The BLE service UUID the Handover Select offered.
        ble_service_uuid: Vec<u8>,
    },
    /// The conversation failed; the presentation can still engage by QR code.
    Failed {
        /// What went wrong (no personal data).
        message: String,
    },
}

/// The wallet as an NFC Type 4 Tag for one presentation session.
#[derive(uniffi::Object)]
pub struct NfcEngagement {
    session: Arc<PresentationSession>,
    inner: Mutex<wallet::nfc::NfcEngagement>,
    state: Mutex<NfcEngagementState>,
}

fn uuid(bytes: Vec<u8>) -> Result<[u8; 16], CitizenWalletError> {
    bytes
        .try_into()
        .map_err(|_| CitizenWalletError::invalid("a BLE service UUID is 16 bytes"))
}

#[uniffi::export]
impl NfcEngagement {
    /// Offers `session`'s engagement over BLE (mdoc peripheral server mode, service
    /// `ble_service_uuid`, 16 bytes), by static handover, or negotiated (TNEP) when `negotiated`.
    #[uniffi::constructor]
    pub fn new(
        session: Arc<PresentationSession>,
        ble_service_uuid: Vec<u8>,
        negotiated: bool,
    ) -> Result<Arc<Self>, CitizenWalletError> {
        let carrier = Carrier::Ble(
            BleOob::default()
                .with_role(LeRole::PeripheralOnly)
                .with_uuid(uuid(ble_service_uuid)?),
        );
        let mode = if negotiated {
            Mode::Negotiated
        } else {
            Mode::Static
        };
        let inner = wallet::nfc::NfcEngagement::new(&lock(&session.inner), vec![carrier], mode)
            .map_err(CitizenWalletError::invalid)?;
        Ok(Arc::new(NfcEngagement {
            session,
            inner: Mutex::new(inner),
            state: Mutex::new(NfcEngagementState::InProgress),
        }))
    }

    /// Answers one command APDU (what `HostApduService.processCommandApdu` returns).
    pub fn process_apdu(&self, apdu: Vec<u8>) -> Vec<u8> {
        let (response, event) =
            lock(&self.inner).process_apdu(&mut lock(&self.session.inner), &apdu);
        if let Some(event) = event {
            *lock(&self.state) = match event {
                NfcEvent::EngagementComplete { carriers } => NfcEngagementState::Complete {
                    ble_service_uuid: carriers
                        .iter()
                        .find_map(|c| match c {
                            Carrier::Ble(oob) => oob.uuid(),
                            _ => None,
                        })
                        .map(|u| u.to_vec())
                        .unwrap_or_default(),
                },
                NfcEvent::Failed(e) => NfcEngagementState::Failed {
                    message: e.to_string(),
                },
                _ => NfcEngagementState::Failed {
                    message: "unsupported NFC event".to_owned(),
                },
            };
        }
        response
    }

    /// Where the engagement stands.
    pub fn state(&self) -> NfcEngagementState {
        lock(&self.state).clone()
    }
}

/// The reader's side of NFC engagement with one wallet.
#[derive(uniffi::Object)]
pub struct VerifierNfcEngagement {
    verifier: Arc<Verifier>,
    inner: Mutex<NfcReader>,
    session: Mutex<Option<Arc<VerifierSession>>>,
}

#[uniffi::export]
impl VerifierNfcEngagement {
    /// An engagement for `verifier`, accepting BLE (mdoc peripheral server mode).
    #[uniffi::constructor]
    pub fn new(verifier: Arc<Verifier>) -> Arc<Self> {
        let ble = Carrier::Ble(BleOob::default().with_role(LeRole::CentralOnly));
        Arc::new(VerifierNfcEngagement {
            verifier,
            inner: Mutex::new(NfcReader::new(vec![ble])),
            session: Mutex::new(None),
        })
    }

    /// The first command APDU to send to the tag.
    pub fn start(&self) -> Result<Vec<u8>, CitizenWalletError> {
        Ok(lock(&self.inner).start()?)
    }

    /// Takes the tag's response: the next command APDU, or `None` once engaged (then take
    /// [`session`](Self::session)).
    pub fn on_response(&self, response: Vec<u8>) -> Result<Option<Vec<u8>>, CitizenWalletError> {
        match lock(&self.inner).on_response(&response)? {
            NfcReaderStep::Send(command) => Ok(Some(command)),
            NfcReaderStep::Engaged { session, .. } => {
                *lock(&self.session) = Some(Arc::new(VerifierSession {
                    inner: Mutex::new(*session),
                    issuer_anchors: self.verifier.issuer_anchors.clone(),
                    reader_key: self.verifier.reader_key.clone(),
                    status: Arc::clone(&self.verifier.status),
                }));
                Ok(None)
            }
            _ => Err(CitizenWalletError::session("unsupported NFC step")),
        }
    }

    /// The reader session, once engaged; its transcript is bound to the NFC handover.
    pub fn session(&self) -> Result<Arc<VerifierSession>, CitizenWalletError> {
        lock(&self.session)
            .clone()
            .ok_or_else(|| CitizenWalletError::session("NFC engagement not complete"))
    }
}
