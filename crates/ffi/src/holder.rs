//! The holder's objects: the wallet and its presentation session.

use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::clock::{Clock, SystemClock};
use wallet::openid4vp::{Channel, OpenId4VpPresentation};
use wallet::proximity::ProximitySession;

use crate::convert::{
    ConsentRequest, CredentialSummary, DeviceAuthentication, OpenId4VpResponse, PendingCredential,
    RetrievalOptions, Selection, SessionEvent, anchors,
};
use crate::error::CitizenWalletError;
use crate::secure_area::{Foreign, SecureArea};

/// A citizen's wallet: an encrypted credential store, device keys in a secure area, and the
/// trust anchors for issuers and readers.
#[derive(uniffi::Object)]
pub struct Wallet {
    pub(crate) inner: wallet::Wallet,
}

#[uniffi::export]
impl Wallet {
    /// Opens (creating when new) the wallet whose store is in `store_directory`, encrypted under
    /// `wallet_key` (32 bytes, e.g. from the platform keychain). `issuer_anchors_pem` and
    /// `reader_anchors_pem` hold the IACA and reader root certificates to trust.
    #[uniffi::constructor]
    pub fn open(
        store_directory: String,
        wallet_key: Vec<u8>,
        secure_area: Arc<dyn SecureArea>,
        issuer_anchors_pem: String,
        reader_anchors_pem: String,
        device_authentication: DeviceAuthentication,
    ) -> Result<Arc<Self>, CitizenWalletError> {
        let config = wallet::WalletConfig {
            issuer_anchors: anchors(&issuer_anchors_pem)?,
            reader_anchors: anchors(&reader_anchors_pem)?,
            device_auth: device_authentication.into(),
            ..wallet::WalletConfig::default()
        };
        open_with(store_directory, wallet_key, secure_area, config)
    }

    /// As [`Wallet::open`], also trusting the reader CAs of `rical` (a RICAL's bytes, as
    /// fetched) once the list verifies against the RICAL anchors in `rical_anchors_pem` at the
    /// system time (`WalletConfig::add_rical`, default policy). A refused list is an
    /// `InvalidInput` error naming the check.
    #[uniffi::constructor]
    #[allow(clippy::too_many_arguments)] // `open`'s arguments and the list with its anchors.
    pub fn open_with_rical(
        store_directory: String,
        wallet_key: Vec<u8>,
        secure_area: Arc<dyn SecureArea>,
        issuer_anchors_pem: String,
        reader_anchors_pem: String,
        rical: Vec<u8>,
        rical_anchors_pem: String,
        device_authentication: DeviceAuthentication,
    ) -> Result<Arc<Self>, CitizenWalletError> {
        let mut config = wallet::WalletConfig {
            issuer_anchors: anchors(&issuer_anchors_pem)?,
            reader_anchors: anchors(&reader_anchors_pem)?,
            device_auth: device_authentication.into(),
            ..wallet::WalletConfig::default()
        };
        config
            .add_rical(
                &rical,
                &anchors(&rical_anchors_pem)?,
                SystemClock.now(),
                &mdoc::trust_list::ListPolicy::default(),
            )
            .map_err(CitizenWalletError::invalid)?;
        open_with(store_directory, wallet_key, secure_area, config)
    }

    /// Creates a device key for a credential of `doc_type`; give `device_key` to the issuer.
    pub fn prepare(&self, doc_type: String) -> Result<PendingCredential, CitizenWalletError> {
        let pending = self.inner.prepare(&doc_type)?;
        Ok(PendingCredential {
            doc_type: pending.doc_type,
            device_key_alias: pending.device_key_alias,
            device_key: pending.device_key.to_bytes(),
        })
    }

    /// Verifies the issuer's credential fully and stores it. `pending` must be exactly what
    /// `prepare` returned in this wallet session: the core keeps the doc type and device key
    /// it prepared and refuses any other, and the MSO must bind the secure area's key under the
    /// alias.
    pub fn accept(
        &self,
        pending: PendingCredential,
        issuer_signed: Vec<u8>,
    ) -> Result<CredentialSummary, CitizenWalletError> {
        let core = wallet::provisioning::PendingCredential {
            doc_type: pending.doc_type,
            device_key_alias: pending.device_key_alias,
            device_key: mdoc::cose::CoseKey::from_bytes(&pending.device_key)
                .map_err(CitizenWalletError::invalid)?,
        };
        Ok(self.inner.accept(&core, &issuer_signed)?.into())
    }

