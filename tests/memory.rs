//! Memory amplification: hostile input at every entry point may not raise peak heap use by more
//! than 8× its own length.
//!
//! One CBOR byte can be a whole data item (an empty array, a small integer) and one JSON byte
//! pair a whole value, each tens of bytes once decoded. The measurement is taken at the public
//! entry points with a counting global allocator, so it keeps guarding whichever decoder sits
//! underneath. Everything runs in one test function: other test threads would disturb the count.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use common::World;
use issuer::samples::{self, AMELIA};
use mdoc::cbor::{self, Tagged, Value};
use mdoc::cose::CoseKey;
use mdoc::definitions::{DeviceEngagement, Handover, SessionTranscript};
use mdoc::online::dcapi::{self, EncryptionInfo};
use mdoc::online::jwe;
use mdoc::registry::UK_DIGITAL_ID;
use mdoc::session::{Role, SessionCipher, SessionKeys, ecdh};
use peak_alloc::PeakAlloc;
use verifier::openid4vp::OpenId4VpRequest;
use verifier::{DocumentRequest, ReaderSession};
use wallet::keys::{KeyError, KeyWrapper};
use wallet::openid4vp::{Channel, OpenId4VpPresentation};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::ProximitySession;
use wallet::store::CredentialStore;
use zeroize::Zeroizing;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Peak heap growth allowed per input byte.
const MAX_AMPLIFICATION: f64 = 8.0;

/// Input sizes every shape is tried at: large enough that fixed costs (keys, transcripts, a
/// session's state) do not dominate, up to the largest limit exercised here.
const SIZES: [usize; 2] = [64 * 1024, 1024 * 1024];

const ORIGIN: &str = "https://employer.example";

/// Runs `f` and returns the peak heap growth it caused, in bytes.
fn peak_growth(f: impl FnOnce()) -> usize {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    f();
    HEAP.peak_usage().saturating_sub(before)
}

/// The CBOR head of major type `major` with argument `n`, in its preferred form.
fn head(major: u8, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
    out
}

/// An array of empty arrays, `len` bytes in all.
fn empty_arrays(len: usize) -> Vec<u8> {
    let n = len - 5;
    let mut out = head(4, n);
    out.resize(out.len() + n, 0x80);
    out
}

/// Arrays of 23 empty arrays, `len` bytes in all: each header claims few enough items that a
/// decoder cannot refuse it up front, so the value grows until a budget stops it.
fn chunked_arrays(len: usize) -> Vec<u8> {
    let n = (len - 5) / 24;
    let mut out = head(4, n);
    for _ in 0..n {
        out.push(0x97);
        out.extend([0x80; 23]);
    }
    out
}

/// An indefinite-length array of empty arrays: no count to check, only growth.
fn indefinite_arrays(len: usize) -> Vec<u8> {
    let mut out = vec![0x9f];
    out.resize(len - 1, 0x80);
    out.push(0xff);
    out
}

/// A byte string padding out an array of empty arrays, in the proportion that decodes to just
/// under a decoder's budget (so it is accepted, and the typed layer above gets to copy it):
/// `1 / parts` of the input is empty arrays.
fn padded_arrays(len: usize, parts: usize) -> Vec<u8> {
    let m = len / parts;
    let pad = len - m - 10;
    let mut out = head(4, m + 1);
    out.extend(head(2, pad));
    out.resize(out.len() + pad, 0xab);
    out.resize(out.len() + m, 0x80);
    out
}

/// Nested one-element arrays around empty maps: `[[{}],[{}],…]` keeps each level short.
fn nested_pairs(len: usize) -> Vec<u8> {
    let n = (len - 5) / 2;
    let mut out = head(4, n);
    for _ in 0..n {
        out.extend([0x81, 0xa0]);
    }
    out
}

/// A long map of distinct small integers to `null` (the duplicate-key check's worst case).
fn int_map(len: usize) -> Vec<u8> {
    let n = ((len - 5) / 4).min(0xffff);
    let mut out = head(5, n);
    for key in 0..n {
        out.push(0x19);
        out.extend((key as u16).to_be_bytes());
        out.push(0xf6);
    }
    out
}

/// An array of one-character text strings.
fn tiny_texts(len: usize) -> Vec<u8> {
    let n = (len - 5) / 2;
    let mut out = head(4, n);
    for _ in 0..n {
        out.extend([0x61, b'a']);
    }
    out
}

