//! Test and pilot issuer for Citizen Wallet: IACA and document-signer certificates, MSO signing, credential batches
#![forbid(unsafe_code)]
