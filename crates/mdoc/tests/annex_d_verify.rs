//! `verify_issuer_signed` on the Annex D document: every check passes at 2021-01-01 and each
//! failure names its check.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use mdoc::cbor;
use mdoc::definitions::{DeviceResponse, IssuerSigned};
use mdoc::time::Timestamp;
use mdoc::verify::{CheckLog, CheckName, verify_issuer_signed};
use mdoc::x509::{Certificate, TrustAnchors};

fn issuer_signed() -> IssuerSigned {
    let response: DeviceResponse = cbor::from_slice(&common::bytes("device_response")).unwrap();
    response.documents.unwrap().remove(0).issuer_signed
}

fn iaca() -> TrustAnchors {
    TrustAnchors::new(vec![
        Certificate::from_der(&common::bytes("iaca_certificate")).unwrap(),
    ])
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

#[test]
fn every_check_passes_in_2021() {
    let mut log = CheckLog::new();
    let verified = verify_issuer_signed(
        &issuer_signed(),
        "org.iso.18013.5.1.mDL",
        &iaca(),
        at("2021-01-01T00:00:00Z"),
        &mut log,
    )
    .unwrap();
    assert_eq!(
        verified.document_signer.subject_common_name().as_deref(),
        Some("utopia ds")
    );
    assert_eq!(log.checks().len(), 8);
    assert!(log.checks().iter().all(|c| c.passed()));
}

#[test]
fn failures_name_their_check() {
    let cases = [
        (
            "org.iso.18013.5.1.mDL",
            "2022-01-01T00:00:00Z",
            CheckName::IssuerCertificateChain,
        ),
        (
            "org.iso.18013.5.1.mDL",
            "2020-10-01T12:00:00Z",
            CheckName::Validity,
        ),
        (
            "uk.gov.digital-id.1",
            "2021-01-01T00:00:00Z",
            CheckName::DocType,
        ),
    ];
    for (doc_type, when, check) in cases {
        let mut log = CheckLog::new();
        let err = verify_issuer_signed(&issuer_signed(), doc_type, &iaca(), at(when), &mut log)
            .unwrap_err();
        assert_eq!(err.check, check);
        assert!(!log.checks().last().unwrap().passed());
    }
    // A disclosed item that is not the one signed.
    let mut tampered = issuer_signed();
    let items = &mut tampered.name_spaces.as_mut().unwrap()[0].1;
    items.swap(0, 1);
    let first = items[0].clone().into_parts().1;
    let mut bytes = first.encoded().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    items[0] = cbor::Tagged::from_encoded(&bytes).unwrap_or_else(|_| items[1].clone());
    let mut log = CheckLog::new();
    let err = verify_issuer_signed(
        &tampered,
        "org.iso.18013.5.1.mDL",
        &iaca(),
        at("2021-01-01T00:00:00Z"),
        &mut log,
    )
    .unwrap_err();
    assert_eq!(err.check, CheckName::ValueDigests);
}
