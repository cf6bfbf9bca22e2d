#![no_main]
use libfuzzer_sys::fuzz_target;

// Relying-party registration certificates (ETSI TS 119 475, CWT): hostile bytes never panic,
// whatever is opened stays within the bounds, and verification against no anchor never
// succeeds. The same bytes as an OpenID4VP verifier_info entry never panic either.
fuzz_target!(|data: &[u8]| {
    use mdoc::registration::{self, MAX_LIST_LEN, MAX_REGISTRATION_LEN, MAX_TEXT_LEN};
    if let Ok(opened) = registration::open(data) {
        assert!(data.len() <= MAX_REGISTRATION_LEN);
        let c = &opened.certificate;
        assert!(c.name.len() <= MAX_TEXT_LEN && c.sub.len() <= MAX_TEXT_LEN);
        assert!(c.entitlements.len() <= MAX_LIST_LEN && c.credentials.len() <= MAX_LIST_LEN);
        let _ = c.covers("uk.gov.digital-id.1", "org.iso.18013.5.1", "family_name");
        let _ = registration::RegistrationCertificate::from_claims(&c.to_claims());
    }
    let none = mdoc::x509::TrustAnchors::default();
    let now = mdoc::time::Timestamp::from_unix_seconds(1_795_521_600);
    assert!(registration::verify(data, &none, now).is_err());
    if let Ok(value) = mdoc::cbor::decode(data) {
        let _ = registration::RegistrationCertificate::from_claims(&value);
    }
    let entry = serde_json::json!([{
        "format": "rc-wrp+cwt",
        "data": mdoc::base64url::encode(data),
    }]);
    let _ = wallet::registration::parse_verifier_info(&entry);
});
