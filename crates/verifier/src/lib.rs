//! Citizen Wallet reader core: purpose-profile requests, sessions and full ISO 18013-5 response verification
#![forbid(unsafe_code)]
