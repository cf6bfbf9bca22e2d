//! Issuance over OpenID4VCI 1.0 (`wallet::issuance`): the app drives an [`IssuanceSession`] —
//! `nextStep()` says what to do (send an HTTP request, ask for the transaction code, wait, or
//! done), the app does it and hands the response back with `handleResponse`. Every decision
//! (which request, what a response means, verifying and storing the batch) is the core's.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::convert::CredentialSummary;
use crate::holder::Wallet;

/// How a document's copies are used in presentations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PresentationPolicy {
    /// Each copy is disclosed once, then deleted with its device key (unlinkable).
    OneTimeUse,
    /// The least-used copy is disclosed; copies are kept.
    RotateUse,
}

impl From<PresentationPolicy> for wallet::store::PresentationPolicy {
    fn from(p: PresentationPolicy) -> Self {
        match p {
            PresentationPolicy::OneTimeUse => wallet::store::PresentationPolicy::OneTimeUse,
            PresentationPolicy::RotateUse => wallet::store::PresentationPolicy::RotateUse,
        }
    }
}

impl From<wallet::store::PresentationPolicy> for PresentationPolicy {
    fn from(p: wallet::store::PresentationPolicy) -> Self {
        match p {
            wallet::store::PresentationPolicy::OneTimeUse => PresentationPolicy::OneTimeUse,
            wallet::store::PresentationPolicy::RotateUse => PresentationPolicy::RotateUse,
        }
    }
}

/// What the app wants from an issuance.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IssuanceOptions {
    /// Copies to ask for (capped by the issuer's `batch_size` and the store's maximum).
    #[uniffi(default = 10)]
    pub batch_size: u32,
    /// How the copies are used in presentations.
    pub policy: PresentationPolicy,
    /// Below this many copies left the document reports "refresh needed".
    #[uniffi(default = 2)]
    pub refresh_below: u32,
    /// The wallet's OAuth client id (authorization code grant and refresh); `None`: the
    /// core's default.
    #[uniffi(default = None)]
    pub client_id: Option<String>,
    /// Where the authorization server sends the browser back (the app's app link / universal
    /// link); `None`: the core's default.
    #[uniffi(default = None)]
    pub redirect_uri: Option<String>,
    /// The citizen's locale (BCP 47, e.g. `cy-GB`) for the issuer's display name and logo;
    /// `None`: English.
    #[uniffi(default = None)]
    pub locale: Option<String>,
}

impl From<IssuanceOptions> for wallet::issuance::IssuanceOptions {
    fn from(o: IssuanceOptions) -> Self {
        let defaults = wallet::issuance::IssuanceOptions::default();
        wallet::issuance::IssuanceOptions {
            batch_size: usize::try_from(o.batch_size).unwrap_or(usize::MAX),
            policy: o.policy.into(),
            refresh_below: o.refresh_below,
            client_id: o.client_id.unwrap_or(defaults.client_id.clone()),
            redirect_uri: o.redirect_uri.unwrap_or(defaults.redirect_uri.clone()),
            locale: o.locale.unwrap_or(defaults.locale.clone()),
            ..defaults
        }
    }
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The name (compare case-insensitively).
    pub name: String,
    /// The value.
    pub value: String,
}

/// An HTTP request for the app to send. Headers and body can carry access tokens: do not log
/// them.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Headers to send, in order.
    pub headers: Vec<HttpHeader>,
    /// The body (empty for GET).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// What the app does next.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum IssuanceStep {
    /// Send `request`, then hand the response to `handleResponse`.
    Send {
        /// The request.
        request: HttpRequest,
    },
    /// Ask the citizen for the transaction code (sent to them out of band) and pass it to
    /// `provideTxCode`.
    NeedTxCode {
        /// The issuer's guidance for the citizen, if any.
        description: Option<String>,
        /// `numeric` or `text` (absent: numeric).
        input_mode: Option<String>,
        /// The code's length, if the issuer says.
        length: Option<u32>,
    },
    /// Authorization code grant: open `url` in the browser (a Custom Tab /
    /// ASWebAuthenticationSession); when the authorization server sends the browser back to
    /// the app's redirect URI, pass that whole URL to `provideRedirect`.
    OpenBrowser {
        /// The authorization URL.
        url: String,
    },
    /// The issuer deferred issuance: wait this many seconds, then call `nextStep` again.
    Wait {
        /// Seconds to wait.
        seconds: u64,
    },
    /// The batch is verified and stored.
    Done {
        /// The stored document.
        credential: CredentialSummary,
    },
}

