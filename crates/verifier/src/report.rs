//! The verification report: per document, the verified elements with their values and every
//! check performed with its outcome.

use mdoc::cbor::Value;
use mdoc::time::{FullDate, TDate};
use mdoc::verify::{Check, CheckName, Outcome};

/// One verified element.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedElement {
    /// Namespace.
    pub namespace: String,
    /// Element identifier.
    pub identifier: String,
    /// The value as issued.
    pub value: Value,
}

impl VerifiedElement {
    /// The value rendered for a person: text, dates, yes/no, numbers, image sizes.
    pub fn display_value(&self) -> String {
        display(&self.value)
    }
}

fn display(value: &Value) -> String {
    use mdoc::cbor::FromCbor;
    if let Ok(date) = FullDate::from_cbor(value)
        && !matches!(value, Value::Text(_))
    {
        return date.to_string();
    }
    if let Ok(tdate) = TDate::from_cbor(value) {
        return tdate.as_str().to_owned();
    }
    match value {
        Value::Text(t) => t.clone(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Unsigned(u) => u.to_string(),
        Value::Negative(_) => value
            .as_i64()
            .map_or_else(|| "(number)".to_owned(), |i| i.to_string()),
        Value::Bytes(b) => format!("<{} bytes>", b.len()),
        Value::Array(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| format!("{}: {}", display(k), display(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Tag(_, inner) => display(inner),
        Value::Float(x) => float_text(*x),
        Value::Null | Value::Undefined => "(none)".to_owned(),
        Value::Embedded(_) => "(embedded data)".to_owned(),
    }
}

/// A float as the shortest text that reads back as the same number ("1.5", "1e-10"), written by
/// the float formatter serde_json already brings rather than core's much larger `Display` one.
fn float_text(x: f64) -> String {
    match serde_json::Number::from_f64(x) {
        Some(number) => number.to_string(),
        None if x.is_nan() => "NaN".to_owned(),
        None if x > 0.0 => "inf".to_owned(),
        None => "-inf".to_owned(),
    }
}

/// The verification of one returned document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentReport {
    /// The doc type.
    pub doc_type: String,
    /// The issuer (document signer organisation or name), once its chain verified.
    pub issuer: Option<String>,
    /// Every check performed, in order, with its outcome.
    pub checks: Vec<Check>,
    /// The elements disclosed, when the document is authentic (empty otherwise: nothing
    /// unverified is ever reported as data).
    pub elements: Vec<VerifiedElement>,
    /// Elements the wallet reported as not returned: (namespace, identifier, error code).
    pub not_returned: Vec<(String, String, i64)>,
    /// Requested elements that are not among the verified elements: (namespace, identifier).
    /// Filled in once the document is authentic.
    pub missing: Vec<(String, String)>,
}

impl DocumentReport {
    /// True when every check of authenticity ran and passed: the elements are genuine and
    /// were presented by the device they were issued to, in this session.
    pub fn authentic(&self) -> bool {
        let mut authenticity = self.checks.iter().filter(|c| c.name.is_authenticity());
        authenticity.clone().next().is_some() && authenticity.all(Check::passed)
    }

    /// True when the document is authentic and every requested element was returned.
    pub fn complete(&self) -> bool {
        self.authentic()
            && self
                .checks
                .iter()
                .any(|c| c.name == CheckName::ElementsReturned && c.passed())
    }

    /// True when the document is authentic and complete, and no status check (see
    /// [`crate::status`]) failed: what a decision may rest on.
    pub fn verified(&self) -> bool {
        self.authentic() && self.complete() && self.not_revoked()
    }

    /// True unless a "Credential not revoked" check ran and failed.
    pub fn not_revoked(&self) -> bool {
        self.checks
            .iter()
            .filter(|c| c.name == CheckName::CredentialNotRevoked)
            .all(Check::passed)
    }

    /// The first failed check, if any.
    pub fn failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.passed())
    }

    /// The verified value of an element.
    pub fn element(&self, namespace: &str, identifier: &str) -> Option<&VerifiedElement> {
        self.elements
            .iter()
            .find(|e| e.namespace == namespace && e.identifier == identifier)
    }
}

/// The verification of a whole DeviceResponse.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationReport {
    /// The response status code.
    pub status: u64,
    /// One report per returned document.
    pub documents: Vec<DocumentReport>,
    /// Documents the wallet did not return: (doc type, error code).
    pub document_errors: Vec<(String, i64)>,
    /// Requested doc types for which no document came back.
    pub documents_missing: Vec<String>,
}

