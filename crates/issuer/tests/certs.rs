//! Generated certificate chains validate with `mdoc::x509`, and wrong ones fail on the right check.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use issuer::certs::{CertificateKind, CertificateProfile, CertifiedKey};
use mdoc::time::Timestamp;
use mdoc::x509::{
    ChainError, ChainPurpose, EKU_DOCUMENT_SIGNER, EKU_READER_AUTH, RequiredExtension,
    TrustAnchors, verify_chain,
};

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
        Err(ChainError::Expired {
            position: 0,
            subject: "Test DS".into()
        })
    );
    assert_eq!(
        verify_chain(
            &chain(&ds),
            &a,
            NOW.plus_days(-30),
            ChainPurpose::DocumentSigner
        ),
        Err(ChainError::NotYetValid {
            position: 0,
            subject: "Test DS".into()
        })
    );
    assert_eq!(
        verify_chain(&chain(&ds), &a, NOW, ChainPurpose::ReaderAuth),
        Err(ChainError::ExtendedKeyUsage {
            position: 0,
            subject: "Test DS".into()
        })
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
        Err(ChainError::BadSignature {
            position: 0,
            subject: "Test DS".into()
        })
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
        Err(ChainError::LeafIsCa {
            position: 0,
            subject: "CA DS".into()
        })
    );
}

