//! The reader's side of NFC engagement: drives the wallet tag's APDU conversation, picks a
//! carrier from its Handover Select and starts the [`ReaderSession`] bound to the handover.

use mdoc::definitions::DeviceEngagement;
use mdoc::nfc::carrier::Carrier;
use mdoc::nfc::reader::{Reader, ReaderStep};
use mdoc::nfc::transcript_handover;

use crate::session::{ReaderSession, VerifierError};

/// What to do next.
#[derive(Debug)]
#[non_exhaustive]
pub enum NfcReaderStep {
    /// Send this command APDU to the tag and pass its response to [`NfcReader::on_response`].
    Send(Vec<u8>),
    /// Engaged: connect to the wallet over `carrier` and send `session.establish(...)`.
    Engaged {
        /// The session, with the NFC handover in its transcript.
        session: Box<ReaderSession>,
        /// The carrier picked (the wallet's first offer the reader supports).
        carrier: Carrier,
    },
}

/// One NFC engagement with a wallet.
#[derive(Debug)]
pub struct NfcReader {
    reader: Reader,
}

impl NfcReader {
    /// A reader supporting `carriers` (offered in this order in negotiated handover).
    pub fn new(carriers: Vec<Carrier>) -> Self {
        NfcReader {
            reader: Reader::new(carriers, u16::from_be_bytes(mdoc::rng::random_bytes::<2>())),
        }
    }

    /// The first command APDU.
    pub fn start(&mut self) -> Result<Vec<u8>, VerifierError> {
        Ok(self.reader.start()?)
    }

    /// Takes the tag's response to the last command.
    pub fn on_response(&mut self, response: &[u8]) -> Result<NfcReaderStep, VerifierError> {
        match self.reader.on_response(response)? {
            ReaderStep::Send(command) => Ok(NfcReaderStep::Send(command)),
            ReaderStep::Done(engagement) => {
                let device_engagement = DeviceEngagement::parse(&engagement.device_engagement)?;
                let handover = transcript_handover(
                    &engagement.handover_select,
                    engagement.handover_request.as_deref(),
                );
                Ok(NfcReaderStep::Engaged {
                    session: Box::new(ReaderSession::from_engagement(device_engagement, handover)?),
                    carrier: engagement.carrier,
                })
            }
        }
    }
}
