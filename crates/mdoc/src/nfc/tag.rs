//! The wallet as an NFC Forum Type 4 Tag: the APDU state machine for static and negotiated
//! (TNEP) handover.
//!
//! The app's `HostApduService` hands every command APDU to [`Tag::process_apdu`] and sends back
//! the response. Every input is bounded: commands per conversation, write image size, message
//! size; after any failure the tag answers `6F00` to everything.

use super::NfcError;
use super::apdu::{self, Command};
use super::carrier::{Carrier, DEVICE_ENGAGEMENT_ID, device_engagement_record};
use super::handover::{AlternativeCarrier, HandoverMessage, Kind, PowerState, VERSION_1_5};
use super::ndef::{self, MAX_MESSAGE_LEN};
use super::tnep::{self, HANDOVER_SERVICE, ServiceParameter, TNEP_VERSION};

/// The NDEF Tag Application's AID.
pub const NDEF_AID: [u8; 7] = [0xd2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01];
/// The capability container file.
pub const CC_FILE: [u8; 2] = [0xe1, 0x03];
/// The NDEF file.
pub const NDEF_FILE: [u8; 2] = [0xe1, 0x04];
/// Most command APDUs one conversation may take.
pub const MAX_COMMANDS: usize = 512;
/// Largest response data per READ BINARY (MLe) and command data per UPDATE BINARY (MLc).
pub const MAX_DATA: u16 = 0xff;

/// Static (read-only Handover Select) or negotiated (TNEP) handover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The NDEF file holds the Handover Select.
    Static,
    /// The NDEF file advertises the handover service; the reader writes a Handover Request.
    Negotiated,
}

/// What the tag's conversation led to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagEvent {
    /// The reader has read the whole Handover Select: start the session on the chosen carrier
    /// with this SessionTranscript handover.
    HandoverComplete {
        /// The Handover Select message sent.
        handover_select: Vec<u8>,
        /// The Handover Request received (negotiated handover).
        handover_request: Option<Vec<u8>>,
        /// The carriers the Handover Select offered.
        carriers: Vec<Carrier>,
    },
    /// The conversation failed and has ended.
    Failed(NfcError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    None,
    Cc,
    Ndef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingServiceSelect,
    AwaitingRequest,
    Selected,
    Complete,
    Failed,
}

/// The Type 4 Tag.
#[derive(Debug)]
pub struct Tag {
    engagement: Vec<u8>,
    offered: Vec<Carrier>,
    mode: Mode,
    app_selected: bool,
    file: File,
    ndef: Vec<u8>,
    image: Vec<u8>,
    phase: Phase,
    commands: usize,
    handover_request: Option<Vec<u8>>,
    selected: Vec<Carrier>,
}

fn with_nlen(message: &[u8]) -> Vec<u8> {
    let mut file = u16::try_from(message.len())
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    file.extend_from_slice(message);
    file
}

/// The Handover Select offering `carriers` (IDs "0", "1", …) with the DeviceEngagement record.
pub fn handover_select(engagement: &[u8], carriers: &[Carrier]) -> Result<Vec<u8>, NfcError> {
    let mut records = Vec::new();
    let mut alternative_carriers = Vec::new();
    for (i, carrier) in carriers.iter().enumerate() {
        let id = i.to_string().into_bytes();
        records.push(carrier.to_record(&id)?);
        alternative_carriers.push(AlternativeCarrier {
            power_state: PowerState::Active,
            carrier_data_reference: id,
            auxiliary_data_references: vec![DEVICE_ENGAGEMENT_ID.to_vec()],
        });
    }
    records.push(device_engagement_record(engagement));
    HandoverMessage {
        kind: Kind::Select,
        version: VERSION_1_5,
        collision_resolution: None,
        alternative_carriers,
        records,
    }
    .encode()
}

