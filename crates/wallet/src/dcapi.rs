//! Remote presentation through the platform's Digital Credentials API, protocol `org-iso-mdoc`
//! (ISO/IEC TS 18013-7 Annex C). The app hands over the request JSON and the calling origin
//! the platform reports; the wallet returns a consent object and, after approval, the
//! EncryptedResponse to hand back.

use mdoc::cbor;
use mdoc::definitions::{DeviceRequest, SessionTranscript};
use mdoc::hpke;
use mdoc::online::dcapi::{self, EncryptedResponse, EncryptionInfo};

use crate::consent::{ConsentRequest, Selection};
use crate::history::{self, Channel, Outcome};
use crate::presentation::{PreparedRequest, decline, prepare_request, respond};
use crate::wallet::{Wallet, WalletError};

/// Largest accepted request JSON.
pub const MAX_REQUEST_LEN: usize = 8 * 1024 * 1024;

/// A Digital Credentials API request the wallet has understood.
#[derive(Debug)]
pub struct DcapiPresentation {
    wallet: Wallet,
    prepared: PreparedRequest,
    transcript: SessionTranscript,
    encryption_info: EncryptionInfo,
}

fn invalid(context: &'static str) -> WalletError {
    WalletError::Malformed(cbor::CborError::InvalidValue { context })
}

impl DcapiPresentation {
    /// Parses `request_json` (`{"deviceRequest": b64url, "encryptionInfo": b64url}`, the
    /// protocol's `data`) received from `origin`, binds it to the `dcapi` SessionTranscript,
    /// verifies reader authentication and builds the consent object.
    pub fn from_request(
        wallet: &Wallet,
        request_json: &str,
        origin: &str,
    ) -> Result<Self, WalletError> {
        Self::parse(wallet, request_json, origin).inspect_err(|e| {
            wallet.note_history(history::failure(
                Channel::DcApi,
                None,
                Outcome::Failed,
                Some(e),
            ));
        })
    }

    fn parse(wallet: &Wallet, request_json: &str, origin: &str) -> Result<Self, WalletError> {
        if request_json.len() > MAX_REQUEST_LEN {
            return Err(invalid("Digital Credentials API request too large"));
        }
        mdoc::limits::DCAPI_REQUEST.check_json(request_json)?;
        let json: serde_json::Value = serde_json::from_str(request_json)
            .map_err(|_| invalid("Digital Credentials API request JSON"))?;
        let field = |name: &str| json.get(name).and_then(serde_json::Value::as_str);
        let device_request = field("deviceRequest").ok_or(invalid("deviceRequest"))?;
        let encryption_info_b64 = field("encryptionInfo").ok_or(invalid("encryptionInfo"))?;
        let encryption_info = EncryptionInfo::from_base64url(encryption_info_b64)
            .map_err(|_| invalid("encryptionInfo"))?;
        let request_bytes =
            dcapi::decode_field(device_request).map_err(|_| invalid("deviceRequest"))?;
        let request: DeviceRequest = mdoc::limits::DEVICE_REQUEST.decode(&request_bytes)?;
        let transcript = dcapi::session_transcript(encryption_info_b64, origin);
        let mut prepared = prepare_request(wallet, &request, &transcript)?;
        prepared.set_origin(origin.to_owned());
        Ok(DcapiPresentation {
            wallet: wallet.clone(),
            prepared,
            transcript,
            encryption_info,
        })
    }

    /// The consent object for the app.
    pub fn consent(&self) -> &ConsentRequest {
        self.prepared.consent()
    }

    /// Discloses exactly `selection`: the base64url EncryptedResponse to hand back.
    pub fn approve(&self, selection: &Selection) -> Result<String, WalletError> {
        let consent = self.prepared.consent();
        let response = respond(&self.wallet, &self.prepared, selection, None).inspect_err(|e| {
            let entry = history::failure(Channel::DcApi, Some(consent), Outcome::Failed, Some(e));
            self.wallet.note_history(entry);
        })?;
        let sealed = self.seal(&cbor::to_vec(&response));
        // Recorded before the bytes leave: no entry, no response.
        let entry =
            history::presentation(Channel::DcApi, consent, Some(selection), Outcome::Approved);
        self.wallet.commit_history(entry)?;
        Ok(sealed)
    }

    /// Discloses nothing: an EncryptedResponse whose DeviceResponse reports every document as
    /// not returned.
    pub fn decline(&self) -> String {
        let consent = self.prepared.consent();
        let entry = history::presentation(Channel::DcApi, consent, None, Outcome::Declined);
        self.wallet.note_history(entry);
        self.seal(&cbor::to_vec(&decline(&self.prepared)))
    }

    /// The citizen or the platform abandoned the request without an answer: nothing is sent;
    /// the attempt is recorded as cancelled.
    pub fn cancel(self) {
        let consent = self.prepared.consent();
        let entry = history::failure(Channel::DcApi, Some(consent), Outcome::Cancelled, None);
        self.wallet.note_history(entry);
    }

    fn seal(&self, device_response: &[u8]) -> String {
        let (enc, cipher_text) = hpke::seal(
            self.encryption_info.recipient_public_key.public_key(),
            &dcapi::hpke_info(&self.transcript),
            &[],
            device_response,
        );
        EncryptedResponse { enc, cipher_text }.to_base64url()
    }
}
