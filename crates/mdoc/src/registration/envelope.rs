//! The COSE_Sign1 around a registration certificate: open (bounded), sign, verify.

use super::claims::RegistrationCertificate;
use super::{MAX_REGISTRATION_LEN, MAX_VALIDITY_DAYS, RegistrationError, TYP, TYP_MEDIA_TYPE};
use crate::cbor::{self, Limits, Value};
use crate::cose::{CoseSign1, Es256Signer, MAX_X5CHAIN_LEN};
use crate::time::Timestamp;
use crate::x509::{ChainPurpose, TrustAnchors, VerifiedChain, verify_chain};

/// COSE header label of the algorithm.
const ALG: i64 = 1;
/// COSE header label of the type (RFC 9596).
const TYP_LABEL: i64 = 16;
/// COSE header label of x5chain (RFC 9360).
const X5CHAIN: i64 = 33;
/// ES256.
const ES256: i64 = -7;
/// COSE_Sign1 tag.
const COSE_SIGN1_TAG: u64 = 18;
/// CWT tag (RFC 8392 §6).
const CWT_TAG: u64 = 61;

/// A registration certificate opened (structure, type, claims) but not yet verified.
#[derive(Debug, Clone)]
pub struct Opened {
    sign1: CoseSign1,
    /// The signer's certificate chain (DER, leaf first).
    pub x5chain: Vec<Vec<u8>>,
    /// The decoded claims.
    pub certificate: RegistrationCertificate,
}

/// A registration certificate whose signature, registrar chain and validity were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRegistration {
    /// The claims.
    pub certificate: RegistrationCertificate,
    /// The registrar: the common name of the anchor the signer chains to.
    pub registrar: String,
}

/// Opens `bytes`: size bound, bounded CBOR decode, COSE_Sign1 (untagged, tag 18, or tag 18
/// inside the CWT tag 61), protected `typ` `rc-wrp+cwt`, an x5chain, and the claims.
pub fn open(bytes: &[u8]) -> Result<Opened, RegistrationError> {
    if bytes.len() > MAX_REGISTRATION_LEN {
        return Err(RegistrationError::TooLarge);
    }
    let limits = Limits {
        max_input: MAX_REGISTRATION_LEN,
        max_depth: 12,
        ..Limits::DEFAULT
    };
    let value = cbor::decode_with_limits(bytes, limits)
        .map_err(|_| RegistrationError::Malformed("CBOR"))?;
    let value = match value {
        Value::Tag(CWT_TAG, inner) => *inner,
        other => other,
    };
    let inner = match value {
        Value::Tag(COSE_SIGN1_TAG, inner) => *inner,
        Value::Tag(_, _) => return Err(RegistrationError::Malformed("not a COSE_Sign1")),
        untagged => untagged,
    };
    let sign1 =
        CoseSign1::from_value(&inner).map_err(|_| RegistrationError::Malformed("COSE_Sign1"))?;
    let Some([protected, _, _, _]) = inner.as_array() else {
        return Err(RegistrationError::Malformed("COSE_Sign1"));
    };
    let protected = match protected.as_bytes() {
        Some([]) | None => Value::Map(Vec::new()),
        Some(bytes) => cbor::decode_with_limits(bytes, limits)
            .map_err(|_| RegistrationError::Malformed("protected header"))?,
    };
    match protected.get_int(TYP_LABEL).and_then(Value::as_text) {
        Some(TYP) | Some(TYP_MEDIA_TYPE) => {}
        _ => return Err(RegistrationError::WrongType),
    }
    let x5chain = sign1
        .x5chain()
        .map_err(|_| RegistrationError::Malformed("x5chain"))?;
    if x5chain.is_empty() || x5chain.len() > MAX_X5CHAIN_LEN {
        return Err(RegistrationError::Malformed("x5chain"));
    }
    let payload = sign1
        .payload()
        .ok_or(RegistrationError::Malformed("detached payload"))?;
    let claims = cbor::decode_with_limits(payload, limits)
        .map_err(|_| RegistrationError::Malformed("claims"))?;
    let certificate = RegistrationCertificate::from_claims(&claims)?;
    Ok(Opened {
        sign1,
        x5chain,
        certificate,
    })
}

