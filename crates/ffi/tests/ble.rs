//! BLE framing through the exported API, as a Kotlin or Swift app's BLE stack drives it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use citizen_wallet_ffi::*;

/// A message the size of a SessionData carrying a DeviceResponse with a portrait (~60 KB).
fn device_response_sized() -> Vec<u8> {
    (0..60_000u32)
        .map(|i| (i.wrapping_mul(131) >> 3) as u8)
        .collect()
}

#[test]
fn gatt_round_trips_at_mtu_23_185_512() {
    let message = device_response_sized();
    let max = ble_max_message_to_reader();
    for mtu in [23u32, 185, 512] {
        let values = ble_gatt_chunk(message.clone(), mtu, max).unwrap();
        let per_value = mtu as usize - 4;
        assert_eq!(values.len(), message.len().div_ceil(per_value), "mtu {mtu}");
        let reassembler = BleGattReassembler::new(mtu, max).unwrap();
        let (last, rest) = values.split_last().unwrap();
        for value in rest {
            assert_eq!(value.len(), mtu as usize - 3);
            assert_eq!(value[0], 0x01, "continuation byte: more");
            assert_eq!(reassembler.push(value.clone()).unwrap(), None);
            assert!(reassembler.in_progress());
        }
        assert_eq!(last[0], 0x00, "continuation byte: last");
        assert_eq!(
            reassembler.push(last.clone()).unwrap(),
            Some(message.clone())
        );
        assert!(!reassembler.in_progress());
        reassembler.finish().unwrap();
    }
}

#[test]
fn a_bad_continuation_byte_is_a_typed_error_and_the_message_is_dropped() {
    let reassembler = BleGattReassembler::new(23, 1000).unwrap();
    assert_eq!(reassembler.push(vec![0x01, 1, 2]).unwrap(), None);
    match reassembler.push(vec![0x02, 3]) {
        Err(BleFramingError::BadContinuation { byte: 0x02 }) => {}
        other => panic!("expected BadContinuation, got {other:?}"),
    }
    assert!(!reassembler.in_progress());
    assert_eq!(reassembler.push(vec![0x00, 9]).unwrap(), Some(vec![9]));
    assert!(matches!(
        reassembler.push(vec![]),
        Err(BleFramingError::EmptyChunk)
    ));
    assert!(matches!(
        reassembler.push(vec![0x01; 21]),
        Err(BleFramingError::ChunkTooLong { len: 21 })
    ));
}

#[test]
fn oversize_messages_are_typed_errors_both_ways() {
    let message = device_response_sized();
    let max = message.len() as u64 - 1;
    assert!(matches!(
        ble_gatt_chunk(message.clone(), 185, max),
        Err(BleFramingError::MessageTooLarge { max: m }) if m == max
    ));
    // A peer sending more than the bound: refused while reassembling, not after.
    let values = ble_gatt_chunk(message.clone(), 185, message.len() as u64).unwrap();
    let reassembler = BleGattReassembler::new(185, max).unwrap();
    let mut refused = false;
    for value in values {
        match reassembler.push(value) {
            Ok(None) => {}
            Err(BleFramingError::MessageTooLarge { max: m }) if m == max => {
                refused = true;
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(refused);
    assert!(matches!(
        ble_l2cap_frame(message, max),
        Err(BleFramingError::MessageTooLarge { .. })
    ));
    let decoder = BleL2capDecoder::new(1000);
    assert!(matches!(
        decoder.push(vec![0xff, 0xff, 0xff, 0xff]),
        Err(BleFramingError::MessageTooLarge { max: 1000 })
    ));
}

#[test]
fn a_message_cut_short_and_bad_parameters_are_typed_errors() {
    let values = ble_gatt_chunk(device_response_sized(), 512, ble_max_message_to_reader()).unwrap();
    let reassembler = BleGattReassembler::new(512, ble_max_message_to_reader()).unwrap();
    reassembler.push(values[0].clone()).unwrap();
    assert!(matches!(
        reassembler.finish(),
        Err(BleFramingError::Incomplete)
    ));
    for mtu in [0u32, 22, 518] {
        assert!(matches!(
            BleGattReassembler::new(mtu, 100),
            Err(BleFramingError::BadMtu { mtu: m }) if m == u64::from(mtu)
        ));
        assert!(matches!(
            ble_gatt_chunk(vec![1], mtu, 100),
            Err(BleFramingError::BadMtu { .. })
        ));
    }
    assert!(matches!(
        ble_gatt_chunk(vec![], 23, 100),
        Err(BleFramingError::EmptyMessage)
    ));
}

#[test]
fn state_characteristic_values() {
    assert_eq!(ble_state_value(BleState::Start), 0x01);
    assert_eq!(ble_state_value(BleState::End), 0x02);
    assert_eq!(ble_state_parse(vec![0x01]).unwrap(), BleState::Start);
    assert_eq!(ble_state_parse(vec![0x02]).unwrap(), BleState::End);
    for bad in [vec![], vec![0x00], vec![0x03], vec![0x01, 0x01]] {
        assert!(matches!(
            ble_state_parse(bad),
            Err(BleFramingError::BadState)
        ));
    }
}

#[test]
fn l2cap_round_trips_in_any_split() {
    let message = device_response_sized();
    let max = ble_max_message_to_reader();
    let mut stream = ble_l2cap_frame(message.clone(), max).unwrap();
    assert_eq!(&stream[..4], &(message.len() as u32).to_be_bytes());
    stream.extend(ble_l2cap_frame(vec![0xa5, 0x5a], max).unwrap());
    for piece in [1usize, 3, 20, 182, 509, stream.len()] {
        let decoder = BleL2capDecoder::new(max);
        let mut out = Vec::new();
        for part in stream.chunks(piece) {
            out.extend(decoder.push(part.to_vec()).unwrap());
        }
        assert_eq!(
            out,
            vec![message.clone(), vec![0xa5, 0x5a]],
            "split {piece}"
        );
        decoder.finish().unwrap();
    }
    let decoder = BleL2capDecoder::new(max);
    assert!(decoder.push(vec![0, 0, 1, 0, 7]).unwrap().is_empty());
    assert!(matches!(decoder.finish(), Err(BleFramingError::Incomplete)));
    assert!(matches!(
        decoder.push(vec![0, 0, 0, 0]),
        Err(BleFramingError::EmptyMessage)
    ));
}
