//! The verifier's objects.

use std::sync::{Arc, Mutex, MutexGuard};

use mdoc::clock::{Clock, SystemClock};
use mdoc::x509::TrustAnchors;
use p256::pkcs8::DecodePrivateKey;

use verifier::openid4vp::OpenId4VpRequest;

use crate::convert::{DocumentRequest, VerificationReport, anchors};
use crate::error::CitizenWalletError;
use crate::status::PendingVerification;

/// One status checker per verifier: lists verified once are reused by every session.
type SharedChecker = Arc<Mutex<verifier::status::StatusChecker>>;

/// A status checker whose list signers chain to `issuer_anchors` (the issuers' IACAs); an
/// undetermined status fails the check (the default policy).
fn status_checker(issuer_anchors: &mdoc::x509::TrustAnchors) -> SharedChecker {
    Arc::new(Mutex::new(verifier::status::StatusChecker::new(
        issuer_anchors.clone(),
        verifier::status::StatusPolicy::default(),
        verifier::status::DEFAULT_CACHE_CAPACITY,
    )))
}

/// A verifier (reader): trusted issuers and, optionally, the reader key that identifies it.
#[derive(uniffi::Object)]
pub struct Verifier {
    pub(crate) issuer_anchors: TrustAnchors,
    pub(crate) reader_key: Option<verifier::ReaderKey>,
    pub(crate) status: SharedChecker,
}

#[uniffi::export]
impl Verifier {
    /// A verifier trusting the IACAs in `issuer_anchors_pem`. With `reader_private_key_pkcs8`
    /// (DER) and `reader_chain_pem` (leaf first) its requests carry reader authentication.
    #[uniffi::constructor]
    pub fn new(
        issuer_anchors_pem: String,
        reader_private_key_pkcs8: Option<Vec<u8>>,
        reader_chain_pem: Option<String>,
    ) -> Result<Arc<Self>, CitizenWalletError> {
        let reader_key = match (reader_private_key_pkcs8, reader_chain_pem) {
            (Some(der), Some(pem)) => {
                let key = zeroize::Zeroizing::new(der);
                let signing_key = p256::ecdsa::SigningKey::from_pkcs8_der(&key)
                    .map_err(CitizenWalletError::invalid)?;
                let chain = mdoc::x509::Certificate::from_pem_chain(&pem)
                    .map_err(CitizenWalletError::invalid)?
                    .iter()
                    .map(|c| c.der().to_vec())
                    .collect();
                Some(verifier::ReaderKey::new(signing_key, chain))
            }
            (None, None) => None,
            _ => {
                return Err(CitizenWalletError::invalid(
                    "reader key and chain go together",
                ));
            }
        };
        let issuer_anchors = anchors(&issuer_anchors_pem)?;
        let status = status_checker(&issuer_anchors);
        Ok(Arc::new(Verifier {
            issuer_anchors,
            reader_key,
            status,
        }))
    }

    /// This verifier, also trusting the IACAs of `vical` (a VICAL's bytes, as fetched) each for
    /// the doc types the list names, once the list verifies against the VICAL anchors in
    /// `vical_anchors_pem` at the system time. A refused list is an `InvalidInput` error naming
    /// the check; nothing is added.
    pub fn with_vical(
        &self,
        vical: Vec<u8>,
        vical_anchors_pem: String,
    ) -> Result<Arc<Verifier>, CitizenWalletError> {
        let mut issuer_anchors = self.issuer_anchors.clone();
        verifier::trust_lists::add_vical(
            &mut issuer_anchors,
            &vical,
            &anchors(&vical_anchors_pem)?,
            SystemClock.now(),
            &mdoc::trust_list::ListPolicy::default(),
        )
        .map_err(CitizenWalletError::invalid)?;
        Ok(Arc::new(Verifier {
            status: status_checker(&issuer_anchors),
            issuer_anchors,
            reader_key: self.reader_key.clone(),
        }))
    }

    /// A Digital Credentials API request (`org-iso-mdoc`) for a page served at `origin`.
    pub fn dcapi_request(
        &self,
        documents: Vec<DocumentRequest>,
        origin: String,
    ) -> Result<Arc<VerifierDcapiRequest>, CitizenWalletError> {
        let requests = core_requests(documents)?;
        let inner =
            verifier::dcapi::DcapiRequest::new(&requests, self.reader_key.as_ref(), &origin)?;
        Ok(Arc::new(VerifierDcapiRequest {
            inner,
            issuer_anchors: self.issuer_anchors.clone(),
        }))
    }

    /// An OpenID4VP request through the Digital Credentials API (protocol
    /// `openid4vp-v1-unsigned`) for a page served at `origin`; `encrypted` asks for
    /// `dc_api.jwt`.
    pub fn openid4vp_dc_api_request(
        &self,
        documents: Vec<DocumentRequest>,
        origin: String,
        encrypted: bool,
    ) -> Result<Arc<VerifierOpenId4VpRequest>, CitizenWalletError> {
        let requests = core_requests(documents)?;
        Ok(self.openid4vp(OpenId4VpRequest::dc_api(&requests, &origin, encrypted)))
    }

