//! What the issuer remembers between requests: offers by pre-authorized code, pushed
//! authorization requests, authorization codes, access and refresh tokens, unused nonces, DPoP
//! nonces and proof ids, deferred transactions and notifications. Expired entries are pruned
//! on each request.

use std::collections::BTreeMap;

use mdoc::openid4vci::authorization::PushedAuthorizationRequest;
use mdoc::openid4vci::notification::NotificationEvent;
use mdoc::time::Timestamp;
use p256::PublicKey;

use crate::credential::CredentialData;

/// Most live nonces kept (a flood of nonce requests cannot grow memory without bound).
pub(crate) const MAX_NONCES: usize = 100_000;

/// An offer not yet redeemed.
pub(crate) struct Offer {
    pub(crate) data: CredentialData,
    pub(crate) tx_code: Option<String>,
    pub(crate) expires: Timestamp,
    pub(crate) failed_attempts: u32,
    pub(crate) deferred: bool,
}

/// A pushed authorization request (RFC 9126), by its `request_uri`.
pub(crate) struct Pushed {
    pub(crate) request: PushedAuthorizationRequest,
    pub(crate) expires: Timestamp,
}

/// An authorization code not yet redeemed, bound to the client, the redirect URI and the PKCE
/// challenge of its request.
pub(crate) struct AuthorizationCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) data: CredentialData,
    pub(crate) expires: Timestamp,
}

/// An access token; `jkt` is the thumbprint of the DPoP key it is bound to.
pub(crate) struct Token {
    pub(crate) data: CredentialData,
    pub(crate) deferred: bool,
    pub(crate) expires: Timestamp,
    pub(crate) jkt: Option<String>,
}

/// A refresh token (rotated on each use), bound to its client and DPoP key.
pub(crate) struct Refresh {
    pub(crate) data: CredentialData,
    pub(crate) client_id: Option<String>,
    pub(crate) jkt: Option<String>,
    pub(crate) expires: Timestamp,
}

/// A deferred batch: the verified device keys, issued once ready.
pub(crate) struct Deferred {
    pub(crate) data: CredentialData,
    pub(crate) device_keys: Vec<PublicKey>,
    pub(crate) token: String,
    pub(crate) ready: bool,
}

/// An issued batch's notification id: the access token that may report on it, and what was
/// reported.
pub(crate) struct Notification {
    pub(crate) token: String,
    pub(crate) events: Vec<NotificationEvent>,
}

#[derive(Default)]
pub(crate) struct IssuerState {
    pub(crate) offers: BTreeMap<String, Offer>,
    pub(crate) pushed: BTreeMap<String, Pushed>,
    pub(crate) codes: BTreeMap<String, AuthorizationCode>,
    pub(crate) tokens: BTreeMap<String, Token>,
    pub(crate) refresh_tokens: BTreeMap<String, Refresh>,
    pub(crate) nonces: BTreeMap<String, Timestamp>,
    pub(crate) dpop_nonces: BTreeMap<String, Timestamp>,
    /// DPoP proof `jti`s seen, until their proofs would be too old anyway.
    pub(crate) dpop_jtis: BTreeMap<String, Timestamp>,
    pub(crate) deferred: BTreeMap<String, Deferred>,
    pub(crate) notifications: BTreeMap<String, Notification>,
}

impl IssuerState {
    /// Drops expired offers, requests, codes, tokens and nonces.
    pub(crate) fn prune(&mut self, now: Timestamp) {
        self.offers.retain(|_, o| o.expires > now);
        self.pushed.retain(|_, p| p.expires > now);
        self.codes.retain(|_, c| c.expires > now);
        self.tokens.retain(|_, t| t.expires > now);
        self.refresh_tokens.retain(|_, r| r.expires > now);
        self.nonces.retain(|_, expires| *expires > now);
        self.dpop_nonces.retain(|_, expires| *expires > now);
        self.dpop_jtis.retain(|_, expires| *expires > now);
    }
}
