//! Secrets hygiene: no personal data or key material in error messages or `Debug` output.
//! Values are planted in a credential and in keys, every error and diagnostic the flows produce
//! is formatted, and the text is scanned for them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::samples::{self, Person};
use mdoc::cbor;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::{DocumentRequest, ReaderSession};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};

const PLANTED: Person = Person {
    family_name: "Zqxplantedfamily",
    given_name: "Wvuplantedgiven",
    birth_date: (1980, 2, 29),
    nationality: "GB",
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn assert_clean(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "planted value leaked into: {text}"
        );
    }
}

#[test]
fn errors_and_debug_output_carry_no_personal_data_or_keys() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&PLANTED, world.now.date()))
        .unwrap();
    let mut secrets = vec![
        PLANTED.family_name.to_owned(),
        PLANTED.given_name.to_owned(),
        "1980-02-29".to_owned(),
        hex(&[0x63, 0x6f, 0x72, 0x72]),
    ];
    let reader_secret = hex(&world.reader.signing_key().to_bytes());
    secrets.push(reader_secret);

    let mut texts = Vec::new();
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let SessionEvent::Consent(consent) = holder.handle(
        &reader
            .establish(&request, Some(&world.reader_key()))
            .unwrap(),
    ) else {
        panic!("consent expected");
    };
    texts.push(format!(
        "{consent:?} {holder:?} {reader:?} {:?}",
        world.wallet
    ));
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let plaintext = reader.decrypt_response(&reply).unwrap();

    // Every error the flows can produce from damaged input, formatted both ways.
    let mut tampered = reply.clone();
    let at = tampered.len() - 4;
    tampered[at] ^= 1;
    let e = reader.decrypt_response(&tampered).unwrap_err();
    texts.push(format!("{e} {e:?}"));
    for cut in [
        1,
        plaintext.len() / 3,
        plaintext.len() / 2,
        plaintext.len() - 1,
    ] {
        if let Err(e) = cbor::from_slice::<mdoc::definitions::DeviceResponse>(&plaintext[..cut]) {
            texts.push(format!("{e} {e:?}"));
        }
    }
    let response: mdoc::definitions::DeviceResponse = cbor::from_slice(&plaintext).unwrap();
    texts.push(format!("{response:?}"));
    let mut altered = plaintext.clone();
    let at = altered.windows(4).position(|w| w == b"Zqxp").unwrap();
    altered[at] = b'Y';
    let report = verifier::verify_response(
        &cbor::from_slice(&altered).unwrap(),
        &reader.context(&world.issuer_anchors(), world.now),
    );
    texts.push(format!("{:?}", report.documents[0].checks));
    let pending = world.wallet.prepare(UK_DIGITAL_ID).unwrap();
    for bad in [&plaintext[..], b"\x00"] {
        let e = world.wallet.accept(&pending, bad).unwrap_err();
        texts.push(format!("{e} {e:?}"));
    }
    let SessionEvent::Failed { error, .. } =
        ProximitySession::start(&world.wallet, Vec::new()).handle(&plaintext)
    else {
        panic!("a response is not a session establishment");
    };
    texts.push(format!("{error} {error:?}"));
    let stored = world
        .wallet
        .credential(&world.wallet.credentials()[0].id)
        .unwrap();
    texts.push(format!("{stored:?} {:?}", world.wallet.credentials()));
    let keys = mdoc::session::SessionKeys::derive(&[7; 32], b"transcript");
    let key_hex = hex(keys.sk_device());
    texts.push(format!(
        "{keys:?} {:?}",
        mdoc::session::SessionCipher::new(mdoc::session::Role::Device, &keys)
    ));
    secrets.push(key_hex);
    let wallet_key = wallet::keys::WalletKey::from_bytes([0xab; 32]);
    texts.push(format!("{wallet_key:?}"));
    secrets.push("171, 171".to_owned());
    secrets.push("abababab".to_owned());

    assert!(texts.len() >= 10);
    for text in &texts {
        assert_clean(text, &secrets);
    }
}
