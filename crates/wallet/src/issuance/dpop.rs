//! The wallet's DPoP key (RFC 9449): a P-256 key in the secure area that signs a `dpop+jwt`
//! proof for every token, credential, deferred and notification request, and the nonces the
//! authorization server and the credential issuer handed out (`DPoP-Nonce`).

use mdoc::openid4vci::credential::ErrorResponse;
use mdoc::openid4vci::dpop::{
    DPOP_NONCE_HEADER, DpopClaims, USE_DPOP_NONCE, access_token_hash, htu, sign_dpop_proof,
};
use mdoc::openid4vci::http::HttpRequest;
use p256::PublicKey;

use super::IssuanceError;
use crate::wallet::Wallet;

/// Which server a request goes to (each has its own DPoP nonce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Server {
    /// The authorization server (token endpoint).
    Authorization,
    /// The credential issuer (credential, deferred and notification endpoints).
    Resource,
}

/// A DPoP key and the servers' current nonces.
pub(super) struct DpopKey {
    pub(super) alias: String,
    public: PublicKey,
    /// Whether a stored document refers to the key (it then outlives the session).
    pub(super) persistent: bool,
    as_nonce: Option<String>,
    rs_nonce: Option<String>,
}

impl DpopKey {
    /// A fresh key in the wallet's secure area.
    pub(super) fn create(wallet: &Wallet) -> Result<Self, IssuanceError> {
        let alias = format!(
            "dpop-{}",
            crate::atomic::hex(&mdoc::rng::random_bytes::<16>())
        );
        let public = wallet
            .secure_area()
            .create_key(&alias)
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        Ok(DpopKey {
            alias,
            public,
            persistent: false,
            as_nonce: None,
            rs_nonce: None,
        })
    }

    /// The stored key a refresh token is bound to.
    pub(super) fn open(wallet: &Wallet, alias: &str) -> Result<Self, IssuanceError> {
        let public = wallet
            .secure_area()
            .public_key(alias)
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        Ok(DpopKey {
            alias: alias.to_owned(),
            public,
            persistent: true,
            as_nonce: None,
            rs_nonce: None,
        })
    }

    /// Adds a `DPoP` header to `request` for `server`, with `ath` when `access_token` is given.
    pub(super) fn attach(
        &self,
        wallet: &Wallet,
        server: Server,
        request: HttpRequest,
        access_token: Option<&str>,
    ) -> Result<HttpRequest, IssuanceError> {
        let nonce = match server {
            Server::Authorization => self.as_nonce.clone(),
            Server::Resource => self.rs_nonce.clone(),
        };
        let claims = DpopClaims {
            jti: crate::atomic::hex(&mdoc::rng::random_bytes::<16>()),
            htm: request.method.clone(),
            htu: htu(&request.url).to_owned(),
            iat: wallet.now().unix_seconds(),
            ath: access_token.map(access_token_hash),
            nonce,
        };
        let area = wallet.secure_area();
        let proof = sign_dpop_proof(&self.public, &claims, |input| area.sign(&self.alias, input))
            .map_err(|e| IssuanceError::Wallet(e.into()))?;
        Ok(request.with_header("DPoP", &proof))
    }

    /// Takes a `DPoP-Nonce` from `server`'s response; true when the response asks for a retry
    /// with it (`use_dpop_nonce`, RFC 9449 §8 and §9) and the nonce is new.
    pub(super) fn take_nonce(
        &mut self,
        server: Server,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> bool {
        let Some(nonce) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(DPOP_NONCE_HEADER))
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty() && v.len() <= mdoc::openid4vci::MAX_TOKEN_LEN)
        else {
            return false;
        };
        let slot = match server {
            Server::Authorization => &mut self.as_nonce,
            Server::Resource => &mut self.rs_nonce,
        };
        let fresh = slot.as_deref() != Some(nonce.as_str());
        *slot = Some(nonce);
        let asked = match status {
            400 => ErrorResponse::from_json(body).is_ok_and(|e| e.error == USE_DPOP_NONCE),
            401 => headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("www-authenticate") && v.contains(USE_DPOP_NONCE)
            }),
            _ => false,
        };
        asked && fresh
    }
}
