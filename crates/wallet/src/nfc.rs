//! NFC engagement for a proximity session: the wallet is a Type 4 Tag offering the session's
//! DeviceEngagement in a Handover Select (static, or negotiated via TNEP); when the reader has
//! read it, the session's transcript handover becomes `[HandoverSelect, HandoverRequest/null]`
//! and the app opens the chosen carrier (BLE) and carries on with
//! [`ProximitySession::handle`].

use mdoc::nfc::carrier::Carrier;
use mdoc::nfc::tag::{Mode, Tag, TagEvent};
use mdoc::nfc::{NfcError, transcript_handover};

use crate::proximity::ProximitySession;

/// What an APDU led to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NfcEvent {
    /// The handover is complete and the session's transcript is bound to it: open one of these
    /// carriers (in order of preference) and wait for the reader's SessionEstablishment.
    EngagementComplete {
        /// The carriers the Handover Select offered.
        carriers: Vec<Carrier>,
    },
    /// The NFC conversation failed and has ended; the session can still engage by QR code.
    Failed(NfcError),
}

/// The wallet's side of NFC engagement for one [`ProximitySession`].
#[derive(Debug)]
pub struct NfcEngagement {
    tag: Tag,
}

impl NfcEngagement {
    /// Offers `session`'s engagement over `carriers` (what the app's BLE stack supports) in
    /// `mode`.
    pub fn new(
        session: &ProximitySession,
        carriers: Vec<Carrier>,
        mode: Mode,
    ) -> Result<Self, NfcError> {
        Ok(NfcEngagement {
            tag: Tag::new(session.engagement().content(), carriers, mode)?,
        })
    }

    /// Answers one command APDU from the reader. On completion the session's handover is set.
    pub fn process_apdu(
        &mut self,
        session: &mut ProximitySession,
        command: &[u8],
    ) -> (Vec<u8>, Option<NfcEvent>) {
        let (response, event) = self.tag.process_apdu(command);
        let event = event.map(|event| match event {
            TagEvent::HandoverComplete {
                handover_select,
                handover_request,
                carriers,
            } => {
                let handover = transcript_handover(&handover_select, handover_request.as_deref());
                match session.set_handover(handover) {
                    Ok(()) => NfcEvent::EngagementComplete { carriers },
                    Err(_) => NfcEvent::Failed(NfcError::WrongState),
                }
            }
            TagEvent::Failed(error) => NfcEvent::Failed(error),
            _ => NfcEvent::Failed(NfcError::WrongState),
        });
        (response, event)
    }
}
