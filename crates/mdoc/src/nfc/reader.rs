//! The reader's side of NFC engagement: drives the Type 4 Tag conversation (static or
//! negotiated handover), parses the wallet's Handover Select, picks a carrier and builds the
//! Handover Request.
//!
//! The app's NFC reader session sends each command [`Reader`] produces and passes back the
//! response. Bounded: commands per conversation and NLEN = 0 polls.

use std::collections::VecDeque;

use super::NfcError;
use super::apdu::{self, Command};
use super::carrier::Carrier;
use super::handover::{AlternativeCarrier, HandoverMessage, Kind, PowerState, VERSION_1_5};
use super::ndef::{self, MAX_MESSAGE_LEN, Tnf};
use super::tag::{CC_FILE, MAX_COMMANDS, NDEF_AID};
use super::tnep::{self, HANDOVER_SERVICE, ServiceParameter};

/// Most consecutive reads of an empty NDEF file (NLEN = 0) before giving up.
pub const MAX_EMPTY_POLLS: usize = 8;

/// A completed engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    /// The Handover Select message as read.
    pub handover_select: Vec<u8>,
    /// The Handover Request message as written (negotiated handover).
    pub handover_request: Option<Vec<u8>>,
    /// DeviceEngagementBytes' content from the DeviceEngagement record.
    pub device_engagement: Vec<u8>,
    /// The carrier picked: the wallet's first offer the reader supports.
    pub carrier: Carrier,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderStep {
    /// Send this command APDU and pass the response to [`Reader::on_response`].
    Send(Vec<u8>),
    /// The engagement is complete.
    Done(Box<Engagement>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start,
    SelectApp,
    SelectCc,
    ReadCc,
    SelectNdef,
    ReadNlen,
    ReadBody,
    Write,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Initial,
    AwaitingStatus,
    AwaitingSelect,
}

/// The reader's conversation with one tag.
#[derive(Debug)]
pub struct Reader {
    supported: Vec<Carrier>,
    collision_random: u16,
    step: Step,
    phase: Phase,
    commands: usize,
    empty_polls: usize,
    mle: usize,
    mlc: usize,
    ndef_file: [u8; 2],
    message: Vec<u8>,
    expected: usize,
    writes: VecDeque<Command>,
    handover_request: Option<Vec<u8>>,
}

impl Reader {
    /// A reader supporting `supported` carriers (its Handover Request offers them, in order),
    /// with a random `collision_random` for the collision resolution record.
    pub fn new(supported: Vec<Carrier>, collision_random: u16) -> Self {
        Reader {
            supported,
            collision_random,
            step: Step::Start,
            phase: Phase::Initial,
            commands: 0,
            empty_polls: 0,
            mle: 0,
            mlc: 0,
            ndef_file: [0; 2],
            message: Vec::new(),
            expected: 0,
            writes: VecDeque::new(),
            handover_request: None,
        }
    }

    /// The first command: SELECT the NDEF Tag Application.
    pub fn start(&mut self) -> Result<Vec<u8>, NfcError> {
        if self.step != Step::Start {
            return Err(NfcError::WrongState);
        }
        self.step = Step::SelectApp;
        Ok(self.send(Command::new(
            apdu::INS_SELECT,
            0x04,
            0x00,
            NDEF_AID.to_vec(),
            Some(256),
        )))
    }

    fn send(&mut self, command: Command) -> Vec<u8> {
        self.commands += 1;
        command.encode()
    }

    fn read(&mut self, offset: usize, len: usize) -> Result<ReaderStep, NfcError> {
        let offset = u16::try_from(offset).map_err(|_| NfcError::TooLarge)?;
        let [p1, p2] = offset.to_be_bytes();
        Ok(ReaderStep::Send(self.send(Command::new(
            apdu::INS_READ_BINARY,
            p1,
            p2,
            vec![],
            Some(len),
        ))))
    }

    /// Takes the tag's response to the last command.
    pub fn on_response(&mut self, response: &[u8]) -> Result<ReaderStep, NfcError> {
        let result = self.step_on(response);
        if result.is_err() {
            self.step = Step::Done;
        }
        result
    }

    fn step_on(&mut self, response: &[u8]) -> Result<ReaderStep, NfcError> {
        if self.commands >= MAX_COMMANDS {
            return Err(NfcError::TooManySteps);
        }
        let (data, sw) = apdu::parse_response(response)?;
        if sw != apdu::SW_OK {
            return Err(NfcError::Status(sw));
        }
        match self.step {
            Step::Start | Step::Done => Err(NfcError::WrongState),
            Step::SelectApp => {
                self.step = Step::SelectCc;
                Ok(ReaderStep::Send(self.send(Command::new(
                    apdu::INS_SELECT,
                    0,
                    0x0c,
                    CC_FILE.to_vec(),
                    None,
                ))))
            }
            Step::SelectCc => {
                self.step = Step::ReadCc;
                self.read(0, 15)
            }
            Step::ReadCc => {
                // CCLEN(2) version(1) MLe(2) MLc(2) then the NDEF File Control TLV (T=4, L=6).
                let Some(
                    &[
                        _,
                        _,
                        version,
                        le_hi,
                        le_lo,
                        lc_hi,
                        lc_lo,
                        0x04,
                        0x06,
                        f1,
                        f2,
                        ..,
                    ],
                ) = data.get(..15)
                else {
                    return Err(NfcError::Apdu("malformed capability container"));
                };
                if version >> 4 != 2 && version >> 4 != 3 {
                    return Err(NfcError::Apdu("unsupported mapping version"));
                }
                self.mle = usize::from(u16::from_be_bytes([le_hi, le_lo])).clamp(1, 255);
                self.mlc = usize::from(u16::from_be_bytes([lc_hi, lc_lo])).clamp(1, 255);
                self.ndef_file = [f1, f2];
                self.step = Step::SelectNdef;
                Ok(ReaderStep::Send(self.send(Command::new(
                    apdu::INS_SELECT,
                    0,
                    0x0c,
                    self.ndef_file.to_vec(),
                    None,
                ))))
            }
            Step::SelectNdef => {
                self.step = Step::ReadNlen;
                self.read(0, 2)
            }
            Step::ReadNlen => {
                let [hi, lo] =
                    <[u8; 2]>::try_from(data).map_err(|_| NfcError::Apdu("NLEN is two bytes"))?;
                let nlen = usize::from(u16::from_be_bytes([hi, lo]));
                if nlen == 0 {
                    self.empty_polls += 1;
                    if self.empty_polls > MAX_EMPTY_POLLS {
                        return Err(NfcError::TooManySteps);
                    }
                    return self.read(0, 2);
                }
                if nlen > MAX_MESSAGE_LEN {
                    return Err(NfcError::TooLarge);
                }
                self.empty_polls = 0;
                self.expected = nlen;
                self.message = Vec::with_capacity(nlen);
                self.step = Step::ReadBody;
                self.read(2, nlen.min(self.mle))
            }
            Step::ReadBody => {
                let wanted = (self.expected - self.message.len()).min(self.mle);
                if data.is_empty() || data.len() > wanted {
                    return Err(NfcError::Apdu("READ BINARY returned the wrong length"));
                }
                self.message.extend_from_slice(data);
                if self.message.len() < self.expected {
                    let left = (self.expected - self.message.len()).min(self.mle);
                    return self.read(2 + self.message.len(), left);
                }
                let message = std::mem::take(&mut self.message);
                self.on_message(message)
            }
            Step::Write => match self.writes.pop_front() {
                Some(command) => Ok(ReaderStep::Send(self.send(command))),
                None => {
                    self.step = Step::ReadNlen;
                    self.read(0, 2)
                }
            },
        }
    }

    fn on_message(&mut self, message: Vec<u8>) -> Result<ReaderStep, NfcError> {
        let records = ndef::parse(&message)?;
        let first = records.first().ok_or(NfcError::Ndef("empty message"))?;
        match self.phase {
            Phase::Initial if first.is(Tnf::WellKnown, b"Hs") => self.finish(message),
            Phase::Initial => {
                let offered = records
                    .iter()
                    .filter(|r| r.is(Tnf::WellKnown, b"Tp"))
                    .filter_map(|r| ServiceParameter::from_record(r).ok())
                    .any(|p| p.service == HANDOVER_SERVICE);
                if !offered {
                    return Err(NfcError::Handover(
                        "neither a Handover Select nor the handover service",
                    ));
                }
                self.phase = Phase::AwaitingStatus;
                self.write(&ndef::encode(&[tnep::service_select(HANDOVER_SERVICE)?])?)
            }
            Phase::AwaitingStatus => {
                if tnep::parse_status(first)? != tnep::STATUS_SUCCESS {
                    return Err(NfcError::Tnep("the tag refused the handover service"));
                }
                let request = self.handover_request()?;
                self.handover_request = Some(request.clone());
                self.phase = Phase::AwaitingSelect;
                self.write(&request)
            }
            Phase::AwaitingSelect => self.finish(message),
        }
    }

    /// The Handover Request offering the supported carriers (IDs "0", "1", …).
    pub fn handover_request(&self) -> Result<Vec<u8>, NfcError> {
        let mut records = Vec::new();
        let mut alternative_carriers = Vec::new();
        for (i, carrier) in self.supported.iter().enumerate() {
            let id = i.to_string().into_bytes();
            records.push(carrier.to_record(&id)?);
            alternative_carriers.push(AlternativeCarrier {
                power_state: PowerState::Active,
                carrier_data_reference: id,
                auxiliary_data_references: Vec::new(),
            });
        }
        HandoverMessage {
            kind: Kind::Request,
            version: VERSION_1_5,
            collision_resolution: Some(self.collision_random),
            alternative_carriers,
            records,
        }
        .encode()
    }

    /// Queues the T4T write procedure for `message`: NLEN 0, the message, then NLEN.
    fn write(&mut self, message: &[u8]) -> Result<ReaderStep, NfcError> {
        let nlen = u16::try_from(message.len()).map_err(|_| NfcError::TooLarge)?;
        let update = |offset: usize, data: &[u8]| {
            let [p1, p2] = u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes();
            Command::new(apdu::INS_UPDATE_BINARY, p1, p2, data.to_vec(), None)
        };
        self.writes.clear();
        self.writes.push_back(update(0, &[0, 0]));
        for (i, chunk) in message.chunks(self.mlc).enumerate() {
            self.writes.push_back(update(2 + i * self.mlc, chunk));
        }
        self.writes.push_back(update(0, &nlen.to_be_bytes()));
        self.step = Step::Write;
        match self.writes.pop_front() {
            Some(command) => Ok(ReaderStep::Send(self.send(command))),
            None => Err(NfcError::WrongState),
        }
    }

    fn finish(&mut self, handover_select: Vec<u8>) -> Result<ReaderStep, NfcError> {
        let select = HandoverMessage::parse(&handover_select)?;
        if select.kind != Kind::Select {
            return Err(NfcError::Handover("expected a Handover Select"));
        }
        let device_engagement = select
            .device_engagement()
            .ok_or(NfcError::Handover("no DeviceEngagement record"))?
            .to_vec();
        let carrier = select
            .carriers()
            .into_iter()
            .map(|(_, c)| c)
            .find(|c| self.supported.iter().any(|s| s.same_kind(c)))
            .ok_or(NfcError::NoCommonCarrier)?;
        self.step = Step::Done;
        Ok(ReaderStep::Done(Box::new(Engagement {
            handover_select,
            handover_request: self.handover_request.take(),
            device_engagement,
            carrier,
        })))
    }
}