/// Tag-24 items around arrays of empty arrays: decoded once as bytes, and again by the typed
/// structures that read embedded items.
fn embedded_arrays(len: usize) -> Vec<u8> {
    let inner = chunked_arrays(len - 16);
    let mut out = head(4, 1);
    out.extend([0xd8, 0x18]);
    out.extend(head(2, inner.len()));
    out.extend(inner);
    out
}

/// `{"version": "1.0", "documents": [{"docType": …, "issuerSigned": {"nameSpaces": {ns:
/// [tag-24 junk]}}}]}`: a DeviceResponse or IssuerSigned shape that reaches the embedded items.
fn issuer_signed_shape(len: usize, wrap_in_response: bool) -> Vec<u8> {
    let inner = chunked_arrays(len - 200);
    let mut items = head(4, 1);
    items.extend([0xd8, 0x18]);
    items.extend(head(2, inner.len()));
    items.extend(inner);
    issuer_signed_around(items, wrap_in_response)
}

/// Many minimal well-formed IssuerSignedItemBytes: each small tag-24 item is decoded again,
/// with its own budget, into a typed item that keeps its bytes.
fn many_items_shape(len: usize, wrap_in_response: bool) -> Vec<u8> {
    let item = cbor::encode(&Value::canonical_map(vec![
        (Value::text("digestID"), Value::Unsigned(0)),
        (Value::text("random"), Value::Bytes(Vec::new())),
        (Value::text("elementIdentifier"), Value::text("")),
        (Value::text("elementValue"), Value::Unsigned(0)),
    ]));
    let mut one = vec![0xd8, 0x18];
    one.extend(head(2, item.len()));
    one.extend(item);
    let n = (len - 200) / one.len();
    let mut items = head(4, n);
    for _ in 0..n {
        items.extend(&one);
    }
    issuer_signed_around(items, wrap_in_response)
}

fn issuer_signed_around(items: Vec<u8>, wrap_in_response: bool) -> Vec<u8> {
    let mut ns = head(5, 1);
    ns.extend(cbor::encode(&Value::text("org.iso.18013.5.1")));
    ns.extend(items);
    let mut issuer_signed = head(5, 1);
    issuer_signed.extend(cbor::encode(&Value::text("nameSpaces")));
    issuer_signed.extend(ns);
    if !wrap_in_response {
        return issuer_signed;
    }
    let mut doc = head(5, 2);
    doc.extend(cbor::encode(&Value::text("docType")));
    doc.extend(cbor::encode(&Value::text(UK_DIGITAL_ID)));
    doc.extend(cbor::encode(&Value::text("issuerSigned")));
    doc.extend(issuer_signed);
    let mut out = head(5, 3);
    out.extend(cbor::encode(&Value::text("version")));
    out.extend(cbor::encode(&Value::text("1.0")));
    out.extend(cbor::encode(&Value::text("documents")));
    out.extend(head(4, 1));
    out.extend(doc);
    out.extend(cbor::encode(&Value::text("status")));
    out.push(0x00);
    out
}

/// A map with the known keys of a message absent and one unknown key holding `junk`: typed
/// structures keep unknown entries, so this is decoded and then copied.
fn unknown_field(junk: Vec<u8>) -> Vec<u8> {
    let mut out = head(5, 1);
    out.extend(cbor::encode(&Value::text("x")));
    out.extend(junk);
    out
}

/// Every CBOR shape at total length about `len`; with `typed_items`, also many small
/// well-formed IssuerSignedItemBytes (the known gap, see [`many_small_items_stay_within_8x`]).
fn cbor_shapes(len: usize, typed_items: bool) -> Vec<(&'static str, Vec<u8>)> {
    let mut shapes = vec![
        ("empty arrays", empty_arrays(len)),
        ("chunked arrays", chunked_arrays(len)),
        ("indefinite arrays", indefinite_arrays(len)),
        (
            "unknown field, indefinite",
            unknown_field(indefinite_arrays(len - 8)),
        ),
        ("nested [{}]", nested_pairs(len)),
        ("int map", int_map(len)),
        ("tiny texts", tiny_texts(len)),
        ("tag-24 arrays", embedded_arrays(len)),
        ("unknown field", unknown_field(chunked_arrays(len - 8))),
        ("padded arrays 1/8", padded_arrays(len, 8)),
        ("padded arrays 1/12", padded_arrays(len, 12)),
        ("padded arrays 1/20", padded_arrays(len, 20)),
        (
            "unknown field, padded 1/12",
            unknown_field(padded_arrays(len - 8, 12)),
        ),
        (
            "unknown field, padded 1/20",
            unknown_field(padded_arrays(len - 8, 20)),
        ),
        (
            "unknown field, padded 1/40",
            unknown_field(padded_arrays(len - 8, 40)),
        ),
        ("DeviceResponse tag-24", issuer_signed_shape(len, true)),
        ("IssuerSigned tag-24", issuer_signed_shape(len, false)),
    ];
    if typed_items {
        shapes.push(("DeviceResponse many items", many_items_shape(len, true)));
        shapes.push(("IssuerSigned many items", many_items_shape(len, false)));
    }
    shapes
}

