//! Carrier configuration records of a handover (ISO/IEC 18013-5 §8.2.2.1 and §8.2.2.2): BLE LE
//! out-of-band data, the NFC carrier, Wi-Fi Aware (kept as data), and the DeviceEngagement
//! record.

use super::NfcError;
use super::ndef::{Record, Tnf};

/// Media type of a Bluetooth LE carrier configuration record.
pub const BLE_OOB_TYPE: &[u8] = b"application/vnd.bluetooth.le.oob";
/// Media type of a Wi-Fi Aware carrier configuration record.
pub const WIFI_AWARE_TYPE: &[u8] = b"application/vnd.wfa.nan";
/// External type of the NFC carrier configuration record.
pub const NFC_CARRIER_TYPE: &[u8] = b"iso.org:18013:nfc";
/// External type of the DeviceEngagement record.
pub const DEVICE_ENGAGEMENT_TYPE: &[u8] = b"iso.org:18013:deviceengagement";
/// The DeviceEngagement record's ID, referenced as the auxiliary data of the alternative
/// carriers.
pub const DEVICE_ENGAGEMENT_ID: &[u8] = b"mdoc";

/// AD type: LE Bluetooth device address (6 bytes and an address type byte).
pub const AD_LE_ADDRESS: u8 = 0x1b;
/// AD type: LE role.
pub const AD_LE_ROLE: u8 = 0x1c;
/// AD type: complete list of 128-bit service UUIDs.
pub const AD_UUID128: u8 = 0x07;
/// AD type carrying the mdoc's L2CAP PSM (4 bytes, little-endian), as multipaz writes it.
/// Not checked against the standard's text: see the README's BLE section.
pub const AD_PSM: u8 = 0x77;

/// The LE role a BLE carrier advertises (Bluetooth Core Specification Supplement, Part A §1.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeRole {
    /// 0x00: peripheral only.
    PeripheralOnly,
    /// 0x01: central only.
    CentralOnly,
    /// 0x02: both, peripheral preferred.
    PeripheralPreferred,
    /// 0x03: both, central preferred.
    CentralPreferred,
}

impl LeRole {
    /// The AD value.
    pub fn code(self) -> u8 {
        match self {
            LeRole::PeripheralOnly => 0,
            LeRole::CentralOnly => 1,
            LeRole::PeripheralPreferred => 2,
            LeRole::CentralPreferred => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => LeRole::PeripheralOnly,
            1 => LeRole::CentralOnly,
            2 => LeRole::PeripheralPreferred,
            3 => LeRole::CentralPreferred,
            _ => return None,
        })
    }
}

/// BLE LE out-of-band data: AD structures in the order received or added (so a record
/// re-encodes byte for byte).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BleOob {
    /// `(AD type, data)` pairs.
    pub structures: Vec<(u8, Vec<u8>)>,
}

impl BleOob {
    /// Adds the LE role.
    pub fn with_role(mut self, role: LeRole) -> Self {
        self.structures.push((AD_LE_ROLE, vec![role.code()]));
        self
    }

    /// Adds the mdoc service UUID (given in the usual big-endian order; sent little-endian).
    pub fn with_uuid(mut self, uuid: [u8; 16]) -> Self {
        self.structures
            .push((AD_UUID128, uuid.iter().rev().copied().collect()));
        self
    }

    /// Adds an LE device address (6 bytes) and its type (0 public, 1 random).
    pub fn with_address(mut self, address: [u8; 6], address_type: u8) -> Self {
        let mut data = address.to_vec();
        data.push(address_type);
        self.structures.push((AD_LE_ADDRESS, data));
        self
    }

    /// Adds the L2CAP PSM ([`AD_PSM`]).
    pub fn with_psm(mut self, psm: u32) -> Self {
        self.structures.push((AD_PSM, psm.to_le_bytes().to_vec()));
        self
    }

    fn find(&self, ad_type: u8) -> Option<&[u8]> {
        self.structures
            .iter()
            .find(|(t, _)| *t == ad_type)
            .map(|(_, d)| d.as_slice())
    }

    /// The LE role, if present and known.
    pub fn role(&self) -> Option<LeRole> {
        match self.find(AD_LE_ROLE)? {
            [code] => LeRole::from_code(*code),
            _ => None,
        }
    }

    /// The service UUID in big-endian order, if present and 16 bytes.
    pub fn uuid(&self) -> Option<[u8; 16]> {
        let mut uuid: [u8; 16] = self.find(AD_UUID128)?.try_into().ok()?;
        uuid.reverse();
        Some(uuid)
    }

    /// The LE device address and its type, if present.
    pub fn address(&self) -> Option<([u8; 6], u8)> {
        let data: [u8; 7] = self.find(AD_LE_ADDRESS)?.try_into().ok()?;
        let (address, kind) = data.split_at(6);
        Some((address.try_into().ok()?, *kind.first()?))
    }

    /// The L2CAP PSM, if present.
    pub fn psm(&self) -> Option<u32> {
        Some(u32::from_le_bytes(self.find(AD_PSM)?.try_into().ok()?))
    }