fn http_request(r: mdoc::openid4vci::http::HttpRequest) -> HttpRequest {
    HttpRequest {
        method: r.method,
        url: r.url,
        headers: r
            .headers
            .into_iter()
            .map(|(name, value)| HttpHeader { name, value })
            .collect(),
        body: r.body,
    }
}

impl From<wallet::issuance::IssuanceStep> for IssuanceStep {
    fn from(step: wallet::issuance::IssuanceStep) -> Self {
        use wallet::issuance::IssuanceStep as S;
        match step {
            S::Send(r) => IssuanceStep::Send {
                request: http_request(r),
            },
            S::NeedTxCode(tx) => IssuanceStep::NeedTxCode {
                description: tx.description,
                input_mode: tx.input_mode,
                length: tx.length,
            },
            S::OpenBrowser { url } => IssuanceStep::OpenBrowser { url },
            S::Wait { interval } => IssuanceStep::Wait { seconds: interval },
            S::Done(summary) => IssuanceStep::Done {
                credential: summary.into(),
            },
        }
    }
}

/// Why an issuance failed. Carries no token, code, key or personal data. After any error but
/// `WrongState` the session has ended: its device keys are deleted and nothing was stored.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum IssuanceError {
    /// The offer or a message from the issuer is malformed or breaks the specification.
    #[error("issuer message refused: {reason}")]
    Message {
        /// What was wrong.
        reason: String,
    },
    /// The issuer answered with an error (`error` is its OAuth error code, e.g.
    /// `invalid_grant` for a wrong transaction code).
    #[error("the issuer refused ({status}): {error}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The error code, or `unknown`.
        error: String,
    },
    /// The offer or the issuer asks for something this wallet does not do.
    #[error("unsupported: {reason}")]
    Unsupported {
        /// What.
        reason: String,
    },
    /// The issuer's answer does not fit the exchange.
    #[error("protocol violation: {reason}")]
    Protocol {
        /// What.
        reason: String,
    },
    /// A returned credential failed the provisioning checks; nothing of the batch was stored.
    #[error("credential refused: {reason}")]
    CredentialRefused {
        /// The failed check and why.
        reason: String,
    },
    /// The wallet (secure area, store) failed.
    #[error("wallet: {reason}")]
    Wallet {
        /// What failed.
        reason: String,
    },
    /// The authorization server sent the browser back with an error (e.g. `access_denied`
    /// when the citizen declined).
    #[error("authorization refused: {error}")]
    AuthorizationDenied {
        /// The OAuth error code.
        error: String,
    },
    /// The redirect's `state` is not the one this session sent (a forged or stale redirect).
    #[error("the redirect does not belong to this issuance")]
    StateMismatch,
    /// The call does not fit the session's state (the session goes on).
    #[error("not allowed in the issuance's current state")]
    WrongState,
    /// The session failed earlier and cannot continue.
    #[error("the issuance has failed")]
    Failed,
}

impl From<wallet::issuance::IssuanceError> for IssuanceError {
    fn from(e: wallet::issuance::IssuanceError) -> Self {
        use wallet::issuance::IssuanceError as E;
        let reason = e.to_string();
        match e {
            E::Message(m) => IssuanceError::Message {
                reason: m.to_string(),
            },
            E::Server { status, error } => IssuanceError::Server { status, error },
            E::Unsupported(what) => IssuanceError::Unsupported {
                reason: what.to_owned(),
            },
            E::Protocol(what) => IssuanceError::Protocol {
                reason: what.to_owned(),
            },
            E::CredentialRefused(w) => IssuanceError::CredentialRefused {
                reason: w.to_string(),
            },
            E::AuthorizationDenied { error } => IssuanceError::AuthorizationDenied { error },
            E::StateMismatch => IssuanceError::StateMismatch,
            E::WrongState => IssuanceError::WrongState,
            E::Failed => IssuanceError::Failed,
            _ => IssuanceError::Wallet { reason },
        }
    }
}

