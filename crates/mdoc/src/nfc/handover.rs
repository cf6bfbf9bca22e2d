//! Handover Request and Handover Select messages (NFC Forum Connection Handover 1.5), as ISO/IEC
//! 18013-5 §8.2.2 uses them for NFC engagement.
//!
//! A handover message is one `Hr` / `Hs` record, whose payload is the version byte and an
//! embedded NDEF message of alternative carrier (`ac`) records (led, in a request, by the
//! collision resolution record `cr`), followed by the carrier configuration records and
//! auxiliary records the `ac` records reference by ID.

use super::NfcError;
use super::carrier::{Carrier, DEVICE_ENGAGEMENT_ID, DEVICE_ENGAGEMENT_TYPE};
use super::ndef::{self, Record, Tnf};

/// Connection Handover version 1.5.
pub const VERSION_1_5: u8 = 0x15;
/// Most alternative carriers in one message.
pub const MAX_CARRIERS: usize = 8;

/// Which handover message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Hr`, from the reader in negotiated handover.
    Request,
    /// `Hs`, from the mdoc.
    Select,
}

impl Kind {
    fn record_type(self) -> &'static [u8] {
        match self {
            Kind::Request => b"Hr",
            Kind::Select => b"Hs",
        }
    }
}

/// Carrier power state of an alternative carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// 0: inactive.
    Inactive,
    /// 1: active.
    Active,
    /// 2: activating.
    Activating,
    /// 3: unknown.
    Unknown,
}

impl PowerState {
    fn code(self) -> u8 {
        match self {
            PowerState::Inactive => 0,
            PowerState::Active => 1,
            PowerState::Activating => 2,
            PowerState::Unknown => 3,
        }
    }

    fn from_code(code: u8) -> Self {
        match code & 0x03 {
            0 => PowerState::Inactive,
            1 => PowerState::Active,
            2 => PowerState::Activating,
            _ => PowerState::Unknown,
        }
    }
}

/// An alternative carrier record: which carrier configuration record (by ID) and which
/// auxiliary records (by ID) belong to one offered carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlternativeCarrier {
    /// The carrier power state.
    pub power_state: PowerState,
    /// The ID of the carrier configuration record.
    pub carrier_data_reference: Vec<u8>,
    /// IDs of auxiliary records (the DeviceEngagement record, "mdoc", in a Handover Select).
    pub auxiliary_data_references: Vec<Vec<u8>>,
}

impl AlternativeCarrier {
    fn encode(&self) -> Result<Vec<u8>, NfcError> {
        let too_long = || NfcError::Handover("reference too long");
        let mut out = vec![self.power_state.code()];
        out.push(u8::try_from(self.carrier_data_reference.len()).map_err(|_| too_long())?);
        out.extend_from_slice(&self.carrier_data_reference);
        out.push(u8::try_from(self.auxiliary_data_references.len()).map_err(|_| too_long())?);
        for aux in &self.auxiliary_data_references {
            out.push(u8::try_from(aux.len()).map_err(|_| too_long())?);
            out.extend_from_slice(aux);
        }
        Ok(out)
    }

    fn parse(payload: &[u8]) -> Result<Self, NfcError> {
        let bad = || NfcError::Handover("malformed alternative carrier record");
        let (&cps, rest) = payload.split_first().ok_or_else(bad)?;
        let (reference, rest) = length_prefixed(rest).ok_or_else(bad)?;
        let (&count, mut rest) = rest.split_first().ok_or_else(bad)?;
        let mut auxiliary_data_references = Vec::new();
        for _ in 0..count {
            let (aux, tail) = length_prefixed(rest).ok_or_else(bad)?;
            auxiliary_data_references.push(aux.to_vec());
            rest = tail;
        }
        // Reserved bytes after the references are allowed by the format and ignored.
        Ok(AlternativeCarrier {
            power_state: PowerState::from_code(cps),
            carrier_data_reference: reference.to_vec(),
            auxiliary_data_references,
        })
    }
}

fn length_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = bytes.split_first()?;
    let len = usize::from(len);
    (len <= rest.len()).then(|| rest.split_at(len))
}

/// A Handover Request or Handover Select message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverMessage {
    /// Request or select.
    pub kind: Kind,
    /// The version byte (major in the high nibble); 0x15 when produced here.
    pub version: u8,
    /// The collision resolution random number (requests only).
    pub collision_resolution: Option<u16>,
    /// The alternative carriers, in order of preference.
    pub alternative_carriers: Vec<AlternativeCarrier>,
    /// The records after the handover record: carrier configurations and auxiliary records.
    pub records: Vec<Record>,
}

