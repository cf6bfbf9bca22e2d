//! Generated certificate chains validate with `mdoc::x509`, and wrong ones fail on the right check.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use issuer::certs::{CertificateKind, CertificateProfile, CertifiedKey};
use mdoc::time::Timestamp;
use mdoc::x509::{ChainError, ChainPurpose, EKU_DOCUMENT_SIGNER, TrustAnchors, verify_chain};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_764_000_000);

fn profile(cn: &str, days: i64) -> CertificateProfile {
    CertificateProfile::new(cn, "GB", NOW.plus_days(-1), days)
}

fn anchors(root: &CertifiedKey) -> TrustAnchors {
    TrustAnchors::new(vec![root.certificate().clone()])
}

fn chain(leaf: &CertifiedKey) -> Vec<Vec<u8>> {
    vec![leaf.certificate().der().to_vec()]
}

#[test]
fn issuer_and_reader_chains_verify() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    let verified = verify_chain(
        &chain(&ds),
        &anchors(&iaca),
        NOW,
        ChainPurpose::DocumentSigner,
    )
    .unwrap();
    assert_eq!(
        verified.leaf.subject_common_name().as_deref(),
        Some("Test DS")
    );
    assert_eq!(
        verified.leaf.issuer_common_name().as_deref(),
        Some("Test IACA")
    );
    assert_eq!(verified.leaf.subject_country().as_deref(), Some("GB"));

    let root = CertifiedKey::new_reader_root(&profile("Employer Reader Root", 3650)).unwrap();
    let reader = CertifiedKey::new_reader(&root, &profile("Acme Ltd HR", 365)).unwrap();
    verify_chain(
        &chain(&reader),
        &anchors(&root),
        NOW,
        ChainPurpose::ReaderAuth,
    )
    .unwrap();
}

#[test]
fn wrong_chains_fail_on_the_right_check() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 30)).unwrap();
    let a = anchors(&iaca);
    assert_eq!(
        verify_chain(
            &chain(&ds),
            &a,
            NOW.plus_days(60),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::Expired { position: 0 })
    );
    assert_eq!(
        verify_chain(
            &chain(&ds),
            &a,
            NOW.plus_days(-30),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::NotYetValid { position: 0 })
    );
    assert_eq!(
        verify_chain(&chain(&ds), &a, NOW, ChainPurpose::ReaderAuth),
        Err(ChainError::ExtendedKeyUsage)
    );
    let other = CertifiedKey::new_iaca(&profile("Other IACA", 3650)).unwrap();
    assert_eq!(
        verify_chain(
            &chain(&ds),
            &anchors(&other),
            NOW,
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::UntrustedRoot)
    );
    // Same name, different key: the anchor's name matches but its signature does not.
    let impostor = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    assert_eq!(
        verify_chain(
            &chain(&ds),
            &anchors(&impostor),
            NOW,
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::BadSignature { position: 0 })
    );
}

#[test]
fn a_ca_document_signer_is_refused() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let mut kind = CertificateKind::signer(EKU_DOCUMENT_SIGNER);
    kind.ca = Some(None);
    let ca_ds = CertifiedKey::new_custom(Some(&iaca), &profile("CA DS", 365), &kind).unwrap();
    assert_eq!(
        verify_chain(
            &chain(&ca_ds),
            &anchors(&iaca),
            NOW,
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::LeafIsCa)
    );
}

#[test]
fn path_length_and_issuer_constraints_hold() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    // An intermediate CA under an IACA with path length 0 exceeds the constraint.
    let intermediate = CertifiedKey::new_custom(
        Some(&iaca),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let ds = CertifiedKey::new_document_signer(&intermediate, &profile("Deep DS", 365)).unwrap();
    let deep = vec![
        ds.certificate().der().to_vec(),
        intermediate.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(&deep, &anchors(&iaca), NOW, ChainPurpose::DocumentSigner),
        Err(ChainError::PathLength { position: 2 })
    );
    // A document signer cannot issue certificates.
    let ds1 = CertifiedKey::new_document_signer(&iaca, &profile("DS 1", 365)).unwrap();
    let ds2 = CertifiedKey::new_document_signer(&ds1, &profile("DS 2", 365)).unwrap();
    let via_leaf = vec![
        ds2.certificate().der().to_vec(),
        ds1.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(
            &via_leaf,
            &anchors(&iaca),
            NOW,
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::NotCa { position: 1 })
    );
    // A root without keyCertSign.
    let mut no_cert_sign = CertificateKind::root();
    no_cert_sign.key_usage = vec![x509_cert_key_usage_crl()];
    let weak_root =
        CertifiedKey::new_custom(None, &profile("Weak Root", 3650), &no_cert_sign).unwrap();
    let ds3 = CertifiedKey::new_document_signer(&weak_root, &profile("DS 3", 365)).unwrap();
    assert_eq!(
        verify_chain(
            &chain(&ds3),
            &anchors(&weak_root),
            NOW,
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::KeyUsage { position: 1 })
    );
}

fn x509_cert_key_usage_crl() -> x509_cert::ext::pkix::KeyUsages {
    x509_cert::ext::pkix::KeyUsages::CRLSign
}

#[test]
fn signatures_below_the_top_certificate_are_still_verified() {
    // The anchor check verifies the top certificate's signature once; every certificate below
    // it must still be checked against its issuer.
    let mut root_kind = CertificateKind::root();
    root_kind.ca = Some(Some(1));
    let root = CertifiedKey::new_custom(None, &profile("Root", 3650), &root_kind).unwrap();
    let intermediate = CertifiedKey::new_custom(
        Some(&root),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let ds = CertifiedKey::new_document_signer(&intermediate, &profile("DS", 365)).unwrap();
    let good = vec![
        ds.certificate().der().to_vec(),
        intermediate.certificate().der().to_vec(),
    ];
    assert!(verify_chain(&good, &anchors(&root), NOW, ChainPurpose::DocumentSigner).is_ok());
    // Same intermediate name, another key: the document signer's signature no longer verifies.
    let impostor = CertifiedKey::new_custom(
        Some(&root),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let forged = vec![
        ds.certificate().der().to_vec(),
        impostor.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(&forged, &anchors(&root), NOW, ChainPurpose::DocumentSigner),
        Err(ChainError::BadSignature { position: 0 })
    );
}
