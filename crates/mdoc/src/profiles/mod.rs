//! Purpose profiles: what a right-to-work check, a benefits check and an age check need, and
//! the data-minimisation findings a wallet shows when a request asks for more.
//!
//! Both sides use the same data: the verifier builds its requests from a profile, the wallet
//! measures every incoming request against the profile it claims or best matches.

mod age;
mod assess;
mod definitions;

pub use age::{age_substitute, nearest_age_attestation};
pub use assess::{
    Finding, FindingKind, HolderFacts, RequestedElement, assess, assess_without_profile,
    is_sensitive, match_profile,
};
pub use definitions::{Condition, ProfileElement, Purpose, PurposeProfile, Retention, profile};
