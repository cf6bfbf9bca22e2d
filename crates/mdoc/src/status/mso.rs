//! Reading the `status` entry out of an IssuerSigned's MSO (as received; the MSO keeps it as
//! an untyped value).

use super::{StatusError, StatusReference};
use crate::cbor::Tagged;
use crate::cose::CoseSign1;
use crate::definitions::{IssuerSigned, MobileSecurityObject};

/// The status reference of `issuer_signed`'s MSO, if it names one. This does not verify the
/// issuer signature: callers use it on documents whose authenticity they checked.
pub fn status_reference(
    issuer_signed: &IssuerSigned,
) -> Result<Option<StatusReference>, StatusError> {
    let sign1 = CoseSign1::from_value(&issuer_signed.issuer_auth)
        .map_err(|_| StatusError::Malformed("issuerAuth"))?;
    let payload = sign1
        .payload()
        .ok_or(StatusError::Malformed("issuerAuth payload"))?;
    let mso = Tagged::<MobileSecurityObject>::from_encoded(payload)
        .map_err(|_| StatusError::Malformed("MSO"))?;
    mso.value()
        .status
        .as_ref()
        .map(StatusReference::from_cbor)
        .transpose()
}
