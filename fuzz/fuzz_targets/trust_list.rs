#![no_main]
use libfuzzer_sys::fuzz_target;

// VICAL / RICAL: the envelope and both payload readers never panic on hostile bytes, every
// bound holds, and a payload that reads re-encodes to one that reads back the same.
fuzz_target!(|data: &[u8]| {
    use mdoc::trust_list::{Envelope, ListKind, MAX_ENTRIES, parse_payload};
    if let Ok(envelope) = Envelope::open(data) {
        assert!(!envelope.x5chain().is_empty());
        for kind in [ListKind::Vical, ListKind::Rical] {
            let _ = parse_payload(kind, envelope.payload());
        }
    }
    for kind in [ListKind::Vical, ListKind::Rical] {
        if let Ok(list) = parse_payload(kind, data) {
            assert!(list.entries.len() <= MAX_ENTRIES);
            let payload = list.to_payload();
            // Re-encoding may grow a list (a small serial becomes a tagged bignum).
            if payload.len() <= mdoc::trust_list::MAX_LIST_LEN {
                assert_eq!(parse_payload(kind, &payload).as_ref(), Ok(&list));
            }
        }
    }
    let anchors = mdoc::x509::TrustAnchors::default();
    let now = mdoc::time::Timestamp::from_unix_seconds(1_754_426_841);
    let policy = mdoc::trust_list::ListPolicy::default();
    assert!(mdoc::trust_list::verify_vical(data, &anchors, now, &policy).is_err());
    assert!(mdoc::trust_list::verify_rical(data, &anchors, now, &policy).is_err());
});
