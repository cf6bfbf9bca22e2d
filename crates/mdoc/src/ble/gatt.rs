//! GATT message framing: chunking to the negotiated ATT MTU and bounded reassembly
//! (ISO/IEC 18013-5 §8.3.3.1.1.6).
//!
//! A characteristic value holds at most `ATT_MTU - 3` bytes. Its first byte is the continuation
//! byte, [`MORE`] when further chunks of the same message follow and [`LAST`] on the message's
//! final chunk; the rest is the next slice of the message.

use super::BleError;

/// Continuation byte: more chunks of this message follow.
pub const MORE: u8 = 0x01;
/// Continuation byte: this is the message's last chunk.
pub const LAST: u8 = 0x00;
/// The smallest ATT MTU Bluetooth LE allows.
pub const MIN_ATT_MTU: usize = 23;
/// The largest ATT MTU (a 512-byte attribute value plus the 5-byte header of the largest PDU).
pub const MAX_ATT_MTU: usize = 517;
/// ATT header bytes a notification or write carries besides the value.
pub const ATT_HEADER: usize = 3;

/// The largest characteristic value at `mtu`, continuation byte included.
pub fn max_chunk(mtu: usize) -> Result<usize, BleError> {
    if !(MIN_ATT_MTU..=MAX_ATT_MTU).contains(&mtu) {
        return Err(BleError::BadMtu(mtu));
    }
    Ok(mtu - ATT_HEADER)
}

/// Splits `message` into characteristic values for `mtu`, refusing an empty message or one over
/// `max_message` bytes.
pub fn chunk(message: &[u8], mtu: usize, max_message: usize) -> Result<Vec<Vec<u8>>, BleError> {
    let data_per_chunk = max_chunk(mtu)? - 1;
    if message.is_empty() {
        return Err(BleError::EmptyMessage);
    }
    if message.len() > max_message {
        return Err(BleError::MessageTooLarge(max_message));
    }
    let count = message.len().div_ceil(data_per_chunk);
    Ok(message
        .chunks(data_per_chunk)
        .enumerate()
        .map(|(i, data)| {
            let mut value = Vec::with_capacity(data.len() + 1);
            value.push(if i + 1 == count { LAST } else { MORE });
            value.extend_from_slice(data);
            value
        })
        .collect())
}

/// Reassembles received characteristic values into messages, one direction of one session.
///
/// Each error ends the message in progress (its bytes are dropped); the session is expected to
/// end too, since the peer's framing can no longer be trusted.
#[derive(Debug)]
pub struct Reassembler {
    max_chunk: usize,
    max_message: usize,
    buffer: Vec<u8>,
}

impl Reassembler {
    /// A reassembler for values of at most `mtu - 3` bytes and messages of at most
    /// `max_message` bytes.
    pub fn new(mtu: usize, max_message: usize) -> Result<Self, BleError> {
        Ok(Reassembler {
            max_chunk: max_chunk(mtu)?,
            max_message,
            buffer: Vec::new(),
        })
    }

    /// Takes one characteristic value; returns the message when `value` was its last chunk.
    pub fn push(&mut self, value: &[u8]) -> Result<Option<Vec<u8>>, BleError> {
        let result = self.try_push(value);
        if result.is_err() {
            self.buffer = Vec::new();
        }
        result
    }

    fn try_push(&mut self, value: &[u8]) -> Result<Option<Vec<u8>>, BleError> {
        let (&flag, data) = value.split_first().ok_or(BleError::EmptyChunk)?;
        if value.len() > self.max_chunk {
            return Err(BleError::ChunkTooLong(value.len()));
        }
        if flag != MORE && flag != LAST {
            return Err(BleError::BadContinuation(flag));
        }
        if self.buffer.len().saturating_add(data.len()) > self.max_message {
            return Err(BleError::MessageTooLarge(self.max_message));
        }
        self.buffer.extend_from_slice(data);
        if flag == MORE {
            return Ok(None);
        }
        if self.buffer.is_empty() {
            return Err(BleError::EmptyMessage);
        }
        Ok(Some(std::mem::take(&mut self.buffer)))
    }

