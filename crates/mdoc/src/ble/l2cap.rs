//! Message framing on an L2CAP connection-oriented channel (ISO/IEC 18013-5 §8.3.3.1.1.7).
//!
//! An L2CAP channel is a byte stream to the app: SDU boundaries are not reliably delivered by
//! every platform stack, so each message is sent as a 4-byte big-endian length followed by the
//! message bytes, and [`Decoder`] recovers messages from bytes arriving in any split. The length
//! is checked against the configured maximum before any of the message is buffered.
//!
//! The prefix width is this implementation's reading of the standard and has not been checked
//! against a conformance peer; see the crate README's BLE section.

use super::BleError;

/// Bytes of the length prefix.
pub const PREFIX_LEN: usize = 4;

/// The bytes to send for `message`: its length, big-endian, then the message.
pub fn frame(message: &[u8], max_message: usize) -> Result<Vec<u8>, BleError> {
    if message.is_empty() {
        return Err(BleError::EmptyMessage);
    }
    let len = u32::try_from(message.len())
        .ok()
        .filter(|_| message.len() <= max_message)
        .ok_or(BleError::MessageTooLarge(max_message))?;
    let mut out = Vec::with_capacity(PREFIX_LEN + message.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(message);
    Ok(out)
}

/// Recovers length-prefixed messages from a received byte stream, one direction of one session.
#[derive(Debug)]
pub struct Decoder {
    max_message: usize,
    prefix: Vec<u8>,
    expected: Option<usize>,
    buffer: Vec<u8>,
}

impl Decoder {
    /// A decoder refusing messages over `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Decoder {
            max_message,
            prefix: Vec::with_capacity(PREFIX_LEN),
            expected: None,
            buffer: Vec::new(),
        }
    }

    /// Takes received bytes; returns every message they complete. An error drops the partial
    /// message; the channel should then be closed, since the stream has lost its framing.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, BleError> {
        let mut messages = Vec::new();
        while !bytes.is_empty() {
            match self.expected {
                None => {
                    let take = (PREFIX_LEN - self.prefix.len()).min(bytes.len());
                    let (head, tail) = bytes.split_at(take);
                    self.prefix.extend_from_slice(head);
                    bytes = tail;
                    if let Ok(prefix) = <[u8; PREFIX_LEN]>::try_from(self.prefix.as_slice()) {
                        self.prefix.clear();
                        let len = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
                        if len == 0 {
                            self.reset();
                            return Err(BleError::EmptyMessage);
                        }
                        if len > self.max_message {
                            self.reset();
                            return Err(BleError::MessageTooLarge(self.max_message));
                        }
                        self.expected = Some(len);
                    }
                }
                Some(len) => {
                    let take = (len - self.buffer.len()).min(bytes.len());
                    let (head, tail) = bytes.split_at(take);
                    self.buffer.extend_from_slice(head);
                    bytes = tail;
                    if self.buffer.len() == len {
                        self.expected = None;
                        messages.push(std::mem::take(&mut self.buffer));
                    }
                }
            }
        }
        Ok(messages)
    }

    fn reset(&mut self) {
        self.prefix.clear();
        self.expected = None;
        self.buffer = Vec::new();
    }

    /// The channel closed: an error if a message was cut short.
    pub fn finish(&mut self) -> Result<(), BleError> {
        let partial = !self.prefix.is_empty() || self.expected.is_some();
        self.reset();
        if partial {
            Err(BleError::Incomplete)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_any_split() {
        let a: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let b = vec![0xa5; 3];
        let mut stream = frame(&a, 2000).unwrap();
        stream.extend(frame(&b, 2000).unwrap());
        assert_eq!(&stream[..4], &[0, 0, 0x03, 0xe8]);
        for piece in [1, 2, 3, 5, 23, 185, 512, stream.len()] {
            let mut d = Decoder::new(2000);
            let mut out = Vec::new();
            for part in stream.chunks(piece) {
                out.extend(d.push(part).unwrap());
            }
            assert_eq!(out, vec![a.clone(), b.clone()], "split {piece}");
            d.finish().unwrap();
        }
    }

    #[test]
    fn the_maximum_passes_and_more_is_refused_before_buffering() {
        let max = crate::limits::SESSION_TO_READER.max_bytes;
        let msg = vec![7u8; max];
        let mut d = Decoder::new(max);
        assert_eq!(d.push(&frame(&msg, max).unwrap()).unwrap(), vec![msg]);
        assert_eq!(
            frame(&vec![0; max + 1], max),
            Err(BleError::MessageTooLarge(max))
        );
        let huge = u32::MAX.to_be_bytes();
        assert_eq!(d.push(&huge), Err(BleError::MessageTooLarge(max)));
    }

    #[test]
    fn bad_streams_are_refused() {
        let mut d = Decoder::new(100);
        assert_eq!(d.push(&[0, 0, 0, 0]), Err(BleError::EmptyMessage));
        assert_eq!(frame(&[], 100), Err(BleError::EmptyMessage));
        assert_eq!(d.push(&[]).unwrap(), Vec::<Vec<u8>>::new());
        d.push(&[0, 0]).unwrap();
        assert_eq!(d.finish(), Err(BleError::Incomplete));
        d.push(&[0, 0, 0, 5, 1, 2]).unwrap();
        assert_eq!(d.finish(), Err(BleError::Incomplete));
        d.finish().unwrap();
    }
}
