//! The Citizen Wallet reader core: what an employer's, a case worker's or a shop's verifier runs.
//!
//! * [`request`]: requests built from purpose profiles (right to work, benefits, age) or custom,
//!   signed with the reader's key (reader authentication).
//! * [`session`]: the reader side of an ISO 18013-5 proximity session.
//! * [`verify`]: full verification of a DeviceResponse against IACA trust anchors at an
//!   injected time, with a report listing every check performed and its outcome.
//! * [`status`]: revocation and suspension from the issuer's status lists (sans-IO, cached).
//! * [`trust_lists`]: a VICAL loaded into the issuer anchors (IACAs scoped to their doc types).
#![forbid(unsafe_code)]

pub mod authenticity;
pub mod dcapi;
pub mod nfc;
pub mod openid4vp;
pub mod report;
pub mod request;
pub mod session;
mod single_use;
pub mod status;
pub mod trust_lists;
pub mod verify;

pub use authenticity::verify_authenticity;
pub use report::{DocumentReport, VerificationReport, VerifiedElement};
pub use request::{DocumentRequest, ReaderKey, SecondEditionRequest};
pub use session::{ReaderSession, VerifierError};
pub use verify::{VerificationContext, verify_response};