impl VerificationReport {
    /// True when the response is OK, returned at least one document, and every returned
    /// document is authentic.
    pub fn authentic(&self) -> bool {
        self.status == 0
            && !self.documents.is_empty()
            && self.documents.iter().all(DocumentReport::authentic)
    }

    /// True when the response is authentic, every requested document came back and every
    /// requested element in each.
    pub fn complete(&self) -> bool {
        self.authentic()
            && self.documents_missing.is_empty()
            && self.documents.iter().all(DocumentReport::complete)
    }

    /// True when the response is authentic and complete (a response that returned nothing,
    /// or less than was asked, is not verified): what a right-to-work decision may rest on.
    pub fn verified(&self) -> bool {
        self.authentic()
            && self.complete()
            && self.documents.iter().all(DocumentReport::not_revoked)
    }

    /// A readable multi-line rendering, for logs and examples.
    pub fn render(&self, label: impl Fn(&str, &str, &str) -> String) -> String {
        let mut out = String::new();
        let verdict = if self.verified() {
            "VERIFIED"
        } else {
            "NOT VERIFIED"
        };
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        out.push_str(&format!(
            "Result: {verdict} (authentic: {}, complete: {}, status {})\n",
            yes_no(self.authentic()),
            yes_no(self.complete()),
            self.status
        ));
        for doc in &self.documents {
            out.push_str(&format!(
                "\nDocument {} issued by {}\n  Checks:\n",
                doc.doc_type,
                doc.issuer.as_deref().unwrap_or("(issuer not verified)")
            ));
            for check in &doc.checks {
                let (outcome, note) = match &check.outcome {
                    Outcome::Passed => ("pass".to_owned(), None),
                    Outcome::PassedWithNote(note) => ("pass".to_owned(), Some(note)),
                    Outcome::Failed(reason) => (format!("FAIL: {reason}"), None),
                };
                out.push_str(&format!("    [{outcome}] {}\n", check.name.description()));
                if let Some(note) = note {
                    out.push_str(&format!("           ({note})\n"));
                }
            }
            if !doc.elements.is_empty() {
                out.push_str("  Verified elements:\n");
                for e in &doc.elements {
                    out.push_str(&format!(
                        "    {:<34} {}\n",
                        label(&doc.doc_type, &e.namespace, &e.identifier),
                        e.display_value()
                    ));
                }
            }
            for (ns, id) in &doc.missing {
                let code = doc
                    .not_returned
                    .iter()
                    .find(|(n, i, _)| n == ns && i == id)
                    .map_or_else(String::new, |(_, _, code)| format!(" (wallet code {code})"));
                out.push_str(&format!(
                    "  Requested, not returned: {}{code}\n",
                    label(&doc.doc_type, ns, id)
                ));
            }
            for (ns, id, code) in &doc.not_returned {
                if !doc.missing.iter().any(|(n, i)| n == ns && i == id) {
                    out.push_str(&format!(
                        "  Not returned: {} (code {code})\n",
                        label(&doc.doc_type, ns, id)
                    ));
                }
            }
        }
        for (doc_type, code) in &self.document_errors {
            out.push_str(&format!(
                "\nDocument {doc_type} not returned (code {code})\n"
            ));
        }
        for doc_type in &self.documents_missing {
            out.push_str(&format!("\nRequested document {doc_type} missing\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_display_as_shortest_round_trip_text() {
        for (x, text) in [
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (2.0, "2.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(display(&Value::Float(x)), text);
        }
        assert_eq!(display(&Value::Float(1e-10)).parse::<f64>().unwrap(), 1e-10);
    }
}