    /// The stored credentials.
    pub fn credentials(&self) -> Vec<CredentialSummary> {
        self.inner
            .credentials()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Deletes a credential and its device key.
    pub fn delete_credential(&self, id: String) -> Result<(), CitizenWalletError> {
        Ok(self.inner.delete_credential(&id)?)
    }

    /// Changes the wallet key from `current_key` to `new_key` (32 bytes each, as `open` takes
    /// them) by rewrapping the store's data key; nothing is re-encrypted. Crash-safe: at every
    /// moment exactly one of the two keys opens the wallet, and afterwards `current_key` opens
    /// nothing. When the device keys are in a `software_secure_area` opened with the same wallet
    /// key, give its directory as `software_secure_area_directory` so they change in the same
    /// commit; leave it `None` for a platform secure area (the wallet key does not wrap it).
    pub fn change_wallet_key(
        &self,
        current_key: Vec<u8>,
        new_key: Vec<u8>,
        software_secure_area_directory: Option<String>,
    ) -> Result<(), CitizenWalletError> {
        let current = crate::convert::wallet_key(current_key)?;
        let new = crate::convert::wallet_key(new_key)?;
        let area = software_secure_area_directory
            .as_deref()
            .map(std::path::Path::new);
        Ok(self.inner.change_wallet_key(&current, &new, area)?)
    }

    /// Answers a Digital Credentials API request (`org-iso-mdoc`): `request_json` is the
    /// protocol data (`{"deviceRequest", "encryptionInfo"}`), `origin` the calling web origin as
    /// the platform reports it.
    pub fn start_dcapi(
        &self,
        request_json: String,
        origin: String,
    ) -> Result<Arc<DcapiSession>, CitizenWalletError> {
        let inner =
            wallet::dcapi::DcapiPresentation::from_request(&self.inner, &request_json, &origin)?;
        Ok(Arc::new(DcapiSession { inner }))
    }

    /// Answers an unsigned OpenID4VP 1.0 request (DCQL, `mso_mdoc`): with `origin`, the
    /// `data` of a Digital Credentials API request from that web origin (`dc_api`,
    /// `dc_api.jwt`); without, a redirect request as its `openid4vp://` URL or parameters JSON
    /// (`direct_post`, `direct_post.jwt`).
    pub fn start_openid4vp(
        &self,
        request: String,
        origin: Option<String>,
    ) -> Result<Arc<OpenId4VpSession>, CitizenWalletError> {
        let channel = match &origin {
            Some(origin) => Channel::DcApi { origin },
            None => Channel::Redirect,
        };
        let inner = OpenId4VpPresentation::from_request(&self.inner, &request, channel)?;
        Ok(Arc::new(OpenId4VpSession { inner }))
    }

    /// Starts a proximity presentation whose QR engagement advertises no transport (the app
    /// carries the messages by its own means).
    pub fn start_presentation(&self) -> Arc<PresentationSession> {
        self.start_presentation_with(RetrievalOptions::default())
    }

    /// Starts a proximity presentation whose QR engagement advertises `options` (BLE, NFC).
    pub fn start_presentation_with(&self, options: RetrievalOptions) -> Arc<PresentationSession> {
        Arc::new(PresentationSession {
            inner: Mutex::new(ProximitySession::start(&self.inner, options.into_core())),
            consent: Mutex::new(None),
        })
    }
}

/// A remote presentation through the platform's Digital Credentials API (`org-iso-mdoc`).
#[derive(uniffi::Object)]
pub struct DcapiSession {
    pub(crate) inner: wallet::dcapi::DcapiPresentation,
}

#[uniffi::export]
impl DcapiSession {
    /// The consent object for the request.
    pub fn consent(&self) -> ConsentRequest {
        ConsentRequest::from(self.inner.consent())
    }

    /// Every held element without a minimisation finding.
    pub fn recommended_selection(&self) -> Selection {
        selection_record(self.inner.consent().recommended_selection())
    }

    /// Discloses exactly `selection`: the base64url EncryptedResponse to hand back.
    pub fn approve(&self, selection: Selection) -> Result<String, CitizenWalletError> {
        Ok(self.inner.approve(&selection.into())?)
    }