impl HandoverMessage {
    /// Encodes the message.
    pub fn encode(&self) -> Result<Vec<u8>, NfcError> {
        let mut embedded = Vec::new();
        if let Some(random) = self.collision_resolution {
            embedded.push(Record::new(
                Tnf::WellKnown,
                b"cr",
                b"",
                random.to_be_bytes().to_vec(),
            ));
        }
        for ac in &self.alternative_carriers {
            embedded.push(Record::new(Tnf::WellKnown, b"ac", b"", ac.encode()?));
        }
        let mut payload = vec![self.version];
        if !embedded.is_empty() {
            payload.extend(ndef::encode(&embedded)?);
        }
        let mut records = vec![Record::new(
            Tnf::WellKnown,
            self.kind.record_type(),
            b"",
            payload,
        )];
        records.extend(self.records.iter().cloned());
        ndef::encode(&records)
    }

    /// Parses a handover message of either kind.
    pub fn parse(bytes: &[u8]) -> Result<Self, NfcError> {
        let mut records = ndef::parse(bytes)?;
        let first = records.first().ok_or(NfcError::Handover("empty message"))?;
        let kind = if first.is(Tnf::WellKnown, b"Hs") {
            Kind::Select
        } else if first.is(Tnf::WellKnown, b"Hr") {
            Kind::Request
        } else {
            return Err(NfcError::Handover("not a handover message"));
        };
        let handover = records.remove(0);
        let (&version, embedded) = handover
            .payload
            .split_first()
            .ok_or(NfcError::Handover("no version"))?;
        if version >> 4 != 1 {
            return Err(NfcError::Handover("unsupported major version"));
        }
        let mut collision_resolution = None;
        let mut alternative_carriers = Vec::new();
        let inner = if embedded.is_empty() {
            Vec::new()
        } else {
            ndef::parse(embedded)?
        };
        for r in &inner {
            if r.is(Tnf::WellKnown, b"cr") {
                let random: [u8; 2] = r
                    .payload
                    .as_slice()
                    .try_into()
                    .map_err(|_| NfcError::Handover("malformed collision resolution record"))?;
                collision_resolution = Some(u16::from_be_bytes(random));
            } else if r.is(Tnf::WellKnown, b"ac") {
                if alternative_carriers.len() == MAX_CARRIERS {
                    return Err(NfcError::Handover("too many alternative carriers"));
                }
                alternative_carriers.push(AlternativeCarrier::parse(&r.payload)?);
            }
            // Other embedded records (e.g. an error record) are not used by ISO 18013-5.
        }
        if kind == Kind::Request && collision_resolution.is_none() {
            return Err(NfcError::Handover(
                "request without a collision resolution record",
            ));
        }
        Ok(HandoverMessage {
            kind,
            version,
            collision_resolution,
            alternative_carriers,
            records,
        })
    }

    /// The record with `id`, if any.
    pub fn record(&self, id: &[u8]) -> Option<&Record> {
        self.records.iter().find(|r| r.id == id)
    }

    /// Each alternative carrier with its parsed configuration (carriers whose record is
    /// missing or of an unknown type are skipped).
    pub fn carriers(&self) -> Vec<(&AlternativeCarrier, Carrier)> {
        self.alternative_carriers
            .iter()
            .filter_map(|ac| {
                let record = self.record(&ac.carrier_data_reference)?;
                Some((ac, Carrier::from_record(record).ok()??))
            })
            .collect()
    }

    /// The DeviceEngagement record's payload (a Handover Select's engagement), if present.
    pub fn device_engagement(&self) -> Option<&[u8]> {
        self.records
            .iter()
            .find(|r| r.is(Tnf::External, DEVICE_ENGAGEMENT_TYPE) && r.id == DEVICE_ENGAGEMENT_ID)
            .map(|r| r.payload.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_handover_messages_are_refused() {
        let t = |records: Vec<Record>| HandoverMessage::parse(&ndef::encode(&records).unwrap());
        assert!(t(vec![Record::new(Tnf::WellKnown, b"T", b"", vec![0x15])]).is_err());
        assert!(t(vec![Record::new(Tnf::WellKnown, b"Hs", b"", vec![])]).is_err());
        assert!(t(vec![Record::new(Tnf::WellKnown, b"Hs", b"", vec![0x25])]).is_err());
        assert!(
            t(vec![Record::new(
                Tnf::WellKnown,
                b"Hs",
                b"",
                vec![0x15, 0xd1]
            )])
            .is_err()
        );
        // A request must carry a collision resolution record.
        assert!(t(vec![Record::new(Tnf::WellKnown, b"Hr", b"", vec![0x15])]).is_err());
        let ac = |payload: Vec<u8>| {
            let inner = ndef::encode(&[Record::new(Tnf::WellKnown, b"ac", b"", payload)]).unwrap();
            t(vec![Record::new(
                Tnf::WellKnown,
                b"Hs",
                b"",
                [vec![0x15], inner].concat(),
            )])
        };
        assert!(ac(vec![]).is_err());
        assert!(ac(vec![1, 5, b'0']).is_err());
        assert!(ac(vec![1, 1, b'0']).is_err());
        assert!(ac(vec![1, 1, b'0', 2, 1, b'a']).is_err());
        assert!(ac(vec![1, 1, b'0', 0]).is_ok());
        assert!(HandoverMessage::parse(&[]).is_err());
    }
}