#[test]
fn path_length_and_issuer_constraints_hold() {
    // Reader chains keep generic path validation (an issuer chain refuses any intermediate).
    let root = CertifiedKey::new_reader_root(&profile("Reader Root", 3650)).unwrap();
    // An intermediate CA under a root with path length 0 exceeds the constraint.
    let intermediate = CertifiedKey::new_custom(
        Some(&root),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let reader = CertifiedKey::new_reader(&intermediate, &profile("Deep Reader", 365)).unwrap();
    let deep = vec![
        reader.certificate().der().to_vec(),
        intermediate.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(&deep, &anchors(&root), NOW, ChainPurpose::ReaderAuth),
        Err(ChainError::PathLength {
            position: 2,
            subject: "Reader Root".into()
        })
    );
    // A reader certificate cannot issue certificates.
    let reader1 = CertifiedKey::new_reader(&root, &profile("Reader 1", 365)).unwrap();
    let reader2 = CertifiedKey::new_reader(&reader1, &profile("Reader 2", 365)).unwrap();
    let via_leaf = vec![
        reader2.certificate().der().to_vec(),
        reader1.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(&via_leaf, &anchors(&root), NOW, ChainPurpose::ReaderAuth),
        Err(ChainError::NotCa {
            position: 1,
            subject: "Reader 1".into()
        })
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
        Err(ChainError::KeyUsage {
            position: 1,
            subject: "Weak Root".into()
        })
    );
}

fn x509_cert_key_usage_crl() -> x509_cert::ext::pkix::KeyUsages {
    x509_cert::ext::pkix::KeyUsages::CRLSign
}

#[test]
fn signatures_below_the_top_certificate_are_still_verified() {
    // The anchor check verifies the top certificate's signature once; every certificate below
    // it must still be checked against its issuer. (A reader chain: issuer chains admit no
    // intermediate.)
    let mut root_kind = CertificateKind::root();
    root_kind.ca = Some(Some(1));
    let root = CertifiedKey::new_custom(None, &profile("Root", 3650), &root_kind).unwrap();
    let intermediate = CertifiedKey::new_custom(
        Some(&root),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let reader = CertifiedKey::new_reader(&intermediate, &profile("Reader", 365)).unwrap();
    let good = vec![
        reader.certificate().der().to_vec(),
        intermediate.certificate().der().to_vec(),
    ];
    assert!(verify_chain(&good, &anchors(&root), NOW, ChainPurpose::ReaderAuth).is_ok());
    // Same intermediate name, another key: the reader's signature no longer verifies.
    let impostor = CertifiedKey::new_custom(
        Some(&root),
        &profile("Intermediate", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let forged = vec![
        reader.certificate().der().to_vec(),
        impostor.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_chain(&forged, &anchors(&root), NOW, ChainPurpose::ReaderAuth),
        Err(ChainError::BadSignature {
            position: 0,
            subject: "Reader".into()
        })
    );
}

// --- Annex B profile: each certificate below breaks exactly one rule. ---

/// A fresh IACA and a document signer it issued, both following Annex B.
fn iaca_and_ds() -> (CertifiedKey, CertifiedKey) {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    (iaca, ds)
}

fn tlv(tag: der::Tag, content: &[u8]) -> Vec<u8> {
    use der::Encode;
    let length = der::Length::try_from(content.len()).unwrap();
    let mut out = der::Header::new(tag, length).to_der().unwrap();
    out.extend_from_slice(content);
    out
}

/// `cert` with its tbsCertificate content rewritten by `edit`, signed again by `issuer` (so the
/// signature stays valid and only the edited field breaks the profile).
fn resign(
    cert: &CertifiedKey,
    issuer: &CertifiedKey,
    edit: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    use der::{Decode, Encode, Reader};
    use p256::ecdsa::DerSignature;
    use p256::ecdsa::signature::Signer;
    let der = cert.certificate().der();
    let mut outer = der::SliceReader::new(der).unwrap();
    der::Header::decode(&mut outer).unwrap();
    let tbs = outer.tlv_bytes().unwrap();
    let mut reader = der::SliceReader::new(tbs).unwrap();
    let header = der::Header::decode(&mut reader).unwrap();
    let content = reader.read_slice(header.length()).unwrap();
    let new_tbs = tlv(der::Tag::Sequence, &edit(content));
    let sig: DerSignature = issuer.signing_key().sign(&new_tbs);
    let alg = x509_cert::Certificate::from_der(der)
        .unwrap()
        .signature_algorithm()
        .to_der()
        .unwrap();
    let bits = der::asn1::BitString::from_bytes(sig.as_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    tlv(der::Tag::Sequence, &[new_tbs, alg, bits].concat())
}

/// `haystack` with the first occurrence of `from` replaced by `to`.
fn replace_first(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    [&haystack[..at], to, &haystack[at + from.len()..]].concat()
}

/// ecdsa-with-SHA256 and ecdsa-with-SHA384 AlgorithmIdentifiers (no parameters).
const ECDSA_SHA256_ALG: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
const ECDSA_SHA384_ALG: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
];

fn verify_ds(chain: &[Vec<u8>], iaca: &CertifiedKey) -> Result<(), ChainError> {
    verify_chain(chain, &anchors(iaca), NOW, ChainPurpose::DocumentSigner).map(|_| ())
}

#[test]
fn resigned_but_unedited_certificates_still_verify() {
    // The helper itself must not break anything: an identity edit verifies.
    let (iaca, ds) = iaca_and_ds();
    let same = resign(&ds, &iaca, <[u8]>::to_vec);
    assert_eq!(verify_ds(&[same], &iaca), Ok(()));
}

#[test]
fn a_document_signer_must_be_issued_directly_by_the_iaca() {
    // An IACA without a path length constraint, an intermediate CA, and a DS under it.
    let mut open_root = CertificateKind::root();
    open_root.ca = Some(None);
    let iaca = CertifiedKey::new_custom(None, &profile("Open IACA", 3650), &open_root).unwrap();
    let intermediate = CertifiedKey::new_custom(
        Some(&iaca),
        &profile("Sub CA", 365),
        &CertificateKind::root(),
    )
    .unwrap();
    let ds = CertifiedKey::new_document_signer(&intermediate, &profile("Deep DS", 365)).unwrap();
    let chain = vec![
        ds.certificate().der().to_vec(),
        intermediate.certificate().der().to_vec(),
    ];
    assert_eq!(
        verify_ds(&chain, &iaca),
        Err(ChainError::IntermediateCa {
            position: 1,
            subject: "Sub CA".into()
        })
    );
}

#[test]
fn the_iaca_must_have_path_length_zero() {
    let mut open_root = CertificateKind::root();
    open_root.ca = Some(None);
    let iaca = CertifiedKey::new_custom(None, &profile("Open IACA", 3650), &open_root).unwrap();
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    assert_eq!(
        verify_ds(&chain(&ds), &iaca),
        Err(ChainError::PathLength {
            position: 1,
            subject: "Open IACA".into()
        })
    );
}

#[test]
fn document_signer_key_usage_is_digital_signature_only() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let mut kind = CertificateKind::signer(EKU_DOCUMENT_SIGNER);
    kind.key_usage
        .push(x509_cert::ext::pkix::KeyUsages::KeyAgreement);
    let ds = CertifiedKey::new_custom(Some(&iaca), &profile("Wide DS", 365), &kind).unwrap();
    assert_eq!(
        verify_ds(&chain(&ds), &iaca),
        Err(ChainError::KeyUsage {
            position: 0,
            subject: "Wide DS".into()
        })
    );
    // A reader certificate may carry more than digitalSignature (Annex B.1.7 only requires it).
    let mut kind = CertificateKind::signer(EKU_READER_AUTH);
    kind.key_usage
        .push(x509_cert::ext::pkix::KeyUsages::KeyAgreement);
    let root = CertifiedKey::new_reader_root(&profile("Reader Root", 3650)).unwrap();
    let reader = CertifiedKey::new_custom(Some(&root), &profile("Reader", 365), &kind).unwrap();
    assert!(
        verify_chain(
            &chain(&reader),
            &anchors(&root),
            NOW,
            ChainPurpose::ReaderAuth
        )
        .is_ok()
    );
}

#[test]
fn the_iaca_must_be_allowed_to_sign_crls() {
    let mut kind = CertificateKind::root();
    kind.key_usage = vec![x509_cert::ext::pkix::KeyUsages::KeyCertSign];
    let iaca = CertifiedKey::new_custom(None, &profile("No CRL IACA", 3650), &kind).unwrap();
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    assert_eq!(
        verify_ds(&chain(&ds), &iaca),
        Err(ChainError::KeyUsage {
            position: 1,
            subject: "No CRL IACA".into()
        })
    );
}

#[test]
fn the_inner_and_outer_signature_algorithms_must_match() {
    let (iaca, ds) = iaca_and_ds();
    // tbsCertificate.signature says SHA-384; the outer algorithm and the signature are SHA-256.
    let mismatched = resign(&ds, &iaca, |tbs| {
        replace_first(tbs, &ECDSA_SHA256_ALG, &ECDSA_SHA384_ALG)
    });
    assert_eq!(
        verify_ds(&[mismatched], &iaca),
        Err(ChainError::AlgorithmMismatch {
            position: 0,
            subject: "Test DS".into()
        })
    );
}

#[test]
fn the_key_must_be_an_ec_public_key_on_p256() {
    use der::{Decode, Encode};
    let (iaca, ds) = iaca_and_ds();
    let spki = x509_cert::Certificate::from_der(ds.certificate().der())
        .unwrap()
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    // id-ecDH (RFC 5480: the key may only be used for key agreement), same P-256 point.
    let mut ecdh = spki::SubjectPublicKeyInfoOwned::from_der(&spki).unwrap();
    ecdh.algorithm.oid = const_oid::ObjectIdentifier::new_unwrap("1.3.132.1.12");
    let ecdh = ecdh.to_der().unwrap();
    let wrong_algorithm = resign(&ds, &iaca, |tbs| replace_first(tbs, &spki, &ecdh));
    let unsupported = Err(ChainError::UnsupportedAlgorithm {
        position: 0,
        subject: "Test DS".into(),
    });
    assert_eq!(verify_ds(&[wrong_algorithm], &iaca), unsupported);
    // id-ecPublicKey naming prime192v1 while carrying a P-256 point.
    let prime256v1 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let prime192v1 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01];
    let wrong_curve = resign(&ds, &iaca, |tbs| {
        replace_first(tbs, &prime256v1, &prime192v1)
    });
    assert_eq!(verify_ds(&[wrong_curve], &iaca), unsupported);
}

#[test]
fn issuer_alt_name_and_crl_distribution_point_are_mandatory() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    for extension in [
        RequiredExtension::IssuerAltName,
        RequiredExtension::CrlDistributionPoints,
    ] {
        let drop = |kind: &mut CertificateKind| match extension {
            RequiredExtension::IssuerAltName => kind.issuer_alt_name = false,
            _ => kind.crl_distribution_point = false,
        };
        let mut kind = CertificateKind::signer(EKU_DOCUMENT_SIGNER);
        drop(&mut kind);
        let ds = CertifiedKey::new_custom(Some(&iaca), &profile("Bare DS", 365), &kind).unwrap();
        assert_eq!(
            verify_ds(&chain(&ds), &iaca),
            Err(ChainError::MissingExtension {
                position: 0,
                subject: "Bare DS".into(),
                extension
            })
        );

        let mut root = CertificateKind::root();
        drop(&mut root);
        let bare_iaca = CertifiedKey::new_custom(None, &profile("Bare IACA", 3650), &root).unwrap();
        let ds = CertifiedKey::new_document_signer(&bare_iaca, &profile("Test DS", 365)).unwrap();
        assert_eq!(
            verify_ds(&chain(&ds), &bare_iaca),
            Err(ChainError::MissingExtension {
                position: 1,
                subject: "Bare IACA".into(),
                extension
            })
        );

        // Reader chains do not require them (the Annex D reader certificates lack issuerAltName).
        let mut reader_root = CertificateKind::root();
        drop(&mut reader_root);
        let mut reader_kind = CertificateKind::signer(EKU_READER_AUTH);
        drop(&mut reader_kind);
        let root =
            CertifiedKey::new_custom(None, &profile("Reader Root", 3650), &reader_root).unwrap();
        let reader =
            CertifiedKey::new_custom(Some(&root), &profile("Reader", 365), &reader_kind).unwrap();
        assert!(
            verify_chain(
                &chain(&reader),
                &anchors(&root),
                NOW,
                ChainPurpose::ReaderAuth
            )
            .is_ok()
        );
    }
}

#[test]
fn errors_name_the_certificate_without_key_material() {
    let (iaca, ds) = iaca_and_ds();
    let err = verify_chain(
        &chain(&ds),
        &anchors(&iaca),
        NOW.plus_days(400),
        ChainPurpose::DocumentSigner,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "certificate 0 (CN \"Test DS\") has expired"
    );
    // A hostile common name cannot forge log lines or grow the message without bound.
    let noisy = CertifiedKey::new_document_signer(
        &iaca,
        &profile(&format!("DS\n\u{1b}[31m{}", "x".repeat(500)), 365),
    )
    .unwrap();
    let err = verify_chain(
        &chain(&noisy),
        &anchors(&iaca),
        NOW.plus_days(400),
        ChainPurpose::DocumentSigner,
    )
    .unwrap_err();
    let ChainError::Expired { subject, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(subject.starts_with("DS??[31mx"));
    assert_eq!(subject.chars().count(), 64);
    assert!(!err.to_string().contains(['\n', '\u{1b}']));
}

/// `haystack` with every occurrence of `from` replaced by `to`.
fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = haystack;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[test]
fn key_identifiers_are_mandatory_and_must_match() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let mut kind = CertificateKind::signer(EKU_DOCUMENT_SIGNER);
    kind.key_identifiers = false;
    let ds = CertifiedKey::new_custom(Some(&iaca), &profile("No KID DS", 365), &kind).unwrap();
    assert_eq!(
        verify_ds(&chain(&ds), &iaca),
        Err(ChainError::MissingExtension {
            position: 0,
            subject: "No KID DS".into(),
            extension: RequiredExtension::SubjectKeyIdentifier
        })
    );

    let mut root = CertificateKind::root();
    root.key_identifiers = false;
    let bare_iaca = CertifiedKey::new_custom(None, &profile("No KID IACA", 3650), &root).unwrap();
    let ds = CertifiedKey::new_document_signer(&bare_iaca, &profile("Test DS", 365)).unwrap();
    assert_eq!(
        verify_ds(&chain(&ds), &bare_iaca),
        Err(ChainError::MissingExtension {
            position: 1,
            subject: "No KID IACA".into(),
            extension: RequiredExtension::SubjectKeyIdentifier
        })
    );

    // The DS's authority key identifier names another key than the IACA's.
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    let iaca_kid = iaca_subject_key_id(&iaca);
    let mut other_kid = iaca_kid.clone();
    other_kid[0] ^= 1;
    let wrong_aki = resign(&ds, &iaca, |tbs| replace_first(tbs, &iaca_kid, &other_kid));
    assert_eq!(
        verify_ds(&[wrong_aki], &iaca),
        Err(ChainError::MissingExtension {
            position: 0,
            subject: "Test DS".into(),
            extension: RequiredExtension::AuthorityKeyIdentifier
        })
    );
}

fn iaca_subject_key_id(iaca: &CertifiedKey) -> Vec<u8> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(iaca.certificate().der()).unwrap();
    let (_, ski) = cert
        .tbs_certificate()
        .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
        .unwrap()
        .unwrap();
    ski.0.as_bytes().to_vec()
}

