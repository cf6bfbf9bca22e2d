//! The errors that cross the boundary: one small enum for the API, one for secure areas.

/// An error from Citizen Wallet. Messages name what failed and never contain personal data or
/// key material.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum CitizenWalletError {
    /// Input bytes or text could not be understood.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// A credential failed verification at provisioning; `check` names the failed check.
    #[error("credential refused: {check}: {reason}")]
    CredentialRefused {
        /// The failed check.
        check: String,
        /// Why.
        reason: String,
    },
    /// The credential store failed (locked, wrong key, damaged record, I/O).
    #[error("storage: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The secure area failed.
    #[error("secure area: {reason}")]
    SecureArea {
        /// What failed.
        reason: String,
    },
    /// A session step failed (state, encryption, peer status).
    #[error("session: {reason}")]
    Session {
        /// What failed.
        reason: String,
    },
}

impl CitizenWalletError {
    pub(crate) fn invalid(e: impl std::fmt::Display) -> Self {
        CitizenWalletError::InvalidInput {
            reason: e.to_string(),
        }
    }

    pub(crate) fn session(e: impl std::fmt::Display) -> Self {
        CitizenWalletError::Session {
            reason: e.to_string(),
        }
    }
}

impl From<wallet::WalletError> for CitizenWalletError {
    fn from(e: wallet::WalletError) -> Self {
        use wallet::WalletError as W;
        match e {
            W::CredentialRefused(v) => CitizenWalletError::CredentialRefused {
                check: v.check.description().to_owned(),
                reason: v.reason,
            },
            W::Store(s) => CitizenWalletError::Storage {
                reason: s.to_string(),
            },
            W::SecureArea(s) => CitizenWalletError::SecureArea {
                reason: s.to_string(),
            },
            W::Malformed(m) => CitizenWalletError::invalid(m),
            W::Unsupported(_) => CitizenWalletError::invalid(e),
            other => CitizenWalletError::session(other),
        }
    }
}

impl From<verifier::VerifierError> for CitizenWalletError {
    fn from(e: verifier::VerifierError) -> Self {
        use verifier::VerifierError as V;
        match e {
            V::Engagement(_) | V::Malformed(_) | V::Response(_) => CitizenWalletError::invalid(e),
            other => CitizenWalletError::session(other),
        }
    }
}

/// An error reported by an app's secure area (Android Keystore, iOS Secure Enclave, ...).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum SecureAreaError {
    /// No key under that alias.
    #[error("no key under that alias")]
    KeyNotFound,
    /// A key already exists under that alias.
    #[error("a key already exists under that alias")]
    KeyExists,
    /// Anything else (user authentication, hardware, I/O).
    #[error("secure area failure: {reason}")]
    Failure {
        /// What failed.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SecureAreaError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SecureAreaError::Failure { reason: e.reason }
    }
}

impl From<SecureAreaError> for wallet::secure_area::SecureAreaError {
    fn from(e: SecureAreaError) -> Self {
        use wallet::secure_area::SecureAreaError as Core;
        match e {
            SecureAreaError::KeyNotFound => Core::KeyNotFound,
            SecureAreaError::KeyExists => Core::KeyExists,
            SecureAreaError::Failure { reason } => Core::Backend(reason),
        }
    }
}

impl From<wallet::secure_area::SecureAreaError> for SecureAreaError {
    fn from(e: wallet::secure_area::SecureAreaError) -> Self {
        use wallet::secure_area::SecureAreaError as Core;
        match e {
            Core::KeyNotFound => SecureAreaError::KeyNotFound,
            Core::KeyExists => SecureAreaError::KeyExists,
            other => SecureAreaError::Failure {
                reason: other.to_string(),
            },
        }
    }
}
