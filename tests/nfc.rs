//! NFC engagement end to end: the wallet as a Type 4 Tag and the reader driving it (static and
//! negotiated handover), then the proximity session over the BLE GATT framing in memory, ending
//! in a verified right-to-work check.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::World;
use issuer::samples::{self, TOMASZ};
use mdoc::ble::{State, gatt};
use mdoc::definitions::Handover;
use mdoc::nfc::carrier::{BleOob, Carrier, LeRole};
use mdoc::nfc::handover::HandoverMessage;
use mdoc::nfc::tag::Mode;
use mdoc::profiles::Purpose;
use mdoc::registry::UK_DIGITAL_ID;
use verifier::nfc::{NfcReader, NfcReaderStep};
use verifier::{DocumentRequest, ReaderSession, VerifierError};
use wallet::nfc::{NfcEngagement, NfcEvent};
use wallet::presentation::DeviceAuthMode;
use wallet::proximity::{ProximitySession, SessionEvent};

const SERVICE_UUID: [u8; 16] = [
    0x45, 0xef, 0xef, 0x74, 0x2b, 0x2c, 0x48, 0x37, 0xa9, 0xa3, 0xb0, 0xe1, 0xd0, 0x5a, 0x69, 0x17,
];

fn ble() -> Carrier {
    Carrier::Ble(
        BleOob::default()
            .with_role(LeRole::PeripheralOnly)
            .with_uuid(SERVICE_UUID),
    )
}

fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(dir.path(), DeviceAuthMode::Signature).unwrap();
    world
        .provision(&samples::uk_digital_id(&TOMASZ, world.now.date()))
        .unwrap();
    (dir, world)
}

/// Runs the APDU conversation; returns the engaged reader session, the wallet's event and the
/// number of APDUs exchanged.
fn tap(
    holder: &mut ProximitySession,
    mode: Mode,
    reader_carriers: Vec<Carrier>,
) -> (
    Result<(ReaderSession, Carrier), VerifierError>,
    Vec<NfcEvent>,
    usize,
) {
    let mut tag = NfcEngagement::new(holder, vec![ble()], mode).unwrap();
    let mut reader = NfcReader::new(reader_carriers);
    let mut command = reader.start().unwrap();
    let mut events = Vec::new();
    for n in 1..=mdoc::nfc::tag::MAX_COMMANDS {
        let (response, event) = tag.process_apdu(holder, &command);
        events.extend(event);
        match reader.on_response(&response) {
            Ok(NfcReaderStep::Send(next)) => command = next,
            Ok(NfcReaderStep::Engaged { session, carrier }) => {
                return (Ok((*session, carrier)), events, n);
            }
            Ok(other) => panic!("unexpected step {other:?}"),
            Err(e) => return (Err(e), events, n),
        }
    }
    panic!("the conversation did not end");
}

/// Sends `message` through the GATT framing at `mtu`: chunked by the sender, reassembled by the
/// receiver.
fn over_gatt(message: &[u8], mtu: usize, max: usize) -> Vec<u8> {
    let mut receiver = gatt::Reassembler::new(mtu, max).unwrap();
    let mut out = None;
    for value in gatt::chunk(message, mtu, max).unwrap() {
        assert!(value.len() <= mtu - 3);
        assert!(out.is_none(), "the message ended early");
        out = receiver.push(&value).unwrap();
    }
    receiver.finish().unwrap();
    out.unwrap()
}

/// The session after engagement, over BLE at `mtu`; returns the verified report's state.
fn right_to_work_over_ble(
    world: &World,
    holder: &mut ProximitySession,
    reader: &mut ReaderSession,
    mtu: usize,
) -> verifier::VerificationReport {
    // The reader (GATT client) writes State start before the first message.
    assert_eq!(State::parse(&[State::Start.value()]), Ok(State::Start));
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let establishment = reader
        .establish(&request, Some(&world.reader_key()))
        .unwrap();
    let to_wallet = mdoc::limits::SESSION_TO_WALLET.max_bytes;
    let consent = match holder.handle(&over_gatt(&establishment, mtu, to_wallet)) {
        SessionEvent::Consent(consent) => *consent,
        other => panic!("consent expected, got {other:?}"),
    };
    let reply = holder.approve(&consent.recommended_selection()).unwrap();
    let to_reader = mdoc::limits::SESSION_TO_READER.max_bytes;
    let received = over_gatt(&reply, mtu, to_reader);
    let device_response = reader.decrypt_response(&received).unwrap();
    let report = verifier::verify_response(
        &mdoc::cbor::from_slice(&device_response).unwrap(),
        &reader.context(&world.issuer_anchors(), world.now),
    );
    // Termination, then State end.
    let end = over_gatt(&reader.terminate(), mtu, to_wallet);
    assert!(matches!(holder.handle(&end), SessionEvent::Terminated));
    assert_eq!(State::parse(&[State::End.value()]), Ok(State::End));
    report
}