#[test]
fn country_is_mandatory_and_the_iaca_s() {
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    let foreign = CertifiedKey::new_document_signer(
        &iaca,
        &CertificateProfile::new("Foreign DS", "FR", NOW.plus_days(-1), 365),
    )
    .unwrap();
    assert_eq!(
        verify_ds(&chain(&foreign), &iaca),
        Err(ChainError::Country {
            position: 0,
            subject: "Foreign DS".into()
        })
    );

    // countryName (2.5.4.6) turned into organizationName (2.5.4.10) in every name, so the chain
    // still links by name but no certificate has a country.
    let country = [0x06, 0x03, 0x55, 0x04, 0x06];
    let organization = [0x06, 0x03, 0x55, 0x04, 0x0a];
    let ds = CertifiedKey::new_document_signer(&iaca, &profile("Test DS", 365)).unwrap();
    let stateless_iaca = resign(&iaca, &iaca, |tbs| {
        replace_all(tbs, &country, &organization)
    });
    let stateless_ds = resign(&ds, &iaca, |tbs| replace_all(tbs, &country, &organization));
    let anchor = TrustAnchors::new(vec![
        mdoc::x509::Certificate::from_der(&stateless_iaca).unwrap(),
    ]);
    assert_eq!(
        verify_chain(&[stateless_ds], &anchor, NOW, ChainPurpose::DocumentSigner),
        Err(ChainError::Country {
            position: 1,
            subject: "Test IACA".into()
        })
    );
}

