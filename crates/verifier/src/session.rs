//! The reader side of an ISO 18013-5 proximity session.

use mdoc::cbor::MapRest;
use mdoc::cbor::{self, CborError, Embedded, Tagged};
use mdoc::cose::{CoseError, CoseKey};
use mdoc::definitions::{
    DeviceEngagement, DeviceResponse, EngagementError, Handover, ItemsRequest, SessionData,
    SessionEstablishment, SessionStatus, SessionTranscript,
};
use mdoc::session::{Role, SessionCipher, SessionError, SessionKeys, ecdh};
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use p256::SecretKey;

use crate::report::VerificationReport;
use crate::request::{
    DocumentRequest, ReaderKey, SecondEditionRequest, build_device_request,
    build_second_edition_request,
};
use crate::verify::{VerificationContext, verify_response};
use mdoc::definitions::{Capabilities, DeviceRequest};

/// Why a reader session step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// The engagement QR code is not valid.
    #[error("invalid engagement: {0}")]
    Engagement(#[from] EngagementError),
    /// A message is not the expected CBOR structure.
    #[error("malformed message: {0}")]
    Malformed(#[from] CborError),
    /// Session encryption failed: tampered, replayed or from another session.
    #[error("session encryption: {0}")]
    Session(#[from] SessionError),
    /// Signing the request failed.
    #[error("reader authentication signing failed: {0}")]
    Signing(#[from] CoseError),
    /// The wallet answered with a status instead of data.
    #[error("the wallet ended the session (status {0})")]
    WalletStatus(u64),
    /// The step does not fit the session's state.
    #[error("not allowed in the session's current state")]
    WrongState,
    /// An online authorization response is not what was asked for; names the check.
    #[error("refused response: {0}")]
    Response(&'static str),
    /// The wallet declined (an `access_denied` error response).
    #[error("the wallet declined the request")]
    WalletDeclined,
    /// NFC engagement failed.
    #[error("NFC engagement: {0}")]
    Nfc(#[from] mdoc::nfc::NfcError),
    /// The request was already answered: a request is single-use, so a second response (a
    /// replay, or a copy of the first) is refused. Make a new request.
    #[error("this request has already been answered; a request is single-use")]
    AlreadyAnswered,
}

/// A reader session started from a wallet's QR engagement.
pub struct ReaderSession {
    capabilities: Capabilities,
    e_reader_key: SecretKey,
    transcript: SessionTranscript,
    cipher: SessionCipher,
    requests: Vec<ItemsRequest>,
    device_request: Option<Vec<u8>>,
    established: bool,
}

impl std::fmt::Debug for ReaderSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderSession").finish_non_exhaustive()
    }
}

impl ReaderSession {
    /// Reads the wallet's `mdoc:` QR code, makes an ephemeral reader key and derives the session
    /// keys.
    pub fn from_qr_uri(uri: &str) -> Result<Self, VerifierError> {
        Self::from_engagement(DeviceEngagement::from_qr_uri(uri)?, Handover::Qr)
    }

    /// Starts from DeviceEngagement bytes received otherwise (NFC: the Handover Select's
    /// DeviceEngagement record) with the SessionTranscript handover they came with.
    pub fn from_engagement(
        engagement: Tagged<DeviceEngagement>,
        handover: Handover,
    ) -> Result<Self, VerifierError> {
        let e_reader_key = mdoc::rng::new_p256_secret_key();
        let e_reader_key_bytes = Tagged::new(CoseKey::new(e_reader_key.public_key()));
        let transcript = SessionTranscript {
            device_engagement: Some(engagement.embedded().clone()),
            e_reader_key: Some(e_reader_key_bytes.embedded().clone()),
            handover,
        };
        let shared = ecdh(&e_reader_key, engagement.e_device_key().public_key());
        let keys = SessionKeys::derive(&shared, transcript.to_bytes().encoded());
        Ok(ReaderSession {
            capabilities: engagement.parsed_capabilities(),
            e_reader_key,
            transcript,
            cipher: SessionCipher::new(Role::Reader, &keys),
            requests: Vec::new(),
            device_request: None,
            established: false,
        })
    }

    /// The SessionTranscript of this session.
    pub fn transcript(&self) -> &SessionTranscript {
        &self.transcript
    }

    /// SessionTranscriptBytes.
    pub fn transcript_bytes(&self) -> Embedded {
        self.transcript.to_bytes()
    }

    /// The last DeviceRequest sent, as CBOR.
    pub fn device_request(&self) -> Option<&[u8]> {
        self.device_request.as_deref()
    }

    /// The second-edition capabilities the wallet's engagement advertised (key 6).
    pub fn wallet_capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// True when the wallet's engagement advertises ExtendedRequestSupport, so it understands
    /// a version 1.1 request ([`ReaderSession::establish_second_edition`]); otherwise send 1.0
    /// ([`ReaderSession::establish`]).
    pub fn wallet_supports_second_edition(&self) -> bool {
        self.capabilities.extended_request == Some(true)
    }

    /// The first message carrying a version 1.1 (second edition) request.
    pub fn establish_second_edition(
        &mut self,
        request: &SecondEditionRequest,
        reader: Option<&ReaderKey>,
    ) -> Result<Vec<u8>, VerifierError> {
        let request = build_second_edition_request(request, &self.transcript, reader)?;
        self.establish_request(&request)
    }

    /// A further version 1.1 request in the same session (SessionData).
    pub fn request_again_second_edition(
        &mut self,
        request: &SecondEditionRequest,
        reader: Option<&ReaderKey>,
    ) -> Result<Vec<u8>, VerifierError> {
        if !self.established {
            return Err(VerifierError::WrongState);
        }
        let request = build_second_edition_request(request, &self.transcript, reader)?;
        let data = self.seal_request(&request)?;
        Ok(cbor::to_vec(&SessionData::with_data(data)))
    }

    fn encrypted_request(
        &mut self,
        requests: &[DocumentRequest],
        reader: Option<&ReaderKey>,
    ) -> Result<Vec<u8>, VerifierError> {
        let request = build_device_request(requests, &self.transcript, reader)?;
        self.seal_request(&request)
    }

    fn seal_request(&mut self, request: &DeviceRequest) -> Result<Vec<u8>, VerifierError> {
        let bytes = cbor::to_vec(request);
        self.requests = request
            .doc_requests
            .iter()
            .map(|d| d.items_request.value().clone())
            .collect();
        let sealed = self.cipher.encrypt(&bytes)?;
        self.device_request = Some(bytes);
        Ok(sealed)
    }

    /// The first message: SessionEstablishment carrying the encrypted DeviceRequest.
    pub fn establish(
        &mut self,
        requests: &[DocumentRequest],
        reader: Option<&ReaderKey>,
    ) -> Result<Vec<u8>, VerifierError> {
        if self.established {
            return Err(VerifierError::WrongState);
        }
        let request = build_device_request(requests, &self.transcript, reader)?;
        self.establish_request(&request)
    }

    fn establish_request(&mut self, request: &DeviceRequest) -> Result<Vec<u8>, VerifierError> {
        if self.established {
            return Err(VerifierError::WrongState);
        }
        let data = self.seal_request(request)?;
        self.established = true;
        let e_reader_key = match &self.transcript.e_reader_key {
            Some(key) => Tagged::from_embedded(key.clone())?,
            None => return Err(VerifierError::WrongState),
        };
        Ok(cbor::to_vec(&SessionEstablishment {
            e_reader_key,
            data,
            rest: MapRest::default(),
        }))
    }

    /// A further request in the same session (SessionData).
    pub fn request_again(
        &mut self,
        requests: &[DocumentRequest],
        reader: Option<&ReaderKey>,
    ) -> Result<Vec<u8>, VerifierError> {
        if !self.established {
            return Err(VerifierError::WrongState);
        }
        let data = self.encrypted_request(requests, reader)?;
        Ok(cbor::to_vec(&SessionData::with_data(data)))
    }

    /// Decrypts the wallet's SessionData into the DeviceResponse bytes.
    pub fn decrypt_response(&mut self, message: &[u8]) -> Result<Vec<u8>, VerifierError> {
        let data: SessionData = mdoc::limits::SESSION_TO_READER.decode(message)?;
        match (data.data, data.status) {
            (Some(sealed), _) => Ok(self.cipher.decrypt(&sealed)?),
            (None, Some(status)) => Err(VerifierError::WalletStatus(status.code())),
            (None, None) => Err(VerifierError::WrongState),
        }
    }

    /// Decrypts and fully verifies the wallet's answer against `issuer_anchors` at `now`.
    pub fn handle_response(
        &mut self,
        message: &[u8],
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<VerificationReport, VerifierError> {
        Ok(self.receive_response(message, issuer_anchors, now)?.1)
    }

    /// [`Self::handle_response`] that also gives the decoded DeviceResponse, for the checks
    /// that need it after verification (status: [`crate::status::StatusChecker`]).
    pub fn receive_response(
        &mut self,
        message: &[u8],
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<(DeviceResponse, VerificationReport), VerifierError> {
        let plaintext = self.decrypt_response(message)?;
        let response: DeviceResponse = mdoc::limits::DEVICE_RESPONSE.decode(&plaintext)?;
        let report = verify_response(&response, &self.context(issuer_anchors, now));
        Ok((response, report))
    }

    /// The context responses of this session are verified in.
    pub fn context(&self, issuer_anchors: &TrustAnchors, now: Timestamp) -> VerificationContext {
        VerificationContext {
            transcript: self.transcript.clone(),
            requests: Some(self.requests.clone()),
            issuer_anchors: issuer_anchors.clone(),
            now,
            e_reader_key: Some(self.e_reader_key.clone()),
        }
    }

    /// Ends the session: the SessionData with status 20 to send.
    pub fn terminate(&mut self) -> Vec<u8> {
        cbor::to_vec(&SessionData::with_status(SessionStatus::Termination))
    }
}