/// Verifies `bytes` as a registration certificate: [`open`], the signer's chain to one of
/// `anchors` at `now` ([`ChainPurpose::RegistrationSigner`]), the ES256 signature over the
/// bytes as received, and the validity window (`iat` ≤ now ≤ `exp`, `exp` at most 12 months
/// after `iat`).
pub fn verify(
    bytes: &[u8],
    anchors: &TrustAnchors,
    now: Timestamp,
) -> Result<VerifiedRegistration, RegistrationError> {
    let opened = open(bytes)?;
    let chain: VerifiedChain = verify_chain(
        &opened.x5chain,
        anchors,
        now,
        ChainPurpose::RegistrationSigner,
    )?;
    let key = chain.leaf_key().ok_or(RegistrationError::BadSignature)?;
    opened
        .sign1
        .verify(&key, None)
        .map_err(|_| RegistrationError::BadSignature)?;
    let certificate = opened.certificate;
    if now < certificate.issued_at {
        return Err(RegistrationError::NotYetValid);
    }
    if let Some(expires) = certificate.expires {
        if expires > certificate.issued_at.plus_days(MAX_VALIDITY_DAYS) {
            return Err(RegistrationError::ValidityTooLong);
        }
        if now > expires {
            return Err(RegistrationError::Expired);
        }
    }
    Ok(VerifiedRegistration {
        certificate,
        registrar: chain.anchor.subject_common_name().unwrap_or_default(),
    })
}

/// Signs `certificate` as a registrar: a COSE_Sign1_Tagged with `alg` ES256, `typ`
/// `rc-wrp+cwt` and `x5chain` (leaf first) in the protected header.
pub fn sign(
    signer: &(impl Es256Signer + ?Sized),
    x5chain: &[Vec<u8>],
    certificate: &RegistrationCertificate,
) -> Result<Vec<u8>, RegistrationError> {
    let mut header = vec![
        (Value::int(ALG), Value::int(ES256)),
        (Value::int(TYP_LABEL), Value::text(TYP)),
    ];
    match x5chain {
        [] => return Err(RegistrationError::Malformed("x5chain")),
        [one] => header.push((Value::int(X5CHAIN), Value::Bytes(one.clone()))),
        many => header.push((
            Value::int(X5CHAIN),
            Value::Array(many.iter().cloned().map(Value::Bytes).collect()),
        )),
    }
    let protected = cbor::encode(&Value::canonical_map(header));
    let payload = cbor::encode(&certificate.to_claims());
    let tbs = cbor::encode(&Value::Array(vec![
        Value::text("Signature1"),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.clone()),
    ]));
    let signature = signer
        .sign_es256(&tbs)
        .map_err(|_| RegistrationError::Malformed("signing failed"))?;
    Ok(cbor::encode(&Value::Tag(
        COSE_SIGN1_TAG,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(payload),
            Value::Bytes(signature.to_vec()),
        ])),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_bytes_are_refused_without_panicking() {
        assert_eq!(
            open(&vec![0u8; MAX_REGISTRATION_LEN + 1]).unwrap_err(),
            RegistrationError::TooLarge
        );
        for bytes in [
            &[][..],
            &[0xff],
            &[0x80],
            &[0xd2, 0x80],
            &[0xd8, 0x3d, 0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40],
            &[0x84, 0x40, 0xa0, 0x40, 0x40],
        ] {
            assert!(open(bytes).is_err(), "{bytes:?}");
        }
        // A COSE_Sign1 without the registration typ.
        let protected = cbor::encode(&Value::Map(vec![(Value::int(1), Value::int(-7))]));
        let sign1 = cbor::encode(&Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(cbor::encode(&Value::Map(Vec::new()))),
            Value::Bytes(vec![0; 64]),
        ]));
        assert_eq!(open(&sign1).unwrap_err(), RegistrationError::WrongType);
    }

    fn seed(text: &str) -> Vec<u8> {
        let hex: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.chars().filter(char::is_ascii_hexdigit))
            .collect();
        hex::decode(hex).unwrap()
    }

    #[test]
    fn the_test_registrars_certificates_open_and_verify_only_under_its_root() {
        let bytes = seed(include_str!("testdata/registration_police.hex"));
        let opened = open(&bytes).unwrap();
        assert_eq!(
            opened.certificate.intended_use_id.as_deref(),
            Some("identity_check")
        );
        assert!(
            opened
                .certificate
                .entitlements
                .iter()
                .any(|e| e == "urn:uk-digital-id:role:police")
        );
        assert_eq!(opened.x5chain.len(), 1);
        // No anchor configured: the chain is refused, so nothing verifies.
        let now = opened.certificate.issued_at.plus_days(1);
        assert!(matches!(
            verify(&bytes, &TrustAnchors::default(), now),
            Err(RegistrationError::Chain(_))
        ));
        let bytes = seed(include_str!("testdata/registration_right_to_work.hex"));
        assert_eq!(
            open(&bytes).unwrap().certificate.intended_use_id.as_deref(),
            Some("right_to_work")
        );
        // Every truncation fails cleanly.
        for end in 0..bytes.len() {
            assert!(open(&bytes[..end]).is_err());
        }
    }
}
