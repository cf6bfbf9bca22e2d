//! Online presentation formats: the Digital Credentials API protocol `org-iso-mdoc`
//! (ISO/IEC TS 18013-7 Annex C) and the OpenID4VP 1.0 session transcripts for `mso_mdoc`.

pub mod dcapi;
pub mod openid4vp;
