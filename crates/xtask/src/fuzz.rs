//! `cargo xtask fuzz --seconds N [TARGET...]`: every cargo-fuzz target in `fuzz/`, seeded from
//! the Annex D vectors and the test issuer's output, each run for N seconds. Inputs kept in
//! `fuzz/regressions/<target>/` (crashes found and fixed) are replayed first. A crash fails the
//! run and leaves its input in `fuzz/artifacts/`.
//!
//! cargo-fuzz needs nightly `-Z` flags; no nightly toolchain can be fetched on these machines,
//! so the stable toolchain is used with `RUSTC_BOOTSTRAP=1`, for the fuzz build only.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;

use crate::run::{root, status, target_dir};

/// Every fuzz target, in the order they run.
pub const TARGETS: &[&str] = &[
    "cbor",
    "qr_uri",
    "device_engagement",
    "session_establishment",
    "session_data",
    "session_transcript",
    "device_request",
    "device_response",
    "issuer_signed",
    "mso",
    "cose",
    "x5chain",
    "stored_record",
    "wallet_session",
    "dcapi",
    "openid4vp",
    "openid4vp_response",
    "openid4vci_offer",
    "openid4vci_metadata",
    "openid4vci_credential_response",
    "openid4vci_authorization",
    "openid4vci_dpop",
    "ble_framing",
    "nfc_ndef",
    "nfc_apdu",
    "status_token",
    "registration",
    "trust_list",
];

fn cargo_fuzz_available() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    if cargo_fuzz_available() {
        return Ok(());
    }
    status(
        Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]),
        "cargo install cargo-fuzz",
    )
}

