//! The Annex D certificate chains, checked at an injected time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use mdoc::time::Timestamp;
use mdoc::x509::{Certificate, ChainError, ChainPurpose, TrustAnchors, verify_chain};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn anchors(name: &str) -> TrustAnchors {
    TrustAnchors::new(vec![Certificate::from_der(&common::bytes(name)).unwrap()])
}

#[test]
fn document_signer_chains_to_the_iaca_in_2021() {
    let chain = [common::bytes("ds_certificate")];
    let verified = verify_chain(
        &chain,
        &anchors("iaca_certificate"),
        at("2021-01-01T00:00:00Z"),
        ChainPurpose::DocumentSigner,
    )
    .unwrap();
    assert_eq!(
        verified.leaf.subject_common_name().as_deref(),
        Some("utopia ds")
    );
    assert_eq!(
        verified.anchor.subject_common_name().as_deref(),
        Some("utopia iaca")
    );
    assert_eq!(verified.leaf.subject_country().as_deref(), Some("US"));
    assert!(verified.leaf_key().is_some());
    // The anchor may be sent along.
    let with_root = [
        common::bytes("ds_certificate"),
        common::bytes("iaca_certificate"),
    ];
    verify_chain(
        &with_root,
        &anchors("iaca_certificate"),
        at("2021-01-01T00:00:00Z"),
        ChainPurpose::DocumentSigner,
    )
    .unwrap();
}

#[test]
fn reader_chains_to_the_reader_root() {
    let chain = [common::bytes("reader_certificate")];
    let verified = verify_chain(
        &chain,
        &anchors("reader_root_certificate"),
        at("2021-01-01T00:00:00Z"),
        ChainPurpose::ReaderAuth,
    )
    .unwrap();
    assert_eq!(
        verified.leaf.subject_common_name().as_deref(),
        Some("reader")
    );
}

#[test]
fn each_failure_names_its_check() {
    let ds = [common::bytes("ds_certificate")];
    let iaca = anchors("iaca_certificate");
    assert_eq!(
        verify_chain(
            &ds,
            &iaca,
            at("2022-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::Expired {
            position: 0,
            subject: "utopia ds".into()
        })
    );
    assert_eq!(
        verify_chain(
            &ds,
            &iaca,
            at("2019-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::NotYetValid {
            position: 0,
            subject: "utopia ds".into()
        })
    );
    assert_eq!(
        verify_chain(
            &ds,
            &anchors("reader_root_certificate"),
            at("2021-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::UntrustedRoot)
    );
    assert_eq!(
        verify_chain(
            &ds,
            &iaca,
            at("2021-01-01T00:00:00Z"),
            ChainPurpose::ReaderAuth
        ),
        Err(ChainError::ExtendedKeyUsage {
            position: 0,
            subject: "utopia ds".into()
        })
    );
    assert_eq!(
        verify_chain(
            &[],
            &iaca,
            at("2021-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::Empty)
    );
    // A flipped byte in the signature value (the certificate's last bytes).
    let mut bad = common::bytes("ds_certificate");
    let last = bad.len() - 2;
    bad[last] ^= 1;
    assert_eq!(
        verify_chain(
            &[bad],
            &iaca,
            at("2021-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::BadSignature {
            position: 0,
            subject: "utopia ds".into()
        })
    );
}

#[test]
fn hostile_der_fails_cleanly() {
    let iaca = anchors("iaca_certificate");
    common::assert_hostile_inputs_fail_cleanly(&common::bytes("ds_certificate"), |der| {
        verify_chain(
            &[der.to_vec()],
            &iaca,
            at("2021-01-01T00:00:00Z"),
            ChainPurpose::DocumentSigner,
        )
    });
    assert!(Certificate::from_pem_chain("not pem").is_err());
    assert!(Certificate::from_der(&vec![0x30; 20_000]).is_err());
}

#[test]
fn pem_round_trip() {
    let cert = Certificate::from_der(&common::bytes("iaca_certificate")).unwrap();
    let parsed = Certificate::from_pem_chain(&cert.to_pem()).unwrap();
    assert_eq!(parsed, vec![cert.clone()]);

    // A chain of two, with CRLF line endings and trailing blank lines.
    let ds = Certificate::from_der(&common::bytes("ds_certificate")).unwrap();
    let chain = format!("{}{}\n\n", ds.to_pem(), cert.to_pem()).replace('\n', "\r\n");
    let parsed = Certificate::from_pem_chain(&chain).unwrap();
    assert_eq!(parsed, vec![ds, cert.clone()]);

    // Another label, a truncated block, trailing text and a damaged body are refused.
    let key = cert.to_pem().replace("CERTIFICATE", "PUBLIC KEY");
    let truncated = cert.to_pem().replace("-----END CERTIFICATE-----\n", "");
    let trailing = format!("{}garbage", cert.to_pem());
    let damaged = cert.to_pem().replacen("MII", "M!I", 1);
    for pem in [key, truncated, trailing, damaged, String::new()] {
        assert!(Certificate::from_pem_chain(&pem).is_err());
    }
}

#[test]
fn annex_d_meets_the_annex_b_issuer_profile_and_errors_name_the_certificate() {
    // The Annex D IACA and DS pass the Annex B profile (path length 0, key usages, issuerAltName
    // as an email address, a CRL distribution point as a DNS name, key identifiers, country);
    // the reader pair has no issuerAltName and is checked by the reader rules only (above).
    let ds = [common::bytes("ds_certificate")];
    let err = verify_chain(
        &ds,
        &anchors("iaca_certificate"),
        at("2022-01-01T00:00:00Z"),
        ChainPurpose::DocumentSigner,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "certificate 0 (CN \"utopia ds\") has expired"
    );
    // The reader certificate is not a document signer: refused, naming it.
    let err = verify_chain(
        &[common::bytes("reader_certificate")],
        &anchors("reader_root_certificate"),
        at("2021-01-01T00:00:00Z"),
        ChainPurpose::DocumentSigner,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ChainError::ExtendedKeyUsage {
            position: 0,
            subject: "reader".into()
        }
    );
}
