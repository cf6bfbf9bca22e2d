//! NDEF messages and records (NFC Forum NDEF 1.0): a bounded parser and an encoder.
//!
//! Chunked records (CF) are refused: no handover message ISO/IEC 18013-5 uses needs them, and
//! refusing them keeps every record's bytes contiguous.

use super::NfcError;

/// Largest NDEF message accepted or produced (the Type 4 Tag NDEF file's NLEN is 2 bytes).
pub const MAX_MESSAGE_LEN: usize = 0x7ffd;
/// Most records in one message (handover messages have well under ten).
pub const MAX_RECORDS: usize = 32;

const MB: u8 = 0x80;
const ME: u8 = 0x40;
const CF: u8 = 0x20;
const SR: u8 = 0x10;
const IL: u8 = 0x08;

/// Type Name Format: how a record's type is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tnf {
    /// 0: empty record (no type, ID or payload).
    Empty,
    /// 1: NFC Forum well-known type ("Hs", "ac", "Tp").
    WellKnown,
    /// 2: media type (RFC 2046), e.g. `application/vnd.bluetooth.le.oob`.
    Media,
    /// 3: absolute URI.
    AbsoluteUri,
    /// 4: NFC Forum external type, e.g. `iso.org:18013:deviceengagement`.
    External,
    /// 5: unknown type.
    Unknown,
}

impl Tnf {
    fn code(self) -> u8 {
        match self {
            Tnf::Empty => 0,
            Tnf::WellKnown => 1,
            Tnf::Media => 2,
            Tnf::AbsoluteUri => 3,
            Tnf::External => 4,
            Tnf::Unknown => 5,
        }
    }

    fn from_code(code: u8) -> Result<Self, NfcError> {
        Ok(match code {
            0 => Tnf::Empty,
            1 => Tnf::WellKnown,
            2 => Tnf::Media,
            3 => Tnf::AbsoluteUri,
            4 => Tnf::External,
            5 => Tnf::Unknown,
            // 6 (unchanged) only appears in chunked records, which are refused; 7 is reserved.
            _ => return Err(NfcError::Ndef("unchanged or reserved TNF")),
        })
    }
}

/// One NDEF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Type Name Format.
    pub tnf: Tnf,
    /// The record type.
    pub record_type: Vec<u8>,
    /// The record ID (empty when absent).
    pub id: Vec<u8>,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Record {
    /// A record of `tnf` and `record_type` with `id` (empty for none) and `payload`.
    pub fn new(tnf: Tnf, record_type: &[u8], id: &[u8], payload: Vec<u8>) -> Self {
        Record {
            tnf,
            record_type: record_type.to_vec(),
            id: id.to_vec(),
            payload,
        }
    }

    /// Whether the record is of `tnf` and `record_type`.
    pub fn is(&self, tnf: Tnf, record_type: &[u8]) -> bool {
        self.tnf == tnf && self.record_type == record_type
    }
}

