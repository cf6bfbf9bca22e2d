//! The verifier side of ISO/IEC TS 18013-7 Annex C (Digital Credentials API, `org-iso-mdoc`):
//! an employer's backend builds the request for its web page and verifies what comes back.

use mdoc::cbor::{self, MapRest};
use mdoc::cose::CoseKey;
use mdoc::definitions::{DeviceResponse, ItemsRequest, SessionTranscript};
use mdoc::hpke;
use mdoc::online::dcapi::{self, EncryptedResponse, EncryptionInfo};
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use p256::SecretKey;

use crate::report::VerificationReport;
use crate::request::{DocumentRequest, ReaderKey, build_device_request};
use crate::session::VerifierError;
use crate::single_use::SingleUse;
use crate::verify::{VerificationContext, verify_response};

/// The protocol identifier for the Digital Credentials API.
pub const PROTOCOL: &str = "org-iso-mdoc";

/// One outstanding Digital Credentials API request: keep it until the response arrives. It is
/// single-use: the first response that opens under its key answers it, and every later one is
/// refused with [`VerifierError::AlreadyAnswered`] (a response that does not open does not use
/// it up).
pub struct DcapiRequest {
    recipient_key: SecretKey,
    transcript: SessionTranscript,
    requests: Vec<ItemsRequest>,
    request_json: String,
    answered: SingleUse,
}

impl std::fmt::Debug for DcapiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DcapiRequest").finish_non_exhaustive()
    }
}

impl DcapiRequest {
    /// A request for `requests` from a page served at `origin`, with a fresh nonce and recipient
    /// key, reader-authenticated over the `dcapi` transcript when `reader` is given.
    pub fn new(
        requests: &[DocumentRequest],
        reader: Option<&ReaderKey>,
        origin: &str,
    ) -> Result<Self, VerifierError> {
        let recipient_key = mdoc::rng::new_p256_secret_key();
        let encryption_info = EncryptionInfo {
            nonce: mdoc::rng::random_bytes::<16>().to_vec(),
            recipient_public_key: CoseKey::new(recipient_key.public_key()),
            rest: MapRest::default(),
        };
        let encryption_info_b64 = encryption_info.to_base64url();
        let transcript = dcapi::session_transcript(&encryption_info_b64, origin);
        let device_request = build_device_request(requests, &transcript, reader)?;
        let request_json = serde_json::json!({
            "deviceRequest": dcapi::encode_field(&cbor::to_vec(&device_request)),
            "encryptionInfo": encryption_info_b64,
        })
        .to_string();
        Ok(DcapiRequest {
            recipient_key,
            transcript,
            requests: device_request
                .doc_requests
                .iter()
                .map(|d| d.items_request.value().clone())
                .collect(),
            request_json,
            answered: SingleUse::default(),
        })
    }

    /// The protocol `data` for `navigator.credentials.get` (`{"deviceRequest", "encryptionInfo"}`).
    pub fn request_json(&self) -> &str {
        &self.request_json
    }

    /// Opens the wallet's base64url EncryptedResponse and fully verifies the DeviceResponse,
    /// bound to this request's origin and nonce.
    pub fn verify(
        &self,
        encrypted_response: &str,
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<VerificationReport, VerifierError> {
        mdoc::limits::DCAPI_RESPONSE.check(encrypted_response.as_bytes())?;
        let sealed = EncryptedResponse::from_base64url(encrypted_response).map_err(|_| {
            VerifierError::Malformed(cbor::CborError::InvalidValue {
                context: "EncryptedResponse",
            })
        })?;
        let plaintext = hpke::open(
            &self.recipient_key,
            &sealed.enc,
            &dcapi::hpke_info(&self.transcript),
            &[],
            &sealed.cipher_text,
        )
        .map_err(|_| VerifierError::Session(mdoc::session::SessionError::Decryption))?;
        let response: DeviceResponse = mdoc::limits::DEVICE_RESPONSE.decode(&plaintext)?;
        self.answered.take()?;
        let context = VerificationContext {
            transcript: self.transcript.clone(),
            requests: Some(self.requests.clone()),
            issuer_anchors: issuer_anchors.clone(),
            now,
            e_reader_key: None,
        };
        Ok(verify_response(&response, &context))
    }
}
