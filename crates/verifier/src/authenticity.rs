//! Verifying a response's authenticity alone, when there is no request to check it against
//! (a developer debugging a captured response): every issuer and device check, and no
//! completeness check, rather than a request invented from the response itself.

use mdoc::definitions::DeviceResponse;

use crate::report::VerificationReport;
use crate::verify::{VerificationContext, verify_response};

/// Verifies `response` for authenticity only: the issuer chain, signature, digests, validity
/// and device authentication. `context.requests` is replaced by "no request" (`None`), so the
/// report contains no [`mdoc::verify::CheckName::RequestedElements`] or
/// [`mdoc::verify::CheckName::ElementsReturned`] check and is never complete: a caller must say
/// that completeness against a request was not checked. Elements are listed for each document
/// whose checks all passed.
pub fn verify_authenticity(
    response: &DeviceResponse,
    context: &VerificationContext,
) -> VerificationReport {
    let context = VerificationContext {
        requests: None,
        ..context.clone()
    };
    verify_response(response, &context)
}