impl Tag {
    /// A tag offering `carriers` for DeviceEngagementBytes' content `engagement`.
    pub fn new(engagement: &[u8], carriers: Vec<Carrier>, mode: Mode) -> Result<Self, NfcError> {
        if carriers.is_empty() {
            return Err(NfcError::NoCommonCarrier);
        }
        let (ndef, phase) = match mode {
            Mode::Static => (
                with_nlen(&handover_select(engagement, &carriers)?),
                Phase::Selected,
            ),
            Mode::Negotiated => {
                let parameter = ServiceParameter {
                    version: TNEP_VERSION,
                    service: HANDOVER_SERVICE.to_vec(),
                    mode: 0,
                    wait_time: 0,
                    wait_extensions: 0,
                    max_message_size: MAX_MESSAGE_LEN as u16,
                };
                (
                    with_nlen(&ndef::encode(&[parameter.to_record()?])?),
                    Phase::AwaitingServiceSelect,
                )
            }
        };
        Ok(Tag {
            engagement: engagement.to_vec(),
            selected: if mode == Mode::Static {
                carriers.clone()
            } else {
                Vec::new()
            },
            offered: carriers,
            mode,
            app_selected: false,
            file: File::None,
            ndef,
            image: Vec::new(),
            phase,
            commands: 0,
            handover_request: None,
        })
    }

    fn capability_container(&self) -> Vec<u8> {
        let max = (MAX_MESSAGE_LEN + 2) as u16;
        let write = if self.mode == Mode::Static {
            0xff
        } else {
            0x00
        };
        let mut cc = vec![0x00, 0x0f, 0x20];
        cc.extend_from_slice(&MAX_DATA.to_be_bytes());
        cc.extend_from_slice(&MAX_DATA.to_be_bytes());
        cc.extend_from_slice(&[0x04, 0x06]);
        cc.extend_from_slice(&NDEF_FILE);
        cc.extend_from_slice(&max.to_be_bytes());
        cc.extend_from_slice(&[0x00, write]);
        cc
    }

    /// Answers one command APDU; the event, if any, is what the conversation led to.
    pub fn process_apdu(&mut self, command: &[u8]) -> (Vec<u8>, Option<TagEvent>) {
        if self.phase == Phase::Failed {
            return (apdu::response(&[], apdu::SW_UNKNOWN), None);
        }
        self.commands += 1;
        let result = if self.commands > MAX_COMMANDS {
            Err(NfcError::TooManySteps)
        } else {
            self.handle(command)
        };
        match result {
            Ok((response, event)) => (response, event),
            Err(error) => {
                self.phase = Phase::Failed;
                (
                    apdu::response(&[], apdu::SW_UNKNOWN),
                    Some(TagEvent::Failed(error)),
                )
            }
        }
    }

    fn handle(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, Option<TagEvent>), NfcError> {
        let sw = |sw| Ok((apdu::response(&[], sw), None));
        let Ok(c) = Command::parse(bytes) else {
            return sw(apdu::SW_WRONG_LENGTH);
        };
        if c.cla != 0 {
            return sw(apdu::SW_CLA_NOT_SUPPORTED);
        }
        match c.ins {
            apdu::INS_SELECT => match (c.p1, c.p2) {
                (0x04, 0x00) => {
                    if c.data == NDEF_AID {
                        self.app_selected = true;
                        self.file = File::None;
                        sw(apdu::SW_OK)
                    } else {
                        self.app_selected = false;
                        sw(apdu::SW_NOT_FOUND)
                    }
                }
                (0x00, 0x0c) if self.app_selected => {
                    self.file = if c.data == CC_FILE {
                        File::Cc
                    } else if c.data == NDEF_FILE {
                        File::Ndef
                    } else {
                        return sw(apdu::SW_NOT_FOUND);
                    };
                    sw(apdu::SW_OK)
                }
                (0x00, 0x0c) => sw(apdu::SW_NOT_ALLOWED),
                _ => sw(apdu::SW_WRONG_P1P2),
            },
            apdu::INS_READ_BINARY => self.read(&c),
            apdu::INS_UPDATE_BINARY => self.update(&c),
            _ => sw(apdu::SW_INS_NOT_SUPPORTED),
        }
    }

