//! NFC engagement (ISO/IEC 18013-5 §8.2.2.1): NDEF, static and negotiated handover, and the
//! Type 4 Tag APDU conversation, sans-IO for both the wallet (the tag) and the reader.
//!
//! The app's NFC service (Android `HostApduService`, iOS NFC reader session) moves APDUs; the
//! core decides every byte. The handover messages exchanged become the SessionTranscript's
//! handover: `[HandoverSelect, HandoverRequest or null]`.
//!
//! * [`ndef`]: NDEF records and messages.
//! * [`handover`]: Handover Request / Select messages, alternative carriers, collision resolution.
//! * [`carrier`]: carrier configuration records (BLE, NFC, Wi-Fi Aware) and the DeviceEngagement
//!   record.
//! * [`tnep`]: TNEP service parameter, service select and status records.
//! * [`apdu`]: command and response APDUs.
//! * [`tag`]: the wallet as a Type 4 Tag.
//! * [`reader`]: the reader driving the conversation.

pub mod apdu;
pub mod carrier;
pub mod handover;
pub mod ndef;
pub mod reader;
pub mod tag;
pub mod tnep;

/// Why an NFC message or step was refused. Carries no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NfcError {
    /// A malformed NDEF message; names the problem.
    #[error("malformed NDEF message: {0}")]
    Ndef(&'static str),
    /// A malformed or unusable handover message; names the problem.
    #[error("handover: {0}")]
    Handover(&'static str),
    /// A malformed carrier configuration record.
    #[error("carrier configuration: {0}")]
    Carrier(&'static str),
    /// A malformed TNEP record, or TNEP refused by the peer.
    #[error("TNEP: {0}")]
    Tnep(&'static str),
    /// A malformed APDU.
    #[error("malformed APDU: {0}")]
    Apdu(&'static str),
    /// The tag answered a command with an error status word.
    #[error("the tag answered status {0:#06x}")]
    Status(u16),
    /// The message exceeds the bound that applies to it.
    #[error("message too large")]
    TooLarge,
    /// The conversation took more steps than its bound (a looping peer).
    #[error("the conversation exceeded its step bound")]
    TooManySteps,
    /// The step does not fit the conversation's state.
    #[error("not allowed in the conversation's current state")]
    WrongState,
    /// No carrier offered by one side is supported by the other.
    #[error("no common carrier")]
    NoCommonCarrier,
}

/// The SessionTranscript handover of a completed NFC engagement.
pub fn transcript_handover(
    handover_select: &[u8],
    handover_request: Option<&[u8]>,
) -> crate::definitions::Handover {
    crate::definitions::Handover::Nfc {
        handover_select: handover_select.to_vec(),
        handover_request: handover_request.map(<[u8]>::to_vec),
    }
}

#[cfg(test)]
mod annex_d;