    /// An OpenID4VP request for a QR code or link, answered by `direct_post` (or
    /// `direct_post.jwt` when `encrypted`) to `response_uri`.
    pub fn openid4vp_redirect_request(
        &self,
        documents: Vec<DocumentRequest>,
        response_uri: String,
        encrypted: bool,
    ) -> Result<Arc<VerifierOpenId4VpRequest>, CitizenWalletError> {
        let requests = core_requests(documents)?;
        Ok(self.openid4vp(OpenId4VpRequest::redirect(
            &requests,
            &response_uri,
            encrypted,
        )))
    }

    /// Starts a session from the wallet's `mdoc:` QR code.
    pub fn start_session(
        &self,
        qr_uri: String,
    ) -> Result<Arc<VerifierSession>, CitizenWalletError> {
        Ok(Arc::new(VerifierSession {
            inner: Mutex::new(verifier::ReaderSession::from_qr_uri(&qr_uri)?),
            issuer_anchors: self.issuer_anchors.clone(),
            status: Arc::clone(&self.status),
            reader_key: self.reader_key.clone(),
        }))
    }
}

impl Verifier {
    fn openid4vp(&self, inner: OpenId4VpRequest) -> Arc<VerifierOpenId4VpRequest> {
        Arc::new(VerifierOpenId4VpRequest {
            inner,
            issuer_anchors: self.issuer_anchors.clone(),
        })
    }
}

fn core_requests(
    documents: Vec<DocumentRequest>,
) -> Result<Vec<verifier::DocumentRequest>, CitizenWalletError> {
    documents
        .into_iter()
        .map(DocumentRequest::into_core)
        .collect()
}

/// An outstanding OpenID4VP request.
#[derive(uniffi::Object)]
pub struct VerifierOpenId4VpRequest {
    inner: OpenId4VpRequest,
    issuer_anchors: TrustAnchors,
}

#[uniffi::export]
impl VerifierOpenId4VpRequest {
    /// The request as a JSON object (the Digital Credentials API `data`, or redirect
    /// parameters).
    pub fn request_json(&self) -> String {
        self.inner.request_json()
    }

    /// The request as an `openid4vp://` URL for a QR code or link.
    pub fn request_url(&self) -> String {
        self.inner.request_url()
    }

    /// Verifies the authorization response (the JSON object returned through the Digital
    /// Credentials API, or the form body POSTed to the response_uri) at the current time: one
    /// report per presentation.
    pub fn verify(&self, response: String) -> Result<Vec<VerificationReport>, CitizenWalletError> {
        let reports = self
            .inner
            .verify(&response, &self.issuer_anchors, SystemClock.now())?;
        Ok(reports.iter().map(VerificationReport::from).collect())
    }
}

/// An outstanding Digital Credentials API request.
#[derive(uniffi::Object)]
pub struct VerifierDcapiRequest {
    inner: verifier::dcapi::DcapiRequest,
    issuer_anchors: TrustAnchors,
}

#[uniffi::export]
impl VerifierDcapiRequest {
    /// The protocol data for `navigator.credentials.get`.
    pub fn request_json(&self) -> String {
        self.inner.request_json().to_owned()
    }

    /// Opens and fully verifies the wallet's base64url EncryptedResponse (at the current time).
    pub fn verify(
        &self,
        encrypted_response: String,
    ) -> Result<VerificationReport, CitizenWalletError> {
        let report =
            self.inner
                .verify(&encrypted_response, &self.issuer_anchors, SystemClock.now())?;
        Ok(VerificationReport::from(&report))
    }
}

/// One reader session.
#[derive(uniffi::Object)]
pub struct VerifierSession {
    pub(crate) inner: Mutex<verifier::ReaderSession>,
    pub(crate) issuer_anchors: TrustAnchors,
    pub(crate) reader_key: Option<verifier::ReaderKey>,
    pub(crate) status: SharedChecker,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[uniffi::export]
impl VerifierSession {
    /// The first message to send: the request for `documents`.
    pub fn request(&self, documents: Vec<DocumentRequest>) -> Result<Vec<u8>, CitizenWalletError> {
        let requests = core_requests(documents)?;
        Ok(lock(&self.inner).establish(&requests, self.reader_key.as_ref())?)
    }

    /// Decrypts and fully verifies the wallet's answer (at the current time), with the
    /// status of each document from the lists this verifier already holds: a document naming a
    /// status list not fetched yet fails "Credential not revoked" as undetermined. To fetch
    /// the lists first, use `receiveResponse`.
    pub fn handle_response(
        &self,
        message: Vec<u8>,
    ) -> Result<VerificationReport, CitizenWalletError> {
        Ok(self.receive_response(message)?.finish())
    }

    /// Decrypts and fully verifies the wallet's answer (at the current time); the report is
    /// final once the status lists the result asks for were offered (`finish()`).
    pub fn receive_response(
        &self,
        message: Vec<u8>,
    ) -> Result<Arc<PendingVerification>, CitizenWalletError> {
        let (response, report) = lock(&self.inner).receive_response(
            &message,
            &self.issuer_anchors,
            SystemClock.now(),
        )?;
        Ok(PendingVerification::new(
            Some(response),
            report,
            Arc::clone(&self.status),
        ))
    }

    /// Ends the session; returns the bytes to send.
    pub fn terminate(&self) -> Vec<u8> {
        lock(&self.inner).terminate()
    }
}