    /// Discloses nothing: an EncryptedResponse reporting every document as not returned.
    pub fn decline(&self) -> String {
        self.inner.decline()
    }
}

/// A remote presentation over OpenID4VP.
#[derive(uniffi::Object)]
pub struct OpenId4VpSession {
    pub(crate) inner: OpenId4VpPresentation,
}

#[uniffi::export]
impl OpenId4VpSession {
    /// The consent object for the request.
    pub fn consent(&self) -> ConsentRequest {
        ConsentRequest::from(self.inner.consent())
    }

    /// Every held element without a minimisation finding.
    pub fn recommended_selection(&self) -> Selection {
        selection_record(self.inner.consent().recommended_selection())
    }

    /// Discloses exactly `selection`: the authorization response to hand back.
    pub fn approve(&self, selection: Selection) -> Result<OpenId4VpResponse, CitizenWalletError> {
        Ok(OpenId4VpResponse::from(
            &self.inner.approve(&selection.into())?,
        ))
    }

    /// Discloses nothing: the `access_denied` error response.
    pub fn decline(&self) -> OpenId4VpResponse {
        OpenId4VpResponse::from(&self.inner.decline())
    }
}

fn selection_record(selection: wallet::consent::Selection) -> Selection {
    Selection {
        approved: selection
            .approved
            .into_iter()
            .map(|a| crate::convert::ApprovedElement {
                doc_type: a.doc_type,
                namespace: a.namespace,
                identifier: a.identifier,
            })
            .collect(),
    }
}

/// A proximity presentation: QR code, requests, consent, responses.
#[derive(uniffi::Object)]
pub struct PresentationSession {
    pub(crate) inner: Mutex<ProximitySession>,
    pub(crate) consent: Mutex<Option<wallet::consent::ConsentRequest>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[uniffi::export]
impl PresentationSession {
    /// The `mdoc:` URI to show as a QR code.
    pub fn qr_uri(&self) -> String {
        lock(&self.inner).qr_uri()
    }

    /// Handles a message from the reader.
    pub fn handle(&self, message: Vec<u8>) -> SessionEvent {
        match lock(&self.inner).handle(&message) {
            wallet::proximity::SessionEvent::Consent(consent) => {
                let request = ConsentRequest::from(consent.as_ref());
                *lock(&self.consent) = Some(*consent);
                SessionEvent::Consent { request }
            }
            wallet::proximity::SessionEvent::Terminated => SessionEvent::Terminated,
            wallet::proximity::SessionEvent::Failed { reply, error } => SessionEvent::Failed {
                reply,
                message: error.to_string(),
            },
            _ => SessionEvent::Failed {
                reply: Vec::new(),
                message: "unsupported session event".to_owned(),
            },
        }
    }

    /// Every held element of the pending request without a minimisation finding.
    pub fn recommended_selection(&self) -> Result<Selection, CitizenWalletError> {
        let consent = lock(&self.consent);
        let core = consent
            .as_ref()
            .ok_or_else(|| CitizenWalletError::session("no pending request"))?;
        Ok(selection_record(core.recommended_selection()))
    }

    /// Discloses exactly `selection`; returns the bytes to send. A failed approve leaves the
    /// request pending, so the app can correct the selection and try again.
    pub fn approve(&self, selection: Selection) -> Result<Vec<u8>, CitizenWalletError> {
        let reply = lock(&self.inner).approve(&selection.into())?;
        *lock(&self.consent) = None;
        Ok(reply)
    }

    /// Discloses nothing; returns the bytes to send.
    pub fn decline(&self) -> Result<Vec<u8>, CitizenWalletError> {
        let reply = lock(&self.inner).decline()?;
        *lock(&self.consent) = None;
        Ok(reply)
    }

    /// Ends the session; returns the bytes to send.
    pub fn terminate(&self) -> Vec<u8> {
        lock(&self.inner).terminate()
    }
}

/// Opens the wallet store with `config` (shared by the constructors).
fn open_with(
    store_directory: String,
    wallet_key: Vec<u8>,
    secure_area: Arc<dyn SecureArea>,
    config: wallet::WalletConfig,
) -> Result<Arc<Wallet>, CitizenWalletError> {
    let key = crate::convert::wallet_key(wallet_key)?;
    let inner = wallet::Wallet::open(
        std::path::Path::new(&store_directory),
        &key,
        Arc::new(Foreign(secure_area)),
        config,
        Arc::new(SystemClock),
    )?;
    Ok(Arc::new(Wallet { inner }))
}
