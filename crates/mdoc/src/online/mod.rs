//! Online presentation formats (ISO/IEC TS 18013-7): the Digital Credentials API protocol
//! `org-iso-mdoc` (Annex C).

pub mod dcapi;