/// One issuance, driven by the app: `nextStep`, do it, `handleResponse` / `provideTxCode`,
/// until `Done`.
#[derive(uniffi::Object)]
pub struct IssuanceSession {
    inner: Mutex<wallet::issuance::IssuanceSession>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl IssuanceSession {
    pub(crate) fn start(
        wallet: &Wallet,
        offer: &str,
        options: wallet::issuance::IssuanceOptions,
    ) -> Result<Arc<Self>, IssuanceError> {
        let inner = wallet.inner.start_issuance(offer, options)?;
        Ok(Arc::new(IssuanceSession {
            inner: Mutex::new(inner),
        }))
    }
}

#[uniffi::export]
impl Wallet {
    /// Starts an issuance from an `openid-credential-offer://` URI (the QR code or link the
    /// issuer gave; by value or by reference): the pre-authorized code grant when the offer
    /// has one, else the authorization code grant (PAR, PKCE, the browser step).
    pub fn start_issuance(
        &self,
        offer: String,
        options: IssuanceOptions,
    ) -> Result<Arc<IssuanceSession>, IssuanceError> {
        IssuanceSession::start(self, &offer, options.into())
    }

    /// Starts a refresh of stored document `credential_id` (when its summary says refresh
    /// needed): a new batch with fresh device keys replaces the old copies in one atomic write.
    /// Refused when the issuer gave the document no refresh token.
    pub fn start_refresh(
        &self,
        credential_id: String,
        options: IssuanceOptions,
    ) -> Result<Arc<IssuanceSession>, IssuanceError> {
        let inner = self.inner.start_refresh(&credential_id, options.into())?;
        Ok(Arc::new(IssuanceSession {
            inner: Mutex::new(inner),
        }))
    }
}

/// Test only (`test-authority` feature, never in a shipped library): also accept `http://`
/// offers, metadata and endpoints on exactly `127.0.0.1`, `[::1]` or `localhost`, for an
/// issuer under test on the same machine.
#[cfg(feature = "test-authority")]
#[uniffi::export]
impl Wallet {
    /// [`Wallet::start_issuance`] that also accepts an `http://` issuer on a loopback host
    /// (tests only).
    pub fn start_issuance_insecure_loopback(
        &self,
        offer: String,
        options: IssuanceOptions,
    ) -> Result<Arc<IssuanceSession>, IssuanceError> {
        let options = wallet::issuance::IssuanceOptions {
            allow_insecure_loopback: true,
            ..options.into()
        };
        IssuanceSession::start(self, &offer, options)
    }
}

#[uniffi::export]
impl IssuanceSession {
    /// What to do next.
    pub fn next_step(&self) -> Result<IssuanceStep, IssuanceError> {
        Ok(lock(&self.inner).next_step()?.into())
    }

    /// The response to the request `nextStep` gave: HTTP status, headers and body as received.
    pub fn handle_response(
        &self,
        status: u16,
        headers: Vec<HttpHeader>,
        body: Vec<u8>,
    ) -> Result<(), IssuanceError> {
        let headers: Vec<(String, String)> =
            headers.into_iter().map(|h| (h.name, h.value)).collect();
        Ok(lock(&self.inner).handle_response(status, &headers, &body)?)
    }

    /// The URL the browser was redirected to after `OpenBrowser` (its `state` must match;
    /// an error redirect is `AuthorizationDenied`). Either way a refusal ends the session.
    pub fn provide_redirect(&self, redirect_url: String) -> Result<(), IssuanceError> {
        Ok(lock(&self.inner).provide_redirect(&redirect_url)?)
    }

    /// After a failed batch: a `credential_failure` notification to send to the issuer (best
    /// effort; its response needs no handling), if the issuer asked for notifications.
    pub fn failure_notification(&self) -> Option<HttpRequest> {
        lock(&self.inner).failure_notification().map(http_request)
    }

    /// The transaction code the citizen typed.
    pub fn provide_tx_code(&self, code: String) -> Result<(), IssuanceError> {
        let code = zeroize::Zeroizing::new(code);
        Ok(lock(&self.inner).provide_tx_code(&code)?)
    }

    /// The doc type being issued (empty until the issuer's metadata has been read).
    pub fn doc_type(&self) -> String {
        lock(&self.inner).doc_type().to_owned()
    }
}
