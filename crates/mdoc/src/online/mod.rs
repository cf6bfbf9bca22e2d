//! Online presentation formats: the Digital Credentials API protocol `org-iso-mdoc`
//! (ISO/IEC TS 18013-7 Annex C), the OpenID4VP 1.0 session transcripts for `mso_mdoc`, and the
//! JWE that encrypts OpenID4VP responses, and the rule for which URLs may carry secrets
//! ([`url`]).

pub mod dcapi;
pub mod form;
pub mod jwe;
pub mod openid4vp;
pub mod url;