/// Every JSON shape at total length about `len`.
fn json_shapes(len: usize) -> Vec<(&'static str, String)> {
    let n = len / 3;
    let zeros = format!("{{\"a\":[{}0]}}", "0,".repeat(len / 2));
    let arrays = format!("{{\"a\":[{}[]]}}", "[],".repeat(n));
    let objects = format!(
        "{{{}\"z\":0}}",
        (0..len / 10)
            .map(|i| format!("\"{i:x}\":0,"))
            .collect::<String>()
    );
    // Padded with one long string so that the tiny tokens sit just under a slot budget.
    let padded = |tokens: usize, token: &str| {
        let body = token.repeat(tokens);
        let pad = "p".repeat(len.saturating_sub(body.len() + 20));
        format!("{{\"p\":\"{pad}\",\"a\":[{body}0]}}")
    };
    let padded_objects = |entries: usize| {
        let body: String = (0..entries).map(|i| format!("\"{i:x}\":0,")).collect();
        let pad = "p".repeat(len.saturating_sub(body.len() + 20));
        format!("{{\"p\":\"{pad}\",{body}\"z\":0}}")
    };
    vec![
        ("JSON padded zeros 1/24", padded(len / 48, "0,")),
        ("JSON padded zeros 1/12", padded(len / 24, "0,")),
        ("JSON padded arrays 1/12", padded(len / 36, "[],")),
        ("JSON padded objects 1/24", padded_objects(len / 24 / 8)),
        ("JSON padded objects 1/12", padded_objects(len / 12 / 8)),
        ("JSON zeros", zeros),
        ("JSON [] array", arrays),
        ("JSON object", objects),
    ]
}

/// One entry point's worst measured amplification.
struct Finding {
    entry: &'static str,
    shape: &'static str,
    input: usize,
    growth: usize,
}

impl Finding {
    fn ratio(&self) -> f64 {
        self.growth as f64 / self.input as f64
    }
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn measure(
        &mut self,
        entry: &'static str,
        shape: &'static str,
        input: usize,
        f: impl FnOnce(),
    ) {
        let growth = peak_growth(f);
        self.0.push(Finding {
            entry,
            shape,
            input,
            growth,
        });
    }
}

/// A key wrapper that stores the data key as is, so the test can seal a record with it.
struct ClearWrapper;

impl KeyWrapper for ClearWrapper {
    fn wrap(&self, data_key: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
        Ok(data_key.to_vec())
    }
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let key: [u8; 32] = wrapped.try_into().expect("a 32-byte key");
        Ok(Zeroizing::new(key))
    }
}

/// A reader that speaks to the wallet's engagement with keys the test holds, so it can encrypt
/// any plaintext as the DeviceRequest.
struct TestReader {
    e_reader_key: Tagged<CoseKey>,
    cipher: SessionCipher,
    transcript: SessionTranscript,
}

impl TestReader {
    fn new(holder: &ProximitySession) -> TestReader {
        let engagement = DeviceEngagement::from_qr_uri(&holder.qr_uri()).unwrap();
        let secret = mdoc::rng::new_p256_secret_key();
        let e_reader_key = Tagged::new(CoseKey::new(secret.public_key()));
        let transcript = SessionTranscript {
            device_engagement: Some(engagement.embedded().clone()),
            e_reader_key: Some(e_reader_key.embedded().clone()),
            handover: Handover::Qr,
        };
        let shared = ecdh(&secret, engagement.e_device_key().public_key());
        let keys = SessionKeys::derive(&shared, transcript.to_bytes().encoded());
        TestReader {
            e_reader_key,
            cipher: SessionCipher::new(Role::Reader, &keys),
            transcript,
        }
    }

