//! The BLE transport's message framing (ISO/IEC 18013-5 §8.3.3.1.1), sans-IO and for both roles.
//!
//! The app's BLE stack moves characteristic values and L2CAP bytes; this module decides every
//! byte: [`gatt`] splits a SessionEstablishment / SessionData message into characteristic
//! writes or notifications of at most `ATT_MTU - 3` bytes, each led by a continuation byte
//! (`0x01` more follows, `0x00` last), and reassembles received chunks under a size bound;
//! [`State`] is the State characteristic's start (`0x01`) and end (`0x02`) values; [`l2cap`]
//! frames messages on an L2CAP connection-oriented channel.
//!
//! The framing is the same for the mdoc and the mdoc reader, in peripheral server and central
//! client mode: only which characteristic carries which direction differs ([`uuids`]).

pub mod gatt;
pub mod l2cap;

/// Why a BLE frame or message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BleError {
    /// The negotiated ATT MTU is below the Bluetooth minimum (23) or above the maximum (517).
    #[error("ATT MTU {0} is outside 23..=517")]
    BadMtu(usize),
    /// A chunk carried no bytes at all (not even the continuation byte).
    #[error("empty chunk")]
    EmptyChunk,
    /// A chunk's first byte is neither 0x01 (more) nor 0x00 (last).
    #[error("chunk continuation byte {0:#04x} is neither 0x00 nor 0x01")]
    BadContinuation(u8),
    /// A chunk is longer than `ATT_MTU - 3`.
    #[error("chunk of {0} bytes exceeds the negotiated MTU")]
    ChunkTooLong(usize),
    /// A message (sent or being reassembled) exceeds the configured maximum.
    #[error("message exceeds the configured maximum of {0} bytes")]
    MessageTooLarge(usize),
    /// A message with no bytes: the session protocol has no empty message.
    #[error("empty message")]
    EmptyMessage,
    /// The transport ended (State end, disconnect) in the middle of a message.
    #[error("the transport ended before the message's last chunk")]
    Incomplete,
    /// A State characteristic value other than 0x01 (start) or 0x02 (end).
    #[error("unknown State characteristic value")]
    BadState,
}

/// The State characteristic's values (§8.3.3.1.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `0x01`: start of data transfer (written by the GATT client before the first message).
    Start,
    /// `0x02`: end of the session.
    End,
}

impl State {
    /// The characteristic value.
    pub const fn value(self) -> u8 {
        match self {
            State::Start => 0x01,
            State::End => 0x02,
        }
    }

    /// Parses a State characteristic value; exactly one byte, 0x01 or 0x02.
    pub fn parse(value: &[u8]) -> Result<State, BleError> {
        match value {
            [0x01] => Ok(State::Start),
            [0x02] => Ok(State::End),
            _ => Err(BleError::BadState),
        }
    }
}

/// The GATT characteristic UUIDs of the mdoc service (ISO/IEC 18013-5 §8.3.3.1.1.4, Tables 12
/// and 13), as lowercase strings for the app's BLE stack. The service UUID itself is the one
/// sent in the DeviceEngagement (or the Handover Select).
pub mod uuids {
    /// mdoc peripheral server mode: State.
    pub const PERIPHERAL_STATE: &str = "00000001-a123-48ce-896b-4c76973373e6";
    /// mdoc peripheral server mode: Client2Server (the reader writes).
    pub const PERIPHERAL_CLIENT2SERVER: &str = "00000002-a123-48ce-896b-4c76973373e6";
    /// mdoc peripheral server mode: Server2Client (the mdoc notifies).
    pub const PERIPHERAL_SERVER2CLIENT: &str = "00000003-a123-48ce-896b-4c76973373e6";
    /// mdoc central client mode: State.
    pub const CENTRAL_STATE: &str = "00000005-a123-48ce-896b-4c76973373e6";
    /// mdoc central client mode: Client2Server (the mdoc writes).
    pub const CENTRAL_CLIENT2SERVER: &str = "00000006-a123-48ce-896b-4c76973373e6";
    /// mdoc central client mode: Server2Client (the reader notifies).
    pub const CENTRAL_SERVER2CLIENT: &str = "00000007-a123-48ce-896b-4c76973373e6";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_values_round_trip_and_bad_values_are_refused() {
        for state in [State::Start, State::End] {
            assert_eq!(State::parse(&[state.value()]), Ok(state));
        }
        assert_eq!(State::Start.value(), 0x01);
        assert_eq!(State::End.value(), 0x02);
        for bad in [&[][..], &[0x00], &[0x03], &[0x01, 0x01], &[0xff]] {
            assert_eq!(State::parse(bad), Err(BleError::BadState));
        }
    }
}
