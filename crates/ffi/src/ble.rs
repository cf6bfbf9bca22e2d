//! BLE transport framing for the app's BLE stack: GATT chunking and reassembly, the State
//! characteristic's values, and L2CAP length-prefixed framing. Conversion only: the codec is
//! `mdoc::ble`.

use std::sync::{Mutex, MutexGuard};

use mdoc::ble::{BleError, State, gatt, l2cap};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A size from the FFI (`u32`/`u64`) as `usize`, saturating where `usize` is narrower.
fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn wide(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Why a BLE frame or message was refused. After any error the message in progress is dropped;
/// the app should end the session, since the peer's framing can no longer be trusted.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum BleFramingError {
    /// The ATT MTU is outside 23..=517.
    #[error("ATT MTU {mtu} is outside 23..=517")]
    BadMtu {
        /// The MTU given.
        mtu: u64,
    },
    /// A characteristic value carried no bytes at all (not even the continuation byte).
    #[error("empty chunk")]
    EmptyChunk,
    /// A characteristic value's first byte is neither 0x01 (more) nor 0x00 (last).
    #[error("chunk continuation byte {byte:#04x} is neither 0x00 nor 0x01")]
    BadContinuation {
        /// The byte received.
        byte: u8,
    },
    /// A characteristic value is longer than ATT MTU − 3.
    #[error("chunk of {len} bytes exceeds the negotiated MTU")]
    ChunkTooLong {
        /// Its length.
        len: u64,
    },
    /// A message (sent or being received) exceeds the configured maximum.
    #[error("message exceeds the configured maximum of {max} bytes")]
    MessageTooLarge {
        /// The configured maximum.
        max: u64,
    },
    /// A message with no bytes: the session protocol has no empty message.
    #[error("empty message")]
    EmptyMessage,
    /// The transport ended (State end, disconnect, channel closed) in the middle of a message.
    #[error("the transport ended before the message was complete")]
    Incomplete,
    /// A State characteristic value other than 0x01 (start) or 0x02 (end).
    #[error("unknown State characteristic value")]
    BadState,
    /// A framing error this version of the bindings does not name.
    #[error("BLE framing: {reason}")]
    Other {
        /// What failed.
        reason: String,
    },
}

impl From<BleError> for BleFramingError {
    fn from(e: BleError) -> Self {
        match e {
            BleError::BadMtu(mtu) => BleFramingError::BadMtu { mtu: wide(mtu) },
            BleError::EmptyChunk => BleFramingError::EmptyChunk,
            BleError::BadContinuation(byte) => BleFramingError::BadContinuation { byte },
            BleError::ChunkTooLong(len) => BleFramingError::ChunkTooLong { len: wide(len) },
            BleError::MessageTooLarge(max) => BleFramingError::MessageTooLarge { max: wide(max) },
            BleError::EmptyMessage => BleFramingError::EmptyMessage,
            BleError::Incomplete => BleFramingError::Incomplete,
            BleError::BadState => BleFramingError::BadState,
            other => BleFramingError::Other {
                reason: other.to_string(),
            },
        }
    }
}

/// The State characteristic's values (ISO/IEC 18013-5 §8.3.3.1.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BleState {
    /// `0x01`: start of data transfer (written by the GATT client before the first message).
    Start,
    /// `0x02`: end of the session.
    End,
}

impl From<BleState> for State {
    fn from(s: BleState) -> Self {
        match s {
            BleState::Start => State::Start,
            BleState::End => State::End,
        }
    }
}

/// The byte to write to (or expect on) the State characteristic for `state`.
#[uniffi::export]
pub fn ble_state_value(state: BleState) -> u8 {
    State::from(state).value()
}

/// Parses a received State characteristic value (exactly one byte, 0x01 or 0x02).
#[uniffi::export]
pub fn ble_state_parse(value: Vec<u8>) -> Result<BleState, BleFramingError> {
    Ok(match State::parse(&value)? {
        State::Start => BleState::Start,
        State::End => BleState::End,
    })
}

