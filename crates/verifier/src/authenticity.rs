//! Verifying a response's authenticity alone, when there is no request to check it against
//! (a developer debugging a captured response): every issuer and device check, and no
//! completeness check, rather than a request invented from the response itself.

use mdoc::definitions::DeviceResponse;
use mdoc::verify::CheckName;

use crate::report::{VerificationReport, VerifiedElement};
use crate::verify::{VerificationContext, verify_response};

/// Verifies `response` for authenticity only: the issuer chain, signature, digests, validity
/// and device authentication. `context.requests` is ignored; the report contains no
/// [`CheckName::RequestedElements`] or [`CheckName::ElementsReturned`] check, so a caller must say that completeness against a
/// request was not checked. Elements are listed for each document whose checks all passed.
pub fn verify_authenticity(
    response: &DeviceResponse,
    context: &VerificationContext,
) -> VerificationReport {
    let context = VerificationContext {
        requests: Vec::new(),
        ..context.clone()
    };
    // With no request the "only requested elements" check always fails, and completeness has
    // nothing to be measured against: drop both, and list the elements of every document whose
    // remaining (authenticity) checks all passed.
    let mut report = verify_response(response, &context);
    let docs = response.documents.iter().flatten();
    for (doc_report, doc) in report.documents.iter_mut().zip(docs) {
        doc_report.checks.retain(|c| {
            c.name != CheckName::RequestedElements && c.name != CheckName::ElementsReturned
        });
        if doc_report.authentic() && doc_report.elements.is_empty() {
            doc_report.elements = doc
                .issuer_signed
                .items()
                .map(|(ns, item)| VerifiedElement {
                    namespace: ns.to_owned(),
                    identifier: item.value().element_identifier.clone(),
                    value: item.value().element_value.clone(),
                })
                .collect();
        }
    }
    report
}