/// Encodes records as one NDEF message: MB on the first, ME on the last, the short-record form
/// wherever the payload is under 256 bytes, and IL wherever there is an ID.
pub fn encode(records: &[Record]) -> Result<Vec<u8>, NfcError> {
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let type_len =
            u8::try_from(r.record_type.len()).map_err(|_| NfcError::Ndef("type too long"))?;
        let id_len = u8::try_from(r.id.len()).map_err(|_| NfcError::Ndef("ID too long"))?;
        let short = r.payload.len() < 256;
        let mut header = r.tnf.code();
        if i == 0 {
            header |= MB;
        }
        if i + 1 == records.len() {
            header |= ME;
        }
        if short {
            header |= SR;
        }
        if id_len > 0 {
            header |= IL;
        }
        out.push(header);
        out.push(type_len);
        if short {
            out.push(u8::try_from(r.payload.len()).unwrap_or(u8::MAX));
        } else {
            let len = u32::try_from(r.payload.len()).map_err(|_| NfcError::TooLarge)?;
            out.extend_from_slice(&len.to_be_bytes());
        }
        if id_len > 0 {
            out.push(id_len);
        }
        out.extend_from_slice(&r.record_type);
        out.extend_from_slice(&r.id);
        out.extend_from_slice(&r.payload);
        if out.len() > MAX_MESSAGE_LEN {
            return Err(NfcError::TooLarge);
        }
    }
    if records.is_empty() {
        return Err(NfcError::Ndef("empty message"));
    }
    Ok(out)
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], NfcError> {
        if n > self.0.len() {
            return Err(NfcError::Ndef("truncated record"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, NfcError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }
}

/// Parses one NDEF message. Refuses chunked records, a first record without MB, a record after
/// ME, a missing ME, more than [`MAX_RECORDS`] records and anything over [`MAX_MESSAGE_LEN`].
pub fn parse(bytes: &[u8]) -> Result<Vec<Record>, NfcError> {
    if bytes.len() > MAX_MESSAGE_LEN {
        return Err(NfcError::TooLarge);
    }
    let mut c = Cursor(bytes);
    let mut records = Vec::new();
    loop {
        if records.len() == MAX_RECORDS {
            return Err(NfcError::Ndef("too many records"));
        }
        let header = c.byte()?;
        if (header & MB != 0) != records.is_empty() {
            return Err(NfcError::Ndef("message begin flag misplaced"));
        }
        if header & CF != 0 {
            return Err(NfcError::Ndef("chunked records are not supported"));
        }
        let tnf = Tnf::from_code(header & 0x07)?;
        let type_len = usize::from(c.byte()?);
        let payload_len = if header & SR != 0 {
            usize::from(c.byte()?)
        } else {
            let b: [u8; 4] = c
                .take(4)?
                .try_into()
                .map_err(|_| NfcError::Ndef("truncated record"))?;
            let len = u32::from_be_bytes(b);
            usize::try_from(len).map_err(|_| NfcError::TooLarge)?
        };
        let id_len = if header & IL != 0 {
            usize::from(c.byte()?)
        } else {
            0
        };
        if tnf == Tnf::Empty && (type_len, id_len, payload_len) != (0, 0, 0) {
            return Err(NfcError::Ndef("empty record with content"));
        }
        if tnf == Tnf::Unknown && type_len != 0 {
            return Err(NfcError::Ndef("unknown-type record with a type"));
        }
        let record_type = c.take(type_len)?.to_vec();
        let id = c.take(id_len)?.to_vec();
        let payload = c.take(payload_len)?.to_vec();
        records.push(Record {
            tnf,
            record_type,
            id,
            payload,
        });
        if header & ME != 0 {
            break;
        }
        if c.0.is_empty() {
            return Err(NfcError::Ndef("message end flag missing"));
        }
    }
    if !c.0.is_empty() {
        return Err(NfcError::Ndef("bytes after the message end"));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_in_short_and_long_form() {
        let records = vec![
            Record::new(Tnf::WellKnown, b"T", b"", vec![1, 2, 3]),
            Record::new(Tnf::Media, b"text/plain", b"id", vec![9; 300]),
            Record::new(Tnf::External, b"a.b:c", b"", vec![]),
        ];
        let bytes = encode(&records).unwrap();
        assert_eq!(bytes[0], MB | SR | 1);
        assert_eq!(bytes[1..3], [1, 3]);
        assert_eq!(parse(&bytes).unwrap(), records);
        let long_header = bytes[7];
        assert_eq!(
            long_header,
            IL | 2,
            "the 300-byte payload takes the long form"
        );
    }

    #[test]
    fn an_empty_record_is_a_valid_message() {
        let bytes = encode(&[Record::new(Tnf::Empty, b"", b"", vec![])]).unwrap();
        assert_eq!(bytes, [0xd0, 0, 0]);
        assert_eq!(parse(&bytes).unwrap().len(), 1);
    }

    #[test]
    fn bad_messages_are_refused() {
        let good = encode(&[
            Record::new(Tnf::WellKnown, b"T", b"", vec![1]),
            Record::new(Tnf::WellKnown, b"U", b"", vec![2]),
        ])
        .unwrap();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xd1],
            vec![0xd1, 1, 5, b'T', 1],         // payload truncated
            vec![0x51, 1, 1, b'T', 1],         // no MB
            vec![0xf1, 1, 1, b'T', 1],         // chunked
            vec![0xd6, 0, 0],                  // unchanged TNF
            vec![0xd7, 0, 0],                  // reserved TNF
            vec![0xd0, 1, 0, b'T'],            // empty with a type
            vec![0xd5, 1, 0, b'T'],            // unknown with a type
            vec![0xd1, 1, 1, b'T', 1, 0],      // trailing byte
            good[..good.len() - 4].to_vec(),   // ME record cut off
            [&good[..4], &good[..4]].concat(), // two MB records
            vec![0xc1, 1, 0xff, 0xff, 0xff, 0xff, b'T'], // long length past the end
        ];
        for case in cases {
            assert!(parse(&case).is_err(), "{case:02x?}");
        }
        let mut missing_end = good.clone();
        missing_end[5] &= !ME;
        assert!(parse(&missing_end).is_err());
        let many: Vec<Record> = (0..=MAX_RECORDS)
            .map(|_| Record::new(Tnf::WellKnown, b"T", b"", vec![]))
            .collect();
        assert!(parse(&encode(&many).unwrap()).is_err());
        assert!(encode(&[]).is_err());
        assert!(parse(&vec![0; MAX_MESSAGE_LEN + 1]).is_err());
        assert!(encode(&[Record::new(Tnf::Media, &[b'a'; 256], b"", vec![])]).is_err());
    }
}