    /// SessionEstablishment carrying `plaintext` encrypted as the DeviceRequest.
    fn establishment(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let data = self.cipher.encrypt(plaintext).unwrap();
        cbor::encode(&Value::canonical_map(vec![
            (Value::text("eReaderKey"), self.e_reader_key.to_cbor_value()),
            (Value::text("data"), Value::Bytes(data)),
        ]))
    }
}

trait ToValue {
    fn to_cbor_value(&self) -> Value;
}

impl<T> ToValue for Tagged<T> {
    fn to_cbor_value(&self) -> Value {
        Value::Embedded(self.embedded().clone())
    }
}

/// Every shape, including many minimal, well-formed IssuerSignedItemBytes (`{digestID: 0,
/// random: h'', elementIdentifier: "", elementValue: 0}`, ~50 bytes each), which pass every
/// budget and are mapped to typed items. They once took ~12.8x the input (each item kept its
/// key order as one allocation per key, and its bytes twice); now the typed item keeps no key
/// order (it is re-sent from its bytes) and the bytes are shared with the decoded value.
#[test]
fn no_entry_point_amplifies_hostile_input_more_than_8x() {
    measure_every_entry_point(true);
}

fn measure_every_entry_point(typed_items: bool) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&AMELIA, world.now.date()))
        .unwrap();
    let requests = [DocumentRequest::custom(
        UK_DIGITAL_ID,
        &[("org.iso.18013.5.1", "family_name", false)],
    )];
    let anchors = world.issuer_anchors();
    let mut findings = Findings::default();

    for len in SIZES {
        for (shape, bytes) in cbor_shapes(len, typed_items) {
            // The `mdoc:` QR URI, as the reader scans it (its limit is far below these sizes,
            // so the shape is cut to fit it).
            let uri = format!(
                "mdoc:{}",
                dcapi::encode_field(&bytes[..bytes.len().min(6000)])
            );
            findings.measure("QR URI (reader)", shape, uri.len(), || {
                drop(ReaderSession::from_qr_uri(&uri));
            });

            // SessionEstablishment as the wallet receives it.
            let mut holder = ProximitySession::start(&world.wallet, Vec::new());
            findings.measure("SessionEstablishment", shape, bytes.len(), || {
                drop(holder.handle(&bytes));
            });

            // A DeviceRequest, encrypted in a valid SessionEstablishment.
            let mut holder = ProximitySession::start(&world.wallet, Vec::new());
            let message = TestReader::new(&holder).establishment(&bytes);
            findings.measure("DeviceRequest (wallet)", shape, message.len(), || {
                drop(holder.handle(&message));
            });

            // SessionData once the session is established.
            let mut holder = ProximitySession::start(&world.wallet, Vec::new());
            let mut reader = TestReader::new(&holder);
            let device_request =
                verifier::request::build_device_request(&requests, &reader.transcript, None)
                    .unwrap();
            let first = reader.establishment(&cbor::to_vec(&device_request));
            assert!(matches!(
                holder.handle(&first),
                wallet::proximity::SessionEvent::Consent(_)
            ));
            findings.measure("SessionData (wallet)", shape, bytes.len(), || {
                drop(holder.handle(&bytes));
            });

            // A DeviceResponse through full verification, and SessionData at the reader.
            let holder = ProximitySession::start(&world.wallet, Vec::new());
            let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
            drop(reader.establish(&requests, None).unwrap());
            let context = reader.context(&anchors, world.now);
            findings.measure("DeviceResponse (verifier)", shape, bytes.len(), || {
                drop(verifier::verify::verify_response_bytes(&bytes, &context));
            });
            findings.measure("SessionData (reader)", shape, bytes.len(), || {
                drop(reader.handle_response(&bytes, &anchors, world.now));
            });

            // IssuerSigned at provisioning.
            let pending = world.wallet.prepare(UK_DIGITAL_ID).unwrap();
            findings.measure("IssuerSigned (provisioning)", shape, bytes.len(), || {
                drop(world.wallet.accept(&pending, &bytes));
            });

            // The DC API: the request's deviceRequest at the wallet, the response at the verifier.
            let dc = verifier::dcapi::DcapiRequest::new(&requests, None, ORIGIN).unwrap();
            let request: serde_json::Value = serde_json::from_str(dc.request_json()).unwrap();
            let info_b64 = request["encryptionInfo"].as_str().unwrap();
            let json = format!(
                "{{\"deviceRequest\":\"{}\",\"encryptionInfo\":\"{info_b64}\"}}",
                dcapi::encode_field(&bytes),
            );
            findings.measure("DC API request (wallet)", shape, json.len(), || {
                drop(wallet::dcapi::DcapiPresentation::from_request(
                    &world.wallet,
                    &json,
                    ORIGIN,
                ));
            });
            let info = EncryptionInfo::from_base64url(info_b64).unwrap();
            let transcript = dcapi::session_transcript(info_b64, ORIGIN);
            let (enc, cipher_text) = mdoc::hpke::seal(
                info.recipient_public_key.public_key(),
                &dcapi::hpke_info(&transcript),
                &[],
                &bytes,
            );
            let sealed = dcapi::EncryptedResponse { enc, cipher_text }.to_base64url();
            findings.measure("DC API response (verifier)", shape, sealed.len(), || {
                drop(dc.verify(&sealed, &anchors, world.now));
            });
            let raw = dcapi::encode_field(&bytes);
            findings.measure(
                "DC API EncryptedResponse (verifier)",
                shape,
                raw.len(),
                || {
                    drop(dc.verify(&raw, &anchors, world.now));
                },
            );

            // OpenID4VP: a vp_token presentation at the verifier, in JSON, a form and a JWE.
            let plain = OpenId4VpRequest::dc_api(&requests, ORIGIN, false);
            let query_id = query_id(&plain);
            let response = serde_json::json!({
                "vp_token": { query_id: [dcapi::encode_field(&bytes)] }
            })
            .to_string();
            findings.measure("OpenID4VP response JSON", shape, response.len(), || {
                drop(plain.verify(&response, &anchors, world.now));
            });
            let redirect = OpenId4VpRequest::redirect(&requests, "https://v.example/post", true);
            let parameters: serde_json::Value =
                serde_json::from_str(&redirect.request_json()).unwrap();
            let jwk = &parameters["client_metadata"]["jwks"]["keys"][0];
            let key = jwe::parse_p256_jwk(jwk).unwrap();
            let inner = serde_json::json!({
                "state": parameters["state"],
                "vp_token": { self::query_id(&redirect): [dcapi::encode_field(&bytes)] },
            })
            .to_string();
            let sealed = jwe::encrypt(
                &key,
                None,
                jwe::ContentEncryption::A128Gcm,
                inner.as_bytes(),
            );
            let form = format!("response={sealed}");
            findings.measure("OpenID4VP response JWE form", shape, form.len(), || {
                drop(redirect.verify(&form, &anchors, world.now));
            });

            // A stored record, as the store opens it.
            let store_dir = tempfile::tempdir().unwrap();
            drop(CredentialStore::open(store_dir.path(), &ClearWrapper).unwrap());
            let data_key_file = std::fs::read(store_dir.path().join("data.key")).unwrap();
            // `data.key` is "CWDK1" || the wrapped key, and ClearWrapper wraps to the key itself.
            let data_key = data_key_file.strip_prefix(b"CWDK1").unwrap();
            let id = "00112233445566778899aabbccddeeff";
            let cipher = Aes256Gcm::new_from_slice(data_key).unwrap();
            let nonce = [7u8; 12];
            let aad = [b"CWR1".as_slice(), id.as_bytes()].concat();
            let sealed = cipher
                .encrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: &bytes,
                        aad: &aad,
                    },
                )
                .unwrap();
            let file = [b"CWR1".as_slice(), &nonce, &sealed].concat();
            std::fs::write(
                store_dir.path().join("records").join(format!("{id}.rec")),
                &file,
            )
            .unwrap();
            findings.measure("stored record (store open)", shape, file.len(), || {
                let store = CredentialStore::open(store_dir.path(), &ClearWrapper).unwrap();
                assert_eq!(store.list().len() + store.quarantined().len(), 1);
            });
        }

        for (shape, json) in json_shapes(len) {
            findings.measure("OpenID4VP request (wallet)", shape, json.len(), || {
                drop(OpenId4VpPresentation::from_request(
                    &world.wallet,
                    &json,
                    Channel::DcApi { origin: ORIGIN },
                ));
            });
            let url = format!("openid4vp://?dcql_query={}", form_escape(&json));
            findings.measure("OpenID4VP request URL (wallet)", shape, url.len(), || {
                drop(OpenId4VpPresentation::from_request(
                    &world.wallet,
                    &url,
                    Channel::Redirect,
                ));
            });
            findings.measure("DC API request JSON (wallet)", shape, json.len(), || {
                drop(wallet::dcapi::DcapiPresentation::from_request(
                    &world.wallet,
                    &json,
                    ORIGIN,
                ));
            });
            let plain = OpenId4VpRequest::dc_api(&requests, ORIGIN, false);
            findings.measure("OpenID4VP response JSON", shape, json.len(), || {
                drop(plain.verify(&json, &anchors, world.now));
            });
            let form = format!("vp_token={}", form_escape(&json));
            findings.measure("OpenID4VP response form", shape, form.len(), || {
                drop(plain.verify(&form, &anchors, world.now));
            });
        }
    }

    let mut worst: Vec<&Finding> = Vec::new();
    for finding in &findings.0 {
        match worst.iter_mut().find(|w| w.entry == finding.entry) {
            Some(w) if w.ratio() < finding.ratio() => *w = finding,
            Some(_) => {}
            None => worst.push(finding),
        }
    }
    for w in &worst {
        eprintln!(
            "{:<38} {:>6.2}x  ({} bytes -> {} bytes peak growth, {})",
            w.entry,
            w.ratio(),
            w.input,
            w.growth,
            w.shape
        );
    }
    let over: Vec<String> = findings
        .0
        .iter()
        .filter(|f| f.ratio() > MAX_AMPLIFICATION)
        .map(|f| {
            format!(
                "{} / {} at {} bytes: {:.1}x",
                f.entry,
                f.shape,
                f.input,
                f.ratio()
            )
        })
        .collect();
    assert!(
        over.is_empty(),
        "amplification above 8x:\n{}",
        over.join("\n")
    );

    refuses_messages_over_their_limits(&world);
}