/// The largest message the wallet should accept from a reader (SessionEstablishment or
/// SessionData carrying a DeviceRequest): `mdoc::limits::SESSION_TO_WALLET`.
#[uniffi::export]
pub fn ble_max_message_to_wallet() -> u64 {
    wide(mdoc::limits::SESSION_TO_WALLET.max_bytes)
}

/// The largest message a reader should accept from a wallet (SessionData carrying a
/// DeviceResponse): `mdoc::limits::SESSION_TO_READER`.
#[uniffi::export]
pub fn ble_max_message_to_reader() -> u64 {
    wide(mdoc::limits::SESSION_TO_READER.max_bytes)
}

/// Splits `message` into GATT characteristic values (writes or notifications) for the
/// negotiated ATT `mtu`: each at most `mtu - 3` bytes, led by the continuation byte. Refuses an
/// empty message, one over `max_message` bytes, and an MTU outside 23..=517.
#[uniffi::export]
pub fn ble_gatt_chunk(
    message: Vec<u8>,
    mtu: u32,
    max_message: u64,
) -> Result<Vec<Vec<u8>>, BleFramingError> {
    Ok(gatt::chunk(
        &message,
        size(u64::from(mtu)),
        size(max_message),
    )?)
}

/// Reassembles received GATT characteristic values into messages, for one direction of one
/// session.
#[derive(uniffi::Object)]
pub struct BleGattReassembler {
    inner: Mutex<gatt::Reassembler>,
}

#[uniffi::export]
impl BleGattReassembler {
    /// A reassembler for values of at most `mtu - 3` bytes and messages of at most
    /// `max_message` bytes (e.g. [`ble_max_message_to_wallet`]).
    #[uniffi::constructor]
    pub fn new(mtu: u32, max_message: u64) -> Result<Self, BleFramingError> {
        Ok(BleGattReassembler {
            inner: Mutex::new(gatt::Reassembler::new(
                size(u64::from(mtu)),
                size(max_message),
            )?),
        })
    }

    /// Takes one received characteristic value; returns the whole message when it was the
    /// last chunk, nothing while more are expected.
    pub fn push(&self, value: Vec<u8>) -> Result<Option<Vec<u8>>, BleFramingError> {
        Ok(lock(&self.inner).push(&value)?)
    }

    /// Whether a message is partly received.
    pub fn in_progress(&self) -> bool {
        lock(&self.inner).in_progress()
    }

    /// The transport ended (State end or disconnect): an `Incomplete` error if a message was
    /// cut short.
    pub fn finish(&self) -> Result<(), BleFramingError> {
        Ok(lock(&self.inner).finish()?)
    }
}

/// The bytes to send on an L2CAP channel for `message`: a 4-byte big-endian length, then the
/// message. Refuses an empty message and one over `max_message` bytes.
#[uniffi::export]
pub fn ble_l2cap_frame(message: Vec<u8>, max_message: u64) -> Result<Vec<u8>, BleFramingError> {
    Ok(l2cap::frame(&message, size(max_message))?)
}

/// Recovers length-prefixed messages from bytes received on an L2CAP channel, in any split,
/// for one direction of one session.
#[derive(uniffi::Object)]
pub struct BleL2capDecoder {
    inner: Mutex<l2cap::Decoder>,
}

#[uniffi::export]
impl BleL2capDecoder {
    /// A decoder refusing messages over `max_message` bytes (checked from the length prefix,
    /// before anything is buffered).
    #[uniffi::constructor]
    pub fn new(max_message: u64) -> Self {
        BleL2capDecoder {
            inner: Mutex::new(l2cap::Decoder::new(size(max_message))),
        }
    }

    /// Takes received bytes; returns every message they complete (possibly none).
    pub fn push(&self, bytes: Vec<u8>) -> Result<Vec<Vec<u8>>, BleFramingError> {
        Ok(lock(&self.inner).push(&bytes)?)
    }

    /// The channel closed: an `Incomplete` error if a message was cut short.
    pub fn finish(&self) -> Result<(), BleFramingError> {
        Ok(lock(&self.inner).finish()?)
    }
}
