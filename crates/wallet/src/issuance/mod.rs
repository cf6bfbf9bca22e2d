//! Credential issuance over OpenID4VCI 1.0 (pre-authorized code grant), sans-IO: the app drives
//! an [`IssuanceSession`] — [`IssuanceSession::next_step`] gives the next HTTP request to send
//! (or asks for the transaction code, or says it is done), [`IssuanceSession::handle_response`]
//! takes the status, headers and body back.
//!
//! A batch of N copies (N = the smaller of what the app asks for and the issuer's
//! `batch_size`) gets N fresh device keys in the secure area and one `jwt` proof each. Every
//! returned credential passes the provisioning checks for its own key before anything is
//! stored, and the batch is stored as one document with N copies in one atomic write: all or
//! nothing. On any failure the session's device keys are deleted and the store is untouched.

mod session;

pub use session::{IssuanceSession, IssuanceStep};

use mdoc::openid4vci::Oid4vciError;

use crate::store::PresentationPolicy;
use crate::wallet::WalletError;

/// What the app wants from an issuance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuanceOptions {
    /// Copies to ask for (capped by the issuer's `batch_size` and
    /// [`crate::store::MAX_COPIES`]).
    pub batch_size: usize,
    /// How the copies are used in presentations.
    pub policy: PresentationPolicy,
    /// Below this many copies left the document reports "refresh needed".
    pub refresh_below: u32,
    /// Test only: also accept `http://` offers, metadata and endpoints on exactly
    /// `127.0.0.1`, `[::1]` or `localhost` (a test issuer on the same machine). Off by default:
    /// otherwise every URL must be `https://`. The same rule as
    /// [`crate::wallet::WalletConfig::allow_insecure_loopback_response_uri`]
    /// ([`mdoc::online::url::UrlPolicy`]).
    pub allow_insecure_loopback: bool,
}

impl Default for IssuanceOptions {
    /// Ten single-use copies, refresh needed below two, `https://` only.
    fn default() -> Self {
        IssuanceOptions {
            batch_size: 10,
            policy: PresentationPolicy::OneTimeUse,
            refresh_below: 2,
            allow_insecure_loopback: false,
        }
    }
}

/// Why an issuance failed. Carries no token, code, key or personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssuanceError {
    /// A message from the issuer (or the offer) is malformed or breaks the specification.
    #[error("issuer message refused: {0}")]
    Message(#[from] Oid4vciError),
    /// The issuer answered with an error (`error` is its OAuth error code, e.g.
    /// `invalid_grant` for a wrong transaction code, `invalid_nonce`, `invalid_proof`).
    #[error("the issuer refused ({status}): {error}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The error code, or `unknown` when the body had none.
        error: String,
    },
    /// The offer or metadata asks for something this wallet does not do; names it.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The issuer's answer does not fit the exchange (e.g. fewer or more credentials than
    /// proofs, an unexpected status).
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    /// A returned credential failed the provisioning checks (names the check); nothing of the
    /// batch was stored.
    #[error("credential refused: {0}")]
    CredentialRefused(WalletError),
    /// The wallet (secure area, store) failed.
    #[error(transparent)]
    Wallet(WalletError),
    /// The call does not fit the session's state (e.g. a response when none is awaited, or a
    /// transaction code when none was asked for).
    #[error("not allowed in the issuance's current state")]
    WrongState,
    /// The session failed earlier and cannot continue.
    #[error("the issuance has failed")]
    Failed,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mdoc::clock::FixedClock;
    use mdoc::openid4vci::offer::{CredentialOffer, offer_uri_by_reference, offer_uri_by_value};

    use super::*;
    use crate::keys::WalletKey;
    use crate::secure_area::SoftwareSecureArea;
    use crate::wallet::{Wallet, WalletConfig};

    fn wallet(dir: &std::path::Path) -> Wallet {
        let key = WalletKey::from_bytes([7; 32]);
        let area = SoftwareSecureArea::open(&dir.join("keys"), &key).unwrap();
        let clock = Arc::new(FixedClock(mdoc::time::Timestamp::from_unix_seconds(
            1_800_000_000,
        )));
        Wallet::open(
            &dir.join("store"),
            &key,
            Arc::new(area),
            WalletConfig::default(),
            clock,
        )
        .unwrap()
    }

    fn offer(issuer: &str) -> String {
        let json = format!(
            r#"{{"credential_issuer":"{issuer}","credential_configuration_ids":["org.example.id"],
            "grants":{{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{{"pre-authorized_code":"c"}}}}}}"#
        );
        offer_uri_by_value(
            &CredentialOffer::from_json_with(
                json.as_bytes(),
                mdoc::online::url::UrlPolicy::AllowInsecureLoopback,
            )
            .unwrap(),
        )
    }

    const LOOPBACK: IssuanceOptions = IssuanceOptions {
        batch_size: 10,
        policy: PresentationPolicy::OneTimeUse,
        refresh_below: 2,
        allow_insecure_loopback: true,
    };

    #[test]
    fn loopback_http_is_refused_by_default() {
        assert!(!IssuanceOptions::default().allow_insecure_loopback);
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet(dir.path());
        for uri in [
            offer("http://127.0.0.1:4000"),
            offer("http://localhost:4000"),
            offer_uri_by_reference("http://[::1]:4000/offer/1"),
        ] {
            assert!(
                matches!(
                    wallet.start_issuance(&uri, IssuanceOptions::default()),
                    Err(IssuanceError::Message(Oid4vciError::Invalid(_)))
                ),
                "{uri}"
            );
        }
    }

    #[test]
    fn loopback_http_is_allowed_behind_the_test_switch_for_exact_hosts_only() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet(dir.path());
        let mut session = wallet
            .start_issuance(&offer("http://127.0.0.1:4000"), LOOPBACK)
            .unwrap();
        let IssuanceStep::Send(request) = session.next_step().unwrap() else {
            panic!("a request first");
        };
        assert_eq!(
            request.url,
            "http://127.0.0.1:4000/.well-known/openid-credential-issuer"
        );
        // Metadata whose endpoint leaves loopback in the clear is refused even so.
        let metadata = br#"{"credential_issuer":"http://127.0.0.1:4000",
            "credential_endpoint":"http://127.0.0.1.evil.example/credential",
            "credential_configurations_supported":{"org.example.id":{"format":"mso_mdoc","doctype":"org.example.id"}}}"#;
        assert!(matches!(
            session.handle_response(200, &[], metadata),
            Err(IssuanceError::Message(Oid4vciError::Invalid(_)))
        ));

        let by_reference = offer_uri_by_reference("http://[::1]:4000/offer/1");
        let mut session = wallet.start_issuance(&by_reference, LOOPBACK).unwrap();
        assert!(matches!(
            session.next_step().unwrap(),
            IssuanceStep::Send(r) if r.url == "http://[::1]:4000/offer/1"
        ));
        for look_alike in [
            offer_uri_by_reference("http://127.0.0.1.evil.example/offer/1"),
            offer_uri_by_reference("http://localhost@evil.example/offer/1"),
            offer_uri_by_reference("http://192.168.1.2/offer/1"),
        ] {
            assert!(
                wallet.start_issuance(&look_alike, LOOPBACK).is_err(),
                "{look_alike}"
            );
        }
    }
}
