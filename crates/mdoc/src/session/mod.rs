//! Session encryption (ISO 18013-5 §9.1.1.5): ECDH P-256 between the ephemeral keys, HKDF-SHA256
//! salted with the SessionTranscript, AES-256-GCM with per-direction counters.

mod cipher;
mod keys;

pub use cipher::{Role, SessionCipher, SessionError};
pub use keys::{SessionKeys, ecdh, hkdf_sha256};