    /// Whether a message is partly received.
    pub fn in_progress(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// The transport ended (State end or disconnect): an error if a message was cut short.
    pub fn finish(&mut self) -> Result<(), BleError> {
        if std::mem::take(&mut self.buffer).is_empty() {
            Ok(())
        } else {
            Err(BleError::Incomplete)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = crate::limits::SESSION_TO_READER.max_bytes;

    fn message(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + 7) as u8).collect()
    }

    fn round_trip(mtu: usize, len: usize, max: usize) {
        let msg = message(len);
        let chunks = chunk(&msg, mtu, max).unwrap();
        assert_eq!(chunks.len(), len.div_ceil(mtu - 4), "mtu {mtu} len {len}");
        let mut r = Reassembler::new(mtu, max).unwrap();
        let (last, rest) = chunks.split_last().unwrap();
        for c in rest {
            assert_eq!(c.len(), mtu - 3, "every chunk but the last is full");
            assert_eq!(c[0], MORE);
            assert_eq!(r.push(c).unwrap(), None);
            assert!(r.in_progress());
        }
        assert_eq!(last[0], LAST);
        assert!(last.len() <= mtu - 3);
        assert_eq!(r.push(last).unwrap(), Some(msg));
        assert!(!r.in_progress());
        r.finish().unwrap();
    }

    #[test]
    fn round_trips_at_mtu_23_185_512_and_517() {
        for mtu in [23, 185, 512, 517] {
            for len in [1, mtu - 5, mtu - 4, mtu - 3, 2 * (mtu - 4), 10_000] {
                round_trip(mtu, len, MAX);
            }
        }
    }

    #[test]
    fn a_message_at_the_configured_maximum_passes_and_one_byte_more_is_refused() {
        for mtu in [23, 185, 512] {
            round_trip(mtu, MAX, MAX);
            assert_eq!(
                chunk(&message(MAX + 1), mtu, MAX),
                Err(BleError::MessageTooLarge(MAX))
            );
        }
    }

    #[test]
    fn mtu_23_chunks_carry_19_message_bytes() {
        let chunks = chunk(&message(40), 23, 100).unwrap();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 3]);
        assert_eq!(
            chunks.iter().map(|c| c[0]).collect::<Vec<_>>(),
            [MORE, MORE, LAST]
        );
    }

    #[test]
    fn reassembly_over_the_bound_is_refused_and_resets() {
        let mut r = Reassembler::new(23, 30).unwrap();
        let chunks = chunk(&message(40), 23, 100).unwrap();
        assert_eq!(r.push(&chunks[0]).unwrap(), None);
        assert_eq!(r.push(&chunks[1]), Err(BleError::MessageTooLarge(30)));
        assert!(!r.in_progress());
        // The next message reassembles from a clean state.
        assert_eq!(r.push(&[LAST, 9, 9]).unwrap(), Some(vec![9, 9]));
    }

    #[test]
    fn bad_chunks_are_refused() {
        let mut r = Reassembler::new(23, 100).unwrap();
        assert_eq!(r.push(&[]), Err(BleError::EmptyChunk));
        assert_eq!(r.push(&[0x02, 1]), Err(BleError::BadContinuation(0x02)));
        assert_eq!(r.push(&[0xff]), Err(BleError::BadContinuation(0xff)));
        assert_eq!(r.push(&[LAST]), Err(BleError::EmptyMessage));
        assert_eq!(r.push(&[MORE; 21]), Err(BleError::ChunkTooLong(21)));
        // A bad byte in the middle of a message drops it.
        r.push(&[MORE, 1, 2]).unwrap();
        assert_eq!(r.push(&[0x05, 3]), Err(BleError::BadContinuation(0x05)));
        assert_eq!(r.push(&[LAST, 4]).unwrap(), Some(vec![4]));
    }

    #[test]
    fn a_missing_last_chunk_is_reported_when_the_transport_ends() {
        let mut r = Reassembler::new(185, 1000).unwrap();
        let chunks = chunk(&message(500), 185, 1000).unwrap();
        for c in &chunks[..chunks.len() - 1] {
            assert_eq!(r.push(c).unwrap(), None);
        }
        assert_eq!(r.finish(), Err(BleError::Incomplete));
        r.finish().unwrap();
    }

    #[test]
    fn bad_mtus_and_empty_messages_are_refused() {
        for mtu in [0, 3, 4, 22, 518, usize::MAX] {
            assert_eq!(chunk(&[1], mtu, 10), Err(BleError::BadMtu(mtu)));
            assert_eq!(Reassembler::new(mtu, 10).err(), Some(BleError::BadMtu(mtu)));
        }
        assert_eq!(chunk(&[], 23, 10), Err(BleError::EmptyMessage));
    }

    proptest::proptest! {
        #[test]
        fn any_message_round_trips(msg in proptest::collection::vec(proptest::num::u8::ANY, 1..3000), mtu in 23usize..=517) {
            let mut r = Reassembler::new(mtu, 3000).unwrap();
            let mut out = None;
            for c in chunk(&msg, mtu, 3000).unwrap() {
                proptest::prop_assert!(out.is_none());
                out = r.push(&c).unwrap();
            }
            proptest::prop_assert_eq!(out, Some(msg));
        }

        #[test]
        fn arbitrary_chunks_never_exceed_the_bound(chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..30), 0..50)) {
            let mut r = Reassembler::new(23, 64).unwrap();
            for c in chunks {
                if let Ok(Some(m)) = r.push(&c) {
                    proptest::prop_assert!(!m.is_empty() && m.len() <= 64);
                }
            }
        }
    }
}
