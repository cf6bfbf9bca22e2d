#![no_main]
use libfuzzer_sys::fuzz_target;
use mdoc::ble::{State, gatt, l2cap};

// The first byte picks an MTU; the rest is split into characteristic values at 0xfe bytes and
// fed to the GATT reassembler, and fed whole to the L2CAP decoder. Neither may panic or return
// a message over its bound.
fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mtu = 23 + usize::from(pick) * 2;
    let max = 4096;
    if let Ok(mut r) = gatt::Reassembler::new(mtu, max) {
        for value in rest.split(|&b| b == 0xfe) {
            if let Ok(Some(m)) = r.push(value) {
                assert!(!m.is_empty() && m.len() <= max);
            }
        }
        let _ = r.finish();
    }
    let _ = State::parse(rest);
    let mut d = l2cap::Decoder::new(max);
    if let Ok(messages) = d.push(rest) {
        assert!(messages.iter().all(|m| !m.is_empty() && m.len() <= max));
    }
    let _ = d.finish();
    if let Ok(chunks) = gatt::chunk(rest, mtu, max) {
        assert!(chunks.iter().all(|c| c.len() <= mtu - 3));
    }
});