    fn read(&mut self, c: &Command) -> Result<(Vec<u8>, Option<TagEvent>), NfcError> {
        let file = match self.file {
            File::Cc => self.capability_container(),
            File::Ndef => self.ndef.clone(),
            File::None => return Ok((apdu::response(&[], apdu::SW_NOT_ALLOWED), None)),
        };
        let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
        if c.p1 & 0x80 != 0 || offset > file.len() {
            return Ok((apdu::response(&[], apdu::SW_WRONG_OFFSET), None));
        }
        let len = c.le.unwrap_or(0).min(usize::from(MAX_DATA));
        let end = (offset + len).min(file.len());
        let data = file.get(offset..end).unwrap_or_default();
        let mut event = None;
        if self.file == File::Ndef
            && self.phase == Phase::Selected
            && end == file.len()
            && file.len() > 2
        {
            self.phase = Phase::Complete;
            event = Some(TagEvent::HandoverComplete {
                handover_select: file.get(2..).unwrap_or_default().to_vec(),
                handover_request: self.handover_request.clone(),
                carriers: self.selected.clone(),
            });
        }
        Ok((apdu::response(data, apdu::SW_OK), event))
    }

    fn update(&mut self, c: &Command) -> Result<(Vec<u8>, Option<TagEvent>), NfcError> {
        let sw = |sw| Ok((apdu::response(&[], sw), None));
        if self.file != File::Ndef || self.mode == Mode::Static {
            return sw(apdu::SW_NOT_ALLOWED);
        }
        let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
        let end = offset + c.data.len();
        if c.p1 & 0x80 != 0 || end > MAX_MESSAGE_LEN + 2 || c.data.is_empty() {
            return sw(apdu::SW_WRONG_OFFSET);
        }
        if self.image.len() < end {
            self.image.resize(end, 0);
        }
        if let Some(target) = self.image.get_mut(offset..end) {
            target.copy_from_slice(&c.data);
        }
        if offset >= 2 {
            return sw(apdu::SW_OK);
        }
        // The write touched NLEN: 0 starts a write, a length ends it.
        let nlen = match self.image.get(..2) {
            Some([hi, lo]) => usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => return sw(apdu::SW_OK),
        };
        if nlen == 0 {
            self.ndef = vec![0, 0];
            return sw(apdu::SW_OK);
        }
        let message = self
            .image
            .get(2..2 + nlen)
            .ok_or(NfcError::Ndef("NLEN beyond the written bytes"))?
            .to_vec();
        self.image.clear();
        self.ndef = with_nlen(&self.receive(&message)?);
        sw(apdu::SW_OK)
    }