    /// The record payload: each structure as length (type + data), type, data.
    pub fn encode(&self) -> Result<Vec<u8>, NfcError> {
        let mut out = Vec::new();
        for (ad_type, data) in &self.structures {
            let len = u8::try_from(data.len() + 1).map_err(|_| NfcError::Carrier("AD too long"))?;
            out.push(len);
            out.push(*ad_type);
            out.extend_from_slice(data);
        }
        Ok(out)
    }

    /// Parses a record payload (AD structures; a zero length ends the data early, as the
    /// Bluetooth format allows).
    pub fn parse(payload: &[u8]) -> Result<Self, NfcError> {
        let mut structures = Vec::new();
        let mut rest = payload;
        while let Some((&len, tail)) = rest.split_first() {
            if len == 0 {
                break;
            }
            let len = usize::from(len);
            if len > tail.len() {
                return Err(NfcError::Carrier("truncated AD structure"));
            }
            let (structure, after) = tail.split_at(len);
            if let Some((&ad_type, data)) = structure.split_first() {
                structures.push((ad_type, data.to_vec()));
            }
            rest = after;
        }
        Ok(BleOob { structures })
    }
}

/// A carrier the alternative carrier records point at, with its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    /// Bluetooth LE.
    Ble(BleOob),
    /// NFC data retrieval: the payload (version byte, then lengths), kept as received.
    Nfc(Vec<u8>),
    /// Wi-Fi Aware: the payload kept as data.
    WifiAware(Vec<u8>),
}

impl Carrier {
    /// The carrier configuration record with `id` (the carrier data reference).
    pub fn to_record(&self, id: &[u8]) -> Result<Record, NfcError> {
        Ok(match self {
            Carrier::Ble(oob) => Record::new(Tnf::Media, BLE_OOB_TYPE, id, oob.encode()?),
            Carrier::Nfc(p) => Record::new(Tnf::External, NFC_CARRIER_TYPE, id, p.clone()),
            Carrier::WifiAware(p) => Record::new(Tnf::Media, WIFI_AWARE_TYPE, id, p.clone()),
        })
    }

    /// The carrier of a carrier configuration record; `None` for another record.
    pub fn from_record(record: &Record) -> Result<Option<Self>, NfcError> {
        Ok(if record.is(Tnf::Media, BLE_OOB_TYPE) {
            Some(Carrier::Ble(BleOob::parse(&record.payload)?))
        } else if record.is(Tnf::External, NFC_CARRIER_TYPE) {
            Some(Carrier::Nfc(record.payload.clone()))
        } else if record.is(Tnf::Media, WIFI_AWARE_TYPE) {
            Some(Carrier::WifiAware(record.payload.clone()))
        } else {
            None
        })
    }

    /// Whether two carriers are of the same kind.
    pub fn same_kind(&self, other: &Carrier) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// The DeviceEngagement record for DeviceEngagementBytes' content.
pub fn device_engagement_record(engagement: &[u8]) -> Record {
    Record::new(
        Tnf::External,
        DEVICE_ENGAGEMENT_TYPE,
        DEVICE_ENGAGEMENT_ID,
        engagement.to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ble_oob_round_trips_and_reads_its_fields() {
        let uuid = [0x12; 16];
        let oob = BleOob::default()
            .with_role(LeRole::PeripheralOnly)
            .with_uuid(uuid)
            .with_address([1, 2, 3, 4, 5, 6], 1)
            .with_psm(0x0081);
        let bytes = oob.encode().unwrap();
        assert_eq!(&bytes[..3], &[2, AD_LE_ROLE, 0]);
        let parsed = BleOob::parse(&bytes).unwrap();
        assert_eq!(parsed, oob);
        assert_eq!(parsed.role(), Some(LeRole::PeripheralOnly));
        assert_eq!(parsed.uuid(), Some(uuid));
        assert_eq!(parsed.address(), Some(([1, 2, 3, 4, 5, 6], 1)));
        assert_eq!(parsed.psm(), Some(0x81));
    }

    #[test]
    fn bad_ble_oob_is_refused_and_odd_fields_read_as_absent() {
        assert!(BleOob::parse(&[5, AD_LE_ROLE, 0]).is_err());
        let odd = BleOob::parse(&[3, AD_LE_ROLE, 9, 9, 2, AD_UUID128, 1]).unwrap();
        assert_eq!(odd.role(), None);
        assert_eq!(odd.uuid(), None);
        assert_eq!(odd.psm(), None);
        assert_eq!(BleOob::parse(&[0, 9, 9]).unwrap(), BleOob::default());
    }

    #[test]
    fn carriers_map_to_and_from_records() {
        for carrier in [
            Carrier::Ble(BleOob::default().with_role(LeRole::CentralOnly)),
            Carrier::Nfc(vec![1]),
            Carrier::WifiAware(vec![3, 1, 1]),
        ] {
            let record = carrier.to_record(b"0").unwrap();
            assert_eq!(Carrier::from_record(&record).unwrap(), Some(carrier));
        }
        let other = Record::new(Tnf::WellKnown, b"T", b"", vec![]);
        assert_eq!(Carrier::from_record(&other).unwrap(), None);
    }
}
