//! The holder's side of an ISO 18013-5 proximity session (QR engagement; BLE/NFC transport is
//! the app's): engagement, SessionEstablishment, the encrypted DeviceRequest, consent, the
//! encrypted DeviceResponse, further requests, and termination.

use mdoc::cbor::{self, Embedded, Tagged};
use mdoc::cose::CoseKey;
use mdoc::definitions::{
    Capabilities, DeviceEngagement, DeviceRequest, DeviceRetrievalMethod, Handover, SessionData,
    SessionEstablishment, SessionStatus, SessionTranscript,
};
use mdoc::session::{Role, SessionCipher, SessionKeys, ecdh};
use p256::{PublicKey, SecretKey};

use crate::consent::{ConsentRequest, Selection};
use crate::history::{self, Channel, Outcome};
use crate::presentation::{PreparedRequest, decline, prepare_request, respond};
use crate::wallet::{Wallet, WalletError};

/// What a message from the reader led to.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A request to show the citizen; answer with [`ProximitySession::approve`] or
    /// [`ProximitySession::decline`].
    Consent(Box<ConsentRequest>),
    /// The reader ended the session.
    Terminated,
    /// The message could not be processed. `reply` (a SessionData with an error status) should
    /// be sent to the reader; the session has ended.
    Failed {
        /// The bytes to send to the reader.
        reply: Vec<u8>,
        /// What went wrong.
        error: WalletError,
    },
}

enum State {
    AwaitingEstablishment,
    Established(Box<Established>),
    Ended,
}

struct Established {
    cipher: SessionCipher,
    e_reader_key: PublicKey,
    transcript: SessionTranscript,
}

/// A proximity presentation session.
pub struct ProximitySession {
    wallet: Wallet,
    e_device_key: SecretKey,
    engagement: Tagged<DeviceEngagement>,
    state: State,
    pending: Option<PreparedRequest>,
    handover: Handover,
}

impl std::fmt::Debug for ProximitySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProximitySession").finish_non_exhaustive()
    }
}

fn status_reply(status: SessionStatus) -> Vec<u8> {
    cbor::to_vec(&SessionData::with_status(status))
}

impl ProximitySession {
    /// Starts a session: a fresh ephemeral device key and the engagement advertising
    /// `retrieval_methods` (as the app's transport offers them).
    pub fn start(wallet: &Wallet, retrieval_methods: Vec<DeviceRetrievalMethod>) -> Self {
        Self::start_with(wallet, retrieval_methods, None)
    }

    /// Starts a session whose engagement advertises this core's second-edition capabilities
    /// (version 1.1 with ReaderAuthAllSupport and ExtendedRequestSupport, OriginInfos empty),
    /// so a second-edition reader may send a version 1.1 DeviceRequest signed with
    /// readerAuthAll. Requests of either version are answered the same way in both sessions.
    pub fn start_second_edition(
        wallet: &Wallet,
        retrieval_methods: Vec<DeviceRetrievalMethod>,
    ) -> Self {
        Self::start_with(wallet, retrieval_methods, Some(&Capabilities::supported()))
    }

    fn start_with(
        wallet: &Wallet,
        retrieval_methods: Vec<DeviceRetrievalMethod>,
        capabilities: Option<&Capabilities>,
    ) -> Self {
        let e_device_key = mdoc::rng::new_p256_secret_key();
        let engagement =
            DeviceEngagement::new(CoseKey::new(e_device_key.public_key()), retrieval_methods);
        let engagement = Tagged::new(match capabilities {
            Some(capabilities) => engagement.with_capabilities(capabilities),
            None => engagement,
        });
        ProximitySession {
            wallet: wallet.clone(),
            e_device_key,
            engagement,
            state: State::AwaitingEstablishment,
            pending: None,
            handover: Handover::Qr,
        }
    }

    /// The `mdoc:` URI to show as a QR code.
    pub fn qr_uri(&self) -> String {
        DeviceEngagement::qr_uri(&self.engagement)
    }

    /// DeviceEngagementBytes as sent.
    pub fn engagement(&self) -> &Embedded {
        self.engagement.embedded()
    }

    /// Sets the SessionTranscript's handover before the reader's first message: NFC
    /// engagement's Handover Select and Request (see `crate::nfc`). QR engagement by default.
    pub fn set_handover(&mut self, handover: Handover) -> Result<(), WalletError> {
        match self.state {
            State::AwaitingEstablishment => {
                self.handover = handover;
                Ok(())
            }
            _ => Err(WalletError::WrongState),
        }
    }

    /// The session transcript, once established.
    pub fn transcript(&self) -> Option<&SessionTranscript> {
        match &self.state {
            State::Established(established) => Some(&established.transcript),
            _ => None,
        }
    }

    /// Handles a message from the reader.
    pub fn handle(&mut self, message: &[u8]) -> SessionEvent {
        match self.try_handle(message) {
            Ok(event) => event,
            Err((status, error)) => {
                self.state = State::Ended;
                let consent = self.pending.take().map(|p| p.consent().clone());
                self.wallet.note_history(history::failure(
                    Channel::Proximity,
                    consent.as_ref(),
                    Outcome::Failed,
                    Some(&error),
                ));
                SessionEvent::Failed {
                    reply: status_reply(status),
                    error,
                }
            }
        }
    }