fn vectors() -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(root().join("crates/mdoc/testdata/iso18013-5-annex-d.json"))
        .map_err(|e| format!("cannot read the Annex D vectors: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("Annex D vectors: {e}"))
}

fn vector(vectors: &serde_json::Value, name: &str) -> Result<Vec<u8>, String> {
    let text = vectors
        .get(name)
        .and_then(|entry| entry.get("hex"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| format!("no vector {name}"))?;
    hex::decode(text).map_err(|e| format!("vector {name}: {e}"))
}

/// Seeds per target from the Annex D vectors and freshly issued credentials.
/// Seed inputs per target.
type Seeds = Vec<(&'static str, Vec<Vec<u8>>)>;

fn seeds() -> Result<Seeds, String> {
    let v = vectors()?;
    let get = |name: &str| vector(&v, name);
    let now = mdoc::time::Timestamp::from_unix_seconds(1_795_521_600);
    let issuer = issuer::TestIssuer::new("Fuzz Authority", "GB", now).map_err(|e| e.to_string())?;
    let key = mdoc::cose::CoseKey::new(mdoc::rng::new_p256_secret_key().public_key());
    let credential = issuer
        .issue(
            &issuer::samples::uk_digital_id(&issuer::samples::TOMASZ, now.date()),
            &key,
            &issuer::ValidityWindow::starting(now, 30),
        )
        .map_err(|e| e.to_string())?
        .bytes;
    let engagement = get("device_engagement")?;
    let uri = format!(
        "mdoc:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&engagement)
    );
    let all_cbor = [
        "device_engagement",
        "session_establishment",
        "session_data",
        "session_transcript_bytes",
        "device_request",
        "device_response",
        "issuer_auth",
        "mobile_security_object_bytes",
    ]
    .iter()
    .map(|n| get(n))
    .collect::<Result<Vec<_>, _>>()?;
    Ok(vec![
        ("cbor", all_cbor),
        ("qr_uri", vec![uri.into_bytes()]),
        ("device_engagement", vec![engagement]),
        ("session_establishment", vec![get("session_establishment")?]),
        (
            "session_data",
            vec![get("session_data")?, get("session_termination")?],
        ),
        ("session_transcript", vec![get("session_transcript_bytes")?]),
        (
            "device_request",
            [
                vec![get("device_request")?],
                second_edition_request_seeds()?,
            ]
            .concat(),
        ),
        ("device_response", vec![get("device_response")?]),
        ("issuer_signed", vec![credential.clone()]),
        ("mso", vec![get("mobile_security_object_bytes")?]),
        ("cose", vec![get("issuer_auth")?, get("reader_auth")?]),
        (
            "x5chain",
            vec![
                get("ds_certificate")?,
                get("iaca_certificate")?,
                get("reader_certificate")?,
            ],
        ),
        (
            "stored_record",
            vec![b"CWR1".iter().copied().chain(credential).collect()],
        ),
        ("wallet_session", vec![get("session_establishment")?]),
        ("status_token", vec![status_token_seed()?]),
        ("registration", registration_seeds()?),
        ("trust_list", trust_list_seeds()?),
        ("nfc_ndef", nfc_seeds().0),
        ("nfc_apdu", nfc_seeds().1),
        (
            "ble_framing",
            vec![
                // MTU 23: a two-chunk message, then a single-chunk one.
                [
                    0x00, 0x01, 0xa1, 0x61, 0xfe, 0x00, 0x61, 0x00, 0xfe, 0x00, 0x14,
                ]
                .to_vec(),
                // A 4-byte length prefix and its message, for the L2CAP decoder.
                [0x10, 0x00, 0x00, 0x00, 0x02, 0xa0, 0xf6].to_vec(),
            ],
        ),
        ("dcapi", vec![dcapi_seed()]),
        (
            "openid4vp",
            vec![
                OPENID4VP_SEED.as_bytes().to_vec(),
                OPENID4VP_REDIRECT_SEED.as_bytes().to_vec(),
            ],
        ),
        (
            "openid4vp_response",
            openid4vp_response_seeds(&get("device_response")?)?,
        ),
        (
            "openid4vci_offer",
            OPENID4VCI_OFFER_SEEDS
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        ),
        (
            "openid4vci_metadata",
            vec![OPENID4VCI_METADATA_SEED.as_bytes().to_vec()],
        ),
        (
            "openid4vci_credential_response",
            OPENID4VCI_RESPONSE_SEEDS
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        ),
        (
            "openid4vci_authorization",
            OPENID4VCI_AUTHORIZATION_SEEDS
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        ),
        (
            "openid4vci_dpop",
            vec![OPENID4VCI_DPOP_SEED.as_bytes().to_vec()],
        ),
    ])
}

/// Registration certificates made by this project's test registrar (`issuer::registrar`; no
/// published CWT example of ETSI TS 119 475 was available): hex files, `#` comments.
fn registration_seeds() -> Result<Vec<Vec<u8>>, String> {
    ["registration_right_to_work.hex", "registration_police.hex"]
        .iter()
        .map(|name| {
            let path = root()
                .join("crates/mdoc/src/registration/testdata")
                .join(name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let hex: String = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .flat_map(|l| l.chars().filter(char::is_ascii_hexdigit))
                .collect();
            hex::decode(hex).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

/// Version 1.1 DeviceRequests: isomdl's published one (readerAuthAll, deviceRequestInfo), and
/// one built here with every second-edition field (use cases with purpose hints, and a
/// DocRequestInfo with alternatives, issuer identifiers, uniqueDocSetRequired and
/// maximumResponseSize).
fn second_edition_request_seeds() -> Result<Vec<Vec<u8>>, String> {
    use mdoc::cbor::{MapRest, Tagged, Value};
    use mdoc::definitions::{
        AlternativeDataElementSet, DeviceRequest, DeviceRequestInfo, DocRequest, DocRequestInfo,
        ElementReference, ItemsRequest, UseCase,
    };
    let path = root().join("crates/mdoc/testdata/second-edition-vectors.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let published = vector(&json, "isomdl_device_request_v11")?;
    let mut items = ItemsRequest::new(
        "org.iso.18013.5.1.mDL",
        vec![(
            "org.iso.18013.5.1".to_owned(),
            vec![
                ("age_over_18".to_owned(), false),
                ("portrait".to_owned(), false),
            ],
        )],
    );
    items.set_doc_request_info(&DocRequestInfo {
        alternative_data_elements: vec![AlternativeDataElementSet {
            requested_element: ElementReference::new("org.iso.18013.5.1", "age_over_18"),
            alternative_element_sets: vec![vec![ElementReference::new(
                "org.iso.18013.5.1",
                "birth_date",
            )]],
            rest: MapRest::default(),
        }],
        issuer_identifiers: vec![vec![0x11; 20]],
        unique_doc_set_required: Some(true),
        maximum_response_size: Some(65_536),
    });
    let doc = DocRequest {
        items_request: Tagged::new(items),
        reader_auth: None,
        rest: MapRest::default(),
    };
    let mut use_case = UseCase::new(true, vec![vec![0], vec![1]]);
    use_case.purpose_hints = vec![("org.example".to_owned(), 1)];
    let mut built = DeviceRequest::second_edition(
        vec![doc.clone(), doc],
        Some(DeviceRequestInfo {
            use_cases: vec![use_case],
            rest: MapRest::default(),
        }),
    );
    built.reader_auth_all = Some(vec![Value::Null]);
    Ok(vec![published, mdoc::cbor::to_vec(&built)])
}

/// The published AAMVA and Austroads VICALs (crates/mdoc/src/trust_list/testdata), and the
/// AAMVA list's payload alone (for the payload readers).
fn trust_list_seeds() -> Result<Vec<Vec<u8>>, String> {
    let dir = root().join("crates/mdoc/src/trust_list/testdata");
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let aamva = read("aamva_vical_89782.cbor")?;
    let payload = mdoc::trust_list::Envelope::open(&aamva)
        .map_err(|e| format!("AAMVA VICAL: {e}"))?
        .payload()
        .to_vec();
    Ok(vec![aamva, read("austroads_vical_27.cbor")?, payload])
}

/// The Status List Token CWT example of draft-ietf-oauth-status-list-20 (hex, `#` comments).
fn status_token_seed() -> Result<Vec<u8>, String> {
    let path = root().join("crates/mdoc/src/status/testdata/status_list_cwt.hex");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let hex: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.chars().filter(char::is_ascii_hexdigit))
        .collect();
    hex::decode(hex).map_err(|e| format!("{}: {e}", path.display()))
}

/// OpenID4VCI 1.0 §4.1.1 and §4.1.3 offers, the §4.1.3 by-reference URI and the §6.1 token
/// request form.
const OPENID4VCI_OFFER_SEEDS: &[&str] = &[
    r#"{"credential_issuer":"https://credential-issuer.example.com","credential_configuration_ids":["UniversityDegreeCredential","org.iso.18013.5.1.mDL"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"oaKazRN8I0IbtZ0C7JuMn5","tx_code":{"length":4,"input_mode":"numeric","description":"Please provide the one-time code that was sent via e-mail"}}}}"#,
    "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fserver%2Eexample%2Ecom%2Fcredential-offer%2FGkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM",
    "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536",
];

/// Issuer metadata around the OpenID4VCI 1.0 Appendix A.2.2 mso_mdoc configuration.
const OPENID4VCI_METADATA_SEED: &str = r##"{"credential_issuer":"https://credential-issuer.example.com","credential_endpoint":"https://credential-issuer.example.com/credential","nonce_endpoint":"https://credential-issuer.example.com/nonce","batch_credential_issuance":{"batch_size":10},"credential_configurations_supported":{"org.iso.18013.5.1.mDL":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL","cryptographic_binding_methods_supported":["cose_key"],"credential_signing_alg_values_supported":[-7,-9],"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"]}},"credential_metadata":{"display":[{"name":"Mobile Driving License","locale":"en-US","logo":{"uri":"https://state.example.org/public/mdl.png","alt_text":"state mobile driving license"},"background_color":"#12107c","text_color":"#FFFFFF"}]}}}}"##;

/// OpenID4VCI 1.0 §8.3 batch and deferred responses, a §7.2 nonce response and the §8.2
/// mso_mdoc credential request with the Appendix F.1 proof.
const OPENID4VCI_RESPONSE_SEEDS: &[&str] = &[
    r#"{"credentials":[{"credential":"LUpixVCWJk0eOt4CXQe1NXK....WZwmhmn9OQp6YxX0a2L"},{"credential":"YXNkZnNhZGZkamZqZGFza23....29tZTIzMjMyMzIzMjMy"}],"notification_id":"3fwe98js"}"#,
    r#"{"transaction_id":"8xLOxBtZp8","interval":3600}"#,
    r#"{"c_nonce":"wKI4LT17ac15ES9bw8ac4"}"#,
    r#"{"credential_configuration_id":"org.iso.18013.5.1.mDL","proofs":{"jwt":["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwiY3J2IjoiUC0yNTYiLCJ4IjoiblVXQW9BdjNYWml0aDhFN2kxOU9kYXhPTFlGT3dNLVoyRXVNMDJUaXJUNCIsInkiOiJIc2tIVThCalVpMVU5WHFpN1N3bWo4Z3dBS18weGtjRGpFV183MVNvc0VZIn19.eyJhdWQiOiJodHRwczovL2NyZWRlbnRpYWwtaXNzdWVyLmV4YW1wbGUuY29tIiwiaWF0IjoxNzAxOTYwNDQ0LCJub25jZSI6IkxhclJHU2JtVVBZdFJZTzZCUTR5bjgifQ.-a3EDsxClUB4O3LeDD5DVGEnNMT01FCQW4P6-2-BNBqc_Zxf0Qw4CWayLEpqkAomlkLb9zioZoipdP-jvh1WlA"]}}"#,
];

/// RFC 9126 §2.1's pushed authorization request (with OpenID4VCI `authorization_details`) and
/// §2.2's response, OpenID4VCI 1.0 §6.1's authorization code token request, a refresh, §5.2's
/// redirect, RFC 9126 §4's authorization URL and §11.1's notification.
const OPENID4VCI_AUTHORIZATION_SEEDS: &[&str] = &[
    "response_type=code&client_id=CLIENT1234&state=duk681S8n00GsJpe7n9boxdzen&code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&authorization_details=%5B%7B%22type%22%3A%22openid_credential%22%2C%22credential_configuration_id%22%3A%22UniversityDegreeCredential%22%7D%5D",
    r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
    "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&redirect_uri=https%3A%2F%2FWallet.example.org%2Fcb&client_id=s6BhdRkqt3",
    "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=s6BhdRkqt3",
    "https://wallet.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https%3A%2F%2Fas.example",
    "https://as.example.com/authorize?client_id=CLIENT1234&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c",
    r#"{"notification_id":"3fwe98js","event":"credential_accepted"}"#,
];

/// RFC 9449 §4.1 Figure 2, a DPoP proof.
const OPENID4VCI_DPOP_SEED: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";

/// An OpenID4VP request over the Digital Credentials API with a DCQL query.
const OPENID4VP_SEED: &str = r#"{"response_type":"vp_token","response_mode":"dc_api","nonce":"n-1","dcql_query":{"credentials":[{"id":"q0","format":"mso_mdoc","meta":{"doctype_value":"uk.gov.digital-id.1"},"claims":[{"id":"a","path":["org.iso.18013.5.1","family_name"],"intent_to_retain":true},{"id":"b","path":["uk.gov.digital-id.1","right_to_work"]}],"claim_sets":[["a","b"],["b"]]}]}}"#;

/// An unsigned redirect request as an `openid4vp://` URL.
const OPENID4VP_REDIRECT_SEED: &str = "openid4vp://?response_type=vp_token&response_mode=direct_post&client_id=redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fpost&response_uri=https%3A%2F%2Fv.example%2Fpost&nonce=n-1&state=s-1&dcql_query=%7B%22credentials%22%3A%5B%7B%22id%22%3A%22q0%22%2C%22format%22%3A%22mso_mdoc%22%2C%22meta%22%3A%7B%22doctype_value%22%3A%22org.iso.18013.5.1.mDL%22%7D%7D%5D%7D";

/// Authorization responses: a vp_token JSON object and form body around the Annex D
/// DeviceResponse, and the OpenID4VP 1.0 §8.3 encrypted response.
fn openid4vp_response_seeds(device_response: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let presentation = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(device_response);
    let token = serde_json::json!({ "q0": [presentation] }).to_string();
    let text = std::fs::read_to_string(root().join("crates/mdoc/testdata/online-vectors.json"))
        .map_err(|e| format!("cannot read the online vectors: {e}"))?;
    let vectors: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("online vectors: {e}"))?;
    let jwe = vectors
        .get("oid4vp_8_3_encrypted_response_jwe")
        .and_then(|v| v.get("compact"))
        .and_then(serde_json::Value::as_str)
        .ok_or("no OpenID4VP 8.3 JWE vector")?;
    Ok(vec![
        serde_json::json!({ "vp_token": serde_json::from_str::<serde_json::Value>(&token).unwrap_or_default() })
            .to_string()
            .into_bytes(),
        mdoc::online::form::encode([("vp_token", token.as_str()), ("state", "s-1")]).into_bytes(),
        serde_json::json!({ "response": jwe }).to_string().into_bytes(),
        jwe.as_bytes().to_vec(),
    ])
}

/// An EncryptionInfo in base64url, as a request carries it.
fn dcapi_seed() -> Vec<u8> {
    let info = mdoc::online::dcapi::EncryptionInfo {
        nonce: vec![7; 16],
        recipient_public_key: mdoc::cose::CoseKey::new(
            mdoc::rng::new_p256_secret_key().public_key(),
        ),
        rest: mdoc::cbor::MapRest::default(),
    };
    info.to_base64url().into_bytes()
}

/// NDEF seeds (a static Handover Select, a Handover Request, a TNEP service parameter message)
/// and APDU seeds (a reader's static-handover commands, 0xfe-separated).
fn nfc_seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    use mdoc::nfc::{carrier, ndef, reader, tag, tnep};
    let ble = carrier::Carrier::Ble(
        carrier::BleOob::default()
            .with_role(carrier::LeRole::PeripheralOnly)
            .with_uuid([0x45; 16]),
    );
    let mut ndef_seeds = Vec::new();
    ndef_seeds.extend(tag::handover_select(&[0xa0], std::slice::from_ref(&ble)).ok());
    ndef_seeds.extend(
        reader::Reader::new(vec![ble.clone()], 1)
            .handover_request()
            .ok(),
    );
    ndef_seeds.extend(ndef::encode(&[tnep::status(tnep::STATUS_SUCCESS)]).ok());
    let apdus: Vec<Vec<u8>> = vec![
        [&[0x00, 0xa4, 0x04, 0x00, 0x07][..], &tag::NDEF_AID, &[0x00]].concat(),
        [&[0x00, 0xa4, 0x00, 0x0c, 0x02][..], &tag::CC_FILE].concat(),
        vec![0x00, 0xb0, 0x00, 0x00, 0x0f],
        [&[0x00, 0xa4, 0x00, 0x0c, 0x02][..], &tag::NDEF_FILE].concat(),
        vec![0x00, 0xb0, 0x00, 0x00, 0x02],
        vec![0x00, 0xb0, 0x00, 0x02, 0xff],
        vec![0x00, 0xd6, 0x00, 0x00, 0x02, 0x00, 0x00],
    ];
    (ndef_seeds, vec![apdus.join(&0xfe)])
}

fn write_seeds(dir: &Path) -> Result<(), String> {
    for (target, inputs) in seeds()? {
        let target_dir = dir.join(target);
        std::fs::create_dir_all(&target_dir)
            .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(target_dir.join(format!("seed-{i}")), input)
                .map_err(|e| format!("cannot write a seed: {e}"))?;
        }
    }
    Ok(())
}

/// How the fuzz targets are built.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// cargo-fuzz's default (optimised, debug assertions, AddressSanitizer): for real campaigns.
    Campaign,
    /// Unoptimised (`--dev`, still AddressSanitizer and debug assertions): the test command's
    /// seconds-long smoke, where a cold optimised build of 24 targets cost minutes of CI.
    Smoke,
}

/// Runs `targets` (all when empty) for `seconds` each.
pub fn run(seconds: u64, targets: &[&str], build: Build) -> Result<(), String> {
    let mode: &[&str] = if build == Build::Smoke {
        &["--dev"]
    } else {
        &[]
    };
    for t in targets {
        if !TARGETS.contains(t) {
            return Err(format!(
                "unknown fuzz target {t}; targets: {}",
                TARGETS.join(", ")
            ));
        }
    }
    let chosen: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        targets.to_vec()
    };
    ensure_cargo_fuzz()?;
    let fuzz_dir = root().join("fuzz");
    let seeds = target_dir().join("fuzz-seeds");
    write_seeds(&seeds)?;
    status(
        Command::new("cargo")
            .args(["fuzz", "build"])
            .args(mode)
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1"),
        "cargo fuzz build",
    )?;
    for target in chosen {
        let corpus = target_dir().join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
        let mut command = Command::new("cargo");
        command
            .args(["fuzz", "run", target])
            .args(mode)
            .arg(&corpus)
            .arg(seeds.join(target))
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1");
        let regressions = fuzz_dir.join("regressions").join(target);
        if regressions.is_dir() {
            command.arg(&regressions);
        }
        command.args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-max_len=65536",
            "-print_final_stats=0",
        ]);
        status(&mut command, &format!("fuzz {target} for {seconds} s"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn second_edition_seeds_are_version_1_1_requests_that_re_encode_exactly() {
        let seeds = super::second_edition_request_seeds().unwrap();
        assert_eq!(seeds.len(), 2);
        for seed in seeds {
            let request: mdoc::definitions::DeviceRequest = mdoc::cbor::from_slice(&seed).unwrap();
            assert!(request.is_second_edition());
            assert!(request.device_request_info.is_some());
            assert!(request.reader_auth_all.is_some());
            assert_eq!(mdoc::cbor::to_vec(&request), seed);
        }
    }
}