/// Each entry point checks its message's limit before decoding: one byte over is refused as
/// too large (run after the measurement, in the same thread, so as not to disturb it).
fn refuses_messages_over_their_limits(world: &World) {
    use mdoc::cbor::CborError;
    use mdoc::limits;
    use wallet::WalletError;
    use wallet::proximity::SessionEvent;

    let too_large = |e: &WalletError| matches!(e, WalletError::Malformed(CborError::TooLarge));
    let over = |limit: limits::MessageLimit| empty_arrays(limit.max_bytes + 1);

    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    match holder.handle(&over(limits::SESSION_TO_WALLET)) {
        SessionEvent::Failed { error, .. } => assert!(too_large(&error), "{error:?}"),
        other => panic!("refusal expected, got {other:?}"),
    }
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let message = TestReader::new(&holder).establishment(&over(limits::DEVICE_REQUEST));
    // The DeviceRequest alone is over its limit; the SessionEstablishment around it is not.
    assert!(message.len() <= limits::SESSION_TO_WALLET.max_bytes);
    match holder.handle(&message) {
        SessionEvent::Failed { error, .. } => assert!(too_large(&error), "{error:?}"),
        other => panic!("refusal expected, got {other:?}"),
    }
    let pending = world.wallet.prepare(UK_DIGITAL_ID).unwrap();
    let error = world
        .wallet
        .accept(&pending, &over(limits::ISSUER_SIGNED))
        .unwrap_err();
    assert!(too_large(&error), "{error:?}");
    let request = format!(
        "{{\"p\":\"{}\"}}",
        "p".repeat(limits::OPENID4VP_REQUEST.max_bytes)
    );
    let error = OpenId4VpPresentation::from_request(
        &world.wallet,
        &request,
        Channel::DcApi { origin: ORIGIN },
    )
    .unwrap_err();
    assert!(too_large(&error), "{error:?}");
    let requests = [DocumentRequest::custom(
        UK_DIGITAL_ID,
        &[("org.iso.18013.5.1", "family_name", false)],
    )];
    let holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    drop(reader.establish(&requests, None).unwrap());
    let error = reader
        .handle_response(
            &over(limits::SESSION_TO_READER),
            &world.issuer_anchors(),
            world.now,
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            verifier::VerifierError::Malformed(CborError::TooLarge)
        ),
        "{error:?}"
    );
}

/// The id of the request's (only) DCQL credential query.
fn query_id(request: &OpenId4VpRequest) -> String {
    let parameters: serde_json::Value = serde_json::from_str(&request.request_json()).unwrap();
    parameters["dcql_query"]["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Percent-encodes everything but unreserved characters, as a form body would.
fn form_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