    fn try_handle(&mut self, message: &[u8]) -> Result<SessionEvent, (SessionStatus, WalletError)> {
        let cbor_error =
            |e: cbor::CborError| (SessionStatus::CborDecodingError, WalletError::Malformed(e));
        let encrypted = match &self.state {
            State::Ended => return Err((SessionStatus::Termination, WalletError::SessionEnded)),
            State::AwaitingEstablishment => {
                let establishment: SessionEstablishment = mdoc::limits::SESSION_TO_WALLET
                    .decode(message)
                    .map_err(cbor_error)?;
                let e_reader_key = *establishment.e_reader_key.public_key();
                let transcript = SessionTranscript {
                    device_engagement: Some(self.engagement.embedded().clone()),
                    e_reader_key: Some(establishment.e_reader_key.embedded().clone()),
                    handover: self.handover.clone(),
                };
                let shared = ecdh(&self.e_device_key, &e_reader_key);
                let keys = SessionKeys::derive(&shared, transcript.to_bytes().encoded());
                self.state = State::Established(Box::new(Established {
                    cipher: SessionCipher::new(Role::Device, &keys),
                    e_reader_key,
                    transcript,
                }));
                establishment.data
            }
            State::Established(_) => {
                let data: SessionData = mdoc::limits::SESSION_TO_WALLET
                    .decode(message)
                    .map_err(cbor_error)?;
                if data.status == Some(SessionStatus::Termination) {
                    self.state = State::Ended;
                    self.cancel_pending();
                    return Ok(SessionEvent::Terminated);
                }
                data.data
                    .ok_or((SessionStatus::CborDecodingError, WalletError::WrongState))?
            }
        };
        let State::Established(established) = &mut self.state else {
            return Err((SessionStatus::Termination, WalletError::WrongState));
        };
        let plaintext = established
            .cipher
            .decrypt(&encrypted)
            .map_err(|e| (SessionStatus::EncryptionError, WalletError::Session(e)))?;
        let request: DeviceRequest = mdoc::limits::DEVICE_REQUEST
            .decode(&plaintext)
            .map_err(cbor_error)?;
        let prepared = prepare_request(&self.wallet, &request, &established.transcript)
            .map_err(|e| (SessionStatus::Termination, e))?;
        let consent = prepared.consent().clone();
        self.pending = Some(prepared);
        Ok(SessionEvent::Consent(Box::new(consent)))
    }

    /// Discloses exactly `selection` and returns the SessionData to send.
    pub fn approve(&mut self, selection: &Selection) -> Result<Vec<u8>, WalletError> {
        let prepared = self.pending.as_ref().ok_or(WalletError::WrongState)?;
        let State::Established(established) = &self.state else {
            return Err(WalletError::WrongState);
        };
        let response = match respond(
            &self.wallet,
            prepared,
            selection,
            Some(&established.e_reader_key),
        ) {
            Ok(response) => response,
            Err(e) => {
                let entry = history::failure(
                    Channel::Proximity,
                    Some(prepared.consent()),
                    Outcome::Failed,
                    Some(&e),
                );
                self.wallet.note_history(entry);
                return Err(e);
            }
        };
        let entry = history::presentation(
            Channel::Proximity,
            prepared.consent(),
            Some(selection),
            Outcome::Approved,
        );
        self.pending = None;
        let reply = self.send(&cbor::to_vec(&response))?;
        // Recorded before the bytes leave: no entry, no response.
        self.wallet.commit_history(entry)?;
        Ok(reply)
    }

    /// Discloses nothing and returns the SessionData to send.
    pub fn decline(&mut self) -> Result<Vec<u8>, WalletError> {
        let prepared = self.pending.take().ok_or(WalletError::WrongState)?;
        let entry = history::presentation(
            Channel::Proximity,
            prepared.consent(),
            None,
            Outcome::Declined,
        );
        self.wallet.note_history(entry);
        self.send(&cbor::to_vec(&decline(&prepared)))
    }

    /// Ends the session: the SessionData with status 20 to send.
    pub fn terminate(&mut self) -> Vec<u8> {
        self.state = State::Ended;
        self.cancel_pending();
        status_reply(SessionStatus::Termination)
    }

    /// Drops a request still waiting for the citizen, recording it as cancelled.
    fn cancel_pending(&mut self) {
        if let Some(prepared) = self.pending.take() {
            let entry = history::failure(
                Channel::Proximity,
                Some(prepared.consent()),
                Outcome::Cancelled,
                None,
            );
            self.wallet.note_history(entry);
        }
    }

    fn send(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, WalletError> {
        let State::Established(established) = &mut self.state else {
            return Err(WalletError::SessionEnded);
        };
        let sealed = established.cipher.encrypt(plaintext)?;
        Ok(cbor::to_vec(&SessionData::with_data(sealed)))
    }
}