    fn receive(&mut self, message: &[u8]) -> Result<Vec<u8>, NfcError> {
        match self.phase {
            Phase::AwaitingServiceSelect => {
                let records = ndef::parse(message)?;
                let service = records
                    .first()
                    .ok_or(NfcError::Tnep("no service select record"))
                    .and_then(tnep::parse_service_select)?;
                if service != HANDOVER_SERVICE {
                    return Err(NfcError::Tnep("unknown service selected"));
                }
                self.phase = Phase::AwaitingRequest;
                ndef::encode(&[tnep::status(tnep::STATUS_SUCCESS)])
            }
            Phase::AwaitingRequest => {
                let request = HandoverMessage::parse(message)?;
                if request.kind != Kind::Request {
                    return Err(NfcError::Handover("expected a Handover Request"));
                }
                let wanted: Vec<Carrier> = request.carriers().into_iter().map(|(_, c)| c).collect();
                let chosen: Vec<Carrier> = self
                    .offered
                    .iter()
                    .filter(|o| wanted.iter().any(|w| w.same_kind(o)))
                    .cloned()
                    .collect();
                if chosen.is_empty() {
                    return Err(NfcError::NoCommonCarrier);
                }
                let select = handover_select(&self.engagement, &chosen)?;
                self.selected = chosen;
                self.handover_request = Some(message.to_vec());
                self.phase = Phase::Selected;
                Ok(select)
            }
            _ => Err(NfcError::WrongState),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::carrier::BleOob;
    use super::super::reader::{Reader, ReaderStep};
    use super::*;

    fn ble() -> Carrier {
        Carrier::Ble(
            BleOob::default()
                .with_role(super::super::carrier::LeRole::PeripheralOnly)
                .with_uuid([7; 16]),
        )
    }

    fn converse(
        tag: &mut Tag,
        reader: &mut Reader,
    ) -> (super::super::reader::Engagement, TagEvent, usize) {
        let mut command = reader.start().unwrap();
        let mut event = None;
        for n in 0..MAX_COMMANDS {
            let (response, e) = tag.process_apdu(&command);
            if let Some(e) = e {
                assert!(event.replace(e).is_none(), "one event");
            }
            match reader.on_response(&response).unwrap() {
                ReaderStep::Send(next) => command = next,
                ReaderStep::Done(engagement) => return (*engagement, event.unwrap(), n + 1),
            }
        }
        panic!("no end");
    }

    #[test]
    fn static_handover_end_to_end() {
        let engagement = vec![0xa2; 300];
        let mut tag = Tag::new(&engagement, vec![ble()], Mode::Static).unwrap();
        let mut reader = Reader::new(vec![ble()], 0x1234);
        let (done, event, _) = converse(&mut tag, &mut reader);
        assert_eq!(done.device_engagement, engagement);
        assert_eq!(done.handover_request, None);
        assert_eq!(done.carrier, ble());
        let TagEvent::HandoverComplete {
            handover_select,
            handover_request,
            ..
        } = event
        else {
            panic!()
        };
        assert_eq!(handover_select, done.handover_select);
        assert_eq!(handover_request, None);
    }

    #[test]
    fn negotiated_handover_end_to_end_picks_the_common_carrier() {
        let engagement = vec![0xa2; 40];
        let offered = vec![Carrier::WifiAware(vec![1]), ble()];
        let mut tag = Tag::new(&engagement, offered, Mode::Negotiated).unwrap();
        let mut reader = Reader::new(vec![Carrier::Nfc(vec![1]), ble()], 0x0102);
        let (done, event, _) = converse(&mut tag, &mut reader);
        assert_eq!(done.carrier, ble());
        let request = done.handover_request.clone().unwrap();
        assert_eq!(
            HandoverMessage::parse(&request).unwrap().kind,
            Kind::Request
        );
        let TagEvent::HandoverComplete {
            handover_select,
            handover_request,
            carriers,
        } = event
        else {
            panic!()
        };
        assert_eq!(handover_select, done.handover_select);
        assert_eq!(handover_request, Some(request));
        assert_eq!(carriers, vec![ble()]);
    }

    #[test]
    fn no_common_carrier_fails_the_tag_and_it_stays_failed() {
        let mut tag = Tag::new(&[1], vec![ble()], Mode::Negotiated).unwrap();
        let mut reader = Reader::new(vec![Carrier::Nfc(vec![1])], 1);
        let mut command = reader.start().unwrap();
        loop {
            let (response, event) = tag.process_apdu(&command);
            if let Some(TagEvent::Failed(e)) = event {
                assert_eq!(e, NfcError::NoCommonCarrier);
                assert_eq!(
                    reader.on_response(&response),
                    Err(NfcError::Status(apdu::SW_UNKNOWN))
                );
                break;
            }
            let ReaderStep::Send(next) = reader.on_response(&response).unwrap() else {
                panic!()
            };
            command = next;
        }
        assert_eq!(tag.process_apdu(&command).0, [0x6f, 0x00]);
    }

    #[test]
    fn a_reader_polling_an_empty_ndef_file_gives_up() {
        // A peer whose NDEF file always reads NLEN = 0 (a TNEP status never written).
        let mut reader = Reader::new(vec![ble()], 1);
        reader.start().unwrap();
        let ok = apdu::response(&[], apdu::SW_OK);
        let mut cc = vec![
            0, 0x0f, 0x20, 0, 0xff, 0, 0xff, 4, 6, 0xe1, 4, 0x7f, 0xff, 0, 0,
        ];
        reader.on_response(&ok).unwrap();
        reader.on_response(&ok).unwrap();
        cc.extend_from_slice(&[0x90, 0]);
        reader.on_response(&cc).unwrap();
        reader.on_response(&ok).unwrap();
        let empty = apdu::response(&[0, 0], apdu::SW_OK);
        let mut result = Ok(ReaderStep::Send(vec![]));
        for _ in 0..100 {
            result = reader.on_response(&empty);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(NfcError::TooManySteps));
        assert_eq!(reader.on_response(&empty), Err(NfcError::WrongState));
    }

    #[test]
    fn the_tag_bounds_its_commands_and_answers_bad_apdus() {
        let mut tag = Tag::new(&[1], vec![ble()], Mode::Static).unwrap();
        assert_eq!(tag.process_apdu(&[]).0, [0x67, 0x00]);
        assert_eq!(tag.process_apdu(&[0x80, 0xa4, 4, 0]).0, [0x6e, 0x00]);
        assert_eq!(tag.process_apdu(&[0, 0xa4, 4, 0, 2, 1, 2]).0, [0x6a, 0x82]);
        assert_eq!(
            tag.process_apdu(&[0, 0xa4, 0, 0x0c, 2, 0xe1, 0x03]).0,
            [0x69, 0x86]
        );
        assert_eq!(tag.process_apdu(&[0, 0xb0, 0, 0, 1]).0, [0x69, 0x86]);
        assert_eq!(tag.process_apdu(&[0, 0x12, 0, 0]).0, [0x6d, 0x00]);
        let select = Command::new(apdu::INS_SELECT, 4, 0, NDEF_AID.to_vec(), None).encode();
        assert_eq!(tag.process_apdu(&select).0, [0x90, 0x00]);
        let ndef = Command::new(apdu::INS_SELECT, 0, 0x0c, NDEF_FILE.to_vec(), None).encode();
        assert_eq!(tag.process_apdu(&ndef).0, [0x90, 0x00]);
        assert_eq!(tag.process_apdu(&[0, 0xb0, 0x7f, 0xff, 1]).0, [0x6b, 0x00]);
        assert_eq!(
            tag.process_apdu(&[0, 0xd6, 0, 0, 2, 0, 0]).0,
            [0x69, 0x86],
            "static tag is read-only"
        );
        let mut failed = None;
        for _ in 0..MAX_COMMANDS {
            if let (_, Some(TagEvent::Failed(e))) = tag.process_apdu(&[0, 0xb0, 0, 0, 2]) {
                failed = Some(e);
                break;
            }
        }
        assert_eq!(failed, Some(NfcError::TooManySteps));
    }

    #[test]
    fn negotiated_tag_refuses_garbage_writes() {
        let mut tag = Tag::new(&[1], vec![ble()], Mode::Negotiated).unwrap();
        for c in [
            Command::new(apdu::INS_SELECT, 4, 0, NDEF_AID.to_vec(), None),
            Command::new(apdu::INS_SELECT, 0, 0x0c, NDEF_FILE.to_vec(), None),
        ] {
            tag.process_apdu(&c.encode());
        }
        assert_eq!(tag.process_apdu(&[0, 0xd6, 0x80, 0, 1, 0]).0, [0x6b, 0x00]);
        // NLEN announcing more than was written.
        let (r, e) = tag.process_apdu(&[0, 0xd6, 0, 0, 2, 0, 9]);
        assert_eq!(r, [0x6f, 0x00]);
        assert!(matches!(e, Some(TagEvent::Failed(NfcError::Ndef(_)))));
    }
}
