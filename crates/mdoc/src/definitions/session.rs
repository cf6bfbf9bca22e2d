//! SessionEstablishment and SessionData (ISO 18013-5 §9.1.1.4).

use crate::cbor::{ByteString, CborError, FieldMap, FromCbor, MapRest, Tagged, ToCbor, Value};
use crate::cose::CoseKey;

/// The reader's first message: its ephemeral key and the encrypted DeviceRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEstablishment {
    /// EReaderKeyBytes, tag 24, bytes as received (they enter the SessionTranscript).
    pub e_reader_key: Tagged<CoseKey>,
    /// The encrypted DeviceRequest.
    pub data: Vec<u8>,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

/// Every later message in either direction: encrypted data, a status, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionData {
    /// Encrypted DeviceRequest or DeviceResponse.
    pub data: Option<Vec<u8>>,
    /// Status code.
    pub status: Option<SessionStatus>,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

/// SessionData status codes (ISO 18013-5 Table 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStatus {
    /// 10: error, session encryption.
    EncryptionError,
    /// 11: error, CBOR decoding.
    CborDecodingError,
    /// 20: session termination.
    Termination,
    /// A code this version does not know.
    Other(u64),
}

impl SessionStatus {
    /// The numeric code.
    pub fn code(self) -> u64 {
        match self {
            SessionStatus::EncryptionError => 10,
            SessionStatus::CborDecodingError => 11,
            SessionStatus::Termination => 20,
            SessionStatus::Other(code) => code,
        }
    }

    /// The status for a numeric code.
    pub fn from_code(code: u64) -> Self {
        match code {
            10 => SessionStatus::EncryptionError,
            11 => SessionStatus::CborDecodingError,
            20 => SessionStatus::Termination,
            other => SessionStatus::Other(other),
        }
    }
}

impl SessionData {
    /// A message carrying encrypted data.
    pub fn with_data(data: Vec<u8>) -> Self {
        SessionData {
            data: Some(data),
            status: None,
            rest: MapRest::default(),
        }
    }

    /// A message carrying only a status (for example termination).
    pub fn with_status(status: SessionStatus) -> Self {
        SessionData {
            data: None,
            status: Some(status),
            rest: MapRest::default(),
        }
    }
}

impl FromCbor for SessionEstablishment {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "SessionEstablishment")?;
        let e_reader_key = f.required("eReaderKey")?;
        let data = f.required::<ByteString>("data")?.0;
        Ok(SessionEstablishment {
            e_reader_key,
            data,
            rest: f.finish(),
        })
    }
}

impl ToCbor for SessionEstablishment {
    fn to_cbor(&self) -> Value {
        self.rest.build(vec![
            (Value::text("eReaderKey"), self.e_reader_key.to_cbor()),
            (Value::text("data"), Value::Bytes(self.data.clone())),
        ])
    }
}

impl FromCbor for SessionData {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "SessionData")?;
        let data = f.optional::<ByteString>("data")?.map(|b| b.0);
        let status = f.optional::<u64>("status")?.map(SessionStatus::from_code);
        if data.is_none() && status.is_none() {
            return Err(CborError::MissingField {
                context: "SessionData",
                field: "data or status",
            });
        }
        Ok(SessionData {
            data,
            status,
            rest: f.finish(),
        })
    }
}

impl ToCbor for SessionData {
    fn to_cbor(&self) -> Value {
        let mut known = Vec::new();
        if let Some(data) = &self.data {
            known.push((Value::text("data"), Value::Bytes(data.clone())));
        }
        if let Some(status) = self.status {
            known.push((Value::text("status"), Value::Unsigned(status.code())));
        }
        self.rest.build(known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    #[test]
    fn status_only_and_data_only_messages() {
        let end = cbor::to_vec(&SessionData::with_status(SessionStatus::Termination));
        assert_eq!(
            end,
            vec![0xa1, 0x66, b's', b't', b'a', b't', b'u', b's', 0x14]
        );
        let parsed: SessionData = cbor::from_slice(&end).unwrap();
        assert_eq!(parsed.status, Some(SessionStatus::Termination));
        assert!(cbor::from_slice::<SessionData>(&[0xa0]).is_err());
        assert_eq!(SessionStatus::from_code(99).code(), 99);
    }
}