#[test]
fn annex_b_critical_extensions_must_be_critical() {
    use const_oid::AssociatedOid;
    use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
    let iaca = CertifiedKey::new_iaca(&profile("Test IACA", 3650)).unwrap();
    for (oid, extension) in [
        (KeyUsage::OID, RequiredExtension::KeyUsage),
        (ExtendedKeyUsage::OID, RequiredExtension::ExtendedKeyUsage),
    ] {
        let mut kind = CertificateKind::signer(EKU_DOCUMENT_SIGNER);
        kind.non_critical = vec![oid];
        let ds = CertifiedKey::new_custom(Some(&iaca), &profile("Soft DS", 365), &kind).unwrap();
        assert_eq!(
            verify_ds(&chain(&ds), &iaca),
            Err(ChainError::NotCritical {
                position: 0,
                subject: "Soft DS".into(),
                extension
            })
        );
    }
    for (oid, extension) in [
        (BasicConstraints::OID, RequiredExtension::BasicConstraints),
        (KeyUsage::OID, RequiredExtension::KeyUsage),
    ] {
        let mut root = CertificateKind::root();
        root.non_critical = vec![oid];
        let soft = CertifiedKey::new_custom(None, &profile("Soft IACA", 3650), &root).unwrap();
        let ds = CertifiedKey::new_document_signer(&soft, &profile("Test DS", 365)).unwrap();
        assert_eq!(
            verify_ds(&chain(&ds), &soft),
            Err(ChainError::NotCritical {
                position: 1,
                subject: "Soft IACA".into(),
                extension
            })
        );
    }
}

