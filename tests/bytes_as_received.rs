//! Bytes as received: an issuer that writes a tag-24 byte-string head in a non-preferred
//! (longer) form. The digest in the MSO is over those bytes, so the credential must verify on
//! them, and must be re-sent with them byte for byte: re-encoding the item in the preferred form
//! would break its digest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use issuer::certs::{CertificateProfile, CertifiedKey};
use issuer::samples::{self, AMELIA};
use issuer::{ValidityWindow, issue_credential};
use mdoc::cbor::{self, Tagged, ToCbor};
use mdoc::cose::{CoseKey, CoseSign1, Payload};
use mdoc::definitions::{IssuerSigned, IssuerSignedItem, MobileSecurityObject};
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::time::Timestamp;
use mdoc::verify::{CheckLog, CheckName, verify_issuer_signed};
use mdoc::x509::TrustAnchors;
use sha2::{Digest, Sha256};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_795_521_600);

/// The same tag-24 item with its byte-string head in the 4-byte-length form (`0x5a`), which
/// RFC 8949 §4.2.1 would write in 1 or 2 bytes for any item of this size.
fn long_form(item: &Tagged<IssuerSignedItem>) -> Vec<u8> {
    let content = item.content();
    let mut out = vec![0xd8, 0x18, 0x5a];
    out.extend(u32::try_from(content.len()).unwrap().to_be_bytes());
    out.extend(content);
    out
}

/// An issuer whose first item is re-written in the long form, with the MSO digest over the
/// long bytes and the MSO signed again by the document signer: what such an issuer would send.
fn long_form_credential() -> (Vec<u8>, Vec<u8>, TrustAnchors) {
    let start = NOW.plus_days(-30);
    let iaca =
        CertifiedKey::new_iaca(&CertificateProfile::new("Test IACA", "GB", start, 3650)).unwrap();
    let ds = CertifiedKey::new_document_signer(
        &iaca,
        &CertificateProfile::new("Test Document Signer", "GB", start, 1000),
    )
    .unwrap();
    let device = mdoc::rng::new_p256_secret_key().public_key();
    let issued = issue_credential(
        &ds,
        &samples::uk_digital_id(&AMELIA, NOW.date()),
        &CoseKey::new(device),
        &ValidityWindow::starting(NOW.plus_days(-1), 30),
    )
    .unwrap();

    let mut issuer_signed = issued.issuer_signed.clone();
    let sign1 = CoseSign1::from_value(&issuer_signed.issuer_auth).unwrap();
    let mut mso = Tagged::<MobileSecurityObject>::from_encoded(sign1.payload().unwrap())
        .unwrap()
        .into_parts()
        .0;
    let (namespace, items) = &mut issuer_signed.name_spaces.as_mut().unwrap()[0];
    let long = long_form(&items[0]);
    let digest_id = items[0].digest_id;
    items[0] = Tagged::from_encoded(&long).unwrap();
    assert_eq!(items[0].encoded(), long, "the decoder keeps the long head");
    let digests = mso
        .value_digests
        .iter_mut()
        .find(|(ns, _)| ns == namespace)
        .unwrap();
    let digest = digests
        .1
        .iter_mut()
        .find(|(id, _)| *id == digest_id)
        .unwrap();
    digest.1 = Sha256::digest(&long).to_vec();
    let resigned = CoseSign1::sign(
        ds.signing_key(),
        Tagged::new(mso).encoded(),
        Payload::Attached,
        &[ds.certificate().der().to_vec()],
    )
    .unwrap();
    issuer_signed.issuer_auth = resigned.to_cbor();
    let anchors = TrustAnchors::new(vec![iaca.certificate().clone()]);
    (cbor::to_vec(&issuer_signed), long, anchors)
}

fn verify(issuer_signed: &IssuerSigned, anchors: &TrustAnchors) -> Result<(), CheckName> {
    let mut log = CheckLog::new();
    verify_issuer_signed(issuer_signed, UK_DIGITAL_ID, anchors, NOW, &mut log)
        .map(drop)
        .map_err(|e| e.check)
}

#[test]
fn a_long_form_tag_24_head_verifies_and_is_re_sent_byte_identically() {
    let (bytes, long, anchors) = long_form_credential();
    assert!(bytes.windows(long.len()).any(|w| w == long));

    let received: IssuerSigned = cbor::from_slice(&bytes).unwrap();
    verify(&received, &anchors).unwrap();
    let first = &received.name_spaces.as_ref().unwrap()[0].1[0];
    assert_eq!(first.encoded(), long);
    // Re-presenting sends the bytes received, byte for byte.
    assert_eq!(cbor::to_vec(&received), bytes);
    let again: IssuerSigned = cbor::from_slice(&cbor::to_vec(&received)).unwrap();
    verify(&again, &anchors).unwrap();
}

#[test]
fn the_same_item_in_the_preferred_form_fails_its_digest() {
    let (bytes, _, anchors) = long_form_credential();
    let mut received: IssuerSigned = cbor::from_slice(&bytes).unwrap();
    let item = &mut received.name_spaces.as_mut().unwrap()[0].1[0];
    // Tagged::new re-encodes the typed item with preferred heads: a different byte string.
    let preferred: Tagged<IssuerSignedItem> =
        Tagged::from_encoded(cbor::Embedded::wrap(item.content()).encoded()).unwrap();
    assert_ne!(preferred.encoded(), item.encoded());
    *item = preferred;
    assert_eq!(verify(&received, &anchors), Err(CheckName::ValueDigests));
}
