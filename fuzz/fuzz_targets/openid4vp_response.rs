#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mdoc::x509::TrustAnchors;
use verifier::openid4vp::OpenId4VpRequest;
use verifier::DocumentRequest;

fn requests() -> &'static [OpenId4VpRequest; 2] {
    static REQUESTS: OnceLock<[OpenId4VpRequest; 2]> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let asked = [DocumentRequest::custom(
            "org.iso.18013.5.1.mDL",
            &[("org.iso.18013.5.1", "age_over_18", false)],
        )];
        [
            OpenId4VpRequest::dc_api(&asked, "https://verifier.example", false),
            OpenId4VpRequest::redirect(&asked, "https://verifier.example/post", true),
        ]
    })
}

// An OpenID4VP authorization response as the verifier receives it: a JSON object or a form
// body, in the clear or as a JWE; and the JWE alone.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for request in requests() {
        let _ = request.verify(&text, &TrustAnchors::default(), citizen_wallet_fuzz::ANNEX_D_TIME);
    }
    let _ = mdoc::online::jwe::decrypt(&mdoc::rng::new_p256_secret_key(), &text);
});