#[test]
fn hostile_but_validly_signed_certificates_fail_cleanly() {
    // Mutations of a document signer's extensions, signed again so they get past the signature
    // check into the profile checks (extension decoding included; the unsigned hostile-input
    // test in the mdoc crate covers the rest). None may panic, and any certificate that still
    // verifies must have kept what the profile requires.
    use der::{Decode, Encode};
    let (iaca, ds) = iaca_and_ds();
    let extensions_len = x509_cert::Certificate::from_der(ds.certificate().der())
        .unwrap()
        .tbs_certificate()
        .extensions()
        .unwrap()
        .to_der()
        .unwrap()
        .len();
    // The extensions and their [3] wrapper end the tbsCertificate.
    let tail = extensions_len + 4;
    let mut refused = 0;
    for from_end in 1..=tail {
        for mutate in [|b: u8| b ^ 0x01, |_| 0xff] {
            let hostile = resign(&ds, &iaca, |tbs| {
                let mut tbs = tbs.to_vec();
                let at = tbs.len() - from_end;
                tbs[at] = mutate(tbs[at]);
                tbs
            });
            match verify_chain(
                &[hostile],
                &anchors(&iaca),
                NOW,
                ChainPurpose::DocumentSigner,
            ) {
                Ok(verified) => {
                    assert!(verified.leaf.can_sign_data());
                    assert!(verified.leaf_key().is_some());
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(refused > tail, "most mutations must be refused");
}
