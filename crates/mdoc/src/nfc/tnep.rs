//! TNEP (NFC Forum Tag NDEF Exchange Protocol 1.0) records for negotiated handover: the tag's
//! Service Parameter record, the reader's Service Select record and the tag's Status record.

use super::NfcError;
use super::ndef::{Record, Tnf};

/// The service ISO/IEC 18013-5 negotiated handover selects.
pub const HANDOVER_SERVICE: &[u8] = b"urn:nfc:sn:handover";
/// TNEP version 1.0.
pub const TNEP_VERSION: u8 = 0x10;

/// A Service Parameter record (`Tp`), advertised in the tag's initial NDEF message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceParameter {
    /// TNEP version (0x10).
    pub version: u8,
    /// The service name URI.
    pub service: Vec<u8>,
    /// Communication mode (0: single response).
    pub mode: u8,
    /// Minimum waiting time, encoded (t_wait = 2^(wt/4 - 1) ms).
    pub wait_time: u8,
    /// Maximum number of waiting time extensions.
    pub wait_extensions: u8,
    /// Largest NDEF message the service accepts.
    pub max_message_size: u16,
}

impl ServiceParameter {
    /// The record.
    pub fn to_record(&self) -> Result<Record, NfcError> {
        let len = u8::try_from(self.service.len()).map_err(|_| NfcError::Tnep("URI too long"))?;
        let mut p = vec![self.version, len];
        p.extend_from_slice(&self.service);
        p.extend_from_slice(&[self.mode, self.wait_time, self.wait_extensions]);
        p.extend_from_slice(&self.max_message_size.to_be_bytes());
        Ok(Record::new(Tnf::WellKnown, b"Tp", b"", p))
    }

    /// Parses a `Tp` record.
    pub fn from_record(record: &Record) -> Result<Self, NfcError> {
        let bad = NfcError::Tnep("malformed service parameter record");
        if !record.is(Tnf::WellKnown, b"Tp") {
            return Err(bad);
        }
        let (&version, rest) = record.payload.split_first().ok_or(bad.clone())?;
        let (&len, rest) = rest.split_first().ok_or(bad.clone())?;
        let len = usize::from(len);
        if rest.len() != len + 5 {
            return Err(bad);
        }
        let (service, tail) = rest.split_at(len);
        let [mode, wait_time, wait_extensions, hi, lo] =
            <[u8; 5]>::try_from(tail).map_err(|_| bad)?;
        Ok(ServiceParameter {
            version,
            service: service.to_vec(),
            mode,
            wait_time,
            wait_extensions,
            max_message_size: u16::from_be_bytes([hi, lo]),
        })
    }
}

/// A Service Select record (`Ts`) naming `service`.
pub fn service_select(service: &[u8]) -> Result<Record, NfcError> {
    let len = u8::try_from(service.len()).map_err(|_| NfcError::Tnep("URI too long"))?;
    let mut p = vec![len];
    p.extend_from_slice(service);
    Ok(Record::new(Tnf::WellKnown, b"Ts", b"", p))
}

/// The service a `Ts` record selects.
pub fn parse_service_select(record: &Record) -> Result<&[u8], NfcError> {
    let bad = NfcError::Tnep("malformed service select record");
    if !record.is(Tnf::WellKnown, b"Ts") {
        return Err(bad);
    }
    match record.payload.split_first() {
        Some((&len, uri)) if usize::from(len) == uri.len() => Ok(uri),
        _ => Err(bad),
    }
}

/// TNEP status: success.
pub const STATUS_SUCCESS: u8 = 0x00;
/// TNEP status: protocol error.
pub const STATUS_PROTOCOL_ERROR: u8 = 0x01;

/// A Status record (`Te`).
pub fn status(code: u8) -> Record {
    Record::new(Tnf::WellKnown, b"Te", b"", vec![code])
}

/// The code of a `Te` record.
pub fn parse_status(record: &Record) -> Result<u8, NfcError> {
    match (record.is(Tnf::WellKnown, b"Te"), record.payload.as_slice()) {
        (true, [code]) => Ok(*code),
        _ => Err(NfcError::Tnep("malformed status record")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_bad_ones_are_refused() {
        let sp = ServiceParameter {
            version: TNEP_VERSION,
            service: HANDOVER_SERVICE.to_vec(),
            mode: 0,
            wait_time: 0,
            wait_extensions: 15,
            max_message_size: 0xffff,
        };
        let record = sp.to_record().unwrap();
        assert_eq!(record.payload.len(), 2 + 19 + 5);
        assert_eq!(ServiceParameter::from_record(&record).unwrap(), sp);
        let mut short = record.clone();
        short.payload.pop();
        assert!(ServiceParameter::from_record(&short).is_err());
        let mut long = record.clone();
        long.payload.push(0);
        assert!(ServiceParameter::from_record(&long).is_err());
        assert!(ServiceParameter::from_record(&status(0)).is_err());

        let ts = service_select(HANDOVER_SERVICE).unwrap();
        assert_eq!(parse_service_select(&ts).unwrap(), HANDOVER_SERVICE);
        let mut bad = ts.clone();
        bad.payload[0] = 3;
        assert!(parse_service_select(&bad).is_err());
        assert_eq!(parse_status(&status(STATUS_SUCCESS)).unwrap(), 0);
        assert!(parse_status(&Record::new(Tnf::WellKnown, b"Te", b"", vec![])).is_err());
        assert!(parse_status(&ts).is_err());
    }
}