#[test]
fn static_handover_then_a_right_to_work_check_over_ble() {
    let (_dir, world) = world();
    for mtu in [23, 185, 512] {
        let mut holder = ProximitySession::start(&world.wallet, Vec::new());
        let (engaged, events, apdus) = tap(&mut holder, Mode::Static, vec![ble()]);
        let (mut reader, carrier) = engaged.unwrap();
        assert_eq!(carrier, ble());
        assert_eq!(
            events,
            vec![NfcEvent::EngagementComplete {
                carriers: vec![ble()]
            }]
        );
        // SELECT app, SELECT CC, READ CC, SELECT NDEF, READ NLEN, one READ of the message.
        assert_eq!(apdus, 6);
        let Handover::Nfc {
            handover_select,
            handover_request,
        } = &reader.transcript().handover
        else {
            panic!("an NFC handover in the reader's transcript");
        };
        assert_eq!(*handover_request, None);
        let select = HandoverMessage::parse(handover_select).unwrap();
        assert_eq!(
            select.device_engagement(),
            Some(holder.engagement().content())
        );
        let report = right_to_work_over_ble(&world, &mut holder, &mut reader, mtu);
        assert!(report.verified(), "{}", report.render(common::label));
        assert_eq!(
            holder.transcript().map(|t| t.to_bytes()),
            None,
            "the wallet's session ended"
        );
    }
}

#[test]
fn negotiated_handover_then_a_right_to_work_check_over_ble() {
    let (_dir, world) = world();
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let reader_carriers = vec![Carrier::Nfc(vec![0x01]), ble()];
    let (engaged, events, apdus) = tap(&mut holder, Mode::Negotiated, reader_carriers);
    let (mut reader, carrier) = engaged.unwrap();
    assert_eq!(carrier, ble());
    assert_eq!(
        events,
        vec![NfcEvent::EngagementComplete {
            carriers: vec![ble()]
        }]
    );
    assert!(apdus > 6, "TNEP adds writes and reads ({apdus})");
    let Handover::Nfc {
        handover_request: Some(request),
        ..
    } = &reader.transcript().handover
    else {
        panic!("a negotiated NFC handover in the reader's transcript");
    };
    assert_eq!(HandoverMessage::parse(request).unwrap().carriers().len(), 2);
    let report = right_to_work_over_ble(&world, &mut holder, &mut reader, 185);
    assert!(report.verified(), "{}", report.render(common::label));
    let doc = &report.documents[0];
    assert_eq!(
        doc.element("uk.gov.digital-id.1", "max_weekly_hours")
            .map(|e| e.display_value()),
        Some("48".to_owned())
    );
}

#[test]
fn a_reader_ignoring_the_handover_cannot_talk_to_the_wallet() {
    // The handover is bound into the session keys: a reader that takes the engagement but
    // builds a QR transcript (null handover) derives other keys, and the wallet refuses it.
    let (_dir, world) = world();
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let (engaged, _, _) = tap(&mut holder, Mode::Static, vec![ble()]);
    drop(engaged);
    let mut reader = ReaderSession::from_qr_uri(&holder.qr_uri()).unwrap();
    let request = [DocumentRequest::for_purpose(
        Purpose::RightToWork,
        UK_DIGITAL_ID,
    )];
    let establishment = reader
        .establish(&request, Some(&world.reader_key()))
        .unwrap();
    assert!(matches!(
        holder.handle(&establishment),
        SessionEvent::Failed { .. }
    ));
}

#[test]
fn no_common_carrier_fails_both_sides() {
    let (_dir, world) = world();
    let mut holder = ProximitySession::start(&world.wallet, Vec::new());
    let (engaged, events, _) = tap(
        &mut holder,
        Mode::Negotiated,
        vec![Carrier::WifiAware(vec![1])],
    );
    assert!(matches!(
        engaged,
        Err(VerifierError::Nfc(mdoc::nfc::NfcError::Status(0x6f00)))
    ));
    assert_eq!(
        events,
        vec![NfcEvent::Failed(mdoc::nfc::NfcError::NoCommonCarrier)]
    );
    // A static tag offering BLE to a reader without BLE: the reader refuses it.
    let (engaged, _, _) = tap(&mut holder, Mode::Static, vec![Carrier::Nfc(vec![1])]);
    assert!(matches!(
        engaged,
        Err(VerifierError::Nfc(mdoc::nfc::NfcError::NoCommonCarrier))
    ));
}
