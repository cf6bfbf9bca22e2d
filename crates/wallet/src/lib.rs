//! Citizen Wallet holder core: secure store, device keys, provisioning, consent and selective-disclosure presentation
#![forbid(unsafe_code)]
