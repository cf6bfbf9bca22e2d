//! ISO 18013-5 second edition `issuerIdentifiers` (DocRequestInfo): which IACAs a reader accepts
//! a document from.
//!
//! An IssuerIdentifier is the key identifier of the IACA: the keyIdentifier of the document
//! signer certificate's AuthorityKeyIdentifier extension, which the mdoc certificate profile
//! (Annex B) requires to equal the IACA's SubjectKeyIdentifier. The ISO text was not available;
//! this follows Sphereon's mdoc library (`com.sphereon.mdoc.data.device.matchesIssuerIdentifiers`
//! and its `IssuerIdentifierMatchingTest`: the AKI keyIdentifier matches, the certificate's DER
//! does not, no x5chain fails closed). A certificate of the chain that is itself the IACA is
//! matched by its SubjectKeyIdentifier, which is the same value.

use crate::cbor::Value;
use crate::cose::CoseSign1;

use super::Certificate;

/// Whether the document whose `issuerAuth` is `issuer_auth` comes from an IACA listed in
/// `identifiers`. An empty list accepts any issuer; an issuerAuth without a readable x5chain, or
/// whose certificates carry no key identifiers, matches no non-empty list (fails closed).
pub fn issuer_auth_matches(issuer_auth: &Value, identifiers: &[Vec<u8>]) -> bool {
    if identifiers.is_empty() {
        return true;
    }
    let Ok(chain) = CoseSign1::from_value(issuer_auth).and_then(|s| s.x5chain()) else {
        return false;
    };
    chain.iter().any(|der| {
        let Ok(cert) = Certificate::from_der(der) else {
            return false;
        };
        [
            cert.authority_key_identifier(),
            cert.subject_key_identifier(),
        ]
        .into_iter()
        .flatten()
        .any(|id| identifiers.contains(&id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_accepts_any_issuer_and_unreadable_issuer_auth_matches_nothing() {
        assert!(issuer_auth_matches(&Value::Null, &[]));
        for bad in [
            Value::Null,
            Value::Bytes(vec![0x30; 20]),
            Value::Array(vec![Value::Bytes(Vec::new()); 4]),
            Value::Array(vec![
                Value::Bytes(Vec::new()),
                Value::Map(Vec::new()),
                Value::Null,
                Value::Bytes(Vec::new()),
            ]),
        ] {
            assert!(!issuer_auth_matches(&bad, &[vec![1; 20]]));
        }
    }
}
