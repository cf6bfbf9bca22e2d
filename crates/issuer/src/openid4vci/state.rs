//! What the issuer remembers between requests: offers by pre-authorized code, access tokens,
//! unused nonces and deferred transactions. Expired entries are pruned on each request.

use std::collections::BTreeMap;

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

/// An access token.
pub(crate) struct Token {
    pub(crate) data: CredentialData,
    pub(crate) deferred: bool,
    pub(crate) expires: Timestamp,
}

/// A deferred batch: the verified device keys, issued once ready.
pub(crate) struct Deferred {
    pub(crate) data: CredentialData,
    pub(crate) device_keys: Vec<PublicKey>,
    pub(crate) token: String,
    pub(crate) ready: bool,
}

#[derive(Default)]
pub(crate) struct IssuerState {
    pub(crate) offers: BTreeMap<String, Offer>,
    pub(crate) tokens: BTreeMap<String, Token>,
    pub(crate) nonces: BTreeMap<String, Timestamp>,
    pub(crate) deferred: BTreeMap<String, Deferred>,
}

impl IssuerState {
    /// Drops expired offers, tokens and nonces.
    pub(crate) fn prune(&mut self, now: Timestamp) {
        self.offers.retain(|_, o| o.expires > now);
        self.tokens.retain(|_, t| t.expires > now);
        self.nonces.retain(|_, expires| *expires > now);
    }
}
